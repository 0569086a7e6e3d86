# tests/fuzz/: libFuzzer targets for every parser (clang, ASan + UBSan): the on-media decoders,
# log replay, famfsd's config, famfsctl's options, the RPC frame codec and famfsd's whole server
# side (fuzz_envelope), the Slurm integration's parsers and the /metrics text. docs/reliability.md says what each checks.
#   make fuzz          run each target for FUZZ_SECONDS (default 30); fails on any crash
#   make fuzz-smoke    each target over its committed seed corpus only (part of make check)
#   make fuzz-corpus   regenerate tests/fuzz/corpus/ with the real encoders
FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 30
FUZZ_B        := build-fuzz
FUZZ_TARGETS  := fuzz_superblock fuzz_log fuzz_replay fuzz_config fuzz_ctl_args fuzz_frame fuzz_envelope fuzz_slurm fuzz_exposition
FUZZ_BINS     := $(FUZZ_TARGETS:%=$(FUZZ_B)/%)
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS   := -g -O1 -std=gnu11 -D_GNU_SOURCE -Ilib -Ikernel/uapi \
                 $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(FUZZ_SAN)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ_B)/%.o)
FUZZ_LIB      := $(FUZZ_B)/libfamfs.a

.PHONY: fuzz fuzz-smoke fuzz-corpus

$(FUZZ_B)/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	$(Q)$(AR) rcs $@ $^

# fuzz_config: famfsd/config.c, config_check.c (and logging.c, which they use) built with clang, plus inih.
FUZZ_FAMFSD_OBJS := $(FUZZ_B)/famfsd/config.o $(FUZZ_B)/famfsd/config_check.o $(FUZZ_B)/famfsd/logging.o
$(FUZZ_B)/famfsd/%.o: famfsd/%.c $(FUZZ_B)/proto/famfs.pb-c.h
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(FUZZ_B)/proto -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
		-fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
$(FUZZ_B)/fuzz_config: $(FUZZ_FAMFSD_OBJS)
$(FUZZ_B)/fuzz_config: FUZZ_EXTRA := -Ifamfsd $(FUZZ_FAMFSD_OBJS) -linih

# fuzz_exposition: famfsd/exposition.c (the /metrics text) built with clang.
$(FUZZ_B)/fuzz_exposition: $(FUZZ_B)/famfsd/exposition.o
$(FUZZ_B)/fuzz_exposition: FUZZ_EXTRA := -Ifamfsd $(FUZZ_B)/famfsd/exposition.o -lm

# fuzz_ctl_args: famfsctl's option parser.
$(FUZZ_B)/client/famfsctl/opts.o: client/famfsctl/opts.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Iclient/include -Wall -Wextra -Werror -Wno-unused-parameter \
		-fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
$(FUZZ_B)/fuzz_ctl_args: $(FUZZ_B)/client/famfsctl/opts.o
$(FUZZ_B)/fuzz_ctl_args: FUZZ_EXTRA := -Iclient/famfsctl $(FUZZ_B)/client/famfsctl/opts.o

$(filter-out $(FUZZ_B)/fuzz_frame $(FUZZ_B)/fuzz_envelope,$(FUZZ_BINS)): $(FUZZ_B)/%: tests/fuzz/%.c $(FUZZ_LIB)
	$(if $(Q),@echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Wall -Wextra -Werror -fsanitize=fuzzer -o $@ $< $(FUZZ_EXTRA) $(FUZZ_LIB)

# fuzz_slurm: slurm/'s directive, configuration and job record parsers, plus inih.
FUZZ_SLURM_OBJS := $(FUZZ_B)/slurm/text.o $(FUZZ_B)/slurm/directives.o $(FUZZ_B)/slurm/config.o $(FUZZ_B)/slurm/jobstate.o
$(FUZZ_B)/slurm/%.o: slurm/%.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Iclient/include -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
		-fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
$(FUZZ_B)/fuzz_slurm: $(FUZZ_SLURM_OBJS)
$(FUZZ_B)/fuzz_slurm: FUZZ_EXTRA := -Islurm -Iclient/include $(FUZZ_SLURM_OBJS) -linih

# fuzz_frame: the RPC frame codec against the protobuf-c code generated for it, built with clang.
$(FUZZ_B)/proto/%.pb-c.c $(FUZZ_B)/proto/%.pb-c.h: proto/%.proto
	@mkdir -p $(FUZZ_B)/proto
	$(Q)protoc-c --proto_path=proto --c_out=$(FUZZ_B)/proto $<
$(FUZZ_B)/proto/famfs.pb-c.o: $(FUZZ_B)/proto/famfs.pb-c.c
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -I$(FUZZ_B)/proto -c -o $@ $<
FUZZ_RPC_OBJS := $(RPC_SRCS:%.c=$(FUZZ_B)/%.o)
$(FUZZ_RPC_OBJS): FUZZ_CFLAGS += -I$(FUZZ_B)/proto $(shell pkg-config --cflags $(RPC_PKGS) 2>/dev/null)
$(FUZZ_RPC_OBJS): $(FUZZ_B)/proto/famfs.pb-c.h
$(FUZZ_B)/fuzz_frame: tests/fuzz/fuzz_frame.c $(FUZZ_B)/lib/rpc_frame.o $(FUZZ_B)/lib/rpc_arena.o $(FUZZ_B)/proto/famfs.pb-c.o
	$(if $(Q),@echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(FUZZ_B)/proto -Wall -Wextra -Werror -fsanitize=fuzzer -o $@ $^ \
		$(shell pkg-config --libs libprotobuf-c 2>/dev/null)

# fuzz_envelope: famfsd itself (every file but main.c) with the whole RPC library, served
# over a socketpair; see the file's comment.
FUZZ_DAEMON_OBJS := $(filter-out $(FUZZ_B)/famfsd/main.o,$(FAMFSD_SRCS:%.c=$(FUZZ_B)/%.o))
$(FUZZ_B)/fuzz_envelope: tests/fuzz/fuzz_envelope.c $(FUZZ_DAEMON_OBJS) $(FUZZ_RPC_OBJS) \
		$(FUZZ_B)/proto/famfs.pb-c.o $(FUZZ_LIB)
	$(if $(Q),@echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Ifamfsd -I$(FUZZ_B)/proto -Wall -Wextra -Werror -Wno-unused-parameter \
		-fsanitize=fuzzer -o $@ $^ $(FAMFSD_LDLIBS)

fuzz: $(FUZZ_BINS)
	@mkdir -p $(FUZZ_B)/artifacts
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_B)/corpus/$$t; \
		echo "== $$t for $(FUZZ_SECONDS) s"; \
		$(FUZZ_B)/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_B)/artifacts/$$t- \
			$(FUZZ_B)/corpus/$$t tests/fuzz/corpus/$$t \
			> $(FUZZ_B)/$$t.log 2>&1 \
			|| { tail -n 60 $(FUZZ_B)/$$t.log; echo "$$t: crash, see $(FUZZ_B)/artifacts/"; exit 1; }; \
		grep -E "DONE +cov:|stat::number_of_executed_units|Done " $(FUZZ_B)/$$t.log; \
	done

fuzz-smoke: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
		$(FUZZ_B)/$$t tests/fuzz/corpus/$$t/* > $(FUZZ_B)/$$t.smoke.log 2>&1 \
			|| { cat $(FUZZ_B)/$$t.smoke.log; echo "fuzz-smoke $$t: FAILED"; exit 1; }; \
		echo "fuzz-smoke $$t: $$(ls tests/fuzz/corpus/$$t | wc -l) seed inputs, no crash"; \
	done


-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_DAEMON_OBJS:.o=.d) $(FUZZ_RPC_OBJS:.o=.d)

# gen_corpus: the on-media seeds (gen_corpus.c) and the RPC ones (gen_rpc_corpus.c).
$(B)/tests/fuzz/gen_rpc_corpus.o: BASE_CFLAGS += -I$(B)/proto
$(B)/tests/fuzz/gen_rpc_corpus.o: | $(B)/proto/famfs.pb-c.h
$(B)/tests/fuzz/gen_corpus: $(B)/tests/fuzz/gen_corpus.o $(B)/tests/fuzz/gen_rpc_corpus.o \
		$(LIBFAMFS_RPC) $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(RPC_LDLIBS) $(LDLIBS)

fuzz-corpus: $(B)/tests/fuzz/gen_corpus
	$(B)/tests/fuzz/gen_corpus tests/fuzz/corpus

-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_FAMFSD_OBJS:.o=.d) $(FUZZ_SLURM_OBJS:.o=.d) $(FUZZ_B)/famfsd/exposition.d
