#!/usr/bin/env bash
# Fault injection: kill -9 the master during a stream of commits, TRIALS
# times (FAMFS_FAULT_TRIALS, default 100; seed FAMFS_FAULT_SEED printed).
# After each trial: no acknowledged commit is lost on any host, no epoch
# ever had two masters, fsck is clean. Prints "faults: N passed, N failed".
set -u
B=${B:-build}
TRIALS=${FAMFS_FAULT_TRIALS:-100}
SEED=${FAMFS_FAULT_SEED:-$RANDOM}
LEASE=${FAMFS_TEST_LEASE_MS:-500}
TMP=$(mktemp -d /tmp/famfs-faults.XXXXXX)
DEV=/dev/shm/famfs-faults.$$
. tests/ports.sh && draw_ports	# BASE_PORT: see tests/ports.sh
. tests/integration/cluster_lib.sh
trap 'kill $sampler $writer 2>/dev/null; cluster_stop_all; rm -rf "$TMP" "$DEV"' EXIT
RANDOM=$SEED
echo "faults: $TRIALS trials of kill -9 of the master during commits, seed $SEED, lease $LEASE ms"
pass=0 fail=0 sampler= writer=
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }

FAMFS_CLUSTER_SIZE=256M cluster_setup 3 "$LEASE" || exit 1
for i in 1 2 3; do host_start $i; done
m=$(wait_master 20 1 2 3) || { echo "faults: 0 passed, 1 failed (no master)"; exit 1; }
hctl 1 mkdir /f >/dev/null 2>&1 || hctl 2 mkdir /f >/dev/null 2>&1

# Every 50 ms: which host says it is master, in which epoch.
sample() {
	while :; do
		for i in 1 2 3; do
			out=$($CTL --socket "$TMP/h$i.sock" --json status 2>/dev/null | tr -d ' \n' |
				sed -n 's/.*"host_id":\([0-9]*\).*"epoch":\([0-9]*\).*"role":"master".*/\2 \1/p')
			[ -n "$out" ] && echo "$out"
		done
		sleep 0.05
	done >>"$TMP/masters"
}
sample & sampler=$!

# Commits through a follower; only what was acknowledged is recorded.
stream() { # HOST TRIAL
	local k=0
	while :; do
		k=$((k + 1))
		if $CTL --socket "$TMP/h$1.sock" mkdir "/f/t$2-$k" >/dev/null 2>&1; then
			echo "t$2-$k" >>"$TMP/acked"
		fi
	done
}

diagnose() {
	for i in 1 2 3; do
		echo "host $i: $(hctl $i --json status 2>&1 | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["role"], "master", d["master"], "epoch", d["epoch"], "seq", d["committed_seq"])' 2>&1)"
		tail -n 6 "$TMP/h$i.log" | sed 's/^/    /'
	done
}

t0=$SECONDS
for t in $(seq 1 "$TRIALS"); do
	m=$(wait_master 20 1 2 3) || { bad "trial $t: no master"; diagnose; break; }
	via=$(( m % 3 + 1 ))
	stream $via $t & writer=$!
	sleep 0.$((RANDOM % 6 + 2))
	host_kill $m
	rest=$(echo 1 2 3 | tr ' ' '\n' | grep -v "^$m$" | tr '\n' ' ')
	nm=$(wait_master 20 $rest) || { bad "trial $t: no successor after killing host $m"; kill $writer; break; }
	sleep 0.3
	kill $writer 2>/dev/null; wait $writer 2>/dev/null; writer=
	host_start $m || bad "trial $t: host $m did not restart"
	sleep 0.3
	# Nothing acknowledged is lost, on any host.
	for i in 1 2 3; do
		for _ in 1 2 3 4 5; do
			hctl $i ls /f >"$TMP/ls$i" 2>"$TMP/lserr$i" && break
			sleep 0.2
		done
		tr -d / <"$TMP/ls$i" | sort >"$TMP/have$i"
		missing=$(sort "$TMP/acked" | comm -23 - "$TMP/have$i" | head -3)
		[ -z "$missing" ] && ok || bad "trial $t: host $i lost acknowledged commits: $(echo $missing) (ls: $(head -c 200 "$TMP/lserr$i"))"
	done
	$B/fsck.famfs "$DEV" >"$TMP/fsck" 2>&1 && ok || bad "trial $t: fsck: $(cat "$TMP/fsck")"
	[ $((t % 10)) = 0 ] && echo "  trial $t: $(wc -l <"$TMP/acked") acknowledged commits so far, $((SECONDS - t0)) s"
done
kill $sampler 2>/dev/null; wait $sampler 2>/dev/null; sampler=
# Never two masters in one epoch.
dups=$(sort -u "$TMP/masters" | awk '{print $1}' | uniq -d)
[ -z "$dups" ] && ok || bad "two masters in epoch(s) $dups: $(sort -u "$TMP/masters" | grep -E "^($(echo $dups | tr ' ' '|')) ")"
echo "faults: $(wc -l <"$TMP/acked") acknowledged commits, master terms (epoch host): $(sort -un "$TMP/masters" | tr '\n' ' ')"
echo "faults: $(sort -u "$TMP/masters" | wc -l) master terms observed, $((SECONDS - t0)) s"
echo "faults: $pass passed, $fail failed"
[ "$fail" = 0 ]
