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

# bench-slurm: the cost of famfs's Slurm burst buffer hooks per job vs the
# famfsctl calls that make the same grants (docs/slurm.md).
bench-slurm: all
	@B=$(B) bash bench/bench_slurm.sh
