#!/usr/bin/env bash
# make bench-commit-insns: the CPU work of the commit path, counted in
# instructions (valgrind --tool=callgrind) instead of seconds, this tree's
# famfsd against an older revision's. On this project's shared 2-core test
# machine a create rate moves by +-30 % from run to run with what else runs
# (bench-commit); an instruction count does not (the same build gives the
# same count to 0.5 %), so it says whether a change made famfsd do less.
#
# Each build in turn (old new, ROUNDS times): a 3-host cluster on loopback
# (tests/integration/cluster_lib.sh, user-space mode, mutual TLS, lease 4 s
# for valgrind's pace), every famfsd under callgrind; 2000 creates through a
# follower to warm up, the counters zeroed (callgrind_control -z), N creates
# through the follower with 64 in flight, the counters dumped; the same for
# N1 creates with 1 in flight (no batching: every create is a loop iteration
# of each daemon, with its TLS records). Printed per daemon (the master, the
# forwarding follower, the other follower): user-space instructions of all
# its threads per create (the kernel's work, system calls and page faults,
# is not counted), and new/old. Nothing asserted.
#
#   bash bench/bench_commit_insns.sh [OLD_REV]     (default 7276758)
#   ROUNDS=1  N=5000  N1=1000
#
# Writes bench/results/commit-insns.txt.
set -euo pipefail
B=${B:-build}
OLD=${1:-7276758}
ROUNDS=${ROUNDS:-1}
N=${N:-5000}
N1=${N1:-1000}
. bench/bench_lib.sh
bench_cluster_env commit-insns
command -v valgrind >/dev/null && command -v callgrind_control >/dev/null ||
	bash scripts/deps.sh valgrind >/dev/null || die "valgrind is missing (make deps)"
mkdir -p "$RESULTS"
make --no-print-directory "$B/famfsd" "$B/famfsctl" "$B/mkfs.famfs" "$B/bench/bench_creates" >/dev/null
build_old "$OLD" "$TMP/old" build/famfsd

rows=$TMP/rows
: >"$rows"
run() { # WHO FAMFSD
	local m f o i p who out ir
	out=$TMP/cg.$1
	mkdir -p "$out"
	rm -f "$out"/*
	printf '#!/bin/sh\nexec valgrind -q --tool=callgrind --callgrind-out-file=%s/cg.%%p %s "$@"\n' \
		"$out" "$(realpath "$2")" >"$TMP/wrap.$1"
	chmod +x "$TMP/wrap.$1"
	FAMFSD=$TMP/wrap.$1
	FAMFS_CLUSTER_SIZE=2G FAMFS_CLUSTER_LOG=64M cluster_setup 3 4000 || die "cluster setup failed"
	fallocate -o 0 -l 66M "$DEV" || die "fallocate of the metadata region of $DEV failed"
	for i in 1 2 3; do host_start $i || die "famfsd $i ($1, under valgrind) did not start"; done
	m=$(wait_master 60 1 2 3) || die "no master elected ($1)"
	f=$(( m % 3 + 1 )); o=$(( f % 3 + 1 ))
	$B/bench/bench_creates -n 2000 -w 64 -d /warm "$TMP/h$f.sock" >/dev/null ||
		die "warm-up creates failed ($1)"
	printf '%s' "$1" >>"$rows"
	for w in 64 1; do
		n=$([ "$w" = 64 ] && echo "$N" || echo "$N1")
		for i in $m $f $o; do callgrind_control -z "${PID[$i]}" >/dev/null; done
		$B/bench/bench_creates -n "$n" -w "$w" -d "/c$w" "$TMP/h$f.sock" >/dev/null ||
			die "creates with $w in flight failed ($1)"
		for i in $m $f $o; do callgrind_control -d "${PID[$i]}" >/dev/null; done
		for i in $m $f $o; do
			p=${PID[$i]}
			# The newest dump: the file of that pid with the highest part number.
			ir=$(cd "$out" && ls cg."$p".* 2>/dev/null | sort -t. -k3 -n | tail -n 1 |
				xargs -r sed -n 's/^summary: //p')
			[ -n "$ir" ] || die "no callgrind dump for famfsd $i ($1)"
			printf ' %.0f' "$(awk -v a="$ir" -v n="$n" 'BEGIN { print a / n }')" >>"$rows"
		done
	done
	echo " $(cut -d' ' -f1 /proc/loadavg)" >>"$rows"
	cluster_stop_all
	PID=()
}
for _ in $(seq 1 "$ROUNDS"); do
	run old "$TMP/old/build/famfsd"
	run new "$B/famfsd"
done

med() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
col() { awk -v w="$1" -v c="$2" '$1 == w { print $c }' "$rows" | med; }
{
	bench_header commit-insns
	echo "commit path in instructions: old = $OLD (famfsd), new = $(git rev-parse --short HEAD) (famfsd);" \
		"old new x $ROUNDS, each a fresh 3-host cluster (user-space mode, mutual TLS, loopback), every famfsd under valgrind --tool=callgrind"
	echo "counted: user-space instructions of all of a famfsd's threads per create, $N creates through a follower with 64 in flight, then $N1 with 1 in flight (this tree's bench_creates), after 2000 untimed; not counted: the kernel's work (system calls, page faults)"
	echo "# who master_64 follower_64 other_64 master_1 follower_1 other_1 load1"
	cat "$rows"
	printf '%-44s %12s %12s %10s\n' "medians (instructions per create)" old new "new/old"
	k=2
	for w in 64 1; do
		echo "  $w in flight"
		for what in "master" "forwarding follower" "other follower"; do
			o=$(col old $k); n=$(col new $k)
			printf '%-44s %12s %12s %10s\n' "    $what" "$o" "$n" \
				"$(awk -v a="$n" -v b="$o" 'BEGIN { printf "%.2f", a / b }')"
			k=$((k + 1))
		done
		o=$(awk -v k=$((k - 3)) '$1 == "old" { print $k + $(k + 1) + $(k + 2) }' "$rows" | med)
		n=$(awk -v k=$((k - 3)) '$1 == "new" { print $k + $(k + 1) + $(k + 2) }' "$rows" | med)
		printf '%-44s %12s %12s %10s\n' "    all three" "$o" "$n" \
			"$(awk -v a="$n" -v b="$o" 'BEGIN { printf "%.2f", a / b }')"
	done
} | tee "$RESULTS/commit-insns.txt"
