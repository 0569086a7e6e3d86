// SPDX-License-Identifier: Apache-2.0
/*
 * The seed corpus of fuzz_envelope (part of gen_corpus), made with the real
 * encoders (protobuf-c and the RPC frame codec): one request of every method
 * famfsd serves, and whole client sessions (namespace, ownership, peer
 * methods, refused requests).
 */
#include "gen_corpus.h"
#include "rpc.h"
#include "famfs.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TARGET "fuzz_envelope"

/* The session being built: frames appended one after the other. */
struct stream {
	uint8_t *buf;
	size_t len;
	uint64_t next_id;
};

static void put(const char *name, const struct stream *s)
{
	corpus_put(TARGET, name, s->buf, s->len);
}

static void frame(struct stream *s, const char *method, uint32_t deadline_ms, uint32_t flags,
		  const uint8_t *payload, size_t len)
{
	struct fam_rpc_msg m = {
		.call_id = ++s->next_id, .method = (char *)method, .deadline_ms = deadline_ms,
		.flags = flags, .payload = (uint8_t *)payload, .payload_len = len,
	};
	uint8_t *buf;
	ssize_t n = fam_rpc_frame_encode(&m, &buf);

	if (n < 0 || !(s->buf = realloc(s->buf, s->len + (size_t)n))) {
		fprintf(stderr, "encode %s: %zd\n", method, n);
		exit(1);
	}
	memcpy(s->buf + s->len, buf, (size_t)n);
	s->len += (size_t)n;
	free(buf);
}

/* One call: method with a packed request message (NULL: empty payload). */
static void call(struct stream *s, const char *method, const ProtobufCMessage *req)
{
	uint8_t buf[4096];
	size_t n = req ? protobuf_c_message_pack(req, buf) : 0;

	frame(s, method, 5000, 0, buf, n);
}

static void reset(struct stream *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

static void mkdir_req(struct stream *s, const char *path, bool parents)
{
	Famfs__MkdirRequest r = FAMFS__MKDIR_REQUEST__INIT;

	r.path = (char *)path;
	r.mode = 0755;
	r.parents = parents;
	call(s, "famfs.Mkdir", &r.base);
}

static void create_req(struct stream *s, const char *path, uint64_t size)
{
	Famfs__CreateRequest r = FAMFS__CREATE_REQUEST__INIT;

	r.path = (char *)path;
	r.mode = 0644;
	r.size = size;
	call(s, "famfs.Create", &r.base);
}

static void path_req(struct stream *s, const char *method, const char *path)
{
	Famfs__PathRequest r = FAMFS__PATH_REQUEST__INIT;

	r.path = (char *)path;
	call(s, method, &r.base);
}

static void rename_req(struct stream *s, const char *from, const char *to)
{
	Famfs__RenameRequest r = FAMFS__RENAME_REQUEST__INIT;

	r.from = (char *)from;
	r.to = (char *)to;
	call(s, "famfs.Rename", &r.base);
}

static void acquire_req(struct stream *s, const char *path, uint32_t mode)
{
	Famfs__AcquireRequest r = FAMFS__ACQUIRE_REQUEST__INIT;

	r.path = (char *)path;
	r.mode = mode;
	call(s, "famfs.Acquire", &r.base);
}

static void release_req(struct stream *s, const char *path)
{
	Famfs__ReleaseRequest r = FAMFS__RELEASE_REQUEST__INIT;

	r.path = (char *)path;
	call(s, "famfs.Release", &r.base);
}

static void handoff_req(struct stream *s, const char *path, uint32_t to, bool force)
{
	Famfs__HandoffRequest r = FAMFS__HANDOFF_REQUEST__INIT;

	r.path = (char *)path;
	r.to_host = to;
	r.wait_ms = 10;
	r.force = force;
	call(s, "famfs.Handoff", &r.base);
}

static void open_req(struct stream *s, const char *path, bool write)
{
	Famfs__OpenRequest r = FAMFS__OPEN_REQUEST__INIT;

	r.path = (char *)path;
	r.write = write;
	call(s, "famfs.Open", &r.base);
}

static void watch_req(struct stream *s, const char *path)
{
	Famfs__WatchRequest r = FAMFS__WATCH_REQUEST__INIT;

	r.path = (char *)path;
	call(s, "famfs.Watch", &r.base);
}

static void lease_req(struct stream *s, uint64_t epoch, uint32_t candidate)
{
	Famfs__LeaseRequest r = FAMFS__LEASE_REQUEST__INIT;

	r.epoch = epoch;
	r.candidate = candidate;
	r.lease_ms = 3000;
	call(s, "famfs.peer.Lease", &r.base);
}

static void committed_req(struct stream *s, uint64_t seq, uint64_t epoch)
{
	Famfs__CommittedRequest r = FAMFS__COMMITTED_REQUEST__INIT;

	r.seq = seq;
	r.epoch = epoch;
	r.master = 2;
	r.watermark = seq;
	call(s, "famfs.peer.Committed", &r.base);
}

static void revoke_req(struct stream *s, const char *path, bool force)
{
	Famfs__RevokeRequest r = FAMFS__REVOKE_REQUEST__INIT;

	r.path = (char *)path;
	r.wait_ms = 10;
	r.force = force;
	call(s, "famfs.peer.Revoke", &r.base);
}

static void grant_req(struct stream *s, const char *path, uint32_t mode, uint64_t epoch)
{
	Famfs__GrantRequest r = FAMFS__GRANT_REQUEST__INIT;

	r.path = (char *)path;
	r.mode = mode;
	r.epoch = epoch;
	call(s, "famfs.peer.Grant", &r.base);
}

void gen_rpc_corpus(void)
{
	static const uint8_t junk[] = { 0x0a, 0xff, 0xff, 0xff, 0x0f, 0x41 };
	struct stream s = { 0 };

	/* One request of each method. */
	call(&s, "famfs.Ping", NULL), put("ping", &s), reset(&s);
	call(&s, "famfs.Status", NULL), put("status", &s), reset(&s);
	call(&s, "famfs.Cluster", NULL), put("cluster", &s), reset(&s);
	mkdir_req(&s, "/a/b", true), put("mkdir", &s), reset(&s);
	create_req(&s, "/f", 3 << 20), put("create", &s), reset(&s);
	path_req(&s, "famfs.Stat", "/"), put("stat", &s), reset(&s);
	path_req(&s, "famfs.List", "/"), put("list", &s), reset(&s);
	path_req(&s, "famfs.Delete", "/f"), put("delete", &s), reset(&s);
	rename_req(&s, "/f", "/g"), put("rename", &s), reset(&s);
	acquire_req(&s, "/", 2), put("acquire", &s), reset(&s);
	release_req(&s, "/"), put("release", &s), reset(&s);
	handoff_req(&s, "/", 2, false), put("handoff", &s), reset(&s);
	path_req(&s, "famfs.Owners", "/"), put("owners", &s), reset(&s);
	open_req(&s, "/f", true), put("open", &s), reset(&s);
	watch_req(&s, ""), put("watch", &s), reset(&s);
	lease_req(&s, 5, 2), put("peer-lease", &s), reset(&s);
	committed_req(&s, 1, 1), put("peer-committed", &s), reset(&s);
	revoke_req(&s, "/", false), put("peer-revoke", &s), reset(&s);
	grant_req(&s, "/", 1, 2), put("peer-grant", &s), reset(&s);

	/* Sessions. */
	call(&s, "famfs.Ping", NULL);
	mkdir_req(&s, "/jobs/run1", true);
	create_req(&s, "/jobs/run1/input", 4 << 20);
	create_req(&s, "/jobs/run1/small", 4097);
	path_req(&s, "famfs.Stat", "/jobs/run1/input");
	path_req(&s, "famfs.List", "/jobs/run1");
	rename_req(&s, "/jobs/run1/small", "/jobs/small");
	path_req(&s, "famfs.Delete", "/jobs/run1/input");
	call(&s, "famfs.Status", NULL);
	put("session-namespace", &s), reset(&s);

	watch_req(&s, "/d");
	mkdir_req(&s, "/d", false);
	create_req(&s, "/d/x", 2 << 20);
	acquire_req(&s, "/d", 2);
	path_req(&s, "famfs.Owners", "/d/x");
	open_req(&s, "/d/x", true);
	handoff_req(&s, "/d", 2, true);
	acquire_req(&s, "/d/x", 1);
	release_req(&s, "/d");
	path_req(&s, "famfs.Delete", "/d/x");
	put("session-ownership", &s), reset(&s);

	mkdir_req(&s, "/p", false);
	lease_req(&s, 1, 1);
	committed_req(&s, 1, 1);
	grant_req(&s, "/p", 2, 3);
	revoke_req(&s, "/p", true);
	call(&s, "famfs.Cluster", NULL);
	put("session-peer", &s), reset(&s);

	/* Refused: unknown method, malformed body, no method, a reply, long paths. */
	call(&s, "famfs.NoSuchMethod", NULL);
	frame(&s, "famfs.Mkdir", 0, 0, junk, sizeof(junk));
	frame(&s, "famfs.Create", 0, 0, junk, sizeof(junk));
	frame(&s, "famfs.Ping", 0, 1, NULL, 0);
	mkdir_req(&s, "relative", false);
	mkdir_req(&s, "/a/../b", false);
	create_req(&s, "/huge", 1ULL << 50);
	frame(&s, "", 0, 0, NULL, 0);
	put("session-refused", &s), reset(&s);
}
