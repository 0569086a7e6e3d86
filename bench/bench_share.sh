#!/usr/bin/env bash
# make bench-share: time to make a data set of 1 GiB and 8 GiB available on
# another host, in one run (docs/benchmarks.md):
#   famfs     3 famfsd on loopback over one fabric file (user-space mode);
#             host A fills the data set, hands it to B; timed until B has
#             mapped it and read its first word, and until B has read every
#             byte. The report names the backend and whether famfsd's
#             handoff included cache maintenance on it;
#   baselines measured interleaved with the famfs figures, ROUNDS rounds in
#             ABBA order, each from A's mapping of the same bytes: a TCP
#             loopback copy into a receiving process's memory, cold (its
#             page faults timed) and pre-faulted; a memcpy into pre-faulted
#             memory (the physical limit of a copy); the cache walk of the
#             data set (flush + invalidate) famfsd does on devdax;
#   ext4      once, after the rounds: a shared ext4 image in /dev/shm (the
#             fastest "shared disk" one machine has): A mounts it, writes
#             the bytes, unmounts; B mounts it, reads them into its memory,
#             unmounts. Kernel ext4 on a loop device when root can
#             loop-mount, else e2fsprogs' debugfs write/dump (user space).
# Prints min/median/max of each figure and ratios of medians copy time /
# handoff time; writes bench/results/share.txt, share.dat and share.png.
#   FAMFS_BENCH_SHARE_SIZES="1 8" (GiB, or MiB with an M: "64M")
#   FAMFS_BENCH_SHARE_ROUNDS=20 (handoffs timed per size, spread over the rounds)
#   FAMFS_BENCH_SHARE_COPIES=3 (interleaved rounds, 1-9, for data sets <= 1 GiB; 1 above)
#   FAMFS_BENCH_SHARE_IMGDIR=/dev/shm    FAMFS_BENCH_SHARE_EXT4=auto|loop|debugfs
set -euo pipefail
B=${B:-build}
SIZES=${FAMFS_BENCH_SHARE_SIZES:-1 8}
ROUNDS=${FAMFS_BENCH_SHARE_ROUNDS:-20}
IMGDIR=${FAMFS_BENCH_SHARE_IMGDIR:-/dev/shm}
EXT4=${FAMFS_BENCH_SHARE_EXT4:-auto}
TMP=$(mktemp -d /tmp/famfs-bench-share.XXXXXX)
DEV=/dev/shm/famfs-bench-share.$$
SRC=/dev/shm/famfs-bench-share-src.$$	# host A's copy of the bytes
DST=/dev/shm/famfs-bench-share-dst.$$	# host B's copy of the bytes
IMG=$IMGDIR/famfs-bench-share-ext4.$$
MNT=$TMP/mnt
. tests/ports.sh && draw_ports	# BASE_PORT: see tests/ports.sh
. tests/integration/cluster_lib.sh
. bench/bench_lib.sh
cleanup() {
	cluster_stop_all
	mountpoint -q "$MNT" 2>/dev/null && umount "$MNT"
	rm -rf "$TMP" "$DEV" "$SRC" "$DST" "$IMG"
}
trap cleanup EXIT
die() { echo "bench-share: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.6f", b - a }'; }
avail_kib() { # the smaller of free /dev/shm (and IMGDIR) space and MemAvailable
	{ df -Pk /dev/shm "$IMGDIR" | awk 'NR > 1 { print $4 }'
	  awk '/^MemAvailable/ { print $2 }' /proc/meminfo; } | sort -n | head -n 1
}
for t in "$B/bench/bench_handoff" "$B/famfsd" "$B/famfsctl" "$B/mkfs.famfs"; do
	[ -x "$t" ] || die "$t not built (make all $B/bench/bench_handoff)"
done
command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 not installed (apt-get install e2fsprogs)"
mkdir -p "$MNT" "$RESULTS"

# Kernel ext4 on a loop device when we may, else debugfs (say which).
if [ "$EXT4" = auto ]; then
	EXT4=debugfs
	truncate -s 64M "$IMG" && mkfs.ext4 -q -F "$IMG" &&
		mount -o loop "$IMG" "$MNT" 2>/dev/null && umount "$MNT" && EXT4=loop
	rm -f "$IMG"
fi
case $EXT4 in
loop) ext4_how="kernel ext4, loop mount of the image";;
debugfs) ext4_how="debugfs write/dump (user-space ext4; no loop mount here)"
	command -v debugfs >/dev/null || die "debugfs not installed (apt-get install e2fsprogs)";;
*) die "FAMFS_BENCH_SHARE_EXT4 must be auto, loop or debugfs, not '$EXT4'";;
esac

# ext4_share MIB: A writes $SRC into the image and lets go; B reads it into $DST.
ext4_share() {
	local t0
	mkfs.ext4 -q -F -b 4096 "$IMG" $(( $1 + $1 / 16 + 64 ))M || return 1
	t0=$(now)
	if [ $EXT4 = loop ]; then
		mount -o loop "$IMG" "$MNT" && dd if="$SRC" of="$MNT/data" bs=1M conv=fsync status=none &&
			umount "$MNT" || return 1
	else
		debugfs -w -R "write $SRC data" "$IMG" >/dev/null 2>"$TMP/debugfs.err" || return 1
	fi
	echo "R ext4_write $(since "$t0")"
	rm -f "$SRC"
	t0=$(now)
	if [ $EXT4 = loop ]; then
		mount -o loop,ro "$IMG" "$MNT" && dd if="$MNT/data" of="$DST" bs=1M status=none &&
			umount "$MNT" || return 1
	else
		debugfs -R "dump /data $DST" "$IMG" >/dev/null 2>>"$TMP/debugfs.err" || return 1
	fi
	echo "R ext4_read $(since "$t0")"
	rm -f "$IMG"
	$B/bench/bench_handoff --verify "$DST" || return 1
	rm -f "$DST"
}

# one SIZE: the three ways for one data set size; "R" lines into $TMP/SIZE.r.
one() {
	local g=$1 mb=$(mib "$1") copies=${FAMFS_BENCH_SHARE_COPIES:-3} need m a b
	need=$(( (2 * mb + 1024 + mb / 16) * 1024 ))	# KiB: two copies at a time, ext4 overhead
	if [ "$(avail_kib)" -lt $need ]; then
		echo "R skipped needs $(( need / 1048576 + 1 )) GiB free in /dev/shm, $IMGDIR and RAM; $(( $(avail_kib) / 1048576 )) GiB available" > "$TMP/$g.r"
		return 0
	fi
	[ "$mb" -le 1024 ] || copies=1
	FAMFS_CLUSTER_SIZE=$((mb + 1024))M FAMFS_CLUSTER_LOG=64M cluster_setup 3 1000 ||
		die "cluster setup failed"
	for i in 1 2 3; do host_start $i || die "famfsd $i did not start: $(tail -n 3 "$TMP/h$i.log")"; done
	m=$(wait_master 20 1 2 3) || die "no master elected"
	a=$(( m % 3 + 1 )); b=$(( a % 3 + 1 )); [ "$b" = "$m" ] && b=$(( b % 3 + 1 ))
	hctl $a mkdir /share >/dev/null
	hctl $a creat --size ${mb}M /share/data >/dev/null
	hctl $a acquire /share/data --rw >/dev/null
	echo "R hosts $a $b $m" > "$TMP/$g.r"
	for i in 1 2 3; do : > "$TMP/h$i.log"; done
	$B/bench/bench_handoff --share "$TMP/h$a.sock" "$TMP/h$b.sock" /share/data \
		"$ROUNDS" "$copies" "$SRC" >> "$TMP/$g.r" || die "bench_handoff failed"
	echo "R cache_log $(famfsd_cache_log "$TMP"/h[123].log)" >> "$TMP/$g.r"
	cluster_stop_all
	for i in 1 2 3; do PID[$i]=; rm -f "$TMP/h$i.sock"; done
	rm -f "$DEV"
	ext4_share "$mb" >> "$TMP/$g.r" ||
		die "ext4 $EXT4 failed ($(cat "$TMP/debugfs.err" 2>/dev/null | tail -n 2))"
}

# The report: share.txt (text) and share.dat (plotted: median ms per way and size).
r() { awk -v k="$2" '$1 == "R" && $2 == k { print $3; exit }' "$TMP/$1.r"; }
rest() { awk -v k="$2" '$1 == "R" && $2 == k { $1 = $2 = ""; sub(/^  /, ""); print; exit }' "$TMP/$1.r"; }
ms() { awk -v s="$1" 'BEGIN { printf "%.3f", s * 1000 }'; }
x() { awk -v a="$1" -v b="$2" 'BEGIN { r = a / b; printf (r < 10 ? "%.2fx" : "%.0fx"), r }'; }
row() { # SIZE KEY WHAT: min, median, max in ms and the number of samples
	printf '  %-62s %10s %10s %10s  (%s)\n' "$3" "$(ms $(r $1 $2_min))" "$(ms $(r $1 $2_med))" \
		"$(ms $(r $1 $2_max))" "$(r $1 $2_n)"
}
report() { # SIZES done so far
{
	bench_header share
	echo "time until a data set is available on another host; 3 famfsd on loopback (user-space mode, mutual TLS)"
	echo "ext4: $ext4_how; image in $IMGDIR"
	for g in "$@"; do
		echo
		if [ -n "$(r $g skipped)" ]; then
			echo "$(label $g): skipped: $(grep '^R skipped' "$TMP/$g.r" | cut -d' ' -f3-)"
			continue
		fi
		read -r _ _ a b m < <(grep '^R hosts' "$TMP/$g.r")
		p50=$(r $g handoff_med) all=$(r $g read_all_med) cold=$(r $g tcp_cold_med)
		warm=$(r $g tcp_warm_med) copy=$(r $g memcpy_med) walk=$(r $g walk_med)
		ew=$(r $g ext4_write) er=$(r $g ext4_read)
		e=$(awk -v a="$ew" -v b="$er" 'BEGIN { print a + b }')
		echo "$(label $g) data set ($(r $g extents) extents), host $a -> host $b (master: host $m)"
		echo "  backend: $(rest $g backend)"
		echo "  cache maintenance in the famfs handoff figures: $(r $g cache_walk | tr _ ' '): $(rest $g cache_why)"
		echo "  $(rest $g cache_log)"
		echo "  $(r $g rounds) rounds in ABBA order (famfs figures, baselines | baselines, famfs figures | ...);" \
			"baselines copy from host $a's mapping"
		printf '  %-62s %10s %10s %10s  (samples)\n' "ms" "min" "median" "max"
		row $g handoff "famfs handoff until B has mapped it and read a word"
		echo "  $(printf '%-62s' '  (p99 of the same)') $(printf '%10s' "$(ms $(r $g handoff_p99))")"
		row $g read_all "famfs handoff and B reads every byte (B invalidates all)"
		row $g tcp_cold "TCP loopback copy into B's memory, cold (page faults timed)"
		row $g tcp_warm "TCP loopback copy into B's memory, pre-faulted"
		row $g memcpy "memcpy into pre-faulted memory (a copy's physical limit)"
		row $g walk "cache walk of the data set ($(r $g flush_method) + invalidate)"
		printf '  %-62s %10s  (once, after the rounds: write %s + read back %s)\n' \
			"shared ext4 image: A writes, B reads back" "$(ms $e)" "$(ms $ew)" "$(ms $er)"
		printf '  ratio copy time / handoff median: TCP cold %s, TCP pre-faulted %s, memcpy %s, ext4 %s\n' \
			"$(x $cold $p50)" "$(x $warm $p50)" "$(x $copy $p50)" "$(x $e $p50)"
		printf '  ratio TCP pre-faulted / (handoff + read every byte): %s\n' "$(x $warm $all)"
		if [ "$(r $g cache_walk)" != included ]; then
			printf '  ratio copy time / (handoff + the cache walk famfsd skipped here): TCP cold %s, TCP pre-faulted %s, memcpy %s\n' \
				"$(x $cold $(awk -v a=$p50 -v b=$walk 'BEGIN { print a + b }'))" \
				"$(x $warm $(awk -v a=$p50 -v b=$walk 'BEGIN { print a + b }'))" \
				"$(x $copy $(awk -v a=$p50 -v b=$walk 'BEGIN { print a + b }'))"
		fi
	done
} > "$RESULTS/share.txt"
{
	echo "# size handoff_ms handoff_read_all_ms tcp_cold_ms tcp_prefaulted_ms memcpy_ms ext4_ms (medians)"
	for g in "$@"; do
		[ -z "$(r $g skipped)" ] || continue
		echo "\"$(label $g)\" $(ms $(r $g handoff_med)) $(ms $(r $g read_all_med)) $(ms $(r $g tcp_cold_med))" \
			"$(ms $(r $g tcp_warm_med)) $(ms $(r $g memcpy_med))" \
			"$(ms $(awk -v a="$(r $g ext4_write)" -v b="$(r $g ext4_read)" 'BEGIN { print a + b }'))"
	done
} > "$RESULTS/share.dat"
}

done_sizes=()
# mib SIZE: "8" (GiB) or "64M" in MiB; label SIZE: "8 GiB" or "64 MiB".
mib() { case $1 in *M) echo "${1%M}";; *) echo $(( $1 * 1024 ));; esac; }
label() { case $1 in *M) echo "${1%M} MiB";; *) echo "$1 GiB";; esac; }
for g in $SIZES; do
	case ${g%M} in ''|*[!0-9]*|0) die "FAMFS_BENCH_SHARE_SIZES: '$g' is not a size in GiB (or MiB with M)";; esac
	[ "$(mib "$g")" -ge 2 ] || die "FAMFS_BENCH_SHARE_SIZES: '$g' is below 2 MiB"
done
for g in $SIZES; do
	echo "bench-share: $(label "$g") ..." >&2
	one "$g"
	done_sizes+=("$g")
	report "${done_sizes[@]}"	# after each size: a later failure keeps what ran
done

cat "$RESULTS/share.txt"
bench_plot share
