# tools/: mkfs.famfs and fsck.famfs.
TOOLS := $(B)/mkfs.famfs $(B)/fsck.famfs
TOOLS_LDLIBS := $(LDLIBS) $(shell pkg-config --libs blkid 2>/dev/null)

$(B)/mkfs.famfs: $(B)/tools/mkfs.o $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(TOOLS_LDLIBS)
$(B)/fsck.famfs: $(B)/tools/fsck.o $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(TOOLS_LDLIBS)
all: $(TOOLS)
