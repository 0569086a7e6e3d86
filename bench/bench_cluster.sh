#!/usr/bin/env bash
# make bench-cluster: 3 famfsd on loopback over one fabric file; handoff of a
# data set (default 1 GiB) between two hosts vs a TCP copy; commits/s from a
# non-master host. Results also go to bench/results/cluster.txt, cluster.dat
# (handoff p50/p99 and the TCP copy, ms) and cluster.png.
set -euo pipefail
B=${B:-build}
SIZE=${FAMFS_BENCH_DATASET:-1G}
TMP=$(mktemp -d /tmp/famfs-bench-cluster.XXXXXX)
DEV=/dev/shm/famfs-bench-cluster.$$
BASE_PORT=$((21000 + RANDOM % 20000))
. tests/integration/cluster_lib.sh
trap 'cluster_stop_all; rm -rf "$TMP" "$DEV"' EXIT
FAMFS_CLUSTER_SIZE=3G FAMFS_CLUSTER_LOG=64M cluster_setup 3 1000
for i in 1 2 3; do host_start $i; done
m=$(wait_master 20 1 2 3)
a=$(( m % 3 + 1 )); b=$(( a % 3 + 1 )); [ "$b" = "$m" ] && b=$(( b % 3 + 1 ))
hctl $a mkdir /bench >/dev/null
hctl $a creat --size "$SIZE" /bench/dataset >/dev/null
hctl $a acquire /bench/dataset --rw >/dev/null
. bench/bench_lib.sh
mkdir -p "$RESULTS"
{
	$B/bench/bench_handoff "$TMP/h$a.sock" "$TMP/h$b.sock" /bench/dataset ${FAMFS_BENCH_ROUNDS:-50}
	echo "commits from a non-master host (host $a; master is host $m):"
	$B/bench/bench_rpc "$TMP/h$a.sock" | grep -E 'creates|raw ping-pong'
} > "$TMP/out"
{ bench_header cluster; cat "$TMP/out"; } | tee "$RESULTS/cluster.txt"
awk 'BEGIN { print "# what ms" }
	/^handoff / { for (i = 1; i <= NF; i++) { if ($i == "p50") p50 = $(i + 1); if ($i == "p99") p99 = $(i + 1) } }
	/^TCP loopback copy/ { for (i = 1; i <= NF; i++) if ($i == "ms") tcp = $(i - 1) }
	END { printf "\"handoff p50\" %s\n\"handoff p99\" %s\n\"TCP copy\" %s\n", p50, p99, tcp }' \
	"$TMP/out" > "$RESULTS/cluster.dat"
bench_plot cluster
