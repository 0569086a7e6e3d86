#!/usr/bin/env bash
# Integration: a real famfsd on a fabric file (user-space mapping mode),
# driven by famfsctl, libfamfs-client and a raw protocol poker.
# Prints "integration: N passed, N failed".
set -u
B=${B:-build}
# FAMFS_TEST_WRAP: a command prefix for famfsd and famfsctl (make check-valgrind).
CTL="${FAMFS_TEST_WRAP:+$FAMFS_TEST_WRAP }$B/famfsctl" D="${FAMFS_TEST_WRAP:+$FAMFS_TEST_WRAP }$B/famfsd" POKE=$B/tests/rpc_poke CLIENT_TEST=$B/tests/test_client
TMP=$(mktemp -d /tmp/famfsd-it.XXXXXX)
chmod 755 "$TMP"
DEV=/dev/shm/famfs-it.$$
SOCK=$TMP/famfsd.sock
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$TMP" "$DEV"
}
trap cleanup EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "PASS: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }
expect() {
	local code=$1 what=$2; shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"; local rc=$?
	if [ "$rc" = "$code" ]; then ok "$what"; else bad "$what (exit $rc, want $code): $(head -c 400 "$TMP/err")"; fi
}
grep_out() {
	if cat "$TMP/out" "$TMP/err" | grep -Eq -- "$1"; then ok "$2"; else bad "$2: no '$1' in: $(cat "$TMP/out" "$TMP/err" | head -c 400)"; fi
}
json_get() { python3 -c "import json; d=json.load(open('$TMP/out')); print($1)"; }
ctl() { $CTL --socket "$SOCK" "$@"; }

start_daemon() {
	$D --device "$DEV" --mode user --socket "$SOCK" --log-level debug "$@" 2>>"$TMP/famfsd.log" &
	pid=$!
	for _ in $(seq 1 100); do
		[ -S "$SOCK" ] && ctl status >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

$B/mkfs.famfs --size 256M "$DEV" >/dev/null || { echo "integration: 0 passed, 1 failed"; exit 1; }
if start_daemon; then ok "famfsd starts and serves"; else bad "famfsd did not start: $(tail -5 "$TMP/famfsd.log")"; echo "integration: $pass passed, $fail failed"; exit 1; fi

# --- the control API through famfsctl ---
expect 0 "status --json" ctl --json status
[ "$(json_get "d['mode'], d['writer'], d['files']")" = "user True 0" ] && ok "status: user mode, writer, 0 files" || bad "status: $(cat "$TMP/out")"
head -c 5000000 /dev/urandom >"$TMP/blob"
expect 0 "mkdir -p" ctl mkdir -p /jobs/j1/in
expect 0 "cp local -> famfs" ctl cp "$TMP/blob" famfs:/jobs/j1/in/blob
expect 0 "verify against the local file (mmap)" ctl verify /jobs/j1/in/blob "$TMP/blob"
grep_out 'identical' "verify says identical"
expect 0 "cp famfs -> local" ctl cp famfs:/jobs/j1/in/blob "$TMP/back"
cmp -s "$TMP/blob" "$TMP/back" && ok "bytes survive the round trip" || bad "round trip differs"
expect 0 "a second host's offline view sees the file at once" bash -c "$CTL local cat $DEV /jobs/j1/in/blob | cmp - $TMP/blob"
expect 0 "creat --size" ctl --json creat --size 8M /jobs/j1/scratch
[ "$(json_get "d['size'], d['extents'][0]['offset'] % 2097152")" = "8388608 0" ] && ok "creat replies with a 2 MiB-aligned extent" || bad "creat: $(cat "$TMP/out")"
expect 0 "ls -l" ctl ls -l /jobs/j1
grep_out 'scratch' "ls shows the new file"
expect 0 "ls --json" ctl --json ls /jobs/j1
[ "$(json_get "sorted(e['path'] for e in d)")" = "['/jobs/j1/in', '/jobs/j1/scratch']" ] && ok "ls json lists both entries" || bad "ls json: $(cat "$TMP/out")"
expect 0 "stat" ctl stat /jobs/j1/in/blob
expect 0 "getmap --json" ctl --json getmap /jobs/j1/in/blob
[ "$(json_get "len(d['extents']) >= 1 and d['size'] == 5000000")" = "True" ] && ok "getmap shows extents" || bad "getmap: $(cat "$TMP/out")"
expect 0 "mv" ctl mv /jobs/j1/scratch /jobs/j1/out
expect 0 "rm" ctl rm /jobs/j1/out
expect 1 "stat after rm fails" ctl stat /jobs/j1/out
grep_out 'NOT_FOUND' "NOT_FOUND status is named"

# --- errors with clear statuses ---
expect 1 "mkdir of an existing dir" ctl mkdir /jobs
grep_out 'ALREADY_EXISTS' "ALREADY_EXISTS"
expect 1 "rm of a non-empty dir" ctl rm /jobs
grep_out 'FAILED_PRECONDITION' "FAILED_PRECONDITION"
# Paths longer than the 256 bytes a reply keeps inline (famfsd/service.c,
# node_msg): stat, creat's reply and ls of the directory give the whole path.
deep=/deep/$(printf 'a%.0s' $(seq 1 200))/$(printf 'b%.0s' $(seq 1 200))
expect 0 "mkdir -p of a 409-byte path" ctl mkdir -p "$deep"
expect 0 "creat under it (reply has the 414-byte path)" ctl --json creat --size 4K "$deep/file"
grep_out "\"$deep/file\"" "creat's reply names the whole path"
expect 0 "stat of the 414-byte path" ctl --json stat "$deep/file"
grep_out "\"$deep/file\"" "stat names the whole path"
expect 0 "ls of its directory" ctl --json ls "$deep"
grep_out "\"$deep/file\"" "ls names the whole path"
long=/$(printf 'y%.0s' $(seq 1 300))
expect 1 "a 300-byte name" ctl mkdir "$long"
grep_out 'INVALID_ARGUMENT.*too long' "INVALID_ARGUMENT names the length"
deep=$(python3 -c "print('/d' * 2100)")
expect 1 "a path over PATH_MAX" ctl mkdir "$deep"
grep_out 'INVALID_ARGUMENT' "INVALID_ARGUMENT for PATH_MAX"
expect 1 "ENOSPC" ctl creat --size 1T /huge
grep_out 'RESOURCE_EXHAUSTED.*No space' "RESOURCE_EXHAUSTED names ENOSPC"
expect 2 "cp without a famfs: side is a usage error" ctl cp "$TMP/blob" "$TMP/x"
if id nobody >/dev/null 2>&1 || { bad "no user nobody for the unprivileged-client checks"; false; }; then
	expect 1 "an unprivileged user may not mutate" runuser -u nobody -- $CTL --socket "$SOCK" mkdir /nobody
	grep_out 'PERMISSION_DENIED' "PERMISSION_DENIED"
	expect 0 "an unprivileged user may read status" runuser -u nobody -- $CTL --socket "$SOCK" status
fi
expect 1 "no daemon: clear error" $CTL --socket "$TMP/nope.sock" status
grep_out 'cannot connect to famfsd' "connection failure is explained"

# --- bad input on the wire; the daemon keeps serving ---
expect 0 "unknown method" $POKE "$SOCK" unknown-method
grep_out '^UNIMPLEMENTED$' "UNIMPLEMENTED"
expect 0 "expired deadline" $POKE "$SOCK" expired
grep_out '^DEADLINE_EXCEEDED$' "DEADLINE_EXCEEDED"
expect 0 "garbage frame" $POKE "$SOCK" garbage
grep_out '^closed$' "garbage closes that connection"
expect 0 "oversized frame" $POKE "$SOCK" oversized
grep_out '^closed$' "oversized frame closes that connection"
expect 0 "truncated frame" $POKE "$SOCK" truncated
# Found by fuzz_envelope: a lone famfsd crashed on the peer methods (no cluster state).
expect 0 "peer lease on a host without peers" $POKE "$SOCK" raw famfs.peer.Lease
grep_out '^FAILED_PRECONDITION$' "peer lease refused with FAILED_PRECONDITION"
expect 0 "peer push on a host without peers" $POKE "$SOCK" raw famfs.peer.Committed
grep_out '^FAILED_PRECONDITION$' "peer push refused with FAILED_PRECONDITION"
for m in famfs.Create famfs.Mkdir famfs.Stat; do
	expect 0 "$m with a payload protobuf cannot decode" $POKE "$SOCK" badpayload $m
	grep_out '^INVALID_ARGUMENT$' "$m: INVALID_ARGUMENT"
done
expect 0 "1000 clients connect and drop" $POKE "$SOCK" flood 1000
expect 0 "still serving after all that" ctl status
kill -0 "$pid" && ok "famfsd is still alive" || bad "famfsd died"
grep -q 'rpc:' "$TMP/famfsd.log" && ok "protocol errors are logged" || bad "no rpc errors in the log"

# --- the C client library ---
if [ -x "$CLIENT_TEST" ]; then
	FAMFS_SOCKET=$SOCK "$CLIENT_TEST" >"$TMP/out" 2>"$TMP/err" && ok "client library tests" || bad "client library tests: $(tail -5 "$TMP/out" "$TMP/err")"
	grep -E '^[0-9]+%: Checks' "$TMP/out"
fi

# --- one writer per device; restart keeps everything ---
expect 1 "a second famfsd on the same device is refused" $D --device "$DEV" --mode user --socket "$TMP/second.sock"
grep_out 'log writer' "the refusal names the log writer"
kill -HUP "$pid"; sleep 0.3
grep -q 'configuration reloaded' "$TMP/famfsd.log" && ok "SIGHUP reloads" || bad "no reload in log"
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
[ "$rc" = 0 ] && ok "SIGTERM: clean exit" || bad "SIGTERM exit $rc"
[ ! -e "$SOCK" ] && ok "socket removed on exit" || bad "socket left behind"
start_daemon && ok "restart" || bad "restart failed"
expect 0 "files survive a restart" ctl verify /jobs/j1/in/blob "$TMP/blob"
expect 0 "fsck is clean while famfsd runs" $B/fsck.famfs "$DEV"

# --- systemd: readiness, watchdog, socket activation ---
kill -TERM "$pid"; wait "$pid"; pid=
python3 - "$TMP/notify" "$TMP/notify.log" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(0.2)
end = time.time() + 8
with open(sys.argv[2], "w") as out:
    while time.time() < end:
        try:
            out.write(s.recv(4096).decode() + "\n"); out.flush()
        except socket.timeout:
            pass
PY
listener=$!
for _ in $(seq 1 50); do [ -S "$TMP/notify" ] && break; sleep 0.05; done
NOTIFY_SOCKET=$TMP/notify WATCHDOG_USEC=200000 start_daemon && ok "starts under a notify socket" || bad "no start with NOTIFY_SOCKET"
sleep 0.6
grep -q '^READY=1' "$TMP/notify.log" && ok "sd_notify READY=1" || bad "no READY=1: $(cat "$TMP/notify.log")"
grep -q 'STATUS=serving' "$TMP/notify.log" && ok "sd_notify STATUS" || bad "no STATUS"
[ "$(grep -c '^WATCHDOG=1' "$TMP/notify.log")" -ge 2 ] && ok "watchdog pings at half the interval" || bad "watchdog: $(cat "$TMP/notify.log")"
kill -TERM "$pid"; wait "$pid"; pid=
sleep 0.2
grep -q '^STOPPING=1' "$TMP/notify.log" && ok "sd_notify STOPPING=1 on SIGTERM" || bad "no STOPPING=1"
kill "$listener" 2>/dev/null; wait "$listener" 2>/dev/null
if command -v systemd-socket-activate >/dev/null || { bad "systemd-socket-activate not found (Debian package systemd: make deps-check)"; false; }; then
	systemd-socket-activate -l "$TMP/act.sock" $D --device "$DEV" --mode user --socket "$TMP/act.sock" 2>>"$TMP/famfsd.log" &
	pid=$!
	for _ in $(seq 1 100); do [ -S "$TMP/act.sock" ] && break; sleep 0.05; done
	expect 0 "socket activation: famfsd serves the socket systemd passed" $CTL --socket "$TMP/act.sock" status
	grep -q 'control socket from systemd' "$TMP/famfsd.log" && ok "famfsd took the listening fd" || bad "no socket-activation log line"
	kill -TERM "$pid"; wait "$pid"; pid=
fi

# --- peers: mutual TLS only ---
bash scripts/famfs-certs.sh "$TMP/certs" node1 >/dev/null 2>&1
bash scripts/famfs-certs.sh "$TMP/other" intruder >/dev/null 2>&1
PORT=$((20000 + RANDOM % 12000))	# below the ephemeral range (32768-)
cat >"$TMP/tls.conf" <<CONF
[famfs]
device = $DEV
mode = user
[control]
socket = $SOCK
[cluster]
host_id = 1
listen = 127.0.0.1:$PORT
cert = $TMP/certs/node1.crt
key = $TMP/certs/node1.key
ca = $TMP/certs/ca.crt
CONF
$D --config "$TMP/tls.conf" 2>>"$TMP/famfsd.log" &
pid=$!
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
tls() { timeout 5 openssl s_client -connect "127.0.0.1:$PORT" -tls1_3 -CAfile "$TMP/certs/ca.crt" "$@" </dev/null >"$TMP/out" 2>&1; }
tls -cert "$TMP/certs/node1.crt" -key "$TMP/certs/node1.key"
grep -q 'Verify return code: 0' "$TMP/out" && ok "a peer with a cluster certificate completes the handshake" || bad "good TLS peer: $(tail -3 "$TMP/out")"
tls
sleep 0.3
grep -q 'peer did not return a certificate\|certificate required\|no certificate' "$TMP/famfsd.log" "$TMP/out" && ok "a peer without a certificate is refused" || bad "no-cert peer: $(tail -3 "$TMP/out")"
tls -cert "$TMP/other/intruder.crt" -key "$TMP/other/intruder.key"
sleep 0.3
grep -q 'certificate verify failed\|unknown ca' "$TMP/famfsd.log" "$TMP/out" && ok "a peer with another CA's certificate is refused" || bad "wrong-CA peer: $(tail -3 "$TMP/out")"
expect 0 "still serving after refused TLS peers" ctl status
kill -TERM "$pid"; wait "$pid"; pid=

# --- configuration errors ---
printf '[famfs]\ndevice = %s\nbogus = 1\n' "$DEV" >"$TMP/bad.conf"
expect 1 "--check-config rejects an unknown key" $D --config "$TMP/bad.conf" --check-config
grep_out 'bad.conf:3' "the error names file and line"
printf '[famfs]\ndevice = %s\nmode = user\n[control]\nsocket = %s\n' "$DEV" "$SOCK" >"$TMP/good.conf"
expect 0 "--check-config accepts a good file" $D --config "$TMP/good.conf" --check-config

echo "integration: $pass passed, $fail failed"
[ "$fail" = 0 ]
