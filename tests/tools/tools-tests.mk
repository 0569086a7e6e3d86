# tests/tools/: mkfs.famfs, fsck.famfs and famfsctl local, driven as a user would.
$(B)/tests/famfs_inject: $(B)/tests/tools/famfs_inject.o $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

check-tools: all $(B)/tests/famfs_inject
	@B=$(B) bash tests/tools/test_tools.sh

CHECK_TARGETS += check-tools
