/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The in-memory namespace that log replay builds: directories, files with
 * their extent lists, ownership grants, and space waiting for safe reuse.
 * Every host builds the same namespace from the same records.
 */
#ifndef FAMFS_NAMESPACE_H
#define FAMFS_NAMESPACE_H

#include "arena.h"
#include "format.h"

#include <stdbool.h>
#include <sys/stat.h>

#define FAM_ROOT_INO	1

struct fam_grant {
	uint32_t host;
	uint32_t mode;		/* enum fam_owner_mode */
	uint64_t grant_epoch;
	uint64_t seq;
};

struct fam_node {
	uint64_t ino;
	uint64_t seq;			/* record that created (or last renamed) it */
	uint32_t mode, uid, gid;	/* mode includes S_IFDIR / S_IFREG */
	uint64_t size;
	uint32_t n_ext;
	struct fam_extent *ext;
	uint32_t n_grants;
	struct fam_grant *grants;
	char *name;
	uint32_t name_len;
	uint32_t block_size;		/* arena block: node, extents, name */
	uint32_t name_size;		/* arena block of a renamed name; 0: in the node block */
	uint32_t n_children;
	struct fam_node *parent;
	struct fam_node *children;	/* first child */
	struct fam_node *next, *prev;	/* siblings */
};

/* A slot of the namespace's open-addressing table keyed by (parent, name). */
struct fam_hslot {
	struct fam_node *node;		/* NULL: empty */
	uint64_t hash;			/* of (parent ino, name): probes compare it first */
};

struct fam_ns {
	struct fam_arena arena;		/* every node, extent list, name and grant list */
	struct fam_node root;
	struct fam_hslot *htab;		/* linear probing, at most 5/8 full */
	size_t hsize;			/* slots, a power of two */
	uint64_t n_files, n_dirs;
	uint64_t next_ino;
	uint64_t applied_seq;		/* seq of the last record applied */
	uint64_t image_bytes;		/* encoded size of a checkpoint of this namespace */
	/*
	 * The parent directory of the last node created, by path: replay and
	 * checkpoint images create runs of nodes under one directory. Only a
	 * DELETE or RENAME of a directory can change what a path names, and
	 * either empties it (pc_node NULL).
	 */
	struct fam_node *pc_node;
	char *pc_path;			/* FAM_PATH_MAX bytes */
	size_t pc_len;
	/* FIFO (free_seq increases) of space freed by DELETE, not yet reusable. */
	struct fam_pending_free *pending;
	size_t n_pending, pending_cap, pending_head;
};

int fam_ns_init(struct fam_ns *ns);
void fam_ns_fini(struct fam_ns *ns);
/* Drop everything: the state of a freshly made file system. */
int fam_ns_reset(struct fam_ns *ns);

/* Find a path. -ENOENT, -ENOTDIR (a component is a file), -EINVAL, -ENAMETOOLONG. */
int fam_ns_lookup(const struct fam_ns *ns, const char *path, size_t len,
		  struct fam_node **out);
/* Full path of a node into buf (NUL-terminated). Returns length or -ENAMETOOLONG. */
int fam_ns_path(const struct fam_node *n, char *buf, size_t cap);

/*
 * Apply one record. With dry_run, only say whether it would apply: the log
 * writer checks before it commits so that every committed record applies.
 * Errors: -EEXIST, -ENOENT, -ENOTDIR, -EISDIR, -ENOTEMPTY, -EINVAL, -ENOMEM.
 */
int fam_ns_apply(struct fam_ns *ns, const struct fam_rec *r, bool dry_run);

/*
 * A hint before applying r (replay decodes one record ahead): start loading
 * the table slot a new node of r will take, so that the cache miss overlaps
 * the work on the record before it. Changes nothing.
 */
void fam_ns_prefetch(const struct fam_ns *ns, const struct fam_rec *r);

/* Release pending frees with free_seq <= watermark; cb (may be NULL) gets each extent. */
void fam_ns_release_pending(struct fam_ns *ns, uint64_t watermark,
			    void (*cb)(void *arg, const struct fam_extent *e), void *arg);
static inline size_t fam_ns_pending_count(const struct fam_ns *ns)
{
	return ns->n_pending - ns->pending_head;
}
static inline const struct fam_pending_free *fam_ns_pending(const struct fam_ns *ns, size_t i)
{
	return &ns->pending[ns->pending_head + i];
}

/* Depth-first, parents before children. Stops when cb returns non-zero and returns that. */
int fam_ns_walk(const struct fam_ns *ns, int (*cb)(void *arg, const struct fam_node *n),
		void *arg);

/* Encoded size of the records that recreate n in a checkpoint. */
size_t fam_ns_node_image_size(const struct fam_node *n);

/* Same content (paths, attributes, extents, grants, pending)? For tests and fsck. */
bool fam_ns_equal(const struct fam_ns *a, const struct fam_ns *b);

#endif
