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
# Then famfs_vmtool bwlat on each (see there): read and write bandwidth
# through a read-write MAP_SHARED mapping of BWMB MiB, pointer-chase latency
# of 8-byte loads at random pages, minor faults per GiB on first touch.
# Prints "BENCH " lines (the report) and "BENCHDAT " lines (the plotted
# ratios): numbers only, nothing asserted.
# famfs_bench=MB,REPS,ROUNDS,BWMB,BWREPS on the kernel command line
# (default 256,5,3,1024,2); the file is max(MB, BWMB) MiB.
. /tests/lib.sh
IFS=, read -r MB REPS ROUNDS BWMB BWREPS <<A
$BENCH_ARGS
A
MB=${MB:-256} REPS=${REPS:-5} ROUNDS=${ROUNDS:-3} BWMB=${BWMB:-1024} BWREPS=${BWREPS:-2}
FILEMB=$(( MB > BWMB ? MB : BWMB ))
SZ=${MB}M
say() { echo "BENCH $*"; }

load_nvdimm && fsdax_switch && load_famfs || { fail "bench setup" "modules / fsdax"; exit 1; }
b=${DEV##*/}
say "device $DEV: $(( $(cat /sys/block/$b/size) / 2048 )) MiB fsdax; files of $FILEMB MiB; $ROUNDS rounds x $REPS repetitions"
mkdir -p $MNT /mnt/ext4
rm -f /tmp/*.s /tmp/*.b /tmp/*.err /tmp/faults

# bwlat NAME FILE: bandwidth / latency samples of one backend into /tmp/NAME.b.
bwlat() {	# NAME FILE [REPS]
	$T bwlat $2 ${BWMB}M ${3:-$BWREPS} > /tmp/run 2>&1 && grep '^S ' /tmp/run >> /tmp/$1.b ||
		echo "bwlat: $(tail -n 1 /tmp/run)" >> /tmp/$1.err
}

# famfs: format, create + fill the file, run; fault counters summed up.
famfs() {
	mkfs.famfs --force $DEV >/dev/null 2>&1 && mount -t famfs -o dax=always $DEV $MNT &&
		famfsctl local creat --size ${FILEMB}M $MNT /bench && $T fill $MNT/bench 1 >/dev/null ||
		{ fail "bench famfs setup" "mkfs/mount/creat"; exit 1; }
	[ -n "$famfs_map" ] || famfs_map=$(famfsctl local getmap $MNT /bench | tail -n +2 | tr -s ' ' | tr '\n' ';')
	echo 1 > $(sysfs_dir)/fault_reset
	$T bench $MNT/bench $SZ $REPS > /tmp/run 2>&1 || { fail "bench famfs" "$(tail -n 1 /tmp/run)"; exit 1; }
	grep '^S ' /tmp/run >> /tmp/famfs.s
	counters >> /tmp/faults
	bwlat famfs $MNT/bench
	umount $MNT
}

# ext4 -o dax: block size = page size; stride hints for 2M-aligned extents.
ext4() {
	if mke2fs.e2fs -q -F -t ext4 -b 4096 -E stride=512,stripe_width=512 $DEV > /tmp/ext4.out 2>&1 &&
	   mount -t ext4 -o dax $DEV /mnt/ext4 >> /tmp/ext4.out 2>&1; then
		fallocate -l ${FILEMB}M /mnt/ext4/bench && $T fill /mnt/ext4/bench 1 >/dev/null && sync
		# Physical extents 2M-aligned (start block % 512 == 0)?  PMD faults need it.
		[ -n "$ext4_map" ] || ext4_map=$(filefrag -v /mnt/ext4/bench 2>/dev/null |
			awk -F'[:. ]+' '$2 ~ /^[0-9]+$/ && NF > 6 { n++; if ($5 % 512 == 0 && $3 % 512 == 0) a++ }
				END { printf "%d extents, %d start 2M-aligned (physical and logical)", n, a }')
		$T bench /mnt/ext4/bench $SZ $REPS > /tmp/run 2>&1 &&
			grep '^S ' /tmp/run >> /tmp/ext4.s || tail -n 1 /tmp/run > /tmp/ext4.err
		bwlat ext4 /mnt/ext4/bench
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
	bwlat devdax $daxdev $((BWREPS * ROUNDS))
	say "devdax: $daxdev (namespace$REGION.0 switched from fsdax), align 2M"
else
	echo "no /dev/dax$REGION.* (pfn=$pfn seed=${seed:-?})" >> /tmp/devdax.err
fi

# med, div, row: tests/vm/lib.sh
M="cold_seq warm_seq warm_rand cold_rand"
W="read write lat rflt wflt"
ratio() {	# throughput of $1 / throughput of $2 = $2's ns / $1's ns
	[ -s /tmp/$1.s ] && [ -s /tmp/$2.s ] || return 0
	printf '%-12s' $1/$2
	for m in $M; do printf ' %10s' $(div "$(med $2 $m)" "$(med $1 $m)"); done
	echo "   $3"
}
brow() {
	if [ -s /tmp/$1.b ]; then
		printf '%-12s' $1; for m in $W; do printf ' %10s' $(med $1 $m b); done; echo
	else
		printf '%-12s n/a: %s\n' $1 "$(cat /tmp/$1.err 2>/dev/null | tr '\n' ' ' | head -c 200)"
	fi
}
bratio() {	# vs devdax: bandwidth $1/devdax, latency devdax/$1 (higher is better)
	[ -s /tmp/$1.b ] && [ -s /tmp/devdax.b ] || return 0
	printf '%-12s %10s %10s %10s\n' $1/devdax $(div "$(med $1 read b)" "$(med devdax read b)") \
		$(div "$(med $1 write b)" "$(med devdax write b)") $(div "$(med devdax lat b)" "$(med $1 lat b)")
}
{
	echo "TCG (qemu without KVM) emulates every load and store: absolute numbers are"
	echo "meaningless; only the ratios between backends measured in the same VM count."
	echo
	echo "median ns per 4 KiB page, lower is better (8-byte read of each page through MAP_SHARED mmap"
	echo "of $MB MiB; cold = fresh mapping, faults included, $((REPS * ROUNDS)) samples; warm = mapped, $((REPS * ROUNDS * 4)) samples)"
	printf '%-12s %10s %10s %10s %10s\n' backend cold-seq warm-seq warm-rand cold-rand
	row famfs; row ext4; row devdax
	echo "throughput ratio (other's ns / this one's ns; 1.0 = as fast):"
	ratio famfs devdax "(goal >= 0.98)"; ratio ext4 devdax; ratio famfs ext4 "(goal >= 0.98)"
	echo
	echo "bandwidth and latency through a read-write MAP_SHARED mapping of $BWMB MiB, medians"
	echo "($((BWREPS * ROUNDS)) repetitions; read/write: 8-byte loads/stores over all of it, GB/s, 3 passes each;"
	echo "lat: pointer chase, one node per 4 KiB page in one random cycle, ns per dependent 8-byte load,"
	echo "p50 of batches of 1024; rflt/wflt: minor faults per GiB when a fresh mapping is first read/written)"
	printf '%-12s %10s %10s %10s %10s %10s\n' backend read-GB/s write-GB/s lat-ns rflt/GiB wflt/GiB
	brow famfs; brow ext4; brow devdax
	echo "ratio vs devdax, higher is better (bandwidth: this / devdax; latency: devdax / this):"
	printf '%-12s %10s %10s %10s\n' ratio read write lat
	bratio famfs; bratio ext4
	# Two first-touch mappings of the 4 KiB-stride file per repetition.
	awk -v m=$MB -v r=$REPS '{ for (i = 1; i <= 3; i++) { split($i, a, "="); c[a[1]] += a[2] } n++ }
		END { g = 2 * r * n * m / 1024;
		printf "famfs.ko fault counters per GiB mapped (first touch, %g GiB): PMD %.0f, PTE %.0f, PUD %.0f   (goal 512 PMD, 0 PTE)\n",
			g, c["pmd"] / g, c["pte"] / g, c["pud"] / g }' /tmp/faults
	echo "(a GiB is 512 PMD (2 MiB) or 262144 PTE (4 KiB) mappings: rflt/wflt near 512 mean PMD faults)"
} | sed 's/^/BENCH /'
# The plotted figures: metric, famfs/devdax, ext4/devdax (higher is better).
for m in $M; do
	echo "BENCHDAT $m $(div "$(med devdax $m)" "$(med famfs $m)") $(div "$(med devdax $m)" "$(med ext4 $m)")"
done
echo "BENCHDAT read-bw $(div "$(med famfs read b)" "$(med devdax read b)") $(div "$(med ext4 read b)" "$(med devdax read b)")"
echo "BENCHDAT write-bw $(div "$(med famfs write b)" "$(med devdax write b)") $(div "$(med ext4 write b)" "$(med devdax write b)")"
echo "BENCHDAT rand-lat $(div "$(med devdax lat b)" "$(med famfs lat b)") $(div "$(med devdax lat b)" "$(med ext4 lat b)")"
rmmod famfs && pass "bench ran"
