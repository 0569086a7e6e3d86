// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the RPC frame decoder, as a connection sees it. The
 * input is a byte stream of frames; it is decoded frame after frame (with
 * the default limit, and with a small one chosen by the first byte) until
 * the decoder needs more bytes or rejects the stream. Every decoded frame is
 * re-encoded and decoded again: the round trip must give the same message.
 */
#include "rpc.h"

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

static void run(const uint8_t *data, size_t size, uint32_t max_frame)
{
	size_t off = 0;

	while (off < size) {
		struct fam_rpc_msg m, again;
		uint8_t *buf;
		ssize_t n;
		int ret = fam_rpc_frame_decode(data + off, size - off, max_frame, &m);

		if (ret == 0 || ret == -EMSGSIZE || ret == -EBADMSG)
			return;
		if (ret < 0 || (size_t)ret > size - off)
			abort();
		off += (size_t)ret;
		n = fam_rpc_frame_encode(&m, &buf);
		if (n < 4)
			abort();
		if (fam_rpc_frame_decode(buf, (size_t)n, 0, &again) != n)
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
