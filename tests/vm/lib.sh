# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the in-VM test scripts (POSIX sh, busybox).
#
# Each scenario prints exactly one line "RESULT PASS|FAIL|SKIP name[: why]";
# the host runner counts them.  The shared pmem is formatted by mkfs.famfs
# (superblock [0, 2M), log [2M, 10M), famfsctl allocates data from 10M up);
# the kernel-level scenarios map private files (not in the log) with
# famfs_vmtool at fixed offsets from PRIV (256M) up, clear of famfsctl's.

T=famfs_vmtool
MNT=/mnt/famfs
FAM_BYTES=${FAM_BYTES:-536870912}	# the shared nvdimm (famfs_bytes=; the devdax test one is 64M)
DEV=/dev/pmem0		# set by load_nvdimm
REGION=0
SB_LEN=2M
LOG_OFF=2M
LOG_LEN=8M
PRIV=256	# MiB: start of the vmtool-only area
# priv MIB: byte offset PRIV + MIB MiB
priv() { echo $(( (PRIV + $1) * 1048576 )); }

pass() { echo "RESULT PASS $1"; }
fail() { echo "RESULT FAIL $1: $2"; }
skip() { echo "RESULT SKIP $1: $2"; }

# ok NAME CMD...: passes when CMD succeeds.
ok() {
	_n=$1; shift
	if _o=$("$@" 2>&1); then pass "$_n"; else fail "$_n" "$(echo "$_o" | tail -n 3 | tr '\n' ' ')"; fi
}

# errno NAME ERRNO CMD...: passes when famfs_vmtool CMD fails with ERRNO.
errno_is() {
	_n=$1 _e=$2; shift 2
	_o=$("$@" 2>&1)
	case $_o in
	"errno=$_e "*) pass "$_n" ;;
	*) fail "$_n" "want errno=$_e, got: $_o" ;;
	esac
}

# median_of "A,B,C,...": the median of a comma-separated list of integers
# (the upper one of the middle two for an even count); empty for an empty list.
median_of() {
	echo "$1" | tr ',' '\n' | grep -E '^-?[0-9]+$' | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) print v[int(NR / 2) + 1] }'
}

# wait_for SECONDS CMD...: poll CMD until it succeeds; bounded.
wait_for() {
	_t=$(( $1 * 10 )); shift
	while [ $_t -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		_t=$((_t - 1))
	done
	return 1
}

# uptime_cs: CLOCK_BOOTTIME in centiseconds (/proc/uptime), for latencies.
uptime_cs() { read _u _ < /proc/uptime; echo $(( ${_u%.*} * 100 + 1${_u#*.} - 100 )); }

sysfs_dir() { echo /sys/fs/famfs/${DEV##*/}; }

# Region number of the nvdimm of SIZE bytes (probe order is not fixed).
region_of_size() {
	for r in /sys/bus/nd/devices/region*; do
		[ "$(cat $r/size 2>/dev/null)" = "$1" ] && { echo ${r##*region}; return 0; }
	done
	return 1
}

# FAMFS_DEVDAX=1 (famfs_devdax=1 on the kernel command line, make
# check-vm-devdax): the shared nvdimm is used in devdax mode, DEV is
# /dev/daxN.0, and famfs mounts the character device (the test kernel with
# the dev_dax_iomap series, kernel/patches/).
DEVDAX=${FAMFS_DEVDAX:-}
DAXMODE=fsdax
[ -z "$DEVDAX" ] || DAXMODE=devdax

load_nvdimm() {
	for m in $(cat /modules/order); do
		insmod /modules/$m.ko 2>/dev/null || { grep -q "^$m " /proc/modules || echo "insmod $m failed"; }
	done
	wait_for 30 region_of_size $FAM_BYTES || return 1
	REGION=$(region_of_size $FAM_BYTES)
	DEV=/dev/pmem$REGION
	if [ -n "$DEVDAX" ]; then
		DEV=/dev/dax$REGION.0
		# raw (pmem block device) or devdax (a dax info block in the memory)
		wait_for 30 sh -c "test -e /sys/block/pmem$REGION || test -c $DEV"
		return
	fi
	wait_for 30 test -e /sys/block/pmem$REGION
}

# dax_ready: the namespace is in the mode famfs mounts (fsdax: the pmem
# block device does DAX; devdax: the /dev/dax character device exists).
dax_ready() {
	if [ -n "$DEVDAX" ]; then test -c $DEV; else grep -q 1 /sys/block/${DEV##*/}/queue/dax 2>/dev/null; fi
}

# devdax_switch: the namespace to devdax mode (a dax info block in the
# shared memory: once per backing file), DEV=/dev/daxN.0.
devdax_switch() {
	ND=/sys/bus/nd ns=namespace$REGION.0
	dax_ready && return 0
	seed=$(cat $ND/devices/region$REGION/dax_seed)
	echo $ns > $ND/drivers/nd_pmem/unbind 2>/dev/null
	cat /proc/sys/kernel/random/uuid > $ND/devices/$seed/uuid
	echo ram > $ND/devices/$seed/mode
	echo 2097152 > $ND/devices/$seed/align
	echo $ns > $ND/devices/$seed/namespace
	echo $seed > $ND/drivers/dax_pmem/bind 2>/dev/null
	wait_for 30 dax_ready
}

# dax_reprobe: a VM that probed the namespace while it was raw sees the
# info block another VM wrote since (nd_pmem hands the namespace to a new
# pfn or dax device; bind reports ENXIO).
dax_reprobe() {
	dax_ready && return 0
	ns=namespace$REGION.0
	echo $ns > /sys/bus/nd/drivers/nd_pmem/unbind 2>/dev/null
	echo $ns > /sys/bus/nd/drivers/nd_pmem/bind 2>/dev/null
	wait_for 30 dax_ready
}

# The pfn info block lives in the shared memory: once per backing file.
fsdax_switch() {
	[ -z "$DEVDAX" ] || { devdax_switch; return; }
	ND=/sys/bus/nd b=${DEV##*/} ns=namespace$REGION.0
	[ "$(cat /sys/block/$b/queue/dax 2>/dev/null)" = 1 ] && return 0
	pfn=$(cat $ND/devices/region$REGION/pfn_seed)
	echo $ns > $ND/drivers/nd_pmem/unbind
	cat /proc/sys/kernel/random/uuid > $ND/devices/$pfn/uuid
	echo ram > $ND/devices/$pfn/mode
	echo 2097152 > $ND/devices/$pfn/align
	echo $ns > $ND/devices/$pfn/namespace
	echo $pfn > $ND/drivers/nd_pmem/bind
	wait_for 30 test -e /sys/block/$b
	wait_for 10 grep -q 1 /sys/block/$b/queue/dax
}

load_famfs() { insmod /modules/famfs.ko; }

counters() {
	d=$(sysfs_dir)
	echo "pte=$(cat $d/fault_pte) pmd=$(cat $d/fault_pmd) pud=$(cat $d/fault_pud)"
}

# pmd_check NAME FILE NPMD: reading FILE through mmap takes NPMD PMD
# faults and no PTE fault.
pmd_check() {
	echo 1 > $(sysfs_dir)/fault_reset
	_o=$($T mmtouch "$2" 2>&1)
	_c=$(counters)
	if [ "$_c" = "pte=0 pmd=$3 pud=0" ]; then
		pass "$1"
	else
		fail "$1" "$_c ($_o)"
	fi
}

# jnum KEY: the number KEY has in famfsctl --json output on stdin.
jnum() { sed -n "s/.*\"$1\": *\([0-9][0-9]*\).*/\1/p" | head -n 1; }

# ctl_json OUT CMD...: run famfsctl --json CMD, keep its output in OUT.
ctl_json() {
	_f=$1; shift
	famfsctl --json "$@" > "$_f" 2>&1
}

net_up() {
	ip link set lo up
	ip link set eth0 up 2>/dev/null || return 1
	echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_dad 2>/dev/null
	ip -6 addr add "$1/64" dev eth0
}

# ctl_up ADDR: the second NIC (eth1), which carries only the tests' own
# messages in the cluster phase.
ctl_up() {
	ip link set eth1 up 2>/dev/null || return 1
	echo 0 > /proc/sys/net/ipv6/conf/eth1/accept_dad 2>/dev/null
	ip -6 addr add "$1/64" dev eth1
}

ping6_ok() {
	if ping -6 -c 1 -W 1 "$1" >/dev/null 2>&1; then return 0; fi
	ping6 -c 1 -W 1 "$1" >/dev/null 2>&1
}

# ---- bench helpers (bench.sh, benchdax.sh) ----------------------------------
# med NAME METRIC [s|b]: median of the samples "S METRIC VALUE" of /tmp/NAME.s (or .b).
med() {
	grep "^S $2 " /tmp/$1.${3:-s} 2>/dev/null | awk '{ print $3 }' | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.6g", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# div A B: A / B to 3 places, "-" when either is missing.
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.3f", a / b }'; }
# row NAME: NAME's medians of the metrics $M (set by the caller), or why it has none.
row() {
	if [ -s /tmp/$1.s ]; then
		printf '%-12s' $1; for m in $M; do printf ' %10s' $(med $1 $m); done; echo
	else
		printf '%-12s n/a: %s\n' $1 "$(cat /tmp/$1.err 2>/dev/null | tr '\n' ' ' | head -c 200)"
	fi
}
