#!/usr/bin/env bash
# make check-bench: the short form of the benchmark pipeline. bench-share on
# a 16 MiB data set, bench-cluster on 16 MiB and bench-rpc with few messages,
# each into a scratch results directory (every way measured, in two
# interleaved rounds, the bytes checked on arrival, the report, its .dat and
# plot written; the reports' format: backend, cache maintenance, min/median/
# max), the plot of bench-vm from a sample .dat, and refused bad input.
# Short runs through the FAMFS_BENCH_* knobs. The pipeline is checked, never
# speeds. Prints "bench: N passed, N failed".
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
share() { FAMFS_BENCH_RESULTS=$R FAMFS_BENCH_SHARE_ROUNDS=3 FAMFS_BENCH_SHARE_COPIES=2 "$@" bash bench/bench_share.sh; }
num='[0-9]+\.[0-9]+'
mmm=" +$num +$num +$num +\([0-9]+\)$"	# min median max (samples)
dat_rows() { # FILE ROWS FIELDS WHAT: ROWS rows, their last FIELDS fields positive numbers
	if awk -v rows="$2" -v k="$3" '!/^#/ { n++; if (NF < k + 1) bad = 1; for (i = NF - k + 1; i <= NF; i++) if (!($i > 0)) bad = 1 }
		END { exit !(n == rows && !bad) }' "$1" 2>/dev/null; then
		ok "$4"
	else
		bad "$4: $(cat "$1" 2>/dev/null)"
	fi
}

expect 0 "bench-share runs on a 16 MiB data set" share env FAMFS_BENCH_SHARE_SIZES=16M
grep_file "$R/share.txt" '^# make bench-share, [0-9]{4}-[0-9]{2}-[0-9]{2} .*load average [0-9.]+ [0-9.]+ [0-9.]+$' \
	"report starts with the date, machine and load average"
grep_file "$R/share.txt" '^16 MiB data set \(1 extents\), host [123] -> host [123]' "report names the data set and hosts"
grep_file "$R/share.txt" '^  backend: user-space mode on /dev/shm/[^ ]+, simulated fabric: a regular file' "report names the backend"
grep_file "$R/share.txt" '^  cache maintenance in the famfs handoff figures: (included|NOT included): .+famfsd/dataset.c' \
	"report says whether cache maintenance is in the famfs figures"
grep_file "$R/share.txt" '^  famfsd logs of this run: [1-9][0-9]* revokes, [0-9]+ bytes flushed; [1-9][0-9]* grants, [0-9]+ bytes invalidated$' \
	"report gives famfsd's own count of flushed and invalidated bytes"
grep_file "$R/share.txt" '^  2 rounds in ABBA order' "report says the baselines were interleaved, and how many rounds"
grep_file "$R/share.txt" '^  ms +min +median +max  \(samples\)$' "report has min/median/max columns"
for w in "famfs handoff until B has mapped it and read a word" "famfs handoff and B reads every byte" \
	"TCP loopback copy into B's memory, cold" "TCP loopback copy into B's memory, pre-faulted" \
	"memcpy into pre-faulted memory" "cache walk of the data set"; do
	grep_file "$R/share.txt" "^  $w.*$mmm" "share row with min/median/max: $w"
done
grep_file "$R/share.txt" '^  famfs handoff until B has mapped it and read a word.* \(4\)$' "3 handoffs over 2 rounds: 2 per round, 4 samples"
grep_file "$R/share.txt" 'ratio copy time / handoff median: TCP cold [0-9.]+x, TCP pre-faulted [0-9.]+x, memcpy [0-9.]+x, ext4 [0-9.]+x' \
	"report gives the ratios of medians"
# Every figure present and positive. The pipeline is checked, not speeds:
# which way is faster is the benchmark's finding, never a test's assertion.
dat_rows "$R/share.dat" 1 6 "share.dat: one row, six positive times"

# bench-cluster and bench-rpc, short.
expect 0 "bench-cluster runs on a 16 MiB data set" env FAMFS_BENCH_RESULTS=$R FAMFS_BENCH_DATASET=16M \
	FAMFS_BENCH_ROUNDS=2 FAMFS_BENCH_HANDOFFS=2 FAMFS_BENCH_RPC_SCALE=100 FAMFS_BENCH_RPC_ROUNDS=2 bash bench/bench_cluster.sh
grep_file "$R/cluster.txt" '^# make bench-cluster, .*load average [0-9.]+ [0-9.]+ [0-9.]+$' "cluster report: date, machine, load average"
grep_file "$R/cluster.txt" '^backend: user-space mode on /dev/shm/[^ ]+, simulated fabric' "cluster report names the backend"
grep_file "$R/cluster.txt" '^cache maintenance in the famfs handoff figure: (included|NOT included): ' "cluster report: cache maintenance"
grep_file "$R/cluster.txt" '^famfsd logs of this run: [1-9][0-9]* revokes, [0-9]+ bytes flushed' "cluster report: famfsd's flush count"
grep_file "$R/cluster.txt" '^2 rounds in ABBA order .*, 4 handoffs per round' "cluster report: rounds and handoffs"
grep_file "$R/cluster.txt" "^handoff call \(revoke, commit, grant\) +$num +$num +$num +$num +\(8\)$" "cluster handoff row: min median p99 max"
grep_file "$R/cluster.txt" "^handoff call after 50 ms idle \(famfsd asleep\) +$num +$num +$num +$num +\(12\)$" "cluster handoff-after-idle row: 6 calls per round"
grep_file "$R/cluster.txt" "^slowest handoff calls \(ms, round.call, calls counted from 0 in each round\):( $num \([12]\.[0-9]+\)){5}$" "cluster report names the 5 slowest calls and where they fell"
for w in "TCP copy, cold receive buffer" "TCP copy, pre-faulted receive buffer" "memcpy into pre-faulted memory" "cache walk of the data set"; do
	grep_file "$R/cluster.txt" "^$w.* +$num +$num +- +$num +\(2\)$" "cluster row with min/median/max: $w"
done
grep_file "$R/cluster.txt" '^ratio copy / handoff \(medians\): TCP cold [0-9]+x, TCP pre-faulted [0-9]+x, memcpy [0-9]+x' "cluster ratios"
grep_file "$R/cluster.txt" '^goal \(issue 13\) handoff p99 < 1 ms including cache maintenance: ' "cluster report states the goal"
grep_file "$R/cluster.txt" "^goal \(issue 13\) handoff through the client library p99 < 1 ms on a quiet host: (met|not met) in this run \(p99 $num ms at load average $num; after 50 ms idle: median $num ms\)$" "cluster report states the client-library goal with the load"
grep_file "$R/cluster.txt" '^bench-rpc two-hop baseline: client -> UNIX socket -> relay process -> mutual TLS 1.3' \
	"cluster report says what the two-hop baseline includes"
grep_file "$R/cluster.txt" '^raw two-hop ping-pong, 1 in flight +[0-9]+ /s  \[min [0-9]+, max [0-9]+\]$' \
	"cluster report: the raw two-hop round trip"
grep_file "$R/cluster.txt" '^creates through a follower, 64 in flight +[0-9]+ /s  \[min [0-9]+, max [0-9]+\]   ratio [0-9.]+ of raw' \
	"cluster report: creates from a follower with min/max and ratio"
grep_file "$R/cluster.txt" '^create through a follower, 1 in flight: [0-9.]+x the raw two-hop round trip$' \
	"cluster report: a follower's create against two raw hops"
dat_rows "$R/cluster.dat" 6 3 "cluster.dat: six rows of min, median, max"
expect 0 "bench-rpc runs with few messages" env FAMFS_BENCH_RESULTS=$R FAMFS_BENCH_RPC_SCALE=100 FAMFS_BENCH_RPC_ROUNDS=2 \
	bash bench/bench_rpc.sh
grep_file "$R/rpc.txt" '^raw baseline: a forked echo process over a UNIX socket.* one read\(\) and one write\(\) per batch' "rpc report says what the raw baseline includes"
grep_file "$R/rpc.txt" '^raw baseline: a forked echo process over mutual TLS.* one SSL_read and one SSL_write' "rpc report: the TLS baseline"
grep_file "$R/rpc.txt" '^famfsd figures: ' "rpc report says what the famfsd figures include"
grep_file "$R/rpc.txt" '^2 rounds in ABBA order' "rpc report: interleaved rounds"
grep_file "$R/rpc.txt" '^null RPC over TLS, 64 in flight +[0-9]+ /s  \[min [0-9]+, max [0-9]+\]   ratio [0-9.]+ of raw' "rpc row: median, min, max, ratio"
grep_file "$R/rpc.txt" '^goal \(issue 13\) create, 1 in flight, latency <= 1.5x a raw round trip: (met|not met) \([0-9.]+x\)' "rpc report states the 1-in-flight create goal"
grep_file "$R/rpc.txt" '^goal \(issue 13\) creates at 64 in flight >= 200k/s: (met|not met) \([0-9.]+k/s\)' "rpc report states the pipelined create goal"
grep_file "$R/cluster.txt" '^goal \(issue 13\) creates from a follower at 64 in flight >= 200k/s: (met|not met) ' "cluster report states the goal for creates from a follower"
dat_rows "$R/rpc.dat" 6 2 "rpc.dat: six rows of ratio and rate"
if command -v gnuplot >/dev/null || { bad "gnuplot not installed (make deps-check): no plot checks"; false; }; then
	for n in share cluster rpc; do
		if [ "$(head -c 4 "$R/$n.png" 2>/dev/null | od -An -c | tr -d ' ')" = "211PNG" ]; then
			ok "$n.png is a PNG"
		else
			bad "$n.png missing or not a PNG"
		fi
	done
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

expect 2 "bench_handoff refuses 10 rounds" $B/bench/bench_handoff a b /x 1 10
expect 1 "bench-cluster refuses 0 rounds" env FAMFS_BENCH_RESULTS=$R FAMFS_BENCH_ROUNDS=0 bash bench/bench_cluster.sh
grep_file "$TMP/out" "FAMFS_BENCH_ROUNDS: '0' is not a positive number" "the message names the bad round count"
expect 2 "bench_rpc refuses a round count that is not a number" env FAMFS_BENCH_RPC_ROUNDS=many $B/bench/bench_rpc /nonexistent
grep_file "$TMP/out" "FAMFS_BENCH_RPC_ROUNDS='many': a number from 1 to 9" "the message names the bad knob"

expect 1 "bench-share refuses a size that is not a number" share env FAMFS_BENCH_SHARE_SIZES=lots
grep_file "$TMP/out" "FAMFS_BENCH_SHARE_SIZES: 'lots' is not a size" "the message names the bad size"
expect 1 "bench-share refuses a size below 2 MiB" share env FAMFS_BENCH_SHARE_SIZES=1M
expect 1 "bench-share refuses an unknown ext4 method" share env FAMFS_BENCH_SHARE_SIZES=16M FAMFS_BENCH_SHARE_EXT4=nfs
grep_file "$TMP/out" "FAMFS_BENCH_SHARE_EXT4 must be auto, loop or debugfs, not 'nfs'" "the message names the bad method"

# bench-meta and bench_join on 2000 files: every phase runs, the joins see every file.
META_DEV=/dev/shm/famfs-check-bench-meta.$$
expect 0 "bench_meta runs on 2000 records, with a checkpoint-image join" \
	env FAMFS_BENCH_KEEP=1 BENCH_META_REPS=1 "$B/bench/bench_meta" 2000 "$META_DEV"
grep_file "$TMP/out" "^join from a checkpoint image +[0-9]+ rec/s .*2000 files, 2006 records" \
	"bench_meta reports the image join with its files and records"
grep_file "$TMP/out" "^load average \(1 min\): [0-9.]+ at the start" "bench_meta says the load average"
expect 0 "bench_join replays the kept history twice" "$B/bench/bench_join" "$META_DEV" 2
grep_file "$TMP/out" "^RESULT files=2000 records=2004 wall_ms=$num cpu_ms=$num$" "bench_join's RESULT line"
expect 2 "bench_join refuses a bad repeat count" "$B/bench/bench_join" "$META_DEV" 0
rm -f "$META_DEV" "$META_DEV.img"

echo "bench: $pass passed, $fail failed"
[ "$fail" = 0 ]
