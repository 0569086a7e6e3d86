#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Summarize soak.sh's samples and judge memory and descriptor growth.

Input: lines "T_S HOST PID RSS_KIB FDS" (one per famfsd per sample). Each
famfsd process (pid) is judged on its own, from the end of the warm-up
(--warmup fraction of the run, default the first half) to its last sample:
  - RSS growth: least-squares slope of VmRSS over time; the process fails
    when the slope exceeds --max-kib-per-min AND the RSS grew by more than
    --min-growth-kib between its first and last judged sample (so that
    page-granular noise on short runs does not fail it);
  - descriptors: the count at the last sample may exceed the judged minimum
    by at most --max-fd-growth.
Processes with fewer than 4 judged samples (restarted followers) are listed
but not judged. Prints a table; exit 1 when a process failed.
"""
import argparse
import sys


def slope(ts, ys):
    n = len(ts)
    mt, my = sum(ts) / n, sum(ys) / n
    den = sum((t - mt) ** 2 for t in ts)
    return sum((t - mt) * (y - my) for t, y in zip(ts, ys)) / den if den else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("samples")
    ap.add_argument("--seconds", type=float, required=True, help="length of the run")
    ap.add_argument("--warmup", type=float, default=0.5)
    ap.add_argument("--max-kib-per-min", type=float, default=64.0)
    ap.add_argument("--min-growth-kib", type=float, default=1024.0)
    ap.add_argument("--max-fd-growth", type=int, default=8)
    a = ap.parse_args()
    procs = {}
    with open(a.samples) as f:
        for line in f:
            p = line.split()
            if len(p) != 5:
                continue
            t, host, pid, rss, fds = float(p[0]), int(p[1]), int(p[2]), int(p[3]), int(p[4])
            procs.setdefault((host, pid), []).append((t, rss, fds))
    if not procs:
        print("soak: no samples")
        return 1
    cut = a.seconds * a.warmup
    failed = 0
    print("%-5s %-8s %7s %9s %9s %9s %12s %9s  %s" % (
        "host", "pid", "samples", "rss0 KiB", "rssW KiB", "rss1 KiB", "KiB/min(2h)", "fds", "verdict"))
    for (host, pid), s in sorted(procs.items()):
        judged = [x for x in s if x[0] >= cut]
        rss0, rss1 = s[0][1], s[-1][1]
        fds = "%d-%d" % (min(x[2] for x in s), max(x[2] for x in s))
        if len(judged) < 4:
            print("%-5d %-8d %7d %9d %9s %9d %12s %9s  %s" % (
                host, pid, len(s), rss0, "-", rss1, "-", fds, "not judged (short-lived)"))
            continue
        k = slope([x[0] for x in judged], [x[1] for x in judged]) * 60
        growth = judged[-1][1] - judged[0][1]
        fd_growth = judged[-1][2] - min(x[2] for x in judged)
        why = []
        if k > a.max_kib_per_min and growth > a.min_growth_kib:
            why.append("RSS grows %.0f KiB/min (+%d KiB after warm-up)" % (k, growth))
        if fd_growth > a.max_fd_growth:
            why.append("descriptors grew by %d" % fd_growth)
        failed += bool(why)
        print("%-5d %-8d %7d %9d %9d %9d %12.1f %9s  %s" % (
            host, pid, len(s), rss0, judged[0][1], rss1, k, fds, "; ".join(why) or "ok"))
    print("soak: thresholds: RSS slope %.0f KiB/min with growth > %.0f KiB after a warm-up of %d%%, "
          "descriptors +%d" % (a.max_kib_per_min, a.min_growth_kib, a.warmup * 100, a.max_fd_growth))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
