/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One famfs instance: superblock + log + the namespace replayed from it,
 * and for the log writer the allocator. The writer validates each
 * operation against the namespace, allocates, commits one record and
 * applies it, so every host that replays the log builds the same state.
 */
#ifndef FAMFS_FS_H
#define FAMFS_FS_H

#include "alloc.h"
#include "device.h"
#include "log.h"
#include "namespace.h"

#define FAM_FS_WRITER	0x1	/* this instance appends to the log */

struct fam_mkfs_opts {
	uint64_t log_size;	/* 0: FAM_LOG_SIZE_DEFAULT */
	uint64_t alloc_unit;	/* 0: FAM_ALLOC_UNIT_DEFAULT */
	const char *label;
	const uint8_t *uuid;	/* NULL: random */
};

struct fam_fs {
	struct fam_dev *dev;
	struct fam_sb sb;
	struct fam_log log;
	struct fam_ns ns;
	struct fam_alloc alloc;		/* writer only */
	struct fam_log_cursor cur;	/* next record to replay */
	bool writer;
	bool replay_full;		/* replaying from the head: load the checkpoint */
	bool ckpt_skip;			/* inside a checkpoint we already have */
	bool auto_watermark;		/* single host: every commit is replayed at once */
	uint64_t epoch;
	uint64_t watermark;		/* all hosts replayed past this seq */
	uint64_t n_checkpoints;
	uint64_t bad_off;		/* where replay stopped on a bad record */
	int replay_err;			/* result of the replay at open (readers keep going) */
	bool replay_rebuilt;		/* the last replay rebuilt the namespace from the head */
	bool fence;			/* writer: check the header before each commit (cluster) */
	/* Writer: client request id stamped on every record committed until cleared. */
	uint8_t req_id[FAM_REQ_ID_LEN];
	const char *test_stall_file;	/* tests: stall commits while this file exists */
	/*
	 * Group commit (writer): while group is set, each commit appends its
	 * record to the open batch grp and applies it to the namespace, but
	 * publishes nothing; fam_fs_group_commit() publishes the whole batch with
	 * one fence and one header update. grp_err: the worst result of batches
	 * published (or dropped) since the last fam_fs_group_commit().
	 */
	bool group;
	struct fam_log_txn grp;
	int grp_err;
	/* Called after each record is applied here (own commits and replay). */
	void (*on_apply)(void *arg, const struct fam_rec *r);
	void *on_apply_arg;
	char err[256];
};

int fam_mkfs(struct fam_dev *dev, const struct fam_mkfs_opts *o, struct fam_sb *out);

/* Read the superblock, open the log, replay it; a writer also builds the allocator. */
int fam_fs_open(struct fam_fs *fs, struct fam_dev *dev, unsigned int flags);
void fam_fs_close(struct fam_fs *fs);

/*
 * Apply every committed record not yet applied. Stops at the first corrupt
 * record with -EBADMSG (what came before stays applied; fs->bad_off says
 * where). *n_applied (may be NULL) counts records applied.
 */
int fam_fs_replay(struct fam_fs *fs, uint64_t *n_applied);

/* Writer operations; paths are absolute. */
int fam_fs_mkdir(struct fam_fs *fs, const char *path, uint32_t mode, uint32_t uid, uint32_t gid);
int fam_fs_create(struct fam_fs *fs, const char *path, uint32_t mode, uint32_t uid, uint32_t gid,
		  uint64_t size, struct fam_node **out);
int fam_fs_delete(struct fam_fs *fs, const char *path);
int fam_fs_rename(struct fam_fs *fs, const char *from, const char *to);
int fam_fs_owner(struct fam_fs *fs, const char *path, uint32_t host, uint32_t mode,
		 uint64_t grant_epoch);
/* One record: host's read-write (or read-only) grant replaces prev_host's at prev_epoch. */
int fam_fs_owner_move(struct fam_fs *fs, const char *path, uint32_t prev_host,
		      uint64_t prev_epoch, uint32_t host, uint32_t mode, uint64_t grant_epoch);
int fam_fs_checkpoint(struct fam_fs *fs);

/*
 * Cluster: become the log writer for epoch (replays to the end, builds the
 * allocator, publishes the epoch in the log header), or stop being it.
 * Refused (-ESTALE) when the log header already carries this epoch or a
 * newer one. With fence set, every commit checks that nobody else wrote the
 * log (a newer epoch or a moved header means this writer was deposed:
 * -ESTALE) before its first store and again right before it publishes the
 * header; with fs->log.store_deadline_ms set (the master lease), every store
 * is refused once that time has passed (-ESTALE, nothing published).
 */
int fam_fs_become_writer(struct fam_fs *fs, uint64_t epoch);
void fam_fs_step_down(struct fam_fs *fs);

/*
 * Group commit. Between fam_fs_group_begin() and fam_fs_group_end(), writer
 * operations append their records to an open batch and apply them to the
 * namespace (so the next ones see them), but do not publish them: their
 * success means "appended", not "durable". Each store is still checked
 * against the store deadline, and the batch against the fence when it opens
 * and right before it is published. Any other commit (or a checkpoint)
 * publishes the open batch first.
 *
 * fam_fs_group_commit(): publish the open batch (one fence, one header
 * update), then call on_apply for each of its records. Returns 0 when every
 * record appended since the previous call is durable; otherwise the error
 * (-ESTALE: deposed, the lease ended...) and the writer has stepped down,
 * nothing of the failed batch is published, and the namespace is rebuilt
 * from the log at the next fam_fs_replay(). Callers acknowledge the
 * operations of a batch only after this returned 0.
 */
static inline void fam_fs_group_begin(struct fam_fs *fs)
{
	fs->group = true;
}

static inline void fam_fs_group_end(struct fam_fs *fs)
{
	fs->group = false;
}

static inline bool fam_fs_group_pending(const struct fam_fs *fs)
{
	return fs->grp.n || fs->grp_err;
}

int fam_fs_group_commit(struct fam_fs *fs);

/* Every host has replayed past seq: space freed up to it may be reused. */
void fam_fs_set_watermark(struct fam_fs *fs, uint64_t seq);

int fam_fs_lookup(struct fam_fs *fs, const char *path, struct fam_node **out);

/*
 * How many files, each with a path of path_len bytes and n_ext extents, a
 * log of log_size bytes holds: the writer refuses a record when the image
 * of the live namespace, the record and the room it keeps for the next
 * checkpoint (1.25x the image) would not fit.
 */
uint64_t fam_log_capacity(uint64_t log_size, uint32_t path_len, uint32_t n_ext);

#endif
