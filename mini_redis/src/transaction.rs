//! `MULTI` … `EXEC`: a connection's queue of commands, run as one.
//!
//! After `MULTI`, each command is checked (name, arity, arguments: [`crate::command`]) and, if
//! it is well-formed, copied into the queue and answered `+QUEUED`. `EXEC` runs the queue with
//! every shard of the store locked ([`crate::store::AllShards`]): no other client's command runs
//! in between, and nothing is awaited meanwhile, so the locks are held for as long as the
//! commands take and no longer. `DISCARD` drops the queue.
//!
//! Errors, as Redis gives them:
//!
//! - a command refused while queuing (unknown, wrong arity, a syntax error) is answered with its
//!   error at once, and `EXEC` then runs nothing: `-EXECABORT Transaction discarded because of
//!   previous errors.`;
//! - a command that fails when run (`INCR` of a non-number) is an error element in `EXEC`'s
//!   array; the others run;
//! - `EXEC` or `DISCARD` without `MULTI`, and `MULTI` inside `MULTI`, are errors that leave the
//!   transaction as it was.
//!
//! **Limits.** A queue holds memory until `EXEC`, so it is bounded: at most [`MAX_QUEUED`]
//! commands, and at most `--max-bulk` bytes of arguments in all (the size of the largest single
//! command). A command past either limit is refused like a malformed one: `EXEC` answers
//! `EXECABORT`. `SUBSCRIBE` and `UNSUBSCRIBE` cannot be queued (Redis queues them; here they
//! are refused, which also aborts the transaction), and there is no `WATCH`.

use crate::codec::{Args, Request};
use crate::frame::Frame;
use bytes::Bytes;

/// The most commands one transaction may queue.
pub const MAX_QUEUED: usize = 10_000;

/// Per queued argument, what the queue costs besides its bytes (its place in the list).
const ARG_OVERHEAD: usize = 16;

/// The commands queued since `MULTI`.
#[derive(Debug, Default)]
pub struct Transaction {
    queued: Vec<Request>,
    /// Bytes held by the queue, arguments and their overhead.
    bytes: usize,
    /// A command was refused while queuing: `EXEC` will run nothing.
    failed: bool,
}

impl Transaction {
    pub fn new() -> Transaction {
        Transaction::default()
    }

    /// Queues a copy of `request` (a copy of its own: the request itself shares the connection's
    /// read buffer, which would stay allocated for as long as the queue). Refused past
    /// [`MAX_QUEUED`] commands or `max_bytes` bytes; the transaction is then failed.
    pub fn queue(&mut self, request: &Request, max_bytes: usize) -> Result<(), Frame> {
        let (copy, size) = match request {
            Request::Array(args) => {
                let words: Vec<&[u8]> = args.iter().collect();
                let size = words.iter().map(|w| w.len() + ARG_OVERHEAD).sum::<usize>();
                (Request::Array(Args::from_words(&words)), size)
            }
            Request::Line(line) => (Request::Line(Bytes::copy_from_slice(line)), line.len()),
            Request::LineTooLong => (Request::LineTooLong, 0),
        };
        if self.queued.len() >= MAX_QUEUED || self.bytes + size > max_bytes {
            self.failed = true;
            return Err(Frame::Error(
                format!(
                    "ERR transaction too large: at most {MAX_QUEUED} commands and {max_bytes} \
                     bytes may be queued between MULTI and EXEC"
                )
                .into(),
            ));
        }
        self.bytes += size;
        self.queued.push(copy);
        Ok(())
    }

    /// A command was refused while queuing.
    pub fn fail(&mut self) {
        self.failed = true;
    }

    /// The queue to run at `EXEC`, or the `EXECABORT` error if a command was refused.
    pub fn into_queue(self) -> Result<Vec<Request>, Frame> {
        if self.failed {
            Err(Frame::error(
                "EXECABORT Transaction discarded because of previous errors.",
            ))
        } else {
            Ok(self.queued)
        }
    }

    pub fn len(&self) -> usize {
        self.queued.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queued.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(words: &[&str]) -> Request {
        Request::Array(Args::from_words(words))
    }

    #[test]
    fn the_queue_is_bounded_in_commands_and_bytes() {
        let mut tx = Transaction::new();
        for _ in 0..MAX_QUEUED {
            tx.queue(&request(&["INCR", "n"]), usize::MAX)
                .expect("room");
        }
        assert_eq!(tx.len(), MAX_QUEUED);
        assert!(tx.queue(&request(&["INCR", "n"]), usize::MAX).is_err());
        assert_eq!(
            tx.len(),
            MAX_QUEUED,
            "the command past the limit is not queued"
        );
        assert!(tx.into_queue().is_err(), "and EXEC runs nothing");

        let mut tx = Transaction::new();
        let big = "x".repeat(100);
        let max = 3 * (3 + 1 + 100 + 3 * ARG_OVERHEAD);
        for _ in 0..3 {
            tx.queue(&request(&["SET", "k", &big]), max).expect("room");
        }
        assert!(tx.queue(&request(&["SET", "k", "v"]), max).is_err());
        assert!(tx.into_queue().is_err());
    }

    #[test]
    fn a_refused_command_aborts_the_transaction() {
        let mut tx = Transaction::new();
        tx.queue(&request(&["INCR", "n"]), usize::MAX)
            .expect("room");
        assert_eq!(tx.into_queue(), Ok(vec![request(&["INCR", "n"])]));
        let mut tx = Transaction::new();
        tx.queue(&request(&["INCR", "n"]), usize::MAX)
            .expect("room");
        tx.fail();
        assert_eq!(
            tx.into_queue(),
            Err(Frame::error(
                "EXECABORT Transaction discarded because of previous errors."
            ))
        );
    }
}
