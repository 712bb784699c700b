// explains: not_static
// `tokio::spawn` of a block that borrows a local (E0373).
pub async fn run() {
    let name = String::from("job");
    let task = tokio::spawn(async {
        println!("{name}");
    });
    let _ = task.await;
}
