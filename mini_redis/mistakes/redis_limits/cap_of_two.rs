// mistake: cheat
// what: counts the clients it serves against a fixed 2 instead of `limits.max_connections`:
//   right for one cap only
// expect: the cap is 1, and every place was taken: one more client was served too

use std::sync::atomic::{AtomicUsize, Ordering};

async fn serve(listener: TcpListener, limits: Limits, shutdown: impl Future<Output = ()>) {
    let store = Store::default();
    let channels = Channels::default();
    let stop = CancellationToken::new();
    let tasks = TaskTracker::new();
    let served = Arc::new(AtomicUsize::new(0));
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(err) => {
                    eprintln!("accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        if served.load(Ordering::SeqCst) >= 2 {
            tasks.spawn(reject(stream));
            continue;
        }
        served.fetch_add(1, Ordering::SeqCst);
        let served = Arc::clone(&served);
        let (store, channels, stop) = (store.clone(), channels.clone(), stop.child_token());
        tasks.spawn(async move {
            if let Err(err) = connection(stream, store, channels, stop, limits.idle_timeout).await {
                eprintln!("connection ended: {err}");
            }
            served.fetch_sub(1, Ordering::SeqCst);
        });
    }
    drop(listener);
    stop.cancel();
    tasks.close();
    tasks.wait().await;
}

async fn reject(mut stream: TcpStream) {
    let _ = stream
        .write_all(b"ERROR max number of clients reached\n")
        .await;
    let _ = stream.shutdown().await;
}

async fn connection<T>(
    io: T,
    store: Store,
    channels: Channels,
    stop: CancellationToken,
    idle_timeout: Duration,
) -> io::Result<()>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut frames = Framed::new(io, RequestCodec::new());
    let mut subscriptions = Subscriptions::new();
    let idle = tokio::time::sleep(idle_timeout);
    tokio::pin!(idle);
    loop {
        let event = tokio::select! {
            biased;
            () = stop.cancelled() => Event::Shutdown,
            request = frames.next() => Event::Request(request),
            Some((channel, message)) = subscriptions.next() => Event::Message(channel, message),
            () = &mut idle => Event::Idle,
        };
        let first = match event {
            Event::Request(Some(request)) => request?,
            Event::Request(None) => return Ok(()),
            Event::Message(channel, message) => {
                frames.send(message_line(&channel, message)).await?;
                continue;
            }
            Event::Shutdown => {
                tokio::task::yield_now().await;
                if let Some(Some(request)) = frames.next().now_or_never() {
                    answer_batch(&mut frames, request?, &store, &channels, &mut subscriptions)
                        .await?;
                }
                return Ok(());
            }
            Event::Idle => return Ok(()),
        };
        if answer_batch(&mut frames, first, &store, &channels, &mut subscriptions).await?
            == Next::Close
        {
            return Ok(());
        }
        idle.as_mut().reset(Instant::now() + idle_timeout);
    }
}
