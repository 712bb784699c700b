// mistake: cheat
// what: PUBLISH answers from a tally of the SUBSCRIBEs each channel has seen, kept on the side,
//   instead of what `send` reached: right until someone unsubscribes or leaves
// expect: not a tally of SUBSCRIBEs

static TALLY: std::sync::LazyLock<Mutex<HashMap<String, usize>>> =
    std::sync::LazyLock::new(Mutex::default);

fn subscribe(channels: &Channels, channel: &str) -> BroadcastStream<String> {
    *TALLY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .entry(channel.to_string())
        .or_default() += 1;
    let mut map = channels
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let sender = map
        .entry(channel.to_string())
        .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0);
    BroadcastStream::new(sender.subscribe())
}

fn publish(channels: &Channels, channel: &str, message: &str) -> usize {
    let map = channels
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(sender) = map.get(channel) {
        let _ = sender.send(message.to_string());
    }
    let tally = TALLY.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    tally.get(channel).copied().unwrap_or(0)
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
