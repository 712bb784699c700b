// mistake: almost-right Rust
// what: `Some(request) = frames.next()` in the `select!`, like the message branch: at the end of
//   the stream the branch is only disabled, so a subscriber that closes its socket keeps its
//   connection waiting for messages, subscribed, forever
// expect: the connection must end, which drops its subscriptions

async fn connection<T>(io: T, store: Store, channels: Channels) -> io::Result<()>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut frames = Framed::new(io, RequestCodec::new());
    let mut subscriptions = Subscriptions::new();
    loop {
        let event = tokio::select! {
            Some(request) = frames.next() => Event::Request(Some(request)),
            Some((channel, message)) = subscriptions.next() => Event::Message(channel, message),
            else => return Ok(()),
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
