# SPDX-License-Identifier: GPL-2.0
# famfsd restarts in kernel mode (issue 12), sourced by cluster.sh between
# its steps 4 and 5 (its helpers, FD_PID, FD_LOG, CONF).  A link is cut by a
# blackhole route to the peer's famfsd address (fd00:fa::H) on one or both
# ends; the test's own messages go over eth1 (fd00:fb::H), which stays up.
#
#   4b. A voter restarted while its promise runs (defect 1).  A is master
#       with B's vote; C is cut off from A and stands, B refuses it.  From
#       the moments of C's candidacies (its own log and clock) C predicts
#       its next one; 3/8 of a lease before it, A and B cut their link
#       (A's lease can no longer be renewed but still runs: A reads what
#       is left of it), and B's famfsd is killed -9 and started again.  C then stands
#       and asks the restarted B.  Neither B nor C may become master before
#       A's lease has run out: B and C report a master claim to A over eth1
#       the moment they see it, and A compares the arrival with the end of
#       its lease on its own clock, so a violation is only reported when it
#       is certain (a message arrives after what it reports).  The same
#       way, the scenario fails as not judged unless C stood after B was up
#       (a candidacy begun before finds no connection to B and is given up
#       after lease/2: the next one counts) and while A's lease ran.  A keeps committing while its lease runs;
#       after healing, every commit A acknowledged is on every host and
#       commits through every host reach every host.
#   4c. famfsd restarted within the module lease after it gave a grant up
#       (the model's BUG_RESTART_KEEPS).  O owns /rk read-write and maps it,
#       and starts a forced handoff to T; the master M is then stopped
#       (SIGSTOP), so O's revocation is acknowledged but nothing can be
#       committed.  O's famfsd is killed -9 and started again while its
#       module lease still runs, with the log still showing O's grant: O
#       must not raise access to /rk again (it treats every grant of the log
#       as lost).  M continues; /rk ends up without O's grant.

link_cut() { ip -6 route add blackhole $(addr $1)/128; }
link_heal() { ip -6 route del blackhole $(addr $1)/128 2>/dev/null; }
now_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
# lease_left: what is left of this host's lease (master lease on the master).
lease_left() {
	famfsctl --json status 2>/dev/null | tr -d ' \n' | grep -o '"self":true[^}]*' |
		sed -n 's/.*"lease_left_ms":\([0-9]*\).*/\1/p'
}
epoch_now() { timeout 15 famfsctl --json status 2>/dev/null | jint epoch; }
stands() { grep -c "standing for master" $FD_LOG; }
others_of() { echo $ALL | tr ' ' '\n' | grep -v "^$1$" | tr '\n' ' '; }

# ---- 4b. a voter restarted while its promise runs ----
agree 20 "$ALL"
A=$AGREED
[ "${A:--1}" -ge 1 ] 2>/dev/null || bail "no agreed master before the voter restart"
VB=$(others_of $A | cut -d' ' -f1) VC=$(others_of $A | cut -d' ' -f2)
if [ $ME = $A ]; then
	famfsctl mkdir -p /vr/before > /tmp/o 2>&1 || fail "$R commit /vr/before" "$(tr '\n' ' ' < /tmp/o)"
	E=$(epoch_now)
	bcast 22 "$E"
	link_cut $VC
else
	E=$(recv $A 22)
	[ $ME = $VC ] && link_cut $A
fi
if [ $ME = $VC ]; then
	# Two candidacies refused by B while cut off from A; the moment of each
	# (this host's clock) predicts the next: 1.5 leases + stagger after the
	# refusal.  B is killed 3/8 of a lease before it, so that this famfsd
	# has seen its connection to the old B close and dialled the new one
	# (famfsd takes 0.6-5 s to restart on a loaded host) when it stands, and
	# A's lease (at least ~6 s left after the cut) still runs then.
	_n0=$(stands) _n=$(stands) _tst= _end=$(( $(now_ms) + 120000 ))
	while [ $_n -lt $((_n0 + 2)) ] && [ $(now_ms) -lt $_end ]; do
		sleep 0.05
		[ $(stands) -gt $_n ] && { _n=$(stands); _tst=$(now_ms); }
	done
	[ $_n -ge $((_n0 + 2)) ] ||
		fail "c$VC stands twice while cut off from host $A" "$((_n - _n0)) candidacies"
	send $A 23 "$((_n - _n0))" || fail "$R tells c$A" "no connection"
	_next=$(( ${_tst:-0} + LEASE_MS * 3 / 2 + ME % 8 * (LEASE_MS / 8) ))
	while [ $(now_ms) -lt $((_next - LEASE_MS * 3 / 8)) ]; do sleep 0.05; done
	recv $VB 27 > /tmp/vr_up &
	_ru=$!
	send $A 24 go || fail "$R tells c$A" "no connection"
	send $VB 24 go || fail "$R tells c$VB" "no connection"
	# The first candidacy that begins after B is up (one that began before
	# found no connection to it and is given up after lease/2).
	_tup= _tst= _end=$(( $(now_ms) + 40000 ))
	while [ $(now_ms) -lt $_end ]; do
		[ -z "$_tup" ] && [ -s /tmp/vr_up ] && _tup=$(now_ms)
		if [ $(stands) -gt $_n ]; then
			_n=$(stands)
			[ -n "$_tup" ] && { _tst=$(now_ms); break; }
		fi
		sleep 0.05
	done
	send $A 25 "stood" || fail "$R tells c$A" "no connection"
	if [ -n "$_tst" ] && [ -n "$_tup" ] && [ $_tup -le $_tst ]; then
		pass "c$VC stood again $((_tst - _tup)) ms after c$VB was up again"
	else
		fail "c$VC stands after c$VB restarted" "up at '${_tup}', stood at '${_tst}' (the test could not judge)"
	fi
	wait $_ru
fi
if [ $ME = $A ]; then
	_n=$(recv $VC 23)
	if [ "$(view)" = "master:$A" ] && [ "$(epoch_now)" = "$E" ]; then
		pass "c$A stays the only master (epoch $E) while c$VC, cut off from it, stood $_n times (c$VB refused it)"
	else
		fail "c$A stays master while c$VC stands" "view $(view) epoch $(epoch_now), was $E"
	fi
	_m=$(recv $VC 24)
	recv $VC 25 > /tmp/vr_st &
	_rs=$!
	# Cut off from B too: the lease can no longer be renewed, but it runs.
	link_cut $VB
	_t0=$(now_ms)
	_left=$(lease_left)
	_aend=$((_t0 + ${_left:-0}))
	recv $VB 28 > /tmp/vr_b &
	_rb=$!
	recv $VC 28 > /tmp/vr_c &
	_rc=$!
	[ "${_left:-0}" -gt 0 ] ||
		fail "c$A still holds its lease when c$VB restarts" "lease_left_ms '$_left' (the test could not judge)"
	# Commit while the lease runs; then wait for the claims of B and C.
	_acked= _i=0 _claim= _tclaim= _tstood= _end=$(( $(now_ms) + 90000 ))
	while [ $(now_ms) -lt $_end ]; do
		[ -z "$_tstood" ] && [ -s /tmp/vr_st ] && _tstood=$(now_ms)
		if [ $(now_ms) -lt $((_aend + 1000)) ]; then
			_i=$((_i + 1))
			timeout 5 famfsctl mkdir /vr/a$_i > /dev/null 2>&1 && _acked="$_acked a$_i"
		fi
		if [ -z "$_claim" ]; then
			for _f in /tmp/vr_b /tmp/vr_c; do
				case $(cat $_f 2>/dev/null) in
				master:*) _claim="$(cat $_f) (c$([ $_f = /tmp/vr_b ] && echo $VB || echo $VC))"
					_tclaim=$(now_ms); break ;;
				esac
			done
		fi
		[ -s /tmp/vr_b ] && [ -s /tmp/vr_c ] && [ $(now_ms) -ge $((_aend + 1000)) ] && break
		sleep 0.05
	done
	wait $_rb $_rc $_rs
	# C's candidacy with the restarted B must have begun while A's lease ran.
	if [ -n "$_tstood" ] && [ "$_tstood" -lt "$_aend" ]; then
		pass "c$VC stood while c$A's lease ran (its message came $((_aend - _tstood)) ms before the end)"
	else
		fail "c$VC stands while c$A's lease runs" "message at '$_tstood', lease end $_aend (the test could not judge)"
	fi
	if [ -z "$_claim" ]; then
		fail "c$VB or c$VC becomes master after c$A's lease" "no claim ($(cat /tmp/vr_b) / $(cat /tmp/vr_c))"
	elif [ "$_tclaim" -lt "$_aend" ]; then
		fail "no second master while c$A's lease runs" "master claim $_claim arrived $((_aend - _tclaim)) ms before c$A's lease ran out (it had $_left ms left after the cut)"
	else
		pass "no second master while c$A's lease runs ($_left ms after the cut); then $_claim, $((_tclaim - _aend)) ms after it"
	fi
	case $_claim in
	master:*) _e=${_claim#master:}; _e=${_e%% *}
		[ "$_e" -gt "$E" ] && pass "the new master's epoch $_e is above c$A's ($E)" ||
			fail "new master's epoch above $E" "$_claim" ;;
	esac
	bcast 29 "${_acked:-none}"
	link_heal $VB; link_heal $VC
elif [ $ME = $VB ]; then
	_m=$(recv $VC 24)
	link_cut $A
	_t0=$(now_ms)
	fd_restart || bail "famfsd did not restart"
	_t1=$(now_ms)
	send $VC 27 up || fail "$R tells c$VC" "no connection"
	if grep -q "recorded lease promise: epoch $E to host $A" $FD_LOG; then
		pass "c$VB famfsd killed -9 and restarted in $((_t1 - _t0)) ms: it read back its promise to host $A (epoch $E)"
	else
		fail "c$VB read back its promise to host $A" "$(grep -E 'lease promise' $FD_LOG | tail -n 1)"
	fi
fi
if [ $ME != $A ]; then
	# Report this host's first master claim to A, the moment it is seen.
	_claim=none _end=$(( $(now_ms) + 60000 ))
	while [ $(now_ms) -lt $_end ]; do
		_v=$(view)
		[ "${_v%%:*}" = master ] && { _claim="master:$(epoch_now)"; break; }
		sleep 0.1
	done
	send $A 28 "$_claim" || fail "$R tells c$A" "no connection"
	_acked=$(recv $A 29)
	link_heal $A
fi
grep -aE 'master|promise|standing|vote' $FD_LOG | tail -n 10 | sed "s/^/$R famfsd (4b): /"
# Healed: one master; commits through every host reach every host, with
# every commit A acknowledged while its lease ran.
agree 30 "$ALL"
[ "${AGREED:--1}" -ge 1 ] 2>/dev/null || bail "no agreed master after healing"
famfsctl mkdir /vr/after$ME > /tmp/o 2>&1 || fail "$R commit /vr/after$ME after healing" "$(tr '\n' ' ' < /tmp/o)"
_want="before after1 after2 after3 $(echo ${_acked:-} | sed 's/none//')"
_have() { for _w in $_want; do [ -d $MNT/vr/$_w ] || return 1; done; }
if wait_for 30 _have; then
	pass "$R has /vr/before, /vr/after1..3 and the $(echo ${_acked:-} | sed 's/none//' | wc -w) commits c$A acknowledged while its lease ran (${_acked:-none})"
else
	fail "$R has every acknowledged commit" "want: $_want; has: $(ls $MNT/vr 2>&1 | tr '\n' ' ')"
fi

# ---- 4c. famfsd restarted within the module lease after it gave a grant up ----
agree 40 "$ALL"
M=$AGREED
[ "${M:--1}" -ge 1 ] 2>/dev/null || bail "no agreed master before the restart within the lease"
O=$(others_of $M | cut -d' ' -f1) TT=$(others_of $M | cut -d' ' -f2)
if [ $ME = $O ]; then
	famfsctl mkdir -p /rk > /tmp/o 2>&1 && famfsctl creat --size 2M /rk/data >> /tmp/o 2>&1 &&
		famfsctl acquire /rk --rw >> /tmp/o 2>&1
	wait_for 20 sh -c "[ \"\$($T getaccess $MNT/rk/data 2>&1)\" = rw ]" ||
		fail "c$O acquire /rk --rw" "$(tr '\n' ' ' < /tmp/o) $($T getaccess $MNT/rk/data 2>&1)"
	$T hold $MNT/rk/data rw 20 > /tmp/hold_rk 2>&1 &
	_hold=$!
	wait_for 20 grep -q mapped /tmp/hold_rk || fail "c$O maps /rk/data" "$(cat /tmp/hold_rk)"
	# The owner hands its own grant on (only the holder may: docs/ownership.md).
	famfsctl handoff /rk --to $TT --wait 3 --force > /tmp/ho 2>&1 &
	_ho=$!
	send $M 41 handing || fail "$R tells c$M" "no connection"
	_m=$(recv $M 42)
	# The revocation: famfsd waits 3 s for the mapping, then revokes anyway and acks.
	if wait_for 20 grep -q SIGBUS /tmp/hold_rk && [ "$($T getaccess $MNT/rk/data 2>&1)" = none ]; then
		pass "c$O gave /rk up (holder-first: forced revocation, then the call to c$M, stopped before it could commit)"
	else
		fail "c$O revokes /rk" "msg=$_m $(cat /tmp/hold_rk) access $($T getaccess $MNT/rk/data 2>&1)"
	fi
	kill $_hold 2>/dev/null; wait $_hold 2>/dev/null
	_l0=$($T leaseq $MNT 2>&1)
	kill $_ho 2>/dev/null; wait $_ho 2>/dev/null
	fd_restart || bail "famfsd did not restart"
	# Nothing can be committed yet (M is stopped; T alone has no majority and
	# this famfsd refuses votes for a promise after its start): the log must
	# still show the grant given up, or the test could not judge.
	famfsctl owners /rk > /tmp/ow0 2>&1
	grep -Eq "^ *host $O +read-write" /tmp/ow0 ||
		fail "c$O restarted while the log still shows its grant on /rk" "owners: $(tr '\n' ' ' < /tmp/ow0)"
	# Sample this host's own access while the module lease still runs: never
	# rw (none while the log shows the lost grant, ro once it is released).
	_raised= _n=0
	while [ $_n -lt 20 ]; do
		_a=$($T getaccess $MNT/rk/data 2>&1)
		[ "$_a" = rw ] && _raised="$_raised $_a"
		_n=$((_n + 1)); sleep 0.1
	done
	_l1=$($T leaseq $MNT 2>&1)
	famfsctl owners /rk > /tmp/ow 2>&1
	case "$_l1" in
	state=active" "*)
		if [ -n "$_raised" ]; then
			fail "c$O does not raise /rk again after a restart within its module lease" "access$_raised (lease before: $_l0; after: $_l1; owners: $(tr '\n' ' ' < /tmp/ow))"
		else
			pass "c$O famfsd restarted within its module lease ($_l1) while the log showed its grant ($(grep -E "^ *host $O " /tmp/ow0 | tr -s ' ')): /rk never read-write again (then: $(head -n 1 /tmp/ow))"
		fi ;;
	*) fail "c$O restarted within its module lease" "the lease had run out ($_l1; before: $_l0): the test could not judge" ;;
	esac
	send $M 43 restarted || fail "$R tells c$M" "no connection"
elif [ $ME = $M ]; then
	_m=$(recv $O 41)
	# O asks on itself, so the handoff goes holder-first (docs/ownership.md):
	# O revokes (waiting 3 s for the mapping), gives the grant up, and only
	# then forwards. The master stops at once, before that call can arrive,
	# so nothing is committed while O restarts.
	kill -STOP $FD_PID
	send $O 42 stopped || fail "$R tells c$O" "no connection"
	_m=$(recv $O 43)
	kill -CONT $FD_PID
fi
# Everyone: O's grant goes (released as lost, or handed to T), O never has access.
agree 44 "$ALL"
_gone() { famfsctl owners /rk > /tmp/ow 2>&1 && ! grep -Eq "^ *host $O +read-write" /tmp/ow; }
if wait_for 40 _gone; then
	# What nobody owns is read-only for every host; O must not write.
	_a=$($T getaccess $MNT/rk/data 2>&1)
	if [ $ME = $O ] && [ "$_a" = rw ]; then
		fail "c$O cannot write /rk at the end" "access $_a"
	else
		pass "$R: c$O's grant on /rk is gone ($(grep -E '^ *host' /tmp/ow | tr -s ' ' | tr '\n' ';')), access here $_a"
	fi
else
	fail "$R: c$O's given-up grant on /rk goes" "$(tr '\n' ' ' < /tmp/ow)"
fi
grep -aE '/rk|grants|lease' $FD_LOG | tail -n 8 | sed "s/^/$R famfsd (4c): /"
