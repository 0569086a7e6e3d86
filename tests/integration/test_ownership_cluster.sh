#!/usr/bin/env bash
# Ownership across three famfsd on loopback (one fabric file, user-space
# mapping mode): grants through followers, enforcement on every host,
# handoff with revoke / flush / grant / invalidate on the right hosts,
# --wait and --force against a local user of the data set, watch on a
# follower, and grants released when their host's lease expires. A handoff
# asked on the holder is holder-first (docs/ownership.md): revoked there,
# then committed by the master without a famfs.peer.Revoke; only the
# holder's famfsd may say so.
# Prints "ownership-cluster: N passed, N failed".
set -u
B=${B:-build}
TMP=$(mktemp -d /tmp/famfs-ownc.XXXXXX)
DEV=/dev/shm/famfs-ownc.$$
. tests/ports.sh && draw_ports	# BASE_PORT: see tests/ports.sh
LEASE=${FAMFS_TEST_LEASE_MS:-600}
. tests/integration/cluster_lib.sh
upid= wpid=
trap '[ -n "$upid" ] && kill $upid 2>/dev/null; [ -n "$wpid" ] && kill $wpid 2>/dev/null; cluster_stop_all; rm -rf "$TMP" "$DEV"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "PASS: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
owners() { hctl "$1" --json owners "$2" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join("%d:%s:%d" % (g["host"], g["mode"], g["epoch"]) for g in d["owners"] if g["scope"] == "self"))'; }
wait_for() { for _ in $(seq 1 "${3:-100}"); do [ -e "$1" ] && grep -Eq -- "$2" "$1" && return 0; sleep 0.1; done; return 1; }

cluster_setup 3 "$LEASE" || { echo "ownership-cluster: 0 passed, 1 failed"; exit 1; }
for i in 1 2 3; do host_start $i || bad "host $i did not start"; done
m=$(wait_master 15 1 2 3) && ok "master elected (host $m)" || { bad "no master"; echo "ownership-cluster: $pass passed, $fail failed"; exit 1; }
if hctl 1 owners / 2>&1 | grep -q UNIMPLEMENTED; then
	echo "FAIL: famfsd answers UNIMPLEMENTED to the ownership methods"; echo "ownership-cluster: 0 passed, 1 failed"; exit 1
fi
f=$(echo 1 2 3 | tr ' ' '\n' | grep -v "^$m$" | head -1)	# the followers f and o,
o=$(echo 1 2 3 | tr ' ' '\n' | grep -v "^$m$" | tail -1)	# the master t
t=$m

head -c 3000000 /dev/urandom >"$TMP/blob"
check "setup" 'hctl 1 mkdir -p /jobs/j1 && hctl 2 cp "$TMP/blob" famfs:/jobs/j1/data'
check "acquire rw on follower host $f (default host: its own)" 'hctl $f acquire /jobs/j1 --rw | grep -q "host $f owns it read-write (epoch 1)"'
for i in 1 2 3; do check "host $i sees host $f's grant" '[ "$(owners $i /jobs/j1)" = "$f:rw:1" ]'; done
check "host $o may not map the data" 'hctl $o verify /jobs/j1/data 2>&1 | grep -q "PERMISSION_DENIED.*owned read-write by host $f"'
check "host $f maps it" 'hctl $f verify /jobs/j1/data "$TMP/blob" >/dev/null'
check "a conflicting acquire through another host" 'hctl $o acquire /jobs/j1/data --ro 2>&1 | grep -q FAILED_PRECONDITION'

# Handoff f -> o, asked on f (forwarded to the master); the revoke runs on f, the grant on o.
hctl $t watch /jobs --count 2 >"$TMP/watch.out" 2>"$TMP/watch.err" &
wpid=$!
wait_for "$TMP/watch.err" watching || bad "watch on host $t did not start"
check "handoff $f -> $o asked on host $f" 'hctl $f handoff /jobs/j1 --to $o | grep -q "host $o owns it read-write (epoch 2)"'
for i in 1 2 3; do check "host $i sees the new owner" '[ "$(owners $i /jobs/j1)" = "$o:rw:2" ]'; done
check "host $f revoked and flushed" 'grep -q "/jobs/j1: access revoked on this host" "$TMP/h$f.log"'
check "holder-first: host $f revoked before it asked the master" 'grep -q "/jobs/j1: access revoked on this host (0 bytes flushed) for its own handoff to host $o, grant epoch 1 given up: holder-first" "$TMP/h$f.log"'
check "holder-first: the master committed without a Revoke" 'grep -q "/jobs/j1: handoff host $f -> host $o (revoked by its holder first, epoch 1)" "$TMP/h$m.log"'
check "a local client may not claim holder_revoked" 'python3 tests/faults/famfs_raw.py unix "$TMP/h$o.sock" famfs.Handoff 1:s:/jobs/j1 2:u:$f 6:u:1 7:u:2 | grep -q "^INVALID_ARGUMENT holder_revoked"'
check "host $o still owns it" '[ "$(owners $m /jobs/j1)" = "$o:rw:2" ]'
check "host $o invalidated and took access" 'grep -q "/jobs/j1: granted read-write here (epoch 2)" "$TMP/h$o.log"'
check "host $o maps the data now" 'hctl $o verify /jobs/j1/data "$TMP/blob" >/dev/null'
check "host $f no longer may" 'hctl $f verify /jobs/j1/data 2>&1 | grep -q PERMISSION_DENIED'
for _ in $(seq 1 50); do kill -0 $wpid 2>/dev/null || break; sleep 0.1; done
wait $wpid 2>/dev/null; wpid=
check "watch on host $t saw the release and the grant" 'grep -q "owner /jobs/j1 host $f none epoch 1" "$TMP/watch.out" && grep -q "owner /jobs/j1 host $o rw epoch 2" "$TMP/watch.out"'

# A local user of the data set on the owner (here: a mapping of its extent).
off=$(hctl $o --json getmap /jobs/j1/data | python3 -c 'import json,sys; print(json.load(sys.stdin)["extents"][0]["offset"])')
python3 -c "
import mmap, os, time
m = mmap.mmap(os.open('$DEV', os.O_RDWR), 2097152, offset=$off)
open('$TMP/mapped', 'w').write('1')
for _ in range(300 * $SLOW):
    if os.path.exists('$TMP/release'): break
    time.sleep(0.05)" &
upid=$!
wait_for "$TMP/mapped" 1 || bad "the local user did not map the data"
check "handoff --wait 0.3 while in use: ABORTED, nothing committed" 'hctl $t handoff /jobs/j1 --to $f --wait 0.3 2>&1 | grep -q "ABORTED.*still in use on host $o by pid $upid"'
check "owner unchanged" '[ "$(owners $t /jobs/j1)" = "$o:rw:2" ]'
hctl $t handoff /jobs/j1 --to $f --wait 10 >"$TMP/handoff.out" 2>&1 &
hpid=$!
sleep 1
check "handoff --wait waits while the user still maps the data" 'kill -0 $hpid 2>/dev/null'
# Meanwhile the holder's own client hands it off too: holder-first, the master refuses (busy).
check "a handoff asked on the holder during another: ABORTED by the master" 'hctl $o handoff /jobs/j1 --to $f 2>&1 | tee "$TMP/hf.out" | grep -q "ABORTED.*in progress"'
check "... after the holder gave its grant up (never raised again)" 'grep -q "host $o had revoked its grant for this handoff and gave it up" "$TMP/hf.out"'
touch "$TMP/release"
wait $hpid
check "handoff --wait 10 completes once the user is gone" 'grep -q "host $f owns it read-write (epoch 3)" "$TMP/handoff.out"'
wait $upid 2>/dev/null; upid=
rm -f "$TMP/mapped" "$TMP/release"
off=$(hctl $f --json getmap /jobs/j1/data | python3 -c 'import json,sys; print(json.load(sys.stdin)["extents"][0]["offset"])')
python3 -c "
import mmap, os, time
m = mmap.mmap(os.open('$DEV', os.O_RDWR), 2097152, offset=$off)
open('$TMP/mapped', 'w').write('1')
for _ in range(300 * $SLOW):
    if os.path.exists('$TMP/release'): break
    time.sleep(0.05)" &
upid=$!
wait_for "$TMP/mapped" 1 || bad "the local user did not map the data"
check "handoff --wait 0.2 --force revokes anyway" 'hctl $t handoff /jobs/j1 --to $o --wait 0.2 --force | grep -q "epoch 4"'
check "the owner logged the forced revoke" 'grep -q "revoking while pid $upid" "$TMP/h$f.log"'
touch "$TMP/release"; wait $upid 2>/dev/null; upid=

# holder_revoked from a host that does not hold the grant: the master revokes as usual.
n=$(grep -c "/jobs/j1: access revoked on this host" "$TMP/h$o.log")
check "holder_revoked over host $f's certificate for host $o's grant: handed off" 'python3 tests/faults/famfs_raw.py tls 127.0.0.1:$((BASE_PORT + m)) "$TMP/certs/h$f.crt" "$TMP/certs/h$f.key" "$TMP/certs/ca.crt" famfs.Handoff 1:s:/jobs/j1 2:u:$f 6:u:1 7:u:4 | grep -q "^OK"'
check "... with the master's Revoke on host $o" '[ "$(grep -c "/jobs/j1: access revoked on this host" "$TMP/h$o.log")" -gt "$n" ] && grep -q "/jobs/j1: holder_revoked from .* does not match the grant of host $o (epoch 4): revoking there as usual" "$TMP/h$m.log"'
check "back to host $o" 'hctl $t handoff /jobs/j1 --to $o | grep -q "epoch 6"'

# The owner dies: the master releases its grants when its lease expires.
host_kill $o
for _ in $(seq 1 $((60 * SLOW))); do [ -z "$(owners $m /jobs/j1)" ] && break; sleep 0.1; done
check "host $o's grant is released after its lease expired" '[ -z "$(owners $m /jobs/j1)" ]'
check "the master logged it" 'grep -q "host $o.s lease expired: its grant is released" "$TMP/h$m.log"'
check "another host acquires it" 'hctl $t acquire /jobs/j1 --rw | grep -q "epoch 7"'

echo "ownership-cluster: $pass passed, $fail failed"
[ "$fail" = 0 ]
