// mistake: almost-right Rust
// what: `map.insert(name, broadcast::channel(..).0)` on every SUBSCRIBE: each subscriber
//   replaces the channel's sender, the earlier subscribers' receivers see it closed, and only
//   the newest one gets messages
// expect: must reach all 2

fn subscribe(channels: &Channels, channel: &str) -> BroadcastStream<String> {
    let mut map = channels
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let (sender, receiver) = broadcast::channel(CHANNEL_CAPACITY);
    map.insert(channel.to_string(), sender);
    BroadcastStream::new(receiver)
}

async fn connection<T>(io: T, store: Store, channels: Channels) -> io::Result<()>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut frames = Framed::new(io, RequestCodec::new());
    let mut subscriptions = Subscriptions::new();
    loop {
        let event = tokio::select! {
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
        };
        if answer_batch(&mut frames, first, &store, &channels, &mut subscriptions).await?
            == Next::Close
        {
            return Ok(());
        }
    }
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
