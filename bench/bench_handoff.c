// SPDX-License-Identifier: Apache-2.0
/*
 * bench-cluster (handoff part): move the read-write grant of a data set
 * between two hosts N times and report p50/p99, next to copying the same
 * bytes over a TCP loopback connection in the same run.
 *
 *   bench_handoff SOCKET_A SOCKET_B PATH ROUNDS
 *
 * PATH must exist and be owned read-write by host A. Prints; asserts nothing.
 */
#include <famfs/client.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Send size bytes from one process to another over TCP loopback; seconds. */
static double tcp_copy(size_t size)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	size_t chunk = 1 << 20;
	char *buf = malloc(chunk);
	int l = socket(AF_INET, SOCK_STREAM, 0), fd;
	double t0, t;
	pid_t pid;

	memset(buf, 0x5a, chunk);
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &alen))
		return -1;
	pid = fork();
	if (pid == 0) {
		char *rb = malloc(chunk);
		char *dst = malloc(size);	/* the receiver keeps the bytes, like a real copy */
		int s = accept(l, NULL, NULL);
		size_t got = 0;

		while (got < size) {
			ssize_t r = read(s, rb, chunk);

			if (r <= 0)
				break;
			memcpy(dst + got, rb, (size_t)r);
			got += (size_t)r;
		}
		if (write(s, "k", 1) != 1)
			_exit(1);
		_exit(0);
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	t0 = now();
	for (size_t sent = 0; sent < size; ) {
		ssize_t w = write(fd, buf, size - sent < chunk ? size - sent : chunk);

		if (w <= 0)
			return -1;
		sent += (size_t)w;
	}
	if (read(fd, buf, 1) != 1)
		return -1;
	t = now() - t0;
	close(fd);
	close(l);
	waitpid(pid, NULL, 0);
	free(buf);
	return t;
}

int main(int argc, char **argv)
{
	struct famfs_client *ca, *cb;
	struct famfs_status sa, sb;
	struct famfs_stat st;
	struct famfs_owners ow;
	double *lat, tcp[3];
	int rounds = argc > 4 ? atoi(argv[4]) : 50, n = 0;

	if (argc < 4 || famfs_connect(argv[1], &ca) || famfs_connect(argv[2], &cb) ||
	    famfs_status(ca, &sa) || famfs_status(cb, &sb) || famfs_stat(ca, argv[3], &st)) {
		fprintf(stderr, "usage: bench_handoff SOCKET_A SOCKET_B PATH [ROUNDS]\n");
		return 2;
	}
	lat = calloc((size_t)rounds * 2, sizeof(double));
	for (int r = 0; r < rounds; r++) {
		for (int dir = 0; dir < 2; dir++) {
			struct famfs_client *c = dir ? cb : ca;
			uint32_t to = dir ? sa.host_id : sb.host_id;
			double t0 = now();
			int err = famfs_handoff(c, argv[3], to, 0, false, &ow);

			if (err) {
				fprintf(stderr, "bench_handoff: handoff to host %u: %s\n", to,
					famfs_errmsg(c));
				return 1;
			}
			famfs_owners_free(&ow);
			lat[n++] = now() - t0;
		}
	}
	qsort(lat, (size_t)n, sizeof(double), cmp);
	for (int i = 0; i < 3; i++)
		tcp[i] = tcp_copy(st.size);
	qsort(tcp, 3, sizeof(double), cmp);
	printf("bench-cluster: handoff of %s (%llu bytes, %u extents) between hosts %u and %u, %d handoffs\n",
	       argv[3], (unsigned long long)st.size, st.n_extents, sa.host_id, sb.host_id, n);
	printf("%-44s p50 %9.3f ms   p99 %9.3f ms   max %9.3f ms\n", "handoff (revoke, flush, commit, grant)",
	       lat[n / 2] * 1e3, lat[(n * 99) / 100] * 1e3, lat[n - 1] * 1e3);
	printf("%-44s     %9.3f ms (median of 3)\n", "TCP loopback copy of the same bytes", tcp[1] * 1e3);
	printf("%-44s p50 %.0fx, p99 %.0fx faster than the copy   (goals: p99 < 1 ms, > 500x)\n",
	       "ratio", tcp[1] / lat[n / 2], tcp[1] / lat[(n * 99) / 100]);
	famfs_stat_free(&st);
	famfs_disconnect(ca);
	famfs_disconnect(cb);
	return 0;
}
