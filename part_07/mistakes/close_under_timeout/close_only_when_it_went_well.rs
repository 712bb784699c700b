// mistake: asyncio habit
// what: `?` on the timeout and on the body's result before the close: a `try` without its
//   `finally`. Each `?` returns at once, so an error or a timeout skips `conn.close().await`
// expect: the database never saw the connection close

pub async fn with_connection<T>(
    trace: &Trace,
    db: &Database,
    limit: Duration,
    body: impl AsyncFnOnce(&Connection) -> Result<T, String>,
) -> Result<T, Failed> {
    let conn = Connection::open(trace, db).await;
    let value = tokio::time::timeout(limit, body(&conn))
        .await
        .map_err(|_elapsed| Failed::TimedOut(limit))?
        .map_err(Failed::Body)?;
    conn.close().await;
    Ok(value)
}

impl Drop for Connection {
    fn drop(&mut self) {
        if !self.closed {
            self.trace.record("dropped without close()");
        }
    }
}
