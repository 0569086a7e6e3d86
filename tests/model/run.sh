#!/usr/bin/env bash
# tests/model/run.sh: check the spin model of famfs's lease, ownership and
# handoff protocol (tests/model/famfs.pml, docs/model.md).
#
# The correct model (two parts, ELECTION and OWNERSHIP) must give
# "errors: 0" over the whole state space; every broken variant must give a
# counterexample (errors > 0), which shows the model can fail.
# Installs nothing: without spin (Debian package "spin") it prints SKIP.
#
# Environment:
#   KEEP=1        keep the work directory (pan output, trails) and print it
#   DEEP=1        also run larger OWNERSHIP configurations, and the broken
#                 ownership variants until two hosts really share rw (minutes)
#   ONLY=REGEX    run only the cases whose name matches
set -u

here=$(cd "$(dirname "$0")" && pwd)
model=$here/famfs.pml

if ! command -v spin >/dev/null 2>&1; then
	echo "SKIP: spin not installed (Debian package: spin); model not checked"
	echo "model: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
CC=${CC:-gcc}
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "SKIP: no C compiler ($CC) to build spin's verifier; model not checked"
	echo "model: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/famfs-model.XXXXXX") || exit 1
if [ "${KEEP:-0}" = 1 ]; then
	echo "model: work directory $work"
else
	trap 'rm -rf "$work"' EXIT
fi

# name | expect (pass/fail) | spin -D options | memory mode (hash / ma)
# hash: plain state hashing (fast, ~120 bytes a state);
# ma:   minimised automaton (-DMA, exhaustive, a few MB, ~3x slower).
cases=(
	"election|pass|-DELECTION|hash"
	"ownership|pass|-DOWNERSHIP|ma"
	"election-nofence|fail|-DELECTION -DBUG_NOFENCE|hash"
	"election-drift|fail|-DELECTION -DBUG_DRIFT|hash"
	"election-drift-nohdr|fail|-DELECTION -DBUG_DRIFT -DBUG_NOHDR|hash"
	"ownership-nofence|fail|-DOWNERSHIP -DBUG_NOFENCE|hash"
	"ownership-nowait|fail|-DOWNERSHIP -DBUG_NOWAIT|hash"
	"ownership-latefence|fail|-DOWNERSHIP -DBUG_LATEFENCE|hash"
	"ownership-nokfence|fail|-DOWNERSHIP -DBUG_NOKFENCE|hash"
	"ownership-reack|fail|-DOWNERSHIP -DBUG_REACK|hash"
)
if [ "${DEEP:-0}" = 1 ]; then
	cases+=(
		"ownership-deep-grants|pass|-DOWNERSHIP -DMAXG=3|ma"
		"ownership-nowait-exclusion|fail|-DOWNERSHIP -DNO_COVER -DBUG_NOWAIT|hash"
		"ownership-latefence-exclusion|fail|-DOWNERSHIP -DNO_COVER -DBUG_LATEFENCE|hash"
		"ownership-nokfence-exclusion|fail|-DOWNERSHIP -DNO_COVER -DBUG_NOKFENCE|hash"
		"ownership-reack-exclusion|fail|-DOWNERSHIP -DNO_COVER -DBUG_REACK|hash"
	)
fi

# run_case NAME EXPECT DEFS MODE: writes $work/NAME/result (one line).
run_case() {
	local name=$1 expect=$2 defs=$3 mode=$4 dir=$work/$1
	local cflags="-O2 -DSAFETY" pflags="-m10000" t0 t1 ms errs states line
	mkdir -p "$dir" && cp "$model" "$dir/famfs.pml" && cd "$dir" || return
	# shellcheck disable=SC2086
	if ! spin $defs -a famfs.pml >spin.out 2>&1; then
		echo "FAIL $name: spin -a failed: $(head -1 spin.out)" >result
		return
	fi
	if [ "$mode" = ma ]; then
		cflags="$cflags -DMA=128"
	else
		pflags="$pflags -w24"
	fi
	# shellcheck disable=SC2086
	if ! $CC $cflags -o pan pan.c >cc.out 2>&1; then
		echo "FAIL $name: compiling pan failed: $(grep -m1 error cc.out)" >result
		return
	fi
	t0=$(date +%s%N)
	# shellcheck disable=SC2086
	timeout 900 ./pan $pflags >pan.out 2>&1
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	errs=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' pan.out | tail -1)
	states=$(sed -n 's/^ *\([0-9][0-9]*\) states, stored.*/\1/p' pan.out | tail -1)
	if [ -z "$errs" ]; then
		echo "FAIL $name: pan did not finish ($(tail -1 pan.out))" >result
		return
	fi
	if [ "$expect" = pass ]; then
		if [ "$errs" = 0 ] && ! grep -qE 'Search not completed|max search depth too small' pan.out; then
			line="PASS $name: errors: 0, $states states, $(grep -m1 -o 'depth reached [0-9]*' pan.out)"
			echo "$line, $(awk -v m="$ms" 'BEGIN{printf "%.1f s", m/1000}')" >result
		else
			echo "FAIL $name: expected errors: 0, got errors: $errs: $(grep -m1 -E 'violated|not completed|too small' pan.out)" >result
		fi
	else
		if [ "$errs" -gt 0 ]; then
			echo "PASS $name: counterexample found as expected (errors: $errs after $states states): $(grep -m1 -oE 'assertion violated [^ ]{0,60}' pan.out)" >result
		else
			echo "FAIL $name: broken variant found no counterexample ($states states)" >result
		fi
	fi
}

pids=()
names=()
for c in "${cases[@]}"; do
	IFS='|' read -r name expect defs mode <<<"$c"
	if [ -n "${ONLY:-}" ] && ! [[ $name =~ $ONLY ]]; then
		continue
	fi
	names+=("$name")
	if [ "$mode" = ma ]; then
		# the long exhaustive runs go in the background (two CPUs are common)
		( run_case "$name" "$expect" "$defs" "$mode" ) &
		pids+=($!)
	else
		( run_case "$name" "$expect" "$defs" "$mode" )
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
echo "model: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
