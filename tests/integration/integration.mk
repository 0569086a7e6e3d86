# tests/integration/: a real famfsd driven by famfsctl, the client library and a protocol poker.
$(B)/tests/integration/rpc_poke.o $(B)/tests/integration/test_client.o: BASE_CFLAGS += -Iclient/include -I$(B)/proto $(shell pkg-config --cflags check)
$(B)/tests/integration/rpc_poke.o $(B)/tests/integration/test_client.o: | $(B)/proto/famfs.pb-c.h

$(B)/tests/integration/walk_probe.o: BASE_CFLAGS += -Iclient/include
$(B)/tests/walk_probe: $(B)/tests/integration/walk_probe.o $(LIBFAMFS_CLIENT) $(LIBFAMFS_RPC) $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -pthread -o $@ $^ $(RPC_LDLIBS) $(LDLIBS)

$(B)/tests/rpc_poke: $(B)/tests/integration/rpc_poke.o $(LIBFAMFS_RPC) $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(RPC_LDLIBS) $(LDLIBS)
$(B)/tests/test_client: $(B)/tests/integration/test_client.o $(LIBFAMFS_CLIENT) $(LIBFAMFS_RPC) $(LIBFAMFS)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(RPC_LDLIBS) $(LDLIBS) $(shell pkg-config --libs check)

check-integration: all $(B)/tests/rpc_poke $(B)/tests/test_client
	@B=$(B) bash tests/integration/test_famfsd.sh

CHECK_TARGETS += check-integration

# Several famfsd on loopback over one fabric file (the cluster).
check-cluster: all
	@B=$(B) bash tests/integration/test_cluster.sh
CHECK_TARGETS += check-cluster

# User-space mode's cache walk on a worker thread: a 2 GiB data set handed off
# with [famfs] cache_walk = always; famfsd keeps answering during the walk.
check-cache-walk: all $(B)/tests/walk_probe
	@B=$(B) bash tests/integration/test_cache_walk.sh
CHECK_TARGETS += check-cache-walk

# Fault injection: kill -9 of the master during commits, FAULT_TRIALS times.
FAULT_TRIALS ?= 100
check-faults: all
	@B=$(B) FAMFS_FAULT_TRIALS=$(FAULT_TRIALS) bash tests/faults/test_failover.sh
# The short form inside make check.
check-faults-short: all
	@B=$(B) FAMFS_FAULT_TRIALS=5 bash tests/faults/test_failover.sh
CHECK_TARGETS += check-faults-short

# Ownership (serial and read-only sharing): one host, then three on loopback;
# runs as part of check-integration.
check-ownership: all
	@B=$(B) bash tests/integration/test_ownership.sh
	@B=$(B) bash tests/integration/test_ownership_cluster.sh
check-integration: check-ownership

# Network partitions: every peer link through a dropping proxy
# (tests/faults/partition_proxy.py); isolate the master, heal, isolate a follower.
check-partition: all
	@B=$(B) bash tests/faults/test_partition.sh
CHECK_TARGETS += check-partition

# Prometheus metrics and famfsctl cluster: three famfsd with [metrics] listen, scraped.
.PHONY: check-metrics
check-metrics: all
	@B=$(B) bash tests/integration/test_metrics.sh
CHECK_TARGETS += check-metrics
