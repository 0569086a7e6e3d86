#!/usr/bin/env bash
# make bench-metadata: 3 famfsd on loopback over one fabric file.
#   1. creates/s from 1, 2 and 3 hosts at once (pipelined, META_WINDOW in
#      flight per host), aggregate and per host, ratio vs the 1-host run;
#      commit latency with 1 in flight on the master and on a follower;
#   2. replay lag: commit ack on the master -> applied on each follower
#      (famfs.Watch), p50/p99, vs a null RPC round trip to a follower;
#   3. startup of a host joining a cluster whose log holds META_JOIN_FILES
#      files: famfsd start -> READY=1 -> following the master and caught up,
#      vs copying + checksumming the same log bytes.
# Writes bench/results/metadata.txt and bench/results/metadata.png.
set -euo pipefail
B=${B:-build}
PER_HOST=${META_CREATES:-10000}
WINDOW=${META_WINDOW:-64}
LAG_N=${META_LAG_CREATES:-2000}
JOIN_FILES=${META_JOIN_FILES:-100000}
STEP_S=${META_STEP_TIMEOUT:-300}
. tests/integration/cluster_lib.sh
. bench/meta_lib.sh
bench_setup metadata

FAMFS_CLUSTER_SIZE=2G FAMFS_CLUSTER_LOG=64M cluster_setup 3 1000
for i in 1 2 3; do host_start "$i"; done
m=$(wait_master 30 1 2 3) || { echo "bench-metadata: no master elected within 30 s" >&2; exit 1; }
read -r -a order <<<"$(hosts_master_first "$m" 3)"

exec 3>&1 > >(tee "$OUT")
bench_header bench-metadata "3 hosts, lease 1000 ms, log 64 MiB, $PER_HOST creates per host," \
	"$WINDOW in flight per host, $LAG_N lag samples, join with $JOIN_FILES files"
echo "# master: host $m; hosts in the order used: ${order[*]}"
echo
echo "== creates/s from 1, 2, 3 hosts at once ($WINDOW in flight per host; hosts 2+ forward to the master)"
printf '%-6s %12s %10s %10s %10s   %s\n' hosts aggregate p50_us p99_us vs_1host per-host
: >"$DAT.creates"
base=
for k in 1 2 3; do
	out=$(timeout "$STEP_S" "$B/bench/bench_creates" -n "$PER_HOST" -w "$WINDOW" -d "/meta/k$k" \
		$(socks "${order[@]:0:$k}"))
	rate=$(result rate <<<"$out")
	base=${base:-$rate}
	per=$(host_rates <<<"$out")
	printf '%-6s %12.0f %10s %10s %10s   %s\n' "$k" "$rate" "$(result p50_us <<<"$out")" \
		"$(result p99_us <<<"$out")" "$(ratio "$rate" "$base")" "$per"
	pad=; for ((x = k; x < 3; x++)); do pad+=" ?"; done
	echo "$k $rate $per$pad" >>"$DAT.creates"
done
echo
echo "== commit latency, 1 create in flight (master: local commit; follower: forwarded)"
for who in master follower; do
	h=${order[0]}; [ $who = follower ] && h=${order[1]}
	out=$(timeout "$STEP_S" "$B/bench/bench_creates" -n 2000 -w 1 -d "/meta/lat-$who" "$TMP/h$h.sock")
	printf '%-9s host %s: %8.0f creates/s  p50 %8s us  p99 %8s us\n' "$who" "$h" \
		"$(result rate <<<"$out")" "$(result p50_us <<<"$out")" "$(result p99_us <<<"$out")"
	echo "\"commit p50\\n($who)\" $(result p50_us <<<"$out")" >>"$DAT.us"
done
echo
echo "== replay lag: ack on the master -> applied on each follower ($LAG_N creates, 1 in flight)"
out=$(timeout "$STEP_S" "$B/bench/bench_lag" -n "$LAG_N" -d /meta/lag $(socks "${order[@]}"))
grep -v '^RESULT\|^replay lag' <<<"$out"
lp50=$(result p50_us <<<"$out"); lp99=$(result p99_us <<<"$out"); ping=$(result ping_us <<<"$out")
echo "overall p50 $lp50 us, p99 $lp99 us ($(result early <<<"$out") of $((LAG_N * 2)) seen before the ack arrived);" \
	"p50 = $(ratio "$lp50" "$ping")x a null RPC round trip"
printf '"lag p50" %s\n"lag p99" %s\n"null RPC\\nround trip" %s\n' "$lp50" "$lp99" "$ping" >>"$DAT.us"
echo
have=$(hctl "$m" --json status | status_field files)
fill=$((JOIN_FILES - have))
if [ "$fill" -gt 0 ]; then
	out=$(timeout "$STEP_S" "$B/bench/bench_creates" -n "$fill" -w "$WINDOW" -d /meta/fill "$TMP/h$m.sock")
	echo "(filled the log to $JOIN_FILES files: $fill more creates at $(result rate <<<"$out") /s)"
fi
j=${order[2]}
host_stop "$j"
echo "== startup of host $j joining the cluster (log with $JOIN_FILES files)"
out=$(timeout "$STEP_S" "$B/bench/bench_startup" -r 3 -s "$TMP/h$j.sock" "$DEV" -- \
	"$FAMFSD" --config "$TMP/h$j.conf" 2>>"$TMP/startup.log")
grep -v '^RESULT' <<<"$out"
raw=$(result raw_ms <<<"$out")
echo "caught up = $(ratio "$(result caught_ms <<<"$out")" "$raw")x the baseline; the wait for the master's" \
	"next lease renewal (every lease/3 = 333 ms) dominates it"
printf '"baseline:\\ninvalidate,\\ncopy, CRC" %s\n"replay\\n(in process)" %s\n"famfsd\\nREADY=1" %s\n"following\\nmaster" %s\n' "$raw" "$(result replay_ms <<<"$out")" \
	"$(result ready_ms <<<"$out")" "$(result caught_ms <<<"$out")" >"$DAT.startup"
exec 1>&3 3>&-
plot bench/plots/metadata.gp "$DAT" bench/results/metadata.png
