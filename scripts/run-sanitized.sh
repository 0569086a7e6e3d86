#!/usr/bin/env bash
# Run check targets with every famfs process watched, and fail on any report.
#
#   run-sanitized.sh asan TARGET...      binaries from build-san/ (ASan + UBSan + LSan)
#   run-sanitized.sh valgrind TARGET...  famfsd and famfsctl under valgrind memcheck
#
# Daemons run in the background with their stderr in test logs, so reports
# are not taken from stderr: each process writes its own report file into
# SAN_LOGDIR (default: a fresh temp dir), and after the suites every file is
# read. asan: any report file is a failure. valgrind: a file whose
# "ERROR SUMMARY" is not 0 is a failure (definite and indirect leaks count as
# errors). The exit status is non-zero if a suite failed or a report exists.
set -u
mode=${1:?usage: run-sanitized.sh asan|valgrind TARGET...}
shift
make=${MAKE:-make}
logdir=${SAN_LOGDIR:-$(mktemp -d /tmp/famfs-san.XXXXXX)}
mkdir -p "$logdir"
chmod 1777 "$logdir"	# tests also run famfsctl as nobody

case $mode in
asan)
	# halt_on_error: the first report ends the process (UBSan too);
	# detect_leaks: LeakSanitizer at every process exit (SIGTERM'd daemons included).
	export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=1:log_path=$logdir/san:${ASAN_OPTIONS_EXTRA:-}"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logdir/san"
	export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
	export MAKE="$make SAN=1"
	;;
valgrind)
	command -v valgrind >/dev/null || { echo "run-sanitized: valgrind is not installed (make deps)"; exit 1; }
	export FAMFS_TEST_WRAP="valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
--show-leak-kinds=definite,indirect --error-exitcode=99 --track-fds=no --num-callers=30 \
--suppressions=$PWD/tests/valgrind.supp --log-file=$logdir/vg.%p"
	# Everything runs 20-50 times slower: give the tests' waits room.
	export FAMFS_TEST_SLOW=${FAMFS_TEST_SLOW:-10}
	# and leases long enough for a daemon under valgrind to renew them.
	export FAMFS_TEST_LEASE_MS=${FAMFS_TEST_LEASE_MS:-5000}
	export MAKE="$make"
	;;
*)
	echo "run-sanitized: unknown mode '$mode' (asan or valgrind)"
	exit 2
	;;
esac

start=$SECONDS
bash scripts/run-checks.sh "$@"
suites=$?

reports=0 files=0
for f in "$logdir"/san.* "$logdir"/vg.*; do
	[ -e "$f" ] || continue
	files=$((files + 1))
	case $f in
	*/san.*) bad=1 ;;
	*)	# A process killed by SIGKILL writes no summary: look for the errors themselves too.
		if grep -Eq 'ERROR SUMMARY: [1-9]|== (Invalid (read|write|free)|Conditional jump|Use of uninitialised|Syscall param|Mismatched free|Source and destination overlap)' "$f"
		then bad=1; else bad=0; fi ;;
	esac
	if [ "$bad" = 1 ]; then
		reports=$((reports + 1))
		echo "=== report in $f"
		head -n 80 "$f"
	fi
done
echo "$mode: $((SECONDS - start)) s, $files process logs in $logdir, $reports with reports"
[ "$reports" = 0 ] && [ "$suites" = 0 ] && { [ -n "${SAN_LOGDIR:-}" ] || rm -rf "$logdir"; exit 0; }
exit 1
