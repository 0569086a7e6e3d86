#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh OUT KVER FAMFS_KO VMTOOL [BUILD_DIR [CERT_DIR]]
#
# Builds the VM test initramfs: static busybox, the nvdimm/dax/e1000
# modules of the Debian kernel KVER (dependencies resolved through
# modules.dep, copied uncompressed; ext4 for the bench baseline), famfs.ko,
# the static famfs_vmtool, e2fsprogs' mke2fs (as mke2fs.e2fs: busybox owns
# the name mke2fs) and filefrag, the project's user-space binaries from BUILD_DIR with
# their shared libraries (found with ldd), the cluster's TLS material from
# CERT_DIR (scripts/famfs-certs.sh output) as /etc/famfs/tls, and the in-VM
# scripts.
set -euo pipefail

out=$1 kver=$2 famfs_ko=$3 vmtool=$4 build=${5:-} certs=${6:-}
here=$(cd "$(dirname "$0")" && pwd)
# FAMFS_VM_MODDIR: the modules of another kernel (the devdax test kernel's
# modules_install tree); a wanted module built into that kernel is skipped.
moddir=${FAMFS_VM_MODDIR:-/lib/modules/$kver}
# ext4 + crc32c: the ext4 -o dax baseline of bench-vm.
want="libnvdimm nfit nd_btt nd_pmem nd_e820 device_dax dax_pmem e1000 crc32c_generic ext4"

stage=$(mktemp -d /tmp/famfs-initramfs.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,proc,sys,dev,tmp,mnt,tests,modules,etc}

cp /bin/busybox "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"

# Modules, dependencies first (modules.dep lists a module's deps).
declare -A seen=()
order=()
add_mod() {
	local name=$1 path dep
	path=$(awk -F: -v n="$name" '{
		f = $1; sub(/.*\//, "", f); sub(/\.ko(\.[a-z]+)?$/, "", f);
		gsub(/-/, "_", f); if (f == n) { print $1; exit } }' \
		"$moddir/modules.dep")
	if [ -z "$path" ] && [ -f "$moddir/modules.builtin" ] &&
	   sed 's|.*/||; s|\.ko$||; s|-|_|g' "$moddir/modules.builtin" | grep -qx "$name"; then
		return 0
	fi
	[ -n "$path" ] || { echo "mkinitramfs: module $name not found in $moddir" >&2; exit 1; }
	[ -z "${seen[$path]:-}" ] || return 0
	seen[$path]=1
	for dep in $(awk -F: -v p="$path" '$1 == p { print $2 }' "$moddir/modules.dep"); do
		dep=${dep##*/}; dep=${dep%%.ko*}; dep=${dep//-/_}
		add_mod "$dep"
	done
	order+=("$path")
}
for m in $want; do add_mod "$m"; done
for path in "${order[@]}"; do
	base=${path##*/}
	case $path in
	*.ko)    cp "$moddir/$path" "$stage/modules/$base" ;;
	*.ko.xz) xz -dc "$moddir/$path" > "$stage/modules/${base%.xz}"; base=${base%.xz} ;;
	*.ko.zst) zstd -qdc "$moddir/$path" > "$stage/modules/${base%.zst}"; base=${base%.zst} ;;
	*.ko.gz) gzip -dc "$moddir/$path" > "$stage/modules/${base%.gz}"; base=${base%.gz} ;;
	esac
	echo "${base%.ko}" >> "$stage/modules/order"
done
cp "$famfs_ko" "$stage/modules/famfs.ko"

cp "$vmtool" "$stage/bin/famfs_vmtool"
# The 32-bit build of the helper, when there is one (FAMFS_VMTOOL32).
if [ -x "${FAMFS_WBBENCH:-}" ]; then
	cp "$FAMFS_WBBENCH" "$stage/bin/famfs_wbbench"
fi
if [ -x "${FAMFS_VMTOOL32:-}" ]; then
	cp "$FAMFS_VMTOOL32" "$stage/bin/famfs_vmtool32"
fi

copy_libs() {
	ldd "$1" 2>/dev/null | awk '/=> \//{print $3} /^\t\//{print $1}' |
	while read -r lib; do
		[ -e "$stage$lib" ] && continue
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
}

# e2fsprogs' mke2fs (busybox's cannot make ext4) for the ext4 -o dax baseline.
mke2fs=$(command -v mke2fs || echo /usr/sbin/mke2fs)
if [ -x "$mke2fs" ]; then
	cp "$mke2fs" "$stage/usr/sbin/mke2fs.e2fs"
	copy_libs "$mke2fs"
	[ -f /etc/mke2fs.conf ] && cp /etc/mke2fs.conf "$stage/etc/"
fi
filefrag=$(command -v filefrag || echo /usr/sbin/filefrag)
[ -x "$filefrag" ] && cp "$filefrag" "$stage/usr/sbin/filefrag" && copy_libs "$filefrag"

# The project's user-space tools, when built (famfsctl, mkfs.famfs ...).
if [ -n "$build" ] && [ -d "$build" ]; then
	for b in famfsctl famfsd mkfs.famfs fsck.famfs; do
		[ -f "$build/$b" ] && [ -x "$build/$b" ] || continue
		cp "$build/$b" "$stage/usr/bin/$b"
		copy_libs "$build/$b"
	done
fi

if [ -n "$certs" ] && [ -d "$certs" ]; then
	mkdir -p "$stage/etc/famfs/tls"
	cp "$certs"/*.crt "$certs"/*.key "$stage/etc/famfs/tls/"
	rm -f "$stage/etc/famfs/tls/ca.key"	# the CA key stays on the host
fi

cp "$here/init" "$stage/init"
for f in "$here"/*.sh; do
	case ${f##*/} in run.sh|mkinitramfs.sh) continue ;; esac
	cp "$f" "$stage/tests/"
done
chmod 755 "$stage/init" "$stage"/tests/*.sh

(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) > "$out"
