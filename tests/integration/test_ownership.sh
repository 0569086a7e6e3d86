#!/usr/bin/env bash
# Ownership on one host (user-space mapping mode): acquire / release /
# handoff / owners / watch and famfs.Open enforcement, driven by famfsctl.
# Other hosts' grants are simulated with --host N. Prints
# "ownership: N passed, N failed".
set -u
B=${B:-build}
# FAMFS_TEST_WRAP: a command prefix for famfsd and famfsctl (make check-valgrind).
CTL="${FAMFS_TEST_WRAP:+$FAMFS_TEST_WRAP }$B/famfsctl" D="${FAMFS_TEST_WRAP:+$FAMFS_TEST_WRAP }$B/famfsd"
TMP=$(mktemp -d /tmp/famfs-own.XXXXXX)
chmod 755 "$TMP"
DEV=/dev/shm/famfs-own.$$
SOCK=$TMP/famfsd.sock
pid= wpid=
cleanup() {
	[ -n "$wpid" ] && kill "$wpid" 2>/dev/null
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
	if [ "$rc" = "$code" ]; then ok "$what"; else bad "$what (exit $rc, want $code): $(head -c 400 "$TMP/out" "$TMP/err")"; fi
}
grep_out() {
	if cat "$TMP/out" "$TMP/err" | grep -Eq -- "$1"; then ok "$2"; else bad "$2: no '$1' in: $(cat "$TMP/out" "$TMP/err" | head -c 400)"; fi
}
json_get() { python3 -c "import json; d=json.load(open('$TMP/out')); print($1)"; }
ctl() { $CTL --socket "$SOCK" "$@"; }
start_daemon() {
	$D --device "$DEV" --mode user --socket "$SOCK" --log-level debug 2>>"$TMP/famfsd.log" &
	pid=$!
	for _ in $(seq 1 100); do
		[ -S "$SOCK" ] && ctl status >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
wait_for() {	# wait_for FILE REGEX [TENTHS]
	for _ in $(seq 1 "${3:-100}"); do grep -Eq -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
wait_pid() {	# wait_pid PID [TENTHS]: did it exit in time?
	for _ in $(seq 1 "${2:-100}"); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
	return 1
}

$B/mkfs.famfs --size 256M "$DEV" >/dev/null || { echo "ownership: 0 passed, 1 failed"; exit 1; }
start_daemon || { echo "FAIL: famfsd did not start: $(tail -5 "$TMP/famfsd.log")"; echo "ownership: 0 passed, 1 failed"; exit 1; }
if ctl owners / 2>&1 | grep -q UNIMPLEMENTED; then
	echo "FAIL: this famfsd answers UNIMPLEMENTED to the ownership methods"
	echo "ownership: 0 passed, 1 failed"
	exit 1
fi

head -c 3000000 /dev/urandom >"$TMP/blob"
expect 0 "setup: directories" ctl mkdir -p /own/a /own/d
expect 0 "setup: a file in /own/a" ctl cp "$TMP/blob" famfs:/own/a/f
expect 0 "setup: /own/b" ctl cp "$TMP/blob" famfs:/own/b
expect 0 "setup: /own/d/x" ctl creat --size 4M /own/d/x

# --- acquire, conflicts, owners ---
expect 0 "owners of an unowned file" ctl owners /own/a/f
grep_out 'not owned' "owners says 'not owned'"
expect 0 "acquire --rw for host 7" ctl acquire /own/a --rw --host 7
grep_out 'host 7 owns it read-write \(epoch 1\)' "acquire names host, mode and epoch 1"
expect 0 "acquiring the same grant again changes nothing" ctl --json acquire /own/a --rw --host 7
[ "$(json_get "[(g['host'], g['mode'], g['epoch']) for g in d['owners']]")" = "[(7, 'rw', 1)]" ] && ok "still one grant, epoch 1" || bad "repeat acquire: $(cat "$TMP/out")"
expect 1 "ro on a file inside another host's rw data set" ctl acquire /own/a/f --ro --host 3
grep_out 'FAILED_PRECONDITION: /own/a/f: owned read-write by host 7 \(grant on /own/a' "FAILED_PRECONDITION names the owner and the grant"
expect 1 "rw on a parent directory of a rw data set" ctl acquire /own --rw --host 3
grep_out 'FAILED_PRECONDITION: /own: owned read-write by host 7 .*inside it' "the conflict below is named"
expect 1 "ro by another host on the same data set" ctl acquire /own/a --ro --host 3
grep_out 'FAILED_PRECONDITION' "FAILED_PRECONDITION for ro next to rw"
expect 0 "owners --json of a file in the data set" ctl --json owners /own/a/f
[ "$(json_get "d['owned'], d['access'], [(g['host'], g['mode'], g['scope'], g['path']) for g in d['owners']]")" = "True none [(7, 'rw', 'ancestor', '/own/a')]" ] && ok "owners: inherited grant, no access for this host" || bad "owners json: $(cat "$TMP/out")"
expect 0 "owners of the parent lists the grant below" ctl --json owners /own
[ "$(json_get "d['owned'], d['access'], [g['scope'] for g in d['owners']]")" = "False rw ['descendant']" ] && ok "owners: descendant grant, parent itself not owned" || bad "owners parent: $(cat "$TMP/out")"
expect 0 "owners text" ctl owners /own/a/f
grep_out 'host 7 +read-write +epoch 1 .*on /own/a \(covers it\)' "owners text shows the covering grant"

# --- famfs.Open: user-space mode enforcement ---
expect 1 "host 0 may not map a file another host owns read-write" ctl cp famfs:/own/a/f "$TMP/out.bin"
grep_out 'PERMISSION_DENIED: /own/a/f: owned read-write by host 7' "PERMISSION_DENIED names the owner"
expect 1 "verify (read mapping) is refused too" ctl verify /own/a/f
expect 0 "files nobody owns stay open to all" ctl verify /own/b "$TMP/blob"

# --- read-only sharing ---
expect 0 "ro for host 1" ctl acquire /own/b --ro --host 1
expect 0 "ro for host 2 as well" ctl acquire /own/b --ro --host 2
expect 0 "owners lists both readers" ctl --json owners /own/b
[ "$(json_get "sorted((g['host'], g['mode']) for g in d['owners'])")" = "[(1, 'ro'), (2, 'ro')]" ] && ok "two read-only grants" || bad "ro owners: $(cat "$TMP/out")"
expect 1 "rw while others read" ctl acquire /own/b --rw --host 3
grep_out 'host [12] holds a read-only grant; read-write needs sole ownership' "the refusal explains read-write needs sole ownership"
expect 1 "host 0 without a grant may not read a read-only shared file" ctl cp famfs:/own/b "$TMP/out.bin"
grep_out 'PERMISSION_DENIED: /own/b: owned read-only by hosts 1, 2' "PERMISSION_DENIED names the readers"
expect 0 "acquire --ro for this host (default host)" ctl acquire /own/b --ro
grep_out 'host 0 owns it read-only' "default host is the daemon's host"
expect 0 "with a read-only grant this host reads" ctl cp famfs:/own/b "$TMP/out.bin"
cmp -s "$TMP/blob" "$TMP/out.bin" && ok "bytes read under a read-only grant are right" || bad "read under ro differs"

# --- a rw directory excludes rw on a file inside ---
expect 0 "rw on a directory for host 4" ctl acquire /own/d --rw --host 4
expect 1 "rw on a file inside it for host 5" ctl acquire /own/d/x --rw --host 5
grep_out 'owned read-write by host 4 \(grant on /own/d' "refused: the directory's owner is named"

# --- release ---
expect 1 "release where the host has no grant" ctl release /own/d/x --host 4
grep_out 'host 4 holds no grant on it; its grant is on /own/d' "release points at the grant's data set"
expect 0 "release" ctl release /own/a --host 7
grep_out 'host 7 released it' "release says so"
expect 0 "owners after release" ctl owners /own/a/f
grep_out 'not owned' "nobody owns it any more"
expect 0 "after the release host 0 reads it" ctl verify /own/a/f "$TMP/blob"
expect 1 "releasing twice" ctl release /own/a --host 7
grep_out 'FAILED_PRECONDITION: /own/a: host 7 holds no grant on it' "second release is refused clearly"
expect 0 "acquire again after release" ctl --json acquire /own/a --rw --host 7
[ "$(json_get "d['owners'][0]['epoch']")" = "2" ] && ok "the fencing epoch grows across release (2)" || bad "epoch: $(cat "$TMP/out")"

# --- handoff ---
expect 1 "handoff of a data set nobody owns read-write" ctl handoff /own/b --to 0
grep_out 'FAILED_PRECONDITION: /own/b: no host owns it read-write' "nothing to hand off"
expect 1 "handoff of a file inside a rw directory" ctl handoff /own/d/x --to 0
grep_out 'covering it is on /own/d \(host 4\)' "handoff points at the directory's grant"
expect 1 "handoff to a host outside the cluster" ctl handoff /own/d --to 9
grep_out 'INVALID_ARGUMENT: host 9 is not a member of this cluster' "unknown host is refused"
expect 1 "handoff when the owner cannot be reached" ctl handoff /own/d --to 0
grep_out 'UNAVAILABLE: /own/d: host 4 did not answer the revocation.*nothing committed' "UNAVAILABLE, nothing committed"
expect 0 "owners unchanged after the failed handoff" ctl --json owners /own/d
[ "$(json_get "[(g['host'], g['mode'], g['epoch']) for g in d['owners']]")" = "[(4, 'rw', 1)]" ] && ok "host 4 still owns /own/d" || bad "after failed handoff: $(cat "$TMP/out")"
expect 0 "handoff --force from an owner outside the cluster" ctl --json handoff /own/d --to 0 --force
[ "$(json_get "[(g['host'], g['mode'], g['epoch']) for g in d['owners']], d['access']")" = "[(0, 'rw', 2)] rw" ] && ok "host 0 owns /own/d read-write, epoch 2" || bad "forced handoff: $(cat "$TMP/out")"
grep_out 'taken by force' "the forced handoff warns"
expect 0 "the new owner maps the file" ctl verify /own/d/x
expect 1 "handoff to the host that owns it already" ctl handoff /own/d --to 0
grep_out 'FAILED_PRECONDITION: /own/d: host 0 already owns it read-write' "handoff to self is refused"
expect 2 "handoff without --to is a usage error" ctl handoff /own/d
expect 2 "acquire without --rw/--ro is a usage error" ctl acquire /own/d
expect 2 "acquire with both modes is a usage error" ctl acquire /own/d --rw --ro
expect 2 "a host id out of range" ctl acquire /own/d --ro --host 300
expect 2 "a bad --wait" ctl handoff /own/d --to 0 --wait soon
expect 1 "acquire of a missing path" ctl acquire /own/nope --ro
grep_out 'NOT_FOUND' "NOT_FOUND"
expect 1 "an invalid path" ctl acquire own/rel --ro
grep_out 'INVALID_ARGUMENT' "INVALID_ARGUMENT for a relative path"
if id nobody >/dev/null 2>&1 || { bad "no user nobody for the unprivileged-client checks"; false; }; then
	expect 1 "an unprivileged user may not acquire" runuser -u nobody -- $CTL --socket "$SOCK" acquire /own/b --ro
	grep_out 'PERMISSION_DENIED' "PERMISSION_DENIED for non-admin acquire"
	expect 0 "an unprivileged user may list owners" runuser -u nobody -- $CTL --socket "$SOCK" owners /own/b
fi

# --- watch ---
# The files are emptied here, not by the redirection in the child: a wait
# for "watching" must not read the previous watch's line before it runs.
: >"$TMP/watch.out"; : >"$TMP/watch.err"
$CTL --socket "$SOCK" watch --count 2 >"$TMP/watch.out" 2>"$TMP/watch.err" &
wpid=$!
if wait_for "$TMP/watch.err" 'watching'; then ok "watch is in place"; else bad "watch did not start: $(cat "$TMP/watch.err")"; fi
expect 0 "mkdir while watching" ctl mkdir /own/w
expect 0 "acquire while watching" ctl acquire /own/w --ro --host 5
if wait_pid "$wpid"; then wait "$wpid"; rc=$?; wpid=; [ "$rc" = 0 ] && ok "watch --count 2 exits 0 after two events" || bad "watch exit $rc"; else bad "watch did not end: $(cat "$TMP/watch.out")"; fi
grep -Eq '^seq [0-9]+ mkdir /own/w$' "$TMP/watch.out" && ok "watch saw the mkdir" || bad "no mkdir event: $(cat "$TMP/watch.out")"
grep -Eq '^seq [0-9]+ owner /own/w host 5 ro epoch 1$' "$TMP/watch.out" && ok "watch saw the acquire" || bad "no owner event: $(cat "$TMP/watch.out")"
: >"$TMP/watch.out"; : >"$TMP/watch.err"
$CTL --socket "$SOCK" --json watch /own/w --count 1 >"$TMP/watch.out" 2>"$TMP/watch.err" &
wpid=$!
wait_for "$TMP/watch.err" 'watching' || bad "filtered watch did not start"
expect 0 "a change outside the watched path" ctl mkdir /own/elsewhere
expect 0 "a release inside it" ctl release /own/w --host 5
if wait_pid "$wpid"; then wait "$wpid"; wpid=; fi
python3 -c "
import json, sys
ev = [json.loads(l) for l in open('$TMP/watch.out')]
sys.exit(not (len(ev) == 1 and ev[0]['kind'] == 'owner' and ev[0]['path'] == '/own/w' and ev[0]['host'] == 5 and ev[0]['mode'] == 'none'))
" && ok "watch PATH --json: only the release below PATH, as JSON" || bad "filtered watch: $(cat "$TMP/watch.out")"
: >"$TMP/watch.out"; : >"$TMP/watch.err"
$CTL --socket "$SOCK" watch >"$TMP/watch.out" 2>"$TMP/watch.err" &
wpid=$!
wait_for "$TMP/watch.err" 'watching' || bad "third watch did not start"

# --- grants survive a restart; the daemon ends open watches cleanly ---
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
[ "$rc" = 0 ] && ok "famfsd exits 0 with a watch open" || bad "famfsd exit $rc: $(tail -5 "$TMP/famfsd.log")"
if wait_pid "$wpid"; then wait "$wpid"; rc=$?; wpid=; [ "$rc" = 1 ] && ok "a watch ends (exit 1) when famfsd stops" || bad "watch exit $rc"; else bad "watch kept running after famfsd stopped"; fi
grep -q 'UNAVAILABLE\|ended' "$TMP/watch.err" && ok "the watch says why it ended" || bad "watch end: $(cat "$TMP/watch.err")"
start_daemon && ok "restart" || bad "restart failed"
expect 0 "owners after a restart" ctl --json owners /own/d
[ "$(json_get "[(g['host'], g['mode'], g['epoch']) for g in d['owners']]")" = "[(0, 'rw', 2)]" ] && ok "grants survive a restart" || bad "after restart: $(cat "$TMP/out")"
expect 1 "enforcement after a restart" ctl cp famfs:/own/a/f "$TMP/out.bin2"
expect 0 "release by the owner" ctl release /own/b --host 1
expect 0 "fsck is clean" $B/fsck.famfs "$DEV"
kill -0 "$pid" && ok "famfsd is alive" || bad "famfsd died"
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
[ "$rc" = 0 ] && ok "famfsd exits 0" || bad "famfsd exit $rc: $(tail -5 "$TMP/famfsd.log")"

echo "ownership: $pass passed, $fail failed"
[ "$fail" = 0 ]
