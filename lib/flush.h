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
/* Drop [addr, addr+len) from this CPU's caches so the next read sees memory. */
void fam_invalidate(const void *addr, size_t len);
/* Which instruction fam_flush() uses: "clwb", "clflushopt", "clflush" or "none". */
const char *fam_flush_method(void);

#endif
