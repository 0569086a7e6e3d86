#!/usr/bin/env bash
# Issue 12, defect 1: a voter that restarts must not forget the promise it
# gave. Three famfsd, every peer link through the dropping proxy:
#   1. A is master with B's vote; C is cut off from A (not from B). C keeps
#      standing and B keeps refusing it: A stays the only master.
#   2. Just before C's next candidacy (predicted from C's own log: it
#      stands again 1.5 + stagger leases after each refusal), A is cut off
#      from B too, so A's lease can no longer be renewed but still runs, and
#      B is killed (-9) and restarted at once. C then asks the restarted B.
#      Neither B nor C may become master before A's lease has run out: the
#      end of A's lease is taken from A's own status (lease_left_ms, read
#      after the cut; an underestimate), a master claim from B's or C's
#      status (the moment the answer arrived; an overestimate), so a
#      violation is only reported when it is certain, however slow the box.
#   3. After A's lease, B and C elect a master of a newer epoch; heal: one
#      master, commits through every host, the commit acknowledged by A before
#      the faults is everywhere, fsck clean, history_check --log clean.
# FAMFS_TEST_LEASE_MS (default 5000); FAMFS_TEST_KEEP=1 keeps the logs.
set -u
NAME=voter-restart
B=${B:-build}
LEASE=${FAMFS_TEST_LEASE_MS:-5000}
. tests/faults/elect_lib.sh

elect_setup "$LEASE" || { bad "setup (proxy or configuration)"; finish; }
for i in 1 2 3; do host_start $i || bad "host $i did not start"; done
A=$(wait_master 60 1 2 3) || { bad "no master elected"; finish; }
ok "host $A is master"
read -r Bh Ch <<<"$(others $A)"
E=$(field $A epoch)
check "commit /before through host $A" 'commit $A /before'

# ---- 1. C cut off from A: B keeps A's lease, C is refused ----
block "$A-$Ch $Ch-$A"
cstands() { grep -c "standing for master" "$TMP/h$Ch.log"; }
n0=$(cstands)
wait_ms $((LEASE * 8)) '[ "$(cstands)" -ge $((n0 + 2)) ]' ||
	bad "host $Ch did not stand twice while cut off from host $A ($(cstands) candidacies)"
check "host $A is still the only master (epoch $E) while host $Ch stands and is refused" \
	'[ "$(masters_now 1 2 3)" = "$A" ] && [ "$(field $A epoch)" = "$E" ]'
[ "$fail" = 0 ] || finish

# ---- 2. restart B just before C's next candidacy; A's lease still runs ----
# C stands again 1.5 leases + its stagger (host_id mod 8 eighths) after a refusal.
last=$(awk '/standing for master/ { t = $1 } END { print t }' "$TMP/h$Ch.log")
period=$((LEASE * 3 / 2 + Ch % 8 * LEASE / 8))
wait_ms $((period * 2)) '[ "$(awk "/standing for master/ { t = \$1 } END { print t }" "$TMP/h$Ch.log")" != "$last" ]'
last=$(awk '/standing for master/ { t = $1 } END { print t }' "$TMP/h$Ch.log")
next=$((last + period))
# Leave the restarted B ~1.5 s to come up and C ~0.6 s to redial it.
while [ "$(rel)" -lt $((next - 1500)) ]; do sleep 0.02; done
block "$A-$Ch $Ch-$A $A-$Bh $Bh-$A"
t0=$(ms)
left=$(self_lease_left $A)
role=$(field $A role)
if [ "$role" != master ] || [ -z "$left" ] || [ "$left" = 0 ]; then
	bad "host $A lost its lease before the test could restart host $Bh (role $role, lease_left_ms '$left')"
	finish
fi
a_end=$((t0 + left))	# A's lease runs at least until here (test clock)
event "host $A's lease runs for at least $left ms more"
host_kill $Bh
host_start $Bh || bad "host $Bh did not restart"
event "host $Bh restarted"
violation= first= firste=
while [ "$(ms)" -lt $((a_end + LEASE * 8)) ]; do
	for h in $Bh $Ch; do
		out=$(hctl $h --json status 2>/dev/null | tr -d ' \n')
		t1=$(ms)
		[[ $out == *'"role":"master"'* ]] || continue
		e=$(sed -n 's/,"hosts":.*//; s/.*"epoch":\([0-9]*\).*/\1/p' <<<"$out")
		first=$h firste=$e
		[ "$t1" -lt "$a_end" ] && violation="host $h reported master of epoch $e at $((t1 - T0MS)) ms, while host $A's lease ran until at least $((a_end - T0MS)) ms"
		break 2
	done
	sleep 0.05
done
event "first new master: ${first:-none} (epoch ${firste:-?})"
if [ -n "$violation" ]; then
	bad "no second master while host $A's lease runs: $violation"
else
	ok "no second master while host $A's lease runs (it ran until >= $((a_end - T0MS)) ms)"
fi
check "after host $A's lease, hosts $Bh and $Ch elect a master of a newer epoch (host ${first:-none}, epoch ${firste:-?} > $E)" \
	'[ -n "$first" ] && [ "$firste" -gt "$E" ]'
grep -q "recorded lease promise: epoch $E to host $A" "$TMP/h$Bh.log" &&
	ok "host $Bh read back its promise to host $A after the restart" ||
	bad "host $Bh did not log its recorded promise to host $A"

# ---- 3. heal ----
block ""
m=$(wait_master 60 1 2 3) && ok "healed: one master (host $m), all agree" || bad "healed: no agreed master"
for i in 1 2 3; do check "healed: commit through host $i" 'commit $i /after$i 20000'; done
for i in 1 2 3; do
	check "host $i has /before and the three new directories" \
		'wait_ms 10000 "[ \"\$(hctl $i ls / | grep -c \"^before/\$\\|^after[123]/\$\")\" = 4 ]"'
done
hosts_stop
log_checks
finish
