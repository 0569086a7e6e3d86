#!/usr/bin/env bash
# make bench-rpc: start a famfsd on a fabric file (UNIX socket + TLS on
# loopback), run bench_rpc against it, stop it. Results also go to
# bench/results/rpc.txt, rpc.dat (famfs rates as a ratio of raw) and rpc.png.
set -euo pipefail
B=${B:-build}
TMP=$(mktemp -d /tmp/famfs-bench-rpc.XXXXXX)
DEV=/dev/shm/famfs-bench-rpc.$$
. tests/ports.sh && draw_ports && PORT=$((BASE_PORT + 1))	# see tests/ports.sh
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP" "$DEV"' EXIT
# A log large enough for 9 rounds of creates; the metadata region (below
# "data from") allocated now, as real fabric memory is: tmpfs would allocate
# and zero a page at the first write of each 4 KiB of log, in the commits.
data=$($B/mkfs.famfs --size 2G --log-size 256M "$DEV" | sed -n 's/.*data from 0x\([0-9a-fA-F]*\).*/\1/p')
[ -n "$data" ] && fallocate -o 0 -l $((16#$data)) "$DEV"
bash scripts/famfs-certs.sh "$TMP/certs" bench >/dev/null
cat >"$TMP/famfsd.conf" <<CONF
[famfs]
device = $DEV
mode = user
[control]
socket = $TMP/famfsd.sock
[log]
level = warning
[cluster]
host_id = 1
listen = 127.0.0.1:$PORT
cert = $TMP/certs/bench.crt
key = $TMP/certs/bench.key
ca = $TMP/certs/ca.crt
CONF
$B/famfsd --config "$TMP/famfsd.conf" &
pid=$!
for _ in $(seq 1 100); do [ -S "$TMP/famfsd.sock" ] && break; sleep 0.05; done
. bench/bench_lib.sh
mkdir -p "$RESULTS"
$B/bench/bench_rpc "$TMP/famfsd.sock" "127.0.0.1:$PORT" "$TMP/certs/bench.crt" \
	"$TMP/certs/bench.key" "$TMP/certs/ca.crt" > "$TMP/out"
{ bench_header rpc; cat "$TMP/out"; } | tee "$RESULTS/rpc.txt"
# Plotted: "TRANSPORT: WHAT" ratio-of-raw rate/s for every famfs line.
awk 'BEGIN { print "# what ratio_of_raw rate/s" }
	/^bench-rpc \(UNIX/ { t = "UNIX" } /^bench-rpc \(mutual TLS/ { t = "TLS" }
	/ratio .* of raw/ { l = substr($0, 1, 46); sub(/ +$/, "", l); n = split(substr($0, 47), f, " ");
		for (i = 1; i <= n; i++) if (f[i] == "ratio") r = f[i + 1];
		printf "\"%s: %s\" %s %s\n", t, l, r, f[1] }' "$TMP/out" > "$RESULTS/rpc.dat"
bench_plot rpc
