#!/usr/bin/env bash
# User-space mode's cache maintenance on a worker thread. Three famfsd on
# loopback over one fabric file in /dev/shm with [famfs] cache_walk = always
# (the walk famfsd otherwise skips on a simulated fabric). A follower A
# writes every page of a data set of FAMFS_TEST_WALK_GIB GiB (default 2)
# through its mapping and hands it off to the other follower B, while a
# probe sends null RPCs to A and tries to map the data set on B. Checks:
# the handoff succeeds; A wrote back and B invalidated the resident bytes
# on worker threads (famfsd's logs); A answered null RPCs *during* its walk
# (sent after it began, answered before it ended; the slowest answer is
# printed, never asserted); B mapped the data set only after its
# invalidation ended, and refused it during that walk; the handoff returned
# after both walks; no host lost its lease. Then a reader's invalidation
# after another host's read-write grant ends, once seen by a probe that
# does not retry and once through the library's default retry (see those
# parts). Prints "cache-walk: N passed, N failed".
set -u
B=${B:-build}
GIB=${FAMFS_TEST_WALK_GIB:-2}
export FAMFS_CLUSTER_SIZE=$((GIB + 1))G
. tests/integration/cluster_lib.sh
cluster_scratch cwalk
finish() { echo "cache-walk: $pass passed, $fail failed"; [ "$fail" = 0 ]; exit; }

need_kb=$(( (GIB + 2) * 1024 * 1024 ))
avail_kb=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
if [ "$avail_kb" -lt "$need_kb" ]; then
	bad "needs $((need_kb / 1024)) MiB of available memory for a $GIB GiB data set, has $((avail_kb / 1024)) MiB"
	finish
fi
cluster_setup 3 1000 || { bad "cluster setup"; finish; }
for i in 1 2 3; do sed -i 's/^mode = user$/mode = user\ncache_walk = always/' "$TMP/h$i.conf"; done
for i in 1 2 3; do host_start $i || bad "host $i did not start"; done
m=$(wait_master 20 1 2 3) && ok "master elected (host $m)" || { bad "no master"; finish; }
a=$(echo 1 2 3 | tr ' ' '\n' | grep -v "^$m$" | head -1)
b=$(echo 1 2 3 | tr ' ' '\n' | grep -v "^$m$" | tail -1)

check "create a $GIB GiB data set on host $a and own it" \
	'hctl $a creat --size ${GIB}G /big >/dev/null && hctl $a acquire /big --rw >/dev/null'
check "host $a writes every page of it" '$B/tests/walk_probe fill "$TMP/h$a.sock" /big'
$B/tests/walk_probe run "$TMP/h$a.sock" "$TMP/h$b.sock" /big "$b" 300 >"$TMP/probe" 2>"$TMP/probe.err"
check "handoff host $a -> host $b succeeded" 'grep -q "^H [0-9]* [0-9]* 0$" "$TMP/probe"'
check "host $b owns it now" 'hctl $b --json owners /big | tr -d " \n" | grep -q "\"host\":$b,\"mode\":\"rw\""'

# "PATH: cache walk (KIND): R of W bytes resident, T ms on a worker thread (monotonic S-E us)"
walk() { # HOST KIND -> "R W S E"
	sed -n "s/^.*\/big: cache walk ($2): \([0-9]*\) of \([0-9]*\) bytes resident.*(monotonic \([0-9]*\)-\([0-9]*\) us).*/\1 \2 \3 \4/p" "$TMP/h$1.log" | tail -1
}
read -r wr ww ws we <<<"$(walk "$a" write-back)"
read -r ir iw is ie <<<"$(walk "$b" invalidate)"
size=$((GIB << 30))
check "host $a wrote back every resident byte on a worker thread (${wr:-?} of ${ww:-?})" \
	'[ -n "$wr" ] && [ "$ww" = "$size" ] && [ "$wr" = "$size" ]'
check "host $b invalidated on a worker thread (${ir:-?} of ${iw:-?} bytes resident)" \
	'[ -n "$ir" ] && [ "$iw" = "$size" ] && [ "$ir" -gt 0 ]'
if [ -n "$we" ]; then
	echo "host $a's write-back walk: $(( (we - ws) / 1000 )) ms; host $b's invalidation: $(( (${ie:-0} - ${is:-0}) / 1000 )) ms"
	read -r n max <<<"$(awk -v s="$ws" -v e="$we" '$1 == "P" && $2 >= s && $3 <= e && $4 == 0 {n++; if ($3 - $2 > max) max = $3 - $2} END {print n + 0, max + 0}' "$TMP/probe")"
	echo "null RPCs to host $a answered during its walk: $n, slowest $max us"
	check "host $a answered null RPCs during its cache walk" '[ "$n" -gt 0 ]'
	read -r hs he hrc <<<"$(sed -n 's/^H //p' "$TMP/probe")"
	check "the handoff returned after host $a's walk and host $b's walk" \
		'[ "$he" -ge "$we" ] && [ -n "$ie" ] && [ "$he" -ge "$ie" ]'
fi
if [ -n "${ie:-}" ]; then
	early=$(awk -v e="$ie" '$1 == "M" && $4 == 0 && $3 < e' "$TMP/probe" | wc -l)
	during=$(awk -v s="$is" -v e="$ie" '$1 == "M" && $4 != 0 && $2 >= s && $3 <= e' "$TMP/probe" | wc -l)
	echo "maps refused on host $b during its invalidation: $during; mapped before it ended: $early"
	check "host $b mapped the data set only after its invalidation" '[ "$early" = 0 ]'
	check "host $b refused to map it during its invalidation" '[ "$during" -gt 0 ]'
fi
check "no host lost its lease" '! grep -Eq "grants are lost \([1-9]|lease expired" "$TMP"/h[123].log'
check "no host reported a cache walk error" '! grep -q "cache \(write-back\|invalidation\):" "$TMP"/h[123].log'
for i in 1 2 3; do check "host $i still answers" 'hctl $i status >/dev/null'; done

# A reader's stale lines after another host's read-write grant ends
# (docs/ownership.md, "User-space mode"). Host C (the master) reads /big
# while nobody owns it, host a acquires it read-write, writes every page
# and releases it: /big is readable on C again without a grant to C, so C
# must invalidate what it cached before famfs.Open gives access again, and
# an Open during that walk is refused as retryable (UNAVAILABLE), not denied.
c=$m
check "host $b releases /big" 'hctl $b release /big >/dev/null'
check "host $c reads every page of /big while nobody owns it" \
	'$B/tests/walk_probe read "$TMP/h$c.sock" /big 120'
check "host $a acquires /big read-write" 'hctl $a acquire /big --rw >/dev/null'
filled=
for _ in $(seq 1 120); do
	$B/tests/walk_probe fill "$TMP/h$a.sock" /big 2>/dev/null && { filled=1; break; }
	sleep 0.5
done
check "host $a writes every page of it" '[ -n "$filled" ]'
lines=$(wc -l < "$TMP/h$c.log")
$B/tests/walk_probe release "$TMP/h$a.sock" "$TMP/h$c.sock" /big 300 >"$TMP/probe2" 2>>"$TMP/probe.err"
check "host $a released /big" 'grep -q "^H [0-9]* [0-9]* 0$" "$TMP/probe2"'
read -r cr cw cs ce <<<"$(tail -n +$((lines + 1)) "$TMP/h$c.log" | sed -n "s/^.*\/big: cache walk (invalidate): \([0-9]*\) of \([0-9]*\) bytes resident.*(monotonic \([0-9]*\)-\([0-9]*\) us).*/\1 \2 \3 \4/p" | head -1)"
check "host $c invalidated /big after host $a's release (${cr:-no walk} of ${cw:-?} bytes resident)" \
	'[ -n "$cr" ] && [ "$cr" -gt 0 ]'
first=$(awk '$1 == "M" && $4 == 0 {print $3; exit}' "$TMP/probe2")
check "host $c mapped /big again after the release" '[ -n "$first" ]'
if [ -n "$ce" ]; then
	echo "host $c's invalidation after the release: $(( (ce - cs) / 1000 )) ms"
	early=$(awk -v e="$ce" '$1 == "M" && $4 == 0 && $3 < e' "$TMP/probe2" | wc -l)
	during=$(awk -v s="$cs" -v e="$ce" '$1 == "M" && $4 == -107 && $2 >= s && $3 <= e' "$TMP/probe2" | wc -l)
	echo "maps on host $c during its invalidation: $during refused as UNAVAILABLE; mapped before it ended: $early"
	check "host $c mapped /big only after its invalidation ended" '[ "$early" = 0 ]'
	check "host $c answered famfs.Open during its invalidation with UNAVAILABLE" '[ "$during" -gt 0 ]'
fi
check "the UNAVAILABLE answer names /big and the invalidation" \
	'grep -q "^E -107 UNAVAILABLE: /big: .*invalidating" "$TMP/probe2"'
grep '^E ' "$TMP/probe2"
# The same release again, now with the client library's default retry
# budget on host C: famfs_mmap waits out the UNAVAILABLE answers inside the
# call, so the program never sees them, and its map returns only after C's
# invalidation has ended.
check "host $a acquires /big read-write again" 'hctl $a acquire /big --rw >/dev/null'
lines=$(wc -l < "$TMP/h$c.log")
$B/tests/walk_probe release-wait "$TMP/h$a.sock" "$TMP/h$c.sock" /big 300 >"$TMP/probe3" 2>>"$TMP/probe.err"
check "host $a released /big again" 'grep -q "^H [0-9]* [0-9]* 0$" "$TMP/probe3"'
read -r cr cw cs ce <<<"$(tail -n +$((lines + 1)) "$TMP/h$c.log" | sed -n "s/^.*\/big: cache walk (invalidate): \([0-9]*\) of \([0-9]*\) bytes resident.*(monotonic \([0-9]*\)-\([0-9]*\) us).*/\1 \2 \3 \4/p" | head -1)"
check "host $c invalidated /big after the second release (${cr:-no walk} of ${cw:-?} bytes resident)" \
	'[ -n "$cr" ] && [ "$cr" -gt 0 ]'
unavail=$(awk '$1 == "M" && $4 == -107' "$TMP/probe3" | wc -l)
check "famfs_mmap on host $c returned no UNAVAILABLE ($unavail seen): the library waited" '[ "$unavail" = 0 ]'
if [ -n "$ce" ]; then
	early=$(awk -v e="$ce" '$1 == "M" && $4 == 0 && $3 < e' "$TMP/probe3" | wc -l)
	spanned=$(awk -v e="$ce" '$1 == "M" && $4 == 0 && $2 < e && $3 >= e' "$TMP/probe3" | wc -l)
	echo "host $c's second invalidation: $(( (ce - cs) / 1000 )) ms; maps that waited through its end: $spanned"
	check "host $c mapped /big only after its invalidation ended" '[ "$early" = 0 ]'
	check "a famfs_mmap on host $c began during the invalidation and returned, mapped, after it" \
		'[ "$spanned" -gt 0 ]'
fi
# Back to the handoff state the next part needs: host b owns /big read-write.
check "host $b reads /big again (after its own invalidation)" \
	'$B/tests/walk_probe read "$TMP/h$b.sock" /big 120'
check "host $b acquires /big read-write again" 'hctl $b acquire /big --rw >/dev/null'

# famfsd stopped (SIGTERM) during a walk: the worker ends at its next 64 MiB
# slice, famfsd exits 0 and the walk reports nothing. Host b hands the data
# set back and is stopped once its write-back has started.
# A walk over lines famfsd has walked before takes only ~30 ms, so the
# stop can come after it: then host a hands it back and it is tried again.
for attempt in 1 2 3 4 5; do
	lines=$(wc -l < "$TMP/h$b.log")
	hctl $b handoff /big --to $a >/dev/null 2>&1 &
	hpid=$!
	started=
	for _ in $(seq 1 500); do
		tail -n +$((lines + 1)) "$TMP/h$b.log" | grep -q "/big: cache walk (write-back) of .* started" &&
			{ started=1; break; }
		sleep 0.01
	done
	if [ -n "$started" ] && [ "$attempt" -lt 5 ] &&
		tail -n +$((lines + 1)) "$TMP/h$b.log" | grep -q "/big: cache walk (write-back): "; then
		echo "host $b's write-back walk ended before the stop (attempt $attempt): again"
		wait $hpid 2>/dev/null
		hctl $a handoff /big --to $b >/dev/null 2>&1 || break
		continue
	fi
	break
done
kill -TERM "${PID[$b]}"
t0=$SECONDS
wait "${PID[$b]}"; rc=$?
PID[$b]=
wait $hpid 2>/dev/null
after=$(tail -n +$((lines + 1)) "$TMP/h$b.log")
check "host $b's write-back walk had started when it was stopped" '[ -n "$started" ]'
check "host $b stopped during its walk: exit 0 within $((SECONDS - t0)) s, walk not reported done" \
	'[ "$rc" = 0 ] && echo "$after" | grep -q "famfsd stopped" && ! echo "$after" | grep -q "/big: cache walk (write-back): "'
[ "$fail" = 0 ] || { for i in 1 2 3; do echo "--- host $i log (tail)"; tail -15 "$TMP/h$i.log"; done; cat "$TMP/probe.err"; }
finish
