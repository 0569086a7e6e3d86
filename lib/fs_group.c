// SPDX-License-Identifier: Apache-2.0
/*
 * Group commit (see fs.h): records of several operations appended to one
 * open batch, published together by one fence and one header update.
 *
 * What a record of the batch needs before it is appended, the same as a
 * commit of its own: the namespace accepts it (checked by commit() in fs.c)
 * and the store deadline has not passed (fam_log_txn_add checks it right
 * before the store). The fence (nobody else wrote the log) is checked when
 * the batch opens, before its first store, and again right before the
 * header that publishes it. Until then the records lie beyond the
 * published tail, where no reader looks.
 */
#include "fs_int.h"

#include <errno.h>
#include <string.h>

void fs_group_discard(struct fam_fs *fs, int err)
{
	fs->grp.n = 0;
	/*
	 * The namespace holds the batch's records, the log does not: have the
	 * next replay rebuild it from the log's head.
	 */
	fs->cur.seq = 0;
	if (!fs->grp_err)
		fs->grp_err = err;
}

int fs_group_add(struct fam_fs *fs, struct fam_rec *r, uint64_t len)
{
	int err;

	if (!fs->grp.n) {
		if (fs->fence) {
			err = fs_fence_check(fs);
			if (err)
				return err;
		}
		fs_test_stall(fs);
		fam_log_txn_begin(&fs->log, &fs->grp, fs->epoch);
	}
	/* A record that needs a checkpoint first takes the path of its own. */
	if (!fam_log_txn_fits(&fs->log, &fs->grp, len + fs_ckpt_reserve(fs)))
		return -EAGAIN;
	err = fam_log_txn_add(&fs->log, &fs->grp, r);
	if (err == -ENOSPC)
		return -EAGAIN;
	/* -ETIME: the lease ended; this writer steps down and the batch dies with it. */
	if (err)
		return fs_store_refused(fs, err);
	err = fam_ns_apply(&fs->ns, r, false);
	if (err) {
		/* Only ENOMEM gets here: appended, not applied; the batch cannot stand. */
		err = fs_fail(fs, err, "record %llu appended but not applied: %s",
			      (unsigned long long)r->seq, strerror(-err));
		fs_group_discard(fs, err);
		fam_fs_step_down(fs);
		return err;
	}
	return 0;
}

/* on_apply for each record of the published batch t, read back from the log. */
static void group_applied(struct fam_fs *fs, const struct fam_log_txn *t)
{
	struct fam_log_cursor c = { .off = t->first_off, .seq = t->first_seq };
	uint64_t last = 0;
	struct fam_rec r;

	while (fam_log_next(&fs->log, &fs->log.hdr, &c, &r) == 1) {
		if (r.type == FAM_REC_PAD)
			continue;
		if (fs->on_apply)
			fs->on_apply(fs->on_apply_arg, &r);
		last = r.seq;
	}
	if (fs->auto_watermark && last)
		fam_fs_set_watermark(fs, last);
}

int fs_group_publish(struct fam_fs *fs)
{
	struct fam_log_txn t = fs->grp;
	int err;

	if (!t.n)
		return 0;
	if (fs->fence) {
		err = fs_fence_check(fs);
		if (err)
			goto drop;
	}
	err = fs_store_refused(fs, fam_log_txn_commit(&fs->log, &t, false));
	if (err)
		goto drop;
	fs->grp.n = 0;
	fs->cur.seq = t.seq;
	fs->cur.off = t.tail;
	group_applied(fs, &t);
	return 0;
drop:
	fs_group_discard(fs, err);
	fam_fs_step_down(fs);
	return err;
}

int fam_fs_group_commit(struct fam_fs *fs)
{
	int err = fs_group_publish(fs);

	if (!err)
		err = fs->grp_err;
	fs->grp_err = 0;
	return err;
}
