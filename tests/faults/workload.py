#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A bounded mixed workload against a famfs cluster (stdlib only), for the
fault campaign (random_faults.sh) and the soak (soak.sh).

One thread per host, each driving its host's famfsd through famfsctl:
mkdir (acknowledged names go to --acked), rm of its own earlier names (the
names go to --deleted before the call, so an unknown outcome is excused),
acquire rw/ro, release, handoff of the data sets (--datasets) and owners
reads; with --data also creat + cp + verify of small files through
mappings. Every ownership call is appended to --history (JSON lines, the
format history_check.py reads) with its invoke and response times
(CLOCK_REALTIME ns, the clock the fault driver stamps its faults with).

Outcomes: exit 0 = ok; FAILED_PRECONDITION = refused by the ownership
rules (fail); ABORTED, NOT_FOUND, ALREADY_EXISTS, INVALID_ARGUMENT, or a
message saying "nothing committed" = refused otherwise (none); anything
else (UNAVAILABLE, a dead socket, a timeout) =
unknown (info). Calls that are not ok are counted per host and kind in the
summary printed at the end (--summary, JSON); --strict makes any call that
is neither ok nor an ownership refusal an error (the soak, where nothing
may fail). Hosts listed in --down-file (one id per line, re-read each call)
are skipped: the driver restarts them. Runs --seconds, or until --stop-file
exists; at most --max-ops calls per thread.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time

STATUS_RE = re.compile(r"\(([A-Z_]+):")


class Shared:
    def __init__(self, a):
        self.a = a
        self.lock = threading.Lock()
        self.hist = open(a.history, "a") if a.history else None
        self.acked = open(a.acked, "a") if a.acked else None
        self.deleted = open(a.deleted, "a") if a.deleted else None
        self.errors = open(a.errors, "a") if a.errors else None
        self.counts = {}
        self.owner_ops = {}
        self.stop = threading.Event()

    def take_owner_op(self, path):
        """One more ownership call on data set PATH, unless --max-owner-ops is reached."""
        with self.lock:
            n = self.owner_ops.get(path, 0)
            if self.a.max_owner_ops and n >= self.a.max_owner_ops:
                return False
            self.owner_ops[path] = n + 1
            return True

    def write(self, f, line):
        if f is None:
            return
        with self.lock:
            f.write(line + "\n")
            f.flush()

    def count(self, key):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1

    def down(self):
        try:
            with open(self.a.down_file) as f:
                return {int(x) for x in f.read().split()}
        except (OSError, ValueError, TypeError):
            return set()


def classify(rc, err):
    if rc == 0:
        return "ok", "OK"
    m = STATUS_RE.search(err)
    code = m.group(1) if m else "NO_STATUS"
    if code == "FAILED_PRECONDITION":
        return "fail", code
    if code in ("ABORTED", "NOT_FOUND", "ALREADY_EXISTS", "INVALID_ARGUMENT"):
        return "none", code
    # famfsctl could not even connect to its famfsd (killed by the driver): the
    # request was never sent.
    if "cannot connect to famfsd at " in err:
        return "none", code
    # UNAVAILABLE that famfsd gives before anything can have been committed:
    # the call never left this host (famfsd/cluster.c famfsd_forward: no master
    # known, or no connection to it), or a handoff or release of a read-write
    # grant that stopped before its commit says "nothing committed" (famfsd/handoff.c). Any other UNAVAILABLE may have
    # been committed by the master: unknown outcome.
    if "nothing committed" in err:
        return "none", code
    if code == "UNAVAILABLE" and ("no master: " in err or
                                  re.search(r"master \(host \d+\) is not reachable from host", err)):
        return "none", code
    return "info", code


class Worker(threading.Thread):
    def __init__(self, sh, host, seed):
        super().__init__(daemon=True)
        self.sh, self.host = sh, host
        self.rng = random.Random(seed)
        self.mine = []   # acknowledged names of this thread, not yet deleted
        self.k = 0
        self.nops = 0
        self.tmp = tempfile.mkdtemp(prefix="famfs-wl.")

    def ctl(self, *args, host=None):
        a = self.sh.a
        sock = os.path.join(a.tmp, "h%d.sock" % (host or self.host))
        try:
            p = subprocess.run([a.ctl, "--socket", sock] + list(args), capture_output=True,
                               text=True, timeout=a.call_timeout)
            return p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired:
            return -1, "", "(DEADLINE_EXCEEDED: famfsctl did not return within %d s)" % a.call_timeout

    def note(self, kind, status, code, err):
        self.sh.count("%s:%s" % (kind, code))
        # Refusals by the ownership rules (fail) and by a running handoff
        # (ABORTED) are part of the game for ownership calls; nothing else is.
        strict_bad = status == "info" or \
            (status in ("fail", "none") and kind not in ("acquire", "release", "handoff"))
        # While the driver restarts a host, a handoff (or the release of a
        # read-write grant) may need that host's revocation: UNAVAILABLE, by design.
        if status in ("info", "none") and code == "UNAVAILABLE" and \
                kind in ("handoff", "release") and self.sh.down():
            strict_bad = False
        if status != "ok" and (strict_bad or not self.sh.a.strict):
            self.sh.write(self.sh.errors, "%s host %d %s %s: %s" % (
                "ERROR" if self.sh.a.strict and strict_bad else "note",
                self.host, kind, code, err.strip().replace("\n", " ")[:300]))

    def own_op(self, kind, path, args, host=None, mode=None, to=None):
        if not self.sh.take_owner_op(path):
            # The history of PATH is full (what the checker can judge): read instead.
            rc, out, err = self.ctl("--json", "owners", path)
            self.note("owners", *classify(rc, err), err)
            return
        t0 = time.time_ns()
        rc, out, err = self.ctl(*args)
        t1 = time.time_ns()
        status, code = classify(rc, err)
        e = {"proc": self.host, "op": kind, "path": path, "invoke": t0,
             "response": t1 if status != "info" else None, "status": status, "code": code}
        if host is not None:
            e["host"] = host
        if mode is not None:
            e["mode"] = mode
        if to is not None:
            e["to"] = to
        self.sh.write(self.sh.hist, json.dumps(e))
        self.note(kind, status, code, err)

    def step(self):
        a, r = self.sh.a, self.rng
        ds = a.datasets
        x = r.random()
        if a.max_live and len(self.mine) >= a.max_live and x < 0.40:
            x = 0.35    # keep the namespace (and so famfsd's memory) bounded: rm instead
        if x < 0.30:
            self.k += 1
            name = "%s/h%d-%d" % (a.prefix, self.host, self.k)
            rc, out, err = self.ctl("mkdir", name)
            status, code = classify(rc, err)
            if status == "ok":
                self.mine.append(name)
                self.sh.write(self.sh.acked, name)
            self.note("mkdir", status, code, err)
        elif x < 0.40 and self.mine:
            name = self.mine.pop(r.randrange(len(self.mine)))
            self.sh.write(self.sh.deleted, name)
            rc, out, err = self.ctl("rm", name)
            status, code = classify(rc, err)
            self.note("rm", status, code, err)
        elif x < 0.60 and ds:
            p, m = r.choice(ds), r.choice(["rw", "rw", "ro"])
            self.own_op("acquire", p, ["acquire", p, "--" + m], host=self.host, mode=m)
        elif x < 0.72 and ds:
            p = r.choice(ds)
            self.own_op("release", p, ["release", p], host=self.host)
        elif x < 0.85 and ds and len(a.hosts) > 1:
            p = r.choice(ds)
            down = self.sh.down()
            to = r.choice([h for h in a.hosts if h != self.host and h not in down] or [self.host])
            self.own_op("handoff", p, ["handoff", p, "--to", str(to)], to=to)
        elif x < 0.92 and a.data:
            self.data_op()
        else:
            rc, out, err = self.ctl("--json", "owners", r.choice(ds) if ds else "/")
            status, code = classify(rc, err)
            self.note("owners", status, code, err)

    def data_op(self):
        """creat + write through a mapping (cp) + verify, then rm."""
        a, r = self.sh.a, self.rng
        self.k += 1
        name = "%s/h%d-f%d" % (a.prefix, self.host, self.k)
        local = os.path.join(self.tmp, "in")
        with open(local, "wb") as f:
            f.write(r.randbytes(r.choice([4096, 65536, 1 << 20])))
        for kind, args in (("cp", ["cp", local, "famfs:" + name]), ("verify", ["verify", name, local])):
            rc, out, err = self.ctl(*args)
            status, code = classify(rc, err)
            self.note(kind, status, code, err)
            if status != "ok":
                return
        self.sh.write(self.sh.deleted, name)
        rc, out, err = self.ctl("rm", name)
        self.note("rm", *classify(rc, err), err)

    def run(self):
        a = self.sh.a
        end = time.monotonic() + a.seconds
        while not self.sh.stop.is_set() and time.monotonic() < end and self.nops < a.max_ops:
            if a.stop_file and os.path.exists(a.stop_file):
                break
            if self.host in self.sh.down():
                time.sleep(0.1)
                continue
            self.step()
            self.nops += 1
            if a.pause:
                time.sleep(self.rng.random() * a.pause)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ctl", required=True)
    ap.add_argument("--tmp", required=True, help="directory of the hosts' sockets hI.sock")
    ap.add_argument("--hosts", required=True, help="host ids, comma separated")
    ap.add_argument("--prefix", required=True, help="directory for mkdir (must exist)")
    ap.add_argument("--datasets", default="", help="data sets for ownership calls, comma separated")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--max-ops", type=int, default=100000)
    ap.add_argument("--max-owner-ops", type=int, default=0,
                    help="at most N ownership calls per data set in all (0: no limit); "
                         "keeps each history within what history_check.py judges")
    ap.add_argument("--max-live", type=int, default=0,
                    help="at most N names of a thread alive at once (0: no limit)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pause", type=float, default=0.0, help="random pause up to S s between calls")
    ap.add_argument("--call-timeout", type=int, default=30)
    ap.add_argument("--data", action="store_true", help="also write and verify files")
    ap.add_argument("--strict", action="store_true", help="any unexpected failure is an error")
    ap.add_argument("--history")
    ap.add_argument("--acked")
    ap.add_argument("--deleted")
    ap.add_argument("--errors")
    ap.add_argument("--summary")
    ap.add_argument("--stop-file")
    ap.add_argument("--down-file")
    ap.add_argument("--ready-file", help="created once the threads run")
    a = ap.parse_args()
    a.hosts = [int(h) for h in a.hosts.split(",") if h]
    a.datasets = [d for d in a.datasets.split(",") if d]
    sh = Shared(a)
    ws = [Worker(sh, h, a.seed * 1000 + h) for h in a.hosts]
    for w in ws:
        w.start()
    if a.ready_file:
        open(a.ready_file, "w").close()
    try:
        for w in ws:
            w.join()
    except KeyboardInterrupt:
        sh.stop.set()
    total = sum(w.nops for w in ws)
    summary = {"ops": total, "outcomes": dict(sorted(sh.counts.items()))}
    if a.summary:
        with open(a.summary, "w") as f:
            json.dump(summary, f)
    print("workload: %d calls: %s" % (total, " ".join("%s=%d" % kv for kv in sorted(sh.counts.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
