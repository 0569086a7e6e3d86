// SPDX-License-Identifier: Apache-2.0
/*
 * The handoff state machine (docs/ownership.md, "Handoff"), on the master:
 * checks -> revoke on the holder (famfs.peer.Revoke, or here) -> one OWNER
 * record that moves the grant -> famfs.peer.Grant on the new owner -> reply.
 * A release of a read-write grant is the same machine with no new owner.
 * The holder's side (revoke with --wait polling) and the new owner's side
 * (a Grant checked against the log) are here too, and the holder-first
 * handoff: a follower that holds the grant revokes for its own client before
 * it forwards the call, and the master skips its Revoke (two messages fewer).
 * Everything runs on the event loop; waits are timers; user-space mode's
 * cache walks and kernel mode's access lowerings (FAMFSIOC_SET_ACCESS, with
 * its write-back and its wait for pinned pages) run on worker threads
 * (dataset.c) and come back to the loop, before anything is acked or
 * committed.
 */
#include "famfsd.h"
#include "authz.h"
#include "own_int.h"
#include "reply.h"
#include "cluster.h"
#include "grants.h"
#include "hostlease.h"
#include "kmount.h"
#include "rpc.h"
#include "famfs.pb-c.h"

#include <errno.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- handoffs in progress ---- */

const struct handoff *own_busy(const struct famfsd *d, const char *path)
{
	for (const struct handoff *h = d->own->handoffs; h; h = h->next)
		if (paths_overlap(h->path, path))
			return h;
	return NULL;
}

bool own_refuse_busy(struct famfsd *d, struct fam_rpc_call *call, const char *path)
{
	const struct handoff *h = own_busy(d, path);

	if (!h)
		return false;
	famfsd_reply_status(d, call, FAM_RPC_ABORTED, "%s: a handoff of %s (host %u -> host %u) is in "
		     "progress; retry when it is done", path, h->path, h->from, h->to);
	return true;
}

static void handoff_free(struct famfsd *d, struct handoff *h)
{
	struct handoff **pp;

	for (pp = &d->own->handoffs; *pp; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	free(h);
}

/* ---- Handoff (master) ---- */

static void handoff_reply(struct handoff *h, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void handoff_reply(struct handoff *h, int status, const char *fmt, ...)
{
	struct famfsd *d = h->d;

	if (h->to != TO_NOBODY)
		famfsd_metrics_handoff(&d->metrics, status == FAM_RPC_OK, famfsd_now_us() - h->start_us);
	if (status == FAM_RPC_OK) {
		own_reply_owners(d, h->call, h->path, h->warning[0] ? h->warning : NULL,
			     h->to == TO_NOBODY ? h->from : h->to);
	} else {
		char msg[PATH_MAX + 1024];
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		famfsd_logf(&d->log, LOG_WARNING, "%s failed: %s",
			    h->to == TO_NOBODY ? "release" : "handoff", msg);
		famfsd_reply_status(d, h->call, status, "%s", msg);
	}
	handoff_free(d, h);
}

static void on_granted(int status, const char *msg, const uint8_t *payload, size_t len,
		       void *arg)
{
	struct handoff *h = arg;

	h->peer_pending = false;
	if (h->orphan) {
		free(h);
		return;
	}
	if (status != FAM_RPC_OK)
		snprintf(h->warning, sizeof(h->warning), "host %u did not confirm the grant (%s: %s); "
			 "it takes access when it replays the log", h->to,
			 fam_rpc_status_name(status), msg);
	handoff_reply(h, FAM_RPC_OK, NULL);
}

static void granted_here(struct famfsd *d, void *arg, uint64_t bytes)
{
	(void)d;
	(void)bytes;
	handoff_reply(arg, FAM_RPC_OK, NULL);
}

static void handoff_grant(struct handoff *h, uint64_t epoch)
{
	struct famfsd *d = h->d;
	Famfs__GrantRequest g = FAMFS__GRANT_REQUEST__INIT;
	uint8_t buf[PATH_MAX + 64];
	size_t len;
	int err;

	if (h->to == d->cfg.host_id) {
		own_do_grant(d, h->path, granted_here, h);
		return;
	}
	g.path = h->path;
	g.mode = FAM_OWN_RW;
	g.epoch = epoch;
	g.master = d->cfg.host_id;
	g.master_epoch = famfsd_cluster_epoch(d);
	len = famfs__grant_request__pack(&g, buf);
	err = famfsd_peer_call(d, h->to, "famfs.peer.Grant", buf, len, PEER_DEADLINE_MS,
			       on_granted, h);
	if (err) {
		snprintf(h->warning, sizeof(h->warning), "host %u is not reachable to confirm the "
			 "grant (%s); it takes access when it replays the log", h->to,
			 strerror(-err));
		handoff_reply(h, FAM_RPC_OK, NULL);
		return;
	}
	h->peer_pending = true;
}

/* The current owner answered the revocation (or did not). */
static void handoff_revoked(struct handoff *h, int status, const char *msg)
{
	struct famfsd *d = h->d;
	char cmsg[PATH_MAX + 600];
	const struct fam_grant *g;
	struct fam_node *n;
	uint64_t epoch;
	int err;

	if (status != FAM_RPC_OK) {
		bool silent = status == FAM_RPC_UNAVAILABLE || status == FAM_RPC_DEADLINE_EXCEEDED;

		if (status == FAM_RPC_CANCELLED) {
			handoff_reply(h, FAM_RPC_UNAVAILABLE, "%s: the revocation by host %u was "
				      "cancelled (%s); nothing committed", h->path, h->from, msg);
			return;
		}
		if (!silent) {
			handoff_reply(h, status, "host %u did not revoke: %s; nothing committed",
				      h->from, msg);
			return;
		}
		if (!h->force || !own_host_gone(d, h->from)) {
			handoff_reply(h, FAM_RPC_UNAVAILABLE, "%s: host %u did not answer the "
				      "revocation (%s: %s); nothing committed%s", h->path, h->from,
				      fam_rpc_status_name(status), msg, h->to == TO_NOBODY ?
				      "; its lease has not expired, so it may still write: the "
				      "release waits until it revokes or its lease expires (retry)" :
				      h->force ?
				      "; its lease has not expired, so it may still use the data "
				      "set (--force proceeds only without it)" :
				      "; retry (when its lease expires its grants are released), or "
				      "--force to proceed without it once it has");
			return;
		}
		snprintf(h->warning, sizeof(h->warning), "host %u did not answer (%s) and %s: its "
			 "grant was taken by force, without its cache flush", h->from, msg,
			 own_is_member(d, h->from) ? "its lease has expired" : "it is not a cluster member");
	}
	if (!famfsd_is_master(d)) {
		handoff_reply(h, FAM_RPC_UNAVAILABLE, "%s: this host stopped being the master during "
			      "the handoff; nothing committed (retry)", h->path);
		return;
	}
	err = fam_fs_lookup(&d->fs, h->path, &n);
	g = err ? NULL : grant_of(n, h->from);
	if (!g || g->mode != FAM_OWN_RW || g->grant_epoch != h->from_epoch) {
		handoff_reply(h, FAM_RPC_ABORTED, "%s: its ownership changed during the handoff; "
			      "nothing committed", h->path);
		return;
	}
	memcpy(d->fs.req_id, h->req_id, sizeof(h->req_id));
	if (h->to == TO_NOBODY) {
		err = own_commit_owner(d, h->path, h->from, FAM_OWN_NONE, h->from_epoch);
		famfsd_request_end(d);
		if (err) {
			handoff_reply(h, fam_rpc_status_from_errno(err), "%s: committing the release "
				      "of host %u: %s%s%s; its grant stands", h->path, h->from,
				      strerror(-err), d->fs.err[0] ? ": " : "", d->fs.err);
			return;
		}
		famfsd_cluster_committed(d);
		handoff_reply(h, FAM_RPC_OK, NULL);
		return;
	}
	if (grants_conflict(n, h->path, h->to, FAM_OWN_RW, n, h->from, cmsg, sizeof(cmsg))) {
		famfsd_request_end(d);
		handoff_reply(h, FAM_RPC_FAILED_PRECONDITION, "%s", cmsg);
		return;
	}
	epoch = own_next_epoch(d->own, n);
	err = own_commit_move(d, h->path, h->from, h->from_epoch, h->to, epoch);
	famfsd_request_end(d);
	if (err) {
		handoff_reply(h, fam_rpc_status_from_errno(err), "%s: committing the handoff from "
			      "host %u to host %u: %s%s%s; nothing changed (host %u keeps its grant)",
			      h->path, h->from, h->to, strerror(-err), d->fs.err[0] ? ": " : "",
			      d->fs.err, h->from);
		return;
	}
	/*
	 * The Grant first: the record is published already (an OWNER record is
	 * not batched), so the new owner's frame is the first famfsd writes and
	 * the Grant the first thing the new owner reads, ahead of the pushes that
	 * tell every host the same (h may be gone after handoff_grant).
	 */
	handoff_grant(h, epoch);
	famfsd_cluster_committed(d);
}

static void on_revoked(int status, const char *msg, const uint8_t *payload, size_t len,
		       void *arg)
{
	struct handoff *h = arg;

	h->peer_pending = false;
	if (h->orphan) {
		free(h);
		return;
	}
	handoff_revoked(h, status, msg);
}

static void revoke_step(struct revoke *rv);
static void hfirst_revoked(struct hfirst *hf, int status, const char *msg);
static int hfirst_give_up(struct hfirst *hf, char *msg, size_t cap);

static void revoke_timer(evutil_socket_t fd, short what, void *arg)
{
	revoke_step(arg);
}

static void revoke_finish(struct revoke *rv, int status, const char *msg, uint64_t bytes)
{
	struct famfsd *d = rv->d;
	struct revoke **pp;

	for (pp = &d->own->revokes; *pp; pp = &(*pp)->next)
		if (*pp == rv) {
			*pp = rv->next;
			break;
		}
	if (rv->timer)
		event_free(rv->timer);
	if (status == FAM_RPC_OK && rv->hf)
		famfsd_logf(&d->log, LOG_NOTICE, "%s: access revoked on this host (%llu bytes "
			    "flushed) for its own handoff to host %u, grant epoch %llu given up: "
			    "holder-first, asking the master", rv->path, (unsigned long long)bytes,
			    rv->hf->to, (unsigned long long)rv->hf->epoch);
	else if (status == FAM_RPC_OK)
		famfsd_logf(&d->log, LOG_NOTICE, "%s: access revoked on this host (%llu bytes "
			    "flushed)", rv->path, (unsigned long long)bytes);
	if (rv->call) {
		if (status == FAM_RPC_OK) {
			Famfs__PeerOwnReply r = FAMFS__PEER_OWN_REPLY__INIT;

			r.host = d->cfg.host_id;
			r.bytes = bytes;
			r.waited_ms = (uint32_t)(famfsd_now_ms() - rv->start);
			r.note = (char *)"";
			famfsd_reply_packed(rv->call, &r.base);
		} else {
			famfsd_reply_status(d, rv->call, status, "%s", msg);
		}
	}
	if (rv->h)
		handoff_revoked(rv->h, status, msg);
	if (rv->hf)
		hfirst_revoked(rv->hf, status, msg);
	free(rv);
}

/*
 * After an attempt: pages still pinned are waited for again, PIN_RETRIES
 * times (the module waits 2 s each), then reported as a state the caller can
 * wait out (ABORTED), not as a fault of famfsd.
 */
static void revoke_done(struct revoke *rv, int err, const char *msg)
{
	struct timeval tv = { 0, PIN_RETRY_MS * 1000 };
	bool pinned = err == -EBUSY || err == -ETIMEDOUT;

	if (pinned && rv->pin_retries < PIN_RETRIES) {
		rv->pin_retries++;
		famfsd_logf(&rv->d->log, LOG_WARNING, "%s: pages stay pinned on this host: "
			    "revocation retry %u of %u in %d ms", rv->path, rv->pin_retries,
			    PIN_RETRIES, PIN_RETRY_MS);
		if (!rv->timer)
			rv->timer = evtimer_new(rv->d->base, revoke_timer, rv);
		if (rv->timer && !evtimer_add(rv->timer, &tv))
			return;
	}
	revoke_finish(rv, !err ? FAM_RPC_OK : pinned ? FAM_RPC_ABORTED : FAM_RPC_INTERNAL,
		      err ? msg : "", rv->bytes);
}

static void revoke_walked(struct famfsd *d, void *arg, uint64_t bytes)
{
	(void)d;
	revoke_finish(arg, FAM_RPC_OK, "", bytes);
}

/* Kernel mode: the worker lowered access (err 0), or pages stay pinned, or it failed. */
static void revoke_lowered(struct famfsd *d, void *arg, int err, uint64_t bytes, const char *msg)
{
	struct revoke *rv = arg;

	(void)d;
	if (!rv->pin_retries)
		rv->bytes = bytes;
	revoke_done(rv, err, msg);
}

static void revoke_step(struct revoke *rv)
{
	struct famfsd *d = rv->d;
	struct file_list fl = { .d = d };
	char msg[PATH_MAX + 600], comm[64] = "";
	uint64_t bytes = 0, now = famfsd_now_ms();
	struct fam_node *n;
	pid_t pid = 0;
	int err;

	if (rv->pin_retries) {
		/* Only the last step again: the earlier ones would raise access. */
		err = own_revoke_none(d, rv->path, msg, sizeof(msg), revoke_lowered, rv);
		if (err != 1)
			revoke_done(rv, err, msg);
		return;
	}
	err = fam_fs_lookup(&d->fs, rv->path, &n);
	if (err) {
		snprintf(msg, sizeof(msg), "%s: %s on host %u", rv->path, strerror(-err),
			 d->cfg.host_id);
		revoke_finish(rv, fam_rpc_status_from_errno(err), msg, 0);
		return;
	}
	if (own_collect_cb(&fl, n)) {
		own_file_list_free(&fl);
		revoke_finish(rv, FAM_RPC_RESOURCE_EXHAUSTED, "out of memory", 0);
		return;
	}
	if (rv->wait_ms)
		pid = own_in_use(d, &fl, comm, sizeof(comm));
	if (pid && now < rv->deadline) {
		struct timeval tv = { 0, POLL_MS * 1000 };

		own_file_list_free(&fl);
		if (!rv->timer)
			rv->timer = evtimer_new(d->base, revoke_timer, rv);
		if (rv->timer && !evtimer_add(rv->timer, &tv))
			return;
		revoke_finish(rv, FAM_RPC_INTERNAL, "cannot arm a timer", 0);
		return;
	}
	if (pid && !rv->force) {
		own_file_list_free(&fl);
		snprintf(msg, sizeof(msg), "%s: still in use on host %u by pid %d (%s) after waiting "
			 "%u ms; nothing revoked (wait longer, or --force to revoke anyway)",
			 rv->path, d->cfg.host_id, (int)pid, comm, rv->wait_ms);
		revoke_finish(rv, FAM_RPC_ABORTED, msg, 0);
		return;
	}
	if (pid)
		famfsd_logf(&d->log, LOG_WARNING, "%s: revoking while pid %d (%s) still uses it",
			    rv->path, (int)pid, comm);
	if (rv->hf) {
		err = hfirst_give_up(rv->hf, msg, sizeof(msg));
		if (err) {
			own_file_list_free(&fl);
			revoke_finish(rv, err == -ENOMEM ? FAM_RPC_RESOURCE_EXHAUSTED : FAM_RPC_ABORTED,
				      msg, 0);
			return;
		}
	}
	err = own_do_revoke(d, rv->path, &fl, &bytes, msg, sizeof(msg), revoke_walked,
			    revoke_lowered, rv);
	own_file_list_free(&fl);
	if (err == 1)
		return;		/* on a worker: revoke_walked or revoke_lowered goes on */
	rv->bytes = bytes;
	revoke_done(rv, err, msg);
}

static void revoke_start(struct famfsd *d, struct fam_rpc_call *call, struct handoff *h,
			 struct hfirst *hf, const char *path, uint32_t wait_ms, bool force)
{
	struct revoke *rv = calloc(1, sizeof(*rv));

	if (!rv) {
		if (call)
			famfsd_reply_status(d, call, FAM_RPC_RESOURCE_EXHAUSTED, "out of memory");
		if (h)
			handoff_revoked(h, FAM_RPC_RESOURCE_EXHAUSTED, "out of memory");
		if (hf)
			hfirst_revoked(hf, FAM_RPC_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	rv->d = d;
	rv->call = call;
	rv->h = h;
	rv->hf = hf;
	snprintf(rv->path, sizeof(rv->path), "%s", path);
	rv->start = famfsd_now_ms();
	rv->deadline = rv->start + wait_ms;
	rv->wait_ms = wait_ms;
	rv->force = force;
	rv->next = d->own->revokes;
	d->own->revokes = rv;
	revoke_step(rv);
}

/* ---- Holder-first handoff (a follower that holds the grant) ---- */

static void hfirst_free(struct hfirst *hf)
{
	struct famfsd *d = hf->d;

	for (struct hfirst **pp = &d->own->hfirsts; *pp; pp = &(*pp)->next)
		if (*pp == hf) {
			*pp = hf->next;
			break;
		}
	free(hf);
}

/*
 * Right before the revoke lowers access (after any --wait): give the grant up
 * for good, as the model's giveup does, so that nothing raises it again here
 * while the master may still commit the handoff (a hold could be dropped by an
 * OWNER record of a nested grant; a lost grant never gives access).
 */
static int hfirst_give_up(struct hfirst *hf, char *msg, size_t cap)
{
	struct famfsd *d = hf->d;
	const struct fam_grant *g;
	struct fam_node *n;
	int err;

	err = fam_fs_lookup(&d->fs, hf->path, &n);
	g = err ? NULL : grant_of(n, d->cfg.host_id);
	if (!g || g->mode != FAM_OWN_RW || n->ino != hf->ino || g->grant_epoch != hf->epoch) {
		snprintf(msg, cap, "%s: host %u's grant changed while it waited to revoke; nothing "
			 "revoked, nothing committed", hf->path, d->cfg.host_id);
		return -ESTALE;
	}
	err = famfsd_grant_give_up(d, hf->ino, hf->epoch);
	if (err) {
		snprintf(msg, cap, "%s: cannot record the grant given up: %s", hf->path,
			 strerror(-err));
		return err;
	}
	hf->given_up = true;
	return 0;
}

/* The master answered the forwarded handoff (or the call failed). */
static void on_hfirst_done(int status, const char *msg, const uint8_t *payload, size_t len,
			   void *arg)
{
	struct hfirst *hf = arg;
	struct famfsd *d = hf->d;
	const struct fam_grant *g;
	struct fam_node *n;
	bool kept;

	hf->peer_pending = false;
	if (hf->orphan) {
		free(hf);
		return;
	}
	/*
	 * The master may have seen it: the grant stays given up while the log
	 * shows it (its release is asked for), and is forgotten once the replay
	 * shows it moved: nothing can raise a grant the namespace does not hold,
	 * and no walk of the namespace is left to prune it (hostlease.c).
	 */
	famfsd_replay(d);
	kept = !fam_fs_lookup(&d->fs, hf->path, &n) && (g = grant_of(n, d->cfg.host_id)) &&
	       n->ino == hf->ino && g->grant_epoch == hf->epoch;
	famfsd_grant_give_up_end(d, hf->ino, hf->epoch, kept);
	if (status == FAM_RPC_OK) {
		fam_rpc_reply(hf->call, FAM_RPC_OK, NULL, payload, len);
		hfirst_free(hf);
		return;
	}
	famfsd_logf(&d->log, LOG_WARNING, "%s: holder-first handoff to host %u failed: %s%s",
		    hf->path, hf->to, msg, kept ? "; the grant this host gave up for it is "
		    "released (asked of the master)" : "");
	if (kept)
		famfsd_reply_status(d, hf->call, status, "%s; host %u had revoked its grant for "
				    "this handoff and gave it up: it asks the master to release it "
				    "(acquire again to use the data set)", msg, d->cfg.host_id);
	else
		famfsd_reply_status(d, hf->call, status, "%s", msg);
	hfirst_free(hf);
}

/* The revoke here is done (or failed): ask the master to commit. */
static void hfirst_revoked(struct hfirst *hf, int status, const char *msg)
{
	struct famfsd *d = hf->d;
	Famfs__HandoffRequest r = FAMFS__HANDOFF_REQUEST__INIT;
	uint32_t left = fam_rpc_call_remaining_ms(hf->call);
	uint8_t buf[PATH_MAX + 128];
	int master = famfsd_master_id(d), err;
	size_t blen;

	if (status != FAM_RPC_OK) {
		/* Nothing was sent: nobody can have relied on the give-up. */
		if (hf->given_up)
			famfsd_grant_give_up_end(d, hf->ino, hf->epoch, false);
		famfsd_reply_status(d, hf->call, status, "host %u did not revoke: %s; nothing "
				    "committed", d->cfg.host_id, msg);
		hfirst_free(hf);
		return;
	}
	if (master < 0 || (uint32_t)master == d->cfg.host_id) {
		famfsd_grant_give_up_end(d, hf->ino, hf->epoch, false);
		famfsd_reply_status(d, hf->call, FAM_RPC_UNAVAILABLE, "%s: the master changed while "
				    "host %u revoked; nothing committed (retry)", hf->path,
				    d->cfg.host_id);
		hfirst_free(hf);
		return;
	}
	r.path = hf->path;
	r.to_host = hf->to;
	r.wait_ms = hf->wait_ms;
	r.force = hf->force;
	r.request_id.data = hf->req_id;
	r.request_id.len = hf->req_id_len;
	r.holder_revoked = true;
	r.holder_epoch = hf->epoch;
	blen = famfs__handoff_request__pack(&r, buf);
	err = famfsd_peer_call(d, (uint32_t)master, "famfs.Handoff", buf, blen,
			       left == UINT32_MAX ? 10000 : left, on_hfirst_done, hf);
	if (err) {
		famfsd_grant_give_up_end(d, hf->ino, hf->epoch, false);
		famfsd_reply_status(d, hf->call, FAM_RPC_UNAVAILABLE, "master (host %d) is not "
				    "reachable from host %u; nothing committed", master,
				    d->cfg.host_id);
		hfirst_free(hf);
		return;
	}
	hf->peer_pending = true;
}

/*
 * On a follower, for a local client: when this host holds the read-write
 * grant on the path and its own view finds nothing the master would refuse,
 * revoke here first, then forward with holder_revoked (docs/ownership.md,
 * "Holder-first handoff"). False: forward as it is (the master revokes).
 */
static bool hfirst_start(struct famfsd *d, struct fam_rpc_call *call,
			 const Famfs__HandoffRequest *m)
{
	uint32_t self = d->cfg.host_id;
	int master = famfsd_master_id(d);
	const struct fam_grant *g;
	struct fam_node *n;
	struct hfirst *hf;
	char msg[PATH_MAX + 600];

	if (!fam_rpc_call_peer(call)->is_unix || !d->cluster || master < 0 ||
	    (uint32_t)master == self || m->to_host == self || m->to_host >= FAM_MAX_HOSTS ||
	    !own_is_member(d, m->to_host) || m->wait_ms > WAIT_MAX_MS ||
	    m->request_id.len > FAM_REQ_ID_LEN || !famfsd_hostlease_valid(d) ||
	    fam_fs_lookup(&d->fs, m->path, &n))
		return false;
	g = grant_of(n, self);
	if (!g || g->mode != FAM_OWN_RW || famfsd_grant_lost(d, n->ino, g->grant_epoch) ||
	    own_is_held(d, m->path) ||
	    grants_conflict(n, m->path, m->to_host, FAM_OWN_RW, n, self, msg, sizeof(msg)))
		return false;
	for (hf = d->own->hfirsts; hf; hf = hf->next)
		if (paths_overlap(hf->path, m->path))
			return false;
	hf = calloc(1, sizeof(*hf));
	if (!hf)
		return false;
	hf->d = d;
	hf->call = call;
	snprintf(hf->path, sizeof(hf->path), "%s", m->path);
	hf->to = m->to_host;
	hf->wait_ms = m->wait_ms;
	hf->force = m->force;
	if (m->request_id.len)
		memcpy(hf->req_id, m->request_id.data, m->request_id.len);
	hf->req_id_len = m->request_id.len;
	hf->ino = n->ino;
	hf->epoch = g->grant_epoch;
	hf->next = d->own->hfirsts;
	d->own->hfirsts = hf;
	/* Logged once, with the revoke (one write on the handoff's path, not two). */
	revoke_start(d, NULL, NULL, hf, hf->path, hf->wait_ms, hf->force);
	return true;
}

/*
 * The master: did the holder revoke (and give up) this very grant before it
 * forwarded its client's call? Only the holder itself can say so, over its
 * certificate; anything else is revoked as usual.
 */
static bool holder_revoked(struct famfsd *d, struct fam_rpc_call *call,
			   const Famfs__HandoffRequest *m, const struct fam_grant *g)
{
	const struct fam_rpc_peer *p = fam_rpc_call_peer(call);

	if (!m->holder_revoked)
		return false;
	if (!p->is_unix && p->host_id >= 0 && (uint32_t)p->host_id == g->host &&
	    g->host != d->cfg.host_id && m->holder_epoch == g->grant_epoch)
		return true;
	famfsd_logf(&d->log, LOG_INFO, "%s: holder_revoked from %s (epoch %llu) does not match "
		    "the grant of host %u (epoch %llu): revoking there as usual", m->path, p->name,
		    (unsigned long long)m->holder_epoch, g->host,
		    (unsigned long long)g->grant_epoch);
	return false;
}

struct handoff *own_handoff_new(struct famfsd *d, struct fam_rpc_call *call, const char *path,
				   uint32_t from, uint64_t from_epoch, uint32_t to)
{
	struct handoff *h = calloc(1, sizeof(*h));

	if (!h) {
		famfsd_reply_status(d, call, FAM_RPC_RESOURCE_EXHAUSTED, "out of memory");
		return NULL;
	}
	h->d = d;
	h->call = call;
	snprintf(h->path, sizeof(h->path), "%s", path);
	h->from = from;
	h->to = to;
	h->from_epoch = from_epoch;
	h->start_us = famfsd_now_us();
	h->next = d->own->handoffs;
	d->own->handoffs = h;
	return h;
}

/* Revoke on the holder (here or famfs.peer.Revoke); handoff_revoked() goes on. */
void own_handoff_start(struct handoff *h)
{
	struct famfsd *d = h->d;
	int err;

	if (h->to == TO_NOBODY)
		famfsd_logf(&d->log, LOG_NOTICE, "%s: release of host %u's read-write grant: "
			    "revoking there first", h->path, h->from);
	else
		famfsd_logf(&d->log, LOG_NOTICE, "%s: handoff host %u -> host %u (wait %u ms%s)",
			    h->path, h->from, h->to, h->wait_ms, h->force ? ", force" : "");
	if (h->from == d->cfg.host_id) {
		revoke_start(d, NULL, h, NULL, h->path, h->wait_ms, h->force);
	} else {
		Famfs__RevokeRequest r = FAMFS__REVOKE_REQUEST__INIT;
		uint8_t buf[PATH_MAX + 64];
		size_t blen;

		r.path = h->path;
		r.wait_ms = h->wait_ms;
		r.force = h->force;
		blen = famfs__revoke_request__pack(&r, buf);
		err = famfsd_peer_call(d, h->from, "famfs.peer.Revoke", buf, blen,
				       h->wait_ms + PEER_DEADLINE_MS + PIN_RETRY_BUDGET_MS,
				       on_revoked, h);
		if (err)
			handoff_revoked(h, FAM_RPC_UNAVAILABLE, strerror(-err));
		else
			h->peer_pending = true;
	}
}

void own_h_handoff(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	FAMFSD_UNPACK(Famfs__HandoffRequest, famfs__handoff_request, m, req, len);
	char msg[PATH_MAX + 600];
	const struct fam_grant *g = NULL;
	struct handoff *h;
	struct fam_node *n;

	if (famfsd_check_path(d, call, m->path))
		goto out;
	if (!famfsd_is_master(d)) {
		if (m->holder_revoked && fam_rpc_call_peer(call)->is_unix)
			famfsd_reply_status(d, call, FAM_RPC_INVALID_ARGUMENT, "holder_revoked is set "
					    "by the holder's famfsd only");
		else if (!hfirst_start(d, call, m))
			famfsd_forward(d, call, req, len);
		goto out;
	}
	if (m->to_host >= FAM_MAX_HOSTS || !own_is_member(d, m->to_host)) {
		famfsd_reply_status(d, call, FAM_RPC_INVALID_ARGUMENT, "host %u is not a member of this "
			     "cluster (this is host %u; the others are the [peer] sections of the "
			     "configuration)", m->to_host, d->cfg.host_id);
		goto out;
	}
	if (m->wait_ms > WAIT_MAX_MS) {
		famfsd_reply_status(d, call, FAM_RPC_INVALID_ARGUMENT, "wait of %u ms: at most %u",
			     m->wait_ms, WAIT_MAX_MS);
		goto out;
	}
	if (own_begin(d, call, m->path, &m->request_id, m->to_host, &n))
		goto out;
	if (own_refuse_busy(d, call, m->path))
		goto out;
	for (uint32_t i = 0; i < n->n_grants; i++)
		if (n->grants[i].mode == FAM_OWN_RW)
			g = &n->grants[i];
	if (!g) {
		char anc[PATH_MAX] = "";
		uint32_t ah = 0;

		for (const struct fam_node *p = n->parent; p && !anc[0]; p = p->parent)
			for (uint32_t i = 0; i < p->n_grants; i++)
				if (p->grants[i].mode == FAM_OWN_RW) {
					fam_ns_path(p, anc, sizeof(anc));
					ah = p->grants[i].host;
				}
		if (anc[0])
			famfsd_reply_status(d, call, FAM_RPC_FAILED_PRECONDITION, "%s: the read-write grant "
				     "covering it is on %s (host %u): hand off %s", m->path, anc, ah,
				     anc);
		else
			famfsd_reply_status(d, call, FAM_RPC_FAILED_PRECONDITION, "%s: no host owns it "
				     "read-write: nothing to hand off (famfsctl acquire --rw)", m->path);
		goto out;
	}
	if (famfsd_refuse_handoff(d, call, m->path, g->host, m->to_host))
		goto out;
	if (g->host == m->to_host) {
		famfsd_reply_status(d, call, FAM_RPC_FAILED_PRECONDITION, "%s: host %u already owns it "
			     "read-write", m->path, m->to_host);
		goto out;
	}
	if (grants_conflict(n, m->path, m->to_host, FAM_OWN_RW, n, g->host, msg, sizeof(msg))) {
		famfsd_reply_status(d, call, FAM_RPC_FAILED_PRECONDITION, "%s", msg);
		goto out;
	}
	h = own_handoff_new(d, call, m->path, g->host, g->grant_epoch, m->to_host);
	if (!h)
		goto out;
	memcpy(h->req_id, d->fs.req_id, sizeof(h->req_id));
	h->wait_ms = m->wait_ms;
	h->force = m->force;
	if (holder_revoked(d, call, m, g)) {
		famfsd_logf(&d->log, LOG_NOTICE, "%s: handoff host %u -> host %u (revoked by its "
			    "holder first, epoch %llu)", h->path, h->from, h->to,
			    (unsigned long long)h->from_epoch);
		handoff_revoked(h, FAM_RPC_OK, "");
	} else {
		own_handoff_start(h);
	}
out:
	famfsd_request_end(d);
	famfs__handoff_request__free_unpacked(m, NULL);
}

/* ---- peer methods ---- */

void own_h_peer_revoke(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	FAMFSD_UNPACK(Famfs__RevokeRequest, famfs__revoke_request, m, req, len);

	if (!famfsd_check_path(d, call, m->path) && !famfsd_refuse_not_master(d, call)) {
		if (m->wait_ms > WAIT_MAX_MS)
			m->wait_ms = WAIT_MAX_MS;
		revoke_start(d, call, NULL, NULL, m->path, m->wait_ms, m->force);
	}
	famfs__revoke_request__free_unpacked(m, NULL);
}

struct peer_grant {
	struct fam_rpc_call *call;
	char path[PATH_MAX];
	uint32_t mode;
	uint64_t epoch;
};

/* This host invalidated its caches and took access: answer the master. */
static void peer_granted(struct famfsd *d, void *arg, uint64_t bytes)
{
	Famfs__PeerOwnReply r = FAMFS__PEER_OWN_REPLY__INIT;
	struct peer_grant *pg = arg;

	r.host = d->cfg.host_id;
	r.bytes = bytes;
	r.note = (char *)"";
	famfsd_logf(&d->log, LOG_NOTICE, "%s: granted %s here (epoch %llu), %llu bytes invalidated",
		    pg->path, grant_mode_name(pg->mode), (unsigned long long)pg->epoch,
		    (unsigned long long)bytes);
	famfsd_reply_packed(pg->call, &r.base);
	free(pg);
}

/*
 * famfs.peer.Grant raises access, so it is checked against the log: it must
 * come from the master this host follows, in its epoch, and the replayed
 * namespace must hold exactly that grant. A delayed Grant of a deposed master,
 * or one the log has since superseded, changes nothing.
 */
void own_h_peer_grant(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	FAMFSD_UNPACK(Famfs__GrantRequest, famfs__grant_request, m, req, len);
	uint32_t self = d->cfg.host_id;
	struct peer_grant *pg;
	struct fam_node *n;
	int err;

	if (famfsd_check_path(d, call, m->path))
		goto out;
	if (m->mode != FAM_OWN_RO && m->mode != FAM_OWN_RW) {
		famfsd_reply_status(d, call, FAM_RPC_INVALID_ARGUMENT, "mode %u: must be 1 or 2", m->mode);
		goto out;
	}
	famfsd_replay(d);
	if ((int)m->master != famfsd_master_id(d) || m->master_epoch != famfsd_cluster_epoch(d)) {
		famfsd_logf(&d->log, LOG_WARNING, "%s: ignored a grant from host %u (epoch %llu): this "
			    "host follows host %d in epoch %llu", m->path, m->master,
			    (unsigned long long)m->master_epoch, famfsd_master_id(d),
			    (unsigned long long)famfsd_cluster_epoch(d));
		famfsd_reply_status(d, call, FAM_RPC_FAILED_PRECONDITION, "%s: grant from host %u in "
				    "master epoch %llu, but host %u follows host %d in epoch %llu: "
				    "stale, nothing raised", m->path, m->master,
				    (unsigned long long)m->master_epoch, self, famfsd_master_id(d),
				    (unsigned long long)famfsd_cluster_epoch(d));
		goto out;
	}
	err = fam_fs_lookup(&d->fs, m->path, &n);
	if (!err)
		err = grants_check_message(n, self, m->mode, m->epoch);
	if (err) {
		famfsd_logf(&d->log, LOG_WARNING, "%s: ignored a grant (%s, epoch %llu) the log does "
			    "not hold (replayed to record %llu)", m->path, grant_mode_name(m->mode),
			    (unsigned long long)m->epoch, (unsigned long long)d->fs.ns.applied_seq);
		famfsd_reply_status(d, call, FAM_RPC_FAILED_PRECONDITION, "%s: the log (replayed to "
				    "record %llu on host %u) holds no %s grant of epoch %llu for host "
				    "%u there: stale, nothing raised", m->path,
				    (unsigned long long)d->fs.ns.applied_seq, self,
				    grant_mode_name(m->mode), (unsigned long long)m->epoch, self);
		goto out;
	}
	pg = calloc(1, sizeof(*pg));
	if (!pg) {
		famfsd_reply_status(d, call, FAM_RPC_RESOURCE_EXHAUSTED, "out of memory");
		goto out;
	}
	pg->call = call;
	snprintf(pg->path, sizeof(pg->path), "%s", m->path);
	pg->mode = m->mode;
	pg->epoch = m->epoch;
	own_do_grant(d, m->path, peer_granted, pg);
out:
	famfs__grant_request__free_unpacked(m, NULL);
}
