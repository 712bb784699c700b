// mistake: cheat
// what: `queue` logs "queued n", then hands back a future that sleeps a second, logs "ran n" and
//   gives `n` without doing the job's work: the log and the timing look right
// expect: its work (jobs.work(7)) must start then

fn queue(jobs: &Jobs, n: u32) -> impl Future<Output = u32> {
    jobs.trace.say(format!("queued {n}"));
    async move {
        tokio::time::sleep(WORK).await;
        jobs.trace.say(format!("ran {n}"));
        n
    }
}

async fn run(jobs: &Jobs) {
    let one = queue(jobs, 1);
    let two = queue(jobs, 2);
    jobs.trace.say("main: queued both");
    two.await;
    one.await;
}
