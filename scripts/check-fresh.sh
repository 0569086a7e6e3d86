#!/usr/bin/env bash
# make check-fresh: the README's two commands as the FIRST command on a fresh
# Debian 12 root. Two minbase roots (debootstrap, with make and git only) are
# made from one cached base tarball; the committed HEAD of this checkout is
# cloned into each; `make demo` runs in the first and `make check` in the
# second, each as the first command, as root, with the machine's apt sources.
#
#   FRESH_DIR=/var/tmp/famfs-fresh   where the roots and the cached base live
#   FRESH_STEPS="demo check"         which of the two to run
#   FRESH_KEEP=1                     keep the roots afterwards
# Needs root and debootstrap (installed when missing). Uncommitted changes are
# not tested: the roots get a clone of HEAD, as a new user would.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${FRESH_DIR:-/var/tmp/famfs-fresh}
steps=${FRESH_STEPS:-demo check}
suite=bookworm
mirror=${FRESH_MIRROR:-$(awk '/^URIs:/ { print $2; exit } /^deb / { print $2; exit }' \
	/etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n 1)}
mirror=${mirror:-http://deb.debian.org/debian}

[ "$(id -u)" = 0 ] || { echo "check-fresh: needs root (debootstrap, chroot, mounts)" >&2; exit 1; }
command -v debootstrap >/dev/null || bash "$top/scripts/deps.sh" debootstrap
mkdir -p "$dir"
base=$dir/base-$suite-minbase.tar
if [ ! -s "$base" ]; then
	echo "check-fresh: debootstrap $suite minbase (make, git) from $mirror"
	rm -rf "$dir/base"
	t0=$SECONDS
	debootstrap --variant=minbase --include=make,git "$suite" "$dir/base" "$mirror" \
		>"$dir/debootstrap.log" 2>&1 || { tail -n 20 "$dir/debootstrap.log"; exit 1; }
	tar -C "$dir/base" -cf "$base.tmp" . && mv "$base.tmp" "$base"
	rm -rf "$dir/base"
	echo "check-fresh: base root made in $((SECONDS - t0)) s (cached in $base)"
fi

mounted=()
cleanup() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
	mounted=()
}
trap cleanup EXIT INT TERM
mnt() { # TYPE-OR-BIND SRC DST
	mkdir -p "$3"
	if [ "$1" = bind ]; then mount --rbind "$2" "$3"; mount --make-rslave "$3"; else mount -t "$1" "$2" "$3"; fi
	mounted+=("$3")
}

rc=0
for step in $steps; do
	root=$dir/root-$step
	rm -rf "$root"; mkdir -p "$root"
	tar -C "$root" -xf "$base"
	# The machine's apt sources (the only archive this machine reaches), DNS, hostname.
	rm -f "$root/etc/apt/sources.list"
	cp -a /etc/apt/sources.list.d/. "$root/etc/apt/sources.list.d/" 2>/dev/null || true
	[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/"
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	cp /etc/hosts "$root/etc/hosts"
	git clone -q "$top" "$root/famfs"
	mnt proc proc "$root/proc"
	mnt bind /sys "$root/sys"
	mnt bind /dev "$root/dev"
	mnt tmpfs tmpfs "$root/run"
	mnt tmpfs tmpfs "$root/tmp"
	echo "check-fresh: $step in a fresh root ($root), as the first command"
	t0=$SECONDS
	if chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		bash -c "cd /famfs && make $step" 2>&1 | tee "$dir/$step.log" | sed "s/^/[$step] /"; then
		r=${PIPESTATUS[0]}
	else
		r=${PIPESTATUS[0]}
	fi
	echo "check-fresh: make $step exited $r after $((SECONDS - t0)) s (log: $dir/$step.log)"
	[ "$r" = 0 ] || rc=1
	cleanup
	[ -n "${FRESH_KEEP:-}" ] || rm -rf "$root"
done
echo "check-fresh: $([ $rc = 0 ] && echo PASS || echo FAIL): make $steps in fresh Debian 12 roots"
exit $rc
