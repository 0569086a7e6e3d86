#!/usr/bin/env bash
# tests/model/run.sh: check the spin model of famfs's election, leases,
# ownership and handoff (tests/model/famfs.pml, docs/model.md).
#
# The correct model must give "errors: 0"; every broken variant (-DBUG_...)
# must give a counterexample that violates one of the properties listed for
# it, which shows the model contains the step that breaks the guarantee.
# Fails (exit 1) when spin or a C compiler is missing: installs nothing
# (Debian package "spin"; `make deps` installs it).
#
# Environment:
#   KEEP=1        keep the work directory (pan output, trails) and print it
#   DEEP=1        also: ELECTION with both drift extremes, a larger bitstate
#                 search of OWNERSHIP, broken ownership variants run on to a
#                 real exclusion failure (-DNO_COVER) (about 10 minutes)
#   ONLY=REGEX    run only the cases whose name matches
#   JOBS=N        long runs in parallel (default 2)
set -u

here=$(cd "$(dirname "$0")" && pwd)
model=$here/famfs.pml

if ! command -v spin >/dev/null 2>&1; then
	echo "FAIL: spin is not installed (Debian package: spin; make deps): model not checked"
	echo "model: 0 passed, 1 failed"
	exit 1
fi
CC=${CC:-gcc}
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "FAIL: no C compiler ($CC) to build spin's verifier: model not checked"
	echo "model: 0 passed, 1 failed"
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/famfs-model.XXXXXX") || exit 1
if [ "${KEEP:-0}" = 1 ]; then
	echo "model: work directory $work"
else
	trap 'rm -rf "$work"' EXIT
fi

# name | expect | spin -D options | search | properties a counterexample may violate
# search: full  = exhaustive (plain state hashing)
#         bit   = bitstate (supertrace): a partial search, reported with its
#                 hash factor; used where the full state space is too big
#         first = stop at the first counterexample (broken variants)
P_ELECT='one_live_master|one_master_per_epoch|no_commit_lost|no_old_epoch_write'
P_OWN='local_access_exclusive|access_covered_by_grant|grants_exclusive'
cases=(
	"election|pass|-DELECTION|full|"
	"ownership|pass|-DOWNERSHIP -DMASTERS=1 -DNO_RESTART|full|"
	"ownership-all-faults|pass|-DOWNERSHIP|bit|"
	"election-forget-vote|fail|-DELECTION -DBUG_FORGET_VOTE|first|$P_ELECT"
	"election-no-eps|fail|-DELECTION -DBUG_NO_EPS|first|$P_ELECT"
	"election-nofence|fail|-DELECTION -DBUG_NOFENCE|first|no_commit_lost|no_old_epoch_write"
	"ownership-no-eps|fail|-DOWNERSHIP -DBUG_NO_EPS|first|$P_OWN"
	"ownership-split-handoff|fail|-DOWNERSHIP -DBUG_SPLIT_HANDOFF|first|handoff_atomic"
	"ownership-unowned-rw|fail|-DOWNERSHIP -DMASTERS=1 -DBUG_UNOWNED_RW|first|local_access_exclusive"
	"ownership-stale-ns|fail|-DOWNERSHIP -DBUG_STALE_NS|first|$P_OWN"
	"ownership-stale-grant|fail|-DOWNERSHIP -DBUG_STALE_GRANT|first|$P_OWN"
	"ownership-retry-noid|fail|-DOWNERSHIP -DBUG_RETRY_NOID|first|$P_OWN"
	"ownership-restart-keeps|fail|-DOWNERSHIP -DBUG_RESTART_KEEPS|first|$P_OWN"
	"ownership-nowait|fail|-DOWNERSHIP -DBUG_NOWAIT|first|$P_OWN"
	"ownership-nokfence|fail|-DOWNERSHIP -DBUG_NOKFENCE|first|$P_OWN"
	"ownership-reack|fail|-DOWNERSHIP -DBUG_REACK|first|$P_OWN"
	"ownership-rename|pass|-DOWNERSHIP -DWITH_RENAME|bit|"
	"ownership-ro|pass|-DOWNERSHIP -DWITH_RO|bit|"
	"ownership-rename-out|fail|-DOWNERSHIP -DMASTERS=1 -DNO_RESTART -DMAXG=1 -DWITH_RENAME -DBUG_RENAME_OUT|first|local_access_exclusive"
	"ownership-impersonate|fail|-DOWNERSHIP -DMASTERS=1 -DNO_RESTART -DWITH_RO -DBUG_IMPERSONATE|first|$P_OWN"
	"ownership-cache|pass|-DOWNERSHIP -DMASTERS=1 -DNO_RESTART -DWITH_CACHE|bit|"
	"ownership-cache-all-faults|pass|-DOWNERSHIP -DWITH_CACHE|bit|"
	"ownership-cache-no-writeback|fail|-DOWNERSHIP -DMASTERS=1 -DNO_RESTART -DWITH_CACHE -DBUG_NO_WRITEBACK|first|released_written_back|no_stale_read"
	"ownership-cache-no-inval|fail|-DOWNERSHIP -DMASTERS=1 -DNO_RESTART -DWITH_CACHE -DBUG_NO_INVAL|first|no_stale_read"
	"ownership-cache-inval-after|fail|-DOWNERSHIP -DMASTERS=1 -DNO_RESTART -DWITH_CACHE -DBUG_INVAL_AFTER|first|no_stale_read"
	"ownership-cache-touch-no-inval|fail|-DOWNERSHIP -DMASTERS=1 -DNO_RESTART -DWITH_CACHE -DBUG_TOUCH_NO_INVAL|first|no_stale_read"
)
if [ "${DEEP:-0}" = 1 ]; then
	cases+=(
		"election-drift-both|pass|-DELECTION -DDRIFT_BOTH|full|"
		"ownership-all-faults-w27|pass|-DOWNERSHIP|bit27|"
		"ownership-rename-exhaustive|pass|-DOWNERSHIP -DMASTERS=1 -DNO_RESTART -DWITH_RENAME|full|"
		"ownership-no-eps-exclusion|fail|-DOWNERSHIP -DMASTERS=1 -DNO_COVER -DBUG_NO_EPS|first|local_access_exclusive"
		"ownership-stale-ns-exclusion|fail|-DOWNERSHIP -DMASTERS=1 -DNO_COVER -DBUG_STALE_NS|first|local_access_exclusive"
		"ownership-stale-grant-exclusion|fail|-DOWNERSHIP -DMASTERS=1 -DNO_COVER -DBUG_STALE_GRANT|first|local_access_exclusive"
		"ownership-restart-keeps-exclusion|fail|-DOWNERSHIP -DMASTERS=1 -DNO_COVER -DBUG_RESTART_KEEPS|first|local_access_exclusive"
	)
fi

secs() { awk -v m="$1" 'BEGIN{printf "%.1f s", m/1000}'; }

# run_case NAME EXPECT DEFS SEARCH PROPS: writes $work/NAME/result (one line).
run_case() {
	local name=$1 expect=$2 defs=$3 search=$4 props=$5 dir=$work/$1
	local cflags="-O2 -DSAFETY -DMEMLIM=4096" pflags="-m200000" t0 t1 ms errs states depth viol extra=""
	mkdir -p "$dir" && cp "$model" "$dir/famfs.pml" && cd "$dir" || return
	# shellcheck disable=SC2086
	if ! spin $defs -a famfs.pml >spin.out 2>&1; then
		echo "FAIL $name: spin -a failed: $(head -1 spin.out)" >result
		return
	fi
	case $search in
	full) pflags="$pflags -w25" ;;
	bit) cflags="$cflags -DBITSTATE"; pflags="$pflags -w22 -k3" ;;
	bit27) cflags="$cflags -DBITSTATE"; pflags="$pflags -w27 -k3" ;;
	first) pflags="$pflags -w22" ;;
	esac
	# shellcheck disable=SC2086
	if ! $CC $cflags -o pan pan.c >cc.out 2>&1; then
		echo "FAIL $name: compiling pan failed: $(grep -m1 error cc.out)" >result
		return
	fi
	t0=$(date +%s%N)
	# shellcheck disable=SC2086
	timeout 600 ./pan $pflags >pan.out 2>&1
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	errs=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' pan.out | tail -1)
	states=$(sed -n 's/^ *\([0-9][0-9]*\) states, stored.*/\1/p' pan.out | tail -1)
	depth=$(grep -m1 -o 'depth reached [0-9]*' pan.out)
	if [ -z "$errs" ]; then
		echo "FAIL $name ($defs): pan did not finish in $(secs $ms) ($(tail -1 pan.out))" >result
		return
	fi
	if [ "$expect" = pass ]; then
		case $search in
		bit*) extra=", bitstate (partial search), hash factor $(sed -n 's/.*hash factor: \([0-9.e+]*\).*/\1/p' pan.out)" ;;
		*) extra=", exhaustive" ;;
		esac
		if [ "$errs" = 0 ] && ! grep -qE 'Search not completed|max search depth too small' pan.out; then
			echo "PASS $name ($defs): no violation, $states states, $depth$extra, $(secs $ms)" >result
		else
			echo "FAIL $name ($defs): expected errors: 0, got errors: $errs: $(grep -m1 -E 'violated|not completed|too small' pan.out)" >result
		fi
	else
		viol=$(grep -m1 -oE 'assertion violated [a-z_]+' pan.out | sed 's/assertion violated //')
		if [ "$errs" -gt 0 ] && [ -n "$viol" ] && [[ $viol =~ ^($props)$ ]]; then
			echo "PASS $name ($defs): counterexample as expected: $viol violated, after $states states, $depth, $(secs $ms)" >result
		elif [ "$errs" -gt 0 ]; then
			echo "FAIL $name ($defs): a counterexample, but of $viol, not of $props" >result
		else
			echo "FAIL $name ($defs): broken variant found no counterexample ($states states)" >result
		fi
	fi
}

t_start=$(date +%s)
names=()
pids=()
for c in "${cases[@]}"; do
	IFS='|' read -r name expect defs search props <<<"$c"
	if [ -n "${ONLY:-}" ] && ! [[ $name =~ $ONLY ]]; then
		continue
	fi
	names+=("$name")
	if [ "$search" != first ]; then
		# the long searches in parallel, JOBS at a time
		while [ "$(jobs -rp | wc -l)" -ge "${JOBS:-2}" ]; do
			wait -n
		done
		( run_case "$name" "$expect" "$defs" "$search" "$props" ) &
		pids+=($!)
	fi
done
for c in "${cases[@]}"; do
	IFS='|' read -r name expect defs search props <<<"$c"
	if [ "$search" = first ] && { [ -z "${ONLY:-}" ] || [[ $name =~ $ONLY ]]; }; then
		( run_case "$name" "$expect" "$defs" "$search" "$props" )
	fi
done
for p in "${pids[@]}"; do
	wait "$p"
done

pass=0
fail=0
for name in "${names[@]}"; do
	r=$(cat "$work/$name/result" 2>/dev/null || echo "FAIL $name: no result")
	echo "$r"
	case $r in
	PASS*) pass=$((pass + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
done
if [ "$fail" -gt 0 ] && [ "${KEEP:-0}" != 1 ]; then
	echo "model: rerun with KEEP=1 to keep pan's output and trails (replay: cd DIR && spin -t -p DEFS famfs.pml)"
fi
echo "model: $pass passed, $fail failed, $(( $(date +%s) - t_start )) s"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
