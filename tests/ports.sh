# Sourced by every test and benchmark that starts daemons on loopback:
# draw_ports sets BASE_PORT so that BASE_PORT+1 .. BASE_PORT+150 are free
# now (the peers listen on +1..+9, metrics and Slurm on +10..+29, the
# partition proxies on +100..+149). Ports are drawn below the kernel's
# ephemeral range (32768-60999), where any outgoing connection on the
# machine may hold one, and drawn again (at most 50 times) while a port of
# the span is in use in /proc/net/tcp or tcp6, in any state: a test beside
# this one, or a socket in TIME_WAIT. Between this check and the daemons'
# bind another program may still take one: tests that must survive that
# bind first and draw again (random_faults.sh).
PORT_SPAN=150
ports_in_use() { # -> the local ports of every TCP socket, one per line
	local f sl local rest
	for f in /proc/net/tcp /proc/net/tcp6; do
		[ -r "$f" ] || continue
		while read -r sl local rest; do
			[ "$sl" = sl ] || echo $((16#${local##*:}))
		done <"$f"
	done | sort -un
}
# Is every port of BASE+1 .. BASE+PORT_SPAN free (USED: " p1 p2 ... ", by
# default ports_in_use now)?
ports_span_free() { # BASE [USED]
	local used=${2:-" $(ports_in_use | tr '\n' ' ') "} p
	for p in $(seq $(($1 + 1)) $(($1 + PORT_SPAN))); do
		case "$used" in *" $p "*) return 1 ;; esac
	done
}
draw_ports() {
	local used base try
	used=" $(ports_in_use | tr '\n' ' ') "
	for try in $(seq 1 50); do
		base=$((21000 + RANDOM % (32768 - 21000 - PORT_SPAN)))
		ports_span_free "$base" "$used" && break
	done
	BASE_PORT=$base
}
