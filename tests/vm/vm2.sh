# SPDX-License-Identifier: GPL-2.0
# VM2 / VM3: boot on the memory VM1 formatted and wrote, mount, and bring
# the mount up to date with `famfsctl local replay` (meta files, log replay
# through DAX, every dir/file instantiated with the map ioctls); check the
# bytes through mmap and read(2), ls, the replay counts and idempotence.
# Both run at the same time (concurrent readers) and talk over an IPv6 ULA
# link: once VM3 has replayed, VM2 becomes the writer and removes a file
# (famfsctl local rm through its own mount), and VM3's next replay must
# remove it too.  VM3 then unmounts and runs famfsd in kernel mode
# (famfsd.sh: the daemon mounts, replays, serves famfsctl, stops, restarts)
# while VM2 waits; VM2 replays the daemon's files and checks their bytes,
# then tries devdax and memory-failure handling.
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
# say PORT WORD / hear PORT: one-line messages between VM2 and VM3.
say() { wait_for 90 sh -c "echo $2 | nc $peer $1"; }
hear() { timeout 120 nc -l -p $1 2>/dev/null | head -n 1; }

# No mode switch here: the pfn (dax) info block VM1 wrote is in the memory.
if wait_for 10 dax_ready; then
	pass "$R sees $DAXMODE mode set up by VM1"
else
	fail "$R sees $DAXMODE mode set up by VM1" "$(ls -l $DEV 2>&1) queue/dax=$(cat /sys/block/${DEV##*/}/queue/dax 2>&1)"
	exit 1
fi
load_famfs
mkdir -p $MNT
ok "$R mount" mount -t famfs $DEV $MNT
if ! grep -q " $MNT famfs " /proc/mounts; then
	dmesg | tail -n 8 | sed 's/^/dmesg: /'
	exit 1
fi

# counts FILE: created dirs/files, existing, removed, failed of a replay.
counts() {
	echo "dirs=$(jnum created_dirs < $1) files=$(jnum created_files < $1) existing=$(jnum existing < $1) removed=$(jnum removed < $1) failed=$(jnum failed < $1) log=$(jnum files < $1)f/$(jnum directories < $1)d"
}
ctl_json /tmp/r1 local replay $DEV $MNT; rc=$?
c=$(counts /tmp/r1)
if [ $rc = 0 ] && [ "$c" = "dirs=2 files=4 existing=0 removed=0 failed=0 log=4f/2d" ]; then
	pass "$R famfsctl local replay: 2 dirs + 4 files instantiated"
else
	fail "$R famfsctl local replay" "rc=$rc $c $(tr -d '\n ' < /tmp/r1 | head -c 300)"
fi
_o=
for f in /d/e/file:7 /d/e/gone:9 /big:3; do
	_v=$($T verify $MNT${f%:*} ${f#*:} 2>&1) || _o="$_o ${f%:*}: $_v"
done
[ -f $MNT/d/new ] && [ ! -e $MNT/d/old ] && [ ! -e $MNT/d/victim ] && [ ! -e $MNT/k ] ||
	_o="$_o tree: $(ls -R $MNT | tr '\n' ' ')"
[ -z "$_o" ] && pass "$R replayed files: identical bytes via mmap and read(2); rm/mv applied" ||
	fail "$R replayed files" "$_o"
rm -f /tmp/src1; truncate -s 3000000 /tmp/src1 && $T fill /tmp/src1 7 >/dev/null
ok "$R famfsctl local cat matches VM1's source" sh -c "famfsctl local cat $MNT /d/e/file | cmp - /tmp/src1"
_o=$(famfsctl local ls -l $MNT /d/e 2>&1)
if echo "$_o" | grep -qE ' 3000000 .* file$' && echo "$_o" | grep -qE ' 1048576 .* gone$'; then
	pass "$R famfsctl local ls -l /d/e"
else
	fail "$R famfsctl local ls -l /d/e" "$(echo "$_o" | tr '\n' ' ')"
fi
_o=$(fsck.famfs $MNT 2>&1) && pass "$R fsck.famfs $MNT clean" || fail "$R fsck.famfs $MNT clean" "$_o"
ctl_json /tmp/r2 local replay $DEV $MNT; rc=$?
c=$(counts /tmp/r2)
if [ $rc = 0 ] && [ "$c" = "dirs=0 files=0 existing=6 removed=0 failed=0 log=4f/2d" ]; then
	pass "$R second replay is idempotent (6 existing, nothing created)"
else
	fail "$R second replay is idempotent" "rc=$rc $c"
fi
pmd_check "$R famfsctl file /big via mmap: PMD faults only" $MNT/big 4

# A removal by another host reaches this one through the log.
if [ "$R" = vm3 ]; then
	say 5001 replayed || fail "vm3 tells vm2 it replayed" "no connection"
	_m=$(hear 5002)
	ctl_json /tmp/r3 local replay $DEV $MNT; rc=$?
	c=$(counts /tmp/r3)
	if [ "$_m" = removed ] && [ $rc = 0 ] && [ ! -e $MNT/d/e/gone ] &&
	   [ "$c" = "dirs=0 files=0 existing=5 removed=1 failed=0 log=3f/2d" ] &&
	   $T verify $MNT/d/e/file 7 >/dev/null; then
		pass "vm3 replay after vm2's famfsctl local rm removes the file"
	else
		fail "vm3 replay after vm2's rm" "msg=$_m rc=$rc $c $(ls $MNT/d/e | tr '\n' ' ')"
	fi
else
	_m=$(hear 5001)
	if [ "$_m" = replayed ] && famfsctl local rm $MNT /d/e/gone && [ ! -e $MNT/d/e/gone ]; then
		pass "vm2 as writer: famfsctl local rm /d/e/gone on its mount"
	else
		fail "vm2 as writer: famfsctl local rm" "msg=$_m $(ls $MNT/d/e 2>&1 | tr '\n' ' ')"
	fi
	say 5002 removed || fail "vm2 tells vm3 it removed" "no connection"
	_o=$(fsck.famfs $MNT 2>&1)
	case $_o in
	*"clean, 3 files, 2 directories"*) pass "vm2 fsck.famfs clean after rm (3 files)" ;;
	*) fail "vm2 fsck.famfs after rm" "$_o" ;;
	esac
	# VM3 now runs famfsd in kernel mode (the only writer; VM2 stays
	# idle until it has stopped), then VM2 replays what the daemon made.
	say 5003 idle || fail "vm2 tells vm3 it is idle" "no connection"
	_m=$(hear 5004)
	rm -f /tmp/dsrc; truncate -s 5000000 /tmp/dsrc && $T fill /tmp/dsrc 21 >/dev/null
	ctl_json /tmp/r4 local replay $DEV $MNT; rc=$?
	c=$(counts /tmp/r4)
	if [ "$_m" = stopped ] && [ $rc = 0 ] &&
	   [ "$c" = "dirs=2 files=2 existing=4 removed=1 failed=0 log=4f/4d" ]; then
		pass "vm2 replay after vm3's famfsd: /x/y, /x/y/g, /x/big created, /d/new removed"
	else
		fail "vm2 replay after vm3's famfsd" "msg=$_m rc=$rc $c"
	fi
	_o=
	cmp /tmp/dsrc $MNT/x/y/g >/dev/null 2>&1 || _o="$_o cmp /x/y/g"
	_v=$($T verify $MNT/x/y/g 21 2>&1); [ "$_v" = "ok 5000000" ] || _o="$_o /x/y/g: $_v"
	_v=$($T verify $MNT/x/big 23 2>&1); [ "$_v" = "ok 8388608" ] || _o="$_o /x/big: $_v"
	famfsctl local cat $MNT /x/y/g 2>&1 | cmp - /tmp/dsrc >/dev/null 2>&1 || _o="$_o local cat /x/y/g"
	[ -e $MNT/d/new ] || [ -e $MNT/x/y/f ] || [ -e $MNT/x/tmp ] && _o="$_o removed files present"
	[ -z "$_o" ] && pass "vm2 sees famfsd's files with identical bytes (cmp, mmap, local cat)" ||
		fail "vm2 sees famfsd's files" "$_o"
	_o=$(fsck.famfs $MNT 2>&1)
	case $_o in
	*"clean, 4 files, 4 directories"*) pass "vm2 fsck.famfs clean after famfsd (4 files, 4 dirs)" ;;
	*) fail "vm2 fsck.famfs after famfsd" "$_o" ;;
	esac
fi

if [ "$R" = vm2 ] && [ -z "$DEVDAX" ]; then
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
fi

if [ "$R" = vm2 ]; then
	# Memory failure: poison a mapped page; the app gets SIGBUS, the
	# mount is disabled, the kernel survives.
	$T map $MNT/poison reg 2M $(priv 200):2M >/dev/null
	_o=$($T poison $MNT/poison 2>&1)
	d=$(sysfs_dir)
	if echo "$_o" | grep -q SIGBUS && [ "$(cat $d/disabled)" = 1 ]; then
		_r=$($T verify $MNT/big 3 2>&1)
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

# VM3: famfsd in kernel mode (tests/vm/famfsd.sh) once VM2 is idle; its
# mount is gone and it has no private files the daemon's replay would prune.
if [ "$R" = vm3 ]; then
	_m=$(hear 5003)
	. /tests/famfsd.sh
	if [ "$_m" = idle ]; then
		famfsd_scenarios "vm3 famfsd"
	else
		fail "vm3 famfsd" "vm2 did not say it is idle ($_m)"
	fi
	say 5004 stopped || fail "vm3 tells vm2 famfsd stopped" "no connection"
fi
