#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench-vm-handoff's report from the VM's console (tests/vm/handoff.sh).

usage: handoff_report.py CONSOLE_LOG HEADER OUT_TXT OUT_DAT
Reads "S SIZE DIRTY KIND US" samples and "D SIZE DIRTY RANGES BYTES FILESIZE
INSN UNITBYTES" lines; writes the report (HEADER first) and the plotted figures.
"""
import sys


def pct(v, p):
    v = sorted(v)
    if not v:
        return float("nan")
    if p == 50:
        n = len(v)
        return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
    return v[min(len(v) - 1, (len(v) * p) // 100)]


def main():
    log, header, out_txt, out_dat = sys.argv[1:5]
    s, dirty, info = {}, {}, []
    for line in open(log, errors="replace"):
        f = line.strip().split()
        if not f:
            continue
        if f[0] == "S" and len(f) == 5:
            s.setdefault((int(f[1]), f[2], f[3]), []).append(float(f[4]) / 1000.0)
        elif f[0] == "D" and len(f) == 8:
            dirty[(int(f[1]), f[2])] = (int(f[4]), f[6], int(f[7]))
        elif f[0] == "INFO":
            info.append(" ".join(f[1:]))
    sizes = sorted({k[0] for k in s})
    names = {"0": "nothing", "1c": "1 % contiguous", "1s": "1 % scattered", "100": "all"}
    kinds = ("lower", "lowerd", "raw", "rawunit", "unmap", "walk", "raise", "rawinv",
             "raiseread", "rawread")
    ctx = []
    out = [header]
    dat = ["# size_mib dirty " + " ".join(k + "_ms" for k in kinds) + " (medians)"]
    goals = []
    out += ["kernel mode (famfs.ko in a qemu TCG guest), both sides of a handoff, as famfsd drives",
            "them. Old owner: lower = SET_ACCESS none (zap of the mappings, pin check of the pages",
            "of the 2 MiB units mapped since their last check -- here every unit, the benchmark",
            "reads one word of every 2 MiB first --, write-back of the units that took a write",
            "fault through the kernel's address, dax_flush = clwb, one sfence). lowerd: the same when",
            "the process mapped only what it wrote (the pin check covers the dirty units only; with",
            "nothing dirty, nothing was mapped). raw: clwb (clflushopt",
            "without clwb) + sfence of exactly the dirty bytes from user space through the same DAX",
            "mapping; rawunit: the same over the dirty 2 MiB units (what the module must write",
            "back: a PMD mapping has one dirty bit); no file system. unmap: munmap of the same",
            "mapping (the zap and TLB flush any revocation pays). walk: famfsd's revoke before issue",
            "13 (read-only, a read-only mapping of the whole file, clwb of every line, none).",
            "New owner (the 'dirty' set is then what it had read before the file was taken away):",
            "raise = SET_ACCESS rw from none (with INVALIDATE_ON_TOUCH the module only marks stale",
            "the 2 MiB units this host touched since they were last invalidated; each is",
            "invalidated, clflushopt through its kernel address, at its first fault or read(2));",
            "rawinv: clflushopt + sfence of the same units from user space through a mapping.",
            "raiseread: the raise + mmap + one read in every unit of the set (the first touches,",
            "which invalidate) + munmap, all timed; rawread: the same mmap, user-space clflushopt",
            "+ sfence of the units, the same reads and munmap, with nothing stale (the total",
            "cost of the invalidation, not hidden in the first touch).",
            "Not included: famfsd's RPCs and the log commit. TCG emulates clwb/clflushopt (no",
            "real cache is written back): the times are of the code paths, and only ratios",
            "between figures of this run mean anything."]
    out += ["  " + i for i in info if not i.startswith("round")]
    for size in sizes:
        out.append("")
        out.append("%d MiB file (ms)    dirty bytes   unit bytes  kind      n      min   median      p99      max" % size)
        for d in ("0", "1c", "1s", "100"):
            db, insn, ub = dirty.get((size, d), (0, "?", 0))
            med = {}
            first = True
            for kind in kinds:
                v = s.get((size, d, kind), [])
                if not v:
                    continue
                med[kind] = pct(v, 50)
                out.append("  %-16s %11d  %11d  %-7s %3d %8.3f %8.3f %8.3f %8.3f" % (
                    names[d] if first else "", db, ub, kind, len(v), min(v), med[kind],
                    pct(v, 99), max(v)))
                first = False
            dat.append("%d %s " % (size, d) + " ".join("%.4f" % med.get(k, 0) for k in kinds))
            lo, raw, ru, unmap = med.get("lower"), med.get("raw"), med.get("rawunit"), med.get("unmap")
            ld = med.get("lowerd")
            ra, ri = med.get("raise"), med.get("rawinv")
            if ra is not None and ri is not None:
                ctx.append("%4d MiB, %s read before: raise %.3f ms vs raw clflushopt of those units "
                           "%.3f ms (%+.3f ms)" % (size, names[d], ra, ri, ra - ri))
            rr, rw = med.get("raiseread"), med.get("rawread")
            if rr is not None and rw is not None:
                ctx.append("%4d MiB, %s read before: raise + first read of those units %.3f ms vs "
                           "raw clflushopt + read %.3f ms = %.2fx" % (
                               size, names[d], rr, rw, rr / rw if rw > 0 else float("inf")))
            if ra is not None and d == "100":
                p99r = pct(s[(size, d, "raise")], 99)
                goals.append("%4d MiB, all of it read before: raise p99 %.3f ms, invalidation "
                             "left to the first touches (goal: never on the event loop): %s" % (
                                 size, p99r, "MET" if p99r < 1 else "NOT met"))
            if lo is None or raw is None:
                continue
            if unmap is not None:
                ctx.append("%4d MiB, %s dirty: lowering %.3f ms = %.2fx (raw write-back of the dirty "
                           "units + munmap, %.3f ms)" % (size, names[d], lo,
                                                         lo / ((ru or raw) + unmap), (ru or raw) + unmap))
            if d == "0":
                p99 = pct(s[(size, d, "lower")], 99)
                goals.append("%4d MiB, nothing dirty, all of it mapped and read: lowering p99 %.3f ms "
                             "(goal < 1 ms): %s; with famfsd's old walk of every line: median %.1f ms" % (
                                 size, p99, "MET" if p99 < 1 else "NOT met",
                                 med.get("walk", float("nan"))))
                if ld is not None:
                    p99d = pct(s[(size, d, "lowerd")], 99)
                    goals.append("%4d MiB, nothing dirty, nothing mapped: lowering p99 %.3f ms "
                                 "(goal < 1 ms): %s" % (size, p99d, "MET" if p99d < 1 else "NOT met"))
                if ra is not None:
                    p99r = pct(s[(size, d, "raise")], 99)
                    goals.append("%4d MiB, nothing read before: raise p99 %.3f ms (goal < 1 ms "
                                 "for the handoff): %s" % (size, p99r, "MET" if p99r < 1 else "NOT met"))
            elif d == "100":
                r = raw / lo
                goals.append("%4d MiB, all dirty: write-back rate %.2fx the raw clwb rate, the whole "
                             "lowering timed (goal >= 0.8x): %s" % (size, r, "MET" if r >= 0.8 else "NOT met"))
            else:
                r = lo / raw if raw > 0 else float("inf")
                extra = ""
                if ru:
                    extra = "; %.2fx raw clwb of its dirty 2 MiB units (%d bytes)" % (lo / ru, ub)
                goals.append("%4d MiB, %s dirty, all of it mapped: %.2fx the time of writing back "
                             "that 1 %% alone (goal <= 2x): %s%s" % (
                                 size, names[d], r, "MET" if r <= 2 else "NOT met", extra))
                if ld is not None and raw > 0:
                    rd = ld / raw
                    goals.append("%4d MiB, %s dirty, only that mapped: %.2fx (goal <= 2x): %s%s" % (
                        size, names[d], rd, "MET" if rd <= 2 else "NOT met",
                        "; %.2fx raw clwb of its dirty 2 MiB units" % (ld / ru) if ru else ""))
        out.append("  (clean-up instruction in raw: %s)" % dirty.get((size, "100"), (0, "?", 0))[1])
    out.append("")
    out.append("goals of issue 13 (medians of this run; TCG: read as code-path ratios):")
    out += ["  " + g for g in goals]
    out.append("each side next to its raw baseline in this run, medians:")
    out += ["  " + c for c in ctx]
    open(out_txt, "w").write("\n".join(out) + "\n")
    open(out_dat, "w").write("\n".join(dat) + "\n")


if __name__ == "__main__":
    main()
