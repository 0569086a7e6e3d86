#!/usr/bin/env bash
# Install the given Debian packages when any of them is missing; quiet no-op otherwise.
set -euo pipefail
missing=()
for p in "$@"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "famfs: missing Debian packages: ${missing[*]}" >&2
	echo "famfs: run 'make deps' as root (or apt-get install them)" >&2
	exit 1
fi
echo "famfs: installing missing Debian packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
