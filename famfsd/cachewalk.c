// SPDX-License-Identifier: Apache-2.0
/*
 * Cache maintenance on a worker thread (see cachewalk.h). The worker touches
 * nothing of famfsd but its ranges and its own result; it writes one byte to
 * a pipe when it is done, and the loop's read event joins it and calls back.
 */
#include "cachewalk.h"
#include "famfsd.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#define SLICE (64u << 20)	/* the worker checks for cancellation this often */

struct cache_walk {
	struct cache_range *ranges;
	size_t n;
	bool invalidate, all;
	cache_job_fn job;		/* or NULL: walk the ranges */
	void *job_arg;
	cache_walk_done_fn done;
	void *arg;
	int pipe[2];
	struct event *ev;
	pthread_t thread;
	atomic_bool stop;
	struct cache_walk_result r;
};

static void *walk_main(void *arg)
{
	struct cache_walk *w = arg;
	char one = 1;

	w->r.start_us = famfsd_now_us();
	if (w->job)
		w->r.err = w->job(w->job_arg, &w->r.st);
	for (size_t i = 0; i < w->n && !atomic_load(&w->stop); i++) {
		const uint8_t *p = w->ranges[i].addr;
		size_t left = w->ranges[i].len;

		while (left && !atomic_load(&w->stop)) {
			size_t len = left < SLICE ? left : SLICE;
			int e = fam_cache_resident(p, len, w->invalidate, w->all, &w->r.st);

			if (e && !w->r.err)
				w->r.err = e;
			p += len;
			left -= len;
		}
	}
	w->r.end_us = famfsd_now_us();
	while (write(w->pipe[1], &one, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static void walk_free(struct cache_walk *w)
{
	if (w->ev)
		event_free(w->ev);
	close(w->pipe[0]);
	close(w->pipe[1]);
	free(w->ranges);
	free(w);
}

static void walk_reported(evutil_socket_t fd, short what, void *arg)
{
	struct cache_walk *w = arg;
	struct cache_walk_result r;

	(void)fd;
	(void)what;
	pthread_join(w->thread, NULL);
	r = w->r;
	w->done(w->arg, &r);
	walk_free(w);
}

static int worker_start(struct event_base *base, struct cache_walk *w, cache_walk_done_fn done,
			void *arg, struct cache_walk **out)
{
	int e;

	w->done = done;
	w->arg = arg;
	w->pipe[0] = w->pipe[1] = -1;
	atomic_init(&w->stop, false);
	if (pipe2(w->pipe, O_CLOEXEC | O_NONBLOCK)) {
		e = -errno;
		goto fail;
	}
	w->ev = event_new(base, w->pipe[0], EV_READ, walk_reported, w);
	if (!w->ev || event_add(w->ev, NULL)) {
		e = -ENOMEM;
		goto fail;
	}
	e = -pthread_create(&w->thread, NULL, walk_main, w);
	if (e)
		goto fail;
	*out = w;
	return 0;
fail:
	walk_free(w);
	return e;
}

int cache_walk_start(struct event_base *base, struct cache_range *ranges, size_t n,
		     bool invalidate, bool all, cache_walk_done_fn done, void *arg,
		     struct cache_walk **out)
{
	struct cache_walk *w = calloc(1, sizeof(*w));

	if (!w) {
		free(ranges);
		return -ENOMEM;
	}
	w->ranges = ranges;
	w->n = n;
	w->invalidate = invalidate;
	w->all = all;
	return worker_start(base, w, done, arg, out);
}

int cache_job_start(struct event_base *base, cache_job_fn job, void *job_arg,
		    cache_walk_done_fn done, void *arg, struct cache_walk **out)
{
	struct cache_walk *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->job = job;
	w->job_arg = job_arg;
	return worker_start(base, w, done, arg, out);
}

void cache_walk_cancel(struct cache_walk *w)
{
	atomic_store(&w->stop, true);
	pthread_join(w->thread, NULL);
	walk_free(w);
}
