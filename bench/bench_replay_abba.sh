#!/usr/bin/env bash
# A joining host's replay, this tree against an older revision, alternating
# in one run (old new new old, ROUNDS times) on the same two logs: the whole
# history of FILES creates, and a checkpoint image of the same namespace.
# Wall and CPU time of each replay (bench_join), medians, ratios, load.
#
#   bash bench/bench_replay_abba.sh [OLD_REV] [FILES]     (default 96f98ac 1000000; ROUNDS=3)
#
# OLD_REV is unpacked with git archive into a scratch directory (not a
# worktree) and only its libfamfs.a is built; bench/bench_join.c of this
# tree is compiled against it. Writes bench/results/replay-abba.txt.
set -euo pipefail
B=${B:-build}
OLD=${1:-96f98ac}
FILES=${2:-1000000}
ROUNDS=${ROUNDS:-3}
. bench/bench_lib.sh
TMP=$(mktemp -d /tmp/famfs-bench-abba.XXXXXX)
DEV=/dev/shm/famfs-bench-abba.$$
trap 'rm -rf "$TMP" "$DEV" "$DEV.img"' EXIT
mkdir -p "$RESULTS"

make --no-print-directory "$B/bench/bench_meta" "$B/bench/bench_join" >/dev/null
git archive "$OLD" | tar -x -C "$TMP"
make -C "$TMP" --no-print-directory build/libfamfs.a >/dev/null
# shellcheck disable=SC2046
${CC:-cc} -O2 -std=gnu11 -D_GNU_SOURCE -I"$TMP/lib" -I"$TMP/kernel/uapi" -o "$TMP/bench_join_old" \
	bench/bench_join.c "$TMP/build/libfamfs.a" $(pkg-config --libs json-c inih 2>/dev/null)
FAMFS_BENCH_KEEP=1 BENCH_META_REPS=1 "$B/bench/bench_meta" "$FILES" "$DEV" >/dev/null

rows=$TMP/rows
: >"$rows"
for _ in $(seq 1 "$ROUNDS"); do
	for who in old new new old; do
		bin=$B/bench/bench_join
		[ "$who" = old ] && bin=$TMP/bench_join_old
		for log in history image; do
			dev=$DEV
			[ "$log" = image ] && dev=$DEV.img
			out=$("$bin" "$dev" 1)
			wall=$(sed -n 's/^RESULT.* wall_ms=\([0-9.]*\).*/\1/p' <<<"$out")
			cpu=$(sed -n 's/^RESULT.* cpu_ms=\([0-9.]*\).*/\1/p' <<<"$out")
			recs=$(sed -n 's/^RESULT.* records=\([0-9]*\).*/\1/p' <<<"$out")
			echo "$who $log $wall $cpu $recs $(cut -d' ' -f1 /proc/loadavg)" >>"$rows"
		done
	done
done

med() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
{
	bench_header replay-abba
	echo "replay of a joining host, $FILES files: old = $OLD, new = $(git rev-parse --short HEAD);" \
		"old new new old x $ROUNDS, one replay per process"
	echo "# who log wall_ms cpu_ms records load1"
	cat "$rows"
	for log in history image; do
		ow=$(awk -v l=$log '$1 == "old" && $2 == l { print $3 }' "$rows" | med)
		nw=$(awk -v l=$log '$1 == "new" && $2 == l { print $3 }' "$rows" | med)
		oc=$(awk -v l=$log '$1 == "old" && $2 == l { print $4 }' "$rows" | med)
		nc=$(awk -v l=$log '$1 == "new" && $2 == l { print $4 }' "$rows" | med)
		recs=$(awk -v l=$log '$2 == l { print $5; exit }' "$rows")
		awk -v l=$log -v ow="$ow" -v nw="$nw" -v oc="$oc" -v nc="$nc" -v r="$recs" 'BEGIN {
			printf "%-8s median wall: old %.0f ms, new %.0f ms (%.2fx; new %.2fM records/s)   CPU: old %.0f ms, new %.0f ms (%.2fx)\n",
				l, ow, nw, ow / nw, r / nw / 1000, oc, nc, oc / nc }'
	done
	echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$RESULTS/replay-abba.txt"
