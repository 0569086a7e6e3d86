#!/usr/bin/env bash
# Three famfsd on loopback over one fabric file: one master per epoch,
# creates from every host visible on all, failover, fencing of a paused
# master, catch-up after restart. Prints "cluster: N passed, N failed".
set -u
B=${B:-build}
TMP=$(mktemp -d /tmp/famfs-cluster.XXXXXX)
DEV=/dev/shm/famfs-cluster.$$
. tests/ports.sh && draw_ports	# BASE_PORT: see tests/ports.sh
LEASE=${FAMFS_TEST_LEASE_MS:-600}
. tests/integration/cluster_lib.sh
trap 'cluster_stop_all; rm -rf "$TMP" "$DEV"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "PASS: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

cluster_setup 3 "$LEASE" || { echo "cluster: 0 passed, 1 failed"; exit 1; }
for i in 1 2 3; do host_start $i || bad "host $i did not start"; done
m=$(wait_master 15 1 2 3) && ok "one master elected, all hosts agree (host $m)" || bad "no agreed master"
check "exactly one master" '[ "$(masters_now 1 2 3 | wc -w)" = 1 ]'

# Creates from every host, visible on all, same bytes.
head -c 4000000 /dev/urandom >"$TMP/blob"
check "mkdir on host 1" 'hctl 1 mkdir -p /data/in'
check "cp on host 2 (forwarded to the master if need be)" 'hctl 2 cp "$TMP/blob" famfs:/data/in/blob'
check "creat on host 3" 'hctl 3 creat --size 4M /data/out'
for i in 1 2 3; do
	check "host $i lists both files at once" '[ "$(hctl $i ls /data | tr "\n" " ")" = "in/ out " ]'
	check "host $i reads the same bytes" 'hctl $i verify /data/in/blob "$TMP/blob" >/dev/null'
done
check "errors travel back through forwarding" 'hctl 2 mkdir /data 2>&1 | grep -q ALREADY_EXISTS'
check "every host reports the same committed seq" '[ "$(for i in 1 2 3; do hctl $i --json status | python3 -c "import json,sys; print(json.load(sys.stdin)[\"committed_seq\"])"; done | sort -u | wc -l)" = 1 ]'

# kill -9 the master: a successor takes the next epoch; nothing acknowledged is lost.
old=$m
e1=$(hctl $old --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["epoch"])')
host_kill $old
rest=$(echo 1 2 3 | tr ' ' '\n' | grep -v "^$old$" | tr '\n' ' ')
m=$(wait_master 15 $rest) && ok "failover: host $m is master after host $old was killed" || bad "no failover"
e2=$(hctl $m --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["epoch"])')
check "the new master has a newer epoch ($e1 -> $e2)" '[ "$e2" -gt "$e1" ]'
for i in $rest; do check "host $i still has the acknowledged files" 'hctl $i verify /data/in/blob "$TMP/blob" >/dev/null'; done
check "commits go on after failover" 'hctl $(echo $rest | cut -d" " -f1) mkdir /after'
host_start $old && ok "the old master restarts" || bad "restart of host $old"
sleep 0.5
check "the restarted host caught up" 'hctl $old ls / | grep -q after'
check "it rejoined as a follower" '[ "$(masters_now 1 2 3)" = "$m" ]'

# SIGSTOP the master past its lease: the others elect a successor; on SIGCONT the old one is fenced.
paused=$m
host_kill $paused STOP
others=$(echo 1 2 3 | tr ' ' '\n' | grep -v "^$paused$" | tr '\n' ' ')
m=$(wait_master 15 $others) && ok "a successor is elected while host $paused is paused" || bad "no successor while paused"
check "commits go on while the old master is paused" 'hctl $m mkdir /while-paused'
host_kill $paused CONT
sleep $(python3 -c "print($LEASE * 3 / 1000)")
check "after SIGCONT the old master is not master" '[ "$(masters_now 1 2 3)" = "$m" ]'
check "a commit through the resumed host lands in the current epoch" 'hctl $paused mkdir /after-resume'
check "all hosts see it" 'for i in 1 2 3; do hctl $i ls / | grep -q after-resume || exit 1; done'
check "fsck: clean, epochs never go backwards in the log" '$B/fsck.famfs "$DEV" >"$TMP/fsck" 2>&1'
grep -q 'log-epoch' "$TMP/fsck" && bad "an old epoch wrote after a newer one: $(cat "$TMP/fsck")"

# A lease of 10 s or more: famfsd's tick (lease / 10) is longer than a
# second (libevent aborted on the tick's timeval before it was normalised).
cluster_stop_all
sed -i 's/^lease_ms = .*/lease_ms = 12000/' "$TMP/h1.conf"
host_start 1 || bad "host 1 did not start with lease_ms = 12000"
sleep 3
check "host 1 runs with lease_ms = 12000 (its 1.2 s tick fired twice)" \
	'kill -0 "${PID[1]}" 2>/dev/null && hctl 1 status >/dev/null'
echo "cluster: $pass passed, $fail failed"
[ "$fail" = 0 ]
