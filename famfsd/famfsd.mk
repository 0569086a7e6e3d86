# famfsd/famfsd.mk: included (optionally) by the top-level Makefile.
# For now it only pulls in the systemd units' check (make check-systemd);
# famfsd's build rules live in famfsd/build.mk.
-include systemd/systemd.mk
