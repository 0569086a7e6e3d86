// SPDX-License-Identifier: Apache-2.0
/*
 * bench-rpc: calls through a running famfsd, each next to a raw ping-pong
 * over the same transport without RPC framing, measured in the same run.
 *
 *   bench_rpc SOCKET [TLS_ADDR CERT KEY CA]
 *
 * Raw baselines: a forked echo server on a UNIX socket (and on TLS 1.3
 * over loopback) answers fixed 64-byte messages; one at a time, and 64 in
 * flight. Prints rates and ratios; asserts nothing.
 */
#include "rpc.h"
#include "famfs.pb-c.h"

#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MSG 64
#define WINDOW 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- raw baselines ---- */

struct io {
	int fd;
	SSL *ssl;
};

static int io_read(struct io *io, void *buf, int len)
{
	int got = 0;

	while (got < len) {
		int r = io->ssl ? SSL_read(io->ssl, (char *)buf + got, len - got)
				: (int)read(io->fd, (char *)buf + got, (size_t)(len - got));

		if (r <= 0)
			return -1;
		got += r;
	}
	return 0;
}

static int io_write(struct io *io, const void *buf, int len)
{
	int r = io->ssl ? SSL_write(io->ssl, buf, len) : (int)write(io->fd, buf, (size_t)len);

	return r == len ? 0 : -1;
}

static void echo_loop(struct io *io)
{
	char buf[MSG];

	while (!io_read(io, buf, MSG))
		if (io_write(io, buf, MSG))
			break;
}

static double raw_run(struct io *io, long n, int window)
{
	char buf[MSG * WINDOW] = { 0 };
	double t0 = now();

	for (long i = 0; i < n; i += window) {
		if (io_write(io, buf, MSG * window) || io_read(io, buf, MSG * window))
			return -1;
	}
	return n / (now() - t0);
}

static pid_t unix_echo(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	pid_t pid;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	unlink(path);
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 4))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct io io = { .fd = accept(l, NULL, NULL) };

		echo_loop(&io);
		_exit(0);
	}
	close(l);
	return pid;
}

static int unix_dial(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	return connect(fd, (struct sockaddr *)&a, sizeof(a)) ? -1 : fd;
}

static SSL_CTX *raw_ctx(bool server, const char *cert, const char *key, const char *ca)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
		return NULL;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	return ctx;
}

static double raw_tls(const char *cert, const char *key, const char *ca, int window, long n)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	SSL_CTX *sctx = raw_ctx(true, cert, key, ca), *cctx = raw_ctx(false, cert, key, ca);
	struct io io = { 0 };
	double rate;
	pid_t pid;

	if (!sctx || !cctx || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 4) ||
	    getsockname(l, (struct sockaddr *)&a, &alen))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct io s = { .fd = accept(l, NULL, NULL) };

		setsockopt(s.fd, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof(one));
		s.ssl = SSL_new(sctx);
		SSL_set_fd(s.ssl, s.fd);
		if (SSL_accept(s.ssl) == 1)
			echo_loop(&s);
		_exit(0);
	}
	close(l);
	io.fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(io.fd, IPPROTO_TCP, 1, &one, sizeof(one));
	if (connect(io.fd, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	io.ssl = SSL_new(cctx);
	SSL_set_fd(io.ssl, io.fd);
	if (SSL_connect(io.ssl) != 1)
		return -1;
	rate = raw_run(&io, n, window);
	SSL_free(io.ssl);
	close(io.fd);
	waitpid(pid, NULL, 0);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	return rate;
}

/* ---- RPC through famfsd ---- */

struct pipe_state {
	struct fam_rpc_conn *conn;
	struct event_base *base;
	const char *method;
	uint8_t *payload;
	size_t len;
	long issued, done, n;
	int errors;
	int (*make)(struct pipe_state *p, long i);
};

static void on_done(int status, const char *msg, const uint8_t *payload, size_t len, void *arg);

static void issue(struct pipe_state *p)
{
	if (p->make && p->make(p, p->issued))
		return;
	p->issued++;
	if (fam_rpc_call(p->conn, p->method, p->payload, p->len, 10000, on_done, NULL, p))
		p->errors++;
}

static void on_done(int status, const char *msg, const uint8_t *payload, size_t len, void *arg)
{
	struct pipe_state *p = arg;

	if (status != FAM_RPC_OK && p->errors++ < 3)
		fprintf(stderr, "bench_rpc: %s: %s\n", fam_rpc_status_name(status), msg ? msg : "");
	if (++p->done == p->n)
		event_base_loopbreak(p->base);
	else if (p->issued < p->n)
		issue(p);
}

static double rpc_run(struct pipe_state *p, long n, int window)
{
	double t0 = now();

	p->n = n;
	p->issued = p->done = 0;
	for (int i = 0; i < window && p->issued < n; i++)
		issue(p);
	event_base_dispatch(p->base);
	return p->errors ? -1 : n / (now() - t0);
}

static int make_create(struct pipe_state *p, long i)
{
	static char path[64];
	static long serial;	/* unique across runs: every create makes a new file */
	Famfs__CreateRequest m = FAMFS__CREATE_REQUEST__INIT;

	(void)i;
	snprintf(path, sizeof(path), "/bench-rpc/%d-%ld", getpid(), serial++);
	m.path = path;
	m.size = 0;
	m.mode = 0644;
	p->len = famfs__create_request__get_packed_size(&m);
	famfs__create_request__pack(&m, p->payload);
	return 0;
}

static void line(const char *what, double rate, double base)
{
	printf("%-46s %10.0f /s", what, rate);
	if (base > 0)
		printf("   ratio %.2f of raw (%.1f us vs %.1f us per round trip)", rate / base,
		       1e6 / rate, 1e6 / base);
	printf("\n");
}

int main(int argc, char **argv)
{
	long n1 = 20000, n64 = 200000, nc = 50000;
	struct event_base *base = event_base_new();
	struct fam_rpc_opts o = { 0 };
	struct fam_rpc *rpc = fam_rpc_new(base, &o);
	struct pipe_state p = { .base = base, .method = "famfs.Ping" };
	uint8_t payload[256] = { 0 };
	char path[] = "/tmp/famfs-bench-echo.sock";
	struct io io = { 0 };
	double raw1, raw64, r1, r64, c1, c64;
	pid_t pid;
	int err;

	if (argc != 2 && argc != 6) {
		fprintf(stderr, "usage: bench_rpc SOCKET [TLS_ADDR CERT KEY CA]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	/* UNIX: raw ping-pong, then null RPCs and creates through famfsd. */
	pid = unix_echo(path);
	io.fd = unix_dial(path);
	raw1 = raw_run(&io, n1, 1);
	raw64 = raw_run(&io, n64, WINDOW);
	close(io.fd);
	waitpid(pid, NULL, 0);
	unlink(path);

	p.conn = fam_rpc_connect_unix(rpc, argv[1], &err);
	if (!p.conn) {
		fprintf(stderr, "bench_rpc: cannot connect to %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	p.payload = payload;
	p.len = MSG - 20;	/* about the same bytes on the wire as the raw message */
	r1 = rpc_run(&p, n1, 1);
	r64 = rpc_run(&p, n64, WINDOW);
	{
		Famfs__MkdirRequest m = FAMFS__MKDIR_REQUEST__INIT;
		uint8_t buf[64];
		size_t len;

		m.path = "/bench-rpc";
		m.parents = true;
		len = famfs__mkdir_request__pack(&m, buf);
		fam_rpc_call_sync(p.conn, "famfs.Mkdir", buf, len, 5000, NULL, NULL, NULL);
	}
	p.method = "famfs.Create";
	p.make = make_create;
	c1 = rpc_run(&p, nc / 5, 1);
	c64 = rpc_run(&p, nc, WINDOW);
	printf("bench-rpc (UNIX socket %s)\n", argv[1]);
	line("raw ping-pong, 1 in flight", raw1, 0);
	line("raw ping-pong, 64 in flight", raw64, 0);
	line("null RPC (famfs.Ping), 1 in flight", r1, raw1);
	line("null RPC (famfs.Ping), 64 in flight", r64, raw64);
	line("creates (famfs.Create), 1 in flight", c1, raw1);
	line("creates (famfs.Create), 64 in flight", c64, raw64);
	printf("goals: 1-in-flight latency <= 1.3x raw; >= 200k null RPC/s at 64; >= 20k creates/s\n");
	fam_rpc_conn_close(p.conn);

	if (argc == 6) {
		SSL_CTX *ctx;
		char errbuf[256];

		raw1 = raw_tls(argv[3], argv[4], argv[5], 1, n1 / 2);
		raw64 = raw_tls(argv[3], argv[4], argv[5], WINDOW, n64 / 2);
		ctx = fam_rpc_tls_ctx(argv[3], argv[4], argv[5], false, errbuf, sizeof(errbuf));
		p.conn = ctx ? fam_rpc_connect_tls(rpc, argv[2], ctx, &err) : NULL;
		if (!p.conn) {
			fprintf(stderr, "bench_rpc: TLS to %s failed: %s\n", argv[2],
				ctx ? strerror(-err) : errbuf);
			return 1;
		}
		p.method = "famfs.Ping";
		p.make = NULL;
		p.len = MSG - 20;
		r1 = rpc_run(&p, n1 / 2, 1);
		r64 = rpc_run(&p, n64 / 2, WINDOW);
		printf("bench-rpc (mutual TLS 1.3 over TCP loopback %s)\n", argv[2]);
		line("raw TLS ping-pong, 1 in flight", raw1, 0);
		line("raw TLS ping-pong, 64 in flight", raw64, 0);
		line("null RPC over TLS, 1 in flight", r1, raw1);
		line("null RPC over TLS, 64 in flight", r64, raw64);
		fam_rpc_conn_close(p.conn);
		SSL_CTX_free(ctx);
	}
	fam_rpc_free(rpc);
	event_base_free(base);
	return 0;
}
