# tests/integration/: a real famfsd driven by famfsctl, the client library and a protocol poker.
$(B)/tests/integration/rpc_poke.o $(B)/tests/integration/test_client.o: BASE_CFLAGS += -Iclient/include -I$(B)/proto $(shell pkg-config --cflags check)
$(B)/tests/integration/rpc_poke.o $(B)/tests/integration/test_client.o: | $(B)/proto/famfs.pb-c.h

$(B)/tests/rpc_poke: $(B)/tests/integration/rpc_poke.o $(LIBFAMFS_RPC) $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(RPC_LDLIBS) $(LDLIBS)
$(B)/tests/test_client: $(B)/tests/integration/test_client.o $(LIBFAMFS_CLIENT) $(LIBFAMFS_RPC) $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(RPC_LDLIBS) $(LDLIBS) $(shell pkg-config --libs check)

check-integration: all $(B)/tests/rpc_poke $(B)/tests/test_client
	@B=$(B) bash tests/integration/test_famfsd.sh

CHECK_TARGETS += check-integration
