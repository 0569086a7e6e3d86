# slurm/: the Slurm integration. famfs-slurm-bb (the burst buffer stages,
# through libfamfs-client) and burst_buffer.lua (the plugin's script, which
# calls it). docs/slurm.md.
SLURM_BB_SRCS := slurm/main.c slurm/text.c slurm/directives.c slurm/config.c slurm/jobstate.c slurm/stages.c
SLURM_BB_OBJS := $(SLURM_BB_SRCS:%.c=$(B)/%.o)
SYSCONFDIR    ?= /etc
LIBEXECDIR    ?= $(PREFIX)/libexec
SLURM_DATADIR ?= $(PREFIX)/share/famfs/slurm

$(SLURM_BB_OBJS): BASE_CFLAGS += -Iclient/include -DFS_DEFAULT_CONFIG='"$(SYSCONFDIR)/famfs/famfs-slurm.conf"'
$(B)/famfs-slurm-bb: $(SLURM_BB_OBJS) $(LIBFAMFS_CLIENT) $(LIBFAMFS_RPC) $(LIBFAMFS)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CLIENT_LDLIBS) $(shell pkg-config --libs inih 2>/dev/null)
all: $(B)/famfs-slurm-bb

# Installed: the helper, the Lua script with the helper's path filled in
# (copy or link it next to slurm.conf as burst_buffer.lua) and the
# configuration example (never over an existing one).
.PHONY: install-slurm
install-slurm: $(B)/famfs-slurm-bb
	install -d $(DESTDIR)$(LIBEXECDIR)/famfs $(DESTDIR)$(SLURM_DATADIR) $(DESTDIR)$(SYSCONFDIR)/famfs
	install -m 0755 $(B)/famfs-slurm-bb $(DESTDIR)$(LIBEXECDIR)/famfs/
	sed -e 's#@FAMFS_SLURM_BB@#$(LIBEXECDIR)/famfs/famfs-slurm-bb#' \
	    -e 's#@FAMFS_SLURM_CONF@#$(SYSCONFDIR)/famfs/famfs-slurm.conf#' \
		slurm/burst_buffer.lua >$(DESTDIR)$(SLURM_DATADIR)/burst_buffer.lua
	[ -e $(DESTDIR)$(SYSCONFDIR)/famfs/famfs-slurm.conf ] || \
		install -m 0644 slurm/famfs-slurm.conf $(DESTDIR)$(SYSCONFDIR)/famfs/famfs-slurm.conf
install: install-slurm
