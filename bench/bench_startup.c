// SPDX-License-Identifier: Apache-2.0
/*
 * bench-metadata / bench-scale: how long a host takes to come up on a log
 * that already holds many files, next to a baseline measured in the same
 * run: reading the same log bytes (copy + CRC32C, no decoding, no namespace).
 *
 *   bench_startup [-r REPEAT] [-s SOCKET] DEVICE -- FAMFSD [ARGS...]
 *
 * Measures, each REPEAT times (medians printed):
 *   copy     copy the committed log bytes (head to tail) and CRC32C them;
 *   raw      the same after invalidating their cache lines (the baseline);
 *   replay   fam_fs_open read-only: decode every record into a namespace;
 *   ready    fork+exec FAMFSD with NOTIFY_SOCKET set, until it sends
 *            READY=1 (it replays the log before it listens);
 *   caught   with -s SOCKET (the new famfsd's control socket): until its
 *            status names a master and its replayed seq reaches the
 *            committed seq (a cluster member that joined and caught up);
 *   rss      VmRSS (which counts the mapped pages of the fabric file) and
 *            RssAnon (the daemon's own memory: namespace, buffers) once ready.
 * FAMFSD is stopped (SIGTERM) after each start. Prints, then
 *   RESULT files=F dirs=D log_bytes=B copy_ms=.. raw_ms=.. replay_ms=.. ready_ms=.. caught_ms=.. rss_kb=.. anon_kb=..
 */
#include <famfs/client.h>

#include "bench_util.h"
#include "crc32c.h"
#include "flush.h"
#include "fs.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define READY_TIMEOUT_MS 300000
#define MAX_REPEAT 16

struct sample {
	double copy, raw, replay, ready, caught;
	long rss_kb, anon_kb;
};

/*
 * Copy the committed records out of the ring and checksum them: the floor
 * for any replay. With invalidate, first drop the cached lines as every
 * reader of non-coherent fabric memory must (and replay does).
 */
static double raw_read(const struct fam_fs *fs, uint8_t *buf, bool invalidate, uint64_t *bytes)
{
	const struct fam_log *log = &fs->log;
	uint64_t head = log->hdr.head, tail = log->hdr.tail, n1, n2;
	double t0 = bench_now();
	uint32_t crc;

	n1 = tail >= head ? tail - head : log->area_size - head;
	n2 = tail >= head ? 0 : tail;
	if (invalidate)
		fam_invalidate(log->area + head, n1);
	memcpy(buf, log->area + head, n1);
	if (n2) {
		if (invalidate)
			fam_invalidate(log->area, n2);
		memcpy(buf + n1, log->area, n2);
	}
	crc = fam_crc32c(0, buf, n1 + n2);
	*bytes = n1 + n2;
	__asm__ volatile("" : : "r"(crc) : "memory");
	return bench_now() - t0;
}

static int measure_replay(const char *device, struct sample *s, uint64_t *files, uint64_t *dirs,
			  uint64_t *bytes)
{
	struct fam_dev dev;
	struct fam_fs fs;
	uint8_t *buf;
	double t0;

	if (fam_dev_open(&dev, device, FAM_DEV_RDONLY)) {
		fprintf(stderr, "bench_startup: %s: %s\n", device, dev.err);
		return -EIO;
	}
	t0 = bench_now();
	if (fam_fs_open(&fs, &dev, 0)) {
		fprintf(stderr, "bench_startup: replay of %s: %s\n", device, fs.err);
		fam_dev_close(&dev);
		return -EIO;
	}
	s->replay = bench_now() - t0;
	*files = fs.ns.n_files;
	*dirs = fs.ns.n_dirs;
	buf = malloc(fs.log.area_size);
	if (buf) {
		memset(buf, 0, fs.log.area_size);	/* no page faults inside the timing */
		raw_read(&fs, buf, false, bytes);	/* warm-up: first touch of every page */
		s->copy = raw_read(&fs, buf, false, bytes);
		s->raw = raw_read(&fs, buf, true, bytes);
	}
	free(buf);
	fam_fs_close(&fs);
	fam_dev_close(&dev);
	return buf ? 0 : -ENOMEM;
}

static void read_rss(pid_t pid, long *rss, long *anon)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "VmRSS: %ld", rss);
		sscanf(line, "RssAnon: %ld", anon);
	}
	fclose(f);
}

/* Poll the new daemon until it follows a master and has replayed all that is committed. */
static int wait_caught_up(const char *sock, double deadline)
{
	struct famfs_client *c = NULL;
	struct famfs_status st;

	while (bench_now() < deadline) {
		if (!c && famfs_connect(sock, &c))
			c = NULL;
		if (c && !famfs_status(c, &st) && st.master >= 0 &&
		    st.replayed_seq >= st.committed_seq) {
			famfs_disconnect(c);
			return 0;
		}
		usleep(2000);
	}
	if (c)
		famfs_disconnect(c);
	return -ETIMEDOUT;
}

static int start_daemon(char **argv, const char *sock, struct sample *s)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char buf[4096];
	int fd, err = -ETIMEDOUT, status;
	double t0, deadline;
	pid_t pid;

	snprintf(a.sun_path, sizeof(a.sun_path), "/tmp/famfs-bench-notify.%d", (int)getpid());
	unlink(a.sun_path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)))
		return -errno;
	t0 = bench_now();
	deadline = t0 + READY_TIMEOUT_MS / 1000.0;
	pid = fork();
	if (pid == 0) {
		setenv("NOTIFY_SOCKET", a.sun_path, 1);
		execv(argv[0], argv);
		fprintf(stderr, "bench_startup: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0) {
		err = -errno;
		goto out;
	}
	while (bench_now() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 200) <= 0) {
			if (waitpid(pid, &status, WNOHANG) == pid) {
				fprintf(stderr, "bench_startup: %s exited before it was ready\n",
					argv[0]);
				pid = -1;
				err = -ECHILD;
				goto out;
			}
			continue;
		}
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = 0;
		if (strstr(buf, "READY=1")) {
			s->ready = bench_now() - t0;
			err = 0;
			break;
		}
	}
	if (err) {
		fprintf(stderr, "bench_startup: no READY=1 from %s within %d s\n", argv[0],
			READY_TIMEOUT_MS / 1000);
		goto out;
	}
	read_rss(pid, &s->rss_kb, &s->anon_kb);
	if (sock) {
		err = wait_caught_up(sock, deadline);
		if (err)
			fprintf(stderr, "bench_startup: %s never followed a master and caught up\n",
				sock);
		s->caught = bench_now() - t0;
	}
out:
	if (pid > 0) {
		kill(pid, SIGTERM);
		for (int i = 0; i < 1000 && waitpid(pid, &status, WNOHANG) != pid; i++)
			usleep(10000);
		if (kill(pid, 0) == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
	}
	close(fd);
	unlink(a.sun_path);
	return err;
}

static double median(struct sample *s, int n, size_t field)
{
	double v[MAX_REPEAT];

	for (int i = 0; i < n; i++)
		v[i] = *(double *)((char *)&s[i] + field);
	return bench_percentile(v, (size_t)n, 50);
}

int main(int argc, char **argv)
{
	struct sample s[MAX_REPEAT] = { 0 };
	const char *sock = NULL, *device;
	uint64_t files = 0, dirs = 0, bytes = 0;
	int repeat = 3, opt;
	double copy, raw, replay, ready, caught;
	long rss = 0, anon = 0;

	while ((opt = getopt(argc, argv, "+r:s:")) != -1) {
		switch (opt) {
		case 'r': repeat = atoi(optarg); break;
		case 's': sock = optarg; break;
		default: goto usage;
		}
	}
	if (optind + 2 >= argc || strcmp(argv[optind + 1], "--") || repeat < 1 ||
	    repeat > MAX_REPEAT)
		goto usage;
	device = argv[optind];
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < repeat; i++)
		if (measure_replay(device, &s[i], &files, &dirs, &bytes))
			return 1;
	for (int i = 0; i < repeat; i++) {
		if (start_daemon(argv + optind + 2, sock, &s[i]))
			return 1;
		rss = s[i].rss_kb > rss ? s[i].rss_kb : rss;
		anon = s[i].anon_kb > anon ? s[i].anon_kb : anon;
	}
	copy = median(s, repeat, offsetof(struct sample, copy));
	raw = median(s, repeat, offsetof(struct sample, raw));
	replay = median(s, repeat, offsetof(struct sample, replay));
	ready = median(s, repeat, offsetof(struct sample, ready));
	caught = sock ? median(s, repeat, offsetof(struct sample, caught)) : 0;
	printf("startup: %s: %llu files, %llu directories, %.1f MiB of log; median of %d\n", device,
	       (unsigned long long)files, (unsigned long long)dirs, bytes / 1048576.0, repeat);
	printf("  %-44s %10.1f ms\n", "copy + CRC32C of the log bytes (cached)", copy * 1e3);
	printf("  %-44s %10.1f ms   (baseline)\n", "baseline: invalidate + copy + CRC32C", raw * 1e3);
	printf("  %-44s %10.1f ms   %.1fx the baseline\n", "replay in process (fam_fs_open)",
	       replay * 1e3, replay / raw);
	printf("  %-44s %10.1f ms   %.1fx the baseline\n", "famfsd start to READY=1", ready * 1e3,
	       ready / raw);
	if (sock)
		printf("  %-44s %10.1f ms\n", "famfsd start to following a master, caught up",
		       caught * 1e3);
	printf("  %-44s %10.1f MiB (own memory, RssAnon: %.1f MiB)\n", "famfsd RSS once ready",
	       rss / 1024.0, anon / 1024.0);
	printf("RESULT files=%llu dirs=%llu log_bytes=%llu copy_ms=%.3f raw_ms=%.3f replay_ms=%.3f ready_ms=%.3f caught_ms=%.3f rss_kb=%ld anon_kb=%ld\n",
	       (unsigned long long)files, (unsigned long long)dirs, (unsigned long long)bytes,
	       copy * 1e3, raw * 1e3, replay * 1e3, ready * 1e3, caught * 1e3, rss, anon);
	return 0;
usage:
	fprintf(stderr, "usage: bench_startup [-r REPEAT] [-s SOCKET] DEVICE -- FAMFSD [ARGS...]\n");
	return 2;
}
