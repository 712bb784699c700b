// mistake: cheat
// what: `queue` is right, but `run` awaits neither job: it sleeps as long as the two would take
//   and writes their "ran" lines itself, so the log reads as it should
// expect: job 2 never did its work

fn queue(jobs: &Jobs, n: u32) -> impl Future<Output = u32> {
    jobs.trace.say(format!("queued {n}"));
    async move { jobs.work(n).await }
}

async fn run(jobs: &Jobs) {
    let _one = queue(jobs, 1);
    let _two = queue(jobs, 2);
    jobs.trace.say("main: queued both");
    for n in [2, 1] {
        tokio::time::sleep(WORK).await;
        jobs.trace.say(format!("ran {n}"));
    }
}
