#!/usr/bin/env bash
# The handoff of bench-cluster, this tree's famfsd against an older
# revision's, alternating whole bench-cluster runs (old new new old, ROUNDS
# times) so that the load of this shared machine falls on both alike. Each
# run is bench_cluster.sh without its commits figures: 3 famfsd, the 1 GiB
# data set handed off ROUNDS_IN x 2 x HANDOFFS times between two followers,
# interleaved with its baselines, and some calls after 50 ms of idleness.
# Prints every run's handoff rows and slowest calls, then per side the
# median of the runs' min/median/p99/max, and the ratios new / old. Writes
# bench/results/cluster-abba.txt.
#
#   bash bench/bench_cluster_abba.sh [OLD_REV]    (default 244ba18: before the holder-first handoff)
#   ROUNDS=2  FAMFS_BENCH_DATASET=1G  FAMFS_BENCH_ROUNDS=4  FAMFS_BENCH_HANDOFFS=25
set -euo pipefail
B=${B:-build}
OLD=${1:-244ba18}
ROUNDS=${ROUNDS:-2}
. bench/bench_lib.sh
BENCH_NAME=cluster-abba
TMP=$(mktemp -d /tmp/famfs-bench-cluster-abba.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$RESULTS"
make --no-print-directory "$B/famfsd" "$B/famfsctl" "$B/mkfs.famfs" "$B/bench/bench_handoff" >/dev/null
build_old "$OLD" "$TMP/old" build/famfsd
load0=$(cut -d" " -f1-3 /proc/loadavg)
: >"$TMP/rows"
: >"$TMP/idle"
k=0
for r in $(seq 1 "$ROUNDS"); do
	for who in old new new old; do
		k=$((k + 1))
		if [ $who = old ]; then fd=$TMP/old/build/famfsd; else fd=$B/famfsd; fi
		FAMFSD=$fd FAMFS_BENCH_RPC=0 FAMFS_BENCH_RESULTS=$TMP/r$k B=$B bash bench/bench_cluster.sh \
			>"$TMP/out$k" 2>&1 || die "bench_cluster.sh ($who famfsd) failed: $(tail -n 3 "$TMP/out$k")"
		row=$(grep '^handoff call (' "$TMP/r$k/cluster.txt" | awk '{ print $(NF-4), $(NF-3), $(NF-2), $(NF-1) }')
		idle=$(grep '^handoff call after' "$TMP/r$k/cluster.txt" | awk '{ print $(NF-4), $(NF-3), $(NF-2), $(NF-1) }')
		slow=$(sed -n 's/^slowest handoff calls[^:]*: //p' "$TMP/r$k/cluster.txt")
		echo "$who $row" >>"$TMP/rows"
		echo "$who $idle" >>"$TMP/idle"
		printf 'run %2d %s  min/median/p99/max ms %s   slowest: %s   after idle: %s   load %s\n' "$k" \
			"$who" "$row" "$slow" "$idle" "$(cut -d" " -f1 /proc/loadavg)" >>"$TMP/runs"
	done
done
{
	bench_header cluster-abba
	echo "handoff of a ${FAMFS_BENCH_DATASET:-1G} data set between two followers (bench-cluster), famfsd of $OLD"
	echo "(old) against this tree's (new) ($(git rev-parse --short HEAD)$(git diff --quiet HEAD -- famfsd lib proto || echo ', modified')),"
	echo "whole runs alternating old new new old, $ROUNDS times; load average at the start $load0"
	cat "$TMP/runs"
	summary() { # TITLE FILE
	echo "$1"
	awk '
		function med(a, n,   i, j, t) {
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		{ n[$1]++; for (c = 2; c <= 5; c++) v[$1, c, n[$1]] = $c }
		END {
			split("min median p99 max", name)
			for (c = 2; c <= 5; c++) {
				for (s in n) { delete a; for (i = 1; i <= n[s]; i++) a[i] = v[s, c, i]; m[s, c] = med(a, n[s]) }
				printf "median of the runs'"'"' %-6s  old %.3f ms  new %.3f ms  ratio new/old %.2f\n", name[c - 1],
					m["old", c], m["new", c], m["new", c] / m["old", c]
			}
		}' "$2"
	}
	summary "handoff calls back to back:" "$TMP/rows"
	summary "handoff calls after 50 ms idle (famfsd asleep):" "$TMP/idle"
	echo "load average at the end $(cut -d" " -f1-3 /proc/loadavg)"
} | tee "$RESULTS/cluster-abba.txt"
