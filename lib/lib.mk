# lib/: the on-media format, log, namespace, allocator, devices (libfamfs.a).
LIB_SRCS := lib/crc32c.c lib/flush.c lib/format.c lib/namespace.c lib/alloc.c \
            lib/log.c lib/device.c lib/fs.c lib/util.c lib/fsck.c lib/arena.c
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
LIBFAMFS := $(B)/libfamfs.a

$(LIBFAMFS): $(LIB_OBJS)
	$(Q)$(AR) rcs $@ $^
all: $(LIBFAMFS)
