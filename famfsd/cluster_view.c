// SPDX-License-Identifier: Apache-2.0
/* famfs.Cluster and the metrics' view of the hosts: this host's picture of the cluster. */
#include "cluster_int.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void view_peer(const struct famfsd_cluster *cl, const struct peer *p, uint64_t now,
		      struct famfsd_host_view *v)
{
	uint64_t window = cl->lease_ms + cl->lease_ms / 2;

	v->host = p->cfg->host_id;
	v->name = p->cfg->name;
	v->address = p->cfg->address;
	v->master = cl->master == (int)p->cfg->host_id;
	v->replay_known = p->last_heard != 0;
	v->replayed_seq = p->replayed_seq;
	v->last_contact_ms = p->last_heard ? now - p->last_heard : UINT64_MAX;
	v->up = famfsd_host_alive(cl->d, v->host) && p->last_heard;
	v->lease = "unknown";
	if (cl->role == FAMFSD_MASTER && p->hb_heard) {
		v->lease_left_ms = left_of(p->hb_heard + window, now);
		v->lease = v->lease_left_ms ? "valid" : "expired";
	} else if (cl->role != FAMFSD_MASTER && v->master) {
		/* A follower hears from the master through renewals and pushes. */
		v->last_contact_ms = now - cl->last_master_contact;
		v->up = now < cl->last_master_contact + window;
		v->lease_left_ms = cl->promised_to == v->host ? left_of(cl->promise_until, now) : 0;
		v->lease = v->lease_left_ms ? "held" : "expired";
	}
}

size_t famfsd_cluster_hosts(const struct famfsd *d, struct famfsd_host_view *out, size_t cap)
{
	const struct famfsd_cluster *cl = d->cluster;
	uint64_t now = famfsd_now_ms();
	struct famfsd_host_view *v = out;
	size_t n = 0;

	if (!cap)
		return 0;
	memset(v, 0, sizeof(*v));
	v->host = d->cfg.host_id;
	v->name = "self";
	v->address = d->cfg.listen;
	v->self = v->up = v->replay_known = true;
	v->master = famfsd_is_master(d);
	v->replayed_seq = d->fs.ns.applied_seq;
	v->lease = "none";
	if (cl && cl->role == FAMFSD_MASTER) {
		v->lease_left_ms = left_of(cl->lease_until, now);
		v->lease = v->lease_left_ms ? "held" : "expired";
	} else if (cl && cl->master >= 0) {
		/* Our lease at the master runs while the master keeps hearing from us. */
		v->lease_left_ms = left_of(cl->last_master_contact + cl->lease_ms + cl->lease_ms / 2,
					   now);
		v->lease = v->lease_left_ms ? "valid" : "expired";
	}
	for (n = 1; cl && n - 1 < cl->n_peers && n < cap; n++) {
		memset(&out[n], 0, sizeof(out[n]));
		view_peer(cl, &cl->peers[n - 1], now, &out[n]);
	}
	return n;
}

void cl_h_cluster(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	struct famfsd_cluster *cl = d->cluster;
	Famfs__ClusterReply r = FAMFS__CLUSTER_REPLY__INIT;
	Famfs__HostState hs[FAMFSD_MAX_PEERS + 1], *hp[FAMFSD_MAX_PEERS + 1];
	struct famfsd_host_view v[FAMFSD_MAX_PEERS + 1];
	uint64_t now = famfsd_now_ms();
	uint8_t *buf;
	size_t n, plen;

	r.self = d->cfg.host_id;
	r.role = (char *)(cl ? famfsd_role_name(cl->role) : "master");
	r.master = famfsd_master_id(d);
	r.epoch = d->fs.epoch;
	r.committed_seq = d->fs.log.hdr.committed_seq;
	r.watermark = d->fs.watermark;
	if (cl && cl->role == FAMFSD_MASTER && cl->lease_until > now)
		r.lease_left_ms = cl->lease_until - now;
	r.lease_ms = cl ? cl->lease_ms : 0;
	n = famfsd_cluster_hosts(d, v, FAMFSD_MAX_PEERS + 1);
	for (size_t i = 0; i < n; i++) {
		famfs__host_state__init(&hs[i]);
		hs[i].host = v[i].host;
		hs[i].name = (char *)v[i].name;
		hs[i].address = (char *)v[i].address;
		hs[i].up = v[i].up;
		hs[i].self = v[i].self;
		hs[i].master = v[i].master;
		hs[i].replayed_seq = v[i].replayed_seq;
		hs[i].replay_known = v[i].replay_known;
		hs[i].last_heard_ms = v[i].last_contact_ms;
		hs[i].lease = (char *)v[i].lease;
		hs[i].lease_left_ms = v[i].lease_left_ms;
		hp[i] = &hs[i];
	}
	r.n_hosts = n;
	r.hosts = hp;
	plen = famfs__cluster_reply__get_packed_size(&r);
	buf = malloc(plen ? plen : 1);
	if (!buf) {
		fam_rpc_reply(call, FAM_RPC_RESOURCE_EXHAUSTED, "out of memory", NULL, 0);
		return;
	}
	famfs__cluster_reply__pack(&r, buf);
	fam_rpc_reply(call, FAM_RPC_OK, NULL, buf, plen);
	free(buf);
}

