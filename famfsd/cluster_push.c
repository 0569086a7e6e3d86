// SPDX-License-Identifier: Apache-2.0
/*
 * Push replay: after each commit the master sends the committed position
 * to every peer (famfs.peer.Committed, one in flight per peer, coalesced),
 * learns their replay positions from the answers, and from the slowest live
 * host the watermark below which deleted space may be reused.
 */
#include "cluster_int.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void push_one(struct famfsd_cluster *cl, struct peer *p);

static void update_watermark(struct famfsd_cluster *cl)
{
	struct famfsd *d = cl->d;
	uint64_t w = d->fs.log.hdr.committed_seq;

	for (uint32_t i = 0; i < cl->n_peers; i++) {
		struct peer *p = &cl->peers[i];

		/* A host that is down has nothing mapped; it replays everything when it returns. */
		if (famfsd_host_alive(d, p->cfg->host_id) && p->replayed_seq < w)
			w = p->replayed_seq;
	}
	fam_fs_set_watermark(&d->fs, w);
}

static void on_pushed(int status, const char *msg, const uint8_t *payload, size_t len,
		      void *arg)
{
	struct peer *p = arg;
	struct famfsd_cluster *cl = p->cl;
	Famfs__CommittedReply *r;

	p->push_busy = false;
	if (status == FAM_RPC_OK && (r = famfs__committed_reply__unpack(NULL, len, payload))) {
		p->last_heard = famfsd_now_ms();
		p->replayed_seq = r->replayed_seq;
		famfs__committed_reply__free_unpacked(r, NULL);
		if (cl->role == FAMFSD_MASTER)
			update_watermark(cl);
	}
	if (p->push_again && cl->role == FAMFSD_MASTER)
		push_one(cl, p);
}

static void push_one(struct famfsd_cluster *cl, struct peer *p)
{
	Famfs__CommittedRequest m = FAMFS__COMMITTED_REQUEST__INIT;
	uint8_t buf[64];
	size_t len;

	if (!p->conn || fam_rpc_conn_dead(p->conn))
		return;
	if (p->push_busy) {
		p->push_again = true;	/* one push in flight per peer; coalesce the rest */
		return;
	}
	m.seq = cl->d->fs.log.hdr.committed_seq;
	m.epoch = cl->epoch;
	m.master = self_id(cl);
	m.watermark = cl->d->fs.watermark;
	len = famfs__committed_request__pack(&m, buf);
	p->push_busy = true;
	p->push_again = false;
	p->pushed_ms = famfsd_now_ms();
	if (fam_rpc_call(p->conn, "famfs.peer.Committed", buf, len, PEER_DEADLINE_MS, on_pushed,
			 NULL, p))
		p->push_busy = false;
}

void famfsd_cluster_committed(struct famfsd *d)
{
	struct famfsd_cluster *cl = d->cluster;

	if (!cl || cl->role != FAMFSD_MASTER)
		return;
	for (uint32_t i = 0; i < cl->n_peers; i++)
		push_one(cl, &cl->peers[i]);
}


/*
 * After a group commit: as famfsd_cluster_committed, except for a peer whose
 * forwarded calls the batch answers (answered[its host id]): it replays when
 * it gets those answers (cluster_fwd.c), before it passes them on, so a push
 * as well would only cost both hosts a message and a wakeup each, and put
 * the follower's answer to it before the answers its clients wait for. Such
 * a peer is still pushed when its last push is older than a quarter lease:
 * the answers to pushes keep the master's view of its replay position, and
 * so the space-reuse watermark, moving.
 */
void famfsd_cluster_committed_batch(struct famfsd *d, const bool answered[FAMFSD_MAX_HOST_ID + 1])
{
	struct famfsd_cluster *cl = d->cluster;
	uint64_t now = famfsd_now_ms();

	if (!cl || cl->role != FAMFSD_MASTER)
		return;
	for (uint32_t i = 0; i < cl->n_peers; i++) {
		struct peer *p = &cl->peers[i];
		uint32_t id = p->cfg->host_id;

		if (id <= FAMFSD_MAX_HOST_ID && answered[id] &&
		    now - p->pushed_ms < cl->lease_ms / 4)
			continue;
		push_one(cl, p);
	}
}
