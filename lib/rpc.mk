# lib/rpc*: the famfs RPC library (libfamfs-rpc.a): frames, calls, UNIX and TLS transports.
# Users link $(LIBFAMFS_RPC) and add $(RPC_LDLIBS).
RPC_SRCS     := lib/rpc.c lib/rpc_hold.c lib/rpc_frame.c lib/rpc_arena.c lib/rpc_tls.c lib/rpc_status.c
RPC_OBJS     := $(RPC_SRCS:%.c=$(B)/%.o)
LIBFAMFS_RPC := $(B)/libfamfs-rpc.a
RPC_PKGS     := libevent libevent_openssl libssl libcrypto libprotobuf-c
RPC_LDLIBS   := $(shell pkg-config --libs $(RPC_PKGS) 2>/dev/null)

# BASE_CFLAGS, not CFLAGS: a CFLAGS given on the command line must not drop these.
$(RPC_OBJS): BASE_CFLAGS += -I$(B)/proto $(shell pkg-config --cflags $(RPC_PKGS) 2>/dev/null)
$(RPC_OBJS): $(B)/proto/famfs.pb-c.h

$(LIBFAMFS_RPC): $(RPC_OBJS) $(B)/proto/famfs.pb-c.o
	$(Q)$(AR) rcs $@ $^
all: $(LIBFAMFS_RPC)
