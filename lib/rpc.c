// SPDX-License-Identifier: Apache-2.0
/*
 * famfs RPC: connections, calls and dispatch on a libevent loop.
 *
 * A connection carries frames both ways (lib/rpc_frame.c). Requests are
 * dispatched to the registered handler, which replies at once or later;
 * replies are matched to the caller's pending call by call_id, so any number
 * of calls may be in flight and replies may come in any order.
 *
 * Lifetimes: a server-side connection belongs to the library and is freed
 * when its transport goes away. A client connection belongs to the caller
 * until fam_rpc_conn_close(); when its transport dies first, it stays as a
 * dead shell on which every call fails. A server call belongs to its handler
 * until fam_rpc_reply(): when the connection dies first the call is moved to
 * the orphans list and the reply is dropped. Callbacks may close connections:
 * every entry point holds a reference on the connection while it runs.
 */
#include "rpc_int.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <openssl/ssl.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* Envelope.flags (proto/famfs.proto EnvelopeFlag). */
#define ENV_REPLY	0x1
#define ENV_STREAM_ITEM	0x2
#define ENV_STREAM_END	0x4

#define CALL_BUCKETS	64
#define TLS_HANDSHAKE_S	10
#define ACCEPT_RETRY_MS	100
#define LOG_BURST	20
#define METHOD_BUCKETS	64

struct rlist {
	struct rlist *prev, *next;
};

static void rl_init(struct rlist *h)
{
	h->prev = h->next = h;
}

static void rl_add(struct rlist *h, struct rlist *n)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static void rl_del(struct rlist *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	rl_init(n);
}

#define rl_empty(h)		((h)->next == (h))
#define rl_entry(p, type, m)	((type *)(void *)((char *)(p) - offsetof(type, m)))

struct rpc_method {
	struct rpc_method *next;
	struct rpc_method *hnext;	/* in its bucket of r->mtab */
	char *name;
	unsigned int flags;
	fam_rpc_handler h;
	void *arg;
};

struct rpc_listener {
	struct rlist link;
	struct fam_rpc *r;
	struct evconnlistener *l;
	struct event *resume;		/* re-enable after an accept error (EMFILE...) */
	bool is_tls;
	SSL_CTX *ctx;
};

struct fam_rpc {
	struct event_base *base;
	struct fam_rpc_opts opts;
	struct rpc_method *methods;
	struct rpc_method *mtab[METHOD_BUCKETS];	/* the same, by name_hash() */
	struct serving *serving;	/* the handlers running now, innermost first */
	struct rlist listeners;
	struct rlist conns;
	struct rlist orphans;		/* server calls whose connection died */
	unsigned int nserved;		/* accepted connections alive */
	time_t last_limit_log;
	time_t log_window;
	unsigned int log_count, log_dropped;
	uint64_t replies[FAM_RPC_STATUS_COUNT];	/* server replies sent, by status */
	bool (*tls_host_known)(void *arg, int host_id);	/* NULL: no host id needed */
	void *tls_host_arg;
	struct rpc_hold *hold;		/* group commit: replies held (rpc_hold.c) */
	struct rlist dirty;		/* UNIX connections with staged output */
	struct event *flush_ev;		/* writes it at the end of the loop iteration */
};

/* Client side: a call waiting for its reply. */
struct rpc_pending {
	struct rpc_pending *next;
	struct fam_rpc_conn *c;
	uint64_t id;
	uint32_t deadline_ms;
	fam_rpc_done done;
	fam_rpc_item item;
	void *arg;
	uint64_t deadline;		/* monotonic ms; 0: none */
};

/*
 * A handler running (serve_request): whether its call was finished (answered,
 * or its reply held for the group commit) before it returned. A list, for
 * handlers that run a nested loop (fam_rpc_call_sync) serving other calls.
 */
struct serving {
	struct serving *up;
	struct fam_rpc_call *call;
	bool finished;
};

/* Server side: a call being handled. */
struct fam_rpc_call {
	struct rlist link;		/* on conn->calls, or r->orphans */
	struct fam_rpc *r;
	struct fam_rpc_conn *c;		/* NULL once the connection is gone */
	uint64_t id;
	const char *method;		/* the registered method's name */
	unsigned int flags;
	uint64_t deadline;		/* monotonic ms; 0: none */
	uint32_t deadline_ms;
	bool timed;			/* open after its handler: on the connection's deadline timer */
	bool expired;			/* DEADLINE_EXCEEDED already sent */
	struct fam_rpc_peer peer;
};

struct fam_rpc_conn {
	struct rlist link;		/* on r->conns */
	struct fam_rpc *r;
	struct bufferevent *bev;	/* NULL once dead */
	bool is_tls;
	bool served;			/* accepted here: requests are dispatched */
	bool ready;			/* TLS handshake done (always, without TLS) */
	bool dead;
	bool user_closed;		/* client: fam_rpc_conn_close() called */
	bool read_paused;
	int expect_host;		/* dialed TLS: the host id its certificate must name; -1 any */
	uint64_t frame_start;		/* monotonic ms when the pending frame began to arrive */
	int refs;
	char addr[80];
	struct fam_rpc_peer peer;
	struct rlist calls;		/* server calls in flight */
	/*
	 * Frames of this loop iteration, written together at its end
	 * (flush_cb): UNIX, by one write(2) straight to the socket when nothing
	 * is queued in the bufferevent (no write event armed and disarmed per
	 * message); TLS, as one block (one record).
	 */
	struct evbuffer *stage;
	/*
	 * UNIX: reads are ours (unix_read_cb), not the bufferevent's, which asks
	 * the kernel how much is readable (ioctl FIONREAD) before every read.
	 */
	struct event *rev;
	struct rlist dirty_link;	/* on r->dirty while stage has bytes */
	bool dirty;
	unsigned int ncalls;
	uint64_t next_id;
	struct rpc_pending *pending[CALL_BUCKETS];
	/*
	 * Our calls' deadlines: one timer per connection, armed for the
	 * earliest (dl_armed, monotonic ms; 0: not armed), not one per call.
	 */
	struct event *dl_timer;
	uint64_t dl_armed;
	/* The same for the calls it serves that are still open after their handler. */
	struct event *sdl_timer;
	uint64_t sdl_armed;
};

static const uint8_t empty_payload[1];

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct timeval ms_tv(uint64_t ms)
{
	struct timeval tv = { .tv_sec = (time_t)(ms / 1000),
			      .tv_usec = (suseconds_t)(ms % 1000) * 1000 };
	return tv;
}

struct event_base *rpc_base(struct fam_rpc *r)
{
	return r->base;
}

void rpc_log(struct fam_rpc *r, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	/* Misbehaving peers must not flood the journal: at most LOG_BURST lines a second. */
	if (level > LOG_ERR) {
		time_t now = time(NULL);

		if (now != r->log_window) {
			unsigned int dropped = r->log_dropped;

			r->log_window = now;
			r->log_count = 0;
			r->log_dropped = 0;
			if (dropped)
				rpc_log(r, LOG_WARNING, "%u messages suppressed", dropped);
		}
		if (++r->log_count > LOG_BURST) {
			r->log_dropped++;
			return;
		}
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->opts.log)
		r->opts.log(r->opts.log_arg, level, msg);
	else if (level <= LOG_NOTICE)
		fprintf(stderr, "famfs-rpc: %s\n", msg);
}

static uint32_t max_frame(const struct fam_rpc *r)
{
	return r->opts.max_frame;
}

/* Bytes queued for one connection before the server stops reading its requests. */
static size_t out_limit(const struct fam_rpc *r)
{
	return 2 * (size_t)r->opts.max_frame + (1u << 20);
}

/* ---- connections ---- */

static void conn_read_cb(struct bufferevent *bev, void *arg);
static void unix_read_cb(evutil_socket_t fd, short what, void *arg);
static void tls_read_cb(evutil_socket_t fd, short what, void *arg);
static void conn_write_cb(struct bufferevent *bev, void *arg);
static void conn_event_cb(struct bufferevent *bev, short what, void *arg);

static void conn_destroy(struct fam_rpc_conn *c)
{
	rl_del(&c->link);
	if (c->dirty)
		rl_del(&c->dirty_link);
	if (c->stage)
		evbuffer_free(c->stage);
	if (c->dl_timer)
		event_free(c->dl_timer);
	if (c->sdl_timer)
		event_free(c->sdl_timer);
	if (c->served)
		c->r->nserved--;
	free(c);
}

static bool conn_freeable(const struct fam_rpc_conn *c)
{
	return c->dead && (c->served || c->user_closed);
}

static void conn_ref(struct fam_rpc_conn *c)
{
	c->refs++;
}

static void conn_unref(struct fam_rpc_conn *c)
{
	if (--c->refs == 0 && conn_freeable(c))
		conn_destroy(c);
}

static void pending_free(struct rpc_pending *p)
{
	free(p);
}

static struct rpc_pending *pending_take(struct fam_rpc_conn *c, uint64_t id)
{
	struct rpc_pending **pp = &c->pending[id % CALL_BUCKETS];

	for (; *pp; pp = &(*pp)->next) {
		struct rpc_pending *p = *pp;

		if (p->id == id) {
			*pp = p->next;
			p->next = NULL;
			return p;
		}
	}
	return NULL;
}

/*
 * The transport is gone (or being closed): free it, fail the client calls
 * with status, and orphan the server calls. Callers hold a reference.
 */
static void conn_kill(struct fam_rpc_conn *c, int status, const char *why)
{
	if (c->dead)
		return;
	c->dead = true;
	if (c->dl_timer) {
		event_del(c->dl_timer);
		c->dl_armed = 0;
	}
	if (c->sdl_timer) {
		event_del(c->sdl_timer);
		c->sdl_armed = 0;
	}
	if (c->rev) {
		event_free(c->rev);
		c->rev = NULL;
	}
	if (c->bev) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	while (!rl_empty(&c->calls)) {
		struct fam_rpc_call *call = rl_entry(c->calls.next, struct fam_rpc_call, link);

		rl_del(&call->link);
		rl_add(&c->r->orphans, &call->link);
		call->c = NULL;
		call->timed = false;
	}
	c->ncalls = 0;
	for (unsigned int b = 0; b < CALL_BUCKETS; b++) {
		while (c->pending[b]) {
			struct rpc_pending *p = c->pending[b];

			c->pending[b] = p->next;
			p->done(status, why, NULL, 0, p->arg);
			pending_free(p);
		}
	}
}

/* A protocol error or a refused peer: log it and drop this connection only. */
static void conn_fail(struct fam_rpc_conn *c, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void conn_fail(struct fam_rpc_conn *c, int level, const char *fmt, ...)
{
	char why[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	rpc_log(c->r, level, "%s (%s): %s; closing the connection", c->addr,
		c->peer.name[0] ? c->peer.name : "peer not identified", why);
	conn_kill(c, FAM_RPC_UNAVAILABLE, why);
}

static struct fam_rpc_conn *conn_new(struct fam_rpc *r, struct bufferevent *bev, bool is_tls,
				     bool served, const char *addr)
{
	struct fam_rpc_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->r = r;
	c->bev = bev;
	c->is_tls = is_tls;
	c->served = served;
	c->ready = !is_tls;
	c->expect_host = -1;
	c->peer.host_id = -1;
	rl_init(&c->calls);
	c->stage = evbuffer_new();
	if (c->stage && !is_tls && bufferevent_getfd(bev) >= 0) {
		c->rev = event_new(r->base, bufferevent_getfd(bev), EV_READ | EV_PERSIST,
				   unix_read_cb, c);
		if (!c->rev || event_add(c->rev, NULL)) {
			if (c->rev)
				event_free(c->rev);
			c->rev = NULL;
			evbuffer_free(c->stage);
			c->stage = NULL;
		}
	}
	if (!c->stage) {
		free(c);
		return NULL;
	}
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	rl_add(&r->conns, &c->link);
	if (served)
		r->nserved++;
	bufferevent_setcb(bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	bufferevent_enable(bev, c->rev ? EV_WRITE : EV_READ | EV_WRITE);
	return c;
}

/* Bytes waiting to be written to c's socket. */
static size_t out_queued(const struct fam_rpc_conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev)) +
	       evbuffer_get_length(c->stage);
}

/* Frames were staged on c: write them at the end of this loop iteration. */
static void stage_mark(struct fam_rpc_conn *c)
{
	if (!c->dirty) {
		c->dirty = true;
		/*
		 * Replies (served connections) go out before this host's own
		 * calls: after a group commit the answers a client waits for are
		 * written before the pushes to the other hosts.
		 */
		rl_add(c->served ? c->r->dirty.next : &c->r->dirty, &c->dirty_link);
		if (c->r->flush_ev)
			event_active(c->r->flush_ev, EV_WRITE, 0);
	}
}

/*
 * Reading was paused for a peer that did not read its replies (conn_send);
 * libevent's write callback resumes it once the queue drains, but a direct
 * write can take all of it at once, and then no callback comes.
 */
static void resume_if_drained(struct fam_rpc_conn *c)
{
	if (c->read_paused && !c->dead && out_queued(c) <= out_limit(c->r) / 2)
		conn_write_cb(c->bev, c);
}

/* End of the loop iteration: each dirty connection's frames in one write. */
static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fam_rpc *r = arg;

	(void)fd;
	(void)what;
	while (!rl_empty(&r->dirty)) {
		struct fam_rpc_conn *c = rl_entry(r->dirty.next, struct fam_rpc_conn, dirty_link);
		struct evbuffer *out;

		rl_del(&c->dirty_link);
		c->dirty = false;
		if (c->dead || !c->bev)
			continue;
		out = bufferevent_get_output(c->bev);
		if (c->is_tls) {
			/* One contiguous block: one SSL_write, one TLS record, one write(2). */
			size_t n = evbuffer_get_length(c->stage);
			const uint8_t *p = evbuffer_pullup(c->stage, -1);

			/* Nothing queued before: through the SSL now (no write event). */
			if (p && c->ready && !evbuffer_get_length(out))
				evbuffer_drain(c->stage, rpc_tls_write_direct(c->bev, p, n));
			n = evbuffer_get_length(c->stage);
			p = n ? evbuffer_pullup(c->stage, -1) : NULL;
			if (p && bufferevent_write(c->bev, p, n) == 0)
				evbuffer_drain(c->stage, n);
			else if (n)
				bufferevent_write_buffer(c->bev, c->stage);
			resume_if_drained(c);
			continue;
		}
		/* Nothing queued before: write now; what the socket does not take, queue. */
		if (!evbuffer_get_length(out))
			evbuffer_write(c->stage, bufferevent_getfd(c->bev));
		if (evbuffer_get_length(c->stage))
			bufferevent_write_buffer(c->bev, c->stage);
		resume_if_drained(c);
	}
}

/* Queue one frame. Replies larger than max_frame are refused here, not by the peer. */
static int conn_send(struct fam_rpc_conn *c, uint64_t id, const char *method,
		     uint32_t deadline_ms, int status, const char *msg, uint32_t flags,
		     const void *payload, size_t len)
{
	struct fam_rpc_msg m = {
		.call_id = id, .method = (char *)method, .deadline_ms = deadline_ms,
		.status = status, .status_message = (char *)msg, .flags = flags,
		.payload = (uint8_t *)payload, .payload_len = payload ? len : 0,
	};
	struct evbuffer_iovec v;
	ssize_t n;
	int ret = 0;

	if (c->dead || !c->bev)
		return -ENOTCONN;
	if (len > max_frame(c->r))
		return -EMSGSIZE;
	n = fam_rpc_frame_bound(&m);
	if (n < 0)
		return (int)n;
	/* Over the limit by the bound: the exact size decides (nothing larger is reserved). */
	if ((size_t)n - 4 > max_frame(c->r)) {
		ssize_t exact = fam_rpc_frame_size(&m);

		if (exact < 0)
			return (int)exact;
		if ((size_t)exact - 4 > max_frame(c->r))
			return -EMSGSIZE;
	}
	/* Encoded in place at the end of the staged frames (no buffer, no copy). */
	if (evbuffer_reserve_space(c->stage, n, &v, 1) < 1 || v.iov_len < (size_t)n)
		return -ENOMEM;
	v.iov_len = fam_rpc_frame_pack(&m, v.iov_base);
	if (evbuffer_commit_space(c->stage, &v, 1) < 0)
		return -ENOMEM;
	stage_mark(c);
	if (!ret && c->served && !c->read_paused && out_queued(c) > out_limit(c->r)) {
		/* The peer does not read its replies: stop reading its requests. */
		c->read_paused = true;
		if (c->rev)
			event_del(c->rev);
		else
			bufferevent_disable(c->bev, EV_READ);
		bufferevent_setwatermark(c->bev, EV_WRITE, out_limit(c->r) / 2, 0);
	}
	return ret;
}

static void count_reply(struct fam_rpc *r, int status)
{
	if (status >= 0 && status < FAM_RPC_STATUS_COUNT)
		r->replies[status]++;
}

uint64_t fam_rpc_replies(const struct fam_rpc *r, int status)
{
	return status >= 0 && status < FAM_RPC_STATUS_COUNT ? r->replies[status] : 0;
}

static int conn_send_status(struct fam_rpc_conn *c, uint64_t id, int status, const char *msg)
{
	count_reply(c->r, status);
	return conn_send(c, id, NULL, 0, status, msg, ENV_REPLY, NULL, 0);
}

/* ---- server calls ---- */

static unsigned int name_hash(const char *name)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h % METHOD_BUCKETS;
}

static struct rpc_method *method_find(struct fam_rpc *r, const char *name)
{
	for (struct rpc_method *m = r->mtab[name_hash(name)]; m; m = m->hnext)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

/* The call's handler, if it is running, need not arm the call's deadline timer. */
static void serving_finished(struct fam_rpc *r, const struct fam_rpc_call *call)
{
	for (struct serving *s = r->serving; s; s = s->up)
		if (s->call == call)
			s->finished = true;
}

static void call_free(struct fam_rpc_call *call)
{
	serving_finished(call->r, call);
	rl_del(&call->link);
	if (call->c)
		call->c->ncalls--;
	free(call);
}

/*
 * Have the timer *ev (made on first use, calling cb with c) fire by deadline
 * (monotonic ms), unless it is armed (*armed) for that time or earlier: one
 * timer per connection for the earliest of many deadlines, on either side.
 * 0 or -ENOMEM.
 */
static int deadline_timer_arm(struct fam_rpc_conn *c, struct event **ev, uint64_t *armed,
			      event_callback_fn cb, uint64_t deadline)
{
	uint64_t now = now_ms();
	struct timeval tv;

	if (*armed && *armed <= deadline)
		return 0;
	if (!*ev) {
		*ev = evtimer_new(c->r->base, cb, c);
		if (!*ev)
			return -ENOMEM;
	}
	tv = ms_tv(deadline > now ? deadline - now : 0);
	if (evtimer_add(*ev, &tv) < 0)
		return -ENOMEM;
	*armed = deadline;
	return 0;
}

static void serve_deadline_cb(evutil_socket_t fd, short what, void *arg);

/* c's timer for the calls it serves (without memory, a call waits for its handler). */
static void serve_deadline_arm(struct fam_rpc_conn *c, uint64_t deadline)
{
	deadline_timer_arm(c, &c->sdl_timer, &c->sdl_armed, serve_deadline_cb, deadline);
}

/*
 * The earliest deadline of c's open calls came: DEADLINE_EXCEEDED for each
 * whose deadline passed (the handler's later reply is dropped), the timer
 * armed again for the earliest left. As on the client side, it may fire a
 * little early; then nothing has expired and it is armed again.
 */
static void serve_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fam_rpc_conn *c = arg;
	uint64_t now = now_ms(), next = 0;
	char msg[96];

	(void)fd;
	(void)what;
	c->sdl_armed = 0;
	conn_ref(c);
	/* conn_send_status never changes c->calls; a dead c has none left. */
	for (struct rlist *l = c->calls.next; !c->dead && l != &c->calls; l = l->next) {
		struct fam_rpc_call *call = rl_entry(l, struct fam_rpc_call, link);

		if (!call->timed || call->expired)
			continue;
		if (call->deadline > now) {
			if (!next || call->deadline < next)
				next = call->deadline;
			continue;
		}
		call->expired = true;
		snprintf(msg, sizeof(msg), "deadline of %u ms exceeded on the server",
			 call->deadline_ms);
		conn_send_status(c, call->id, FAM_RPC_DEADLINE_EXCEEDED, msg);
	}
	if (next && !c->dead)
		serve_deadline_arm(c, next);
	conn_unref(c);
}

/*
 * Run the handler. Most calls are finished before it returns (answered, or
 * the reply held until the group commit at the end of this loop iteration):
 * only a call still open after it is put under its connection's deadline
 * timer, one per connection armed for the earliest deadline (a timer per
 * call cost an allocation and two heap updates: a forwarded call is open).
 */
static void serve_call(struct fam_rpc *r, struct rpc_method *me, struct fam_rpc_call *call,
		       const uint8_t *payload, size_t len)
{
	struct serving s = { .up = r->serving, .call = call };

	r->serving = &s;
	me->h(call, payload, len, me->arg);
	r->serving = s.up;
	if (!s.finished && call->deadline && call->c && !call->c->dead) {
		call->timed = true;
		serve_deadline_arm(call->c, call->deadline);
	}
}

static void serve_request(struct fam_rpc_conn *c, struct fam_rpc_msg *m, uint64_t t_read)
{
	struct fam_rpc *r = c->r;
	struct rpc_method *me = method_find(r, m->method);
	struct fam_rpc_call *call;
	char msg[512];

	if (!me || !c->served) {
		snprintf(msg, sizeof(msg), "unknown method '%.120s'", m->method);
		conn_send_status(c, m->call_id, FAM_RPC_UNIMPLEMENTED, msg);
		return;
	}
	if (m->deadline_ms && now_ms() >= t_read + m->deadline_ms) {
		snprintf(msg, sizeof(msg), "deadline of %u ms expired before %.120s started",
			 m->deadline_ms, m->method);
		conn_send_status(c, m->call_id, FAM_RPC_DEADLINE_EXCEEDED, msg);
		return;
	}
	if ((me->flags & FAM_RPC_MUTATES) && !c->peer.admin) {
		if (r->opts.admin_gid_set)
			snprintf(msg, sizeof(msg), "%.120s changes the file system: only root or "
				 "members of group %u may call it (caller: %s)", m->method,
				 (unsigned int)r->opts.admin_gid, c->peer.name);
		else
			snprintf(msg, sizeof(msg), "%.120s changes the file system: only root may "
				 "call it (caller: %s)", m->method, c->peer.name);
		conn_send_status(c, m->call_id, FAM_RPC_PERMISSION_DENIED, msg);
		return;
	}
	if (c->ncalls >= FAM_RPC_MAX_CALLS_PER_CONN) {
		snprintf(msg, sizeof(msg), "too many calls in flight on this connection (limit %u)",
			 FAM_RPC_MAX_CALLS_PER_CONN);
		conn_send_status(c, m->call_id, FAM_RPC_RESOURCE_EXHAUSTED, msg);
		return;
	}
	call = calloc(1, sizeof(*call));
	if (!call) {
		conn_send_status(c, m->call_id, FAM_RPC_RESOURCE_EXHAUSTED, "server out of memory");
		return;
	}
	call->r = r;
	call->c = c;
	call->id = m->call_id;
	call->method = me->name;
	call->flags = me->flags;
	call->peer = c->peer;
	rl_add(&c->calls, &call->link);
	c->ncalls++;
	if (m->deadline_ms) {
		call->deadline_ms = m->deadline_ms;
		call->deadline = t_read + m->deadline_ms;
	}
	serve_call(r, me, call, m->payload ? m->payload : empty_payload, m->payload_len);
}

const struct fam_rpc_peer *fam_rpc_call_peer(const struct fam_rpc_call *call)
{
	return &call->peer;
}

const char *fam_rpc_call_method(const struct fam_rpc_call *call)
{
	return call->method;
}

uint32_t fam_rpc_call_remaining_ms(const struct fam_rpc_call *call)
{
	uint64_t now;

	if (!call->deadline)
		return UINT32_MAX;
	if (call->expired)	/* libevent's coarse clock may fire a few ms early */
		return 0;
	now = now_ms();
	return call->deadline > now ? (uint32_t)(call->deadline - now) : 0;
}

int fam_rpc_reply(struct fam_rpc_call *call, int status, const char *msg,
		  const void *payload, size_t len)
{
	struct fam_rpc *r = call->r;

	if (r->hold && rpc_hold_reply(r->hold, call, status, msg, payload, len)) {
		/* Answered at the end of this loop iteration (or already, and freed). */
		serving_finished(r, call);
		return 0;
	}
	return rpc_reply_now(call, status, msg, payload, len);
}

int rpc_reply_now(struct fam_rpc_call *call, int status, const char *msg,
		  const void *payload, size_t len)
{
	struct fam_rpc_conn *c = call->c;
	uint32_t flags = ENV_REPLY | (call->flags & FAM_RPC_STREAM ? ENV_STREAM_END : 0);
	int ret;

	if (!call->expired)	/* an expired call was counted as DEADLINE_EXCEEDED */
		count_reply(call->r, len > max_frame(call->r) ? FAM_RPC_RESOURCE_EXHAUSTED : status);
	if (call->expired) {
		ret = -ETIMEDOUT;
	} else if (!c || c->dead) {
		ret = -ENOTCONN;
	} else {
		conn_ref(c);
		ret = conn_send(c, call->id, NULL, 0, status, msg, flags, payload, len);
		if (ret == -EMSGSIZE) {
			char m[128];

			snprintf(m, sizeof(m), "reply of %zu bytes exceeds the frame limit (%u)",
				 len, max_frame(c->r));
			conn_send(c, call->id, NULL, 0, FAM_RPC_RESOURCE_EXHAUSTED, m, flags,
				  NULL, 0);
		}
		conn_unref(c);
	}
	call_free(call);
	return ret;
}

int fam_rpc_stream_send(struct fam_rpc_call *call, const void *payload, size_t len)
{
	struct fam_rpc_conn *c = call->c;

	if (!(call->flags & FAM_RPC_STREAM))
		return -EINVAL;
	if (call->expired)
		return -ETIMEDOUT;
	if (!c || c->dead)
		return -ENOTCONN;
	if (out_queued(c) > out_limit(c->r))
		return -ENOBUFS;
	return conn_send(c, call->id, NULL, 0, FAM_RPC_OK, NULL, ENV_REPLY | ENV_STREAM_ITEM,
			 payload, len);
}

/* ---- client calls ---- */

static void reply_received(struct fam_rpc_conn *c, struct fam_rpc_msg *m)
{
	const uint8_t *payload = m->payload ? m->payload : empty_payload;
	struct rpc_pending *p;
	int status;

	if ((m->flags & ENV_STREAM_ITEM) && !(m->flags & ENV_STREAM_END)) {
		for (p = c->pending[m->call_id % CALL_BUCKETS]; p; p = p->next)
			if (p->id == m->call_id)
				break;
		if (p && p->item)
			p->item(payload, m->payload_len, p->arg);
		return;
	}
	p = pending_take(c, m->call_id);
	if (!p)
		return;		/* a reply after our deadline: dropped */
	status = m->status;
	if (status < FAM_RPC_OK || status > FAM_RPC_UNAUTHENTICATED)
		status = FAM_RPC_UNKNOWN;
	p->done(status, m->status_message, payload, m->payload_len, p->arg);
	pending_free(p);
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg);

/* Have c's deadline timer fire by deadline (monotonic ms). 0 or -ENOMEM. */
static int deadline_arm(struct fam_rpc_conn *c, uint64_t deadline)
{
	return deadline_timer_arm(c, &c->dl_timer, &c->dl_armed, deadline_cb, deadline);
}

/*
 * c's earliest deadline came: fail the calls whose deadline passed
 * (DEADLINE_EXCEEDED), arm the timer for the earliest left. The timer may
 * fire a little early (libevent's clock): then nothing has expired yet and
 * it is armed again.
 */
static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fam_rpc_conn *c = arg;
	struct rpc_pending *expired = NULL, *p;
	uint64_t now = now_ms(), next = 0;
	char msg[96];

	(void)fd;
	(void)what;
	c->dl_armed = 0;
	for (unsigned int b = 0; b < CALL_BUCKETS; b++) {
		struct rpc_pending **pp = &c->pending[b];

		while ((p = *pp)) {
			if (p->deadline && p->deadline <= now) {
				*pp = p->next;
				p->next = expired;
				expired = p;
				continue;
			}
			if (p->deadline && (!next || p->deadline < next))
				next = p->deadline;
			pp = &p->next;
		}
	}
	/* (Without memory for the timer, a call waits for its reply or the connection's end.) */
	if (next)
		deadline_arm(c, next);
	conn_ref(c);
	while ((p = expired)) {
		expired = p->next;
		snprintf(msg, sizeof(msg), "deadline of %u ms exceeded", p->deadline_ms);
		p->done(FAM_RPC_DEADLINE_EXCEEDED, msg, NULL, 0, p->arg);
		pending_free(p);
	}
	conn_unref(c);
}

static int call_start(struct fam_rpc_conn *c, const char *method, const void *payload,
		      size_t len, uint32_t deadline_ms, fam_rpc_done done, fam_rpc_item item,
		      void *arg, uint64_t *idp)
{
	struct rpc_pending *p;
	int ret;

	if (!c || c->dead)
		return -ENOTCONN;
	if (!method || !method[0] || !done)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->c = c;
	p->id = ++c->next_id;
	p->deadline_ms = deadline_ms;
	p->done = done;
	p->item = item;
	p->arg = arg;
	if (deadline_ms) {
		p->deadline = now_ms() + deadline_ms;
		if (deadline_arm(c, p->deadline) < 0) {
			pending_free(p);
			return -ENOMEM;
		}
	}
	ret = conn_send(c, p->id, method, deadline_ms, 0, NULL, 0, payload, len);
	if (ret < 0) {
		pending_free(p);
		return ret;
	}
	p->next = c->pending[p->id % CALL_BUCKETS];
	c->pending[p->id % CALL_BUCKETS] = p;
	if (idp)
		*idp = p->id;
	return 0;
}

int fam_rpc_call(struct fam_rpc_conn *c, const char *method, const void *payload, size_t len,
		 uint32_t deadline_ms, fam_rpc_done done, fam_rpc_item item, void *arg)
{
	return call_start(c, method, payload, len, deadline_ms, done, item, arg, NULL);
}

struct sync_result {
	bool done;
	int status;
	char *msg;
	uint8_t *reply;
	size_t len;
};

static void sync_done(int status, const char *msg, const uint8_t *payload, size_t len, void *arg)
{
	struct sync_result *s = arg;

	s->done = true;
	s->status = status;
	s->msg = msg && msg[0] ? strdup(msg) : NULL;
	if (len) {
		s->reply = malloc(len);
		if (s->reply) {
			memcpy(s->reply, payload, len);
			s->len = len;
		} else {
			s->status = FAM_RPC_RESOURCE_EXHAUSTED;
		}
	}
}

int fam_rpc_call_sync(struct fam_rpc_conn *c, const char *method, const void *payload,
		      size_t len, uint32_t deadline_ms, uint8_t **reply, size_t *reply_len,
		      char **msg)
{
	struct sync_result s = { 0 };
	uint64_t id = 0;
	int ret;

	ret = call_start(c, method, payload, len, deadline_ms, sync_done, NULL, &s, &id);
	if (ret < 0) {
		s.status = fam_rpc_status_from_errno(ret);
		s.msg = strdup(strerror(-ret));
		s.done = true;
	}
	while (!s.done) {
		if (event_base_loop(c->r->base, EVLOOP_ONCE) != 0) {
			struct rpc_pending *p = pending_take(c, id);

			if (p)
				pending_free(p);
			s.status = FAM_RPC_INTERNAL;
			s.msg = strdup("event loop failed");
			break;
		}
	}
	if (reply) {
		*reply = s.reply;
		s.reply = NULL;
	}
	if (reply_len)
		*reply_len = reply ? s.len : 0;
	if (msg) {
		*msg = s.msg;
		s.msg = NULL;
	}
	free(s.reply);
	free(s.msg);
	return s.status;
}

/* ---- input ---- */

static void conn_process(struct fam_rpc_conn *c, uint64_t t_read)
{
	while (!c->dead && !c->read_paused) {
		struct evbuffer *in = bufferevent_get_input(c->bev);
		size_t have = evbuffer_get_length(in);
		struct fam_rpc_msg m;
		uint8_t hdr[4], *p;
		uint64_t t_first;
		uint32_t n;
		int ret;

		/* A frame's deadline runs from its first byte, not its last. */
		if (have && !c->frame_start)
			c->frame_start = t_read;
		if (have < 4)
			break;
		evbuffer_copyout(in, hdr, 4);
		n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
		if (n > max_frame(c->r)) {
			conn_fail(c, LOG_WARNING, "frame of %u bytes exceeds the limit of %u",
				  n, max_frame(c->r));
			break;
		}
		if (have - 4 < n)
			break;
		t_first = c->frame_start;
		c->frame_start = 0;
		p = evbuffer_pullup(in, (ssize_t)n + 4);
		ret = p ? fam_rpc_frame_decode(p, n + 4, max_frame(c->r), &m) : -ENOMEM;
		evbuffer_drain(in, n + 4);
		if (ret < 0) {
			conn_fail(c, LOG_WARNING, "%s frame of %u bytes",
				  ret == -ENOMEM ? "no memory for a" : "malformed", n);
			break;
		}
		if (m.flags & ENV_REPLY)
			reply_received(c, &m);
		else if (!m.method[0])
			conn_fail(c, LOG_WARNING, "request without a method");
		else
			serve_request(c, &m, t_first);
		fam_rpc_msg_clear(&m);
	}
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct fam_rpc_conn *c = arg;

	conn_ref(c);
	conn_process(c, now_ms());
	conn_unref(c);
}

/* UNIX: one read(2) of what fits in 64 KiB, then the frames in the input. */
static void unix_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fam_rpc_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer_iovec v;
	ssize_t n;

	(void)what;
	/* The bufferevent keeps the end of its input frozen but while it reads. */
	evbuffer_unfreeze(in, 0);
	if (evbuffer_reserve_space(in, 65536, &v, 1) < 1) {
		evbuffer_freeze(in, 0);
		conn_event_cb(c->bev, BEV_EVENT_ERROR | BEV_EVENT_READING, c);
		return;
	}
	n = read(fd, v.iov_base, v.iov_len);
	if (n > 0)
		v.iov_len = (size_t)n;
	evbuffer_commit_space(in, &v, n > 0 ? 1 : 0);
	evbuffer_freeze(in, 0);
	if (n > 0) {
		conn_read_cb(c->bev, c);
	} else if (n == 0) {
		conn_event_cb(c->bev, BEV_EVENT_EOF | BEV_EVENT_READING, c);
	} else if (errno != EAGAIN && errno != EINTR) {
		conn_event_cb(c->bev, BEV_EVENT_ERROR | BEV_EVENT_READING, c);
	}
}

/* TLS after the handshake: what arrived, read ahead (rpc_tls_read), then the frames in it. */
static void tls_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fam_rpc_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	int n;

	(void)fd;
	(void)what;
	evbuffer_unfreeze(in, 0);
	n = rpc_tls_read(c->bev, in);
	evbuffer_freeze(in, 0);
	if (n >= 0 && evbuffer_get_length(in))
		conn_read_cb(c->bev, c);
	else if (n == RPC_TLS_EOF)
		conn_event_cb(c->bev, BEV_EVENT_EOF | BEV_EVENT_READING, c);
	else if (n < 0)
		conn_event_cb(c->bev, BEV_EVENT_ERROR | BEV_EVENT_READING, c);
}

/*
 * The handshake is done: read this connection ourselves (tls_read_cb), with
 * OpenSSL's read-ahead, instead of libevent's bufferevent, which reads each
 * record's 5-byte header and its body with two read(2)s. 0 or -errno.
 */
static int tls_take_reads(struct fam_rpc_conn *c)
{
	struct fam_rpc *r = c->r;

	if (rpc_tls_read_ahead(c->bev))
		return -EIO;
	c->rev = event_new(r->base, bufferevent_getfd(c->bev), EV_READ | EV_PERSIST, tls_read_cb,
			   c);
	if (!c->rev)
		return -ENOMEM;
	bufferevent_disable(c->bev, EV_READ);
	if (!c->read_paused && event_add(c->rev, NULL))
		return -ENOMEM;
	/* Bytes the handshake's reads brought along: not waiting for the socket. */
	if (!c->read_paused && (rpc_tls_has_pending(c->bev) ||
				evbuffer_get_length(bufferevent_get_input(c->bev))))
		event_active(c->rev, EV_READ, 0);
	return 0;
}

static void conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct fam_rpc_conn *c = arg;

	if (!c->read_paused)
		return;
	conn_ref(c);
	c->read_paused = false;
	bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
	if (c->rev) {
		event_add(c->rev, NULL);
		/* TLS: records OpenSSL read ahead do not wake the socket's event. */
		if (c->is_tls && rpc_tls_has_pending(bev))
			event_active(c->rev, EV_READ, 0);
	} else {
		bufferevent_enable(bev, EV_READ);
	}
	conn_process(c, now_ms());
	conn_unref(c);
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct fam_rpc_conn *c = arg;
	char why[256];

	conn_ref(c);
	if (what & BEV_EVENT_CONNECTED) {
		if (c->is_tls && !c->ready) {
			if (rpc_tls_peer(bev, &c->peer, why, sizeof(why)) < 0) {
				conn_fail(c, LOG_WARNING, "TLS peer refused: %s", why);
			} else if (c->r->tls_host_known && c->peer.host_id < 0) {
				conn_fail(c, LOG_WARNING, "TLS peer %s refused: its certificate names no "
					  "famfs host id (a subjectAltName URI %sN; see "
					  "docs/certificates.md)", c->peer.name,
					  FAM_RPC_HOST_URI_PREFIX);
			} else if (c->r->tls_host_known &&
				   !c->r->tls_host_known(c->r->tls_host_arg, c->peer.host_id)) {
				conn_fail(c, LOG_WARNING, "TLS peer %s refused: its certificate names "
					  "host %d, which is not a host of this cluster", c->peer.name,
					  c->peer.host_id);
			} else if (c->expect_host >= 0 && c->peer.host_id != c->expect_host) {
				conn_fail(c, LOG_WARNING, "TLS peer %s refused: host %d was dialed, but "
					  "its certificate names %s%d", c->peer.name, c->expect_host,
					  c->peer.host_id < 0 ? "no host id" : "host ",
					  c->peer.host_id < 0 ? 0 : c->peer.host_id);
			} else if (tls_take_reads(c)) {
				conn_fail(c, LOG_WARNING, "TLS peer %s: cannot set up reading",
					  c->peer.name);
			} else {
				c->ready = true;
				bufferevent_set_timeouts(bev, NULL, NULL);
				if (c->served)
					rpc_log(c->r, LOG_INFO, "%s: TLS peer %s connected",
						c->addr, c->peer.name);
			}
		}
	} else if (what & BEV_EVENT_EOF) {
		size_t left = evbuffer_get_length(bufferevent_get_input(bev));

		if (left)
			conn_fail(c, LOG_WARNING, "connection closed in the middle of a frame "
				  "(%zu bytes left)", left);
		else if (!c->ready)
			conn_fail(c, LOG_WARNING, "connection closed during the TLS handshake");
		else
			conn_kill(c, FAM_RPC_UNAVAILABLE, "connection closed by the peer");
	} else if (what & BEV_EVENT_TIMEOUT) {
		conn_fail(c, LOG_WARNING, "TLS handshake timed out");
	} else if (what & BEV_EVENT_ERROR) {
		if (c->is_tls) {
			rpc_tls_error(bev, why, sizeof(why));
		} else {
			snprintf(why, sizeof(why), "%s",
				 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		}
		if (!c->ready)
			conn_fail(c, LOG_WARNING, "TLS handshake failed: %s", why);
		else
			conn_fail(c, LOG_INFO, "connection error: %s", why);
	}
	conn_unref(c);
}

/* ---- UNIX peers ---- */

static bool groups_has(const gid_t *g, int n, gid_t want)
{
	for (int i = 0; i < n; i++)
		if (g[i] == want)
			return true;
	return false;
}

/* The process's own supplementary groups, when its uid still matches (pid reuse). */
static bool proc_groups_has(pid_t pid, uid_t uid, gid_t want)
{
	char path[64], line[1024];
	bool uid_ok = false, found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long real, eff;

		if (sscanf(line, "Uid: %lu %lu", &real, &eff) == 2) {
			uid_ok = eff == uid;
		} else if (!strncmp(line, "Groups:", 7)) {
			char *s = line + 7, *end;

			for (;;) {
				unsigned long v = strtoul(s, &end, 10);

				if (end == s)
					break;
				if (v == want)
					found = true;
				s = end;
			}
		}
	}
	fclose(f);
	return uid_ok && found;
}

/* The groups of the uid's user in the group database. */
static bool user_groups_has(uid_t uid, gid_t gid, gid_t want)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	gid_t groups[64], *g = groups;
	int n = 64;
	bool found = false;

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) || !res)
		return false;
	if (getgrouplist(pw.pw_name, gid, g, &n) < 0) {
		if (n <= 64 || n > 65536 || !(g = malloc(sizeof(*g) * (size_t)n)))
			return false;
		if (getgrouplist(pw.pw_name, gid, g, &n) < 0)
			n = 0;
	}
	found = groups_has(g, n, want);
	if (g != groups)
		free(g);
	return found;
}

static int unix_peer(struct fam_rpc *r, int fd, struct fam_rpc_peer *peer)
{
	struct ucred uc;
	socklen_t l = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &l) < 0)
		return -errno;
	memset(peer, 0, sizeof(*peer));
	peer->is_unix = true;
	peer->host_id = -1;
	peer->pid = uc.pid;
	peer->uid = uc.uid;
	peer->gid = uc.gid;
	snprintf(peer->name, sizeof(peer->name), "uid %u", (unsigned int)uc.uid);
	if (uc.uid == 0)
		peer->admin = true;
	else if (r->opts.admin_gid_set)
		peer->admin = uc.gid == r->opts.admin_gid ||
			      (uc.pid > 0 && proc_groups_has(uc.pid, uc.uid, r->opts.admin_gid)) ||
			      user_groups_has(uc.uid, uc.gid, r->opts.admin_gid);
	return 0;
}

static int sock_family(int fd)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &l) < 0)
		return -errno;
	return ss.ss_family;
}

static struct fam_rpc_conn *conn_unix(struct fam_rpc *r, int fd, bool served, int *err)
{
	struct fam_rpc_peer peer;
	struct bufferevent *bev;
	struct fam_rpc_conn *c;
	int ret;

	if (sock_family(fd) != AF_UNIX) {
		*err = -EPROTONOSUPPORT;	/* no unauthenticated TCP */
		return NULL;
	}
	ret = unix_peer(r, fd, &peer);
	if (ret < 0) {
		*err = ret;
		return NULL;
	}
	if (evutil_make_socket_nonblocking(fd) < 0) {
		*err = -errno;
		return NULL;
	}
	bev = bufferevent_socket_new(r->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		*err = -ENOMEM;
		return NULL;
	}
	c = conn_new(r, bev, false, served, peer.name);
	if (!c) {
		bufferevent_setfd(bev, -1);	/* the caller keeps fd */
		bufferevent_free(bev);
		*err = -ENOMEM;
		return NULL;
	}
	snprintf(c->addr, sizeof(c->addr), "unix pid %d", (int)peer.pid);
	c->peer = peer;
	return c;
}

/* ---- listeners ---- */

static void listener_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rpc_listener *li = arg;

	evconnlistener_enable(li->l);
}

static void listener_error_cb(struct evconnlistener *l, void *arg)
{
	struct rpc_listener *li = arg;
	struct timeval tv = ms_tv(ACCEPT_RETRY_MS);
	int err = EVUTIL_SOCKET_ERROR();

	rpc_log(li->r, LOG_ERR, "accept: %s; pausing for %d ms",
		evutil_socket_error_to_string(err), ACCEPT_RETRY_MS);
	evconnlistener_disable(l);
	evtimer_add(li->resume, &tv);
}

static void format_addr(const struct sockaddr *sa, int salen, char *buf, size_t len)
{
	char host[64] = "?";

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		evutil_inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		evutil_inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else {
		snprintf(buf, len, "unix");
	}
}

static void listener_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
			       struct sockaddr *sa, int salen, void *arg)
{
	struct rpc_listener *li = arg;
	struct fam_rpc *r = li->r;
	char addr[80];
	int err = 0;

	format_addr(sa, salen, addr, sizeof(addr));
	if (r->nserved >= r->opts.max_conns) {
		time_t now = time(NULL);

		if (now != r->last_limit_log)
			rpc_log(r, LOG_WARNING, "%s: refused: %u connections already (the limit)",
				addr, r->nserved);
		r->last_limit_log = now;
		evutil_closesocket(fd);
		return;
	}
	if (li->is_tls) {
		struct bufferevent *bev = rpc_tls_bev(r, fd, li->ctx, true);
		struct timeval tv = { .tv_sec = TLS_HANDSHAKE_S };
		struct fam_rpc_conn *c;

		if (!bev) {
			evutil_closesocket(fd);
			return;
		}
		c = conn_new(r, bev, true, true, addr);
		if (!c) {
			bufferevent_free(bev);
			return;
		}
		bufferevent_set_timeouts(bev, &tv, &tv);
		return;
	}
	if (!conn_unix(r, fd, true, &err)) {
		rpc_log(r, LOG_WARNING, "%s: cannot serve: %s", addr, strerror(-err));
		evutil_closesocket(fd);
	}
}

int rpc_listener_add(struct fam_rpc *r, int fd, bool is_tls, SSL_CTX *ctx)
{
	struct rpc_listener *li;

	if (is_tls && !ctx)
		return -EINVAL;
	if (!is_tls && sock_family(fd) != AF_UNIX)
		return -EPROTONOSUPPORT;	/* TCP only with TLS */
	if (evutil_make_socket_nonblocking(fd) < 0)
		return -errno;
	li = calloc(1, sizeof(*li));
	if (!li)
		return -ENOMEM;
	li->r = r;
	li->is_tls = is_tls;
	li->resume = evtimer_new(r->base, listener_resume_cb, li);
	li->l = evconnlistener_new(r->base, listener_accept_cb, li,
				   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (!li->l || !li->resume) {
		if (li->l) {
			evconnlistener_set_cb(li->l, NULL, NULL);
			evconnlistener_free(li->l);	/* closes fd: the caller must not */
		}
		if (li->resume)
			event_free(li->resume);
		free(li);
		return -ENOMEM;
	}
	evconnlistener_set_error_cb(li->l, listener_error_cb);
	if (is_tls) {
		SSL_CTX_up_ref(ctx);
		li->ctx = ctx;
	}
	rl_add(&r->listeners, &li->link);
	return 0;
}

int fam_rpc_listen_fd(struct fam_rpc *r, int listen_fd, bool is_tls, SSL_CTX *ctx)
{
	return rpc_listener_add(r, listen_fd, is_tls, ctx);
}

int fam_rpc_listen_unix(struct fam_rpc *r, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, ret;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A socket left by a previous run is replaced; a live one or anything else is not ours. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			close(fd);
			return -EEXIST;
		}
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		bool live = probe >= 0 && connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0;

		if (probe >= 0)
			close(probe);
		if (live) {
			close(fd);
			return -EADDRINUSE;
		}
		unlink(path);
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    chmod(path, 0666) < 0 || listen(fd, SOMAXCONN) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ret = rpc_listener_add(r, fd, false, NULL);
	if (ret < 0) {
		close(fd);
		unlink(path);
	}
	return ret;
}

int fam_rpc_serve_fd(struct fam_rpc *r, int fd)
{
	int err = 0;

	return conn_unix(r, fd, true, &err) ? 0 : err;
}

/* ---- client connections ---- */

struct fam_rpc_conn *rpc_conn_client(struct fam_rpc *r, struct bufferevent *bev, bool is_tls,
				     const char *addr)
{
	return conn_new(r, bev, is_tls, false, addr);
}

struct fam_rpc_conn *fam_rpc_connect_fd(struct fam_rpc *r, int fd, int *err)
{
	int e = 0;
	struct fam_rpc_conn *c = conn_unix(r, fd, false, &e);

	if (err)
		*err = e;
	return c;
}

struct fam_rpc_conn *fam_rpc_connect_unix(struct fam_rpc *r, const char *path, int *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct fam_rpc_conn *c;
	int fd, e;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		if (err)
			*err = -ENAMETOOLONG;
		return NULL;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		e = -errno;
		if (fd >= 0)
			close(fd);
		if (err)
			*err = e;
		return NULL;
	}
	c = fam_rpc_connect_fd(r, fd, err);
	if (!c)
		close(fd);
	else
		snprintf(c->addr, sizeof(c->addr), "unix %.70s", path);
	return c;
}

void fam_rpc_conn_close(struct fam_rpc_conn *c)
{
	if (!c)
		return;
	c->user_closed = true;
	conn_ref(c);
	conn_kill(c, FAM_RPC_CANCELLED, "connection closed by the caller");
	conn_unref(c);
}

/* ---- setup ---- */

struct fam_rpc *fam_rpc_new(struct event_base *base, const struct fam_rpc_opts *opts)
{
	struct fam_rpc *r = calloc(1, sizeof(*r));
	struct sigaction sa;

	if (!r)
		return NULL;
	r->base = base;
	if (opts)
		r->opts = *opts;
	if (!r->opts.max_frame)
		r->opts.max_frame = FAM_RPC_MAX_FRAME_DEFAULT;
	if (!r->opts.max_conns)
		r->opts.max_conns = FAM_RPC_MAX_CONNS_DEFAULT;
	rl_init(&r->listeners);
	rl_init(&r->conns);
	rl_init(&r->orphans);
	rl_init(&r->dirty);
	r->flush_ev = event_new(base, -1, 0, flush_cb, r);
	if (!r->flush_ev) {
		free(r);
		return NULL;
	}
	/* A peer that goes away must not kill us with SIGPIPE on the next write. */
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
	return r;
}

int fam_rpc_register(struct fam_rpc *r, const char *method, unsigned int flags,
		     fam_rpc_handler h, void *arg)
{
	struct rpc_method *m;

	if (!method || !method[0] || !h)
		return -EINVAL;
	if (method_find(r, method))
		return -EEXIST;
	m = calloc(1, sizeof(*m));
	if (!m || !(m->name = strdup(method))) {
		free(m);
		return -ENOMEM;
	}
	m->flags = flags;
	m->h = h;
	m->arg = arg;
	m->next = r->methods;
	r->methods = m;
	m->hnext = r->mtab[name_hash(method)];
	r->mtab[name_hash(method)] = m;
	return 0;
}

void fam_rpc_free(struct fam_rpc *r)
{
	if (!r)
		return;
	/* Calls ended below (CANCELLED) may reply at once: nothing is held any more. */
	rpc_hold_free(r->hold);
	r->hold = NULL;
	while (!rl_empty(&r->listeners)) {
		struct rpc_listener *li = rl_entry(r->listeners.next, struct rpc_listener, link);

		rl_del(&li->link);
		evconnlistener_free(li->l);
		event_free(li->resume);
		if (li->ctx)
			SSL_CTX_free(li->ctx);
		free(li);
	}
	while (!rl_empty(&r->conns)) {
		struct fam_rpc_conn *c = rl_entry(r->conns.next, struct fam_rpc_conn, link);

		conn_ref(c);
		conn_kill(c, FAM_RPC_CANCELLED, "RPC layer shut down");
		c->user_closed = true;
		conn_unref(c);
	}
	while (!rl_empty(&r->orphans))
		call_free(rl_entry(r->orphans.next, struct fam_rpc_call, link));
	event_free(r->flush_ev);
	while (r->methods) {
		struct rpc_method *m = r->methods;

		r->methods = m->next;
		free(m->name);
		free(m);
	}
	free(r);
}

struct rpc_hold **rpc_hold_slot(struct fam_rpc *r)
{
	return &r->hold;
}

void fam_rpc_set_tls_hosts(struct fam_rpc *r, bool (*known)(void *arg, int host_id), void *arg)
{
	r->tls_host_known = known;
	r->tls_host_arg = arg;
}

void fam_rpc_conn_expect_host(struct fam_rpc_conn *c, int host_id)
{
	c->expect_host = host_id;
}

void fam_rpc_set_admin_gid(struct fam_rpc *r, gid_t gid, bool set)
{
	r->opts.admin_gid = gid;
	r->opts.admin_gid_set = set;
}

bool fam_rpc_conn_dead(const struct fam_rpc_conn *c)
{
	return c->dead;
}

const struct fam_rpc_peer *fam_rpc_conn_peer(const struct fam_rpc_conn *c)
{
	return &c->peer;
}
