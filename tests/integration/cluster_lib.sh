# Helpers for the multi-daemon tests: N famfsd on loopback over one fabric
# file (user-space mapping mode), mutual TLS between them.
# Needs: B (build dir), TMP (scratch dir), DEV (fabric file), BASE_PORT.
# FAMFS_TEST_WRAP: a command prefix for famfsd and famfsctl (make check-valgrind).
# FAMFS_TEST_NO_STATE_DIR=1: no [cluster] state_dir line (famfsd builds older than it).
# FAMFS_TEST_ACT_FOR_OTHERS: host ids (space separated) that may act for other hosts
# (act_for_others, docs/ownership.md "Who may act"); default "all": the tests drive
# acquire, release and handoff for any host from any host, as a scheduler would.
CTL=${CTL:-${FAMFS_TEST_WRAP:+$FAMFS_TEST_WRAP }$B/famfsctl}
FAMFSD=${FAMFSD:-$B/famfsd}
# FAMFS_TEST_SLOW: multiply the waits for start-up and elections (valgrind runs 10-50x slower).
SLOW=${FAMFS_TEST_SLOW:-1}
declare -gA PID

# "act_for_others = yes" when host I may act for others (FAMFS_TEST_ACT_FOR_OTHERS).
act_line() { # I
	local a=${FAMFS_TEST_ACT_FOR_OTHERS-all}
	if [ "$a" = all ] || [[ " $a " == *" $1 "* ]]; then echo "act_for_others = yes"; fi
}

cluster_setup() { # N LEASE_MS
	local n=$1 lease=$2 i j
	$B/mkfs.famfs --force --size ${FAMFS_CLUSTER_SIZE:-1G} --log-size ${FAMFS_CLUSTER_LOG:-8M} "$DEV" >/dev/null || return 1
	local hosts=()
	for i in $(seq 1 "$n"); do hosts+=("h$i=$i"); done	# each certificate names its host id
	bash scripts/famfs-certs.sh "$TMP/certs" "${hosts[@]}" >/dev/null 2>&1 || return 1
	for i in $(seq 1 "$n"); do
		cat >"$TMP/h$i.conf" <<CONF
[famfs]
device = $DEV
mode = user
[control]
socket = $TMP/h$i.sock
[log]
level = info
[cluster]
host_id = $i
listen = 127.0.0.1:$((BASE_PORT + i))
cert = $TMP/certs/h$i.crt
key = $TMP/certs/h$i.key
ca = $TMP/certs/ca.crt
lease_ms = $lease
${FAMFS_TEST_NO_STATE_DIR:+#}state_dir = $TMP/state$i
$(act_line "$i")
CONF
		for j in $(seq 1 "$n"); do
			[ "$j" = "$i" ] && continue
			printf '[peer h%s]\nhost_id = %s\naddress = 127.0.0.1:%s\n%s\n' "$j" "$j" $((BASE_PORT + j)) "$(act_line "$j")" >>"$TMP/h$i.conf"
		done
	done
}

host_start() { # I [LOGFILE]: the daemon's log (stderr) goes to LOGFILE, default $TMP/hI.log
	rm -f "$TMP/h$1.sock"
	${FAMFS_TEST_WRAP:-} "$FAMFSD" --config "$TMP/h$1.conf" 2>>"${2:-$TMP/h$1.log}" &
	PID[$1]=$!
	for _ in $(seq 1 $((100 * SLOW))); do
		[ -S "$TMP/h$1.sock" ] && return 0
		sleep 0.05
	done
	return 1
}

host_kill() { # I [SIGNAL]
	kill -"${2:-KILL}" "${PID[$1]}" 2>/dev/null
	[ "${2:-KILL}" = KILL ] && { wait "${PID[$1]}" 2>/dev/null; rm -f "$TMP/h$1.sock"; PID[$1]=; }
	return 0
}

# One top-level field of host I's --json status ("" when it does not answer).
# The per-host list ("hosts") is cut off first: its entries repeat some keys.
host_status() { # I FIELD
	hctl "$1" --json status 2>/dev/null | tr -d ' \n' |
		sed -n "s/,\"hosts\":.*//; s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p"
}

hctl() { # I ARGS...
	local i=$1; shift
	$CTL --socket "$TMP/h$i.sock" "$@"
}

# The master's host id as host I sees it (-1 when none).
master_seen_by() {
	local m
	m=$(hctl "$1" --json status 2>/dev/null | sed -n 's/^ *"master":\(-*[0-9]*\).*/\1/p')
	echo "${m:--1}"
}

# Hosts (of those listed) that call themselves master right now.
masters_now() {
	local i out=""
	for i in "$@"; do
		[ -n "${PID[$i]:-}" ] || continue
		if hctl "$i" --json status 2>/dev/null | grep -q '"role":"master"'; then out="$out $i"; fi
	done
	echo $out
}

# Wait until exactly one of the listed hosts is master and all agree; print it.
wait_master() { # TIMEOUT_S HOSTS...
	local t=$(($1 * SLOW)); shift
	local end=$((SECONDS + t)) m agree i
	while [ $SECONDS -lt $end ]; do
		m=$(masters_now "$@")
		if [ -n "$m" ] && [ "$(echo $m | wc -w)" = 1 ]; then
			agree=1
			for i in "$@"; do
				[ "$(master_seen_by "$i")" = "$m" ] || agree=0
			done
			[ $agree = 1 ] && { echo "$m"; return 0; }
		fi
		sleep 0.1
	done
	return 1
}

cluster_stop_all() {
	local i
	for i in "${!PID[@]}"; do
		[ -n "${PID[$i]}" ] && kill -CONT "${PID[$i]}" 2>/dev/null && kill "${PID[$i]}" 2>/dev/null
	done
	wait 2>/dev/null
}

# A test's scratch space and result count, for tests that set nothing
# themselves: TMP (a new directory), DEV (a fabric file), BASE_PORT, an EXIT
# trap that stops the daemons and removes both; ok / bad / check count into
# pass and fail.
cluster_scratch() { # NAME
	TMP=$(mktemp -d "/tmp/famfs-$1.XXXXXX")
	DEV=/dev/shm/famfs-$1.$$
	. tests/ports.sh && draw_ports	# BASE_PORT: see tests/ports.sh
	trap 'cluster_stop_all; rm -rf "$TMP" "$DEV"' EXIT
	pass=0 fail=0
}
ok()  { pass=$((pass + 1)); echo "PASS: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
# For the suites that set SUITE (the name of the summary line "SUITE: N passed,
# N failed") and count from here on: finish, and a bounded poll.
: "${pass:=0}" "${fail:=0}"
finish() { echo "${SUITE:-tests}: $pass passed, $fail failed"; [ "$fail" = 0 ]; exit; }
wait_until() { # SECONDS CMD: poll every 0.1 s
	local end=$((SECONDS + $1 * SLOW))
	while [ $SECONDS -lt $end ]; do eval "$2" && return 0; sleep 0.1; done
	eval "$2"
}
