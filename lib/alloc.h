/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The data-area allocator: one bit per allocation unit, rebuilt from the
 * namespace (files' extents plus space pending reuse), never stored.
 */
#ifndef FAMFS_ALLOC_H
#define FAMFS_ALLOC_H

#include "format.h"

struct fam_alloc {
	uint64_t base;		/* device offset of unit 0 (2 MiB aligned) */
	uint64_t unit;		/* bytes per unit (power of two) */
	uint64_t n_units;
	uint64_t n_free;
	uint64_t cursor;	/* next-fit hint, in units */
	uint64_t *bits;		/* 1 = in use */
};

int fam_alloc_init(struct fam_alloc *a, uint64_t base, uint64_t end, uint64_t unit);
void fam_alloc_fini(struct fam_alloc *a);

/* Mark an extent used. -ERANGE: outside the data area or misaligned; -EEXIST: overlaps. */
int fam_alloc_mark(struct fam_alloc *a, const struct fam_extent *e);
/* Mark an extent free again (it must be in use). */
void fam_alloc_release(struct fam_alloc *a, const struct fam_extent *e);

/* Bytes a file of this size occupies. Files >= 2 MiB use whole, aligned 2 MiB granules. */
uint64_t fam_alloc_rounded(const struct fam_alloc *a, uint64_t size);

/*
 * Allocate space for a file of size bytes: one extent when a contiguous run
 * exists, otherwise up to max_ext extents. -ENOSPC when it does not fit.
 * The extents are marked used; the caller releases them if it gives up.
 */
int fam_alloc_get(struct fam_alloc *a, uint64_t size, struct fam_extent *ext,
		  uint32_t max_ext, uint32_t *n_ext);

static inline uint64_t fam_alloc_free_bytes(const struct fam_alloc *a)
{
	return a->n_free * a->unit;
}

#endif
