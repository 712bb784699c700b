// mistake: almost-right Rust
// what: closes the moment the token fires: a request already in the socket, not yet read, is
//   never answered (and closing with it unread resets the connection)
// expect: must be answered in full

async fn serve(listener: TcpListener, shutdown: impl Future<Output = ()>) {
    let store = Store::default();
    let channels = Channels::default();
    let stop = CancellationToken::new();
    let tasks = TaskTracker::new();
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
        let (store, channels, stop) = (store.clone(), channels.clone(), stop.child_token());
        tasks.spawn(async move {
            if let Err(err) = connection(stream, store, channels, stop).await {
                eprintln!("connection ended: {err}");
            }
        });
    }
    drop(listener);
    stop.cancel();
    tasks.close();
    tasks.wait().await;
}

async fn connection<T>(
    io: T,
    store: Store,
    channels: Channels,
    stop: CancellationToken,
) -> io::Result<()>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut frames = Framed::new(io, RequestCodec::new());
    let mut subscriptions = Subscriptions::new();
    loop {
        let event = tokio::select! {
            biased;
            () = stop.cancelled() => Event::Shutdown,
            request = frames.next() => Event::Request(request),
            Some((channel, message)) = subscriptions.next() => Event::Message(channel, message),
        };
        let first = match event {
            Event::Request(Some(request)) => request?,
            Event::Request(None) => return Ok(()),
            Event::Message(channel, message) => {
                frames.send(message_line(&channel, message)).await?;
                continue;
            }
            Event::Shutdown => return Ok(()),
        };
        if answer_batch(&mut frames, first, &store, &channels, &mut subscriptions).await?
            == Next::Close
        {
            return Ok(());
        }
    }
}
