# SPDX-License-Identifier: GPL-2.0
# bench-vm-devdax, in one VM booted on the devdax test kernel: the same
# namespace in devdax mode, /dev/daxN.0, two ways in ABBA rounds:
#   famfs-dax  mkfs.famfs + mount -t famfs on the character device,
#              famfsctl local creat (2M-aligned extents), famfs_vmtool fill
#   devdax     famfs_vmtool on /dev/daxN.0 itself (prefilled)
# Each: famfs_vmtool bench (4 KiB-stride reads, cold and warm) and bwlat
# (read/write bandwidth, pointer-chase latency, minor faults per GiB), and
# for famfs the module's PMD/PTE fault counters.  BENCH lines, nothing
# asserted but "bench ran" and a clean kernel log (the two users of the
# same pages one after the other: fs_dax_get() releases the device's
# page associations, unmount releases the files').
# famfs_bench=MB,REPS,ROUNDS,BWMB,BWREPS as in bench.sh.
. /tests/lib.sh
IFS=, read -r MB REPS ROUNDS BWMB BWREPS <<A
$BENCH_ARGS
A
MB=${MB:-256} REPS=${REPS:-5} ROUNDS=${ROUNDS:-3} BWMB=${BWMB:-1024} BWREPS=${BWREPS:-2}
FILEMB=$(( MB > BWMB ? MB : BWMB ))
SZ=${MB}M
say() { echo "BENCH $*"; }

load_nvdimm && devdax_switch && load_famfs || { fail "bench setup" "modules / devdax $(ls -l $DEV 2>&1)"; exit 1; }
say "device $DEV (devdax, align 2M); files of $FILEMB MiB; $ROUNDS rounds x $REPS repetitions"
mkdir -p $MNT
rm -f /tmp/*.s /tmp/*.b /tmp/*.err /tmp/faults

bwlat() {	# NAME FILE
	$T bwlat $2 ${BWMB}M $BWREPS > /tmp/run 2>&1 && grep '^S ' /tmp/run >> /tmp/$1.b ||
		echo "bwlat: $(tail -n 1 /tmp/run)" >> /tmp/$1.err
}
famfs() {
	mkfs.famfs --force $DEV >/dev/null 2>&1 && mount -t famfs -o dax=always $DEV $MNT &&
		famfsctl local creat --size ${FILEMB}M $MNT /bench && $T fill $MNT/bench 1 >/dev/null ||
		{ fail "bench famfs-dax setup" "mkfs/mount/creat: $(dmesg | tail -n 2 | tr '\n' ' ')"; exit 1; }
	[ -n "$famfs_map" ] || famfs_map=$(famfsctl local getmap $MNT /bench | tail -n +2 | tr -s ' ' | tr '\n' ';')
	echo 1 > $(sysfs_dir)/fault_reset
	$T bench $MNT/bench $SZ $REPS > /tmp/run 2>&1 || { fail "bench famfs-dax" "$(tail -n 1 /tmp/run)"; exit 1; }
	grep '^S ' /tmp/run >> /tmp/famfs-dax.s
	counters >> /tmp/faults
	bwlat famfs-dax $MNT/bench
	umount $MNT
}
devdax() {
	$T bench $DEV $SZ $REPS prefill > /tmp/run 2>&1 && grep '^S ' /tmp/run >> /tmp/devdax.s ||
		tail -n 1 /tmp/run >> /tmp/devdax.err
	bwlat devdax $DEV
}

r=0
while [ $r -lt $ROUNDS ]; do
	if [ $((r % 2)) = 0 ]; then famfs; devdax; else devdax; famfs; fi	# ABBA
	r=$((r + 1))
done
say "famfs file: $famfs_map"

# med, div, row: tests/vm/lib.sh
M="cold_seq warm_seq warm_rand cold_rand"
W="read write lat rflt wflt"
brow() {
	if [ -s /tmp/$1.b ]; then
		printf '%-12s' $1; for m in $W; do printf ' %10s' $(med $1 $m b); done; echo
	else
		printf '%-12s n/a: %s\n' $1 "$(cat /tmp/$1.err 2>/dev/null | tr '\n' ' ' | head -c 200)"
	fi
}
{
	echo "TCG (qemu without KVM) emulates every load and store: absolute numbers are"
	echo "meaningless; only the ratios between backends measured in the same VM count."
	echo
	echo "median ns per 4 KiB page, lower is better (8-byte read of each page through MAP_SHARED mmap"
	echo "of $MB MiB; cold = fresh mapping, faults included, $((REPS * ROUNDS)) samples; warm = mapped, $((REPS * ROUNDS * 4)) samples)"
	printf '%-12s %10s %10s %10s %10s\n' backend cold-seq warm-seq warm-rand cold-rand
	row famfs-dax; row devdax
	if [ -s /tmp/famfs-dax.s ] && [ -s /tmp/devdax.s ]; then
		printf '%-12s' famfs-dax/devdax
		for m in $M; do printf ' %10s' $(div "$(med devdax $m)" "$(med famfs-dax $m)"); done
		echo "   (throughput ratio, goal >= 0.98)"
	fi
	echo
	echo "bandwidth and latency through a read-write MAP_SHARED mapping of $BWMB MiB, medians"
	echo "($((BWREPS * ROUNDS)) repetitions; GB/s over 3 passes; lat: ns per dependent 8-byte load, one"
	echo "node per 4 KiB page in a random cycle; rflt/wflt: minor faults per GiB on first read/write)"
	printf '%-12s %10s %10s %10s %10s %10s\n' backend read-GB/s write-GB/s lat-ns rflt/GiB wflt/GiB
	brow famfs-dax; brow devdax
	if [ -s /tmp/famfs-dax.b ] && [ -s /tmp/devdax.b ]; then
		printf '%-12s %10s %10s %10s   (bandwidth: famfs-dax / devdax, latency: devdax / famfs-dax; goal >= 0.98)\n' \
			ratio $(div "$(med famfs-dax read b)" "$(med devdax read b)") \
			$(div "$(med famfs-dax write b)" "$(med devdax write b)") $(div "$(med devdax lat b)" "$(med famfs-dax lat b)")
	fi
	awk -v m=$MB -v r=$REPS '{ for (i = 1; i <= 3; i++) { split($i, a, "="); c[a[1]] += a[2] } n++ }
		END { g = 2 * r * n * m / 1024;
		printf "famfs.ko fault counters per GiB mapped (first touch, %g GiB): PMD %.0f, PTE %.0f, PUD %.0f   (goal 512 PMD, 0 PTE)\n",
			g, c["pmd"] / g, c["pte"] / g, c["pud"] / g }' /tmp/faults
} | sed 's/^/BENCH /'
if dmesg | grep -qE 'BUG:|WARNING:|Oops'; then
	fail "benchdax kernel log clean" "$(dmesg | grep -E 'BUG:|WARNING:|Oops' | head -n 1)"
else
	pass "benchdax kernel log clean"
fi
rmmod famfs && pass "bench ran"
