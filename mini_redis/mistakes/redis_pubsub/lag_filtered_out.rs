// mistake: almost-right Rust
// what: `Some((channel, Ok(message))) = subscriptions.next()` in the `select!`: a subscriber that
//   fell behind loses the `Lagged` error without a word, and never learns it missed messages
// expect: instead of filtering it out with an `Ok(..)` pattern

async fn connection<T>(io: T, store: Store, channels: Channels) -> io::Result<()>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut frames = Framed::new(io, RequestCodec::new());
    let mut subscriptions = Subscriptions::new();
    loop {
        let event = tokio::select! {
            request = frames.next() => Event::Request(request),
            Some((channel, Ok(message))) = subscriptions.next() => {
                Event::Message(channel, Ok(message))
            }
        };
        let first = match event {
            Event::Request(Some(request)) => request?,
            Event::Request(None) => return Ok(()),
            Event::Message(channel, message) => {
                frames.send(message_line(&channel, message)).await?;
                continue;
            }
        };
        if answer_batch(&mut frames, first, &store, &channels, &mut subscriptions).await?
            == Next::Close
        {
            return Ok(());
        }
    }
}

fn subscribe(channels: &Channels, channel: &str) -> BroadcastStream<String> {
    let mut map = channels
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let sender = map
        .entry(channel.to_string())
        .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0);
    BroadcastStream::new(sender.subscribe())
}

fn publish(channels: &Channels, channel: &str, message: &str) -> usize {
    let mut map = channels
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let Some(sender) = map.get(channel) else {
        return 0;
    };
    match sender.send(message.to_string()) {
        Ok(receivers) => receivers,
        Err(_) => {
            map.remove(channel);
            0
        }
    }
}
