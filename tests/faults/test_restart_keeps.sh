#!/usr/bin/env bash
# A famfsd restarted after it gave a grant up must not raise it again (issue
# 12; the model's BUG_RESTART_KEEPS, rule 8 of docs/model.md). User-space
# mode, three famfsd on loopback (every peer link through the proxy):
#   1. host O owns /rk read-write and an application maps it
#      (famfs_maphold, through libfamfs-client);
#   2. the master M starts a forced handoff of /rk to T (it waits 3 s for
#      the mapping) and is stopped (SIGSTOP) before O's answer can reach it:
#      O revokes and acknowledges, nothing can be committed, the log still
#      shows O's grant;
#   3. O's famfsd is killed -9 and started again. From then on O's own
#      access to /rk (famfs.Owners, sampled) must never be read-write;
#   4. M continues; O's grant leaves the log (handed to T, or released as
#      lost) and O still cannot write; fsck clean, never two read-write
#      owners in the log.
# tests/vm/cluster_restart.sh (make check-vm) is the kernel-mode form, where
# the module's lease still runs across the restart.
# FAMFS_TEST_LEASE_MS (default 2000); FAMFS_TEST_KEEP=1 keeps the logs.
set -u
NAME=restart-keeps
B=${B:-build}
LEASE=${FAMFS_TEST_LEASE_MS:-2000}
HOLD=$B/tests/famfs_maphold
. tests/faults/elect_lib.sh
holder= sampler= ho=
restart_cleanup() {
	for p in $holder $sampler $ho; do kill "$p" 2>/dev/null; done
	elect_cleanup
}
trap restart_cleanup EXIT
access() { hctl "$1" --json owners "$2" 2>/dev/null | tr -d ' \n' | sed -n 's/.*"access":"\([a-z]*\)".*/\1/p'; }

elect_setup "$LEASE" || { bad "setup (proxy or configuration)"; finish; }
for i in 1 2 3; do host_start $i || bad "host $i did not start"; done
M=$(wait_master 60 1 2 3) || { bad "no master elected"; finish; }
ok "host $M is master"
read -r O T <<<"$(others $M)"
head -c $((2 << 20)) /dev/urandom >"$TMP/blob"

# ---- 1. O owns /rk and maps it ----
check "host $O owns /rk read-write" \
	'hctl $O mkdir /rk && hctl $O cp "$TMP/blob" famfs:/rk/f && hctl $O acquire /rk --rw >/dev/null &&
	 [ "$(access $O /rk/f)" = rw ]'
$HOLD "$TMP/h$O.sock" /rk/f rw 60 >"$TMP/hold.out" 2>&1 &
holder=$!
check "an application on host $O maps /rk/f read-write" 'wait_ms 10000 "grep -q mapped $TMP/hold.out"'
[ "$fail" = 0 ] || finish

# ---- 2. the handoff's revocation is acknowledged, the master stopped ----
hctl $M handoff /rk --to $T --wait 3 --force >"$TMP/handoff.out" 2>&1 &
ho=$!
wait_ms 10000 "grep -q '/rk: handoff host $O -> host $T' $TMP/h$M.log" ||
	bad "the master did not start the handoff ($(cat "$TMP/handoff.out"))"
sleep 0.3
host_kill $M STOP
event "host $M stopped"
check "host $O revoked /rk and acknowledged it (the master is stopped: nothing committed)" \
	'wait_ms 15000 "grep -q \"/rk: access revoked on this host\" $TMP/h$O.log" && [ "$(access $O /rk/f)" = none ]'
check "the log still shows host $O's grant" \
	'hctl $O owners /rk | grep -Eq "^ *host $O +read-write"'

# ---- 3. O restarts: its own access must never be read-write again ----
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null; holder=
host_kill $O
host_start $O || bad "host $O did not restart"
event "host $O restarted"
: >"$TMP/access"
( while :; do echo "$(access $O /rk/f)" >>"$TMP/access"; sleep 0.05; done ) &
sampler=$!
sleep 2
kill -CONT "${PID[$M]}"
event "host $M continued"
wait "$ho"; ho=
# ---- 4. O's grant leaves the log ----
gone() { hctl $O owners /rk >"$TMP/owners" 2>&1 && ! grep -Eq "^ *host $O +read-write" "$TMP/owners"; }
check "host $O's grant leaves the log (handed to host $T or released as lost)" 'wait_ms 30000 gone'
sleep 1
kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null; sampler=
n=$(grep -c . "$TMP/access") rw=$(grep -c '^rw$' "$TMP/access")
check "host $O never raised /rk again after its restart ($n samples of its own access: $(sort "$TMP/access" | uniq -c | tr -s ' ' | tr '\n' ';'))" \
	'[ "$n" -ge 10 ] && [ "$rw" = 0 ]'
grep -q "grants recorded before this famfsd started: .*(1 data set" "$TMP/h$O.log" &&
	ok "host $O's log says its grant of an earlier life is lost" ||
	bad "host $O did not log the lost grant"
hosts_stop
log_checks
finish
