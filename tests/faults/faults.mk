# tests/faults/: randomized fault injection with a history checker, and the soak.
$(B)/tests/famfs_logdump: $(B)/tests/faults/famfs_logdump.o $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# A mapping held through libfamfs-client (famfs.Open first), for the ownership fault tests.
$(B)/tests/faults/famfs_maphold.o: BASE_CFLAGS += -Iclient/include
$(B)/tests/famfs_maphold: $(B)/tests/faults/famfs_maphold.o $(LIBFAMFS_CLIENT) $(LIBFAMFS_RPC) $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(RPC_LDLIBS) $(LDLIBS)

# Ownership under faults (issue 12, defects 4-7): what nobody owns is read-only,
# one-record handoffs, a release waits for the holder's revocation, no access
# from a stuck replay, stale Grant messages, retried requests; a famfsd
# restarted after it gave a grant up does not raise it again (RESTART_KEEPS);
# and who may act: the acting host is the authenticated caller, namespace
# changes inside another host's data set are refused (test_authz.sh).
check-ownership-faults: all $(B)/tests/famfs_maphold $(B)/tests/famfs_logdump
	@B=$(B) bash tests/faults/test_ownership_faults.sh
	@B=$(B) bash tests/faults/test_restart_keeps.sh
	@B=$(B) bash tests/faults/test_authz.sh
CHECK_TARGETS += check-ownership-faults

# Randomized fault campaign (tests/faults/random_faults.sh): FAULT_RUNS runs of
# FAULT_SECONDS of mixed workload each, one random fault per run; FAULT_SEED replays one.
FAULT_RUNS ?= 30
FAULT_SECONDS ?= 6
FAULT_SEED ?=
check-faults-random: all $(B)/tests/famfs_logdump
	@B=$(B) FAMFS_FAULT_RUNS=$(FAULT_RUNS) FAMFS_FAULT_SECONDS=$(FAULT_SECONDS) \
		FAMFS_FAULT_SEED=$(FAULT_SEED) nice bash tests/faults/random_faults.sh
# The short form inside make check: a few runs, under a minute.
check-faults-random-short: all $(B)/tests/famfs_logdump
	@B=$(B) FAMFS_FAULT_RUNS=3 FAMFS_FAULT_SECONDS=3 FAMFS_FAULT_SEED=$(FAULT_SEED) \
		bash tests/faults/random_faults.sh
	@B=$(B) bash tests/faults/test_port_taken.sh
CHECK_TARGETS += check-faults-random-short

# The history checker's own tests (hand-made good and bad histories).
check-history: 
	@python3 tests/faults/test_history_check.py
CHECK_TARGETS += check-history

# Soak: a 3-host cluster under a bounded mixed workload; RSS and fds sampled.
SOAK_SECONDS ?= 600
soak: all $(B)/tests/famfs_logdump
	@B=$(B) FAMFS_SOAK_SECONDS=$(SOAK_SECONDS) nice bash tests/faults/soak.sh
soak-short: all $(B)/tests/famfs_logdump
	@B=$(B) FAMFS_SOAK_SECONDS=30 bash tests/faults/soak.sh
CHECK_TARGETS += soak-short

RELIABILITY_TARGETS ?=
RELIABILITY_TARGETS += check-faults-random soak
.PHONY: check-ownership-faults check-faults-random check-faults-random-short check-history soak soak-short

# Issue 12's election faults against real daemons (docs/cluster.md): a voter
# restarted while its promise runs, a master stalled between its fence check
# and its store, voters whose clocks run 10 % fast, a host presenting another
# host's certificate.
check-elect: all $(B)/tests/famfs_logdump
	@B=$(B) bash tests/faults/test_voter_restart.sh
	@B=$(B) bash tests/faults/test_commit_stall.sh
	@B=$(B) bash tests/faults/test_drift.sh
	@B=$(B) bash tests/integration/test_peer_identity.sh
CHECK_TARGETS += check-elect
.PHONY: check-elect

# Group commit under kill -9 (issue 13): pipelined create storms, 64 in flight,
# into the master and through a follower; the master is killed mid-storm;
# every acknowledged create must be on every host. GROUP_TRIALS trials.
$(B)/tests/faults/famfs_storm.o: BASE_CFLAGS += -I$(B)/proto
$(B)/tests/faults/famfs_storm.o: | $(B)/proto/famfs.pb-c.h
$(B)/tests/famfs_storm: $(B)/tests/faults/famfs_storm.o $(LIBFAMFS_RPC) $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(RPC_LDLIBS) $(LDLIBS)
GROUP_TRIALS ?= 5
check-group-commit: all $(B)/tests/famfs_storm
	@B=$(B) FAMFS_GROUP_TRIALS=$(GROUP_TRIALS) bash tests/faults/test_group_commit.sh
CHECK_TARGETS += check-group-commit
.PHONY: check-group-commit
