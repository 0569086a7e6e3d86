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

.PHONY: check-vm bench-vm vmtool vmtool32
BENCH_ALL += bench-vm

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
