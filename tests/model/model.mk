# tests/model/: the lease, ownership and handoff protocol checked with spin.
check-model:
	@bash tests/model/run.sh
CHECK_TARGETS += check-model
