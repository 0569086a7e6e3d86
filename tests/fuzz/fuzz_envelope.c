// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: famfsd's server side, from the bytes a client sends to
 * the method handlers. The input is what one client writes on its control
 * connection: frames whose Envelopes name methods and carry their request
 * messages. A real famfsd (user-space mode, one host, on a small fabric file
 * made for each input) serves it over one end of a socketpair (the fake
 * transport: no network); the other end then half-closes. Every byte goes
 * through the real frame decoder, method lookup, permission and deadline
 * checks, and each service's request decoder and handler (control API,
 * ownership, the peer methods); every reply must be a well-formed reply
 * frame. Afterwards the daemon is stopped and the file system checked.
 *
 *   FUZZ_ENVELOPE_DIR   where to put the fabric file (default /dev/shm, else /tmp)
 */
#include "famfsd.h"
#include "fsck.h"
#include "rpc.h"
#include "wiring.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define DEV_SIZE	(64ULL << 20)
#define INPUT_MAX	(64 * 1024)
#define RUN_MS		200	/* wall time one input may take before the daemon is stopped */

static char dev_path[256];
static const uint8_t dev_uuid[16] = { 0xf0, 0x22, 1, 2, 3, 4, 0x40, 5, 0x80, 6, 7, 8, 9, 10, 11, 12 };

static void quiet(void *arg, int level, const char *msg)
{
}

static void mkfs(void);

static void cleanup(void)
{
	if (dev_path[0])
		unlink(dev_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FUZZ_ENVELOPE_DIR");
	int fd;

	if (!dir)
		dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(dev_path, sizeof(dev_path), "%s/famfs-fuzz-envelope.XXXXXX", dir);
	fd = mkstemp(dev_path);
	if (fd < 0 || ftruncate(fd, (off_t)DEV_SIZE)) {
		perror(dev_path);
		exit(1);
	}
	close(fd);
	atexit(cleanup);
	mkfs();
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/*
 * mkfs once; each input starts from a copy of the superblock region and the
 * log as mkfs left them (the data area holds nothing the daemon reads).
 */
static uint8_t *pristine;
static size_t pristine_len;

static void restore(void)
{
	int fd = open(dev_path, O_WRONLY);

	if (fd < 0 || pwrite(fd, pristine, pristine_len, 0) != (ssize_t)pristine_len)
		abort();
	close(fd);
}

static void mkfs(void)
{
	struct fam_mkfs_opts o = { .log_size = FAM_LOG_SIZE_MIN, .alloc_unit = 4096,
				   .uuid = dev_uuid };
	struct fam_dev dev;
	struct fam_sb sb;
	int fd;

	if (fam_dev_open(&dev, dev_path, FAM_DEV_MKFS) || fam_mkfs(&dev, &o, &sb)) {
		fprintf(stderr, "mkfs %s: %s\n", dev_path, dev.err);
		exit(1);
	}
	fam_dev_close(&dev);
	pristine_len = sb.log_offset + sb.log_size;
	pristine = malloc(pristine_len);
	fd = open(dev_path, O_RDONLY);
	if (!pristine || fd < 0 || pread(fd, pristine, pristine_len, 0) != (ssize_t)pristine_len) {
		perror(dev_path);
		exit(1);
	}
	close(fd);
}

/* famfsd's start-up (main.c) without sockets, signals and systemd. */
static struct famfsd *daemon_start(void)
{
	struct famfsd *d = calloc(1, sizeof(*d));
	struct fam_rpc_opts o = { .log = quiet, .admin_gid = getgid(), .admin_gid_set = true };

	if (!d)
		abort();
	famfsd_config_defaults(&d->cfg);
	snprintf(d->cfg.device, sizeof(d->cfg.device), "%s", dev_path);
	d->cfg.mode = FAMFSD_MODE_USER;
	famfsd_log_init(&d->log, LOG_ERR);
	d->log.level = -1;	/* below LOG_EMERG: silent (handlers log every refusal) */
	d->start_ms = famfsd_now_ms();
	d->base = event_base_new();
	if (!d->base || famfsd_wire_open(d))
		abort();
	d->rpc = fam_rpc_new(d->base, &o);
	if (!d->rpc || famfsd_wire_serve(d) || famfsd_wire_start(d))
		abort();
	return d;
}

static void daemon_stop(struct famfsd *d)
{
	famfsd_wire_stop(d);
	fam_rpc_free(d->rpc);
	famfsd_wire_close(d);
	event_base_free(d->base);
	free(d);
}

/* Every reply the daemon sent must decode as a reply frame. */
static void check_replies(const uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		struct fam_rpc_msg m;
		int n = fam_rpc_frame_decode(buf + off, len - off, 0, &m);

		if (n <= 0) {
			fprintf(stderr, "daemon sent a bad frame at %zu of %zu (%d)\n", off, len, n);
			abort();
		}
		if (!(m.flags & 1) || m.method[0]) {
			fprintf(stderr, "daemon sent a request-like frame (flags %u, method '%s')\n",
				m.flags, m.method);
			abort();
		}
		fam_rpc_msg_clear(&m);
		off += (size_t)n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[1 << 20];
	size_t out_len = 0, sent = 0;
	struct famfsd *d;
	struct fam_fsck f = { 0 };
	bool eof = false, shut = false;
	uint64_t end;
	int sv[2];

	if (size > INPUT_MAX)
		return 0;
	restore();
	d = daemon_start();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	if (fam_rpc_serve_fd(d->rpc, sv[0]))
		abort();
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	end = famfsd_now_ms() + RUN_MS;
	while (!eof && famfsd_now_ms() < end) {
		struct pollfd p = { .fd = sv[1], .events = POLLIN };
		ssize_t n;

		if (sent < size) {
			n = write(sv[1], data + sent, size - sent);
			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN)
				sent = size;	/* the daemon closed: it refused the stream */
		}
		if (sent == size && !shut) {
			shutdown(sv[1], SHUT_WR);
			shut = true;
		}
		event_base_loop(d->base, EVLOOP_NONBLOCK);
		if (poll(&p, 1, 1) <= 0)
			continue;
		n = read(sv[1], out + out_len, sizeof(out) - out_len);
		if (n > 0)
			out_len += (size_t)n;
		if (n == 0 || out_len == sizeof(out) || (n < 0 && errno != EAGAIN))
			eof = true;
	}
	close(sv[1]);
	/* Let the daemon see the close and clean up the connection. */
	for (int i = 0; i < 4; i++)
		event_base_loop(d->base, EVLOOP_NONBLOCK);
	if (out_len < sizeof(out))
		check_replies(out, out_len);
	daemon_stop(d);

	/* Whatever the calls did, they left a consistent file system. */
	{
		struct fam_dev dev;

		if (fam_dev_open(&dev, dev_path, FAM_DEV_RDONLY))
			abort();
		if (fam_fsck(&dev, &f) != 0 || f.errors) {
			fprintf(stderr, "fsck after the calls: %u errors\n", f.errors);
			abort();
		}
		fam_dev_close(&dev);
	}
	return 0;
}
