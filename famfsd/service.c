// SPDX-License-Identifier: Apache-2.0
/*
 * The control API (proto/famfs.proto): one handler per method, each
 * decoding its request, acting on the local famfs and replying once. In
 * kernel mode every committed change is also made in the mount at once.
 */
#include "authz.h"
#include "cluster.h"
#include "famfsd.h"
#include "ownership.h"
#include "reply.h"
#include "kmount.h"
#include "rpc.h"
#include "rpc_arena.h"
#include "version.h"
#include "famfs.pb-c.h"

#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/*
 * Node <-> protobuf. The returned message points into n and into the
 * scratch arrays: inline ones for the usual few extents and grants and a
 * short path (a create's reply, one per call), allocated ones beyond.
 * A zeroed node_msg may be freed.
 */
#define NODE_MSG_INLINE	4
struct node_msg {
	Famfs__Node node;
	Famfs__Extent *ext, **extp;
	Famfs__Grant *grant, **grantp;
	char *path;
	Famfs__Extent ext_in[NODE_MSG_INLINE], *extp_in[NODE_MSG_INLINE];
	Famfs__Grant grant_in[NODE_MSG_INLINE], *grantp_in[NODE_MSG_INLINE];
	char path_in[256];
};

static void *node_msg_array(void *in, size_t n, size_t size)
{
	return n <= NODE_MSG_INLINE ? in : calloc(n, size);
}

static int node_msg_fill(struct node_msg *m, const struct fam_node *n)
{
	famfs__node__init(&m->node);
	m->ext = node_msg_array(m->ext_in, n->n_ext, sizeof(*m->ext));
	m->extp = node_msg_array(m->extp_in, n->n_ext, sizeof(*m->extp));
	m->grant = node_msg_array(m->grant_in, n->n_grants, sizeof(*m->grant));
	m->grantp = node_msg_array(m->grantp_in, n->n_grants, sizeof(*m->grantp));
	m->path = m->path_in;
	if (fam_ns_path(n, m->path, sizeof(m->path_in)) < 0) {
		m->path = malloc(PATH_MAX);
		if (!m->path)
			return -ENOMEM;
		if (fam_ns_path(n, m->path, PATH_MAX) < 0)
			return -ENAMETOOLONG;
	}
	if (!m->ext || !m->extp || !m->grant || !m->grantp)
		return -ENOMEM;
	m->node.path = m->path;
	m->node.is_dir = S_ISDIR(n->mode);
	m->node.ino = n->ino;
	m->node.mode = n->mode & 07777;
	m->node.uid = n->uid;
	m->node.gid = n->gid;
	m->node.size = n->size;
	for (uint32_t i = 0; i < n->n_ext; i++) {
		famfs__extent__init(&m->ext[i]);
		m->ext[i].offset = n->ext[i].offset;
		m->ext[i].length = n->ext[i].len;
		m->extp[i] = &m->ext[i];
	}
	m->node.n_extents = n->n_ext;
	m->node.extents = m->extp;
	for (uint32_t i = 0; i < n->n_grants; i++) {
		famfs__grant__init(&m->grant[i]);
		m->grant[i].host = n->grants[i].host;
		m->grant[i].mode = n->grants[i].mode;
		m->grant[i].epoch = n->grants[i].grant_epoch;
		m->grantp[i] = &m->grant[i];
	}
	m->node.n_owners = n->n_grants;
	m->node.owners = m->grantp;
	return 0;
}

static void node_msg_free(struct node_msg *m)
{
	if (m->ext != m->ext_in)
		free(m->ext);
	if (m->extp != m->extp_in)
		free(m->extp);
	if (m->grant != m->grant_in)
		free(m->grant);
	if (m->grantp != m->grantp_in)
		free(m->grantp);
	if (m->path != m->path_in)
		free(m->path);
}

static void reply_node(struct famfsd *d, struct fam_rpc_call *call, const char *path)
{
	struct node_msg m;	/* not zeroed: node_msg_fill sets what node_msg_free reads */
	struct fam_node *n;
	int err;

	err = fam_fs_lookup(&d->fs, path, &n);
	if (err) {
		famfsd_reply_errno(d, call, err, path);
		return;
	}
	err = node_msg_fill(&m, n);
	if (err)
		famfsd_reply_errno(d, call, err, path);
	else
		famfsd_reply_packed(call, &m.node.base);
	node_msg_free(&m);
}

/* A retried call whose first attempt committed: its node as it is now (empty if gone). */
static void reply_retry_node(struct famfsd *d, struct fam_rpc_call *call, const char *path)
{
	struct fam_node *n;

	if (!fam_fs_lookup(&d->fs, path, &n)) {
		reply_node(d, call, path);
	} else {
		Famfs__Node e = FAMFS__NODE__INIT;

		e.path = (char *)path;
		famfsd_reply_packed(call, &e.base);
	}
}

/* In kernel mode, mirror one applied record into the mount. */
static void kernel_record(struct famfsd *d, const struct fam_rec *r)
{
	char a[PATH_MAX], b[PATH_MAX];
	struct fam_node *n;
	int err = 0;

	switch (r->type) {
	case FAM_REC_MKDIR:
	case FAM_REC_CREATE:
		memcpy(a, r->u.node.path, r->u.node.path_len);
		a[r->u.node.path_len] = 0;
		if (!fam_fs_lookup(&d->fs, a, &n))
			err = fam_kmount_node(d->cfg.mount, n);
		break;
	case FAM_REC_DELETE:
		memcpy(a, r->u.del.path, r->u.del.path_len);
		a[r->u.del.path_len] = 0;
		err = fam_kmount_remove(d->cfg.mount, a);
		break;
	case FAM_REC_RENAME:
		memcpy(a, r->u.ren.from, r->u.ren.from_len);
		a[r->u.ren.from_len] = 0;
		memcpy(b, r->u.ren.to, r->u.ren.to_len);
		b[r->u.ren.to_len] = 0;
		err = fam_kmount_rename(d->cfg.mount, a, b);
		break;
	default:
		return;
	}
	if (err)
		famfsd_logf(&d->log, LOG_ERR, "mirroring record %llu (%s) into %s: %s",
			    (unsigned long long)r->seq, fam_rec_type_name(r->type), d->cfg.mount,
			    strerror(-err));
}

void famfsd_on_record(struct famfsd *d, const struct fam_rec *r)
{
	fam_reqids_note(&d->reqids, r);
	/* The log writer applies its own commits; everyone else replays them. */
	if (!d->fs.writer)
		d->metrics.replayed++;
	else if (r->type < FAMFSD_REC_TYPES)
		d->metrics.commits[r->type]++;
	if (d->kernel)
		kernel_record(d, r);
	famfsd_ownership_on_record(d, r);
}

void famfsd_on_record_cb(void *arg, const struct fam_rec *r)
{
	famfsd_on_record(arg, r);
}

/* Non-master: hand the call to the master. Returns true when forwarded. */
static bool forwarded(struct famfsd *d, struct fam_rpc_call *call, const uint8_t *req, size_t len)
{
	if (famfsd_is_master(d))
		return false;
	famfsd_forward(d, call, req, len);
	return true;
}

/* Owner of a new node: the local client, or the one a forwarding host names. */
static void owner_of(struct fam_rpc_call *call, bool has, uint32_t uid, uint32_t gid,
		     uint32_t *ouid, uint32_t *ogid)
{
	const struct fam_rpc_peer *peer = fam_rpc_call_peer(call);

	if (!peer->is_unix && has) {
		*ouid = uid;
		*ogid = gid;
	} else if (!peer->is_unix) {
		*ouid = 0;
		*ogid = 0;
	} else {
		*ouid = peer->uid;
		*ogid = peer->gid;
	}
}

/* Repack a request with the local client's identity, for the master. */
#define FORWARD_WITH_OWNER(type, fn, m)						\
	do {									\
		const struct fam_rpc_peer *peer_ = fam_rpc_call_peer(call);	\
		uint8_t *buf_;							\
		size_t len_;							\
		if (peer_->is_unix) {						\
			m->has_owner = true;					\
			m->uid = peer_->uid;					\
			m->gid = peer_->gid;					\
		}								\
		len_ = fn##__get_packed_size(m);				\
		buf_ = malloc(len_ ? len_ : 1);					\
		if (!buf_) {							\
			famfsd_reply_status(d, call, FAM_RPC_RESOURCE_EXHAUSTED, "out of memory"); \
		} else {							\
			fn##__pack(m, buf_);					\
			famfsd_forward(d, call, buf_, len_);			\
			free(buf_);						\
		}								\
	} while (0)

static void h_mkdir(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	FAMFSD_UNPACK(Famfs__MkdirRequest, famfs__mkdir_request, m, req, len);
	uint32_t mode = m->mode ? m->mode : 0755, uid, gid;
	int err = 0;

	if (famfsd_check_path(d, call, m->path))
		goto out;
	if (!famfsd_is_master(d)) {
		FORWARD_WITH_OWNER(Famfs__MkdirRequest, famfs__mkdir_request, m);
		goto out;
	}
	owner_of(call, m->has_owner, m->uid, m->gid, &uid, &gid);
	if (famfsd_refuse_ns(d, call, "mkdir", m->path))
		goto out;
	/* mkdir -p may commit several records and is idempotent by itself: no id. */
	if (!m->parents) {
		const struct fam_reqid *seen;
		int r = famfsd_request_begin(d, call, m->request_id.data, m->request_id.len, &seen);

		if (r < 0)
			goto out;
		if (r > 0) {
			reply_retry_node(d, call, m->path);
			goto out;
		}
	}
	if (m->parents) {
		char *p = m->path;

		for (char *s = p + 1; !err; s++) {
			if (*s == '/' || !*s) {
				char save = *s;
				struct fam_node *n;

				*s = 0;
				err = fam_fs_lookup(&d->fs, p, &n);
				if (err == -ENOENT) {
					err = fam_fs_mkdir(&d->fs, p, mode, uid, gid);
					if (!err)
						d->stats.mkdirs++;
				} else if (!err && !S_ISDIR(n->mode)) {
					err = -ENOTDIR;
				}
				*s = save;
				if (!save)
					break;
			}
		}
	} else {
		fam_fs_group_begin(&d->fs);
		err = fam_fs_mkdir(&d->fs, m->path, mode, uid, gid);
		fam_fs_group_end(&d->fs);
		famfsd_request_end(d);
		if (!err)
			d->stats.mkdirs++;
	}
	famfsd_cluster_committed(d);
	if (err)
		famfsd_reply_errno(d, call, err, m->path);
	else
		reply_node(d, call, m->path);
out:
	famfs__mkdir_request__free_unpacked(m, NULL);
}

/*
 * Creates come by the hundred thousand a second: the request is unpacked
 * into an arena on the stack (a long path spills to malloc), not into five
 * blocks from malloc freed one by one.
 */
static void h_create(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	alignas(max_align_t) unsigned char abuf[sizeof(struct fam_rpc_arena) + 512];
	struct fam_rpc_arena *a = fam_rpc_arena_init(abuf, sizeof(abuf));
	/* (A failed unpack frees what it took through the arena: nothing spilled is left.) */
	FAMFSD_UNPACK_WITH(&a->pc, Famfs__CreateRequest, famfs__create_request, m, req, len);
	const struct fam_reqid *seen;
	uint32_t uid, gid;
	int err;

	if (famfsd_check_path(d, call, m->path))
		goto out;
	if (!famfsd_is_master(d)) {
		FORWARD_WITH_OWNER(Famfs__CreateRequest, famfs__create_request, m);
		goto out;
	}
	owner_of(call, m->has_owner, m->uid, m->gid, &uid, &gid);
	err = famfsd_request_begin(d, call, m->request_id.data, m->request_id.len, &seen);
	if (err < 0)
		goto out;
	if (err > 0) {
		reply_retry_node(d, call, m->path);
		goto out;
	}
	if (famfsd_refuse_ns(d, call, "create", m->path)) {
		famfsd_request_end(d);
		goto out;
	}
	fam_fs_group_begin(&d->fs);
	err = fam_fs_create(&d->fs, m->path, m->mode ? m->mode : 0644, uid, gid, m->size, NULL);
	fam_fs_group_end(&d->fs);
	famfsd_request_end(d);
	if (err) {
		famfsd_reply_errno(d, call, err, m->path);
		goto out;
	}
	d->stats.creates++;
	/* In a batch: pushed to the other hosts once it is published (commit.c). */
	if (!fam_fs_group_pending(&d->fs))
		famfsd_cluster_committed(d);
	reply_node(d, call, m->path);
out:
	famfs__create_request__free_unpacked(m, &a->pc);
	fam_rpc_arena_fini(a);
}

static void h_delete(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	FAMFSD_UNPACK(Famfs__PathRequest, famfs__path_request, m, req, len);
	const struct fam_reqid *seen;
	int err;

	if (famfsd_check_path(d, call, m->path) || forwarded(d, call, req, len))
		goto out;
	err = famfsd_request_begin(d, call, m->request_id.data, m->request_id.len, &seen);
	if (err < 0)
		goto out;
	if (err > 0) {
		/* Deleted by the first attempt: never delete what now has the name. */
		fam_rpc_reply(call, FAM_RPC_OK, NULL, NULL, 0);
		goto out;
	}
	if (famfsd_refuse_ns(d, call, "delete", m->path)) {
		famfsd_request_end(d);
		goto out;
	}
	fam_fs_group_begin(&d->fs);
	err = fam_fs_delete(&d->fs, m->path);
	fam_fs_group_end(&d->fs);
	famfsd_request_end(d);
	if (err) {
		famfsd_reply_errno(d, call, err, m->path);
		goto out;
	}
	d->stats.deletes++;
	/* In a batch: pushed to the other hosts once it is published (commit.c). */
	if (!fam_fs_group_pending(&d->fs))
		famfsd_cluster_committed(d);
	fam_rpc_reply(call, FAM_RPC_OK, NULL, NULL, 0);
out:
	famfs__path_request__free_unpacked(m, NULL);
}

static void h_rename(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	FAMFSD_UNPACK(Famfs__RenameRequest, famfs__rename_request, m, req, len);
	const struct fam_reqid *seen;
	int err;

	if (famfsd_check_path(d, call, m->from) || famfsd_check_path(d, call, m->to) ||
	    forwarded(d, call, req, len))
		goto out;
	err = famfsd_request_begin(d, call, m->request_id.data, m->request_id.len, &seen);
	if (err < 0)
		goto out;
	if (err > 0) {
		reply_retry_node(d, call, m->to);
		goto out;
	}
	/* Out of a data set, into one, or moving one (a directory holding it). */
	if (famfsd_refuse_rename(d, call, m->from, m->to)) {
		famfsd_request_end(d);
		goto out;
	}
	fam_fs_group_begin(&d->fs);
	err = fam_fs_rename(&d->fs, m->from, m->to);
	fam_fs_group_end(&d->fs);
	famfsd_request_end(d);
	if (err) {
		famfsd_reply_errno(d, call, err, m->from);
		goto out;
	}
	d->stats.renames++;
	/* In a batch: pushed to the other hosts once it is published (commit.c). */
	if (!fam_fs_group_pending(&d->fs))
		famfsd_cluster_committed(d);
	reply_node(d, call, m->to);
out:
	famfs__rename_request__free_unpacked(m, NULL);
}

static void h_stat(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	FAMFSD_UNPACK(Famfs__PathRequest, famfs__path_request, m, req, len);

	if (!famfsd_check_path(d, call, m->path))
		reply_node(d, call, m->path);
	famfs__path_request__free_unpacked(m, NULL);
}

static void h_list(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	FAMFSD_UNPACK(Famfs__PathRequest, famfs__path_request, m, req, len);
	Famfs__ListReply r = FAMFS__LIST_REPLY__INIT;
	struct node_msg *msgs = NULL;
	struct fam_node *n;
	size_t cnt = 0, k = 0;
	int err;

	if (famfsd_check_path(d, call, m->path))
		goto out;
	err = fam_fs_lookup(&d->fs, m->path, &n);
	if (err) {
		famfsd_reply_errno(d, call, err, m->path);
		goto out;
	}
	cnt = S_ISDIR(n->mode) ? n->n_children : 1;
	msgs = calloc(cnt + 1, sizeof(*msgs));
	r.entries = calloc(cnt + 1, sizeof(*r.entries));
	if (!msgs || !r.entries) {
		famfsd_reply_status(d, call, FAM_RPC_RESOURCE_EXHAUSTED, "out of memory");
		goto out;
	}
	if (S_ISDIR(n->mode)) {
		for (const struct fam_node *c = n->children; c; c = c->next)
			if (!node_msg_fill(&msgs[k], c))
				r.entries[k] = &msgs[k].node, k++;
	} else if (!node_msg_fill(&msgs[0], n)) {
		r.entries[k++] = &msgs[0].node;
	}
	r.n_entries = k;
	famfsd_reply_packed(call, &r.base);
out:
	for (size_t i = 0; msgs && i < cnt; i++)
		node_msg_free(&msgs[i]);
	free(msgs);
	free(r.entries);
	famfs__path_request__free_unpacked(m, NULL);
}

static void h_status(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	Famfs__StatusReply r = FAMFS__STATUS_REPLY__INIT;
	char uuid[37];
	uint64_t data = d->fs.sb.device_size - d->fs.sb.data_offset;
	uint64_t pend = 0;

	d->stats.calls++;
	for (size_t i = 0; i < fam_ns_pending_count(&d->fs.ns); i++)
		pend += fam_ns_pending(&d->fs.ns, i)->ext.len;
	snprintf(uuid, sizeof(uuid), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 d->fs.sb.uuid[0], d->fs.sb.uuid[1], d->fs.sb.uuid[2], d->fs.sb.uuid[3],
		 d->fs.sb.uuid[4], d->fs.sb.uuid[5], d->fs.sb.uuid[6], d->fs.sb.uuid[7],
		 d->fs.sb.uuid[8], d->fs.sb.uuid[9], d->fs.sb.uuid[10], d->fs.sb.uuid[11],
		 d->fs.sb.uuid[12], d->fs.sb.uuid[13], d->fs.sb.uuid[14], d->fs.sb.uuid[15]);
	r.version = FAMFS_VERSION;
	r.uuid = uuid;
	r.device = d->cfg.device;
	r.mode = d->kernel ? "kernel" : "user";
	r.mount = d->kernel ? d->cfg.mount : "";
	r.host_id = d->cfg.host_id;
	r.writer = d->fs.writer;
	r.epoch = d->fs.epoch;
	r.head_seq = d->fs.log.hdr.head_seq;
	r.committed_seq = d->fs.log.hdr.committed_seq;
	r.replayed_seq = d->fs.ns.applied_seq;
	r.files = d->fs.ns.n_files;
	r.directories = d->fs.ns.n_dirs;
	r.log_size = d->fs.sb.log_size;
	r.log_used = fam_log_used(&d->fs.log);
	r.data_bytes = data - data % d->fs.sb.alloc_unit;
	r.free_bytes = fam_alloc_free_bytes(&d->fs.alloc);
	r.pending_bytes = pend;
	r.used_bytes = r.data_bytes - r.free_bytes - pend;
	r.uptime_ms = famfsd_now_ms() - d->start_ms;
	r.rpc_calls = d->stats.calls;
	r.rpc_errors = d->stats.errors;
	r.role = (char *)(d->cluster ? famfsd_role_name(famfsd_is_master(d) ? FAMFSD_MASTER :
				      FAMFSD_FOLLOWER) : "master");
	r.master = famfsd_master_id(d);
	famfsd_reply_packed(call, &r.base);
}

static void h_ping(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	fam_rpc_reply(call, FAM_RPC_OK, NULL, req, len);
}

static const struct {
	const char *name;
	unsigned int flags;
	fam_rpc_handler fn;
} methods[] = {
	{ "famfs.Ping", 0, h_ping },
	{ "famfs.Status", 0, h_status },
	{ "famfs.Stat", 0, h_stat },
	{ "famfs.List", 0, h_list },
	{ "famfs.Mkdir", FAM_RPC_MUTATES, h_mkdir },
	{ "famfs.Create", FAM_RPC_MUTATES, h_create },
	{ "famfs.Delete", FAM_RPC_MUTATES, h_delete },
	{ "famfs.Rename", FAM_RPC_MUTATES, h_rename },
};

int famfsd_service_register(struct famfsd *d)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		int err = fam_rpc_register(d->rpc, methods[i].name, methods[i].flags,
					   methods[i].fn, d);

		if (err)
			return err;
	}
	return 0;
}
