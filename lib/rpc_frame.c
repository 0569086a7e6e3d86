// SPDX-License-Identifier: Apache-2.0
/*
 * RPC frame codec: a 4-byte big-endian length, then a protobuf Envelope
 * (proto/famfs.proto) of exactly that many bytes. The decoder trusts nothing:
 * the length is checked against the caller's limit before any allocation,
 * and protobuf-c validates the body.
 */
#include "rpc.h"
#include "famfs.pb-c.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static char *dup_str(const char *s)
{
	return strdup(s ? s : "");
}

int fam_rpc_frame_decode(const uint8_t *buf, size_t len, uint32_t max_frame,
			 struct fam_rpc_msg *out)
{
	Famfs__Envelope *env;
	uint32_t n;
	int ret = -ENOMEM;

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
	env = famfs__envelope__unpack(NULL, n, buf + 4);
	if (!env)
		return -EBADMSG;
	out->call_id = env->call_id;
	out->deadline_ms = env->deadline_ms;
	out->status = env->status;
	out->flags = env->flags;
	out->method = dup_str(env->method);
	out->status_message = dup_str(env->status_message);
	if (!out->method || !out->status_message)
		goto fail;
	out->payload_len = env->payload.len;
	if (env->payload.len) {
		out->payload = malloc(env->payload.len);
		if (!out->payload)
			goto fail;
		memcpy(out->payload, env->payload.data, env->payload.len);
	}
	famfs__envelope__free_unpacked(env, NULL);
	return (int)(n + 4);
fail:
	famfs__envelope__free_unpacked(env, NULL);
	fam_rpc_msg_clear(out);
	return ret;
}

void fam_rpc_msg_clear(struct fam_rpc_msg *m)
{
	free(m->method);
	free(m->status_message);
	free(m->payload);
	memset(m, 0, sizeof(*m));
}

ssize_t fam_rpc_frame_encode(const struct fam_rpc_msg *m, uint8_t **out)
{
	Famfs__Envelope env = FAMFS__ENVELOPE__INIT;
	size_t n;
	uint8_t *buf;

	*out = NULL;
	if (m->payload_len && !m->payload)
		return -EINVAL;
	env.call_id = m->call_id;
	env.method = m->method ? m->method : (char *)"";
	env.deadline_ms = m->deadline_ms;
	env.status = m->status;
	env.status_message = m->status_message ? m->status_message : (char *)"";
	env.payload.data = m->payload;
	env.payload.len = m->payload_len;
	env.flags = m->flags;
	n = famfs__envelope__get_packed_size(&env);
	if (n > (size_t)INT32_MAX - 4)
		return -EMSGSIZE;
	buf = malloc(n + 4);
	if (!buf)
		return -ENOMEM;
	buf[0] = (uint8_t)(n >> 24);
	buf[1] = (uint8_t)(n >> 16);
	buf[2] = (uint8_t)(n >> 8);
	buf[3] = (uint8_t)n;
	if (famfs__envelope__pack(&env, buf + 4) != n) {
		free(buf);
		return -EIO;
	}
	*out = buf;
	return (ssize_t)(n + 4);
}
