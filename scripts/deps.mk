# make deps: install the Debian packages famfs needs, only when some are missing.
#
# Packages are installed before any compiler flag is computed: the Makefiles
# read `pkg-config --cflags/--libs` when they are parsed, so on a fresh machine
# the first `make`, `make demo` or `make check` includes $(B)/.deps-*.mk, whose
# rule installs what is missing; GNU make then re-reads every Makefile (it
# restarts after remaking an included makefile) with the libraries present.
DEB_PKGS := build-essential pkg-config check libjson-c-dev libinih-dev \
            libprotobuf-c-dev protobuf-c-compiler libevent-dev libssl-dev \
            libsystemd-dev libblkid-dev clang uuid-runtime python3 openssl e2fsprogs
# Everything a suite of `make check` runs: spin (check-model), valgrind, libFuzzer's
# runtime (fuzz-smoke), systemd-analyze and systemd-socket-activate (check-systemd,
# check-integration), iproute2 (network namespaces), a real Slurm (check-slurm),
# gnuplot (check-bench), and the VM suite's kernel, headers and qemu (check-vm).
DEB_PKGS_SLURM := slurmctld slurmd slurm-client munge
DEB_PKGS_VM := linux-headers-amd64 linux-image-amd64 qemu-system-x86 \
               busybox-static cpio kmod gcc-multilib
# make deb and make check-deb (scripts/deb.mk, tests/packaging/): Debian packaging tools,
# pandoc for the man pages, dkms and the Debian 6.1 headers for the module package,
# busybox-static for the test root.
DEB_PKGS_DEB := debhelper dh-dkms dkms dpkg-dev fakeroot pandoc busybox-static linux-headers-amd64
# make bench draws its plots with gnuplot (deps-bench, bench/bench.mk).
DEB_PKGS_BENCH := gnuplot-nox
DEB_PKGS_CHECK := $(DEB_PKGS) spin valgrind libclang-rt-14-dev systemd iproute2 procps \
                  psmisc $(DEB_PKGS_SLURM) $(DEB_PKGS_VM) $(DEB_PKGS_BENCH)
.PHONY: deps deps-check deps-vm deps-slurm deps-deb deps-checked
# deps-bench (gnuplot) is in bench/bench.mk.
deps:
	@bash scripts/deps.sh $(DEB_PKGS)
deps-check:
	@bash scripts/deps.sh $(DEB_PKGS_CHECK)
deps-vm:
	@bash scripts/deps.sh $(DEB_PKGS_VM)
deps-slurm:
	@bash scripts/deps.sh $(DEB_PKGS_SLURM)
deps-deb:
	@bash scripts/deps.sh $(DEB_PKGS) $(DEB_PKGS_DEB)

# Goals that need no package at all (or install their own): no stamp for them.
DEPS_FREE_GOALS := clean deps deps-check deps-vm deps-slurm deps-deb deps-bench check-fresh help
# The check-like goals need the test packages; every other goal the build packages.
DEPS_GOALS := $(filter-out $(DEPS_FREE_GOALS),$(or $(MAKECMDGOALS),all))
ifneq ($(DEPS_GOALS),)
ifneq ($(filter check check-% fuzz% soak% bench%,$(DEPS_GOALS)),)
DEPS_STAMP := $(B)/.deps-check.mk
DEPS_STAMP_PKGS := $(DEB_PKGS_CHECK)
else
DEPS_STAMP := $(B)/.deps-build.mk
DEPS_STAMP_PKGS := $(DEB_PKGS)
endif
# An included makefile: when it is missing or older than this file, make runs
# its rule (the install), then restarts and reads every Makefile again.
include $(DEPS_STAMP)
$(DEPS_STAMP): scripts/deps.mk
	@bash scripts/deps.sh $(DEPS_STAMP_PKGS)
	@mkdir -p $(dir $@)
	@echo "# $(words $(DEPS_STAMP_PKGS)) Debian packages checked by scripts/deps.sh" > $@
endif
# Kept for rules that name it: the stamp above has already run by then.
deps-checked:
