#!/usr/bin/env bash
# Who may act (issue 12; docs/ownership.md "Who may act"), three famfsd on
# loopback. Hosts 1 and 2 start first, so the master (m) is one of them and
# the other (f) is a follower; host 3 (s) joins as a follower and is the only
# host whose clients may act for other hosts (act_for_others, a scheduler's
# host). Checked from the hosts' own answers (famfs.Owners, stat):
#   1. the master takes the acting host from the authenticated caller: a
#      follower's forwarded Acquire, Release or Handoff that names another
#      host (or hands off another host's grant) is refused PERMISSION_DENIED
#      and commits nothing, also when sent raw over mutual TLS with the
#      follower's own certificate; a call naming no host acts for the caller
#      (never for the master); the master's own local clients act for the
#      master; the scheduler's host may act for any host;
#   2. a namespace change (create, mkdir, delete, rename) touching a data set
#      another host holds, read-write or read-only, is refused
#      FAILED_PRECONDITION naming the holder: out of it, into it, inside it,
#      or moving a directory that contains it; the holder itself may, but a
#      file leaves a data set only after its release (else it is unowned,
#      acquired at once by another host, while the holder still uses it);
#   famfs.peer.Revoke is obeyed only from the master the host follows;
#   3. malformed and hostile requests: out-of-range host ids, truncated and
#      mistyped payloads, and famfsd keeps serving.
# Prints PASS / FAIL lines and "authz: N passed, N failed".
# FAMFS_TEST_KEEP=1 keeps $TMP (daemon logs).
set -u
B=${B:-build}
LEASE=${FAMFS_TEST_LEASE_MS:-1000}
TMP=$(mktemp -d /tmp/famfs-authz.XXXXXX)
DEV=/dev/shm/famfs-authz.$$
. tests/ports.sh && draw_ports	# BASE_PORT: see tests/ports.sh
# Host 3 acts for others (a scheduler's host); FAMFS_TEST_ACT_FOR_OTHERS="" runs
# without any (e.g. against a famfsd that does not know the key).
export FAMFS_TEST_ACT_FOR_OTHERS=${FAMFS_TEST_ACT_FOR_OTHERS-3}
SUITE=authz
. tests/integration/cluster_lib.sh
RAW=(python3 tests/faults/famfs_raw.py)
cleanup() {
	cluster_stop_all
	if [ -n "${FAMFS_TEST_KEEP:-}" ]; then echo "authz: logs kept in $TMP"; rm -f "$DEV"; else rm -rf "$TMP" "$DEV"; fi
}
trap cleanup EXIT

# Grants on exactly PATH as host I sees them: "host:mode" ...
owners() { hctl "$1" --json owners "$2" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join("%d:%s" % (g["host"], g["mode"]) for g in d["owners"] if g["scope"] == "self"))'; }
# Run famfsctl on host I; keep its output in $TMP/out; succeed when it failed with STATUS.
refused() { # STATUS I ARGS...
	local st=$1; shift
	hctl "$@" >"$TMP/out" 2>&1 && return 1
	grep -q "$st" "$TMP/out"
}
said() { grep -q -- "$1" "$TMP/out"; }
# One raw request to the master over mutual TLS with host I's certificate.
tls_as() { # I METHOD FIELD...
	local i=$1; shift
	"${RAW[@]}" tls "127.0.0.1:$((BASE_PORT + m))" "$TMP/certs/h$i.crt" "$TMP/certs/h$i.key" \
		"$TMP/certs/ca.crt" "$@" >"$TMP/out" 2>&1
}
exists() { hctl "$1" stat "$2" >/dev/null 2>&1; }

# ---- setup ----
cluster_setup 3 "$LEASE" || { bad "setup"; finish; }
for i in 1 2; do host_start $i || bad "host $i did not start"; done
m=$(wait_master 30 1 2) && ok "one master of hosts 1 and 2 (host $m)" || { bad "no master"; finish; }
f=$((3 - m)) s=3
host_start $s || bad "host $s did not start"
wait_until 20 '[ "$(master_seen_by $s)" = $m ]' && ok "host $s follows master $m" || bad "host $s sees no master"
head -c 65536 /dev/urandom >"$TMP/blob"
check "setup: data sets /a /b /ds/x /top/in/y /r" \
	'hctl $m mkdir -p /a /b /ds /top/in /r /out && hctl $m creat --size 64K /ds/x >/dev/null &&
	 hctl $m creat --size 64K /top/in/y >/dev/null && hctl $m creat --size 64K /r/z >/dev/null &&
	 hctl $m creat --size 64K /u >/dev/null'

# ---- 1. the acting host is the authenticated caller ----
check "host $f acquires /a for host $s: PERMISSION_DENIED" \
	'refused PERMISSION_DENIED $f acquire /a --rw --host $s && said "comes from host $f"'
check "... nothing committed: nobody owns /a" '[ -z "$(owners $m /a)" ]'
check "host $f acquires /a for itself (no --host): host $f owns it" \
	'hctl $f acquire /a --rw >/dev/null && [ "$(owners $m /a)" = "$f:rw" ]'
check "host $m's local client acquires /b for host $f: PERMISSION_DENIED (the master acts for itself)" \
	'refused PERMISSION_DENIED $m acquire /b --ro --host $f && [ -z "$(owners $m /b)" ]'
check "host $s (acts for others) acquires /b read-write for host $m" \
	'hctl $s acquire /b --rw --host $m >/dev/null && [ "$(owners $f /b)" = "$m:rw" ]'
check "host $f releases host $m's grant on /b: PERMISSION_DENIED, host $m keeps it" \
	'refused PERMISSION_DENIED $f release /b --host $m && [ "$(owners $m /b)" = "$m:rw" ]'
check "host $f hands off host $m's /b to itself: PERMISSION_DENIED, host $m keeps it" \
	'refused PERMISSION_DENIED $f handoff /b --to $f && said "hands off the grant of host $m" &&
	 [ "$(owners $m /b)" = "$m:rw" ]'
check "host $f hands off its own /a to host $m" \
	'hctl $f handoff /a --to $m >/dev/null && [ "$(owners $f /a)" = "$m:rw" ]'
check "host $s (acts for others) hands /a back to host $f and releases /b for host $m" \
	'hctl $s handoff /a --to $f >/dev/null && hctl $s release /b --host $m >/dev/null &&
	 [ "$(owners $m /a)" = "$f:rw" ] && [ -z "$(owners $m /b)" ]'
# Straight to the master with host f's certificate (what any holder of it could send).
check "raw TLS as host $f: Acquire /b for host $s: PERMISSION_DENIED" \
	'! tls_as $f famfs.Acquire 1:s:/b 2:u:2 3:u:1 4:u:$s && grep -q "^PERMISSION_DENIED" "$TMP/out" &&
	 [ -z "$(owners $m /b)" ]'
check "raw TLS as host $f: Acquire /b naming no host acts for host $f, not the master" \
	'tls_as $f famfs.Acquire 1:s:/b 2:u:1 && wait_until 5 "[ \"\$(owners $m /b)\" = $f:ro ]"'
check "raw TLS as host $f: Release /a naming host $m: PERMISSION_DENIED" \
	'! tls_as $f famfs.Release 1:s:/a 2:u:1 3:u:$m && grep -q "^PERMISSION_DENIED" "$TMP/out"'
check "raw TLS as host $s: Release /b naming host $f is allowed (a scheduler's host)" \
	'tls_as $s famfs.Release 1:s:/b 2:u:1 3:u:$f && wait_until 5 "[ -z \"\$(owners $m /b)\" ]"'
check "raw TLS as host $f: Handoff /a to host $m (its own grant) is allowed" \
	'tls_as $f famfs.Handoff 1:s:/a 2:u:$m && wait_until 5 "[ \"\$(owners $m /a)\" = $m:rw ]"'
check "raw TLS as host $f: Handoff /a back to itself (host $m's grant): PERMISSION_DENIED" \
	'! tls_as $f famfs.Handoff 1:s:/a 2:u:$f && grep -q "^PERMISSION_DENIED" "$TMP/out" &&
	 [ "$(owners $m /a)" = "$m:rw" ]'

# ---- 2. namespace changes inside another host's data set ----
check "setup: host $f owns /ds read-write, host $s reads /r, host $f reads /top/in" \
	'hctl $f acquire /ds --rw >/dev/null && hctl $s acquire /r --ro >/dev/null &&
	 hctl $f acquire /top/in --ro >/dev/null'
check "host $m deletes /ds/x (host $f's data set): FAILED_PRECONDITION naming host $f; still there" \
	'refused FAILED_PRECONDITION $m rm /ds/x && said "owned read-write by host $f" && exists $s /ds/x'
check "host $s renames /ds/x out of host $f's data set: refused; still there" \
	'refused FAILED_PRECONDITION $s mv /ds/x /out/x && exists $m /ds/x && ! exists $m /out/x'
check "host $m renames /u into host $f's data set: refused; /u stays" \
	'refused FAILED_PRECONDITION $m mv /u /ds/u && exists $m /u && ! exists $m /ds/u'
check "host $s creates /ds/new (inside host $f's data set): refused" \
	'refused FAILED_PRECONDITION $s creat --size 64K /ds/new && ! exists $m /ds/new'
check "host $m makes a directory in it (mkdir -p /ds/d/e): refused" \
	'refused FAILED_PRECONDITION $m mkdir -p /ds/d/e && ! exists $m /ds/d'
check "host $m deletes the whole data set /ds: refused" \
	'refused FAILED_PRECONDITION $m rm /ds && exists $m /ds'
check "host $m creates in /r, read-only to host $s: refused naming the read-only grant" \
	'refused FAILED_PRECONDITION $m creat --size 64K /r/w && said "host $s holds a read-only grant"'
check "host $m moves /top (a directory holding host $f's data set /top/in): refused; /top/in/y stays" \
	'refused FAILED_PRECONDITION $m mv /top /top2 && said "inside it" && exists $s /top/in/y && ! exists $s /top2'
check "host $m deletes /r/z (read-only to host $s): refused" \
	'refused FAILED_PRECONDITION $m rm /r/z && exists $s /r/z'
check "the holder itself: host $f renames, creates and deletes inside /ds" \
	'hctl $f mv /ds/x /ds/x2 && hctl $f creat --size 64K /ds/c >/dev/null && hctl $f rm /ds/c &&
	 exists $s /ds/x2 && ! exists $s /ds/c'
check "the holder itself may not move /ds/x2 out of its read-write data set (unowned while it writes)" \
	'refused FAILED_PRECONDITION $f mv /ds/x2 /out/x2 && said "release /ds first" && exists $m /ds/x2'
check "a read-only holder alone (host $s on /r) may rename in it" \
	'hctl $s mv /r/z /r/z2 && exists $m /r/z2'
check "... but not out of it (host $s on /r): refused until it releases /r" \
	'refused FAILED_PRECONDITION $s mv /r/z2 /out/z2 && said "holds read-only" && exists $m /r/z2'
check "outside every data set nothing changes: host $m creates, renames and deletes /out/t" \
	'hctl $m creat --size 64K /out/t >/dev/null && hctl $m mv /out/t /out/t2 && hctl $m rm /out/t2'
check "after host $f's release, host $m may delete in /ds" \
	'hctl $f release /ds >/dev/null && hctl $m mkdir /ds/d && hctl $m rm /ds/d'
check "raw TLS as host $s: Delete /top/in/y (host $f reads /top/in): refused" \
	'! tls_as $s famfs.Delete 1:s:/top/in/y && grep -q "^FAILED_PRECONDITION" "$TMP/out" && exists $m /top/in/y'

# ---- famfs.peer.Revoke only from the master ----
check "setup: host $f owns /rv read-write" 'hctl $m mkdir /rv && hctl $f acquire /rv --rw >/dev/null'
check "raw TLS as host $s to host $f: Revoke /rv: PERMISSION_DENIED, host $f keeps rw access" \
	'! "${RAW[@]}" tls "127.0.0.1:$((BASE_PORT + f))" "$TMP/certs/h$s.crt" "$TMP/certs/h$s.key" \
		"$TMP/certs/ca.crt" famfs.peer.Revoke 1:s:/rv 3:u:1 >"$TMP/out" 2>&1 &&
	 grep -q "^PERMISSION_DENIED.*not the master" "$TMP/out" &&
	 [ "$(hctl $f --json owners /rv | python3 -c "import json,sys; print(json.load(sys.stdin)[\"access\"])")" = rw ]'
# Host f asks on itself, so the handoff goes holder-first (no Revoke from the
# master: test_ownership_cluster.sh covers the master's Revoke); host s learns
# of the move from the master's push, which may come after f's reply.
check "host $f hands /rv to the master; host $s sees the move" \
	'hctl $f handoff /rv --to $m >/dev/null && wait_until 10 "[ \"\$(owners $s /rv)\" = $m:rw ]"'

# ---- 3. malformed and hostile requests ----
check "Acquire naming host 4294967295: INVALID_ARGUMENT" \
	'! tls_as $f famfs.Acquire 1:s:/out 2:u:1 3:u:1 4:u:4294967295 && grep -q "^INVALID_ARGUMENT" "$TMP/out"'
check "Release naming host 300 from host $f: PERMISSION_DENIED" \
	'! tls_as $f famfs.Release 1:s:/out 2:u:1 3:u:300 && grep -q "^PERMISSION_DENIED" "$TMP/out"'
check "a truncated Acquire payload: INVALID_ARGUMENT" \
	'! tls_as $f famfs.Acquire raw:0a10 && grep -q "^INVALID_ARGUMENT" "$TMP/out"'
check "a host field sent as a string: INVALID_ARGUMENT" \
	'! tls_as $f famfs.Release 1:s:/out 3:s:1 && grep -q "^INVALID_ARGUMENT" "$TMP/out"'
check "a Rename with an empty target: INVALID_ARGUMENT" \
	'! tls_as $f famfs.Rename 1:s:/out 2:s: && grep -q "^INVALID_ARGUMENT" "$TMP/out"'
check "famfsd still serves on every host" 'for i in 1 2 3; do hctl $i status >/dev/null || exit 1; done'
check "no daemon died" 'for i in 1 2 3; do kill -0 ${PID[$i]} || exit 1; done'
finish
