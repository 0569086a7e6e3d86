# kernel/: famfs.ko, built out of tree (see kernel/Makefile for KDIR/KVER).
#   make kmod          build kernel/famfs.ko
#   make kmod-clean    remove the module build products
#   make kmod-checkpatch
.PHONY: kmod kmod-clean kmod-checkpatch

kmod:
	$(Q)$(MAKE) --no-print-directory -C kernel

kmod-clean:
	$(Q)$(MAKE) --no-print-directory -C kernel clean

kmod-checkpatch:
	$(Q)$(MAKE) --no-print-directory -C kernel checkpatch

# make install-dkms (part of make install): copy the module source to
# $(DKMS_SRCROOT)/famfs-VERSION with its dkms.conf, then, when dkms is
# installed, DESTDIR is empty and DKMS is not 0, `dkms add`, `build` and
# `install` it for DKMS_KVER. DKMS_KVER defaults to the running kernel when
# its headers are installed, else to the newest Debian 6.1 headers
# (linux-headers-amd64): dkms cannot build for a kernel without headers.
# Nothing here loads the module. DKMS_FLAGS passes extra options to dkms
# (e.g. --dkmstree/--sourcetree/--installtree for a private tree).
DKMS         ?= 1
DKMS_SRCROOT ?= /usr/src
DKMS_SRCDIR  := $(DESTDIR)$(DKMS_SRCROOT)/famfs-$(FAMFS_VERSION)
DKMS_KVER    ?= $(if $(wildcard /lib/modules/$(shell uname -r)/build/include),$(shell uname -r),$(patsubst /lib/modules/%/build,%,$(lastword $(sort $(wildcard /lib/modules/6.1.0-*-amd64/build)))))
DKMS_FLAGS   ?=
KMOD_SRCS    := $(filter-out kernel/%.mod.c,$(wildcard kernel/*.c kernel/*.h)) kernel/Kbuild

.PHONY: install-dkms
install-dkms:
	install -d $(DKMS_SRCDIR)/uapi
	install -m 0644 $(KMOD_SRCS) $(DKMS_SRCDIR)/
	install -m 0644 kernel/uapi/famfs_ioctl.h $(DKMS_SRCDIR)/uapi/
	sed 's/#MODULE_VERSION#/$(FAMFS_VERSION)/' kernel/dkms.conf >$(DKMS_SRCDIR)/dkms.conf
	@if [ "$(DKMS)" = 0 ] || [ -n "$(DESTDIR)" ]; then \
		echo "install-dkms: module source in $(DKMS_SRCDIR); dkms not run ($(if $(DESTDIR),DESTDIR is set,DKMS=0))"; \
	elif ! command -v dkms >/dev/null; then \
		echo "install-dkms: dkms is not installed (apt-get install dkms): module source in $(DKMS_SRCDIR) only"; \
	elif [ -z "$(DKMS_KVER)" ]; then \
		echo "install-dkms: no kernel headers found (apt-get install linux-headers-amd64, or set DKMS_KVER)" >&2; exit 1; \
	else \
		set -e; \
		if dkms status $(DKMS_FLAGS) -m famfs -v $(FAMFS_VERSION) | grep -q .; then \
			echo "install-dkms: famfs/$(FAMFS_VERSION) is already in dkms: removing it to rebuild from the new source"; \
			dkms remove $(DKMS_FLAGS) -m famfs -v $(FAMFS_VERSION) --all; \
		fi; \
		dkms add $(DKMS_FLAGS) -m famfs -v $(FAMFS_VERSION); \
		dkms build $(DKMS_FLAGS) -m famfs -v $(FAMFS_VERSION) -k $(DKMS_KVER); \
		dkms install $(DKMS_FLAGS) -m famfs -v $(FAMFS_VERSION) -k $(DKMS_KVER); \
	fi
