// SPDX-License-Identifier: Apache-2.0
/*
 * Master lease (majority promises): a candidate takes epoch E = highest
 * seen + 1 and asks every host for a promise. A host promises at most one
 * candidate per epoch, and none other while an earlier promise is still
 * running (lease_ms from when it granted, on its own monotonic clock). The
 * master counts its lease from before it asked, so it expires no later than
 * any promise it holds; it renews every lease/3 and stops writing when it
 * cannot. A successor can therefore only win after the old lease ran out,
 * and it publishes its epoch in the log header before its first write; the
 * log writer (lib/fs.c) refuses to commit when the header moved under it.
 * The promise given is recorded durably before the answer (promise.c).
 *
 * Followers hear from the master through renewals and pushes
 * (famfs.peer.Committed, answered here: who is master is this file's state).
 */
#include "cluster_int.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Lease margins (docs/cluster.md): every clock runs within a factor
 * (1 +- epsilon) of real time. A voter's promise lasts lease x (1 + epsilon)
 * on its clock, at least lease in real time; the master counts
 * lease x (1 - epsilon) - slack on its own, at most lease - slack in real
 * time, from before it asked. So the master stops at least slack before any
 * promise it holds can run out, whatever the two clocks' rates.
 */
uint32_t cl_promise_ms(const struct famfsd_cluster *cl, uint32_t lease)
{
	return lease + (uint32_t)((uint64_t)lease * cl->drift_ppm / 1000000);
}

uint32_t cl_master_lease_ms(const struct famfsd_cluster *cl)
{
	return cl->lease_ms - (uint32_t)((uint64_t)cl->lease_ms * cl->drift_ppm / 1000000) -
	       cl->slack_ms;
}

/* The master lease (re)starts at from: it bounds every store into the log too. */
static void set_lease_until(struct famfsd_cluster *cl, uint64_t from)
{
	cl->lease_until = from + cl_master_lease_ms(cl);
	cl->d->fs.log.store_deadline_ms = cl->lease_until;
}

/* ---- becoming and leaving master ---- */

void cl_abandon_candidacy(struct famfsd_cluster *cl, uint64_t now);

void cl_step_down(struct famfsd_cluster *cl, const char *why)
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
	cl_abandon_candidacy(cl, cl->last_master_contact);
}

static void become_master(struct famfsd_cluster *cl)
{
	struct famfsd *d = cl->d;
	int err;

	/* Promises run from when they were granted, after vote_sent: ours ends first. */
	set_lease_until(cl, cl->vote_sent);
	if (famfsd_now_ms() >= cl->lease_until) {
		cl_abandon_candidacy(cl, famfsd_now_ms());
		return;
	}
	/* The module's lease now ends with the master lease (and makes the log readable). */
	cl->hooks.lease_extend(cl->hooks.arg, cl->lease_until, 0);
	err = fam_fs_become_writer(&d->fs, cl->vote_epoch);
	if (err) {
		famfsd_logf(&d->log, LOG_ERR, "cannot become the log writer: %s", d->fs.err);
		cl_abandon_candidacy(cl, famfsd_now_ms());
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
void cl_abandon_candidacy(struct famfsd_cluster *cl, uint64_t now)
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
			cl_abandon_candidacy(cl, cl->last_master_contact);
	}
	if (r->granted && v->epoch == cl->vote_epoch) {
		if (v->renew && cl->role == FAMFSD_MASTER && v->round == cl->renew_round) {
			if (++cl->renew_votes == majority(cl)) {
				set_lease_until(cl, cl->renew_sent);
				cl->d->metrics.lease_renewals++;
				cl->hooks.lease_extend(cl->hooks.arg, cl->lease_until, 0);
			}
		} else if (!v->renew && cl->role == FAMFSD_CANDIDATE) {
			if (++cl->votes == majority(cl))
				become_master(cl);
		}
	}
	famfs__lease_reply__free_unpacked(r, NULL);
	free(v);
}

void cl_ask_votes(struct famfsd_cluster *cl, bool renew)
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

void cl_start_election(struct famfsd_cluster *cl, uint64_t now)
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
		cl_ask_votes(cl, false);
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

void cl_h_lease(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	struct famfsd_cluster *cl = d->cluster;
	Famfs__LeaseRequest *m = cl_peer_msg(d, call, &famfs__lease_request__descriptor, req, len);
	Famfs__LeaseReply r = FAMFS__LEASE_REPLY__INIT;
	uint64_t now = famfsd_now_ms(), until;
	bool held, held_other, foreign;
	uint32_t dur;
	uint8_t buf[64];

	if (!m)
		return;
	if (cl_claim_refused(d, call, m->candidate)) {
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
	dur = cl_promise_ms(cl, m->lease_ms ? m->lease_ms : cl->lease_ms);
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
			cl_step_down(cl, "granted a newer epoch to another host");
		cl->promised_epoch = m->epoch;
		cl->promised_to = m->candidate;
		cl->promise_until = until;
		cl->epoch = m->epoch;
		cl->master = (int)m->candidate;
		cl->last_master_contact = now;
		/* Missed pushes (a partition, a slow link): catch up on the renewal. */
		if (foreign && m->committed_seq > d->fs.ns.applied_seq)
			cl->hooks.replay(cl->hooks.arg);
	}
	r.promised_epoch = cl->promised_epoch;
	r.promised_to = cl->promised_to;
	r.replayed_seq = d->fs.ns.applied_seq;
	r.host = self_id(cl);
	famfs__lease_request__free_unpacked(m, NULL);
	fam_rpc_reply(call, FAM_RPC_OK, NULL, buf, famfs__lease_reply__pack(&r, buf));
}


void cl_h_committed(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	struct famfsd_cluster *cl = d->cluster;
	Famfs__CommittedRequest *m = cl_peer_msg(d, call, &famfs__committed_request__descriptor,
						 req, len);
	Famfs__CommittedReply r = FAMFS__COMMITTED_REPLY__INIT;
	uint8_t buf[32];

	if (!m)
		return;
	if (cl_claim_refused(d, call, m->master)) {
		famfs__committed_request__free_unpacked(m, NULL);
		return;
	}
	if (m->epoch >= cl->epoch && m->master != self_id(cl)) {
		if (cl->role == FAMFSD_MASTER && m->epoch > cl->epoch)
			cl_step_down(cl, "another host is master of a newer epoch");
		cl->epoch = m->epoch;
		cl->master = (int)m->master;
		cl->last_master_contact = famfsd_now_ms();
		cl->hooks.replay(cl->hooks.arg);
		if (m->watermark)
			fam_fs_set_watermark(&d->fs, m->watermark);
	}
	famfs__committed_request__free_unpacked(m, NULL);
	r.replayed_seq = d->fs.ns.applied_seq;
	r.host = self_id(cl);
	fam_rpc_reply(call, FAM_RPC_OK, NULL, buf, famfs__committed_reply__pack(&r, buf));
}


/*
 * What this host may have promised before it (re)started (docs/cluster.md,
 * "Votes survive restarts"): the recorded promise, or, with none, an unknown
 * one running for a whole promise from now. Until it ends, no other candidate
 * gets this host's vote and this host does not stand.
 */
int cl_restore_promise(struct famfsd_cluster *cl)
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
			       cl_promise_ms(cl, cl->lease_ms), &p);
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

