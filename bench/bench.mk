# bench/: benchmarks that print ratios against a baseline measured in the same run.
# Each writes bench/results/NAME.txt (report), NAME.dat (plotted figures) and
# NAME.png (bench/plots/NAME.gp, gnuplot); docs/benchmarks.md explains them.
#
#   make bench         every target in BENCH_ALL, then every plot again
#   make bench-plots   only the plots, from the committed .dat files
#
# BENCH_ALL lists the benchmarks `make bench` runs, in order; a component's
# .mk file appends its own (tests/vm/vm.mk: BENCH_ALL += bench-vm).
.PHONY: bench bench-plots deps-bench bench-meta bench-rpc bench-cluster bench-share
BENCH_ALL := bench-meta bench-rpc bench-cluster bench-share

bench: all deps-bench
	@failed=; for t in $(BENCH_ALL); do echo "== make $$t"; \
		$(MAKE) --no-print-directory $$t || failed="$$failed $$t"; done; \
	bash bench/plot.sh || failed="$$failed bench-plots"; \
	if [ -n "$$failed" ]; then echo "bench: failed:$$failed"; exit 1; fi; \
	echo "bench: ran $(BENCH_ALL); results in bench/results/"

bench-plots: deps-bench
	@bash bench/plot.sh

# gnuplot draws the plots; without it the benchmarks still run and say so.
deps-bench:
	@bash scripts/deps.sh $(DEB_PKGS_BENCH) || echo "warning: gnuplot missing, plots are skipped"

$(B)/bench/bench_meta: $(B)/bench/bench_meta.o $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# bench-replay-abba: a joining host's replay (bench_join), this tree against
# OLD_REV (default 96f98ac, before the replay work of issue 13), alternating.
$(B)/bench/bench_join: $(B)/bench/bench_join.o $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
OLD_REV ?= 96f98ac
.PHONY: bench-replay-abba
bench-replay-abba: $(B)/bench/bench_join $(B)/bench/bench_meta
	@B=$(B) bash bench/bench_replay_abba.sh $(OLD_REV) $(BENCH_RECORDS)

# bench-commit: the commit path (creates through a follower and into the
# master, CPU per create) of this tree against COMMIT_OLD_REV, alternating.
COMMIT_OLD_REV ?= 0a077f6
.PHONY: bench-commit
bench-commit: all $(B)/bench/bench_creates
	@B=$(B) bash bench/bench_commit.sh $(COMMIT_OLD_REV)
BENCH_ALL += bench-commit

# bench-commit-insns: the same path in instructions (callgrind), old new.
.PHONY: bench-commit-insns
bench-commit-insns: all $(B)/bench/bench_creates
	@B=$(B) bash bench/bench_commit_insns.sh $(COMMIT_INSNS_OLD_REV)
COMMIT_INSNS_OLD_REV ?= 7276758
BENCH_ALL += bench-commit-insns

BENCH_RECORDS ?= 1000000
bench-meta: $(B)/bench/bench_meta deps-bench
	@B=$(B) BENCH_RECORDS=$(BENCH_RECORDS) bash bench/bench_meta.sh

# bench-rpc: null RPCs and creates through a real famfsd vs raw ping-pong.
$(B)/bench/bench_rpc.o: BASE_CFLAGS += -I$(B)/proto
$(B)/bench/bench_rpc.o: | $(B)/proto/famfs.pb-c.h
$(B)/bench/bench_rpc: $(B)/bench/bench_rpc.o $(LIBFAMFS_RPC) $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(RPC_LDLIBS) $(LDLIBS)
bench-rpc: all $(B)/bench/bench_rpc deps-bench
	@B=$(B) bash bench/bench_rpc.sh

# bench-rpc-abba: bench-rpc of this tree against RPC_OLD_REV's (default 53a7840,
# the Envelope codec by hand), whole runs alternating old new new old.
RPC_OLD_REV ?= 53a7840
.PHONY: bench-rpc-abba
bench-rpc-abba: all $(B)/bench/bench_rpc deps-bench
	@B=$(B) bash bench/bench_rpc_abba.sh $(RPC_OLD_REV)

# bench-cluster: handoff latency of a 1 GiB data set vs a TCP copy, and
# commits/s from a non-master host.
$(B)/bench/bench_handoff.o: BASE_CFLAGS += -Iclient/include
$(B)/bench/bench_handoff: $(B)/bench/bench_handoff.o $(LIBFAMFS_CLIENT) $(LIBFAMFS_RPC) $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(RPC_LDLIBS) $(LDLIBS)
bench-cluster: all $(B)/bench/bench_handoff $(B)/bench/bench_rpc deps-bench
	@B=$(B) bash bench/bench_cluster.sh

# bench-cluster-abba: bench-cluster's handoff with this tree's famfsd against
# CLUSTER_OLD_REV's (default 244ba18, before the holder-first handoff),
# whole runs alternating old new new old.
CLUSTER_OLD_REV ?= 244ba18
.PHONY: bench-cluster-abba
bench-cluster-abba: all $(B)/bench/bench_handoff deps-bench
	@B=$(B) bash bench/bench_cluster_abba.sh $(CLUSTER_OLD_REV)

# bench-slurm: the cost of famfs's Slurm burst buffer hooks per job vs the
# famfsctl calls that make the same grants (docs/slurm.md).
bench-slurm: all
	@B=$(B) bash bench/bench_slurm.sh

# bench-share: a 1 GiB and an 8 GiB data set made available on another host:
# famfs handoff vs TCP copy vs a shared ext4 image, in one run.
bench-share: all $(B)/bench/bench_handoff deps-bench
	@B=$(B) bash bench/bench_share.sh

# check-bench: short form of the pipeline (bench-share, bench-cluster on 16 MiB, bench-rpc
# with few messages, report formats, plots, bad input); never speeds.
.PHONY: check-bench
CHECK_TARGETS += check-bench
check-bench: all $(B)/bench/bench_handoff $(B)/bench/bench_rpc $(B)/bench/bench_meta $(B)/bench/bench_join deps-bench
	@B=$(B) bash bench/test_bench.sh

# bench-metadata and bench-scale: creates/s from several hosts at once,
# replay lag, startup on a big log; how they grow with files and hosts.
BENCH_META_TOOLS := $(B)/bench/bench_creates $(B)/bench/bench_lag $(B)/bench/bench_startup
$(B)/bench/bench_creates.o $(B)/bench/bench_lag.o $(B)/bench/bench_startup.o: BASE_CFLAGS += -Iclient/include -I$(B)/proto
$(B)/bench/bench_creates.o: | $(B)/proto/famfs.pb-c.h
$(B)/bench/bench_creates: $(B)/bench/bench_creates.o $(LIBFAMFS_RPC) $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(RPC_LDLIBS) $(LDLIBS)
$(B)/bench/bench_lag $(B)/bench/bench_startup: $(B)/bench/%: $(B)/bench/%.o $(LIBFAMFS_CLIENT) $(LIBFAMFS_RPC) $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -pthread -o $@ $^ $(RPC_LDLIBS) $(LDLIBS)
bench-metadata: all $(BENCH_META_TOOLS) deps-bench
	@B=$(B) bash bench/bench_metadata.sh
SCALE_MAX_FILES ?= 1000000
SCALE_MAX_HOSTS ?= 8
bench-scale: all $(BENCH_META_TOOLS) deps-bench
	@B=$(B) SCALE_MAX_FILES=$(SCALE_MAX_FILES) SCALE_MAX_HOSTS=$(SCALE_MAX_HOSTS) bash bench/bench_scale.sh

BENCH_ALL += bench-metadata bench-scale bench-slurm
.PHONY: bench-metadata bench-scale
