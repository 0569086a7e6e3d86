#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh [--print-dir]: the famfs VM test kernel (make vm-kernel-devdax).
#
# Debian's linux-source-6.1 (/usr/src/linux-source-6.1.tar.xz) plus the
# dev_dax_iomap series of kernel/patches/ (applied in `series` order), with
# x86_64 tinyconfig + tests/vm/kernel/devdax.config, built into
#   ${FAMFS_KCACHE:-/var/cache/famfs}/vm-kernel-HASH/
#     src/        the patched source tree
#     build/      the O= object tree (famfs.ko builds against it: KDIR)
#     bzImage     the kernel the VMs boot
#     mods/lib/modules/KVER/   its modules (modules_install)
#     kver, build-seconds, done
# HASH covers every input (tarball checksum, series, patches, config
# fragment, and the recipe number below): a folder whose `done` exists is
# reused as is.
# ccache, when installed, keeps compiled objects across hashes
# (${FAMFS_KCACHE}/ccache), so a patch change rebuilds little.
# `vm-kernel-devdax` in the cache folder links to the newest build.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
tarball=${FAMFS_KSRC:-/usr/src/linux-source-6.1.tar.xz}
cache=${FAMFS_KCACHE:-/var/cache/famfs}
patches=$top/kernel/patches
frag=$here/devdax.config
jobs=${FAMFS_KJOBS:-2}

[ -r "$tarball" ] || { echo "vm-kernel: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 1; }
[ -r "$patches/series" ] || { echo "vm-kernel: $patches/series missing" >&2; exit 1; }

# Bump when the way the kernel is built changes (not for comments).
recipe=1
series=$(grep -v '^[[:space:]]*\(#\|$\)' "$patches/series" || true)
hash=$( {
	echo "recipe $recipe"
	sha256sum < "$tarball"
	cat "$patches/series"
	for p in $series; do cat "$patches/$p"; done
	cat "$frag"
} | sha256sum | cut -c1-16)
out=$cache/vm-kernel-$hash

if [ "${1:-}" = --print-dir ]; then echo "$out"; exit 0; fi
if [ -f "$out/done" ]; then
	echo "vm-kernel: $out (cached, built in $(cat "$out/build-seconds") s)"
	ln -sfn "vm-kernel-$hash" "$cache/vm-kernel-devdax"
	exit 0
fi

start=$(date +%s)
rm -rf "$out"
mkdir -p "$out/build"
echo "vm-kernel: extracting $tarball into $out/src"
tar -xJf "$tarball" -C "$out"
mv "$out"/linux-source-6.1 "$out/src"
for p in $series; do
	echo "vm-kernel: applying $p"
	patch -d "$out/src" -p1 --quiet --no-backup-if-mismatch < "$patches/$p"
done

mk=(make -C "$out/src" O="$out/build" -j"$jobs")
if command -v ccache >/dev/null; then
	export CCACHE_DIR=$cache/ccache CCACHE_BASEDIR=$out CCACHE_NOHASHDIR=1
	mk+=(CC="ccache gcc")
fi
"${mk[@]}" -s ARCH=x86_64 tinyconfig
(cd "$out/build" && "$out/src/scripts/kconfig/merge_config.sh" -m -O "$out/build" \
	"$out/build/.config" "$frag" >/dev/null)
"${mk[@]}" -s olddefconfig
# Every option of the fragment must have come through (a dependency that
# is not met drops it silently in olddefconfig).
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*) grep -qxF "$line" "$out/build/.config" || { echo "vm-kernel: $line not in the final .config" >&2; bad=1; } ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		! grep -q "^$opt=" "$out/build/.config" || { echo "vm-kernel: $opt still set" >&2; bad=1; } ;;
	esac
done < "$frag"
[ $bad = 0 ] || exit 1

# The series' own files first: a patch that does not build fails in
# minutes, not after the whole kernel.
echo "vm-kernel: building drivers/dax and fs/dax.o (-j$jobs) in $out/build"
"${mk[@]}" -s drivers/dax/ fs/dax.o
echo "vm-kernel: building bzImage and modules (-j$jobs) in $out/build"
"${mk[@]}" -s bzImage modules
"${mk[@]}" -s INSTALL_MOD_PATH="$out/mods" modules_install
cp "$out/build/arch/x86/boot/bzImage" "$out/bzImage"
"${mk[@]}" -s kernelrelease > "$out/kver"
echo $(( $(date +%s) - start )) > "$out/build-seconds"
touch "$out/done"
ln -sfn "vm-kernel-$hash" "$cache/vm-kernel-devdax"
echo "vm-kernel: $out ($(cat "$out/kver"), built in $(cat "$out/build-seconds") s)"
