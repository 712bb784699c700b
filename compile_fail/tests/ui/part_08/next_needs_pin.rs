// `StreamExt::next` polls the stream through `&mut`, which needs `Unpin`. A stream that holds a
// `Sleep` (like part_08's CountUp) is !Unpin: the timer knows the Sleep by its address. The fix:
// `let mut stream = std::pin::pin!(stream);` (or `Box::pin(stream)`).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::{Stream, StreamExt};
use tokio::time::Sleep;

struct Ticks {
    sleep: Sleep,
}

impl Stream for Ticks {
    type Item = u32;

    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<u32>> {
        Poll::Ready(None)
    }
}

#[tokio::main]
async fn main() {
    let mut stream = Ticks {
        sleep: tokio::time::sleep(Duration::from_millis(100)),
    };
    while let Some(x) = stream.next().await {
        println!("{x}");
    }
}
