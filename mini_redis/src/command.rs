//! Commands: what a request asks for, parsed and checked before anything is executed.
//!
//! A request becomes a [`Command`] plus the [`Dialect`] its reply is written in:
//!
//! - a RESP array is always Redis: `*2\r\n$3\r\nGET\r\n$1\r\na\r\n` → `$1\r\n…` or `$-1`;
//! - a text line starting with `GET`, `PUT`, `DEL` or `QUIT` is the workshop's line dialect, the
//!   one the Python original spoke: `GET a` → `OK 1` or `NONE`;
//! - any other text line is a Redis inline command (`SET a b`, `PING`), answered in RESP.
//!
//! Which is which, and how many arguments each command takes, is one table: [`COMMANDS`].
//!
//! Parsing is separate from executing (that is in [`crate::execute`]) so that every error a
//! client can provoke is found here, in one place, and turned into an error reply.
//!
//! A [`Command`] borrows its arguments from the request (`Command<'a>` holds `&'a [u8]`): parsing
//! copies nothing. Only what outlives the request, a value stored or a message published, is
//! turned into owned bytes, by [`Request::keep`].

use crate::codec::{Limits, Request};
use crate::frame::{Frame, Protocol, Reply, parse_i64};
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
    /// Wraps a frame for the encoder: in the line dialect, or in RESP as the connection speaks
    /// it (`protocol`, RESP2 unless the client sent `HELLO 3`).
    pub fn reply(self, frame: Frame, protocol: Protocol) -> Reply {
        match self {
            Dialect::Resp => protocol.reply(frame),
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
    /// `INCR`, `DECR`, `INCRBY`, `DECRBY`: add `delta`.
    IncrBy {
        key: &'a [u8],
        delta: i64,
    },
    MGet(Vec<&'a [u8]>),
    /// `MSET key value [key value …]`: set all at once.
    MSet(Vec<(&'a [u8], &'a [u8])>),
    Expire {
        key: &'a [u8],
        seconds: i64,
    },
    Ttl(&'a [u8]),
    Pttl(&'a [u8]),
    Persist(&'a [u8]),
    /// `TYPE key`: `string`, or `none`.
    Type(&'a [u8]),
    DbSize,
    Keys(&'a [u8]),
    Scan(Scan<'a>),
    /// `FLUSHDB` and `FLUSHALL` (one database: the same).
    FlushDb,
    /// `INFO [section …]`.
    Info(Vec<&'a [u8]>),
    /// `SELECT index`: only 0 exists.
    Select(i64),
    /// `HELLO [protocol [AUTH user password] [SETNAME name]]`.
    Hello {
        protocol: Option<i64>,
        name: Option<&'a [u8]>,
    },
    ClientId,
    ClientGetName,
    /// `CLIENT SETNAME name` (an empty name clears it).
    ClientSetName(&'a [u8]),
    /// `CLIENT SETINFO LIB-NAME|LIB-VER value`: accepted, and not kept.
    ClientSetInfo,
    Multi,
    Exec,
    Discard,
    Publish {
        channel: &'a [u8],
        message: &'a [u8],
    },
    Subscribe(Vec<&'a [u8]>),
    Unsubscribe(Vec<&'a [u8]>),
    /// `PSUBSCRIBE pattern…`: glob patterns ([`crate::glob`]) over channel names.
    Psubscribe(Vec<&'a [u8]>),
    Punsubscribe(Vec<&'a [u8]>),
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

/// `SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scan<'a> {
    pub cursor: u64,
    pub pattern: Option<&'a [u8]>,
    pub count: usize,
    pub kind: Option<&'a [u8]>,
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

/// One row of the [`COMMANDS`] table.
pub struct Spec {
    /// The name, in upper case; a client may send it in any case.
    pub name: &'static str,
    /// How many arguments the command takes, its name included, as Redis counts them
    /// (`COMMAND INFO`): `2` exactly two (`GET key`), `-2` two or more (`DEL key…`).
    pub arity: i32,
    /// How it may be sent: over RESP, typed on a line, or both.
    pub form: Form,
    /// Builds the command from its arguments, after the name. Their number has been checked
    /// against `arity` already, so [`ArgList::arg`] always has one for each required argument.
    pub parse: Parse,
}

/// A [`Spec`]'s parser: the arguments in, a command (borrowing them) or an error reply out.
pub type Parse = for<'a> fn(&mut ArgList<'a, '_>) -> Result<Command<'a>, Frame>;

/// How a command may be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// A Redis command: a RESP array, or a line typed as a Redis inline command
    /// (`SET k "a b"`, quotes allowed); answered in RESP either way.
    Redis,
    /// A Redis command over RESP that, typed on a line, is the workshop's line dialect: words
    /// split on spaces (no quotes), answered `OK value`, `NONE` or `ERROR reason`. On a line it
    /// takes `line_arity` arguments (counted as [`Spec::arity`] counts them); any other number is
    /// answered `ERROR usage: {usage}`.
    RedisAndLine {
        usage: &'static str,
        line_arity: i32,
    },
    /// Only in the line dialect (Redis has no such command), with [`Spec::arity`] arguments, the
    /// last of which is the rest of the line, spaces included: `PUT greeting hello world`.
    LineOnly { usage: &'static str },
}

/// Every command the server knows: **the one place to add a command** (then give it a
/// [`Command`] variant, and execute it in [`crate::execute`]). A request's name is looked up here
/// whatever its dialect, and the arity is checked here, before `parse` runs.
pub const COMMANDS: &[Spec] = &[
    // Strings and keys.
    Spec {
        name: "GET",
        arity: 2,
        form: Form::RedisAndLine {
            usage: "GET key",
            line_arity: 2,
        },
        parse: |args| Ok(Command::Get(args.arg())),
    },
    Spec {
        name: "SET",
        arity: -3,
        form: Form::Redis,
        parse: parse_set,
    },
    Spec {
        name: "PUT",
        arity: 3,
        form: Form::LineOnly {
            usage: "PUT key value",
        },
        parse: |args| {
            let (key, value) = (args.arg(), args.arg());
            Ok(Command::Set(Set {
                key,
                value,
                expire: None,
                condition: Condition::Always,
            }))
        },
    },
    Spec {
        name: "DEL",
        arity: -2,
        form: Form::RedisAndLine {
            usage: "DEL key",
            line_arity: -2,
        },
        parse: |args| Ok(Command::Del(args.rest())),
    },
    Spec {
        name: "EXISTS",
        arity: -2,
        form: Form::Redis,
        parse: |args| Ok(Command::Exists(args.rest())),
    },
    Spec {
        name: "SETEX",
        arity: 4,
        form: Form::Redis,
        parse: |args| {
            let key = args.arg();
            let seconds = integer(args.arg())?;
            let value = args.arg();
            let expire = u64::try_from(seconds)
                .ok()
                .filter(|&s| s > 0)
                .map(Duration::from_secs)
                .ok_or(Frame::error("ERR invalid expire time in 'setex' command"))?;
            Ok(Command::Set(Set {
                key,
                value,
                expire: Some(expire),
                condition: Condition::Always,
            }))
        },
    },
    Spec {
        name: "MGET",
        arity: -2,
        form: Form::Redis,
        parse: |args| Ok(Command::MGet(args.rest())),
    },
    Spec {
        name: "MSET",
        arity: -3,
        form: Form::Redis,
        parse: |args| {
            if args.remaining() % 2 != 0 {
                return Err(args.arity_error());
            }
            let mut pairs = Vec::with_capacity(args.remaining() / 2);
            while let (Some(key), Some(value)) = (args.optional(), args.optional()) {
                pairs.push((key, value));
            }
            Ok(Command::MSet(pairs))
        },
    },
    Spec {
        name: "INCR",
        arity: 2,
        form: Form::Redis,
        parse: |args| {
            let key = args.arg();
            Ok(Command::IncrBy { key, delta: 1 })
        },
    },
    Spec {
        name: "DECR",
        arity: 2,
        form: Form::Redis,
        parse: |args| {
            let key = args.arg();
            Ok(Command::IncrBy { key, delta: -1 })
        },
    },
    Spec {
        name: "INCRBY",
        arity: 3,
        form: Form::Redis,
        parse: |args| {
            let key = args.arg();
            let delta = integer(args.arg())?;
            Ok(Command::IncrBy { key, delta })
        },
    },
    Spec {
        name: "DECRBY",
        arity: 3,
        form: Form::Redis,
        parse: |args| {
            let key = args.arg();
            let delta = integer(args.arg())?
                .checked_neg()
                .ok_or(Frame::error("ERR decrement would overflow"))?;
            Ok(Command::IncrBy { key, delta })
        },
    },
    Spec {
        name: "EXPIRE",
        arity: 3,
        form: Form::Redis,
        parse: |args| {
            let key = args.arg();
            let seconds = integer(args.arg())?;
            Ok(Command::Expire { key, seconds })
        },
    },
    Spec {
        name: "TTL",
        arity: 2,
        form: Form::Redis,
        parse: |args| Ok(Command::Ttl(args.arg())),
    },
    Spec {
        name: "PTTL",
        arity: 2,
        form: Form::Redis,
        parse: |args| Ok(Command::Pttl(args.arg())),
    },
    Spec {
        name: "PERSIST",
        arity: 2,
        form: Form::Redis,
        parse: |args| Ok(Command::Persist(args.arg())),
    },
    Spec {
        name: "TYPE",
        arity: 2,
        form: Form::Redis,
        parse: |args| Ok(Command::Type(args.arg())),
    },
    // The keyspace.
    Spec {
        name: "DBSIZE",
        arity: 1,
        form: Form::Redis,
        parse: |_| Ok(Command::DbSize),
    },
    Spec {
        name: "KEYS",
        arity: 2,
        form: Form::Redis,
        parse: |args| Ok(Command::Keys(args.arg())),
    },
    Spec {
        name: "SCAN",
        arity: -2,
        form: Form::Redis,
        parse: parse_scan,
    },
    Spec {
        name: "FLUSHDB",
        arity: -1,
        form: Form::Redis,
        parse: parse_flush,
    },
    Spec {
        name: "FLUSHALL",
        arity: -1,
        form: Form::Redis,
        parse: parse_flush,
    },
    Spec {
        name: "SELECT",
        arity: 2,
        form: Form::Redis,
        parse: |args| Ok(Command::Select(integer(args.arg())?)),
    },
    // Transactions.
    Spec {
        name: "MULTI",
        arity: 1,
        form: Form::Redis,
        parse: |_| Ok(Command::Multi),
    },
    Spec {
        name: "EXEC",
        arity: 1,
        form: Form::Redis,
        parse: |_| Ok(Command::Exec),
    },
    Spec {
        name: "DISCARD",
        arity: 1,
        form: Form::Redis,
        parse: |_| Ok(Command::Discard),
    },
    // Connection.
    Spec {
        name: "PING",
        arity: -1,
        form: Form::Redis,
        parse: |args| match args.remaining() {
            0 => Ok(Command::Ping(None)),
            1 => Ok(Command::Ping(Some(args.arg()))),
            _ => Err(args.arity_error()),
        },
    },
    Spec {
        name: "ECHO",
        arity: 2,
        form: Form::Redis,
        parse: |args| Ok(Command::Echo(args.arg())),
    },
    Spec {
        name: "HELLO",
        arity: -1,
        form: Form::Redis,
        parse: parse_hello,
    },
    Spec {
        name: "CLIENT",
        arity: -2,
        form: Form::Redis,
        parse: parse_client,
    },
    Spec {
        name: "QUIT",
        arity: -1,
        form: Form::RedisAndLine {
            usage: "QUIT",
            line_arity: 1,
        },
        parse: |_| Ok(Command::Quit),
    },
    // Pub/sub.
    Spec {
        name: "PUBLISH",
        arity: 3,
        form: Form::Redis,
        parse: |args| {
            let (channel, message) = (args.arg(), args.arg());
            Ok(Command::Publish { channel, message })
        },
    },
    Spec {
        name: "SUBSCRIBE",
        arity: -2,
        form: Form::Redis,
        parse: |args| Ok(Command::Subscribe(args.rest())),
    },
    Spec {
        name: "UNSUBSCRIBE",
        arity: -1,
        form: Form::Redis,
        parse: |args| Ok(Command::Unsubscribe(args.rest())),
    },
    Spec {
        name: "PSUBSCRIBE",
        arity: -2,
        form: Form::Redis,
        parse: |args| Ok(Command::Psubscribe(args.rest())),
    },
    Spec {
        name: "PUNSUBSCRIBE",
        arity: -1,
        form: Form::Redis,
        parse: |args| Ok(Command::Punsubscribe(args.rest())),
    },
    // Server: what redis-cli and redis-benchmark ask at start.
    Spec {
        name: "CONFIG",
        arity: -2,
        form: Form::Redis,
        parse: |args| match upper(args.arg()).as_slice() {
            b"GET" if args.remaining() > 0 => Ok(Command::ConfigGet(args.rest())),
            b"GET" => Err(Frame::error(
                "ERR wrong number of arguments for 'config|get' command",
            )),
            _ => Err(Frame::error(
                "ERR unknown subcommand: mini_redis supports only CONFIG GET",
            )),
        },
    },
    Spec {
        name: "COMMAND",
        arity: -1,
        form: Form::Redis,
        parse: |args| Ok(Command::CommandInfo(args.optional())),
    },
    Spec {
        name: "INFO",
        arity: -1,
        form: Form::Redis,
        parse: |args| Ok(Command::Info(args.rest())),
    },
];

/// The table's row for a command name, in any case.
pub fn lookup(name: &[u8]) -> Option<&'static Spec> {
    COMMANDS
        .iter()
        .find(|spec| spec.name.as_bytes().eq_ignore_ascii_case(name))
}

/// Whether `count` arguments, the name included, are what `arity` allows.
fn arity_allows(arity: i32, count: usize) -> bool {
    match usize::try_from(arity) {
        Ok(exactly) => count == exactly,
        Err(_) => count >= arity.unsigned_abs() as usize,
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

/// A text line: the workshop's line dialect, or else a Redis inline command (see [`Form`]).
fn parse_text_line(line: &[u8]) -> Result<(Dialect, Command<'_>), Rejected> {
    // Keys and values are bytes inside, but a line is text: a client typing into nc gets told.
    let Ok(text) = std::str::from_utf8(line) else {
        return Err(Rejected::line("ERR invalid UTF-8 in line"));
    };
    let text = text.trim_start();
    let (name, rest) = text.split_once([' ', '\t']).unwrap_or((text, ""));
    let Some(spec) = lookup(name.as_bytes()) else {
        // Nothing says which dialect the client speaks: answer in the line's own.
        return Err(Rejected::line(format!(
            "ERR unknown command '{}' (try {})",
            truncated(name.as_bytes()),
            line_dialect_usages()
        )));
    };
    let usage_error = |usage: &str| Err(Rejected::line(format!("ERR usage: {usage}")));
    let name = name.as_bytes();
    match spec.form {
        Form::LineOnly { usage } => {
            // One word per argument, but the last argument is the rest of the line.
            let mut args = Vec::new();
            let mut rest = rest.trim_start_matches([' ', '\t']);
            while !rest.is_empty() {
                if arity_allows(spec.arity, args.len() + 2) {
                    args.push(rest.as_bytes());
                    break;
                }
                let (word, after) = rest.split_once([' ', '\t']).unwrap_or((rest, ""));
                args.push(word.as_bytes());
                rest = after.trim_start_matches([' ', '\t']);
            }
            if !arity_allows(spec.arity, args.len() + 1) {
                return usage_error(usage);
            }
            run_parser(spec, name, args.into_iter(), Dialect::Line).map(|c| (Dialect::Line, c))
        }
        Form::RedisAndLine { usage, line_arity } => {
            let words: Vec<&[u8]> = rest.split_ascii_whitespace().map(str::as_bytes).collect();
            if !arity_allows(line_arity, words.len() + 1) {
                return usage_error(usage);
            }
            run_parser(spec, name, words.into_iter(), Dialect::Line).map(|c| (Dialect::Line, c))
        }
        Form::Redis => {
            // A Redis inline command: words separated by spaces, quotes allowed (`SET k "a b"`).
            let words = split_inline(text).map_err(Rejected::resp)?;
            Command::from_args(words.into_iter().map(str::as_bytes)).map(|c| (Dialect::Resp, c))
        }
    }
}

/// `GET key, PUT key value, DEL key, QUIT`: the line dialect, for a client that typed
/// something else.
fn line_dialect_usages() -> String {
    let usages: Vec<&str> = COMMANDS
        .iter()
        .filter_map(|spec| match spec.form {
            Form::RedisAndLine { usage, .. } | Form::LineOnly { usage } => Some(usage),
            Form::Redis => None,
        })
        .collect();
    usages.join(", ")
}

/// Checks the arity of `spec` and runs its parser; errors are written in `dialect`.
fn run_parser<'a, I>(
    spec: &Spec,
    name: &'a [u8],
    args: I,
    dialect: Dialect,
) -> Result<Command<'a>, Rejected>
where
    I: ExactSizeIterator<Item = &'a [u8]>,
{
    let mut args = args;
    let mut args = ArgList {
        name,
        rest: &mut args,
    };
    let result = if arity_allows(spec.arity, args.remaining() + 1) {
        (spec.parse)(&mut args)
    } else {
        Err(args.arity_error())
    };
    result.map_err(|frame| Rejected { dialect, frame })
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
        match lookup(name) {
            Some(spec) if !matches!(spec.form, Form::LineOnly { .. }) => {
                run_parser(spec, name, args, Dialect::Resp)
            }
            _ => {
                let mut message = format!(
                    "ERR unknown command '{}', with args beginning with: ",
                    truncated(name)
                );
                for arg in args.take(8) {
                    message.push_str(&format!("'{}' ", truncated(arg)));
                }
                Err(Rejected::resp(message))
            }
        }
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
            Command::IncrBy { .. } => "INCRBY",
            Command::MGet(_) => "MGET",
            Command::MSet(_) => "MSET",
            Command::Expire { .. } => "EXPIRE",
            Command::Ttl(_) => "TTL",
            Command::Pttl(_) => "PTTL",
            Command::Persist(_) => "PERSIST",
            Command::Type(_) => "TYPE",
            Command::DbSize => "DBSIZE",
            Command::Keys(_) => "KEYS",
            Command::Scan(_) => "SCAN",
            Command::FlushDb => "FLUSHDB",
            Command::Info(_) => "INFO",
            Command::Select(_) => "SELECT",
            Command::Hello { .. } => "HELLO",
            Command::ClientId => "CLIENT|ID",
            Command::ClientGetName => "CLIENT|GETNAME",
            Command::ClientSetName(_) => "CLIENT|SETNAME",
            Command::ClientSetInfo => "CLIENT|SETINFO",
            Command::Multi => "MULTI",
            Command::Exec => "EXEC",
            Command::Discard => "DISCARD",
            Command::Publish { .. } => "PUBLISH",
            Command::Subscribe(_) => "SUBSCRIBE",
            Command::Unsubscribe(_) => "UNSUBSCRIBE",
            Command::Psubscribe(_) => "PSUBSCRIBE",
            Command::Punsubscribe(_) => "PUNSUBSCRIBE",
            Command::ConfigGet(_) => "CONFIG GET",
            Command::CommandInfo(_) => "COMMAND",
            Command::Quit => "QUIT",
        }
    }
}

/// An option or subcommand name in upper case, to `match` on. A word longer than any name this
/// server knows comes back empty: it matches nothing, and a huge argument is never copied.
fn upper(word: &[u8]) -> Vec<u8> {
    const LONGEST_NAME: usize = 16;
    if word.len() > LONGEST_NAME {
        Vec::new()
    } else {
        word.to_ascii_uppercase()
    }
}

/// The arguments after the command name, consumed as a [`Spec`]'s parser reads them.
pub struct ArgList<'a, 'i> {
    name: &'a [u8],
    rest: &'i mut dyn ExactSizeIterator<Item = &'a [u8]>,
}

impl<'a> ArgList<'a, '_> {
    /// The next argument, if any.
    pub fn optional(&mut self) -> Option<&'a [u8]> {
        self.rest.next()
    }

    /// The next required argument. The table's arity guarantees it is there; were it not, this
    /// would be an empty argument, never a panic.
    pub fn arg(&mut self) -> &'a [u8] {
        self.rest.next().unwrap_or_default()
    }

    /// Every argument left.
    pub fn rest(&mut self) -> Vec<&'a [u8]> {
        (&mut *self.rest).collect()
    }

    /// How many arguments are left.
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// `ERR wrong number of arguments for 'get' command`.
    pub fn arity_error(&self) -> Frame {
        Frame::Error(
            format!(
                "ERR wrong number of arguments for '{}' command",
                String::from_utf8_lossy(self.name).to_ascii_lowercase()
            )
            .into(),
        )
    }
}

/// `SET key value [EX seconds | PX milliseconds] [NX | XX]`.
fn parse_set<'a>(args: &mut ArgList<'a, '_>) -> Result<Command<'a>, Frame> {
    let mut set = Set {
        key: args.arg(),
        value: args.arg(),
        expire: None,
        condition: Condition::Always,
    };
    let syntax = || Frame::error("ERR syntax error");
    while let Some(option) = args.optional() {
        match upper(option).as_slice() {
            unit @ (b"EX" | b"PX") if set.expire.is_none() => {
                let amount = integer(args.optional().ok_or_else(syntax)?)?;
                if amount <= 0 {
                    return Err(Frame::error("ERR invalid expire time in 'set' command"));
                }
                let amount = amount as u64;
                set.expire = Some(if unit == b"EX" {
                    Duration::from_secs(amount)
                } else {
                    Duration::from_millis(amount)
                });
            }
            b"NX" if set.condition == Condition::Always => {
                set.condition = Condition::IfAbsent;
            }
            b"XX" if set.condition == Condition::Always => {
                set.condition = Condition::IfPresent;
            }
            _ => return Err(syntax()),
        }
    }
    Ok(Command::Set(set))
}

/// `SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]`.
fn parse_scan<'a>(args: &mut ArgList<'a, '_>) -> Result<Command<'a>, Frame> {
    let cursor = args.arg();
    // A cursor is an unsigned 64-bit number; like Redis, a negative one wraps around.
    let cursor = std::str::from_utf8(cursor)
        .ok()
        .and_then(|text| text.parse::<u64>().ok())
        .or_else(|| parse_i64(cursor).map(|n| n as u64))
        .ok_or(Frame::error("ERR invalid cursor"))?;
    let mut scan = Scan {
        cursor,
        pattern: None,
        count: 10,
        kind: None,
    };
    let syntax = || Frame::error("ERR syntax error");
    while let Some(option) = args.optional() {
        let value = args.optional().ok_or_else(syntax)?;
        match upper(option).as_slice() {
            b"MATCH" => scan.pattern = Some(value),
            b"COUNT" => {
                let count = integer(value)?;
                scan.count = usize::try_from(count)
                    .ok()
                    .filter(|&n| n >= 1)
                    .ok_or_else(syntax)?;
            }
            b"TYPE" => scan.kind = Some(value),
            _ => return Err(syntax()),
        }
    }
    Ok(Command::Scan(scan))
}

/// `FLUSHDB [ASYNC | SYNC]`, `FLUSHALL [ASYNC | SYNC]`: both ways, the keys are gone when the
/// reply is sent.
fn parse_flush<'a>(args: &mut ArgList<'a, '_>) -> Result<Command<'a>, Frame> {
    match (args.optional().map(upper), args.remaining()) {
        (None, _) => Ok(Command::FlushDb),
        (Some(mode), 0) if matches!(mode.as_slice(), b"ASYNC" | b"SYNC") => Ok(Command::FlushDb),
        _ => Err(Frame::error("ERR syntax error")),
    }
}

/// `HELLO [protocol [AUTH user password] [SETNAME name]]`.
///
/// There are no passwords: as on a Redis with none set, `AUTH default <anything>` is accepted,
/// and any other user refused.
fn parse_hello<'a>(args: &mut ArgList<'a, '_>) -> Result<Command<'a>, Frame> {
    let Some(version) = args.optional() else {
        return Ok(Command::Hello {
            protocol: None,
            name: None,
        });
    };
    let version = parse_i64(version).ok_or(Frame::error(
        "ERR Protocol version is not an integer or out of range",
    ))?;
    if !(2..=3).contains(&version) {
        return Err(Frame::error("NOPROTO unsupported protocol version"));
    }
    let mut name = None;
    while let Some(option) = args.optional() {
        let syntax = || {
            Frame::Error(format!("ERR Syntax error in HELLO option '{}'", truncated(option)).into())
        };
        match upper(option).as_slice() {
            b"AUTH" if args.remaining() >= 2 => {
                let (user, _password) = (args.arg(), args.arg());
                if user != b"default" {
                    return Err(Frame::error(
                        "WRONGPASS invalid username-password pair or user is disabled.",
                    ));
                }
            }
            b"SETNAME" if args.remaining() >= 1 => name = Some(client_name(args.arg())?),
            _ => return Err(syntax()),
        }
    }
    Ok(Command::Hello {
        protocol: Some(version),
        name,
    })
}

/// `CLIENT ID | GETNAME | SETNAME name | SETINFO attribute value`.
fn parse_client<'a>(args: &mut ArgList<'a, '_>) -> Result<Command<'a>, Frame> {
    let sub = args.arg();
    let (command, takes) = match upper(sub).as_slice() {
        b"ID" => (Command::ClientId, 0),
        b"GETNAME" => (Command::ClientGetName, 0),
        b"SETNAME" => (Command::ClientSetName(b""), 1),
        b"SETINFO" => (Command::ClientSetInfo, 2),
        _ => return Err(unknown_client_subcommand(sub)),
    };
    if args.remaining() != takes {
        return Err(Frame::Error(
            format!(
                "ERR wrong number of arguments for 'client|{}' command",
                String::from_utf8_lossy(sub).to_ascii_lowercase()
            )
            .into(),
        ));
    }
    match command {
        Command::ClientSetName(_) => Ok(Command::ClientSetName(client_name(args.arg())?)),
        Command::ClientSetInfo => {
            let (attribute, value) = (args.arg(), args.arg());
            let known = matches!(upper(attribute).as_slice(), b"LIB-NAME" | b"LIB-VER");
            if !known {
                return Err(Frame::Error(
                    format!("ERR Unrecognized option '{}'", truncated(attribute)).into(),
                ));
            }
            if !value.iter().all(|b| (b'!'..=b'~').contains(b)) {
                return Err(Frame::Error(
                    format!(
                        "ERR {} cannot contain spaces, newlines or special characters.",
                        String::from_utf8_lossy(attribute).to_ascii_lowercase()
                    )
                    .into(),
                ));
            }
            Ok(Command::ClientSetInfo)
        }
        other => Ok(other),
    }
}

fn unknown_client_subcommand(sub: &[u8]) -> Frame {
    Frame::Error(
        format!(
            "ERR unknown subcommand '{}'. Try CLIENT HELP.",
            truncated(sub)
        )
        .into(),
    )
}

/// A client name, as Redis allows them: printable ASCII, no spaces (empty: no name).
fn client_name(name: &[u8]) -> Result<&[u8], Frame> {
    if name.iter().all(|b| (b'!'..=b'~').contains(b)) {
        Ok(name)
    } else {
        Err(Frame::error(
            "ERR Client names cannot contain spaces, newlines or special characters.",
        ))
    }
}

fn integer(bytes: &[u8]) -> Result<i64, Frame> {
    parse_i64(bytes).ok_or(Frame::error("ERR value is not an integer or out of range"))
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
            ("PUT", "ERR usage: PUT key value"),
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
            (Dialect::Resp, unbalanced.into())
        );
        assert_eq!(
            error_of(&text("set k \"a\"b")),
            (Dialect::Resp, unbalanced.into())
        );
        assert_eq!(
            error_of(&text("FROB x")),
            (
                Dialect::Line,
                "ERR unknown command 'FROB' (try GET key, PUT key value, DEL key, QUIT)".into()
            )
        );
        assert_eq!(
            error_of(&text("PING a b")),
            (
                Dialect::Resp,
                "ERR wrong number of arguments for 'ping' command".into()
            )
        );
    }

    /// Typed on a line, the line dialect's names are the line dialect, with their own arity.
    #[test]
    fn line_dialect_commands_take_their_line_arity() {
        assert_eq!(
            parsed(&text("DEL a b")),
            Ok((Dialect::Line, Command::Del(vec![b"a", b"b"])))
        );
        for (line, usage) in [
            ("GET a b", "ERR usage: GET key"),
            (r#"GET "a b""#, "ERR usage: GET key"),
            ("QUIT now", "ERR usage: QUIT"),
        ] {
            assert_eq!(
                error_of(&text(line)),
                (Dialect::Line, usage.into()),
                "{line}"
            );
        }
        // PUT is not a Redis command: over RESP it is unknown.
        assert_eq!(
            error_of(&array(&["PUT", "k", "v"])).1,
            "ERR unknown command 'PUT', with args beginning with: 'k' 'v' "
        );
        // Over RESP, DEL and QUIT take what Redis takes.
        assert_eq!(
            parsed(&array(&["QUIT", "now"])),
            Ok((Dialect::Resp, Command::Quit))
        );
    }

    /// Every row of the table: a unique upper-case name, a parser that accepts the fewest
    /// arguments its arity allows, and a line-dialect usage that fits the arity.
    #[test]
    fn the_command_table_is_consistent() {
        for (i, spec) in COMMANDS.iter().enumerate() {
            assert_eq!(spec.name, spec.name.to_ascii_uppercase(), "{}", spec.name);
            assert!(
                COMMANDS[..i].iter().all(|other| other.name != spec.name),
                "{} is listed twice",
                spec.name
            );
            assert_ne!(spec.arity, 0, "{}", spec.name);
            let (usage, arity) = match spec.form {
                Form::Redis => continue,
                Form::RedisAndLine { usage, line_arity } => (usage, line_arity),
                Form::LineOnly { usage } => (usage, spec.arity),
            };
            assert!(usage.starts_with(spec.name), "{usage}");
            let words = usage.split(' ').take_while(|w| !w.starts_with('[')).count();
            assert!(arity_allows(arity, words), "{usage} vs {arity}");
        }
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
