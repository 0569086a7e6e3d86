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

/*
 * Ownership (docs/ownership.md). mode is an enum fam_owner_mode: FAM_OWN_NONE,
 * FAM_OWN_RO or FAM_OWN_RW; path is a famfs path (absolute, inside mnt).
 *
 * Set this host's access (FAMFSIOC_SET_ACCESS) on every file of the data set
 * at path: the file itself, or every file below a directory. Lowering access
 * writes back dirty lines and zaps live mappings (the module does both).
 * Files without a map (empty) are skipped. -EBUSY / -ETIMEDOUT: the new mode
 * is in force on every file, but pages of at least one stayed pinned (O_DIRECT,
 * vmsplice, RDMA) past the module's wait, so a revocation is NOT complete and
 * must not be reported as done. Returns the number of files set, or a -errno.
 */
int fam_kmount_set_access(const char *mnt, const char *path, uint32_t mode);
/* This host's access to one file (FAMFSIOC_GET_ACCESS), as a FAM_OWN_* mode. */
int fam_kmount_get_access(const char *mnt, const char *path, uint32_t *mode);
/*
 * Write back (fam_flush) or drop (fam_invalidate) this CPU's cached lines of
 * every file of the data set: each file is mapped read-only through the mount
 * and the helper runs over its bytes (cache lines are physically tagged, so
 * any mapping reaches them). Files this host has no access to (or without a
 * map) are skipped: touching them would fault.
 * *bytes (may be NULL) receives the bytes covered. Returns 0 or the first -errno.
 */
int fam_kmount_cache(const char *mnt, const char *path, bool invalidate, uint64_t *bytes);

/* The mount's lease (self-fencing), see FAMFSIOC_LEASE. */
struct fam_kmount_lease {
	bool active;		/* a lease was armed before this call */
	bool expired;		/* it expired since the last renewal: access was dropped */
	uint32_t expirations;	/* since mount */
	uint64_t remaining_ms;	/* after this call */
};
/* Arm or renew the lease for duration_ms (0 disables it); query only changes nothing. */
int fam_kmount_lease(const char *mnt, uint32_t duration_ms, bool query,
		     struct fam_kmount_lease *out);
/*
 * Arm or renew the lease so that it ends at until_ms (CLOCK_MONOTONIC ms), at
 * most max_late_ms later: the module takes a duration, so a stall between
 * reading the clock and the ioctl would stretch the lease; the call is
 * repeated, each time shorter, until one clock-to-clock window fits (past
 * until_ms: a 1 ms lease). out (may be NULL) reports the first call's state
 * (expired: in any of the calls).
 */
int fam_kmount_lease_until(const char *mnt, uint64_t until_ms, uint32_t max_late_ms,
			   struct fam_kmount_lease *out);

/* The module's counters of the mount (FAMFSIOC_GET_STATS on .meta/.superblock). */
struct fam_kmount_counters {
	uint64_t pte_faults, pmd_faults, pud_faults;
	uint64_t refused_faults;	/* answered with SIGBUS: no (or read-only) access */
	uint64_t revocations;		/* a file's access was lowered */
	uint64_t lease_expirations;
	/* Modules before issue 13 report 0 for these and false below. */
	uint64_t pin_scan_pages;	/* pages lowerings checked for pins */
	uint64_t writeback_bytes;	/* written back by lowerings */
	uint64_t invalidated_bytes;	/* invalidated by the module after raises from none */
	/*
	 * The module invalidates, after a raise from none, the lines this host can
	 * have cached of the file (FAMFS_FEATURE_INVALIDATE_ON_RAISE; with
	 * FAMFS_FEATURE_INVALIDATE_ON_TOUCH each 2 MiB unit at its first touch
	 * after the raise, not inside it): famfsd need not walk them from user
	 * space.
	 */
	bool invalidates_on_raise;
	/* ... at the first touch of each unit, not in the raise (FAMFS_FEATURE_INVALIDATE_ON_TOUCH). */
	bool invalidates_on_touch;
	/*
	 * A lowering writes back the written lines itself: the device's write
	 * cache is on (FAMFS_FEATURE_WRITEBACK_KADDR).
	 */
	bool writes_back;
};
int fam_kmount_counters(const char *mnt, struct fam_kmount_counters *out);

#endif
