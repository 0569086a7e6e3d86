#!/usr/bin/env bash
# make bench-meta: metadata log append and replay rates vs a raw-write
# baseline (bench_meta.c). Writes bench/results/meta.txt, meta.dat, meta.png.
set -euo pipefail
B=${B:-build}
. bench/bench_lib.sh
mkdir -p "$RESULTS"
out=$(mktemp /tmp/famfs-bench-meta.XXXXXX)
trap 'rm -f "$out"' EXIT
$B/bench/bench_meta "${BENCH_RECORDS:-1000000}" /dev/shm/famfs-bench-meta.$$ > "$out"
{ bench_header meta; cat "$out"; } | tee "$RESULTS/meta.txt"
# Plotted: every rate line, "LABEL" rec/s (the 44-column label, trimmed).
awk 'BEGIN { print "# what rec/s" } / rec\/s/ { l = substr($0, 1, 44); sub(/ +$/, "", l);
	split(substr($0, 45), f, " "); printf "\"%s\" %s\n", l, f[1] }' "$out" > "$RESULTS/meta.dat"
bench_plot meta
