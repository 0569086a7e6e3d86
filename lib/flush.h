/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cache maintenance for fabric memory, which need not be coherent between
 * hosts: writers fam_flush() before they publish, readers fam_invalidate()
 * before they read.
 */
#ifndef FAMFS_FLUSH_H
#define FAMFS_FLUSH_H

#include <stddef.h>

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

#endif
