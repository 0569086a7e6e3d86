/* SPDX-License-Identifier: Apache-2.0 */
/* Inside libfamfs only: what fs.c and fs_group.c (group commit) share. */
#ifndef FAMFS_FS_INT_H
#define FAMFS_FS_INT_H

#include "fs.h"

int fs_fail(struct fam_fs *fs, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The writer was deposed (-ESTALE, stepped down) or the header is unreadable. */
int fs_fence_check(struct fam_fs *fs);
/* -ETIME from the log (store deadline passed) -> step down, -ESTALE; else err. */
int fs_store_refused(struct fam_fs *fs, int err);
void fs_test_stall(const struct fam_fs *fs);
/* Room every record but a DELETE leaves for the next checkpoint. */
uint64_t fs_ckpt_reserve(const struct fam_fs *fs);

/*
 * Group commit (fs_group.c). fs_group_add: append r (already checked against
 * the namespace) to the open batch and apply it to the namespace; -EAGAIN:
 * it does not fit next to the batch (publish the batch, then commit r alone).
 * fs_group_publish: publish the open batch now (0 when there is none).
 */
int fs_group_add(struct fam_fs *fs, struct fam_rec *r, uint64_t len);
int fs_group_publish(struct fam_fs *fs);
/* Drop the open batch unpublished (stepping down): see fs_group.c. */
void fs_group_discard(struct fam_fs *fs, int err);

#endif
