// mistake: asyncio habit
// what: no `select!`: reads a request, answers it, then drains whatever messages are queued
//   (`queue.get_nowait()` until empty), so a subscriber that sends nothing gets nothing
// expect: the connection must wait for requests and messages at once

async fn connection<T>(io: T, store: Store, channels: Channels) -> io::Result<()>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut frames = Framed::new(io, RequestCodec::new());
    let mut subscriptions = Subscriptions::new();
    while let Some(request) = frames.next().await {
        if answer_batch(&mut frames, request?, &store, &channels, &mut subscriptions).await?
            == Next::Close
        {
            return Ok(());
        }
        while let Some(Some((channel, message))) = subscriptions.next().now_or_never() {
            frames.send(message_line(&channel, message)).await?;
        }
    }
    Ok(())
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
