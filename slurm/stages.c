// SPDX-License-Identifier: Apache-2.0
/*
 * The burst buffer stages, on the Slurm controller, through the famfsd
 * named by [famfs] socket (any cluster member: mutations are forwarded to
 * the master; grants name the node's host with the host argument).
 *
 *   data_in  (job PENDING, nodes unknown): wait until no grant is in the
 *            way of any data set on any host, else fail (the job is held
 *            with the reason).
 *   pre_run  (nodes allocated): create missing read-write data sets, wait
 *            until no other host's grant is in the way, grant read-write
 *            data sets to the batch node's host and read-only ones to every
 *            node's host, record what was granted (jobstate.c).
 *   post_run, teardown: release what pre_run granted. With handoff = yes
 *            (the default) a read-write grant is parked instead
 *            (jobstate.c): the next job that asks for that data set
 *            read-write gets it by famfs handoff (the old host revokes and
 *            writes back its caches, the new one invalidates); one that
 *            asks read-only gets it after a release. Parked grants are not
 *            "in the way" of the data set they are on.
 */
#include "famfs_slurm.h"

#include <famfs/client.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS 200

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *mode_name(uint32_t mode)
{
	return mode == FAMFS_OWN_RW ? "read-write" : "read-only";
}

/*
 * Whether a grant of another host (not skip_host; -1: of any host) is in
 * the way of ds: 1 and msg says which, 0 if none, or a negative errno.
 */
static bool is_parked(const struct fs_jobstate *parked, const struct fs_dataset *ds,
		      const struct famfs_grant *g)
{
	ssize_t k;

	if (g->scope != FAMFS_SCOPE_SELF || g->mode != FAMFS_OWN_RW)
		return false;
	k = fs_jobstate_find(parked, ds->path, FAMFS_OWN_RW);
	return k >= 0 && parked->recs[k].host == g->host;
}

static int conflict(struct famfs_client *c, const struct fs_dataset *ds, int64_t skip_host,
		    const struct fs_jobstate *parked, char *msg, size_t msglen)
{
	struct famfs_owners o;
	size_t i;
	int r;

	r = famfs_owners(c, ds->path, &o);
	if (r == -ENOENT && ds->mode == FAMFS_OWN_RW)
		return 0;		/* pre_run creates it */
	if (r == -ENOENT) {
		/* Waited for like a grant: an earlier job may be about to create it. */
		snprintf(msg, msglen, "famfs: %s: no such data set (a read-only data set must "
			 "exist before the job starts)", ds->path);
		return 1;
	}
	if (r) {
		snprintf(msg, msglen, "famfs: %s: %s", ds->path, famfs_errmsg(c));
		return r;
	}
	for (i = 0, r = 0; i < o.n_grants && !r; i++) {
		const struct famfs_grant *g = &o.grants[i];

		if ((int64_t)g->host == skip_host || is_parked(parked, ds, g))
			continue;
		if (g->mode != FAMFS_OWN_RW && ds->mode != FAMFS_OWN_RW)
			continue;
		snprintf(msg, msglen, "famfs: %s (%s) is blocked: host %u holds a %s grant on %s%s",
			 ds->path, mode_name(ds->mode), g->host, mode_name(g->mode), g->path,
			 g->scope == FAMFS_SCOPE_ANCESTOR ? " (a parent directory)" :
			 g->scope == FAMFS_SCOPE_DESCENDANT ? " (inside it)" : "");
		r = 1;
	}
	famfs_owners_free(&o);
	return r;
}

/* Poll until no grant is in the way or the deadline passes (-EBUSY, msg says why). */
static int wait_clear(struct famfs_client *c, const struct fs_config *cfg,
		      const struct fs_dataset *ds, int64_t skip_host, uint64_t deadline,
		      char *msg, size_t msglen)
{
	struct fs_jobstate parked;
	int r;

	for (;;) {
		fs_jobstate_init(&parked);
		r = fs_parked_load(cfg->state_dir, &parked, msg, msglen);
		if (!r)
			r = conflict(c, ds, skip_host, &parked, msg, msglen);
		fs_jobstate_free(&parked);
		if (r <= 0)
			return r;
		if (now_ms() >= deadline)
			break;
		usleep(POLL_MS * 1000);
	}
	snprintf(msg + strlen(msg), msglen - strlen(msg), "; waited %u s", cfg->wait_s);
	return -EBUSY;
}

int fs_stage_data_in(struct famfs_client *c, const struct fs_config *cfg,
		     const struct fs_request *req, char *msg, size_t msglen)
{
	uint64_t deadline = now_ms() + (uint64_t)cfg->wait_s * 1000;
	size_t i;
	int r;

	for (i = 0; i < req->n; i++) {
		r = wait_clear(c, cfg, &req->ds[i], -1, deadline, msg, msglen);
		if (r)
			return r;
	}
	return 0;
}

/* Whether host holds exactly mode on exactly path already: 1, 0, or -errno. */
static int holds(struct famfs_client *c, const char *path, uint32_t host, uint32_t mode)
{
	struct famfs_owners o;
	size_t i;
	int r;

	r = famfs_owners(c, path, &o);
	if (r)
		return r;
	for (i = 0, r = 0; i < o.n_grants; i++)
		if (o.grants[i].scope == FAMFS_SCOPE_SELF && o.grants[i].host == host &&
		    o.grants[i].mode == mode)
			r = 1;
	famfs_owners_free(&o);
	return r;
}

/*
 * Release host's grant on path; one that is gone already (-EBUSY: e.g. its
 * host's lease expired, or an operator released it) counts as released.
 */
static int release_grant(struct famfs_client *c, const char *path, uint32_t host, char *msg,
			 size_t msglen)
{
	int r = famfs_release(c, path, (int)host, NULL);

	if (r == -EBUSY)
		return 0;
	if (r)
		snprintf(msg, msglen, "famfs: releasing %s on host %u: %s", path, host,
			 famfs_errmsg(c));
	return r;
}

/*
 * Release the grants made for job (rolls back a failed pre_run too); with
 * parked, read-write grants are added there instead of released.
 */
static int release_recs(struct famfs_client *c, const struct fs_config *cfg, uint32_t job,
			const struct fs_jobstate *js, struct fs_jobstate *parked, char *msg,
			size_t msglen)
{
	char rmsg[2048];	/* later failures: the first one's message is kept */
	size_t i;
	int r, ret = 0;

	for (i = 0; i < js->n; i++) {
		const struct fs_grant_rec *g = &js->recs[i];

		if (!g->made || fs_jobstate_shared(cfg->state_dir, job, g))
			continue;
		if (parked && g->mode == FAMFS_OWN_RW) {
			if (fs_jobstate_find(parked, g->path, FAMFS_OWN_RW) < 0 &&
			    fs_jobstate_add(parked, g) && !ret) {
				snprintf(msg, msglen, "famfs: out of memory");
				ret = -ENOMEM;
			}
			continue;
		}
		r = release_grant(c, g->path, g->host, ret ? rmsg : msg, ret ? sizeof(rmsg) : msglen);
		if (r && !ret)
			ret = r;
	}
	return ret;
}

/*
 * A parked read-write grant on ds: keep it (same host), hand it off to the
 * batch host (read-write) or release it (read-only). 1: the job now holds
 * it read-write; 0: nothing parked (or it is gone); negative: failed.
 */
static int take_parked(struct famfs_client *c, const struct fs_config *cfg,
		       const struct fs_dataset *ds, uint32_t batch, struct fs_jobstate *parked,
		       char *msg, size_t msglen)
{
	ssize_t k = fs_jobstate_find(parked, ds->path, FAMFS_OWN_RW);
	uint32_t from;
	int r;

	if (k < 0)
		return 0;
	from = parked->recs[k].host;
	r = holds(c, ds->path, from, FAMFS_OWN_RW);
	if (r < 0) {
		snprintf(msg, msglen, "famfs: %s: %s", ds->path, famfs_errmsg(c));
		return r;
	}
	if (r && ds->mode == FAMFS_OWN_RW && from != batch) {
		r = famfs_handoff(c, ds->path, batch, cfg->wait_s * 1000, false, NULL);
		if (r) {
			snprintf(msg, msglen, "famfs: handing %s from host %u to host %u: %s",
				 ds->path, from, batch, famfs_errmsg(c));
			return r;
		}
		r = 1;
	} else if (r && ds->mode == FAMFS_OWN_RO) {
		r = release_grant(c, ds->path, from, msg, msglen);
		if (r)
			return r;
	}
	/* r == 1 without a call: parked on the batch host itself, kept as it is. */
	fs_jobstate_del(parked, (size_t)k);
	return r;
}

static int grant(struct famfs_client *c, const struct fs_config *cfg, uint32_t job,
		 const struct fs_dataset *ds, uint32_t host, bool adopt, struct fs_jobstate *js,
		 char *msg, size_t msglen)
{
	struct fs_grant_rec rec = { .host = host, .mode = ds->mode };
	int r;

	snprintf(rec.path, sizeof(rec.path), "%s", ds->path);
	r = holds(c, ds->path, host, ds->mode);
	if (r < 0) {
		snprintf(msg, msglen, "famfs: %s: %s", ds->path, famfs_errmsg(c));
		return r;
	}
	if (r) {
		/*
		 * Someone's grant: ours if it came from the parked ones, ours too if
		 * another job made it, else not ours to release.
		 */
		rec.made = adopt || fs_jobstate_shared(cfg->state_dir, job, &rec);
	} else {
		r = famfs_acquire(c, ds->path, ds->mode, (int)host, NULL);
		if (r) {
			snprintf(msg, msglen, "famfs: granting %s %s to host %u: %s", ds->path,
				 mode_name(ds->mode), host, famfs_errmsg(c));
			return r;
		}
		rec.made = true;
	}
	r = fs_jobstate_add(js, &rec);
	if (r)
		snprintf(msg, msglen, "famfs: out of memory");
	return r;
}

static int node_host(const struct fs_config *cfg, const char *node, uint32_t *host, char *msg,
		     size_t msglen)
{
	if (!fs_config_host(cfg, node, host))
		return 0;
	snprintf(msg, msglen, "famfs: node %s has no famfs host ([nodes] in the famfs-slurm "
		 "configuration)", node);
	return -ENOENT;
}

int fs_stage_pre_run(struct famfs_client *c, const struct fs_config *cfg,
		     const struct fs_job *job, const struct fs_request *req, char *msg, size_t msglen)
{
	uint64_t deadline = now_ms() + (uint64_t)cfg->wait_s * 1000;
	uint32_t batch, hosts[256];
	size_t n_hosts = 0, i, j, k;
	struct fs_jobstate js, parked;
	size_t n_parked;
	char rmsg[512];
	int r, lock;

	r = node_host(cfg, job->batch_host, &batch, msg, msglen);
	for (i = 0; !r && i < job->n_nodes; i++) {
		uint32_t h;

		r = node_host(cfg, job->nodes[i], &h, msg, msglen);
		for (k = 0; !r && k < n_hosts && hosts[k] != h; k++)
			;
		if (!r && k == n_hosts && n_hosts == sizeof(hosts) / sizeof(hosts[0])) {
			snprintf(msg, msglen, "famfs: a job on more than %zu famfs hosts", n_hosts);
			r = -E2BIG;
		}
		if (!r && k == n_hosts)
			hosts[n_hosts++] = h;
	}
	if (r)
		return r;
	if (!n_hosts)
		hosts[n_hosts++] = batch;

	for (i = 0; i < req->n; i++) {
		const struct fs_dataset *ds = &req->ds[i];

		if (ds->mode == FAMFS_OWN_RW) {
			struct famfs_stat st;

			r = famfs_stat(c, ds->path, &st);
			if (!r)
				famfs_stat_free(&st);
			else if (r == -ENOENT)
				r = famfs_mkdir(c, ds->path, 0755, true);
			if (r) {
				snprintf(msg, msglen, "famfs: creating %s: %s", ds->path,
					 famfs_errmsg(c));
				return r;
			}
			r = wait_clear(c, cfg, ds, batch, deadline, msg, msglen);
		}
		for (j = 0; !r && ds->mode == FAMFS_OWN_RO && j < n_hosts; j++)
			r = wait_clear(c, cfg, ds, hosts[j], deadline, msg, msglen);
		if (r)
			return r;
	}

	lock = fs_jobstate_lock(cfg->state_dir, msg, msglen);
	if (lock < 0)
		return lock;
	fs_jobstate_init(&js);
	fs_jobstate_init(&parked);
	r = fs_parked_load(cfg->state_dir, &parked, msg, msglen);
	n_parked = parked.n;
	for (i = 0; !r && i < req->n; i++) {
		const struct fs_dataset *ds = &req->ds[i];

		r = take_parked(c, cfg, ds, batch, &parked, msg, msglen);
		if (r < 0)
			break;
		if (ds->mode == FAMFS_OWN_RW)
			r = grant(c, cfg, job->id, ds, batch, r == 1, &js, msg, msglen);
		else
			r = 0;
		for (j = 0; !r && ds->mode == FAMFS_OWN_RO && j < n_hosts; j++)
			r = grant(c, cfg, job->id, ds, hosts[j], false, &js, msg, msglen);
	}
	if (parked.n != n_parked && fs_parked_save(cfg->state_dir, &parked, rmsg, sizeof(rmsg)) &&
	    !r) {
		snprintf(msg, msglen, "%s", rmsg);
		r = -EIO;
	}
	if (!r)
		r = fs_jobstate_save(cfg->state_dir, job->id, &js, msg, msglen);
	if (r)
		(void)release_recs(c, cfg, job->id, &js, NULL, rmsg, sizeof(rmsg));
	fs_jobstate_free(&parked);
	fs_jobstate_free(&js);
	close(lock);
	return r;
}

int fs_stage_release(struct famfs_client *c, const struct fs_config *cfg, uint32_t job,
		     char *msg, size_t msglen)
{
	struct fs_jobstate js, parked;
	size_t n_parked;
	int r, lock;

	lock = fs_jobstate_lock(cfg->state_dir, msg, msglen);
	if (lock < 0)
		return lock;
	fs_jobstate_init(&js);
	fs_jobstate_init(&parked);
	r = fs_jobstate_load(cfg->state_dir, job, &js, msg, msglen);
	if (r == -ENOENT) {
		r = 0;			/* nothing granted, or released already */
		goto out;
	}
	if (r)
		goto out;
	r = fs_parked_load(cfg->state_dir, &parked, msg, msglen);
	if (r)
		goto out;
	n_parked = parked.n;
	r = release_recs(c, cfg, job, &js, cfg->handoff ? &parked : NULL, msg, msglen);
	if (!r && parked.n != n_parked)
		r = fs_parked_save(cfg->state_dir, &parked, msg, msglen);
	if (!r)
		r = fs_jobstate_remove(cfg->state_dir, job);
out:
	fs_jobstate_free(&parked);
	fs_jobstate_free(&js);
	close(lock);
	return r;
}

int fs_stage_unpark(struct famfs_client *c, const struct fs_config *cfg, const char *path,
		    char *msg, size_t msglen)
{
	struct fs_jobstate parked;
	ssize_t k;
	int r, lock;

	lock = fs_jobstate_lock(cfg->state_dir, msg, msglen);
	if (lock < 0)
		return lock;
	fs_jobstate_init(&parked);
	r = fs_parked_load(cfg->state_dir, &parked, msg, msglen);
	if (r)
		goto out;
	k = fs_jobstate_find(&parked, path, FAMFS_OWN_RW);
	if (k < 0) {
		snprintf(msg, msglen, "famfs: %s: no parked grant on it", path);
		r = -ENOENT;
		goto out;
	}
	r = release_grant(c, path, parked.recs[k].host, msg, msglen);
	if (r)
		goto out;
	snprintf(msg, msglen, "famfs: %s: host %u's parked grant released", path,
		 parked.recs[k].host);
	fs_jobstate_del(&parked, (size_t)k);
	r = fs_parked_save(cfg->state_dir, &parked, msg, msglen);
out:
	fs_jobstate_free(&parked);
	close(lock);
	return r;
}
