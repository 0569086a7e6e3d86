# make deps: install the Debian packages famfs needs, only when some are missing.
DEB_PKGS := build-essential pkg-config check libjson-c-dev libinih-dev \
            libprotobuf-c-dev protobuf-c-compiler libevent-dev libssl-dev \
            libsystemd-dev libblkid-dev clang uuid-runtime python3 openssl e2fsprogs spin valgrind
# A real Slurm for check-slurm (tests/slurm/): part of make deps.
DEB_PKGS_SLURM := slurmctld slurmd slurm-client munge
DEB_PKGS += $(DEB_PKGS_SLURM)
DEB_PKGS_VM := linux-headers-amd64 linux-image-amd64 qemu-system-x86 \
               busybox-static cpio kmod
# make deb and make check-deb (scripts/deb.mk, tests/packaging/): Debian packaging tools,
# pandoc for the man pages, dkms and the Debian 6.1 headers for the module package,
# busybox-static for the test root.
DEB_PKGS_DEB := debhelper dh-dkms dkms dpkg-dev fakeroot pandoc busybox-static linux-headers-amd64
# make bench draws its plots with gnuplot (deps-bench, bench/bench.mk).
DEB_PKGS_BENCH := gnuplot-nox
.PHONY: deps deps-vm deps-slurm deps-deb deps-bench deps-checked
deps:
	@bash scripts/deps.sh $(DEB_PKGS)
deps-vm:
	@bash scripts/deps.sh $(DEB_PKGS_VM)
deps-slurm:
	@bash scripts/deps.sh $(DEB_PKGS_SLURM)
deps-deb:
	@bash scripts/deps.sh $(DEB_PKGS) $(DEB_PKGS_DEB)
# Order-only marker so that a plain `make` also pulls in missing packages once.
deps-checked: $(B)/.deps-ok
$(B)/.deps-ok: scripts/deps.mk
	@bash scripts/deps.sh $(DEB_PKGS)
	@mkdir -p $(B) && touch $@
