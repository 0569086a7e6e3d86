// SPDX-License-Identifier: Apache-2.0
/*
 * The RPC frame codec alone (lib/rpc.h's fam_rpc_frame_*), in one process:
 * ns per frame to decode and clear a create request (method, call id,
 * deadline, 48-byte payload) and its reply (flags, 72-byte payload), and to
 * encode them as a connection does (fam_rpc_frame_bound + _pack where the
 * library has them, else fam_rpc_frame_size + _write). bench_rpc_abba.sh
 * links it with two revisions' RPC library and alternates them.
 *
 *   bench_codec [FRAMES]     (default 2000000 of each)
 * Prints: RESULT decode_ns=D encode_ns=E encoder=bound|size
 */
#include "rpc.h"
#include "bench_util.h"

#include <stdio.h>
#include <string.h>

/* Absent (NULL) in a library that has only fam_rpc_frame_size + _write. */
extern ssize_t fam_rpc_frame_bound(const struct fam_rpc_msg *m) __attribute__((weak));
extern size_t fam_rpc_frame_pack(const struct fam_rpc_msg *m, uint8_t *buf) __attribute__((weak));

static size_t encode(const struct fam_rpc_msg *m, uint8_t *buf)
{
	ssize_t n;

	if (fam_rpc_frame_bound && fam_rpc_frame_pack) {
		n = fam_rpc_frame_bound(m);
		return n < 0 ? 0 : fam_rpc_frame_pack(m, buf);
	}
	n = fam_rpc_frame_size(m);
	if (n < 0)
		return 0;
	fam_rpc_frame_write(m, buf, (size_t)n);
	return (size_t)n;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000;
	uint8_t pl[48], rp[72], buf[512], *req = NULL, *rep = NULL;
	struct fam_rpc_msg q = { .call_id = 123456, .method = "famfs.Create", .deadline_ms = 10000,
				 .payload = pl, .payload_len = sizeof(pl) };
	struct fam_rpc_msg r = { .call_id = 123456, .flags = 1, .payload = rp,
				 .payload_len = sizeof(rp) }, d;
	ssize_t nq, nr;
	unsigned long sum = 0;
	double t0, t1, t2;

	if (n < 1)
		return 2;
	memset(pl, 7, sizeof(pl));
	memset(rp, 9, sizeof(rp));
	nq = fam_rpc_frame_encode(&q, &req);
	nr = fam_rpc_frame_encode(&r, &rep);
	if (nq < 0 || nr < 0)
		return 1;
	t0 = bench_now();
	for (long i = 0; i < n; i++) {
		if (fam_rpc_frame_decode(req, (size_t)nq, 0, &d) != nq)
			return 1;
		sum += d.payload_len + (unsigned char)d.method[0];
		fam_rpc_msg_clear(&d);
		if (fam_rpc_frame_decode(rep, (size_t)nr, 0, &d) != nr)
			return 1;
		sum += d.payload_len + d.flags;
		fam_rpc_msg_clear(&d);
	}
	t1 = bench_now();
	for (long i = 0; i < n; i++) {
		q.call_id = r.call_id = (uint64_t)i;
		sum += encode(&q, buf) + buf[5];
		sum += encode(&r, buf) + buf[5];
	}
	t2 = bench_now();
	printf("RESULT decode_ns=%.1f encode_ns=%.1f encoder=%s check=%lu\n",
	       (t1 - t0) / (2.0 * (double)n) * 1e9, (t2 - t1) / (2.0 * (double)n) * 1e9,
	       fam_rpc_frame_bound ? "bound" : "size", sum % 7);
	free(req);
	free(rep);
	return 0;
}
