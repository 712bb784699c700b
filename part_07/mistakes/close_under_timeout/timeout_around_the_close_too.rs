// mistake: asyncio habit
// what: the close sits inside the timeout with the body (`async with asyncio.timeout(limit):`
//   around both the body and `await conn.close()`): on a timeout the whole block is dropped, so
//   the close never runs
// expect: the database never saw the connection close

pub async fn with_connection<T>(
    trace: &Trace,
    db: &Database,
    limit: Duration,
    body: impl AsyncFnOnce(&Connection) -> Result<T, String>,
) -> Result<T, Failed> {
    let conn = Connection::open(trace, db).await;
    let outcome = tokio::time::timeout(limit, async move {
        let result = body(&conn).await;
        conn.close().await;
        result
    })
    .await;
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
