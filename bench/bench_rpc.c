// SPDX-License-Identifier: Apache-2.0
/*
 * bench-rpc: calls through a running famfsd, each next to a raw exchange of
 * messages over the same transport without RPC framing, measured in the same
 * run, interleaved in rounds of ABBA order (round 1: raw then famfsd, round
 * 2: famfsd then raw, ...); every rate is the median of the rounds, printed
 * with their min and max.
 *
 *   bench_rpc SOCKET [TLS_ADDR CERT KEY CA]
 *   bench_rpc --two-hop CERT KEY CA [FOLLOWER_SOCKET]
 *   FAMFS_BENCH_RPC_ROUNDS=3 (1-9)   FAMFS_BENCH_RPC_SCALE=1 (divides the
 *   message counts, for short runs)
 *
 * Raw baselines: a forked echo process on a UNIX socket (and on TLS 1.3
 * over loopback) sends back fixed 64-byte messages. It pipelines the way
 * famfsd's libevent loop does: one read (SSL_read) of whatever arrived, one
 * write (SSL_write: one TLS record) of the replies to every complete message
 * in it. The client keeps 1 or 64 messages in flight the same way: one read
 * of whatever replies arrived, one write of as many new messages. With 1 in
 * flight this is a ping-pong. Prints rates and ratios; asserts nothing.
 *
 * --two-hop: the baseline of a call a follower forwards to the master, two
 * raw hops (client -> UNIX -> relay process -> TLS -> echo, and back),
 * alone (bench-commit) or interleaved with creates through FOLLOWER_SOCKET
 * (bench-cluster); ends with "RESULT two_hop_1_per_s=R1 two_hop_64_per_s=R64".
 */
#include "rpc.h"
#include "famfs.pb-c.h"

#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
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
#define MAX_ROUNDS 9
#define IOBUF 16384

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Rates of one figure over the rounds. */
struct rates {
	double v[MAX_ROUNDS];
	int n;
};

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Percentile p of the rounds (0 min, 50 median, 100 max). */
static double q(struct rates *r, int p)
{
	int i = (r->n * p) / 100;

	if (!r->n)
		return 0;
	qsort(r->v, (size_t)r->n, sizeof(double), cmp);
	if (p == 50 && r->n % 2 == 0)
		return (r->v[i - 1] + r->v[i]) / 2;
	return r->v[i < r->n ? i : r->n - 1];
}

/* ---- raw baselines ---- */

struct io {
	int fd;
	SSL *ssl;
};

/* One read or SSL_read of what has arrived (up to len): bytes, or -EIO. */
static int io_read_some(struct io *io, void *buf, int len)
{
	int r = io->ssl ? SSL_read(io->ssl, buf, len) : (int)read(io->fd, buf, (size_t)len);

	return r > 0 ? r : -EIO;
}

/* One write or SSL_write of len bytes (a loop only if the kernel takes less). */
static int io_write(struct io *io, const void *buf, int len)
{
	while (len > 0) {
		int r = io->ssl ? SSL_write(io->ssl, buf, len) : (int)write(io->fd, buf, (size_t)len);

		if (r <= 0)
			return -EIO;
		buf = (const char *)buf + r;
		len -= r;
	}
	return 0;
}

/* The echo: per read, one write of the complete messages in it; the rest waits. */
static void echo_loop(struct io *io)
{
	char buf[IOBUF + MSG];
	int have = 0;

	for (;;) {
		int r = io_read_some(io, buf + have, IOBUF), whole;

		if (r < 0)
			break;
		have += r;
		whole = have - have % MSG;
		if (whole && io_write(io, buf, whole))
			break;
		memmove(buf, buf + whole, (size_t)(have - whole));
		have -= whole;
	}
}

/* n messages with window in flight; *rate in messages per second. */
static int raw_run(struct io *io, long n, int window, double *rate)
{
	static char out[MSG * WINDOW], in[IOBUF];
	long sent = window < n ? window : n, got = 0;
	double t0 = now();

	if (io_write(io, out, (int)sent * MSG))
		return -EIO;
	while (got < n * MSG) {
		int r = io_read_some(io, in, sizeof(in));
		long more;

		if (r < 0)
			return r;
		got += r;
		more = (got / MSG + window < n ? got / MSG + window : n) - sent;
		if (more > 0 && io_write(io, out, (int)more * MSG))
			return -EIO;
		sent += more > 0 ? more : 0;
	}
	*rate = n / (now() - t0);
	return 0;
}

static int unix_echo(const char *path, pid_t *pid)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int l = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	unlink(path);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 4)) {
		fprintf(stderr, "bench_rpc: echo socket %s: %s\n", path, strerror(errno));
		if (l >= 0)
			close(l);
		return -errno;
	}
	*pid = fork();
	if (*pid == 0) {
		struct io io = { .fd = accept(l, NULL, NULL) };

		echo_loop(&io);
		_exit(0);
	}
	close(l);
	return *pid < 0 ? -errno : 0;
}

/* Raw UNIX-socket rates with 1 and WINDOW in flight. */
static int raw_unix(long n1, long n64, double *raw1, double *raw64)
{
	char path[] = "/tmp/famfs-bench-echo.XXXXXX";
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct io io = { .fd = -1 };
	pid_t pid = -1;
	int fd, err;

	fd = mkstemp(path);	/* a unique name; the socket replaces the file */
	if (fd < 0)
		return -errno;
	close(fd);
	err = unix_echo(path, &pid);
	if (err)
		goto cleanup;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	io.fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (io.fd < 0 || connect(io.fd, (struct sockaddr *)&a, sizeof(a))) {
		err = -errno;
		fprintf(stderr, "bench_rpc: connecting to the echo at %s: %s\n", path, strerror(errno));
		goto cleanup;
	}
	err = raw_run(&io, n1, 1, raw1) ?: raw_run(&io, n64, WINDOW, raw64);
	if (err)
		fprintf(stderr, "bench_rpc: raw exchange over the UNIX socket failed\n");
cleanup:
	if (io.fd >= 0)
		close(io.fd);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	unlink(path);
	return err;
}

static SSL_CTX *raw_ctx(bool server, const char *cert, const char *key, const char *ca)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

	if (!ctx)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	return ctx;
}

/* A forked TLS echo on a loopback port (*a); the handshake is its own. */
static int tls_echo(SSL_CTX *sctx, struct sockaddr_in *a, pid_t *pid)
{
	socklen_t alen = sizeof(*a);
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	*a = (struct sockaddr_in){ .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (l < 0 || bind(l, (struct sockaddr *)a, sizeof(*a)) || listen(l, 4) ||
	    getsockname(l, (struct sockaddr *)a, &alen)) {
		if (l >= 0)
			close(l);
		return -EIO;
	}
	*pid = fork();
	if (*pid == 0) {
		struct io s = { .fd = accept(l, NULL, NULL) };

		setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		s.ssl = SSL_new(sctx);
		SSL_set_fd(s.ssl, s.fd);
		if (SSL_accept(s.ssl) == 1)
			echo_loop(&s);
		_exit(0);
	}
	close(l);
	return *pid < 0 ? -EIO : 0;
}

/* A TLS client connection to a (TCP_NODELAY, handshake done) into io. */
static int tls_dial(SSL_CTX *cctx, const struct sockaddr_in *a, struct io *io)
{
	int one = 1;

	io->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (io->fd < 0)
		return -EIO;
	setsockopt(io->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(io->fd, (const struct sockaddr *)a, sizeof(*a)))
		return -EIO;
	io->ssl = SSL_new(cctx);
	SSL_set_fd(io->ssl, io->fd);
	if (SSL_connect(io->ssl) != 1) {
		fprintf(stderr, "bench_rpc: raw TLS handshake failed\n");
		return -EIO;
	}
	return 0;
}

static void io_close(struct io *io)
{
	if (io->ssl)
		SSL_free(io->ssl);
	if (io->fd >= 0)
		close(io->fd);
	io->ssl = NULL;
	io->fd = -1;
}

/* Raw TLS rates with 1 and WINDOW in flight (a new connection; handshake untimed). */
static int raw_tls(const char *cert, const char *key, const char *ca, long n1, long n64,
		   double *raw1, double *raw64)
{
	SSL_CTX *sctx = raw_ctx(true, cert, key, ca), *cctx = raw_ctx(false, cert, key, ca);
	struct io io = { .fd = -1 };
	struct sockaddr_in a;
	pid_t pid = -1;
	int err = -EIO;

	if (!sctx || !cctx || tls_echo(sctx, &a, &pid)) {
		fprintf(stderr, "bench_rpc: raw TLS set-up (certificates %s, %s)\n", cert, key);
		goto cleanup;
	}
	if (tls_dial(cctx, &a, &io))
		goto cleanup;
	err = raw_run(&io, n1, 1, raw1) ?: raw_run(&io, n64, WINDOW, raw64);
	if (err)
		fprintf(stderr, "bench_rpc: raw exchange over TLS failed\n");
cleanup:
	io_close(&io);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	return err;
}

/*
 * The relay of the two-hop baseline (what a follower does with a forwarded
 * call, without the call): bytes from the UNIX client go out over TLS to the
 * echo, the echo's bytes go back to the client. poll() on both; per wakeup
 * one read of what arrived on a side and one write of it to the other.
 */
static void relay_loop(struct io *u, struct io *t)
{
	char buf[IOBUF];

	for (;;) {
		struct pollfd f[2] = { { .fd = u->fd, .events = POLLIN },
				       { .fd = t->fd, .events = POLLIN } };
		int r;

		if (!SSL_pending(t->ssl) && poll(f, 2, -1) < 0)
			return;
		if (f[0].revents) {
			r = io_read_some(u, buf, sizeof(buf));
			if (r < 0 || io_write(t, buf, r))
				return;
		}
		if (SSL_pending(t->ssl) || f[1].revents) {
			r = io_read_some(t, buf, sizeof(buf));
			if (r < 0 || io_write(u, buf, r))
				return;
		}
	}
}

/*
 * Raw two-hop rates with 1 and WINDOW in flight: client -> UNIX socket ->
 * relay process -> mutual TLS 1.3 on loopback -> echo process, and back:
 * the hops of a call forwarded by a follower to the master, each done the
 * raw way (no framing, protobuf, dispatch, log or replay).
 */
static int raw_two_hop(const char *cert, const char *key, const char *ca, long n1, long n64,
		       double *raw1, double *raw64)
{
	char path[] = "/tmp/famfs-bench-relay.XXXXXX";
	struct sockaddr_un ua = { .sun_family = AF_UNIX };
	SSL_CTX *sctx = raw_ctx(true, cert, key, ca), *cctx = raw_ctx(false, cert, key, ca);
	struct io io = { .fd = -1 };
	struct sockaddr_in a;
	pid_t echo = -1, relay = -1;
	int l = -1, err = -EIO, fd;

	fd = mkstemp(path);	/* a unique name; the socket replaces the file */
	if (fd < 0)
		return -errno;
	close(fd);
	unlink(path);
	snprintf(ua.sun_path, sizeof(ua.sun_path), "%s", path);
	if (!sctx || !cctx || tls_echo(sctx, &a, &echo)) {
		fprintf(stderr, "bench_rpc: two-hop set-up (certificates %s, %s)\n", cert, key);
		goto cleanup;
	}
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&ua, sizeof(ua)) || listen(l, 4))
		goto cleanup;
	relay = fork();
	if (relay == 0) {
		struct io u = { .fd = accept(l, NULL, NULL) }, t = { .fd = -1 };

		if (u.fd >= 0 && !tls_dial(cctx, &a, &t))
			relay_loop(&u, &t);
		_exit(0);
	}
	if (relay < 0)
		goto cleanup;
	io.fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (io.fd < 0 || connect(io.fd, (struct sockaddr *)&ua, sizeof(ua)))
		goto cleanup;
	err = raw_run(&io, n1, 1, raw1) ?: raw_run(&io, n64, WINDOW, raw64);
	if (err)
		fprintf(stderr, "bench_rpc: raw two-hop exchange failed\n");
cleanup:
	io_close(&io);
	if (l >= 0)
		close(l);
	if (relay > 0)
		waitpid(relay, NULL, 0);
	else if (echo > 0)
		kill(echo, SIGTERM);
	if (echo > 0)
		waitpid(echo, NULL, 0);
	unlink(path);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	return err;
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

/* n calls of p->method with window in flight; *rate in calls per second. */
static int rpc_run(struct pipe_state *p, long n, int window, double *rate)
{
	double t0 = now();

	p->n = n;
	p->issued = p->done = 0;
	for (int i = 0; i < window && p->issued < n; i++)
		issue(p);
	event_base_dispatch(p->base);
	if (p->errors) {
		fprintf(stderr, "bench_rpc: %d of %ld %s calls failed\n", p->errors, n, p->method);
		return -EIO;
	}
	*rate = n / (now() - t0);
	return 0;
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

/* Null RPCs with 1 and WINDOW in flight. */
static int pings(struct pipe_state *p, long n1, long n64, double *r1, double *r64)
{
	p->method = "famfs.Ping";
	p->make = NULL;
	p->len = MSG - 20;	/* about the same bytes on the wire as the raw message */
	memset(p->payload, 0, p->len);
	return rpc_run(p, n1, 1, r1) ?: rpc_run(p, n64, WINDOW, r64);
}

static int creates(struct pipe_state *p, long n1, long n64, double *c1, double *c64)
{
	p->method = "famfs.Create";
	p->make = make_create;
	return rpc_run(p, n1, 1, c1) ?: rpc_run(p, n64, WINDOW, c64);
}

/* "WHAT  median /s  [min, max]  ratio of raw's median". */
static void line(const char *what, struct rates *r, struct rates *raw)
{
	double med = q(r, 50), base = raw ? q(raw, 50) : 0;

	printf("%-46s %10.0f /s  [min %.0f, max %.0f]", what, med, q(r, 0), q(r, 100));
	if (base > 0)
		printf("   ratio %.2f of raw (%.1f us vs %.1f us per message)", med / base,
		       1e6 / med, 1e6 / base);
	printf("\n");
}

static long env_long(const char *name, long def, long max)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return def;
	v = strtol(s, &end, 10);
	if (*end || v < 1 || v > max) {
		fprintf(stderr, "bench_rpc: %s='%s': a number from 1 to %ld\n", name, s, max);
		return -1;
	}
	return v;
}

/* "goal (issue 13) WHAT: met|not met (VALUE UNIT)"; at_least: VALUE >= LIMIT meets it. */
static void goal_line(const char *what, double value, double limit, const char *unit,
		      bool at_least)
{
	bool met = at_least ? value >= limit : value <= limit;

	printf("goal (issue 13) %s: %s (%.2f%s)\n", what, met ? "met" : "not met", value, unit);
}

static void describe(const char *transport, int rounds)
{
	printf("%d rounds in ABBA order (raw, famfsd | famfsd, raw | ...); rates: median of the "
	       "rounds [min, max]\n", rounds);
	printf("raw baseline: a forked echo process over %s, 64-byte messages, no framing, protobuf "
	       "or dispatch; echo and client each do one %s and one %s per batch of messages that "
	       "arrived (famfsd's libevent loop does the same); 64 in flight: as many new messages "
	       "sent as replies arrived\n", transport,
	       strstr(transport, "TLS") ? "SSL_read" : "read()",
	       strstr(transport, "TLS") ? "SSL_write (one record)" : "write()");
	printf("famfsd figures: fam_rpc client (libevent) -> famfsd: framing, protobuf, dispatch, "
	       "reply%s\n", strstr(transport, "TLS") ? "" :
	       "; a create also appends a log record and commits it");
}

/*
 * bench_rpc --two-hop CERT KEY CA [SOCKET]: the raw two-hop baseline
 * (raw_two_hop) alone, or interleaved (ABBA) with creates through SOCKET, a
 * follower's famfsd that forwards them to the master over TLS.
 */
static int two_hop_main(int argc, char **argv, long scale, long rounds)
{
	struct rates raw1 = { 0 }, raw64 = { 0 }, c1 = { 0 }, c64 = { 0 };
	long n1 = 6000 / scale + 1, n64 = 60000 / scale + WINDOW;
	long nc1 = 3000 / scale + 1, nc64 = 60000 / scale + WINDOW;
	struct event_base *base = event_base_new();
	struct fam_rpc_opts o = { 0 };
	struct fam_rpc *rpc = base ? fam_rpc_new(base, &o) : NULL;
	struct pipe_state p = { .base = base };
	uint8_t payload[256] = { 0 };
	int err = 0;

	if (!rpc) {
		fprintf(stderr, "bench_rpc: cannot set up libevent and the RPC layer\n");
		err = -ENOMEM;
		goto cleanup;
	}
	p.payload = payload;
	if (argc == 6) {
		Famfs__MkdirRequest m = FAMFS__MKDIR_REQUEST__INIT;
		uint8_t buf[64];

		p.conn = fam_rpc_connect_unix(rpc, argv[5], &err);
		if (!p.conn) {
			fprintf(stderr, "bench_rpc: cannot connect to %s: %s\n", argv[5],
				strerror(-err));
			err = err ? err : -EIO;
			goto cleanup;
		}
		m.path = "/bench-rpc";
		m.parents = true;
		fam_rpc_call_sync(p.conn, "famfs.Mkdir", buf, famfs__mkdir_request__pack(&m, buf),
				  5000, NULL, NULL, NULL);
	}
	for (int r = 0; r < rounds && !err; r++) {
		for (int k = 0; k < 2 && !err; k++) {
			if ((k == 0) == (r % 2 == 0))
				err = raw_two_hop(argv[2], argv[3], argv[4], n1, n64, &raw1.v[r],
						  &raw64.v[r]);
			else if (p.conn)
				err = creates(&p, nc1, nc64, &c1.v[r], &c64.v[r]);
		}
		raw1.n = raw64.n = c1.n = c64.n = r + 1;
	}
	if (err)
		goto cleanup;
	printf("bench-rpc two-hop baseline: client -> UNIX socket -> relay process -> mutual TLS 1.3 "
	       "on TCP loopback -> echo process and back, 64-byte messages, no framing, protobuf, "
	       "dispatch, log or replay; each side one read and one write per batch that arrived "
	       "(the relay: poll() on both sockets)\n");
	printf("%d rounds in ABBA order; rates: median of the rounds [min, max]\n", (int)rounds);
	line("raw two-hop ping-pong, 1 in flight", &raw1, NULL);
	line("raw two-hop ping-pong, 64 in flight", &raw64, NULL);
	if (p.conn) {
		printf("famfsd figures: fam_rpc client -> this host's famfsd (UNIX) -> the master "
		       "(TLS): the create is committed there, the reply comes back, this host "
		       "replays the log up to it, then answers\n");
		line("creates through a follower, 1 in flight", &c1, &raw1);
		line("creates through a follower, 64 in flight", &c64, &raw64);
		printf("create through a follower, 1 in flight: %.2fx the raw two-hop round trip\n",
		       q(&raw1, 50) / (q(&c1, 50) > 0 ? q(&c1, 50) : 1));
		goal_line("creates from a follower at 64 in flight >= 200k/s", q(&c64, 50) / 1000,
			  200, "k/s", true);
	}
	printf("RESULT two_hop_1_per_s=%.1f two_hop_64_per_s=%.1f\n", q(&raw1, 50), q(&raw64, 50));
cleanup:
	if (p.conn)
		fam_rpc_conn_close(p.conn);
	if (rpc)
		fam_rpc_free(rpc);
	if (base)
		event_base_free(base);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	long scale = env_long("FAMFS_BENCH_RPC_SCALE", 1, 100000);
	long rounds = env_long("FAMFS_BENCH_RPC_ROUNDS", 3, MAX_ROUNDS);
	long n1, n64, nc1, nc64;
	struct event_base *base = event_base_new();
	struct fam_rpc_opts o = { 0 };
	struct fam_rpc *rpc = base ? fam_rpc_new(base, &o) : NULL;
	struct pipe_state p = { .base = base };
	uint8_t payload[256] = { 0 };
	struct rates raw1 = { 0 }, raw64 = { 0 }, r1 = { 0 }, r64 = { 0 }, c1 = { 0 }, c64 = { 0 };
	SSL_CTX *ctx = NULL;
	char errbuf[256];
	int err = 0;

	bool two_hop = argc > 1 && !strcmp(argv[1], "--two-hop");

	if (two_hop ? argc != 5 && argc != 6 : argc != 2 && argc != 6) {
		fprintf(stderr, "usage: bench_rpc SOCKET [TLS_ADDR CERT KEY CA]\n"
			"       bench_rpc --two-hop CERT KEY CA [FOLLOWER_SOCKET]\n");
		return 2;
	}
	if (scale < 0 || rounds < 0)
		return 2;
	if (two_hop) {
		signal(SIGPIPE, SIG_IGN);
		if (rpc)
			fam_rpc_free(rpc);
		if (base)
			event_base_free(base);
		return two_hop_main(argc, argv, scale, rounds);
	}
	if (!rpc) {
		fprintf(stderr, "bench_rpc: cannot set up libevent and the RPC layer\n");
		return 1;
	}
	n1 = 6000 / scale + 1;
	n64 = 60000 / scale + WINDOW;
	nc1 = 3000 / scale + 1;
	nc64 = 60000 / scale + WINDOW;
	signal(SIGPIPE, SIG_IGN);
	p.payload = payload;
	p.conn = fam_rpc_connect_unix(rpc, argv[1], &err);
	if (!p.conn) {
		fprintf(stderr, "bench_rpc: cannot connect to %s: %s\n", argv[1], strerror(-err));
		err = err ? err : -EIO;
		goto cleanup;
	}
	{
		Famfs__MkdirRequest m = FAMFS__MKDIR_REQUEST__INIT;
		uint8_t buf[64];
		size_t len;

		m.path = "/bench-rpc";
		m.parents = true;
		len = famfs__mkdir_request__pack(&m, buf);
		fam_rpc_call_sync(p.conn, "famfs.Mkdir", buf, len, 5000, NULL, NULL, NULL);
	}
	/* UNIX: raw and famfsd (null RPCs, creates), alternating which goes first. */
	for (int r = 0; r < rounds && !err; r++) {
		for (int k = 0; k < 2 && !err; k++) {
			if ((k == 0) == (r % 2 == 0))
				err = raw_unix(n1, n64, &raw1.v[r], &raw64.v[r]);
			else
				err = pings(&p, n1, n64, &r1.v[r], &r64.v[r]) ?:
				      creates(&p, nc1, nc64, &c1.v[r], &c64.v[r]);
		}
		raw1.n = raw64.n = r1.n = r64.n = c1.n = c64.n = r + 1;
	}
	fam_rpc_conn_close(p.conn);
	if (err)
		goto cleanup;
	printf("bench-rpc (UNIX socket %s)\n", argv[1]);
	describe("a UNIX socket", (int)rounds);
	line("raw ping-pong, 1 in flight", &raw1, NULL);
	line("raw ping-pong, 64 in flight", &raw64, NULL);
	line("null RPC (famfs.Ping), 1 in flight", &r1, &raw1);
	line("null RPC (famfs.Ping), 64 in flight", &r64, &raw64);
	line("creates (famfs.Create), 1 in flight", &c1, &raw1);
	line("creates (famfs.Create), 64 in flight", &c64, &raw64);
	printf("goals: 1-in-flight latency <= 1.3x raw; >= 200k null RPC/s at 64; >= 20k creates/s\n");
	goal_line("create, 1 in flight, latency <= 1.5x a raw round trip", q(&raw1, 50) /
		  (q(&c1, 50) > 0 ? q(&c1, 50) : 1), 1.5, "x", false);
	goal_line("creates at 64 in flight >= 200k/s", q(&c64, 50) / 1000, 200, "k/s", true);

	if (argc == 6) {
		ctx = fam_rpc_tls_ctx(argv[3], argv[4], argv[5], false, errbuf, sizeof(errbuf));
		p.conn = ctx ? fam_rpc_connect_tls(rpc, argv[2], ctx, &err) : NULL;
		if (!p.conn) {
			fprintf(stderr, "bench_rpc: TLS to %s failed: %s\n", argv[2],
				ctx ? strerror(-err) : errbuf);
			err = -EIO;
			goto cleanup;
		}
		for (int r = 0; r < rounds && !err; r++) {
			for (int k = 0; k < 2 && !err; k++) {
				if ((k == 0) == (r % 2 == 0))
					err = raw_tls(argv[3], argv[4], argv[5], n1 / 2 + 1, n64 / 2,
						      &raw1.v[r], &raw64.v[r]);
				else
					err = pings(&p, n1 / 2 + 1, n64 / 2, &r1.v[r], &r64.v[r]);
			}
			raw1.n = raw64.n = r1.n = r64.n = r + 1;
		}
		fam_rpc_conn_close(p.conn);
		if (err)
			goto cleanup;
		printf("bench-rpc (mutual TLS 1.3 over TCP loopback %s)\n", argv[2]);
		describe("mutual TLS 1.3 on TCP loopback", (int)rounds);
		line("raw TLS ping-pong, 1 in flight", &raw1, NULL);
		line("raw TLS ping-pong, 64 in flight", &raw64, NULL);
		line("null RPC over TLS, 1 in flight", &r1, &raw1);
		line("null RPC over TLS, 64 in flight", &r64, &raw64);
	}
cleanup:
	SSL_CTX_free(ctx);
	fam_rpc_free(rpc);
	event_base_free(base);
	return err ? 1 : 0;
}
