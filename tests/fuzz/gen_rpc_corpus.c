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

	frame(s, method, 5000, 0, n ? buf : NULL, n);
}

/* Write the session built so far as seed name, and start a new one. */
static void seed(struct stream *s, const char *name)
{
	corpus_put(TARGET, name, s->buf, s->len);
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

/*
 * A request message as a compound literal: REQ(Mkdir, mkdir, .path = "/a").
 * Fields left out are zero; protobuf-c packs a NULL string as the empty one.
 */
#define REQ(Type, name, ...)							\
	(&(Famfs__##Type##Request){						\
		.base = PROTOBUF_C_MESSAGE_INIT(&famfs__##name##_request__descriptor),	\
		__VA_ARGS__ }.base)

static void mkdir_req(struct stream *s, const char *path, bool parents)
{
	call(s, "famfs.Mkdir", REQ(Mkdir, mkdir, .path = (char *)path, .mode = 0755,
				   .parents = parents));
}

static void create_req(struct stream *s, const char *path, uint64_t size)
{
	call(s, "famfs.Create", REQ(Create, create, .path = (char *)path, .mode = 0644,
				    .size = size));
}

static void path_req(struct stream *s, const char *method, const char *path)
{
	call(s, method, REQ(Path, path, .path = (char *)path));
}

void gen_rpc_corpus(void)
{
	static const uint8_t junk[] = { 0x0a, 0xff, 0xff, 0xff, 0x0f, 0x41 };
	struct stream s = { 0 };

	/* One request of each method. */
	call(&s, "famfs.Ping", NULL);
	seed(&s, "ping");
	call(&s, "famfs.Status", NULL);
	seed(&s, "status");
	call(&s, "famfs.Cluster", NULL);
	seed(&s, "cluster");
	mkdir_req(&s, "/a/b", true);
	seed(&s, "mkdir");
	create_req(&s, "/f", 3 << 20);
	seed(&s, "create");
	path_req(&s, "famfs.Stat", "/");
	seed(&s, "stat");
	path_req(&s, "famfs.List", "/");
	seed(&s, "list");
	path_req(&s, "famfs.Delete", "/f");
	seed(&s, "delete");
	call(&s, "famfs.Rename", REQ(Rename, rename, .from = "/f", .to = "/g"));
	seed(&s, "rename");
	call(&s, "famfs.Acquire", REQ(Acquire, acquire, .path = "/", .mode = 2));
	seed(&s, "acquire");
	call(&s, "famfs.Release", REQ(Release, release, .path = "/"));
	seed(&s, "release");
	call(&s, "famfs.Handoff", REQ(Handoff, handoff, .path = "/", .to_host = 2, .wait_ms = 10));
	seed(&s, "handoff");
	path_req(&s, "famfs.Owners", "/");
	seed(&s, "owners");
	call(&s, "famfs.Open", REQ(Open, open, .path = "/f", .write = true));
	seed(&s, "open");
	call(&s, "famfs.Watch", REQ(Watch, watch, .path = ""));
	seed(&s, "watch");
	call(&s, "famfs.peer.Lease", REQ(Lease, lease, .epoch = 5, .candidate = 2,
					 .lease_ms = 3000));
	seed(&s, "peer-lease");
	call(&s, "famfs.peer.Committed", REQ(Committed, committed, .seq = 1, .epoch = 1,
						 .master = 2, .watermark = 1));
	seed(&s, "peer-committed");
	call(&s, "famfs.peer.Revoke", REQ(Revoke, revoke, .path = "/", .wait_ms = 10));
	seed(&s, "peer-revoke");
	call(&s, "famfs.peer.Grant", REQ(Grant, grant, .path = "/", .mode = 1, .epoch = 2));
	seed(&s, "peer-grant");

	/* Sessions. */
	call(&s, "famfs.Ping", NULL);
	mkdir_req(&s, "/jobs/run1", true);
	create_req(&s, "/jobs/run1/input", 4 << 20);
	create_req(&s, "/jobs/run1/small", 4097);
	path_req(&s, "famfs.Stat", "/jobs/run1/input");
	path_req(&s, "famfs.List", "/jobs/run1");
	call(&s, "famfs.Rename", REQ(Rename, rename, .from = "/jobs/run1/small",
					    .to = "/jobs/small"));
	path_req(&s, "famfs.Delete", "/jobs/run1/input");
	call(&s, "famfs.Status", NULL);
	seed(&s, "session-namespace");

	call(&s, "famfs.Watch", REQ(Watch, watch, .path = "/d"));
	mkdir_req(&s, "/d", false);
	create_req(&s, "/d/x", 2 << 20);
	call(&s, "famfs.Acquire", REQ(Acquire, acquire, .path = "/d", .mode = 2));
	path_req(&s, "famfs.Owners", "/d/x");
	call(&s, "famfs.Open", REQ(Open, open, .path = "/d/x", .write = true));
	call(&s, "famfs.Handoff", REQ(Handoff, handoff, .path = "/d", .to_host = 2, .wait_ms = 10,
				      .force = true));
	call(&s, "famfs.Acquire", REQ(Acquire, acquire, .path = "/d/x", .mode = 1));
	call(&s, "famfs.Release", REQ(Release, release, .path = "/d"));
	path_req(&s, "famfs.Delete", "/d/x");
	seed(&s, "session-ownership");

	mkdir_req(&s, "/p", false);
	call(&s, "famfs.peer.Lease", REQ(Lease, lease, .epoch = 1, .candidate = 1,
					 .lease_ms = 3000));
	call(&s, "famfs.peer.Committed", REQ(Committed, committed, .seq = 1, .epoch = 1,
						 .master = 2, .watermark = 1));
	call(&s, "famfs.peer.Grant", REQ(Grant, grant, .path = "/p", .mode = 2, .epoch = 3));
	call(&s, "famfs.peer.Revoke", REQ(Revoke, revoke, .path = "/p", .wait_ms = 10,
					   .force = true));
	call(&s, "famfs.Cluster", NULL);
	seed(&s, "session-peer");

	/* Refused: unknown method, malformed body, no method, a reply, long paths. */
	call(&s, "famfs.NoSuchMethod", NULL);
	frame(&s, "famfs.Mkdir", 0, 0, junk, sizeof(junk));
	frame(&s, "famfs.Create", 0, 0, junk, sizeof(junk));
	frame(&s, "famfs.Ping", 0, 1, NULL, 0);
	mkdir_req(&s, "relative", false);
	mkdir_req(&s, "/a/../b", false);
	create_req(&s, "/huge", 1ULL << 50);
	frame(&s, "", 0, 0, NULL, 0);
	seed(&s, "session-refused");
}
