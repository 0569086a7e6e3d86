# client/: famfsctl (and, later, libfamfs-client).
FAMFSCTL_SRCS := client/famfsctl/main.c client/famfsctl/local.c
FAMFSCTL_OBJS := $(FAMFSCTL_SRCS:%.c=$(B)/%.o)

$(B)/famfsctl: $(FAMFSCTL_OBJS) $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
all: $(B)/famfsctl
