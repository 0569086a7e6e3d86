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
