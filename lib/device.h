/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device backends, all reached through mmap:
 *   - a regular file: the simulated fabric (e.g. /dev/shm/famfs0);
 *   - /dev/dax*: a devdax character device;
 *   - /dev/pmem*: an fs-dax block device, for mkfs before any mount only:
 *     its mapping goes through the page cache, which is private to a host;
 *   - a famfs mount point: the superblock and log through the mount's DAX
 *     meta files (.meta/.superblock, .meta/.log).
 */
#ifndef FAMFS_DEVICE_H
#define FAMFS_DEVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <limits.h>

enum fam_dev_kind { FAM_DEV_FILE, FAM_DEV_DAX, FAM_DEV_PMEM, FAM_DEV_MOUNT };

#define FAM_DEV_RDONLY	0x1	/* map read-only */
#define FAM_DEV_MKFS	0x2	/* exclusive: refuse when another famfs user has it open */
#define FAM_DEV_BLOCK_OK 0x4	/* allow the pmem block device (mkfs, offline tools) */
#define FAM_DEV_WRITER	0x8	/* this process will append to the log: one per host */

struct fam_dev {
	enum fam_dev_kind kind;
	int fd;
	char path[PATH_MAX];
	uint64_t size;		/* whole device */
	uint8_t *base;		/* whole-device mapping (not for FAM_DEV_MOUNT) */
	uint64_t map_len;
	/* FAM_DEV_MOUNT: separately mapped metadata files. */
	uint8_t *sb_map, *log_map;
	uint64_t log_len;
	int sb_fd, log_fd;
	bool rdonly;
	char err[256];		/* what went wrong, for the user */
};

/* Open and map. On failure returns -errno and leaves a message in d->err. */
int fam_dev_open(struct fam_dev *d, const char *path, unsigned int flags);
void fam_dev_close(struct fam_dev *d);

/* The superblock region and the log region, whatever the backend. */
uint8_t *fam_dev_sb(const struct fam_dev *d);
/* Map the log once the superblock is known (mount backend maps .meta/.log here). */
int fam_dev_map_log(struct fam_dev *d, uint64_t log_offset, uint64_t log_size, uint8_t **out);
/* Data at a device offset; NULL when the backend does not map data (mount). */
uint8_t *fam_dev_data(const struct fam_dev *d, uint64_t offset, uint64_t len);

const char *fam_dev_kind_name(enum fam_dev_kind k);

#endif
