/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel mode: keep a mounted famfs (famfs.ko) in line with the namespace
 * replayed from the log. Directories come from mkdir(2); files are created
 * empty and given their extents with FAMFSIOC_MAP_CREATE2. The superblock
 * and log are reached through the DAX meta files .meta/.superblock and
 * .meta/.log, never through the pmem block device's private page cache.
 */
#ifndef FAMFS_KMOUNT_H
#define FAMFS_KMOUNT_H

#include "fs.h"

#define FAM_KMOUNT_META_DIR ".meta"

struct fam_kmount_stats {
	uint64_t dirs, files, existing, removed, failed;
};

/* Create and map .meta/.superblock and .meta/.log (idempotent). -errno, message in err. */
int fam_kmount_meta(const char *mnt, char *err, size_t errlen);
/* Make the mount match fs->ns: remove what the log no longer has, create what is missing. */
int fam_kmount_sync(const char *mnt, const struct fam_fs *fs, struct fam_kmount_stats *st,
		    char *err, size_t errlen);
/* Instantiate one node (a directory, or a file with its extents). */
int fam_kmount_node(const char *mnt, const struct fam_node *n);
int fam_kmount_remove(const char *mnt, const char *path);
int fam_kmount_rename(const char *mnt, const char *from, const char *to);
/* Is path a mounted famfs (statfs magic)? */
bool fam_kmount_is_famfs(const char *path);

#endif
