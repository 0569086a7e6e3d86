#!/usr/bin/env bash
# Soak: a 3-host cluster (user mode, loopback, 256 KiB log so that checkpoints
# come round) under a bounded mixed workload for FAMFS_SOAK_SECONDS (600):
# workload.py --data --strict (mkdir/rm, creat + write through a mapping +
# verify, acquire/release/handoff, owners; at most 40 live names per thread,
# so the namespace stays bounded), one `famfsctl watch` stream per
# host, and every FAMFS_SOAK_RESTART_S (default run/5, at least 15 s) a
# follower restarted (taken out of the workload, SIGTERM, started again: it loses its grants,
# back in once it has caught up). Every FAMFS_SOAK_SAMPLE_S (5; 1 on short runs) s each
# famfsd's VmRSS and open descriptors are sampled (/proc/PID).
# Fails on: any workload error (a call that is neither ok nor an ownership
# refusal), a famfsd or watch stream that died, an acknowledged mkdir
# missing, fsck not clean, a non-linearizable ownership history, or memory /
# descriptor growth after the warm-up (soak_report.py: thresholds there).
# Prints a summary table and "soak: N passed, N failed".
set -u
B=${B:-build}
SECS=${FAMFS_SOAK_SECONDS:-600}
SAMPLE=${FAMFS_SOAK_SAMPLE_S:-$((SECS / 20 > 5 ? 5 : SECS / 20 > 1 ? SECS / 20 : 1))}
RESTART=${FAMFS_SOAK_RESTART_S:-$((SECS / 5 > 15 ? SECS / 5 : 15))}
LEASE=${FAMFS_TEST_LEASE_MS:-1000}
TMP=$(mktemp -d /tmp/famfs-soak.XXXXXX)
DEV=/dev/shm/famfs-soak.$$
. tests/ports.sh && draw_ports	# BASE_PORT: see tests/ports.sh
. tests/integration/cluster_lib.sh
declare -A WATCH
pass=0 fail=0 wl= sampler=
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }
cleanup() {
	[ -n "$wl" ] && kill "$wl" 2>/dev/null
	[ -n "$sampler" ] && kill "$sampler" 2>/dev/null
	for i in "${!WATCH[@]}"; do [ -n "${WATCH[$i]}" ] && kill "${WATCH[$i]}" 2>/dev/null; done
	cluster_stop_all
	if [ -n "${FAMFS_TEST_KEEP:-}" ]; then echo "soak: kept $TMP"; rm -f "$DEV"; else rm -rf "$TMP" "$DEV"; fi
}
trap cleanup EXIT
field() { host_status "$@"; }
# The sampler (a subshell) finds each host's current pid in $TMP/pidI.
soak_start() { host_start "$1" && echo "${PID[$1]}" >"$TMP/pid$1"; }
watch_start() { hctl "$1" --json watch >>"$TMP/watch$1" 2>>"$TMP/watch$1.err" & WATCH[$1]=$!; }
sample() {
	local t0=$SECONDS i pid rss fds
	while :; do
		for i in 1 2 3; do
			pid=$(cat "$TMP/pid$i" 2>/dev/null)
			[ -n "$pid" ] || continue
			rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status" 2>/dev/null)
			fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
			[ -n "$rss" ] && echo "$((SECONDS - t0)) $i $pid $rss $fds"
		done
		sleep "$SAMPLE"
	done >>"$TMP/samples"
}

echo "soak: ${SECS} s, 3 hosts, follower restart every ${RESTART} s, samples every ${SAMPLE} s, lease $LEASE ms"
FAMFS_CLUSTER_SIZE=1G FAMFS_CLUSTER_LOG=256K cluster_setup 3 "$LEASE" || { echo "soak: 0 passed, 1 failed (setup)"; exit 1; }
for i in 1 2 3; do soak_start $i || { echo "soak: host $i did not start"; exit 1; }; done
M=$(wait_master 30 1 2 3) || { echo "soak: 0 passed, 1 failed (no master)"; exit 1; }
hctl "$M" mkdir -p /soak/f /soak/o/d0 /soak/o/d1 || { echo "soak: 0 passed, 1 failed (mkdir)"; exit 1; }
for i in 1 2 3; do watch_start $i; done
: >"$TMP/down"
sample & sampler=$!
python3 tests/faults/workload.py --ctl "$CTL" --tmp "$TMP" --hosts 1,2,3 --prefix /soak/f \
	--datasets /soak/o/d0,/soak/o/d1 --seconds "$SECS" --seed "${FAMFS_SOAK_SEED:-$RANDOM}" --pause 0.05 \
	--max-live 40 --data --strict --history "$TMP/hist" --acked "$TMP/acked" --deleted "$TMP/deleted" \
	--errors "$TMP/errors" --down-file "$TMP/down" --summary "$TMP/summary.json" >"$TMP/wl.out" 2>&1 &
wl=$!
t0=$SECONDS restarts=0
while kill -0 "$wl" 2>/dev/null; do
	sleep 1
	[ $((SECONDS - t0)) -ge $(((restarts + 1) * RESTART)) ] || continue
	[ $((SECONDS - t0 + 10)) -lt "$SECS" ] || continue
	M=$(wait_master 20 1 2 3) || { bad "no agreed master at $((SECONDS - t0)) s"; continue; }
	f=$(echo 1 2 3 | tr ' ' '\n' | grep -v "^$M$" | shuf -n 1)
	echo "$f" >"$TMP/down"; sleep 2	# calls on host f finish first
	# A famfsd that restarts loses the grants it held (docs/cluster.md, "Host
	# leases"): for the history that is an expiry, at some moment from now on.
	t=${EPOCHREALTIME/[.,]/}
	for d in /soak/o/d0 /soak/o/d1; do
		printf '{"proc":0,"op":"expire","path":"%s","host":%d,"invoke":%s000,"response":null,"status":"info"}\n' \
			"$d" "$f" "$t" >>"$TMP/hist"
	done
	kill "${WATCH[$f]}" 2>/dev/null; wait "${WATCH[$f]}" 2>/dev/null
	kill -TERM "${PID[$f]}"; wait "${PID[$f]}" 2>/dev/null; rc=$?
	[ $rc = 0 ] && ok || bad "host $f exited $rc on SIGTERM"
	soak_start "$f" || bad "host $f did not restart"
	# Back in once it has caught up and knows the master: it replays the log
	# from the shared memory by itself, and may do so before the master's next
	# lease round or push tells it who the master is; until then it answers
	# calls to forward UNAVAILABLE ("no master"), which the workload counts.
	for _ in $(seq 1 100); do
		[ "$(master_seen_by "$f")" = "$M" ] && [ -n "$(field "$f" replayed_seq)" ] &&
			[ "$(field "$f" replayed_seq)" = "$(field "$M" committed_seq)" ] && break
		sleep 0.1
	done
	watch_start "$f"
	: >"$TMP/down"
	restarts=$((restarts + 1))
done
wait "$wl"; wl=
kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null; sampler=
elapsed=$((SECONDS - t0))

# ---- verdicts
errs=$(grep -c '^ERROR' "$TMP/errors" 2>/dev/null)
[ "${errs:-0}" = 0 ] && ok || bad "$errs workload errors: $(grep '^ERROR' "$TMP/errors" | head -5)"
for i in 1 2 3; do
	kill -0 "${PID[$i]}" 2>/dev/null && ok || bad "famfsd $i died: $(tail -3 "$TMP/h$i.log" | tr '\n' ' ')"
	kill -0 "${WATCH[$i]}" 2>/dev/null && ok || bad "watch stream on host $i ended: $(tail -2 "$TMP/watch$i.err" | tr '\n' ' ')"
done
M=$(wait_master 20 1 2 3) || bad "no agreed master at the end"
sort -u "$TMP/acked" | comm -23 - <(sort -u "$TMP/deleted") | sed 's|.*/||' >"$TMP/want"
for i in 1 2 3; do
	for _ in $(seq 1 20); do
		hctl $i ls /soak/f 2>/dev/null | tr -d / | sort >"$TMP/have$i"
		missing=$(comm -23 "$TMP/want" "$TMP/have$i" | head -3)
		[ -z "$missing" ] && break
		sleep 0.2
	done
	[ -z "$missing" ] && ok || bad "host $i lacks acknowledged entries: $missing"
done
$B/fsck.famfs --json "$DEV" >"$TMP/fsck" 2>&1 && ok || bad "fsck: $(tr -d '\n' <"$TMP/fsck" | head -c 400)"
python3 tests/faults/history_check.py --max-ops 5000 --budget 20000000 --history "$TMP/hist" >"$TMP/check" 2>&1 && ok || bad "history: $(head -10 "$TMP/check")"
echo "soak: $(tail -1 "$TMP/wl.out")"
echo "soak: $elapsed s, $restarts follower restarts, $(cat "$TMP"/watch[123] 2>/dev/null | wc -l) watch events," \
	"log: $(sed -n 's/.*"committed_seq":\([0-9]*\).*/\1/p' "$TMP/fsck" | head -1) records committed," \
	"log head at seq $(field "$M" head_seq) (> 1: checkpointed), $(sed -n 's/.*"log_wraps":\([0-9]*\).*/\1/p' "$TMP/fsck") ring wraps; $(tail -1 "$TMP/check")"
python3 tests/faults/soak_report.py "$TMP/samples" --seconds "$elapsed" && ok || bad "memory or descriptor growth (table above)"
echo "soak: $pass passed, $fail failed"
[ "$fail" = 0 ]
