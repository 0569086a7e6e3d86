#!/usr/bin/env bash
# check-install: `make install` into a temporary DESTDIR with the Debian
# layout (PREFIX=/usr, units in /lib/systemd/system) and DKMS=1: exactly the
# files the packages list (tests/packaging/expected/), dkms not run because
# DESTDIR is set, dkms.conf carrying the version, the unit pointing at the
# installed famfsd, the installed binaries printing the version of
# lib/version.h (as debian/changelog is), an edited famfsd.conf kept by a
# second install, and the installed client library usable through pkg-config.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
. "$top/tests/packaging/lib.sh"
make=${MAKE:-make}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/famfs-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
vars=(DESTDIR="$dest" PREFIX=/usr UNITDIR=/lib/systemd/system DKMS=1)

echo "check-install: make install ${vars[*]}"
if ! $make -C "$top" --no-print-directory "${vars[@]}" install >"$tmp/install.log" 2>&1; then
	tail -n 30 "$tmp/install.log"
	echo "check-install: FAIL: make install failed"; exit 1
fi

(cd "$dest" && find . ! -type d | sed 's#^\.##' | sort) >"$tmp/actual"
expected_files famfs-tools famfs-dkms famfs-dev >"$tmp/expected"
if ! command -v pandoc >/dev/null; then
	echo "  note: pandoc is not installed, so make install builds no man pages; not expected here"
	grep -v '^/usr/share/man/' "$tmp/expected" >"$tmp/expected.noman"
	mv "$tmp/expected.noman" "$tmp/expected"
fi
compare_lists "installed files" "$tmp/expected" "$tmp/actual"

if grep -q "dkms not run (DESTDIR is set)" "$tmp/install.log"; then
	ok "install-dkms: module source copied, dkms not run under DESTDIR"
else
	fail "install-dkms: no 'dkms not run (DESTDIR is set)' in the make install output"
fi
expect_output "dkms.conf" "PACKAGE_VERSION=\"$version\"" \
	grep '^PACKAGE_VERSION=' "$dest/usr/src/famfs-$version/dkms.conf"
expect_output "famfsd.service" "ExecStart=/usr/sbin/famfsd --config /etc/famfs/famfsd.conf" \
	grep '^ExecStart=' "$dest/lib/systemd/system/famfsd.service"
expect_output "famfs-client.pc" "$version" \
	env PKG_CONFIG_PATH="$dest/usr/lib/pkgconfig" pkg-config --modversion famfs-client

for p in usr/bin/famfsctl usr/sbin/famfsd usr/sbin/mkfs.famfs usr/sbin/fsck.famfs; do
	expect_output "${p##*/} --version" "${p##*/} $version" "$dest/$p" --version
done

# make deb refuses a changelog at another version; say so here already.
if command -v dpkg-parsechangelog >/dev/null; then
	expect_output "debian/changelog version" "$version" \
		dpkg-parsechangelog -l "$top/debian/changelog" -S Version
fi

# A second install must keep an operator's famfsd.conf.
echo "# edited by the operator" >>"$dest/etc/famfs/famfsd.conf"
if $make -C "$top" --no-print-directory "${vars[@]}" install >"$tmp/install2.log" 2>&1 &&
	grep -q "edited by the operator" "$dest/etc/famfs/famfsd.conf"; then
	ok "reinstall keeps an edited /etc/famfs/famfsd.conf"
else
	fail "reinstall replaced /etc/famfs/famfsd.conf (or failed: $tmp/install2.log)"
fi

link_client "$dest"

if [ "$failures" = 0 ]; then echo "check-install: PASS"; else echo "check-install: FAIL ($failures)"; exit 1; fi
