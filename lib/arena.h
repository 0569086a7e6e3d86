/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small-object allocator for the namespace: objects up to 4 KiB come from
 * 4 MiB chunks aligned to and advised as huge pages (a million nodes then
 * cost a few hundred page faults instead of tens of thousands), with a free
 * list per 16-byte size class. Everything goes at once with fam_arena_fini().
 */
#ifndef FAMFS_ARENA_H
#define FAMFS_ARENA_H

#include <stddef.h>

#define FAM_ARENA_CLASSES	256	/* 16 .. 4096 bytes */

struct fam_arena_chunk;

struct fam_arena {
	struct fam_arena_chunk *chunks;
	char *bump, *end;
	void *free_list[FAM_ARENA_CLASSES];
};

void fam_arena_init(struct fam_arena *a);
void fam_arena_fini(struct fam_arena *a);
/* Zeroed memory of at least size bytes, or NULL. */
void *fam_arena_alloc(struct fam_arena *a, size_t size);
/* size must be the size given to fam_arena_alloc. */
void fam_arena_free(struct fam_arena *a, void *p, size_t size);

#endif
