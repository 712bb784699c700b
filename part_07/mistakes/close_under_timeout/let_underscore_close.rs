// mistake: almost-right Rust
// what: `let _ = conn.close();`, written to quiet the "unused future" error: the call only builds
//   the close future, and `let _ =` drops it on the spot, taking `conn` with it. A Rust future
//   does nothing until it is awaited
// expect: the database never saw the connection close

pub async fn with_connection<T>(
    trace: &Trace,
    db: &Database,
    limit: Duration,
    body: impl AsyncFnOnce(&Connection) -> Result<T, String>,
) -> Result<T, Failed> {
    let conn = Connection::open(trace, db).await;
    let outcome = tokio::time::timeout(limit, body(&conn)).await;
    let _ = conn.close();
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
