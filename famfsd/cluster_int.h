/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the cluster (docs/cluster.md, "Inside famfsd"): the state shared by
 * its files, and what each offers the others. Calls go one way:
 *
 *   cluster.c (tick, dial, start/stop)
 *     -> cluster_elect.c (votes, master lease, following the master)
 *          -> cluster_push.c (committed positions pushed to the peers)
 *     -> cluster_live.c (heartbeats: host leases)
 *     cluster_fwd.c (forwarding to the master), cluster_view.c (famfs.Cluster)
 *   every one of them -> cluster_peers.c (the peer table, identity, state queries)
 *
 * What the cluster drives outside itself (replay, the host lease, releasing
 * an expired host's grants) it reaches through cl->hooks only, never by
 * name: those files call the cluster, not the other way round.
 */
#ifndef FAMFSD_CLUSTER_INT_H
#define FAMFSD_CLUSTER_INT_H

#include "cluster.h"
#include "famfsd.h"
#include "promise.h"
#include "famfs.pb-c.h"

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>

struct event;

#define CONNECT_BACKOFF_MS	300
#define PEER_DEADLINE_MS	2000

struct peer {
	const struct famfsd_peer *cfg;
	struct famfsd_cluster *cl;
	struct fam_rpc_conn *conn;
	uint64_t next_dial;
	uint32_t backoff;		/* ms until the next dial after a failure */
	uint64_t last_heard;		/* any answer from it */
	uint64_t hb_heard;		/* master: its last acknowledged heartbeat (host lease) */
	uint64_t replayed_seq;
	bool push_busy, push_again;
	uint64_t pushed_ms;		/* master: when the last push to it went out */
	bool expired;			/* master: its host lease ran out (reported once) */
};

struct famfsd_cluster {
	struct famfsd *d;
	struct famfsd_cluster_hooks hooks;
	SSL_CTX *ctx;
	struct event *tick;
	uint32_t lease_ms;
	uint32_t host_lease_ms;
	uint32_t drift_ppm;		/* epsilon */
	uint32_t slack_ms;
	uint64_t start_ms;
	struct famfsd_promise_store promises;	/* the promise we gave, on disk */
	enum famfsd_role role;
	uint64_t epoch;			/* highest master epoch seen */
	int master;
	/* as master */
	uint64_t lease_until;
	uint64_t renew_sent;
	uint32_t renew_votes;
	uint64_t renew_round;
	/* as voter */
	uint64_t promised_epoch;
	uint32_t promised_to;
	uint64_t promise_until;
	uint64_t last_master_contact;
	/* as candidate */
	uint64_t vote_epoch, vote_sent;
	uint64_t seen_epoch;		/* highest epoch a voter said it promised */
	uint32_t votes;
	uint64_t last_own_tick;
	/* host lease (as follower) */
	uint64_t hb_sent;
	bool hb_busy;
	uint32_t n_peers;
	struct peer peers[FAMFSD_MAX_PEERS];
};

static inline uint32_t self_id(const struct famfsd_cluster *cl)
{
	return cl->d->cfg.host_id;
}

static inline uint32_t majority(const struct famfsd_cluster *cl)
{
	return (cl->n_peers + 1) / 2 + 1;
}

/* Time left of a window that ends at until (0 once it ended). */
static inline uint64_t left_of(uint64_t until, uint64_t now)
{
	return until > now ? until - now : 0;
}

/* cluster_peers.c */
struct peer *cl_peer_by_id(struct famfsd_cluster *cl, uint32_t host);
/* The rpc layer's handshake check: a TLS peer's certificate must name a host of this cluster. */
bool cl_known_host(void *arg, int host);
/* A cluster message must come from the host it claims (PERMISSION_DENIED and true otherwise). */
bool cl_claim_refused(struct famfsd *d, struct fam_rpc_call *call, uint32_t claimed);
/*
 * The start of a peer message handler: a host without peers answers none
 * (FAILED_PRECONDITION), a malformed message is INVALID_ARGUMENT
 * ("malformed <Type>"). The message (the caller frees it), or NULL when the
 * call was answered.
 */
void *cl_peer_msg(struct famfsd *d, struct fam_rpc_call *call,
		  const ProtobufCMessageDescriptor *desc, const uint8_t *req, size_t len);

/* cluster_elect.c */
uint32_t cl_promise_ms(const struct famfsd_cluster *cl, uint32_t lease);
uint32_t cl_master_lease_ms(const struct famfsd_cluster *cl);
void cl_step_down(struct famfsd_cluster *cl, const char *why);
void cl_abandon_candidacy(struct famfsd_cluster *cl, uint64_t now);
/* Ask every peer for a vote: a candidacy, or (renew) the master's renewal round. */
void cl_ask_votes(struct famfsd_cluster *cl, bool renew);
void cl_start_election(struct famfsd_cluster *cl, uint64_t now);
int cl_restore_promise(struct famfsd_cluster *cl);
void cl_h_lease(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg);
void cl_h_committed(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg);

/* cluster_live.c */
/* Master: a host's lease ran out; release its grants (once; 0 when all are). */
int cl_host_expired(struct famfsd_cluster *cl, struct peer *p);
void cl_send_heartbeat(struct famfsd_cluster *cl, uint64_t now);
void cl_h_heartbeat(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg);

/* cluster_view.c */
void cl_h_cluster(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg);

#endif
