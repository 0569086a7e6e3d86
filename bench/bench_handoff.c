// SPDX-License-Identifier: Apache-2.0
/*
 * Handoff benchmarks; nothing asserted, figures printed next to a copy of
 * the same bytes over a TCP loopback connection measured in the same run.
 *
 *   bench_handoff SOCKET_A SOCKET_B PATH [ROUNDS]
 *	bench-cluster: move the read-write grant of PATH between hosts A and B
 *	ROUNDS times each way; p50/p99 of the handoff call.
 *   bench_handoff --share SOCKET_A SOCKET_B PATH ROUNDS COPIES [EXPORT]
 *	bench-share: fill PATH on host A, then ROUNDS times hand it to B and
 *	time until B has mapped it and read its first word; once until B has
 *	read every byte; COPIES TCP copies from A's mapping into B-side
 *	memory. EXPORT: also write the bytes to that file (for the shell's
 *	ext4 comparison). Prints "R KEY SECONDS" lines for bench_share.sh.
 *   bench_handoff --verify FILE
 *	exit 0 when FILE holds exactly what --share wrote into the data set.
 *
 * PATH must exist and be owned read-write by host A.
 */
#include <famfs/client.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1u << 20)

struct hosts {
	struct famfs_client *c[2];	/* A, B */
	uint32_t id[2];
	const char *path;
};

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

static double pct(double *v, int n, int p)
{
	qsort(v, (size_t)n, sizeof(double), cmp);
	return v[(n * p) / 100 < n ? (n * p) / 100 : n - 1];
}

/* The word at byte offset off of the data set: its own offset, scrambled. */
static uint64_t pattern(uint64_t off)
{
	return off * 0x9e3779b97f4a7c15ull ^ 0x5a5a5a5a5a5a5a5aull;
}

/* Receiver side of tcp_copy: size bytes straight into fresh memory, ack. */
static void tcp_receive(int l, size_t size)
{
	unsigned char *dst = mmap(NULL, size, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int s = accept(l, NULL, NULL);
	size_t got = 0;

	if (dst == MAP_FAILED || s < 0)
		_exit(1);
	while (got < size) {
		ssize_t r = read(s, dst + got, size - got < CHUNK ? size - got : CHUNK);

		if (r <= 0)
			_exit(1);
		got += (size_t)r;
	}
	if (write(s, "k", 1) != 1)
		_exit(1);
	_exit(0);
}

/*
 * Send size bytes from src (NULL: a constant buffer) to a child process
 * over TCP loopback, which keeps them in its memory; seconds until its ack,
 * or a negative errno.
 */
static double tcp_copy(const unsigned char *src, size_t size)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	unsigned char *buf = malloc(CHUNK);
	int l = socket(AF_INET, SOCK_STREAM, 0), fd = -1, status = 1;
	double t0, t = -EIO;
	pid_t pid = -1;
	char ack;

	if (!buf || l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &alen))
		goto out;
	memset(buf, 0x5a, CHUNK);
	pid = fork();
	if (pid == 0)
		tcp_receive(l, size);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (pid < 0 || fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		goto out;
	t0 = now();
	for (size_t sent = 0; sent < size; ) {
		size_t n = size - sent < CHUNK ? size - sent : CHUNK;
		ssize_t w = write(fd, src ? src + sent : buf, n);

		if (w <= 0)
			goto out;
		sent += (size_t)w;
	}
	if (read(fd, &ack, 1) == 1)
		t = now() - t0;
out:
	if (fd >= 0)
		close(fd);
	if (l >= 0)
		close(l);
	if (pid > 0 && (waitpid(pid, &status, 0) != pid || status))
		t = -EIO;
	free(buf);
	return t;
}

/* Median of n TCP copies (n <= 9). */
static double tcp_median(const unsigned char *src, size_t size, int n)
{
	double v[9];

	for (int i = 0; i < n; i++)
		if ((v[i] = tcp_copy(src, size)) < 0)
			return v[i];
	return pct(v, n, 50);
}

static int handoff(struct hosts *h, int from)
{
	struct famfs_owners ow;
	int err = famfs_handoff(h->c[from], h->path, h->id[!from], 0, false, &ow);

	if (err) {
		fprintf(stderr, "bench_handoff: handoff of %s to host %u: %s\n", h->path,
			h->id[!from], famfs_errmsg(h->c[from]));
		return err;
	}
	famfs_owners_free(&ow);
	return 0;
}

/* bench-cluster: handoff call latency both ways, then the TCP copy. */
static int run_cluster(struct hosts *h, const struct famfs_stat *st, int rounds)
{
	double *lat = calloc((size_t)rounds * 2, sizeof(double)), tcp;
	int n = 0, err = 0;

	if (!lat)
		return -ENOMEM;
	for (int r = 0; r < rounds && !err; r++) {
		for (int dir = 0; dir < 2 && !err; dir++) {
			double t0 = now();

			err = handoff(h, dir);
			lat[n++] = now() - t0;
		}
	}
	tcp = err ? 0 : tcp_median(NULL, st->size, 3);
	if (err || tcp < 0) {
		err = err ? err : (int)tcp;
		goto out;
	}
	printf("bench-cluster: handoff of %s (%llu bytes, %u extents) between hosts %u and %u, %d handoffs\n",
	       h->path, (unsigned long long)st->size, st->n_extents, h->id[0], h->id[1], n);
	printf("%-44s p50 %9.3f ms   p99 %9.3f ms   max %9.3f ms\n",
	       "handoff (revoke, flush, commit, grant)",
	       pct(lat, n, 50) * 1e3, pct(lat, n, 99) * 1e3, pct(lat, n, 100) * 1e3);
	printf("%-44s     %9.3f ms (median of 3)\n", "TCP loopback copy of the same bytes", tcp * 1e3);
	printf("%-44s p50 %.0fx, p99 %.0fx faster than the copy   (goals: p99 < 1 ms, > 500x)\n",
	       "ratio", tcp / pct(lat, n, 50), tcp / pct(lat, n, 99));
out:
	free(lat);
	return err;
}

/* Host B maps the data set read-only; reads the first word or every word. */
static int b_reads(struct hosts *h, bool all, uint64_t *bad)
{
	struct famfs_map m;
	const uint64_t *w;
	size_t n;
	int err = famfs_mmap(h->c[1], h->path, PROT_READ, &m);

	if (err) {
		fprintf(stderr, "bench_handoff: host %u maps %s: %s\n", h->id[1], h->path,
			famfs_errmsg(h->c[1]));
		return err;
	}
	w = m.addr;
	n = all ? m.length / 8 : 1;
	famfs_invalidate(m.addr, n * 8);
	for (size_t i = 0; i < n; i++)
		*bad += w[i] != pattern(i * 8);
	famfs_munmap(&m);
	return 0;
}

/* Host A writes the pattern over the whole data set and flushes it. */
static int fill(struct hosts *h)
{
	struct famfs_map m;
	uint64_t *w;
	int err = famfs_mmap(h->c[0], h->path, PROT_READ | PROT_WRITE, &m);

	if (err) {
		fprintf(stderr, "bench_handoff: host %u maps %s: %s\n", h->id[0], h->path,
			famfs_errmsg(h->c[0]));
		return err;
	}
	w = m.addr;
	for (size_t i = 0; i < m.length / 8; i++)
		w[i] = pattern(i * 8);
	famfs_flush(m.addr, m.length);
	famfs_munmap(&m);
	return 0;
}

/* Write the bytes of a mapping to a new file. */
static int export_bytes(const struct famfs_map *m, const char *file)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600), err = 0;

	for (size_t off = 0; fd >= 0 && off < m->length; ) {
		ssize_t r = write(fd, (char *)m->addr + off, m->length - off);

		if (r <= 0)
			break;
		off += (size_t)r;
	}
	if (fd < 0 || fsync(fd) || close(fd)) {
		err = -errno;
		fprintf(stderr, "bench_handoff: writing %s: %s\n", file, strerror(errno));
	}
	return err;
}

/* MemAvailable in bytes (0 when unknown). */
static uint64_t mem_available(void)
{
	unsigned long long kib = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return (uint64_t)kib << 10;
}

/* bench-share: see the top of the file. */
static int run_share(struct hosts *h, const struct famfs_stat *st, int rounds, int copies,
		     const char *export)
{
	double *lat = calloc((size_t)rounds, sizeof(double)), t0, all, tcp = -1;
	uint64_t bad = 0;
	struct famfs_map m;
	int err;

	if (!lat)
		return -ENOMEM;
	err = fill(h);
	for (int r = 0; r < rounds && !err; r++) {
		t0 = now();
		err = handoff(h, 0) ?: b_reads(h, false, &bad);
		lat[r] = now() - t0;
		err = err ?: handoff(h, 1);
	}
	if (err)
		goto out;
	t0 = now();
	err = handoff(h, 0) ?: b_reads(h, true, &bad);
	all = now() - t0;
	err = err ?: handoff(h, 1) ?: famfs_mmap(h->c[0], h->path, PROT_READ, &m);
	if (err)
		goto out;
	/* The receiver keeps a whole copy: refuse rather than push the host into OOM. */
	if (mem_available() && mem_available() < m.length + (1ull << 30)) {
		fprintf(stderr, "bench_handoff: TCP copy of %zu MiB needs that much memory + 1 GiB, %llu MiB available\n",
			m.length >> 20, (unsigned long long)(mem_available() >> 20));
		err = -ENOMEM;
		famfs_munmap(&m);
		goto out;
	}
	tcp = tcp_median(m.addr, m.length, copies);
	/* After the copy, so that the receiver's copy and this one never coexist. */
	if (tcp >= 0 && export)
		err = export_bytes(&m, export);
	famfs_munmap(&m);
	if (err)
		goto out;
	if (tcp < 0) {
		err = (int)tcp;
		fprintf(stderr, "bench_handoff: TCP copy failed: %s\n", strerror(-err));
		goto out;
	}
	if (bad) {
		fprintf(stderr, "bench_handoff: host %u read %llu words that differ from what host %u wrote\n",
			h->id[1], (unsigned long long)bad, h->id[0]);
		err = -EIO;
		goto out;
	}
	printf("R bytes %llu\nR extents %u\nR rounds %d\nR copies %d\n",
	       (unsigned long long)st->size, st->n_extents, rounds, copies);
	printf("R handoff_p50 %.6f\nR handoff_p99 %.6f\n", pct(lat, rounds, 50), pct(lat, rounds, 99));
	printf("R handoff_read_all %.6f\nR tcp %.6f\n", all, tcp);
out:
	free(lat);
	return err;
}

/* --verify: FILE holds the --share pattern (a copy made some other way). */
static int verify_file(const char *file)
{
	int fd = open(file, O_RDONLY);
	off_t len = fd < 0 ? -1 : lseek(fd, 0, SEEK_END);
	const uint64_t *w = len <= 0 ? MAP_FAILED :
		mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED, fd, 0);
	uint64_t bad = 0;

	if (w == MAP_FAILED) {
		fprintf(stderr, "bench_handoff: cannot map %s: %s\n", file,
			len == 0 ? "empty file" : strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < (size_t)len / 8; i++)
		bad += w[i] != pattern(i * 8);
	munmap((void *)w, (size_t)len);
	close(fd);
	if (bad || len % 8)
		fprintf(stderr, "bench_handoff: %s: %llu of %llu words differ from the data set\n",
			file, (unsigned long long)bad, (unsigned long long)len / 8);
	return bad || len % 8;
}

int main(int argc, char **argv)
{
	bool share = argc > 1 && !strcmp(argv[1], "--share");
	char **a = argv + share;
	int n = argc - share, rounds, copies, err;
	struct hosts h = { .path = n > 3 ? a[3] : NULL };
	struct famfs_status sa, sb;
	struct famfs_stat st;

	if (argc == 3 && !strcmp(argv[1], "--verify"))
		return verify_file(argv[2]);
	rounds = n > 4 ? atoi(a[4]) : 50;
	copies = share && n > 5 ? atoi(a[5]) : 3;
	if (n < 4 || (share && n < 6) || rounds < 1 || copies < 1 || copies > 9) {
		fprintf(stderr, "usage: bench_handoff SOCKET_A SOCKET_B PATH [ROUNDS]\n"
			"       bench_handoff --share SOCKET_A SOCKET_B PATH ROUNDS COPIES(1-9) [EXPORT]\n"
			"       bench_handoff --verify FILE\n");
		return 2;
	}
	if (famfs_connect(a[1], &h.c[0]) || famfs_connect(a[2], &h.c[1])) {
		fprintf(stderr, "bench_handoff: cannot connect to %s or %s\n", a[1], a[2]);
		return 1;
	}
	if (famfs_status(h.c[0], &sa) || famfs_status(h.c[1], &sb) ||
	    famfs_stat(h.c[0], h.path, &st)) {
		fprintf(stderr, "bench_handoff: status of the hosts or stat of %s: %s\n", h.path,
			famfs_errmsg(h.c[0]));
		return 1;
	}
	h.id[0] = sa.host_id;
	h.id[1] = sb.host_id;
	err = share ? run_share(&h, &st, rounds, copies, n > 6 ? a[6] : NULL) :
		      run_cluster(&h, &st, rounds);
	famfs_stat_free(&st);
	famfs_disconnect(h.c[0]);
	famfs_disconnect(h.c[1]);
	return err ? 1 : 0;
}
