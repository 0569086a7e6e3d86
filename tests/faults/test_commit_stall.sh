#!/usr/bin/env bash
# Issue 12, defect 2: the window between a master's lease check and its store
# into the log must be bounded. Three famfsd; the master's commit is held
# (FAMFSD_TEST_STALL_FILE: the commit waits while that file exists) between
# its fence check and its first store, as a master descheduled there would
# be, for as long as the test needs:
#   1. the other two hosts elect a successor of a newer epoch, which commits
#      /succ (acknowledged);
#   2. the stall ends: the old master must not write (its lease ended): its
#      mkdir /stalled is refused, and nothing it wrote hides /succ;
#   3. every host restarted replays the log from scratch: /succ is there on
#      every host, and so is /stalled if (and only if) it was acknowledged;
#      commits go on through every host; fsck clean; history_check --log.
# No timing assumption: each step waits for the state it needs (bounded by
# generous timeouts that fail the run). FAMFS_TEST_LEASE_MS (default 1000).
set -u
NAME=commit-stall
B=${B:-build}
LEASE=${FAMFS_TEST_LEASE_MS:-1000}
. tests/faults/elect_lib.sh

cluster_setup 3 "$LEASE" || { bad "setup"; finish; }
for i in 1 2 3; do
	HOST_ENV[$i]="FAMFSD_TEST_STALL_FILE=$TMP/stall$i"
	host_start $i || bad "host $i did not start"
done
A=$(wait_master 60 1 2 3) || { bad "no master elected"; finish; }
ok "host $A is master"
read -r Bh Ch <<<"$(others $A)"
E=$(field $A epoch)
check "commit /before through host $A" 'commit $A /before'

# ---- 1. the master's commit stalls after its fence check ----
touch "$TMP/stall$A"
event "stall file for host $A"
( hctl $A mkdir /stalled >"$TMP/stalled.out" 2>&1; echo $? >"$TMP/stalled.rc" ) &
stalled=$!
nm=
end=$(($(ms) + LEASE * 30))
while [ "$(ms)" -lt $end ]; do
	for h in $Bh $Ch; do
		if [ "$(field $h role)" = master ] && [ "$(field $h epoch)" -gt "$E" ] 2>/dev/null; then nm=$h; break 2; fi
	done
	sleep 0.1
done
[ -n "$nm" ] && ok "while host $A is stalled, host $nm is master of epoch $(field $nm epoch)" ||
	{ bad "no successor elected while host $A was stalled"; rm -f "$TMP/stall$A"; finish; }
check "commit /succ through the new master, host $nm (acknowledged)" 'commit $nm /succ 20000'
other=$Bh; [ "$nm" = "$Bh" ] && other=$Ch
check "host $other sees /succ" 'wait_ms 10000 "hctl $other ls / | grep -q \"^succ/\$\""'

# ---- 2. the stall ends ----
rm -f "$TMP/stall$A"
event "stall released"
wait $stalled
rc=$(cat "$TMP/stalled.rc")
if [ "$rc" = 0 ]; then
	bad "the deposed master of epoch $E acknowledged /stalled after its lease had ended"
else
	check "the deposed master's commit is refused with UNAVAILABLE ($(tr -d '\n' <"$TMP/stalled.out" | head -c 200))" \
		'grep -q UNAVAILABLE "$TMP/stalled.out"'
fi

# ---- 3. every host replays from scratch ----
hosts_stop
PID=()
for i in 1 2 3; do host_start $i || bad "host $i did not restart"; done
m=$(wait_master 60 1 2 3) && ok "after the restart: one master (host $m)" || bad "after the restart: no agreed master"
for i in 1 2 3; do
	check "host $i (replayed from scratch) has /before and the acknowledged /succ" \
		'wait_ms 10000 "hctl $i ls / | grep -q \"^succ/\$\"" && hctl $i ls / | grep -q "^before/$"'
	if [ "$rc" = 0 ]; then
		check "host $i has the acknowledged /stalled" 'hctl $i ls / | grep -q "^stalled/$"'
	fi
done
for i in 1 2 3; do check "commit through host $i" 'commit $i /after$i 20000'; done
hosts_stop
log_checks
finish
