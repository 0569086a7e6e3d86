# tests/vm/: the VM suite (qemu TCG, Debian kernel, shared nvdimm).
#   make check-vm     build famfs.ko + famfs_vmtool, boot the VMs, assert
#   make bench-vm     famfs vs ext4 -o dax vs devdax in one VM: mmap reads,
#                     read/write bandwidth, random-load latency, faults per
#                     GiB (bench/results/vm.txt, vm.dat, vm.png)
# Included by the top-level Makefile; needs root (nvdimm backing in /dev/shm).
VMTOOL := $(B)/tests/vm/famfs_vmtool
# The same helper as a 32-bit program (gcc -m32, Debian's gcc-multilib):
# harden.sh drives the UAPI through the kernel's compat path with it.
VMTOOL32 := $(B)/tests/vm/famfs_vmtool32

# The write-back benchmark's helper (tests/vm/famfs_wbbench.c), static too.
WBBENCH := $(B)/tests/vm/famfs_wbbench

.PHONY: check-vm bench-vm bench-vm-handoff vmtool vmtool32
BENCH_ALL += bench-vm bench-vm-handoff

vmtool: $(VMTOOL)

$(VMTOOL): tests/vm/famfs_vmtool.c kernel/uapi/famfs_ioctl.h
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@ (static)")
	$(Q)$(CC) -static -O2 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
		-Ikernel/uapi -o $@ $<

vmtool32: $(VMTOOL32)

$(VMTOOL32): tests/vm/famfs_vmtool.c kernel/uapi/famfs_ioctl.h
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@ (static, -m32)")
	$(Q)$(CC) -m32 -static -O2 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
		-D_FILE_OFFSET_BITS=64 -Ikernel/uapi -o $@ $<

$(WBBENCH): tests/vm/famfs_wbbench.c kernel/uapi/famfs_ioctl.h
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@ (static)")
	$(Q)$(CC) -static -O2 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
		-Ikernel/uapi -o $@ $<

# The scenarios run the project's tools (mkfs.famfs, famfsctl, famfsd, fsck.famfs);
# run.sh fails when they are missing.
VM_TOOLS := $(B)/mkfs.famfs $(B)/fsck.famfs $(B)/famfsctl $(B)/famfsd

# A package that cannot be installed or a module that does not build is a
# failure, never a skip.
check-vm:
	@$(MAKE) --no-print-directory deps-vm
	@$(MAKE) --no-print-directory $(VM_TOOLS)
	@$(MAKE) --no-print-directory kmod $(VMTOOL) $(VMTOOL32)
	@FAMFS_BUILD=$(CURDIR)/$(B) FAMFS_VMTOOL=$(CURDIR)/$(VMTOOL) bash tests/vm/run.sh check

bench-vm: deps-bench
	@$(MAKE) --no-print-directory deps-vm
	@$(MAKE) --no-print-directory $(VM_TOOLS)
	@$(MAKE) --no-print-directory kmod $(VMTOOL)
	@FAMFS_BUILD=$(CURDIR)/$(B) FAMFS_VMTOOL=$(CURDIR)/$(VMTOOL) bash tests/vm/run.sh bench

# Kernel mode's cache write-back on a handoff (issue 13): famfs.ko lowering a
# file's access with 0 %, 1 % and 100 % of it dirty vs raw clwb of the same
# bytes, in one VM (tests/vm/handoff.sh -> bench/results/vm-handoff.txt).
# FAMFS_BENCH_HANDOFF=SIZES,ROUNDS,REPS0 (default 256:1024,4,20; sizes in MiB).
bench-vm-handoff:
	@$(MAKE) --no-print-directory deps-vm
	@$(MAKE) --no-print-directory $(VM_TOOLS)
	@$(MAKE) --no-print-directory kmod $(VMTOOL) $(WBBENCH)
	@FAMFS_BUILD=$(CURDIR)/$(B) FAMFS_VMTOOL=$(CURDIR)/$(VMTOOL) \
		FAMFS_WBBENCH=$(CURDIR)/$(WBBENCH) bash tests/vm/run.sh bench-handoff

# The devdax test kernel and the VM suite on /dev/dax (issue 14).
#   make vm-kernel-devdax   Debian's linux-source-6.1 + kernel/patches/ with a
#                           minimal qemu config, into a cache folder named by
#                           the hash of its inputs (tests/vm/kernel/build.sh)
#   make kmod-devdax        famfs.ko built against that kernel's build tree
#   make check-vm-devdax    the kernel-mode scenarios on /dev/dax0.0 of a shared
#                           nvdimm in devdax mode (run.sh devdax); not in make check
#   make bench-vm-devdax    famfs on /dev/dax vs the raw device, same VM
#                           (benchdax.sh -> bench/results/vm-devdax.txt)
#   make vm-kernel-series-check   each patch applies, is checkpatch clean, builds
DEB_PKGS_VMKERNEL := linux-source-6.1 xz-utils bc flex bison libelf-dev libssl-dev \
                     build-essential kmod cpio ccache
VMK_DIR = $(shell bash tests/vm/kernel/build.sh --print-dir)
KMOD_DEVDAX := $(B)/kmod-devdax

.PHONY: deps-vm-kernel vm-kernel-devdax kmod-devdax check-vm-devdax bench-vm-devdax \
	vm-kernel-series-check

deps-vm-kernel:
	@bash scripts/deps.sh $(DEB_PKGS_VMKERNEL)

vm-kernel-devdax: deps-vm-kernel
	@nice -n 10 bash tests/vm/kernel/build.sh

kmod-devdax: vm-kernel-devdax
	@rm -rf $(KMOD_DEVDAX) && mkdir -p $(KMOD_DEVDAX)
	@cp -r kernel/Kbuild kernel/*.c kernel/*.h kernel/uapi $(KMOD_DEVDAX)/
	$(MAKE) -C $(VMK_DIR)/build M=$(CURDIR)/$(KMOD_DEVDAX) modules
	@grep -q FAMFS_HAVE_DEV_DAX_IOMAP $(KMOD_DEVDAX)/.super.o.cmd || \
		{ echo "kmod-devdax: the test kernel's dax.h has no fs_dax_get()" >&2; exit 1; }

check-vm-devdax:
	@$(MAKE) --no-print-directory deps-vm
	@$(MAKE) --no-print-directory $(VM_TOOLS)
	@$(MAKE) --no-print-directory kmod-devdax $(VMTOOL) $(VMTOOL32)
	@FAMFS_BUILD=$(CURDIR)/$(B) FAMFS_VMTOOL=$(CURDIR)/$(VMTOOL) \
		FAMFS_KO=$(CURDIR)/$(KMOD_DEVDAX)/famfs.ko \
		FAMFS_VM_KERNEL=$(VMK_DIR)/bzImage \
		FAMFS_VM_MODDIR=$(VMK_DIR)/mods/lib/modules/$$(cat $(VMK_DIR)/kver) \
		bash tests/vm/run.sh devdax

bench-vm-devdax:
	@$(MAKE) --no-print-directory deps-vm
	@$(MAKE) --no-print-directory $(VM_TOOLS)
	@$(MAKE) --no-print-directory kmod-devdax $(VMTOOL)
	@FAMFS_BUILD=$(CURDIR)/$(B) FAMFS_VMTOOL=$(CURDIR)/$(VMTOOL) \
		FAMFS_KO=$(CURDIR)/$(KMOD_DEVDAX)/famfs.ko \
		FAMFS_VM_KERNEL=$(VMK_DIR)/bzImage \
		FAMFS_VM_MODDIR=$(VMK_DIR)/mods/lib/modules/$$(cat $(VMK_DIR)/kver) \
		bash tests/vm/run.sh bench-devdax

vm-kernel-series-check: deps-vm-kernel
	@nice -n 10 bash tests/vm/kernel/check-series.sh

# The negative test of the first-touch invalidation (issue 13): famfs.ko
# built with -DFAMFS_BUG_TOUCH_NO_INVAL (a fault or read(2) of a stale unit
# clears its stale bit without invalidating it, so lines cached before the
# raise could be read) must fail vm1's first-touch checks; the target fails
# if they pass.  Not part of make check (one more VM boot).
KMOD_BUG_TOUCH := $(B)/kmod-bug-touch
.PHONY: kmod-bug-touch check-vm-bug-touch
kmod-bug-touch:
	@rm -rf $(KMOD_BUG_TOUCH) && mkdir -p $(KMOD_BUG_TOUCH)
	@cp -r kernel/Makefile kernel/Kbuild kernel/*.c kernel/*.h kernel/uapi $(KMOD_BUG_TOUCH)/
	$(MAKE) -C $(KMOD_BUG_TOUCH) KCFLAGS=-DFAMFS_BUG_TOUCH_NO_INVAL

check-vm-bug-touch:
	@$(MAKE) --no-print-directory deps-vm
	@$(MAKE) --no-print-directory $(VM_TOOLS)
	@$(MAKE) --no-print-directory kmod-bug-touch $(VMTOOL) $(VMTOOL32)
	@FAMFS_BUILD=$(CURDIR)/$(B) FAMFS_VMTOOL=$(CURDIR)/$(VMTOOL) \
		FAMFS_KO=$(CURDIR)/$(KMOD_BUG_TOUCH)/famfs.ko \
		bash tests/vm/run.sh one vm1 > $(KMOD_BUG_TOUCH)/vm1.log 2>&1; \
	grep -a '^RESULT FAIL' $(KMOD_BUG_TOUCH)/vm1.log; \
	if grep -aq '^RESULT FAIL raise + mmap read of one 2M unit' $(KMOD_BUG_TOUCH)/vm1.log && \
	   grep -aq '^RESULT FAIL invalidation at first touch' $(KMOD_BUG_TOUCH)/vm1.log; then \
		echo "check-vm-bug-touch: ok, the module that skips the first-touch invalidation fails vm1's checks"; \
	else \
		echo "check-vm-bug-touch: FAIL, vm1's checks did not catch the missing first-touch invalidation"; exit 1; \
	fi

# The negative tests of the lowering's zap and pin check (issue 13): vm1's
# zaptest must fail with famfs.ko built with -DFAMFS_BUG_ZAP_WRITTEN (zaps
# the span of the written units instead of the mapped ones, so read-only
# mappings survive) and with -DFAMFS_BUG_PIN_STRIDE (checks only the first
# page of every 8 for a pin); the target fails if either passes.  Not part
# of make check (two more VM boots, ~20 s each).
KMOD_BUG_KCOST := $(B)/kmod-bug-kcost
.PHONY: check-vm-bug-kcost
check-vm-bug-kcost:
	@$(MAKE) --no-print-directory deps-vm
	@$(MAKE) --no-print-directory $(VM_TOOLS)
	@$(MAKE) --no-print-directory $(VMTOOL) $(VMTOOL32)
	@for bug in ZAP_WRITTEN:'still mapped after the lowering' \
		    PIN_STRIDE:'pinned: want EBUSY'; do \
		b=$${bug%%:*} want=$${bug#*:} d=$(KMOD_BUG_KCOST)/$${bug%%:*}; \
		rm -rf $$d && mkdir -p $$d && \
		cp -r kernel/Makefile kernel/Kbuild kernel/*.c kernel/*.h kernel/uapi $$d/ && \
		$(MAKE) -C $$d KCFLAGS=-DFAMFS_BUG_$$b > $$d/build.log 2>&1 || \
			{ echo "check-vm-bug-kcost: the $$b module does not build"; exit 1; }; \
		FAMFS_BUILD=$(CURDIR)/$(B) FAMFS_VMTOOL=$(CURDIR)/$(VMTOOL) \
			FAMFS_KO=$(CURDIR)/$$d/famfs.ko \
			bash tests/vm/run.sh one vm1 > $$d/vm1.log 2>&1; \
		grep -a '^RESULT FAIL' $$d/vm1.log; \
		if grep -a '^RESULT FAIL lowering to none: every mapped unit zapped' $$d/vm1.log | \
		   grep -aq "$$want"; then \
			echo "check-vm-bug-kcost: ok, the $$b module fails vm1's zaptest ($$want)"; \
		else \
			echo "check-vm-bug-kcost: FAIL, vm1's zaptest did not catch $$b"; exit 1; \
		fi; \
	done
