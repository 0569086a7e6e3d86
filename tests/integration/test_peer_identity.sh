#!/usr/bin/env bash
# Issue 12, defect 8: a peer's certificate must name its host id, and every
# peer message must come from the host its certificate names.
#   1. host 1 and an impostor (host_id 3 in its configuration, but host 2's
#      certificate and key) are up, host 2 is down: together they would be a
#      majority. Host 1 must refuse the impostor (its lease votes claim host
#      3 with a certificate naming host 2; dialed as host 3 it presents host
#      2's certificate): no master for several election rounds, mkdir gets
#      UNAVAILABLE, and host 1 logs why.
#   2. a host whose certificate names no host id (scripts/famfs-certs.sh
#      without =ID) is refused at the handshake.
#   3. the real host 3 (its own certificate) replaces the impostor: hosts 1
#      and 3 elect a master and commit; host 2 joins; all three agree.
# FAMFS_TEST_LEASE_MS (default 600); FAMFS_TEST_KEEP=1 keeps the logs.
set -u
NAME=peer-identity
B=${B:-build}
LEASE=${FAMFS_TEST_LEASE_MS:-600}
. tests/faults/elect_lib.sh

cluster_setup 3 "$LEASE" || { bad "setup"; finish; }
# The impostor: host 3's configuration with host 2's certificate and key.
sed -e "s|$TMP/certs/h3.crt|$TMP/certs/h2.crt|; s|$TMP/certs/h3.key|$TMP/certs/h2.key|" \
	"$TMP/h3.conf" >"$TMP/h3.real.conf"
cp "$TMP/h3.conf" "$TMP/h3.own.conf"
cp "$TMP/h3.real.conf" "$TMP/h3.conf"
check "the impostor's configuration claims host 3 with host 2's certificate" \
	'grep -q "^host_id = 3" "$TMP/h3.conf" && grep -q "certs/h2.crt" "$TMP/h3.conf"'

# ---- 1. host 1 + the impostor ----
host_start 1 || bad "host 1 did not start"
host_start 3 || bad "the impostor did not start"
# Each host stands after 1.5 leases (+ stagger) without a master: wait for
# host 1 to have stood at least three times (however slow the box).
stood() { grep -c "standing for master" "$TMP/h1.log"; }
wait_ms $((LEASE * 40 * SLOW)) '[ "$(stood)" -ge 3 ] || [ -n "$(masters_now 1 3)" ]' ||
	bad "host 1 stood only $(stood) times"
check "no master while only host 1 and the impostor run (masters: '$(masters_now 1 3)')" \
	'[ -z "$(masters_now 1 3)" ]'
out=$(hctl 1 mkdir /impostor 2>&1)
check "mkdir through host 1 is refused with UNAVAILABLE (no majority)" '[[ $out == *UNAVAILABLE* ]]'
check "host 1 refuses the impostor's lease vote: it claims host 3 with host 2's certificate" \
	'grep -q "refused: famfs.peer.Lease claims host 3, but the certificate of h2 names host 2" "$TMP/h1.log"'
check "host 1 refuses the impostor when it dials host 3" \
	'grep -q "host 3 was dialed, but its certificate names host 2" "$TMP/h1.log"'
check "the impostor's status shows no master" '[ "$(master_seen_by 3)" = -1 ]'
host_kill 3

# ---- 2. a certificate that names no host id ----
bash scripts/famfs-certs.sh "$TMP/certs" noid >/dev/null 2>&1
sed -e "s|$TMP/certs/h2.crt|$TMP/certs/noid.crt|; s|$TMP/certs/h2.key|$TMP/certs/noid.key|" \
	"$TMP/h3.real.conf" >"$TMP/h3.conf"
host_start 3 || bad "host 3 (no host id) did not start"
check "a certificate without a host id is refused at the handshake" \
	'wait_ms 10000 "grep -q \"TLS peer noid refused: its certificate names no famfs host id\" \"$TMP/h1.log\""'
check "... and host 1 is still alone (no master)" '[ -z "$(masters_now 1 3)" ]'
host_kill 3

# ---- 3. the real host 3, then host 2 ----
cp "$TMP/h3.own.conf" "$TMP/h3.conf"
host_start 3 || bad "host 3 did not start"
m=$(wait_master 60 1 3) && ok "hosts 1 and 3 (their own certificates) elect host $m" ||
	bad "hosts 1 and 3 elect no master"
check "commit through host 1" 'commit 1 /real1 20000'
check "commit through host 3" 'commit 3 /real3 20000'
host_start 2 || bad "host 2 did not start"
m=$(wait_master 60 1 2 3) && ok "host 2 joins: all three agree on host $m" || bad "host 2 does not join"
check "commit through host 2" 'commit 2 /real2 20000'
check "host 2 has the three directories, not /impostor" \
	'wait_ms 10000 "[ \"\$(hctl 2 ls / | tr -d / | sort | tr \"\\n\" \" \")\" = \"real1 real2 real3 \" ]"'
hosts_stop
log_checks
finish
