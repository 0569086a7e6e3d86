/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Offline consistency check of a famfs device: superblock, both log header
 * copies, every committed record's CRC and applicability, extents (range,
 * alignment, overlaps between files and with space pending reuse) and the
 * space accounting. It reads only; it never repairs.
 */
#ifndef FAMFS_FSCK_H
#define FAMFS_FSCK_H

#include "fs.h"

enum fam_fsck_sev { FAM_FSCK_WARN, FAM_FSCK_ERROR };

struct fam_fsck {
	/* Called for each problem found; may be NULL. */
	void (*problem)(void *arg, enum fam_fsck_sev sev, const char *check, const char *msg);
	void *arg;
	/* Results. */
	unsigned int errors, warnings;
	bool sb_ok, log_ok;
	struct fam_sb sb;
	struct fam_log_hdr hdr;
	uint64_t records, files, dirs, grants;
	uint64_t data_bytes, used_bytes, pending_bytes, free_bytes;
	uint64_t log_used;
};

/* Returns 0 when the check ran (problems are counted in f), -errno when it could not. */
int fam_fsck(struct fam_dev *dev, struct fam_fsck *f);

#endif
