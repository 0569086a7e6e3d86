# famfs top-level Makefile.
#
#   make            build all user-space parts into build/
#   make deps       install missing Debian packages (no-op when all present)
#   make check      all tests (unit, tool, fuzz smoke; VM suite when qemu can boot)
#   make demo       show what famfs does on a simulated fabric file
#   make install    PREFIX=/usr/local DESTDIR=
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

.PHONY: all deps check demo install clean fuzz bench-meta check-unit check-tools
all:

include scripts/deps.mk
include lib/lib.mk
-include lib/rpc.mk
include tools/tools.mk
include famfsd/build.mk
include client/client.mk
include tests/tests.mk
include tests/tools/tools-tests.mk
include tests/integration/integration.mk
include tests/fuzz/fuzz.mk
include bench/bench.mk
-include kernel/kernel.mk
-include tests/vm/vm.mk
-include famfsd/famfsd.mk
-include docs/docs.mk

$(B)/%.o: %.c | deps-checked
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(BASE_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(B) -name '*.d' 2>/dev/null)

demo: deps all
	@B=$(B) bash scripts/demo.sh

# Every suite; the VM suite runs when qemu can boot a VM here and says SKIP otherwise.
CHECK_TARGETS += fuzz-smoke
ifneq ($(wildcard tests/vm/vm.mk),)
CHECK_TARGETS += check-vm
endif
check: deps all
	@MAKE="$(MAKE)" bash scripts/run-checks.sh $(CHECK_TARGETS)

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR)
	install -m 0755 $(B)/mkfs.famfs $(B)/fsck.famfs $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(B)/famfsctl $(DESTDIR)$(BINDIR)/

clean:
	rm -rf build build-san build-fuzz
	-$(MAKE) -s -C kernel clean >/dev/null 2>&1 || true
