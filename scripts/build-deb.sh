#!/usr/bin/env bash
# Build the famfs Debian packages in a copy of the source tree.
#   build-deb.sh OUTDIR VERSION
# Copies the files git knows (tracked and untracked but not ignored; the
# whole tree minus build products when this is no git checkout) to
# OUTDIR/src/famfs-VERSION, runs dpkg-buildpackage -us -uc -b there and
# moves the .debs and .buildinfo/.changes to OUTDIR.
set -euo pipefail
out=${1:?usage: build-deb.sh OUTDIR VERSION}
version=${2:?usage: build-deb.sh OUTDIR VERSION}
top=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "make deb: $*" >&2; exit 1; }

cl=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version) ||
	die "cannot read debian/changelog"
[ "$cl" = "$version" ] ||
	die "debian/changelog is at version $cl but lib/version.h says $version: add a changelog entry (dch -v $version)"

mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/src/famfs-$version
rm -rf "$out/src"
mkdir -p "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -xf - -C "$src"
else
	tar -C "$top" --exclude=./build --exclude='./build-*' --exclude='*.o' \
		--exclude='*.ko' -cf - . | tar -xf - -C "$src"
fi

rm -f "$out"/*.deb "$out"/*.buildinfo "$out"/*.changes
log=$out/dpkg-buildpackage.log
echo "make deb: building famfs $version in $src (log: $log)"
if ! (cd "$src" && DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=2}" \
	dpkg-buildpackage -us -uc -b >"$log" 2>&1); then
	tail -n 40 "$log" >&2
	die "dpkg-buildpackage failed (full log: $log)"
fi
mv "$out"/src/*.deb "$out"/src/*.buildinfo "$out"/src/*.changes "$out"/
rm -rf "$out/src"
ls -1 "$out"/*.deb
