#!/usr/bin/env bash
# random_faults.sh when a port it drew is taken (CI, 2026-12-05: the proxy
# could not bind, no peer link came up and the run failed with "no master"):
# one of the proxy's ports is held by a listener of this test; the campaign
# must draw new ports, elect a master and pass its run. And tests/ports.sh,
# which every cluster test draws its ports with, must see the held port.
# FAMFS_RANDOM_FAULTS: another copy of the campaign script to try.
set -u
B=${B:-build}
. tests/ports.sh && draw_ports
base=$BASE_PORT
taken=$((base + 112))	# the proxy's port for the link 1 -> 2
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); print("held", flush=True); time.sleep(120)' "$taken" >"/tmp/famfs-porttaken.$$" 2>&1 &
holder=$!
trap 'kill $holder 2>/dev/null; rm -f /tmp/famfs-porttaken.$$' EXIT
for _ in $(seq 1 50); do grep -q held "/tmp/famfs-porttaken.$$" && break; sleep 0.1; done
grep -q held "/tmp/famfs-porttaken.$$" || { echo "port-taken: 0 passed, 1 failed (could not hold port $taken: $(cat /tmp/famfs-porttaken.$$))"; exit 1; }
pass=0 fail=0
# tests/ports.sh sees the held port: a span with it is not free, and a
# draw never returns a span that holds it.
if ! ports_span_free "$base"; then pass=$((pass + 1)); echo "PASS: ports_span_free: port $taken is in use"
else fail=$((fail + 1)); echo "FAIL: ports_span_free did not see port $taken held"; fi
clash=0
for _ in $(seq 1 200); do
	draw_ports
	[ "$BASE_PORT" -lt "$taken" ] && [ $((BASE_PORT + PORT_SPAN)) -ge "$taken" ] && clash=$((clash + 1))
done
if [ "$clash" = 0 ]; then pass=$((pass + 1)); echo "PASS: 200 draws, none with port $taken in its span"
else fail=$((fail + 1)); echo "FAIL: $clash of 200 draws hold port $taken in their span"; fi
out=$(B=$B FAMFS_FAULT_BASE_PORT=$base FAMFS_FAULT_RUNS=1 FAMFS_FAULT_SECONDS=2 FAMFS_FAULT_KINDS=kill_follower \
	bash "${FAMFS_RANDOM_FAULTS:-tests/faults/random_faults.sh}" 2>&1)
if [[ $out == *"ports taken, trying again"* ]]; then pass=$((pass + 1)); echo "PASS: port $taken taken: new ports drawn"
else fail=$((fail + 1)); echo "FAIL: port $taken taken: no new ports drawn"; fi
if [[ $out == *"faults-random: "*" passed, 0 failed"* ]]; then pass=$((pass + 1)); echo "PASS: the campaign's run passed on the new ports"
else fail=$((fail + 1)); echo "FAIL: the campaign failed:"; echo "$out" | tail -n 20; fi
echo "port-taken: $pass passed, $fail failed"
[ "$fail" = 0 ]
