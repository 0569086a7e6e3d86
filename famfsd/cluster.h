/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cluster: membership from the config, one master (log writer) per
 * epoch holding a lease granted by a majority, commits forwarded to the
 * master, committed positions pushed to every peer, replay positions
 * reported back (they drive safe space reuse), per-host leases.
 *
 * Peer RPCs travel over mutual TLS; their methods are named "famfs.peer.*".
 */
#ifndef FAMFSD_CLUSTER_H
#define FAMFSD_CLUSTER_H

#include "rpc.h"

#include <stdbool.h>
#include <stdint.h>

struct famfsd;
struct fam_rec;

enum famfsd_role { FAMFSD_FOLLOWER, FAMFSD_CANDIDATE, FAMFSD_MASTER };

/*
 * What the cluster drives outside itself, as callbacks (main.c wires them):
 * the cluster calls none of those files by name, they call the cluster.
 */
struct famfsd_cluster_hooks {
	void *arg;
	/* Catch up with the log (after a push, an ack). */
	int (*replay)(void *arg);
	/* The same, once before this loop iteration's replies go out (commit.c). */
	void (*replay_soon)(void *arg);
	/* A master acknowledged this host until 'until' at log position need_seq (hostlease). */
	void (*lease_extend)(void *arg, uint64_t until, uint64_t need_seq);
	/* Notice a host lease that ran out (hostlease). */
	bool (*lease_check)(void *arg);
	/* This host's replay cannot reach the last ack's position (hostlease). */
	bool (*replay_stuck)(void *arg);
	/* Master: a host's lease expired; release its grants, 0 when all were (ownership). */
	int (*host_expired)(void *arg, uint32_t host);
};

/* Start/stop (after the backend is open and the RPC server exists). */
int famfsd_cluster_start(struct famfsd *d, const struct famfsd_cluster_hooks *hooks);
void famfsd_cluster_stop(struct famfsd *d);

/* Single host (no peers configured) is always its own master. */
bool famfsd_is_master(const struct famfsd *d);
/* Known master's host id, or -1 when none is known. */
int famfsd_master_id(const struct famfsd *d);
const char *famfsd_role_name(enum famfsd_role r);
/* Highest master epoch this host knows (0: single host). */
uint64_t famfsd_cluster_epoch(const struct famfsd *d);

/*
 * A mutating client call on a non-master: send it to the master, wait for
 * the commit, replay up to it locally, then relay the master's reply.
 */
void famfsd_forward(struct famfsd *d, struct fam_rpc_call *call, const uint8_t *req,
		    size_t len);

/* The master committed records: push the position to every peer. */
void famfsd_cluster_committed(struct famfsd *d);
/* Host ids a certificate can name (FAM_RPC_HOST_URI_PREFIX): 0..255. */
#define FAMFSD_MAX_HOST_ID 255
/*
 * A group commit: push to every peer but those whose forwarded calls it
 * answers OK (answered[host id]; they replay on the answer), unless their
 * last push is older than a quarter lease.
 */
void famfsd_cluster_committed_batch(struct famfsd *d,
				    const bool answered[FAMFSD_MAX_HOST_ID + 1]);

/* Call a method on a peer by host id. -ENOTCONN if it is not reachable. */
int famfsd_peer_call(struct famfsd *d, uint32_t host, const char *method, const void *payload,
		     size_t len, uint32_t deadline_ms, fam_rpc_done done, void *arg);

/* Is host's lease (heartbeats to the master) still valid? The master only. */
bool famfsd_host_alive(const struct famfsd *d, uint32_t host);

/* One host as this daemon sees it (famfs.Cluster, metrics). */
struct famfsd_host_view {
	uint32_t host;
	const char *name, *address;
	bool self, master, up;
	bool replay_known;		/* self, or a peer that reported its replay position */
	uint64_t replayed_seq;
	uint64_t last_contact_ms;	/* ms since this host heard from it; UINT64_MAX: never */
	/*
	 * "held": the master's lease (self as master, or the master as its follower
	 * sees its promise); "valid" / "expired": a host's lease at the master
	 * (heard from within lease * 1.5); "unknown": not tracked here (a follower's
	 * view of another follower); "none": single host, or no master known.
	 */
	const char *lease;
	uint64_t lease_left_ms;
};
/* Fill out (self first, then the peers in config order); returns the number of hosts. */
size_t famfsd_cluster_hosts(const struct famfsd *d, struct famfsd_host_view *out, size_t cap);

#endif
