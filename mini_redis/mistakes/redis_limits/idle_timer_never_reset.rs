// mistake: almost-right Rust
// what: one idle `sleep` per connection, raced in the select!, but never reset: every client is
//   closed one idle timeout after it connected, however much it talks
// expect: restart the idle timer after every request

async fn serve(listener: TcpListener, limits: Limits, shutdown: impl Future<Output = ()>) {
    let store = Store::default();
    let channels = Channels::default();
    let stop = CancellationToken::new();
    let tasks = TaskTracker::new();
    let permits = Arc::new(Semaphore::new(limits.max_connections));
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
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            tasks.spawn(reject(stream));
            continue;
        };
        let (store, channels, stop) = (store.clone(), channels.clone(), stop.child_token());
        tasks.spawn(async move {
            if let Err(err) = connection(stream, store, channels, stop, limits.idle_timeout).await {
                eprintln!("connection ended: {err}");
            }
            drop(permit);
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
    }
}
