// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the RPC frame decoder, as a connection sees it. The
 * input is a byte stream of frames; it is decoded frame after frame (with
 * the default limit, and with a small one chosen by the first byte) until
 * the decoder needs more bytes or rejects the stream. Every decoded frame is
 * re-encoded and decoded again: the round trip must give the same message,
 * and a frame as famfs writes it must unpack within its arena (nothing from
 * malloc: the bound in lib/rpc_frame.c's comment). Every frame body is also
 * given to protobuf-c's unpack with its own allocator (malloc): the codec,
 * which unpacks into a per-frame arena that spills to malloc
 * (lib/rpc_arena.c), must accept or refuse it alike and read the same
 * fields, whatever the body makes protobuf-c allocate.
 */
#include "rpc.h"
#include "rpc_arena.h"
#include "famfs.pb-c.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const struct fam_rpc_msg *a, const struct fam_rpc_msg *b)
{
	if (a->call_id != b->call_id || a->deadline_ms != b->deadline_ms ||
	    a->status != b->status || a->flags != b->flags ||
	    strcmp(a->method, b->method) || strcmp(a->status_message, b->status_message) ||
	    a->payload_len != b->payload_len ||
	    (a->payload_len && memcmp(a->payload, b->payload, a->payload_len)))
		abort();
}

/* The frame at data (len bytes, whole) as protobuf-c reads it: the same verdict, the same fields. */
static void like_protobuf_c(const uint8_t *data, size_t len, int ret, const struct fam_rpc_msg *m)
{
	uint32_t n;
	Famfs__Envelope *e;

	if (len < 4)
		return;
	n = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
	if (ret == 0 || ret == -EMSGSIZE || len - 4 < n)
		return;
	e = famfs__envelope__unpack(NULL, n, data + 4);
	if ((ret == -EBADMSG) != !e)
		abort();
	if (!e)
		return;
	if (e->call_id != m->call_id || e->deadline_ms != m->deadline_ms ||
	    e->status != m->status || e->flags != m->flags ||
	    strcmp(e->method ? e->method : "", m->method) ||
	    strcmp(e->status_message ? e->status_message : "", m->status_message) ||
	    e->payload.len != m->payload_len ||
	    (m->payload_len && memcmp(e->payload.data, m->payload, m->payload_len)))
		abort();
	famfs__envelope__free_unpacked(e, NULL);
}

static void run(const uint8_t *data, size_t size, uint32_t max_frame)
{
	size_t off = 0;

	while (off < size) {
		struct fam_rpc_msg m, again;
		uint8_t *buf, *packed;
		ssize_t n, bound;
		int ret = fam_rpc_frame_decode(data + off, size - off, max_frame, &m);

		like_protobuf_c(data + off, size - off, ret, &m);
		if (ret == 0 || ret == -EMSGSIZE || ret == -EBADMSG)
			return;
		if (ret < 0 || (size_t)ret > size - off)
			abort();
		off += (size_t)ret;
		n = fam_rpc_frame_encode(&m, &buf);
		if (n < 4)
			abort();
		/* The bound holds the frame, and packing into it writes the same bytes. */
		bound = fam_rpc_frame_bound(&m);
		if (bound < n || !(packed = malloc((size_t)bound)) ||
		    fam_rpc_frame_pack(&m, packed) != (size_t)n || memcmp(packed, buf, (size_t)n))
			abort();
		free(packed);
		if (fam_rpc_frame_decode(buf, (size_t)n, 0, &again) != n)
			abort();
		if (((struct fam_rpc_arena *)again.block)->spilled)
			abort();
		same(&m, &again);
		fam_rpc_msg_clear(&again);
		free(buf);
		fam_rpc_msg_clear(&m);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, 0);
	if (size)
		run(data, size, (uint32_t)data[0] * 4);
	return 0;
}
