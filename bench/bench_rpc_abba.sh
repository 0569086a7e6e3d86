#!/usr/bin/env bash
# bench-rpc of this tree against an older revision, alternating whole
# bench_rpc.sh runs (old new new old, ROUNDS times) so that the load of this
# shared machine falls on both alike. Each side runs its own famfsd and its
# own bench_rpc client: what differs between two revisions of the RPC layer
# (the frame codec, for one) is on both ends of every call. Prints each
# run's famfs rates and raw baselines with the load average, then per
# figure the median [min, max] of each side's runs and the ratio new / old
# of the medians. Before them, the frame codec alone (bench/bench_codec.c,
# linked with each side's RPC library): ns per frame decoded and encoded,
# old new new old x CODEC_ROUNDS. Writes bench/results/rpc-abba.txt.
#
#   bash bench/bench_rpc_abba.sh [OLD_REV]    (default 53a7840: the Envelope codec by hand)
#   ROUNDS=3  CODEC_ROUNDS=4
set -euo pipefail
B=${B:-build}
OLD=${1:-53a7840}
ROUNDS=${ROUNDS:-3}
CODEC_ROUNDS=${CODEC_ROUNDS:-4}
. bench/bench_lib.sh
BENCH_NAME=rpc-abba
TMP=$(mktemp -d /tmp/famfs-bench-rpc-abba.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$RESULTS"
make --no-print-directory "$B/famfsd" "$B/mkfs.famfs" "$B/bench/bench_rpc" "$B/libfamfs-rpc.a" >/dev/null
build_old "$OLD" "$TMP/old" build/famfsd build/mkfs.famfs build/bench/bench_rpc build/libfamfs-rpc.a
load0=$(cut -d" " -f1-3 /proc/loadavg)
codec_cc() { # WHO TREE LIB
	${CC:-cc} -O2 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$2/lib" -o "$TMP/codec-$1" \
		bench/bench_codec.c "$3" $(pkg-config --libs libprotobuf-c) || die "bench_codec ($1) did not build"
}
codec_cc old "$TMP/old" "$TMP/old/build/libfamfs-rpc.a"
codec_cc new . "$B/libfamfs-rpc.a"
: >"$TMP/codec"
for _ in $(seq 1 "$CODEC_ROUNDS"); do
	for who in old new new old; do
		echo "$who $("$TMP/codec-$who" | sed -n 's/^RESULT decode_ns=\([0-9.]*\) encode_ns=\([0-9.]*\) encoder=\([a-z]*\).*/\1 \2 \3/p') $(cut -d" " -f1 /proc/loadavg)" |
			tee -a "$TMP/codec"
	done
done
# The figures, by the start of their line in bench_rpc's report (rate in /s).
FIGS=("raw ping-pong, 1 in flight" "null RPC (famfs.Ping), 1 in flight"
	"creates (famfs.Create), 1 in flight" "raw ping-pong, 64 in flight"
	"null RPC (famfs.Ping), 64 in flight" "creates (famfs.Create), 64 in flight"
	"raw TLS ping-pong, 1 in flight" "null RPC over TLS, 1 in flight"
	"raw TLS ping-pong, 64 in flight" "null RPC over TLS, 64 in flight")
rate() { grep -m1 -F "$1" "$2" | awk '{ for (i = 1; i <= NF; i++) if ($i == "/s") { print $(i - 1); exit } }'; }
: >"$TMP/rows"
for _ in $(seq 1 "$ROUNDS"); do
	for who in old new new old; do
		dir=.
		[ "$who" = old ] && dir=$TMP/old
		load=$(cut -d" " -f1 /proc/loadavg)
		mkdir -p "$TMP/res"
		(cd "$dir" && B=build FAMFS_BENCH_RESULTS="$TMP/res" bash bench/bench_rpc.sh) \
			>"$TMP/out" 2>&1 || die "bench_rpc.sh ($who) failed: $(tail -n 5 "$TMP/out")"
		row=$who
		for f in "${FIGS[@]}"; do
			r=$(rate "$f" "$TMP/out")
			[ -n "$r" ] || die "no '$f' in the $who run: $(tail -n 5 "$TMP/out")"
			row="$row $r"
		done
		echo "$row $load" | tee -a "$TMP/rows"
	done
done

# median [min, max] of column C of WHO's rows (of FILE, default the bench_rpc rows; FORMAT %.0f)
stat() { awk -v w="$1" -v c="$2" '$1 == w { print $c }' "${3:-$TMP/rows}" | sort -n |
	awk -v f="${4:-%.0f}" '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
		printf f " " f " " f "\n", m, v[1], v[NR] }'; }
{
	bench_header rpc-abba
	echo "bench-rpc: old = $OLD, new = $(git rev-parse --short HEAD) (this tree); whole bench_rpc.sh runs," \
		"old new new old x $ROUNDS; each side its own famfsd and bench_rpc client; load average at the start $load0"
	echo "frame codec alone (bench/bench_codec.c): ns per frame, a create request and its reply, decode+clear and encode" \
		"(old: $(awk '$1 == "old" { print $4; exit }' "$TMP/codec"), new: $(awk '$1 == "new" { print $4; exit }' "$TMP/codec")" \
		"= fam_rpc_frame_bound + _pack, or fam_rpc_frame_size + _write); old new new old x $CODEC_ROUNDS"
	echo "# who decode_ns encode_ns encoder load1"
	cat "$TMP/codec"
	for spec in "decode (ns per frame):2" "encode (ns per frame):3"; do
		read -r om omin omax < <(stat old "${spec##*:}" "$TMP/codec" %.1f)
		read -r nm nmin nmax < <(stat new "${spec##*:}" "$TMP/codec" %.1f)
		printf '%-40s %26s %26s %8s\n' "${spec%:*}" "$om [$omin, $omax]" "$nm [$nmin, $nmax]" \
			"$(awk -v a="$nm" -v b="$om" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
	done
	echo "each run: bench_rpc's 9 ABBA rounds of famfsd against its raw echo (see bench-rpc); rates /s, the median of its rounds"
	echo "# who $(for f in "${FIGS[@]}"; do printf '%s | ' "$f"; done)load1"
	cat "$TMP/rows"
	printf '%-40s %26s %26s %8s\n' "median [min, max] of the runs (/s)" old new new/old
	c=2
	for f in "${FIGS[@]}"; do
		read -r om omin omax < <(stat old $c)
		read -r nm nmin nmax < <(stat new $c)
		printf '%-40s %26s %26s %8s\n' "$f" "$om [$omin, $omax]" "$nm [$nmin, $nmax]" \
			"$(awk -v a="$nm" -v b="$om" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
		c=$((c + 1))
	done
	# famfs over its raw baseline within each run (the machine's speed, which moves
	# from run to run, cancels): median [min, max] of the runs' ratios.
	printf '%-40s %26s %26s %8s\n' "famfs / raw in the same run" old new new/old
	for spec in "null RPC, 1 in flight:3:2" "create, 1 in flight:4:2" "null RPC, 64 in flight:6:5" \
		"create, 64 in flight:7:5" "null RPC over TLS, 1 in flight:9:8" \
		"null RPC over TLS, 64 in flight:11:10"; do
		IFS=: read -r what c b <<<"$spec"
		awk -v c="$c" -v b="$b" '{ printf "%s %.4f\n", $1, $c / $b }' "$TMP/rows" >"$TMP/ratio"
		read -r om omin omax < <(stat old 2 "$TMP/ratio" %.2f)
		read -r nm nmin nmax < <(stat new 2 "$TMP/ratio" %.2f)
		printf '%-40s %26s %26s %8s\n' "$what" "$om [$omin, $omax]" "$nm [$nmin, $nmax]" \
			"$(awk -v a="$nm" -v b="$om" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
	done
	echo "load average at the end $(cut -d" " -f1-3 /proc/loadavg)"
} | tee "$RESULTS/rpc-abba.txt"
