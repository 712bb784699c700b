#!/usr/bin/env python3
"""mini_redis from Python asyncio, with redis-py: the client this workshop's audience already uses.

    make mr-server                                    # mini_redis on 127.0.0.1:1337
    python3 mini_redis/examples/asyncio_client.py     # in another terminal (pip install redis)

`--port 6379` runs it against a redis-server instead, `--protocol 2` speaks RESP2.

What it shows:
- `asyncio.gather` of a thousand commands (INCRs on one counter, SETs on their own keys). redis-py's
  default asyncio pool opens at most 100 connections and raises "Too many connections" past
  that; a `BlockingConnectionPool` (50 connections) makes the extra commands wait for a free
  connection instead. The server serves those connections at once, one task each, and the 500
  INCRs still count to exactly 500.
- A pub/sub listener task, started in a `TaskGroup`, printing what the main task publishes.
"""

import argparse
import asyncio
import time

import redis.asyncio as redis


async def listener(pubsub: redis.client.PubSub, expected: int) -> None:
    """Prints each message published on the channel, until `expected` have arrived."""
    received = 0
    async for message in pubsub.listen():
        if message["type"] == "message":
            received += 1
            print(f"  listener got {message['data'].decode()!r} on {message['channel'].decode()}")
            if received == expected:
                return


async def main(port: int, protocol: int) -> None:
    pool = redis.BlockingConnectionPool(port=port, protocol=protocol)
    async with redis.Redis.from_pool(pool) as r:
        print(f"connected to {(await r.info('server'))['redis_version']} on port {port}")

        await r.delete("visits")
        started = time.perf_counter()
        replies = await asyncio.gather(
            *(r.incr("visits") for _ in range(500)),
            *(r.set(f"user:{i}", f"name {i}") for i in range(500)),
        )
        elapsed = time.perf_counter() - started
        print(f"gather of {len(replies)} commands took {elapsed * 1000:.0f} ms")
        print(f"  visits = {int(await r.get('visits'))}, user:42 = {await r.get('user:42')!r}")

        async with r.pubsub() as pubsub:
            await pubsub.subscribe("news")
            await pubsub.get_message(timeout=1.0)  # the subscribe confirmation
            async with asyncio.timeout(5), asyncio.TaskGroup() as tasks:
                tasks.create_task(listener(pubsub, expected=3))
                for headline in ("hello", "from", "asyncio"):
                    receivers = await r.publish("news", headline)
                    print(f"published {headline!r} to {receivers} subscriber(s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="redis-py asyncio against mini_redis")
    parser.add_argument("--port", type=int, default=1337)
    parser.add_argument("--protocol", type=int, choices=(2, 3), default=3)
    args = parser.parse_args()
    asyncio.run(main(args.port, args.protocol))
