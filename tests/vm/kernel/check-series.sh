#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-series.sh: every patch of kernel/patches/ applies in order, is
# checkpatch.pl --strict clean and builds (make vm-kernel-series-check).
#
# In ${FAMFS_KCACHE:-/var/cache/famfs}/series-check/: a pristine
# linux-source-6.1 tree, configured like the VM test kernel (tinyconfig +
# tests/vm/kernel/devdax.config); after each patch drivers/dax/ and
# fs/dax.o are rebuilt (objects of the step before are reused, so the
# first step costs the kernel's prepare stage and the others seconds).
# At the end the whole series is built once more with
# CONFIG_DEV_DAX_IOMAP=n: the default kernel must build unchanged.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
tarball=${FAMFS_KSRC:-/usr/src/linux-source-6.1.tar.xz}
work=${FAMFS_KCACHE:-/var/cache/famfs}/series-check
patches=$top/kernel/patches
jobs=${FAMFS_KJOBS:-2}

rm -rf "$work"
mkdir -p "$work/build"
tar -xJf "$tarball" -C "$work"
mv "$work/linux-source-6.1" "$work/src"
mk=(make -C "$work/src" O="$work/build" -j"$jobs" -s)
if command -v ccache >/dev/null; then
	export CCACHE_DIR=${FAMFS_KCACHE:-/var/cache/famfs}/ccache CCACHE_BASEDIR=$work CCACHE_NOHASHDIR=1
	mk+=(CC="ccache gcc")
fi
"${mk[@]}" ARCH=x86_64 tinyconfig
(cd "$work/build" && "$work/src/scripts/kconfig/merge_config.sh" -m -O "$work/build" \
	"$work/build/.config" "$here/devdax.config" >/dev/null)
"${mk[@]}" olddefconfig

n=0
for p in $(grep -v '^[[:space:]]*\(#\|$\)' "$patches/series"); do
	n=$((n + 1))
	(cd "$work/src" && perl scripts/checkpatch.pl --strict -q "$patches/$p") ||
		{ echo "series: $p: checkpatch.pl complains" >&2; exit 1; }
	patch -d "$work/src" -p1 --quiet --no-backup-if-mismatch < "$patches/$p"
	# again: options a patch introduces (CONFIG_DEV_DAX_IOMAP) take the
	# fragment's value from the patch that adds them on
	(cd "$work/build" && "$work/src/scripts/kconfig/merge_config.sh" -m -O "$work/build" \
		"$work/build/.config" "$here/devdax.config" >/dev/null)
	"${mk[@]}" olddefconfig
	"${mk[@]}" drivers/dax/ fs/dax.o ||
		{ echo "series: $p does not build" >&2; exit 1; }
	echo "series: $n $p: applies, checkpatch clean, builds" \
		"(CONFIG_DEV_DAX_IOMAP=$(sed -n 's/^CONFIG_DEV_DAX_IOMAP=//p' "$work/build/.config"))"
done
"$work/src/scripts/config" --file "$work/build/.config" --disable DEV_DAX_IOMAP
"${mk[@]}" olddefconfig
"${mk[@]}" drivers/dax/ fs/dax.o || { echo "series: does not build with CONFIG_DEV_DAX_IOMAP=n" >&2; exit 1; }
echo "series: all $n patches with CONFIG_DEV_DAX_IOMAP=n: builds"
