# systemd/: famfsd's units (famfsd.service, famfsd.socket, the kernel-mode
# drop-in famfsd-kernel-mode.conf and famfsd.tmpfiles).
#   make check-systemd   systemd-analyze verify on copies of the units that run
#                        the built $(B)/famfsd (a stub until it is built), the
#                        exposure score, and systemd-tmpfiles on famfsd.tmpfiles
FAMFSD_BIN ?= $(B)/famfsd
.PHONY: check-systemd
check-systemd:
	@bash tests/unit/test_systemd.sh $(FAMFSD_BIN)

CHECK_TARGETS += check-systemd
