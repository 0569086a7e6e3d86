#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Tests of history_check.py with hand-made histories: it must accept the
linearizable ones and reject the others. Prints "history: N passed, N failed"."""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK = os.path.join(HERE, "history_check.py")
passed = failed = 0


def op(kind, t0, t1, status, host=None, mode=None, to=None, path="/d", proc=0):
    o = {"proc": proc, "op": kind, "path": path, "invoke": t0, "response": t1, "status": status}
    if host is not None:
        o["host"] = host
    if mode is not None:
        o["mode"] = mode
    if to is not None:
        o["to"] = to
    return o


def run(args, lines):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for line in lines:
            f.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
        name = f.name
    try:
        p = subprocess.run([sys.executable, CHECK] + [a.replace("@", name) for a in args],
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout + p.stderr
    finally:
        os.unlink(name)


def expect(name, want_rc, args, lines, want_text=None):
    global passed, failed
    rc, out = run(args, lines)
    if rc == want_rc and (want_text is None or want_text in out):
        passed += 1
    else:
        failed += 1
        print("FAIL: %s: exit %d (want %d)%s\n%s" % (
            name, rc, want_rc, "" if want_text is None else ", want text %r" % want_text, out))


H = ["--history", "@"]
L = ["--log", "@"]
A, R, HO, E = "acquire", "release", "handoff", "expire"

# ---- linearizable histories (exit 0)
expect("sequential acquire, refused acquire, release, acquire", 0, H, [
    op(A, 0, 10, "ok", 1, "rw"), op(A, 20, 30, "fail", 2, "rw"),
    op(R, 40, 50, "ok", 1), op(A, 60, 70, "ok", 2, "rw")])
expect("two concurrent rw acquires, one wins", 0, H, [
    op(A, 0, 50, "fail", 1, "rw", proc=1), op(A, 10, 40, "ok", 2, "rw", proc=2)])
expect("a refusal concurrent with the release that ends the conflict", 0, H, [
    op(A, 0, 10, "ok", 1, "rw"), op(R, 20, 60, "ok", 1, proc=1),
    op(A, 30, 40, "fail", 2, "rw", proc=2), op(A, 50, 70, "ok", 2, "rw", proc=3)])
expect("read-only sharing", 0, H, [
    op(A, 0, 10, "ok", 1, "ro"), op(A, 20, 30, "ok", 2, "ro"), op(A, 40, 50, "fail", 3, "rw"),
    op(A, 60, 70, "ok", 1, "ro")])
expect("handoff moves rw", 0, H, [
    op(A, 0, 10, "ok", 1, "rw"), op(HO, 20, 30, "ok", to=2), op(A, 40, 50, "fail", 1, "rw"),
    op(R, 60, 70, "fail", 1), op(R, 80, 90, "ok", 2)])
expect("expiry of a killed host lets another acquire", 0, H, [
    op(A, 0, 10, "ok", 1, "rw"), op(E, 15, None, "info", 1), op(A, 20, 30, "ok", 2, "rw")])
expect("an unknown acquire that took effect", 0, H, [
    op(A, 0, None, "info", 1, "rw", proc=1), op(A, 50, 60, "fail", 2, "rw", proc=2)])
expect("an unknown acquire that never took effect", 0, H, [
    op(A, 0, None, "info", 1, "rw", proc=1), op(A, 50, 60, "ok", 2, "rw", proc=2)])
expect("an ABORTED handoff constrains nothing", 0, H, [
    op(HO, 0, 10, "none", to=2), op(A, 20, 30, "ok", 1, "rw")])
expect("independent data sets", 0, H, [
    op(A, 0, 10, "ok", 1, "rw", path="/a"), op(A, 5, 15, "ok", 2, "rw", path="/b")])

# ---- not linearizable (exit 1)
expect("two rw owners at once", 1, H, [
    op(A, 0, 10, "ok", 1, "rw"), op(A, 20, 30, "ok", 2, "rw")], "NOT LINEARIZABLE /d")
expect("two concurrent rw acquires both acknowledged", 1, H, [
    op(A, 0, 50, "ok", 1, "rw", proc=1), op(A, 10, 40, "ok", 2, "rw", proc=2)])
expect("rw next to ro", 1, H, [
    op(A, 0, 10, "ok", 1, "ro"), op(A, 20, 30, "ok", 2, "rw")])
expect("a refusal with nothing in the way", 1, H, [
    op(A, 0, 10, "fail", 1, "rw")])
expect("a release refused while the host holds the grant", 1, H, [
    op(A, 0, 10, "ok", 1, "rw"), op(R, 20, 30, "fail", 1)])
expect("a handoff with no rw owner", 1, H, [op(HO, 0, 10, "ok", to=2)])
expect("the old owner keeps its grant after a handoff", 1, H, [
    op(A, 0, 10, "ok", 1, "rw"), op(HO, 20, 30, "ok", to=2), op(R, 40, 50, "ok", 1)])
expect("a grant taken before the owner's expiry began", 1, H, [
    op(A, 0, 10, "ok", 1, "rw"), op(A, 20, 30, "ok", 2, "rw"), op(E, 40, None, "info", 1)])
expect("an unknown acquire takes effect at most once", 1, H, [
    op(A, 0, None, "info", 1, "rw", proc=1), op(R, 10, 20, "ok", 1, proc=2),
    op(R, 30, 40, "ok", 1, proc=2)])
expect("a refusal after the only conflict was released", 1, H, [
    op(A, 0, 10, "ok", 1, "rw"), op(R, 20, 30, "ok", 1), op(A, 40, 50, "fail", 2, "rw")])

# ---- bounds and bad input
many = []
for i in range(12):
    many.append(op(A, 0, 1000, "info", i, "ro", proc=i))
many.append(op(A, 500, 600, "fail", 99, "rw", proc=99))
many.append(op(A, 1100, 1200, "ok", 98, "rw", proc=98))
# 12 unknown ro grants, a refusal (so one of them took effect) and then a
# sole rw grant: not linearizable, but only the whole search (2^12 subsets) shows it.
expect("search budget exceeded: unknown", 3, H + ["--budget", "50"], many, "UNKNOWN /d")
expect("the same history, searched in full", 1, H, many, "NOT LINEARIZABLE")
many[-1] = op(A, 1100, 1200, "ok", 98, "ro", proc=98)
expect("with a ro grant at the end it is linearizable", 0, H, many)
expect("too many ops per data set: unknown", 3, H + ["--max-ops", "2"], [
    op(A, 0, 10, "ok", 1, "ro"), op(A, 20, 30, "ok", 2, "ro"), op(A, 40, 50, "ok", 3, "ro")])
expect("malformed line", 2, H, ['{"op":"acquire"'], "not JSON")
expect("unknown status", 2, H, [op(A, 0, 10, "maybe", 1, "rw")], "bad entry")
expect("nested data sets refused", 2, H, [
    op(A, 0, 10, "ok", 1, "rw", path="/a"), op(A, 0, 10, "ok", 2, "rw", path="/a/b")], "nested")


# ---- log invariant
def rec(seq, path, host, mode, typ="OWNER"):
    return {"seq": seq, "type": typ, "path": path, "host": host, "mode": mode, "epoch": 1,
            "grant_epoch": seq}


expect("log: handoff records", 0, L, [
    rec(1, "/d", 1, "rw"), rec(2, "/d", 1, "none"), rec(3, "/d", 2, "rw"),
    rec(4, "/e", 1, "ro"), rec(5, "/e", 3, "ro"), {"end": "clean", "committed_seq": 5}])
expect("log: two rw owners", 1, L, [
    rec(1, "/d", 1, "rw"), rec(2, "/d", 2, "rw")], "record 2 grants rw /d to host 2")
expect("log: rw on a parent of another host's ro", 1, L, [
    rec(1, "/d/x", 1, "ro"), rec(2, "/d", 2, "rw")], "TWO OWNERS")
expect("log: sibling data sets do not conflict", 0, L, [
    rec(1, "/d/x", 1, "rw"), rec(2, "/d/xy", 2, "rw")])
expect("log: a checkpoint image starts over", 0, L, [
    rec(1, "/d", 1, "rw"), {"seq": 2, "type": "CHECKPOINT", "phase": "begin"},
    rec(3, "/d", 2, "rw")])
expect("log: not JSON", 2, L, ["{oops"], "not JSON")


# --access: hosts' own answers, one host at a time.
A = ["--access", "@"]


def acc(host, t0, t1, access, epoch=0, path="/r"):
    return {"host": host, "path": path, "t0": t0, "t1": t1, "access": access, "epoch": epoch}


expect("access: rw moves from host 2 to host 3", 0, A, [
    acc(2, 0, 5, "rw", 1), acc(3, 6, 9, "none"), acc(2, 10, 14, "none"), acc(3, 15, 20, "rw", 2)])
expect("access: host 3 rw between two rw answers of host 2 (same grant)", 1, A, [
    acc(2, 0, 5, "rw", 1), acc(3, 6, 9, "rw", 2), acc(2, 10, 14, "rw", 1)], "TWO WRITERS")
expect("access: overlapping answers prove nothing", 0, A, [
    acc(2, 0, 10, "rw", 1), acc(3, 5, 9, "rw", 2), acc(2, 8, 14, "rw", 1)])
expect("access: a new grant of host 2 after host 3's", 0, A, [
    acc(2, 0, 5, "rw", 1), acc(3, 6, 9, "rw", 2), acc(2, 10, 14, "rw", 3)])
expect("access: a parent and a child path conflict", 1, A, [
    acc(2, 0, 5, "rw", 1, "/r"), acc(3, 6, 9, "rw", 2, "/r/f"), acc(2, 10, 14, "rw", 1, "/r")],
    "TWO WRITERS")
expect("access: read-only answers never conflict", 0, A, [
    acc(2, 0, 5, "ro"), acc(3, 6, 9, "rw", 2), acc(2, 10, 14, "ro")])

print("history: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
