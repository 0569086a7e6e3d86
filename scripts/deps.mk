# make deps: install the Debian packages famfs needs, only when some are missing.
DEB_PKGS := build-essential pkg-config check libjson-c-dev libinih-dev \
            libprotobuf-c-dev protobuf-c-compiler libevent-dev libssl-dev \
            libsystemd-dev libblkid-dev clang uuid-runtime python3 openssl e2fsprogs spin valgrind
DEB_PKGS_VM := linux-headers-amd64 linux-image-amd64 qemu-system-x86 \
               busybox-static cpio kmod
.PHONY: deps deps-vm deps-checked
deps:
	@bash scripts/deps.sh $(DEB_PKGS)
deps-vm:
	@bash scripts/deps.sh $(DEB_PKGS_VM)
# Order-only marker so that a plain `make` also pulls in missing packages once.
deps-checked: $(B)/.deps-ok
$(B)/.deps-ok: scripts/deps.mk
	@bash scripts/deps.sh $(DEB_PKGS)
	@mkdir -p $(B) && touch $@
