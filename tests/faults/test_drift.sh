#!/usr/bin/env bash
# Issue 12, defect 2: lease margins against clocks that drift. Three famfsd;
# once a master A is elected, the two voters are restarted with clocks that
# run 10 % fast (FAMFS_TEST_CLOCK_RATE_PPM=100000, a test hook of famfsd's
# clock), A's runs at the real rate. Then A is cut off from both voters:
# A's lease can no longer be renewed. A voter's promise, counted on its fast
# clock, ends sooner in real time than the same duration on A's clock, so
# without margins A would still call itself master after the voters'
# promises have run out (a successor could then be elected while A writes).
# With epsilon = 12 % (clock_drift_ppm = 120000, >= the 10 % drift) the
# master stops first. The test samples A's role and voter B's view of its
# promise to A (status every few ms) and fails when A was certainly master
# (request sent) after B's promise had certainly ended (reply received).
# FAMFS_TEST_EPSILON_PPM / FAMFS_TEST_SLACK_MS override the margins (0 and 5
# show the failure); FAMFS_TEST_LEASE_MS (default 4000).
set -u
NAME=drift
B=${B:-build}
LEASE=${FAMFS_TEST_LEASE_MS:-4000}
EPS=${FAMFS_TEST_EPSILON_PPM:-120000}
SLACK=${FAMFS_TEST_SLACK_MS:-0}
RATE=100000
. tests/faults/elect_lib.sh
# Voter V's view of its promise to host H: held, expired ("" no answer).
promise_state() { # V H
	hctl $1 --json status 2>/dev/null | tr -d ' \n' | grep -o "{\"host\":$2,[^}]*" |
		sed -n 's/.*"lease":"\([a-z]*\)".*/\1/p'
}

elect_setup "$LEASE" || { bad "setup (proxy or configuration)"; finish; }
for i in 1 2 3; do
	sed -i "/^lease_ms = /a clock_drift_ppm = $EPS\nlease_slack_ms = $SLACK" "$TMP/h$i.conf"
done
for i in 1 2 3; do host_start $i || bad "host $i did not start"; done
A=$(wait_master 60 1 2 3) || { bad "no master elected"; finish; }
ok "host $A is master (epsilon $EPS ppm, slack $SLACK ms: $(grep -o 'master stops after [0-9]* ms, promises last [0-9]* ms' "$TMP/h$A.log" | head -1))"
read -r Bh Ch <<<"$(others $A)"
E=$(field $A epoch)
# The voters' clocks now run 10 % fast. They keep their promise to A across
# the restart, so A stays master.
for v in $Bh $Ch; do
	HOST_ENV[$v]="FAMFS_TEST_CLOCK_RATE_PPM=$RATE"
	host_kill $v
	host_start $v || bad "host $v did not restart"
	check "host $A is still master of epoch $E after host $v restarted with a fast clock" \
		'wait_ms $((LEASE * 3)) "[ \"\$(field $A role)\" = master ] && [ \"\$(master_seen_by $v)\" = $A ]" && [ "$(field $A epoch)" = "$E" ]'
done
check "host $Bh holds a promise to host $A" 'wait_ms $LEASE "[ \"\$(promise_state $Bh $A)\" = held ]"'
[ "$fail" = 0 ] || finish

# ---- cut A off; sample A's role and B's promise to A ----
block "$A-$Bh $Bh-$A $A-$Ch $Ch-$A"
a_last=0 b_first=0 n=0
end=$(($(ms) + LEASE * 4))
while [ "$(ms)" -lt $end ]; do
	t0=$(ms)
	ra=$(field $A role)
	t1=$(ms)
	[ "$ra" = master ] && a_last=$t0	# A was master at some moment after t0
	if [ "$b_first" = 0 ]; then
		st=$(promise_state $Bh $A)
		t2=$(ms)
		[ "$st" = expired ] && b_first=$t2	# B's promise had ended by t2
	fi
	n=$((n + 1))
	[ "$ra" != master ] && [ "$b_first" != 0 ] && break
	sleep 0.01
done
event "A last seen master (request sent) at $((a_last - T0MS)); B's promise seen ended (reply) at $((b_first - T0MS)); $n samples"
check "host $A stepped down and host $Bh's promise ran out within $((LEASE * 4)) ms" \
	'[ "$ra" != master ] && [ "$b_first" != 0 ]'
if [ "$b_first" != 0 ] && [ "$a_last" -gt "$b_first" ]; then
	bad "host $A was still master $((a_last - b_first)) ms after host $Bh's promise to it had run out (clock 10 % fast, epsilon $EPS ppm)"
else
	ok "host $A stopped being master before host $Bh's promise ran out (last seen master at $((a_last - T0MS)) ms, promise over by $((b_first - T0MS)) ms)"
fi
grep -q "no longer master of epoch $E: lease not renewed" "$TMP/h$A.log" &&
	ok "host $A logged its step-down" || bad "host $A did not log its step-down"
block ""
m=$(wait_master 60 1 2 3) && ok "healed: one master (host $m)" || bad "healed: no agreed master"
for i in 1 2 3; do check "commit through host $i" 'commit $i /d$i 20000'; done
hosts_stop
log_checks
finish
