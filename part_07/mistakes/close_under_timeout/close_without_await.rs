// mistake: almost-right Rust
// what: `conn.close();` without `.await`, as if calling it were enough (Python warns "coroutine
//   was never awaited" at run time; here the workspace turns the unused future into an error)
// expect: futures do nothing unless you `.await` or poll them
// stage: compile

pub async fn with_connection<T>(
    trace: &Trace,
    db: &Database,
    limit: Duration,
    body: impl AsyncFnOnce(&Connection) -> Result<T, String>,
) -> Result<T, Failed> {
    let conn = Connection::open(trace, db).await;
    let outcome = tokio::time::timeout(limit, body(&conn)).await;
    conn.close();
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
