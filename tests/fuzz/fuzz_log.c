// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the log reader. The input is a log region (two header
 * slots of 4 KiB, then the record area), zero-padded to the minimum log
 * size; the reader opens it and follows every committed record, which is
 * also applied to a namespace. The input is also decoded directly as a
 * sequence of records.
 */
#include "log.h"
#include "namespace.h"
#include "crc32c.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint32_t sink;

/* Touch everything a decoded record points at, so ASan sees any bad pointer. */
static void touch(const struct fam_rec *r)
{
	struct fam_extent e;
	struct fam_pending_free pf;

	switch (r->type) {
	case FAM_REC_MKDIR:
	case FAM_REC_CREATE:
		sink = fam_crc32c(sink, r->u.node.path, r->u.node.path_len);
		for (uint32_t i = 0; i < r->u.node.n_ext; i++) {
			fam_rec_extent(r, i, &e);
			sink += (uint32_t)(e.offset ^ e.len);
		}
		break;
	case FAM_REC_DELETE:
		sink = fam_crc32c(sink, r->u.del.path, r->u.del.path_len);
		break;
	case FAM_REC_RENAME:
		sink = fam_crc32c(sink, r->u.ren.from, r->u.ren.from_len);
		sink = fam_crc32c(sink, r->u.ren.to, r->u.ren.to_len);
		break;
	case FAM_REC_OWNER:
		sink = fam_crc32c(sink, r->u.owner.path, r->u.owner.path_len);
		break;
	case FAM_REC_CHECKPOINT:
		for (uint32_t i = 0; i < r->u.ckpt.n_pending; i++) {
			fam_rec_pending(r, i, &pf);
			sink += (uint32_t)(pf.free_seq ^ pf.ext.offset);
		}
		break;
	}
	sink += (uint32_t)strlen(fam_rec_type_name(r->type));
}

static void decode_run(const uint8_t *data, size_t size)
{
	struct fam_rec r;
	size_t off = 0;
	int len;

	while (off < size && (len = fam_rec_decode(data + off, size - off, &r)) > 0) {
		if ((size_t)len > size - off || len % FAM_REC_ALIGN)
			abort();
		touch(&r);
		off += (size_t)len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *region;
	struct fam_log log;
	struct fam_log_cursor c;
	struct fam_rec r;
	struct fam_ns ns;
	uint8_t uuid[16] = { 0 };
	int ret;

	decode_run(data, size);

	if (!region)
		region = malloc(FAM_LOG_SIZE_MIN);
	if (!region)
		return 0;
	memset(region, 0, FAM_LOG_SIZE_MIN);
	memcpy(region, data, size < FAM_LOG_SIZE_MIN ? size : FAM_LOG_SIZE_MIN);
	/* The uuid of the first header copy, so that the fuzzer need not guess it. */
	if (size >= 32)
		memcpy(uuid, data + 16, 16);
	if (fam_log_open(&log, region, FAM_LOG_SIZE_MIN, uuid) != 0)
		return 0;
	if (fam_log_used(&log) > log.area_size)
		abort();
	if (fam_ns_init(&ns))
		return 0;
	fam_log_cursor_head(&log, &log.hdr, &c);
	/* Every record is at least FAM_REC_MIN bytes and seqs only grow: this bounds the walk. */
	for (uint64_t i = 0; i <= log.area_size / FAM_REC_MIN + 1; i++) {
		ret = fam_log_next(&log, &log.hdr, &c, &r);
		if (ret != 1)
			break;
		touch(&r);
		if (fam_ns_apply(&ns, &r, true) == 0)
			fam_ns_apply(&ns, &r, false);
	}
	fam_ns_release_pending(&ns, UINT64_MAX, NULL, NULL);
	fam_ns_fini(&ns);
	return 0;
}
