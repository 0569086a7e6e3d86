#!/usr/bin/env bash
# Randomized fault campaign: FAMFS_FAULT_RUNS runs (default 30) on one
# 3-host cluster (user mode, loopback, every peer link through the dropping
# proxy of test_partition.sh, a 256 KiB log so that the ring wraps and
# checkpoints are written). Each run starts a mixed workload (workload.py:
# mkdir/rm, acquire/release/handoff, owners) for FAMFS_FAULT_SECONDS
# (default 6) and injects one fault, kind and moment drawn from a seeded RNG
# (FAMFS_FAULT_SEED, printed at start and in every failure; the same seed
# replays the same kinds, victims and delays):
#   kill_master       kill -9 of the master at a random moment
#   kill_follower     kill -9 of a follower, restarted after a random pause
#   kill_catchup      a follower killed, commits go on, it restarts and is
#                     killed again while it replays / catches up
#   kill_checkpoint   the log is filled to the brim first, so the master is
#                     killed around a checkpoint (wrap)
#   kill_handoff      kill -9 of the owner or of the master during a handoff
#   stop_master       SIGSTOP of the master for 2-3 leases, then SIGCONT
#   partition         a random host cut off from the others for 3 leases
#   voter_restart     a follower C cut off from the master M (not from the
#                     other follower B) for 2.5-3 leases; 1-1.5 leases in, B,
#                     whose vote keeps M's lease, is killed -9 and restarted
#                     at once: it must keep its recorded promise (issue 12,
#                     defect 1).
#   log_full          a host restarted with its log (stderr) on /dev/full:
#                     every log write fails with ENOSPC; it must keep serving
#   corrupt           one byte of a random committed record flipped (workload
#                     stopped): fsck, famfs_logdump and `famfsctl local
#                     replay` must flag exactly that record, a follower
#                     restarted on the damaged log must stop its replay before
#                     it and say so; the byte is restored afterwards
# A host whose own lease lapses during a run (a starved machine, not a fault
# of the driver) gets an "expire" op from the run's start in the history.
# After each run: the cluster agrees on one master; every acknowledged mkdir
# (not deleted since) is on every host; fsck is clean; the ownership history
# (client calls + the driver's faults as expiries) is linearizable and the
# log never shows two owners in conflict (history_check.py); no famfsd died
# unexpectedly. Over the campaign: never two masters in one epoch.
# FAMFS_FAULT_KINDS="k1 k2" limits the kinds; FAMFS_FAULT_EACH=1 takes them in turn.
# FAMFS_FAULT_OWNER_OPS (default 200): ownership calls per data set and run at
# most, so that history_check.py can judge every run (fewer: faster checks).
# Prints "faults-random: N passed, N failed"; FAMFS_TEST_KEEP=1 keeps $TMP.
# FAMFS_FAULT_BASE_PORT: the first base port tried (peers on +1..3, the proxy on +111..+132).
set -u
B=${B:-build}
RUNS=${FAMFS_FAULT_RUNS:-30}
SECS=${FAMFS_FAULT_SECONDS:-6}
SEED=${FAMFS_FAULT_SEED:-}
[ -n "$SEED" ] || SEED=$(( (RANDOM << 15 | RANDOM) % 1000000 ))
LEASE=${FAMFS_TEST_LEASE_MS:-600}
# Every kind is drawn by default (voter_restart since the 200-call cap of
# FAMFS_FAULT_OWNER_OPS keeps its history checks within budget).
KINDS=(${FAMFS_FAULT_KINDS:-kill_master kill_follower kill_catchup kill_checkpoint kill_handoff stop_master partition log_full corrupt voter_restart})
TMP=$(mktemp -d /tmp/famfs-rfaults.XXXXXX)
DEV=/dev/shm/famfs-rfaults.$$
# Ports: drawn below the ephemeral range (32768-60999 on Linux), where any
# outgoing connection on the machine may hold one; a port taken anyway (by
# another test beside this one) is met by drawing again (start_cluster).
# FAMFS_FAULT_BASE_PORT: the first ports tried (to replay a collision).
new_ports() {
	. tests/ports.sh && draw_ports
	PROXY_BASE=$((BASE_PORT + 100))
}
new_ports
[ -n "${FAMFS_FAULT_BASE_PORT:-}" ] && BASE_PORT=$FAMFS_FAULT_BASE_PORT PROXY_BASE=$((FAMFS_FAULT_BASE_PORT + 100))
CONTROL=$TMP/blocked
DUMP=$B/tests/famfs_logdump
. tests/integration/cluster_lib.sh
RANDOM=$SEED
pass=0 fail=0 sampler= proxy= wl= run=0 kind=- ckpt_runs=0
cleanup() {
	[ -n "$wl" ] && kill "$wl" 2>/dev/null
	[ -n "$sampler" ] && kill "$sampler" 2>/dev/null
	[ -n "$proxy" ] && kill "$proxy" 2>/dev/null
	cluster_stop_all
	if [ -n "${FAMFS_TEST_KEEP:-}" ]; then echo "faults-random: kept $TMP"; rm -f "$DEV"; else rm -rf "$TMP" "$DEV"; fi
}
trap cleanup EXIT
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL [seed $SEED run $run $kind]: $1"; }
now_ns() { local t=${EPOCHREALTIME/[.,]/}; echo "${t}000"; }
others() { echo 1 2 3 | tr ' ' '\n' | grep -v "^$1$" | tr '\n' ' '; }
pick() { local a=($@); echo "${a[RANDOM % ${#a[@]}]}"; }
rsleep() { # MIN_MS MAX_MS: sleep a random time in between
	local ms=$(($1 + RANDOM % ($2 - $1 + 1)))
	sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
}
pport() { echo $((PROXY_BASE + 10 * $1 + $2)); }
field() { host_status "$@"; }

# The master may release a host's grants once it is killed, stopped or cut off:
# an "expire" op with unknown outcome in the history, per data set.
expire() { # HOST [INVOKE_NS]
	local t=${2:-$(now_ns)} d
	for d in $DATASETS; do
		printf '{"proc":0,"op":"expire","path":"%s","host":%d,"invoke":%s,"response":null,"status":"info"}\n' \
			"$d" "$1" "$t" >>"$HIST"
	done
}
kill9() { expire "$1"; echo "$(now_ns) kill $1" >>"$TMP/events"; host_kill "$1"; }
isolate() { # A
	local j
	: >"$CONTROL.new"
	for j in $(others "$1"); do echo "$1-$j $j-$1" >>"$CONTROL.new"; done
	mv "$CONTROL.new" "$CONTROL"
}
heal() { : >"$CONTROL.new"; mv "$CONTROL.new" "$CONTROL"; }
# A mutating call through the current master, retried over a re-election.
mctl() {
	local i m
	for i in $(seq 1 40); do
		m=$(wait_master 10 1 2 3) && hctl "$m" "$@" >/dev/null 2>"$TMP/mctl.err" && return 0
		grep -q ALREADY_EXISTS "$TMP/mctl.err" 2>/dev/null && return 0
		sleep 0.25
	done
	echo "    ($(cat "$TMP/mctl.err"))"
	return 1
}
alive() { # I: the process is still there
	[ -n "${PID[$1]}" ] && kill -0 "${PID[$1]}" 2>/dev/null
}
diagnose() {
	local i n
	for i in 1 2 3; do
		echo "  host $i (pid ${PID[$i]:-none}): $(hctl $i --json status 2>&1 | tr -d ' \n' | head -c 240)"
		grep -v "TLS handshake" "$TMP/h$i.log" | tail -n 6 | sed 's/^/    /'
		# Connections that never became peers (a wrong port, a proxy not up).
		n=$(grep -c "TLS handshake\|TLS peer .* refused\|connect" "$TMP/h$i.log")
		[ "$n" -gt 0 ] && { echo "    ($n connection lines; the last 3:)"
			grep "TLS handshake\|TLS peer .* refused\|connect" "$TMP/h$i.log" | tail -n 3 | sed 's/^/    /'; }
	done
	echo "  proxy: $(tail -n 2 "$TMP/proxy.log" 2>/dev/null | tr '\n' ' ')"
}

# ---- setup: proxy, cluster (256 KiB log), sampler
echo "faults-random: seed $SEED (replay with FAULT_SEED=$SEED), $RUNS runs of ${SECS} s, lease $LEASE ms, kinds: ${KINDS[*]}"
# One try at the proxy and the three daemons on the current ports: 0, 1 when
# a port was taken (the proxy or a famfsd could not listen: draw new ports
# and try again), 2 on any other failure. Without this, a proxy that could
# not bind left every peer link dead and the hosts stood for master alone
# until wait_master gave up ("no master").
start_cluster() {
	local i j _
	pairs=()
	for i in 1 2 3; do for j in $(others $i); do pairs+=("$i-$j:$(pport $i $j):$((BASE_PORT + j))"); done; done
	: >"$CONTROL"
	rm -f "$TMP/proxy.ready" "$TMP"/h[123].log
	python3 tests/faults/partition_proxy.py --control "$CONTROL" --ready "$TMP/proxy.ready" "${pairs[@]}" 2>"$TMP/proxy.log" &
	proxy=$!
	FAMFS_CLUSTER_SIZE=256M FAMFS_CLUSTER_LOG=256K cluster_setup 3 "$LEASE" || return 2
	for i in 1 2 3; do
		for j in $(others $i); do
			sed -i "s/^address = 127\.0\.0\.1:$((BASE_PORT + j))\$/address = 127.0.0.1:$(pport $i $j)/" "$TMP/h$i.conf"
		done
	done
	for _ in $(seq 1 200); do
		[ -e "$TMP/proxy.ready" ] && break
		kill -0 "$proxy" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -e "$TMP/proxy.ready" ]; then
		echo "faults-random: the proxy did not start: $(tr '\n' ' ' <"$TMP/proxy.log")"
		grep -q 'address already in use' "$TMP/proxy.log" && return 1
		return 2
	fi
	for i in 1 2 3; do
		host_start $i && continue
		echo "faults-random: host $i did not start: $(grep -v 'TLS handshake' "$TMP/h$i.log" | tail -n 2 | tr '\n' ' ')"
		grep -q 'Address already in use' "$TMP/h$i.log" && return 1
		return 2
	done
	return 0
}
stop_cluster() {
	kill "$proxy" 2>/dev/null; wait "$proxy" 2>/dev/null; proxy=
	cluster_stop_all
	for i in 1 2 3; do PID[$i]=; done
}
for try in 1 2 3 4 5; do
	start_cluster; rc=$?
	[ $rc = 0 ] && break
	stop_cluster
	[ $rc = 1 ] && [ $try -lt 5 ] || { echo "faults-random: 0 passed, 1 failed (setup)"; exit 1; }
	new_ports
	echo "faults-random: ports taken, trying again on $BASE_PORT"
done
wait_master 30 1 2 3 >/dev/null || { echo "faults-random: 0 passed, 1 failed (no master)"; diagnose; exit 1; }
sample() {
	local re='"epoch": *([0-9]+).*"role": *"([a-z]+)"' out i
	while :; do
		for i in 1 2 3; do
			out=$($CTL --socket "$TMP/h$i.sock" --json status 2>/dev/null)
			[[ $out =~ $re ]] && [ "${BASH_REMATCH[2]}" = master ] && echo "${BASH_REMATCH[1]} $i"
		done
		sleep 0.05
	done >>"$TMP/masters"
}
sample & sampler=$!
mctl mkdir -p /f /o || { echo "faults-random: 0 passed, 1 failed (mkdir)"; exit 1; }

# ---- the faults (run while the workload runs; M is the master at the start)
f_kill_master() { rsleep 200 $((SECS * 400)); kill9 "$M"; rsleep 0 1500; host_start "$M"; }
f_kill_follower() {
	local f; f=$(pick $(others "$M"))
	rsleep 200 $((SECS * 400)); kill9 "$f"; rsleep 0 2000; host_start "$f"
}
f_kill_catchup() {
	local f; f=$(pick $(others "$M"))
	rsleep 200 1000; kill9 "$f"; sleep 1
	host_start "$f"; rsleep 0 300; kill9 "$f"; rsleep 100 800; host_start "$f"
}
f_kill_checkpoint() { rsleep 0 600; kill9 "$M"; rsleep 0 1000; host_start "$M"; }
# An ownership call of the driver's own, recorded in the history like the workload's.
hist_call() { # PROC FIELDS HOST ARGS... (FIELDS: the op's JSON fields, e.g. "op":"acquire",...)
	local proc=$1 fields=$2 h=$3 t0 rc=0 err st r
	shift 3
	t0=$(now_ns)
	err=$(hctl "$h" "$@" 2>&1 >/dev/null) || rc=1
	r=$(now_ns) st=ok
	if [ $rc != 0 ]; then
		st=info r=null
		[[ $err == *"(FAILED_PRECONDITION:"* ]] && st=fail r=$(now_ns)
		[[ $err == *"(ABORTED:"* || $err == *"(INVALID_ARGUMENT:"* ]] && st=none r=$(now_ns)
	fi
	printf '{"proc":%d,%s,"invoke":%s,"response":%s,"status":"%s"}\n' "$proc" "$fields" "$t0" "$r" "$st" >>"$HIST"
}
f_kill_handoff() {
	local d=${DATASETS%% *} own to victim hp
	own=$M to=$(pick $(others "$M"))
	hist_call 98 "\"op\":\"acquire\",\"path\":\"$d\",\"host\":$own,\"mode\":\"rw\"" "$M" acquire "$d" --rw --host "$own"
	rsleep 100 600
	victim=$(pick "$own" "$to")
	hist_call 99 "\"op\":\"handoff\",\"path\":\"$d\",\"to\":$to" "$to" handoff "$d" --to "$to" &
	hp=$!
	rsleep 0 60
	kill9 "$victim"; wait $hp
	rsleep 0 1000; host_start "$victim"
}
f_stop_master() {
	rsleep 200 $((SECS * 300))
	expire "$M"; kill -STOP "${PID[$M]}"; echo "$(now_ns) stop $M" >>"$TMP/events"
	rsleep $((LEASE * 2)) $((LEASE * 3))
	kill -CONT "${PID[$M]}"
}
f_partition() {
	local v; v=$(pick 1 2 3)
	rsleep 200 $((SECS * 300))
	expire "$v"; isolate "$v"; echo "$(now_ns) isolate $v" >>"$TMP/events"
	sleep "$(awk -v l=$LEASE 'BEGIN { printf "%.2f", 3 * l / 1000 }')"
	heal
}
f_voter_restart() {
	local c b
	c=$(pick $(others "$M"))
	b=$(others "$M" | tr ' ' '\n' | grep -vx "$c" | head -1)
	rsleep 200 $((SECS * 200))
	expire "$c"; expire "$M"	# C is cut off; M may lose its lease while B restarts
	echo "$M-$c $c-$M" >"$CONTROL.new"; mv "$CONTROL.new" "$CONTROL"
	echo "$(now_ns) cut $c from $M" >>"$TMP/events"
	# C stands 1.5 leases + its stagger after its last contact with M.
	rsleep $LEASE $((LEASE * 3 / 2))
	kill9 "$b"; host_start "$b"
	sleep "$(awk -v l=$LEASE 'BEGIN { printf "%.2f", 1.5 * l / 1000 }')"
	heal
}
f_log_full() {
	local v; v=$(pick 1 2 3)
	LOGFULL=$v
	kill9 "$v"; host_start "$v" /dev/full || bad "host $v did not start with its log on /dev/full"
	rsleep $((SECS * 500)) $((SECS * 800))
}
f_corrupt() { rsleep 500 1500; }	# the corruption itself comes after the workload

# Fill the log until little room is left, so that the run's own commits wrap
# it. The writer checkpoints when the free room falls below its estimate of
# an image of the live namespace (lib/fs.c ckpt_reserve); the driver learns
# that point (CKPT_FREE: the free room seen just before the head moved) and
# stops ~1 KiB above it. Long paths fill fast (a tree below is ~4.6 KiB of
# records); the last steps use short names (~0.6 KiB) to land precisely.
LONG=$(printf 'x%.0s' $(seq 1 200))
CKPT_FREE=
fill_log() {
	local used size head st k=0 n i t paths rms prev_head= prev_used=0 free goal
	while [ $k -lt 400 ]; do
		st=$(hctl "$M" --json status 2>/dev/null | tr -d ' \n')
		used=$(sed -n 's/.*"log_used":\([0-9]*\).*/\1/p' <<<"$st")
		size=$(sed -n 's/.*"log_size":\([0-9]*\).*/\1/p' <<<"$st")
		head=$(sed -n 's/.*"head_seq":\([0-9]*\).*/\1/p' <<<"$st")
		[ -n "$used" ] && [ -n "$size" ] && [ -n "$head" ] || return 1
		[ -n "$prev_head" ] && [ "$head" != "$prev_head" ] && CKPT_FREE=$((size - prev_used))
		free=$((size - used)) goal=$((${CKPT_FREE:-8000} + 1000))
		[ $free -le $goal ] && return 0
		n=$(((free - goal) / 7600 - 2))
		[ $n -gt 8 ] && n=8
		paths=() rms=()
		for i in $(seq 1 $((n > 0 ? n : 5))); do
			k=$((k + 1)) t=/f/fill$run-$k
			if [ $n -gt 0 ]; then
				paths+=("$t/a$LONG/b$LONG/c$LONG/d$LONG")
				rms+=("$t/a$LONG/b$LONG/c$LONG/d$LONG" "$t/a$LONG/b$LONG/c$LONG" "$t/a$LONG/b$LONG" "$t/a$LONG")
			else
				paths+=("$t")
			fi
			rms+=("$t")
		done
		hctl "$M" mkdir -p "${paths[@]}" >/dev/null 2>&1
		hctl "$M" rm "${rms[@]}" >/dev/null 2>&1
		prev_head=$head prev_used=$used
	done
}

# The corrupt kind: flip one byte of a committed record and check that every
# reader stops exactly there; then restore it.
check_corrupt() {
	local recs n line seq off len at orig f
	"$DUMP" "$DEV" >"$TMP/dump.json" 2>&1 || { bad "famfs_logdump before corrupting: $(tail -1 "$TMP/dump.json")"; return; }
	recs=$(grep -c '"seq"' "$TMP/dump.json")
	[ "$recs" -gt 0 ] || { bad "no record to corrupt"; return; }
	n=$((RANDOM % recs + 1))
	line=$(grep '"seq"' "$TMP/dump.json" | sed -n "${n}p")
	seq=$(sed -n 's/.*"seq":\([0-9]*\).*/\1/p' <<<"$line")
	off=$(sed -n 's/.*"off":\([0-9]*\).*/\1/p' <<<"$line")
	len=$(sed -n 's/.*"len":\([0-9]*\).*/\1/p' <<<"$line")
	at=$((off + RANDOM % len))
	orig=$(python3 -c "import sys; f=open(sys.argv[1],'r+b'); f.seek(int(sys.argv[2])); b=f.read(1)[0]; f.seek(int(sys.argv[2])); f.write(bytes([b ^ (1 << int(sys.argv[3]))])); print(b)" "$DEV" "$at" $((RANDOM % 8)))
	echo "$(now_ns) corrupt record $seq byte $at (record at $off, $len bytes)" >>"$TMP/events"
	# fsck: exit 4 and a log-record error naming this record.
	$B/fsck.famfs --json "$DEV" >"$TMP/fsck.json" 2>&1; rc=$?
	[ $rc = 4 ] && grep -q "\"check\":\"log-record\"" "$TMP/fsck.json" && grep -q "log record $seq at offset" "$TMP/fsck.json" \
		&& ok || bad "fsck did not flag corrupt record $seq (byte $at): exit $rc $(tr -d '\n' <"$TMP/fsck.json" | grep -o '"problems".*' | head -c 300)"
	"$DUMP" "$DEV" >"$TMP/dump2.json" 2>&1; rc=$?
	[ $rc = 4 ] && tail -1 "$TMP/dump2.json" | grep -q "\"damaged\",\"seq\":$seq," && ok \
		|| bad "famfs_logdump did not stop at record $seq: exit $rc $(tail -1 "$TMP/dump2.json")"
	$CTL local replay "$DEV" >"$TMP/replay.out" 2>&1; rc=$?
	[ $rc = 1 ] && grep -q "records [0-9]*\.\.$((seq - 1)),.*stopped at a corrupt record" "$TMP/replay.out" && ok \
		|| bad "local replay did not stop before record $seq: exit $rc $(head -c 300 "$TMP/replay.out")"
	# A follower restarted on the damaged log replays up to the record before and says why.
	f=$(pick $(others "$M"))
	kill9 "$f"; : >"$TMP/h$f.corrupt.log"
	host_start "$f" "$TMP/h$f.corrupt.log" || bad "host $f did not start on the damaged log"
	sleep 0.5
	rs=$(field "$f" replayed_seq)
	[ -n "$rs" ] && [ "$rs" -lt "$seq" ] && ok || bad "host $f replayed to ${rs:-?} past corrupt record $seq"
	grep -q "replay at start: .*log record $seq at offset [0-9]* is corrupt" "$TMP/h$f.corrupt.log" && ok \
		|| bad "host $f did not log the corrupt record $seq: $(tail -3 "$TMP/h$f.corrupt.log" | tr '\n' ' ')"
	cat "$TMP/h$f.corrupt.log" >>"$TMP/h$f.log"
	# Restore the byte: clean again, the follower catches up after a restart.
	python3 -c "import sys; f=open(sys.argv[1],'r+b'); f.seek(int(sys.argv[2])); f.write(bytes([int(sys.argv[3])]))" "$DEV" "$at" "$orig"
	kill9 "$f"; host_start "$f"
}

t0=$SECONDS
for run in $(seq 1 "$RUNS"); do
	kind=$(pick "${KINDS[@]}")
	[ -n "${FAMFS_FAULT_EACH:-}" ] && kind=${KINDS[(run - 1) % ${#KINDS[@]}]}
	rseed=$RANDOM
	LOGFULL=
	M=$(wait_master 30 1 2 3) || { bad "no master before the run"; diagnose; break; }
	HIST=$TMP/r$run.hist
	DATASETS="/o/r$run/d0 /o/r$run/d1"
	mctl mkdir -p /f/r$run /o/r$run/d0 /o/r$run/d1 || { bad "setup mkdir failed"; continue; }
	[ "$kind" = kill_checkpoint ] && { fill_log || bad "could not fill the log"; }
	head0=$(field "$M" head_seq)
	python3 tests/faults/workload.py --ctl "$CTL" --tmp "$TMP" --hosts 1,2,3 --prefix /f/r$run \
		--datasets "${DATASETS// /,}" --seconds 600 --seed "$rseed" --history "$HIST" --max-owner-ops "${FAMFS_FAULT_OWNER_OPS:-200}" \
		--acked "$TMP/r$run.acked" --deleted "$TMP/r$run.deleted" --errors "$TMP/r$run.errors" \
		--stop-file "$TMP/r$run.stop" --ready-file "$TMP/r$run.ready" --call-timeout 20 >"$TMP/r$run.wl" 2>&1 &
	wl=$!
	for _ in $(seq 1 200); do [ -e "$TMP/r$run.ready" ] && break; sleep 0.1; done
	ts=$SECONDS
	# A host lease can also lapse without a fault (a starved machine): the
	# master then releases that host's grants, as designed.
	tstart=$(now_ns)
	for i in 1 2 3; do lapses[$i]=$(grep -c "host lease expired" "$TMP/h$i.log" 2>/dev/null); done
	"f_$kind"
	while [ $((SECONDS - ts)) -lt "$SECS" ]; do sleep 0.2; done
	touch "$TMP/r$run.stop"; wait $wl; wl=
	for i in 1 2 3; do
		[ "$(grep -c "host lease expired" "$TMP/h$i.log" 2>/dev/null)" -gt "${lapses[$i]:-0}" ] || continue
		echo "  (run $run: host $i's lease lapsed by itself: its grants may be released at any moment of the run)"
		expire "$i" "$tstart"
	done
	for i in 1 2 3; do
		alive $i && continue
		bad "host $i (pid ${PID[$i]}) died: $(grep -v 'TLS handshake' "$TMP/h$i.log" | tail -2 | tr '\n' ' ')"
		host_start $i
	done
	if [ -n "$LOGFULL" ]; then
		[ -n "$(field $LOGFULL role)" ] && ok || bad "host $LOGFULL stopped serving with its log on /dev/full"
		kill9 "$LOGFULL"; host_start "$LOGFULL"
	fi
	M=$(wait_master 30 1 2 3) || { bad "no agreed master after the fault"; diagnose; break; }
	[ "$kind" = corrupt ] && check_corrupt
	M=$(wait_master 30 1 2 3) || { bad "no agreed master after the checks"; diagnose; break; }
	# Every acknowledged mkdir (not deleted since) is on every host.
	sort -u "$TMP/r$run.acked" 2>/dev/null | comm -23 - <(sort -u "$TMP/r$run.deleted" 2>/dev/null) | sed 's|.*/||' >"$TMP/want"
	for i in 1 2 3; do
		missing=x
		for _ in $(seq 1 15); do
			hctl $i ls /f/r$run 2>"$TMP/lserr" | tr -d / | sort >"$TMP/have$i"
			missing=$(comm -23 "$TMP/want" "$TMP/have$i" | head -3)
			[ -z "$missing" ] && break
			sleep 0.2
		done
		[ -z "$missing" ] && ok || bad "host $i lost acknowledged commits: $(echo $missing) ($(head -c 200 "$TMP/lserr"))"
	done
	# fsck clean; ownership history linearizable, log without two owners.
	$B/fsck.famfs --json "$DEV" >"$TMP/fsck" 2>&1 && ok || bad "fsck: $(tr -d '\n' <"$TMP/fsck" | grep -o '"problems".*' | head -c 400)"
	"$DUMP" "$DEV" >"$TMP/r$run.log.json" 2>&1 || bad "famfs_logdump: $(tail -1 "$TMP/r$run.log.json")"
	touch "$HIST"
	python3 tests/faults/history_check.py --tag "seed $SEED run $run $kind" --history "$HIST" \
		--log "$TMP/r$run.log.json" >"$TMP/r$run.check" 2>&1 && ok \
		|| bad "history check: $(grep -v '^seed.*: \(history\|log\) ' "$TMP/r$run.check" | head -20)"
	head1=$(sed -n '1s/^{"seq":\([0-9]*\).*/\1/p' "$TMP/r$run.log.json")
	[ "${head1:-0}" -gt "${head0:-0}" ] && ckpt_runs=$((ckpt_runs + 1))
	printf '  run %d %-15s seed %-6s master %s: %s; %s; %s\n' "$run" "$kind" "$rseed" "$M" \
		"$(sed -n 's/^workload: \([0-9]* calls\).*/\1/p' "$TMP/r$run.wl")" \
		"$([ "${head1:-0}" -gt "${head0:-0}" ] && echo "checkpoint (head $head0 -> $head1)" || echo "no checkpoint")" \
		"$(sed -n 's/.*: history [^:]*: \([0-9]* ops\).*/\1 ownership/p' "$TMP/r$run.check")"
	cat "$TMP/r$run.wl" >>"$TMP/workload.all"
	# Keep the namespace small: remove this run's directories.
	mctl rm $(sed "s|^|/f/r$run/|" "$TMP/have1" | head -2000) /f/r$run >/dev/null 2>&1 || true
done
kill $sampler 2>/dev/null; wait $sampler 2>/dev/null; sampler=
dups=$(sort -u "$TMP/masters" | awk '{print $1}' | uniq -d)
[ -z "$dups" ] && ok || bad "two masters in epoch(s) $dups: $(sort -u "$TMP/masters" | grep -E "^($(echo $dups | tr ' ' '|')) " | tr '\n' ' ')"
kind=-
echo "faults-random: $(cat "$TMP"/r*.acked 2>/dev/null | wc -l) acknowledged mkdirs, $(cat "$TMP"/r*.hist 2>/dev/null | grep -vc expire) ownership calls checked, $(sort -u "$TMP/masters" | wc -l) master terms, $ckpt_runs runs with a checkpoint, $((SECONDS - t0)) s"
echo "faults-random: seed $SEED"
echo "faults-random: $pass passed, $fail failed"
[ "$fail" = 0 ]
