# SPDX-License-Identifier: GPL-2.0
# bench-vm-handoff, in one VM, kernel mode, both sides of a handoff: the old
# owner's cache write-back when famfs.ko lowers a file's access (SET_ACCESS
# none: what famfsd's revoke does), for files of each size with nothing, 1 %
# and all of their bytes dirtied through a mapping, next to the raw clwb +
# sfence of the same dirty bytes (and of their 2 MiB units) from user space
# and a munmap of the same mapping; and the new owner's raise from none
# (with INVALIDATE_ON_TOUCH: only marking stale what it had read before),
# next to the raw clflushopt of those units, and the raise with the first
# read of those units (the module invalidates each at its first fault) next
# to a raw clflushopt of the units + the same read (famfs_wbbench, see there). In ROUNDS rounds of
# ABBA order (round 1: famfs then baselines, round 2: baselines then famfs ...).
# Nothing dirty: REPS0 samples a round (for the p99). Prints "S SIZE DIRTY
# KIND US" samples and "D ..." lines (the dirty set) for the host's report.
# famfs_bench=SIZES,ROUNDS,REPS0 on the kernel command line, SIZES in MiB
# separated by ':' (default 256:1024,4,20).
. /tests/lib.sh
IFS=, read -r SIZES ROUNDS REPS0 <<A
$BENCH_ARGS
A
SIZES=${SIZES:-256:1024} ROUNDS=${ROUNDS:-4} REPS0=${REPS0:-20}
W=famfs_wbbench

load_nvdimm && fsdax_switch && load_famfs || { fail "bench setup" "modules / fsdax"; exit 1; }
b=${DEV##*/}
echo "INFO device $DEV: $(( $(cat /sys/block/$b/size) / 2048 )) MiB fsdax;" \
	"dax write_cache $(cat /sys/block/$b/dax/write_cache 2>/dev/null || echo '?');" \
	"guest $(grep -o -m1 -w 'clwb\|clflushopt' /proc/cpuinfo | sort -u | tr '\n' ' ')"
mkdir -p $MNT
mkfs.famfs --force $DEV >/dev/null 2>&1 && mount -t famfs -o dax=always $DEV $MNT ||
	{ fail "bench setup" "mkfs / mount"; exit 1; }
for s in $(echo $SIZES | tr ':' ' '); do
	famfsctl local creat --size ${s}M $MNT /h$s >/dev/null ||
		{ fail "bench setup" "creat ${s}M"; exit 1; }
done

# one SIZE DIRTY KIND REPS
one() {
	$W $3 $MNT/h$1 $2 $4 > /tmp/wb 2>&1 || { fail "bench $1M $2 $3" "$(tail -n 1 /tmp/wb)"; exit 1; }
	sed -n "s/^S /S $1 $2 /p; s/^D /D $1 /p" /tmp/wb
}
r=0
while [ $r -lt $ROUNDS ]; do
	for s in $(echo $SIZES | tr ':' ' '); do
		for d in 0 1c 1s 100; do
			n=1; [ $d = 0 ] && n=$REPS0
			if [ $((r % 2)) = 0 ]; then
				one $s $d lower $n; one $s $d lowerd $n; one $s $d walk 1; one $s $d raw $n
				one $s $d rawunit $n; one $s $d unmap $n
				one $s $d raise $n; one $s $d rawinv $n
				one $s $d raiseread $n; one $s $d rawread $n
			else
				one $s $d rawread $n; one $s $d raiseread $n
				one $s $d rawinv $n; one $s $d raise $n
				one $s $d unmap $n; one $s $d rawunit $n
				one $s $d raw $n; one $s $d walk 1; one $s $d lowerd $n; one $s $d lower $n
			fi
		done
	done
	echo "INFO round $((r + 1)) of $ROUNDS done"
	r=$((r + 1))
done
umount $MNT && rmmod famfs && pass "bench ran"
