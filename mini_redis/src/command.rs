//! Commands: what a request asks for, parsed and checked before anything is executed.
//!
//! A request becomes a [`Command`] plus the [`Dialect`] its reply is written in:
//!
//! - a RESP array is always Redis: `*2\r\n$3\r\nGET\r\n$1\r\na\r\n` → `$1\r\n…` or `$-1`;
//! - a text line starting with `GET`, `PUT`, `DEL` or `QUIT` is the workshop's line dialect, the
//!   one the Python original spoke: `GET a` → `OK 1` or `NONE`;
//! - any other text line is a Redis inline command (`SET a b`, `PING`), answered in RESP.
//!
//! Parsing is separate from executing (that is in [`crate::execute`]) so that every error a
//! client can provoke is found here, in one place, and turned into an error reply.
//!
//! A [`Command`] borrows its arguments from the request (`Command<'a>` holds `&'a [u8]`): parsing
//! copies nothing. Only what outlives the request, a value stored or a message published, is
//! turned into owned bytes, by [`Request::keep`].

use crate::codec::{Limits, Request};
use crate::frame::{Frame, Reply, parse_i64};
pub use crate::store::Condition;
use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// How a reply is written: in RESP, or in the workshop's line dialect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Resp,
    Line,
}

impl Dialect {
    /// Wraps a frame for the encoder.
    pub fn reply(self, frame: Frame) -> Reply {
        match self {
            Dialect::Resp => Reply::Resp(frame),
            Dialect::Line => Reply::Line(frame),
        }
    }
}

/// One command, with its arguments checked, borrowed from the request it was parsed from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command<'a> {
    Ping(Option<&'a [u8]>),
    Echo(&'a [u8]),
    Get(&'a [u8]),
    Set(Set<'a>),
    Del(Vec<&'a [u8]>),
    Exists(Vec<&'a [u8]>),
    Incr(&'a [u8]),
    Expire {
        key: &'a [u8],
        seconds: i64,
    },
    Ttl(&'a [u8]),
    DbSize,
    Publish {
        channel: &'a [u8],
        message: &'a [u8],
    },
    Subscribe(Vec<&'a [u8]>),
    Unsubscribe(Vec<&'a [u8]>),
    /// `CONFIG GET pattern…`: redis-benchmark asks for `save` and `appendonly` at start.
    ConfigGet(Vec<&'a [u8]>),
    /// `COMMAND [subcommand …]`: redis-cli asks for the command table at start.
    CommandInfo(Option<&'a [u8]>),
    Quit,
}

/// `SET key value [EX seconds | PX milliseconds] [NX | XX]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Set<'a> {
    pub key: &'a [u8],
    pub value: &'a [u8],
    pub expire: Option<Duration>,
    pub condition: Condition,
}

/// The error reply for a request that could not be parsed, and the dialect to write it in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    pub dialect: Dialect,
    pub frame: Frame,
}

impl Rejected {
    fn resp(message: impl Into<Cow<'static, str>>) -> Rejected {
        Rejected {
            dialect: Dialect::Resp,
            frame: Frame::Error(message.into()),
        }
    }

    fn line(message: impl Into<Cow<'static, str>>) -> Rejected {
        Rejected {
            dialect: Dialect::Line,
            frame: Frame::Error(message.into()),
        }
    }
}

/// Turns a framed request into a command and the dialect of its reply.
pub fn parse<'a>(
    request: &'a Request,
    limits: &Limits,
) -> Result<(Dialect, Command<'a>), Rejected> {
    match request {
        Request::Array(args) => Command::from_args(args.iter()).map(|cmd| (Dialect::Resp, cmd)),
        Request::Line(line) => parse_text_line(line),
        Request::LineTooLong => Err(Rejected::line(format!(
            "ERR line too long (the limit is {} bytes)",
            limits.max_line
        ))),
    }
}

/// A text line: the workshop's line dialect, or else a Redis inline command.
fn parse_text_line(line: &[u8]) -> Result<(Dialect, Command<'_>), Rejected> {
    // Keys and values are bytes inside, but a line is text: a client typing into nc gets told.
    let Ok(text) = std::str::from_utf8(line) else {
        return Err(Rejected::line("ERR invalid UTF-8 in line"));
    };
    let text = text.trim_start();
    let (name, rest) = text.split_once([' ', '\t']).unwrap_or((text, ""));
    let words: Vec<&str> = rest.split_ascii_whitespace().collect();
    let usage = |u: &'static str| Err(Rejected::line(u));
    let line_command = match uppercase(name.as_bytes()).as_deref() {
        Some(b"GET") => match words[..] {
            [key] => Some(Command::Get(key.as_bytes())),
            _ => return usage("ERR usage: GET key"),
        },
        Some(b"PUT") => {
            // The value is the rest of the line, spaces and all: `PUT greeting hello world`.
            let rest = rest.trim_start_matches([' ', '\t']);
            match rest.split_once([' ', '\t']) {
                Some((key, value)) if !value.trim_start_matches([' ', '\t']).is_empty() => {
                    let value = value.trim_start_matches([' ', '\t']);
                    Some(Command::Set(Set {
                        key: key.as_bytes(),
                        value: value.as_bytes(),
                        expire: None,
                        condition: Condition::Always,
                    }))
                }
                // The original answered `PUT k` with OK and stored nothing: an error here.
                _ => return usage("ERR usage: PUT key value"),
            }
        }
        Some(b"DEL") => match words[..] {
            [key] => Some(Command::Del(vec![key.as_bytes()])),
            _ => return usage("ERR usage: DEL key"),
        },
        Some(b"QUIT") => match words[..] {
            [] => Some(Command::Quit),
            _ => return usage("ERR usage: QUIT"),
        },
        _ => None,
    };
    if let Some(command) = line_command {
        return Ok((Dialect::Line, command));
    }
    // A Redis inline command: words separated by spaces, quotes allowed (`SET k "a b"`).
    let words = split_inline(text).map_err(Rejected::line)?;
    if words
        .first()
        .is_some_and(|name| is_redis_command(name.as_bytes()))
    {
        let args = words.into_iter().map(str::as_bytes);
        return Command::from_args(args).map(|cmd| (Dialect::Resp, cmd));
    }
    Err(Rejected::line(format!(
        "ERR unknown command '{}' (try GET key, PUT key value, DEL key, QUIT)",
        truncated(name.as_bytes())
    )))
}

impl<'a> Command<'a> {
    /// Parses a command from its arguments, the name first (a RESP array, an inline command).
    pub fn from_args<I>(args: I) -> Result<Command<'a>, Rejected>
    where
        I: ExactSizeIterator<Item = &'a [u8]>,
    {
        let mut args = args;
        let Some(name) = args.next() else {
            return Err(Rejected::resp("ERR empty command"));
        };
        let mut args = ArgList { name, rest: args };
        let command = match uppercase(name).as_deref() {
            Some(b"GET") => Command::Get(args.exactly_one()?),
            Some(b"SET") => Command::Set(args.set()?),
            Some(b"DEL") => Command::Del(args.at_least_one()?),
            Some(b"EXISTS") => Command::Exists(args.at_least_one()?),
            Some(b"INCR") => Command::Incr(args.exactly_one()?),
            Some(b"PING") => match args.rest.len() {
                0 => Command::Ping(None),
                1 => Command::Ping(args.next()),
                _ => return Err(args.arity()),
            },
            Some(b"ECHO") => Command::Echo(args.exactly_one()?),
            Some(b"EXPIRE") => {
                let [key, seconds] = args.exactly()?;
                let seconds = integer(seconds)?;
                Command::Expire { key, seconds }
            }
            Some(b"TTL") => Command::Ttl(args.exactly_one()?),
            Some(b"DBSIZE") => {
                let [] = args.exactly()?;
                Command::DbSize
            }
            Some(b"PUBLISH") => {
                let [channel, message] = args.exactly()?;
                Command::Publish { channel, message }
            }
            Some(b"SUBSCRIBE") => Command::Subscribe(args.at_least_one()?),
            Some(b"UNSUBSCRIBE") => Command::Unsubscribe(args.rest.collect()),
            Some(b"CONFIG") => match args.next().and_then(uppercase).as_deref() {
                Some(b"GET") if args.rest.len() > 0 => Command::ConfigGet(args.rest.collect()),
                Some(b"GET") => {
                    return Err(Rejected::resp(
                        "ERR wrong number of arguments for 'config|get' command",
                    ));
                }
                _ => {
                    return Err(Rejected::resp(
                        "ERR unknown subcommand: mini_redis supports only CONFIG GET",
                    ));
                }
            },
            Some(b"COMMAND") => Command::CommandInfo(args.next()),
            Some(b"QUIT") => Command::Quit,
            _ => {
                let mut message = format!(
                    "ERR unknown command '{}', with args beginning with: ",
                    truncated(name)
                );
                for arg in args.rest.take(8) {
                    message.push_str(&format!("'{}' ", truncated(arg)));
                }
                return Err(Rejected::resp(message));
            }
        };
        Ok(command)
    }

    /// The command's name, for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Ping(_) => "PING",
            Command::Echo(_) => "ECHO",
            Command::Get(_) => "GET",
            Command::Set(_) => "SET",
            Command::Del(_) => "DEL",
            Command::Exists(_) => "EXISTS",
            Command::Incr(_) => "INCR",
            Command::Expire { .. } => "EXPIRE",
            Command::Ttl(_) => "TTL",
            Command::DbSize => "DBSIZE",
            Command::Publish { .. } => "PUBLISH",
            Command::Subscribe(_) => "SUBSCRIBE",
            Command::Unsubscribe(_) => "UNSUBSCRIBE",
            Command::ConfigGet(_) => "CONFIG GET",
            Command::CommandInfo(_) => "COMMAND",
            Command::Quit => "QUIT",
        }
    }
}

fn is_redis_command(name: &[u8]) -> bool {
    matches!(
        uppercase(name).as_deref(),
        Some(
            b"PING"
                | b"ECHO"
                | b"SET"
                | b"EXISTS"
                | b"INCR"
                | b"EXPIRE"
                | b"TTL"
                | b"DBSIZE"
                | b"PUBLISH"
                | b"SUBSCRIBE"
                | b"UNSUBSCRIBE"
                | b"CONFIG"
                | b"COMMAND"
        )
    )
}

/// A command name in upper case, on the stack: names are matched without allocating.
/// `None` for anything longer than any command name.
fn uppercase(name: &[u8]) -> Option<UpperName> {
    let mut buf = [0u8; 16];
    let slot = buf.get_mut(..name.len())?;
    slot.copy_from_slice(name);
    slot.make_ascii_uppercase();
    Some(UpperName {
        buf,
        len: name.len(),
    })
}

struct UpperName {
    buf: [u8; 16],
    len: usize,
}

impl std::ops::Deref for UpperName {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// The arguments after the command name, consumed as they are checked.
struct ArgList<'a, I> {
    name: &'a [u8],
    rest: I,
}

impl<'a, I: ExactSizeIterator<Item = &'a [u8]>> ArgList<'a, I> {
    fn next(&mut self) -> Option<&'a [u8]> {
        self.rest.next()
    }

    fn arity(&self) -> Rejected {
        Rejected::resp(format!(
            "ERR wrong number of arguments for '{}' command",
            String::from_utf8_lossy(self.name).to_ascii_lowercase()
        ))
    }

    fn exactly<const N: usize>(&mut self) -> Result<[&'a [u8]; N], Rejected> {
        if self.rest.len() != N {
            return Err(self.arity());
        }
        Ok(std::array::from_fn(|_| {
            self.rest.next().unwrap_or_default()
        }))
    }

    fn exactly_one(&mut self) -> Result<&'a [u8], Rejected> {
        let [one] = self.exactly()?;
        Ok(one)
    }

    fn at_least_one(&mut self) -> Result<Vec<&'a [u8]>, Rejected> {
        if self.rest.len() == 0 {
            return Err(self.arity());
        }
        Ok(self.rest.by_ref().collect())
    }

    fn set(&mut self) -> Result<Set<'a>, Rejected> {
        let (Some(key), Some(value)) = (self.next(), self.next()) else {
            return Err(self.arity());
        };
        let mut set = Set {
            key,
            value,
            expire: None,
            condition: Condition::Always,
        };
        let syntax = || Rejected::resp("ERR syntax error");
        while let Some(option) = self.next() {
            match uppercase(option).as_deref() {
                Some(unit @ (b"EX" | b"PX")) if set.expire.is_none() => {
                    let amount = integer(self.next().ok_or_else(syntax)?)?;
                    if amount <= 0 {
                        return Err(Rejected::resp("ERR invalid expire time in 'set' command"));
                    }
                    let amount = amount as u64;
                    set.expire = Some(if unit == b"EX" {
                        Duration::from_secs(amount)
                    } else {
                        Duration::from_millis(amount)
                    });
                }
                Some(b"NX") if set.condition == Condition::Always => {
                    set.condition = Condition::IfAbsent;
                }
                Some(b"XX") if set.condition == Condition::Always => {
                    set.condition = Condition::IfPresent;
                }
                _ => return Err(syntax()),
            }
        }
        Ok(set)
    }
}

fn integer(bytes: &[u8]) -> Result<i64, Rejected> {
    parse_i64(bytes).ok_or_else(|| Rejected::resp("ERR value is not an integer or out of range"))
}

/// Splits an inline command into words: spaces separate words, and a word in double or single
/// quotes may hold spaces (`SET greeting "hello world"`). The words are slices of `text`.
pub fn split_inline(text: &str) -> Result<Vec<&str>, &'static str> {
    const UNBALANCED: &str = "ERR Protocol error: unbalanced quotes in request";
    let mut words = Vec::new();
    let mut rest = text.trim_start();
    while let Some(first) = rest.chars().next() {
        let (word, after) = if first == '"' || first == '\'' {
            let body = &rest[1..];
            let end = body.find(first).ok_or(UNBALANCED)?;
            let after = &body[end + 1..];
            if after.starts_with(|c: char| !c.is_ascii_whitespace()) {
                return Err(UNBALANCED);
            }
            (&body[..end], after)
        } else {
            let end = rest
                .find(|c: char| c.is_ascii_whitespace())
                .unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        };
        words.push(word);
        rest = after.trim_start();
    }
    Ok(words)
}

/// Client input quoted in an error or a log line: lossy UTF-8, at most 40 characters.
pub fn truncated(bytes: &[u8]) -> Cow<'_, str> {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(40)]);
    if bytes.len() > 40 {
        Cow::Owned(format!("{text}…"))
    } else {
        text
    }
}

/// A request as the log shows it: `GET a`, `SET k <11 bytes>`.
pub struct Shown<'a>(pub &'a Request);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Request::Line(line) => write!(f, "{}", truncated(line)),
            Request::LineTooLong => write!(f, "<line too long>"),
            Request::Array(args) => {
                for (i, arg) in args.iter().enumerate() {
                    let sep = if i == 0 { "" } else { " " };
                    if arg.len() > 40 {
                        write!(f, "{sep}<{} bytes>", arg.len())?;
                    } else {
                        write!(f, "{sep}{}", truncated(arg))?;
                    }
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Args;
    use bytes::Bytes;

    fn array(args: &[&str]) -> Request {
        Request::Array(Args::from_words(args))
    }

    fn text(line: &str) -> Request {
        Request::Line(Bytes::copy_from_slice(line.as_bytes()))
    }

    fn parsed(request: &Request) -> Result<(Dialect, Command<'_>), Rejected> {
        parse(request, &Limits::default())
    }

    fn error_of(request: &Request) -> (Dialect, String) {
        match parsed(request) {
            Err(Rejected {
                dialect,
                frame: Frame::Error(message),
            }) => (dialect, message.into_owned()),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    fn set<'a>(
        key: &'a str,
        value: &'a str,
        expire: Option<Duration>,
        condition: Condition,
    ) -> Command<'a> {
        Command::Set(Set {
            key: key.as_bytes(),
            value: value.as_bytes(),
            expire,
            condition,
        })
    }

    #[test]
    fn line_dialect_commands() {
        let get = text("get a");
        assert_eq!(parsed(&get), Ok((Dialect::Line, Command::Get(b"a"))));
        let put = text("PUT greeting  hello  world ");
        let expected = set("greeting", "hello  world ", None, Condition::Always);
        assert_eq!(parsed(&put), Ok((Dialect::Line, expected)));
        let del = text("Del a");
        assert_eq!(parsed(&del), Ok((Dialect::Line, Command::Del(vec![b"a"]))));
        assert_eq!(parsed(&text("QUIT")), Ok((Dialect::Line, Command::Quit)));
    }

    #[test]
    fn malformed_lines_are_line_dialect_errors() {
        for (line, reason) in [
            ("PUT k", "ERR usage: PUT key value"),
            ("PUT k   ", "ERR usage: PUT key value"),
            ("GET", "ERR usage: GET key"),
            ("GET a b", "ERR usage: GET key"),
            ("DEL", "ERR usage: DEL key"),
            (
                "FROB x",
                "ERR unknown command 'FROB' (try GET key, PUT key value, DEL key, QUIT)",
            ),
        ] {
            assert_eq!(
                error_of(&text(line)),
                (Dialect::Line, reason.to_string()),
                "{line}"
            );
        }
        let invalid = Request::Line(Bytes::from_static(b"PUT k \xff"));
        assert_eq!(
            error_of(&invalid),
            (Dialect::Line, "ERR invalid UTF-8 in line".into())
        );
        assert_eq!(error_of(&Request::LineTooLong).0, Dialect::Line);
    }

    #[test]
    fn inline_redis_commands_answer_in_resp() {
        assert_eq!(
            parsed(&text("PING")),
            Ok((Dialect::Resp, Command::Ping(None)))
        );
        let inline = text(r#"set k "a b" ex 10"#);
        let expected = set("k", "a b", Some(Duration::from_secs(10)), Condition::Always);
        assert_eq!(parsed(&inline), Ok((Dialect::Resp, expected)));
        assert_eq!(
            split_inline(r#"  a 'b c'  "" d"#),
            Ok(vec!["a", "b c", "", "d"])
        );
        let unbalanced = "ERR Protocol error: unbalanced quotes in request";
        assert_eq!(
            error_of(&text("set k \"open")),
            (Dialect::Line, unbalanced.into())
        );
        assert_eq!(
            error_of(&text("set k \"a\"b")),
            (Dialect::Line, unbalanced.into())
        );
    }

    #[test]
    fn resp_commands_and_their_errors() {
        let get = array(&["get", "k"]);
        assert_eq!(parsed(&get), Ok((Dialect::Resp, Command::Get(b"k"))));
        let del = array(&["DEL", "a", "b"]);
        assert_eq!(
            parsed(&del),
            Ok((Dialect::Resp, Command::Del(vec![b"a", b"b"])))
        );
        let expire = array(&["EXPIRE", "k", "-3"]);
        let expected = Command::Expire {
            key: b"k",
            seconds: -3,
        };
        assert_eq!(parsed(&expire), Ok((Dialect::Resp, expected)));
        let px = array(&["SET", "k", "v", "PX", "1500", "NX"]);
        let expected = set(
            "k",
            "v",
            Some(Duration::from_millis(1500)),
            Condition::IfAbsent,
        );
        assert_eq!(parsed(&px), Ok((Dialect::Resp, expected)));
        for (args, message) in [
            (
                &["GET"][..],
                "ERR wrong number of arguments for 'get' command",
            ),
            (
                &["get", "a", "b"],
                "ERR wrong number of arguments for 'get' command",
            ),
            (&["SET", "k", "v", "NX", "XX"], "ERR syntax error"),
            (&["SET", "k", "v", "EX"], "ERR syntax error"),
            (&["SET", "k", "v", "EX", "1", "PX", "1"], "ERR syntax error"),
            (
                &["SET", "k", "v", "EX", "0"],
                "ERR invalid expire time in 'set' command",
            ),
            (
                &["SET", "k", "v", "EX", "ten"],
                "ERR value is not an integer or out of range",
            ),
            (
                &["EXPIRE", "k", "1.5"],
                "ERR value is not an integer or out of range",
            ),
            (
                &["NOPE", "x"],
                "ERR unknown command 'NOPE', with args beginning with: 'x' ",
            ),
        ] {
            let request = array(args);
            assert_eq!(
                error_of(&request),
                (Dialect::Resp, message.to_string()),
                "{args:?}"
            );
        }
    }

    #[test]
    fn requests_are_shown_short_in_logs() {
        let long = "x".repeat(100);
        let request = array(&["SET", "k", &long]);
        assert_eq!(Shown(&request).to_string(), "SET k <100 bytes>");
        assert_eq!(Shown(&text("GET a")).to_string(), "GET a");
    }
}
