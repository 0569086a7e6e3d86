/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cache maintenance for fabric memory, which need not be coherent between
 * hosts: writers fam_flush() before they publish, readers fam_invalidate()
 * before they read.
 */
#ifndef FAMFS_FLUSH_H
#define FAMFS_FLUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Write back [addr, addr+len) to memory and fence (clwb or clflushopt + sfence). */
void fam_flush(const void *addr, size_t len);
/*
 * Group commit: fam_writeback() starts the write-back of a range (clwb or
 * clflushopt) without the fence; fam_fence() (sfence) orders every
 * write-back started before it. fam_flush() is the two in one.
 */
void fam_writeback(const void *addr, size_t len);
void fam_fence(void);
/* Drop [addr, addr+len) from this CPU's caches so the next read sees memory. */
void fam_invalidate(const void *addr, size_t len);
/* Which instruction fam_flush() uses: "clwb", "clflushopt", "clflush" or "none". */
const char *fam_flush_method(void);

/* What fam_cache_resident() did. */
struct fam_cache_stats {
	uint64_t walked;	/* bytes looked at (the range) */
	uint64_t resident;	/* bytes mincore() reported resident: written back or dropped */
	uint64_t steps;		/* FAM_CACHE_STEP steps */
};

#define FAM_CACHE_STEP (2u << 20)

/*
 * Write back (invalidate: drop) only the pages of [addr, addr+len) that
 * mincore() reports resident in this process's mapping, in FAM_CACHE_STEP
 * steps: a page that is not resident is never faulted in to be flushed.
 * all: every page, no mincore() (devdax: its memory is always there, and
 * mincore() sees only this process's page tables, not what another process
 * dirtied through its own mapping). addr must be page-aligned. Adds to *st.
 * 0 or -errno (mincore's).
 */
int fam_cache_resident(const void *addr, size_t len, bool invalidate, bool all,
		       struct fam_cache_stats *st);

#endif
