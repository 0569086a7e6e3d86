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
 * host forwards them. Handoff A -> B: the master asks A to revoke
 * (famfs.peer.Revoke: A lowers its access, flushes its CPU caches for the
 * data set, drops access), commits OWNER(A, none) and OWNER(B, rw, epoch+1),
 * tells B (famfs.peer.Grant: B invalidates its caches and raises access),
 * then answers the caller. Every host recomputes its own access whenever an
 * OWNER record is applied (kernel mode: FAMFSIOC_SET_ACCESS per file;
 * user-space mode: famfs.Open refuses to hand out mappings).
 *
 * Everything runs on the event loop; waits are timers, never sleeps.
 */
#include "famfsd.h"
#include "reply.h"
#include "cluster.h"
#include "flush.h"
#include "grants.h"
#include "kmount.h"
#include "rpc.h"
#include "famfs.pb-c.h"

#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define PEER_DEADLINE_MS	5000	/* Revoke (on top of wait_ms) and Grant */
#define WAIT_MAX_MS		3600000	/* longest --wait accepted */
#define POLL_MS			50	/* while waiting for local users to close */
#define TIMER_MS		1000
#define KEEPALIVE_MS		10000	/* idle watch streams get a keepalive (finds dead clients) */
#define HOLD_MS			30000	/* revoked here, no OWNER record seen: restore after */
#define TO_NOBODY		UINT32_MAX	/* a release of a read-write grant (no new owner) */

struct watcher {
	struct fam_rpc_call *call;
	char *prefix;			/* "" or "/": everything */
	struct watcher *next;
};

struct handoff {
	struct famfsd *d;
	struct fam_rpc_call *call;
	char path[PATH_MAX];
	uint32_t from, to;
	uint64_t from_epoch;
	uint64_t start_ms;		/* for the handoff latency metric */
	uint32_t wait_ms;
	bool force;
	uint8_t req_id[FAM_REQ_ID_LEN];	/* the client's request id (all zero: none) */
	bool peer_pending;		/* a peer call's callback will come back to it */
	bool orphan;			/* ownership stopped: that callback only frees it */
	char warning[768];
	struct handoff *next;
};

struct revoke {
	struct famfsd *d;
	struct fam_rpc_call *call;	/* a peer's famfs.peer.Revoke to answer, or NULL */
	struct handoff *h;		/* the local handoff to continue, or NULL */
	char path[PATH_MAX];
	uint64_t start, deadline;
	uint32_t wait_ms;
	bool force;
	struct event *timer;
	struct revoke *next;
};

/* A data set revoked here whose OWNER records have not arrived yet: no access. */
struct held {
	char path[PATH_MAX];
	uint64_t until;
	struct held *next;
};

struct epoch_ent {
	uint64_t ino, epoch;
};

struct famfsd_own {
	struct watcher *watchers;
	struct handoff *handoffs;
	struct revoke *revokes;
	struct held *held;
	struct epoch_ent *ep;		/* highest grant epoch seen per node (open addressing) */
	size_t ep_cap, ep_n;
	struct event *timer;
	uint64_t last_keepalive;
	bool in_ckpt;			/* between CHECKPOINT BEGIN and END */
};

/* ---- replies ---- */

/* Forward a call to the master, re-packed when the handler filled in a field. */
static void forward_msg(struct famfsd *d, struct fam_rpc_call *call, const ProtobufCMessage *m)
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

static bool is_member(const struct famfsd *d, uint32_t host)
{
	if (host == d->cfg.host_id)
		return true;
	for (uint32_t i = 0; i < d->cfg.n_peers; i++)
		if (d->cfg.peers[i].host_id == host)
			return true;
	return false;
}

/* Can the owner be taken to be gone: not a member at all, or its lease expired? */
static bool host_gone(const struct famfsd *d, uint32_t host)
{
	return !is_member(d, host) || !famfsd_host_alive(d, host);
}

static bool lost_cb(const void *arg, uint64_t ino, uint64_t epoch)
{
	return famfsd_grant_lost(arg, ino, epoch);
}

/* The access rule's parameters on this host (grants.h). */
static struct grant_view view_of(const struct famfsd *d)
{
	struct grant_view v = {
		/* Unowned: read-only in a cluster (docs/ownership.md, "Rules"). */
		.unowned = d->cfg.n_peers ? FAM_OWN_RO : FAM_OWN_RW,
		.lost = lost_cb, .lost_arg = d, .lost_host = d->cfg.host_id,
	};

	return v;
}

/* A host's access to node n from the namespace alone. */
static uint32_t access_of(const struct famfsd *d, const struct fam_node *n, uint32_t host,
			  bool *owned)
{
	struct grant_view v = view_of(d);

	return grants_access(&v, n, host, owned);
}

static bool is_held(const struct famfsd *d, const char *path)
{
	for (const struct held *h = d->own->held; h; h = h->next)
		if (path_within(path, h->path))
			return true;
	return false;
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

static void epoch_note(struct famfsd_own *o, uint64_t ino, uint64_t epoch)
{
	uint64_t *e = epoch_slot(o, ino, true);

	if (e && epoch > *e)
		*e = epoch;
}

static uint64_t next_epoch(struct famfsd_own *o, const struct fam_node *n)
{
	uint64_t m = grants_max_epoch(n), *e = epoch_slot(o, n->ino, false);

	if (e && *e > m)
		m = *e;
	return m + 1;
}

static int seed_cb(void *arg, const struct fam_node *n)
{
	for (uint32_t i = 0; i < n->n_grants; i++)
		epoch_note(arg, n->ino, n->grants[i].grant_epoch);
	return 0;
}

/* ---- this host's access (kernel mode) ---- */

struct recon {
	struct famfsd *d;
	struct grant_view v;
	uint32_t self;
	uint64_t changed, failed;
	int first_err;
	char first_path[PATH_MAX];
};

static void recon_file(struct recon *rc, const struct fam_node *n, uint32_t mode)
{
	struct famfsd *d = rc->d;
	char path[PATH_MAX];
	uint32_t cur = FAM_OWN_NONE;
	int err, have;

	if (!n->n_ext || fam_ns_path(n, path, sizeof(path)) < 0)
		return;
	if (is_held(d, path) || !famfsd_hostlease_valid(d))
		mode = FAM_OWN_NONE;
	have = fam_kmount_get_access(d->cfg.mount, path, &cur);
	if (!have && cur == mode)
		return;
	err = fam_kmount_set_access(d->cfg.mount, path, mode);
	if (err < 0) {
		if (!rc->failed++) {
			rc->first_err = err;
			snprintf(rc->first_path, sizeof(rc->first_path), "%s", path);
		}
		return;
	}
	rc->changed++;
	/* Access (re)gained: lines cached from an earlier period may be stale. */
	if (!have && cur == FAM_OWN_NONE && mode != FAM_OWN_NONE)
		fam_kmount_cache(d->cfg.mount, path, true, NULL);
}

/* n's subtree; owned/best: what n's ancestors contribute. */
static void recon_tree(struct recon *rc, const struct fam_node *n, bool owned, uint32_t best)
{
	for (uint32_t i = 0; i < n->n_grants; i++) {
		owned = true;
		if (n->grants[i].mode > best && grants_gives(&rc->v, n, &n->grants[i], rc->self))
			best = n->grants[i].mode;
	}
	if (!S_ISDIR(n->mode)) {
		recon_file(rc, n, owned ? best : rc->v.unowned);
		return;
	}
	for (const struct fam_node *c = n->children; c; c = c->next)
		recon_tree(rc, c, owned, best);
}

/* Kernel mode: make this host's access to every file at or below path match the grants. */
static void reconcile(struct famfsd *d, const char *path)
{
	struct recon rc = { .d = d, .v = view_of(d), .self = d->cfg.host_id };
	uint32_t best = FAM_OWN_NONE;
	bool owned = false;
	struct fam_node *n;

	if (!d->kernel || fam_fs_lookup(&d->fs, path, &n))
		return;
	for (const struct fam_node *p = n->parent; p; p = p->parent)
		for (uint32_t i = 0; i < p->n_grants; i++) {
			owned = true;
			if (p->grants[i].mode > best &&
			    grants_gives(&rc.v, p, &p->grants[i], rc.self))
				best = p->grants[i].mode;
		}
	recon_tree(&rc, n, owned, best);
	if (rc.failed)
		famfsd_logf(&d->log, LOG_ERR, "setting access below %s: %llu file(s) failed, first "
			    "%s: %s", path, (unsigned long long)rc.failed, rc.first_path,
			    strerror(-rc.first_err));
	else if (rc.changed)
		famfsd_logf(&d->log, LOG_INFO, "access below %s: %llu file(s) changed", path,
			    (unsigned long long)rc.changed);
}

/* ---- cache maintenance and local users of a data set ---- */

struct file_list {
	struct famfsd *d;
	struct { dev_t dev; ino_t ino; } *ids;	/* kernel mode */
	size_t n_ids;
	struct fam_extent *ext;			/* user mode */
	size_t n_ext;
	bool oom;
};

static int collect_cb(struct file_list *fl, const struct fam_node *n)
{
	if (!S_ISDIR(n->mode) && n->n_ext) {
		if (fl->d->kernel) {
			char path[PATH_MAX], full[PATH_MAX * 2];
			struct stat st;
			void *p;

			if (fam_ns_path(n, path, sizeof(path)) < 0)
				return 0;
			snprintf(full, sizeof(full), "%s%s", fl->d->cfg.mount, path);
			if (stat(full, &st))
				return 0;
			p = realloc(fl->ids, (fl->n_ids + 1) * sizeof(*fl->ids));
			if (!p)
				return fl->oom = true, -ENOMEM;
			fl->ids = p;
			fl->ids[fl->n_ids].dev = st.st_dev;
			fl->ids[fl->n_ids++].ino = st.st_ino;
		} else {
			void *p = realloc(fl->ext, (fl->n_ext + n->n_ext) * sizeof(*fl->ext));

			if (!p)
				return fl->oom = true, -ENOMEM;
			fl->ext = p;
			memcpy(fl->ext + fl->n_ext, n->ext, n->n_ext * sizeof(*n->ext));
			fl->n_ext += n->n_ext;
		}
	}
	for (const struct fam_node *c = n->children; c; c = c->next)
		if (collect_cb(fl, c))
			return -ENOMEM;
	return 0;
}

static void file_list_free(struct file_list *fl)
{
	free(fl->ids);
	free(fl->ext);
}

/* User-space mode: flush or invalidate every extent through the daemon's device mapping. */
static uint64_t user_cache(struct famfsd *d, const struct file_list *fl, bool invalidate)
{
	uint64_t bytes = 0;

	for (size_t i = 0; i < fl->n_ext; i++) {
		uint8_t *p = fam_dev_data(&d->dev, fl->ext[i].offset, fl->ext[i].len);

		if (!p)
			continue;
		/*
		 * A regular file simulates fabric memory on one host, whose caches
		 * are coherent: there is nothing to write back or drop, and walking
		 * a large data set would only cost time. Real FAM (devdax) is flushed.
		 */
		if (d->dev.kind == FAM_DEV_FILE)
			continue;
		if (invalidate)
			fam_invalidate(p, fl->ext[i].len);
		else
			fam_flush(p, fl->ext[i].len);
		bytes += fl->ext[i].len;
	}
	return bytes;
}

static bool fl_match_id(const struct file_list *fl, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < fl->n_ids; i++)
		if (fl->ids[i].dev == dev && fl->ids[i].ino == ino)
			return true;
	return false;
}

/*
 * Does a local process (other than famfsd) use the data set? Kernel mode: an
 * open file descriptor or a mapping of one of its files. User-space mode: a
 * mapping of the device that overlaps one of its extents.
 */
static pid_t in_use(struct famfsd *d, const struct file_list *fl, char *comm, size_t cap)
{
	struct stat devst = { 0 };
	struct dirent *de;
	pid_t self = getpid(), found = 0;
	DIR *proc;

	if (!d->kernel && stat(d->cfg.device, &devst))
		return 0;
	if ((d->kernel && !fl->n_ids) || (!d->kernel && !fl->n_ext))
		return 0;
	proc = opendir("/proc");
	if (!proc)
		return 0;
	while (!found && (de = readdir(proc))) {
		char p[300], line[PATH_MAX + 256];
		pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);
		FILE *f;

		if (pid <= 0 || pid == self)
			continue;
		/* Other famfsd (tests run several on one machine) map the device for metadata. */
		snprintf(p, sizeof(p), "/proc/%d/comm", (int)pid);
		f = fopen(p, "re");
		if (f) {
			bool daemon = fgets(line, sizeof(line), f) && !strcmp(line, "famfsd\n");

			fclose(f);
			if (daemon)
				continue;
		}
		if (d->kernel) {
			DIR *fds;
			struct dirent *fe;

			snprintf(p, sizeof(p), "/proc/%d/fd", (int)pid);
			fds = opendir(p);
			while (fds && !found && (fe = readdir(fds))) {
				char fp[600];
				struct stat st;

				if (fe->d_name[0] == '.')
					continue;
				snprintf(fp, sizeof(fp), "%s/%s", p, fe->d_name);
				if (!stat(fp, &st) && fl_match_id(fl, st.st_dev, st.st_ino))
					found = pid;
			}
			if (fds)
				closedir(fds);
		}
		snprintf(p, sizeof(p), "/proc/%d/maps", (int)pid);
		f = found ? NULL : fopen(p, "re");
		while (f && !found && fgets(line, sizeof(line), f)) {
			unsigned long long start, end, off;
			unsigned int maj, min;
			unsigned long ino;

			if (sscanf(line, "%llx-%llx %*s %llx %x:%x %lu", &start, &end, &off, &maj, &min,
				   &ino) != 6 || !ino)
				continue;
			if (d->kernel) {
				if (fl_match_id(fl, makedev(maj, min), (ino_t)ino))
					found = pid;
				continue;
			}
			if (makedev(maj, min) != devst.st_dev || (ino_t)ino != devst.st_ino)
				continue;
			for (size_t i = 0; i < fl->n_ext; i++)
				if (off < fl->ext[i].offset + fl->ext[i].len &&
				    fl->ext[i].offset < off + (end - start))
					found = pid;
		}
		if (f)
			fclose(f);
	}
	closedir(proc);
	if (found) {
		char p[64];
		FILE *f;

		snprintf(p, sizeof(p), "/proc/%d/comm", (int)found);
		f = fopen(p, "re");
		comm[0] = 0;
		if (f) {
			if (fgets(comm, (int)cap, f))
				comm[strcspn(comm, "\n")] = 0;
			fclose(f);
		}
	}
	return found;
}

static void hold(struct famfsd *d, const char *path)
{
	struct held *h;

	for (h = d->own->held; h; h = h->next)
		if (!strcmp(h->path, path))
			break;
	if (!h) {
		h = calloc(1, sizeof(*h));
		if (!h)
			return;
		snprintf(h->path, sizeof(h->path), "%s", path);
		h->next = d->own->held;
		d->own->held = h;
	}
	h->until = famfsd_now_ms() + HOLD_MS;
}

/* OWNER records touching path arrived (or the hold timed out): drop the holds. */
static void unhold(struct famfsd *d, const char *path, bool expired_only)
{
	struct held **pp = &d->own->held;
	uint64_t now = famfsd_now_ms();

	while (*pp) {
		struct held *h = *pp;

		if (expired_only ? now >= h->until : paths_overlap(h->path, path)) {
			char p[PATH_MAX];

			*pp = h->next;
			snprintf(p, sizeof(p), "%s", h->path);
			free(h);
			if (expired_only) {
				famfsd_logf(&d->log, LOG_WARNING, "%s: revoked %d s ago but no new "
					    "owner was committed: access from the log again", p,
					    HOLD_MS / 1000);
				reconcile(d, p);
			}
		} else {
			pp = &h->next;
		}
	}
}

/*
 * Give up this host's access to a data set: stop writes (read-only zaps
 * writable mappings), write back the CPU caches through read-only mappings,
 * then no access at all. User-space mode: the caches are written back through
 * famfsd's own mapping of the device (any mapping of the same memory reaches
 * the same cache lines); famfs.Open refuses new mappings from here on.
 */
static int do_revoke(struct famfsd *d, const char *path, struct file_list *fl, uint64_t *bytes,
		     char *msg, size_t cap)
{
	int e;

	*bytes = 0;
	hold(d, path);
	if (!d->kernel) {
		*bytes = user_cache(d, fl, false);
		return 0;
	}
	e = fam_kmount_set_access(d->cfg.mount, path, FAM_OWN_RO);
	if (e < 0)
		famfsd_logf(&d->log, LOG_DEBUG, "%s: read-only before the flush: %s", path,
			    strerror(-e));
	e = fam_kmount_cache(d->cfg.mount, path, false, bytes);
	if (e < 0)
		famfsd_logf(&d->log, LOG_WARNING, "%s: flushing the CPU caches: %s", path,
			    strerror(-e));
	e = fam_kmount_set_access(d->cfg.mount, path, FAM_OWN_NONE);
	if (e < 0) {
		snprintf(msg, cap, "%s: cannot revoke this host's access: %s", path, strerror(-e));
		return e;
	}
	return 0;
}

/*
 * Take access to a data set (the new owner): invalidate stale lines, then set
 * access from the replayed namespace (the caller checked that it holds the
 * grant), never from a message.
 */
static uint64_t do_grant(struct famfsd *d, const char *path)
{
	struct file_list fl = { .d = d };
	uint64_t bytes = 0;
	struct fam_node *n;

	unhold(d, path, false);
	if (d->kernel) {
		fam_kmount_cache(d->cfg.mount, path, true, &bytes);
		reconcile(d, path);
	} else if (!fam_fs_lookup(&d->fs, path, &n)) {
		collect_cb(&fl, n);
		bytes = user_cache(d, &fl, true);
		file_list_free(&fl);
	}
	return bytes;
}

/* ---- watchers ---- */

static void watcher_end(struct famfsd *d, struct watcher **pp, int status, const char *msg)
{
	struct watcher *w = *pp;

	*pp = w->next;
	fam_rpc_reply(w->call, status, msg, NULL, 0);
	free(w->prefix);
	free(w);
}

static void emit(struct famfsd *d, Famfs__WatchEvent *ev)
{
	struct famfsd_own *o = d->own;
	struct watcher **pp = &o->watchers;
	size_t len;
	uint8_t *buf;

	if (!o->watchers)
		return;
	len = famfs__watch_event__get_packed_size(ev);
	buf = malloc(len ? len : 1);
	if (!buf)
		return;
	famfs__watch_event__pack(ev, buf);
	while (*pp) {
		struct watcher *w = *pp;
		int e;

		if (w->prefix[0] && strcmp(ev->kind, "keepalive") && strcmp(ev->kind, "checkpoint") &&
		    !path_within(ev->path, w->prefix) && !(ev->to[0] && path_within(ev->to, w->prefix))) {
			pp = &w->next;
			continue;
		}
		e = fam_rpc_stream_send(w->call, buf, len);
		if (e == -ENOBUFS)
			watcher_end(d, pp, FAM_RPC_RESOURCE_EXHAUSTED,
				    "the watcher does not read fast enough: events would be lost; "
				    "watch again");
		else if (e)
			watcher_end(d, pp, FAM_RPC_CANCELLED, "watch ended");
		else
			pp = &w->next;
	}
	free(buf);
	o->last_keepalive = famfsd_now_ms();
}

static void emit_simple(struct famfsd *d, const char *kind, const char *path, uint64_t seq)
{
	Famfs__WatchEvent ev = FAMFS__WATCH_EVENT__INIT;

	ev.kind = (char *)kind;
	ev.path = (char *)path;
	ev.seq = seq;
	emit(d, &ev);
}

static void h_watch(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	FAMFSD_UNPACK(Famfs__WatchRequest, famfs__watch_request, m, req, len);
	struct watcher *w;
	Famfs__WatchEvent ev = FAMFS__WATCH_EVENT__INIT;
	uint8_t buf[64];

	if (m->path[0] && famfsd_check_path(d, call, m->path))
		goto out;
	w = calloc(1, sizeof(*w));
	if (!w || !(w->prefix = strdup(m->path))) {
		free(w);
		famfsd_reply_status(d, call, FAM_RPC_RESOURCE_EXHAUSTED, "out of memory");
		goto out;
	}
	/* Tell the client it is subscribed: nothing applied from now on is missed. */
	ev.kind = "ready";
	ev.path = m->path;
	ev.seq = d->fs.ns.applied_seq;
	{
		size_t n = famfs__watch_event__get_packed_size(&ev);
		uint8_t *p = n <= sizeof(buf) ? buf : malloc(n);

		if (p) {
			famfs__watch_event__pack(&ev, p);
			fam_rpc_stream_send(call, p, n);
			if (p != buf)
				free(p);
		}
	}
	w->call = call;
	w->next = d->own->watchers;
	d->own->watchers = w;
	famfsd_logf(&d->log, LOG_DEBUG, "watch from %s on %s", fam_rpc_call_peer(call)->name,
		    m->path[0] ? m->path : "/");
out:
	famfs__watch_request__free_unpacked(m, NULL);
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
static void reply_owners(struct famfsd *d, struct fam_rpc_call *call, const char *path,
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
	r.access = access_of(d, n, host, &owned);
	/* This host's own access: none while held, or without a valid, caught-up lease. */
	if (host == d->cfg.host_id && (is_held(d, path) || !famfsd_hostlease_valid(d)))
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

/* ---- handoffs in progress ---- */

static const struct handoff *busy(const struct famfsd *d, const char *path)
{
	for (const struct handoff *h = d->own->handoffs; h; h = h->next)
		if (paths_overlap(h->path, path))
			return h;
	return NULL;
}

static bool refuse_busy(struct famfsd *d, struct fam_rpc_call *call, const char *path)
{
	const struct handoff *h = busy(d, path);

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

/* ---- Acquire / Release / Owners / Open ---- */

static int commit_owner(struct famfsd *d, const char *path, uint32_t host, uint32_t mode,
			uint64_t epoch)
{
	struct fam_node *n;
	int err = fam_fs_owner(&d->fs, path, host, mode, epoch);

	if (err)
		return err;
	if (!fam_fs_lookup(&d->fs, path, &n))
		epoch_note(d->own, n->ino, epoch);
	famfsd_logf(&d->log, LOG_NOTICE, "%s: host %u %s (epoch %llu)", path, host,
		    mode == FAM_OWN_NONE ? "released" : mode == FAM_OWN_RW ? "owns read-write" :
		    "owns read-only", (unsigned long long)epoch);
	return 0;
}

/* A handoff: one OWNER record moves the grant, so no log prefix shows the data set unowned. */
static int commit_move(struct famfsd *d, const char *path, uint32_t from, uint64_t from_epoch,
		       uint32_t to, uint64_t epoch)
{
	struct fam_node *n;
	int err = fam_fs_owner_move(&d->fs, path, from, from_epoch, to, FAM_OWN_RW, epoch);

	if (err)
		return err;
	if (!fam_fs_lookup(&d->fs, path, &n))
		epoch_note(d->own, n->ino, epoch);
	famfsd_logf(&d->log, LOG_NOTICE, "%s: host %u owns read-write (epoch %llu), in place of "
		    "host %u (epoch %llu)", path, to, (unsigned long long)epoch, from,
		    (unsigned long long)from_epoch);
	return 0;
}

static struct handoff *handoff_new(struct famfsd *d, struct fam_rpc_call *call, const char *path,
				   uint32_t from, uint64_t from_epoch, uint32_t to);
static void handoff_start(struct handoff *h);

static void h_acquire(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	FAMFSD_UNPACK(Famfs__AcquireRequest, famfs__acquire_request, m, req, len);
	const struct fam_reqid *seen;
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
		forward_msg(d, call, &m->base);
		goto out;
	}
	host = m->has_host ? m->host : d->cfg.host_id;
	if (host >= FAM_MAX_HOSTS) {
		famfsd_reply_status(d, call, FAM_RPC_INVALID_ARGUMENT, "host %u: host ids are 0 to %u",
			     host, FAM_MAX_HOSTS - 1);
		goto out;
	}
	err = fam_fs_lookup(&d->fs, m->path, &n);
	if (err) {
		famfsd_reply_errno(d, call, err, m->path);
		goto out;
	}
	err = famfsd_request_begin(d, call, m->request_id.data, m->request_id.len, &seen);
	if (err < 0)
		goto out;
	if (err > 0) {		/* a retry: the first attempt committed */
		reply_owners(d, call, m->path, NULL, host);
		goto out;
	}
	if (refuse_busy(d, call, m->path))
		goto out;
	g = grant_of(n, host);
	if (g && g->mode == m->mode) {	/* already so: nothing to commit */
		reply_owners(d, call, m->path, NULL, host);
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
	err = commit_owner(d, m->path, host, m->mode, next_epoch(d->own, n));
	famfsd_request_end(d);
	if (err) {
		famfsd_reply_errno(d, call, err, m->path);
		goto out;
	}
	famfsd_cluster_committed(d);
	reply_owners(d, call, m->path, NULL, host);
out:
	famfs__acquire_request__free_unpacked(m, NULL);
}

static void h_release(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	FAMFSD_UNPACK(Famfs__ReleaseRequest, famfs__release_request, m, req, len);
	const struct fam_reqid *seen;
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
		forward_msg(d, call, &m->base);
		goto out;
	}
	host = m->has_host ? m->host : d->cfg.host_id;
	err = fam_fs_lookup(&d->fs, m->path, &n);
	if (err) {
		famfsd_reply_errno(d, call, err, m->path);
		goto out;
	}
	err = famfsd_request_begin(d, call, m->request_id.data, m->request_id.len, &seen);
	if (err < 0)
		goto out;
	if (err > 0) {		/* a retry: the first attempt committed */
		reply_owners(d, call, m->path, NULL, host);
		goto out;
	}
	if (refuse_busy(d, call, m->path))
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
		h = handoff_new(d, call, m->path, host, g->grant_epoch, TO_NOBODY);
		if (!h)
			goto out;
		memcpy(h->req_id, d->fs.req_id, sizeof(h->req_id));
		famfsd_request_end(d);
		h->force = true;
		handoff_start(h);
		goto out;
	}
	err = commit_owner(d, m->path, host, FAM_OWN_NONE, g->grant_epoch);
	famfsd_request_end(d);
	if (err) {
		famfsd_reply_errno(d, call, err, m->path);
		goto out;
	}
	famfsd_cluster_committed(d);
	reply_owners(d, call, m->path, NULL, host);
out:
	famfsd_request_end(d);
	famfs__release_request__free_unpacked(m, NULL);
}

static void h_owners(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	FAMFSD_UNPACK(Famfs__PathRequest, famfs__path_request, m, req, len);

	if (!famfsd_check_path(d, call, m->path))
		reply_owners(d, call, m->path, NULL, d->cfg.host_id);
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
	acc = access_of(d, n, self, &owned);
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
	if (is_held(d, m->path)) {
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

/* ---- Handoff (master) ---- */

static void handoff_reply(struct handoff *h, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void handoff_reply(struct handoff *h, int status, const char *fmt, ...)
{
	struct famfsd *d = h->d;

	if (h->to != TO_NOBODY)
		famfsd_metrics_handoff(&d->metrics, status == FAM_RPC_OK,
				       famfsd_now_ms() - h->start_ms);
	if (status == FAM_RPC_OK) {
		reply_owners(d, h->call, h->path, h->warning[0] ? h->warning : NULL,
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

static void handoff_grant(struct handoff *h, uint64_t epoch)
{
	struct famfsd *d = h->d;
	Famfs__GrantRequest g = FAMFS__GRANT_REQUEST__INIT;
	uint8_t buf[PATH_MAX + 64];
	size_t len;
	int err;

	if (h->to == d->cfg.host_id) {
		do_grant(d, h->path);
		handoff_reply(h, FAM_RPC_OK, NULL);
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
		if (!h->force || !host_gone(d, h->from)) {
			handoff_reply(h, FAM_RPC_UNAVAILABLE, "%s: host %u did not answer the "
				      "revocation (%s: %s); nothing committed%s", h->path, h->from,
				      fam_rpc_status_name(status), msg, h->force ?
				      "; its lease has not expired, so it may still use the data "
				      "set (--force proceeds only without it)" :
				      "; retry (when its lease expires its grants are released), or "
				      "--force to proceed without it once it has");
			return;
		}
		snprintf(h->warning, sizeof(h->warning), "host %u did not answer (%s) and %s: its "
			 "grant was taken by force, without its cache flush", h->from, msg,
			 is_member(d, h->from) ? "its lease has expired" : "it is not a cluster member");
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
		err = commit_owner(d, h->path, h->from, FAM_OWN_NONE, h->from_epoch);
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
	epoch = next_epoch(d->own, n);
	err = commit_move(d, h->path, h->from, h->from_epoch, h->to, epoch);
	famfsd_request_end(d);
	if (err) {
		handoff_reply(h, fam_rpc_status_from_errno(err), "%s: committing the handoff from "
			      "host %u to host %u: %s%s%s; nothing changed (host %u keeps its grant)",
			      h->path, h->from, h->to, strerror(-err), d->fs.err[0] ? ": " : "",
			      d->fs.err, h->from);
		return;
	}
	famfsd_cluster_committed(d);
	handoff_grant(h, epoch);
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
	if (status == FAM_RPC_OK)
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
	free(rv);
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

	err = fam_fs_lookup(&d->fs, rv->path, &n);
	if (err) {
		snprintf(msg, sizeof(msg), "%s: %s on host %u", rv->path, strerror(-err),
			 d->cfg.host_id);
		revoke_finish(rv, fam_rpc_status_from_errno(err), msg, 0);
		return;
	}
	if (collect_cb(&fl, n)) {
		file_list_free(&fl);
		revoke_finish(rv, FAM_RPC_RESOURCE_EXHAUSTED, "out of memory", 0);
		return;
	}
	if (rv->wait_ms)
		pid = in_use(d, &fl, comm, sizeof(comm));
	if (pid && now < rv->deadline) {
		struct timeval tv = { 0, POLL_MS * 1000 };

		file_list_free(&fl);
		if (!rv->timer)
			rv->timer = evtimer_new(d->base, revoke_timer, rv);
		if (rv->timer && !evtimer_add(rv->timer, &tv))
			return;
		revoke_finish(rv, FAM_RPC_INTERNAL, "cannot arm a timer", 0);
		return;
	}
	if (pid && !rv->force) {
		file_list_free(&fl);
		snprintf(msg, sizeof(msg), "%s: still in use on host %u by pid %d (%s) after waiting "
			 "%u ms; nothing revoked (wait longer, or --force to revoke anyway)",
			 rv->path, d->cfg.host_id, (int)pid, comm, rv->wait_ms);
		revoke_finish(rv, FAM_RPC_ABORTED, msg, 0);
		return;
	}
	if (pid)
		famfsd_logf(&d->log, LOG_WARNING, "%s: revoking while pid %d (%s) still uses it",
			    rv->path, (int)pid, comm);
	err = do_revoke(d, rv->path, &fl, &bytes, msg, sizeof(msg));
	file_list_free(&fl);
	revoke_finish(rv, err ? FAM_RPC_INTERNAL : FAM_RPC_OK, err ? msg : "", bytes);
}

static void revoke_start(struct famfsd *d, struct fam_rpc_call *call, struct handoff *h,
			 const char *path, uint32_t wait_ms, bool force)
{
	struct revoke *rv = calloc(1, sizeof(*rv));

	if (!rv) {
		if (call)
			famfsd_reply_status(d, call, FAM_RPC_RESOURCE_EXHAUSTED, "out of memory");
		if (h)
			handoff_revoked(h, FAM_RPC_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	rv->d = d;
	rv->call = call;
	rv->h = h;
	snprintf(rv->path, sizeof(rv->path), "%s", path);
	rv->start = famfsd_now_ms();
	rv->deadline = rv->start + wait_ms;
	rv->wait_ms = wait_ms;
	rv->force = force;
	rv->next = d->own->revokes;
	d->own->revokes = rv;
	revoke_step(rv);
}

static struct handoff *handoff_new(struct famfsd *d, struct fam_rpc_call *call, const char *path,
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
	h->start_ms = famfsd_now_ms();
	h->next = d->own->handoffs;
	d->own->handoffs = h;
	return h;
}

/* Revoke on the holder (here or famfs.peer.Revoke); handoff_revoked() goes on. */
static void handoff_start(struct handoff *h)
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
		revoke_start(d, NULL, h, h->path, h->wait_ms, h->force);
	} else {
		Famfs__RevokeRequest r = FAMFS__REVOKE_REQUEST__INIT;
		uint8_t buf[PATH_MAX + 64];
		size_t blen;

		r.path = h->path;
		r.wait_ms = h->wait_ms;
		r.force = h->force;
		blen = famfs__revoke_request__pack(&r, buf);
		err = famfsd_peer_call(d, h->from, "famfs.peer.Revoke", buf, blen,
				       h->wait_ms + PEER_DEADLINE_MS, on_revoked, h);
		if (err)
			handoff_revoked(h, FAM_RPC_UNAVAILABLE, strerror(-err));
		else
			h->peer_pending = true;
	}
}

static void h_handoff(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	FAMFSD_UNPACK(Famfs__HandoffRequest, famfs__handoff_request, m, req, len);
	const struct fam_reqid *seen;
	char msg[PATH_MAX + 600];
	const struct fam_grant *g = NULL;
	struct handoff *h;
	struct fam_node *n;
	int err;

	if (famfsd_check_path(d, call, m->path))
		goto out;
	if (!famfsd_is_master(d)) {
		famfsd_forward(d, call, req, len);
		goto out;
	}
	if (m->to_host >= FAM_MAX_HOSTS || !is_member(d, m->to_host)) {
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
	err = fam_fs_lookup(&d->fs, m->path, &n);
	if (err) {
		famfsd_reply_errno(d, call, err, m->path);
		goto out;
	}
	err = famfsd_request_begin(d, call, m->request_id.data, m->request_id.len, &seen);
	if (err < 0)
		goto out;
	if (err > 0) {		/* a retry: the first attempt committed */
		reply_owners(d, call, m->path, NULL, m->to_host);
		goto out;
	}
	if (refuse_busy(d, call, m->path))
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
	if (g->host == m->to_host) {
		famfsd_reply_status(d, call, FAM_RPC_FAILED_PRECONDITION, "%s: host %u already owns it "
			     "read-write", m->path, m->to_host);
		goto out;
	}
	if (grants_conflict(n, m->path, m->to_host, FAM_OWN_RW, n, g->host, msg, sizeof(msg))) {
		famfsd_reply_status(d, call, FAM_RPC_FAILED_PRECONDITION, "%s", msg);
		goto out;
	}
	h = handoff_new(d, call, m->path, g->host, g->grant_epoch, m->to_host);
	if (!h)
		goto out;
	memcpy(h->req_id, d->fs.req_id, sizeof(h->req_id));
	h->wait_ms = m->wait_ms;
	h->force = m->force;
	handoff_start(h);
out:
	famfsd_request_end(d);
	famfs__handoff_request__free_unpacked(m, NULL);
}

/* ---- peer methods ---- */

static void h_peer_revoke(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	FAMFSD_UNPACK(Famfs__RevokeRequest, famfs__revoke_request, m, req, len);

	if (!famfsd_check_path(d, call, m->path)) {
		if (m->wait_ms > WAIT_MAX_MS)
			m->wait_ms = WAIT_MAX_MS;
		revoke_start(d, call, NULL, m->path, m->wait_ms, m->force);
	}
	famfs__revoke_request__free_unpacked(m, NULL);
}

/*
 * famfs.peer.Grant raises access, so it is checked against the log: it must
 * come from the master this host follows, in its epoch, and the replayed
 * namespace must hold exactly that grant. A delayed Grant of a deposed master,
 * or one the log has since superseded, changes nothing.
 */
static void h_peer_grant(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	FAMFSD_UNPACK(Famfs__GrantRequest, famfs__grant_request, m, req, len);
	Famfs__PeerOwnReply r = FAMFS__PEER_OWN_REPLY__INIT;
	uint32_t self = d->cfg.host_id;
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
	r.host = self;
	r.bytes = do_grant(d, m->path);
	r.note = (char *)"";
	famfsd_logf(&d->log, LOG_NOTICE, "%s: granted %s here (epoch %llu), %llu bytes invalidated",
		    m->path, grant_mode_name(m->mode), (unsigned long long)m->epoch,
		    (unsigned long long)r.bytes);
	famfsd_reply_packed(call, &r.base);
out:
	famfs__grant_request__free_unpacked(m, NULL);
}

/* ---- hooks ---- */

static void rec_str(char *dst, const char *src, uint32_t len)
{
	if (len >= PATH_MAX)
		len = PATH_MAX - 1;
	memcpy(dst, src, len);
	dst[len] = 0;
}

void famfsd_ownership_on_record(struct famfsd *d, const struct fam_rec *r)
{
	struct famfsd_own *o = d->own;
	Famfs__WatchEvent ev = FAMFS__WATCH_EVENT__INIT;
	char a[PATH_MAX], b[PATH_MAX] = "";
	struct fam_node *n;

	if (!o)
		return;		/* replay at startup: register() catches up */
	if (r->type == FAM_REC_CHECKPOINT) {
		o->in_ckpt = r->u.ckpt.phase == FAM_CKPT_BEGIN;
		if (!o->in_ckpt) {
			fam_ns_walk(&d->fs.ns, seed_cb, o);
			reconcile(d, "/");
			emit_simple(d, "checkpoint", "/", r->seq);
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
			reconcile(d, a);	/* a new file inside an owned data set */
		break;
	case FAM_REC_DELETE:
		rec_str(a, r->u.del.path, r->u.del.path_len);
		ev.kind = "delete";
		break;
	case FAM_REC_RENAME:
		rec_str(a, r->u.ren.from, r->u.ren.from_len);
		rec_str(b, r->u.ren.to, r->u.ren.to_len);
		ev.kind = "rename";
		reconcile(d, b);		/* moved into (or out of) an owned data set */
		break;
	case FAM_REC_OWNER:
		rec_str(a, r->u.owner.path, r->u.owner.path_len);
		ev.kind = "owner";
		ev.has_host = true;
		ev.host = r->u.owner.host;
		ev.mode = r->u.owner.mode;
		ev.epoch = r->u.owner.grant_epoch;
		if (!fam_fs_lookup(&d->fs, a, &n))
			epoch_note(o, n->ino, r->u.owner.grant_epoch);
		unhold(d, a, false);
		reconcile(d, a);
		if (r->u.owner.has_prev) {
			/* A handoff, one record: watchers see the release, then the grant. */
			Famfs__WatchEvent rel = ev;

			rel.host = r->u.owner.prev_host;
			rel.mode = FAM_OWN_NONE;
			rel.epoch = r->u.owner.prev_epoch;
			emit(d, &rel);
		}
		break;
	default:
		return;
	}
	emit(d, &ev);
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
		int err = commit_owner(d, rel[i].path, host, FAM_OWN_NONE, rel[i].epoch);

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
	err = commit_owner(d, path, d->cfg.host_id, FAM_OWN_NONE, epoch);

	if (!err)
		famfsd_cluster_committed(d);
	return err;
}

void famfsd_ownership_reconcile(struct famfsd *d)
{
	if (d->own)
		reconcile(d, "/");
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct famfsd *d = arg;
	uint64_t now = famfsd_now_ms();

	if (d->own->held) {
		famfsd_replay(d);	/* access comes back only from the log as it is now */
		if (d->own)
			unhold(d, "", true);
	}
	if (d->own->watchers && now >= d->own->last_keepalive + KEEPALIVE_MS)
		emit_simple(d, "keepalive", "", d->fs.ns.applied_seq);
}

static const struct {
	const char *name;
	unsigned int flags;
	fam_rpc_handler fn;
} methods[] = {
	{ "famfs.Acquire", FAM_RPC_MUTATES, h_acquire },
	{ "famfs.Release", FAM_RPC_MUTATES, h_release },
	{ "famfs.Handoff", FAM_RPC_MUTATES, h_handoff },
	{ "famfs.Owners", 0, h_owners },
	{ "famfs.Open", 0, h_open },
	{ "famfs.Watch", FAM_RPC_STREAM, h_watch },
	{ "famfs.peer.Revoke", FAM_RPC_MUTATES, h_peer_revoke },
	{ "famfs.peer.Grant", FAM_RPC_MUTATES, h_peer_grant },
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
	reconcile(d, "/");
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
	while (o->watchers)
		watcher_end(d, &o->watchers, FAM_RPC_UNAVAILABLE, "famfsd is stopping");
	while (o->revokes) {
		struct revoke *rv = o->revokes;

		o->revokes = rv->next;
		if (rv->timer)
			event_free(rv->timer);
		if (rv->call)
			fam_rpc_reply(rv->call, FAM_RPC_UNAVAILABLE, "famfsd is stopping", NULL, 0);
		free(rv);
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
