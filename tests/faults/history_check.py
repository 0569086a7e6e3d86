#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Check a history of famfs ownership operations (stdlib only).

Two checks:

1. Linearizability of the client-visible grants (--history FILE, JSON lines):
     {"proc":P, "op":"acquire"|"release"|"handoff"|"expire", "path":"/d",
      "host":H, "mode":"rw"|"ro", "to":H, "invoke":NS, "response":NS|null,
      "status":"ok"|"fail"|"info"|"none"}
   "host" is the host the grant is for (acquire, release, expire); "to" the
   target of a handoff. status: ok = acknowledged (took effect once), fail =
   refused because of the ownership rules (FAILED_PRECONDITION: took no
   effect, and the rules must have refused it at that moment), info =
   unknown outcome (connection lost, UNAVAILABLE, timeout: took effect at
   most once, at some moment after its invocation, or never), none = refused
   for another reason (ABORTED by a running handoff, ...: no effect, no
   constraint). "expire" ops are written by the fault driver when it kills,
   stops or isolates host H: the master may then release H's grant on the
   path at any moment after (status info).
   Sequential spec, per data set (data sets must not be nested, so each
   path is an independent object and is checked on its own):
     state: {host: "ro"|"rw"}
     acquire(h, m): allowed iff no other host holds rw, and (m = ro or no
                    other host holds anything); state[h] = m
     release(h):    allowed iff h holds a grant; del state[h]
     handoff(to):   allowed iff some a != to holds rw (then no one else
                    holds anything but possibly to); del state[a]; state[to] = rw
     expire(h):     always allowed; del state[h]
   The search is Wing & Gong's backtracking with memoization of (set of
   linearized ops, state) (as in Lowe's and Knossos's checkers), bounded by
   --max-ops per data set and --budget search steps; beyond them the verdict
   is "unknown", which fails unless --allow-unknown.

2. At most one read-write owner at every log position (--log FILE...): the
   JSON lines of famfs_logdump (records from the head: a checkpoint image or
   the first record). OWNER records are applied in seq order with the
   ownership rules on nested paths (a rw grant excludes every other host's
   grant on the same path, above it or below it); CHECKPOINT begin starts a
   new image. Any record that leaves two hosts in conflict is a violation.
   An OWNER record with "prev_host" is a handoff in one record: it drops
   that host's grant on the path and grants the new one at once.

3. At most one read-write owner from the hosts' own access state
   (--access FILE...): JSON lines {"host":H, "path":P, "t0":MS, "t1":MS,
   "access":"rw"|"ro"|"none", "epoch":E} sampled from each host (famfsctl
   owners on that host: t0 before asking, t1 after the answer; epoch: the
   host's read-write grant covering P, 0 for none). Samples of one host are
   not simultaneous with another's, so a violation is only concluded when
   it is certain: host A answered rw with grant epoch E at s1 and again at
   s2, and host B answered rw on an overlapping path at s with s1 ending
   before s starts and s ending before s2 starts. A host never regains a
   grant once its access to it was dropped (lost grants stay lost, epochs
   never repeat), so A held rw through all of s: two writers.

Exit 0: every check passed; 1: a violation (printed); 2: usage or input error;
3: unknown (search budget exceeded).
"""
import argparse
import json
import sys

INF = float("inf")


def die(msg):
    print("history_check: " + msg, file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------- spec

def spec_step(state, op):
    """Apply op to state (a frozenset of (host, mode)). Returns the new state
    when the op's rules allow it, None when they refuse it."""
    d = dict(state)
    kind = op["op"]
    if kind == "acquire":
        h, m = op["host"], op["mode"]
        for o, om in d.items():
            if o != h and (m == "rw" or om == "rw"):
                return None
        d[h] = m
    elif kind == "release":
        if op["host"] not in d:
            return None
        del d[op["host"]]
    elif kind == "handoff":
        to = op["to"]
        owners = [o for o, om in d.items() if om == "rw" and o != to]
        if len(owners) != 1:
            return None
        a = owners[0]
        if any(o not in (a, to) for o in d):
            return None
        del d[a]
        d[to] = "rw"
    elif kind == "expire":
        d.pop(op["host"], None)
    else:
        raise ValueError("unknown op %r" % kind)
    return frozenset(d.items())


# ---------------------------------------------------------------- linearizability

class Budget(Exception):
    pass


def linearizable(ops, budget):
    """ops: list of dicts with invoke, response (INF for info), status.
    Returns (True, order) or (False, furthest prefix) ; raises Budget."""
    ops = [o for o in ops if o["status"] != "none"]
    n = len(ops)
    ops.sort(key=lambda o: o["invoke"])
    must = 0  # bitmask of ops that must be linearized (ok and fail)
    for i, o in enumerate(ops):
        if o["status"] in ("ok", "fail"):
            must |= 1 << i
    seen = set()
    steps = [0]
    best = [[]]

    def candidates(done):
        # Ops not yet linearized that were invoked before the earliest
        # response of any pending must-op: only those may go next.
        horizon = INF
        for i, o in enumerate(ops):
            if not (done >> i) & 1 and (must >> i) & 1 and o["response"] < horizon:
                horizon = o["response"]
        return [i for i, o in enumerate(ops)
                if not (done >> i) & 1 and o["invoke"] < horizon]

    # Iterative DFS (histories can be deep): stack of (done, state, order, iterator)
    stack = [(0, frozenset(), [], None)]
    while stack:
        done, state, order, it = stack.pop()
        if it is None:
            if done & must == must:
                return True, order
            key = (done, state)
            if key in seen:
                continue
            seen.add(key)
            steps[0] += 1
            if steps[0] > budget:
                raise Budget()
            if len(order) > len(best[0]):
                best[0] = order
            it = iter(candidates(done))
        for i in it:
            o = ops[i]
            new = spec_step(state, o)
            if o["status"] == "fail":
                if new is not None:
                    continue       # the rules would have allowed it: not here
                new = state        # refused: no effect
            elif new is None:
                continue           # ok / info op the rules refuse here
            stack.append((done, state, order, it))
            stack.append((done | (1 << i), new, order + [i], None))
            break
    return False, best[0]


def describe(o):
    t = o["op"]
    who = ("to %s" % o["to"]) if t == "handoff" else ("host %s" % o["host"])
    extra = (" " + o["mode"]) if t == "acquire" else ""
    resp = "?" if o["response"] == INF else "%.3f" % (o["response"] / 1e9)
    return "%s %s%s %s -> %s [%.3f, %s] proc %s" % (
        t, o["path"], extra, who, o["status"], o["invoke"] / 1e9, resp, o.get("proc", "-"))


def read_jsonl(path):
    """(line number, line, parsed object) for each non-empty line; dies on bad JSON."""
    try:
        with open(path) as f:
            for ln, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    yield ln, line, json.loads(line)
                except ValueError:
                    die("%s:%d: not JSON: %s" % (path, ln, line[:200]))
    except OSError as e:
        die("%s: %s" % (path, e.strerror))


def check_history(path, max_ops, budget):
    """Returns (violations, unknowns, n_objects, n_ops)."""
    objs = {}
    for ln, line, o in read_jsonl(path):
        try:
            if o["op"] not in ("acquire", "release", "handoff", "expire"):
                continue
            o["invoke"] = int(o["invoke"])
            o["response"] = INF if o.get("response") is None else int(o["response"])
            if o["status"] == "info":
                o["response"] = INF
            if o["status"] not in ("ok", "fail", "info", "none"):
                raise ValueError("status %r" % o["status"])
        except (ValueError, KeyError, TypeError) as e:
            die("%s:%d: bad entry (%s): %s" % (path, ln, e, line[:200]))
        objs.setdefault(o["path"], []).append(o)
    bad, unknown, nops = [], [], 0
    paths = sorted(objs)
    for p in paths:
        for a in paths:
            if a != p and a.startswith(p.rstrip("/") + "/"):
                die("data sets %s and %s are nested; "
                                 "the per-path check needs disjoint data sets" % (p, a))
    for p in paths:
        ops = objs[p]
        nops += len(ops)
        if len([o for o in ops if o["status"] != "none"]) > max_ops:
            unknown.append("%s: %d ops, more than --max-ops %d" % (p, len(ops), max_ops))
            continue
        try:
            ok, order = linearizable(ops, budget)
        except Budget:
            unknown.append("%s: search budget of %d steps exceeded" % (p, budget))
            continue
        if not ok:
            live = sorted([o for o in ops if o["status"] != "none"], key=lambda o: o["invoke"])
            msg = ["%s: not linearizable; longest valid prefix (%d of %d ops):" %
                   (p, len(order), len(live))]
            msg += ["    %s" % describe(live[i]) for i in order[-6:]]
            rest = [live[i] for i in range(len(live)) if i not in set(order)]
            msg.append("  none of these can come next:")
            msg += ["    %s" % describe(o) for o in rest[:6]]
            bad.append("\n".join(msg))
    return bad, unknown, len(objs), nops


# ---------------------------------------------------------------- log invariant

def related(a, b):
    a, b = a.rstrip("/") or "/", b.rstrip("/") or "/"
    if a == b or a == "/" or b == "/":
        return True
    return b.startswith(a + "/") or a.startswith(b + "/")


def check_log(path):
    """Returns (violations, owner records seen)."""
    grants = {}  # (path, host) -> (mode, seq)
    bad, n = [], 0
    for ln, line, r in read_jsonl(path):
        if "end" in r:
            continue
        if r.get("type") == "CHECKPOINT" and r.get("phase") == "begin":
            grants = {}
            continue
        if r.get("type") != "OWNER":
            continue
        n += 1
        key = (r["path"], r["host"])
        if "prev_host" in r:
            grants.pop((r["path"], r["prev_host"]), None)
        if r["mode"] == "none":
            grants.pop(key, None)
            continue
        grants[key] = (r["mode"], r["seq"])
        for (gp, gh), (gm, gs) in grants.items():
            if gh != r["host"] and related(gp, r["path"]) and "rw" in (gm, r["mode"]):
                bad.append("%s: record %d grants %s %s to host %d while host %d holds %s on %s "
                           "(record %d)" % (path, r["seq"], r["mode"], r["path"], r["host"],
                                            gh, gm, gp, gs))
    return bad, n


def check_access(path):
    """Returns (violations, samples read)."""
    rw = {}  # host -> [(t0, t1, path, epoch)] of rw answers
    n = 0
    for ln, line, r in read_jsonl(path):
        try:
            n += 1
            if r["access"] == "rw":
                rw.setdefault(int(r["host"]), []).append(
                    (int(r["t0"]), int(r["t1"]), r["path"], int(r.get("epoch", 0))))
        except (KeyError, ValueError, TypeError) as e:
            die("%s:%d: bad sample (%s): %s" % (path, ln, e, line[:200]))
    bad = []
    for a, sa in rw.items():
        sa.sort()
        for b, sb in rw.items():
            if b == a:
                continue
            for (t0, t1, p, e) in sb:
                before = [x for x in sa if x[1] < t0 and related(x[2], p)]
                after = [x for x in sa if x[0] > t1 and related(x[2], p)]
                for x in before:
                    y = next((y for y in after if y[3] == x[3] and y[2] == x[2]), None)
                    if y:
                        bad.append("%s: host %d read-write on %s (epoch %d) at %d-%d and at %d-%d, "
                                   "host %d read-write on %s at %d-%d in between" %
                                   (path, a, x[2], x[3], x[0], x[1], y[0], y[1], b, p, t0, t1))
                        break
                if len(bad) > 20:
                    return bad, n
    return bad, n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--history", action="append", default=[], help="client history (JSON lines)")
    ap.add_argument("--log", action="append", default=[], help="famfs_logdump output")
    ap.add_argument("--access", action="append", default=[], help="hosts' access samples")
    ap.add_argument("--max-ops", type=int, default=400, help="ops per data set searched at most")
    ap.add_argument("--budget", type=int, default=2000000, help="search steps per data set")
    ap.add_argument("--allow-unknown", action="store_true")
    ap.add_argument("--tag", default="", help="prefix of every message (e.g. the seed)")
    a = ap.parse_args()
    if not a.history and not a.log and not a.access:
        ap.error("give --history, --log and/or --access")
    tag = a.tag + ": " if a.tag else ""
    rc = 0
    for h in a.history:
        bad, unknown, nobj, nops = check_history(h, a.max_ops, a.budget)
        for b in bad:
            print("%sNOT LINEARIZABLE %s" % (tag, b))
        for u in unknown:
            print("%sUNKNOWN %s" % (tag, u))
        print("%shistory %s: %d ops on %d data sets, %d not linearizable, %d unknown" %
              (tag, h, nops, nobj, len(bad), len(unknown)))
        if bad:
            rc = 1
        elif unknown and not a.allow_unknown and rc == 0:
            rc = 3
    for lf in a.log:
        bad, n = check_log(lf)
        for b in bad:
            print("%sTWO OWNERS %s" % (tag, b))
        print("%slog %s: %d OWNER records, %d violations" % (tag, lf, n, len(bad)))
        if bad:
            rc = 1
    for af in a.access:
        bad, n = check_access(af)
        for b in bad:
            print("%sTWO WRITERS %s" % (tag, b))
        print("%saccess %s: %d samples, %d violations" % (tag, af, n, len(bad)))
        if bad:
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
