// explains: used_after_move
// A future awaited twice (E0382): `.await` consumes it.
async fn fetch() -> u32 {
    7
}

pub async fn run() -> u32 {
    let answer = fetch();
    let first = answer.await;
    first + answer.await
}
