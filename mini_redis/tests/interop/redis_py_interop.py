#!/usr/bin/env python3
"""redis-py, used the way a Python asyncio developer uses it, against a Redis-compatible server.

    python3 redis_py_interop.py --port 1337 --protocol 3

Every check builds its own client with redis-py's default settings (`redis.Redis(port=…,
protocol=…)`, `redis.asyncio.Redis(...)`), so what passes here works for a learner who has never
read the server's README. With `--protocol 3` each connection opens with `HELLO 3` and the replies
come in RESP3 (maps, nulls, push messages for pub/sub); with `--protocol 2` there is no `HELLO`.

The server must be one that nothing else uses (the checks flush it), with a single database, as
mini_redis has. To compare with Redis itself:

    redis-server --port 6390 --save '' --appendonly no --databases 1

One line per check, `ok NAME` or `FAIL NAME: why`, then `N passed, M failed`; the exit status is 1
when a check failed. A check that gets no reply within a few seconds fails as a hang, and the
next one runs on new connections.

Needs Python 3.11+ and redis-py 8 (`pip install redis`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import socket
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from typing import BinaryIO

import redis
import redis.asyncio

# How long one check may take before it counts as a hang, and how long all of them may take (the
# checks left when it is spent fail unrun, so a server that hangs everywhere is reported quickly).
CHECK_SECONDS = 5.0
RUN_SECONDS = 30.0

PORT = 0
PROTOCOL = 3

CHECKS: list[Callable[[], None]] = []


def check(fn: Callable[[], None]) -> Callable[[], None]:
    """Registers a check; they run in the order of this file."""
    CHECKS.append(fn)
    return fn


def client() -> redis.Redis:
    """A synchronous client with redis-py's defaults, as `redis.Redis()` gives a learner."""
    return redis.Redis(port=PORT, protocol=PROTOCOL)


def aclient() -> redis.asyncio.Redis:
    """An asyncio client with redis-py's defaults."""
    return redis.asyncio.Redis(port=PORT, protocol=PROTOCOL)


@contextlib.contextmanager
def raises(fragment: str, kind: type[Exception] = redis.ResponseError) -> Iterator[None]:
    """Expects a `kind` error whose message holds `fragment` (redis-py strips Redis' `ERR `)."""
    try:
        yield
    except kind as err:
        assert fragment in str(err), f"expected an error with {fragment!r}, got {describe(err)}"
    else:
        raise AssertionError(f"expected an error with {fragment!r}, got a reply")


def fresh(r: redis.Redis, *keys: str) -> None:
    """Deletes the keys a check is about to use, so checks do not depend on each other."""
    if keys:
        r.delete(*keys)


# ---- Connecting ------------------------------------------------------------------------------


@check
def check_connect_and_hello() -> None:
    with client() as r:
        assert r.ping() is True, "PING on a new connection (after HELLO with protocol 3)"
        reply = r.execute_command("HELLO", PROTOCOL)
        if PROTOCOL == 3:
            assert isinstance(reply, dict), f"HELLO 3 answers a map, got {reply!r}"
            fields = reply
        else:
            assert isinstance(reply, list) and len(reply) % 2 == 0, (
                f"HELLO 2 answers a flat list of field, value, got {reply!r}"
            )
            fields = dict(zip(reply[::2], reply[1::2]))
        for name in (b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"):
            assert name in fields, f"HELLO's reply has no {name!r}: {fields!r}"
        assert fields[b"proto"] == PROTOCOL, f"HELLO {PROTOCOL} says proto {fields[b'proto']!r}"
        assert fields[b"id"] == r.client_id(), "HELLO's id is the connection's CLIENT ID"
        with raises("NOPROTO unsupported protocol version"):
            r.execute_command("HELLO", 4)
        assert r.ping() is True, "the connection works after a refused HELLO"


@check
def check_ping_and_echo() -> None:
    with client() as r:
        assert r.ping() is True
        assert r.echo("hello") == b"hello"
        binary = b"\x00\xff\r\nbytes"
        assert r.echo(binary) == binary, "ECHO is binary-safe"


# ---- Strings ---------------------------------------------------------------------------------


@check
def check_set_and_get() -> None:
    with client() as r:
        fresh(r, "s:a")
        assert r.get("s:a") is None, "GET of a missing key is None (nil)"
        assert r.set("s:a", "hello") is True
        assert r.get("s:a") == b"hello"
        assert r.set("s:a", b"\x00\x01\xff") is True
        assert r.get("s:a") == b"\x00\x01\xff", "values are binary-safe"
        assert r.set("s:a", 42) is True and r.get("s:a") == b"42", "ints are sent as text"


@check
def check_set_ex_px() -> None:
    with client() as r:
        fresh(r, "s:ex", "s:px", "s:short")
        assert r.set("s:ex", "v", ex=100) is True
        assert 99 <= r.ttl("s:ex") <= 100, f"SET EX 100 then TTL: {r.ttl('s:ex')}"
        assert r.set("s:px", "v", px=10_500) is True
        assert 0 < r.pttl("s:px") <= 10_500, f"SET PX 10500 then PTTL: {r.pttl('s:px')}"
        assert r.ttl("s:px") in (10, 11), f"TTL rounds a 10.5 s expiry: {r.ttl('s:px')}"
        assert r.set("s:short", "v", px=50) is True
        time.sleep(0.15)
        assert r.get("s:short") is None, "a key set with PX 50 is gone 150 ms later"
        with raises("invalid expire time in 'set' command"):
            r.set("s:ex", "v", ex=0)


@check
def check_set_nx_xx() -> None:
    with client() as r:
        fresh(r, "s:nx", "s:xx")
        assert r.set("s:nx", "first", nx=True) is True, "SET NX on a missing key sets it"
        assert r.set("s:nx", "second", nx=True) is None, "SET NX on an existing key is nil"
        assert r.get("s:nx") == b"first", "a refused SET NX leaves the value"
        assert r.set("s:xx", "v", xx=True) is None, "SET XX on a missing key is nil"
        assert r.exists("s:xx") == 0, "a refused SET XX creates nothing"
        assert r.set("s:nx", "third", xx=True) is True, "SET XX on an existing key sets it"
        assert r.get("s:nx") == b"third"
        assert r.set("s:xx", "v", ex=100, nx=True) is True, "SET EX with NX"
        assert 99 <= r.ttl("s:xx") <= 100
        assert r.set("s:xx", "w", xx=True) is True
        assert r.ttl("s:xx") == -1, "a plain SET clears the TTL"


@check
def check_setex() -> None:
    with client() as r:
        fresh(r, "s:setex")
        # redis-py marks setex deprecated (SET EX does the same); learners still meet it.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            assert r.setex("s:setex", 100, "v") is True
            assert r.get("s:setex") == b"v"
            assert 99 <= r.ttl("s:setex") <= 100, f"SETEX 100 then TTL: {r.ttl('s:setex')}"
            with raises("invalid expire time in 'setex' command"):
                r.setex("s:setex", 0, "v")


@check
def check_del_and_exists() -> None:
    with client() as r:
        fresh(r, "d:a", "d:b", "d:missing")
        r.set("d:a", 1)
        r.set("d:b", 2)
        assert r.exists("d:a") == 1
        assert r.exists("d:a", "d:a", "d:missing") == 2, "EXISTS counts a key named twice twice"
        assert r.delete("d:a", "d:b", "d:missing") == 2, "DEL answers how many keys it removed"
        assert r.exists("d:a", "d:b") == 0
        assert r.delete("d:a") == 0


@check
def check_incr_family() -> None:
    with client() as r:
        fresh(r, "n:c", "n:text", "n:big", "n:ttl")
        assert r.execute_command("INCR", "n:c") == 1, "INCR of a missing key is 1"
        assert r.incr("n:c") == 2, "r.incr() (INCRBY key 1)"
        assert r.incrby("n:c", 10) == 12, "INCRBY 10"
        assert r.incr("n:c", -20) == -8, "INCRBY with a negative amount"
        assert r.decr("n:c") == -9, "r.decr() (DECRBY key 1)"
        assert r.execute_command("DECR", "n:c") == -10, "DECR"
        assert r.decrby("n:c", 5) == -15, "DECRBY 5"
        assert r.get("n:c") == b"-15", "the counter is stored as text"
        r.set("n:text", "abc")
        with raises("value is not an integer or out of range"):
            r.incr("n:text")
        with raises("value is not an integer or out of range"):
            r.incrby("n:c", "x")
        r.set("n:big", 2**63 - 1)
        with raises("increment or decrement would overflow"):
            r.incr("n:big")
        r.set("n:ttl", 1, ex=100)
        assert r.incr("n:ttl") == 2
        assert 99 <= r.ttl("n:ttl") <= 100, "INCR keeps the key's TTL"


@check
def check_mget_mset() -> None:
    with client() as r:
        fresh(r, "m:a", "m:b", "m:missing")
        assert r.mset({"m:a": "1", "m:b": b"\x00two"}) is True
        assert r.mget(["m:a", "m:b", "m:missing"]) == [b"1", b"\x00two", None], (
            "MGET answers one value per key, nil for a missing one"
        )
        assert r.mget("m:b", "m:a") == [b"\x00two", b"1"], "MGET keeps the order asked"
        with raises("wrong number of arguments for 'mset' command"):
            r.execute_command("MSET", "m:a")


@check
def check_type() -> None:
    with client() as r:
        fresh(r, "t:s", "t:missing")
        r.set("t:s", "v")
        assert r.type("t:s") == b"string"
        assert r.type("t:missing") == b"none"


# ---- Expiry ----------------------------------------------------------------------------------


@check
def check_expire_ttl_pttl_persist() -> None:
    with client() as r:
        fresh(r, "e:k", "e:missing", "e:gone")
        r.set("e:k", "v")
        assert r.ttl("e:k") == -1, "TTL of a key without expiry is -1"
        assert r.pttl("e:k") == -1, "PTTL of a key without expiry is -1"
        assert r.ttl("e:missing") == -2, "TTL of a missing key is -2"
        assert r.pttl("e:missing") == -2, "PTTL of a missing key is -2"
        assert r.expire("e:k", 100) is True
        assert 99 <= r.ttl("e:k") <= 100, f"EXPIRE 100 then TTL: {r.ttl('e:k')}"
        assert 99_000 < r.pttl("e:k") <= 100_000, f"EXPIRE 100 then PTTL: {r.pttl('e:k')}"
        assert r.persist("e:k") is True, "PERSIST removes a TTL"
        assert r.ttl("e:k") == -1
        assert r.persist("e:k") is False, "PERSIST of a key without TTL is 0"
        assert r.persist("e:missing") is False, "PERSIST of a missing key is 0"
        assert r.expire("e:missing", 100) is False, "EXPIRE of a missing key is 0"
        r.set("e:gone", "v")
        assert r.expire("e:gone", -1) is True, "EXPIRE with a negative time deletes the key"
        assert r.exists("e:gone") == 0


# ---- The keyspace ----------------------------------------------------------------------------

GLOB_KEYS = ["hello", "hallo", "hxllo", "hllo", "heeeello", "a*b", "aXb"]


def glob_keys(r: redis.Redis, prefix: str) -> None:
    r.delete(*(f"{prefix}{k}" for k in GLOB_KEYS))
    r.mset({f"{prefix}{k}": 1 for k in GLOB_KEYS})


GLOB_CASES = {
    "*": set(GLOB_KEYS),
    "h?llo": {"hello", "hallo", "hxllo"},
    "h*llo": {"hello", "hallo", "hxllo", "hllo", "heeeello"},
    "h[ae]llo": {"hello", "hallo"},
    "h[^e]llo": {"hallo", "hxllo"},
    "h[a-b]llo": {"hallo"},
    "a\\*b": {"a*b"},
    "a*b": {"a*b", "aXb"},
    "nothing*": set(),
}


@check
def check_keys_pattern() -> None:
    with client() as r:
        glob_keys(r, "g:")
        for pattern, expected in GLOB_CASES.items():
            got = {k.decode().removeprefix("g:") for k in r.keys(f"g:{pattern}")}
            assert got == expected, f"KEYS g:{pattern} gave {sorted(got)}, not {sorted(expected)}"


@check
def check_scan_and_scan_iter() -> None:
    with client() as r:
        glob_keys(r, "sg:")
        for pattern, expected in GLOB_CASES.items():
            got = {k.decode().removeprefix("sg:") for k in r.scan_iter(match=f"sg:{pattern}")}
            assert got == expected, f"scan_iter(match='sg:{pattern}') gave {sorted(got)}"
        many = {f"sc:{i}" for i in range(120)}
        r.mset(dict.fromkeys(many, 1))
        seen: list[bytes] = []
        cursor, calls = 0, 0
        while True:
            cursor, batch = r.scan(cursor, match="sc:*", count=10)
            assert isinstance(cursor, int), f"SCAN's cursor parses as an int: {cursor!r}"
            seen.extend(batch)
            calls += 1
            assert calls < 1000, "SCAN's cursor never comes back to 0"
            if cursor == 0:
                break
        assert {k.decode() for k in seen} == many, "SCAN 0 … 0 with MATCH returns every key"
        assert set(r.scan_iter(match="sc:*", count=7)) == {k.encode() for k in many}


@check
def check_dbsize() -> None:
    with client() as r:
        r.flushdb()
        assert r.dbsize() == 0
        r.mset({"z:a": 1, "z:b": 2, "z:c": 3})
        assert r.dbsize() == 3
        r.delete("z:a")
        assert r.dbsize() == 2


@check
def check_flushdb() -> None:
    with client() as r:
        r.mset({"f:a": 1, "f:b": 2})
        assert r.flushdb() is True
        assert r.dbsize() == 0, "FLUSHDB empties the database"
        assert r.get("f:a") is None


@check
def check_flushdb_async() -> None:
    with client() as r:
        r.mset({"f:a": 1, "f:b": 2})
        assert r.flushdb(asynchronous=True) is True, "FLUSHDB ASYNC"
        assert r.dbsize() == 0


@check
def check_flushall() -> None:
    with client() as r:
        r.mset({"f:a": 1, "f:b": 2})
        r.set("f:ttl", 1, ex=100)
        assert r.flushall() is True
        assert r.dbsize() == 0, "FLUSHALL empties the server"
        assert r.ttl("f:ttl") == -2


@check
def check_select() -> None:
    with client() as r:
        assert r.select(0) is True, "SELECT 0"
        try:
            r.select(1)
        except redis.ResponseError as err:
            assert str(err) == "DB index is out of range", f"SELECT 1: {err}"
        else:
            raise AssertionError(
                "SELECT 1 succeeded: the server has more than one database "
                "(run redis-server with --databases 1 to compare)"
            )
        assert r.ping() is True, "the connection works after a refused SELECT"


# ---- INFO ------------------------------------------------------------------------------------


@check
def check_info() -> None:
    with client() as r:
        server = r.info("server")
        assert isinstance(server.get("redis_version"), str), f"INFO server: {server!r}"
        assert server.get("tcp_port") == PORT, f"INFO server's tcp_port: {server.get('tcp_port')!r}"
        assert isinstance(server.get("uptime_in_seconds"), int)
        clients = r.info("clients")
        assert isinstance(clients.get("connected_clients"), int), f"INFO clients: {clients!r}"
        assert clients["connected_clients"] >= 1
        memory = r.info("memory")
        assert isinstance(memory.get("used_memory"), int), f"INFO memory: {memory!r}"
        assert memory["used_memory"] > 0
        everything = r.info()
        for field in ("redis_version", "connected_clients", "used_memory"):
            assert field in everything, f"INFO (every section) has no {field}"


@check
def check_info_keyspace() -> None:
    with client() as r:
        r.flushdb()
        assert r.info("keyspace") == {}, "INFO keyspace lists no database while it is empty"
        r.set("i:a", 1)
        r.set("i:b", 2, ex=100)
        keyspace = r.info("keyspace")
        assert set(keyspace) == {"db0"}, f"INFO keyspace: {keyspace!r}"
        assert keyspace["db0"]["keys"] == 2, f"db0's keys: {keyspace['db0']!r}"
        assert keyspace["db0"]["expires"] == 1, f"db0's expires: {keyspace['db0']!r}"


# ---- CLIENT ----------------------------------------------------------------------------------


@check
def check_client_name_and_id() -> None:
    with client() as r, client() as other:
        assert r.client_getname() is None, "a new connection has no name"
        assert r.client_setname("learner") is True
        # redis-py decodes the name under RESP2 and not under RESP3: compare as text.
        name = r.client_getname()
        assert name in ("learner", b"learner"), f"CLIENT GETNAME after SETNAME: {name!r}"
        with raises("Client names cannot contain spaces"):
            r.client_setname("two words")
        first, second = r.client_id(), other.client_id()
        assert isinstance(first, int) and first > 0, f"CLIENT ID: {first!r}"
        assert first != second, "two connections have different CLIENT IDs"
        assert r.client_id() == first, "a connection keeps its CLIENT ID"


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:2])


@check
def check_client_setinfo() -> None:
    with client() as r:
        try:
            reply = r.client_setinfo("lib-name", "interop-check")
        except redis.ResponseError as err:
            # CLIENT SETINFO exists since Redis 7.2 (redis-py sends it at connect, ignoring an error).
            claimed = r.info("server")["redis_version"]
            assert version(claimed) < (7, 2), (
                f"CLIENT SETINFO refused ({err}) by a server that says it is Redis {claimed}"
            )
            assert str(err) == "unknown subcommand 'SETINFO'. Try CLIENT HELP.", repr(err)
            return
        assert reply is True, f"CLIENT SETINFO LIB-NAME: {reply!r}"
        assert r.client_setinfo("lib-ver", "1.0") is True, "CLIENT SETINFO LIB-VER"


# ---- Pipelines and transactions --------------------------------------------------------------


@check
def check_pipeline_transaction() -> None:
    with client() as r:
        fresh(r, "p:a", "p:n")
        with r.pipeline() as pipe:  # transaction=True: MULTI … EXEC
            pipe.set("p:a", "v").incr("p:n").incr("p:n").get("p:a").get("p:missing")
            results = pipe.execute()
        assert results == [True, 1, 2, b"v", None], f"pipeline() results: {results!r}"


@check
def check_pipeline_without_transaction() -> None:
    with client() as r:
        fresh(r, "p:b", "p:m")
        with r.pipeline(transaction=False) as pipe:
            for _ in range(100):
                pipe.incr("p:m")
            pipe.set("p:b", "v").get("p:b")
            results = pipe.execute()
        assert results == [*range(1, 101), True, b"v"], f"results: {results[-5:]!r}"


@check
def check_transaction_errors() -> None:
    # One connection, so MULTI, the queued commands and EXEC go down the same socket.
    r = redis.Redis(port=PORT, protocol=PROTOCOL, single_connection_client=True)
    with r:
        fresh(r, "x:k")
        with raises("EXEC without MULTI"):
            r.execute_command("EXEC")
        with raises("DISCARD without MULTI"):
            r.execute_command("DISCARD")
        assert r.execute_command("MULTI") == b"OK"
        with raises("MULTI calls can not be nested"):
            r.execute_command("MULTI")
        assert r.execute_command("INCR", "x:k") == b"QUEUED", "a command inside MULTI is QUEUED"
        assert r.execute_command("DISCARD") == b"OK"
        assert r.get("x:k") is None, "DISCARD drops the queued commands"

        r.execute_command("MULTI")
        assert r.execute_command("INCR", "x:k") == b"QUEUED"
        with raises("wrong number of arguments for 'get' command"):
            r.execute_command("GET")
        with raises("unknown command 'NOSUCH'"):
            r.execute_command("NOSUCH", "x")
        with raises("Transaction discarded because of previous errors.", redis.exceptions.ExecAbortError):
            r.execute_command("EXEC")  # EXECABORT
        assert r.get("x:k") is None, "an aborted transaction runs nothing"
        assert r.ping() is True, "the connection leaves MULTI state after EXECABORT"

        r.execute_command("MULTI")
        r.execute_command("INCR", "x:k")
        r.execute_command("GET", "x:k")
        assert r.execute_command("EXEC") == [1, b"1"], "EXEC answers every queued reply"


@check
def check_pipeline_errors() -> None:
    with client() as r:
        fresh(r, "x:p", "x:q")
        with r.pipeline() as pipe:
            pipe.set("x:p", "text").incr("x:p").get("x:p")
            results = pipe.execute(raise_on_error=False)
        assert results[0] is True and results[2] == b"text", f"results: {results!r}"
        assert isinstance(results[1], redis.ResponseError), (
            f"a command failing inside EXEC fails alone, the others run: {results!r}"
        )
        with r.pipeline() as pipe:
            pipe.set("x:q", "v").execute_command("GET")
            try:
                pipe.execute()
            except redis.ResponseError as err:
                assert "wrong number of arguments for 'get' command" in str(err), repr(err)
            else:
                raise AssertionError("a wrong-arity command in a transaction aborts it")
        assert r.get("x:q") is None, "an aborted pipeline(transaction=True) runs nothing"


# ---- Pub/sub ---------------------------------------------------------------------------------


def next_message(pubsub: redis.client.PubSub) -> dict:
    message = pubsub.get_message(timeout=2.0)
    assert message is not None, "no pub/sub message within 2 s"
    return message


@check
def check_publish_subscribe() -> None:
    with client() as r, r.pubsub() as p:
        p.subscribe("ps:news")
        assert next_message(p) == {
            "type": "subscribe",
            "pattern": None,
            "channel": b"ps:news",
            "data": 1,
        }
        assert r.publish("ps:news", "hello") == 1, "PUBLISH answers how many received it"
        assert r.publish("ps:nobody", "x") == 0
        assert next_message(p) == {
            "type": "message",
            "pattern": None,
            "channel": b"ps:news",
            "data": b"hello",
        }
        p.ping()
        pong = next_message(p)
        assert pong["type"] == "pong", f"PING while subscribed: {pong!r}"
        p.unsubscribe("ps:news")
        assert next_message(p)["type"] == "unsubscribe"
        assert p.get_message(timeout=0.1) is None, "nothing else arrives"
        assert r.publish("ps:news", "late") == 0, "nobody listens after UNSUBSCRIBE"


@check
def check_psubscribe_punsubscribe() -> None:
    with client() as r, r.pubsub() as p:
        p.psubscribe("pp:news.*")
        assert next_message(p) == {
            "type": "psubscribe",
            "pattern": None,
            "channel": b"pp:news.*",
            "data": 1,
        }
        assert r.publish("pp:news.tech", "chips") == 1
        assert next_message(p) == {
            "type": "pmessage",
            "pattern": b"pp:news.*",
            "channel": b"pp:news.tech",
            "data": b"chips",
        }
        assert r.publish("pp:weather", "rain") == 0, "a pattern matches by glob"
        p.subscribe("pp:news.tech")
        assert next_message(p)["data"] == 2, "subscribe's count adds patterns and channels"
        assert r.publish("pp:news.tech", "twice") == 2, "a channel and a pattern both receive"
        kinds = {next_message(p)["type"], next_message(p)["type"]}
        assert kinds == {"message", "pmessage"}, f"received {kinds}"
        p.punsubscribe("pp:news.*")
        assert next_message(p) == {
            "type": "punsubscribe",
            "pattern": None,
            "channel": b"pp:news.*",
            "data": 1,
        }
        assert r.publish("pp:news.sport", "goal") == 0, "nobody listens after PUNSUBSCRIBE"
        p.unsubscribe()
        assert next_message(p)["data"] == 0


def read_reply(replies: BinaryIO) -> bytes:
    """Reads one whole RESP2 or RESP3 reply and returns its first line, which names its type."""
    line = replies.readline()
    assert line.endswith(b"\r\n"), f"the server closed the connection after {line!r}"
    kind, size = line[:1], line[1:-2]
    if kind in b"$=!" and int(size) >= 0:  # bulk string, verbatim string, bulk error
        replies.read(int(size) + 2)
    elif kind in b"*>~":  # array, push, set
        for _ in range(max(int(size), 0)):
            read_reply(replies)
    elif kind == b"%":  # map
        for _ in range(2 * int(size)):
            read_reply(replies)
    return line


@check
def check_resp_on_the_wire() -> None:
    # redis-py's RESP3 parser also reads RESP2 replies, so the wire format is checked by hand.
    with (
        socket.create_connection(("127.0.0.1", PORT), timeout=CHECK_SECONDS) as sock,
        sock.makefile("rb") as replies,
    ):
        if PROTOCOL == 3:
            sock.sendall(encode("HELLO", "3"))
            assert read_reply(replies).startswith(b"%"), "HELLO 3 answers a map (%)"
        sock.sendall(encode("GET", "wire:missing") + encode("MGET", "wire:missing"))
        nil = b"_\r\n" if PROTOCOL == 3 else b"$-1\r\n"
        assert read_reply(replies) == nil, f"GET of a missing key is {nil!r}"
        assert read_reply(replies) == b"*1\r\n", "MGET answers an array"
        sock.sendall(encode("PING", "hi"))
        assert read_reply(replies) == b"$2\r\n", "PING msg answers msg as a bulk string"
        sock.sendall(encode("SUBSCRIBE", "wire:ch"))
        push = b">3\r\n" if PROTOCOL == 3 else b"*3\r\n"
        assert read_reply(replies) == push, f"a pub/sub message starts with {push!r}"


def encode(*words: str) -> bytes:
    """A command as every client library sends it: an array of bulk strings."""
    parts = [f"*{len(words)}\r\n".encode()]
    for word in words:
        parts.append(f"${len(word.encode())}\r\n{word}\r\n".encode())
    return b"".join(parts)


# ---- asyncio ---------------------------------------------------------------------------------


@check
def check_asyncio_gather_1000() -> None:
    async def main() -> None:
        # redis.asyncio.Redis()'s own pool opens at most 100 connections and raises "Too many
        # connections" past that; BlockingConnectionPool makes the 101st command wait instead.
        pool = redis.asyncio.BlockingConnectionPool(port=PORT, protocol=PROTOCOL)
        async with redis.asyncio.Redis.from_pool(pool) as r:
            await r.delete("a:counter", *(f"a:{i}" for i in range(500)))
            results = await asyncio.gather(
                *(r.incr("a:counter") for _ in range(500)),
                *(r.set(f"a:{i}", i) for i in range(500)),
            )
            assert sorted(results[:500]) == list(range(1, 501)), "500 INCRs count 1…500"
            assert results[500:] == [True] * 500, "500 SETs answer True"
            assert await r.get("a:counter") == b"500"
            values = await r.mget([f"a:{i}" for i in range(500)])
            assert values == [str(i).encode() for i in range(500)], "every SET landed"

    run_async(main())


@check
def check_asyncio_default_client() -> None:
    async def main() -> None:
        async with aclient() as r:
            await r.delete("a:default")
            results = await asyncio.gather(*(r.incr("a:default") for _ in range(100)))
            assert sorted(results) == list(range(1, 101)), "100 concurrent INCRs"
            async with r.pipeline() as pipe:
                pipe.set("a:p", "v").get("a:p")
                assert await pipe.execute() == [True, b"v"], "an asyncio pipeline()"

    run_async(main())


@check
def check_asyncio_transactions_are_atomic() -> None:
    async def main() -> None:
        async with aclient() as r:
            await r.delete("a:atomic")

            async def transaction() -> list[int]:
                # MULTI, 1000 INCRs, EXEC: 35 KB, more than a server reads in one go, so only
                # the transaction keeps another client's INCRs out of the run.
                async with r.pipeline() as pipe:
                    for _ in range(1000):
                        pipe.incr("a:atomic")
                    return await pipe.execute()

            results = await asyncio.gather(*(transaction() for _ in range(10)))
            for got in results:
                assert got == list(range(got[0], got[0] + 1000)), (
                    f"another client's INCR ran inside a transaction: {got[0]}…{got[-1]}"
                )
            assert sorted(got[0] for got in results) == list(range(1, 10_000, 1000))

    run_async(main())


@check
def check_asyncio_pubsub() -> None:
    async def main() -> None:
        async with aclient() as r, r.pubsub() as p:
            await p.subscribe("a:events")
            confirmed = await p.get_message(timeout=2.0)
            assert confirmed and confirmed["type"] == "subscribe", f"confirmation: {confirmed!r}"
            received: list[bytes] = []

            async def listen() -> None:
                async for message in p.listen():
                    if message["type"] == "message":
                        received.append(message["data"])
                        if len(received) == 10:
                            return

            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(listen())
                for i in range(10):
                    assert await r.publish("a:events", f"event {i}") == 1
            assert received == [f"event {i}".encode() for i in range(10)], f"got {received!r}"

    run_async(main())


def run_async(main: object) -> None:
    async def bounded() -> None:
        async with asyncio.timeout(CHECK_SECONDS - 0.5):
            await main  # type: ignore[misc]

    asyncio.run(bounded())


# ---- Running ---------------------------------------------------------------------------------


class Hang(BaseException):
    """Raised by SIGALRM inside a blocking read; a BaseException, so no `except Exception` in a
    client library swallows it."""


def on_alarm(_signum: int, _frame: object) -> None:
    raise Hang(f"no reply within {CHECK_SECONDS:g} s")


HELPERS = {"raises", "next_message", "read_reply", "run_async", "bounded", "__exit__"}


def describe(err: BaseException) -> str:
    if isinstance(err, AssertionError):
        # The line in the check, not in a helper it called.
        frames = traceback.extract_tb(err.__traceback__)
        mine = [f for f in frames if f.filename == __file__ and f.name not in HELPERS]
        where = (mine or frames)[-1]
        return f"{err or where.line} (line {where.lineno})"
    if isinstance(err, TimeoutError):
        return f"no reply within {CHECK_SECONDS:g} s (asyncio)"
    return f"{type(err).__name__}: {err}"


def main() -> int:
    global PORT, PROTOCOL
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--protocol", type=int, choices=(2, 3), default=3)
    parser.add_argument("--only", help="run only the checks whose name contains this")
    args = parser.parse_args()
    PORT, PROTOCOL = args.port, args.protocol
    print(f"redis-py {redis.__version__}, protocol {PROTOCOL}, port {PORT}", flush=True)

    signal.signal(signal.SIGALRM, on_alarm)
    passed = failed = 0
    deadline = time.monotonic() + RUN_SECONDS
    for fn in CHECKS:
        name = fn.__name__.removeprefix("check_")
        if args.only and args.only not in name:
            continue
        if time.monotonic() > deadline:
            failed += 1
            print(f"FAIL {name}: not run, the checks before it took over {RUN_SECONDS:g} s")
            continue
        signal.setitimer(signal.ITIMER_REAL, CHECK_SECONDS)
        try:
            fn()
        except (Exception, Hang) as err:  # every failure is reported, then the next check runs
            failed += 1
            print(f"FAIL {name}: {describe(err)}", flush=True)
        else:
            passed += 1
            print(f"ok {name}", flush=True)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
