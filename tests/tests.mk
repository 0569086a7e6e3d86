# tests/: unit tests of lib/ (Check), one binary per module plus the model test.
#   make check-unit          build and run them all
#   FAMFS_SEED=N             reseed the randomized tests (the seed in use is printed)
UNIT_TESTS  := crc32c flush format log namespace alloc fs group model rpc config slurm exposition grants promise cachewalk
UNIT_BINS   := $(UNIT_TESTS:%=$(B)/tests/unit/test_%)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

$(UNIT_BINS:%=%.o): CFLAGS += $(CHECK_CFLAGS)

$(UNIT_BINS): $(B)/tests/unit/test_%: $(B)/tests/unit/test_%.o $(LIBFAMFS)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

# test_config also covers famfsd's config.c and logging.c (which need inih).
$(B)/tests/unit/test_config.o: BASE_CFLAGS += -Ifamfsd
$(B)/tests/unit/test_config: $(FAMFSD_OBJ)/config.o $(FAMFSD_OBJ)/config_check.o $(FAMFSD_OBJ)/logging.o
$(B)/tests/unit/test_config: LDLIBS += $(LIBFAMFS) -linih

# test_promise covers famfsd's durable lease promise (promise.c).
$(B)/tests/unit/test_promise.o: BASE_CFLAGS += -Ifamfsd
$(B)/tests/unit/test_promise: $(FAMFSD_OBJ)/promise.o
$(B)/tests/unit/test_promise: LDLIBS += $(LIBFAMFS)

# test_slurm covers slurm/'s parsers (directives, configuration, job records).
$(B)/tests/unit/test_slurm.o: BASE_CFLAGS += -Islurm -Iclient/include
$(B)/tests/unit/test_slurm: $(B)/slurm/text.o $(B)/slurm/directives.o $(B)/slurm/config.o $(B)/slurm/jobstate.o
$(B)/tests/unit/test_slurm: LDLIBS += $(LIBFAMFS) -linih
# test_exposition covers famfsd's Prometheus text formatter.
# test_cachewalk runs famfsd's worker thread (cachewalk.c) on a libevent loop.
$(B)/tests/unit/test_cachewalk.o: BASE_CFLAGS += -Ifamfsd -I$(B)/proto
$(B)/tests/unit/test_cachewalk.o: | $(B)/proto/famfs.pb-c.h
$(B)/tests/unit/test_cachewalk: $(FAMFSD_OBJ)/cachewalk.o $(FAMFSD_OBJ)/clock.o
$(B)/tests/unit/test_cachewalk: LDLIBS += $(LIBFAMFS) $(RPC_LDLIBS) -lpthread

$(B)/tests/unit/test_exposition.o: BASE_CFLAGS += -Ifamfsd
$(B)/tests/unit/test_exposition: $(FAMFSD_OBJ)/exposition.o
$(B)/tests/unit/test_exposition: LDLIBS += -lm

# test_grants covers famfsd's grant rules (grants.c) with lib/'s records, namespace and request ids.
$(B)/tests/unit/test_grants.o: BASE_CFLAGS += -Ifamfsd
$(B)/tests/unit/test_grants: $(FAMFSD_OBJ)/grants.o

# test_rpc also needs the RPC library and its libraries (lib/rpc.mk), and scripts/famfs-certs.sh.
$(B)/tests/unit/test_rpc: $(LIBFAMFS_RPC)
# ... and protobuf-c's Envelope, the reference for the frame codec (test_frame_wire).
$(B)/tests/unit/test_rpc.o: BASE_CFLAGS += -I$(B)/proto
$(B)/tests/unit/test_rpc.o: | $(B)/proto/famfs.pb-c.h
$(B)/tests/unit/test_rpc: LDLIBS += $(RPC_LDLIBS)

check-unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do \
		echo "== $$t"; \
		start=$$(date +%s%N); \
		$$t || fail=1; \
		echo "   ($$(( ($$(date +%s%N) - start) / 1000000 )) ms)"; \
	done; exit $$fail

CHECK_TARGETS += check-unit
