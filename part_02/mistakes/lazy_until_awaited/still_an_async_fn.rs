// mistake: asyncio habit
// what: keeps `async def queue`, as an `async fn`, and fixes only `run`: the jobs run in the right
//   order, but "queued n" is logged when the future is awaited, not when queue is called
// expect: an async fn's body (its first line too) waits for the .await

async fn run(jobs: &Jobs) {
    let one = queue(jobs, 1);
    let two = queue(jobs, 2);
    jobs.trace.say("main: queued both");
    two.await;
    one.await;
}
