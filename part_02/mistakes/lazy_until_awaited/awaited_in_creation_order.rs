// mistake: almost-right Rust
// what: `queue` is right, but `run` awaits the futures in the order they were made: a future runs
//   when it is awaited, so job 1 goes first
// expect: futures run in the order they are awaited, so await job 2 first

fn queue(jobs: &Jobs, n: u32) -> impl Future<Output = u32> {
    jobs.trace.say(format!("queued {n}"));
    async move { jobs.work(n).await }
}

async fn run(jobs: &Jobs) {
    let one = queue(jobs, 1);
    let two = queue(jobs, 2);
    jobs.trace.say("main: queued both");
    one.await;
    two.await;
}
