# SPDX-License-Identifier: GPL-2.0
# VM2 / VM3: boot on the memory VM1 wrote, mount, replay the files from
# the log and check every byte through mmap and read(2).  Both run at the
# same time (read-only concurrent sharing) and see each other over an
# IPv6 ULA link.  VM2 then tries devdax and memory-failure handling.
#
# FAMFS_ROLE=vm2|vm3 (kernel command line famfs_role=).
. /tests/lib.sh
R=${FAMFS_ROLE:-vm2}

load_nvdimm
if [ "$R" = vm2 ]; then me=fd00:fa::2 peer=fd00:fa::3; else me=fd00:fa::3 peer=fd00:fa::2; fi
if net_up $me && wait_for 60 ping6_ok $peer; then
	pass "$R reaches peer $peer over IPv6 ULA"
else
	fail "$R reaches peer $peer over IPv6 ULA" "no reply"
fi

# No fsdax switch here: the pfn info block VM1 wrote is in the memory.
if [ "$(cat /sys/block/${DEV##*/}/queue/dax 2>/dev/null)" = 1 ]; then
	pass "$R sees fsdax mode set up by VM1"
else
	fail "$R sees fsdax mode set up by VM1" "queue/dax=$(cat /sys/block/${DEV##*/}/queue/dax 2>&1)"
	exit 1
fi
load_famfs
mkdir -p $MNT
ok "$R mount" mount -t famfs $DEV $MNT
if ! grep -q " $MNT famfs " /proc/mounts; then
	dmesg | tail -n 8 | sed 's/^/dmesg: /'
	exit 1
fi

# Replay: metadata files first, then what the log lists.
mkdir -p $MNT/.meta
$T map $MNT/.meta/.superblock sb $SB_LEN 0:$SB_LEN >/dev/null
$T map $MNT/.meta/.log log $LOG_LEN $LOG_OFF:$LOG_LEN >/dev/null
$T getlog $MNT/.meta/.log > /tmp/manifest
n=$(wc -l < /tmp/manifest)
rc=0 bad=
while read -r path seed how kind size a b c; do
	mkdir -p "$MNT${path%/*}"
	if [ "$kind" = stripe ]; then
		$T mapi "$MNT$path" "$size" "$a" "$b" >/dev/null || rc=1
	else
		$T map "$MNT$path" reg "$size" "$a" >/dev/null || rc=1
	fi
	_o=$($T verify "$MNT$path" "$seed") || { rc=1; bad="$bad $path: $_o"; }
done < /tmp/manifest
if [ $rc = 0 ] && [ "$n" -ge 5 ]; then
	pass "$R replays $n files from the log: identical bytes via mmap and read(2)"
else
	fail "$R replays files from the log" "n=$n$bad"
fi
pmd_check "$R 2M-aligned file via mmap: PMD faults only" $MNT/pmd 4

if [ "$R" = vm2 ]; then
	# devdax: a second nvdimm switched to devdax mode through sysfs.
	ND=/sys/bus/nd daxdev=
	for r in $ND/devices/region*; do
		[ "$(cat $r/size)" = 67108864 ] || continue
		n=${r##*region}; ns=namespace$n.0; seed=$(cat $r/dax_seed)
		echo $ns > $ND/drivers/nd_pmem/unbind 2>/dev/null
		cat /proc/sys/kernel/random/uuid > $ND/devices/$seed/uuid
		echo ram > $ND/devices/$seed/mode
		echo 2097152 > $ND/devices/$seed/align
		echo $ns > $ND/devices/$seed/namespace
		echo $seed > $ND/drivers/dax_pmem/bind 2>/dev/null
		wait_for 20 sh -c 'ls /dev/dax* >/dev/null 2>&1'
		daxdev=$(ls /dev/dax* 2>/dev/null | head -n 1)
	done
	if [ -z "$daxdev" ]; then
		skip "devdax mount refused clearly" "could not create a /dev/dax device"
	else
		mkdir -p /mnt/dax
		_o=$($T mount $daxdev /mnt/dax 2>&1)
		case $_o in
		"errno=EOPNOTSUPP "*)
			if dmesg | grep -q "dev_dax_iomap"; then
				pass "devdax mount of $daxdev refused: EOPNOTSUPP + dmesg"
			else
				fail "devdax mount refused clearly" "no dmesg message"
			fi ;;
		*) fail "devdax mount refused clearly" "$_o" ;;
		esac
	fi

	# Memory failure: poison a mapped page; the app gets SIGBUS, the
	# mount is disabled, the kernel survives.
	$T map $MNT/poison reg 2M 200M:2M >/dev/null
	_o=$($T poison $MNT/poison 2>&1)
	d=$(sysfs_dir)
	if echo "$_o" | grep -q SIGBUS && [ "$(cat $d/disabled)" = 1 ]; then
		_r=$($T verify $MNT/pmd 3 2>&1)
		case $_r in
		"errno=EIO "*) pass "memory failure: SIGBUS, mount disabled, I/O gets EIO" ;;
		*) fail "memory failure: I/O after disable" "$_r" ;;
		esac
	else
		fail "memory failure reaches famfs" "$_o disabled=$(cat $d/disabled) $(dmesg | grep -i 'memory failure' | tail -n 2 | tr '\n' ' ')"
	fi
fi

ok "$R unmount" umount $MNT
ok "$R rmmod famfs" rmmod famfs
if dmesg | grep -qE 'BUG:|WARNING:|Oops|Busy inodes'; then
	fail "$R kernel log clean" "$(dmesg | grep -E 'BUG:|WARNING:|Oops|Busy inodes' | head -n 1)"
else
	pass "$R kernel log clean"
fi
