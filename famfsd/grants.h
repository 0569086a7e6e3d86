/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Grant rules (docs/ownership.md, "Rules"), on a replayed namespace only:
 * no daemon state, so the unit tests check them directly.
 */
#ifndef FAMFSD_GRANTS_H
#define FAMFSD_GRANTS_H

#include "namespace.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { GRANT_SCOPE_SELF = 0, GRANT_SCOPE_ANCESTOR = 1, GRANT_SCOPE_DESCENDANT = 2 };

typedef int (*grant_fn)(void *arg, const struct fam_node *n, const struct fam_grant *g,
			int scope);

/* Every grant on n's ancestors (outermost first), on n, and (below) under n. Stops at non-zero. */
int grants_for(const struct fam_node *n, bool below, grant_fn fn, void *arg);
const struct fam_grant *grant_of(const struct fam_node *n, uint32_t host);

/* Is this grant of the host lost there (hostlease.c)? NULL: never. */
typedef bool (*grant_lost_fn)(const void *arg, uint64_t ino, uint64_t epoch);

/*
 * The access rule. A host's access to node n is the strongest of its grants
 * on n and its ancestors (lost ones give nothing); a node no grant covers
 * gets 'unowned' (FAM_OWN_RO in a cluster, FAM_OWN_RW on a single host).
 */
struct grant_view {
	uint32_t unowned;		/* access to what no grant covers */
	grant_lost_fn lost;		/* for the local host only */
	const void *lost_arg;
	uint32_t lost_host;
};
/* Does grant g (on node n) give host its mode under v (not lost)? */
bool grants_gives(const struct grant_view *v, const struct fam_node *n, const struct fam_grant *g,
		  uint32_t host);
uint32_t grants_access(const struct grant_view *v, const struct fam_node *n, uint32_t host,
		       bool *owned);

/*
 * 0, or -EBUSY with a message naming the grant in the way of host taking
 * mode on n (ign_host's grant on ign_node is ignored: the one a handoff moves).
 */
int grants_conflict(const struct fam_node *n, const char *path, uint32_t host, uint32_t mode,
		    const struct fam_node *ign_node, uint32_t ign_host, char *msg, size_t cap);

/*
 * A namespace change (create, mkdir, delete, rename) by host at n: 0, or
 * -EBUSY with a message naming another host's grant, read-only or
 * read-write, on n, on a directory above it or (below) under it.
 */
int grants_in_way(const struct fam_node *n, bool below, const char *path, uint32_t host,
		  char *msg, size_t cap);

/* Highest grant epoch on n, around it and below it. */
uint64_t grants_max_epoch(const struct fam_node *n);

/*
 * famfs.peer.Grant: does the namespace hold host's grant of mode on exactly n
 * with that epoch? 0, -ENOENT (no grant of host there), -ESTALE (another epoch
 * or mode: the message is older or newer than the log).
 */
int grants_check_message(const struct fam_node *n, uint32_t host, uint32_t mode, uint64_t epoch);

bool path_within(const char *path, const char *top);
bool paths_overlap(const char *a, const char *b);
const char *grant_mode_name(uint32_t m);

#endif
