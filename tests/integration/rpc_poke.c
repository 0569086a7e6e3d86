// SPDX-License-Identifier: Apache-2.0
/*
 * Test helper: speak (or abuse) the famfsd wire protocol directly.
 *
 *   rpc_poke SOCKET unknown-method    call "famfs.NoSuchMethod"; print the status name
 *   rpc_poke SOCKET expired           call famfs.Status with a 1 ms deadline after sleeping;
 *                                     prints DEADLINE_EXCEEDED or OK
 *   rpc_poke SOCKET garbage           send 64 random bytes; print "closed" if the daemon hangs up
 *   rpc_poke SOCKET truncated         send half a valid frame and close
 *   rpc_poke SOCKET oversized         announce a 1 GiB frame; print "closed" if hung up on
 *   rpc_poke SOCKET flood N           N clients connect (all at once, up to 1000) and drop
 *   rpc_poke SOCKET raw METHOD        call METHOD with an empty payload; print the status name
 *   rpc_poke SOCKET badpayload METHOD call METHOD with a payload protobuf cannot decode (a
 *                                     600-byte field 1, then a truncated field 2); print the
 *                                     status name
 */
#include "rpc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int dial(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("connect");
		exit(3);
	}
	return fd;
}

static void send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		p += w;
		len -= (size_t)w;
	}
}

/* Wait up to 5 s for the peer to close; 1 if it did. */
static int closed_by_peer(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[4096];

	for (int i = 0; i < 50; i++) {
		if (poll(&p, 1, 100) > 0) {
			ssize_t r = recv(fd, buf, sizeof(buf), 0);

			if (r <= 0)
				return 1;
		}
	}
	return 0;
}

/* Send one request frame and read the reply's status. */
static int call(int fd, const char *method, uint32_t deadline_ms, unsigned int delay_ms,
		const uint8_t *payload, size_t plen)
{
	struct fam_rpc_msg m = { .call_id = 7, .method = (char *)method, .deadline_ms = deadline_ms,
				 .payload = (uint8_t *)payload, .payload_len = plen };
	struct fam_rpc_msg r;
	uint8_t *frame, buf[65536];
	size_t have = 0;
	ssize_t len = fam_rpc_frame_encode(&m, &frame);

	if (len < 0)
		return -1;
	if (delay_ms) {
		/* Send the header first, the rest after the deadline passed. */
		send_all(fd, frame, 4);
		usleep(delay_ms * 1000);
		send_all(fd, frame + 4, (size_t)len - 4);
	} else {
		send_all(fd, frame, (size_t)len);
	}
	free(frame);
	for (;;) {
		ssize_t n = recv(fd, buf + have, sizeof(buf) - have, 0);
		int k;

		if (n <= 0)
			return -2;
		have += (size_t)n;
		k = fam_rpc_frame_decode(buf, have, 1 << 20, &r);
		if (k > 0) {
			int st = r.status;

			fam_rpc_msg_clear(&r);
			return st;
		}
		if (k < 0)
			return -3;
	}
}

int main(int argc, char **argv)
{
	int fd, st;

	if (argc < 3) {
		fprintf(stderr, "usage: rpc_poke SOCKET MODE [ARG]\n");
		return 2;
	}
	if (!strcmp(argv[2], "flood")) {
		int n = argc > 3 ? atoi(argv[3]) : 1000, *fds;

		if (n < 1 || n > 1000)
			n = 1000;
		fds = calloc((size_t)n, sizeof(int));
		for (int i = 0; i < n; i++)
			fds[i] = dial(argv[1]);
		for (int i = 0; i < n; i++)
			close(fds[i]);
		free(fds);
		printf("flooded %d\n", n);
		return 0;
	}
	fd = dial(argv[1]);
	if (!strcmp(argv[2], "unknown-method") || !strcmp(argv[2], "raw")) {
		st = call(fd, argc > 3 ? argv[3] : "famfs.NoSuchMethod", 5000, 0, NULL, 0);
		printf("%s\n", st >= 0 ? fam_rpc_status_name(st) : "no-reply");
	} else if (!strcmp(argv[2], "expired")) {
		st = call(fd, "famfs.Status", 1, 200, NULL, 0);
		printf("%s\n", st >= 0 ? fam_rpc_status_name(st) : "no-reply");
	} else if (!strcmp(argv[2], "badpayload") && argc > 3) {
		uint8_t p[3 + 600 + 2];

		p[0] = 0x0a;			/* field 1, length-delimited: 600 bytes */
		p[1] = 0xd8;
		p[2] = 0x04;
		memset(p + 3, 'a', 600);
		p[603] = 0x12;			/* field 2: 127 bytes announced, none there */
		p[604] = 0x7f;
		st = call(fd, argv[3], 5000, 0, p, sizeof(p));
		printf("%s\n", st >= 0 ? fam_rpc_status_name(st) : "no-reply");
	} else if (!strcmp(argv[2], "garbage")) {
		uint8_t junk[64];

		srand((unsigned int)time(NULL));
		junk[0] = 0; junk[1] = 0; junk[2] = 0; junk[3] = 60;	/* a plausible length */
		for (size_t i = 4; i < sizeof(junk); i++)
			junk[i] = (uint8_t)(0xff - i);
		send_all(fd, junk, sizeof(junk));
		printf("%s\n", closed_by_peer(fd) ? "closed" : "open");
	} else if (!strcmp(argv[2], "truncated")) {
		struct fam_rpc_msg m = { .call_id = 1, .method = "famfs.Status", .deadline_ms = 1000 };
		uint8_t *frame;
		ssize_t len = fam_rpc_frame_encode(&m, &frame);

		send_all(fd, frame, (size_t)len / 2);
		free(frame);
		printf("sent %zd of %zd bytes\n", len / 2, len);
	} else if (!strcmp(argv[2], "oversized")) {
		uint8_t hdr[4] = { 0x40, 0, 0, 0 };	/* 1 GiB */

		send_all(fd, hdr, sizeof(hdr));
		printf("%s\n", closed_by_peer(fd) ? "closed" : "open");
	} else {
		fprintf(stderr, "rpc_poke: unknown mode %s\n", argv[2]);
		return 2;
	}
	close(fd);
	return 0;
}
