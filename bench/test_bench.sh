#!/usr/bin/env bash
# make check-bench: the short form of the benchmark pipeline. bench-share on
# a 16 MiB data set into a scratch results directory (every way measured,
# the bytes checked on arrival, the report, its .dat and plot written), the
# plot of bench-vm from a sample .dat, and refused bad input.
# Prints "bench: N passed, N failed".
set -u
B=${B:-build}
TMP=$(mktemp -d /tmp/famfs-check-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "PASS: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }
expect() { # CODE WHAT CMD...: exit code, output into $TMP/out
	local code=$1 what=$2; shift 2
	"$@" >"$TMP/out" 2>&1; local rc=$?
	if [ "$rc" = "$code" ]; then ok "$what"; else bad "$what (exit $rc, want $code): $(tail -c 400 "$TMP/out")"; fi
}
grep_file() { # FILE ERE WHAT
	if grep -Eq -- "$2" "$1"; then ok "$3"; else bad "$3: no '$2' in $1: $(head -c 600 "$1")"; fi
}
R=$TMP/results
share() { FAMFS_BENCH_RESULTS=$R FAMFS_BENCH_SHARE_ROUNDS=3 FAMFS_BENCH_SHARE_COPIES=1 "$@" bash bench/bench_share.sh; }

expect 0 "bench-share runs on a 16 MiB data set" share env FAMFS_BENCH_SHARE_SIZES=16M
grep_file "$R/share.txt" '^# make bench-share, [0-9]{4}-[0-9]{2}-[0-9]{2} ' "report starts with the date and machine"
grep_file "$R/share.txt" '^16 MiB data set \(1 extents\), host [123] -> host [123]' "report names the data set and hosts"
grep_file "$R/share.txt" 'ratio copy time / handoff p50: TCP [0-9]+x, ext4 [0-9]+x' "report gives both ratios"
# Every figure present and positive. The pipeline is checked, not speeds:
# which way is faster is the benchmark's finding, never a test's assertion.
if awk '!/^#/ { n++; for (i = NF - 3; i <= NF; i++) if (!($i > 0)) bad = 1 }
	END { exit !(n == 1 && !bad) }' "$R/share.dat" 2>/dev/null; then
	ok "share.dat: one row, four positive times"
else
	bad "share.dat: $(cat "$R/share.dat" 2>/dev/null)"
fi
if command -v gnuplot >/dev/null || { bad "gnuplot not installed (make deps-check): no plot checks"; false; }; then
	if [ "$(head -c 4 "$R/share.png" 2>/dev/null | od -An -c | tr -d ' ')" = "211PNG" ]; then
		ok "share.png is a PNG"
	else
		bad "share.png missing or not a PNG"
	fi
	printf '# m f e\ncold_seq 0.9 0.8\nread-bw 1.0 0.7\n' > "$R/vm.dat"
	expect 0 "vm plot from a .dat" env FAMFS_BENCH_RESULTS=$R bash bench/plot.sh vm
	[ -s "$R/vm.png" ] && ok "vm.png written" || bad "vm.png not written"
fi

# The ext4 copy arrives intact: --verify accepts the pattern, refuses a flipped byte.
expect 2 "bench_handoff without arguments: usage" $B/bench/bench_handoff
grep_file "$TMP/out" 'usage: bench_handoff' "usage names the program"
: > "$TMP/empty"
expect 1 "--verify refuses an empty file" $B/bench/bench_handoff --verify "$TMP/empty"
grep_file "$TMP/out" 'empty file' "--verify says the file is empty"
expect 1 "--verify refuses a missing file" $B/bench/bench_handoff --verify "$TMP/nonexistent"
grep_file "$TMP/out" 'nonexistent' "--verify names the missing file"
head -c 4096 /dev/zero > "$TMP/zeros"
expect 1 "--verify refuses bytes that are not the data set" $B/bench/bench_handoff --verify "$TMP/zeros"
grep_file "$TMP/out" '512 of 512 words differ' "--verify counts the differing words"

expect 1 "bench-share refuses a size that is not a number" share env FAMFS_BENCH_SHARE_SIZES=lots
grep_file "$TMP/out" "FAMFS_BENCH_SHARE_SIZES: 'lots' is not a size" "the message names the bad size"
expect 1 "bench-share refuses a size below 2 MiB" share env FAMFS_BENCH_SHARE_SIZES=1M
expect 1 "bench-share refuses an unknown ext4 method" share env FAMFS_BENCH_SHARE_SIZES=16M FAMFS_BENCH_SHARE_EXT4=nfs
grep_file "$TMP/out" "FAMFS_BENCH_SHARE_EXT4 must be auto, loop or debugfs, not 'nfs'" "the message names the bad method"

echo "bench: $pass passed, $fail failed"
[ "$fail" = 0 ]
