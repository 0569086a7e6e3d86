# SPDX-License-Identifier: GPL-2.0
# VM1: fsdax setup, mount, create and map files (recording them in the
# log for VM2), then the single-host scenarios.
. /tests/lib.sh

if load_nvdimm && fsdax_switch; then
	pass "vm1 $DEV in fsdax mode"
else
	fail "vm1 $DEV in fsdax mode" "queue/dax=$(cat /sys/block/${DEV##*/}/queue/dax 2>&1)"
	exit 1
fi
ok "vm1 load famfs.ko" load_famfs
mkdir -p $MNT /mnt/second
ok "vm1 mount (-o dax=always, noatime)" mount -t famfs -o dax=always,noatime $DEV $MNT
if ! grep -q " $MNT famfs " /proc/mounts; then
	dmesg | tail -n 8 | sed 's/^/dmesg: /'
	exit 1
fi

# Metadata files: superblock and log through DAX, never through the bdev.
mkdir -p $MNT/.meta
ok "map .meta/.superblock" $T map $MNT/.meta/.superblock sb $SB_LEN 0:$SB_LEN
ok "map .meta/.log" $T map $MNT/.meta/.log log $LOG_LEN $LOG_OFF:$LOG_LEN

# The files VM2 replays: path, seed, how it was filled, map spec.
mkdir -p $MNT/dir/sub
cat > /tmp/manifest <<'M'
/dir/small 1 fill reg 64K 16M:64K
/dir/two 2 fillmm reg 3M 20M:1M,24M:2M
/pmd 3 fill reg 8M 32M:8M
/dir/sub/stripe 5 fillmm stripe 6M 1M 64M:2M,70M:2M,76M:2M
M
# A file of many extents (MAP_CREATE2): 100 x 64K with holes between.
many=; i=0
while [ $i -lt 100 ]; do
	many="$many${many:+,}$((48 * 1048576 + i * 131072)):64K"
	i=$((i + 1))
done
echo "/many 4 fill reg 6400K $many" >> /tmp/manifest

rc=0
while read -r path seed how kind size a b c; do
	if [ "$kind" = stripe ]; then
		$T mapi "$MNT$path" "$size" "$a" "$b" >/dev/null || rc=1
	else
		$T map "$MNT$path" reg "$size" "$a" >/dev/null || rc=1
	fi
	$T "$how" "$MNT$path" "$seed" >/dev/null || rc=1
	$T verify "$MNT$path" "$seed" >/dev/null || rc=1
done < /tmp/manifest
[ $rc = 0 ] && pass "create, map and fill files (v1, 2-extent, 100-extent v2, interleaved)" ||
	fail "create, map and fill files" "see famfs_vmtool output"
ok "record manifest in .meta/.log" $T putlog $MNT/.meta/.log /tmp/manifest

_o=$($T getmap $MNT/dir/sub/stripe)
case $_o in
*"strips=3 chunk=1048576"*) pass "MAP_GET2 reads back the interleave" ;;
*) fail "MAP_GET2 reads back the interleave" "$_o" ;;
esac
pmd_check "2M-aligned file read via mmap: PMD faults only (4 x 2M)" $MNT/pmd 4

# Overlap between regular files is user space's business.
ok "overlapping regular files allowed" $T map $MNT/overlap reg 64K 16M:64K
ok "MAP_CREATE2 with initial access ro" $T map $MNT/ro reg 2M 100M:2M v2 ro
_o=$($T getaccess $MNT/ro); [ "$_o" = ro ] && pass "GET_ACCESS reports ro" || fail "GET_ACCESS reports ro" "$_o"

# Invalid maps, each with its errno.
errno_is "reject misaligned offset" EINVAL $T map $MNT/bad1 reg 4K $((110 * 1048576 + 512)):4K
errno_is "reject misaligned length" EINVAL $T map $MNT/bad2 reg 4K 110M:4097
errno_is "reject REG overlapping superblock" EPERM $T map $MNT/bad3 reg 64K 1M:64K
errno_is "reject REG overlapping log" EPERM $T map $MNT/bad4 reg 64K 4M:64K
errno_is "reject beyond device end" ERANGE $T map $MNT/bad5 reg 4M 600M:4M
errno_is "reject unknown file type" EINVAL $T map $MNT/bad6 7 4K 110M:4K
errno_is "reject second superblock file" EEXIST $T map $MNT/bad7 sb 2M 0:2M
errno_is "reject LOG overlapping superblock" EPERM $T map $MNT/bad8 log 1M 1M:1M
errno_is "reject size beyond extents" EINVAL $T map $MNT/bad9 reg 8M 110M:4M
errno_is "reject zero size" EINVAL $T map $MNT/bad10 reg 0 110M:4M
errno_is "reject double map" EEXIST $T map $MNT/dir/small reg 64K 16M:64K
errno_is "MAP_GET2 of unmapped file" ENODATA $T getmap $MNT/bad1
errno_is "second mount of the device" EBUSY $T mount $DEV /mnt/second

# Revocation and lease (private files, not in the manifest).
$T map $MNT/rev reg 2M 90M:2M >/dev/null
ok "revocation: SIGBUS on next touch, EACCES/EPERM on I/O, restore" $T revoke $MNT/rev
$T map $MNT/lease reg 2M 94M:2M >/dev/null
ok "lease expiry drops access; renewal + SET_ACCESS restore" $T leasetest $MNT $MNT/lease 400

ok "unmount" umount $MNT
ok "rmmod famfs" rmmod famfs

# Load / mount / use / unmount / unload, 20 times: no leaks, rmmod works.
inodes0=$(cut -f1 /proc/sys/fs/inode-nr)
i=0; err=
while [ $i -lt 20 ] && [ -z "$err" ]; do
	insmod /modules/famfs.ko || err="insmod $i"
	mount -t famfs $DEV $MNT || err="${err:-mount $i}"
	mkdir -p $MNT/d && $T map $MNT/d/f reg 2M 96M:2M >/dev/null &&
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
