// SPDX-License-Identifier: Apache-2.0
/*
 * Host leases (what keeps a host's grants): every host but the master sends
 * famfs.peer.Heartbeat to the master every lease/3. On an ack it extends its
 * host lease (the kernel module's fence) to host_lease from *before* it sent
 * the heartbeat; the master counts the host alive until host_lease * 1.5
 * after it *received* the last one, so the host's lease has always run out
 * before the master releases its grants. The master's own host lease is its
 * master lease: it ends, with the module fencing the log mapping too, before
 * a successor can write.
 */
#include "cluster_int.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct heartbeat {
	struct famfsd_cluster *cl;
	uint64_t sent;
	uint64_t epoch;
	int master;
};

int cl_host_expired(struct famfsd_cluster *cl, struct peer *p)
{
	struct famfsd *d = cl->d;

	if (!p->expired) {
		d->metrics.host_lease_expiries++;
		famfsd_logf(&d->log, LOG_WARNING, "host %u: lease expired", p->cfg->host_id);
	}
	p->expired = true;
	return cl->hooks.host_expired(cl->hooks.arg, p->cfg->host_id);
}

void cl_h_heartbeat(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	struct famfsd_cluster *cl = d->cluster;
	Famfs__HeartbeatRequest *m = famfs__heartbeat_request__unpack(NULL, len, req);
	Famfs__HeartbeatReply r = FAMFS__HEARTBEAT_REPLY__INIT;
	struct peer *p;
	uint8_t buf[64];

	if (!m) {
		fam_rpc_reply(call, FAM_RPC_INVALID_ARGUMENT, "malformed HeartbeatRequest", NULL, 0);
		return;
	}
	if (cl && cl_claim_refused(d, call, m->host))
		goto out;
	p = cl ? cl_peer_by_id(cl, m->host) : NULL;
	if (!p) {
		fam_rpc_reply(call, FAM_RPC_NOT_FOUND, "heartbeat from a host that is not a peer",
			      NULL, 0);
		goto out;
	}
	r.master = famfsd_master_id(d);
	r.epoch = cl->epoch;
	r.committed_seq = d->fs.log.hdr.committed_seq;
	/*
	 * Only a master with its lease running acknowledges, and never a host
	 * whose lease ran out here before that host's grants are released.
	 */
	if (famfsd_is_master(d) && !m->replay_stuck &&
	    (famfsd_host_alive(d, m->host) || !cl_host_expired(cl, p))) {
		r.acked = true;
		p->last_heard = famfsd_now_ms();
		p->hb_heard = p->last_heard;
		p->expired = false;
		p->replayed_seq = m->replayed_seq;
	}
	fam_rpc_reply(call, FAM_RPC_OK, NULL, buf, famfs__heartbeat_reply__pack(&r, buf));
out:
	famfs__heartbeat_request__free_unpacked(m, NULL);
}

static void on_heartbeat(int status, const char *msg, const uint8_t *payload, size_t len,
			 void *arg)
{
	struct heartbeat *hb = arg;
	struct famfsd_cluster *cl = hb->cl;
	struct famfsd *d = cl->d;
	Famfs__HeartbeatReply *r = NULL;

	cl->hb_busy = false;
	if (status == FAM_RPC_OK)
		r = famfs__heartbeat_reply__unpack(NULL, len, payload);
	/* The master's clock starts when it received it, ours from before we sent it. */
	if (r && r->acked && cl->role != FAMFSD_MASTER) {
		/*
		 * Catch up first: the lease is extended (and access raised) only from
		 * a namespace replayed to the master's position at the ack.
		 */
		cl->hooks.lease_check(cl->hooks.arg);
		if (r->committed_seq > d->fs.ns.applied_seq)
			cl->hooks.replay(cl->hooks.arg);
		cl->hooks.lease_extend(cl->hooks.arg, hb->sent + cl->host_lease_ms, r->committed_seq);
	}
	if (r)
		famfs__heartbeat_reply__free_unpacked(r, NULL);
	free(hb);
}

void cl_send_heartbeat(struct famfsd_cluster *cl, uint64_t now)
{
	Famfs__HeartbeatRequest m = FAMFS__HEARTBEAT_REQUEST__INIT;
	struct heartbeat *hb;
	uint8_t buf[64];
	size_t len;

	if (cl->role == FAMFSD_MASTER || cl->master < 0 || (uint32_t)cl->master == self_id(cl) ||
	    cl->hb_busy || now < cl->hb_sent + cl->lease_ms / 3)
		return;
	hb = calloc(1, sizeof(*hb));
	if (!hb)
		return;
	hb->cl = cl;
	hb->sent = now;
	m.host = self_id(cl);
	m.epoch = cl->epoch;
	m.replayed_seq = cl->d->fs.ns.applied_seq;
	/* A host whose replay is stuck is not acknowledged: retry the replay first. */
	if (cl->hooks.replay_stuck(cl->hooks.arg))
		cl->hooks.replay(cl->hooks.arg);
	m.replay_stuck = cl->hooks.replay_stuck(cl->hooks.arg);
	len = famfs__heartbeat_request__pack(&m, buf);
	cl->hb_sent = now;
	if (famfsd_peer_call(cl->d, (uint32_t)cl->master, "famfs.peer.Heartbeat", buf, len,
			     cl->lease_ms / 3 + 1, on_heartbeat, hb)) {
		free(hb);
		return;
	}
	cl->hb_busy = true;
}

