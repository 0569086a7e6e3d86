#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [check|devdax|bench|cluster|one TEST]: the famfs VM suite.
#
# devdax (make check-vm-devdax): the same phases minus the hardening VM
# (pmem partitions), with the shared nvdimm in devdax mode and famfs
# mounted on /dev/daxN.0, booting the test kernel of make vm-kernel-devdax
# (FAMFS_VM_KERNEL, FAMFS_VM_MODDIR, FAMFS_KO built against it).
#
# Boots Debian's kernel in qemu (TCG) with famfs.ko, the project's tools
# and a busybox initramfs.  All VMs share one memory-backend-file nvdimm
# in /dev/shm:
#   phase 1  VM1 alone: fsdax switch (once per backing file), mkfs.famfs,
#            mount, build a tree with famfsctl local (log through the
#            mount's .meta DAX files), then the single-host kernel scenarios;
#            then the hardening scenarios (harden.sh: bounds, fencing, the
#            original v1 ABI) in a VM of their own on a fresh backing file;
#   phase 2  VM2 and VM3 at once, linked by a socket netdev (IPv6 ULA):
#            both famfsctl local replay into their mount and check the
#            bytes; VM2 then removes a file as writer, VM3 replays it away;
#            VM3 then runs famfsd in kernel mode (famfsd.sh) and VM2
#            replays the daemon's files once it has stopped.
#   cluster  VM c1, c2, c3 at once on a fresh backing file, linked by a
#            multicast socket netdev (IPv6 ULA) for famfsd and a second one
#            for the test's own messages (so that a scenario can cut famfsd's
#            links and still talk): famfsd in kernel mode with a [cluster]
#            section on each (cluster.sh): election, push and replay,
#            ownership handoff revoking a live mapping, a voter restarted
#            while its promise runs, famfsd restarted within the module
#            lease after it gave a grant up (cluster_restart.sh), kill -9 of
#            the master (failover, kernel lease self-fencing), fsck.
#            `run.sh cluster` runs this phase alone.
#   bench    one VM, bench.sh, results in bench/results/vm.txt.
# Prints one line per scenario and "vm: N passed, N failed[, N skipped]".
# A missing prerequisite (qemu, the kernel, famfs.ko) is a skipped check
# reported through scripts/skip.sh: under make check it makes the run fail
# unless FAMFS_ALLOW_SKIP=check-vm; run by hand it exits 1. A skip is not a pass.
set -uo pipefail

mode=${1:-check}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${FAMFS_BUILD:-$top/build}
ko=${FAMFS_KO:-$top/kernel/famfs.ko}
vmtool=${FAMFS_VMTOOL:-$build/tests/vm/famfs_vmtool}
export FAMFS_VMTOOL32=${FAMFS_VMTOOL32:-$build/tests/vm/famfs_vmtool32}
extra_append=
timeout_s=${FAMFS_VM_TIMEOUT:-240}
start=$(date +%s)

suite=check-vm
case $mode in devdax) suite=check-vm-devdax ;; bench-devdax) suite=bench-vm-devdax ;;
bench-handoff) suite=bench-vm-handoff ;; esac
skip() { bash "$top/scripts/skip.sh" $suite "$*"; exit; }

qemu=$(command -v qemu-system-x86_64) || skip "qemu-system-x86_64 not installed"
[ -f "$ko" ] || skip "kernel/famfs.ko not built (make kmod)"
kver=$(modinfo -F vermagic "$ko" 2>/dev/null | awk '{print $1}')
[ -n "$kver" ] || skip "cannot read vermagic of $ko"
vmlinuz=${FAMFS_VM_KERNEL:-/boot/vmlinuz-$kver}
export FAMFS_VM_MODDIR=${FAMFS_VM_MODDIR:-/lib/modules/$kver}
[ -r "$vmlinuz" ] || skip "no kernel image $vmlinuz for famfs.ko (apt-get install linux-image-amd64)"
[ -d "$FAMFS_VM_MODDIR/kernel" ] || skip "no modules in $FAMFS_VM_MODDIR"
case $mode in devdax|bench-devdax) extra_append="famfs_devdax=1" ;; esac
[ -x "$vmtool" ] || skip "famfs_vmtool not built"
command -v cpio >/dev/null || skip "cpio not installed"
for t in mkfs.famfs famfsctl famfsd fsck.famfs; do
	[ -f "$build/$t" ] && [ -x "$build/$t" ] ||
		{ echo "$build/$t not built (make all)"; echo "vm: 0 passed, 1 failed"; exit 1; }
done
[ -x /bin/busybox ] || skip "busybox-static not installed"

work=$(mktemp -d /tmp/famfs-vm.XXXXXX)
fam=/dev/shm/famfs-vm-$$.img
dax=/dev/shm/famfs-vm-dax-$$.img
clfam=/dev/shm/famfs-vm-cl-$$.img
hfam=/dev/shm/famfs-vm-h-$$.img
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -f "$fam" "$dax" "$clfam" "$hfam"
	[ -n "${FAMFS_VM_KEEP:-}" ] && echo "logs kept in $work" || rm -rf "$work"
}
trap cleanup EXIT INT TERM

# TLS material of the 3-host cluster phase (h1, h2, h3), packed into the
# initramfs as /etc/famfs/tls.
certs=
if command -v openssl >/dev/null &&
   bash "$top/scripts/famfs-certs.sh" "$work/certs" h1=1 h2=2 h3=3 >/dev/null 2>&1; then
	certs=$work/certs
fi
"$here/mkinitramfs.sh" "$work/initramfs.cpio" "$kver" "$ko" "$vmtool" "$build" "$certs" ||
	{ echo "vm: 0 passed, 1 failed (initramfs build)"; exit 1; }
# bench: a larger shared nvdimm (FAMFS_BENCH_NVDIMM_MB, default 1536) for
# FAMFS_BENCH_MB-sized files (default 256), FAMFS_BENCH_REPS (5) x
# FAMFS_BENCH_ROUNDS (3), and FAMFS_BENCH_BWMB (1024) for the bandwidth /
# latency part, FAMFS_BENCH_BWREPS (2) per round.
fam_mb=512
if [ "$mode" = bench ] || [ "$mode" = bench-devdax ] || [ "$mode" = bench-handoff ]; then
	fam_mb=${FAMFS_BENCH_NVDIMM_MB:-1536}
	timeout_s=${FAMFS_VM_TIMEOUT:-3600}	# ~45 min at a load average of 15 on 2 cores
fi
truncate -s ${fam_mb}M "$fam"
truncate -s 64M "$dax"

port=$(( 20000 + $$ % 20000 ))

# vm NAME TEST EXTRA-ARGS...: start one VM in the background, log to file.
# The shared nvdimm is $fam (the cluster phase points it at its own file).
vm() {
	local name=$1 test=$2; shift 2
	timeout -k 5 "$timeout_s" "$qemu" -accel tcg -cpu max -smp 1 \
		-machine pc,nvdimm=on -m 1G,slots=2,maxmem=4G \
		-object memory-backend-file,id=mem1,share=on,mem-path="$fam",size=${fam_mb}M,align=2M \
		-device nvdimm,id=nv1,memdev=mem1 \
		-object memory-backend-file,id=mem2,share=on,mem-path="$dax",size=64M,align=2M \
		-device nvdimm,id=nv2,memdev=mem2 \
		-kernel "$vmlinuz" -initrd "$work/initramfs.cpio" \
		-append "console=ttyS0 loglevel=1 panic=-1 no_timer_check famfs_test=$test famfs_role=$name famfs_bytes=$((fam_mb << 20)) $extra_append" \
		-display none -monitor none -serial "file:$work/$name.log" -no-reboot \
		"$@" > "$work/$name.qemu" 2>&1 &
	pids+=($!)
}

# finish NAME: wait for a VM; its lines go to the summary.
finish() {
	local name=$1 pid=$2 rc
	wait "$pid"; rc=$?
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		echo "RESULT FAIL $name: timed out after ${timeout_s}s" >> "$work/$name.log"
	fi
	if ! grep -q "VM-DONE" "$work/$name.log" 2>/dev/null; then
		echo "RESULT FAIL $name: did not finish (qemu rc=$rc: $(tail -n 2 "$work/$name.qemu" | tr '\n' ' '))" >> "$work/$name.log"
	fi
}

# run.sh one TEST: boot one VM running tests/vm/TEST.sh, print its console.
if [ "$mode" = one ]; then
	vm one "${2:?test name}" -net none
	finish one "${pids[0]}"
	tr -d '\r' < "$work/one.log"
	exit 0
fi

# bench-handoff: tests/vm/handoff.sh (kernel-mode write-back on access
# lowering vs raw clwb), report by handoff_report.py into
# bench/results/vm-handoff.txt; FAMFS_BENCH_HANDOFF=SIZES,ROUNDS,REPS0.
if [ "$mode" = bench-handoff ]; then
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	extra_append="$extra_append famfs_bench=${FAMFS_BENCH_HANDOFF:-256:1024,4,20}"
	vm bench handoff -net none
	finish bench "${pids[0]}"
	out=${FAMFS_BENCH_OUT:-$top/bench/results/vm-handoff.txt}
	mkdir -p "$(dirname "$out")"
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	tr -d '\r' < "$work/bench.log" > "$work/bench.clean"
	python3 "$here/handoff_report.py" "$work/bench.clean" \
		"# make bench-vm-handoff, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -n): ${cpu:-unknown CPU}, $(nproc) CPUs; guest kernel $kver, qemu TCG, -smp 1, nvdimm of $fam_mb MiB in /dev/shm; load average at the start $load0, at the end $(cut -d' ' -f1-3 /proc/loadavg)" \
		"$out" "${out%.txt}.dat" || { echo "vm: 0 passed, 1 failed (report)"; exit 1; }
	cat "$out"
	grep -a '^RESULT' "$work/bench.clean" | grep -v PASS
	echo "(bench took $(( $(date +%s) - start )) s; written to ${out#$top/})"
	grep -q '^RESULT PASS bench ran' "$work/bench.clean"
	exit
fi

# bench-devdax: tests/vm/benchdax.sh on the devdax test kernel, into
# bench/results/vm-devdax.txt (famfs on /dev/dax vs the raw device).
if [ "$mode" = bench ] || [ "$mode" = bench-devdax ]; then
	btest=bench bout=vm.txt
	[ "$mode" = bench ] || btest=benchdax bout=vm-devdax.txt
	extra_append="$extra_append famfs_bench=${FAMFS_BENCH_MB:-256},${FAMFS_BENCH_REPS:-5},${FAMFS_BENCH_ROUNDS:-3},${FAMFS_BENCH_BWMB:-1024},${FAMFS_BENCH_BWREPS:-2}"
	vm bench $btest -net none
	finish bench "${pids[0]}"
	out=${FAMFS_BENCH_OUT:-$top/bench/results/$bout}
	mkdir -p "$(dirname "$out")"
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	{
		echo "# make bench-vm, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -n): ${cpu:-unknown CPU}, $(nproc) CPUs;" \
			"guest kernel $kver, qemu TCG, -smp 1, nvdimm of $fam_mb MiB in /dev/shm;" \
			"load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
		tr -d '\r' < "$work/bench.log" | sed -n 's/^BENCH //p'
	} > "$out"
	{
		echo "# metric famfs/devdax ext4/devdax (higher is better, 1.0 = as fast as devdax)"
		tr -d '\r' < "$work/bench.log" | sed -n 's/^BENCHDAT //p'
	} > "${out%.txt}.dat"
	cat "$out"
	tr -d '\r' < "$work/bench.log" | grep -a '^RESULT' | grep -v PASS
	echo "(bench took $(( $(date +%s) - start )) s; written to ${out#$top/})"
	if [ "$(basename "$out")" = vm.txt ]; then
		(cd "$top" && FAMFS_BENCH_RESULTS=$(dirname "$out") && . bench/bench_lib.sh && bench_plot vm)
	fi
	grep -q '^RESULT PASS bench ran' "$work/bench.log"
	exit
fi

# The cluster phase: c1, c2, c3 on a fresh backing file, one Ethernet
# segment (a multicast socket netdev on the host's loopback; the group and
# port derive from our pid so that concurrent runs do not meet).
cluster_phase() {
	local grp=239.255.$(( ($$ >> 8) & 255 )).$(( $$ & 255 )) mport=$(( 40000 + $$ % 20000 )) i
	local first=${#pids[@]}
	names+=(c1 c2 c3)
	if [ -z "$certs" ]; then
		echo "RESULT FAIL cluster: no TLS material (openssl or scripts/famfs-certs.sh failed)" > "$work/c1.log"
		echo "VM-DONE" >> "$work/c1.log"; : > "$work/c2.log"; : > "$work/c3.log"
		return
	fi
	fam=$clfam
	truncate -s ${fam_mb}M "$fam"
	timeout_s=${FAMFS_VM_CLUSTER_TIMEOUT:-720}
	for i in 1 2 3; do
		vm c$i cluster -netdev socket,id=n0,mcast=$grp:$mport,localaddr=127.0.0.1 \
			-device e1000,netdev=n0,mac=52:54:00:fa:01:0$i \
			-netdev socket,id=n1,mcast=$grp:$((mport + 1)),localaddr=127.0.0.1 \
			-device e1000,netdev=n1,mac=52:54:00:fa:02:0$i
	done
	for i in 1 2 3; do finish c$i "${pids[$((first + i - 1))]}"; done
	rm -f "$clfam"
}

names=()
if [ "$mode" = cluster ]; then
	cluster_phase
else
	vm vm1 vm1 -net none
	finish vm1 "${pids[-1]}"
	names+=(vm1)

	# The hardening scenarios (harden.sh), on a backing file of their own
	# (pmem partitions: fsdax only).
	if [ "$mode" != devdax ]; then
		shared=$fam fam=$hfam
		truncate -s ${fam_mb}M "$fam"
		vm harden harden -net none
		finish harden "${pids[-1]}"
		fam=$shared
		rm -f "$hfam"
		names+=(harden)
	fi

	vm vm2 vm2 -netdev socket,id=n0,listen=127.0.0.1:$port -device e1000,netdev=n0,mac=52:54:00:fa:00:02
	p2=${pids[-1]}
	sleep 1
	vm vm3 vm2 -netdev socket,id=n0,connect=127.0.0.1:$port -device e1000,netdev=n0,mac=52:54:00:fa:00:03
	finish vm2 "$p2"
	finish vm3 "${pids[-1]}"
	names+=(vm2 vm3)
	rm -f "$fam"
	cluster_phase
fi

passed=0 failed=0 skipped=0
for name in "${names[@]}"; do
	while IFS= read -r line; do
		case $line in
		"RESULT PASS "*) passed=$((passed + 1)); echo "PASS  ${line#RESULT PASS }" ;;
		"RESULT FAIL "*) failed=$((failed + 1)); echo "FAIL  ${line#RESULT FAIL }" ;;
		"RESULT SKIP "*) skipped=$((skipped + 1)); echo "SKIP  ${line#RESULT SKIP }"
			bash "$top/scripts/skip.sh" $suite "${line#RESULT SKIP }" >/dev/null || failed=$((failed + 1)) ;;
		esac
	done < <(tr -d '\r' < "$work/$name.log" | grep -a '^RESULT ')
done
[ $failed = 0 ] || FAMFS_VM_KEEP=1
summary="vm: $passed passed, $failed failed"
[ $skipped = 0 ] || summary="$summary, $skipped skipped"
echo "(VM suite took $(( $(date +%s) - start )) s)"
echo "$summary"
[ $failed = 0 ]
