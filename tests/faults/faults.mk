# tests/faults/: randomized fault injection with a history checker, and the soak.
$(B)/tests/famfs_logdump: $(B)/tests/faults/famfs_logdump.o $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The history checker's own tests (hand-made good and bad histories).
check-history: 
	@python3 tests/faults/test_history_check.py
CHECK_TARGETS += check-history

.PHONY: check-history
