// SPDX-License-Identifier: Apache-2.0
/*
 * The host lease: how long this host may keep using the data sets it was
 * granted, see docs/cluster.md ("Host leases").
 *
 * Only evidence from a master extends it: an acknowledged heartbeat (the
 * extension counts from before the heartbeat was sent) or, on the master
 * itself, a renewed master lease. The master counts a host alive for 1.5
 * host leases after it last heard from it, so this lease always ends first.
 *
 * Kernel mode: the lease is the famfs module's (FAMFSIOC_LEASE); when it
 * runs out the module revokes every file, .meta included, by itself. On the
 * master it ends with the master lease, so a master that was stopped past
 * its lease finds its log mapping gone instead of writing in an old epoch.
 * User-space mode: famfsd keeps the deadline and refuses opens after it.
 *
 * A lease that ran out loses the grants this host held at that moment: they
 * stay without access here ("lost") until their release is committed, which
 * this host asks the master for as soon as it hears from one again (or the
 * master does on its own when the host's lease expires there). Nothing is
 * ever restored from a grant replayed before the expiry.
 */
#include "famfsd.h"
#include "hostlease.h"
#include "cluster.h"
#include "kmount.h"
#include "famfs.pb-c.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct lost_grant {
	uint64_t ino, epoch;
	bool seen;			/* still in the namespace (pruning) */
	bool handing_off;		/* given up for a holder-first handoff still in flight */
};

struct famfsd_hostlease {
	uint64_t until;			/* monotonic ms; 0: never extended */
	bool lapsed;			/* ran out and not extended since */
	bool err_logged;
	bool releasing;			/* a Release of a lost grant is in flight */
	bool lose_at_start;		/* the grants in the log predate this famfsd */
	bool stuck;			/* replay could not reach need_seq: no access, no renewal */
	uint64_t need_seq;		/* the master's log position at the last ack */
	struct lost_grant *lost;
	size_t n_lost, cap_lost;
};

static bool enabled(const struct famfsd *d)
{
	return d->hl && d->cfg.n_peers;
}

bool famfsd_grant_lost(const struct famfsd *d, uint64_t ino, uint64_t epoch)
{
	if (!d->hl)
		return false;
	for (size_t i = 0; i < d->hl->n_lost; i++)
		if (d->hl->lost[i].ino == ino && d->hl->lost[i].epoch == epoch)
			return true;
	return false;
}

bool famfsd_hostlease_valid(const struct famfsd *d)
{
	const struct famfsd_hostlease *hl = d->hl;

	if (!enabled(d))
		return true;
	/* User-space mode: the deadline itself, not only the tick that notices it. */
	if (!d->kernel && hl->until && famfsd_now_ms() >= hl->until)
		return false;
	return !hl->lapsed && d->fs.ns.applied_seq >= hl->need_seq;
}

bool famfsd_hostlease_stuck(const struct famfsd *d, uint64_t *applied, uint64_t *need)
{
	/*
	 * Stuck until replay reaches the position of the ack it could not follow.
	 * Kernel mode, once the module lease ran out the log is unreadable until
	 * an ack renews it: not reported then, or the host could never retry.
	 */
	if (!enabled(d) || !d->hl->stuck || d->fs.ns.applied_seq >= d->hl->need_seq ||
	    (d->kernel && d->hl->lapsed))
		return false;
	if (applied)
		*applied = d->fs.ns.applied_seq;
	if (need)
		*need = d->hl->need_seq;
	return true;
}

size_t famfsd_hostlease_n_lost(const struct famfsd *d)
{
	return d->hl ? d->hl->n_lost : 0;
}

/* Visit every grant of this host in the namespace. */
typedef void (*own_grant_fn)(struct famfsd *d, const struct fam_node *n,
			     const struct fam_grant *g);

struct own_walk {
	struct famfsd *d;
	own_grant_fn fn;
};

static int own_walk_cb(void *arg, const struct fam_node *n)
{
	struct own_walk *w = arg;

	for (uint32_t i = 0; i < n->n_grants; i++)
		if (n->grants[i].host == w->d->cfg.host_id)
			w->fn(w->d, n, &n->grants[i]);
	return 0;
}

static void for_own_grants(struct famfsd *d, own_grant_fn fn)
{
	struct own_walk w = { .d = d, .fn = fn };

	fam_ns_walk(&d->fs.ns, own_walk_cb, &w);
}

static int lose(struct famfsd *d, uint64_t ino, uint64_t epoch, bool handing_off)
{
	struct famfsd_hostlease *hl = d->hl;

	if (famfsd_grant_lost(d, ino, epoch))
		return 0;
	if (hl->n_lost == hl->cap_lost) {
		size_t cap = hl->cap_lost ? hl->cap_lost * 2 : 8;
		void *p = realloc(hl->lost, cap * sizeof(*hl->lost));

		if (!p) {
			famfsd_logf(&d->log, LOG_CRIT, "out of memory recording a lost grant");
			return -ENOMEM;
		}
		hl->lost = p;
		hl->cap_lost = cap;
	}
	hl->lost[hl->n_lost++] = (struct lost_grant){ .ino = ino, .epoch = epoch,
						      .handing_off = handing_off };
	return 0;
}

static void lose_one(struct famfsd *d, const struct fam_node *n, const struct fam_grant *g)
{
	lose(d, n->ino, g->grant_epoch, false);
}

/*
 * A holder-first handoff (docs/ownership.md): this host gives its grant up
 * before it revokes, for good, as if its lease had run out; no release of
 * it is asked for while the handoff is in flight.
 */
int famfsd_grant_give_up(struct famfsd *d, uint64_t ino, uint64_t epoch)
{
	if (!d->hl)
		return -EINVAL;
	return lose(d, ino, epoch, true);
}

/*
 * The handoff is over. keep: the log may still hold the grant (the master may
 * have seen the handoff and not committed it): it stays lost and its release
 * is asked for. !keep: nobody learned of the give-up, or the log no longer
 * holds the grant: forgotten.
 */
void famfsd_grant_give_up_end(struct famfsd *d, uint64_t ino, uint64_t epoch, bool keep)
{
	struct famfsd_hostlease *hl = d->hl;

	for (size_t i = 0; hl && i < hl->n_lost; i++) {
		if (hl->lost[i].ino != ino || hl->lost[i].epoch != epoch || !hl->lost[i].handing_off)
			continue;
		if (keep)
			hl->lost[i].handing_off = false;
		else
			hl->lost[i] = hl->lost[--hl->n_lost];
		return;
	}
}

/* The lease ran out: every grant held now is lost; access follows at once. */
static void lose_grants(struct famfsd *d, const char *why)
{
	size_t before = d->hl->n_lost;

	for_own_grants(d, lose_one);
	famfsd_logf(&d->log, LOG_WARNING, "%s: this host's grants are lost (%zu data set(s)); "
		    "they stay without access here until their release is committed",
		    why, d->hl->n_lost - before);
	d->hl_hooks->reconcile(d);
}

static void mark_seen(struct famfsd *d, const struct fam_node *n, const struct fam_grant *g)
{
	for (size_t i = 0; i < d->hl->n_lost; i++)
		if (d->hl->lost[i].ino == n->ino && d->hl->lost[i].epoch == g->grant_epoch)
			d->hl->lost[i].seen = true;
}

/* Forget lost grants whose release (or replacement) has been applied. */
static void prune_lost(struct famfsd *d)
{
	struct famfsd_hostlease *hl = d->hl;
	size_t j = 0;

	if (!hl->n_lost)
		return;
	for (size_t i = 0; i < hl->n_lost; i++)
		hl->lost[i].seen = false;
	for_own_grants(d, mark_seen);
	for (size_t i = 0; i < hl->n_lost; i++)
		if (hl->lost[i].seen)
			hl->lost[j++] = hl->lost[i];
	hl->n_lost = j;
}

struct lost_path {
	uint64_t ino;
	char path[PATH_MAX];
};

static int lost_path_cb(void *arg, const struct fam_node *n)
{
	struct lost_path *lp = arg;

	return n->ino == lp->ino && fam_ns_path(n, lp->path, sizeof(lp->path)) >= 0;
}

static bool find_lost_path(struct famfsd *d, struct lost_path *lp)
{
	return fam_ns_walk(&d->fs.ns, lost_path_cb, lp) > 0;
}

static void on_lost_released(int status, const char *msg, const uint8_t *payload, size_t len,
			     void *arg)
{
	struct famfsd *d = arg;

	if (!d->hl)
		return;
	d->hl->releasing = false;
	if (status != FAM_RPC_OK)
		famfsd_logf(&d->log, LOG_WARNING, "asking the master to release a lost grant: %s "
			    "(retrying)", msg ? msg : fam_rpc_status_name(status));
	d->hl_hooks->replay(d);
	prune_lost(d);
}

/* Ask for the release of one lost grant at a time; the tick retries. */
static void release_lost(struct famfsd *d)
{
	struct famfsd_hostlease *hl = d->hl;
	Famfs__ReleaseRequest m = FAMFS__RELEASE_REQUEST__INIT;
	struct lost_path lp;
	uint8_t *buf;
	size_t len, i = 0;
	int master, err;

	prune_lost(d);
	while (i < hl->n_lost && hl->lost[i].handing_off)
		i++;	/* the handoff in flight moves it, or gives it back to us here */
	if (i == hl->n_lost || hl->releasing || hl->lapsed)
		return;
	lp.ino = hl->lost[i].ino;
	if (!find_lost_path(d, &lp))
		return;
	if (famfsd_is_master(d)) {
		err = d->hl_hooks->release_own(d, lp.path, hl->lost[i].epoch);
		if (err)
			famfsd_logf(&d->log, LOG_ERR, "%s: releasing this host's lost grant: %s",
				    lp.path, strerror(-err));
		prune_lost(d);
		return;
	}
	master = famfsd_master_id(d);
	if (master < 0)
		return;
	m.path = lp.path;
	m.has_host = true;
	m.host = d->cfg.host_id;
	/* Only the grant that was lost: never a newer one of this host on the same path. */
	m.has_epoch = true;
	m.epoch = hl->lost[i].epoch;
	len = famfs__release_request__get_packed_size(&m);
	buf = malloc(len ? len : 1);
	if (!buf)
		return;
	famfs__release_request__pack(&m, buf);
	hl->releasing = famfsd_peer_call(d, (uint32_t)master, "famfs.Release", buf, len, 5000,
					 on_lost_released, d) == 0;
	free(buf);
}

static void restore_meta(struct famfsd *d)
{
	int err = fam_kmount_set_access(d->cfg.mount, "/" FAM_KMOUNT_META_DIR, FAM_OWN_RW);

	if (err < 0)
		famfsd_logf(&d->log, LOG_ERR, "restoring access to %s/%s: %s", d->cfg.mount,
			    FAM_KMOUNT_META_DIR, strerror(-err));
}

void famfsd_hostlease_extend(struct famfsd *d, uint64_t until, uint64_t need_seq)
{
	struct famfsd_hostlease *hl = d->hl;
	uint64_t now = famfsd_now_ms();
	struct fam_kmount_lease l = { 0 };
	bool lapsed_before, recover;
	int err;

	if (!enabled(d) || until <= now)
		return;
	lapsed_before = hl->lapsed || (hl->until && now >= hl->until);
	if (d->kernel) {
		/* An absolute deadline: a stall before the ioctl must not stretch it. */
		err = fam_kmount_lease_until(d->cfg.mount, until, FAMFSD_MODULE_LEASE_LATE_MS, &l);
		if (err) {
			if (!hl->err_logged)
				famfsd_logf(&d->log, LOG_ERR, "renewing the lease of %s: %s",
					    d->cfg.mount, strerror(-err));
			hl->err_logged = true;
			return;
		}
		hl->err_logged = false;
		d->metrics.module_lease_renewals++;
		/* The module revoked everything, famfsd's own log mapping too. */
		if (l.expired)
			restore_meta(d);
		lapsed_before = lapsed_before || l.expired;
	}
	/*
	 * Access comes only from a namespace replayed to the master's position at
	 * the ack: valid() is false until applied_seq reaches need_seq.
	 */
	if (need_seq > hl->need_seq)
		hl->need_seq = need_seq;
	if (lapsed_before) {
		/*
		 * What ran out stays lost, whatever follows. Kernel mode: the renewal
		 * above made the log readable again, so the replay below may run.
		 */
		hl->lapsed = false;
		lose_grants(d, "the host lease had run out");
	}
	if (need_seq > d->fs.ns.applied_seq)
		d->hl_hooks->replay(d);
	if (need_seq > d->fs.ns.applied_seq) {
		if (!hl->stuck)
			famfsd_logf(&d->log, LOG_ERR, "replay is stuck at record %llu, the master is "
				    "at %llu: the host lease is not renewed and this host gives no "
				    "access until replay catches up (%s)",
				    (unsigned long long)d->fs.ns.applied_seq,
				    (unsigned long long)need_seq,
				    d->fs.err[0] ? d->fs.err : "no detail");
		hl->stuck = true;
		d->hl_hooks->reconcile(d);
		return;
	}
	if (hl->stuck)
		famfsd_logf(&d->log, LOG_NOTICE, "replay caught up with the master (record %llu)",
			    (unsigned long long)d->fs.ns.applied_seq);
	/*
	 * While the lease had lapsed or replay was stuck, every file was set to no
	 * access (valid() was false), and the catch-up replay reconciles only the
	 * paths its records touch: give every other file its access back now.
	 */
	recover = hl->stuck || lapsed_before;
	hl->stuck = false;
	hl->until = until;
	if (recover)
		d->hl_hooks->reconcile(d);
	release_lost(d);
}

bool famfsd_hostlease_check(struct famfsd *d)
{
	struct famfsd_hostlease *hl = d->hl;
	struct fam_kmount_lease l = { 0 };

	if (!enabled(d))
		return true;
	if (d->kernel && !fam_kmount_lease(d->cfg.mount, 0, true, &l) && l.expired && !hl->lapsed) {
		hl->lapsed = true;
		famfsd_logf(&d->log, LOG_WARNING, "the module lease of %s ran out (%u times since "
			    "mount): no master acknowledged this host in time", d->cfg.mount,
			    l.expirations);
		lose_grants(d, "host lease expired");
	} else if (!d->kernel && hl->until && famfsd_now_ms() >= hl->until && !hl->lapsed) {
		hl->lapsed = true;
		lose_grants(d, "host lease expired: no master acknowledged this host in time");
	}
	if (!hl->lapsed)
		release_lost(d);
	return !hl->lapsed;
}

int famfsd_hostlease_open(struct famfsd *d)
{
	d->hl = calloc(1, sizeof(*d->hl));
	if (!d->hl)
		return -ENOMEM;
	d->hl->lose_at_start = d->cfg.n_peers != 0;
	return 0;
}

int famfsd_hostlease_mounted(struct famfsd *d)
{
	struct fam_kmount_lease l = { 0 };
	int err;

	if (!enabled(d))
		return 0;
	err = fam_kmount_lease(d->cfg.mount, 0, true, &l);
	if (err) {
		famfsd_logf(&d->log, LOG_ERR, "reading the lease of %s: %s", d->cfg.mount,
			    strerror(-err));
		return err;
	}
	if (l.active) {
		/*
		 * A famfsd restart within the lease. The module still gives access,
		 * but the log may show a grant the earlier famfsd gave up (revoked and
		 * acknowledged, its release not committed yet): like every grant of
		 * an earlier life it is lost (famfsd_hostlease_started), never raised
		 * again (the model's BUG_RESTART_KEEPS).
		 */
		d->hl->until = famfsd_now_ms() + l.remaining_ms;
	} else if (l.expired || l.expirations) {
		/*
		 * A lease of an earlier famfsd ran out: the module revoked every file,
		 * .meta included. Disarm it so this famfsd can read the log; data
		 * stays revoked until reconciled, with every grant of that life lost.
		 */
		err = fam_kmount_lease(d->cfg.mount, 0, false, NULL);
		if (err)
			return err;
		restore_meta(d);
		famfsd_logf(&d->log, LOG_WARNING, "the module lease of %s had run out before this "
			    "famfsd started", d->cfg.mount);
	}
	return 0;
}

/* At startup, after the log is read: grants from an earlier life are lost. */
void famfsd_hostlease_started(struct famfsd *d)
{
	if (enabled(d) && d->hl->lose_at_start) {
		lose_grants(d, "grants recorded before this famfsd started");
		d->hl->lose_at_start = false;
	}
}

void famfsd_hostlease_close(struct famfsd *d)
{
	if (!d->hl)
		return;
	free(d->hl->lost);
	free(d->hl);
	d->hl = NULL;
}
