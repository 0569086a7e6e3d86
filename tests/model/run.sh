#!/usr/bin/env bash
# Check the famfs protocol model with spin: the correct model has no
# assertion violation (exhaustive search), and each deliberately broken
# variant does (so the model can fail). Prints "model: N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v spin >/dev/null; then
	echo "SKIP: spin is not installed (apt-get install spin); model not checked"
	echo "model: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
TMP=$(mktemp -d /tmp/famfs-model.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cp "$here/famfs.pml" "$TMP/"
cd "$TMP" || exit 1
pass=0 fail=0

# run NAME EXPECT(0|bug) SPIN_DEFINES...
run() {
	local name=$1 expect=$2 t0=$SECONDS out errors; shift 2
	if ! spin "$@" -a famfs.pml >spin.out 2>&1 || ! gcc -O2 -DSAFETY -DMEMLIM=6000 -o pan pan.c 2>gcc.out; then
		fail=$((fail + 1)); echo "FAIL: $name: spin/gcc: $(tail -3 spin.out gcc.out)"; return
	fi
	out=$(timeout 600 ./pan -m200000 2>&1)
	errors=$(echo "$out" | sed -n 's/.*errors: \([0-9]*\).*/\1/p' | tail -1)
	states=$(echo "$out" | sed -n 's/^ *\([0-9e.+]*\) states, stored.*/\1/p' | tail -1)
	if [ "$expect" = 0 ] && [ "$errors" = 0 ] && ! echo "$out" | grep -q 'max search depth too small'; then
		pass=$((pass + 1)); echo "PASS: $name: no violation, $states states, $((SECONDS - t0)) s"
	elif [ "$expect" = bug ] && [ -n "$errors" ] && [ "$errors" -gt 0 ]; then
		pass=$((pass + 1)); echo "PASS: $name: counterexample found ($(echo "$out" | grep -m1 -o 'assertion violated.*' | cut -c1-80)), $((SECONDS - t0)) s"
	else
		fail=$((fail + 1)); echo "FAIL: $name: errors=${errors:-?}: $(echo "$out" | tail -5)"
	fi
}

run "election: one master at a time, epochs increase, no old-epoch write" 0 -DELECTION
run "ownership: never two rw hosts, never rw+ro, grants cover access" 0 -DOWNERSHIP
run "broken: master lease longer than the promises (BUG_DRIFT)" bug -DELECTION -DBUG_DRIFT
run "broken: no header-epoch check before appends (BUG_NOHDR)" bug -DELECTION -DBUG_DRIFT -DBUG_NOHDR
run "broken: grant released without revoke ack or lease expiry (BUG_NOWAIT)" bug -DOWNERSHIP -DBUG_NOWAIT
run "broken: self-fencing later than the master's view (BUG_LATEFENCE)" bug -DOWNERSHIP -DBUG_LATEFENCE
echo "model: $pass passed, $fail failed"
[ "$fail" = 0 ]
