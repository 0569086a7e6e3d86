# tests/fuzz/: libFuzzer targets for the on-media decoders (built with clang).
#   make fuzz          run each target for FUZZ_SECONDS (default 30); fails on any crash
#   make fuzz-smoke    each target over its committed seed corpus only (part of make check)
#   make fuzz-corpus   regenerate tests/fuzz/corpus/ with the real encoders
FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 30
FUZZ_B        := build-fuzz
FUZZ_TARGETS  := fuzz_superblock fuzz_log
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

$(FUZZ_BINS): $(FUZZ_B)/%: tests/fuzz/%.c $(FUZZ_LIB)
	$(if $(Q),@echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Wall -Wextra -Werror -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB)

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
		grep -E "stat::number_of_executed_units|Done " $(FUZZ_B)/$$t.log; \
	done

fuzz-smoke: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
		$(FUZZ_B)/$$t tests/fuzz/corpus/$$t/* > $(FUZZ_B)/$$t.smoke.log 2>&1 \
			|| { cat $(FUZZ_B)/$$t.smoke.log; echo "fuzz-smoke $$t: FAILED"; exit 1; }; \
		echo "fuzz-smoke $$t: $$(ls tests/fuzz/corpus/$$t | wc -l) seed inputs, no crash"; \
	done

$(B)/tests/fuzz/gen_corpus: $(B)/tests/fuzz/gen_corpus.o $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

fuzz-corpus: $(B)/tests/fuzz/gen_corpus
	$(B)/tests/fuzz/gen_corpus tests/fuzz/corpus

-include $(FUZZ_LIB_OBJS:.o=.d)
