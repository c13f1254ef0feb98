#!/usr/bin/env python3
"""PostgreSQL at a network distance, on one machine: a TCP proxy that holds every chunk it
passes for DELAY_MS in each direction (order kept), so a round trip to the database costs what
it costs when PostgreSQL runs on another host, as in production. Point the server's
DATABASE_URL at LISTEN_PORT, then compare builds by wall time per request (cpu.py): the
difference is the round trips one makes and the other does not. On loopback alone a round
trip is too cheap to see. (tc's netem would do this in the kernel; containers often lack it.)

  distance.py LISTEN_PORT TARGET_PORT DELAY_MS

The proxy adds its own cost to every chunk, and asyncio's timers on Linux wait whole
milliseconds: a DELAY_MS of 0.5 gave round trips of about 2.4 ms here (pgbench's latency for
`SELECT 1` through it). Measure the round trip you get, and compare builds through the same
proxy, never against a direct connection. The queues are not bounded: it is for benchmarks.
"""

import asyncio
import sys
import time

LISTEN, TARGET, DELAY = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000


async def pipe(reader, writer):
    """Copies reader to writer, each chunk DELAY after it arrived; at the end of the input, ends
    the output (a half-close: the other direction goes on)."""
    held = asyncio.Queue()

    async def release():
        while True:
            due, data = await held.get()
            if data is None:
                writer.write_eof()
                return
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()

    releasing = asyncio.create_task(release())
    try:
        while True:
            data = await reader.read(65536)
            held.put_nowait((time.monotonic() + DELAY, data or None))
            if not data:
                break
        await releasing
    finally:
        releasing.cancel()


async def connection(client_reader, client_writer):
    server_reader, server_writer = await asyncio.open_connection("127.0.0.1", TARGET)
    try:
        # A reset on either side ends both directions, so neither connection is left open.
        await asyncio.gather(
            pipe(client_reader, server_writer), pipe(server_reader, client_writer)
        )
    except (ConnectionError, OSError):
        pass
    finally:
        client_writer.close()
        server_writer.close()


async def main():
    proxy = await asyncio.start_server(connection, "127.0.0.1", LISTEN)
    async with proxy:
        await proxy.serve_forever()


asyncio.run(main())
