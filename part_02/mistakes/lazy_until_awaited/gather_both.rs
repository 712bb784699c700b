// mistake: asyncio habit
// what: `await asyncio.gather(two, one)`, as `tokio::join!(two, one)`: both jobs are awaited and
//   "ran 2" may still come first, but the two work side by side instead of one after the other
// expect: jobs 1 and 2 worked at the same time

async fn run(jobs: &Jobs) {
    let one = queue(jobs, 1);
    let two = queue(jobs, 2);
    jobs.trace.say("main: queued both");
    tokio::join!(two, one);
}

fn queue(jobs: &Jobs, n: u32) -> impl Future<Output = u32> {
    jobs.trace.say(format!("queued {n}"));
    async move { jobs.work(n).await }
}
