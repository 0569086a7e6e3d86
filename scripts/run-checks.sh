#!/usr/bin/env bash
# Run each check target in turn (all of them, even after a failure) and
# close with one summary line; exit non-zero if any failed.
set -u
make=${MAKE:-make}
passed=() failed=()
for t in "$@"; do
	echo "=== make $t"
	if $make --no-print-directory "$t"; then passed+=("$t"); else failed+=("$t"); fi
done
echo
echo "suites passed: ${passed[*]:-none}"
echo "suites failed: ${failed[*]:-none}"
echo "suites: ${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
