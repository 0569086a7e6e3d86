#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A dropping TCP proxy for partition tests (stdlib only).

One process serves every ordered host pair: for each pair I-J it listens on
its own loopback port and forwards to host J's real listen port, so host I's
[peer hJ] address points at that port. A control file lists the blocked
pairs ("1-2", separated by white space, commas or new lines; "#" starts a
comment); it is re-read every 50 ms. For a blocked pair the proxy closes
every open connection and accepts-then-closes new ones, so the dialer sees
its connection fail (its TLS handshake gets EOF). A connection dialed by I
carries both directions of I's calls to J, so "I-J" alone cuts I's calls to
J while J's calls to I (pair J-I) go on; block both for a clean cut.
"I-J@MS" instead delays by MS milliseconds every byte I sends on its
connections to J (its requests: J's replies are not delayed), in order: a
late message, e.g. a push or a grant that arrives after newer ones went
another way.

usage: partition_proxy.py --control FILE [--ready FILE] I-J:LISTEN_PORT:TARGET_PORT ...

--ready FILE is written ("ready") once every port listens. The proxy logs
each block / unblock and connection count to stderr.
"""
import argparse
import asyncio
import os
import re
import signal
import sys

POLL_S = 0.05
CHUNK = 65536


class Pair:
    def __init__(self, name, listen_port, target_port):
        self.name = name
        self.listen_port = listen_port
        self.target_port = target_port
        self.blocked = False
        self.delay_ms = 0
        self.conns = {}  # id -> [client writer, upstream writer or None]
        self.accepted = 0
        self.refused = 0


def log(msg):
    print("partition_proxy: " + msg, file=sys.stderr, flush=True)


def read_blocked(path):
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return set()
    except OSError as e:
        log("cannot read %s: %s (keeping the previous state)" % (path, e))
        return None
    text = re.sub(r"#[^\n]*", "", text)
    return {t for t in re.split(r"[\s,]+", text) if t}


def split_control(tokens):
    """{"1-2", "2-3@500"} -> ({"1-2"}, {"2-3": 500})"""
    blocked, delays = set(), {}
    for t in tokens:
        m = re.fullmatch(r"(\d+-\d+)@(\d+)", t)
        if m:
            delays[m.group(1)] = int(m.group(2))
        else:
            blocked.add(t)
    return blocked, delays


def close_writer(w):
    if w is None:
        return
    try:
        w.transport.abort()
    except Exception:
        pass


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError, asyncio.CancelledError):
        pass
    finally:
        close_writer(writer)


async def pipe_delayed(reader, writer, pair):
    """As pipe(), each chunk written pair.delay_ms after it was read (order kept)."""
    q = asyncio.Queue()
    loop = asyncio.get_running_loop()

    async def out():
        try:
            while True:
                t, data = await q.get()
                if data is None:
                    break
                wait = t + pair.delay_ms / 1000.0 - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            close_writer(writer)

    task = asyncio.create_task(out())
    try:
        while True:
            data = await reader.read(CHUNK)
            q.put_nowait((loop.time(), data or None))
            if not data:
                break
    except (ConnectionError, OSError, asyncio.CancelledError):
        q.put_nowait((loop.time(), None))
    await task


def make_handler(pair):
    async def handle(reader, writer):
        if pair.blocked:
            pair.refused += 1
            close_writer(writer)
            return
        entry = [writer, None]
        key = id(entry)
        pair.conns[key] = entry
        try:
            try:
                ureader, uwriter = await asyncio.open_connection("127.0.0.1", pair.target_port)
            except OSError:
                close_writer(writer)
                return
            entry[1] = uwriter
            if pair.blocked:  # blocked while we dialed
                return
            pair.accepted += 1
            await asyncio.gather(pipe_delayed(reader, uwriter, pair), pipe(ureader, writer))
        except asyncio.CancelledError:
            pass  # shutting down
        finally:
            close_writer(entry[0])
            close_writer(entry[1])
            pair.conns.pop(key, None)

    return handle


async def control_loop(path, pairs):
    while True:
        blocked = read_blocked(path)
        if blocked is not None:
            blocked, delays = split_control(blocked)
            for name, p in pairs.items():
                want = delays.get(name, 0)
                if want != p.delay_ms:
                    log("delay %s: %d ms" % (name, want))
                    p.delay_ms = want
            unknown = (blocked | set(delays)) - set(pairs)
            for u in sorted(unknown):
                log("control file names an unknown pair %r (ignored)" % u)
            for name, p in pairs.items():
                want = name in blocked
                if want and not p.blocked:
                    p.blocked = True
                    log("block %s (closing %d connections)" % (name, len(p.conns)))
                    for entry in list(p.conns.values()):
                        for w in entry:
                            close_writer(w)
                elif not want and p.blocked:
                    p.blocked = False
                    log("unblock %s" % name)
        await asyncio.sleep(POLL_S)


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--control", required=True)
    ap.add_argument("--ready")
    ap.add_argument("pairs", nargs="+", metavar="I-J:LISTEN:TARGET")
    a = ap.parse_args()
    pairs = {}
    for spec in a.pairs:
        m = re.fullmatch(r"(\d+-\d+):(\d+):(\d+)", spec)
        if not m:
            ap.error("bad pair %r" % spec)
        pairs[m.group(1)] = Pair(m.group(1), int(m.group(2)), int(m.group(3)))
    blocked, delays = split_control(read_blocked(a.control) or set())
    for name, p in pairs.items():
        p.blocked = name in blocked
        p.delay_ms = delays.get(name, 0)
    servers = []
    for p in pairs.values():
        servers.append(await asyncio.start_server(make_handler(p), "127.0.0.1", p.listen_port,
                                                  reuse_address=True))
    log("%d pairs listening: %s" % (len(pairs), " ".join(
        "%s:%d->%d" % (p.name, p.listen_port, p.target_port) for p in pairs.values())))
    if a.ready:
        tmp = a.ready + ".tmp"
        with open(tmp, "w") as f:
            f.write("ready %d\n" % os.getpid())
        os.replace(tmp, a.ready)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    ctl = asyncio.create_task(control_loop(a.control, pairs))
    await stop.wait()
    ctl.cancel()
    for s in servers:
        s.close()
    log("stopping: " + " ".join("%s %d/%d" % (p.name, p.accepted, p.refused)
                                for p in pairs.values()) + " (forwarded/refused)")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except OSError as e:
        log(str(e))
        sys.exit(1)
