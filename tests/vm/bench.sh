# SPDX-License-Identifier: GPL-2.0
# bench-vm: fault cost of famfs mappings, in one VM.  First touch of a
# 64M file whose backing is 2M-aligned (PMD faults) against the same size
# backed 4K-off 2M alignment (PTE faults only), measured in the same run;
# prints the ratio.  Run with: make bench-vm
. /tests/lib.sh
load_nvdimm && fsdax_switch && load_famfs || { fail "bench setup" "modules"; exit 1; }
mkdir -p $MNT && mount -t famfs $DEV $MNT || { fail "bench mount" "mount"; exit 1; }
$T map $MNT/pmd reg 64M 64M:64M >/dev/null
$T map $MNT/pte reg 64M $((200 * 1048576 + 4096)):64M >/dev/null
us() { $T mmtouch "$1" | sed -n 's/.* us=\([0-9]*\).*/\1/p'; }
i=0 tp=0 tt=0
echo 1 > $(sysfs_dir)/fault_reset
while [ $i -lt 5 ]; do
	tp=$((tp + $(us $MNT/pmd)))
	tt=$((tt + $(us $MNT/pte)))
	i=$((i + 1))
done
ratio=$(awk "BEGIN { printf \"%.1f\", $tt / ($tp ? $tp : 1) }")
echo "BENCH first touch of 64M via mmap, 5 runs: PMD-mapped ${tp} us, PTE-mapped ${tt} us; PTE/PMD = ${ratio}x ($(counters))"
umount $MNT && rmmod famfs && pass "bench ran"
