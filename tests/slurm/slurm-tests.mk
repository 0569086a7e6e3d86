# tests/slurm/: famfs data sets as burst buffers of a real Slurm (munged,
# slurmctld, slurmd n1 and n2, three famfsd, all on loopback). Prints SKIP
# with the reason when Slurm is not installed or cannot start.
# Bounded: the script's own waits are bounded, timeout(1) caps the whole run.
SLURM_TEST_TIMEOUT ?= 240
check-slurm: all
	@B=$(B) timeout --kill-after=10 $(SLURM_TEST_TIMEOUT) bash tests/slurm/test_slurm.sh
CHECK_TARGETS += check-slurm
