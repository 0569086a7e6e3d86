# tests/reliability.mk: the reliability suite (long forms; not part of make check).
#   make check-asan         unit + the whole integration suite on build-san/ (ASan, UBSan, LSan)
#   make check-valgrind     integration suites (VALGRIND_SUITES) with famfsd, famfsctl under valgrind
#   make check-reliability  fuzz (RELIABILITY_FUZZ_SECONDS per target) + the above + whatever else is in
#                           RELIABILITY_TARGETS (other suites append with +=)
# Any sanitizer or valgrind report fails the run, daemons' included (scripts/run-sanitized.sh).
# make check keeps a short form: fuzz-smoke runs the ASan/UBSan fuzz builds over the seeds.
.PHONY: check-asan check-valgrind check-reliability check-single-host

# The integration suites, as in make check (check-partition times dropped links: name it to add it).
SAN_SUITES ?= check-integration check-cluster check-faults-short

check-asan:
	@$(MAKE) --no-print-directory SAN=1 all
	@MAKE="$(MAKE)" bash scripts/run-sanitized.sh asan check-unit $(SAN_SUITES)

# Under valgrind everything runs 20-50x slower: the multi-host suites then miss their
# lease and handoff timings (no valgrind errors, but timing checks fail; see
# docs/reliability.md), so the default is the single-host integration suites.
VALGRIND_SUITES ?= check-single-host
check-valgrind: all
	@MAKE="$(MAKE)" bash scripts/run-sanitized.sh valgrind $(VALGRIND_SUITES)

# One famfsd: the control API, the wire, TLS refusals, systemd glue, then ownership.
check-single-host: all $(B)/tests/rpc_poke $(B)/tests/test_client
	@B=$(B) bash tests/integration/test_famfsd.sh
	@B=$(B) bash tests/integration/test_ownership.sh

# Time is bounded: fuzzing RELIABILITY_FUZZ_SECONDS per target (7 targets), the suites as in
# make check (about 4x slower under ASan, 10-20x under valgrind).
RELIABILITY_FUZZ_SECONDS ?= 60
RELIABILITY_TARGETS += fuzz check-asan check-valgrind
check-reliability:
	@MAKE="$(MAKE) FUZZ_SECONDS=$(RELIABILITY_FUZZ_SECONDS)" bash scripts/run-checks.sh $(RELIABILITY_TARGETS)
