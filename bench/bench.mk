# bench/: benchmarks that print ratios against a baseline measured in the same run.
$(B)/bench/bench_meta: $(B)/bench/bench_meta.o $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

BENCH_RECORDS ?= 1000000
bench-meta: $(B)/bench/bench_meta
	$(B)/bench/bench_meta $(BENCH_RECORDS)
