// SPDX-License-Identifier: Apache-2.0
/*
 * Writes the seed corpus under tests/fuzz/corpus/ with the real encoders:
 * superblocks and log header copies, log regions holding committed records
 * of every type (plus a wrapped one, and a torn append), and single records;
 * then the RPC seeds (gen_rpc_corpus.c).
 *   gen_corpus <corpus dir>
 */
#include "gen_corpus.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *dir;
static const uint8_t uuid[16] = { 0x5e, 0xed, 1, 2, 3, 4, 0x40, 5, 0x80, 6, 7, 8, 9, 10, 11, 12 };

void corpus_put(const char *target, const char *name, const void *buf, size_t len)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, target);
	if (mkdir(p, 0755) && errno != EEXIST) {
		perror(p);
		exit(1);
	}
	snprintf(p, sizeof(p), "%s/%s/%s", dir, target, name);
	f = fopen(p, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		perror(p);
		exit(1);
	}
}

/* A log region, without its trailing zeros (the fuzz target pads them back). */
static void put_log(const char *name, const uint8_t *region, size_t size)
{
	while (size > FAM_LOG_HDR_AREA && region[size - 1] == 0)
		size--;
	corpus_put("fuzz_log", name, region, fam_round_up(size, FAM_REC_ALIGN));
}

/* fuzz_replay's input: every record added below, each behind its length in 8-byte units. */
static uint8_t replay[64 * 1024];
static size_t replay_len;
static uint64_t replay_seq;

static void replay_add(const struct fam_rec *r)
{
	struct fam_rec c = *r;
	int len;

	c.seq = ++replay_seq;
	len = fam_rec_encode(&c, replay + replay_len + 2, sizeof(replay) - replay_len - 2);
	if (len < 0) {
		fprintf(stderr, "replay encode failed\n");
		exit(1);
	}
	replay[replay_len] = (uint8_t)(len / FAM_REC_ALIGN);
	replay[replay_len + 1] = (uint8_t)(len / FAM_REC_ALIGN >> 8);
	replay_len += 2 + (size_t)len;
}

static void add(struct fam_log *log, struct fam_log_txn *t, struct fam_rec *r)
{
	replay_add(r);
	if (fam_log_txn_add(log, t, r)) {
		fprintf(stderr, "txn_add failed\n");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static uint8_t region[FAM_LOG_SIZE_MIN];
	static const struct fam_extent ext[3] = {
		{ 4 * FAM_MiB, 2 * FAM_MiB }, { 8 * FAM_MiB, 4096 }, { 16 * FAM_MiB, 4 * FAM_MiB },
	};
	static const struct fam_pending_free pend[2] = {
		{ 3, { 20 * FAM_MiB, 8192 } }, { 4, { 22 * FAM_MiB, 2 * FAM_MiB } },
	};
	struct fam_sb sb;
	struct fam_sb_disk sbd;
	struct fam_log log;
	struct fam_log_txn t;
	struct fam_rec r;
	uint8_t rec[4096];
	int len;

	if (argc != 2) {
		fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
		return 2;
	}
	dir = argv[1];

	/* Superblocks: default geometry, 4 KiB units, a label. */
	fam_sb_layout(&sb, 1ULL << 30, FAM_LOG_SIZE_DEFAULT, FAM_ALLOC_UNIT_DEFAULT);
	memcpy(sb.uuid, uuid, 16);
	fam_sb_encode(&sb, &sbd);
	corpus_put("fuzz_superblock", "sb-default", &sbd, sizeof(sbd));
	fam_sb_layout(&sb, 64 * FAM_MiB, FAM_LOG_SIZE_MIN, 4096);
	memcpy(sb.uuid, uuid, 16);
	strcpy(sb.label, "fuzz-seed");
	sb.create_time_ns = 1700000000000000000ULL;
	fam_sb_encode(&sb, &sbd);
	corpus_put("fuzz_superblock", "sb-small-4k", &sbd, sizeof(sbd));

	/* A log with one record of each type, committed in a few transactions. */
	fam_log_format(region, sizeof(region), uuid);
	fam_log_open(&log, region, sizeof(region), uuid);
	corpus_put("fuzz_superblock", "loghdr-empty", region, sizeof(struct fam_log_hdr_disk));
	fam_log_txn_begin(&log, &t, 1);
	r = (struct fam_rec){ .type = FAM_REC_MKDIR };
	r.u.node.ino = 2;
	r.u.node.mode = 0755;
	r.u.node.path = "/dir";
	r.u.node.path_len = 4;
	add(&log, &t, &r);
	r = (struct fam_rec){ .type = FAM_REC_CREATE };
	r.u.node.ino = 3;
	r.u.node.mode = 0644;
	r.u.node.uid = 1000;
	r.u.node.size = 6 * FAM_MiB + 1;
	r.u.node.n_ext = 3;
	r.u.node.ext = ext;
	r.u.node.path = "/dir/data";
	r.u.node.path_len = 9;
	add(&log, &t, &r);
	fam_log_txn_commit(&log, &t, false);
	len = fam_rec_encode(&r, rec, sizeof(rec));
	corpus_put("fuzz_log", "rec-create", rec, (size_t)len);

	fam_log_txn_begin(&log, &t, 1);
	r = (struct fam_rec){ .type = FAM_REC_OWNER };
	r.u.owner.host = 2;
	r.u.owner.mode = FAM_OWN_RW;
	r.u.owner.grant_epoch = 7;
	r.u.owner.path = "/dir/data";
	r.u.owner.path_len = 9;
	add(&log, &t, &r);
	r = (struct fam_rec){ .type = FAM_REC_RENAME };
	r.u.ren.ino = 3;
	r.u.ren.from = "/dir/data";
	r.u.ren.from_len = 9;
	r.u.ren.to = "/dir/renamed";
	r.u.ren.to_len = 12;
	add(&log, &t, &r);
	r = (struct fam_rec){ .type = FAM_REC_DELETE };
	r.u.del.ino = 3;
	r.u.del.path = "/dir/renamed";
	r.u.del.path_len = 12;
	add(&log, &t, &r);
	fam_log_txn_commit(&log, &t, false);
	len = fam_rec_encode(&r, rec, sizeof(rec));
	corpus_put("fuzz_log", "rec-delete", rec, (size_t)len);
	put_log("log-all-types", region, sizeof(region));
	corpus_put("fuzz_replay", "all-types", replay, replay_len);

	/* A checkpoint that becomes the head. */
	fam_log_txn_begin(&log, &t, 2);
	r = (struct fam_rec){ .type = FAM_REC_CHECKPOINT };
	r.u.ckpt.phase = FAM_CKPT_BEGIN;
	r.u.ckpt.next_ino = 4;
	r.u.ckpt.n_pending = 2;
	r.u.ckpt.pending = pend;
	add(&log, &t, &r);
	len = fam_rec_encode(&r, rec, sizeof(rec));
	corpus_put("fuzz_log", "rec-ckpt-begin", rec, (size_t)len);
	r = (struct fam_rec){ .type = FAM_REC_MKDIR };
	r.u.node.ino = 2;
	r.u.node.mode = 0755;
	r.u.node.path = "/dir";
	r.u.node.path_len = 4;
	add(&log, &t, &r);
	r = (struct fam_rec){ .type = FAM_REC_CHECKPOINT };
	r.u.ckpt.phase = FAM_CKPT_END;
	r.u.ckpt.next_ino = 4;
	r.u.ckpt.n_records = 1;
	add(&log, &t, &r);
	fam_log_txn_commit(&log, &t, true);
	put_log("log-checkpoint-head", region, sizeof(region));
	corpus_put("fuzz_replay", "all-types-then-checkpoint", replay, replay_len);
	corpus_put("fuzz_superblock", "loghdr-checkpoint",
	    region + (log.hdr.update_count & 1) * FAM_LOG_HDR_SLOT, sizeof(struct fam_log_hdr_disk));

	/* A torn append: written into the ring, never committed. */
	fam_log_txn_begin(&log, &t, 2);
	r = (struct fam_rec){ .type = FAM_REC_MKDIR };
	r.u.node.ino = 9;
	r.u.node.mode = 0700;
	r.u.node.path = "/torn";
	r.u.node.path_len = 5;
	add(&log, &t, &r);
	put_log("log-torn-append", region, sizeof(region));

	/* A PAD record on its own. */
	r = (struct fam_rec){ .type = FAM_REC_PAD };
	len = fam_rec_encode(&r, rec, 64);
	corpus_put("fuzz_log", "rec-pad", rec, (size_t)len);
	gen_rpc_corpus();
	return 0;
}
