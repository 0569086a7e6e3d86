# famfs top-level Makefile.
#
#   make            build all user-space parts into build/
#   make deps       install missing Debian packages (no-op when all present)
#   make check      all tests (unit, tool, fuzz smoke; VM suite when qemu can boot)
#   make demo       show what famfs does on a simulated fabric file
#   make install    PREFIX=/usr/local DESTDIR= DKMS=1 (docs/operator-guide.md)
#   make deb        Debian packages into build/deb/ (scripts/deb.mk)
#   make clean
#
# Each component adds its own rules in its folder's *.mk file.

PREFIX  ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man

CC      ?= cc
B       := build
V       ?= 0
Q       := $(if $(filter 1,$(V)),,@)

PKGS    := json-c inih
CFLAGS  ?= -O2 -g
# Flags famfs always needs; CFLAGS from the command line only adds to them.
BASE_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
           -fno-strict-aliasing -D_GNU_SOURCE -Ilib -Ikernel/uapi \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# Extra flags for sanitizer builds: make check SAN=1
ifeq ($(SAN),1)
BASE_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
B       := build-san
endif

.PHONY: all deps check demo install clean fuzz bench-meta bench-slurm check-slurm check-unit check-tools check-asan check-integration check-cluster check-faults check-faults-short
all:

include scripts/deps.mk
include lib/lib.mk
-include lib/rpc.mk
include tools/tools.mk
include famfsd/build.mk
include client/client.mk
include slurm/slurm.mk
include tests/tests.mk
include tests/tools/tools-tests.mk
include tests/integration/integration.mk
include tests/slurm/slurm-tests.mk
include tests/fuzz/fuzz.mk
include tests/reliability.mk
include bench/bench.mk
-include kernel/kernel.mk
-include tests/vm/vm.mk
-include famfsd/famfsd.mk
-include docs/docs.mk
-include tests/model/model.mk
include scripts/deb.mk
include tests/packaging/packaging.mk
-include tests/faults/faults.mk

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(BASE_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(B) -name '*.d' 2>/dev/null)

demo: deps all
	@B=$(B) bash scripts/demo.sh

# Every suite, the VM suite included. A suite that skips anything makes
# `make check` fail unless FAMFS_ALLOW_SKIP names it (scripts/run-checks.sh).
CHECK_TARGETS += fuzz-smoke
CHECK_TARGETS += check-vm
check: deps-check all
	@MAKE="$(MAKE)" bash scripts/run-checks.sh $(CHECK_TARGETS)

UNITDIR    ?= /usr/lib/systemd/system
TMPFILESDIR ?= /usr/lib/tmpfiles.d
SYSCONFDIR ?= /etc
INCDIR     ?= $(PREFIX)/include
LIBDIR     ?= $(PREFIX)/lib
PCDIR      ?= $(LIBDIR)/pkgconfig
COMPLDIR   ?= /usr/share/bash-completion/completions
# The module goes in through DKMS (install-dkms in kernel/kernel.mk; DKMS=0 skips dkms).
install: all man install-dkms $(CLIENT_DIST_LIB) $(B)/dist/famfs-client.pc
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(UNITDIR)/famfsd.service.d $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(SYSCONFDIR)/famfs $(DESTDIR)$(INCDIR)/famfs $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(PCDIR) $(DESTDIR)$(COMPLDIR)
	install -m 0755 $(B)/mkfs.famfs $(B)/fsck.famfs $(B)/famfsd $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(B)/famfsctl $(DESTDIR)$(BINDIR)/
	sed 's#/usr/sbin/famfsd#$(SBINDIR)/famfsd#g' systemd/famfsd.service \
		>$(DESTDIR)$(UNITDIR)/famfsd.service
	install -m 0644 systemd/famfsd.socket $(DESTDIR)$(UNITDIR)/
	install -m 0644 systemd/famfsd-kernel-mode.conf \
		$(DESTDIR)$(UNITDIR)/famfsd.service.d/kernel-mode.conf.example
	install -m 0644 systemd/famfsd.tmpfiles $(DESTDIR)$(TMPFILESDIR)/famfsd.conf
	[ -e $(DESTDIR)$(SYSCONFDIR)/famfs/famfsd.conf ] || \
		install -m 0644 etc/famfsd.conf $(DESTDIR)$(SYSCONFDIR)/famfs/famfsd.conf
	install -m 0644 client/include/famfs/client.h $(DESTDIR)$(INCDIR)/famfs/
	install -m 0644 $(CLIENT_DIST_LIB) $(DESTDIR)$(LIBDIR)/
	install -m 0644 $(B)/dist/famfs-client.pc $(DESTDIR)$(PCDIR)/
	install -m 0644 client/completion/famfsctl $(DESTDIR)$(COMPLDIR)/famfsctl
	install -d $(DESTDIR)$(PREFIX)/share/famfs
	install -m 0755 scripts/famfs-certs.sh $(DESTDIR)$(PREFIX)/share/famfs/
	for m in $(B)/man/*.[1-8]; do [ -e "$$m" ] || continue; \
		sec=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$sec; \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$sec/; done

clean:
	rm -rf build build-san build-fuzz
	-$(MAKE) -s -C kernel clean >/dev/null 2>&1 || true

# The README's two commands as the first command in fresh debootstrap roots (slow;
# not part of make check). scripts/check-fresh.sh says what it does.
.PHONY: check-fresh
check-fresh:
	@bash scripts/check-fresh.sh
