// mistake: cheat
// what: never calls close(): prints the close's lines, sleeps as long as a close takes, and sets
//   `closed` so that Drop stays quiet. The trace reads right; the database saw no close
// expect: Printing "closed" is not closing

pub async fn with_connection<T>(
    trace: &Trace,
    db: &Database,
    limit: Duration,
    body: impl AsyncFnOnce(&Connection) -> Result<T, String>,
) -> Result<T, Failed> {
    let mut conn = Connection::open(trace, db).await;
    let outcome = tokio::time::timeout(limit, body(&conn)).await;
    trace.record("close start");
    sleep(CLOSE).await;
    trace.record("closed");
    conn.closed = true;
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
