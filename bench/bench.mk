# bench/: benchmarks that print ratios against a baseline measured in the same run.
$(B)/bench/bench_meta: $(B)/bench/bench_meta.o $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

BENCH_RECORDS ?= 1000000
bench-meta: $(B)/bench/bench_meta
	$(B)/bench/bench_meta $(BENCH_RECORDS)

# bench-rpc: null RPCs and creates through a real famfsd vs raw ping-pong.
$(B)/bench/bench_rpc.o: BASE_CFLAGS += -I$(B)/proto
$(B)/bench/bench_rpc.o: | $(B)/proto/famfs.pb-c.h
$(B)/bench/bench_rpc: $(B)/bench/bench_rpc.o $(LIBFAMFS_RPC) $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(RPC_LDLIBS) $(LDLIBS)
bench-rpc: all $(B)/bench/bench_rpc
	@B=$(B) bash bench/bench_rpc.sh

# bench-cluster: handoff latency of a 1 GiB data set vs a TCP copy, and
# commits/s from a non-master host.
$(B)/bench/bench_handoff.o: BASE_CFLAGS += -Iclient/include
$(B)/bench/bench_handoff: $(B)/bench/bench_handoff.o $(LIBFAMFS_CLIENT) $(LIBFAMFS_RPC) $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(RPC_LDLIBS) $(LDLIBS)
bench-cluster: all $(B)/bench/bench_handoff $(B)/bench/bench_rpc
	@B=$(B) bash bench/bench_cluster.sh

# bench-metadata and bench-scale: creates/s from several hosts at once,
# replay lag, startup on a big log; how they grow with files and hosts.
BENCH_META_TOOLS := $(B)/bench/bench_creates $(B)/bench/bench_lag $(B)/bench/bench_startup
$(B)/bench/bench_creates.o $(B)/bench/bench_lag.o $(B)/bench/bench_startup.o: BASE_CFLAGS += -Iclient/include -I$(B)/proto
$(B)/bench/bench_creates.o: | $(B)/proto/famfs.pb-c.h
$(B)/bench/bench_creates: $(B)/bench/bench_creates.o $(LIBFAMFS_RPC) $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(RPC_LDLIBS) $(LDLIBS)
$(B)/bench/bench_lag $(B)/bench/bench_startup: $(B)/bench/%: $(B)/bench/%.o $(LIBFAMFS_CLIENT) $(LIBFAMFS_RPC) $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -pthread -o $@ $^ $(RPC_LDLIBS) $(LDLIBS)
bench-metadata: all $(BENCH_META_TOOLS)
	@B=$(B) bash bench/bench_metadata.sh
SCALE_MAX_FILES ?= 1000000
SCALE_MAX_HOSTS ?= 8
bench-scale: all $(BENCH_META_TOOLS)
	@B=$(B) SCALE_MAX_FILES=$(SCALE_MAX_FILES) SCALE_MAX_HOSTS=$(SCALE_MAX_HOSTS) bash bench/bench_scale.sh
BENCH_ALL ?=
BENCH_ALL += bench-metadata bench-scale
.PHONY: bench-metadata bench-scale
