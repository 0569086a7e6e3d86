#!/usr/bin/env bash
# Group commit under kill -9 (issue 13, docs/cluster.md "Group commit"): per
# trial, two pipelined create storms of 64 calls in flight (famfs_storm), one
# into the master (local clients: batches of its own) and one through a
# follower (forwarded calls: batches on the master), then kill -9 of the
# master mid-storm. Afterwards, on every host (the killed one restarted):
# every create a storm saw acknowledged is there, fsck is clean. Calls the
# storms saw fail are allowed (the master died under them); their statuses
# are printed. FAMFS_GROUP_TRIALS (default 5), FAMFS_FAULT_SEED.
set -u
B=${B:-build}
TRIALS=${FAMFS_GROUP_TRIALS:-5}
SEED=${FAMFS_FAULT_SEED:-$RANDOM}
LEASE=${FAMFS_TEST_LEASE_MS:-500}
TMP=$(mktemp -d /tmp/famfs-group.XXXXXX)
DEV=/dev/shm/famfs-group.$$
. tests/ports.sh && draw_ports	# BASE_PORT: see tests/ports.sh
. tests/integration/cluster_lib.sh
s1= s2=
trap 'kill $s1 $s2 2>/dev/null; cluster_stop_all; [ -n "${FAMFS_TEST_KEEP:-}" ] || rm -rf "$TMP" "$DEV"' EXIT
RANDOM=$SEED
echo "group-commit: $TRIALS trials of kill -9 of the master during pipelined create storms, seed $SEED"
pass=0 fail=0 total=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }

FAMFS_CLUSTER_SIZE=256M FAMFS_CLUSTER_LOG=64M cluster_setup 3 "$LEASE" || exit 1
for i in 1 2 3; do host_start $i || { echo "group-commit: host $i did not start"; exit 1; }; done
m=$(wait_master 20 1 2 3) || { echo "group-commit: 0 passed, 1 failed (no master)"; exit 1; }
hctl $m mkdir /g >/dev/null || { echo "group-commit: mkdir /g failed"; exit 1; }

for t in $(seq 1 "$TRIALS"); do
	m=$(wait_master 20 1 2 3) || { bad "trial $t: no master"; break; }
	f=$(( m % 3 + 1 ))
	hctl $m mkdir /g/t$t-m >/dev/null && hctl $m mkdir /g/t$t-f >/dev/null ||
		{ bad "trial $t: mkdir failed"; break; }
	$B/tests/famfs_storm "$TMP/h$m.sock" /g/t$t-m 64 5 100000 >"$TMP/acked-m" 2>"$TMP/storm-m" & s1=$!
	$B/tests/famfs_storm "$TMP/h$f.sock" /g/t$t-f 64 5 100000 >"$TMP/acked-f" 2>"$TMP/storm-f" & s2=$!
	# Kill mid-storm: once both have had acknowledgements, after 0-90 ms more.
	for _ in $(seq 1 200); do
		[ -s "$TMP/acked-m" ] && [ -s "$TMP/acked-f" ] && break
		sleep 0.01
	done
	sleep 0.0$((RANDOM % 10))
	host_kill $m
	rest=$(echo 1 2 3 | tr ' ' '\n' | grep -v "^$m$" | tr '\n' ' ')
	nm=$(wait_master 20 $rest) || { bad "trial $t: no successor after killing host $m"; break; }
	wait $s1 $s2; s1= s2=
	host_start $m || { bad "trial $t: host $m did not restart"; break; }
	sleep 0.5
	acked=$(cat "$TMP/acked-m" "$TMP/acked-f" | wc -l)
	total=$((total + acked))
	echo "  trial $t: master $m killed, $nm succeeded; acknowledged: $(wc -l <"$TMP/acked-m") into the master, $(wc -l <"$TMP/acked-f") through host $f"
	sed 's/^/    /' "$TMP/storm-m" "$TMP/storm-f"
	# The storms must have had something acknowledged, or the trial tested nothing.
	[ "$acked" -gt 0 ] && ok || bad "trial $t: no create was acknowledged"
	# Nothing acknowledged is lost, on any host.
	sort "$TMP/acked-m" "$TMP/acked-f" >"$TMP/want"
	for i in 1 2 3; do
		: >"$TMP/have$i"
		for d in m f; do
			for _ in 1 2 3 4 5; do
				hctl $i ls /g/t$t-$d >"$TMP/ls" 2>"$TMP/lserr" && break
				sleep 0.2
			done
			sed "s#^#/g/t$t-$d/#" "$TMP/ls" >>"$TMP/have$i"
		done
		sort -o "$TMP/have$i" "$TMP/have$i"
		missing=$(comm -23 "$TMP/want" "$TMP/have$i")
		[ -z "$missing" ] && ok ||
			bad "trial $t: host $i lost $(echo "$missing" | wc -l) acknowledged creates: $(echo $missing | head -c 200) (ls: $(head -c 200 "$TMP/lserr"))"
	done
	$B/fsck.famfs "$DEV" >"$TMP/fsck" 2>&1 && ok || bad "trial $t: fsck: $(cat "$TMP/fsck")"
done
echo "group-commit: $total acknowledged creates checked on 3 hosts"
echo "group-commit: $pass passed, $fail failed"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
