#!/usr/bin/env bash
# scripts/skip.sh SUITE REASON...: record that a check of SUITE did not run.
#
# A skip is never a pass. It prints "SKIP: SUITE: REASON" and
#  - under scripts/run-checks.sh (FAMFS_SKIP_LOG names a file) appends the
#    line to that file and exits 0: run-checks counts the suite as skipped and
#    fails `make check` unless FAMFS_ALLOW_SKIP names the suite;
#  - run on its own (a suite started by hand) exits 1 unless FAMFS_ALLOW_SKIP
#    names the suite, so the suite's caller sees a failure.
# FAMFS_ALLOW_SKIP: suite names separated by spaces or commas.
set -u
[ $# -ge 2 ] || { echo "usage: skip.sh SUITE REASON..." >&2; exit 2; }
suite=$1; shift
echo "SKIP: $suite: $*"
if [ -n "${FAMFS_SKIP_LOG:-}" ]; then
	echo "$suite: $*" >> "$FAMFS_SKIP_LOG"
	exit 0
fi
for a in ${FAMFS_ALLOW_SKIP//,/ }; do
	[ "$a" = "$suite" ] && exit 0
done
echo "FAIL: $suite: a check was skipped (FAMFS_ALLOW_SKIP=$suite allows it)" >&2
exit 1
