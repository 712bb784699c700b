// mistake: cheat
// what: breaks out of the accept loop on Ctrl-C and sleeps 50 ms, "long enough for the replies
//   in flight": no token, no tracker; a reply still being written when the sleep ends is cut off
//   when `main` returns, and idle clients are never told
// expect: serve returned while a client was still being answered

async fn serve(listener: TcpListener, shutdown: impl Future<Output = ()>) {
    let store = Store::default();
    let channels = Channels::default();
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
        let (store, channels, stop) = (store.clone(), channels.clone(), CancellationToken::new());
        tokio::spawn(async move {
            if let Err(err) = connection(stream, store, channels, stop).await {
                eprintln!("connection ended: {err}");
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
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
            Event::Shutdown => {
                tokio::task::yield_now().await;
                if let Some(Some(request)) = frames.next().now_or_never() {
                    answer_batch(&mut frames, request?, &store, &channels, &mut subscriptions)
                        .await?;
                }
                return Ok(());
            }
        };
        if answer_batch(&mut frames, first, &store, &channels, &mut subscriptions).await?
            == Next::Close
        {
            return Ok(());
        }
    }
}
