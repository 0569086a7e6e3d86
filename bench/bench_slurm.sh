#!/usr/bin/env bash
# make bench-slurm: what famfs's burst buffer hooks cost a Slurm job, on 3
# famfsd on loopback (no Slurm needed: the hooks are run as Slurm runs them).
#   job:   data_in + pre_run + release of a job with rw=/b/out ro=/b/ref on two
#          nodes, vs the baseline: the six famfsctl acquire/release calls that
#          grant and release the same three grants.
#   chain: pre_run + release of jobs alternating between n1 and n2 on one
#          read-write data set (each start is a handoff of the parked grant),
#          vs the baseline: famfsctl handoff alone.
# Prints the medians and the ratios; also into bench/results/slurm.txt.
set -euo pipefail
B=${B:-build}
ROUNDS=${FAMFS_BENCH_ROUNDS:-30}
TMP=$(mktemp -d /tmp/famfs-bench-slurm.XXXXXX)
DEV=/dev/shm/famfs-bench-slurm.$$
. tests/ports.sh && draw_ports	# BASE_PORT: see tests/ports.sh
. tests/integration/cluster_lib.sh
trap 'cluster_stop_all; rm -rf "$TMP" "$DEV"' EXIT
cluster_setup 3 1000
for i in 1 2 3; do host_start $i; done
wait_master 20 1 2 3 >/dev/null
mkdir -p "$TMP/state"
printf '[famfs]\nsocket = %s\nstate_dir = %s\nwait = 5\n[nodes]\nn1 = 1\nn2 = 2\n' \
	"$TMP/h3.sock" "$TMP/state" >"$TMP/bb.conf"
bb() { $B/famfs-slurm-bb --config "$TMP/bb.conf" "$@" >/dev/null; }
hctl 3 mkdir -p /b/ref /b/out /b/chain >/dev/null
printf '#!/bin/bash\n#BB_LUA famfs rw=/b/out ro=/b/ref\n' >"$TMP/job.sh"
printf '#!/bin/bash\n#BB_LUA famfs rw=/b/chain\n' >"$TMP/chain.sh"
now() { date +%s%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: >"$TMP/job.t"; : >"$TMP/base.t"
for r in $(seq 1 "$ROUNDS"); do
	t0=$(now)
	bb data_in $r "$TMP/job.sh"; bb pre_run $r "$TMP/job.sh" n1 n1,n2; bb release $r
	t1=$(now)
	hctl 3 acquire /b/out --rw --host 1 >/dev/null; hctl 3 acquire /b/ref --ro --host 1 >/dev/null
	hctl 3 acquire /b/ref --ro --host 2 >/dev/null
	hctl 3 release /b/out --host 1 >/dev/null; hctl 3 release /b/ref --host 1 >/dev/null
	hctl 3 release /b/ref --host 2 >/dev/null
	t2=$(now)
	echo $(( (t1 - t0) / 1000 )) >>"$TMP/job.t"; echo $(( (t2 - t1) / 1000 )) >>"$TMP/base.t"
done
# The parked grant moves n1 -> n2 -> n1 ...; baseline: the same handoffs by famfsctl.
bb pre_run 1000 "$TMP/chain.sh" n1 n1; bb release 1000
: >"$TMP/chain.t"; : >"$TMP/hand.t"
for r in $(seq 1 "$ROUNDS"); do
	n=$(( r % 2 + 1 ))
	t0=$(now)
	bb pre_run $((1000 + r)) "$TMP/chain.sh" n$n n$n; bb release $((1000 + r))
	t1=$(now)
	echo $(( (t1 - t0) / 1000 )) >>"$TMP/chain.t"
done
bb unpark /b/chain
hctl 3 acquire /b/chain --rw --host 1 >/dev/null
for r in $(seq 1 "$ROUNDS"); do
	t0=$(now)
	hctl 3 handoff /b/chain --to $(( r % 2 + 1 )) >/dev/null
	t1=$(now)
	echo $(( (t1 - t0) / 1000 )) >>"$TMP/hand.t"
done
job=$(median <"$TMP/job.t"); base=$(median <"$TMP/base.t")
chain=$(median <"$TMP/chain.t"); hand=$(median <"$TMP/hand.t")
mkdir -p bench/results
{
	echo "famfs Slurm hooks, $ROUNDS rounds, medians (3 famfsd on loopback, user-space mode)"
	printf 'job rw+ro on 2 nodes: data_in+pre_run+release %8d us   6 famfsctl calls %8d us   ratio %s\n' \
		"$job" "$base" "$(awk -v a="$job" -v b="$base" 'BEGIN { printf "%.2f", a / b }')"
	printf 'rw chain n1<->n2:     pre_run+release (handoff) %8d us   famfsctl handoff %8d us   ratio %s\n' \
		"$chain" "$hand" "$(awk -v a="$chain" -v b="$hand" 'BEGIN { printf "%.2f", a / b }')"
} | tee bench/results/slurm.txt
