# SPDX-License-Identifier: GPL-2.0
# bench-vm, in one VM: 4 KiB-stride reads through a mapping of the same
# size on the same pmem namespace, three ways:
#   famfs     mkfs.famfs + famfsctl local creat (2M-aligned extents)
#   ext4      mke2fs -t ext4 on the same pmem, mount -o dax, fallocate
#   devdax    the namespace then switched to devdax mode, /dev/daxN.M
# famfs and ext4 alternate for ROUNDS rounds in ABBA order (reformatting
# each time) so that drift of the (TCG) machine hits both; devdax runs last.  Each run is
# famfs_vmtool bench (see there): first-touch sequential / random, warm
# sequential / random; medians over all samples, in ns per 4 KiB page.
# Prints "BENCH " lines: numbers only, nothing asserted.
# famfs_bench=MB,REPS,ROUNDS on the kernel command line (default 256,5,3).
. /tests/lib.sh
IFS=, read -r MB REPS ROUNDS <<A
$BENCH_ARGS
A
MB=${MB:-256} REPS=${REPS:-5} ROUNDS=${ROUNDS:-3}
SZ=${MB}M
say() { echo "BENCH $*"; }

load_nvdimm && fsdax_switch && load_famfs || { fail "bench setup" "modules / fsdax"; exit 1; }
b=${DEV##*/}
say "device $DEV: $(( $(cat /sys/block/$b/size) / 2048 )) MiB fsdax; files of $MB MiB; $ROUNDS rounds x $REPS repetitions"
mkdir -p $MNT /mnt/ext4
rm -f /tmp/*.s /tmp/*.err /tmp/faults

# famfs: format, create + fill the file, run; fault counters summed up.
famfs() {
	mkfs.famfs --force $DEV >/dev/null 2>&1 && mount -t famfs -o dax=always $DEV $MNT &&
		famfsctl local creat --size $SZ $MNT /bench && $T fill $MNT/bench 1 >/dev/null ||
		{ fail "bench famfs setup" "mkfs/mount/creat"; exit 1; }
	[ -n "$famfs_map" ] || famfs_map=$(famfsctl local getmap $MNT /bench | tail -n +2 | tr -s ' ' | tr '\n' ';')
	echo 1 > $(sysfs_dir)/fault_reset
	$T bench $MNT/bench $SZ $REPS > /tmp/run 2>&1 || { fail "bench famfs" "$(tail -n 1 /tmp/run)"; exit 1; }
	grep '^S ' /tmp/run >> /tmp/famfs.s
	counters >> /tmp/faults
	umount $MNT
}

# ext4 -o dax: block size = page size; stride hints for 2M-aligned extents.
ext4() {
	if mke2fs.e2fs -q -F -t ext4 -b 4096 -E stride=512,stripe_width=512 $DEV > /tmp/ext4.out 2>&1 &&
	   mount -t ext4 -o dax $DEV /mnt/ext4 >> /tmp/ext4.out 2>&1; then
		fallocate -l $SZ /mnt/ext4/bench && $T fill /mnt/ext4/bench 1 >/dev/null && sync
		# Physical extents 2M-aligned (start block % 512 == 0)?  PMD faults need it.
		[ -n "$ext4_map" ] || ext4_map=$(filefrag -v /mnt/ext4/bench 2>/dev/null |
			awk -F'[:. ]+' '$2 ~ /^[0-9]+$/ && NF > 6 { n++; if ($5 % 512 == 0 && $3 % 512 == 0) a++ }
				END { printf "%d extents, %d start 2M-aligned (physical and logical)", n, a }')
		$T bench /mnt/ext4/bench $SZ $REPS > /tmp/run 2>&1 &&
			grep '^S ' /tmp/run >> /tmp/ext4.s || tail -n 1 /tmp/run > /tmp/ext4.err
		umount /mnt/ext4
	else
		{ cat /tmp/ext4.out; dmesg | tail -n 2; } > /tmp/ext4.err
	fi
}

r=0
while [ $r -lt $ROUNDS ]; do
	if [ $((r % 2)) = 0 ]; then famfs; ext4; else ext4; famfs; fi	# ABBA
	r=$((r + 1))
done
say "famfs file: $famfs_map"
say "ext4 file: ${ext4_map:-?}"

# devdax: switch the same namespace (unbind its pfn device) to a dax device.
ND=/sys/bus/nd
pfn=$(basename "$(readlink -f /sys/block/$b/device)")
{
	echo $pfn > $ND/drivers/nd_pmem/unbind
	echo > $ND/devices/$pfn/namespace
	seed=$(cat $ND/devices/region$REGION/dax_seed)
	cat /proc/sys/kernel/random/uuid > $ND/devices/$seed/uuid
	echo ram > $ND/devices/$seed/mode
	echo 2097152 > $ND/devices/$seed/align
	echo namespace$REGION.0 > $ND/devices/$seed/namespace
	echo $seed > $ND/drivers/dax_pmem/bind
} 2> /tmp/devdax.err
wait_for 20 sh -c "ls /dev/dax$REGION.* >/dev/null 2>&1"
daxdev=$(ls /dev/dax$REGION.* 2>/dev/null | head -n 1)
if [ -n "$daxdev" ]; then
	$T bench $daxdev $SZ $((REPS * ROUNDS)) prefill > /tmp/run 2>&1 &&
		grep '^S ' /tmp/run >> /tmp/devdax.s || tail -n 1 /tmp/run >> /tmp/devdax.err
	say "devdax: $daxdev (namespace$REGION.0 switched from fsdax), align 2M"
else
	echo "no /dev/dax$REGION.* (pfn=$pfn seed=${seed:-?})" >> /tmp/devdax.err
fi

# med NAME METRIC: median of the samples.
med() {
	grep "^S $2 " /tmp/$1.s | awk '{ print $3 }' | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
M="cold_seq warm_seq warm_rand cold_rand"
row() {
	if [ -s /tmp/$1.s ]; then
		printf '%-12s' $1; for m in $M; do printf ' %10s' $(med $1 $m); done; echo
	else
		printf '%-12s n/a: %s\n' $1 "$(cat /tmp/$1.err 2>/dev/null | tr '\n' ' ' | head -c 200)"
	fi
}
ratio() {	# famfs throughput / other's = other's ns / famfs's ns
	[ -s /tmp/$1.s ] || return 0
	printf '%-12s' famfs/$1
	for m in $M; do
		printf ' %10s' $(awk -v a=$(med $1 $m) -v f=$(med famfs $m) 'BEGIN { printf "%.3f", a / f }')
	done
	echo "   (goal >= 0.98)"
}
{
	echo "median ns per 4 KiB page, lower is better (8-byte read of each page through MAP_SHARED mmap;"
	echo "cold = fresh mapping, faults included, $((REPS * ROUNDS)) samples; warm = mapped, $((REPS * ROUNDS * 4)) samples)"
	printf '%-12s %10s %10s %10s %10s\n' backend cold-seq warm-seq warm-rand cold-rand
	row famfs; row ext4; row devdax
	echo "throughput ratio famfs vs. other (other's ns / famfs's ns):"
	ratio ext4; ratio devdax
	# Two first-touch mappings of the whole file per repetition.
	awk -v m=$MB -v r=$REPS '{ for (i = 1; i <= 3; i++) { split($i, a, "="); c[a[1]] += a[2] } n++ }
		END { g = 2 * r * n * m / 1024;
		printf "famfs faults per GiB mapped (first touch, %g GiB): PMD %.0f, PTE %.0f, PUD %.0f   (goal 512 PMD, 0 PTE)\n",
			g, c["pmd"] / g, c["pte"] / g, c["pud"] / g }' /tmp/faults
} | sed 's/^/BENCH /'
rmmod famfs && pass "bench ran"
