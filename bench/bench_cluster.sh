#!/usr/bin/env bash
# make bench-cluster: 3 famfsd on loopback over one fabric file; handoff of a
# data set (default 1 GiB) between two hosts, measured interleaved (ABBA) with
# its baselines: TCP copies into cold and pre-faulted memory, a memcpy, a
# cache walk of the same bytes (bench/bench_handoff.c); commits/s from a
# non-master host, against a raw two-hop baseline (bench_rpc --two-hop). Results also go to bench/results/cluster.txt, cluster.dat
# (min/median/max ms of each figure) and cluster.png.
#   FAMFS_BENCH_DATASET=1G      data set size (famfsctl creat --size)
#   FAMFS_BENCH_ROUNDS=4        interleaved rounds (1-9)
#   FAMFS_BENCH_HANDOFFS=25     handoffs each way per round
#   FAMFS_BENCH_RPC_SCALE=1     divides bench_rpc's message counts (short runs)
#   FAMFS_BENCH_RPC=0           leave out the commits figures (bench_cluster_abba.sh)
#   FAMFS_BENCH_CACHE_WALK=always  famfsd with [famfs] cache_walk = always: the
#                               handoff includes the cache walk of the resident
#                               pages (worker threads); report cluster-walk.txt
set -euo pipefail
B=${B:-build}
SIZE=${FAMFS_BENCH_DATASET:-1G}
ROUNDS=${FAMFS_BENCH_ROUNDS:-4}
HANDOFFS=${FAMFS_BENCH_HANDOFFS:-25}
. bench/bench_lib.sh
bench_cluster_env cluster
for v in ROUNDS HANDOFFS; do
	case ${!v} in ''|*[!0-9]*|0) die "FAMFS_BENCH_$v: '${!v}' is not a positive number";; esac
done
[ "$ROUNDS" -le 9 ] || die "FAMFS_BENCH_ROUNDS: $ROUNDS rounds, at most 9"
FAMFS_CLUSTER_SIZE=$(( $(numfmt --from=iec "$SIZE") / 1048576 + 2048 ))M FAMFS_CLUSTER_LOG=64M \
	cluster_setup 3 1000 || die "cluster setup failed"
NAME=cluster
if [ "${FAMFS_BENCH_CACHE_WALK:-auto}" = always ]; then
	NAME=cluster-walk
	export FAMFS_BENCH_CACHE_WALK
	for i in 1 2 3; do sed -i 's/^mode = user$/mode = user\ncache_walk = always/' "$TMP/h$i.conf"; done
fi
for i in 1 2 3; do host_start $i || die "famfsd $i did not start: $(tail -n 3 "$TMP/h$i.log")"; done
m=$(wait_master 20 1 2 3) || die "no master elected"
a=$(( m % 3 + 1 )); b=$(( a % 3 + 1 )); [ "$b" = "$m" ] && b=$(( b % 3 + 1 ))
hctl $a mkdir /bench >/dev/null
hctl $a creat --size "$SIZE" /bench/dataset >/dev/null
hctl $a acquire /bench/dataset --rw >/dev/null
mkdir -p "$RESULTS"
$B/bench/bench_handoff "$TMP/h$a.sock" "$TMP/h$b.sock" /bench/dataset "$HANDOFFS" "$ROUNDS" \
	> "$TMP/handoff" || die "bench_handoff failed"
{
	grep -v '^D ' "$TMP/handoff"
	famfsd_cache_log "$TMP"/h[123].log
	if [ "${FAMFS_BENCH_RPC:-1}" != 0 ]; then
		echo "commits from a non-master host (host $a; master is host $m), against two raw hops:"
		$B/bench/bench_rpc --two-hop "$TMP/certs/h$a.crt" "$TMP/certs/h$a.key" "$TMP/certs/ca.crt" \
			"$TMP/h$a.sock" | grep -v '^RESULT'
	fi
} > "$TMP/out"
{ bench_header cluster; cat "$TMP/out"; } | tee "$RESULTS/$NAME.txt"
{ echo "# what min_ms median_ms max_ms"; sed -n 's/^D //p' "$TMP/handoff"; } > "$RESULTS/$NAME.dat"
[ "$NAME" != cluster ] || bench_plot cluster
