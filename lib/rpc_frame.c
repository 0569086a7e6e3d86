// SPDX-License-Identifier: Apache-2.0
/*
 * RPC frame codec: a 4-byte big-endian length, then a protobuf Envelope
 * (proto/famfs.proto) of exactly that many bytes. The decoder trusts nothing:
 * the length is checked against the caller's limit before any allocation,
 * and every field of the body is checked as it is read.
 *
 * The Envelope is read and written here directly in the protobuf wire
 * format, not through protobuf-c: every call and reply crosses this code,
 * and protobuf-c's unpack made seven allocations per frame (the message, its
 * strings and payload, then our copies of them) where one is enough, and its
 * pack a second pass and a copy. The bytes are the same as protobuf-c's
 * (fields in number order, zero and empty fields left out), and what
 * protobuf-c refuses is refused, what it reads is read alike
 * (tests/unit/test_rpc.c and the fuzz_frame target compare the two): a
 * truncated field, a varint over 10 bytes, a key over 5 bytes or with no
 * bit of its number in the first byte, a known field with the wrong wire
 * type, groups are refused; unknown fields are skipped.
 */
#include "rpc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2, WT_FIXED32 = 5 };
enum { F_CALL_ID = 1, F_METHOD, F_DEADLINE, F_STATUS, F_STATUS_MSG, F_PAYLOAD, F_FLAGS };

/* One varint at *p (before end): 0, or -EBADMSG (truncated, over 10 bytes). */
static int get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;

	for (unsigned int shift = 0; shift < 64; shift += 7) {
		uint8_t b;

		if (*p >= end)
			return -EBADMSG;
		b = *(*p)++;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -EBADMSG;
}

/*
 * A field's key: its number and wire type; 0 or -EBADMSG. As protobuf-c
 * reads it: at most 5 bytes, the number kept to 32 bits (bits above are
 * dropped); refused when its first byte holds no bit of the number (field
 * number 0 in one byte; a longer key that adds up to 0 is an unknown field).
 */
static int get_key(const uint8_t **p, const uint8_t *end, uint32_t *field, int *wt)
{
	const uint8_t *q = *p;
	size_t max = (size_t)(end - q) < 5 ? (size_t)(end - q) : 5;
	uint32_t f;
	unsigned int shift = 4;

	if (!max || !(q[0] & 0xf8))
		return -EBADMSG;
	*wt = q[0] & 7;
	f = (q[0] & 0x7f) >> 3;
	if (q[0] & 0x80) {
		size_t i;

		for (i = 1; i < max; i++) {
			f |= (uint32_t)(q[i] & 0x7f) << shift;
			if (!(q[i] & 0x80))
				break;
			shift += 7;
		}
		if (i == max)
			return -EBADMSG;
		*p = q + i + 1;
	} else {
		*p = q + 1;
	}
	*field = f;
	return 0;
}

/* A length-delimited field's bytes: *data, *n; 0 or -EBADMSG. */
static int get_bytes(const uint8_t **p, const uint8_t *end, const uint8_t **data, size_t *n)
{
	uint64_t len;

	if (get_varint(p, end, &len) || len > (uint64_t)(end - *p))
		return -EBADMSG;
	*data = *p;
	*n = (size_t)len;
	*p += len;
	return 0;
}

struct env_view {
	uint64_t call_id;
	uint32_t deadline_ms, flags;
	int32_t status;
	const uint8_t *method, *smsg, *payload;
	size_t method_len, smsg_len, payload_len;
};

/* Parse body[0..n) into v (pointers into body); 0 or -EBADMSG. */
static int env_parse(const uint8_t *body, size_t n, struct env_view *v)
{
	const uint8_t *p = body, *end = body + n;

	memset(v, 0, sizeof(*v));
	while (p < end) {
		uint64_t x;
		uint32_t field;
		int wt;

		if (get_key(&p, end, &field, &wt))
			return -EBADMSG;
		switch (field) {
		case F_CALL_ID: case F_DEADLINE: case F_STATUS: case F_FLAGS:
			if (wt != WT_VARINT || get_varint(&p, end, &x))
				return -EBADMSG;
			if (field == F_CALL_ID)
				v->call_id = x;
			else if (field == F_DEADLINE)
				v->deadline_ms = (uint32_t)x;
			else if (field == F_STATUS)
				v->status = (int32_t)(uint32_t)x;
			else
				v->flags = (uint32_t)x;
			continue;
		case F_METHOD:
			if (wt != WT_LEN || get_bytes(&p, end, &v->method, &v->method_len))
				return -EBADMSG;
			continue;
		case F_STATUS_MSG:
			if (wt != WT_LEN || get_bytes(&p, end, &v->smsg, &v->smsg_len))
				return -EBADMSG;
			continue;
		case F_PAYLOAD:
			if (wt != WT_LEN || get_bytes(&p, end, &v->payload, &v->payload_len))
				return -EBADMSG;
			continue;
		}
		/* An unknown field: skip it. */
		switch (wt) {
		case WT_VARINT:
			if (get_varint(&p, end, &x))
				return -EBADMSG;
			break;
		case WT_FIXED64:
		case WT_FIXED32:
			if ((size_t)(end - p) < (wt == WT_FIXED64 ? 8u : 4u))
				return -EBADMSG;
			p += wt == WT_FIXED64 ? 8 : 4;
			break;
		case WT_LEN: {
			const uint8_t *d;
			size_t len;

			if (get_bytes(&p, end, &d, &len))
				return -EBADMSG;
			break;
		}
		default:	/* groups (3, 4) and wire types 6, 7 */
			return -EBADMSG;
		}
	}
	return 0;
}

int fam_rpc_frame_decode(const uint8_t *buf, size_t len, uint32_t max_frame,
			 struct fam_rpc_msg *out)
{
	struct env_view v;
	uint32_t n;
	char *block;

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
	if (env_parse(buf + 4, n, &v))
		return -EBADMSG;
	/* One block: method, NUL, status message, NUL, payload (each at most n bytes). */
	block = malloc(v.method_len + v.smsg_len + v.payload_len + 2);
	if (!block)
		return -ENOMEM;
	out->block = block;
	out->call_id = v.call_id;
	out->deadline_ms = v.deadline_ms;
	out->status = v.status;
	out->flags = v.flags;
	out->method = block;
	if (v.method_len)
		memcpy(block, v.method, v.method_len);
	block[v.method_len] = 0;
	out->status_message = block + v.method_len + 1;
	if (v.smsg_len)
		memcpy(out->status_message, v.smsg, v.smsg_len);
	out->status_message[v.smsg_len] = 0;
	out->payload_len = v.payload_len;
	if (v.payload_len) {
		out->payload = (uint8_t *)out->status_message + v.smsg_len + 1;
		memcpy(out->payload, v.payload, v.payload_len);
	}
	return (int)(n + 4);
}

void fam_rpc_msg_clear(struct fam_rpc_msg *m)
{
	if (m->block) {
		free(m->block);
	} else {
		free(m->method);
		free(m->status_message);
		free(m->payload);
	}
	memset(m, 0, sizeof(*m));
}

static size_t varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* A field's key is one byte for field numbers 1..15. */
#define KEY(field, wt)	((uint8_t)((field) << 3 | (wt)))

static size_t str_len(const char *s)
{
	return s ? strlen(s) : 0;
}

/* int32 goes on the wire sign-extended to 64 bits (a negative one: 10 bytes). */
static uint64_t int32_wire(int32_t v)
{
	return (uint64_t)(int64_t)v;
}

ssize_t fam_rpc_frame_size(const struct fam_rpc_msg *m)
{
	size_t ml = str_len(m->method), sl = str_len(m->status_message), n = 0;

	if (m->payload_len && !m->payload)
		return -EINVAL;
	if (m->call_id)
		n += 1 + varint_size(m->call_id);
	if (ml)
		n += 1 + varint_size(ml) + ml;
	if (m->deadline_ms)
		n += 1 + varint_size(m->deadline_ms);
	if (m->status)
		n += 1 + varint_size(int32_wire(m->status));
	if (sl)
		n += 1 + varint_size(sl) + sl;
	if (m->payload_len)
		n += 1 + varint_size(m->payload_len) + m->payload_len;
	if (m->flags)
		n += 1 + varint_size(m->flags);
	if (n > (size_t)INT32_MAX - 4)
		return -EMSGSIZE;
	return (ssize_t)(n + 4);
}

void fam_rpc_frame_write(const struct fam_rpc_msg *m, uint8_t *buf, size_t size)
{
	size_t ml = str_len(m->method), sl = str_len(m->status_message), n = size - 4;
	uint8_t *p = buf + 4;

	buf[0] = (uint8_t)(n >> 24);
	buf[1] = (uint8_t)(n >> 16);
	buf[2] = (uint8_t)(n >> 8);
	buf[3] = (uint8_t)n;
	if (m->call_id) {
		*p++ = KEY(F_CALL_ID, WT_VARINT);
		p = put_varint(p, m->call_id);
	}
	if (ml) {
		*p++ = KEY(F_METHOD, WT_LEN);
		p = put_varint(p, ml);
		memcpy(p, m->method, ml);
		p += ml;
	}
	if (m->deadline_ms) {
		*p++ = KEY(F_DEADLINE, WT_VARINT);
		p = put_varint(p, m->deadline_ms);
	}
	if (m->status) {
		*p++ = KEY(F_STATUS, WT_VARINT);
		p = put_varint(p, int32_wire(m->status));
	}
	if (sl) {
		*p++ = KEY(F_STATUS_MSG, WT_LEN);
		p = put_varint(p, sl);
		memcpy(p, m->status_message, sl);
		p += sl;
	}
	if (m->payload_len) {
		*p++ = KEY(F_PAYLOAD, WT_LEN);
		p = put_varint(p, m->payload_len);
		memcpy(p, m->payload, m->payload_len);
		p += m->payload_len;
	}
	if (m->flags) {
		*p++ = KEY(F_FLAGS, WT_VARINT);
		p = put_varint(p, m->flags);
	}
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
