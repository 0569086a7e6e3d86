# SPDX-License-Identifier: GPL-2.0
# VM1: fsdax setup, mkfs.famfs on the shared pmem, mount, build a small
# tree with famfsctl (committed to the log through the mount's .meta DAX
# files) for VM2/VM3 to replay, then the single-host kernel scenarios on
# private files that famfs_vmtool maps at fixed offsets (not in the log).
. /tests/lib.sh

if load_nvdimm && fsdax_switch; then
	pass "vm1 $DEV in $DAXMODE mode"
else
	fail "vm1 $DEV in $DAXMODE mode" "$(ls -l $DEV 2>&1) queue/dax=$(cat /sys/block/${DEV##*/}/queue/dax 2>&1)"
	exit 1
fi

# mkfs goes through the block device: only before any mount.  The backing
# file is new on every run; --force only if one was left formatted.
if mkfs.famfs $DEV > /tmp/mkfs.out 2>&1 ||
   { grep -q -- --force /tmp/mkfs.out && mkfs.famfs --force $DEV > /tmp/mkfs.out 2>&1; }; then
	pass "mkfs.famfs $DEV ($(grep -o 'log [0-9]* MiB' /tmp/mkfs.out))"
else
	fail "mkfs.famfs $DEV" "$(tail -n 2 /tmp/mkfs.out | tr '\n' ' ')"
	exit 1
fi
_o=$(mkfs.famfs $DEV 2>&1)
case $? in
0) fail "mkfs.famfs refuses an existing famfs without --force" "it overwrote it" ;;
*) echo "$_o" | grep -q -- --force && pass "mkfs.famfs refuses an existing famfs without --force" ||
	fail "mkfs.famfs refuses an existing famfs without --force" "$_o" ;;
esac

ok "vm1 load famfs.ko" load_famfs
mkdir -p $MNT /mnt/second
ok "vm1 mount (-o dax=always, noatime)" mount -t famfs -o dax=always,noatime $DEV $MNT
if ! grep -q " $MNT famfs " /proc/mounts; then
	dmesg | tail -n 8 | sed 's/^/dmesg: /'
	exit 1
fi

# The tree VM2/VM3 replay.  Sources are famfs_vmtool patterns (seed N) so
# the other VMs can check the bytes without a copy.
src() { rm -f "$1"; truncate -s "$2" "$1" && $T fill "$1" "$3" >/dev/null; }
src /tmp/src1 3000000 7
src /tmp/src2 1M 9
src /tmp/src3 64K 11
if famfsctl local mkdir -p $MNT /d/e && [ -d $MNT/d/e ]; then
	pass "famfsctl local mkdir -p /d/e (mount mode: log via .meta DAX files)"
else
	fail "famfsctl local mkdir -p /d/e" "$(ls -la $MNT $MNT/.meta 2>&1 | tr '\n' ' ')"
fi
_o=$(famfsctl local cp $MNT /tmp/src1 /d/e/file 2>&1 && $T verify $MNT/d/e/file 7)
case $_o in
"ok 3000000") pass "famfsctl local cp: 3000000 bytes, identical via read(2) and mmap" ;;
*) fail "famfsctl local cp" "$_o" ;;
esac
ok "famfsctl local cp two more files" sh -c "famfsctl local cp $MNT /tmp/src2 /d/e/gone &&
	famfsctl local cp $MNT /tmp/src3 /d/victim && $T verify $MNT/d/e/gone 9 && $T verify $MNT/d/victim 11"
ok "famfsctl local creat --size 8M /big, filled via mmap" sh -c "famfsctl local creat --size 8M $MNT /big &&
	$T fillmm $MNT/big 3 && $T verify $MNT/big 3"
ok "famfsctl local cat returns the source bytes" sh -c "famfsctl local cat $MNT /d/e/file | cmp - /tmp/src1"
if famfsctl local rm $MNT /d/victim && [ ! -e $MNT/d/victim ] &&
   ! famfsctl local ls $MNT /d | grep -q victim; then
	pass "famfsctl local rm: gone from the log and the mount"
else
	fail "famfsctl local rm" "$(ls $MNT/d 2>&1 | tr '\n' ' ')"
fi
if famfsctl local creat --size 2M $MNT /d/old && famfsctl local mv $MNT /d/old /d/new &&
   [ -f $MNT/d/new ] && [ ! -e $MNT/d/old ]; then
	pass "famfsctl local mv"
else
	fail "famfsctl local mv" "$(ls $MNT/d 2>&1 | tr '\n' ' ')"
fi
_o=$(famfsctl local ls -l $MNT /d/e 2>&1)
if echo "$_o" | grep -qE ' 3000000 .* file$' && echo "$_o" | grep -qE ' 1048576 .* gone$'; then
	pass "famfsctl local ls -l /d/e"
else
	fail "famfsctl local ls -l /d/e" "$(echo "$_o" | tr '\n' ' ')"
fi
_o=$(famfsctl local getmap $MNT /big 2>&1)
echo "$_o" | grep -q "2M-aligned" && pass "famfsctl allocates /big 2M-aligned" ||
	fail "famfsctl allocates /big 2M-aligned" "$(echo "$_o" | tr '\n' ' ')"
pmd_check "famfsctl file /big (8M) via mmap: PMD faults only (4 x 2M)" $MNT/big 4
_o=$(fsck.famfs $MNT 2>&1); _rc=$?
case "$_rc $_o" in
"0 $MNT: clean, 4 files, 2 directories"*) pass "fsck.famfs $MNT (mount mode): clean, 4 files, 2 dirs" ;;
*) fail "fsck.famfs $MNT clean" "rc=$_rc $_o" ;;
esac
ctl_json /tmp/r local replay $DEV $MNT
if [ "$(jnum created_files < /tmp/r)$(jnum created_dirs < /tmp/r)$(jnum existing < /tmp/r)$(jnum removed < /tmp/r)$(jnum failed < /tmp/r)" = 00600 ]; then
	pass "replay on the writer's own mount changes nothing (6 existing)"
else
	fail "replay on the writer's own mount" "$(tr -d '\n ' < /tmp/r)"
fi

# Kernel-level scenarios on private files (famfs_vmtool, not in the log;
# no famfsctl mutation after this point, it would prune them).
mkdir -p $MNT/k/dir/sub
many=; i=0
while [ $i -lt 100 ]; do	# 100 x 64K with holes between (MAP_CREATE2)
	many="$many${many:+,}$(( $(priv 48) + i * 131072 )):64K"
	i=$((i + 1))
done
rc=0
while read -r path seed how kind size a b; do
	if [ "$kind" = stripe ]; then
		$T mapi "$MNT$path" "$size" "$a" "$b" >/dev/null || rc=1
	else
		$T map "$MNT$path" reg "$size" "$a" >/dev/null || rc=1
	fi
	$T "$how" "$MNT$path" "$seed" >/dev/null || rc=1
	$T verify "$MNT$path" "$seed" >/dev/null || rc=1
done <<M
/k/dir/small 1 fill reg 64K $(priv 16):64K
/k/dir/two 2 fillmm reg 3M $(priv 20):1M,$(priv 24):2M
/k/pmd 3 fill reg 8M $(priv 32):8M
/k/dir/sub/stripe 5 fillmm stripe 6M 1M $(priv 64):2M,$(priv 70):2M,$(priv 76):2M
/k/many 4 fill reg 6400K $many
M
[ $rc = 0 ] && pass "map and fill files (v1, 2-extent, 100-extent v2, interleaved)" ||
	fail "map and fill files" "see famfs_vmtool output"
_o=$($T getmap $MNT/k/dir/sub/stripe)
case $_o in
*"strips=3 chunk=1048576"*) pass "MAP_GET2 reads back the interleave" ;;
*) fail "MAP_GET2 reads back the interleave" "$_o" ;;
esac
pmd_check "2M-aligned v1 file via mmap: PMD faults only (4 x 2M)" $MNT/k/pmd 4

# Overlap between regular files is user space's business.
ok "overlapping regular files allowed" $T map $MNT/k/overlap reg 64K $(priv 16):64K
ok "MAP_CREATE2 with initial access ro" $T map $MNT/k/ro reg 2M $(priv 100):2M v2 ro
_o=$($T getaccess $MNT/k/ro); [ "$_o" = ro ] && pass "GET_ACCESS reports ro" || fail "GET_ACCESS reports ro" "$_o"

# Invalid maps, each with its errno.
B=$(priv 110)
errno_is "reject misaligned offset" EINVAL $T map $MNT/k/bad1 reg 4K $((B + 512)):4K
errno_is "reject misaligned length" EINVAL $T map $MNT/k/bad2 reg 4K $B:4097
errno_is "reject REG overlapping superblock" EPERM $T map $MNT/k/bad3 reg 64K 1M:64K
errno_is "reject REG overlapping log" EPERM $T map $MNT/k/bad4 reg 64K 4M:64K
errno_is "reject beyond device end" ERANGE $T map $MNT/k/bad5 reg 4M 600M:4M
errno_is "reject unknown file type" EINVAL $T map $MNT/k/bad6 7 4K $B:4K
errno_is "reject second superblock file" EEXIST $T map $MNT/k/bad7 sb 2M 0:2M
errno_is "reject LOG overlapping superblock" EPERM $T map $MNT/k/bad8 log 1M 1M:1M
errno_is "reject size beyond extents" EINVAL $T map $MNT/k/bad9 reg 8M $B:4M
errno_is "reject zero size" EINVAL $T map $MNT/k/bad10 reg 0 $B:4M
errno_is "reject double map" EEXIST $T map $MNT/k/dir/small reg 64K $(priv 16):64K
errno_is "MAP_GET2 of unmapped file" ENODATA $T getmap $MNT/k/bad1
errno_is "second mount of the device" EBUSY $T mount $DEV /mnt/second

# The module's counters (GET_STATS on .meta/.superblock): the fault sizes are
# the sysfs counters pmd_check just read; refusals and revocations below.
_o=$($T stats $MNT/.meta/.superblock 2>&1)
case "$_o" in
"$(counters) refused=0 revocations=0 lease_expirations=0 pinscan=0 wb=0 inval="*" features=0xf") pass "GET_STATS on .meta/.superblock matches sysfs ($_o)" ;;
*) fail "GET_STATS on .meta/.superblock" "$_o; sysfs: $(counters)" ;;
esac
# stat_of KEY: one counter from famfs_vmtool stats
stat_of() { $T stats $MNT/.meta/.superblock | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# Revocation and lease.
$T map $MNT/k/rev reg 2M $(priv 90):2M >/dev/null
_r0=$(stat_of refused) _v0=$(stat_of revocations)
ok "revocation: SIGBUS on next touch, EACCES/EPERM on I/O, restore" $T revoke $MNT/k/rev
# revoke: rw -> none (one revocation; raising counts none), then two touches get SIGBUS.
_r1=$(stat_of refused) _v1=$(stat_of revocations)
if [ $((_r1 - _r0)) = 2 ] && [ $((_v1 - _v0)) = 1 ]; then
	pass "GET_STATS: 2 refused faults, 1 revocation"
else
	fail "GET_STATS after revoke" "refused $_r0 -> $_r1, revocations $_v0 -> $_v1"
fi
$T map $MNT/k/lease reg 2M $(priv 94):2M >/dev/null
ok "lease expiry drops access; renewal + SET_ACCESS restore" $T leasetest $MNT $MNT/k/lease 400
_r2=$(stat_of refused) _v2=$(stat_of revocations) _l2=$(stat_of lease_expirations)
if [ "$_l2" = 1 ] && [ $((_r2 - _r1)) = 1 ] && [ $((_v2 - _v1)) -ge 1 ]; then
	pass "GET_STATS: 1 lease expiry, 1 refused fault, $((_v2 - _v1)) revocations"
else
	fail "GET_STATS after the lease test" "lease_expirations $_l2, refused $_r1 -> $_r2, revocations $_v1 -> $_v2"
fi
_o=$($T stats $MNT/k 2>&1)
echo "$_o" | grep -q "^pte=.* lease_expirations=1 pinscan=[0-9]* wb=[0-9]* inval=[0-9]* features=0xf$" && pass "GET_STATS on a directory of the mount" ||
	fail "GET_STATS on a directory" "$_o"

# The cost of a lowering follows what this host did with the file, counted
# by the module (GET_STATS): pinscan = pages checked for pins (only the 2M
# units mapped since their last clean check: 512 pages each), wb = bytes
# written back (only the units that took a write fault; read faults, which
# fs-dax on this kernel tags dirty too, write back nothing), inval = bytes
# invalidated.  A raise from none invalidates nothing itself
# (FAMFS_FEATURE_INVALIDATE_ON_TOUCH): it marks stale the units this host
# touched (mmap, read(2), write(2)) since their last invalidation, and each
# stale unit is invalidated at its first touch after the raise, before the
# touch; a second touch, or a unit never touched, costs nothing.
# k/pmd: 8M, 4 units, all of them filled and read through mmap above.
# lower_after CMD...: raise to rw, run CMD, lower to none; prints the
# deltas "pinscan wb inval" of the lowering, the raise and CMD, then the
# bytes invalidated by the raise alone.
lower_after() {
	local p0 w0 i0 ir
	p0=$(stat_of pinscan) w0=$(stat_of wb) i0=$(stat_of inval)
	$T setaccess $MNT/k/pmd rw >/dev/null && ir=$(( $(stat_of inval) - i0 )) &&
		"$@" >/dev/null 2>&1 && $T setaccess $MNT/k/pmd none >/dev/null &&
		echo "$(( $(stat_of pinscan) - p0 )) $(( $(stat_of wb) - w0 )) $(( $(stat_of inval) - i0 )) $ir"
}
M2=2097152
$T setaccess $MNT/k/pmd none >/dev/null
# Stale after the raise: the units cached before it (all 4 at _a).
_a=$(lower_after $T mmtouch $MNT/k/pmd $M2 $M2)	# mmap read of unit 1
_b=$(lower_after $T dirty $MNT/k/pmd 0 $((2 * M2)))	# mmap write of units 0, 1
_c=$(lower_after true)				# nothing touched
_d=$(lower_after dd if=$MNT/k/pmd of=/dev/null bs=$M2 skip=3 count=1)	# read(2) of unit 3
_f=$(lower_after sh -c "$T mmtouch $MNT/k/pmd $((2 * M2)) $M2 && $T mmtouch $MNT/k/pmd $((2 * M2)) $M2 &&
	dd if=$MNT/k/pmd of=/dev/null bs=$M2 skip=2 count=1")	# unit 2 three times
_g=$(lower_after $T mmtouch $MNT/k/pmd)		# every unit, each stale since its last touch
$T setaccess $MNT/k/pmd rw >/dev/null
if [ "$_a" = "512 0 $M2 0" ]; then
	pass "after a raise from none, an mmap read of one 2M unit: only that unit invalidated (2 MiB of the 8 MiB stale), the raise itself 0; its lowering: 512 pages checked for pins, 0 bytes written back"
else
	fail "raise + mmap read of one 2M unit" "pinscan wb inval raise-inval: ${_a:-?} (want 512 0 $M2 0)"
fi
if [ "$_b" = "1024 $((2 * M2)) $((2 * M2)) 0" ]; then
	pass "after a raise, writing two 2M units through mmap: those 2 units invalidated at their first fault (4 MiB), the raise 0; the lowering: 1024 pages checked, 4 MiB written back"
else
	fail "raise + writing two 2M units through mmap" "pinscan wb inval raise-inval: ${_b:-?} (want 1024 $((2 * M2)) $((2 * M2)) 0)"
fi
if [ "$_c" = "0 0 0 0" ] && [ "$_d" = "0 0 $M2 0" ] && [ "$_f" = "512 0 $M2 0" ]; then
	pass "stale units are invalidated at their first touch only: none touched 0, read(2) of one unit 2 MiB, one unit touched three times (mmap, mmap, read(2)) 2 MiB; raises 0"
else
	fail "invalidation at first touch" "pinscan wb inval raise-inval: '${_c:-?}' '${_d:-?}' '${_f:-?}' (want '0 0 0 0' '0 0 $M2 0' '512 0 $M2 0')"
fi
if [ "$_g" = "2048 0 $((4 * M2)) 0" ]; then
	pass "a whole-file mmap read after a raise invalidates the 4 units touched before (8 MiB), the raise 0"
else
	fail "raise + whole-file mmap read" "pinscan wb inval raise-inval: ${_g:-?} (want 2048 0 $((4 * M2)) 0)"
fi
# k/pmd is rw with nothing stale (_g touched every unit, the raise above
# made them stale again: touch them once more).
$T mmtouch $MNT/k/pmd >/dev/null
_i0=$(stat_of inval)
$T setaccess $MNT/k/pmd ro >/dev/null && $T mmtouch $MNT/k/pmd >/dev/null && $T setaccess $MNT/k/pmd rw >/dev/null &&
	$T mmtouch $MNT/k/pmd >/dev/null
_i1=$(stat_of inval)
[ "$_i1" = "$_i0" ] && pass "raising ro -> rw invalidates nothing, now or at the next touch (access was never lost)" ||
	fail "raising ro -> rw" "invalidated $((_i1 - _i0)) bytes"
# What a lowering zaps and checks for pins does not depend on which units
# it looks at: shared and private mappings of units read or written, a unit
# unmarked by an earlier clean check, a pin on page 5 of a unit.
$T map $MNT/k/zap reg 8M $(priv 124):8M >/dev/null
ok "lowering to none: every mapped unit zapped (shared, private, unmarked by an earlier ro lowering; private copies kept), a pin on page 5 of a unit found" \
	$T zaptest $MNT/k/zap
# Eviction: stale and cached units both go (the bitmaps go with the inode).
# k/ev: 4 units read, access lost and given back (4 stale), unit 0 read
# again (1 cached, 3 stale); removing it invalidates all 4.
$T map $MNT/k/ev reg 8M $(priv 116):8M >/dev/null && $T mmtouch $MNT/k/ev >/dev/null &&
	$T setaccess $MNT/k/ev none >/dev/null && $T setaccess $MNT/k/ev rw >/dev/null &&
	_e0=$(stat_of inval) && $T mmtouch $MNT/k/ev 0 $M2 >/dev/null && _e1=$(stat_of inval) &&
	rm $MNT/k/ev && _e2=$(stat_of inval)
if [ "$((_e1 - _e0))" = "$M2" ] && [ "$((_e2 - _e1))" = "$((4 * M2))" ]; then
	pass "evicting a file with 3 stale units and 1 cached one invalidates the 4 (8 MiB)"
else
	fail "eviction with stale units" "first touch $((${_e1:-0} - ${_e0:-0})), eviction $((${_e2:-0} - ${_e1:-0})) bytes (want $M2, $((4 * M2)))"
fi

ok "unmount" umount $MNT
ok "rmmod famfs" rmmod famfs

# Load / mount / use / unmount / unload, 20 times: no leaks, rmmod works.
inodes0=$(cut -f1 /proc/sys/fs/inode-nr)
i=0; err=
while [ $i -lt 20 ] && [ -z "$err" ]; do
	insmod /modules/famfs.ko || err="insmod $i"
	mount -t famfs $DEV $MNT || err="${err:-mount $i}"
	mkdir -p $MNT/d && $T map $MNT/d/f reg 2M $(priv 96):2M >/dev/null &&
		$T mmtouch $MNT/d/f >/dev/null && cat $MNT/d/f > /dev/null || err="${err:-use $i}"
	umount $MNT || err="${err:-umount $i}"
	rmmod famfs || err="${err:-rmmod $i}"
	i=$((i + 1))
done
inodes1=$(cut -f1 /proc/sys/fs/inode-nr)
if [ -z "$err" ] && [ $((inodes1 - inodes0)) -lt 20 ] && ! grep -q famfs /proc/slabinfo; then
	pass "load/mount/use/umount/unload x20, no leak (inodes $inodes0 -> $inodes1)"
else
	fail "load/mount/use/umount/unload x20" "${err:-inodes $inodes0 -> $inodes1}"
fi
dmesg | grep -iE 'famfs|BUG|WARNING|Oops' | grep -viE 'devdax|lease' | head -n 5 | sed 's/^/dmesg: /'
if dmesg | grep -qE 'BUG:|WARNING:|Oops|Busy inodes'; then
	fail "vm1 kernel log clean" "$(dmesg | grep -E 'BUG:|WARNING:|Oops|Busy inodes' | head -n 1)"
else
	pass "vm1 kernel log clean"
fi
