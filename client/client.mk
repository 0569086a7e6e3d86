# client/: libfamfs-client (C API for apps and schedulers) and famfsctl.
CLIENT_LIB_SRCS := client/lib/client.c
CLIENT_LIB_OBJS := $(CLIENT_LIB_SRCS:%.c=$(B)/%.o)
LIBFAMFS_CLIENT := $(B)/libfamfs-client.a

FAMFSCTL_SRCS := client/famfsctl/main.c client/famfsctl/local.c client/famfsctl/remote.c client/famfsctl/opts.c
FAMFSCTL_OBJS := $(FAMFSCTL_SRCS:%.c=$(B)/%.o)
CLIENT_LDLIBS := $(RPC_LDLIBS) $(LDLIBS)

$(CLIENT_LIB_OBJS) $(FAMFSCTL_OBJS): BASE_CFLAGS += -Iclient/include -I$(B)/proto
$(CLIENT_LIB_OBJS) $(FAMFSCTL_OBJS): | $(B)/proto/famfs.pb-c.h

$(LIBFAMFS_CLIENT): $(CLIENT_LIB_OBJS)
	$(Q)$(AR) rcs $@ $^

$(B)/famfsctl: $(FAMFSCTL_OBJS) $(LIBFAMFS_CLIENT) $(LIBFAMFS_RPC) $(LIBFAMFS)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CLIENT_LDLIBS)
all: $(B)/famfsctl $(LIBFAMFS_CLIENT)

# client/examples/: small programs to copy the pattern from; built and run by tests/slurm/.
EXAMPLE_OBJS := $(B)/client/examples/dataset.o
$(EXAMPLE_OBJS): BASE_CFLAGS += -Iclient/include
$(B)/famfs-dataset-example: $(EXAMPLE_OBJS) $(LIBFAMFS_CLIENT) $(LIBFAMFS_RPC) $(LIBFAMFS)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CLIENT_LDLIBS)
all: $(B)/famfs-dataset-example
# The installed libfamfs-client.a also carries the RPC layer, the generated
# messages and libfamfs, so that a program links it alone, plus the libraries
# famfs-client.pc names (`pkg-config --cflags --libs famfs-client`).
CLIENT_DIST_LIB := $(B)/dist/libfamfs-client.a
$(CLIENT_DIST_LIB): $(CLIENT_LIB_OBJS) $(RPC_OBJS) $(B)/proto/famfs.pb-c.o $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^
$(B)/dist/famfs-client.pc: client/famfs-client.pc.in lib/version.h
	@mkdir -p $(dir $@)
	$(Q)sed -e 's#@PREFIX@#$(PREFIX)#' -e 's#@INCDIR@#$(INCDIR)#' -e 's#@LIBDIR@#$(LIBDIR)#' \
		-e 's#@VERSION@#$(FAMFS_VERSION)#' $< >$@
.PHONY: $(B)/dist/famfs-client.pc
