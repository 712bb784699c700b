// mistake: almost-right Rust
// what: a plain `fn` returning `async move { … }`, but with the log line inside the block too: the
//   whole body is lazy again, exactly as the `async fn` was
// expect: must log "queued 7" at once

fn queue(jobs: &Jobs, n: u32) -> impl Future<Output = u32> {
    async move {
        jobs.trace.say(format!("queued {n}"));
        jobs.work(n).await
    }
}

async fn run(jobs: &Jobs) {
    let one = queue(jobs, 1);
    let two = queue(jobs, 2);
    jobs.trace.say("main: queued both");
    two.await;
    one.await;
}
