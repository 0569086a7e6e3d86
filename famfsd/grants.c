// SPDX-License-Identifier: Apache-2.0
/* Grant rules on a replayed namespace (grants.h, docs/ownership.md). */
#include "grants.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

const char *grant_mode_name(uint32_t m)
{
	return m == FAM_OWN_RW ? "read-write" : m == FAM_OWN_RO ? "read-only" : "no";
}

bool path_within(const char *path, const char *top)
{
	size_t l = strlen(top);

	if (!strcmp(top, "/"))
		return true;
	return !strncmp(path, top, l) && (path[l] == 0 || path[l] == '/');
}

bool paths_overlap(const char *a, const char *b)
{
	return path_within(a, b) || path_within(b, a);
}

static int grants_below(const struct fam_node *n, grant_fn fn, void *arg)
{
	int ret = 0;

	for (const struct fam_node *c = n->children; c && !ret; c = c->next) {
		for (uint32_t i = 0; i < c->n_grants && !ret; i++)
			ret = fn(arg, c, &c->grants[i], GRANT_SCOPE_DESCENDANT);
		if (!ret)
			ret = grants_below(c, fn, arg);
	}
	return ret;
}

int grants_for(const struct fam_node *n, bool below, grant_fn fn, void *arg)
{
	const struct fam_node *chain[FAM_PATH_MAX / 2 + 2];
	size_t depth = 0;
	int ret = 0;

	for (const struct fam_node *p = n->parent; p && depth < sizeof(chain) / sizeof(chain[0]);
	     p = p->parent)
		chain[depth++] = p;
	while (depth-- && !ret)
		for (uint32_t i = 0; i < chain[depth]->n_grants && !ret; i++)
			ret = fn(arg, chain[depth], &chain[depth]->grants[i], GRANT_SCOPE_ANCESTOR);
	for (uint32_t i = 0; i < n->n_grants && !ret; i++)
		ret = fn(arg, n, &n->grants[i], GRANT_SCOPE_SELF);
	if (!ret && below)
		ret = grants_below(n, fn, arg);
	return ret;
}

const struct fam_grant *grant_of(const struct fam_node *n, uint32_t host)
{
	for (uint32_t i = 0; i < n->n_grants; i++)
		if (n->grants[i].host == host)
			return &n->grants[i];
	return NULL;
}

bool grants_gives(const struct grant_view *v, const struct fam_node *n, const struct fam_grant *g,
		  uint32_t host)
{
	if (g->host != host)
		return false;
	return !(v->lost && host == v->lost_host && v->lost(v->lost_arg, n->ino, g->grant_epoch));
}

uint32_t grants_access(const struct grant_view *v, const struct fam_node *n, uint32_t host,
		       bool *owned)
{
	uint32_t best = FAM_OWN_NONE;
	bool any = false;

	for (const struct fam_node *p = n; p; p = p->parent)
		for (uint32_t i = 0; i < p->n_grants; i++) {
			const struct fam_grant *g = &p->grants[i];

			any = true;
			if (g->mode > best && grants_gives(v, p, g, host))
				best = g->mode;
		}
	if (owned)
		*owned = any;
	return any ? best : v->unowned;
}

struct conflict {
	uint32_t host, mode;
	const struct fam_node *ign_node;
	uint32_t ign_host;
	const struct fam_node *n;
	const struct fam_grant *g;
	int scope;
};

static int conflict_cb(void *arg, const struct fam_node *n, const struct fam_grant *g, int scope)
{
	struct conflict *c = arg;

	if (g->host == c->host || (n == c->ign_node && g->host == c->ign_host))
		return 0;
	if (c->mode != FAM_OWN_RW && g->mode != FAM_OWN_RW)
		return 0;
	c->n = n;
	c->g = g;
	c->scope = scope;
	return 1;
}

/* The first grant in c's way at n (below: under n too): -EBUSY with a message, or 0. */
static int conflict_report(const struct fam_node *n, bool below, const char *path,
			   struct conflict *c, const char *ro_tail, char *msg, size_t cap)
{
	char where[PATH_MAX + 32], gp[PATH_MAX];

	if (!grants_for(n, below, conflict_cb, c))
		return 0;
	where[0] = 0;
	/* n may stand for a path below it that does not exist yet: its grant is a parent's. */
	if (c->scope == GRANT_SCOPE_SELF && fam_ns_path(n, gp, sizeof(gp)) >= 0 && strcmp(gp, path))
		c->scope = GRANT_SCOPE_ANCESTOR;
	if (c->scope != GRANT_SCOPE_SELF && fam_ns_path(c->n, gp, sizeof(gp)) >= 0)
		snprintf(where, sizeof(where), " (grant on %s%s)", gp,
			 c->scope == GRANT_SCOPE_ANCESTOR ? ", a parent directory" : ", inside it");
	if (c->g->mode == FAM_OWN_RW)
		snprintf(msg, cap, "%s: owned read-write by host %u%s", path, c->g->host, where);
	else
		snprintf(msg, cap, "%s: host %u holds a read-only grant%s%s", path, c->g->host,
			 where, ro_tail);
	return -EBUSY;
}

int grants_conflict(const struct fam_node *n, const char *path, uint32_t host, uint32_t mode,
		    const struct fam_node *ign_node, uint32_t ign_host, char *msg, size_t cap)
{
	struct conflict c = { .host = host, .mode = mode, .ign_node = ign_node,
			      .ign_host = ign_host };

	return conflict_report(n, true, path, &c, "; read-write needs sole ownership", msg, cap);
}

int grants_in_way(const struct fam_node *n, bool below, const char *path, uint32_t host,
		  char *msg, size_t cap)
{
	/* Like a read-write claim: any other host's grant is in the way. */
	struct conflict c = { .host = host, .mode = FAM_OWN_RW, .ign_host = UINT32_MAX };

	return conflict_report(n, below, path, &c, "", msg, cap);
}

static int max_epoch_cb(void *arg, const struct fam_node *n, const struct fam_grant *g, int scope)
{
	uint64_t *m = arg;

	(void)n;
	(void)scope;
	if (g->grant_epoch > *m)
		*m = g->grant_epoch;
	return 0;
}

uint64_t grants_max_epoch(const struct fam_node *n)
{
	uint64_t m = 0;

	grants_for(n, true, max_epoch_cb, &m);
	return m;
}

int grants_check_message(const struct fam_node *n, uint32_t host, uint32_t mode, uint64_t epoch)
{
	const struct fam_grant *g = grant_of(n, host);

	if (!g)
		return -ENOENT;
	if (g->grant_epoch != epoch || g->mode != mode)
		return -ESTALE;
	return 0;
}
