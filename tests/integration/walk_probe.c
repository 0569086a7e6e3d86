// SPDX-License-Identifier: Apache-2.0
/*
 * Probes famfsd while a handoff walks the caches of a large data set
 * (tests/integration/test_cache_walk.sh). Prints, one per line, with
 * CLOCK_MONOTONIC microseconds (famfsd's clock, which its logs print):
 *
 *   walk_probe fill SOCKET PATH
 *	map PATH read-write through SOCKET's famfsd and write every byte
 *	(the lines stay dirty: the handoff writes them back).
 *   walk_probe run SOCKET_A SOCKET_B PATH TO_HOST MAX_S
 *	hand PATH off to TO_HOST (a call to A's famfsd, on a thread) and,
 *	until it returns (at most MAX_S seconds), alternate a null RPC to A
 *	and a read-only map of PATH on B:
 *	  H START END RC            the handoff call (RC: 0 or -errno)
 *	  P SEND RECV RC            a null RPC to A
 *	  M SEND RECV RC            a map attempt on B (0: mapped, else -errno)
 *   walk_probe release SOCKET_A SOCKET_C PATH MAX_S
 *	release A's grant on PATH (a call to A's famfsd, on a thread) and,
 *	until it has returned and C has mapped PATH read-only (at most MAX_S
 *	seconds), try to map PATH read-only on C, reading every page once
 *	mapped: H and M lines as above, and for the first refusal with each
 *	RC "E RC famfs_errmsg()". These maps do not wait out UNAVAILABLE
 *	(famfs_set_retry(0)): the probe sees each refusal.
 *   walk_probe release-wait SOCKET_A SOCKET_C PATH MAX_S
 *	as release, but C's maps keep the library's default retry budget:
 *	an UNAVAILABLE answer is waited out inside famfs_mmap.
 *   walk_probe read SOCKET PATH MAX_S
 *	map PATH read-only (retried while refused, at most MAX_S seconds) and
 *	read every page: the lines end up in this host's CPU caches.
 */
#include <famfs/client.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int read_pages(struct famfs_client *c, const char *path)
{
	struct famfs_map m;
	uint64_t sum = 0;
	int rc = famfs_mmap(c, path, PROT_READ, &m);

	if (rc)
		return rc;
	for (size_t i = 0; i < m.length; i += 4096)
		sum += ((volatile uint8_t *)m.addr)[i];
	famfs_munmap(&m);
	return sum == UINT64_MAX ? -EIO : 0;	/* keeps the reads */
}

struct handoff_arg {
	const char *sock, *path;
	uint32_t to;
	uint64_t start, end;
	int rc;
	atomic_bool done;
};

static void *handoff_main(void *arg)
{
	struct handoff_arg *h = arg;
	struct famfs_client *c = NULL;

	h->start = now_us();
	h->rc = famfs_connect(h->sock, &c);
	if (!h->rc) {
		famfs_set_timeout(c, 600000);
		if (h->to == UINT32_MAX)
			h->rc = famfs_release(c, h->path, FAMFS_HOST_SELF, NULL);
		else
			h->rc = famfs_handoff(c, h->path, h->to, 0, false, NULL);
		if (h->rc)
			fprintf(stderr, "walk_probe: %s: %s\n", h->to == UINT32_MAX ? "release" :
				"handoff", famfs_errmsg(c));
		famfs_disconnect(c);
	}
	h->end = now_us();
	atomic_store(&h->done, true);
	return NULL;
}

static int fill(const char *sock, const char *path)
{
	struct famfs_client *c;
	struct famfs_map m;
	int rc = famfs_connect(sock, &c);

	if (rc)
		return fprintf(stderr, "walk_probe: connect %s: %s\n", sock, strerror(-rc)), 1;
	rc = famfs_mmap(c, path, PROT_READ | PROT_WRITE, &m);
	if (rc) {
		fprintf(stderr, "walk_probe: map %s: %s\n", path, famfs_errmsg(c));
		famfs_disconnect(c);
		return 1;
	}
	for (size_t i = 0; i < m.length; i += 4096)
		((volatile uint8_t *)m.addr)[i] = (uint8_t)(i >> 12);
	famfs_munmap(&m);
	famfs_disconnect(c);
	return 0;
}

static int run(char **argv)
{
	struct handoff_arg h = { .sock = argv[0], .path = argv[2], .to = (uint32_t)atoi(argv[3]) };
	uint64_t limit = (uint64_t)atoi(argv[4]) * 1000000u;
	struct famfs_client *a, *b;
	pthread_t t;
	int rc;

	atomic_init(&h.done, false);
	if (famfs_connect(argv[0], &a) || famfs_connect(argv[1], &b))
		return fprintf(stderr, "walk_probe: cannot connect\n"), 1;
	famfs_set_timeout(a, 60000);
	famfs_set_timeout(b, 60000);
	famfs_set_retry(b, 0);
	if (pthread_create(&t, NULL, handoff_main, &h))
		return fprintf(stderr, "walk_probe: no thread\n"), 1;
	for (uint64_t t0 = now_us(); !atomic_load(&h.done) && now_us() - t0 < limit;) {
		struct famfs_map m;
		uint64_t s = now_us();

		rc = famfs_ping(a);
		printf("P %" PRIu64 " %" PRIu64 " %d\n", s, now_us(), rc);
		s = now_us();
		rc = famfs_mmap(b, argv[2], PROT_READ, &m);
		printf("M %" PRIu64 " %" PRIu64 " %d\n", s, now_us(), rc);
		if (!rc)
			famfs_munmap(&m);
	}
	pthread_join(t, NULL);
	printf("H %" PRIu64 " %" PRIu64 " %d\n", h.start, h.end, h.rc);
	famfs_disconnect(a);
	famfs_disconnect(b);
	return h.rc ? 1 : 0;
}

static int release(char **argv, bool wait)
{
	struct handoff_arg h = { .sock = argv[0], .path = argv[2], .to = UINT32_MAX };
	uint64_t limit = (uint64_t)atoi(argv[3]) * 1000000u;
	int seen[8], n_seen = 0, rc = -1;
	struct famfs_client *c;
	pthread_t t;

	atomic_init(&h.done, false);
	if (famfs_connect(argv[1], &c))
		return fprintf(stderr, "walk_probe: cannot connect\n"), 1;
	famfs_set_timeout(c, 60000);
	if (!wait)
		famfs_set_retry(c, 0);
	if (pthread_create(&t, NULL, handoff_main, &h))
		return fprintf(stderr, "walk_probe: no thread\n"), 1;
	for (uint64_t t0 = now_us(); (!atomic_load(&h.done) || rc) && now_us() - t0 < limit;) {
		uint64_t s = now_us();
		int i;

		rc = read_pages(c, argv[2]);
		printf("M %" PRIu64 " %" PRIu64 " %d\n", s, now_us(), rc);
		for (i = 0; i < n_seen && seen[i] != rc; i++)
			;
		if (rc && i == n_seen && n_seen < 8) {
			seen[n_seen++] = rc;
			printf("E %d %s\n", rc, famfs_errmsg(c));
		}
	}
	pthread_join(t, NULL);
	printf("H %" PRIu64 " %" PRIu64 " %d\n", h.start, h.end, h.rc);
	famfs_disconnect(c);
	return h.rc || rc ? 1 : 0;
}

static int read_retry(const char *sock, const char *path, int max_s)
{
	struct famfs_client *c;
	uint64_t t0 = now_us();
	int rc = famfs_connect(sock, &c);

	if (rc)
		return fprintf(stderr, "walk_probe: connect %s: %s\n", sock, strerror(-rc)), 1;
	while ((rc = read_pages(c, path)) && now_us() - t0 < (uint64_t)max_s * 1000000u) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	if (rc)
		fprintf(stderr, "walk_probe: read %s: %s\n", path, famfs_errmsg(c));
	famfs_disconnect(c);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "fill"))
		return fill(argv[2], argv[3]);
	if (argc == 7 && !strcmp(argv[1], "run"))
		return run(argv + 2);
	if (argc == 6 && !strcmp(argv[1], "release"))
		return release(argv + 2, false);
	if (argc == 6 && !strcmp(argv[1], "release-wait"))
		return release(argv + 2, true);
	if (argc == 5 && !strcmp(argv[1], "read"))
		return read_retry(argv[2], argv[3], atoi(argv[4]));
	fprintf(stderr, "usage: walk_probe fill SOCKET PATH | run SOCKET_A SOCKET_B PATH TO_HOST "
		"MAX_S | release[-wait] SOCKET_A SOCKET_C PATH MAX_S | read SOCKET PATH MAX_S\n");
	return 2;
}
