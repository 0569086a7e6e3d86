#!/usr/bin/env bash
# make bench-commit: the commit path (issue 13) of this tree against an older
# revision, alternating in one run (old new new old, ROUNDS times), each
# round on a fresh 3-host cluster on loopback (tests/integration/cluster_lib.sh,
# user-space mode, mutual TLS): creates through a follower (forwarded to the
# master) with 1 and 64 in flight, creates into the master with 64 in flight,
# and the CPU time (all threads, /proc/PID/task/*/schedstat) each famfsd spent per
# create of the follower run at 64 in flight; beside each run, the raw
# two-hop round trip (bench_rpc --two-hop: client -> UNIX -> relay -> TLS ->
# echo and back, the hops of a forwarded call without famfs) and creates
# into the master with 1 in flight. The clients (bench_creates, bench_rpc)
# are this tree's for both. Medians per build, ratios new/old, the load
# average of every row. Nothing asserted.
#
#   bash bench/bench_commit.sh [OLD_REV]     (default 0a077f6: before group commit)
#   ROUNDS=2  N1=3000  N64=60000
#   WARM=MIB: before each 64-in-flight run, bench_creates -W touches and frees
#   MIB of huge pages, so the daemons' growing namespaces find memory the
#   hypervisor backs (see bench_creates.c and docs/benchmarks.md, "The test
#   machine's memory"); default none.
#
# OLD_REV is unpacked with git archive into a scratch directory (not a
# worktree) and only its famfsd is built. Writes bench/results/commit.txt.
set -euo pipefail
B=${B:-build}
OLD=${1:-0a077f6}
ROUNDS=${ROUNDS:-2}
N1=${N1:-3000}
N64=${N64:-60000}
WARM=${WARM:-}
. bench/bench_lib.sh
bench_cluster_env commit
mkdir -p "$RESULTS"
make --no-print-directory "$B/famfsd" "$B/famfsctl" "$B/mkfs.famfs" "$B/bench/bench_creates" \
	"$B/bench/bench_rpc" >/dev/null
build_old "$OLD" "$TMP/old" build/famfsd

# CPU time of all of a famfsd's threads in ns (schedstat: not the 10 ms
# ticks of /proc/PID/stat, which made a run's figure move by +-6 %).
cpu() { cat /proc/"$1"/task/*/schedstat | awk '{ t += $1 } END { printf "%.0f\n", t }'; }
rate() { sed -n 's/^RESULT.* rate=\([0-9.]*\) p50_us=\([0-9.]*\).*/\1 \2/p'; }
rows=$TMP/rows
: >"$rows"
run() { # WHO FAMFSD
	local m f o before after i k=0
	FAMFSD=$2
	FAMFS_CLUSTER_SIZE=2G FAMFS_CLUSTER_LOG=64M cluster_setup 3 1000 || die "cluster setup failed"
	# The metadata region (superblock + log, below the data at 66 MiB),
	# allocated now as real fabric memory is: tmpfs would allocate and zero a
	# page at the first write of each 4 KiB of log, in the master's commits.
	fallocate -o 0 -l 66M "$DEV" || die "fallocate of the metadata region of $DEV failed"
	for i in 1 2 3; do host_start $i || die "famfsd $i ($1) did not start"; done
	m=$(wait_master 20 1 2 3) || die "no master elected ($1)"
	f=$(( m % 3 + 1 )); o=$(( f % 3 + 1 ))
	raw=$(FAMFS_BENCH_RPC_ROUNDS=3 FAMFS_BENCH_RPC_SCALE=2 $B/bench/bench_rpc --two-hop \
		"$TMP/certs/h$f.crt" "$TMP/certs/h$f.key" "$TMP/certs/ca.crt" |
		sed -n 's/^RESULT two_hop_1_per_s=\([0-9.]*\).*/\1/p')
	[ -n "$raw" ] || die "the raw two-hop baseline failed"
	read -r r1 p1 < <($B/bench/bench_creates -n "$N1" -w 1 -d /c1 "$TMP/h$f.sock" | rate)
	read -r _ pm1 < <($B/bench/bench_creates -n "$N1" -w 1 -d /m1 "$TMP/h$m.sock" | rate)
	for i in $m $f $o; do before[k++]=$(cpu "${PID[$i]}"); done
	read -r r64 _ < <($B/bench/bench_creates -n "$N64" -w 64 ${WARM:+-W "$WARM"} -d /c64 "$TMP/h$f.sock" | rate)
	k=0
	for i in $m $f $o; do after[k]=$(( ($(cpu "${PID[$i]}") - before[k]) )); k=$((k + 1)); done
	read -r rm _ < <($B/bench/bench_creates -n "$N64" -w 64 ${WARM:+-W "$WARM"} -d /cm "$TMP/h$m.sock" | rate)
	# us of CPU per create: ns / 1000 / creates
	echo "$1 $r1 $p1 $r64 $rm $(awk -v r="$raw" 'BEGIN { printf "%.1f", 1e6 / r }') $pm1 $(for t in "${after[@]}"; do awk -v t="$t" -v n="$N64" \
		'BEGIN { printf "%.2f ", t / 1e3 / n }'; done)$(cut -d' ' -f1 /proc/loadavg)" >>"$rows"
	cluster_stop_all
	PID=()
}
for _ in $(seq 1 "$ROUNDS"); do
	for who in old new new old; do
		if [ "$who" = old ]; then run old "$TMP/old/build/famfsd"; else run new "$B/famfsd"; fi
	done
done

med() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
col() { awk -v w="$1" -v c="$2" '$1 == w { print $c }' "$rows" | med; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
{
	bench_header commit
	echo "commit path: old = $OLD (famfsd), new = $(git rev-parse --short HEAD) (famfsd);" \
		"old new new old x $ROUNDS, each a fresh 3-host cluster (user-space mode, mutual TLS, loopback)"
	echo "client: this tree's bench_creates; follower: creates forwarded to the master; CPU: time on CPU (schedstat, all threads) of each famfsd per create of the follower run at 64 in flight"
	echo "huge pages touched and freed just before each 64-in-flight run (bench_creates -W): ${WARM:-none}${WARM:+ MiB}"
	echo "fabric: a 2 GiB file on /dev/shm (simulated), its metadata region (log) allocated before famfsd starts (fallocate), as real fabric memory is; the namespaces in each famfsd's memory start empty and grow (their page faults are counted)"
	echo "raw two-hop: bench_rpc --two-hop, 64-byte messages, 1 in flight, median of 3 short rounds, measured in each cluster run just before the follower's creates"
	echo "# who follower_1_per_s follower_1_p50_us follower_64_per_s master_64_per_s raw_two_hop_us master_1_p50_us cpu_us_master cpu_us_follower cpu_us_other load1"
	cat "$rows"
	printf '%-44s %12s %12s %10s\n' "medians" old new "new/old"
	for spec in "creates from a follower, 1 in flight (/s):2" "  p50 latency (us):3" \
		"  raw two-hop round trip (us):6" \
		"creates from a follower, 64 in flight (/s):4" "creates into the master, 64 in flight (/s):5" \
		"creates into the master, 1 in flight, p50 (us):7" \
		"  CPU per create, master (us):8" "  CPU per create, forwarding follower (us):9" \
		"  CPU per create, other follower (us):10"; do
		what=${spec%:*}; c=${spec##*:}
		o=$(col old "$c"); n=$(col new "$c")
		printf '%-44s %12s %12s %10s\n' "$what" "$o" "$n" "$(ratio "$n" "$o")"
	done
	for w in old new; do
		echo "$w: create from a follower, 1 in flight, p50 / raw two-hop round trip:" \
			"$(ratio "$(col "$w" 3)" "$(col "$w" 6)")x (medians)"
	done
	n64=$(col new 4)
	echo "goal (issue 13) pipelined creates from a follower >= 200k/s: $(awk -v r="$n64" 'BEGIN { print (r >= 200000 ? "met" : "not met") }') ($n64/s, median of the new rounds)"
} | tee "$RESULTS/commit.txt"
