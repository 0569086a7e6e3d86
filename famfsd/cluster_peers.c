// SPDX-License-Identifier: Apache-2.0
/*
 * The cluster's bottom layer (cluster_int.h): the peer table, who a peer
 * is (its certificate's host id, checked against what it claims), and the
 * state queries every other part and the rest of famfsd use: role,
 * master, epoch, host liveness.
 */
#include "cluster_int.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *famfsd_role_name(enum famfsd_role r)
{
	switch (r) {
	case FAMFSD_MASTER: return "master";
	case FAMFSD_CANDIDATE: return "candidate";
	default: return "follower";
	}
}

/* Master by role and with its lease still running (a paused master's tick may not have run yet). */
bool famfsd_is_master(const struct famfsd *d)
{
	return !d->cluster || (d->cluster->role == FAMFSD_MASTER &&
			       famfsd_now_ms() < d->cluster->lease_until);
}

uint64_t famfsd_cluster_epoch(const struct famfsd *d)
{
	return d->cluster ? d->cluster->epoch : 0;
}

int famfsd_master_id(const struct famfsd *d)
{
	if (!d->cluster)
		return (int)d->cfg.host_id;
	return d->cluster->master;
}

struct peer *cl_peer_by_id(struct famfsd_cluster *cl, uint32_t host)
{
	for (uint32_t i = 0; i < cl->n_peers; i++)
		if (cl->peers[i].cfg->host_id == host)
			return &cl->peers[i];
	return NULL;
}

bool famfsd_host_alive(const struct famfsd *d, uint32_t host)
{
	struct famfsd_cluster *cl = d->cluster;
	struct peer *p;

	if (!cl || host == d->cfg.host_id)
		return true;
	p = cl_peer_by_id(cl, host);
	/* Only acknowledged heartbeats count: a host that answers pushes but is not acked (its
	 * replay is stuck) lets its lease run out, so the master may release its grants. */
	return p && p->hb_heard &&
	       famfsd_now_ms() < p->hb_heard + cl->host_lease_ms + cl->host_lease_ms / 2;
}

int famfsd_peer_call(struct famfsd *d, uint32_t host, const char *method, const void *payload,
		     size_t len, uint32_t deadline_ms, fam_rpc_done done, void *arg)
{
	struct peer *p = d->cluster ? cl_peer_by_id(d->cluster, host) : NULL;

	if (!p || !p->conn || fam_rpc_conn_dead(p->conn))
		return -ENOTCONN;
	return fam_rpc_call(p->conn, method, payload, len, deadline_ms, done, NULL, arg);
}


/* The rpc layer's handshake check: a TLS peer's certificate must name a host of this cluster. */
bool cl_known_host(void *arg, int host)
{
	return host >= 0 && cl_peer_by_id(arg, (uint32_t)host);
}

/*
 * Peer identity (docs/certificates.md): a cluster message must come over
 * mutual TLS from the host it claims to be, as its certificate names it.
 * Refuses the call (PERMISSION_DENIED) and returns true otherwise.
 */
bool cl_claim_refused(struct famfsd *d, struct fam_rpc_call *call, uint32_t claimed)
{
	const struct fam_rpc_peer *p = fam_rpc_call_peer(call);
	const char *method = fam_rpc_call_method(call);
	char msg[256];

	if (!p->is_unix && p->host_id >= 0 && (uint32_t)p->host_id == claimed &&
	    cl_peer_by_id(d->cluster, claimed))
		return false;
	if (p->is_unix)
		snprintf(msg, sizeof(msg), "%s is for cluster peers over mutual TLS, not local "
			 "clients", method);
	else if (p->host_id < 0)
		snprintf(msg, sizeof(msg), "%s claims host %u, but the certificate of %s names no "
			 "host id", method, claimed, p->name);
	else if ((uint32_t)p->host_id != claimed)
		snprintf(msg, sizeof(msg), "%s claims host %u, but the certificate of %s names "
			 "host %d", method, claimed, p->name, p->host_id);
	else
		snprintf(msg, sizeof(msg), "%s from host %u, which is not a peer of host %u",
			 method, claimed, d->cfg.host_id);
	famfsd_logf(&d->log, LOG_WARNING, "refused: %s", msg);
	fam_rpc_reply(call, FAM_RPC_PERMISSION_DENIED, msg, NULL, 0);
	return true;
}

/* A host without peers has no lease or push to answer (a local caller may still try). */
static bool refuse_alone(struct famfsd *d, struct fam_rpc_call *call)
{
	if (d->cluster)
		return false;
	fam_rpc_reply(call, FAM_RPC_FAILED_PRECONDITION,
		      "this famfsd has no peers: it serves no cluster methods", NULL, 0);
	return true;
}

void *cl_peer_msg(struct famfsd *d, struct fam_rpc_call *call,
		  const ProtobufCMessageDescriptor *desc, const uint8_t *req, size_t len)
{
	ProtobufCMessage *m;
	char msg[128];

	if (refuse_alone(d, call))
		return NULL;
	m = protobuf_c_message_unpack(desc, NULL, len, req);
	if (!m) {
		snprintf(msg, sizeof(msg), "malformed %s", desc->short_name);
		fam_rpc_reply(call, FAM_RPC_INVALID_ARGUMENT, msg, NULL, 0);
	}
	return m;
}
