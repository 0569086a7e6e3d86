#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Verify famfsd's systemd units with systemd-analyze (never skipped: a missing
# systemd-analyze is a failure). The units run /usr/sbin/famfsd, which
# verify requires to exist, so temporary copies point at $FAMFSD (the built
# daemon) or, when that is not built yet, at a stub.
#   usage: tests/unit/test_systemd.sh [FAMFSD]
set -u
cd "$(dirname "$0")/../.."
src=systemd
pass=0 fail=0
ok()  { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     /'; fail=$((fail + 1)); }

if ! command -v systemd-analyze >/dev/null; then
	echo "systemd-analyze not found: install the 'systemd' package (make deps)"
	echo "systemd: 0 passed, 1 failed"
	exit 1
fi
tmp=$(mktemp -d /tmp/famfsd-systemd.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

bin=${1:-${FAMFSD:-}}
if [ -n "$bin" ] && [ -f "$bin" ] && [ -x "$bin" ]; then
	bin=$(realpath "$bin")
else
	bin=$tmp/bin/famfsd
	mkdir -p "$tmp/bin"
	printf '#!/bin/sh\nexit 0\n' > "$bin"
	chmod +x "$bin"
fi

# copy DIR: the units into DIR with /usr/sbin/famfsd replaced by $bin.
copy() {
	mkdir -p "$1"
	for f in famfsd.service famfsd.socket; do
		sed "s#/usr/sbin/famfsd#$bin#g" "$src/$f" > "$1/$f"
	done
}

# verify NAME DIR UNIT...: systemd-analyze must succeed and say nothing at all
# (it reports unknown keys and bad values as warnings with exit status 0).
verify() {
	local name=$1 dir=$2 out rc
	shift 2
	out=$(cd "$dir" && systemd-analyze verify --man=no "$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then ok "$name"; else bad "$name (exit $rc)" "$out"; fi
}

copy "$tmp/main"
verify "verify famfsd.service + famfsd.socket" "$tmp/main" ./famfsd.service ./famfsd.socket

# The kernel-mode drop-in, read from famfsd.service.d/ next to the unit.
copy "$tmp/kmode"
mkdir -p "$tmp/kmode/famfsd.service.d"
cp "$src/famfsd-kernel-mode.conf" "$tmp/kmode/famfsd.service.d/kernel-mode.conf"
verify "verify famfsd.service + kernel-mode drop-in" "$tmp/kmode" ./famfsd.service ./famfsd.socket

# The check must be able to fail: a misspelt key and a missing binary are caught.
copy "$tmp/neg"
sed -i 's/^ProtectSystem=/ProtectSytem=/' "$tmp/neg/famfsd.service"
out=$(cd "$tmp/neg" && systemd-analyze verify --man=no ./famfsd.service 2>&1)
if printf '%s' "$out" | grep -q "ProtectSytem"; then ok "verify catches an unknown key"
else bad "verify did not catch an unknown key" "$out"; fi
mkdir -p "$tmp/neg2"
cp "$src/famfsd.service" "$src/famfsd.socket" "$tmp/neg2/"
sed -i "s#/usr/sbin/famfsd#$tmp/no-such-famfsd#g" "$tmp/neg2/famfsd.service"
if (cd "$tmp/neg2" && systemd-analyze verify --man=no ./famfsd.service >/dev/null 2>&1); then
	bad "verify did not catch a missing ExecStart binary"
else ok "verify catches a missing ExecStart binary"; fi

# Hardening: the exposure score of the default unit stays low, and the
# drop-in really takes effect (ProtectSystem off raises it).
sec() { (cd "$1" && systemd-analyze security --offline=true ./famfsd.service 2>&1); }
score() { sed -n 's/.*Overall exposure level for famfsd.service: \([0-9.]*\).*/\1/p'; }
s_main=$(sec "$tmp/main" | score)
s_kmode=$(sec "$tmp/kmode" | score)
if [ -n "$s_main" ] && awk "BEGIN{exit !($s_main <= 4.0)}"; then
	ok "exposure of famfsd.service is $s_main (<= 4.0)"
else bad "exposure of famfsd.service is '${s_main}' (want <= 4.0)" "$(sec "$tmp/main" | tail -n 20)"; fi
if [ -n "$s_kmode" ] && awk "BEGIN{exit !($s_kmode > $s_main)}"; then
	ok "kernel-mode drop-in applies (exposure $s_kmode)"
else bad "kernel-mode drop-in has no effect (exposure '${s_kmode}')"; fi

# What the units require of famfsd.
req() {
	if grep -qx -- "$2" "$src/$1"; then ok "$1: $2"; else bad "$1 lacks '$2'"; fi
}
req famfsd.service "Type=notify"
req famfsd.service "NotifyAccess=main"
req famfsd.service "ExecStartPre=/usr/sbin/famfsd --check-config"
req famfsd.service "ExecReload=/bin/kill -HUP \$MAINPID"
req famfsd.service "WatchdogSec=30s"
req famfsd.socket "SocketMode=0666"
req famfsd.socket "Service=famfsd.service"

# The units and famfsd agree on the default paths (famfsd/config.h).
sock=$(sed -n 's/^#define FAMFSD_SOCKET_DEFAULT[[:space:]]*"\(.*\)"/\1/p' famfsd/config.h)
conf=$(sed -n 's/^#define FAMFSD_CONF_DEFAULT[[:space:]]*"\(.*\)"/\1/p' famfsd/config.h)
req famfsd.socket "ListenStream=$sock"
req famfsd.service "ExecStart=/usr/sbin/famfsd --config $conf"

# tmpfiles.d: creates what it says, with those modes.
root=$tmp/root
out=$(systemd-tmpfiles --create --root="$root" "$PWD/$src/famfsd.tmpfiles" 2>&1)
if [ $? -eq 0 ] && [ -z "$out" ] && [ "$(stat -c %a "$root/run/famfsd" 2>/dev/null)" = 755 ] &&
   [ -d "$root/etc/famfs" ]; then ok "systemd-tmpfiles --create famfsd.tmpfiles"
else bad "systemd-tmpfiles --create famfsd.tmpfiles" "$out"; fi

echo "systemd: $pass passed, $fail failed"
[ $fail -eq 0 ]
