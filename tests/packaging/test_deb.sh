#!/usr/bin/env bash
# check-deb: the Debian packages built by `make deb` (in DEB_OUT).
#  1. contents (dpkg-deb -c) are exactly tests/packaging/expected/*.list
#     (plus /usr/share/doc), control fields name the right dependencies,
#     /etc/famfs/famfsd.conf is a conffile;
#  2. famfs-tools is installed with dpkg into a fresh root (its own dpkg
#     database) whose status lists only famfs-tools's dependency closure as
#     taken from this host, and which holds only the shared libraries of those
#     packages plus a static busybox for the maintainer scripts. dpkg must
#     accept the Depends without --force, the maintainer scripts run in the
#     root, and the installed binaries run there by chroot: famfsctl
#     --version, mkfs.famfs + fsck.famfs + famfsctl local on a fabric file,
#     famfsd --check-config. A library missing from Depends makes them fail
#     to start. Then dpkg -r keeps the conffile and --purge removes it;
#  3. famfs-dev: a program links against the unpacked library;
#  4. famfs-dkms: dkms add + build of the unpacked /usr/src/famfs-VERSION
#     for the Debian 6.1 headers, in a private dkms tree (nothing is
#     installed into /lib/modules and nothing is loaded);
#  5. `make install-dkms` (what make install runs): add, build and install
#     into private dkms, source and install trees, without depmod.
# Needs root (dpkg --root and chroot); otherwise a skipped check (scripts/skip.sh).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
out=${DEB_OUT:-build/deb}
case $out in /*) ;; *) out=$top/$out ;; esac
. "$top/tests/packaging/lib.sh"

if [ "$(id -u)" != 0 ]; then
	bash "$top/scripts/skip.sh" check-deb "needs root (dpkg --root and chroot)"; exit
fi
arch=$(dpkg --print-architecture)
tools=$out/famfs-tools_${version}_$arch.deb
dkmsdeb=$out/famfs-dkms_${version}_all.deb
dev=$out/famfs-dev_${version}_$arch.deb
for f in "$tools" "$dkmsdeb" "$dev"; do
	[ -f "$f" ] || { echo "check-deb: FAIL: $f not built (make deb)"; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/famfs-deb.XXXXXX")
# KEEP=1 keeps the temporary root for a look after a failure.
trap '[ "${KEEP:-0}" = 1 ] && echo "check-deb: kept $tmp" || rm -rf "$tmp"' EXIT

echo "check-deb: 1. package contents"
for p in famfs-tools famfs-dkms famfs-dev; do
	deb=$(ls "$out/${p}_${version}_"*.deb)
	expect_output "$p Version" "$version" dpkg-deb -f "$deb" Version
	dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | sed -e 's#^\./#/#' >"$tmp/$p.all"
	sed -e 's#^\(/usr/share/man/.*\)\.gz$#\1#' "$tmp/$p.all" | grep -v "^/usr/share/doc/$p/" |
		sort >"$tmp/$p.actual"
	expected_files "$p" >"$tmp/$p.expected"
	compare_lists "$p contents" "$tmp/$p.expected" "$tmp/$p.actual"
	grep -qx "/usr/share/doc/$p/copyright" "$tmp/$p.all" ||
		fail "$p: no /usr/share/doc/$p/copyright"
done
depends=$(dpkg-deb -f "$tools" Depends)
for lib in libc6 libssl3 libevent-2.1-7 libevent-openssl-2.1-7 libprotobuf-c1 libjson-c5 libinih1 libsystemd0; do
	case ", $depends" in *", $lib "*|*", $lib,"*|*", $lib") ;; *) fail "famfs-tools Depends lacks $lib: $depends" ;; esac
done
ok "famfs-tools Depends: $depends"
expect_output "famfs-dkms Depends" "dkms (>= 2.1.0.0)" dpkg-deb -f "$dkmsdeb" Depends
dpkg-deb -e "$tools" "$tmp/ctl"
# Every file the package puts under /etc is a conffile (dpkg keeps an admin's edits).
expect_output "famfs-tools conffiles" "$(grep '^/etc/' "$tmp/famfs-tools.expected" | sort)" \
	sort "$tmp/ctl/conffiles"
if grep -q "deb-systemd-invoke start\|systemctl.*start" "$tmp/ctl/postinst"; then
	fail "famfs-tools postinst starts famfsd (it must only be installed)"
else
	ok "famfs-tools postinst does not start famfsd"
fi

echo "check-deb: 2. famfs-tools in a fresh dpkg root"
root=$tmp/root
mkdir -p "$root"/var/lib/dpkg/{info,updates,triggers} "$root"/{bin,tmp,dev} "$root"/usr/{lib,lib64}
# The merged-/usr layout of Debian 12.
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"
# The device nodes a minimal chroot has (mkfs.famfs reads /dev/urandom for the UUID).
mknod -m 666 "$root/dev/null" c 1 3
mknod -m 666 "$root/dev/zero" c 1 5
mknod -m 666 "$root/dev/urandom" c 1 9
: >"$root/var/lib/dpkg/status"
cp /bin/busybox "$root/bin/busybox"
for a in sh rm mkdir cat cp mv ln chmod test [; do ln -s busybox "$root/bin/$a"; done

# The dependency closure of famfs-tools on this host: first installed
# alternative of each Depends/Pre-Depends, versions dropped.
deps_of() {
	tr ',' '\n' | sed -e 's/([^)]*)//g' -e 's/:any//g' | while IFS= read -r alt; do
		[ -n "${alt// }" ] || continue
		for p in ${alt//|/ }; do
			if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
				echo "$p"; break
			fi
		done
	done
}
queue=$(echo "$depends" | deps_of)
seen=" "
while [ -n "$queue" ]; do
	next=""
	for p in $queue; do
		case $seen in *" $p "*) continue ;; esac
		seen="$seen$p "
		next="$next $(dpkg-query -W -f='${Depends}, ${Pre-Depends}' "$p" | deps_of | tr '\n' ' ')"
	done
	queue=$next
done
nlib=0
for p in $seen; do
	{ dpkg-query -s "$p"; echo; } >>"$root/var/lib/dpkg/status"
	# Only their shared libraries (and the dynamic loader): nothing else of the host.
	while IFS= read -r f; do
		case $f in
		/lib64/ld-linux*|*/lib/*/*.so|*/lib/*/*.so.*|*/lib/*.so.*)
			[ -e "$f" ] || [ -L "$f" ] || continue
			mkdir -p "$root${f%/*}" && cp -a "$f" "$root${f%/*}/" && nlib=$((nlib + 1)) ;;
		esac
	done < <(dpkg-query -L "$p")
done
ok "fresh root: status lists the dependency closure ($(echo $seen | wc -w) packages), $nlib library files"

if dpkg --root="$root" -i "$tools" >"$tmp/dpkg-i.log" 2>&1; then
	ok "dpkg --root -i famfs-tools (no --force): Depends satisfied, maintainer scripts ran"
else
	fail "dpkg --root -i famfs-tools: $(tail -n 15 "$tmp/dpkg-i.log")"
fi
expect_output "dpkg status" "install ok installed" dpkg-query --root="$root" -W -f='${Status}' famfs-tools
expect_output "famfsctl --version in the root" "famfsctl $version" chroot "$root" /usr/bin/famfsctl --version
expect_output "famfsd --version in the root" "famfsd $version" chroot "$root" /usr/sbin/famfsd --version
if chroot "$root" /usr/sbin/mkfs.famfs --size 64M /tmp/fam0 >"$tmp/mkfs.log" 2>&1 &&
	chroot "$root" /usr/sbin/fsck.famfs /tmp/fam0 >"$tmp/fsck.log" 2>&1 &&
	chroot "$root" /usr/bin/famfsctl local mkdir -p /tmp/fam0 /jobs/run1 >"$tmp/ctl.log" 2>&1 &&
	chroot "$root" /usr/bin/famfsctl local ls /tmp/fam0 /jobs >"$tmp/ls.log" 2>&1 &&
	grep -q run1 "$tmp/ls.log"; then
	ok "in the root: mkfs.famfs, fsck.famfs clean, famfsctl local mkdir + ls"
else
	fail "in the root: mkfs/fsck/famfsctl local: $(cat "$tmp"/mkfs.log "$tmp"/fsck.log "$tmp"/ctl.log "$tmp"/ls.log 2>/dev/null | tail -n 10)"
fi
sed -i 's#^device = .*#device = /tmp/fam0#' "$root/etc/famfs/famfsd.conf"
if chroot "$root" /usr/sbin/famfsd --check-config >"$tmp/cc.log" 2>&1; then
	ok "in the root: famfsd --check-config accepts the packaged famfsd.conf"
else
	fail "in the root: famfsd --check-config: $(cat "$tmp/cc.log")"
fi
if dpkg --root="$root" -r famfs-tools >"$tmp/dpkg-r.log" 2>&1 && [ ! -e "$root/usr/bin/famfsctl" ] &&
	[ -f "$root/etc/famfs/famfsd.conf" ]; then
	ok "dpkg -r: binaries removed, the edited conffile kept"
else
	fail "dpkg -r famfs-tools: $(tail -n 5 "$tmp/dpkg-r.log")"
fi
if dpkg --root="$root" --purge famfs-tools >"$tmp/dpkg-p.log" 2>&1 && [ ! -e "$root/etc/famfs/famfsd.conf" ]; then
	ok "dpkg --purge: conffile removed"
else
	fail "dpkg --purge famfs-tools: $(tail -n 5 "$tmp/dpkg-p.log")"
fi

echo "check-deb: 3. famfs-dev"
dpkg-deb -x "$dev" "$tmp/dev"
link_client "$tmp/dev"

echo "check-deb: 4. famfs-dkms builds famfs.ko with dkms"
kver=$(basename "$(dirname "$(ls -d /lib/modules/6.1.0-*-amd64/build 2>/dev/null | sort | tail -n 1)")")
if ! command -v dkms >/dev/null || [ -z "$kver" ] || [ "$kver" = . ]; then
	fail "dkms build: needs dkms and linux-headers-amd64 (make deps-deb)"
else
	dpkg-deb -x "$dkmsdeb" "$tmp/dkms-pkg"
	mkdir -p "$tmp/dkms-tree" "$tmp/dkms-inst"
	flags=(--dkmstree "$tmp/dkms-tree" --sourcetree "$tmp/dkms-pkg/usr/src" --installtree "$tmp/dkms-inst")
	if nice dkms add "${flags[@]}" -m famfs -v "$version" >"$tmp/dkms.log" 2>&1 &&
		nice dkms build "${flags[@]}" -m famfs -v "$version" -k "$kver" >>"$tmp/dkms.log" 2>&1; then
		ko=$(find "$tmp/dkms-tree/famfs/$version/$kver" -name 'famfs.ko*' | head -n 1)
		if [ -n "$ko" ] && [ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$kver" ]; then
			ok "dkms build -k $kver: $(basename "$ko"), vermagic $kver"
			dkms_ok=1
		else
			fail "dkms build: no famfs.ko for $kver: $(tail -n 5 "$tmp/dkms.log")"
		fi
	else
		fail "dkms add/build: $(tail -n 15 "$tmp/dkms.log")"
	fi
fi

echo "check-deb: 5. make install's DKMS path (add, build, install) in a private tree"
if [ -z "${dkms_ok:-}" ]; then
	fail "make install-dkms not tried: the dkms build of 4. failed"
else
	src=$tmp/mi-src
	mkdir -p "$src" "$tmp/mi-tree" "$tmp/mi-inst/$kver"
	# --no-depmod: nothing touches this host's /lib/modules.
	if make -C "$top" --no-print-directory install-dkms DKMS_SRCROOT="$src" DKMS_KVER="$kver" \
		DKMS_FLAGS="--dkmstree $tmp/mi-tree --sourcetree $src --installtree $tmp/mi-inst --no-depmod" \
		>"$tmp/mi.log" 2>&1; then
		ko=$(find "$tmp/mi-inst" -name 'famfs.ko*' | head -n 1)
		if [ -n "$ko" ] && dkms status --dkmstree "$tmp/mi-tree" --sourcetree "$src" -m famfs -v "$version" |
			grep -q "famfs/$version, $kver, .*: installed"; then
			ok "make install-dkms: dkms add + build + install -k $kver (${ko#"$tmp/mi-inst/"})"
		else
			fail "make install-dkms: not installed: $(tail -n 8 "$tmp/mi.log")"
		fi
	else
		fail "make install-dkms: $(tail -n 15 "$tmp/mi.log")"
	fi
fi

if [ "$failures" = 0 ]; then echo "check-deb: PASS"; else echo "check-deb: FAIL ($failures)"; exit 1; fi
