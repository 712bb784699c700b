// mistake: asyncio habit
// what: hands the close to a task (`asyncio.create_task(conn.close())`) and reports at once:
//   the close does happen, but after with_connection has returned, and nothing waits for it
// expect: it returned before the close finished

pub async fn with_connection<T>(
    trace: &Trace,
    db: &Database,
    limit: Duration,
    body: impl AsyncFnOnce(&Connection) -> Result<T, String>,
) -> Result<T, Failed> {
    let conn = Connection::open(trace, db).await;
    let outcome = tokio::time::timeout(limit, body(&conn)).await;
    tokio::spawn(conn.close());
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(Failed::Body(error)),
        Err(_elapsed) => Err(Failed::TimedOut(limit)),
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if !self.closed {
            self.trace.record("dropped without close()");
        }
    }
}
