// mistake: asyncio habit
// what: lets the body run to its end, then compares the time it took with the limit
//   (`if loop.time() - start > limit: raise TimeoutError`): the report is right, but a slow
//   body is never stopped and the close waits for it
// expect: tokio::time::timeout stopped it

pub async fn with_connection<T>(
    trace: &Trace,
    db: &Database,
    limit: Duration,
    body: impl AsyncFnOnce(&Connection) -> Result<T, String>,
) -> Result<T, Failed> {
    let conn = Connection::open(trace, db).await;
    let started = Instant::now();
    let outcome = body(&conn).await;
    let took = started.elapsed();
    conn.close().await;
    match outcome {
        _ if took > limit => Err(Failed::TimedOut(limit)),
        Ok(value) => Ok(value),
        Err(error) => Err(Failed::Body(error)),
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if !self.closed {
            self.trace.record("dropped without close()");
        }
    }
}
