#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench-vm-handoff's report from the VM's console (tests/vm/handoff.sh).

usage: handoff_report.py CONSOLE_LOG HEADER OUT_TXT OUT_DAT
Reads "S SIZE DIRTY KIND US" samples and "D SIZE DIRTY RANGES BYTES FILESIZE
INSN" lines; writes the report (HEADER first) and the plotted figures.
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
        elif f[0] == "D" and len(f) == 7:
            dirty[(int(f[1]), f[2])] = (int(f[4]), f[6])
        elif f[0] == "INFO":
            info.append(" ".join(f[1:]))
    sizes = sorted({k[0] for k in s})
    names = {"0": "nothing", "1c": "1 % contiguous", "1s": "1 % scattered", "100": "all"}
    ctx = []
    out, dat, goals = [header], ["# size_mib dirty lower_ms raw_ms walk_ms (medians)"], []
    out += ["kernel mode (famfs.ko in a qemu TCG guest): the old owner's cache write-back when",
            "the module lowers a file's access, as famfsd's revoke drives it (SET_ACCESS none:",
            "dax_writeback_mapping_range of the dirty entries, zap of the mappings, pin check).",
            "raw: clwb (clflushopt without clwb) + sfence of exactly the dirty bytes from user space",
            "through the same DAX mapping of the pmem; no file system. unmap: munmap of the same",
            "mapping (the zap and TLB flush any revocation pays). walk: famfsd's revoke before",
            "(SET_ACCESS read-only, a read-only mapping of the whole file and clwb of every line,",
            "lib/kmount.c fam_kmount_cache, SET_ACCESS none). Not included: famfsd's RPCs, the",
            "log commit and the new owner's invalidation. TCG emulates clwb/clflushopt (no real",
            "cache is written back): the times are of the code paths, and only ratios between",
            "figures of this run mean anything."]
    out += ["  " + i for i in info if not i.startswith("round")]
    for size in sizes:
        out.append("")
        out.append("%d MiB file (ms)          dirty bytes  kind     n      min   median      p99      max" % size)
        for d in ("0", "1c", "1s", "100"):
            db, insn = dirty.get((size, d), (0, "?"))
            med = {}
            for kind in ("lower", "raw", "unmap", "walk"):
                v = s.get((size, d, kind), [])
                if not v:
                    continue
                med[kind] = pct(v, 50)
                out.append("  %-22s %11d  %-6s %3d %8.3f %8.3f %8.3f %8.3f" % (
                    names[d] if kind == "lower" else "", db, kind, len(v), min(v), med[kind],
                    pct(v, 99), max(v)))
            dat.append("%d %s %.4f %.4f %.4f %.4f" % (size, d, med.get("lower", 0), med.get("raw", 0),
                                                       med.get("unmap", 0), med.get("walk", 0)))
            lo, raw, unmap = med.get("lower"), med.get("raw"), med.get("unmap")
            if lo is None or raw is None:
                continue
            if unmap is not None:
                ctx.append("%4d MiB, %s dirty: lowering %.3f ms = %.2fx (raw write-back + munmap "
                             "of the mapping, %.3f ms)" % (size, names[d], lo, lo / (raw + unmap),
                                                            raw + unmap))
            if d == "0":
                p99 = pct(s[(size, d, "lower")], 99)
                goals.append("%4d MiB, nothing dirty: lowering p99 %.3f ms (goal < 1 ms): %s; "
                             "with famfsd's old walk of every line: median %.1f ms" % (
                                 size, p99, "MET" if p99 < 1 else "NOT met",
                                 med.get("walk", float("nan"))))
            elif d == "100":
                r = raw / lo
                goals.append("%4d MiB, all dirty: write-back rate %.2fx the raw clwb rate "
                             "(goal >= 0.8x): %s" % (size, r, "MET" if r >= 0.8 else "NOT met"))
            else:
                r = lo / raw if raw > 0 else float("inf")
                goals.append("%4d MiB, %s dirty: %.2fx the time of writing back that 1 %% alone "
                             "(goal <= 2x): %s" % (size, names[d], r, "MET" if r <= 2 else "NOT met"))
        out.append("  (clean-up instruction in raw: %s)" % dirty.get((size, "100"), (0, "?"))[1])
    out.append("")
    out.append("goals of issue 13 (medians of this run; TCG: read as code-path ratios):")
    out += ["  " + g for g in goals]
    out.append("the lowering next to what any revocation pays here (raw write-back of the dirty")
    out.append("bytes + munmap of the same mapping), medians:")
    out += ["  " + c for c in ctx]
    open(out_txt, "w").write("\n".join(out) + "\n")
    open(out_dat, "w").write("\n".join(dat) + "\n")


if __name__ == "__main__":
    main()
