// SPDX-License-Identifier: Apache-2.0
/*
 * RPC library: calls over socketpairs, UNIX listeners and mutual TLS on
 * loopback; deadlines on both sides, bad frames, streams, authorization,
 * many clients. Server and clients share one event loop in this process; raw
 * sockets stand in for misbehaving peers.
 */
#include "testutil.h"
#include "rpc.h"
#include "rpc_arena.h"
#include "famfs.pb-c.h"

#include <event2/event.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>

#define ADMIN_GID	4242

static struct event_base *base;
static struct event *tick;
static struct fam_rpc *srv, *cli;
static char tmpdir[64];

static int nlog;
static char logbuf[4096];

static struct fam_rpc_call *held[128];
static int nheld;
static int null_calls;
static char last_peer[128];
static bool last_peer_unix, last_peer_admin;

static void test_log(void *arg, int level, const char *msg)
{
	size_t l = strlen(logbuf);

	nlog++;
	if (getenv("FAMFS_RPC_VERBOSE"))
		fprintf(stderr, "log %d: %s\n", level, msg);
	snprintf(logbuf + l, sizeof(logbuf) - l, "%s\n", msg);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
}

/* Run the loop until *flag or ms pass. */
static bool spin_until(const bool *flag, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;

	while (!(flag && *flag) && now_ms() < end)
		event_base_loop(base, EVLOOP_ONCE);
	return flag && *flag;
}

static void spin(int ms)
{
	spin_until(NULL, ms);
}

/* ---- handlers ---- */

static void h_null(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	const struct fam_rpc_peer *p = fam_rpc_call_peer(call);

	null_calls++;
	snprintf(last_peer, sizeof(last_peer), "%s", p->name);
	last_peer_unix = p->is_unix;
	last_peer_admin = p->admin;
	ck_assert_int_eq(fam_rpc_stream_send(call, "x", 1), -EINVAL);
	ck_assert_int_eq(fam_rpc_reply(call, FAM_RPC_OK, NULL, NULL, 0), 0);
}

static void h_echo(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	fam_rpc_reply(call, FAM_RPC_OK, NULL, req, len);
}

static void h_hold(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	ck_assert_int_lt(nheld, 128);
	held[nheld++] = call;
}

static void h_sleep(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	usleep(100 * 1000);
	fam_rpc_reply(call, FAM_RPC_OK, NULL, NULL, 0);
}

static void h_stream(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	char item[16];

	for (int i = 0; i < 3; i++) {
		snprintf(item, sizeof(item), "item%d", i);
		ck_assert_int_eq(fam_rpc_stream_send(call, item, strlen(item)), 0);
	}
	fam_rpc_reply(call, FAM_RPC_OK, "done", NULL, 0);
}

static void h_fail(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	fam_rpc_reply(call, fam_rpc_status_from_errno(-ENOENT), "no such file: /x", NULL, 0);
}

static void h_long_msg(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	char msg[301];

	memset(msg, 'm', 300);
	msg[300] = 0;
	fam_rpc_reply(call, FAM_RPC_NOT_FOUND, msg, NULL, 0);
}

static struct fam_rpc *new_server(unsigned int max_conns)
{
	struct fam_rpc_opts o = { .admin_gid = ADMIN_GID, .admin_gid_set = true,
				  .log = test_log, .max_conns = max_conns };
	struct fam_rpc *r = fam_rpc_new(base, &o);

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(fam_rpc_register(r, "t.Null", 0, h_null, NULL), 0);
	ck_assert_int_eq(fam_rpc_register(r, "t.Null", 0, h_null, NULL), -EEXIST);
	ck_assert_int_eq(fam_rpc_register(r, "t.Echo", 0, h_echo, NULL), 0);
	ck_assert_int_eq(fam_rpc_register(r, "t.Hold", 0, h_hold, NULL), 0);
	ck_assert_int_eq(fam_rpc_register(r, "t.Sleep", 0, h_sleep, NULL), 0);
	ck_assert_int_eq(fam_rpc_register(r, "t.Stream", FAM_RPC_STREAM, h_stream, NULL), 0);
	ck_assert_int_eq(fam_rpc_register(r, "t.Mutate", FAM_RPC_MUTATES, h_null, NULL), 0);
	ck_assert_int_eq(fam_rpc_register(r, "t.Fail", 0, h_fail, NULL), 0);
	return r;
}

static void setup(void)
{
	struct timeval tv = { 0, 5000 };
	struct fam_rpc_opts co = { .log = test_log };

	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	tick = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	event_add(tick, &tv);
	srv = new_server(0);
	cli = fam_rpc_new(base, &co);
	nheld = 0;
	null_calls = 0;
	nlog = 0;
	logbuf[0] = 0;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/famfs-rpc-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	chmod(tmpdir, 0755);
}

static void teardown(void)
{
	char cmd[128];

	fam_rpc_free(cli);
	fam_rpc_free(srv);
	event_free(tick);
	event_base_free(base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

/* A served socketpair: the client end as a connection of cli. */
static struct fam_rpc_conn *pair_conn(struct fam_rpc *server)
{
	struct fam_rpc_conn *c;
	int sv[2], err = 0;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(fam_rpc_serve_fd(server, sv[0]), 0);
	c = fam_rpc_connect_fd(cli, sv[1], &err);
	ck_assert_msg(c, "connect_fd: %d", err);
	return c;
}

/* A served socketpair with a raw client end. */
static int pair_raw(void)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(fam_rpc_serve_fd(srv, sv[0]), 0);
	return sv[1];
}

struct result {
	bool done;
	int ndone;
	int status;
	char msg[256];
	uint8_t payload[64];
	size_t len;
	int items;
	char item[4][16];
};

static void done_cb(int status, const char *msg, const uint8_t *payload, size_t len, void *arg)
{
	struct result *res = arg;

	res->done = true;
	res->ndone++;
	res->status = status;
	snprintf(res->msg, sizeof(res->msg), "%s", msg ? msg : "");
	res->len = len < sizeof(res->payload) ? len : sizeof(res->payload);
	if (len)
		memcpy(res->payload, payload, res->len);
}

static void item_cb(const uint8_t *payload, size_t len, void *arg)
{
	struct result *res = arg;

	if (res->items < 4)
		snprintf(res->item[res->items], sizeof(res->item[0]), "%.*s", (int)len,
			 (const char *)payload);
	res->items++;
}

static int sync_call(struct fam_rpc_conn *c, const char *method, char **msg)
{
	uint8_t *reply = NULL;
	size_t len = 0;
	int st = fam_rpc_call_sync(c, method, NULL, 0, 5000, &reply, &len, msg);

	free(reply);
	return st;
}

static void expect_null_ok(struct fam_rpc_conn *c)
{
	char *msg = NULL;
	int st = sync_call(c, "t.Null", &msg);

	ck_assert_msg(st == FAM_RPC_OK, "t.Null: %s %s", fam_rpc_status_name(st), msg ? msg : "");
	free(msg);
}

/* ---- raw peers ---- */

static void raw_write(int fd, const void *buf, size_t len)
{
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
}

static void raw_send(int fd, uint64_t id, const char *method, uint32_t deadline_ms)
{
	struct fam_rpc_msg m = { .call_id = id, .method = (char *)method,
				 .deadline_ms = deadline_ms };
	uint8_t *buf;
	ssize_t n = fam_rpc_frame_encode(&m, &buf);

	ck_assert_int_gt(n, 0);
	raw_write(fd, buf, (size_t)n);
	free(buf);
}

struct rawbuf {
	uint8_t b[4096];
	size_t n;
};

/* 1: a frame in m; 0: EOF; -1: nothing within ms. Runs the loop meanwhile. */
static int raw_recv(int fd, struct rawbuf *rb, struct fam_rpc_msg *m, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;

	for (;;) {
		int ret = fam_rpc_frame_decode(rb->b, rb->n, 0, m);
		ssize_t got;

		ck_assert_int_ge(ret, 0);
		if (ret > 0) {
			memmove(rb->b, rb->b + ret, rb->n - (size_t)ret);
			rb->n -= (size_t)ret;
			return 1;
		}
		got = recv(fd, rb->b + rb->n, sizeof(rb->b) - rb->n, MSG_DONTWAIT);
		if (got == 0)
			return 0;
		if (got > 0) {
			rb->n += (size_t)got;
			continue;
		}
		if (errno == ECONNRESET)
			return 0;
		ck_assert_int_eq(errno, EAGAIN);
		if (now_ms() >= end)
			return -1;
		event_base_loop(base, EVLOOP_ONCE);
	}
}

static void expect_closed(int fd)
{
	struct rawbuf rb = { .n = 0 };
	struct fam_rpc_msg m;
	int ret = raw_recv(fd, &rb, &m, 3000);

	if (ret == 1)
		fam_rpc_msg_clear(&m);
	ck_assert_msg(ret == 0, "server did not close the connection (%d)", ret);
}

/* ---- tests ---- */

START_TEST(test_frame_codec)
{
	struct fam_rpc_msg m = { .call_id = 1ull << 40, .method = "famfs.Mkdir",
				 .deadline_ms = 1234, .status = 5, .status_message = "why",
				 .payload = (uint8_t *)"abc", .payload_len = 3, .flags = 1 }, d;
	uint8_t *buf, bad[12] = { 0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	ssize_t n = fam_rpc_frame_encode(&m, &buf);

	ck_assert_int_gt(n, 4);
	for (ssize_t i = 0; i < n; i++)
		ck_assert_int_eq(fam_rpc_frame_decode(buf, (size_t)i, 0, &d), 0);
	ck_assert_int_eq(fam_rpc_frame_decode(buf, (size_t)n, 0, &d), n);
	ck_assert_uint_eq(d.call_id, m.call_id);
	ck_assert_str_eq(d.method, "famfs.Mkdir");
	ck_assert_uint_eq(d.deadline_ms, 1234);
	ck_assert_int_eq(d.status, 5);
	ck_assert_str_eq(d.status_message, "why");
	ck_assert_uint_eq(d.payload_len, 3);
	ck_assert_int_eq(memcmp(d.payload, "abc", 3), 0);
	ck_assert_uint_eq(d.flags, 1);
	fam_rpc_msg_clear(&d);
	ck_assert_int_eq(fam_rpc_frame_decode(buf, (size_t)n, (uint32_t)n - 5, &d), -EMSGSIZE);
	free(buf);
	ck_assert_int_eq(fam_rpc_frame_decode(bad, sizeof(bad), 0, &d), -EBADMSG);
	bad[0] = 0x7f;
	ck_assert_int_eq(fam_rpc_frame_decode(bad, 4, 0, &d), -EMSGSIZE);
	/* An empty message is a valid (empty) envelope. */
	memset(&m, 0, sizeof(m));
	n = fam_rpc_frame_encode(&m, &buf);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(fam_rpc_frame_decode(buf, 4, 0, &d), 4);
	ck_assert_str_eq(d.method, "");
	ck_assert_ptr_null(d.payload);
	fam_rpc_msg_clear(&d);
	free(buf);
}
END_TEST

/*
 * The frame codec over protobuf-c (lib/rpc_frame.c): the Envelope's wire
 * bytes as the protocol has them (fields in number order, zero and empty
 * ones left out, a negative status in 10 bytes), every kind of field value
 * read back as protobuf-c's own unpack (malloc) reads it, our frames
 * unpacked without a block from malloc beyond the arena, and malformed
 * bodies refused: truncated fields, over-long varints, field 0, known
 * fields of the wrong wire type, groups; unknown fields skipped.
 */
START_TEST(test_frame_wire)
{
	static uint8_t big[300];
	struct fam_rpc_msg ms[] = {
		{ 0 },
		{ .call_id = 1, .method = "famfs.Create", .deadline_ms = 60000 },
		{ .call_id = UINT64_MAX, .deadline_ms = UINT32_MAX, .status = -1,
		  .status_message = "negative", .flags = 7 },
		{ .call_id = 127, .status = INT32_MIN, .payload = (uint8_t *)"x", .payload_len = 1 },
		{ .call_id = 128, .status = INT32_MAX, .status_message = "", .method = "",
		  .payload = big, .payload_len = sizeof(big), .flags = 1u << 31 },
		{ .call_id = UINT64_MAX, .method = "m", .deadline_ms = UINT32_MAX, .status = INT32_MIN,
		  .status_message = "s", .payload = (uint8_t *)"p", .payload_len = 1,
		  .flags = UINT32_MAX },
	};
	/* The bodies of ms[1] and ms[3], byte for byte. */
	static const uint8_t wire1[] = { 0x08, 0x01, 0x12, 12, 'f', 'a', 'm', 'f', 's', '.',
					 'C', 'r', 'e', 'a', 't', 'e', 0x18, 0xe0, 0xd4, 0x03 };
	static const uint8_t wire3[] = { 0x08, 0x7f, 0x20, 0x80, 0x80, 0x80, 0x80, 0xf8, 0xff,
					 0xff, 0xff, 0xff, 0x01, 0x32, 0x01, 'x' };
	/* Bodies refused: truncated varint, 11-byte varint, field 0, a known
	 * field with the wrong wire type (two), a group, a length past the
	 * end, a truncated unknown fixed32 and fixed64. */
	static const uint8_t bad[][16] = {
		{ 2, 0x08, 0x80 },
		{ 12, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 },
		{ 2, 0x00, 0x01 },
		{ 2, 0x0a, 0x00 },
		{ 2, 0x10, 0x01 },
		{ 1, 0x0b },
		{ 3, 0x12, 0x05, 'a' },
		{ 3, 0x45, 0x01, 0x02 },
		{ 5, 0x49, 1, 2, 3, 4 },
	};
	/* Unknown fields of every wire type are skipped. */
	static const uint8_t unknown[] = { 0x40, 0x01, 0x49, 1, 2, 3, 4, 5, 6, 7, 8,
					   0x52, 0x01, 'x', 0x5d, 1, 2, 3, 4, 0x08, 0x07 };
	uint8_t frame[64];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		Famfs__Envelope *back;
		struct fam_rpc_msg *m = &ms[i], d;
		uint8_t *ours, packed[512];
		ssize_t n = fam_rpc_frame_encode(m, &ours);

		ck_assert_int_ge(n, 4);
		ck_assert_int_eq(fam_rpc_frame_size(m), n);
		/* The bound holds the frame, and packing into it writes the same bytes. */
		ck_assert_int_ge(fam_rpc_frame_bound(m), n);
		memset(packed, 0xa5, sizeof(packed));
		ck_assert_uint_eq(fam_rpc_frame_pack(m, packed), (size_t)n);
		ck_assert_int_eq(memcmp(packed, ours, (size_t)n), 0);
		ck_assert_uint_eq((uint32_t)ours[0] << 24 | ours[1] << 16 | ours[2] << 8 | ours[3],
				  (uint32_t)n - 4);
		if (i == 0)
			ck_assert_int_eq(n, 4);
		if (i == 1) {
			ck_assert_int_eq(n, 4 + (ssize_t)sizeof(wire1));
			ck_assert_int_eq(memcmp(ours + 4, wire1, sizeof(wire1)), 0);
		}
		if (i == 5)	/* every number at its longest: the bound is over by the 3 lengths' slack */
			ck_assert_int_eq(fam_rpc_frame_bound(m), n + 3 * 4);
		if (i == 3) {
			ck_assert_int_eq(n, 4 + (ssize_t)sizeof(wire3));
			ck_assert_int_eq(memcmp(ours + 4, wire3, sizeof(wire3)), 0);
		}
		back = famfs__envelope__unpack(NULL, (size_t)n - 4, ours + 4);
		ck_assert_ptr_nonnull(back);
		ck_assert_int_eq(fam_rpc_frame_decode(ours, (size_t)n, 0, &d), n);
		ck_assert_uint_eq(d.call_id, m->call_id);
		ck_assert_uint_eq(back->call_id, m->call_id);
		ck_assert_str_eq(d.method, m->method ? m->method : "");
		ck_assert_str_eq(back->method, d.method);
		ck_assert_str_eq(d.status_message, m->status_message ? m->status_message : "");
		ck_assert_str_eq(back->status_message, d.status_message);
		ck_assert_int_eq(d.status, m->status);
		ck_assert_int_eq(back->status, m->status);
		ck_assert_uint_eq(d.deadline_ms, m->deadline_ms);
		ck_assert_uint_eq(back->deadline_ms, m->deadline_ms);
		ck_assert_uint_eq(d.flags, m->flags);
		ck_assert_uint_eq(back->flags, m->flags);
		ck_assert_uint_eq(d.payload_len, m->payload_len);
		ck_assert_uint_eq(back->payload.len, m->payload_len);
		if (m->payload_len)
			ck_assert_int_eq(memcmp(d.payload, m->payload, m->payload_len), 0);
		else
			ck_assert_ptr_null(d.payload);
		/* All of it in the arena: nothing taken from malloc for our frames. */
		ck_assert_uint_eq(((struct fam_rpc_arena *)d.block)->spilled, 0);
		famfs__envelope__free_unpacked(back, NULL);
		fam_rpc_msg_clear(&d);
		ck_assert_ptr_null(d.block);
		free(ours);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fam_rpc_msg d;

		memset(frame, 0, 4);
		frame[3] = bad[i][0];
		memcpy(frame + 4, bad[i] + 1, bad[i][0]);
		ck_assert_int_eq(fam_rpc_frame_decode(frame, 4u + bad[i][0], 0, &d), -EBADMSG);
		ck_assert_ptr_null(d.block);
	}
	{
		struct fam_rpc_msg d;

		memset(frame, 0, 4);
		frame[3] = sizeof(unknown);
		memcpy(frame + 4, unknown, sizeof(unknown));
		ck_assert_int_eq(fam_rpc_frame_decode(frame, 4 + sizeof(unknown), 0, &d),
				 4 + (int)sizeof(unknown));
		ck_assert_uint_eq(d.call_id, 7);
		ck_assert_str_eq(d.method, "");
		ck_assert_ptr_null(d.payload);
		fam_rpc_msg_clear(&d);
	}
}
END_TEST

/*
 * The arena protobuf-c unpacks into (lib/rpc_arena.c): aligned blocks from
 * the arena while they fit, then from malloc, counted, freed when
 * protobuf-c frees them and with the arena otherwise (LSan checks that
 * nothing is left). Frames that make protobuf-c allocate more than the
 * frame's own bytes (a field sent many times, many unknown fields, more
 * than 16 fields) decode alike, and a large payload does not spill.
 */
START_TEST(test_frame_arena)
{
	const size_t al = alignof(max_align_t);
	struct fam_rpc_arena *a = fam_rpc_arena_new(4 * al);
	uint8_t *p1, *p2, *p3, *p4, *frame;
	struct fam_rpc_msg d, m = { 0 };
	size_t n = 0;
	ssize_t len;

	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(fam_rpc_arena_round(0), al);
	ck_assert_uint_eq(fam_rpc_arena_round(al + 1), 2 * al);
	p1 = a->pc.alloc(a, 2 * al + 1);		/* 3 alignments of the arena */
	ck_assert_ptr_eq(p1, a->mem);
	ck_assert_uint_eq(a->used, 3 * al);
	p2 = a->pc.alloc(a, 2 * al);			/* does not fit: malloc */
	ck_assert_uint_eq(a->spilled, 1);
	ck_assert_uint_eq(a->spilled_bytes, 2 * al);
	p3 = a->pc.alloc(a, 1);				/* the last alignment */
	ck_assert_ptr_eq(p3, a->mem + 3 * al);
	ck_assert_uint_eq(a->used, 4 * al);
	p4 = a->pc.alloc(a, 0);				/* full: malloc */
	ck_assert_uint_eq(a->spilled, 2);
	ck_assert_ptr_nonnull(p2);
	ck_assert_ptr_nonnull(p4);
	ck_assert_uint_eq((uintptr_t)p2 % al, 0);
	ck_assert_uint_eq((uintptr_t)p4 % al, 0);
	memset(p1, 1, 2 * al + 1);
	memset(p2, 2, 2 * al);
	memset(p3, 3, 1);
	a->pc.free(a, p1);				/* in the arena: nothing */
	a->pc.free(a, NULL);
	ck_assert_uint_eq(a->used, 4 * al);
	ck_assert_uint_eq(a->spilled, 2);
	a->pc.free(a, p2);
	ck_assert_uint_eq(a->spilled, 1);
	ck_assert_uint_eq(a->spilled_bytes, 0);
	ck_assert_uint_eq(p3[0], 3);
	fam_rpc_arena_free(a);				/* and p4 with it */
	fam_rpc_arena_free(NULL);
	{
		/* In the caller's buffer (famfsd's h_create): the same, fini frees the spills. */
		alignas(max_align_t) unsigned char buf[sizeof(struct fam_rpc_arena) + 2 * al];
		struct fam_rpc_arena *b = fam_rpc_arena_init(buf, sizeof(buf));
		Famfs__CreateRequest cr = FAMFS__CREATE_REQUEST__INIT, *u;
		char path[300];
		uint8_t packed[512];
		size_t plen;

		ck_assert_ptr_eq(b, (void *)buf);
		ck_assert_uint_eq(b->cap, 2 * al);
		ck_assert_ptr_eq(b->pc.alloc(b, al), b->mem);
		ck_assert_uint_eq(b->spilled, 0);
		memset(path, 'p', sizeof(path) - 1);
		path[0] = '/';
		path[sizeof(path) - 1] = 0;
		cr.path = path;
		plen = famfs__create_request__pack(&cr, packed);
		u = famfs__create_request__unpack(&b->pc, plen, packed);	/* spills */
		ck_assert_ptr_nonnull(u);
		ck_assert_str_eq(u->path, path);
		ck_assert_uint_ge(b->spilled, 1);
		famfs__create_request__free_unpacked(u, &b->pc);
		ck_assert_uint_eq(b->spilled, 0);
		ck_assert_ptr_nonnull(b->pc.alloc(b, 3 * al));	/* spilled, left to fini */
		ck_assert_uint_eq(b->spilled, 1);
		fam_rpc_arena_fini(b);
		ck_assert_uint_eq(b->spilled, 0);
	}

	/* method 30 times (the last one kept), then 20 unknown fields, then call_id. */
	frame = calloc(1, 4096);
	ck_assert_ptr_nonnull(frame);
	n = 4;
	for (int i = 0; i < 30; i++) {
		frame[n++] = 0x12;
		frame[n++] = 2;
		frame[n++] = 'a';
		frame[n++] = (uint8_t)('a' + i);
	}
	for (int i = 0; i < 20; i++) {
		frame[n++] = 0x52;
		frame[n++] = 3;
		frame[n++] = 'u';
		frame[n++] = 'n';
		frame[n++] = 'k';
	}
	frame[n++] = 0x08;
	frame[n++] = 42;
	frame[3] = (uint8_t)(n - 4);
	frame[2] = (uint8_t)((n - 4) >> 8);
	ck_assert_int_eq(fam_rpc_frame_decode(frame, n, 0, &d), (int)n);
	ck_assert_str_eq(d.method, "a~");
	ck_assert_uint_eq(d.call_id, 42);
	/* The unknown fields' table and copies, and the method if it did not fit, are live. */
	ck_assert_uint_ge(((struct fam_rpc_arena *)d.block)->spilled, 1);
	fam_rpc_msg_clear(&d);
	ck_assert_ptr_null(d.block);
	free(frame);

	/* A 1 MiB payload and a 4 KiB status message: all in the arena. */
	m.call_id = 9;
	m.status_message = calloc(1, 4097);
	m.payload = malloc(1u << 20);
	ck_assert_ptr_nonnull(m.status_message);
	ck_assert_ptr_nonnull(m.payload);
	memset(m.status_message, 's', 4096);
	for (size_t i = 0; i < 1u << 20; i++)
		m.payload[i] = (uint8_t)(i * 13);
	m.payload_len = 1u << 20;
	len = fam_rpc_frame_encode(&m, &frame);
	ck_assert_int_gt(len, 1 << 20);
	ck_assert_int_eq(fam_rpc_frame_decode(frame, (size_t)len, 0, &d), len);
	ck_assert_uint_eq(((struct fam_rpc_arena *)d.block)->spilled, 0);
	ck_assert_uint_eq(d.payload_len, 1u << 20);
	ck_assert_int_eq(memcmp(d.payload, m.payload, 1u << 20), 0);
	ck_assert_str_eq(d.status_message, m.status_message);
	fam_rpc_msg_clear(&d);
	free(frame);
	free(m.payload);
	free(m.status_message);
}
END_TEST

/*
 * Frames are packed into a reserved bound of their size (fam_rpc_frame_bound,
 * 52 bytes over the strings and payload); near the frame limit the exact
 * size decides: a reply that fits is sent although its bound does not, one
 * that does not fit becomes RESOURCE_EXHAUSTED.
 */
START_TEST(test_send_limit)
{
	struct fam_rpc_opts o = { .max_frame = 256, .log = test_log };
	struct fam_rpc *r = fam_rpc_new(base, &o);
	struct fam_rpc_conn *c;
	uint8_t big[230], *reply = NULL;
	struct fam_rpc_msg m = { .call_id = 1, .flags = 1, .payload = big,
				 .payload_len = sizeof(big) };
	size_t len = 0;
	char *msg = NULL;

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(fam_rpc_register(r, "t.Echo", 0, h_echo, NULL), 0);
	ck_assert_int_eq(fam_rpc_register(r, "t.Long", 0, h_long_msg, NULL), 0);
	/* The echo's reply: 237 bytes after the length, its bound 282. */
	ck_assert_int_le(fam_rpc_frame_size(&m) - 4, 256);
	ck_assert_int_gt(fam_rpc_frame_bound(&m) - 4, 256);
	c = pair_conn(r);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 31);
	ck_assert_int_eq(fam_rpc_call_sync(c, "t.Echo", big, sizeof(big), 2000, &reply, &len,
					   &msg), FAM_RPC_OK);
	ck_assert_uint_eq(len, sizeof(big));
	ck_assert_int_eq(memcmp(reply, big, sizeof(big)), 0);
	free(reply);
	ck_assert_ptr_null(msg);
	ck_assert_int_eq(fam_rpc_call_sync(c, "t.Long", NULL, 0, 2000, NULL, NULL, &msg),
			 FAM_RPC_RESOURCE_EXHAUSTED);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "exceeds the frame limit"));
	free(msg);
	fam_rpc_conn_close(c);
	fam_rpc_free(r);
}
END_TEST

START_TEST(test_null_call)
{
	struct fam_rpc_conn *c = pair_conn(srv);
	uint8_t *reply = NULL;
	size_t len = 0;
	char *msg = NULL;

	expect_null_ok(c);
	ck_assert_int_eq(null_calls, 1);
	ck_assert(last_peer_unix);
	ck_assert_int_eq(last_peer_admin, getuid() == 0);
	ck_assert_int_eq(fam_rpc_call_sync(c, "t.Echo", "hello", 5, 1000, &reply, &len, &msg),
			 FAM_RPC_OK);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(memcmp(reply, "hello", 5), 0);
	ck_assert_ptr_null(msg);
	free(reply);
	ck_assert_int_eq(fam_rpc_call_sync(c, "t.Fail", NULL, 0, 1000, NULL, NULL, &msg),
			 FAM_RPC_NOT_FOUND);
	ck_assert_str_eq(msg, "no such file: /x");
	free(msg);
	ck_assert_int_eq(fam_rpc_call(c, "", NULL, 0, 0, done_cb, NULL, NULL), -EINVAL);
	fam_rpc_conn_close(c);
}
END_TEST

START_TEST(test_many_in_flight)
{
	struct fam_rpc_conn *c = pair_conn(srv);
	struct result res[64];
	uint64_t seed = 7;

	memset(res, 0, sizeof(res));
	for (int i = 0; i < 64; i++) {
		uint8_t p = (uint8_t)i;

		ck_assert_int_eq(fam_rpc_call(c, "t.Hold", &p, 1, 0, done_cb, NULL, &res[i]), 0);
	}
	for (int i = 0; i < 200 && nheld < 64; i++)
		spin(5);
	ck_assert_int_eq(nheld, 64);
	/* Reply in a shuffled order, each with its own payload: async replies. */
	for (int i = 63; i > 0; i--) {
		int j = (int)tu_rand_below(&seed, (uint64_t)i + 1);
		struct fam_rpc_call *t = held[i];

		held[i] = held[j];
		held[j] = t;
	}
	for (int i = 0; i < 64; i++) {
		uint8_t p[2] = { 0xAA, 0 };

		ck_assert_uint_eq(fam_rpc_call_remaining_ms(held[i]), UINT32_MAX);
		ck_assert_str_eq(fam_rpc_call_method(held[i]), "t.Hold");
		ck_assert(fam_rpc_call_peer(held[i])->is_unix);
		ck_assert_int_eq(fam_rpc_call_peer(held[i])->uid, getuid());
		p[1] = (uint8_t)i;
		ck_assert_int_eq(fam_rpc_reply(held[i], FAM_RPC_OK, NULL, p, 2), 0);
		if (i % 8 == 0)
			spin(1);
	}
	nheld = 0;
	for (int i = 0; i < 64; i++) {
		spin_until(&res[i].done, 2000);
		ck_assert_int_eq(res[i].ndone, 1);
		ck_assert_int_eq(res[i].status, FAM_RPC_OK);
		ck_assert_uint_eq(res[i].len, 2);
		ck_assert_uint_eq(res[i].payload[0], 0xAA);
	}
	/* Each reply went to its own caller: the held order maps back. */
	{
		bool seen[64] = { false };

		for (int i = 0; i < 64; i++)
			seen[res[i].payload[1]] = true;
		for (int i = 0; i < 64; i++)
			ck_assert(seen[i]);
	}
	fam_rpc_conn_close(c);
}
END_TEST

START_TEST(test_out_of_order_ids)
{
	/* The replies' order on the wire differs from the calls': each done gets its own. */
	struct fam_rpc_conn *c = pair_conn(srv);
	struct result a = { 0 }, b = { 0 };

	ck_assert_int_eq(fam_rpc_call(c, "t.Hold", "A", 1, 0, done_cb, NULL, &a), 0);
	ck_assert_int_eq(fam_rpc_call(c, "t.Hold", "B", 1, 0, done_cb, NULL, &b), 0);
	for (int i = 0; i < 100 && nheld < 2; i++)
		spin(5);
	ck_assert_int_eq(nheld, 2);
	fam_rpc_reply(held[1], FAM_RPC_ALREADY_EXISTS, "second", NULL, 0);
	spin_until(&b.done, 1000);
	ck_assert(!a.done);
	ck_assert_int_eq(b.status, FAM_RPC_ALREADY_EXISTS);
	ck_assert_str_eq(b.msg, "second");
	fam_rpc_reply(held[0], FAM_RPC_OK, "first", "x", 1);
	spin_until(&a.done, 1000);
	ck_assert_str_eq(a.msg, "first");
	nheld = 0;
	fam_rpc_conn_close(c);
}
END_TEST

START_TEST(test_unimplemented)
{
	struct fam_rpc_conn *c = pair_conn(srv);
	char *msg = NULL;

	ck_assert_int_eq(sync_call(c, "t.Nope", &msg), FAM_RPC_UNIMPLEMENTED);
	ck_assert_msg(strstr(msg, "t.Nope"), "message: %s", msg);
	free(msg);
	expect_null_ok(c);
	fam_rpc_conn_close(c);
}
END_TEST

START_TEST(test_reply_counts)
{
	struct fam_rpc_conn *c = pair_conn(srv);
	char *msg = NULL;

	for (int s = 0; s < FAM_RPC_STATUS_COUNT; s++)
		ck_assert_uint_eq(fam_rpc_replies(srv, s), 0);
	expect_null_ok(c);
	expect_null_ok(c);
	ck_assert_int_eq(sync_call(c, "t.Fail", &msg), FAM_RPC_NOT_FOUND);
	free(msg);
	ck_assert_int_eq(sync_call(c, "t.Nope", &msg), FAM_RPC_UNIMPLEMENTED);
	free(msg);
	ck_assert_uint_eq(fam_rpc_replies(srv, FAM_RPC_OK), 2);
	ck_assert_uint_eq(fam_rpc_replies(srv, FAM_RPC_NOT_FOUND), 1);
	ck_assert_uint_eq(fam_rpc_replies(srv, FAM_RPC_UNIMPLEMENTED), 1);
	ck_assert_uint_eq(fam_rpc_replies(srv, FAM_RPC_INTERNAL), 0);
	ck_assert_uint_eq(fam_rpc_replies(srv, -1), 0);
	ck_assert_uint_eq(fam_rpc_replies(srv, FAM_RPC_STATUS_COUNT), 0);
	/* The client side sent no replies. */
	ck_assert_uint_eq(fam_rpc_replies(cli, FAM_RPC_OK), 0);
	fam_rpc_conn_close(c);
}
END_TEST

START_TEST(test_deadline_client)
{
	struct fam_rpc_conn *c = pair_conn(srv);
	struct result res = { 0 };
	uint64_t t0 = now_ms();

	ck_assert_int_eq(fam_rpc_call(c, "t.Hold", NULL, 0, 50, done_cb, NULL, &res), 0);
	spin_until(&res.done, 2000);
	ck_assert_int_eq(res.status, FAM_RPC_DEADLINE_EXCEEDED);
	ck_assert_uint_ge(now_ms() - t0, 45);
	ck_assert_int_eq(nheld, 1);
	ck_assert_uint_le(fam_rpc_call_remaining_ms(held[0]), 50);
	/* The late reply is dropped: done ran once. */
	spin(60);
	fam_rpc_reply(held[0], FAM_RPC_OK, NULL, NULL, 0);
	nheld = 0;
	spin(50);
	ck_assert_int_eq(res.ndone, 1);
	expect_null_ok(c);
	fam_rpc_conn_close(c);
}
END_TEST

/* A reply frame for call id (status OK), written to a raw peer's end. */
static void raw_reply(int fd, uint64_t id)
{
	struct fam_rpc_msg m = { .call_id = id, .flags = 1 /* REPLY */ };
	uint8_t *buf;
	ssize_t n = fam_rpc_frame_encode(&m, &buf);

	ck_assert_int_gt(n, 0);
	raw_write(fd, buf, (size_t)n);
	free(buf);
}

/*
 * The client's deadlines, with a peer that never answers by itself (a raw
 * socket: no server deadline): one timer per connection serves them. Calls
 * sent in the order 2000, 100 and 600 ms (the second earlier than the timer
 * already armed) each end at or after their own deadline, the two shorter
 * ones before the longest one's (the timer was armed again for them), in
 * deadline order; a call without one is not touched, one answered in time
 * gets its answer, and late answers are dropped. (Margins of seconds: a
 * loaded host may stall the test for a while.)
 */
START_TEST(test_deadline_client_many)
{
	static const uint32_t ms[] = { 2000, 100, 600 };
	struct result res[3] = { 0 }, none = { 0 }, ok = { 0 };
	uint64_t t0, at[3] = { 0 };
	struct fam_rpc_conn *c;
	int sv[2], err = 0;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	c = fam_rpc_connect_fd(cli, sv[1], &err);
	ck_assert_msg(c, "connect_fd: %d", err);
	t0 = now_ms();
	for (int i = 0; i < 3; i++)	/* call ids 1, 2, 3 */
		ck_assert_int_eq(fam_rpc_call(c, "t.Hold", NULL, 0, ms[i], done_cb, NULL, &res[i]),
				 0);
	ck_assert_int_eq(fam_rpc_call(c, "t.Hold", NULL, 0, 0, done_cb, NULL, &none), 0);	/* 4 */
	ck_assert_int_eq(fam_rpc_call(c, "t.Hold", NULL, 0, 100, done_cb, NULL, &ok), 0);	/* 5 */
	raw_reply(sv[0], 5);
	while (now_ms() - t0 < 10000 && !(res[0].done && res[1].done && res[2].done)) {
		event_base_loop(base, EVLOOP_ONCE);
		for (int i = 0; i < 3; i++)
			if (res[i].done && !at[i])
				at[i] = now_ms() - t0;
	}
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(res[i].status, FAM_RPC_DEADLINE_EXCEEDED);
		ck_assert_uint_ge(at[i], ms[i] - 5);	/* libevent's clock: a few ms early */
	}
	ck_assert_uint_lt(at[1], ms[0] - 5);
	ck_assert_uint_lt(at[2], ms[0] - 5);
	ck_assert_uint_le(at[1], at[2]);
	ck_assert_uint_le(at[2], at[0]);
	ck_assert(ok.done);
	ck_assert_int_eq(ok.status, FAM_RPC_OK);
	ck_assert(!none.done);
	for (uint64_t id = 1; id <= 4; id++)
		raw_reply(sv[0], id);
	spin_until(&none.done, 2000);
	ck_assert_int_eq(none.status, FAM_RPC_OK);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(res[i].ndone, 1);	/* the late replies were dropped */
	fam_rpc_conn_close(c);
	close(sv[0]);
}
END_TEST

START_TEST(test_deadline_server)
{
	int fd = pair_raw();
	struct rawbuf rb = { .n = 0 };
	struct fam_rpc_msg m;
	uint8_t *f1, *f2, both[256];
	struct fam_rpc_msg q1 = { .call_id = 1, .method = "t.Sleep" };
	struct fam_rpc_msg q2 = { .call_id = 2, .method = "t.Null", .deadline_ms = 20 };
	ssize_t n1, n2;

	/* The handler does not answer within the deadline: the server says so itself. */
	raw_send(fd, 7, "t.Hold", 30);
	ck_assert_int_eq(raw_recv(fd, &rb, &m, 2000), 1);
	ck_assert_uint_eq(m.call_id, 7);
	ck_assert_int_eq(m.status, FAM_RPC_DEADLINE_EXCEEDED);
	ck_assert_uint_eq(m.flags & 1, 1);
	fam_rpc_msg_clear(&m);
	ck_assert_int_eq(nheld, 1);
	ck_assert_uint_eq(fam_rpc_call_remaining_ms(held[0]), 0);
	ck_assert_int_eq(fam_rpc_reply(held[0], FAM_RPC_OK, NULL, NULL, 0), -ETIMEDOUT);
	nheld = 0;
	ck_assert_int_eq(raw_recv(fd, &rb, &m, 100), -1);	/* that reply was dropped */

	/* Queued behind a slow call, a request's deadline expires before it starts. */
	n1 = fam_rpc_frame_encode(&q1, &f1);
	n2 = fam_rpc_frame_encode(&q2, &f2);
	memcpy(both, f1, (size_t)n1);
	memcpy(both + n1, f2, (size_t)n2);
	raw_write(fd, both, (size_t)(n1 + n2));
	free(f1);
	free(f2);
	ck_assert_int_eq(raw_recv(fd, &rb, &m, 2000), 1);
	ck_assert_uint_eq(m.call_id, 1);
	ck_assert_int_eq(m.status, FAM_RPC_OK);
	fam_rpc_msg_clear(&m);
	ck_assert_int_eq(raw_recv(fd, &rb, &m, 2000), 1);
	ck_assert_uint_eq(m.call_id, 2);
	ck_assert_int_eq(m.status, FAM_RPC_DEADLINE_EXCEEDED);
	fam_rpc_msg_clear(&m);
	ck_assert_int_eq(null_calls, 0);
	close(fd);
}
END_TEST

/*
 * The server's deadlines for calls still open after their handler: one
 * timer per connection. Held calls with deadlines of 2000, 100 and 600 ms
 * (the second earlier than the timer already armed) each get
 * DEADLINE_EXCEEDED at or after their own deadline, the shorter two before
 * the longest one's, in deadline order; a call without a deadline and one
 * answered in time are not touched; the handler's late replies are
 * dropped. (Margins of seconds for a loaded host.)
 */
START_TEST(test_deadline_server_many)
{
	static const uint32_t ms[] = { 2000, 100, 600 };
	int fd = pair_raw();
	struct rawbuf rb = { .n = 0 };
	struct fam_rpc_msg m;
	uint64_t t0 = now_ms(), at[4] = { 0 };
	int got = 0;

	for (int i = 0; i < 3; i++)	/* call ids 1, 2, 3 */
		raw_send(fd, (uint64_t)i + 1, "t.Hold", ms[i]);
	raw_send(fd, 4, "t.Hold", 0);
	raw_send(fd, 5, "t.Hold", 100);
	while (nheld < 5 && now_ms() - t0 < 5000)
		event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(nheld, 5);
	ck_assert_int_eq(fam_rpc_reply(held[4], FAM_RPC_OK, NULL, NULL, 0), 0);	/* id 5 in time */
	ck_assert_int_eq(raw_recv(fd, &rb, &m, 2000), 1);
	ck_assert_uint_eq(m.call_id, 5);
	ck_assert_int_eq(m.status, FAM_RPC_OK);
	fam_rpc_msg_clear(&m);
	while (got < 3 && raw_recv(fd, &rb, &m, 10000) == 1) {
		ck_assert_uint_ge(m.call_id, 1);
		ck_assert_uint_le(m.call_id, 3);
		ck_assert_int_eq(m.status, FAM_RPC_DEADLINE_EXCEEDED);
		ck_assert_uint_eq(at[m.call_id], 0);	/* once each */
		at[m.call_id] = now_ms() - t0;
		fam_rpc_msg_clear(&m);
		got++;
	}
	ck_assert_int_eq(got, 3);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_ge(at[i + 1], ms[i] - 5);	/* libevent's clock: a few ms early */
	ck_assert_uint_lt(at[2], ms[0] - 5);
	ck_assert_uint_lt(at[3], ms[0] - 5);
	ck_assert_uint_le(at[2], at[3]);
	ck_assert_uint_le(at[3], at[1]);
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(fam_rpc_call_remaining_ms(held[i]), 0);
		ck_assert_int_eq(fam_rpc_reply(held[i], FAM_RPC_OK, NULL, NULL, 0), -ETIMEDOUT);
	}
	ck_assert_uint_eq(fam_rpc_call_remaining_ms(held[3]), UINT32_MAX);
	ck_assert_int_eq(fam_rpc_reply(held[3], FAM_RPC_OK, NULL, NULL, 0), 0);
	nheld = 0;
	ck_assert_int_eq(raw_recv(fd, &rb, &m, 2000), 1);	/* only id 4's answer follows */
	ck_assert_uint_eq(m.call_id, 4);
	ck_assert_int_eq(m.status, FAM_RPC_OK);
	fam_rpc_msg_clear(&m);
	ck_assert_int_eq(raw_recv(fd, &rb, &m, 100), -1);
	close(fd);
}
END_TEST

START_TEST(test_bad_frames)
{
	struct fam_rpc_conn *good = pair_conn(srv);
	uint8_t trunc[14] = { 0, 0, 0, 100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	uint8_t big[4] = { 0x01, 0x00, 0x00, 0x01 };	/* 16 MiB + 1 */
	uint8_t garbage[12] = { 0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	int fd, before;

	expect_null_ok(good);

	/* The peer closes in the middle of a frame. */
	before = nlog;
	fd = pair_raw();
	raw_write(fd, trunc, sizeof(trunc));
	close(fd);
	for (int i = 0; i < 100 && nlog == before; i++)
		spin(5);
	ck_assert_msg(strstr(logbuf, "middle of a frame"), "log: %s", logbuf);
	expect_null_ok(good);

	/* Oversized. */
	fd = pair_raw();
	raw_write(fd, big, sizeof(big));
	expect_closed(fd);
	close(fd);
	ck_assert_msg(strstr(logbuf, "exceeds the limit"), "log: %s", logbuf);
	expect_null_ok(good);

	/* Garbage that protobuf rejects. */
	fd = pair_raw();
	raw_write(fd, garbage, sizeof(garbage));
	expect_closed(fd);
	close(fd);
	ck_assert_msg(strstr(logbuf, "malformed frame"), "log: %s", logbuf);
	expect_null_ok(good);

	/* Text on the socket (an HTTP client, say). */
	fd = pair_raw();
	raw_write(fd, "GET / HTTP/1.0\r\n\r\n", 18);
	expect_closed(fd);
	close(fd);

	/* A well-formed envelope that is neither a request nor a reply. */
	fd = pair_raw();
	raw_send(fd, 1, "", 0);
	expect_closed(fd);
	close(fd);
	ck_assert_msg(strstr(logbuf, "without a method"), "log: %s", logbuf);

	expect_null_ok(good);
	fam_rpc_conn_close(good);
}
END_TEST

START_TEST(test_status_mapping)
{
	static const struct { int err, status; } map[] = {
		{ 0, FAM_RPC_OK },
		{ -ENOENT, FAM_RPC_NOT_FOUND },
		{ -EEXIST, FAM_RPC_ALREADY_EXISTS },
		{ -EACCES, FAM_RPC_PERMISSION_DENIED },
		{ -EPERM, FAM_RPC_PERMISSION_DENIED },
		{ -ENOSPC, FAM_RPC_RESOURCE_EXHAUSTED },
		{ -ENAMETOOLONG, FAM_RPC_INVALID_ARGUMENT },
		{ -EINVAL, FAM_RPC_INVALID_ARGUMENT },
		{ -ENOTEMPTY, FAM_RPC_FAILED_PRECONDITION },
		{ -ENOTDIR, FAM_RPC_FAILED_PRECONDITION },
		{ -EISDIR, FAM_RPC_FAILED_PRECONDITION },
		{ -EBUSY, FAM_RPC_FAILED_PRECONDITION },
		{ -EROFS, FAM_RPC_FAILED_PRECONDITION },
		{ -ETIMEDOUT, FAM_RPC_DEADLINE_EXCEEDED },
		{ -ECONNREFUSED, FAM_RPC_UNAVAILABLE },
		{ -ENOTCONN, FAM_RPC_UNAVAILABLE },
		{ -EIO, FAM_RPC_INTERNAL },
		{ -EXDEV, FAM_RPC_INTERNAL },
		{ ENOENT, FAM_RPC_NOT_FOUND },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		ck_assert_msg(fam_rpc_status_from_errno(map[i].err) == map[i].status,
			      "errno %d -> %s", map[i].err,
			      fam_rpc_status_name(fam_rpc_status_from_errno(map[i].err)));
	ck_assert_int_eq(fam_rpc_errno_from_status(FAM_RPC_OK), 0);
	ck_assert_int_eq(fam_rpc_errno_from_status(FAM_RPC_NOT_FOUND), -ENOENT);
	ck_assert_int_eq(fam_rpc_errno_from_status(FAM_RPC_ALREADY_EXISTS), -EEXIST);
	ck_assert_int_eq(fam_rpc_errno_from_status(FAM_RPC_PERMISSION_DENIED), -EACCES);
	ck_assert_int_eq(fam_rpc_errno_from_status(FAM_RPC_RESOURCE_EXHAUSTED), -ENOSPC);
	ck_assert_int_eq(fam_rpc_errno_from_status(FAM_RPC_INVALID_ARGUMENT), -EINVAL);
	ck_assert_int_eq(fam_rpc_errno_from_status(FAM_RPC_DEADLINE_EXCEEDED), -ETIMEDOUT);
	ck_assert_int_eq(fam_rpc_errno_from_status(FAM_RPC_INTERNAL), -EIO);
	ck_assert_int_eq(fam_rpc_errno_from_status(12345), -EIO);
	/* Every status maps to an errno that maps back to it (INTERNAL & co. to INTERNAL). */
	for (int s = 0; s <= FAM_RPC_UNAUTHENTICATED; s++) {
		int back = fam_rpc_status_from_errno(fam_rpc_errno_from_status(s));

		ck_assert_str_ne(fam_rpc_status_name(s), "INVALID_STATUS");
		if (s != FAM_RPC_UNKNOWN && s != FAM_RPC_DATA_LOSS && s != FAM_RPC_UNAUTHENTICATED)
			ck_assert_msg(back == s, "%s -> %s", fam_rpc_status_name(s),
				      fam_rpc_status_name(back));
	}
	ck_assert_str_eq(fam_rpc_status_name(FAM_RPC_PERMISSION_DENIED), "PERMISSION_DENIED");
	ck_assert_str_eq(fam_rpc_status_name(-1), "INVALID_STATUS");
	ck_assert_str_eq(fam_rpc_status_name(17), "INVALID_STATUS");
}
END_TEST

START_TEST(test_stream)
{
	struct fam_rpc_conn *c = pair_conn(srv);
	struct result res = { 0 };

	ck_assert_int_eq(fam_rpc_call(c, "t.Stream", NULL, 0, 2000, done_cb, item_cb, &res), 0);
	spin_until(&res.done, 2000);
	ck_assert_int_eq(res.status, FAM_RPC_OK);
	ck_assert_str_eq(res.msg, "done");
	ck_assert_int_eq(res.items, 3);
	ck_assert_str_eq(res.item[0], "item0");
	ck_assert_str_eq(res.item[1], "item1");
	ck_assert_str_eq(res.item[2], "item2");
	fam_rpc_conn_close(c);
}
END_TEST

START_TEST(test_close_with_calls_pending)
{
	struct fam_rpc_conn *c = pair_conn(srv);
	struct result res = { 0 };
	char *msg = NULL;

	ck_assert_int_eq(fam_rpc_call(c, "t.Hold", NULL, 0, 0, done_cb, NULL, &res), 0);
	for (int i = 0; i < 100 && !nheld; i++)
		spin(5);
	ck_assert_int_eq(nheld, 1);
	fam_rpc_conn_close(c);
	ck_assert_int_eq(res.ndone, 1);
	ck_assert_int_eq(res.status, FAM_RPC_CANCELLED);
	spin(50);	/* the server sees the EOF; the held call is orphaned */
	ck_assert_int_eq(fam_rpc_reply(held[0], FAM_RPC_OK, NULL, NULL, 0), -ENOTCONN);
	nheld = 0;

	/* The server goes away: pending calls fail with UNAVAILABLE, later ones at once. */
	c = pair_conn(srv);
	memset(&res, 0, sizeof(res));
	ck_assert_int_eq(fam_rpc_call(c, "t.Hold", NULL, 0, 0, done_cb, NULL, &res), 0);
	for (int i = 0; i < 100 && !nheld; i++)
		spin(5);
	fam_rpc_free(srv);
	srv = new_server(0);
	spin_until(&res.done, 2000);
	ck_assert_int_eq(res.status, FAM_RPC_UNAVAILABLE);
	ck_assert_int_eq(fam_rpc_call(c, "t.Null", NULL, 0, 0, done_cb, NULL, &res), -ENOTCONN);
	ck_assert_int_eq(sync_call(c, "t.Null", &msg), FAM_RPC_UNAVAILABLE);
	free(msg);
	nheld = 0;
	fam_rpc_conn_close(c);
}
END_TEST

START_TEST(test_permission_self)
{
	struct fam_rpc_conn *c = pair_conn(srv);
	char *msg = NULL;
	int st = sync_call(c, "t.Mutate", &msg);

	if (getuid() == 0)
		ck_assert_msg(st == FAM_RPC_OK, "%s %s", fam_rpc_status_name(st), msg);
	else
		ck_assert_int_eq(st, FAM_RPC_PERMISSION_DENIED);
	free(msg);
	fam_rpc_conn_close(c);
}
END_TEST

/* In a child as nobody (optionally in the admin group): exit 0 when the calls went as expected. */
static int child_calls(const char *path, bool in_admin_group)
{
	struct event_base *b;
	struct fam_rpc *r;
	struct fam_rpc_conn *c;
	gid_t g = ADMIN_GID;
	char *msg = NULL;
	int err = 0, st;

	if (setgroups(in_admin_group ? 1 : 0, &g) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
		return 10;
	b = event_base_new();
	r = fam_rpc_new(b, NULL);
	c = fam_rpc_connect_unix(r, path, &err);
	if (!c)
		return 11;
	if (fam_rpc_call_sync(c, "t.Null", NULL, 0, 5000, NULL, NULL, NULL) != FAM_RPC_OK)
		return 12;
	st = fam_rpc_call_sync(c, "t.Mutate", NULL, 0, 5000, NULL, NULL, &msg);
	if (in_admin_group)
		return st == FAM_RPC_OK ? 0 : 13;
	if (st != FAM_RPC_PERMISSION_DENIED)
		return 14;
	if (!msg || !strstr(msg, "t.Mutate") || !strstr(msg, "4242") || !strstr(msg, "uid 65534"))
		return 15;
	fprintf(stderr, "   non-admin peer told: %s\n", msg);
	return 0;
}

static int run_child(const char *path, bool in_admin_group)
{
	uint64_t end = now_ms() + 10000;
	pid_t pid = fork();
	int status = -1;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(child_calls(path, in_admin_group));
	while (now_ms() < end) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
		spin(5);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 101;
}

START_TEST(test_permission_denied_nobody)
{
	char path[128];
	struct fam_rpc_conn *c;
	int err = 0;

	snprintf(path, sizeof(path), "%s/famfsd.sock", tmpdir);
	ck_assert_int_eq(fam_rpc_listen_unix(srv, path), 0);
	ck_assert_int_eq(fam_rpc_listen_unix(srv, path), -EADDRINUSE);
	c = fam_rpc_connect_unix(cli, path, &err);
	ck_assert_msg(c, "connect: %d", err);
	expect_null_ok(c);
	fam_rpc_conn_close(c);
	if (getuid() != 0) {
		fprintf(stderr, "   not root: setuid(nobody) part skipped\n");
		return;
	}
	ck_assert_int_eq(run_child(path, false), 0);
	ck_assert_int_eq(run_child(path, true), 0);
}
END_TEST

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n++;
	closedir(d);
	return n;
}

START_TEST(test_thousand_clients)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct fam_rpc_conn *c;
	int fds[100], err = 0, before;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/famfsd.sock", tmpdir);
	ck_assert_int_eq(fam_rpc_listen_unix(srv, sun.sun_path), 0);
	before = count_fds();
	for (int round = 0; round < 10; round++) {
		for (int i = 0; i < 100; i++) {
			fds[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
			ck_assert_int_ge(fds[i], 0);
			while (connect(fds[i], (struct sockaddr *)&sun, sizeof(sun)) < 0) {
				ck_assert_int_eq(errno, EAGAIN);	/* backlog full */
				spin(1);
			}
			if (i % 3 == 1)
				raw_write(fds[i], "\0\0\0", 3);		/* half a header */
			else if (i % 3 == 2)
				raw_send(fds[i], (uint64_t)i, "t.Null", 1000);
		}
		spin(5);
		for (int i = 0; i < 100; i++)
			close(fds[i]);
	}
	for (int i = 0; i < 100 && count_fds() > before; i++)
		spin(10);
	ck_assert_int_eq(count_fds(), before);
	c = fam_rpc_connect_unix(cli, sun.sun_path, &err);
	ck_assert_msg(c, "connect: %d", err);
	expect_null_ok(c);
	fam_rpc_conn_close(c);
}
END_TEST

START_TEST(test_max_conns)
{
	struct fam_rpc *small = new_server(2);
	struct fam_rpc_conn *c;
	char path[128];
	int err = 0;
	struct fam_rpc_conn *a, *b;

	snprintf(path, sizeof(path), "%s/small.sock", tmpdir);
	ck_assert_int_eq(fam_rpc_listen_unix(small, path), 0);
	a = fam_rpc_connect_unix(cli, path, &err);
	b = fam_rpc_connect_unix(cli, path, &err);
	ck_assert(a && b);
	expect_null_ok(a);
	expect_null_ok(b);
	c = fam_rpc_connect_unix(cli, path, &err);
	ck_assert_ptr_nonnull(c);	/* accepted by the kernel, closed by the server */
	ck_assert_int_eq(sync_call(c, "t.Null", NULL), FAM_RPC_UNAVAILABLE);
	ck_assert_msg(strstr(logbuf, "connections already"), "log: %s", logbuf);
	fam_rpc_conn_close(c);
	fam_rpc_conn_close(a);
	spin(20);
	c = fam_rpc_connect_unix(cli, path, &err);
	expect_null_ok(c);
	fam_rpc_conn_close(c);
	fam_rpc_conn_close(b);
	fam_rpc_free(small);
}
END_TEST

/* ---- TLS ---- */

static SSL_CTX *ctx_from(const char *dir, const char *host, const char *cadir, bool server)
{
	char cert[256], key[256], ca[256], err[256] = "";
	SSL_CTX *ctx;

	snprintf(cert, sizeof(cert), "%s/%s.crt", dir, host);
	snprintf(key, sizeof(key), "%s/%s.key", dir, host);
	snprintf(ca, sizeof(ca), "%s/ca.crt", cadir);
	ctx = fam_rpc_tls_ctx(host ? cert : NULL, host ? key : NULL, ca, server, err, sizeof(err));
	ck_assert_msg(ctx, "tls ctx: %s", err);
	return ctx;
}

static int tls_call(SSL_CTX *ctx, const char *addr, const char *method, char **msg)
{
	int err = 0, st;
	struct fam_rpc_conn *c = fam_rpc_connect_tls(cli, addr, ctx, &err);

	ck_assert_msg(c, "connect_tls: %d", err);
	st = fam_rpc_call_sync(c, method, NULL, 0, 5000, NULL, NULL, msg);
	fam_rpc_conn_close(c);
	return st;
}

/* A pipeline of calls over TLS: every one answered, none left waiting for more input. */
struct tls_pipe {
	struct fam_rpc_conn *c;
	int issued, done, failed, n;
	bool finished;
};

static void tls_pipe_done(int status, const char *msg, const uint8_t *payload, size_t len,
			  void *arg)
{
	struct tls_pipe *t = arg;

	(void)msg;
	(void)payload;
	(void)len;
	t->failed += status != FAM_RPC_OK;
	if (++t->done == t->n)
		t->finished = true;
	else if (t->issued < t->n && !fam_rpc_call(t->c, "t.Null", NULL, 0, 3000, tls_pipe_done,
						   NULL, t))
		t->issued++;
}

static void tls_pipeline(SSL_CTX *ctx, const char *addr)
{
	struct tls_pipe t = { .n = 4000 };
	int err = 0;

	t.c = fam_rpc_connect_tls(cli, addr, ctx, &err);
	ck_assert_msg(t.c, "connect_tls: %d", err);
	for (; t.issued < 64; t.issued++)
		ck_assert_int_eq(fam_rpc_call(t.c, "t.Null", NULL, 0, 3000, tls_pipe_done, NULL, &t),
				 0);
	spin_until(&t.finished, 20000);
	ck_assert_msg(t.finished && !t.failed, "%d of %d calls done, %d failed", t.done, t.n,
		      t.failed);
	fam_rpc_conn_close(t.c);
}

START_TEST(test_tls)
{
	char cmd[512], dir_a[128], dir_b[128], addr[64], err[128];
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	SSL_CTX *sctx, *good, *nocert, *rogue, *wrongca;
	char *msg = NULL;
	int lfd, st, before;

	snprintf(dir_a, sizeof(dir_a), "%s/a", tmpdir);
	snprintf(dir_b, sizeof(dir_b), "%s/b", tmpdir);
	snprintf(cmd, sizeof(cmd), "scripts/famfs-certs.sh %s node1 node2 >/dev/null && "
		 "scripts/famfs-certs.sh %s rogue >/dev/null", dir_a, dir_b);
	ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
	ck_assert_ptr_null(fam_rpc_tls_ctx("/nonexistent.crt", "/nonexistent.key", "/x", true,
					   err, sizeof(err)));
	ck_assert_msg(strstr(err, "/nonexistent.crt"), "err: %s", err);

	sctx = ctx_from(dir_a, "node1", dir_a, true);
	good = ctx_from(dir_a, "node2", dir_a, false);
	nocert = ctx_from(dir_a, NULL, dir_a, false);
	rogue = ctx_from(dir_b, "rogue", dir_a, false);	/* trusts our CA, signed by another */
	wrongca = ctx_from(dir_a, "node2", dir_b, false);	/* does not trust the server */

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(lfd, 128), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &sl), 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(sin.sin_port));
	ck_assert_int_eq(fam_rpc_listen_fd(srv, lfd, false, NULL), -EPROTONOSUPPORT);
	ck_assert_int_eq(fam_rpc_listen_fd(srv, lfd, true, sctx), 0);
	ck_assert_int_eq(fam_rpc_listen_tls(srv, "127.0.0.1:0", sctx), 0);
	ck_assert_int_eq(fam_rpc_listen_tls(srv, "nonsense", sctx), -EINVAL);
	ck_assert_int_eq(fam_rpc_listen_tls(srv, "127.0.0.1:0", NULL), -EINVAL);

	st = tls_call(good, addr, "t.Mutate", &msg);
	ck_assert_msg(st == FAM_RPC_OK, "good client: %s %s", fam_rpc_status_name(st), msg);
	ck_assert_str_eq(last_peer, "node2");
	ck_assert(!last_peer_unix);
	ck_assert(last_peer_admin);
	free(msg);
	tls_pipeline(good, addr);

	before = null_calls;
	st = tls_call(nocert, addr, "t.Null", &msg);
	ck_assert_msg(st == FAM_RPC_UNAVAILABLE, "no cert: %s %s", fam_rpc_status_name(st), msg);
	free(msg);
	spin(20);
	ck_assert_msg(strstr(logbuf, "TLS handshake failed"), "log: %s", logbuf);
	ck_assert_msg(strstr(logbuf, "certificate"), "log: %s", logbuf);

	logbuf[0] = 0;
	st = tls_call(rogue, addr, "t.Null", &msg);
	ck_assert_msg(st == FAM_RPC_UNAVAILABLE, "rogue: %s %s", fam_rpc_status_name(st), msg);
	free(msg);
	spin(20);
	ck_assert_msg(strstr(logbuf, "certificate verify failed"), "log: %s", logbuf);

	st = tls_call(wrongca, addr, "t.Null", &msg);
	ck_assert_msg(st == FAM_RPC_UNAVAILABLE, "wrong CA: %s %s", fam_rpc_status_name(st), msg);
	free(msg);
	ck_assert_int_eq(null_calls, before);

	/* Plain TCP clients that drop, or talk without TLS. */
	for (int i = 0; i < 100; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
		if (i % 2)
			raw_write(fd, "\0\0\0\4abcd", 8);
		close(fd);
		if (i % 10 == 0)
			spin(1);
	}
	spin(50);

	st = tls_call(good, addr, "t.Null", &msg);
	ck_assert_msg(st == FAM_RPC_OK, "good client again: %s %s", fam_rpc_status_name(st), msg);
	free(msg);
	SSL_CTX_free(sctx);
	SSL_CTX_free(good);
	SSL_CTX_free(nocert);
	SSL_CTX_free(rogue);
	SSL_CTX_free(wrongca);
}
END_TEST

/* The host id a certificate names: subjectAltName URI "famfs:host:N", one spelling per id. */
START_TEST(test_host_uri)
{
#define ID(s) fam_rpc_host_uri_id(s, strlen(s))
	ck_assert_int_eq(ID("famfs:host:0"), 0);
	ck_assert_int_eq(ID("famfs:host:2"), 2);
	ck_assert_int_eq(ID("famfs:host:255"), 255);
	ck_assert_int_eq(ID("famfs:host:256"), -1);
	ck_assert_int_eq(ID("famfs:host:02"), -1);
	ck_assert_int_eq(ID("famfs:host:"), -1);
	ck_assert_int_eq(ID("famfs:host:2x"), -1);
	ck_assert_int_eq(ID("famfs:host:-1"), -1);
	ck_assert_int_eq(ID("famfs:host:1000"), -1);
	ck_assert_int_eq(ID("famfs:hosts:2"), -1);
	ck_assert_int_eq(ID("https://famfs/host/2"), -1);
	/* Not NUL-terminated: only len bytes count (ASN.1 strings). */
	ck_assert_int_eq(fam_rpc_host_uri_id("famfs:host:12", 12), 1);
#undef ID
}
END_TEST

/* ---- group commit: replies held until the hook's commit ---- */

struct batch {
	bool pending;		/* the server has appended something not yet durable */
	int commits;
	int status;		/* what the next commit returns */
	size_t held_at_commit;
	int done_at_commit;	/* replies the client had when the commit ran */
	struct result *res;
	int n;
};

static int results_done(const struct batch *b)
{
	int k = 0;

	for (int i = 0; i < b->n; i++)
		k += b->res[i].done;
	return k;
}

static bool batch_pending(void *arg)
{
	return ((struct batch *)arg)->pending;
}

static int batch_commit(void *arg, char *msg, size_t len)
{
	struct batch *b = arg;

	b->commits++;
	b->held_at_commit += fam_rpc_held(srv);
	b->done_at_commit = results_done(b);
	b->pending = false;
	if (b->status != FAM_RPC_OK)
		snprintf(msg, len, "batch refused by the test's commit");
	return b->status;
}

static void batch_run(struct batch *b, int status)
{
	struct fam_rpc_conn *c = pair_conn(srv);

	memset(b->res, 0, (size_t)b->n * sizeof(*b->res));
	b->pending = true;
	b->commits = 0;
	b->held_at_commit = 0;
	b->status = status;
	for (int i = 0; i < b->n; i++)
		ck_assert_int_eq(fam_rpc_call(c, "t.Null", NULL, 0, 0, done_cb, NULL, &b->res[i]), 0);
	for (int i = 0; i < b->n; i++)
		spin_until(&b->res[i].done, 2000);
	fam_rpc_conn_close(c);
}

START_TEST(test_commit_hook)
{
	struct result res[16];
	struct batch b = { .res = res, .n = 16 };

	ck_assert_int_eq(fam_rpc_set_commit_hook(srv, batch_pending, batch_commit, &b), 0);
	/* Held while pending: nothing reaches the client before the commit. */
	batch_run(&b, FAM_RPC_OK);
	ck_assert_int_eq(b.commits, 1);
	ck_assert_int_eq(b.done_at_commit, 0);
	ck_assert_uint_ge(b.held_at_commit, 1);
	ck_assert_int_eq(fam_rpc_held(srv), 0);
	for (int i = 0; i < 16; i++) {
		ck_assert_int_eq(res[i].ndone, 1);
		ck_assert_int_eq(res[i].status, FAM_RPC_OK);
	}
	/* A refused commit refuses every reply it held, with its message. */
	batch_run(&b, FAM_RPC_UNAVAILABLE);
	ck_assert_int_eq(b.commits, 1);
	ck_assert_int_eq(b.done_at_commit, 0);
	for (int i = 0; i < 16; i++) {
		ck_assert_int_eq(res[i].ndone, 1);
		ck_assert_int_eq(res[i].status, FAM_RPC_UNAVAILABLE);
		ck_assert_str_eq(res[i].msg, "batch refused by the test's commit");
	}
	/* Nothing pending: replies go out at once, no commit. */
	b.pending = false;
	expect_null_ok(pair_conn(srv));
	ck_assert_int_eq(b.commits, 1);
	ck_assert_int_eq(fam_rpc_set_commit_hook(srv, NULL, NULL, NULL), 0);
}
END_TEST

/* Echo replies held by the commit hook, of sizes around the held entries' reuse size. */
struct echo_check {
	size_t len;
	uint8_t seed;
	bool done, ok;
};

static void echo_check_cb(int status, const char *msg, const uint8_t *payload, size_t len,
			  void *arg)
{
	struct echo_check *e = arg;

	e->done = true;
	e->ok = status == FAM_RPC_OK && len == e->len;
	for (size_t k = 0; e->ok && k < len; k++)
		e->ok = payload[k] == (uint8_t)(e->seed + k * 7);
}

START_TEST(test_commit_hook_payloads)
{
	static const size_t sizes[] = { 0, 10, 255, 256, 257, 3000, 40 };
	enum { N = 40 };
	struct result unused[1];
	struct batch b = { .res = unused, .n = 0 };
	struct echo_check ec[N];
	uint8_t buf[3000];

	ck_assert_int_eq(fam_rpc_set_commit_hook(srv, batch_pending, batch_commit, &b), 0);
	for (int round = 0; round < 4; round++) {
		struct fam_rpc_conn *c = pair_conn(srv);

		b.pending = true;
		b.status = FAM_RPC_OK;
		for (int i = 0; i < N; i++) {
			ec[i] = (struct echo_check){ .len = sizes[(i + round) % 7],
						     .seed = (uint8_t)(i * 13 + round) };
			for (size_t k = 0; k < ec[i].len; k++)
				buf[k] = (uint8_t)(ec[i].seed + k * 7);
			ck_assert_int_eq(fam_rpc_call(c, "t.Echo", buf, ec[i].len, 0, echo_check_cb,
						      NULL, &ec[i]), 0);
		}
		for (int i = 0; i < N; i++) {
			spin_until(&ec[i].done, 2000);
			ck_assert_msg(ec[i].ok, "round %d call %d: %zu bytes not echoed intact", round,
				      i, ec[i].len);
		}
		fam_rpc_conn_close(c);
	}
	ck_assert_int_eq(fam_rpc_held(srv), 0);
	ck_assert_int_eq(fam_rpc_set_commit_hook(srv, NULL, NULL, NULL), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rpc");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_frame_codec);
	tcase_add_test(tc, test_frame_wire);
	tcase_add_test(tc, test_frame_arena);
	tcase_add_test(tc, test_send_limit);
	tcase_add_test(tc, test_null_call);
	tcase_add_test(tc, test_many_in_flight);
	tcase_add_test(tc, test_out_of_order_ids);
	tcase_add_test(tc, test_unimplemented);
	tcase_add_test(tc, test_deadline_client);
	tcase_add_test(tc, test_deadline_client_many);
	tcase_add_test(tc, test_deadline_server);
	tcase_add_test(tc, test_deadline_server_many);
	tcase_add_test(tc, test_bad_frames);
	tcase_add_test(tc, test_status_mapping);
	tcase_add_test(tc, test_stream);
	tcase_add_test(tc, test_close_with_calls_pending);
	tcase_add_test(tc, test_permission_self);
	tcase_add_test(tc, test_permission_denied_nobody);
	tcase_add_test(tc, test_thousand_clients);
	tcase_add_test(tc, test_max_conns);
	tcase_add_test(tc, test_tls);
	tcase_add_test(tc, test_reply_counts);
	tcase_add_test(tc, test_host_uri);
	tcase_add_test(tc, test_commit_hook);
	tcase_add_test(tc, test_commit_hook_payloads);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
