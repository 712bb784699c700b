// mistake: almost-right Rust
// what: `rayon::scope` runs the job on rayon's pool, but the scope returns only once the job is
//   done: the runtime thread waits there all along
// expect: (a blocking recv, rayon::scope, join or install)

async fn on_rayon<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> T {
    let mut answer = None;
    rayon::scope(|s| s.spawn(|_| answer = Some(job())));
    answer.expect("the scope waits for the job")
}
