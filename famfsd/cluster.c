// SPDX-License-Identifier: Apache-2.0
/*
 * Cluster core: peers over mutual TLS, the master lease, forwarding and
 * push replay.
 *
 * Master lease (majority promises): a candidate takes epoch E = highest
 * seen + 1 and asks every host for a promise. A host promises at most one
 * candidate per epoch, and none other while an earlier promise is still
 * running (lease_ms from when it granted, on its own monotonic clock). The
 * master counts its lease from before it asked, so it expires no later than
 * any promise it holds; it renews every lease/3 and stops writing when it
 * cannot. A successor can therefore only win after the old lease ran out,
 * and it publishes its epoch in the log header before its first write; the
 * log writer (lib/fs.c) refuses to commit when the header moved under it.
 *
 * Followers hear from the master through renewals and pushes; a follower
 * that heard nothing for lease + lease/2 (plus a per-host stagger) stands.
 *
 * Host leases (what keeps a host's grants): every host but the master sends
 * famfs.peer.Heartbeat to the master every lease/3. On an ack it extends its
 * host lease (the kernel module's fence) to host_lease from *before* it sent
 * the heartbeat; the master counts the host alive until host_lease * 1.5
 * after it *received* the last one, so the host's lease has always run out
 * before the master releases its grants. The master's own host lease is its
 * master lease: it ends, with the module fencing the log mapping too, before
 * a successor can write.
 */
#include "cluster.h"
#include "famfsd.h"
#include "promise.h"
#include "famfs.pb-c.h"

#include <errno.h>
#include <event2/event.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	bool expired;			/* master: its host lease ran out (reported once) */
};

struct heartbeat {
	struct famfsd_cluster *cl;
	uint64_t sent;
	uint64_t epoch;
	int master;
};

struct famfsd_cluster {
	struct famfsd *d;
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

const char *famfsd_role_name(enum famfsd_role r)
{
	switch (r) {
	case FAMFSD_MASTER: return "master";
	case FAMFSD_CANDIDATE: return "candidate";
	default: return "follower";
	}
}

static uint32_t self_id(const struct famfsd_cluster *cl)
{
	return cl->d->cfg.host_id;
}

static uint32_t majority(const struct famfsd_cluster *cl)
{
	return (cl->n_peers + 1) / 2 + 1;
}

/*
 * Lease margins (docs/cluster.md): every clock runs within a factor
 * (1 +- epsilon) of real time. A voter's promise lasts lease x (1 + epsilon)
 * on its clock, at least lease in real time; the master counts
 * lease x (1 - epsilon) - slack on its own, at most lease - slack in real
 * time, from before it asked. So the master stops at least slack before any
 * promise it holds can run out, whatever the two clocks' rates.
 */
static uint32_t promise_ms(const struct famfsd_cluster *cl, uint32_t lease)
{
	return lease + (uint32_t)((uint64_t)lease * cl->drift_ppm / 1000000);
}

static uint32_t master_lease_ms(const struct famfsd_cluster *cl)
{
	return cl->lease_ms - (uint32_t)((uint64_t)cl->lease_ms * cl->drift_ppm / 1000000) -
	       cl->slack_ms;
}

/* The master lease (re)starts at from: it bounds every store into the log too. */
static void set_lease_until(struct famfsd_cluster *cl, uint64_t from)
{
	cl->lease_until = from + master_lease_ms(cl);
	cl->d->fs.log.store_deadline_ms = cl->lease_until;
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

static struct peer *peer_by_id(struct famfsd_cluster *cl, uint32_t host)
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
	p = peer_by_id(cl, host);
	/* Only acknowledged heartbeats count: a host that answers pushes but is not acked (its
	 * replay is stuck) lets its lease run out, so the master may release its grants. */
	return p && p->hb_heard &&
	       famfsd_now_ms() < p->hb_heard + cl->host_lease_ms + cl->host_lease_ms / 2;
}

int famfsd_peer_call(struct famfsd *d, uint32_t host, const char *method, const void *payload,
		     size_t len, uint32_t deadline_ms, fam_rpc_done done, void *arg)
{
	struct peer *p = d->cluster ? peer_by_id(d->cluster, host) : NULL;

	if (!p || !p->conn || fam_rpc_conn_dead(p->conn))
		return -ENOTCONN;
	return fam_rpc_call(p->conn, method, payload, len, deadline_ms, done, NULL, arg);
}

/* ---- becoming and leaving master ---- */

static void abandon_candidacy(struct famfsd_cluster *cl, uint64_t now);

static void step_down(struct famfsd_cluster *cl, const char *why)
{
	struct famfsd *d = cl->d;

	if (cl->role == FAMFSD_MASTER) {
		famfsd_logf(&d->log, LOG_WARNING, "no longer master of epoch %llu: %s",
			    (unsigned long long)cl->epoch, why);
		d->metrics.stepdowns++;
		fam_fs_step_down(&d->fs);
		cl->master = -1;
	}
	cl->last_master_contact = famfsd_now_ms();
	/* Our lease is over: our vote for ourselves holds nothing up any more. */
	abandon_candidacy(cl, cl->last_master_contact);
}

static void become_master(struct famfsd_cluster *cl)
{
	struct famfsd *d = cl->d;
	int err;

	/* Promises run from when they were granted, after vote_sent: ours ends first. */
	set_lease_until(cl, cl->vote_sent);
	if (famfsd_now_ms() >= cl->lease_until) {
		abandon_candidacy(cl, famfsd_now_ms());
		return;
	}
	/* The module's lease now ends with the master lease (and makes the log readable). */
	famfsd_hostlease_extend(d, cl->lease_until, 0);
	err = fam_fs_become_writer(&d->fs, cl->vote_epoch);
	if (err) {
		famfsd_logf(&d->log, LOG_ERR, "cannot become the log writer: %s", d->fs.err);
		abandon_candidacy(cl, famfsd_now_ms());
		return;
	}
	cl->role = FAMFSD_MASTER;
	cl->epoch = cl->vote_epoch;
	cl->master = (int)self_id(cl);
	cl->renew_sent = cl->vote_sent;
	/*
	 * A host's lease may still run on an ack of the previous master, which
	 * answered only while its lease ran: before now. Count every host as
	 * heard from now, so none loses its grants before its lease ended.
	 */
	for (uint32_t i = 0; i < cl->n_peers; i++) {
		cl->peers[i].last_heard = famfsd_now_ms();
		cl->peers[i].hb_heard = cl->peers[i].last_heard;
		cl->peers[i].expired = false;
	}
	famfsd_logf(&d->log, LOG_NOTICE, "master of epoch %llu (%u of %u votes), log seq %llu",
		    (unsigned long long)cl->epoch, cl->votes, cl->n_peers + 1,
		    (unsigned long long)d->fs.log.hdr.committed_seq);
	famfsd_cluster_committed(d);
}

/* ---- lease requests (as candidate or renewing master) ---- */

/*
 * A candidacy ended without a majority. The vote we gave ourselves dies with
 * it (nothing can be built on it any more), so another candidate may have
 * ours at once: two hosts standing in turn must not keep refusing each other.
 */
static void abandon_candidacy(struct famfsd_cluster *cl, uint64_t now)
{
	cl->role = FAMFSD_FOLLOWER;
	if (cl->promised_to == self_id(cl) && cl->promise_until > now)
		cl->promise_until = now;
}

struct vote_ctx {
	struct famfsd_cluster *cl;
	struct peer *p;
	uint64_t epoch;
	uint64_t round;
	bool renew;
};

static void on_vote(int status, const char *msg, const uint8_t *payload, size_t len, void *arg)
{
	struct vote_ctx *v = arg;
	struct famfsd_cluster *cl = v->cl;
	Famfs__LeaseReply *r;

	if (status != FAM_RPC_OK || !(r = famfs__lease_reply__unpack(NULL, len, payload))) {
		free(v);
		return;
	}
	v->p->last_heard = famfsd_now_ms();
	v->p->replayed_seq = r->replayed_seq;
	/* Our next candidacy must be above every epoch a voter promised. */
	if (r->promised_epoch > cl->seen_epoch)
		cl->seen_epoch = r->promised_epoch;
	/* (A late refusal of a won election says nothing about who is master now.) */
	if (!r->granted && r->promised_to != self_id(cl) && r->promised_epoch >= cl->epoch &&
	    !v->renew && cl->role != FAMFSD_MASTER) {
		/* Refused for a master whose lease still runs: follow it instead of standing. */
		cl->epoch = r->promised_epoch;
		cl->master = (int)r->promised_to;
		cl->last_master_contact = famfsd_now_ms();
		if (cl->role == FAMFSD_CANDIDATE)
			abandon_candidacy(cl, cl->last_master_contact);
	}
	if (r->granted && v->epoch == cl->vote_epoch) {
		if (v->renew && cl->role == FAMFSD_MASTER && v->round == cl->renew_round) {
			if (++cl->renew_votes == majority(cl)) {
				set_lease_until(cl, cl->renew_sent);
				cl->d->metrics.lease_renewals++;
				famfsd_hostlease_extend(cl->d, cl->lease_until, 0);
			}
		} else if (!v->renew && cl->role == FAMFSD_CANDIDATE) {
			if (++cl->votes == majority(cl))
				become_master(cl);
		}
	}
	famfs__lease_reply__free_unpacked(r, NULL);
	free(v);
}

static void ask_votes(struct famfsd_cluster *cl, bool renew)
{
	Famfs__LeaseRequest m = FAMFS__LEASE_REQUEST__INIT;
	uint8_t buf[64];
	size_t len;

	m.epoch = cl->vote_epoch;
	m.candidate = self_id(cl);
	m.lease_ms = cl->lease_ms;
	m.committed_seq = cl->d->fs.log.hdr.committed_seq;
	len = famfs__lease_request__pack(&m, buf);
	for (uint32_t i = 0; i < cl->n_peers; i++) {
		struct peer *p = &cl->peers[i];
		struct vote_ctx *v;

		if (!p->conn || fam_rpc_conn_dead(p->conn))
			continue;
		v = calloc(1, sizeof(*v));
		if (!v)
			return;
		*v = (struct vote_ctx){ .cl = cl, .p = p, .epoch = m.epoch, .renew = renew,
					.round = cl->renew_round };
		if (fam_rpc_call(p->conn, "famfs.peer.Lease", buf, len, cl->lease_ms / 3 + 1,
				 on_vote, NULL, v))
			free(v);
	}
}

static void start_election(struct famfsd_cluster *cl, uint64_t now)
{
	uint64_t e = cl->epoch > cl->promised_epoch ? cl->epoch : cl->promised_epoch;

	if (e < cl->d->fs.log.hdr.epoch)
		e = cl->d->fs.log.hdr.epoch;
	if (e < cl->seen_epoch)
		e = cl->seen_epoch;
	/* Our own promise to another candidate must have run out too. */
	if (now < cl->promise_until && cl->promised_to != self_id(cl))
		return;
	cl->role = FAMFSD_CANDIDATE;
	cl->vote_epoch = e + 1;
	cl->promised_epoch = cl->vote_epoch;
	cl->promised_to = self_id(cl);
	cl->promise_until = now + cl->lease_ms;
	cl->vote_sent = now;
	cl->votes = 1;
	cl->d->metrics.elections++;
	famfsd_logf(&cl->d->log, LOG_INFO, "standing for master of epoch %llu",
		    (unsigned long long)cl->vote_epoch);
	if (cl->votes >= majority(cl))
		become_master(cl);
	else
		ask_votes(cl, false);
}

/* ---- push replay ---- */

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

/* ---- forwarding ---- */

struct fwd {
	struct famfsd *d;
	struct fam_rpc_call *call;
};

static void on_forwarded(int status, const char *msg, const uint8_t *payload, size_t len,
			 void *arg)
{
	struct fwd *f = arg;
	struct famfsd *d = f->d;

	if (status == FAM_RPC_OK) {
		/*
		 * The master replied after committing: replay so this host shows it
		 * too, once for all the replies of this loop iteration (commit.c
		 * holds them until then).
		 */
		famfsd_replay_soon(d);
		fam_rpc_reply(f->call, FAM_RPC_OK, NULL, payload, len);
	} else {
		fam_rpc_reply(f->call, status, msg, NULL, 0);
	}
	free(f);
}

void famfsd_forward(struct famfsd *d, struct fam_rpc_call *call, const uint8_t *req, size_t len)
{
	struct famfsd_cluster *cl = d->cluster;
	uint32_t left = fam_rpc_call_remaining_ms(call);
	struct fwd *f;
	char msg[128];
	int err;

	if (!cl || cl->master < 0) {
		fam_rpc_reply(call, FAM_RPC_UNAVAILABLE,
			      "no master: the cluster is electing one or has no majority", NULL, 0);
		return;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		fam_rpc_reply(call, FAM_RPC_RESOURCE_EXHAUSTED, "out of memory", NULL, 0);
		return;
	}
	f->d = d;
	f->call = call;
	err = famfsd_peer_call(d, (uint32_t)cl->master, fam_rpc_call_method(call), req, len,
			       left == UINT32_MAX ? 10000 : left, on_forwarded, f);
	if (err) {
		free(f);
		snprintf(msg, sizeof(msg), "master (host %d) is not reachable from host %u",
			 cl->master, self_id(cl));
		fam_rpc_reply(call, FAM_RPC_UNAVAILABLE, msg, NULL, 0);
	}
}

/* ---- peer methods ---- */

/* The rpc layer's handshake check: a TLS peer's certificate must name a host of this cluster. */
static bool known_host(void *arg, int host)
{
	return host >= 0 && peer_by_id(arg, (uint32_t)host);
}

/*
 * Peer identity (docs/certificates.md): a cluster message must come over
 * mutual TLS from the host it claims to be, as its certificate names it.
 * Refuses the call (PERMISSION_DENIED) and returns true otherwise.
 */
static bool claim_refused(struct famfsd *d, struct fam_rpc_call *call, uint32_t claimed)
{
	const struct fam_rpc_peer *p = fam_rpc_call_peer(call);
	const char *method = fam_rpc_call_method(call);
	char msg[256];

	if (!p->is_unix && p->host_id >= 0 && (uint32_t)p->host_id == claimed &&
	    peer_by_id(d->cluster, claimed))
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

/*
 * Record a promise to another host durably before it is given. Written ahead
 * (a deadline of two promises) so that renewals need a write only about once
 * per lease; a restarted famfsd caps it at its start + one promise.
 */
static int record_promise(struct famfsd_cluster *cl, uint64_t epoch, uint32_t candidate,
			  uint32_t dur, uint64_t until, uint64_t now)
{
	const struct famfsd_promise *saved = &cl->promises.saved;
	struct famfsd_promise p = { .epoch = epoch, .candidate = candidate, .dur_ms = dur,
				    .until_ms = now + 2 * (uint64_t)dur };
	char err[PATH_MAX + 128];
	int e;

	if (cl->promises.have && saved->epoch == epoch && saved->candidate == candidate &&
	    saved->dur_ms == dur && saved->until_ms >= until)
		return 0;
	e = famfsd_promise_save(&cl->promises, &p, err, sizeof(err));
	if (e)
		famfsd_logf(&cl->d->log, LOG_ERR, "refusing a lease vote: %s", err);
	return e;
}

static void h_lease(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	struct famfsd_cluster *cl = d->cluster;
	Famfs__LeaseRequest *m = famfs__lease_request__unpack(NULL, len, req);
	Famfs__LeaseReply r = FAMFS__LEASE_REPLY__INIT;
	uint64_t now = famfsd_now_ms(), until;
	bool held, held_other, foreign;
	uint32_t dur;
	uint8_t buf[64];

	if (refuse_alone(d, call)) {
		if (m)
			protobuf_c_message_free_unpacked(&m->base, NULL);
		return;
	}
	if (!m) {
		fam_rpc_reply(call, FAM_RPC_INVALID_ARGUMENT, "malformed LeaseRequest", NULL, 0);
		return;
	}
	if (claim_refused(d, call, m->candidate)) {
		famfs__lease_request__free_unpacked(m, NULL);
		return;
	}
	/*
	 * Our latest promise still runs (to ourselves as candidate or master
	 * too); held_other: to another host, or to an unknown one after a
	 * restart without a record.
	 */
	held = now < cl->promise_until;
	held_other = held && cl->promised_to != self_id(cl);
	if (m->epoch == cl->promised_epoch && m->candidate == cl->promised_to) {
		r.granted = true;			/* renewal */
	} else if (m->epoch == cl->epoch && (int)m->candidate == cl->master &&
		   cl->role == FAMFSD_FOLLOWER && !held_other &&
		   (cl->promised_to == self_id(cl) || m->epoch >= cl->promised_epoch)) {
		/* The master we follow, renewing; our own failed candidacy promised nothing. */
		r.granted = true;
	} else if (m->epoch > cl->promised_epoch && (!held || cl->promised_to == m->candidate)) {
		r.granted = true;			/* a new epoch */
	}
	dur = promise_ms(cl, m->lease_ms ? m->lease_ms : cl->lease_ms);
	until = now + dur;
	foreign = m->candidate != self_id(cl);
	if (r.granted && foreign &&
	    record_promise(cl, m->epoch, m->candidate, dur, until, now)) {
		famfs__lease_request__free_unpacked(m, NULL);
		fam_rpc_reply(call, FAM_RPC_UNAVAILABLE,
			      "this host cannot record its promise durably (see its log)", NULL, 0);
		return;
	}
	if (r.granted) {
		if (foreign && cl->role != FAMFSD_FOLLOWER)
			step_down(cl, "granted a newer epoch to another host");
		cl->promised_epoch = m->epoch;
		cl->promised_to = m->candidate;
		cl->promise_until = until;
		cl->epoch = m->epoch;
		cl->master = (int)m->candidate;
		cl->last_master_contact = now;
		/* Missed pushes (a partition, a slow link): catch up on the renewal. */
		if (foreign && m->committed_seq > d->fs.ns.applied_seq)
			famfsd_replay(d);
	}
	r.promised_epoch = cl->promised_epoch;
	r.promised_to = cl->promised_to;
	r.replayed_seq = d->fs.ns.applied_seq;
	r.host = self_id(cl);
	famfs__lease_request__free_unpacked(m, NULL);
	fam_rpc_reply(call, FAM_RPC_OK, NULL, buf, famfs__lease_reply__pack(&r, buf));
}

static void h_committed(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	struct famfsd_cluster *cl = d->cluster;
	Famfs__CommittedRequest *m = famfs__committed_request__unpack(NULL, len, req);
	Famfs__CommittedReply r = FAMFS__COMMITTED_REPLY__INIT;
	uint8_t buf[32];

	if (refuse_alone(d, call)) {
		if (m)
			protobuf_c_message_free_unpacked(&m->base, NULL);
		return;
	}
	if (!m) {
		fam_rpc_reply(call, FAM_RPC_INVALID_ARGUMENT, "malformed CommittedRequest", NULL, 0);
		return;
	}
	if (claim_refused(d, call, m->master)) {
		famfs__committed_request__free_unpacked(m, NULL);
		return;
	}
	if (m->epoch >= cl->epoch && m->master != self_id(cl)) {
		if (cl->role == FAMFSD_MASTER && m->epoch > cl->epoch)
			step_down(cl, "another host is master of a newer epoch");
		cl->epoch = m->epoch;
		cl->master = (int)m->master;
		cl->last_master_contact = famfsd_now_ms();
		famfsd_replay(d);
		if (m->watermark)
			fam_fs_set_watermark(&d->fs, m->watermark);
	}
	famfs__committed_request__free_unpacked(m, NULL);
	r.replayed_seq = d->fs.ns.applied_seq;
	r.host = self_id(cl);
	fam_rpc_reply(call, FAM_RPC_OK, NULL, buf, famfs__committed_reply__pack(&r, buf));
}

/* Time left of a window that ends at until (0 once it ended). */
static uint64_t left_of(uint64_t until, uint64_t now)
{
	return until > now ? until - now : 0;
}

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

static void h_cluster(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
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

/* ---- host leases: heartbeats to the master ---- */

/* Master: a host's lease ran out; release its grants (once; 0 when all are). */
static int host_expired(struct famfsd_cluster *cl, struct peer *p)
{
	struct famfsd *d = cl->d;

	if (!p->expired) {
		d->metrics.host_lease_expiries++;
		famfsd_logf(&d->log, LOG_WARNING, "host %u: lease expired", p->cfg->host_id);
	}
	p->expired = true;
	return famfsd_ownership_host_expired(d, p->cfg->host_id);
}

static void h_heartbeat(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
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
	if (cl && claim_refused(d, call, m->host))
		goto out;
	p = cl ? peer_by_id(cl, m->host) : NULL;
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
	    (famfsd_host_alive(d, m->host) || !host_expired(cl, p))) {
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
		famfsd_hostlease_check(d);
		if (r->committed_seq > d->fs.ns.applied_seq)
			famfsd_replay(d);
		famfsd_hostlease_extend(d, hb->sent + cl->host_lease_ms, r->committed_seq);
	}
	if (r)
		famfs__heartbeat_reply__free_unpacked(r, NULL);
	free(hb);
}

static void send_heartbeat(struct famfsd_cluster *cl, uint64_t now)
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
	if (famfsd_hostlease_stuck(cl->d, NULL, NULL))
		famfsd_replay(cl->d);
	m.replay_stuck = famfsd_hostlease_stuck(cl->d, NULL, NULL);
	len = famfs__heartbeat_request__pack(&m, buf);
	cl->hb_sent = now;
	if (famfsd_peer_call(cl->d, (uint32_t)cl->master, "famfs.peer.Heartbeat", buf, len,
			     cl->lease_ms / 3 + 1, on_heartbeat, hb)) {
		free(hb);
		return;
	}
	cl->hb_busy = true;
}

/* ---- the tick ---- */

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
			step_down(cl, "lease not renewed by a majority in time");
			break;
		}
		if (now >= cl->renew_sent + cl->lease_ms / 3) {
			cl->renew_sent = now;
			cl->renew_votes = 1;
			cl->renew_round++;
			cl->promise_until = now + cl->lease_ms;
			ask_votes(cl, true);
		}
		for (uint32_t i = 0; i < cl->n_peers; i++) {
			struct peer *p = &cl->peers[i];

			if (famfsd_host_alive(d, p->cfg->host_id))
				p->expired = false;
			else if (!p->expired && p->hb_heard)
				host_expired(cl, p);
		}
		break;
	case FAMFSD_CANDIDATE:
		if (now >= cl->vote_sent + cl->lease_ms / 2)
			abandon_candidacy(cl, now);	/* lost or split: wait, then stand again */
		break;
	default:
		if (now >= cl->last_master_contact + cl->lease_ms + cl->lease_ms / 2 +
			   (uint64_t)self_id(cl) % 8 * (cl->lease_ms / 8)) {
			cl->master = -1;
			start_election(cl, now);
		}
		break;
	}
	send_heartbeat(cl, now);
	if (now >= cl->last_own_tick + cl->lease_ms / 3) {
		cl->last_own_tick = now;
		famfsd_hostlease_check(d);
	}
}

static const struct {
	const char *name;
	unsigned int flags;
	fam_rpc_handler fn;
} peer_methods[] = {
	{ "famfs.peer.Lease", FAM_RPC_MUTATES, h_lease },
	{ "famfs.peer.Committed", FAM_RPC_MUTATES, h_committed },
	{ "famfs.peer.Heartbeat", 0, h_heartbeat },
	{ "famfs.Cluster", 0, h_cluster },
};

/*
 * What this host may have promised before it (re)started (docs/cluster.md,
 * "Votes survive restarts"): the recorded promise, or, with none, an unknown
 * one running for a whole promise from now. Until it ends, no other candidate
 * gets this host's vote and this host does not stand.
 */
static int restore_promise(struct famfsd_cluster *cl)
{
	struct famfsd *d = cl->d;
	struct famfsd_promise rec = { 0 }, p;
	char err[PATH_MAX + 128];
	bool same_boot = false;
	int found;

	found = famfsd_promise_open(&cl->promises, d->cfg.state_dir, self_id(cl), d->fs.sb.uuid,
				    &rec, &same_boot, err, sizeof(err));
	if (found < 0) {
		famfsd_logf(&d->log, LOG_ERR, "cluster: cannot keep lease promises durably: %s "
			    "(set [cluster] state_dir to a writable directory)", err);
		return found;
	}
	famfsd_promise_restore(&rec, found, same_boot, cl->start_ms,
			       promise_ms(cl, cl->lease_ms), &p);
	cl->promised_epoch = p.epoch;
	cl->promised_to = p.candidate;
	cl->promise_until = p.until_ms;
	if (p.epoch > cl->epoch)
		cl->epoch = p.epoch;
	if (!found)
		famfsd_logf(&d->log, LOG_NOTICE, "no lease promise recorded in %s: refusing every "
			    "vote for %llu ms", cl->promises.path,
			    (unsigned long long)(p.until_ms - cl->start_ms));
	else
		famfsd_logf(&d->log, LOG_NOTICE, "recorded lease promise: epoch %llu to host %u, "
			    "%s for %llu ms more", (unsigned long long)p.epoch, p.candidate,
			    same_boot ? "same boot" : "another boot",
			    (unsigned long long)(p.until_ms > cl->start_ms ?
						 p.until_ms - cl->start_ms : 0));
	return 0;
}

int famfsd_cluster_start(struct famfsd *d)
{
	struct famfsd_cluster *cl;
	struct timeval tv;
	char err[512];
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
	cl->promises.fd = -1;
	cl->lease_ms = d->cfg.lease_ms ? d->cfg.lease_ms : 3000;
	cl->host_lease_ms = d->cfg.host_lease_ms ? d->cfg.host_lease_ms : 3 * cl->lease_ms;
	cl->drift_ppm = d->cfg.clock_drift_ppm;
	cl->slack_ms = d->cfg.lease_slack_ms ? d->cfg.lease_slack_ms : cl->lease_ms / 20;
	cl->master = -1;
	cl->epoch = d->fs.log.hdr.epoch;
	cl->start_ms = cl->last_master_contact = famfsd_now_ms();
	d->fs.test_stall_file = getenv("FAMFSD_TEST_STALL_FILE");
	e = restore_promise(cl);
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
	fam_rpc_set_tls_hosts(d->rpc, known_host, cl);
	tv.tv_sec = 0;
	tv.tv_usec = (suseconds_t)(cl->lease_ms / 10 < 20 ? 20 : cl->lease_ms / 10) * 1000;
	cl->tick = event_new(d->base, -1, EV_PERSIST, on_tick, cl);
	if (!cl->tick || event_add(cl->tick, &tv))
		return -ENOMEM;
	famfsd_logf(&d->log, LOG_INFO, "cluster: host %u with %u peers, lease %u ms (master "
		    "stops after %u ms, promises last %u ms: epsilon %u ppm, slack %u ms)",
		    d->cfg.host_id, cl->n_peers, cl->lease_ms, master_lease_ms(cl),
		    promise_ms(cl, cl->lease_ms), cl->drift_ppm, cl->slack_ms);
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
