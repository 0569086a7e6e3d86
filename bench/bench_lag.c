// SPDX-License-Identifier: Apache-2.0
/*
 * bench-metadata / bench-scale: replay lag. Creates files one at a time
 * through the master and takes, on every other host, the moment the
 * create is applied there (a famfs.Watch stream on that host, one thread
 * each). Lag = seen on the follower - commit acknowledged on the master.
 * Baseline in the same run: a null RPC round trip (famfs.Ping) to each
 * follower, i.e. what one local hop to that daemon costs at least.
 *
 *   bench_lag [-n COUNT] [-d DIR] MASTER_SOCKET FOLLOWER_SOCKET...
 *
 * Prints per follower and overall p50/p99/max and one machine-readable line:
 *   RESULT followers=F count=N p50_us=A p99_us=B max_us=C early=E ping_us=P
 * (early: events seen before the master's ack reached us; their lag is
 * negative and counted as such). Exits 1 when an event is missing.
 */
#include <famfs/client.h>

#include "bench_util.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WAIT_S 60

struct follower {
	const char *sock;
	struct famfs_client *c;
	pthread_t th;
	const char *dir;
	size_t dir_len;
	long count;
	double *seen;		/* per file: when the create was applied here */
	long n_seen;
	atomic_int ready;
	int err;
	char errmsg[256];
};

static int on_event(const struct famfs_event *ev, void *arg)
{
	struct follower *f = arg;
	const char *p;
	long i;

	if (!strcmp(ev->kind, "ready")) {
		atomic_store(&f->ready, 1);
		return 0;
	}
	if (strcmp(ev->kind, "create") || strncmp(ev->path, f->dir, f->dir_len))
		return 0;
	p = strrchr(ev->path, '/');
	if (!p || p[1] != 'f')
		return 0;
	i = atol(p + 2);
	if (i < 0 || i >= f->count || f->seen[i] > 0)
		return 0;
	f->seen[i] = bench_now();
	return ++f->n_seen == f->count;
}

static void *watch_thread(void *arg)
{
	struct follower *f = arg;

	f->err = famfs_watch_path(f->c, f->dir, on_event, f);
	if (f->err)
		snprintf(f->errmsg, sizeof(f->errmsg), "%s", famfs_errmsg(f->c));
	atomic_store(&f->ready, 1);	/* never leave the main thread waiting */
	return NULL;
}

static double ping_us(struct famfs_client *c)
{
	double v[200];

	for (int i = 0; i < 200; i++) {
		double t0 = bench_now();

		if (famfs_ping(c))
			return -1;
		v[i] = bench_now() - t0;
	}
	return bench_percentile(v, 200, 50) * 1e6;
}

/* Wait until the directory made on the master is visible on f's host. */
static int wait_visible(struct follower *f)
{
	struct famfs_stat st;

	for (int i = 0; i < WAIT_S * 100; i++) {
		if (!famfs_stat(f->c, f->dir, &st)) {
			famfs_stat_free(&st);
			return 0;
		}
		usleep(10000);
	}
	return -ETIMEDOUT;
}

int main(int argc, char **argv)
{
	long count = 2000;
	const char *dir = "/bench-lag";
	struct famfs_client *m = NULL;
	struct follower *fs = NULL;
	double *ack = NULL, *lag = NULL, ping_sum = 0;
	int opt, n_f, ret = 1, started = 0;
	long n_lag = 0, early = 0;
	struct timespec deadline;

	while ((opt = getopt(argc, argv, "n:d:")) != -1) {
		switch (opt) {
		case 'n': count = atol(optarg); break;
		case 'd': dir = optarg; break;
		default: goto usage;
		}
	}
	n_f = argc - optind - 1;
	if (n_f < 1 || count < 1 || dir[0] != '/')
		goto usage;
	if (famfs_connect(argv[optind], &m)) {
		fprintf(stderr, "bench_lag: cannot connect to the master at %s\n", argv[optind]);
		return 1;
	}
	if (famfs_mkdir(m, dir, 0755, true)) {
		fprintf(stderr, "bench_lag: mkdir %s: %s\n", dir, famfs_errmsg(m));
		goto out;
	}
	fs = calloc((size_t)n_f, sizeof(*fs));
	ack = calloc((size_t)count, sizeof(double));
	lag = calloc((size_t)(count * n_f), sizeof(double));
	if (!fs || !ack || !lag)
		goto out;
	for (int i = 0; i < n_f; i++) {
		struct follower *f = &fs[i];

		f->sock = argv[optind + 1 + i];
		f->dir = dir;
		f->dir_len = strlen(dir);
		f->count = count;
		f->seen = calloc((size_t)count, sizeof(double));
		if (!f->seen || famfs_connect(f->sock, &f->c)) {
			fprintf(stderr, "bench_lag: cannot connect to %s\n", f->sock);
			goto out;
		}
		if (wait_visible(f)) {
			fprintf(stderr, "bench_lag: %s never showed %s made on the master\n",
				f->sock, dir);
			goto out;
		}
		ping_sum += ping_us(f->c);
	}
	for (int i = 0; i < n_f; i++) {
		if (pthread_create(&fs[i].th, NULL, watch_thread, &fs[i]))
			goto out;
		started++;
		while (!atomic_load(&fs[i].ready))
			usleep(1000);
		if (fs[i].err) {
			fprintf(stderr, "bench_lag: watch on %s: %s\n", fs[i].sock, fs[i].errmsg);
			goto out;
		}
	}
	for (long i = 0; i < count; i++) {
		char path[256];

		snprintf(path, sizeof(path), "%s/f%ld", dir, i);
		if (famfs_create(m, path, 0644, 0, NULL)) {
			fprintf(stderr, "bench_lag: create %s: %s\n", path, famfs_errmsg(m));
			goto out;
		}
		ack[i] = bench_now();
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += WAIT_S;
	ret = 0;
	printf("replay lag: %ld creates one at a time on %s, seen through famfs.Watch on %d host(s)\n",
	       count, argv[optind], n_f);
	for (int i = 0; i < n_f; i++) {
		struct follower *f = &fs[i];
		double *v = lag + n_lag;
		long n = 0;

		if (pthread_timedjoin_np(f->th, NULL, &deadline)) {
			fprintf(stderr, "bench_lag: %s: only %ld of %ld creates seen within %d s\n",
				f->sock, f->n_seen, count, WAIT_S);
			ret = 1;	/* its thread still blocks in the watch: leave it */
			goto out;
		}
		if (f->err) {
			fprintf(stderr, "bench_lag: watch on %s ended: %s\n", f->sock, f->errmsg);
			ret = 1;
		}
		for (long k = 0; k < count; k++) {
			if (f->seen[k] <= 0)
				continue;
			v[n++] = f->seen[k] - ack[k];
			early += f->seen[k] < ack[k];
		}
		printf("  %s: %ld seen  p50 %8.1f us  p99 %8.1f us  max %8.1f us\n", f->sock, n,
		       bench_percentile(v, (size_t)n, 50) * 1e6,
		       bench_percentile(v, (size_t)n, 99) * 1e6,
		       bench_percentile(v, (size_t)n, 100) * 1e6);
		n_lag += n;
	}
	started = 0;
	printf("  baseline: null RPC round trip to a follower p50 %.1f us\n", ping_sum / n_f);
	printf("RESULT followers=%d count=%ld p50_us=%.1f p99_us=%.1f max_us=%.1f early=%ld ping_us=%.1f\n",
	       n_f, count, bench_percentile(lag, (size_t)n_lag, 50) * 1e6,
	       bench_percentile(lag, (size_t)n_lag, 99) * 1e6,
	       bench_percentile(lag, (size_t)n_lag, 100) * 1e6, early, ping_sum / n_f);
	if (n_lag != count * n_f)
		ret = 1;
out:
	/* Threads still in a watch (an error path) end with the process. */
	for (int i = 0; fs && i < n_f && !started; i++) {
		if (fs[i].c)
			famfs_disconnect(fs[i].c);
		free(fs[i].seen);
	}
	free(fs);
	free(ack);
	free(lag);
	if (m)
		famfs_disconnect(m);
	return ret;
usage:
	fprintf(stderr, "usage: bench_lag [-n COUNT] [-d DIR] MASTER_SOCKET FOLLOWER_SOCKET...\n");
	return 2;
}
