// SPDX-License-Identifier: Apache-2.0
/*
 * libfamfs-client: each call is one RPC to the local famfsd (lib/rpc.h),
 * run to completion on a private event loop.
 */
#include <famfs/client.h>

#include "flush.h"
#include "rpc.h"
#include "famfs.pb-c.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 10000
#define RETRY_FIRST_MS 1
#define RETRY_MAX_MS 50
#define MAP_ALIGN (2UL << 20)

struct famfs_client {
	struct event_base *base;
	struct fam_rpc *rpc;
	struct fam_rpc_conn *conn;
	uint32_t timeout_ms;
	uint32_t retry_ms;		/* see famfs_set_retry */
	bool retry_set;
	char socket[4096];		/* for the second connection of famfs_watch */
	char err[8448];
	bool have_status;
	struct famfs_status st;
	/* Request id of the next mutating call (set by famfs_set_request_id) and of the last. */
	uint8_t next_req[FAMFS_REQUEST_ID_LEN], last_req[FAMFS_REQUEST_ID_LEN];
	bool have_next_req;
};

int famfs_set_request_id(struct famfs_client *c, const uint8_t id[FAMFS_REQUEST_ID_LEN])
{
	bool zero = true;

	for (size_t i = 0; i < FAMFS_REQUEST_ID_LEN; i++)
		zero = zero && !id[i];
	if (zero)
		return -EINVAL;
	memcpy(c->next_req, id, FAMFS_REQUEST_ID_LEN);
	c->have_next_req = true;
	return 0;
}

void famfs_request_id(const struct famfs_client *c, uint8_t out[FAMFS_REQUEST_ID_LEN])
{
	memcpy(out, c->last_req, FAMFS_REQUEST_ID_LEN);
}

/*
 * The id of a mutating call: the one set for it, or a new random one. The
 * daemon records it in the log record, so a retry with the same id gets the
 * first attempt's result instead of acting twice (docs/protocol.md).
 */
static ProtobufCBinaryData next_request_id(struct famfs_client *c)
{
	ProtobufCBinaryData b = { FAMFS_REQUEST_ID_LEN, c->last_req };

	if (c->have_next_req) {
		memcpy(c->last_req, c->next_req, FAMFS_REQUEST_ID_LEN);
		c->have_next_req = false;
		return b;
	}
	for (;;) {
		bool zero = true;

		if (getrandom(c->last_req, FAMFS_REQUEST_ID_LEN, 0) != (ssize_t)FAMFS_REQUEST_ID_LEN) {
			/* No entropy source: unique enough within this process and host. */
			struct timespec ts;
			uint64_t v[2];

			clock_gettime(CLOCK_REALTIME, &ts);
			v[0] = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
			v[1] = ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)c;
			memcpy(c->last_req, v, sizeof(v));
		}
		for (size_t i = 0; i < FAMFS_REQUEST_ID_LEN; i++)
			zero = zero && !c->last_req[i];
		if (!zero)
			return b;
	}
}

static int set_err(struct famfs_client *c, int err, const char *fmt, const char *a)
{
	snprintf(c->err, sizeof(c->err), fmt, a);
	return err;
}

int famfs_connect(const char *socket, struct famfs_client **out)
{
	struct famfs_client *c = calloc(1, sizeof(*c));
	struct fam_rpc_opts o = { 0 };
	int err = -ENOMEM;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	if (!socket)
		socket = getenv("FAMFS_SOCKET");
	if (!socket)
		socket = FAMFS_CLIENT_SOCKET_DEFAULT;
	c->timeout_ms = DEFAULT_TIMEOUT_MS;
	snprintf(c->socket, sizeof(c->socket), "%s", socket);
	c->base = event_base_new();
	if (!c->base)
		goto fail;
	c->rpc = fam_rpc_new(c->base, &o);
	if (!c->rpc)
		goto fail;
	c->conn = fam_rpc_connect_unix(c->rpc, socket, &err);
	if (!c->conn) {
		fprintf(stderr, "famfs: cannot connect to famfsd at %s: %s (is famfsd running?)\n",
			socket, strerror(-err));
		goto fail;
	}
	*out = c;
	return 0;
fail:
	famfs_disconnect(c);
	return err;
}

void famfs_disconnect(struct famfs_client *c)
{
	if (!c)
		return;
	if (c->conn)
		fam_rpc_conn_close(c->conn);
	if (c->rpc)
		fam_rpc_free(c->rpc);
	if (c->base)
		event_base_free(c->base);
	free(c);
}

const char *famfs_errmsg(const struct famfs_client *c)
{
	return c && c->err[0] ? c->err : "no error";
}

void famfs_set_timeout(struct famfs_client *c, uint32_t ms)
{
	c->timeout_ms = ms;
}

void famfs_set_retry(struct famfs_client *c, uint32_t ms)
{
	c->retry_ms = ms;
	c->retry_set = true;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One call with a deadline: pack req (may be NULL), run it, hand back the reply bytes. */
static int call_dl(struct famfs_client *c, const char *method, const ProtobufCMessage *req,
		   uint8_t **reply, size_t *reply_len, uint32_t deadline_ms)
{
	uint8_t *buf = NULL, *rep = NULL;
	size_t len = 0, rlen = 0;
	char *msg = NULL;
	int status;

	c->err[0] = 0;
	if (req) {
		len = protobuf_c_message_get_packed_size(req);
		buf = malloc(len ? len : 1);
		if (!buf)
			return set_err(c, -ENOMEM, "%s", "out of memory");
		protobuf_c_message_pack(req, buf);
	}
	status = fam_rpc_call_sync(c->conn, method, buf, len, deadline_ms, &rep, &rlen, &msg);
	free(buf);
	if (status != FAM_RPC_OK) {
		snprintf(c->err, sizeof(c->err), "%s: %s", fam_rpc_status_name(status),
			 msg ? msg : "no detail");
		free(msg);
		free(rep);
		return fam_rpc_errno_from_status(status);
	}
	free(msg);
	if (reply) {
		*reply = rep;
		*reply_len = rlen;
	} else {
		free(rep);
	}
	return 0;
}

static int call(struct famfs_client *c, const char *method, const ProtobufCMessage *req,
		uint8_t **reply, size_t *reply_len)
{
	return call_dl(c, method, req, reply, reply_len, c->timeout_ms);
}

static int stat_from_node(const Famfs__Node *n, struct famfs_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->path = strdup(n->path);
	st->extents = calloc(n->n_extents + 1, sizeof(*st->extents));
	st->owners = calloc(n->n_owners + 1, sizeof(*st->owners));
	if (!st->path || !st->extents || !st->owners) {
		famfs_stat_free(st);
		return -ENOMEM;
	}
	st->is_dir = n->is_dir;
	st->ino = n->ino;
	st->mode = n->mode;
	st->uid = n->uid;
	st->gid = n->gid;
	st->size = n->size;
	st->n_extents = (uint32_t)n->n_extents;
	for (size_t i = 0; i < n->n_extents; i++) {
		st->extents[i].offset = n->extents[i]->offset;
		st->extents[i].length = n->extents[i]->length;
	}
	st->n_owners = (uint32_t)n->n_owners;
	for (size_t i = 0; i < n->n_owners; i++) {
		st->owners[i].host = n->owners[i]->host;
		st->owners[i].mode = n->owners[i]->mode;
		st->owners[i].epoch = n->owners[i]->epoch;
	}
	return 0;
}

/* A call whose reply is a Node. */
static int node_call(struct famfs_client *c, const char *method, const ProtobufCMessage *req,
		     struct famfs_stat *st)
{
	uint8_t *rep = NULL;
	size_t len = 0;
	Famfs__Node *n;
	int err = call(c, method, req, &rep, &len);

	if (err || !st) {
		free(rep);
		return err;
	}
	n = famfs__node__unpack(NULL, len, rep);
	free(rep);
	if (!n)
		return set_err(c, -EPROTO, "%s", "malformed Node in the reply");
	err = stat_from_node(n, st);
	famfs__node__free_unpacked(n, NULL);
	return err;
}

void famfs_stat_free(struct famfs_stat *st)
{
	if (!st)
		return;
	free(st->path);
	free(st->extents);
	free(st->owners);
	memset(st, 0, sizeof(*st));
}

void famfs_list_free(struct famfs_stat *entries, size_t n)
{
	for (size_t i = 0; i < n; i++)
		famfs_stat_free(&entries[i]);
	free(entries);
}

int famfs_ping(struct famfs_client *c)
{
	return call(c, "famfs.Ping", NULL, NULL, NULL);
}

#define COPY_STR(dst, src) snprintf(dst, sizeof(dst), "%s", (src) ? (src) : "")

int famfs_status(struct famfs_client *c, struct famfs_status *st)
{
	uint8_t *rep = NULL;
	size_t len = 0;
	Famfs__StatusReply *r;
	int err = call(c, "famfs.Status", NULL, &rep, &len);

	if (err)
		return err;
	r = famfs__status_reply__unpack(NULL, len, rep);
	free(rep);
	if (!r)
		return set_err(c, -EPROTO, "%s", "malformed StatusReply");
	memset(st, 0, sizeof(*st));
	COPY_STR(st->version, r->version);
	COPY_STR(st->uuid, r->uuid);
	COPY_STR(st->mode, r->mode);
	COPY_STR(st->device, r->device);
	COPY_STR(st->mount, r->mount);
	st->host_id = r->host_id;
	st->writer = r->writer;
	st->epoch = r->epoch;
	st->head_seq = r->head_seq;
	st->committed_seq = r->committed_seq;
	st->replayed_seq = r->replayed_seq;
	st->files = r->files;
	st->directories = r->directories;
	st->log_size = r->log_size;
	st->log_used = r->log_used;
	st->data_bytes = r->data_bytes;
	st->used_bytes = r->used_bytes;
	st->pending_bytes = r->pending_bytes;
	st->free_bytes = r->free_bytes;
	st->uptime_ms = r->uptime_ms;
	st->rpc_calls = r->rpc_calls;
	st->rpc_errors = r->rpc_errors;
	COPY_STR(st->role, r->role);
	st->master = r->master;
	famfs__status_reply__free_unpacked(r, NULL);
	c->st = *st;
	c->have_status = true;
	return 0;
}

void famfs_cluster_free(struct famfs_cluster *cl)
{
	if (!cl)
		return;
	free(cl->hosts);
	memset(cl, 0, sizeof(*cl));
}

int famfs_cluster(struct famfs_client *c, struct famfs_cluster *out)
{
	uint8_t *rep = NULL;
	size_t len = 0;
	Famfs__ClusterReply *r;
	int err = call(c, "famfs.Cluster", NULL, &rep, &len);

	memset(out, 0, sizeof(*out));
	if (err)
		return err;
	r = famfs__cluster_reply__unpack(NULL, len, rep);
	free(rep);
	if (!r)
		return set_err(c, -EPROTO, "%s", "malformed ClusterReply");
	out->hosts = calloc(r->n_hosts + 1, sizeof(*out->hosts));
	if (!out->hosts) {
		famfs__cluster_reply__free_unpacked(r, NULL);
		return set_err(c, -ENOMEM, "%s", "out of memory");
	}
	out->self = r->self;
	COPY_STR(out->role, r->role);
	out->master = r->master;
	out->epoch = r->epoch;
	out->committed_seq = r->committed_seq;
	out->watermark = r->watermark;
	out->lease_left_ms = r->lease_left_ms;
	out->lease_ms = r->lease_ms;
	out->n_hosts = r->n_hosts;
	for (size_t i = 0; i < r->n_hosts; i++) {
		const Famfs__HostState *h = r->hosts[i];
		struct famfs_host *o = &out->hosts[i];

		o->host = h->host;
		COPY_STR(o->name, h->name);
		COPY_STR(o->address, h->address);
		o->self = h->self;
		o->master = h->master;
		o->up = h->up;
		o->replay_known = h->replay_known;
		o->replayed_seq = h->replayed_seq;
		o->lag = h->replay_known && r->committed_seq > h->replayed_seq ?
			 r->committed_seq - h->replayed_seq : 0;
		o->last_contact_ms = h->last_heard_ms;
		COPY_STR(o->lease, h->lease);
		o->lease_left_ms = h->lease_left_ms;
	}
	famfs__cluster_reply__free_unpacked(r, NULL);
	return 0;
}

int famfs_mkdir(struct famfs_client *c, const char *path, uint32_t mode, bool parents)
{
	Famfs__MkdirRequest m = FAMFS__MKDIR_REQUEST__INIT;

	m.path = (char *)path;
	m.mode = mode;
	m.parents = parents;
	if (!parents)	/* mkdir -p is idempotent by itself */
		m.request_id = next_request_id(c);
	return node_call(c, "famfs.Mkdir", &m.base, NULL);
}

int famfs_create(struct famfs_client *c, const char *path, uint32_t mode, uint64_t size,
		 struct famfs_stat *st)
{
	Famfs__CreateRequest m = FAMFS__CREATE_REQUEST__INIT;

	m.path = (char *)path;
	m.mode = mode;
	m.size = size;
	m.request_id = next_request_id(c);
	return node_call(c, "famfs.Create", &m.base, st);
}

int famfs_unlink(struct famfs_client *c, const char *path)
{
	Famfs__PathRequest m = FAMFS__PATH_REQUEST__INIT;

	m.path = (char *)path;
	m.request_id = next_request_id(c);
	return call(c, "famfs.Delete", &m.base, NULL, NULL);
}

int famfs_rename(struct famfs_client *c, const char *from, const char *to)
{
	Famfs__RenameRequest m = FAMFS__RENAME_REQUEST__INIT;

	m.from = (char *)from;
	m.to = (char *)to;
	m.request_id = next_request_id(c);
	return node_call(c, "famfs.Rename", &m.base, NULL);
}

int famfs_stat(struct famfs_client *c, const char *path, struct famfs_stat *st)
{
	Famfs__PathRequest m = FAMFS__PATH_REQUEST__INIT;

	m.path = (char *)path;
	return node_call(c, "famfs.Stat", &m.base, st);
}

int famfs_list(struct famfs_client *c, const char *path, struct famfs_stat **entries,
	       size_t *n)
{
	Famfs__PathRequest m = FAMFS__PATH_REQUEST__INIT;
	Famfs__ListReply *r;
	uint8_t *rep = NULL;
	size_t len = 0;
	int err;

	*entries = NULL;
	*n = 0;
	m.path = (char *)path;
	err = call(c, "famfs.List", &m.base, &rep, &len);
	if (err)
		return err;
	r = famfs__list_reply__unpack(NULL, len, rep);
	free(rep);
	if (!r)
		return set_err(c, -EPROTO, "%s", "malformed ListReply");
	*entries = calloc(r->n_entries + 1, sizeof(**entries));
	if (!*entries) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < r->n_entries; i++) {
		err = stat_from_node(r->entries[i], &(*entries)[i]);
		if (err) {
			famfs_list_free(*entries, i);
			*entries = NULL;
			goto out;
		}
	}
	*n = r->n_entries;
out:
	famfs__list_reply__free_unpacked(r, NULL);
	return err;
}

/* User-space mode: the extents of the file, side by side in one range. */
static int map_extents(struct famfs_client *c, const struct famfs_stat *st, int prot,
		       struct famfs_map *m)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), total = 0, off = 0;
	uint8_t *base, *aligned;
	int fd, err = 0;

	for (uint32_t i = 0; i < st->n_extents; i++)
		total += st->extents[i].length;
	if (total < st->size)
		return set_err(c, -EUCLEAN, "%s: extents do not cover the file", st->path);
	total = (total + page - 1) / page * page;
	fd = open(c->st.device, (prot & PROT_WRITE ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		return set_err(c, err, "cannot open the famfs device %s (user-space mode maps it directly)",
			       c->st.device);
	}
	/* Reserve an aligned range so that 2 MiB extents can use huge mappings. */
	base = mmap(NULL, total + MAP_ALIGN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		err = -errno;
		close(fd);
		return set_err(c, err, "%s", "cannot reserve address space");
	}
	aligned = (uint8_t *)(((uintptr_t)base + MAP_ALIGN - 1) & ~(MAP_ALIGN - 1));
	if (aligned > base)
		munmap(base, (size_t)(aligned - base));
	munmap(aligned + total, (size_t)(base + total + MAP_ALIGN - (aligned + total)));
	for (uint32_t i = 0; i < st->n_extents && off < total; i++) {
		size_t len = st->extents[i].length;

		if (len > total - off)
			len = total - off;
		if (mmap(aligned + off, len, prot, MAP_SHARED | MAP_FIXED, fd,
			 (off_t)st->extents[i].offset) == MAP_FAILED) {
			err = -errno;
			munmap(aligned, total);
			close(fd);
			return set_err(c, err, "%s: mmap of an extent failed", st->path);
		}
		off += len;
	}
	close(fd);
	m->addr = aligned;
	m->length = st->size;
	m->map_length = total;
	m->prot = prot;
	return 0;
}

/*
 * Ownership: may this host map path (for writing)? An older famfsd without
 * famfs.Open: yes. UNAVAILABLE from a live famfsd is a passing state of this
 * host (its invalidation of the data set's cached lines, its lease being
 * renewed, its replay catching up): asked again with a growing pause, up to
 * the retry budget (famfs_set_retry). A lost connection is not retried.
 */
static int open_check(struct famfs_client *c, const char *path, int prot)
{
	Famfs__OpenRequest m = FAMFS__OPEN_REQUEST__INIT;
	uint32_t budget = c->retry_set ? c->retry_ms : c->timeout_ms;
	uint64_t start = now_ms(), waited;
	uint32_t pause = RETRY_FIRST_MS;
	int err;

	m.path = (char *)path;
	m.write = (prot & PROT_WRITE) != 0;
	for (;;) {
		err = call(c, "famfs.Open", &m.base, NULL, NULL);
		if (err != -ENOTCONN || fam_rpc_conn_dead(c->conn))
			break;
		waited = now_ms() - start;
		if (waited >= budget)
			break;
		if (pause > budget - waited)
			pause = (uint32_t)(budget - waited);
		usleep(pause * 1000U);
		pause = pause * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : pause * 2;
	}
	if (err == -ENOSYS) {
		c->err[0] = 0;
		return 0;
	}
	return err;
}

int famfs_mmap(struct famfs_client *c, const char *path, int prot, struct famfs_map *m)
{
	struct famfs_status s;
	struct famfs_stat st;
	int err;

	memset(m, 0, sizeof(*m));
	if (!c->have_status && (err = famfs_status(c, &s)))
		return err;
	err = open_check(c, path, prot);
	if (err)
		return err;
	err = famfs_stat(c, path, &st);
	if (err)
		return err;
	if (st.is_dir) {
		famfs_stat_free(&st);
		return set_err(c, -EISDIR, "%s: is a directory", path);
	}
	if (!strcmp(c->st.mode, "kernel")) {
		char full[8192];
		size_t page = (size_t)sysconf(_SC_PAGESIZE);
		int fd;

		snprintf(full, sizeof(full), "%s%s", c->st.mount, path);
		fd = open(full, (prot & PROT_WRITE ? O_RDWR : O_RDONLY) | O_CLOEXEC);
		if (fd < 0) {
			err = -errno;
			famfs_stat_free(&st);
			return set_err(c, err, "cannot open %s", full);
		}
		m->map_length = st.size ? (st.size + page - 1) / page * page : page;
		m->addr = mmap(NULL, m->map_length, prot, MAP_SHARED, fd, 0);
		err = m->addr == MAP_FAILED ? -errno : 0;
		close(fd);
		if (err) {
			m->addr = NULL;
			famfs_stat_free(&st);
			return set_err(c, err, "mmap of %s failed", full);
		}
		m->length = st.size;
		m->prot = prot;
	} else if (st.size == 0) {
		m->addr = NULL;
	} else {
		err = map_extents(c, &st, prot, m);
	}
	famfs_stat_free(&st);
	return err;
}

int famfs_munmap(struct famfs_map *m)
{
	int err = 0;

	if (m->addr && munmap(m->addr, m->map_length))
		err = -errno;
	memset(m, 0, sizeof(*m));
	return err;
}

void famfs_flush(const void *addr, size_t len)
{
	fam_flush(addr, len);
}

void famfs_invalidate(const void *addr, size_t len)
{
	fam_invalidate(addr, len);
}

/* ---- ownership ---- */

void famfs_owners_free(struct famfs_owners *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->n_grants; i++)
		free(o->grants[i].path);
	free(o->grants);
	free(o->path);
	free(o->warning);
	memset(o, 0, sizeof(*o));
}

static int owners_from(struct famfs_client *c, const uint8_t *rep, size_t len,
		       struct famfs_owners *o)
{
	Famfs__OwnersReply *r = famfs__owners_reply__unpack(NULL, len, rep);
	int err = 0;

	memset(o, 0, sizeof(*o));
	if (!r)
		return set_err(c, -EPROTO, "%s", "malformed OwnersReply");
	o->path = strdup(r->path);
	o->warning = strdup(r->warning);
	o->grants = calloc(r->n_owners + 1, sizeof(*o->grants));
	if (!o->path || !o->warning || !o->grants) {
		err = -ENOMEM;
		goto out;
	}
	o->host = r->host;
	o->access = r->access;
	o->owned = r->owned;
	for (size_t i = 0; i < r->n_owners; i++) {
		struct famfs_grant *g = &o->grants[i];

		g->path = strdup(r->owners[i]->path);
		if (!g->path) {
			err = -ENOMEM;
			goto out;
		}
		g->host = r->owners[i]->host;
		g->mode = r->owners[i]->mode;
		g->epoch = r->owners[i]->epoch;
		g->seq = r->owners[i]->seq;
		g->scope = (enum famfs_grant_scope)r->owners[i]->scope;
		o->n_grants = i + 1;
	}
out:
	famfs__owners_reply__free_unpacked(r, NULL);
	if (err) {
		famfs_owners_free(o);
		set_err(c, err, "%s", "out of memory");
	}
	return err;
}

/* A call whose reply is an OwnersReply (out may be NULL). */
static int owners_call(struct famfs_client *c, const char *method, const ProtobufCMessage *req,
		       struct famfs_owners *out, uint32_t deadline_ms)
{
	uint8_t *rep = NULL;
	size_t len = 0;
	int err = call_dl(c, method, req, &rep, &len, deadline_ms);

	if (!err && out)
		err = owners_from(c, rep, len, out);
	free(rep);
	return err;
}

int famfs_acquire(struct famfs_client *c, const char *path, uint32_t mode, int host,
		  struct famfs_owners *out)
{
	Famfs__AcquireRequest m = FAMFS__ACQUIRE_REQUEST__INIT;

	m.path = (char *)path;
	m.mode = mode;
	m.has_host = host >= 0;
	m.host = host >= 0 ? (uint32_t)host : 0;
	m.request_id = next_request_id(c);
	return owners_call(c, "famfs.Acquire", &m.base, out, c->timeout_ms);
}

int famfs_release(struct famfs_client *c, const char *path, int host, struct famfs_owners *out)
{
	Famfs__ReleaseRequest m = FAMFS__RELEASE_REQUEST__INIT;

	m.path = (char *)path;
	m.has_host = host >= 0;
	m.host = host >= 0 ? (uint32_t)host : 0;
	m.request_id = next_request_id(c);
	return owners_call(c, "famfs.Release", &m.base, out, c->timeout_ms);
}

int famfs_handoff(struct famfs_client *c, const char *path, uint32_t to_host, uint32_t wait_ms,
		  bool force, struct famfs_owners *out)
{
	Famfs__HandoffRequest m = FAMFS__HANDOFF_REQUEST__INIT;
	uint64_t dl = (uint64_t)c->timeout_ms + wait_ms + 5000;

	m.path = (char *)path;
	m.to_host = to_host;
	m.wait_ms = wait_ms;
	m.force = force;
	m.request_id = next_request_id(c);
	return owners_call(c, "famfs.Handoff", &m.base, out,
			   dl > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)dl);
}

int famfs_owners(struct famfs_client *c, const char *path, struct famfs_owners *out)
{
	Famfs__PathRequest m = FAMFS__PATH_REQUEST__INIT;

	m.path = (char *)path;
	return owners_call(c, "famfs.Owners", &m.base, out, c->timeout_ms);
}

struct watch_ctx {
	famfs_watch_fn cb;
	void *arg;
	bool done, stop;
	int status;
	char *msg;
};

static void watch_item(const uint8_t *payload, size_t len, void *arg)
{
	struct watch_ctx *w = arg;
	Famfs__WatchEvent *e;
	struct famfs_event ev;

	if (w->stop)
		return;
	e = famfs__watch_event__unpack(NULL, len, payload);
	if (!e)
		return;
	if (strcmp(e->kind, "keepalive")) {
		ev.kind = e->kind;
		ev.path = e->path;
		ev.to = e->to;
		ev.seq = e->seq;
		ev.has_host = e->has_host;
		ev.host = e->host;
		ev.mode = e->mode;
		ev.epoch = e->epoch;
		if (w->cb(&ev, w->arg))
			w->stop = true;
	}
	famfs__watch_event__free_unpacked(e, NULL);
}

static void watch_done(int status, const char *msg, const uint8_t *payload, size_t len,
		       void *arg)
{
	struct watch_ctx *w = arg;

	w->done = true;
	w->status = status;
	free(w->msg);
	w->msg = strdup(msg ? msg : "");
}

int famfs_watch_path(struct famfs_client *c, const char *path, famfs_watch_fn cb, void *arg)
{
	Famfs__WatchRequest m = FAMFS__WATCH_REQUEST__INIT;
	struct watch_ctx w = { .cb = cb, .arg = arg };
	struct fam_rpc_conn *conn;
	uint8_t *buf;
	size_t len;
	int err = 0;

	c->err[0] = 0;
	conn = fam_rpc_connect_unix(c->rpc, c->socket, &err);
	if (!conn)
		return set_err(c, err, "cannot open a second connection to famfsd at %s", c->socket);
	m.path = (char *)(path ? path : "");
	len = famfs__watch_request__get_packed_size(&m);
	buf = malloc(len ? len : 1);
	if (!buf) {
		fam_rpc_conn_close(conn);
		return set_err(c, -ENOMEM, "%s", "out of memory");
	}
	famfs__watch_request__pack(&m, buf);
	err = fam_rpc_call(conn, "famfs.Watch", buf, len, 0, watch_done, watch_item, &w);
	free(buf);
	if (err) {
		fam_rpc_conn_close(conn);
		return set_err(c, err, "%s", "cannot start the watch");
	}
	while (!w.done && !w.stop)
		if (event_base_loop(c->base, EVLOOP_ONCE) != 0)
			break;
	fam_rpc_conn_close(conn);	/* a stop by the callback: the call ends as CANCELLED */
	if (w.stop) {
		free(w.msg);
		return 0;
	}
	if (!w.done) {
		free(w.msg);
		return set_err(c, -EIO, "%s", "event loop failed");
	}
	snprintf(c->err, sizeof(c->err), "the watch ended: %s: %s", fam_rpc_status_name(w.status),
		 w.msg && *w.msg ? w.msg : "no detail");
	free(w.msg);
	err = fam_rpc_errno_from_status(w.status);
	return err ? err : -ENOTCONN;
}

int famfs_watch(struct famfs_client *c, famfs_watch_fn cb, void *arg)
{
	return famfs_watch_path(c, NULL, cb, arg);
}
