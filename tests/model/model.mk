# tests/model/: the lease, ownership and handoff protocol checked with spin
# (docs/model.md). Needs the Debian package spin (make deps); fails without it.
.PHONY: check-model
check-model:
	@bash tests/model/run.sh
CHECK_TARGETS += check-model
