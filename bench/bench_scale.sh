#!/usr/bin/env bash
# make bench-scale: how metadata costs grow.
#   files: one famfsd; the namespace grows 1k -> 10k -> 100k -> 1M files
#     (up to SCALE_MAX_FILES). At each size: creates/s (a fixed batch,
#     SCALE_WINDOW in flight), commit latency (1 in flight), famfsd RSS,
#     replay in process and famfsd start to READY=1 on that log, next to
#     invalidate + copy + CRC32C of the same log bytes. Growth is printed per
#     file relative to the smallest size: 1.00 = linear.
#   hosts: 1, 2, 4, 8 famfsd (up to SCALE_MAX_HOSTS) on loopback over one
#     fabric file: aggregate creates/s from every host at once, commit
#     latency on the master, replay lag to every other host.
#   checkpoints: one famfsd on a small log (SCALE_CKPT_LOG, 16M) filled in
#     batches until creates fail: creates/s and log records written per
#     create as the namespace image approaches half the log; then, on the
#     same log size, create/delete churn at a growing live size: calls/s
#     and checkpoints (SCALE_CHURN_LIVE, SCALE_CHURN_CALLS).
# Writes bench/results/scale.txt and bench/results/scale.png.
set -euo pipefail
B=${B:-build}
MAX_FILES=${SCALE_MAX_FILES:-1000000}
MAX_HOSTS=${SCALE_MAX_HOSTS:-8}
WINDOW=${SCALE_WINDOW:-64}
BATCH=${SCALE_BATCH:-10000}
PER_HOST=${SCALE_CREATES_PER_HOST:-5000}
PROBE=${SCALE_LAT_PROBE:-500}
CKPT_LOG=${SCALE_CKPT_LOG:-16M}
CKPT_BATCH=${SCALE_CKPT_BATCH:-5000}
CHURN_LIVE=${SCALE_CHURN_LIVE:-1000 20000 40000 60000 70000}
CHURN_CALLS=${SCALE_CHURN_CALLS:-40000}
LOG_SIZE=${SCALE_LOG_SIZE:-256M}
STEP_S=${SCALE_STEP_TIMEOUT:-600}
. tests/integration/cluster_lib.sh
. bench/meta_lib.sh
bench_setup scale
exec 3>&1 > >(tee "$OUT")
bench_header bench-scale "SCALE_MAX_FILES=$MAX_FILES SCALE_MAX_HOSTS=$MAX_HOSTS window $WINDOW," \
	"batch $BATCH, $PER_HOST creates per host, log $LOG_SIZE"

# ---- file count ----
echo
echo "== file count (one famfsd; log $LOG_SIZE, files are empty: metadata only)"
FAMFS_CLUSTER_SIZE=4G FAMFS_CLUSTER_LOG=$LOG_SIZE cluster_setup 1 1000
host_start 1
printf '%-8s %10s %9s %9s %8s %8s %9s %9s %9s %9s %8s %8s %8s\n' files creates/s p50_us p99_us rss_MiB anon_MiB \
	base_ms replay_ms ready_ms head_seq c/s_ratio replay/f ready/f
made=0
first=
for n in 1000 10000 100000 1000000; do
	[ "$n" -le "$MAX_FILES" ] || break
	fill=$((n - made - BATCH - PROBE))
	if [ "$fill" -gt 0 ]; then
		timeout "$STEP_S" "$B/bench/bench_creates" -n "$fill" -s "$made" -w "$WINDOW" -d /scale \
			"$TMP/h1.sock" >/dev/null
		made=$((made + fill))
	fi
	# The measured batch: the last BATCH (or fewer) files up to this size.
	batch=$((n - made - PROBE))
	out=$(timeout "$STEP_S" "$B/bench/bench_creates" -n "$batch" -s "$made" -w "$WINDOW" -d /scale "$TMP/h1.sock")
	made=$((made + batch))
	rate=$(result rate <<<"$out")
	out=$(timeout "$STEP_S" "$B/bench/bench_creates" -n "$PROBE" -w 1 -d "/lat$n" "$TMP/h1.sock")
	made=$((made + PROBE))
	p50=$(result p50_us <<<"$out"); p99=$(result p99_us <<<"$out")
	rss=$(rss_kb "${PID[1]}" VmRSS); anon=$(rss_kb "${PID[1]}" RssAnon)
	head=$(hctl 1 --json status | status_field head_seq)
	host_stop 1
	out=$(timeout "$STEP_S" "$B/bench/bench_startup" -r 3 "$DEV" -- "$FAMFSD" --config "$TMP/h1.conf" 2>>"$TMP/startup.log")
	files=$(result files <<<"$out")
	raw=$(result raw_ms <<<"$out"); rep=$(result replay_ms <<<"$out"); rdy=$(result ready_ms <<<"$out")
	host_start 1
	[ -n "$first" ] || first="$files $rate $rep $rdy"
	read -r f0 rate0 rep0 rdy0 <<<"$first"
	printf '%-8s %10.0f %9s %9s %8.1f %8.1f %9.1f %9.1f %9.1f %9s %8s %8s %8s\n' "$files" "$rate" "$p50" "$p99" \
		"$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$(awk -v k="$anon" 'BEGIN { print k / 1024 }')" "$raw" "$rep" "$rdy" "$head" \
		"$(ratio "$rate" "$rate0")" \
		"$(awk -v a="$rep" -v n="$files" -v a0="$rep0" -v n0="$f0" 'BEGIN { printf "%.2f", (a / n) / (a0 / n0) }')" \
		"$(awk -v a="$rdy" -v n="$files" -v a0="$rdy0" -v n0="$f0" 'BEGIN { printf "%.2f", (a / n) / (a0 / n0) }')"
	echo "$files $rate $p50 $p99 $rss $raw $rep $rdy $anon" >>"$DAT.files"
done
echo "(creates/s: a batch of up to $BATCH creates ending at that size, $WINDOW in flight; p50/p99: $PROBE"
echo " creates with 1 in flight; head_seq > 1: a checkpoint moved the log head; replay/f and ready/f:"
echo " time per file relative to the smallest size, 1.00 = linear growth; base_ms: invalidate +"
echo " copy + CRC32C of the committed log bytes; rss: all resident pages, including the mapped"
echo " log of the fabric file; anon: the daemon's own memory, mostly the namespace)"
host_stop 1
rm -f "$DEV"

# ---- host count ----
echo
echo "== host count (famfsd on loopback, lease 1500 ms; $PER_HOST creates per host, $WINDOW in flight each)"
printf '%-6s %12s %10s %10s %12s %12s %10s %10s %10s\n' hosts creates/s agg_p50 agg_p99 commit_p50 commit_p99 lag_p50 lag_p99 vs_1host
base=
for h in 1 2 4 8; do
	[ "$h" -le "$MAX_HOSTS" ] || break
	FAMFS_CLUSTER_SIZE=1G FAMFS_CLUSTER_LOG=64M cluster_setup "$h" 1500
	for i in $(seq 1 "$h"); do host_start "$i"; done
	m=$(wait_master 60 $(seq 1 "$h")) || { echo "bench-scale: no master among $h hosts within 60 s" >&2; exit 1; }
	read -r -a order <<<"$(hosts_master_first "$m" "$h")"
	out=$(timeout "$STEP_S" "$B/bench/bench_creates" -n "$PER_HOST" -w "$WINDOW" -d /agg $(socks "${order[@]}"))
	rate=$(result rate <<<"$out"); ap50=$(result p50_us <<<"$out"); ap99=$(result p99_us <<<"$out")
	out=$(timeout "$STEP_S" "$B/bench/bench_creates" -n 1000 -w 1 -d /lat "$TMP/h$m.sock")
	cp50=$(result p50_us <<<"$out"); cp99=$(result p99_us <<<"$out")
	lp50=-; lp99=-
	if [ "$h" -gt 1 ]; then
		out=$(timeout "$STEP_S" "$B/bench/bench_lag" -n 1000 -d /lag $(socks "${order[@]}"))
		lp50=$(result p50_us <<<"$out"); lp99=$(result p99_us <<<"$out")
	fi
	base=${base:-$rate}
	printf '%-6s %12.0f %10s %10s %12s %12s %10s %10s %10s\n' "$h" "$rate" "$ap50" "$ap99" "$cp50" "$cp99" \
		"$lp50" "$lp99" "$(ratio "$rate" "$base")"
	echo "$h $rate $cp50 $cp99 ${lp50/-/?} ${lp99/-/?}" >>"$DAT.hosts"
	hosts_stop_all
	rm -f "$DEV"
done
echo "(creates/s: aggregate with every host creating at once, followers forward to the master;"
echo " commit: 1 create in flight on the master alone; lag: master ack -> applied on each other host)"

# ---- checkpoints: a log too small for the namespace ----
echo
echo "== checkpoints (one famfsd, log $CKPT_LOG; batches of $CKPT_BATCH creates until the log is full)"
FAMFS_CLUSTER_SIZE=1G FAMFS_CLUSTER_LOG=$CKPT_LOG cluster_setup 1 1000
host_start 1
printf '%-8s %10s %10s %10s %14s %12s %12s\n' files creates/s p99_us max_us records/create head_seq log_used_MiB
st=$(hctl 1 --json status)
prev=$(status_field committed_seq <<<"$st"); made=0
for _ in $(seq 1 200); do
	ok=1
	out=$(timeout "$STEP_S" "$B/bench/bench_creates" -n "$CKPT_BATCH" -s "$made" -d /ckpt \
		"$TMP/h1.sock" 2>"$TMP/ckpt.err") || ok=0
	st=$(hctl 1 --json status)
	files=$(status_field files <<<"$st"); seq=$(status_field committed_seq <<<"$st")
	n=$((files - made))
	printf '%-8s %10.0f %10s %10s %14s %12s %12.1f\n' "$files" "$(result rate <<<"$out")" \
		"$(result p99_us <<<"$out")" "$(result max_us <<<"$out")" "$(ratio $((seq - prev)) "$n")" \
		"$(status_field head_seq <<<"$st")" \
		"$(awk -v u="$(status_field log_used <<<"$st")" 'BEGIN { print u / 1048576 }')"
	echo "$files $(result rate <<<"$out") $(result max_us <<<"$out") $(ratio $((seq - prev)) "$n")" >>"$DAT.ckpt"
	made=$files; prev=$seq
	if [ $ok = 0 ]; then
		echo "(stopped at $files files: $(sed -n 's/.*call failed: //p' "$TMP/ckpt.err" | head -1))"
		break
	fi
done
echo "(records/create: log records written per create, checkpoint images included; 1.00 = no checkpoint)"
host_stop 1
rm -f "$DEV"

# ---- checkpoints under churn: creates and deletes at a fixed live size ----
echo
echo "== checkpoints under churn (one famfsd, log $CKPT_LOG; $CHURN_CALLS create/delete calls at each live size)"
FAMFS_CLUSTER_SIZE=1G FAMFS_CLUSTER_LOG=$CKPT_LOG cluster_setup 1 1000
host_start 1
printf '%-8s %10s %10s %10s %12s %12s\n' live calls/s p99_us max_us records/call checkpoints
live=0
for n in $CHURN_LIVE; do
	timeout "$STEP_S" "$B/bench/bench_creates" -n $((n - live)) -s "$live" -d /live "$TMP/h1.sock" >/dev/null
	live=$n
	st=$(hctl 1 --json status)
	seq0=$(status_field committed_seq <<<"$st")
	nodes=$(( $(status_field files <<<"$st") + $(status_field directories <<<"$st") ))
	out=$(timeout "$STEP_S" "$B/bench/bench_creates" -c -n "$CHURN_CALLS" -d "/churn$n" "$TMP/h1.sock")
	seq1=$(hctl 1 --json status | status_field committed_seq)
	printf '%-8s %10.0f %10s %10s %12s %12s\n' "$n" "$(result rate <<<"$out")" "$(result p99_us <<<"$out")" \
		"$(result max_us <<<"$out")" "$(ratio $((seq1 - seq0)) "$CHURN_CALLS")" \
		"$(( (seq1 - seq0 - CHURN_CALLS) / (nodes + 2) ))"
	echo "$n $(result rate <<<"$out") $(result max_us <<<"$out") $(ratio $((seq1 - seq0)) "$CHURN_CALLS")" >>"$DAT.churn"
done
echo "(live: files in the namespace while files are created and deleted one after the other;"
echo " records/call: log records per call, checkpoint images included; checkpoints: about how many)"
host_stop 1
rm -f "$DEV"
exec 1>&3 3>&-
plot bench/plots/scale.gp "$DAT" bench/results/scale.png
