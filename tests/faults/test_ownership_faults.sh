#!/usr/bin/env bash
# Ownership under faults (issue 12, defects 4-7), three famfsd on loopback
# whose peer links run through tests/faults/partition_proxy.py (cut or
# delay one direction of one link). Each scenario reproduces a way the
# single-writer guarantee used to break, from the hosts' own answers
# (famfs.Open through libfamfs-client, famfs.Owners), never from timing:
#   4a. what nobody owns is read-only in a cluster: a host without a grant
#       cannot map it for writing, so an acquire elsewhere is never a second
#       writer (cp into the cluster takes and drops a grant by itself);
#   4b. a handoff is one log record: no prefix of the log leaves the data set
#       without its read-write owner (each record boundary is a crash point);
#   4c. the release of a read-write grant waits for the holder's revocation:
#       with the holder cut off, it is refused until the holder's lease has
#       run out there (its own famfsd then refuses access), never before;
#   5.  a follower whose replay is stuck (a record it cannot read) gives no
#       access from its stale namespace and gets no lease renewal;
#   6.  a famfs.peer.Grant the log does not hold (late: the holder had
#       already handed the data set on) raises nothing;
#   7.  a retried request (same request id) returns the first result: no
#       ALREADY_EXISTS, no delete of a newer object, also on a new master;
#       a release naming an old epoch does not release a newer grant.
# Prints PASS / FAIL lines and "ownership-faults: N passed, N failed".
# FAMFS_TEST_KEEP=1 keeps $TMP (daemon logs, log dumps).
set -u
B=${B:-build}
LEASE=${FAMFS_TEST_LEASE_MS:-1000}
TMP=$(mktemp -d /tmp/famfs-ownf.XXXXXX)
DEV=/dev/shm/famfs-ownf.$$
. tests/ports.sh && draw_ports	# BASE_PORT: see tests/ports.sh
PROXY_BASE=$((BASE_PORT + 100))	# pair I-J listens on PROXY_BASE + 10 I + J
CONTROL=$TMP/blocked
SUITE=ownership-faults
. tests/integration/cluster_lib.sh
RAW=(python3 tests/faults/famfs_raw.py)
HOLD=$B/tests/famfs_maphold
DUMP=$B/tests/famfs_logdump
proxy= holder= sampler=
cleanup() {
	[ -n "$holder" ] && kill "$holder" 2>/dev/null
	[ -n "$sampler" ] && kill "$sampler" 2>/dev/null
	[ -n "$proxy" ] && kill "$proxy" 2>/dev/null
	cluster_stop_all
	if [ -n "${FAMFS_TEST_KEEP:-}" ]; then echo "ownership-faults: logs kept in $TMP"; rm -f "$DEV"; else rm -rf "$TMP" "$DEV"; fi
}
trap cleanup EXIT

pport() { echo $((PROXY_BASE + 10 * $1 + $2)); }
others() { echo 1 2 3 | tr ' ' '\n' | grep -v "^$1$" | tr '\n' ' '; }
control() { printf '%s\n' "$@" >"$CONTROL.new"; mv "$CONTROL.new" "$CONTROL"; sleep 0.2; }
# Host I's own access to PATH (none/ro/rw), as its famfsd reports it.
access() { hctl "$1" --json owners "$2" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["access"])' 2>/dev/null; }
owners() { hctl "$1" --json owners "$2" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join("%d:%s:%d" % (g["host"], g["mode"], g["epoch"]) for g in d["owners"] if g["scope"] == "self"))'; }
hex() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }
# One request with a hand-made payload through host I's control socket.
raw() { local i=$1; shift; "${RAW[@]}" unix "$TMP/h$i.sock" "$@"; }

# Hosts' own answers about PATH (famfsctl owners on each), one after another,
# as JSON lines for history_check.py --access, until killed.
sample_access() { # PATH OUT HOSTS...
	local p=$1 out=$2 i t0 t1 j a e
	shift 2
	while :; do
		for i in "$@"; do
			t0=${EPOCHREALTIME/[.,]/}
			j=$(hctl "$i" --json owners "$p" 2>/dev/null | tr -d ' \n')
			t1=${EPOCHREALTIME/[.,]/}
			[[ $j =~ \"access\":\"([a-z]+)\" ]] || continue
			a=${BASH_REMATCH[1]} e=0
			[[ $j =~ \"host\":$i,\"mode\":\"rw\",\"epoch\":([0-9]+) ]] && e=${BASH_REMATCH[1]}
			echo "{\"host\":$i,\"path\":\"$p\",\"t0\":$((t0 / 1000)),\"t1\":$((t1 / 1000)),\"access\":\"$a\",\"epoch\":$e}" >>"$out"
		done
		sleep 0.05
	done
}

# ---- setup: every peer link through the proxy ----
pairs=()
for i in 1 2 3; do
	for j in $(others $i); do pairs+=("$i-$j:$(pport $i $j):$((BASE_PORT + j))"); done
done
: >"$CONTROL"
python3 tests/faults/partition_proxy.py --control "$CONTROL" --ready "$TMP/proxy.ready" "${pairs[@]}" \
	2>"$TMP/proxy.log" &
proxy=$!
cluster_setup 3 "$LEASE" || { bad "setup"; finish; }
for i in 1 2 3; do
	for j in $(others $i); do
		sed -i "s/^address = 127\.0\.0\.1:$((BASE_PORT + j))\$/address = 127.0.0.1:$(pport $i $j)/" "$TMP/h$i.conf"
	done
done
wait_until 20 '[ -e "$TMP/proxy.ready" ]' || { bad "the proxy did not start: $(cat "$TMP/proxy.log")"; finish; }
for i in 1 2 3; do host_start $i || bad "host $i did not start"; done
m=$(wait_master 20 1 2 3) && ok "one master (host $m)" || { bad "no master"; finish; }
read -r f g <<<"$(others $m)"
head -c $((1 << 20)) /dev/urandom >"$TMP/blob"

# ---- 4a. what nobody owns is read-only in a cluster ----
check "cp into the cluster on host $f (it takes and drops a grant by itself)" \
	'hctl $f mkdir -p /u && hctl $f cp "$TMP/blob" famfs:/u/f && [ -z "$(owners $m /u/f)" ]'
check "every host reads the bytes" 'for i in 1 2 3; do hctl $i verify /u/f "$TMP/blob" >/dev/null || exit 1; done'
for i in 1 2 3; do check "host $i's own access to unowned /u is read-only" '[ "$(access $i /u)" = ro ]'; done
out=$($HOLD "$TMP/h$f.sock" /u/f rw 0 2>&1)
check "host $f without a grant cannot map unowned /u/f for writing" \
	'[[ $out == *"refused: PERMISSION_DENIED"*"read-only on every host"* ]] || { echo "    ($out)"; false; }'
# Were it mapped, an acquire on host g would make two writers: it must never succeed while one is held.
$HOLD "$TMP/h$f.sock" /u/f rw 30 >"$TMP/hold.out" 2>&1 & holder=$!
wait_until 10 '[ -s "$TMP/hold.out" ]'
acq=$(hctl $g acquire /u --rw 2>&1)
if grep -q '^mapped' "$TMP/hold.out" && [[ $acq == *"owns it read-write"* ]]; then
	bad "two writers: host $f holds a writable mapping of /u/f and host $g acquired /u read-write"
else
	ok "no second writer: host $f's writable mapping and host $g's read-write grant never coexist"
fi
kill $holder 2>/dev/null; wait $holder 2>/dev/null; holder=
hctl $m release /u --host $g >/dev/null 2>&1

# ---- 4b. a handoff is one record ----
check "acquire /h read-write on host $f" 'hctl $f mkdir /h && hctl $f acquire /h --rw >/dev/null'
check "handoff /h $f -> $g" 'hctl $m handoff /h --to $g | grep -q "host $g owns it read-write"'
check "every host sees host $g alone as the owner" 'for i in 1 2 3; do [ "$(owners $i /h)" = "$g:rw:2" ] || exit 1; done'
$DUMP "$DEV" >"$TMP/dump.json" 2>"$TMP/dump.err"
# Replay the OWNER records of /h one by one: after the first grant, no record
# boundary may leave it without a read-write owner (a crash there would).
gap=$(python3 - "$TMP/dump.json" <<'PY'
import json, sys
rw, seen, gaps, n = {}, False, [], 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("type") != "OWNER" or r["path"] != "/h":
        continue
    n += 1
    if "prev_host" in r:
        rw.pop(r["prev_host"], None)
    if r["mode"] == "rw":
        rw[r["host"]] = r["grant_epoch"]
    else:
        rw.pop(r["host"], None)
    seen = seen or bool(rw)
    if seen and not rw:
        gaps.append("after record %d (host %d %s)" % (r["seq"], r["host"], r["mode"]))
print("%d records; unowned %s" % (n, ", ".join(gaps)) if gaps else "")
PY
)
check "no log prefix leaves /h without a read-write owner during the handoff" '[ -z "$gap" ] || { echo "    ($gap)"; false; }'
check "the handoff record names the grant it replaces" 'grep "\"path\":\"/h\"" "$TMP/dump.json" | grep -q "\"prev_host\":$f"'
check "history_check: at most one read-write owner at every log position" \
	'python3 tests/faults/history_check.py --log "$TMP/dump.json" >"$TMP/hc.out" 2>&1 || { cat "$TMP/hc.out"; false; }'

# ---- 4c. releasing a cut-off holder's read-write grant waits for its revocation ----
check "host $f owns /r read-write" 'hctl $f mkdir /r && hctl $f cp "$TMP/blob" famfs:/r/f && hctl $f acquire /r --rw >/dev/null && [ "$(access $f /r)" = rw ]'
sample_access /r "$TMP/access.jsonl" $f $g & sampler=$!
control "$f-$m" "$m-$f" "$f-$g" "$g-$f"
t0=$SECONDS released=0 unsafe=
# Retry the release (and then the acquire) on the master as an operator would;
# whenever it succeeds, the cut-off holder must already refuse access by itself.
while [ $((SECONDS - t0)) -lt $((30 * SLOW)) ]; do
	out=$(hctl $m release /r --host $f 2>&1) && { released=1; break; }
	# The master may have released it itself, once host f's lease expired there.
	[[ $out == *"holds no grant"* ]] && { released=1; break; }
	[[ $out == *UNAVAILABLE* ]] || { echo "    (release: $out)"; break; }
	sleep 0.3
done
acc_f=$(access $f /r)
[ $released = 1 ] && hctl $m acquire /r --rw --host $g >/dev/null 2>&1 && [ "$(access $g /r)" = rw ] &&
	[ "$(access $f /r)" = rw ] && unsafe="host $f still has read-write access while host $g owns /r"
sleep 1	# a few more answers of both hosts
kill $sampler 2>/dev/null; wait $sampler 2>/dev/null; sampler=
check "the release of cut-off host $f's grant is done in the end" '[ $released = 1 ]'
check "history_check --access: no two writers of /r in the hosts' own answers ($(wc -l <"$TMP/access.jsonl") samples)" \
	'python3 tests/faults/history_check.py --access "$TMP/access.jsonl" >"$TMP/hc2.out" 2>&1 || { head -3 "$TMP/hc2.out"; false; }'
check "when it was done, host $f itself gave no access any more" '[ "$acc_f" = none ] || { echo "    (host $f: $acc_f)"; false; }'
check "never two read-write owners of /r" '[ -z "$unsafe" ] || { echo "    ($unsafe)"; false; }'
check "the master refused it while host $f's lease ran" 'grep -q "did not answer the revocation" "$TMP/h$m.log" || grep -q "release failed" "$TMP/h$m.log"'
control
wait_until 20 '[ "$(master_seen_by $f)" = "$m" ] && hctl $f ls / >/dev/null'

# ---- 5. no access from a stuck replay ----
check "/x/f, read by host $f" 'hctl $m mkdir /x && hctl $m cp "$TMP/blob" famfs:/x/f && wait_until 10 "hctl $f verify /x/f \"$TMP/blob\" >/dev/null"'
nexp=$(grep -c "host $f: lease expired" "$TMP/h$m.log")
host_kill $f STOP
check "while host $f is stopped: rm /x/f, a new file in its place" 'hctl $m rm /x/f && hctl $m cp "$TMP/blob" famfs:/x/g'
$DUMP "$DEV" >"$TMP/dump5.json" 2>/dev/null
off=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("type") == "DELETE" and r.get("path") == "/x/f": print(r["off"] + 24)' "$TMP/dump5.json" | tail -1)
orig=$(python3 -c "import sys; f=open(sys.argv[1],'r+b'); f.seek(int(sys.argv[2])); b=f.read(1)[0]; f.seek(int(sys.argv[2])); f.write(bytes([b ^ 0xff])); print(b)" "$DEV" "$off")
check "the DELETE of /x/f is unreadable now (a byte of it flipped, at $off)" '[ -n "$orig" ]'
host_kill $f CONT
wait_until 15 'grep -q "replay is stuck" "$TMP/h$f.log"'
check "host $f notices that its replay is stuck" 'grep -q "replay is stuck" "$TMP/h$f.log"'
out=$(hctl $f verify /x/f "$TMP/blob" 2>&1)
check "host $f refuses /x/f from its stale namespace" '[[ $out == *"replay of the log is stuck"* ]] || { echo "    ($out)"; false; }'
check "host $f's own access is none" '[ "$(access $f /x)" = none ]'
# Restored only once the master has declared it dead: its own lease has surely run out by then.
check "the master stops acknowledging it: its lease expires there" \
	'wait_until 30 "[ \$(grep -c \"host $f: lease expired\" \"$TMP/h$m.log\") -gt $nexp ]"'
python3 -c "import sys; f=open(sys.argv[1],'r+b'); f.seek(int(sys.argv[2])); f.write(bytes([int(sys.argv[3])]))" "$DEV" "$off" "$orig"
check "byte restored: host $f catches up and serves again" 'wait_until 30 "hctl $f verify /x/g \"$TMP/blob\" >/dev/null 2>&1"'

# ---- 6. a late famfs.peer.Grant raises nothing ----
check "host $f owns /g read-write" 'hctl $f mkdir /g && hctl $f cp "$TMP/blob" famfs:/g/f && hctl $f acquire /g --rw >/dev/null'
e1=$(owners $m /g); e1=${e1##*:}
ep=$(host_status $m epoch)
# The master's requests to f (revoke, pushes) arrive late: f revokes, and
# until it replays the handoff it still has its old grant in its namespace.
control "$m-$f@2500"
# The master's Grant of epoch e1 to f, as a delayed or duplicated message would
# bring it: connected now, sent the moment the handoff returns.
mkfifo "$TMP/go"
"${RAW[@]}" --after "$TMP/go" tls "127.0.0.1:$((BASE_PORT + f))" "$TMP/certs/h$m.crt" "$TMP/certs/h$m.key" \
	"$TMP/certs/ca.crt" famfs.peer.Grant 1:s:/g 2:u:2 3:u:$e1 4:u:$m 5:u:$ep >"$TMP/grant.out" 2>&1 &
gpid=$!
check "handoff /g $f -> $g (host $f's revocation arrives late)" 'hctl $m handoff /g --to $g | grep -q "host $g owns it read-write"'
timeout 10 bash -c "echo go >\"$TMP/go\"" || kill $gpid 2>/dev/null
wait $gpid
grant=$(cat "$TMP/grant.out")
hold=$($HOLD "$TMP/h$f.sock" /g/f rw 0 2>&1)
check "the late Grant is refused: the log holds no such grant" '[[ $grant == FAILED_PRECONDITION* ]] || { echo "    ($grant)"; false; }'
check "host $f cannot map /g/f for writing while host $g owns it" '[[ $hold == refused* ]] || { echo "    ($hold; host $g: $(access $g /g))"; false; }'
check "a Grant from an epoch that is over is refused" \
	'"${RAW[@]}" tls "127.0.0.1:$((BASE_PORT + g))" "$TMP/certs/h$m.crt" "$TMP/certs/h$m.key" "$TMP/certs/ca.crt" famfs.peer.Grant 1:s:/g 2:u:2 3:u:$((e1 + 1)) 4:u:$m 5:u:$((ep - 1)) | grep -q "^FAILED_PRECONDITION.*stale"'
control
wait_until 20 '[ "$(owners $f /g)" = "$g:rw:$((e1 + 1))" ]'

# ---- 7. retries ----
id1=$(hex) id2=$(hex) id3=$(hex) id4=$(hex)
check "mkdir /q1 with a request id, through follower $f" 'raw $f famfs.Mkdir 1:s:/q1 7:b:$id1 >/dev/null'
out=$(raw $f famfs.Mkdir 1:s:/q1 7:b:$id1 2>&1)
check "the same mkdir retried: the first result, not ALREADY_EXISTS" '[[ $out == OK* ]] || { echo "    ($out)"; false; }'
check "famfsctl --request-id: create, then the same create again" \
	'hctl $g --request-id $id2 creat --size 4096 /q2 >/dev/null && hctl $g --request-id $id2 creat --size 4096 /q2 >/dev/null'
check "rm /q2 with a request id" 'raw $f famfs.Delete 1:s:/q2 2:b:$id3 >/dev/null'
check "a new /q2" 'hctl $f creat --size 4096 /q2 >/dev/null'
out=$(raw $f famfs.Delete 1:s:/q2 2:b:$id3 2>&1)
check "the first rm retried: OK, and the new /q2 is not deleted" '[[ $out == OK* ]] && hctl $m stat /q2 >/dev/null || { echo "    ($out)"; false; }'
check "acquire /q3 read-write on host $g" 'hctl $g mkdir /q3 && hctl $g acquire /q3 --rw >/dev/null'
e3=$(owners $m /q3); e3=${e3##*:}
out=$(raw $f famfs.Release 1:s:/q3 2:u:1 3:u:$g 5:u:1 6:u:$((e3 - 1)) 2>&1)
check "a release naming an older epoch of host $g's grant does not release it" \
	'[[ $out == FAILED_PRECONDITION* ]] && [ "$(owners $m /q3)" = "$g:rw:$e3" ] || { echo "    ($out; owners $(owners $m /q3))"; false; }'
check "mkdir /q4 with a request id through host $f" 'raw $f famfs.Mkdir 1:s:/q4 7:b:$id4 >/dev/null'
host_kill $m
nm=$(wait_master 30 $f $g) && ok "a new master after kill -9 of host $m (host $nm)" || bad "no new master"
out=$(raw $f famfs.Mkdir 1:s:/q4 7:b:$id4 2>&1)
check "the mkdir retried on the new master: the first result (from the log)" '[[ $out == OK* ]] || { echo "    ($out)"; false; }'
check "a malformed request id is refused" 'raw $f famfs.Mkdir 1:s:/q5 7:b:0102 | grep -q "^INVALID_ARGUMENT"'
host_start $m || bad "host $m restarts"
wait_until 20 '[ "$(master_seen_by $m)" = "$nm" ]'
kill $proxy 2>/dev/null; wait $proxy 2>/dev/null; proxy=
cluster_stop_all
check "fsck is clean" '$B/fsck.famfs "$DEV" >"$TMP/fsck.out" 2>&1 || { tail -5 "$TMP/fsck.out"; false; }'
finish
