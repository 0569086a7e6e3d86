#!/usr/bin/env bash
# famfs data sets as Slurm burst buffers, against a real Slurm on this
# machine: a private munged, slurmctld and two slurmd (nodes n1, n2 on
# loopback ports) and a 3-host famfsd cluster (n1 -> host 1, n2 -> host 2;
# the controller's hooks talk to host 3). Covers: the helper and the example
# program on their own (malformed directives and configuration, refusals),
# a two-job pipeline (job 1 writes a data set on n1, job 2 reads the same
# bytes in place on n2), a job waiting for a conflicting grant, a job held
# with the reason, two jobs sharing a read-only grant, release at the end,
# a read-write data set handed off from job to job.
# Prints "slurm: N passed, N failed". Without root or Slurm installed it reports
# a skipped check (scripts/skip.sh: a skip is not a pass); a munged, slurmctld
# or slurmd that does not start is a failure.
set -u
B=${B:-build}
ROOT=$(pwd)
BIN=$ROOT/$B
skip() {
	bash scripts/skip.sh check-slurm "$1" || fail=$((${fail:-0} + 1))
	echo "slurm: ${pass:-0} passed, ${fail:-0} failed"; [ "${fail:-0}" = 0 ]; exit
}
[ "$(id -u)" = 0 ] || skip "needs root (munged, slurmd and a throw-away job user)"
no_slurm=
for c in slurmctld slurmd sbatch scontrol squeue scancel sinfo /usr/sbin/munged; do
	command -v $c >/dev/null || { no_slurm="$c not found (Debian's slurm-wlm and munge: make deps-slurm)"; break; }
done

TMP=$(mktemp -d /tmp/famfs-slurm.XXXXXX)
chmod 0755 "$TMP"			# the job user reaches the sockets below it
DEV=/dev/shm/famfs-slurm.$$
. tests/ports.sh && draw_ports	# BASE_PORT: see tests/ports.sh
SLURM_BASE_PORT=$((BASE_PORT + 10))
ST=$TMP/slurm
WAIT_S=${FAMFS_SLURM_TEST_WAIT:-3}
JOBUSER=famfsbb$$
. tests/integration/cluster_lib.sh
. tests/slurm/slurm_lib.sh
made_user=
cleanup() {
	local p
	[ -n "$made_user" ] && [ -f "$ST/etc/slurm.conf" ] && scancel -u "$JOBUSER" 2>/dev/null
	slurm_stop
	cluster_stop_all
	if [ -n "$made_user" ]; then
		# Job processes left behind (a failed run) belong to the throw-away user.
		for p in $(pgrep -u "$JOBUSER" 2>/dev/null); do kill "$p" 2>/dev/null; done
		userdel "$JOBUSER" 2>/dev/null; groupdel "$JOBUSER" 2>/dev/null
	fi
	rm -rf "$TMP" "$DEV"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "PASS: $1 [${SECONDS}s]"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
finish() { echo "slurm: $pass passed, $fail failed"; [ "$fail" = 0 ]; exit; }
# Grants on PATH and below as sorted host:mode words, from famfsctl owners (text).
grants_of() { awk '$1 == "host" { sub("read-write", "rw", $3); sub("read-only", "ro", $3); print $2 ":" $3 }' | sort | tr '\n' ' ' | sed 's/ $//'; }
grants() { hctl "$1" owners "$2" | grants_of; }
bb() { "$BIN/famfs-slurm-bb" --config "$TMP/famfs-slurm.conf" "$@"; }

# ---- the famfs cluster and the hooks' configuration ----
useradd -M -N -s /bin/bash "$JOBUSER" 2>/dev/null && made_user=1 || { bad "cannot add a job user (useradd)"; finish; }
groupadd -f "$JOBUSER" && usermod -g "$JOBUSER" "$JOBUSER" || { bad "cannot give the job user a group"; finish; }
cluster_setup 3 600 || { bad "famfs cluster setup"; finish; }
# The job user writes through famfsd (admin_group) and maps the fabric file.
for i in 1 2 3; do sed -i "s|^socket = .*|&\nadmin_group = $JOBUSER|" "$TMP/h$i.conf"; done
chgrp "$JOBUSER" "$DEV" && chmod 0660 "$DEV"
for i in 1 2 3; do host_start $i || bad "famfsd host $i did not start"; done
wait_master 15 1 2 3 >/dev/null || { bad "no famfs master"; finish; }
mkdir -p "$TMP/bbstate" && chmod 0700 "$TMP/bbstate"
cat >"$TMP/famfs-slurm.conf" <<CONF
[famfs]
socket = $TMP/h3.sock
state_dir = $TMP/bbstate
wait = $WAIT_S
[nodes]
n1 = 1
n2 = 2
CONF

# ---- the helper on its own: directives, configuration ----
printf '#!/bin/bash\n#SBATCH -N1\n#BB_LUA famfs rw=/jobs/a ro=/ref\necho hi\n#BB_LUA famfs rw=/late\n' >"$TMP/s.ok"
check "directives: two data sets; a directive after the first command is not one" \
	'bb paths 7 "$TMP/s.ok" "$TMP/paths" && [ "$(cat "$TMP/paths")" = "FAMFS_DATASETS=rw:/jobs/a ro:/ref" ]'
printf '#!/bin/bash\n#BB_LUA famfs ro=/x\ntrue\n\0' >"$TMP/s.nul"	# as Slurm stores scripts
check "directives: a script ending in a NUL (as Slurm stores it)" \
	'bb paths 8 "$TMP/s.nul" "$TMP/paths.nul" && [ "$(cat "$TMP/paths.nul")" = "FAMFS_DATASETS=ro:/x" ]'
bad_script() { # DIRECTIVE EXPECTED-MESSAGE-REGEX
	printf '#!/bin/bash\n%s\ntrue\n' "$1" >"$TMP/s.bad"
	local out
	out=$(bb job_process "$TMP/s.bad") && return 1
	echo "$out" | grep -Eq -- "$2" || { echo "   got: $out"; return 1; }
}
check "refused: relative path" 'bad_script "#BB_LUA famfs rw=jobs/a" "line 2: .jobs/a. is not an absolute famfs path"'
check "refused: unknown directive" 'bad_script "#BB_LUA famfz rw=/a" "unknown burst buffer directive .famfz."'
check "refused: no data set" 'bad_script "#BB_LUA famfs" "names no data set"'
check "refused: bad mode" 'bad_script "#BB_LUA famfs rx=/a" ".rx=/a.: expected rw=PATH or ro=PATH"'
check "refused: '..'" 'bad_script "#BB_LUA famfs ro=/a/../b" "empty, .\.. or .\.\.. component"'
check "refused: the root" 'bad_script "#BB_LUA famfs rw=/" "cannot be a data set"'
check "refused: overlap with a rw set" 'bad_script "#BB_LUA famfs rw=/a ro=/a/b" "/a and /a/b overlap"'
check "refused: twice" 'bad_script "#BB_LUA famfs ro=/a ro=/a" "/a is declared twice"'
check "refused: 17 data sets" 'bad_script "#BB_LUA famfs $(seq -f "ro=/d%g" -s " " 1 17)" "more than 16 famfs data sets"'
check "missing script named" 'bb job_process "$TMP/nope" | grep -q "job script $TMP/nope: No such file"'
bad_conf() { # TEXT EXPECTED-MESSAGE-REGEX
	printf "$1" >"$TMP/bad.conf"
	local out
	out=$("$BIN/famfs-slurm-bb" --config "$TMP/bad.conf" release 1); [ $? = 2 ] || return 1
	echo "$out" | grep -Eq -- "$2" || { echo "   got: $out"; return 1; }
}
check "config: unknown key" 'bad_conf "[famfs]\nsockt = /x\n[nodes]\nn1 = 1\n" "bad.conf:2: \\[famfs\\] unknown key .sockt."'
check "config: bad host id" 'bad_conf "[nodes]\nn1 = one\n" "bad.conf:2: .*famfs host id is a number"'
check "config: node twice" 'bad_conf "[nodes]\nn1 = 1\nn1 = 2\n" "bad.conf:3: \\[nodes\\] n1 is listed twice"'
check "config: relative socket" 'bad_conf "[famfs]\nsocket = x.sock\n[nodes]\nn1 = 1\n" "bad.conf:2: .*not an absolute path"'
check "config: wait out of range" 'bad_conf "[famfs]\nwait = 99999999\n[nodes]\nn1 = 1\n" "bad.conf:2: \\[famfs\\] wait"'
check "config: no nodes" 'bad_conf "[famfs]\nwait = 1\n" "no \\[nodes\\] section"'
check "config: missing file" '"$BIN/famfs-slurm-bb" --config "$TMP/none.conf" release 1 | grep -q "none.conf: No such file"'
printf '#!/bin/bash\n#BB_LUA famfs ro=/not/yet\n' >"$TMP/s.missing"
sed 's/^wait = .*/wait = 0/' "$TMP/famfs-slurm.conf" >"$TMP/nowait.conf"
check "data_in: a missing read-only data set is waited for, then named" \
	'! "$BIN/famfs-slurm-bb" --config "$TMP/nowait.conf" data_in 10 "$TMP/s.missing" >"$TMP/missing.out" &&
	 grep -q "/not/yet: no such data set.*waited 0 s" "$TMP/missing.out"'
check "pre_run: a node without a famfs host" 'bb pre_run 9 "$TMP/s.ok" n7 n7 | grep -q "node n7 has no famfs host"'

# ---- the example program on its own (it acquires and releases itself) ----
check "example writes a new data set (acquires, releases)" \
	'"$BIN/famfs-dataset-example" --socket "$TMP/h3.sock" write /ex/d/f 3M >"$TMP/ex.out" &&
	 grep -q "acquired read-write (host 3)" "$TMP/ex.out" && grep -q "/ex/d: released" "$TMP/ex.out"'
check "example reads it on another host" \
	'"$BIN/famfs-dataset-example" --socket "$TMP/h1.sock" read /ex/d/f | grep -q "read 3145728 bytes in place, all as written"'
hctl 2 acquire /ex/d --rw >/dev/null
check "example refused while host 2 owns it read-write" \
	'! "$BIN/famfs-dataset-example" --socket "$TMP/h1.sock" read /ex/d/f 2>"$TMP/ex.err" && grep -q "acquire /ex/d: .*host 2" "$TMP/ex.err"'
check "example uses host 2's own grant and leaves it" \
	'"$BIN/famfs-dataset-example" --socket "$TMP/h2.sock" read /ex/d/f | grep -q "host 2 already holds read-write" && [ "$(grants 3 /ex/d)" = "2:rw" ]'
hctl 2 release /ex/d >/dev/null

# ---- Slurm ----
if [ -n "$no_slurm" ]; then
	bash scripts/skip.sh check-slurm "the Slurm part: $no_slurm" || fail=$((fail + 1))
	finish
fi
munge_start || { bad "munged did not start: $(head -1 "$ST/munge/start.err" 2>/dev/null)"; finish; }
slurm_write_conf "BurstBufferType=burst_buffer/lua"
sed -e "s#@FAMFS_SLURM_BB@#$BIN/famfs-slurm-bb#" -e "s#@FAMFS_SLURM_CONF@#$TMP/famfs-slurm.conf#" \
	slurm/burst_buffer.lua >"$ST/etc/burst_buffer.lua"
slurm_start || { echo "--- start.err"; cat "$ST/log/start.err" 2>/dev/null; bad "slurmctld/slurmd did not start (see above)"; finish; }
ok "munged, slurmctld, slurmd n1 and n2 up"
mkdir -p "$ST/out" && chown "$JOBUSER" "$ST/out"
head -c 2500000 /dev/urandom >"$TMP/blob" && chmod 0644 "$TMP/blob"
# Jobs find their node's famfsd from SLURMD_NODENAME (one machine simulating
# two; a real node's famfsd is at the default socket).
JOBENV="export FAMFS_SOCKET=$TMP/h\${SLURMD_NODENAME#n}.sock; CTL=$BIN/famfsctl; EX=$BIN/famfs-dataset-example"
submit() { # NAME ARGS... (script from stdin)
	local name=$1; shift
	cat >"$ST/out/$name.sh"
	(cd "$ST/out" && runuser -u "$JOBUSER" -- sbatch --parsable -o "$ST/out/$name.out" "$@" "$ST/out/$name.sh")
}

check "sbatch refuses a malformed directive, naming it" \
	'! (cd "$ST/out" && printf "#!/bin/bash\n#BB_LUA famfs rw=relative\ntrue\n" | runuser -u "$JOBUSER" -- sbatch 2>"$TMP/sb.err") &&
	 grep -qi "burst buffer" "$TMP/sb.err"'
cat "$TMP/sb.err" | sed 's/^/   sbatch: /'

# Submitted now, checked at the end: a job whose data set stays owned
# read-write elsewhere is held with the reason.
hctl 3 mkdir -p /jobs/locked >/dev/null; hctl 3 acquire /jobs/locked --rw >/dev/null
j4=$(submit blocked -w n2 <<JOB
#!/bin/bash
#BB_LUA famfs ro=/jobs/locked
true
JOB
)

j1=$(submit writer -w n1 <<JOB
#!/bin/bash
#BB_LUA famfs rw=/jobs/pipe
$JOBENV
\$CTL owners /jobs/pipe >owners.writer
\$EX write /jobs/pipe/data 4M || exit 1
\$CTL cp $TMP/blob famfs:/jobs/pipe/blob || exit 1
\$CTL getmap /jobs/pipe/blob >map.writer
JOB
)
j2=$(submit reader -w n2 --dependency=afterok:$j1 <<JOB
#!/bin/bash
#BB_LUA famfs ro=/jobs/pipe
$JOBENV
echo "datasets: \$FAMFS_DATASETS"
\$CTL owners /jobs/pipe >owners.reader
\$EX read /jobs/pipe/data || exit 1
\$CTL verify /jobs/pipe/blob $TMP/blob || exit 1
\$CTL getmap /jobs/pipe/blob >map.reader
\$CTL --socket $TMP/h1.sock verify /jobs/pipe/blob >refused.n1 2>&1 && exit 3
exit 0
JOB
)
# Read-write from job to job: the ended job's grant is parked and handed off.
j7=$(submit hand1 -w n1 <<JOB
#!/bin/bash
#BB_LUA famfs rw=/jobs/hand
$JOBENV
\$CTL cp $TMP/blob famfs:/jobs/hand/blob
JOB
)
j8=$(submit hand2 -w n2 --dependency=afterok:$j7 <<JOB
#!/bin/bash
#BB_LUA famfs rw=/jobs/hand
$JOBENV
\$CTL owners /jobs/hand >owners.hand2
\$CTL verify /jobs/hand/blob $TMP/blob || exit 1
\$EX write /jobs/hand/more 1M
JOB
)
check "writer job on n1 completed" '[ "$(job_wait_state "$j1" "COMPLETED|FAILED|CANCELLED|TIMEOUT" 30)" = COMPLETED ]'
check "reader job on n2 completed" '[ "$(job_wait_state "$j2" "COMPLETED|FAILED|CANCELLED|TIMEOUT" 30)" = COMPLETED ]'
for j in writer reader; do sed "s/^/   $j: /" "$ST/out/$j.out" 2>/dev/null; done
gr() { grants_of <"$1"; }
check "while job 1 ran, host 1 (n1) alone owned the data set read-write" '[ "$(gr "$ST/out/owners.writer")" = "1:rw" ]'
check "job 1 used the hook's grant (the example did not acquire)" 'grep -q "/jobs/pipe: host 1 already holds read-write" "$ST/out/writer.out"'
check "while job 2 ran, host 2 (n2) alone held it read-only" '[ "$(gr "$ST/out/owners.reader")" = "2:ro" ]'
check "job 2 read the example's bytes in place" 'grep -q "read 4194304 bytes in place, all as written" "$ST/out/reader.out"'
check "job 2 saw FAMFS_DATASETS" 'grep -q "datasets: ro:/jobs/pipe" "$ST/out/reader.out"'
check "the same extents on both nodes: nothing was copied" \
	'grep -q "[0-9]" "$ST/out/map.writer" && cmp -s "$ST/out/map.writer" "$ST/out/map.reader"'
check "host 1 was refused while job 2 held the data set" 'grep -q PERMISSION_DENIED "$ST/out/refused.n1"'
check "after the jobs: the grants are released (job 2's start released job 1's parked one)" \
	'[ -z "$(grants 3 /jobs/pipe)" ] && [ ! -e "$TMP/bbstate/job.$j1" ] && [ ! -e "$TMP/bbstate/job.$j2" ] && ! bb parked | grep -q /jobs/pipe'

check "read-write chain: job 1 on n1 completed" '[ "$(job_wait_state "$j7" "COMPLETED|FAILED|CANCELLED|TIMEOUT" 30)" = COMPLETED ]'
check "read-write chain: job 2 on n2 completed" '[ "$(job_wait_state "$j8" "COMPLETED|FAILED|CANCELLED|TIMEOUT" 30)" = COMPLETED ]'
check "job 2 got the data set by handoff (host 1 revoked, host 2 granted)" \
	'grep -q "/jobs/hand: access revoked on this host" "$TMP/h1.log" && grep -q "/jobs/hand: granted read-write here" "$TMP/h2.log" && [ "$(gr "$ST/out/owners.hand2")" = "2:rw" ]'
check "after job 2, host 2's grant is parked for the next job" \
	'[ "$(bb parked)" = "/jobs/hand read-write on host 2" ] && [ "$(grants 3 /jobs/hand)" = "2:rw" ]'
check "unpark releases it" 'bb unpark /jobs/hand | grep -q "host 2.s parked grant released" && [ -z "$(grants 3 /jobs/hand)" ] && [ -z "$(bb parked)" ]'
check "unpark of what is not parked says so" '! bb unpark /jobs/hand >"$TMP/unpark.out" && grep -q "/jobs/hand: no parked grant on it" "$TMP/unpark.out"'

# Two jobs on n2 share one read-only grant: the first to end keeps it for the other.
j5=$(submit long -w n2 <<JOB
#!/bin/bash
#BB_LUA famfs ro=/jobs/pipe
$JOBENV
for i in \$(seq 1 100); do [ -e $ST/out/go ] && break; sleep 0.1; done
\$CTL verify /jobs/pipe/blob $TMP/blob
JOB
)
job_wait_state "$j5" RUNNING 20 >/dev/null
j6=$(submit short -w n2 <<JOB
#!/bin/bash
#BB_LUA famfs ro=/jobs/pipe
$JOBENV
\$CTL verify /jobs/pipe/blob $TMP/blob
JOB
)
check "second job on n2 completed" '[ "$(job_wait_state "$j6" "COMPLETED|FAILED|CANCELLED" 30)" = COMPLETED ]'
check "host 2's read-only grant stays for the first job" '[ "$(job_field "$j5" JobState)" = RUNNING ] && [ "$(grants 3 /jobs/pipe)" = "2:ro" ]'
touch "$ST/out/go"
check "the first still had its grant after the second ended" '[ "$(job_wait_state "$j5" "COMPLETED|FAILED|CANCELLED" 30)" = COMPLETED ]'
check "then it was released" '[ -z "$(grants 3 /jobs/pipe)" ]'

# A job waits for a grant in its way (stage-in), then runs once it is gone.
hctl 3 mkdir -p /jobs/busy >/dev/null; hctl 3 acquire /jobs/busy --rw >/dev/null
j3=$(submit waiter -w n2 <<JOB
#!/bin/bash
#BB_LUA famfs rw=/jobs/busy
$JOBENV
\$CTL owners /jobs/busy >owners.waiter
JOB
)
for _ in $(seq 1 100); do [ "$(job_field "$j3" BurstBufferState)" = staging-in ] && break; sleep 0.1; done
sleep 1		# an unblocked stage-in is over in well under a second
check "job waits (PENDING, BurstBufferStageIn) while host 3 owns its data set" \
	'[ "$(job_field "$j3" JobState)" = PENDING ] && [ "$(job_field "$j3" BurstBufferState)" = staging-in ]'
hctl 3 release /jobs/busy >/dev/null
check "it runs once host 3 released it, owning the data set on host 2" \
	'[ "$(job_wait_state "$j3" "COMPLETED|FAILED|CANCELLED" 30)" = COMPLETED ] && [ "$(gr "$ST/out/owners.waiter")" = "2:rw" ]'

# The job submitted first, whose data set stays owned read-write elsewhere, is held with the reason.
for _ in $(seq 1 $((WAIT_S * 10 + 100))); do [ "$(job_field "$j4" Priority)" = 0 ] && break; sleep 0.1; done
scontrol -o show job "$j4" | tr ' ' '\n' | grep -E '^(JobState|Reason|SystemComment)=' | sed 's/^/   /'
check "held after waiting $WAIT_S s (priority 0, still PENDING)" \
	'[ "$(job_field "$j4" Priority)" = 0 ] && [ "$(job_field "$j4" JobState)" = PENDING ]'
check "the reason names the data set and the owner" \
	'scontrol -o show job "$j4" | grep -q "famfs: /jobs/locked (read-only) is blocked: host 3 holds a read-write grant on /jobs/locked"'
scancel "$j4"
job_wait_state "$j4" CANCELLED 10 >/dev/null
check "cancelled: host 3's own grant is left alone" '[ "$(grants 3 /jobs/locked)" = "3:rw" ]'
check "nothing left in the state directory" '[ -z "$(ls "$TMP/bbstate" | grep job)" ]'
finish
