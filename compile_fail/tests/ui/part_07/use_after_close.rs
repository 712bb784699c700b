// `close(self)` takes the connection by value: once closed, it is gone. Python keeps `conn` around
// after `async with` and lets you call it (and fail at run time); here it is a compile error.

struct Connection;

impl Connection {
    async fn query(&self) -> u32 {
        1
    }

    async fn close(self) {}
}

#[tokio::main]
async fn main() {
    let conn = Connection;
    conn.close().await;
    let rows = conn.query().await;
    println!("{rows}");
}
