#!/usr/bin/env bash
# Network partitions: three famfsd on loopback whose peer links all run
# through a dropping proxy (tests/faults/partition_proxy.py, one port per
# ordered host pair), so a partition cuts exactly the links between the
# minority and the majority. Scenarios:
#   1. healthy: one master, commits through every host;
#   2. the master isolated: the majority elects a newer epoch within ~3 s and
#      commits; the old master steps down and the minority neither commits
#      nor grants (mkdir, acquire: UNAVAILABLE);
#   3. heal: the old master follows the new one, catches up, forwards commits;
#   4. a follower isolated: the master keeps its lease (2 of 3), commits go
#      on; the follower's mutating calls get UNAVAILABLE; heal, it catches up;
#      it held a read-write grant: its own famfsd refuses access when its host
#      lease runs out, and only after that does the master release the grant
#      (sampled every 50 ms); after the heal the grant stays lost there and
#      another host takes it over with the bytes intact;
#   5. no epoch ever had two masters (status sampled every 50 ms); fsck clean.
# Prints PASS / FAIL lines and "partition: N passed, N failed"; exit 1 on failure.
# XFAIL lines are known famfsd bugs (failures by default; FAMFS_PARTITION_STRICT=0 reports them as XFAIL).
# FAMFS_TEST_KEEP=1 keeps $TMP (daemon logs with the test's clock, events,
# status samples, CPU waits).
set -u
B=${B:-build}
# 1 s leases: a daemon must be starved of CPU for most of a second before its
# lease lapses, so a loaded machine does not decide the outcome.
LEASE=${FAMFS_TEST_LEASE_MS:-1000}
TMP=$(mktemp -d /tmp/famfs-partition.XXXXXX)
DEV=/dev/shm/famfs-partition.$$
. tests/ports.sh && draw_ports	# BASE_PORT: see tests/ports.sh
PROXY_BASE=$((BASE_PORT + 100))	# pair I-J listens on PROXY_BASE + 10 I + J
CONTROL=$TMP/blocked
. tests/integration/cluster_lib.sh
STALE='a follower that missed pushes is not brought up to date until the next commit: famfsd/cluster.c h_lease() ignores the renewal'\''s committed_seq (no famfsd_replay), and the master pushes (push_one) only on a new commit: push_one() returns early while the peer'\''s connection is down and nothing re-pushes when it comes back or when a lease reply shows replayed_seq behind'
sampler= proxy= cpumon=
cleanup() {
	[ -n "$sampler" ] && kill "$sampler" 2>/dev/null
	[ -n "$cpumon" ] && kill "$cpumon" 2>/dev/null
	[ -n "$proxy" ] && kill "$proxy" 2>/dev/null
	cluster_stop_all
	if [ -n "${FAMFS_TEST_KEEP:-}" ]; then echo "partition: logs kept in $TMP"; rm -f "$DEV"; else rm -rf "$TMP" "$DEV"; fi
}
trap cleanup EXIT

# ---- clock, reporting ----
ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }
T0=$SECONDS T0MS=$(ms)
rel() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000 - T0MS)); }
stamp() { local t; t=$(rel); printf '[%d.%d s]' $((t / 1000)) $((t % 1000 / 100)); }
pass=0 fail=0 xfail=0
ok()  { pass=$((pass + 1)); echo "PASS: $1 $(stamp)"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1 $(stamp)"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
# A check that fails because of a known famfsd bug: XFAIL (not counted as a
# failure) unless FAMFS_PARTITION_STRICT=1; PASS once the bug is fixed.
known_bug() { # DESC CMD BUG
	if eval "$2"; then ok "$1"
	elif [ "${FAMFS_PARTITION_STRICT:-1}" = 1 ]; then bad "$1 (known bug: $3)"
	else xfail=$((xfail + 1)); echo "XFAIL: $1 $(stamp)"; echo "       known famfsd bug: $3"; fi
}
finish() {
	echo "partition: $((SECONDS - T0)) s, lease $LEASE ms, $xfail XFAIL (known famfsd bugs)"
	echo "partition: $pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
}

# ---- helpers ----
pport() { echo $((PROXY_BASE + 10 * $1 + $2)); }
others() { echo 1 2 3 | tr ' ' '\n' | grep -v "^$1$" | tr '\n' ' '; }
leases() { awk -v n="$1" -v l="$LEASE" 'BEGIN { printf "%.3f", n * l / 1000 }'; }	# N leases in s
# Poll CMD every 0.1 s for at most TIMEOUT_MS (wait_until: seconds).
wait_ms() { # TIMEOUT_MS CMD
	local end=$(($(ms) + $1))
	while [ "$(ms)" -lt $end ]; do
		eval "$2" && return 0
		sleep 0.1
	done
	eval "$2"
}
wait_until() { wait_ms $(($1 * 1000)) "$2"; }
field() { # I FIELD: one top-level field of host I's --json status ("" when it does not answer)
	host_status "$@"
}
# The daemons and the proxy run niced -10 (FAMFS_TEST_NICE) when root: ahead of
# this script's own famfsctl/sampler processes on a busy box.
NICE=(nice -n "${FAMFS_TEST_NICE:--10}")
[ "$(id -u)" = 0 ] || NICE=()
# As cluster_lib.sh's, but each log line gets the test's clock (ms) in front.
host_start() { # I
	"${NICE[@]}" ${FAMFS_TEST_WRAP:-} "$FAMFSD" --config "$TMP/h$1.conf" 2> >(
		while IFS= read -r l; do t=${EPOCHREALTIME/[.,]/}; echo "$((t / 1000 - T0MS)) $l"; done >>"$TMP/h$1.log") &
	PID[$1]=$!
	wait_until 5 "[ -S '$TMP/h$1.sock' ]"
}
event() { echo "$(rel) TEST: $*" >>"$TMP/events"; }
# Block every link (both directions) between host A and each of the others listed.
isolate() { # A OTHERS...
	local a=$1 j; shift
	: >"$CONTROL.new"
	for j in "$@"; do echo "$a-$j $j-$a" >>"$CONTROL.new"; done
	mv "$CONTROL.new" "$CONTROL"
	event "isolate $a from $*"
	sleep 0.15	# the proxy re-reads it every 50 ms
}
heal() { : >"$CONTROL.new"; mv "$CONTROL.new" "$CONTROL"; event heal; sleep 0.15; }
# mkdir through host I; a re-election (UNAVAILABLE) is retried for up to 4 s.
commit() { # I PATH
	local end=$(($(ms) + 4000)) out n=0
	while :; do
		out=$(hctl "$1" mkdir "$2" 2>&1) && return 0
		[ $n -gt 0 ] && [[ $out == *ALREADY_EXISTS* ]] && return 0	# the retried call had committed
		if [[ $out != *UNAVAILABLE* ]] || [ "$(ms)" -ge $end ]; then echo "    ($out)"; return 1; fi
		n=$((n + 1))
		sleep 0.2
	done
}
# A mutating call on host I must be refused with UNAVAILABLE (and not commit).
refused() { # I ARGS...
	local i=$1 out; shift
	out=$(hctl "$i" "$@" 2>&1) && { echo "    (succeeded: $out)"; return 1; }
	[[ $out == *UNAVAILABLE* ]] || { echo "    (wrong error: $out)"; return 1; }
}
# Commit /TAGk through host VIA every 0.3 s until host H lists /TAGk and COUNT
# entries matching PATTERN (at most 8 s: the master may still be backing off
# before it redials H, and a push it skipped meanwhile is not resent).
catch_up_after_commits() { # VIA H TAG PATTERN COUNT
	local k=0 end=$(($(ms) + 8000)) l
	while [ "$(ms)" -lt $end ]; do
		k=$((k + 1))
		commit $1 /$3$k || return 1
		sleep 0.3
		l=$(hctl $2 ls /)
		if grep -q "^$3$k/\$" <<<"$l" && [ "$(grep -c "$4" <<<"$l")" = "$5" ]; then
			echo "  (host $2 up to date after $k commit(s) through host $1)"; return 0
		fi
	done
	return 1
}
# CPU starvation: every ~100 ms, how long each daemon waited for a CPU
# (/proc/PID/schedstat); lines "TEST_MS HOST WAITED_MS OVER_MS" when >= 50 ms.
# No forks in the loop (a FIFO read times out in place of sleep).
cpu_monitor() {
	local -A last
	local i run w t d dt lt=0 sfd
	mkfifo "$TMP/tick" && exec {sfd}<>"$TMP/tick"
	while :; do
		t=${EPOCHREALTIME/[.,]/}; t=$((t / 1000 - T0MS)); dt=$((t - lt)); lt=$t
		for i in 1 2 3; do
			read -r run w _ <"/proc/${PID[$i]}/schedstat" 2>/dev/null || continue
			d=$(((w - ${last[$i]:-$w}) / 1000000))
			last[$i]=$w
			[ $d -ge 50 ] && echo "$t $i $d $dt"
		done
		read -r -t 0.1 -u $sfd
	done >>"$TMP/cpuwait"
}
# Evidence that a daemon starved: waited >= lease/4 for a CPU within an
# interval of the monitor, in the 2.5 s before test time T (prints it).
starved_before() { # T
	awk -v t="$1" -v min=$((LEASE / 4)) '$1 >= t - 2500 && $1 <= t + 300 && $3 >= min {
		s = s sprintf(" host %s waited %d ms in %d ms at %d;", $2, $3, $4, $1) } END { printf "%s", s; exit s == "" }' \
		"$TMP/cpuwait"
}
# Host M still sole master of epoch E; otherwise FAIL. When its log shows its
# lease lapsed ("not renewed by a majority") after SINCE while the daemons were
# starved of CPU, the failure says so: the property could not be judged, and
# that is a failed run, never a skip (raise FAMFS_TEST_LEASE_MS on such a box).
term_kept() { # DESC M E SINCE
	local line t ev
	if [ "$(masters_now 1 2 3)" = "$2" ] && [ "$(field $2 epoch)" = "$3" ]; then ok "$1"; return; fi
	line=$(awk -v s="$4" '$1 >= s && /no longer master of epoch/' "$TMP/h$2.log" | head -1)
	t=${line%% *}
	if [[ $line == *"lease not renewed by a majority in time"* ]] && ev=$(starved_before "$t"); then
		bad "$1: host $2's lease lapsed at $t ms for want of CPU (not judged):$ev"
	else
		bad "$1 (masters now: $(masters_now 1 2 3); host $2: ${line:-no step-down logged})"
	fi
}
diagnose() {
	for i in 1 2 3; do
		echo "  host $i: $(hctl $i --json status 2>&1 | tr -d ' \n' | head -c 300)"
		grep -v "TLS handshake" "$TMP/h$i.log" | tail -n 8 | sed 's/^/    /'
	done
	tail -n 6 "$TMP/proxy.log" | sed 's/^/    /'
	sed 's/^/    /' "$TMP/events"
}

# ---- setup: the proxy (one port per ordered pair), the cluster, every [peer] address through the proxy ----
pairs=()
for i in 1 2 3; do
	for j in $(others $i); do pairs+=("$i-$j:$(pport $i $j):$((BASE_PORT + j))"); done
done
: >"$CONTROL"
"${NICE[@]}" python3 tests/faults/partition_proxy.py --control "$CONTROL" --ready "$TMP/proxy.ready" "${pairs[@]}" \
	2>"$TMP/proxy.log" &
proxy=$!
cluster_setup 3 "$LEASE" || { echo "partition: 0 passed, 1 failed (setup)"; exit 1; }
for i in 1 2 3; do
	for j in $(others $i); do
		sed -i "s/^address = 127\.0\.0\.1:$((BASE_PORT + j))\$/address = 127.0.0.1:$(pport $i $j)/" "$TMP/h$i.conf"
	done
done
check "every peer address goes through the proxy" \
	'[ "$(grep -h "^address" "$TMP"/h*.conf | awk -F: -v lo=$PROXY_BASE "\$NF > lo && \$NF < lo + 40" | wc -l)" = 6 ]'
wait_until 20 '[ -e "$TMP/proxy.ready" ]' || { bad "the proxy did not start: $(cat "$TMP/proxy.log")"; finish; }
for i in 1 2 3; do host_start $i || bad "host $i did not start"; done
cpu_monitor & cpumon=$!
# Every 50 ms: which host says it is master, in which epoch (as test_failover.sh),
# one famfsctl per host and sample, parsed by bash itself. $TMP/samples keeps
# every answer (test ms, host, ms it took, role, epoch) for diagnosis.
sample() {
	local re='"epoch": *([0-9]+).*"role": *"([a-z]+)"' out i t0 t1
	while :; do
		for i in 1 2 3; do
			t0=${EPOCHREALTIME/[.,]/}
			out=$($CTL --socket "$TMP/h$i.sock" --json status 2>/dev/null)
			t1=${EPOCHREALTIME/[.,]/}
			[[ $out =~ $re ]] || continue
			echo "$((t0 / 1000 - T0MS)) $i $(((t1 - t0) / 1000)) ${BASH_REMATCH[2]} ${BASH_REMATCH[1]}" >>"$TMP/samples"
			[ "${BASH_REMATCH[2]}" = master ] && echo "${BASH_REMATCH[1]} $i" >>"$TMP/masters"
		done
		sleep 0.05
	done
}
sample & sampler=$!

# ---- 1. healthy ----
m=$(wait_master 15 1 2 3) && ok "healthy: one master, all hosts agree (host $m)" ||
	{ bad "healthy: no agreed master"; diagnose; finish; }
for i in 1 2 3; do check "healthy: commit through host $i" 'commit $i /h$i'; done
for i in 1 2 3; do check "healthy: host $i sees all three" '[ "$(hctl $i ls / | tr -d / | sort | tr "\n" " ")" = "h1 h2 h3 " ]'; done

# ---- 2. isolate the master ----
old=$m
read -r a b <<<"$(others $old)"
e1=$(field $old epoch)
t=$(ms)
isolate $old $a $b
tb=$(awk '/TEST: isolate/ { t = $1 } END { print t }' "$TMP/events")
nm=
while [ $(($(ms) - t)) -lt 8000 ]; do
	nm=$(masters_now $a $b)
	if [ -n "$nm" ] && [ "$nm" = "${nm% *}" ] && [ "$(field $nm epoch)" -gt "$e1" ] 2>/dev/null &&
		[ "$(master_seen_by $a)" = "$nm" ] && [ "$(master_seen_by $b)" = "$nm" ]; then
		break
	fi
	nm=
	sleep 0.05
done
took=$(($(ms) - t))
if [ -n "$nm" ]; then
	e2=$(field $nm epoch)
	ok "isolated master $old: the majority elected host $nm, epoch $e1 -> $e2 (seen by the test after $took ms)"
	# famfsd's own time: from the cut to its "master of epoch" line.
	tm=$(awk -v e="master of epoch $e2 " 'index($0, e) { print $1; exit }' "$TMP/h$nm.log")
	# How fast is a figure, not an assertion (a loaded box is slower); the
	# bound that matters is the 8 s window above.
	check "  ... host $nm logged its epoch ($((${tm:-0} - tb)) ms after the cut by its log)" '[ -n "$tm" ]'
else
	bad "isolated master $old: no new master on the majority side ($a $b) within 8 s"; diagnose; finish
fi
for i in $a $b; do check "majority: commit through host $i" 'commit $i /maj$i'; done
check "majority: both hosts see both" 'for i in $a $b; do [ "$(hctl $i ls / | grep -c maj)" = 2 ] || exit 1; done'
# The old master's lease ran out (the majority only won after it did).
role=$(field $old role)
check "minority: host $old is no longer master (role $role)" '[ -n "$role" ] && [ "$role" != master ]'
check "minority: mkdir on host $old fails with UNAVAILABLE" 'refused $old mkdir /x'
check "minority: acquire --rw on host $old fails with UNAVAILABLE" 'refused $old acquire /h1 --rw'
sleep $(leases 2)	# it keeps standing, alone: still nothing
role=$(field $old role)
check "minority: still not master after $((LEASE * 2)) ms more (role $role)" '[ -n "$role" ] && [ "$role" != master ]'
check "minority: mkdir on host $old still fails with UNAVAILABLE" 'refused $old mkdir /x2'
check "majority: nothing from the minority was committed" '! hctl $a ls / | grep -q "^x"'
term_kept "majority: host $nm is still master of epoch $e2" $nm $e2 $tb
check "majority: an owner grant through host $a works" 'hctl $a acquire /maj$a --rw >/dev/null && hctl $a release /maj$a >/dev/null'
echo "  (host $old, alone: role $(field $old role), master $(master_seen_by $old); it stood up to epoch $(grep -o 'standing for master of epoch [0-9]*' "$TMP/h$old.log" | tail -1 | grep -o '[0-9]*$'))"

# ---- 3. heal: the old master follows and catches up ----
heal
th=$(rel)
# famfsd backs off redialing a silent peer up to 5 s, so rejoining takes up to ~6 s.
t=$(ms)
check "heal: host $old follows host $nm" 'wait_until 8 "[ \"\$(master_seen_by $old)\" = $nm ] && [ \"\$(field $old role)\" = follower ]"'
echo "  (rejoined after $(($(ms) - t)) ms)"
known_bug "heal: host $old catches up by itself (sees /maj$a and /maj$b within $((LEASE * 5 / 2)) ms, no new commit)" \
	'wait_ms $((LEASE * 5 / 2)) "[ \"\$(hctl $old ls / | grep -c maj)\" = 2 ]"' "$STALE"
check "heal: after new commits host $old catches up (sees /maj$a and /maj$b)" 'catch_up_after_commits $nm $old next maj 2'
check "heal: commit through host $old (forwarded) works" 'commit $old /healed$old'
check "heal: every host sees it" 'for i in 1 2 3; do hctl $i ls / | grep -q healed$old || exit 1; done'
term_kept "heal: host $nm kept its term (epoch $e2, sole master)" $nm $e2 $th
check "heal: every host reports the same committed seq" \
	'wait_until 3 "[ \$(for i in 1 2 3; do field \$i committed_seq; done | sort -u | wc -l) = 1 ]"'

# ---- 4. isolate a follower: the master keeps its lease (2 of 3) ----
M=$(masters_now 1 2 3)
[ "$M" = "${M% *}" ] && [ -n "$M" ] || { bad "no single master before scenario 4 ($M)"; diagnose; finish; }
f=$old	# the follower to isolate (unless it became master again); g stays with the master
[ "$f" = "$M" ] && f=$nm
g=$(others $M | tr ' ' '\n' | grep -v "^$f$" | grep .)
e3=$(field $M epoch)
HOST_LEASE=$((LEASE * 3))
head -c $((3 << 20)) /dev/urandom >"$TMP/blob"
check "follower $f owns /grant read-write, with data" \
	'hctl $f mkdir /grant && hctl $f cp "$TMP/blob" famfs:/grant/blob >/dev/null && hctl $f acquire /grant --rw >/dev/null && hctl $f verify /grant/blob "$TMP/blob" >/dev/null'
# Who stops first: the owner's access (its famfsd, host lease) or its grant (the master)?
grant_watch() {
	local end=$(($(ms) + HOST_LEASE * 3)) fenced= released= out
	while [ "$(ms)" -lt $end ] && { [ -z "$fenced" ] || [ -z "$released" ]; }; do
		[ -z "$fenced" ] && hctl $f verify /grant/blob "$TMP/blob" 2>&1 | grep -q "lease has run out" &&
			fenced=$(rel) && echo "$fenced" >"$TMP/fenced"
		if [ -z "$released" ] && out=$(hctl $M --json owners /grant 2>/dev/null) &&
			[[ $out == *'"owners"'* ]] && ! grep -q "\"host\": *$f\b" <<<"$out"; then
			released=$(rel) && echo "$released" >"$TMP/released"
		fi
		sleep 0.05
	done
}
grant_watch & gwatch=$!
isolate $f $M $g
ti=$(rel)
check "isolated follower $f: mkdir on it fails with UNAVAILABLE" 'wait_until 3 "refused $f mkdir /y >/dev/null"'
for k in 1 2 3; do
	check "  commit $k through master $M and follower $g" 'commit $M /p$M-$k && commit $g /p$g-$k'
	sleep $(leases 1)
done
term_kept "the master kept its lease: host $M sole master of epoch $e3 after $((LEASE * 3)) ms" $M $e3 $ti
role=$(field $f role)
check "isolated follower $f: not master (role $role)" '[ -n "$role" ] && [ "$role" != master ]'
check "isolated follower $f: mkdir still fails with UNAVAILABLE" 'refused $f mkdir /y2'
check "isolated follower $f: acquire --rw fails with UNAVAILABLE" 'refused $f acquire /h2 --rw'
check "the master saw host $f's lease expire" 'wait_ms $((HOST_LEASE * 3)) "grep -q \"host $f: lease expired\" \"$TMP/h$M.log\""'
check "nothing from host $f was committed" '! hctl $M ls / | grep -q "^y"'
wait $gwatch
fenced=$(cat "$TMP/fenced" 2>/dev/null) released=$(cat "$TMP/released" 2>/dev/null)
check "isolated owner $f: its famfsd refused access once its host lease ran out (after $((${fenced:-0} - ti)) ms, host lease $HOST_LEASE ms)" \
	'[ -n "$fenced" ]'
check "the master released host $f's grant only after that (after $((${released:-0} - ti)) ms)" \
	'[ -n "$released" ] && [ -n "$fenced" ] && [ "$released" -gt "$fenced" ]'
check "host $f's log: its grants are lost" 'grep -q "grants are lost" "$TMP/h$f.log"'
heal
th=$(rel)
t=$(ms)
M2=$(masters_now $M $g)	# normally M, unless its lease lapsed (SKIP above)
e4=$(field $M2 epoch)
check "heal: host $f follows host $M2" 'wait_until 8 "[ \"\$(master_seen_by $f)\" = $M2 ] && [ \"\$(field $f role)\" = follower ]"'
echo "  (rejoined after $(($(ms) - t)) ms)"
known_bug "heal: host $f catches up by itself (sees the 6 commits made without it within $((LEASE * 5 / 2)) ms)" \
	'wait_ms $((LEASE * 5 / 2)) "[ \"\$(hctl $f ls / | grep -c ^p)\" = 6 ]"' "$STALE"
check "heal: after new commits host $f catches up (sees the 6 made without it)" 'catch_up_after_commits $g $f again "^p" 6'
check "heal: commit through host $f works" 'commit $f /back$f && hctl $M ls / | grep -q back$f'
check "heal: host $f holds no grant on /grant (nothing restored from before the expiry)" \
	'! hctl $M --json owners /grant | grep -q "\"host\": *$f\b"'
check "heal: host $g takes /grant read-write and reads the bytes host $f wrote" \
	'hctl $g acquire /grant --rw >/dev/null && hctl $g verify /grant/blob "$TMP/blob" >/dev/null'
check "heal: host $f may not map /grant now" 'hctl $f verify /grant/blob "$TMP/blob" 2>&1 | grep -q PERMISSION_DENIED'
term_kept "heal: host $M2 kept its term (epoch $e4, sole master)" $M2 $e4 $th

# ---- 5. never two masters in one epoch; fsck ----
kill $sampler 2>/dev/null; wait $sampler 2>/dev/null; sampler=
terms=$(sort -un "$TMP/masters" | tr '\n' ' ')
dups=$(sort -u "$TMP/masters" | awk '{print $1}' | uniq -d)
check "no epoch ever had two masters ($(wc -l <"$TMP/samples") status samples; terms, epoch host: $terms)" \
	'[ -z "$dups" ] && [ -s "$TMP/masters" ]'
check "fsck: clean, epochs never go backwards in the log" '$B/fsck.famfs "$DEV" >"$TMP/fsck" 2>&1 || { cat "$TMP/fsck"; exit 1; }'
grep -q 'log-epoch' "$TMP/fsck" && bad "an old epoch wrote after a newer one: $(cat "$TMP/fsck")"
[ "$fail" = 0 ] || diagnose
finish
