// SPDX-License-Identifier: Apache-2.0
/*
 * RPC frame codec: a 4-byte big-endian length, then a protobuf Envelope
 * (proto/famfs.proto) of exactly that many bytes, read and written by
 * protobuf-c. The decoder trusts nothing: the length is checked against the
 * caller's limit before any allocation, and protobuf-c checks the body
 * (a truncated field, an over-long varint or key, field number 0, a known
 * field with the wrong wire type and groups are refused; unknown fields
 * are read and ignored).
 *
 * Every call and reply crosses this code, so a decode costs one malloc:
 * protobuf-c unpacks into an arena (rpc_arena.h) made for the frame, and
 * the message's method, status message and payload point at what it
 * unpacked there (its one copy of them), until fam_rpc_msg_clear. The
 * arena holds what protobuf-c allocates for a frame as famfs writes it
 * (each field at most once, no unknown field): the message, and per
 * string its length + 1, for the payload its length, each rounded up to
 * the arena's alignment. A field's bytes on the wire are at least its
 * length + 2 (key and length), so that is at most
 * round(sizeof(Famfs__Envelope)) + n + 3 * alignment for a body of n
 * bytes; the arena has one alignment more. What else protobuf-c may
 * allocate (a field sent twice, unknown fields, the tables of its scan
 * when a body has more than 16 fields) is taken from malloc by the arena
 * and freed with it. Frames are encoded by protobuf-c in place, into the
 * caller's buffer after the length: the connection reserves a bound of the
 * size (fam_rpc_frame_bound) and commits what protobuf-c wrote, instead of
 * asking protobuf-c for the exact size first (a second pass over the
 * fields, as long as the packing itself).
 */
#include "rpc.h"
#include "rpc_arena.h"
#include "famfs.pb-c.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The arena for a body of n bytes: see the comment above. */
static size_t arena_size(uint32_t n)
{
	return fam_rpc_arena_round(sizeof(Famfs__Envelope)) + n + 4 * fam_rpc_arena_round(1);
}

int fam_rpc_frame_decode(const uint8_t *buf, size_t len, uint32_t max_frame,
			 struct fam_rpc_msg *out)
{
	struct fam_rpc_arena *a;
	Famfs__Envelope *env;
	uint32_t n;

	memset(out, 0, sizeof(*out));
	if (!max_frame)
		max_frame = FAM_RPC_MAX_FRAME_DEFAULT;
	if (len < 4)
		return 0;
	n = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
	if (n > max_frame || n > (uint32_t)INT32_MAX - 4)
		return -EMSGSIZE;
	if (len - 4 < n)
		return 0;
	a = fam_rpc_arena_new(arena_size(n));
	if (!a)
		return -ENOMEM;
	env = famfs__envelope__unpack(&a->pc, n, buf + 4);
	if (!env) {
		/* Malformed, or out of memory for a spilled block: the frame is refused either way. */
		fam_rpc_arena_free(a);
		return -EBADMSG;
	}
	out->block = a;
	out->call_id = env->call_id;
	out->deadline_ms = env->deadline_ms;
	out->status = env->status;
	out->flags = env->flags;
	/* protobuf-c's empty string when absent: read, never written or freed. */
	out->method = env->method;
	out->status_message = env->status_message;
	out->payload_len = env->payload.len;
	out->payload = env->payload.len ? env->payload.data : NULL;
	return (int)(n + 4);
}

void fam_rpc_msg_clear(struct fam_rpc_msg *m)
{
	fam_rpc_arena_free(m->block);
	memset(m, 0, sizeof(*m));
}

/* m as an Envelope for protobuf-c (pointing at m's strings and payload). */
static void envelope_of(const struct fam_rpc_msg *m, Famfs__Envelope *env)
{
	*env = (Famfs__Envelope)FAMFS__ENVELOPE__INIT;
	env->call_id = m->call_id;
	env->method = m->method ? m->method : (char *)"";
	env->deadline_ms = m->deadline_ms;
	env->status = m->status;
	env->status_message = m->status_message ? m->status_message : (char *)"";
	env->payload.data = m->payload;
	env->payload.len = m->payload_len;
	env->flags = m->flags;
}

ssize_t fam_rpc_frame_size(const struct fam_rpc_msg *m)
{
	Famfs__Envelope env;
	size_t n;

	if (m->payload_len && !m->payload)
		return -EINVAL;
	envelope_of(m, &env);
	n = famfs__envelope__get_packed_size(&env);
	if (n > (size_t)INT32_MAX - 4)
		return -EMSGSIZE;
	return (ssize_t)(n + 4);
}

void fam_rpc_frame_write(const struct fam_rpc_msg *m, uint8_t *buf, size_t size)
{
	Famfs__Envelope env;
	size_t n = size - 4;

	buf[0] = (uint8_t)(n >> 24);
	buf[1] = (uint8_t)(n >> 16);
	buf[2] = (uint8_t)(n >> 8);
	buf[3] = (uint8_t)n;
	envelope_of(m, &env);
	famfs__envelope__pack(&env, buf + 4);
}

/*
 * The most an Envelope's fields take: each field's key is one byte (field
 * numbers 1-7); call_id up to 10 bytes, deadline_ms and flags up to 5,
 * status up to 10 (a negative int32 is sign-extended to 64 bits), each
 * string and the payload up to 5 bytes of length plus the bytes.
 * test_frame_wire and fuzz_frame check it against protobuf-c's size.
 */
#define ENVELOPE_FIXED_MAX	(7 + 10 + 5 + 10 + 5 + 3 * 5)

ssize_t fam_rpc_frame_bound(const struct fam_rpc_msg *m)
{
	size_t n = ENVELOPE_FIXED_MAX;

	if (m->payload_len && !m->payload)
		return -EINVAL;
	if (m->method)
		n += strlen(m->method);
	if (m->status_message)
		n += strlen(m->status_message);
	if (m->payload_len > (size_t)INT32_MAX - 4 - n)
		return -EMSGSIZE;
	n += m->payload_len;
	if (n > (size_t)INT32_MAX - 4)
		return -EMSGSIZE;
	return (ssize_t)(n + 4);
}

size_t fam_rpc_frame_pack(const struct fam_rpc_msg *m, uint8_t *buf)
{
	Famfs__Envelope env;
	size_t n;

	envelope_of(m, &env);
	n = famfs__envelope__pack(&env, buf + 4);
	buf[0] = (uint8_t)(n >> 24);
	buf[1] = (uint8_t)(n >> 16);
	buf[2] = (uint8_t)(n >> 8);
	buf[3] = (uint8_t)n;
	return n + 4;
}

ssize_t fam_rpc_frame_encode(const struct fam_rpc_msg *m, uint8_t **out)
{
	ssize_t n = fam_rpc_frame_size(m);
	uint8_t *buf;

	*out = NULL;
	if (n < 0)
		return n;
	buf = malloc((size_t)n);
	if (!buf)
		return -ENOMEM;
	fam_rpc_frame_write(m, buf, (size_t)n);
	*out = buf;
	return n;
}
