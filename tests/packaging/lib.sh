# Helpers of the packaging tests (sourced).
# Needs: top (source tree), B (build dir). Sets: version.

version=$(sed -n 's/^#define FAMFS_VERSION "\(.*\)"/\1/p' "$top/lib/version.h")
failures=0

ok()   { echo "  ok   $*"; }
fail() { echo "  FAIL $*"; failures=$((failures + 1)); }

# expected_files PKG...: the expected paths of those packages, sorted.
expected_files() {
	local p
	for p in "$@"; do
		sed "s/@VERSION@/$version/g" "$top/tests/packaging/expected/$p.list"
	done | sort
}

# compare_lists WHAT EXPECTED_FILE ACTUAL_FILE: report missing and unexpected paths.
compare_lists() {
	local what=$1 missing extra
	missing=$(comm -23 "$2" "$3")
	extra=$(comm -13 "$2" "$3")
	if [ -z "$missing" ] && [ -z "$extra" ]; then
		ok "$what: the $(wc -l <"$2") expected files, nothing else"
		return
	fi
	[ -z "$missing" ] || fail "$what: missing: $(echo $missing)"
	[ -z "$extra" ] || fail "$what: not expected (add to tests/packaging/expected/ and debian/*.install): $(echo $extra)"
}

# expect_output WHAT EXPECTED COMMAND...: run COMMAND, compare its stdout.
expect_output() {
	local what=$1 want=$2 got
	shift 2
	got=$("$@" 2>&1) || { fail "$what: '$*' failed: $got"; return; }
	if [ "$got" = "$want" ]; then ok "$what: $got"; else fail "$what: got '$got', want '$want'"; fi
}

# link_client ROOT: build and run a program against libfamfs-client as
# installed under ROOT (header, static library, famfs-client.pc): it must
# compile, link with only what the .pc names, and report a clear error for a
# socket where no famfsd listens.
link_client() {
	local root=$1 dir prog out rc
	dir=$(mktemp -d "${TMPDIR:-/tmp}/famfs-link.XXXXXX")
	cat >"$dir/prog.c" <<'C'
#include <famfs/client.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	struct famfs_client *c = NULL;
	int err = famfs_connect(argv[1], &c);

	printf("famfs_connect: %d\n", err);
	if (!err)
		famfs_disconnect(c);
	return err ? 1 : 0;
}
C
	if ! out=$(PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_PATH=$root/usr/lib/pkgconfig \
		pkg-config --cflags --libs famfs-client 2>&1); then
		fail "famfs-client.pc: pkg-config: $out"
		rm -rf "$dir"; return
	fi
	# shellcheck disable=SC2086
	if ! cc -std=gnu11 -Wall -Werror -o "$dir/prog" "$dir/prog.c" $out >"$dir/cc.log" 2>&1; then
		fail "libfamfs-client: a program does not link with 'pkg-config --libs famfs-client': $(head -c 600 "$dir/cc.log")"
		rm -rf "$dir"; return
	fi
	ok "libfamfs-client: a program compiles and links with \`pkg-config --cflags --libs famfs-client\` alone"
	out=$("$dir/prog" "$dir/no-such.sock" 2>/dev/null); rc=$?
	if [ $rc = 1 ] && echo "$out" | grep -q 'famfs_connect: -[0-9]'; then
		ok "libfamfs-client: connect to a socket without famfsd fails with an errno ($out)"
	else
		fail "libfamfs-client: connect to a missing socket: rc $rc, '$out'"
	fi
	rm -rf "$dir"
}
