/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A data set's cache maintenance off the event loop: a worker thread writes
 * back (or drops) the resident pages of a list of ranges of famfsd's device
 * mapping (fam_cache_resident, 2 MiB steps), then reports through a pipe
 * that the event loop watches; the completion callback runs on the loop.
 * The same worker runs kernel mode's blocking access changes (a job: the
 * FAMFSIOC_SET_ACCESS lowering that writes back and waits for pinned pages).
 */
#ifndef FAMFSD_CACHEWALK_H
#define FAMFSD_CACHEWALK_H

#include "flush.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct cache_walk;

struct cache_range {
	const uint8_t *addr;	/* page-aligned */
	size_t len;
};

struct cache_walk_result {
	struct fam_cache_stats st;
	int err;			/* 0 or -errno of the first failing range */
	uint64_t start_us, end_us;	/* monotonic, as famfsd_now_us() */
};

/* On the event loop, once; the walk is freed after it returns. */
typedef void (*cache_walk_done_fn)(void *arg, const struct cache_walk_result *r);

/*
 * Start a walk over ranges[0..n) (the array becomes the walk's: it is freed
 * with it, also on error); all: every page, not only resident ones (see
 * fam_cache_resident). 0 and *out, or -errno (nothing started, done never
 * called).
 */
int cache_walk_start(struct event_base *base, struct cache_range *ranges, size_t n,
		     bool invalidate, bool all, cache_walk_done_fn done, void *arg,
		     struct cache_walk **out);
/*
 * Kernel mode: run job(job_arg, &r.st) on a worker thread instead of a walk of
 * ranges; its return value (0 or -errno) is r.err. The job must touch nothing
 * of famfsd but job_arg, which the caller keeps until done (or the cancel).
 * 0 and *out, or -errno (nothing started, done never called).
 */
typedef int (*cache_job_fn)(void *job_arg, struct fam_cache_stats *st);
int cache_job_start(struct event_base *base, cache_job_fn job, void *job_arg,
		    cache_walk_done_fn done, void *arg, struct cache_walk **out);
/*
 * Stop a walk (famfsd stopping): the worker ends at its next step (a job: when
 * it returns, which for an access change can be the module's pin wait), done
 * is never called.
 */
void cache_walk_cancel(struct cache_walk *w);

#endif
