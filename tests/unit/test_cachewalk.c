// SPDX-License-Identifier: Apache-2.0
/*
 * famfsd's worker thread (famfsd/cachewalk.c): a job (kernel mode's access
 * lowering) runs off the event loop, which keeps running while the job
 * blocks; its result comes back on the loop; a cancel joins it and never
 * calls back. Also a walk of ranges, as user-space mode starts it.
 */
#include "testutil.h"
#include "cachewalk.h"

#include <event2/event.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <time.h>

struct ctx {
	struct event_base *base;
	sem_t go;		/* posted by the loop's timer: the job may end */
	unsigned int wait_ms;	/* how long the job waits for it at most */
	pthread_t loop_tid, job_tid, done_tid;
	int ticks;		/* the loop's timer fired this often */
	int ticks_at_done;
	int done_calls;
	struct cache_walk_result r;
};

/* Stands for FAMFSIOC_SET_ACCESS waiting for a pinned page: blocks, then -EBUSY. */
static int blocking_job(void *arg, struct fam_cache_stats *st)
{
	struct ctx *c = arg;
	struct timespec ts;

	c->job_tid = pthread_self();
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += c->wait_ms / 1000;
	ts.tv_nsec += (long)(c->wait_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	while (sem_timedwait(&c->go, &ts))
		if (errno != EINTR)
			return -ETIMEDOUT;	/* nobody posted: the loop did not run */
	st->resident = 4096;
	return -EBUSY;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct ctx *c = arg;

	(void)fd;
	(void)what;
	if (++c->ticks == 3)
		sem_post(&c->go);
}

static void on_done(void *arg, const struct cache_walk_result *r)
{
	struct ctx *c = arg;

	c->done_tid = pthread_self();
	c->done_calls++;
	c->ticks_at_done = c->ticks;
	c->r = *r;
	event_base_loopbreak(c->base);
}

static void ctx_init(struct ctx *c, unsigned int wait_ms)
{
	memset(c, 0, sizeof(*c));
	c->base = event_base_new();
	ck_assert_ptr_nonnull(c->base);
	ck_assert_int_eq(sem_init(&c->go, 0, 0), 0);
	c->wait_ms = wait_ms;
	c->loop_tid = pthread_self();
}

static void ctx_fini(struct ctx *c)
{
	sem_destroy(&c->go);
	event_base_free(c->base);
}

START_TEST(test_job_off_the_loop)
{
	struct timeval tv = { 0, 10000 }, limit = { 10, 0 };
	struct cache_walk *w = NULL;
	struct event *tick;
	struct ctx c;

	ctx_init(&c, 10000);
	tick = event_new(c.base, -1, EV_PERSIST, on_tick, &c);
	ck_assert_ptr_nonnull(tick);
	ck_assert_int_eq(event_add(tick, &tv), 0);
	ck_assert_int_eq(cache_job_start(c.base, blocking_job, &c, on_done, &c, &w), 0);
	ck_assert_ptr_nonnull(w);
	/* A safety net: the test fails instead of hanging. */
	event_base_loopexit(c.base, &limit);
	ck_assert_int_eq(event_base_dispatch(c.base), 0);
	event_free(tick);

	/* The job blocked until the loop's third tick: the loop ran meanwhile. */
	ck_assert_int_eq(c.done_calls, 1);
	ck_assert_int_ge(c.ticks_at_done, 3);
	ck_assert(!pthread_equal(c.job_tid, c.loop_tid));
	ck_assert(pthread_equal(c.done_tid, c.loop_tid));
	/* Its result reaches the loop as it returned it (a pinned lowering's -EBUSY). */
	ck_assert_int_eq(c.r.err, -EBUSY);
	ck_assert_uint_eq(c.r.st.resident, 4096);
	ck_assert_uint_ge(c.r.end_us, c.r.start_us);
	ctx_fini(&c);
}
END_TEST

START_TEST(test_cancel_joins_without_callback)
{
	struct cache_walk *w = NULL;
	struct ctx c;

	ctx_init(&c, 200);
	ck_assert_int_eq(cache_job_start(c.base, blocking_job, &c, on_done, &c, &w), 0);
	/* Nobody posts: the job ends after its 200 ms; the cancel waits for it. */
	cache_walk_cancel(w);
	ck_assert(!pthread_equal(c.job_tid, c.loop_tid));
	ck_assert_int_eq(event_base_loop(c.base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(c.done_calls, 0);
	ctx_fini(&c);
}
END_TEST

START_TEST(test_walk_of_ranges)
{
	const size_t len = 3 * FAM_CACHE_STEP;
	struct timeval limit = { 10, 0 };
	struct cache_walk *w = NULL;
	struct cache_range *r = calloc(2, sizeof(*r));
	uint8_t *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct ctx c;

	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_ne(buf, MAP_FAILED);
	memset(buf, 0x5a, len);
	r[0].addr = buf;
	r[0].len = FAM_CACHE_STEP;
	r[1].addr = buf + 2 * FAM_CACHE_STEP;
	r[1].len = FAM_CACHE_STEP;
	ctx_init(&c, 0);
	ck_assert_int_eq(cache_walk_start(c.base, r, 2, false, true, on_done, &c, &w), 0);
	event_base_loopexit(c.base, &limit);
	ck_assert_int_eq(event_base_dispatch(c.base), 0);
	ck_assert_int_eq(c.done_calls, 1);
	ck_assert_int_eq(c.r.err, 0);
	ck_assert_uint_eq(c.r.st.walked, 2 * FAM_CACHE_STEP);
	ck_assert_uint_eq(c.r.st.resident, 2 * FAM_CACHE_STEP);
	ctx_fini(&c);
	munmap(buf, len);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cachewalk");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_job_off_the_loop);
	tcase_add_test(tc, test_cancel_joins_without_callback);
	tcase_add_test(tc, test_walk_of_ranges);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
