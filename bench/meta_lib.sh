# Shell helpers for bench_metadata.sh and bench_scale.sh (sourced after
# tests/integration/cluster_lib.sh).

# Scratch dir, fabric file, ports, result paths and cleanup of benchmark NAME.
bench_setup() { # NAME
	TMP=$(mktemp -d "/tmp/famfs-bench-$1.XXXXXX")
	DEV=/dev/shm/famfs-bench-$1.$$
	. tests/ports.sh && draw_ports	# BASE_PORT: see tests/ports.sh
	OUT=bench/results/$1.txt
	DAT=$TMP/$1
	mkdir -p bench/results
	trap 'hosts_stop_all; rm -rf "$TMP" "$DEV"' EXIT
}

# Value of KEY in the RESULT line of a bench tool's output (on stdin).
result() { # KEY
	sed -n "s/^RESULT.* $1=\([-0-9.]*\).*/\1/p"
}

# Per-host rates from a bench_creates output (on stdin), space separated.
host_rates() {
	sed -n 's/^  host [0-9]* (.*): *\([0-9.]*\) creates\/s.*/\1/p' | tr '\n' ' '
}

# a / b with 2 decimals ("-" when b is zero or empty).
ratio() { # A B
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'
}

# Host ids 1..N with the master first.
hosts_master_first() { # MASTER N
	local i
	echo -n "$1"
	for i in $(seq 1 "$2"); do [ "$i" = "$1" ] || echo -n " $i"; done
	echo
}

# Control sockets of the hosts given.
socks() { # HOST...
	local i
	for i in "$@"; do echo -n "$TMP/h$i.sock "; done
}

# Resident memory of a process in KiB: FIELD VmRSS (all, including the
# mapped pages of the fabric file) or RssAnon (its own memory).
rss_kb() { # PID FIELD
	sed -n "s/^$2:[[:space:]]*\([0-9]*\).*/\1/p" "/proc/$1/status"
}

# Render a plot when gnuplot is there; say why not otherwise.
plot() { # GP_SCRIPT DATA_PREFIX PNG
	if command -v gnuplot >/dev/null; then
		gnuplot -e "dat='$2'; out='$3'" "$1" && echo "plot: $3"
	else
		echo "plot: gnuplot not installed (make deps installs gnuplot-nox); $3 not written"
	fi
}

bench_header() { # NAME PARAMS...
	local name=$1; shift
	echo "# make $name, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r)"
	echo "# parameters: $*"
}

# Stop host I with SIGTERM and wait (at most 20 s) until it is gone.
host_stop() { # I
	local pid=${PID[$1]}
	kill -TERM "$pid" 2>/dev/null || true
	timeout 20 tail --pid="$pid" -f /dev/null || kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	PID[$1]=
	rm -f "$TMP/h$1.sock"
}

# Stop every host started (one by one: a bare `wait` would also wait for
# the tee of the results file).
hosts_stop_all() {
	local i
	for i in "${!PID[@]}"; do
		[ -n "${PID[$i]}" ] && host_stop "$i"
	done
	return 0
}

# A number from `famfsctl --json status` (on stdin).
status_field() { # NAME
	sed -n "s/^ *\"$1\":\([0-9]*\).*/\1/p" | head -n 1	# the daemon's own, not a "hosts" entry's
}
