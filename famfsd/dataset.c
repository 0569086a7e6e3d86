// SPDX-License-Identifier: Apache-2.0
/*
 * This host's side of ownership: its access to each file (kernel mode:
 * FAMFSIOC_SET_ACCESS), cache write-back and invalidation of a data set,
 * local processes that still use one, and data sets held revoked while a
 * handoff commits. See docs/ownership.md.
 */
#include "famfsd.h"
#include "own_int.h"
#include "reply.h"
#include "cluster.h"
#include "grants.h"
#include "kmount.h"
#include "rpc.h"
#include "famfs.pb-c.h"
#include "flush.h"
#include "cachewalk.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

bool own_is_held(const struct famfsd *d, const char *path)
{
	for (const struct held *h = d->own->held; h; h = h->next)
		if (path_within(path, h->path))
			return true;
	return false;
}

bool own_is_lowering(const struct famfsd *d, const char *path)
{
	for (const struct held *h = d->own->held; h; h = h->next)
		if (h->lowering && path_within(path, h->path))
			return true;
	return false;
}

bool own_is_invalidating(const struct famfsd *d, const char *path)
{
	for (const struct held *h = d->own->held; h; h = h->next)
		if (h->granting && path_within(path, h->path))
			return true;
	return false;
}

/* ---- this host's access (kernel mode) ---- */

struct recon {
	struct famfsd *d;
	struct grant_view v;
	uint32_t self;
	uint64_t changed, failed;
	bool module_invalidates;	/* see module_invalidates() */
	int first_err;
	char first_path[PATH_MAX];
};

/*
 * Kernel mode: does the module invalidate a file's cached lines itself when
 * its access is raised from none (then *inval is its count of bytes
 * invalidated so far, and *on_touch, if asked, whether it does so at the
 * first touch of each unit rather than in the raise)? Modules without
 * FAMFS_FEATURE_INVALIDATE_ON_RAISE leave it to famfsd's walk
 * (fam_kmount_cache).
 */
static bool module_invalidates(const struct famfsd *d, uint64_t *inval, bool *on_touch)
{
	struct fam_kmount_counters k;

	if (fam_kmount_counters(d->cfg.mount, &k) || !k.invalidates_on_raise)
		return false;
	*inval = k.invalidated_bytes;
	if (on_touch)
		*on_touch = k.invalidates_on_touch;
	return true;
}

static void recon_file(struct recon *rc, const struct fam_node *n, uint32_t mode)
{
	struct famfsd *d = rc->d;
	char path[PATH_MAX];
	uint32_t cur = FAM_OWN_NONE;
	int err, have;

	if (!n->n_ext || fam_ns_path(n, path, sizeof(path)) < 0)
		return;
	/* A worker lowers it to none (own_lower): not a second, blocking, ioctl here. */
	if (own_is_lowering(d, path))
		return;
	if (own_is_held(d, path) || !famfsd_hostlease_valid(d))
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
	/*
	 * Access (re)gained: lines cached from an earlier period may be stale.
	 * A module with invalidates_on_raise dropped them in SET_ACCESS (or,
	 * with FAMFS_FEATURE_INVALIDATE_ON_TOUCH, marked them stale there and
	 * drops each at its first touch: the raise stays O(1) on this loop).
	 */
	if (!have && cur == FAM_OWN_NONE && mode != FAM_OWN_NONE && !rc->module_invalidates)
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
void own_reconcile(struct famfsd *d, const char *path)
{
	struct recon rc;
	uint32_t best = FAM_OWN_NONE;
	bool owned = false;
	struct fam_node *n;
	uint64_t inval;

	/*
	 * Called for every record replayed: return before rc is initialised
	 * (an initialiser zeroes all of first_path, 4 KiB) when there is
	 * nothing to do.
	 */
	if (!d->kernel || fam_fs_lookup(&d->fs, path, &n))
		return;
	rc = (struct recon){ .d = d, .v = own_view_of(d), .self = d->cfg.host_id };
	rc.module_invalidates = module_invalidates(d, &inval, NULL);
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


int own_collect_cb(struct file_list *fl, const struct fam_node *n)
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
		if (own_collect_cb(fl, c))
			return -ENOMEM;
	return 0;
}

void own_file_list_free(struct file_list *fl)
{
	free(fl->ids);
	free(fl->ext);
}

/*
 * User-space mode: write back or drop the data set's cache lines through the
 * daemon's device mapping (any mapping of the same memory reaches the same
 * lines), on a worker thread (cachewalk.c), only where pages are resident.
 * A regular file simulates fabric memory on one host, whose caches are
 * coherent: nothing to do there unless [famfs] cache_walk = always.
 */
struct own_walk {
	struct famfsd *d;
	struct cache_walk *w;
	char path[PATH_MAX];
	bool invalidate;
	own_walk_done_fn done;
	void *arg;
	struct own_walk *next;
	/*
	 * Kernel mode's lowering (own_lower): the worker reads path, mount and
	 * flush_first (set before it starts) and writes ro_err, flush_err and
	 * flushed, which the loop reads after the join.
	 */
	bool flush_first;
	char mount[PATH_MAX];
	own_lower_done_fn lowered;
	int ro_err, flush_err;
	uint64_t flushed;
};

static void own_walk_done(void *arg, const struct cache_walk_result *r)
{
	struct own_walk *ow = arg;
	struct famfsd *d = ow->d;
	struct own_walk **pp;

	for (pp = &d->own->walks; *pp; pp = &(*pp)->next)
		if (*pp == ow) {
			*pp = ow->next;
			break;
		}
	if (r->err)
		famfsd_logf(&d->log, LOG_WARNING, "%s: cache %s: %s", ow->path,
			    ow->invalidate ? "invalidation" : "write-back", strerror(-r->err));
	famfsd_logf(&d->log, LOG_INFO, "%s: cache walk (%s): %llu of %llu bytes resident, "
		    "%.1f ms on a worker thread (monotonic %llu-%llu us)", ow->path,
		    ow->invalidate ? "invalidate" : "write-back",
		    (unsigned long long)r->st.resident, (unsigned long long)r->st.walked,
		    (double)(r->end_us - r->start_us) / 1000.0, (unsigned long long)r->start_us,
		    (unsigned long long)r->end_us);
	ow->done(d, ow->arg, r->st.resident);
	free(ow);
}

/*
 * Start the walk over fl's extents; done(d, arg, bytes) follows on the loop.
 * 1: nothing to walk (done is not called); 0: started; -errno: not started.
 */
static int own_walk_start(struct famfsd *d, const char *path, const struct file_list *fl,
			  bool invalidate, own_walk_done_fn done, void *arg)
{
	struct cache_range *r;
	struct own_walk *ow;
	size_t n = 0;
	int e;

	if (d->dev.kind == FAM_DEV_FILE && d->cfg.cache_walk != FAMFSD_CACHE_ALWAYS)
		return 1;
	r = calloc(fl->n_ext ? fl->n_ext : 1, sizeof(*r));
	ow = calloc(1, sizeof(*ow));
	if (!r || !ow) {
		free(r);
		free(ow);
		return -ENOMEM;
	}
	for (size_t i = 0; i < fl->n_ext; i++) {
		r[n].addr = fam_dev_data(&d->dev, fl->ext[i].offset, fl->ext[i].len);
		r[n].len = fl->ext[i].len;
		if (r[n].addr)
			n++;
	}
	if (!n) {
		free(r);
		free(ow);
		return 1;
	}
	ow->d = d;
	snprintf(ow->path, sizeof(ow->path), "%s", path);
	ow->invalidate = invalidate;
	ow->done = done;
	ow->arg = arg;
	/* devdax: mincore() sees only famfsd's page tables; its memory is always there. */
	e = cache_walk_start(d->base, r, n, invalidate, d->dev.kind == FAM_DEV_DAX, own_walk_done,
			     ow, &ow->w);
	if (e) {
		free(ow);
		return e;
	}
	ow->next = d->own->walks;
	d->own->walks = ow;
	famfsd_logf(&d->log, LOG_INFO, "%s: cache walk (%s) of %zu range(s) started on a worker "
		    "thread", path, invalidate ? "invalidate" : "write-back", n);
	return 0;
}

void own_walks_cancel(struct famfsd *d)
{
	while (d->own->walks) {
		struct own_walk *ow = d->own->walks;

		d->own->walks = ow->next;
		cache_walk_cancel(ow->w);
		free(ow);
	}
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
pid_t own_in_use(struct famfsd *d, const struct file_list *fl, char *comm, size_t cap)
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

static struct held *held_find(const struct famfsd *d, const char *path, bool granting)
{
	struct held *h;

	for (h = d->own->held; h; h = h->next)
		if (!strcmp(h->path, path) && h->granting == granting)
			break;
	return h;
}

struct held *own_hold(struct famfsd *d, const char *path, bool granting)
{
	struct held *h = held_find(d, path, granting);

	if (!h) {
		h = calloc(1, sizeof(*h));
		if (!h)
			return NULL;
		snprintf(h->path, sizeof(h->path), "%s", path);
		h->granting = granting;
		h->next = d->own->held;
		d->own->held = h;
	}
	if (granting)
		h->walks++;
	h->until = famfsd_now_ms() + HOLD_MS;
	return h;
}

/* OWNER records touching path arrived (or the hold timed out): drop the holds. */
void own_unhold(struct famfsd *d, const char *path, bool expired_only)
{
	struct held **pp = &d->own->held;
	uint64_t now = famfsd_now_ms();

	while (*pp) {
		struct held *h = *pp;

		/* A hold while this host invalidates ends with that walk only. */
		if (h->granting) {
			pp = &h->next;
		} else if ((expired_only ? now >= h->until : paths_overlap(h->path, path)) &&
			   h->lowering) {
			/* A worker still lowers it: the hold ends when it is done (own_lowered). */
			h->released = true;
			pp = &h->next;
		} else if (expired_only ? now >= h->until : paths_overlap(h->path, path)) {
			char p[PATH_MAX];

			*pp = h->next;
			snprintf(p, sizeof(p), "%s", h->path);
			free(h);
			if (expired_only) {
				famfsd_logf(&d->log, LOG_WARNING, "%s: revoked %d s ago but no new "
					    "owner was committed: access from the log again", p,
					    HOLD_MS / 1000);
				own_reconcile(d, p);
			}
		} else {
			pp = &h->next;
		}
	}
}

/*
 * Kernel mode: does famfs.ko's access lowering write back the dirty lines
 * itself? It writes back what was written through mappings, through the dax
 * device's cache flush, which the kernel skips when the platform declares the
 * CPU caches part of the persistence domain (write cache off). Caches are
 * never shared between hosts, so only then (or when it cannot tell) does
 * famfsd walk every line of the data set itself. A module since issue 13
 * says so (FAMFS_FEATURE_WRITEBACK_KADDR, set while the device's write cache
 * is on, /dev/dax too); for older ones the pmem disk's dax/write_cache tells.
 */
static bool module_writes_back(const struct famfsd *d)
{
	struct fam_kmount_counters k;

	if (!fam_kmount_counters(d->cfg.mount, &k) && k.writes_back)
		return true;

	const char *dev = strrchr(d->cfg.device, '/');
	char p[PATH_MAX + 64], v[8] = "";
	FILE *f;

	if (!dev || strncmp(dev + 1, "pmem", 4))
		return false;
	snprintf(p, sizeof(p), "/sys/class/block/%s/dax/write_cache", dev + 1);
	f = fopen(p, "re");
	if (!f) {	/* a partition: the disk's */
		snprintf(p, sizeof(p), "/sys/class/block/%s/../dax/write_cache", dev + 1);
		f = fopen(p, "re");
	}
	if (!f)
		return false;
	if (!fgets(v, sizeof(v), f))
		v[0] = 0;
	fclose(f);
	return v[0] == '1';
}

/* An invalidation of path is over: its hold ends with the last walk that holds it. */
static void own_unhold_grant(struct famfsd *d, const char *path)
{
	for (struct held **pp = &d->own->held; *pp; pp = &(*pp)->next)
		if ((*pp)->granting && !strcmp((*pp)->path, path)) {
			struct held *h = *pp;

			if (h->walks > 1) {
				h->walks--;
				return;
			}
			*pp = h->next;
			free(h);
			return;
		}
}

/* The message of a failed lowering to none (err from fam_kmount_set_access). */
static void lower_msg(const struct famfsd *d, const char *path, int err, char *msg, size_t cap)
{
	if (err == -EBUSY || err == -ETIMEDOUT)
		snprintf(msg, cap, "%s: pages of it stay pinned on host %u (O_DIRECT, vmsplice or "
			 "RDMA) after the module's wait, %d times: mappings are gone but the "
			 "revocation is not complete; nothing committed (retry once that I/O has "
			 "ended)", path, d->cfg.host_id, 1 + PIN_RETRIES);
	else
		snprintf(msg, cap, "%s: cannot revoke this host's access: %s", path, strerror(-err));
}

/*
 * The lowering itself, where it runs (a worker, or the loop if none can be
 * started): with flush_first, read-only (no new store), famfsd's own walk of
 * every line through read-only mappings, then none; the module writes back
 * what was written through mappings, zaps them and waits for pinned pages
 * (FAMFS_PIN_WAIT_MS, 2 s), all inside FAMFSIOC_SET_ACCESS. It touches nothing
 * of famfsd but ow's path, mount and results (lib/kmount.c keeps no state
 * between calls: each opens, uses and closes its own descriptors).
 */
static int lower_job(void *arg, struct fam_cache_stats *st)
{
	struct own_walk *ow = arg;
	int e;

	if (ow->flush_first) {
		e = fam_kmount_set_access(ow->mount, ow->path, FAM_OWN_RO);
		ow->ro_err = e < 0 ? e : 0;
		ow->flush_err = fam_kmount_cache(ow->mount, ow->path, false, &ow->flushed);
		st->resident = ow->flushed;
	}
	e = fam_kmount_set_access(ow->mount, ow->path, FAM_OWN_NONE);
	return e < 0 ? e : 0;
}

static void lower_report(struct famfsd *d, const struct own_walk *ow)
{
	if (!ow->flush_first)
		return;
	if (ow->ro_err)
		famfsd_logf(&d->log, LOG_DEBUG, "%s: read-only before the flush: %s", ow->path,
			    strerror(-ow->ro_err));
	if (ow->flush_err)
		famfsd_logf(&d->log, LOG_WARNING, "%s: flushing the CPU caches: %s", ow->path,
			    strerror(-ow->flush_err));
}

/* On the loop: the worker lowered ow->path (or failed to); the hold's state, then done. */
static void own_lowered(void *arg, const struct cache_walk_result *r)
{
	struct own_walk *ow = arg;
	struct famfsd *d = ow->d;
	char msg[PATH_MAX + 600] = "";
	bool released = false;
	struct own_walk **pp;
	struct held *h;

	for (pp = &d->own->walks; *pp; pp = &(*pp)->next)
		if (*pp == ow) {
			*pp = ow->next;
			break;
		}
	lower_report(d, ow);
	h = held_find(d, ow->path, false);
	if (h && h->lowering && !--h->lowering) {
		if (h->released) {
			struct held **hp;

			for (hp = &d->own->held; *hp; hp = &(*hp)->next)
				if (*hp == h) {
					*hp = h->next;
					break;
				}
			free(h);
			released = true;
		} else {
			/* The wait for the OWNER record starts now, not when the lowering did. */
			h->until = famfsd_now_ms() + HOLD_MS;
		}
	}
	if (r->err)
		lower_msg(d, ow->path, r->err, msg, sizeof(msg));
	famfsd_logf(&d->log, LOG_INFO, "%s: access lowered to none on a worker thread: %s, "
		    "%.1f ms (monotonic %llu-%llu us)", ow->path, r->err ? strerror(-r->err) : "done",
		    (double)(r->end_us - r->start_us) / 1000.0, (unsigned long long)r->start_us,
		    (unsigned long long)r->end_us);
	ow->lowered(d, ow->arg, r->err, ow->flushed, msg);
	/* OWNER records touching it arrived meanwhile: access from the log as it is now. */
	if (released)
		own_reconcile(d, ow->path);
	free(ow);
}

/* The lowering on the loop, when no worker can be started: 0 or -errno. */
static int lower_here(struct famfsd *d, const char *path, bool flush_first, uint64_t *bytes)
{
	struct own_walk here = { .flush_first = flush_first };
	struct fam_cache_stats st = { 0 };
	int e;

	snprintf(here.path, sizeof(here.path), "%s", path);
	snprintf(here.mount, sizeof(here.mount), "%s", d->cfg.mount);
	e = lower_job(&here, &st);
	lower_report(d, &here);
	*bytes = here.flushed;
	return e;
}

/*
 * Kernel mode: lower this host's access to path to none on a worker thread,
 * held meanwhile (own_is_held: famfs.Open refuses, reconcile keeps it at none
 * and leaves it to the worker). 1: started, lowered follows on the loop. If
 * no worker can be started, on the loop as before: 0 or -errno and msg.
 */
static int own_lower(struct famfsd *d, const char *path, bool flush_first, uint64_t *bytes,
		     char *msg, size_t cap, own_lower_done_fn lowered, void *arg)
{
	struct own_walk *ow = calloc(1, sizeof(*ow));
	struct held *h = own_hold(d, path, false);
	int e = -ENOMEM;

	if (ow && h) {
		ow->d = d;
		ow->flush_first = flush_first;
		snprintf(ow->path, sizeof(ow->path), "%s", path);
		snprintf(ow->mount, sizeof(ow->mount), "%s", d->cfg.mount);
		ow->lowered = lowered;
		ow->arg = arg;
		e = cache_job_start(d->base, lower_job, ow, own_lowered, ow, &ow->w);
	}
	if (!e) {
		h->lowering++;
		ow->next = d->own->walks;
		d->own->walks = ow;
		famfsd_logf(&d->log, LOG_INFO, "%s: access lowering to none%s started on a worker "
			    "thread", path, flush_first ? " (read-only, famfsd's flush, none)" : "");
		return 1;
	}
	famfsd_logf(&d->log, LOG_WARNING, "%s: cannot start the access lowering on a worker "
		    "thread (%s): on the event loop", path, strerror(-e));
	free(ow);
	e = lower_here(d, path, flush_first, bytes);
	if (e)
		lower_msg(d, path, e, msg, cap);
	return e;
}

/*
 * Give up this host's access to a data set. Kernel mode: access none on a
 * worker thread (own_lower); the module writes back the dirty entries, zaps
 * the mappings and waits for pinned pages. Where the module's write-back
 * flushes nothing (see module_writes_back), first read-only (no new store),
 * famfsd's own walk of every line through read-only mappings, then none.
 * User-space mode: the caches are written back through famfsd's own mapping
 * of the device on a worker thread; famfs.Open refuses new mappings from here
 * on. Returns 1 when a worker was started: walked (user-space mode, with the
 * bytes written back) or lowered (kernel mode) follows on the loop.
 */
int own_do_revoke(struct famfsd *d, const char *path, struct file_list *fl, uint64_t *bytes,
		  char *msg, size_t cap, own_walk_done_fn walked, own_lower_done_fn lowered,
		  void *arg)
{
	int e;

	*bytes = 0;
	own_hold(d, path, false);
	if (!d->kernel) {
		e = own_walk_start(d, path, fl, false, walked, arg);
		if (e < 0) {
			snprintf(msg, cap, "%s: cannot start the cache write-back: %s", path,
				 strerror(-e));
			return e;
		}
		return !e;
	}
	return own_lower(d, path, !module_writes_back(d), bytes, msg, cap, lowered, arg);
}

/*
 * The last step of a revocation, retried alone while pages stay pinned
 * (revoke_step()): no access at all, on a worker as own_do_revoke. -EBUSY /
 * -ETIMEDOUT (here or to lowered) when pages pinned by O_DIRECT, vmsplice or
 * RDMA outlived the module's wait.
 */
int own_revoke_none(struct famfsd *d, const char *path, char *msg, size_t cap,
		    own_lower_done_fn lowered, void *arg)
{
	uint64_t bytes;

	return own_lower(d, path, false, &bytes, msg, cap, lowered, arg);
}

struct grant_walk {
	char path[PATH_MAX];
	own_walk_done_fn done;
	void *arg;
};

static void own_granted(struct famfsd *d, void *arg, uint64_t bytes)
{
	struct grant_walk *g = arg;

	own_unhold_grant(d, g->path);
	g->done(d, g->arg, bytes);
	free(g);
}

/*
 * User-space mode: invalidate path's resident pages on a worker thread while
 * a hold keeps famfs.Open from giving access; done(arg) when the walk ends.
 * 0: started; 1: nothing to walk (or no file list); <0: the walk failed to
 * start. In both of the last cases no hold is left and done is not called.
 */
static int own_held_invalidation(struct famfsd *d, const char *path, own_walk_done_fn done,
				 void *arg)
{
	struct file_list fl = { .d = d };
	struct fam_node *n;
	int e = 1;

	if (!fam_fs_lookup(&d->fs, path, &n) && !own_collect_cb(&fl, n)) {
		own_hold(d, path, true);
		e = own_walk_start(d, path, &fl, true, done, arg);
		if (e)
			own_unhold_grant(d, path);
	}
	own_file_list_free(&fl);
	return e;
}

/*
 * Take access to a data set (the new owner): invalidate stale lines, then set
 * access from the replayed namespace (the caller checked that it holds the
 * grant), never from a message. User-space mode: the invalidation runs on a
 * worker thread while a hold keeps famfs.Open from granting access; done
 * (here or later, on the loop) gets the bytes invalidated.
 */
void own_do_grant(struct famfsd *d, const char *path, own_walk_done_fn done, void *arg)
{
	struct grant_walk *g;
	uint64_t bytes = 0;
	int e = 1;

	own_unhold(d, path, false);
	if (d->kernel) {
		uint64_t before, after;
		bool on_touch = false;

		/*
		 * A module that invalidates on a raise from none does it, in the
		 * kernel and only over what this host touched, for every file
		 * own_reconcile raises: no walk here, the bytes are its count.
		 * Files this host kept access to were never fenced off and are
		 * left alone. Older modules: famfsd walks every line itself.
		 */
		if (module_invalidates(d, &before, &on_touch)) {
			own_reconcile(d, path);
			if (module_invalidates(d, &after, NULL) && after >= before)
				bytes = after - before;
			if (on_touch)
				famfsd_logf(&d->log, LOG_INFO, "%s: access raised; famfs.ko invalidates "
					    "the units this host cached before at their first touch, "
					    "not in the raise (the grant's bytes invalidated count "
					    "only what the raise did)", path);
		} else {
			fam_kmount_cache(d->cfg.mount, path, true, &bytes);
			own_reconcile(d, path);
		}
		done(d, arg, bytes);
		return;
	}
	g = calloc(1, sizeof(*g));
	if (g) {
		snprintf(g->path, sizeof(g->path), "%s", path);
		g->done = done;
		g->arg = arg;
		e = own_held_invalidation(d, path, own_granted, g);
	}
	if (e < 0)
		famfsd_logf(&d->log, LOG_WARNING, "%s: cannot start the cache invalidation (%s): "
			    "access without it", path, strerror(-e));
	if (e) {
		free(g);
		done(d, arg, 0);
	}
}

struct inval_walk {
	char path[PATH_MAX];
};

static void own_readable_invalidated(struct famfsd *d, void *arg, uint64_t bytes)
{
	struct inval_walk *iw = arg;

	own_unhold_grant(d, iw->path);
	famfsd_logf(&d->log, LOG_INFO, "%s: readable here again: %llu bytes invalidated, "
		    "famfs.Open gives access", iw->path, (unsigned long long)bytes);
	free(iw);
}

/*
 * User-space mode: another host's grant on path ended and path is readable
 * here again without a grant to this host (docs/ownership.md, "User-space
 * mode"): lines this host cached before that grant may be stale. Drop the
 * resident ones on a worker thread, held (famfs.Open answers UNAVAILABLE)
 * until the walk ends. Only where own_walk_start walks at all.
 */
void own_invalidate_readable(struct famfsd *d, const char *path)
{
	struct inval_walk *iw;
	int e = 1;

	if (d->kernel)
		return;
	iw = calloc(1, sizeof(*iw));
	if (!iw) {
		e = -ENOMEM;
	} else {
		snprintf(iw->path, sizeof(iw->path), "%s", path);
		e = own_held_invalidation(d, path, own_readable_invalidated, iw);
	}
	if (e < 0)
		famfsd_logf(&d->log, LOG_WARNING, "%s: cannot start the cache invalidation after "
			    "another host's grant ended (%s): readable without it", path,
			    strerror(-e));
	if (e)
		free(iw);
}
