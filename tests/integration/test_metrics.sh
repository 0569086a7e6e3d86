#!/usr/bin/env bash
# Metrics and cluster status: three famfsd on loopback with [metrics] listen,
# commits through a follower, two handoffs, then every /metrics is scraped
# and checked by a strict exposition parser (tests/integration/prom_scrape.py)
# and the counters are compared with what was done; bad paths and methods;
# famfsctl cluster / status --json; a metrics address already in use.
# Prints "metrics: N passed, N failed".
set -u
B=${B:-build}
TMP=$(mktemp -d /tmp/famfs-metrics.XXXXXX)
DEV=/dev/shm/famfs-metrics.$$
. tests/ports.sh && draw_ports	# BASE_PORT: see tests/ports.sh
LEASE=${FAMFS_TEST_LEASE_MS:-600}
SCRAPE="python3 tests/integration/prom_scrape.py"
. tests/integration/cluster_lib.sh
xpid=
trap '[ -n "$xpid" ] && kill $xpid 2>/dev/null; cluster_stop_all; [ -n "${KEEP:-}" ] && echo "kept $TMP" || rm -rf "$TMP"; rm -f "$DEV"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "PASS: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
mport() { echo $((BASE_PORT + 10 + $1)); }
url() { echo "http://127.0.0.1:$(mport "$1")$2"; }
# scrape NAME HOST...: each host's /metrics, checked, saved as $TMP/NAME.I ("SERIES<TAB>VALUE" lines)
scrape() {
	local name=$1 i args=()
	shift
	for i in "$@"; do rm -f "$TMP/$name.$i"; args+=("$(url "$i" /metrics)=$TMP/$name.$i"); done
	$SCRAPE "${args[@]}"
}
# val NAME I SERIES: a series' value in a saved scrape ("missing" when absent)
val() { awk -F'\t' -v k="$3" '$1 == k { print $2; f = 1 } END { if (!f) print "missing" }' "$TMP/$1.$2"; }
# delta I SERIES: its value in the "after" scrape minus the "before" one
delta() { echo $(( $(val after "$1" "$2") - $(val before "$1" "$2") )); }
check "the exposition checker rejects malformed input" '$SCRAPE --selftest >/dev/null'
cluster_setup 3 "$LEASE" || { echo "metrics: 0 passed, 1 failed"; exit 1; }
for i in 1 2 3; do printf '[metrics]\nlisten = 127.0.0.1:%s\n' "$(mport $i)" >>"$TMP/h$i.conf"; done
for i in 1 2 3; do host_start $i || bad "host $i did not start"; done
m=$(wait_master 15 1 2 3) && ok "master elected (host $m)" || { bad "no master"; echo "metrics: $pass passed, $fail failed"; exit 1; }
f=$(echo 1 2 3 | tr ' ' '\n' | grep -v "^$m$" | head -1)
o=$(echo 1 2 3 | tr ' ' '\n' | grep -v "^$m$" | tail -1)
for i in 1 2 3; do check "host $i logs its metrics address" 'grep -q "metrics: http://127.0.0.1:$(mport $i)/metrics" "$TMP/h$i.log"'; done

check "every /metrics parses (before)" 'scrape before 1 2 3 && [ -s $TMP/before.1 ] && [ -s $TMP/before.2 ] && [ -s $TMP/before.3 ]' 
# Commits through a follower: two mkdirs, one create; a NOT_FOUND on the master.
check "mkdir -p and creat through follower host $f" 'hctl $f mkdir -p /m/a && hctl $f creat --size 2M /m/a/f1 >/dev/null'
check "stat of a missing path fails on the master" '! hctl $m stat /nope 2>/dev/null'
check "handoff to a host that is not a member fails" '! hctl $m handoff /m/a --to 9 2>/dev/null'
# Two handoffs f -> o -> f (the first asked on a follower, forwarded to the master).
check "acquire rw on host $f" 'hctl $f acquire /m/a --rw >/dev/null'
check "handoff $f -> $o" 'hctl $f handoff /m/a --to $o >/dev/null'
check "handoff $o -> $f" 'hctl $m handoff /m/a --to $f >/dev/null'
sleep "$(python3 -c "print($LEASE / 1000)")"	# a few master lease renewals
for _ in $(seq 1 50); do	# pushes are asynchronous: let every host catch up
	scrape after $m || break
	lag=$(awk -F'\t' '$1 ~ /^famfs_replay_lag_records/ { s += $2 } END { print s + 0 }' "$TMP/after.$m")
	[ "$lag" = 0 ] && break
	sleep 0.1
done
check "every /metrics parses (after)" 'scrape after 1 2 3 && [ -s $TMP/after.1 ] && [ -s $TMP/after.2 ] && [ -s $TMP/after.3 ]' 

check "master: 2 mkdir commits" '[ "$(delta $m "famfs_commits_total{type=\"mkdir\"}")" = 2 ]'
check "master: 1 create commit" '[ "$(delta $m "famfs_commits_total{type=\"create\"}")" = 1 ]'
# acquire: OWNER; each handoff: one OWNER record that replaces the old grant.
check "master: 3 owner commits" '[ "$(delta $m "famfs_commits_total{type=\"owner\"}")" = 3 ]'
for i in $f $o; do
	check "follower $i committed nothing" '[ "$(delta $i "famfs_commits_total{type=\"mkdir\"}")" = 0 ]'
	check "follower $i replayed the 6 records" '[ "$(delta $i famfs_records_replayed_total{})" = 6 ]'
	check "follower $i is not master" '[ "$(val after $i famfs_is_master{})" = 0 ] && [ "$(val after $i famfs_master_host{})" = $m ]'
done
check "master: famfs_is_master 1" '[ "$(val after $m famfs_is_master{})" = 1 ]'
check "master: log positions match" '[ "$(val after $m famfs_log_committed_seq{})" = "$(val after $m famfs_log_replayed_seq{})" ]'
check "master: 2 handoffs ok, 0 failed" '[ "$(delta $m "famfs_handoffs_total{result=\"ok\"}")" = 2 ] && [ "$(delta $m "famfs_handoffs_total{result=\"failed\"}")" = 0 ]'
check "master: handoff histogram count == handoffs done" '[ "$(val after $m famfs_handoff_duration_seconds_count{})" = "$(val after $m "famfs_handoffs_total{result=\"ok\"}")" ] && [ "$(val after $m famfs_handoff_duration_seconds_count{})" = 2 ]'
check "master: handoff histogram +Inf bucket == count, sum > 0" '[ "$(val after $m "famfs_handoff_duration_seconds_bucket{le=\"+Inf\"}")" = 2 ] && awk -v s="$(val after $m famfs_handoff_duration_seconds_sum{})" "BEGIN { exit !(s > 0) }"'
check "followers ran no handoff" '[ "$(val after $f famfs_handoff_duration_seconds_count{})" = 0 ] && [ "$(val after $o famfs_handoff_duration_seconds_count{})" = 0 ]'
check "master: exactly 1 more NOT_FOUND" '[ "$(delta $m "famfs_rpc_errors_total{status=\"NOT_FOUND\"}")" = 1 ]'
check "master: an INVALID_ARGUMENT (host 9)" '[ "$(delta $m "famfs_rpc_errors_total{status=\"INVALID_ARGUMENT\"}")" -ge 1 ]'
check "master: replies counted" '[ "$(delta $m famfs_rpc_replies_total{})" -ge 7 ]'
check "master: its lease was renewed meanwhile" '[ "$(delta $m famfs_lease_renewals_total{})" -ge 1 ]'
check "master: stood for master at least once" '[ "$(val after $m famfs_elections_total{})" -ge 1 ]'
check "followers renew no master lease" '[ "$(delta $f famfs_lease_renewals_total{})" = 0 ]'
for i in 1 2 3; do
	check "master: host $i is up, replay lag 0" '[ "$(val after $m "famfs_host_up{host=\"$i\",name=\"$([ $i = $m ] && echo self || echo h$i)\"}")" = 1 ] && [ "$(val after $m "famfs_replay_lag_records{host=\"$i\",name=\"$([ $i = $m ] && echo self || echo h$i)\"}")" = 0 ]'
done
check "master: no user-space host has kernel counters" '! grep -q famfs_kernel_ "$TMP/after.$m"'
check "every host reports the same epoch" '[ "$(val after 1 famfs_epoch{})" = "$(val after 2 famfs_epoch{})" ] && [ "$(val after 2 famfs_epoch{})" = "$(val after 3 famfs_epoch{})" ]'

# HTTP: only GET/HEAD /metrics. One line per request: "WHAT CODE BODY_BYTES".
python3 - "127.0.0.1" "$(mport $m)" >"$TMP/http.txt" <<'PY'
import socket, sys, urllib.request, urllib.error
host, port = sys.argv[1], int(sys.argv[2])
for method, path in (('GET', '/'), ('GET', '/metricsx'), ('GET', '/metrics/x'),
                     ('GET', '/metrics?x=1'), ('POST', '/metrics'), ('HEAD', '/metrics')):
    req = urllib.request.Request('http://%s:%d%s' % (host, port, path), method=method)
    try:
        r = urllib.request.urlopen(req, timeout=5)
        code, body, allow = r.status, r.read(), ''
    except urllib.error.HTTPError as e:
        code, body, allow = e.code, e.read(), e.headers.get('Allow', '')
    print(method, path, code, len(body), allow.replace(' ', ''))
s = socket.create_connection((host, port), 5)
s.sendall(b'GARBAGE\r\n\r\n')
print('garbage', s.recv(100).decode().split('\r\n')[0].replace(' ', '_'))
PY
check "GET / is 404 with a message" 'grep -qx "GET / 404 39 " "$TMP/http.txt"'
check "GET /metricsx is 404" 'grep -q "^GET /metricsx 404 " "$TMP/http.txt"'
check "GET /metrics/x is 404" 'grep -q "^GET /metrics/x 404 " "$TMP/http.txt"'
check "GET /metrics?x=1 is 200" 'grep -q "^GET /metrics?x=1 200 [1-9]" "$TMP/http.txt"'
check "POST /metrics is 405, Allow: GET, HEAD" 'grep -q "^POST /metrics 405 [0-9]* GET,HEAD$" "$TMP/http.txt"'
check "HEAD /metrics is 200 without a body" 'grep -qx "HEAD /metrics 200 0 " "$TMP/http.txt"'
check "a malformed request gets 400" 'grep -qx "garbage HTTP/1.1_400_Bad_Request" "$TMP/http.txt"'
check "the daemon serves on after all that" 'scrape again $m'

# famfsctl cluster --json on every host and status --json on a follower, summed up as
# "cluster I HOSTS MASTERS MASTER EPOCH ROLE", "view I HOST UP LEASE LEFT>0 LAG CONTACT<LEASE"
# and "status HOSTS" lines.
for i in 1 2 3; do hctl $i --json cluster >"$TMP/cl.$i.json"; done
hctl $f --json status >"$TMP/st.json"
python3 - "$TMP" "$LEASE" >"$TMP/cl.txt" <<'PY'
import json, sys
tmp, lease = sys.argv[1], int(sys.argv[2])
for i in (1, 2, 3):
    d = json.load(open('%s/cl.%d.json' % (tmp, i)))
    h = d['hosts']
    print('cluster', i, ','.join(str(x['host']) for x in sorted(h, key=lambda x: x['host'])),
          ','.join(str(x['host']) for x in h if x['is_master']), d['master'], d['epoch'], d['role'])
    for x in h:
        c = x['last_contact_ms']
        print('view', i, x['host'], int(x['up']), x['lease'], int(x['lease_left_ms'] > 0),
              x['lag'], 'self' if x['self'] else ('-' if c is None else int(c < lease)))
st = json.load(open('%s/st.json' % tmp))
print('status', ','.join(str(x['host']) for x in sorted(st['hosts'], key=lambda x: x['host'])))
PY
for i in 1 2 3; do
	check "host $i: cluster --json shows 3 hosts, one master ($m), the epoch of its metrics" \
		'grep -qx "cluster $i 1,2,3 $m $m $(val after $i famfs_epoch{}) $([ $i = $m ] && echo master || echo follower)" "$TMP/cl.txt"'
done
check "master's view: itself up, lease held, lag 0" 'grep -qx "view $m $m 1 held 1 0 self" "$TMP/cl.txt"'
for i in $f $o; do
	check "master's view: host $i up, lease valid, lag 0, heard within a lease" 'grep -qx "view $m $i 1 valid 1 0 1" "$TMP/cl.txt"'
done
check "follower's view: the master's lease held (its replay position unknown), its own valid" 'grep -qx "view $f $m 1 held 1 None 1" "$TMP/cl.txt" && grep -qx "view $f $f 1 valid 1 0 self" "$TMP/cl.txt"'
check "follower's view: the other follower is not tracked" 'grep -q "^view $f $o [01] unknown " "$TMP/cl.txt"'
check "status --json includes the same 3 hosts" 'grep -qx "status 1,2,3" "$TMP/cl.txt"'
check "cluster prints a table with 3 host rows" '[ "$(hctl $m cluster | tee "$TMP/table.txt" | grep -Ec "^[123] ")" = 3 ] && grep -q "^$m .*master.*held" "$TMP/table.txt"'
check "cluster takes no arguments (usage, exit 2)" 'hctl $m cluster extra 2>"$TMP/u.err"; [ $? = 2 ] && grep -q "no arguments; .extra. is extra" "$TMP/u.err"'

# A metrics address already in use: famfsd refuses to start and says why.
cat >"$TMP/x.conf" <<CONF
[famfs]
device = $DEV
mode = user
[control]
socket = $TMP/x.sock
[metrics]
listen = 127.0.0.1:$(mport $m)
CONF
$FAMFSD --config "$TMP/x.conf" 2>"$TMP/x.log" &
xpid=$!
for _ in $(seq 1 50); do kill -0 $xpid 2>/dev/null || break; sleep 0.1; done
wait $xpid; rc=$?; xpid=
check "a metrics address in use: famfsd exits non-zero naming it" '[ $rc != 0 ] && grep -q "metrics: cannot listen on 127.0.0.1:$(mport $m): Address already in use" "$TMP/x.log"'

echo "metrics: $pass passed, $fail failed"
[ "$fail" = 0 ]
