# SPDX-License-Identifier: GPL-2.0
# The hardening scenarios of famfs.ko (issue 16), in one VM on a fresh
# nvdimm of their own: no mkfs (the module never reads the memory); the
# test maps .meta files itself.  Bounds (adversarial and random maps),
# fencing of every access path (write-back before the zap, I/O in
# progress, pinned pages, the lease deadline, files made while fenced,
# two files on the same memory), and the original famfs v1 ABI.
. /tests/lib.sh

if load_nvdimm && fsdax_switch; then
	pass "harden: $DEV in fsdax mode"
else
	fail "harden: $DEV in fsdax mode" "queue/dax=$(cat /sys/block/${DEV##*/}/queue/dax 2>&1)"
	exit 1
fi
load_famfs && mkdir -p $MNT && mount -t famfs $DEV $MNT ||
	{ fail "harden: mount" "$(dmesg | tail -n 3 | tr '\n' ' ')"; exit 1; }
DEVSZ=$(( $(cat /sys/block/${DEV##*/}/size) * 512 ))
mkdir -p $MNT/.meta $MNT/t

# ---- Bounds ----------------------------------------------------------------

# A log may not be placed over memory a regular file already uses,
# whatever the order of creation.
$T map $MNT/t/early reg 4M 20M:4M >/dev/null
errno_is "bounds: log over an existing regular file refused (created first)" EPERM \
	$T map $MNT/.meta/.log log 8M 18M:8M
rm -f $MNT/t/early $MNT/.meta/.log
ok "bounds: superblock and log files mapped" sh -c "$T map $MNT/.meta/.superblock sb 2M 0:2M &&
	$T map $MNT/.meta/.log log 8M 2M:8M"

# Interleave with a huge chunk: the strip size computation overflowed.
errno_is "bounds: interleave chunk 2^64-4K, size 2^62, one 2M strip refused" EINVAL \
	$T mapi $MNT/t/adv1 4611686018427387904 18446744073709547520 300M:2M
errno_is "bounds: interleave chunk 2^64-4K, size 2^63 refused" EINVAL \
	$T mapi $MNT/t/adv2 9223372036854775808 18446744073709547520 300M:2M
errno_is "bounds: size over s_maxbytes refused" EINVAL \
	$T map $MNT/t/adv3 reg 9223372036854775808 300M:2M v2
errno_is "bounds: extents of one file overlapping each other refused" EINVAL \
	$T map $MNT/t/adv4 reg 4M 300M:2M,301M:2M v2
errno_is "bounds: extent wrapping past 2^64 refused" ERANGE \
	$T map $MNT/t/adv5 reg 8K 18446744073709547520:8K v2

_o=$($T fuzz $MNT/t 4000 ${FUZZ_SEED:-$$} $DEVSZ 2M 8M 2>&1)
case $_o in
ok*) pass "bounds: 4000 random/adversarial maps, every accepted one inside the data area (${_o#ok })" ;;
*) fail "bounds: random/adversarial maps" "$_o" ;;
esac

# The same for the original's KABI 43 interleaved maps of 1-5 interleaved
# extents (more than one: issue 16's "not done", accepted since).
_o=$($T fuzz43 $MNT/t 3000 ${FUZZ_SEED:-$$} $DEVSZ 2M 8M 2>&1)
case $_o in
ok*) pass "bounds: 3000 random/adversarial KABI 43 maps of 1-5 interleaved extents, every accepted one inside the data area (${_o#ok })" ;;
*) fail "bounds: random/adversarial KABI 43 interleaved maps" "$_o" ;;
esac

$T map $MNT/t/three reg 6M 300M:2M,310M:2M,320M:2M v2 >/dev/null
$T map $MNT/t/two reg 4M 330M:2M,340M:2M >/dev/null
errno_is "bounds: MAP_GET of a 3-extent file: E2BIG, not a count its structure cannot hold" E2BIG \
	$T getmapv1 $MNT/t/three
_o=$($T getmapv1 $MNT/t/two 2>&1)
[ "$_o" = "ok count=2" ] && pass "bounds: MAP_GET/GETEXT of a 2-extent file write no more than they hold" ||
	fail "bounds: MAP_GET/GETEXT of a 2-extent file" "$_o"
errno_is "bounds: MAP_GET2 with a non-zero reserved field refused" EINVAL \
	$T getmap $MNT/t/two badreserved

# ---- Fencing ---------------------------------------------------------------

# wb: bytes the module wrote back from CPU caches (GET_STATS), and the
# access of t/wb (64K: its one unit, clipped to the file, is 64K).
wb() { $T stats $MNT | tr ' ' '\n' | sed -n 's/^wb=//p'; }
$T map $MNT/t/wb reg 64K 350M:64K >/dev/null
$T dirty $MNT/t/wb >/dev/null
_w0=$(wb)
$T setaccess $MNT/t/wb ro >/dev/null
_n=$(( $(wb) - _w0 ))
[ "$_n" = 65536 ] && pass "fencing: SET_ACCESS rw->ro writes back the dirty lines ($_n bytes)" ||
	fail "fencing: write-back on SET_ACCESS" "$_n bytes written back (want 65536)"
$T setaccess $MNT/t/wb rw >/dev/null
$T dirty $MNT/t/wb >/dev/null
_w0=$(wb)
$T lease $MNT 300 >/dev/null
sleep 1
_n=$(( $(wb) - _w0 ))
# (The expiry fences every file of the mount: others written above count too.)
[ "$_n" -ge 65536 ] && [ "$($T getaccess $MNT/t/wb)" = none ] &&
	pass "fencing: lease expiry writes back the dirty lines ($_n bytes, t/wb's 65536 among them)" ||
	fail "fencing: write-back on lease expiry" "$_n bytes written back (want >= 65536), access $($T getaccess $MNT/t/wb)"
$T lease $MNT 0 >/dev/null

$T map $MNT/t/io reg 2M 352M:2M >/dev/null
_o=$($T iorace $MNT/t/io read 2>&1)
case $_o in ok*) pass "fencing: SET_ACCESS waits for a read(2) in progress (${_o#ok })" ;;
*) fail "fencing: SET_ACCESS vs read(2) in progress" "$_o" ;; esac
_o=$($T iorace $MNT/t/io write 2>&1)
case $_o in ok*) pass "fencing: SET_ACCESS waits for a write(2) in progress (${_o#ok })" ;;
*) fail "fencing: SET_ACCESS vs write(2) in progress" "$_o" ;; esac

$T map $MNT/t/long reg 8M 420M:8M >/dev/null
_o=$($T iorace $MNT/t/long read long 2>&1)
case $_o in ok*) pass "fencing: a revoked 8 MiB read(2) stops after its first 2 MiB range (${_o#ok })" ;;
*) fail "fencing: a revoked long read(2) stops at the next range" "$_o" ;; esac
_o=$($T iorace $MNT/t/long write long 2>&1)
case $_o in ok*) pass "fencing: a revoked 8 MiB write(2) stops after its first 2 MiB range (${_o#ok })" ;;
*) fail "fencing: a revoked long write(2) stops at the next range" "$_o" ;; esac

$T setaccess $MNT/t/io rw >/dev/null	# each scenario on its own, whatever the last one left
_o=$($T pintest $MNT/t/io 2>&1)
case $_o in ok*) pass "fencing: pinned pages waited for, EBUSY after the bound (${_o#ok })" ;;
*) fail "fencing: pinned pages" "$_o" ;; esac

# The same once the process has unmapped the file: no mapping is left,
# only the pin (the kernel's dax_layout_busy_page() looks only while the
# file is mapped; the module walks the file's pages itself).
$T map $MNT/t/pinu reg 2M 470M:2M >/dev/null
_o=$($T pintest $MNT/t/pinu unmap 2>&1)
case $_o in ok*) pass "fencing: pages pinned after the file's last mapping is gone waited for, EBUSY after the bound (${_o#ok })" ;;
*) fail "fencing: pinned pages of an unmapped file" "$_o" ;; esac

$T lease $MNT 0 >/dev/null; $T setaccess $MNT/t/io rw >/dev/null
# 7 rounds of a 3 s lease: a timer-wheel delayed work would be up to 256 ms
# late (HZ=250) in most rounds; the hrtimer must stay under 50 ms, and never
# early.  The bound is judged on the median round: under TCG on a loaded
# host a round in which the VM's vCPU or its timer thread was not scheduled
# (seen: 432 ms, with no-I/O and no-mapping times equal) says nothing about
# the module; the maximum is printed with the rest.
_o=$($T leasebound $MNT $MNT/t/io 3000 7 2>&1)
_m=$(median_of "$(echo "$_o" | sed -n 's/.* map_us=\([0-9,]*\).*/\1/p')")
_i=$(median_of "$(echo "$_o" | sed -n 's/.* io_us=\([0-9,]*\).*/\1/p')")
if [ -n "$_m" ] && [ -n "$_i" ] && [ "$_m" -lt 50000 ] && [ "$_i" -lt 50000 ]; then
	pass "fencing: lease deadline -> no mapping, median ${_m} us, no I/O, median ${_i} us (bound 50 ms; ${_o#ok })"
else
	fail "fencing: lease deadline bound (50 ms, median of 7 rounds)" "$_o"
fi

$T lease $MNT 200 >/dev/null
sleep 0.5
$T map $MNT/t/late reg 2M 354M:2M >/dev/null
_a1=$($T getaccess $MNT/t/late)
$T lease $MNT 5000 >/dev/null
_a2=$($T getaccess $MNT/t/late)
$T setaccess $MNT/t/late rw >/dev/null
_a3=$($T getaccess $MNT/t/late)
$T lease $MNT 0 >/dev/null
[ "$_a1 $_a2 $_a3" = "none none rw" ] &&
	pass "fencing: a file made while the lease is expired has no access until renewal + grant" ||
	fail "fencing: file made while expired" "access while expired / after renewal / after grant: $_a1 / $_a2 / $_a3"

$T map $MNT/t/shareA reg 2M 356M:2M >/dev/null
$T map $MNT/t/shareB reg 2M 356M:2M >/dev/null
_o1=$($T mmtouch $MNT/t/shareA 2>&1)
_o2=$($T mmtouch $MNT/t/shareB 2>&1)
case "$_o1|$_o2" in
ok*"|errno=EBUSY "*) pass "fencing: second file on the same memory refused (mmap EBUSY)" ;;
*) fail "fencing: two files on the same memory" "A: $_o1 / B: $_o2" ;;
esac
rm -f $MNT/t/shareA
_o=$($T mmtouch $MNT/t/shareB 2>&1)
case $_o in ok*) pass "fencing: the other file maps once the first is deleted" ;;
*) fail "fencing: mapping after the first is deleted" "$_o" ;; esac

# ---- The original ABI ---------------------------------------------------------

_want="map=56 ext=16 type@0 ftype@4 size@8 count@16 list@24 simple=0 invalid=1 reg=0 sb=1 log=2 max=2 kabi=42 magic=0x75 create=0x40387550 get=0x80387551 getext=0x80107552 nop=0x7553"
_o=$($T abi)
[ "$_o" = "$_want" ] && pass "abi: v1 header facts equal KABI 42 ($_o)" ||
	fail "abi: v1 header facts" "want '$_want', got '$_o'"
ok "abi: MAP_CREATE/MAP_GET with the KABI 42 layout (SIMPLE_DAX_EXTENT = 0)" \
	$T mapk42 $MNT/t/k42 4M 360M:2M,364M:2M

# The original's KABI 43 map ioctls: a simple and an interleaved file; the
# interleaved one is filled through write(2) and read back through a
# MAP_CREATE2 file on the same strips (read(2) only: no mapping claim), so
# both interfaces place file offsets identically.
_o1=$($T mapv2 $MNT/t/v2s 3M 392M:2M,396M:2M 2>&1)
_o2=$($T mapv2 $MNT/t/v2i 5M 400M:2M,404M:2M,408M:2M 1M 2>&1)
_o3=$($T fill $MNT/t/v2i 21 2>&1)
$T mapi $MNT/t/v2twin 5M 1M 400M:2M,404M:2M,408M:2M >/dev/null
_o4=$(cmp $MNT/t/v2i $MNT/t/v2twin 2>&1 && echo same)
rm -f $MNT/t/v2twin
errno_is "abi: KABI 43 MAP_CREATE_V2 with devindex 1 refused (one device)" EINVAL \
	$T mapv2 $MNT/t/v2bad 2M 412M:2M - 1
case "$_o1|$_o2|$_o3|$_o4" in
"ok simple n=2|ok interleaved n=3|ok 5242880|same")
	pass "abi: KABI 43 MAP_CREATE_V2/MAP_GET_V2, simple and interleaved (same placement as MAP_CREATE2)" ;;
*) fail "abi: KABI 43 MAP_CREATE_V2/MAP_GET_V2" "$_o1 / $_o2 / $_o3 / $_o4" ;;
esac

# Several interleaved extents in one KABI 43 map, laid out in order in
# the file: 4 MiB striped 1 MiB over 2 strips, 2 MiB striped 64 KiB over 2
# strips, the last 1.5 MiB on one strip (its ie_nbytes says more).  Filled
# through write(2), checked through mmap and read(2), and each interleaved
# extent compared with a MAP_CREATE2 file on its own strips (read(2) only).
_o1=$($T mapv2m $MNT/t/v2m 7864320 4M 1M 430M:2M,434M:2M 2M 64K 438M:1M,440M:1M \
	8M 2M 444M:2M 2>&1)
_o2=$($T fill $MNT/t/v2m 23 2>&1 && $T verify $MNT/t/v2m 23 2>&1)
$T mapi $MNT/t/v2m0 4M 1M 430M:2M,434M:2M >/dev/null
$T mapi $MNT/t/v2m1 2M 64K 438M:1M,440M:1M >/dev/null
$T mapi $MNT/t/v2m2 1572864 2M 444M:2M >/dev/null
_o3="$($T verifyrd $MNT/t/v2m0 23 0 2>&1) $($T verifyrd $MNT/t/v2m1 23 4M 2>&1) $($T verifyrd $MNT/t/v2m2 23 6M 2>&1)"
rm -f $MNT/t/v2m0 $MNT/t/v2m1 $MNT/t/v2m2
_o4=$($T getmap $MNT/t/v2m 2>&1)
case "$_o1|$_o2|$_o3|$_o4" in
"ok iext=3 get=E2BIG|ok 7864320"*"ok 7864320|ok 4194304 ok 2097152 ok 1572864|errno=EOPNOTSUPP "*)
	pass "abi: KABI 43 MAP_CREATE_V2 with 3 interleaved extents: placed in order (same bytes as MAP_CREATE2 files on their strips), MAP_GET_V2 E2BIG with the count, MAP_GET2 EOPNOTSUPP" ;;
*) fail "abi: KABI 43 map of 3 interleaved extents" "$_o1 / $_o2 / $_o3 / $_o4" ;;
esac
errno_is "abi: KABI 43 interleaved extent past the end of the file (ie_nbytes 2^64-4K before it) refused" EINVAL \
	$T mapv2m $MNT/t/v2mbad 4M 18446744073709547520 1M 450M:2M,454M:2M 4096 4096 458M:4K
errno_is "abi: KABI 43 interleaved extent other than the last ending inside a page refused" EINVAL \
	$T mapv2m $MNT/t/v2mbad2 4M 2049K 1M 450M:2M,454M:2M 2M 1M 458M:2M
_o=$(cat /sys/module/famfs/parameters/famfs_kabi_version 2>&1)
[ "$_o" = 43 ] && pass "abi: KABI version in /sys/module/famfs/parameters/famfs_kabi_version (43)" ||
	fail "abi: KABI version module parameter" "$_o"

# A 32-bit caller through the kernel's compat path: same layouts, same
# ioctl numbers, same results.
if [ -x /bin/famfs_vmtool32 ]; then
	T32=famfs_vmtool32
	_o=$($T32 abi)
	_g1=$($T32 mapk42 $MNT/t/c32a 4M 372M:2M,376M:2M 2>&1)
	_g2=$($T32 getmapv1 $MNT/t/c32a 2>&1)
	_g3=$($T32 map $MNT/t/c32b reg 6M 380M:2M,384M:2M,388M:2M v2 2>&1 && $T32 getmap $MNT/t/c32b 2>&1)
	_g4=$($T32 fill $MNT/t/c32b 5 >/dev/null && $T verify $MNT/t/c32b 5 2>&1)
	_g5=$($T32 fuzz $MNT/t 500 32 $DEVSZ 2M 8M 2>&1)
	case "$_o|$_g1|$_g2|$_g3|$_g4|$_g5" in
	"$_want|ok|ok count=2|ok"*"type=0 size=6291456 access=rw extents=3 0x17c00000:0x200000 0x18000000:0x200000 0x18400000:0x200000|ok 6291456|ok"*)
		pass "abi: a 32-bit caller (compat ioctl): same facts, KABI 42 map, MAP_CREATE2/GET2, 500 fuzzed maps" ;;
	*) fail "abi: a 32-bit caller (compat ioctl)" "abi: $_o / mapk42: $_g1 / getmapv1: $_g2 / v2: $_g3 / fill: $_g4 / fuzz: $_g5" ;;
	esac
else
	skip "abi: a 32-bit caller (compat ioctl)" "no famfs_vmtool32 (gcc -m32 needs gcc-multilib)"
fi

$T map $MNT/t/trunc reg 2M 370M:2M >/dev/null
if truncate -s 1M $MNT/t/trunc 2>/tmp/err; then
	_r=$($T readerr $MNT/t/trunc 2>&1); _g=$($T getmap $MNT/t/trunc 2>&1)
	_m=$($T mmtouch $MNT/t/trunc 2>&1); _s=$($T setaccess $MNT/t/trunc rw 2>&1)
	case "$_r|$_g|$_m|$_s" in
	"errno=EIO "*"|errno=EIO "*"|errno=EIO "*"|errno=EIO "*) pass "abi: truncate of a mapped file succeeds, file unusable (read, MAP_GET2, mmap, SET_ACCESS: EIO)" ;;
	*) fail "abi: truncated file unusable" "read: $_r / getmap: $_g / mmap: $_m / setaccess: $_s" ;;
	esac
else
	fail "abi: truncate of a mapped file succeeds" "$(cat /tmp/err)"
fi
touch $MNT/t/nomap
errno_is "abi: read(2) of a file without a map fails" ENODATA $T readerr $MNT/t/nomap

dmesg | grep -E 'BUG:|WARNING:|Oops' | head -n 3 | sed 's/^/dmesg: /'
if dmesg | grep -qE 'BUG:|WARNING:|Oops'; then
	fail "harden: kernel log clean (no WARNING)" "$(dmesg | grep -E 'BUG:|WARNING:|Oops' | head -n 1)"
else
	pass "harden: kernel log clean (no WARNING)"
fi
ok "harden: unmount" umount $MNT

# Poison in another partition of the same pmem (an ext4 -o dax file on
# p1) must not disable the famfs mount on p2: the failure report carries
# an offset on the whole dax device, which both partitions share.
P=${DEV##*/}
if $T mbr $DEV 2M 128M 130M 256M >/dev/null && wait_for 10 test -e /sys/block/$P/${P}p2 &&
   mount -t famfs ${DEV}p2 $MNT && mke2fs.e2fs -q -F -t ext4 -b 4096 ${DEV}p1 >/dev/null 2>&1 &&
   mkdir -p /mnt/ext && mount -t ext4 -o dax ${DEV}p1 /mnt/ext &&
   dd if=/dev/zero of=/mnt/ext/f bs=1M count=2 2>/dev/null && sync; then
	$T map $MNT/f reg 2M 4M:2M >/dev/null
	_o=$($T poison /mnt/ext/f 2>&1)
	_d=$(cat /sys/fs/famfs/${P}p2/disabled 2>&1)
	_m=$($T mmtouch $MNT/f 2>&1)
	case "$_o|$_d|$_m" in
	*SIGBUS*"|0|ok"*) pass "fencing: poison in another partition (ext4 on ${P}p1) leaves famfs on ${P}p2 enabled" ;;
	*) fail "fencing: poison in another partition" "poison: $_o / famfs disabled=$_d / famfs mmap: $_m" ;;
	esac
	umount /mnt/ext
	ok "harden: unmount the partition" umount $MNT
else
	fail "fencing: poison in another partition" "setup: $(ls /sys/block/$P 2>&1 | tr '\n' ' ') $(dmesg | tail -n 2 | tr '\n' ' ')"
fi
ok "harden: rmmod famfs" rmmod famfs
# The reported KABI version can be chosen at load time for user space
# built at 42; other values are refused.
_o1=$(insmod /modules/famfs.ko famfs_kabi_version=42 2>&1 &&
	cat /sys/module/famfs/parameters/famfs_kabi_version && rmmod famfs)
insmod /modules/famfs.ko famfs_kabi_version=44 2>/dev/null && { _o2=loaded; rmmod famfs; } || _o2=refused
[ "$_o1|$_o2" = "42|refused" ] && pass "abi: famfs_kabi_version=42 at load reports 42, 44 refused" ||
	fail "abi: famfs_kabi_version at load" "42: $_o1 / 44: $_o2"
