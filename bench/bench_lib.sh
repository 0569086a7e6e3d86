# Helpers for the bench/*.sh scripts (sourced; run from the top directory).
# Every benchmark writes bench/results/NAME.txt (human readable, starting
# with bench_header), bench/results/NAME.dat (the plotted figures) and
# bench/results/NAME.png (bench_plot, from bench/plots/NAME.gp).
RESULTS=${FAMFS_BENCH_RESULTS:-bench/results}

# bench_cluster_env NAME: for a benchmark on a cluster of famfsd on loopback
# (tests/integration/cluster_lib.sh): a scratch directory TMP, a fabric file
# DEV, BASE_PORT, the helpers, an exit trap that stops the daemons and
# removes both, and die MESSAGE ("bench-NAME: MESSAGE", exit 1).
bench_cluster_env() {
	BENCH_NAME=$1
	TMP=$(mktemp -d "/tmp/famfs-bench-$1.XXXXXX")
	DEV=/dev/shm/famfs-bench-$1.$$
	. tests/ports.sh && draw_ports	# BASE_PORT: see tests/ports.sh
	. tests/integration/cluster_lib.sh
	trap 'cluster_stop_all; rm -rf "$TMP" "$DEV"' EXIT
}
die() { echo "bench-${BENCH_NAME:-?}: $*" >&2; exit 1; }

# build_old REV DIR TARGET...: REV's tree unpacked into DIR (git archive: not
# a checkout, nothing of this tree's state) and TARGETs built there
# (e.g. build/famfsd), for the ABBA benchmarks that compare two builds.
build_old() {
	local rev=$1 dir=$2
	shift 2
	mkdir -p "$dir"
	git archive "$rev" | tar -x -C "$dir"
	make -C "$dir" --no-print-directory "$@" >/dev/null 2>"$dir.err" ||
		die "building $* of $rev failed: $(tail -n 5 "$dir.err")"
}

# bench_header NAME: "# make bench-NAME, date, machine" line.
bench_header() {
	local cpu mem
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
	echo "# make bench-$1, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -n): ${cpu:-unknown CPU}," \
		"$(nproc) CPUs, $mem RAM, Linux $(uname -r), load average $(cut -d" " -f1-3 /proc/loadavg)"
}

# bench_plot NAME: bench/results/NAME.dat -> NAME.png with bench/plots/NAME.gp.
bench_plot() {
	local gp=bench/plots/$1.gp dat=$RESULTS/$1.dat
	if ! command -v gnuplot >/dev/null; then
		echo "bench: no plot for $1: gnuplot not installed (make deps-bench)" >&2
		return 0
	fi
	[ -s "$dat" ] || { echo "bench: no plot for $1: $dat missing or empty" >&2; return 0; }
	gnuplot -e "dat='$dat'; out='$RESULTS/$1.png'" "$gp" ||
		{ echo "bench: gnuplot failed on $gp" >&2; return 1; }
	echo "plot: $RESULTS/$1.png"
}

# famfsd_cache_log LOGFILE...: what the famfsd logs say the handoffs did to
# the CPU caches (famfsd logs "N bytes flushed" per revoke and "N bytes
# invalidated" per grant, at level notice): one line of evidence for the
# report, next to bench_handoff's statement of what the backend does.
famfsd_cache_log() {
	cat "$@" 2>/dev/null | awk '
		/access revoked on this host \(/ { r++; for (i = 1; i < NF; i++) if ($(i + 1) == "bytes" && $(i + 2) ~ /^flushed/) { v = $i; sub(/^\(/, "", v); f += v } }
		/ granted .* here \(epoch / { g++; for (i = 1; i < NF; i++) if ($(i + 1) == "bytes" && $(i + 2) == "invalidated") inv += $i }
		END { printf "famfsd logs of this run: %d revokes, %.0f bytes flushed; %d grants, %.0f bytes invalidated\n", r, f, g, inv }'
}
