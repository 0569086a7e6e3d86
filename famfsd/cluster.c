// SPDX-License-Identifier: Apache-2.0
/*
 * Cluster core: peers over mutual TLS, the tick that drives the master
 * lease, host leases and dialing, and start/stop. The parts are listed in
 * cluster_int.h; docs/cluster.md describes the protocol.
 */
#include "cluster_int.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void dial(struct famfsd_cluster *cl, struct peer *p, uint64_t now)
{
	int err;

	if (p->conn && fam_rpc_conn_dead(p->conn)) {
		fam_rpc_conn_close(p->conn);
		p->conn = NULL;
		p->push_busy = false;
		/* Back off while the peer stays away: 300 ms doubling up to 5 s. */
		if (!p->last_heard || now > p->last_heard + p->backoff)
			p->backoff = p->backoff ? (p->backoff * 2 > 5000 ? 5000 : p->backoff * 2)
						: CONNECT_BACKOFF_MS;
		else
			p->backoff = CONNECT_BACKOFF_MS;
		p->next_dial = now + p->backoff;
	}
	if (p->conn || now < p->next_dial)
		return;
	p->conn = fam_rpc_connect_tls(cl->d->rpc, p->cfg->address, cl->ctx, &err);
	if (p->conn)	/* whoever answers there must hold this host's certificate */
		fam_rpc_conn_expect_host(p->conn, (int)p->cfg->host_id);
	p->next_dial = now + CONNECT_BACKOFF_MS;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct famfsd_cluster *cl = arg;
	struct famfsd *d = cl->d;
	uint64_t now = famfsd_now_ms();

	for (uint32_t i = 0; i < cl->n_peers; i++)
		dial(cl, &cl->peers[i], now);
	switch (cl->role) {
	case FAMFSD_MASTER:
		if (now >= cl->lease_until) {
			cl_step_down(cl, "lease not renewed by a majority in time");
			break;
		}
		if (now >= cl->renew_sent + cl->lease_ms / 3) {
			cl->renew_sent = now;
			cl->renew_votes = 1;
			cl->renew_round++;
			cl->promise_until = now + cl->lease_ms;
			cl_ask_votes(cl, true);
		}
		for (uint32_t i = 0; i < cl->n_peers; i++) {
			struct peer *p = &cl->peers[i];

			if (famfsd_host_alive(d, p->cfg->host_id))
				p->expired = false;
			else if (!p->expired && p->hb_heard)
				cl_host_expired(cl, p);
		}
		break;
	case FAMFSD_CANDIDATE:
		if (now >= cl->vote_sent + cl->lease_ms / 2)
			cl_abandon_candidacy(cl, now);	/* lost or split: wait, then stand again */
		break;
	default:
		if (now >= cl->last_master_contact + cl->lease_ms + cl->lease_ms / 2 +
			   (uint64_t)self_id(cl) % 8 * (cl->lease_ms / 8)) {
			cl->master = -1;
			cl_start_election(cl, now);
		}
		break;
	}
	cl_send_heartbeat(cl, now);
	if (now >= cl->last_own_tick + cl->lease_ms / 3) {
		cl->last_own_tick = now;
		cl->hooks.lease_check(cl->hooks.arg);
	}
}

static const struct {
	const char *name;
	unsigned int flags;
	fam_rpc_handler fn;
} peer_methods[] = {
	{ "famfs.peer.Lease", FAM_RPC_MUTATES, cl_h_lease },
	{ "famfs.peer.Committed", FAM_RPC_MUTATES, cl_h_committed },
	{ "famfs.peer.Heartbeat", 0, cl_h_heartbeat },
	{ "famfs.Cluster", 0, cl_h_cluster },
};

int famfsd_cluster_start(struct famfsd *d, const struct famfsd_cluster_hooks *hooks)
{
	struct famfsd_cluster *cl;
	struct timeval tv;
	char err[512];
	uint32_t tick_ms;
	int e;

	for (size_t i = 0; i < sizeof(peer_methods) / sizeof(peer_methods[0]); i++) {
		e = fam_rpc_register(d->rpc, peer_methods[i].name, peer_methods[i].flags,
					 peer_methods[i].fn, d);

		if (e)
			return e;
	}
	if (!d->cfg.n_peers)
		return 0;	/* a single host is its own master */
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return -ENOMEM;
	cl->d = d;
	cl->hooks = *hooks;
	cl->promises.fd = -1;
	cl->lease_ms = d->cfg.lease_ms ? d->cfg.lease_ms : 3000;
	cl->host_lease_ms = d->cfg.host_lease_ms ? d->cfg.host_lease_ms : 3 * cl->lease_ms;
	cl->drift_ppm = d->cfg.clock_drift_ppm;
	cl->slack_ms = d->cfg.lease_slack_ms ? d->cfg.lease_slack_ms : cl->lease_ms / 20;
	cl->master = -1;
	cl->epoch = d->fs.log.hdr.epoch;
	cl->start_ms = cl->last_master_contact = famfsd_now_ms();
	d->fs.test_stall_file = getenv("FAMFSD_TEST_STALL_FILE");
	e = cl_restore_promise(cl);
	if (e) {
		free(cl);
		return e;
	}
	cl->ctx = fam_rpc_tls_ctx(d->cfg.cert, d->cfg.key, d->cfg.ca, false, err, sizeof(err));
	if (!cl->ctx) {
		famfsd_logf(&d->log, LOG_ERR, "cluster TLS: %s", err);
		famfsd_promise_close(&cl->promises);
		free(cl);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < d->cfg.n_peers; i++) {
		if (d->cfg.peers[i].host_id == d->cfg.host_id)
			continue;	/* the config may list every host, this one too */
		cl->peers[cl->n_peers].cfg = &d->cfg.peers[i];
		cl->peers[cl->n_peers].cl = cl;
		cl->n_peers++;
	}
	d->cluster = cl;
	fam_rpc_set_tls_hosts(d->rpc, cl_known_host, cl);
	tick_ms = cl->lease_ms / 10 < 20 ? 20 : cl->lease_ms / 10;
	tv.tv_sec = tick_ms / 1000;
	tv.tv_usec = (suseconds_t)(tick_ms % 1000) * 1000;	/* < 10^6, or libevent aborts */
	cl->tick = event_new(d->base, -1, EV_PERSIST, on_tick, cl);
	if (!cl->tick || event_add(cl->tick, &tv))
		return -ENOMEM;
	famfsd_logf(&d->log, LOG_INFO, "cluster: host %u with %u peers, lease %u ms (master "
		    "stops after %u ms, promises last %u ms: epsilon %u ppm, slack %u ms)",
		    d->cfg.host_id, cl->n_peers, cl->lease_ms, cl_master_lease_ms(cl),
		    cl_promise_ms(cl, cl->lease_ms), cl->drift_ppm, cl->slack_ms);
	return 0;
}

void famfsd_cluster_stop(struct famfsd *d)
{
	struct famfsd_cluster *cl = d->cluster;

	if (!cl)
		return;
	if (cl->tick)
		event_free(cl->tick);
	for (uint32_t i = 0; i < cl->n_peers; i++)
		if (cl->peers[i].conn)
			fam_rpc_conn_close(cl->peers[i].conn);
	if (cl->ctx)
		SSL_CTX_free(cl->ctx);
	fam_rpc_set_tls_hosts(d->rpc, NULL, NULL);
	famfsd_promise_close(&cl->promises);
	free(cl);
	d->cluster = NULL;
}

