// SPDX-License-Identifier: Apache-2.0
/*
 * Ownership: serial sharing (one read-write owner per data set) and
 * read-only sharing (any number of readers), see docs/ownership.md.
 *
 * A data set is a file or a directory tree. Grants are OWNER log records
 * (host, mode, fencing epoch) kept per node by the namespace; a grant on a
 * directory covers everything below it. A read-write grant excludes every
 * other host's grant on the same node, an ancestor or a descendant.
 *
 * Mutating methods (Acquire, Release, Handoff) run on the master; another
 * host forwards them. What nobody owns is read-only on every host of a
 * cluster. A handoff (handoff.c) revokes on the holder, then commits one
 * OWNER record that moves the grant; a release of a read-write grant revokes
 * first too. Every host recomputes its own access whenever an OWNER record
 * is applied (dataset.c; kernel mode: FAMFSIOC_SET_ACCESS per file;
 * user-space mode: famfs.Open refuses to hand out mappings). This file: the
 * control methods, fencing epochs, owners replies and the hooks; the rules
 * are in grants.c.
 *
 * Everything runs on the event loop; waits are timers, never sleeps.
 */
#include "famfsd.h"
#include "authz.h"
#include "own_int.h"
#include "reply.h"
#include "cluster.h"
#include "grants.h"
#include "kmount.h"
#include "rpc.h"
#include "famfs.pb-c.h"

#include <errno.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- replies ---- */

/* Forward a call to the master, re-packed when the handler filled in a field. */
void own_forward_msg(struct famfsd *d, struct fam_rpc_call *call, const ProtobufCMessage *m)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);

	if (!buf) {
		famfsd_reply_status(d, call, FAM_RPC_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	protobuf_c_message_pack(m, buf);
	famfsd_forward(d, call, buf, len);
	free(buf);
}

/* ---- grants in the namespace ---- */

bool own_is_member(const struct famfsd *d, uint32_t host)
{
	if (host == d->cfg.host_id)
		return true;
	for (uint32_t i = 0; i < d->cfg.n_peers; i++)
		if (d->cfg.peers[i].host_id == host)
			return true;
	return false;
}

/* Can the owner be taken to be gone: not a member at all, or its lease expired? */
bool own_host_gone(const struct famfsd *d, uint32_t host)
{
	return !own_is_member(d, host) || !famfsd_host_alive(d, host);
}

static bool lost_cb(const void *arg, uint64_t ino, uint64_t epoch)
{
	return famfsd_grant_lost(arg, ino, epoch);
}

/* The access rule's parameters on this host (grants.h). */
struct grant_view own_view_of(const struct famfsd *d)
{
	struct grant_view v = {
		/* Unowned: read-only in a cluster (docs/ownership.md, "Rules"). */
		.unowned = d->cfg.n_peers ? FAM_OWN_RO : FAM_OWN_RW,
		.lost = lost_cb, .lost_arg = d, .lost_host = d->cfg.host_id,
	};

	return v;
}

/* A host's access to node n from the namespace alone. */
uint32_t own_access_of(const struct famfsd *d, const struct fam_node *n, uint32_t host,
			  bool *owned)
{
	struct grant_view v = own_view_of(d);

	return grants_access(&v, n, host, owned);
}

/* ---- fencing epochs: one more than the highest seen for the data set ---- */

static uint64_t *epoch_slot(struct famfsd_own *o, uint64_t ino, bool insert)
{
	if (insert && (o->ep_n + 1) * 2 > o->ep_cap) {
		size_t ncap = o->ep_cap ? o->ep_cap * 2 : 64;
		struct epoch_ent *ne = calloc(ncap, sizeof(*ne));

		if (!ne)
			return NULL;
		for (size_t i = 0; i < o->ep_cap; i++) {
			size_t j;

			if (!o->ep[i].ino)
				continue;
			for (j = o->ep[i].ino * 0x9e3779b97f4a7c15ULL % ncap; ne[j].ino;
			     j = (j + 1) % ncap)
				;
			ne[j] = o->ep[i];
		}
		free(o->ep);
		o->ep = ne;
		o->ep_cap = ncap;
	}
	if (!o->ep_cap)
		return NULL;
	for (size_t j = ino * 0x9e3779b97f4a7c15ULL % o->ep_cap;; j = (j + 1) % o->ep_cap) {
		if (o->ep[j].ino == ino)
			return &o->ep[j].epoch;
		if (!o->ep[j].ino) {
			if (!insert)
				return NULL;
			o->ep[j].ino = ino;
			o->ep_n++;
			return &o->ep[j].epoch;
		}
	}
}

void own_epoch_note(struct famfsd_own *o, uint64_t ino, uint64_t epoch)
{
	uint64_t *e = epoch_slot(o, ino, true);

	if (e && epoch > *e)
		*e = epoch;
}

uint64_t own_next_epoch(struct famfsd_own *o, const struct fam_node *n)
{
	uint64_t m = grants_max_epoch(n), *e = epoch_slot(o, n->ino, false);

	if (e && *e > m)
		m = *e;
	return m + 1;
}

static int seed_cb(void *arg, const struct fam_node *n)
{
	for (uint32_t i = 0; i < n->n_grants; i++)
		own_epoch_note(arg, n->ino, n->grants[i].grant_epoch);
	return 0;
}

/* ---- owners replies ---- */

struct owners_acc {
	Famfs__OwnerEntry *e;
	Famfs__OwnerEntry **ep;
	char **paths;
	size_t n, cap;
	bool oom;
};

static int owners_cb(void *arg, const struct fam_node *n, const struct fam_grant *g, int scope)
{
	struct owners_acc *a = arg;
	char p[PATH_MAX];

	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 8;
		Famfs__OwnerEntry *ne = realloc(a->e, nc * sizeof(*ne));
		char **np;

		if (!ne)
			return a->oom = true, 1;
		a->e = ne;
		np = realloc(a->paths, nc * sizeof(*np));
		if (!np)
			return a->oom = true, 1;
		a->paths = np;
		a->cap = nc;
	}
	if (fam_ns_path(n, p, sizeof(p)) < 0 || !(a->paths[a->n] = strdup(p)))
		return a->oom = true, 1;
	famfs__owner_entry__init(&a->e[a->n]);
	a->e[a->n].path = a->paths[a->n];
	a->e[a->n].host = g->host;
	a->e[a->n].mode = g->mode;
	a->e[a->n].epoch = g->grant_epoch;
	a->e[a->n].seq = g->seq;
	a->e[a->n].scope = (uint32_t)scope;
	a->n++;
	return 0;
}

/* host: whose access the reply reports (the acting host of Acquire / Release / Handoff). */
void own_reply_owners(struct famfsd *d, struct fam_rpc_call *call, const char *path,
			 const char *warning, uint32_t host)
{
	Famfs__OwnersReply r = FAMFS__OWNERS_REPLY__INIT;
	struct owners_acc a = { 0 };
	struct fam_node *n;
	bool owned = false;
	int err = fam_fs_lookup(&d->fs, path, &n);

	if (err) {
		famfsd_reply_errno(d, call, err, path);
		return;
	}
	grants_for(n, true, owners_cb, &a);
	a.ep = calloc(a.n + 1, sizeof(*a.ep));
	if (a.oom || !a.ep) {
		famfsd_reply_status(d, call, FAM_RPC_RESOURCE_EXHAUSTED, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < a.n; i++)
		a.ep[i] = &a.e[i];
	r.path = (char *)path;
	r.owners = a.ep;
	r.n_owners = a.n;
	r.host = host;
	r.access = own_access_of(d, n, host, &owned);
	/* This host's own access: none while held, or without a valid, caught-up lease. */
	if (host == d->cfg.host_id && (own_is_held(d, path) || !famfsd_hostlease_valid(d)))
		r.access = FAM_OWN_NONE;
	r.owned = owned;
	r.warning = (char *)(warning ? warning : "");
	famfsd_reply_packed(call, &r.base);
out:
	for (size_t i = 0; i < a.n; i++)
		free(a.paths[i]);
	free(a.paths);
	free(a.e);
	free(a.ep);
}

int own_begin(struct famfsd *d, struct fam_rpc_call *call, const char *path,
	      const ProtobufCBinaryData *request_id, uint32_t host, struct fam_node **n)
{
	const struct fam_reqid *seen;
	int err = fam_fs_lookup(&d->fs, path, n);

	if (err) {
		famfsd_reply_errno(d, call, err, path);
		return 1;
	}
	err = famfsd_request_begin(d, call, request_id->data, request_id->len, &seen);
	if (err < 0)
		return 1;
	if (err > 0) {		/* a retry: the first attempt committed */
		own_reply_owners(d, call, path, NULL, host);
		return 1;
	}
	return 0;
}

/* ---- Acquire / Release / Owners / Open ---- */

int own_commit_owner(struct famfsd *d, const char *path, uint32_t host, uint32_t mode,
			uint64_t epoch)
{
	struct fam_node *n;
	int err = fam_fs_owner(&d->fs, path, host, mode, epoch);

	if (err)
		return err;
	if (!fam_fs_lookup(&d->fs, path, &n))
		own_epoch_note(d->own, n->ino, epoch);
	famfsd_logf(&d->log, LOG_NOTICE, "%s: host %u %s (epoch %llu)", path, host,
		    mode == FAM_OWN_NONE ? "released" : mode == FAM_OWN_RW ? "owns read-write" :
		    "owns read-only", (unsigned long long)epoch);
	return 0;
}

/* A handoff: one OWNER record moves the grant, so no log prefix shows the data set unowned. */
int own_commit_move(struct famfsd *d, const char *path, uint32_t from, uint64_t from_epoch,
		       uint32_t to, uint64_t epoch)
{
	struct fam_node *n;
	int err = fam_fs_owner_move(&d->fs, path, from, from_epoch, to, FAM_OWN_RW, epoch);

	if (err)
		return err;
	if (!fam_fs_lookup(&d->fs, path, &n))
		own_epoch_note(d->own, n->ino, epoch);
	famfsd_logf(&d->log, LOG_NOTICE, "%s: host %u owns read-write (epoch %llu), in place of "
		    "host %u (epoch %llu)", path, to, (unsigned long long)epoch, from,
		    (unsigned long long)from_epoch);
	return 0;
}

static void h_acquire(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	FAMFSD_UNPACK(Famfs__AcquireRequest, famfs__acquire_request, m, req, len);
	const struct fam_grant *g;
	struct fam_node *n;
	char msg[PATH_MAX + 600];
	uint32_t host;
	int err;

	if (famfsd_check_path(d, call, m->path))
		goto out;
	if (m->mode != FAM_OWN_RO && m->mode != FAM_OWN_RW) {
		famfsd_reply_status(d, call, FAM_RPC_INVALID_ARGUMENT,
			     "mode %u: must be 1 (read-only) or 2 (read-write)", m->mode);
		goto out;
	}
	if (!famfsd_is_master(d)) {
		if (!m->has_host) {
			m->has_host = true;
			m->host = d->cfg.host_id;
		}
		own_forward_msg(d, call, &m->base);
		goto out;
	}
	if (m->has_host && m->host >= FAM_MAX_HOSTS) {
		famfsd_reply_status(d, call, FAM_RPC_INVALID_ARGUMENT, "host %u: host ids are 0 to %u",
			     m->host, FAM_MAX_HOSTS - 1);
		goto out;
	}
	if (famfsd_refuse_act_for(d, call, m->path, m->has_host, m->host, &host))
		goto out;
	if (own_begin(d, call, m->path, &m->request_id, host, &n))
		goto out;
	if (own_refuse_busy(d, call, m->path))
		goto out;
	g = grant_of(n, host);
	if (g && g->mode == m->mode) {	/* already so: nothing to commit */
		own_reply_owners(d, call, m->path, NULL, host);
		goto out;
	}
	if (grants_conflict(n, m->path, host, m->mode, NULL, 0, msg, sizeof(msg))) {
		famfsd_reply_status(d, call, FAM_RPC_FAILED_PRECONDITION, "%s", msg);
		goto out;
	}
	/*
	 * Nothing to wait for: no host can write what nobody owns (read-only in a
	 * cluster), and a read-write grant only ever ends after its holder revoked
	 * (or its lease expired), see h_release and the handoff.
	 */
	err = own_commit_owner(d, m->path, host, m->mode, own_next_epoch(d->own, n));
	famfsd_request_end(d);
	if (err) {
		famfsd_reply_errno(d, call, err, m->path);
		goto out;
	}
	famfsd_cluster_committed(d);
	own_reply_owners(d, call, m->path, NULL, host);
out:
	famfsd_request_end(d);
	famfs__acquire_request__free_unpacked(m, NULL);
}

static void h_release(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	FAMFSD_UNPACK(Famfs__ReleaseRequest, famfs__release_request, m, req, len);
	const struct fam_grant *g;
	struct handoff *h;
	struct fam_node *n;
	uint32_t host;
	int err;

	if (famfsd_check_path(d, call, m->path))
		goto out;
	if (!famfsd_is_master(d)) {
		if (!m->has_host) {
			m->has_host = true;
			m->host = d->cfg.host_id;
		}
		own_forward_msg(d, call, &m->base);
		goto out;
	}
	if (famfsd_refuse_act_for(d, call, m->path, m->has_host, m->host, &host))
		goto out;
	if (own_begin(d, call, m->path, &m->request_id, host, &n))
		goto out;
	if (own_refuse_busy(d, call, m->path))
		goto out;
	g = grant_of(n, host);
	if (!g) {
		char anc[PATH_MAX] = "";

		for (const struct fam_node *p = n->parent; p && !anc[0]; p = p->parent)
			if (grant_of(p, host))
				fam_ns_path(p, anc, sizeof(anc));
		if (anc[0])
			famfsd_reply_status(d, call, FAM_RPC_FAILED_PRECONDITION, "%s: host %u holds no grant "
				     "on it; its grant is on %s (release that)", m->path, host, anc);
		else
			famfsd_reply_status(d, call, FAM_RPC_FAILED_PRECONDITION,
				     "%s: host %u holds no grant on it", m->path, host);
		goto out;
	}
	if (m->has_epoch && g->grant_epoch != m->epoch) {
		famfsd_reply_status(d, call, FAM_RPC_FAILED_PRECONDITION, "%s: host %u's grant is of "
				    "epoch %llu, not %llu: nothing released", m->path, host,
				    (unsigned long long)g->grant_epoch, (unsigned long long)m->epoch);
		goto out;
	}
	if (g->mode == FAM_OWN_RW) {
		/*
		 * What nobody owns is read-only everywhere: the holder revokes (stops
		 * writing, writes back its caches) before the release is committed,
		 * unless its lease has expired. A handoff to nobody.
		 */
		h = own_handoff_new(d, call, m->path, host, g->grant_epoch, TO_NOBODY);
		if (!h)
			goto out;
		memcpy(h->req_id, d->fs.req_id, sizeof(h->req_id));
		famfsd_request_end(d);
		h->force = true;
		own_handoff_start(h);
		goto out;
	}
	err = own_commit_owner(d, m->path, host, FAM_OWN_NONE, g->grant_epoch);
	famfsd_request_end(d);
	if (err) {
		famfsd_reply_errno(d, call, err, m->path);
		goto out;
	}
	famfsd_cluster_committed(d);
	own_reply_owners(d, call, m->path, NULL, host);
out:
	famfsd_request_end(d);
	famfs__release_request__free_unpacked(m, NULL);
}

static void h_owners(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	FAMFSD_UNPACK(Famfs__PathRequest, famfs__path_request, m, req, len);

	if (!famfsd_check_path(d, call, m->path))
		own_reply_owners(d, call, m->path, NULL, d->cfg.host_id);
	famfs__path_request__free_unpacked(m, NULL);
}

struct who {
	char rw[64], ro[256];
	uint32_t n_ro;
};

static int who_cb(void *arg, const struct fam_node *n, const struct fam_grant *g, int scope)
{
	struct who *w = arg;
	size_t l = strlen(w->ro);

	if (g->mode == FAM_OWN_RW)
		snprintf(w->rw, sizeof(w->rw), "%u", g->host);
	else if (l < sizeof(w->ro) - 16)
		snprintf(w->ro + l, sizeof(w->ro) - l, "%s%u", w->n_ro++ ? ", " : "", g->host);
	return 0;
}

/* May this host map path (for writing)? The client library asks before it maps. */
static void h_open(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	FAMFSD_UNPACK(Famfs__OpenRequest, famfs__open_request, m, req, len);
	Famfs__OpenReply r = FAMFS__OPEN_REPLY__INIT;
	uint32_t self = d->cfg.host_id, acc;
	uint64_t ap = 0, need = 0;
	struct who w = { .rw = "" };
	struct fam_node *n;
	bool owned;
	int err;

	if (famfsd_check_path(d, call, m->path))
		goto out;
	err = fam_fs_lookup(&d->fs, m->path, &n);
	if (err) {
		famfsd_reply_errno(d, call, err, m->path);
		goto out;
	}
	acc = own_access_of(d, n, self, &owned);
	if (famfsd_hostlease_stuck(d, &ap, &need)) {
		famfsd_reply_status(d, call, FAM_RPC_UNAVAILABLE, "%s: host %u's replay of the log is "
				    "stuck at record %llu (the master is at %llu); no access from a "
				    "stale namespace", m->path, self, (unsigned long long)ap,
				    (unsigned long long)need);
		goto out;
	}
	if (!famfsd_hostlease_valid(d)) {
		famfsd_reply_status(d, call, FAM_RPC_UNAVAILABLE, "%s: host %u's lease has run out (no "
				    "master acknowledged it in time); no access until one does",
				    m->path, self);
		goto out;
	}
	if (own_is_invalidating(d, m->path)) {
		famfsd_reply_status(d, call, FAM_RPC_UNAVAILABLE, "%s: host %u is invalidating its "
				    "CPU caches of it (a walk of its resident pages on a worker "
				    "thread) before giving access; retry shortly", m->path, self);
		goto out;
	}
	if (own_is_held(d, m->path)) {
		famfsd_reply_status(d, call, FAM_RPC_PERMISSION_DENIED, "%s: being handed off from host %u "
			     "to another host; no access here", m->path, self);
		goto out;
	}
	grants_for(n, false, who_cb, &w);
	if (acc == FAM_OWN_NONE) {
		if (w.rw[0])
			famfsd_reply_status(d, call, FAM_RPC_PERMISSION_DENIED, "%s: owned read-write by "
				     "host %s (this is host %u)", m->path, w.rw, self);
		else
			famfsd_reply_status(d, call, FAM_RPC_PERMISSION_DENIED, "%s: owned read-only by "
				     "host%s %s; host %u holds no grant (famfsctl acquire --ro)",
				     m->path, w.n_ro > 1 ? "s" : "", w.ro, self);
		goto out;
	}
	if (acc == FAM_OWN_RO && m->write && !owned) {
		famfsd_reply_status(d, call, FAM_RPC_PERMISSION_DENIED, "%s: nobody owns it, and in a "
				    "cluster what nobody owns is read-only on every host; writing "
				    "needs a read-write grant (famfsctl acquire --rw)", m->path);
		goto out;
	}
	if (acc == FAM_OWN_RO && m->write) {
		famfsd_reply_status(d, call, FAM_RPC_PERMISSION_DENIED, "%s: host %u has read-only access "
			     "(shared with host%s %s); writing needs a read-write grant", m->path,
			     self, w.n_ro > 1 ? "s" : "", w.ro);
		goto out;
	}
	r.access = acc;
	r.owned = owned;
	famfsd_reply_packed(call, &r.base);
out:
	famfs__open_request__free_unpacked(m, NULL);
}

/* ---- hooks ---- */

static void rec_str(char *dst, const char *src, uint32_t len)
{
	if (len >= PATH_MAX)
		len = PATH_MAX - 1;
	memcpy(dst, src, len);
	dst[len] = 0;
}

/*
 * User-space mode: does this replayed OWNER record make n readable here
 * where it was not? That is a release (no successor) of another host's
 * grant that leaves n readable here while this host holds no grant on n or
 * above it (with one, it could read n all along). A release of a read-only
 * grant counts too (the record no longer says which mode ended): one walk
 * too many, never one too few. docs/ownership.md, "User-space mode".
 */
static bool own_raised_by_release(const struct famfsd *d, const struct fam_rec *r,
				  const struct fam_node *n)
{
	uint32_t self = d->cfg.host_id;
	bool owned;

	if (d->kernel || r->u.owner.mode != FAM_OWN_NONE || r->u.owner.has_prev ||
	    r->u.owner.host == self)
		return false;
	for (const struct fam_node *p = n; p; p = p->parent)
		if (grant_of(p, self))
			return false;
	return own_access_of(d, n, self, &owned) != FAM_OWN_NONE;
}

void famfsd_ownership_on_record(struct famfsd *d, const struct fam_rec *r)
{
	struct famfsd_own *o = d->own;
	Famfs__WatchEvent ev = FAMFS__WATCH_EVENT__INIT;
	char a[PATH_MAX], b[PATH_MAX];
	struct fam_node *n;

	if (!o)
		return;		/* replay at startup: register() catches up */
	b[0] = 0;	/* not "" in the declaration: that zeroes 4 KiB per record */
	if (r->type == FAM_REC_CHECKPOINT) {
		o->in_ckpt = r->u.ckpt.phase == FAM_CKPT_BEGIN;
		if (!o->in_ckpt) {
			fam_ns_walk(&d->fs.ns, seed_cb, o);
			own_reconcile(d, "/");
			own_emit_simple(d, "checkpoint", "/", r->seq);
		}
		return;
	}
	if (o->in_ckpt || r->type == FAM_REC_PAD)
		return;
	ev.seq = r->seq;
	ev.path = a;
	ev.to = b;
	switch (r->type) {
	case FAM_REC_MKDIR:
	case FAM_REC_CREATE:
		rec_str(a, r->u.node.path, r->u.node.path_len);
		ev.kind = r->type == FAM_REC_MKDIR ? "mkdir" : "create";
		if (r->type == FAM_REC_CREATE)
			own_reconcile(d, a);	/* a new file inside an owned data set */
		break;
	case FAM_REC_DELETE:
		rec_str(a, r->u.del.path, r->u.del.path_len);
		ev.kind = "delete";
		break;
	case FAM_REC_RENAME:
		rec_str(a, r->u.ren.from, r->u.ren.from_len);
		rec_str(b, r->u.ren.to, r->u.ren.to_len);
		ev.kind = "rename";
		own_reconcile(d, b);		/* moved into (or out of) an owned data set */
		break;
	case FAM_REC_OWNER:
		rec_str(a, r->u.owner.path, r->u.owner.path_len);
		ev.kind = "owner";
		ev.has_host = true;
		ev.host = r->u.owner.host;
		ev.mode = r->u.owner.mode;
		ev.epoch = r->u.owner.grant_epoch;
		if (!fam_fs_lookup(&d->fs, a, &n))
			own_epoch_note(o, n->ino, r->u.owner.grant_epoch);
		own_unhold(d, a, false);
		own_reconcile(d, a);
		if (!fam_fs_lookup(&d->fs, a, &n) && own_raised_by_release(d, r, n))
			own_invalidate_readable(d, a);
		if (r->u.owner.has_prev) {
			/* A handoff, one record: watchers see the release, then the grant. */
			Famfs__WatchEvent rel = ev;

			rel.host = r->u.owner.prev_host;
			rel.mode = FAM_OWN_NONE;
			rel.epoch = r->u.owner.prev_epoch;
			own_emit(d, &rel);
		}
		break;
	default:
		return;
	}
	own_emit(d, &ev);
}

int famfsd_ownership_host_expired(struct famfsd *d, uint32_t host)
{
	struct { char *path; uint64_t epoch; } *rel = NULL;
	size_t n = 0, cap = 0;
	int ret = 0;

	if (!d->own || !famfsd_is_master(d))
		return -EAGAIN;
	/* Collect first: each commit changes the grant lists. */
	for (const struct fam_node *s = &d->fs.ns.root, *next; s; s = next) {
		const struct fam_grant *g = grant_of(s, host);

		if (g && n == cap) {
			void *p = realloc(rel, (cap = cap ? cap * 2 : 8) * sizeof(*rel));

			if (!p) {
				ret = -ENOMEM;
				break;
			}
			rel = p;
		}
		if (g) {
			char p[PATH_MAX];

			if (fam_ns_path(s, p, sizeof(p)) >= 0 && (rel[n].path = strdup(p)))
				rel[n++].epoch = g->grant_epoch;
		}
		/* Depth-first successor without recursion. */
		if (s->children) {
			next = s->children;
		} else {
			next = NULL;
			for (const struct fam_node *q = s; q && !next; q = q->parent)
				next = q->next;
		}
	}
	for (size_t i = 0; i < n; i++) {
		int err = own_commit_owner(d, rel[i].path, host, FAM_OWN_NONE, rel[i].epoch);

		if (err) {
			famfsd_logf(&d->log, LOG_ERR, "%s: releasing expired host %u's grant: %s",
				    rel[i].path, host, strerror(-err));
			ret = err;
		} else {
			famfsd_logf(&d->log, LOG_WARNING, "%s: host %u's lease expired: its grant "
				    "is released", rel[i].path, host);
		}
		free(rel[i].path);
	}
	free(rel);
	if (n)
		famfsd_cluster_committed(d);
	return ret;
}

int famfsd_ownership_release_own(struct famfsd *d, const char *path, uint64_t epoch)
{
	const struct fam_grant *g;
	struct fam_node *n;
	int err = fam_fs_lookup(&d->fs, path, &n);

	if (err)
		return err;
	g = grant_of(n, d->cfg.host_id);
	if (!g || g->grant_epoch != epoch)
		return 0;	/* released already, or a newer grant: not the lost one */
	err = own_commit_owner(d, path, d->cfg.host_id, FAM_OWN_NONE, epoch);

	if (!err)
		famfsd_cluster_committed(d);
	return err;
}

void famfsd_ownership_reconcile(struct famfsd *d)
{
	if (d->own)
		own_reconcile(d, "/");
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct famfsd *d = arg;
	uint64_t now = famfsd_now_ms();

	if (d->own->held) {
		famfsd_replay(d);	/* access comes back only from the log as it is now */
		if (d->own)
			own_unhold(d, "", true);
	}
	if (d->own->watchers && now >= d->own->last_keepalive + KEEPALIVE_MS)
		own_emit_simple(d, "keepalive", "", d->fs.ns.applied_seq);
}

static const struct {
	const char *name;
	unsigned int flags;
	fam_rpc_handler fn;
} methods[] = {
	{ "famfs.Acquire", FAM_RPC_MUTATES, h_acquire },
	{ "famfs.Release", FAM_RPC_MUTATES, h_release },
	{ "famfs.Handoff", FAM_RPC_MUTATES, own_h_handoff },
	{ "famfs.Owners", 0, h_owners },
	{ "famfs.Open", 0, h_open },
	{ "famfs.Watch", FAM_RPC_STREAM, own_h_watch },
	{ "famfs.peer.Revoke", FAM_RPC_MUTATES, own_h_peer_revoke },
	{ "famfs.peer.Grant", FAM_RPC_MUTATES, own_h_peer_grant },
};

int famfsd_ownership_register(struct famfsd *d)
{
	struct famfsd_own *o = calloc(1, sizeof(*o));
	struct timeval tv = { TIMER_MS / 1000, TIMER_MS % 1000 * 1000 };

	if (!o)
		return -ENOMEM;
	d->own = o;
	o->last_keepalive = famfsd_now_ms();
	fam_ns_walk(&d->fs.ns, seed_cb, o);
	famfsd_hostlease_started(d);
	own_reconcile(d, "/");
	o->timer = event_new(d->base, -1, EV_PERSIST, on_timer, d);
	if (!o->timer || event_add(o->timer, &tv))
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		int err = fam_rpc_register(d->rpc, methods[i].name, methods[i].flags,
					   methods[i].fn, d);

		if (err)
			return err;
	}
	return 0;
}

void famfsd_ownership_stop(struct famfsd *d)
{
	struct famfsd_own *o = d->own;

	if (!o)
		return;
	if (o->timer)
		event_free(o->timer);
	own_walks_cancel(d);	/* first: their callbacks hold revokes, handoffs, calls */
	while (o->watchers)
		own_watcher_end(d, &o->watchers, FAM_RPC_UNAVAILABLE, "famfsd is stopping");
	while (o->revokes) {
		struct revoke *rv = o->revokes;

		o->revokes = rv->next;
		if (rv->timer)
			event_free(rv->timer);
		if (rv->call)
			fam_rpc_reply(rv->call, FAM_RPC_UNAVAILABLE, "famfsd is stopping", NULL, 0);
		free(rv);
	}
	while (o->hfirsts) {
		struct hfirst *hf = o->hfirsts;

		o->hfirsts = hf->next;
		fam_rpc_reply(hf->call, FAM_RPC_UNAVAILABLE,
			      "famfsd is stopping during the handoff; check famfsctl owners", NULL, 0);
		if (hf->peer_pending)
			hf->orphan = true;	/* the master's answer frees it */
		else
			free(hf);
	}
	while (o->handoffs) {
		struct handoff *h = o->handoffs;

		o->handoffs = h->next;
		fam_rpc_reply(h->call, FAM_RPC_UNAVAILABLE,
			      "famfsd is stopping during the handoff; check famfsctl owners", NULL, 0);
		if (h->peer_pending)
			h->orphan = true;	/* the peer call's callback frees it */
		else
			free(h);
	}
	while (o->held) {
		struct held *h = o->held;

		o->held = h->next;
		free(h);
	}
	free(o->ep);
	free(o);
	d->own = NULL;
}
