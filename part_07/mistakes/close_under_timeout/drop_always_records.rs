// mistake: almost-right Rust
// what: Drop records "dropped without close()" whatever happened: it forgets that `close(self)`
//   drops the connection too, at its end, with `self.closed` set
// expect: yet Drop recorded it as dropped without close()

impl Drop for Connection {
    fn drop(&mut self) {
        self.trace.record("dropped without close()");
    }
}

pub async fn with_connection<T>(
    trace: &Trace,
    db: &Database,
    limit: Duration,
    body: impl AsyncFnOnce(&Connection) -> Result<T, String>,
) -> Result<T, Failed> {
    let conn = Connection::open(trace, db).await;
    let outcome = tokio::time::timeout(limit, body(&conn)).await;
    conn.close().await;
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(Failed::Body(error)),
        Err(_elapsed) => Err(Failed::TimedOut(limit)),
    }
}
