# Helpers for the Slurm tests: a private munged and a real Slurm (one
# slurmctld, slurmd -N n1 .. nN) on loopback, everything under $ST.
# Needs: ST (scratch dir, created by the caller), SLURM_BASE_PORT.
# Facts behind it: /work/shared/slurm-testbed.md (docs/slurm.md summarises them).
SLURM_NODES=${SLURM_NODES:-2}

# Why a private munged: its socket, key and pid live under $ST, so a system
# munged (or another test's) is neither needed nor disturbed.
munge_start() {
	mkdir -p "$ST/munge" && chmod 0755 "$ST/munge" || return 1
	head -c 1024 /dev/urandom >"$ST/munge/munge.key" && chmod 0600 "$ST/munge/munge.key" || return 1
	/usr/sbin/munged --force --socket="$ST/munge/munge.sock" --key-file="$ST/munge/munge.key" \
		--pid-file="$ST/munge/munged.pid" --log-file="$ST/munge/munged.log" \
		--seed-file="$ST/munge/munged.seed" 2>>"$ST/munge/start.err" || return 1
	for _ in $(seq 1 50); do [ -S "$ST/munge/munge.sock" ] && return 0; sleep 0.05; done
	return 1
}

# slurm_write_conf EXTRA_LINES: slurm.conf for nodes n1..nN under $ST/etc.
slurm_write_conf() {
	local i
	mkdir -p "$ST/etc" "$ST/state" "$ST/log" "$ST/run" || return 1
	for i in $(seq 1 "$SLURM_NODES"); do mkdir -p "$ST/spool/n$i" || return 1; done
	cat >"$ST/etc/slurm.conf" <<CONF
ClusterName=famfstest
SlurmctldHost=localhost
SlurmctldPort=$SLURM_BASE_PORT
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$ST/munge/munge.sock
StateSaveLocation=$ST/state
SlurmdSpoolDir=$ST/spool/%n
SlurmctldPidFile=$ST/run/slurmctld.pid
SlurmdPidFile=$ST/run/slurmd-%n.pid
SlurmctldLogFile=$ST/log/slurmctld.log
SlurmdLogFile=$ST/log/slurmd-%n.log
SlurmctldDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=5
MinJobAge=3600
SchedulerParameters=batch_sched_delay=0,bf_interval=1,sched_interval=1
$1
CONF
	for i in $(seq 1 "$SLURM_NODES"); do
		echo "NodeName=n$i NodeHostname=localhost NodeAddr=127.0.0.1 Port=$((SLURM_BASE_PORT + i)) CPUs=2 RealMemory=2000 State=UNKNOWN" >>"$ST/etc/slurm.conf"
	done
	echo "PartitionName=debug Nodes=$(seq -s, -f 'n%g' 1 "$SLURM_NODES") Default=YES MaxTime=INFINITE State=UP" >>"$ST/etc/slurm.conf"
}

# Start slurmctld and every slurmd; wait (bounded) until all nodes are idle.
slurm_start() {
	local i
	export SLURM_CONF=$ST/etc/slurm.conf
	slurmctld -f "$SLURM_CONF" 2>>"$ST/log/start.err" || return 1
	for i in $(seq 1 "$SLURM_NODES"); do
		slurmd -f "$SLURM_CONF" -N "n$i" 2>>"$ST/log/start.err" || return 1
	done
	for _ in $(seq 1 100); do
		[ "$(sinfo -h -o '%t %D' 2>/dev/null)" = "idle $SLURM_NODES" ] && return 0
		sleep 0.1
	done
	return 1
}

# Stop every daemon started above (by PID file), munged last.
slurm_stop() {
	local f p
	for f in "$ST"/run/slurmd-*.pid "$ST/run/slurmctld.pid" "$ST/munge/munged.pid"; do
		[ -f "$f" ] || continue
		p=$(cat "$f" 2>/dev/null)
		[ -n "$p" ] && kill -TERM "$p" 2>/dev/null
	done
	for f in "$ST"/run/slurmd-*.pid "$ST/run/slurmctld.pid"; do
		[ -f "$f" ] || continue
		p=$(cat "$f" 2>/dev/null)
		for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	done
	return 0
}

# Wait (bounded) until job J reaches one of the states (regex); print the state.
job_wait_state() { # J REGEX TIMEOUT_S
	local s end=$((SECONDS + $3))
	while [ $SECONDS -le $end ]; do
		s=$(scontrol -o show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
		if [[ $s =~ ^($2)$ ]]; then echo "$s"; return 0; fi
		sleep 0.2
	done
	echo "${s:-unknown}"
	return 1
}
job_field() { # J FIELD
	scontrol -o show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p"
}
