# Helpers for the election fault tests (issue 12: test_voter_restart.sh,
# test_commit_stall.sh): three famfsd whose peer links all run through the
# dropping proxy (partition_proxy.py), daemon logs stamped with the test's
# clock, PASS / FAIL reporting. Needs B, and sets TMP, DEV, BASE_PORT.
# A property that cannot be judged (a daemon too slow to reach the state the
# test needs) fails the run: these tests never skip.
TMP=$(mktemp -d /tmp/famfs-elect.XXXXXX)
DEV=/dev/shm/famfs-elect.$$
. tests/ports.sh && draw_ports	# BASE_PORT: see tests/ports.sh
PROXY_BASE=$((BASE_PORT + 100))	# pair I-J listens on PROXY_BASE + 10 I + J
CONTROL=$TMP/blocked
. tests/integration/cluster_lib.sh
proxy=
elect_cleanup() {
	[ -n "$proxy" ] && kill "$proxy" 2>/dev/null
	cluster_stop_all
	if [ -n "${FAMFS_TEST_KEEP:-}" ]; then echo "$NAME: logs kept in $TMP"; rm -f "$DEV"; else rm -rf "$TMP" "$DEV"; fi
}
trap elect_cleanup EXIT

# Stop every famfsd (not the proxy) and wait for them.
hosts_stop() {
	local i
	for i in "${!PID[@]}"; do
		[ -n "${PID[$i]}" ] || continue
		kill -CONT "${PID[$i]}" 2>/dev/null
		kill "${PID[$i]}" 2>/dev/null
		wait "${PID[$i]}" 2>/dev/null
		PID[$i]=
	done
}
ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }
T0MS=$(ms)
rel() { echo $(($(ms) - T0MS)); }
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "PASS: $1 [$(rel) ms]"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1 [$(rel) ms]"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
event() { echo "$(rel) TEST: $*" >>"$TMP/events"; }
diagnose() {
	local i
	for i in 1 2 3; do
		echo "  host $i: $(hctl $i --json status 2>&1 | tr -d ' \n' | head -c 300)"
		grep -v "TLS handshake\|TLS peer" "$TMP/h$i.log" | tail -n 12 | sed 's/^/    /'
	done
	sed 's/^/    /' "$TMP/events"
}
finish() {
	[ "$fail" = 0 ] || diagnose
	echo "$NAME: $pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
}
# Poll CMD every 0.05 s for at most TIMEOUT_MS.
wait_ms() { # TIMEOUT_MS CMD
	local end=$(($(ms) + $1))
	while [ "$(ms)" -lt $end ]; do
		eval "$2" && return 0
		sleep 0.05
	done
	eval "$2"
}
field() { host_status "$@"; }
# Host I's own lease left (ms), from its entry in status --json's host list.
self_lease_left() { # I
	hctl "$1" --json status 2>/dev/null | tr -d ' \n' | grep -o '"self":true[^}]*' |
		sed -n 's/.*"lease_left_ms":\([0-9]*\).*/\1/p'
}
pport() { echo $((PROXY_BASE + 10 * $1 + $2)); }
others() { echo 1 2 3 | tr ' ' '\n' | grep -v "^$1$" | tr '\n' ' '; }
# As cluster_lib.sh's, but each log line gets the test's clock (ms) in front.
host_start() { # I
	rm -f "$TMP/h$1.sock"
	${FAMFS_TEST_WRAP:-} env ${HOST_ENV[$1]:-} "$FAMFSD" --config "$TMP/h$1.conf" 2> >(
		while IFS= read -r l; do t=${EPOCHREALTIME/[.,]/}; echo "$((t / 1000 - T0MS)) $l"; done >>"$TMP/h$1.log") &
	PID[$1]=$!
	wait_ms $((10000 * SLOW)) "[ -S '$TMP/h$1.sock' ]"
}
declare -A HOST_ENV
# Block exactly the listed ordered pairs ("1-2 2-1 ..."); none: heal.
block() {
	echo "$*" >"$CONTROL.new"
	mv "$CONTROL.new" "$CONTROL"
	event "blocked: ${*:-none}"
	sleep 0.15	# the proxy re-reads it every 50 ms
}
# mkdir through host I; UNAVAILABLE (an election) is retried for up to TIMEOUT_MS.
commit() { # I PATH [TIMEOUT_MS]
	local end=$(($(ms) + ${3:-8000})) out n=0
	while :; do
		out=$(hctl "$1" mkdir "$2" 2>&1) && return 0
		[ $n -gt 0 ] && [[ $out == *ALREADY_EXISTS* ]] && return 0
		if [[ $out != *UNAVAILABLE* ]] || [ "$(ms)" -ge $end ]; then echo "    ($out)"; return 1; fi
		n=$((n + 1))
		sleep 0.2
	done
}
# The proxy (one port per ordered pair) and a 3-host cluster whose peer
# addresses all go through it.
elect_setup() { # LEASE_MS
	local i j pairs=()
	for i in 1 2 3; do
		for j in $(others $i); do pairs+=("$i-$j:$(pport $i $j):$((BASE_PORT + j))"); done
	done
	: >"$CONTROL"
	python3 tests/faults/partition_proxy.py --control "$CONTROL" --ready "$TMP/proxy.ready" \
		"${pairs[@]}" 2>"$TMP/proxy.log" &
	proxy=$!
	cluster_setup 3 "$1" || return 1
	for i in 1 2 3; do
		for j in $(others $i); do
			sed -i "s/^address = 127\.0\.0\.1:$((BASE_PORT + j))\$/address = 127.0.0.1:$(pport $i $j)/" "$TMP/h$i.conf"
		done
	done
	wait_ms 20000 "[ -e '$TMP/proxy.ready' ]" || return 1
}
# Every host's log agrees with the fabric: fsck clean, at most one read-write
# owner at every log position (tests/faults/history_check.py --log).
log_checks() {
	check "fsck: clean, epochs never go backwards in the log" \
		'$B/fsck.famfs "$DEV" >"$TMP/fsck.out" 2>&1 || { cat "$TMP/fsck.out"; false; }'
	if [ -x "$B/tests/famfs_logdump" ]; then
		check "history_check: the log never had two read-write owners" \
			'$B/tests/famfs_logdump "$DEV" >"$TMP/log.jsonl" 2>"$TMP/logdump.err" &&
			 python3 tests/faults/history_check.py --log "$TMP/log.jsonl" >"$TMP/hc.out" 2>&1 ||
			 { cat "$TMP/logdump.err" "$TMP/hc.out"; false; }'
	fi
}
