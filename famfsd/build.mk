# famfsd/: the daemon binary, $(B)/famfsd. Its objects live in $(FAMFSD_OBJ)
# (not $(B)/famfsd/, which is the binary's own name).
FAMFSD_OBJ  := $(B)/famfsd-obj
FAMFSD_SRCS := famfsd/main.c famfsd/wiring.c famfsd/clock.c famfsd/backend.c famfsd/service.c famfsd/commit.c famfsd/cluster.c famfsd/cluster_peers.c famfsd/cluster_elect.c famfsd/cluster_push.c famfsd/cluster_live.c famfsd/cluster_fwd.c famfsd/cluster_view.c famfsd/authz.c famfsd/reply.c famfsd/ownership.c famfsd/grants.c famfsd/dataset.c famfsd/cachewalk.c famfsd/handoff.c famfsd/watch.c famfsd/hostlease.c famfsd/promise.c famfsd/config.c famfsd/config_check.c famfsd/logging.c \
               famfsd/metrics.c famfsd/exposition.c
FAMFSD_OBJS := $(FAMFSD_SRCS:famfsd/%.c=$(FAMFSD_OBJ)/%.o)
FAMFSD_LDLIBS := -pthread $(RPC_LDLIBS) $(shell pkg-config --libs libsystemd inih 2>/dev/null) $(LDLIBS)

$(FAMFSD_OBJ)/%.o: famfsd/%.c | deps-checked $(B)/proto/famfs.pb-c.h
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(BASE_CFLAGS) -I$(B)/proto -Ifamfsd $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/famfsd: $(FAMFSD_OBJS) $(LIBFAMFS_RPC) $(LIBFAMFS)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FAMFSD_LDLIBS)
all: $(B)/famfsd
