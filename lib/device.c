// SPDX-License-Identifier: Apache-2.0
/*
 * Opening and mapping devices. Every backend is a shared mapping, so a
 * store here is a store to the fabric (after fam_flush()).
 */
#include "device.h"
#include "format.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/fs.h>

static int dev_fail(struct fam_dev *d, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	return err;
}

const char *fam_dev_kind_name(enum fam_dev_kind k)
{
	switch (k) {
	case FAM_DEV_FILE: return "file";
	case FAM_DEV_DAX: return "devdax";
	case FAM_DEV_PMEM: return "pmem";
	case FAM_DEV_MOUNT: return "mount";
	}
	return "unknown";
}

/* Open-file-description byte locks: byte 0 = "in use", byte 1 = "log writer". */
static int dev_lock(struct fam_dev *d, off_t byte, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1 };

	return fcntl(d->fd, F_OFD_SETLK, &fl) ? -errno : 0;
}

static int dax_size(struct fam_dev *d, const struct stat *st)
{
	char p[128];
	unsigned long long sz;
	FILE *f;

	snprintf(p, sizeof(p), "/sys/dev/char/%u:%u/size", major(st->st_rdev), minor(st->st_rdev));
	f = fopen(p, "r");
	if (!f)
		return dev_fail(d, -ENODEV, "%s: not a devdax device (no %s)", d->path, p);
	if (fscanf(f, "%llu", &sz) != 1) {
		fclose(f);
		return dev_fail(d, -EIO, "%s: cannot read %s", d->path, p);
	}
	fclose(f);
	d->size = sz;
	return 0;
}

static int map_whole(struct fam_dev *d)
{
	int prot = PROT_READ | (d->rdonly ? 0 : PROT_WRITE);

	d->map_len = d->size;
	d->base = mmap(NULL, d->map_len, prot, MAP_SHARED, d->fd, 0);
	if (d->base == MAP_FAILED) {
		d->base = NULL;
		return dev_fail(d, -errno, "%s: mmap of %llu bytes failed: %s", d->path,
				(unsigned long long)d->map_len, strerror(errno));
	}
	return 0;
}

static int open_mount(struct fam_dev *d)
{
	char p[PATH_MAX + 32];
	struct stat st;
	int prot = PROT_READ | (d->rdonly ? 0 : PROT_WRITE);

	if (snprintf(p, sizeof(p), "%s/.meta/.superblock", d->path) >= (int)sizeof(p))
		return dev_fail(d, -ENAMETOOLONG, "%s: path too long", d->path);
	d->sb_fd = open(p, d->rdonly ? O_RDONLY : O_RDWR);
	if (d->sb_fd < 0)
		return dev_fail(d, -errno, "%s: cannot open %s: %s (is it a famfs mount whose meta files were created?)",
				d->path, p, strerror(errno));
	if (fstat(d->sb_fd, &st) || st.st_size < (off_t)FAM_SB_REGION_SIZE)
		return dev_fail(d, -EUCLEAN, "%s: %s is not a 2 MiB superblock file", d->path, p);
	d->sb_map = mmap(NULL, FAM_SB_REGION_SIZE, prot, MAP_SHARED, d->sb_fd, 0);
	if (d->sb_map == MAP_FAILED) {
		d->sb_map = NULL;
		return dev_fail(d, -errno, "%s: mmap of %s failed: %s", d->path, p, strerror(errno));
	}
	return 0;
}

int fam_dev_open(struct fam_dev *d, const char *path, unsigned int flags)
{
	struct stat st;
	int err;

	memset(d, 0, sizeof(*d));
	d->fd = d->sb_fd = d->log_fd = -1;
	d->rdonly = flags & FAM_DEV_RDONLY;
	if (strlen(path) >= sizeof(d->path))
		return dev_fail(d, -ENAMETOOLONG, "device path too long");
	strcpy(d->path, path);
	if (stat(path, &st))
		return dev_fail(d, -errno, "%s: %s", path, strerror(errno));

	if (S_ISDIR(st.st_mode)) {
		d->kind = FAM_DEV_MOUNT;
		err = open_mount(d);
		if (err)
			goto fail;
		return 0;
	}
	d->fd = open(path, (d->rdonly ? O_RDONLY : O_RDWR) | O_CLOEXEC |
		     (S_ISBLK(st.st_mode) && (flags & FAM_DEV_MKFS) ? O_EXCL : 0));
	if (d->fd < 0) {
		err = -errno;
		if (err == -EBUSY)
			return dev_fail(d, err, "%s: device is in use (mounted?)", path);
		return dev_fail(d, err, "%s: %s", path, strerror(errno));
	}
	/* All famfs users share the device; mkfs needs it alone; one log writer. */
	err = dev_lock(d, 0, flags & FAM_DEV_MKFS ? F_WRLCK : F_RDLCK);
	if (!err && (flags & FAM_DEV_WRITER))
		err = dev_lock(d, 1, F_WRLCK);
	if (err) {
		err = dev_fail(d, -EBUSY, "%s: %s", path, flags & FAM_DEV_MKFS ?
			       "device is in use by another famfs process" :
			       "another process on this host is the log writer (famfsd running?)");
		goto fail;
	}
	if (S_ISREG(st.st_mode)) {
		d->kind = FAM_DEV_FILE;
		d->size = (uint64_t)st.st_size;
	} else if (S_ISCHR(st.st_mode)) {
		d->kind = FAM_DEV_DAX;
		err = dax_size(d, &st);
		if (err)
			goto fail;
	} else if (S_ISBLK(st.st_mode)) {
		unsigned long long sz;

		d->kind = FAM_DEV_PMEM;
		if (!(flags & (FAM_DEV_MKFS | FAM_DEV_BLOCK_OK))) {
			err = dev_fail(d, -EPERM,
				       "%s: a pmem block device is only used by mkfs; once it is mounted, use the mount point (its .meta files) so metadata goes through DAX, not the page cache",
				       path);
			goto fail;
		}
		if (ioctl(d->fd, BLKGETSIZE64, &sz)) {
			err = dev_fail(d, -errno, "%s: BLKGETSIZE64: %s", path, strerror(errno));
			goto fail;
		}
		d->size = sz;
	} else {
		err = dev_fail(d, -ENODEV, "%s: not a regular file, dax or pmem device", path);
		goto fail;
	}
	if (d->size < FAM_SB_REGION_SIZE + FAM_LOG_SIZE_MIN) {
		err = dev_fail(d, -ENOSPC, "%s: too small (%llu bytes)", path,
			       (unsigned long long)d->size);
		goto fail;
	}
	err = map_whole(d);
	if (err)
		goto fail;
	return 0;
fail:
	fam_dev_close(d);
	return err;
}

void fam_dev_close(struct fam_dev *d)
{
	if (d->base)
		munmap(d->base, d->map_len);
	if (d->sb_map)
		munmap(d->sb_map, FAM_SB_REGION_SIZE);
	if (d->log_map)
		munmap(d->log_map, d->log_len);
	if (d->fd >= 0)
		close(d->fd);
	if (d->sb_fd >= 0)
		close(d->sb_fd);
	if (d->log_fd >= 0)
		close(d->log_fd);
	d->base = d->sb_map = d->log_map = NULL;
	d->fd = d->sb_fd = d->log_fd = -1;
}

uint8_t *fam_dev_sb(const struct fam_dev *d)
{
	return d->kind == FAM_DEV_MOUNT ? d->sb_map : d->base;
}

int fam_dev_map_log(struct fam_dev *d, uint64_t log_offset, uint64_t log_size, uint8_t **out)
{
	char p[PATH_MAX + 32];
	struct stat st;
	int prot = PROT_READ | (d->rdonly ? 0 : PROT_WRITE);

	if (d->kind != FAM_DEV_MOUNT) {
		if (log_offset + log_size > d->size)
			return dev_fail(d, -EUCLEAN, "%s: log lies beyond the device end", d->path);
		*out = d->base + log_offset;
		return 0;
	}
	snprintf(p, sizeof(p), "%s/.meta/.log", d->path);
	d->log_fd = open(p, d->rdonly ? O_RDONLY : O_RDWR);
	if (d->log_fd < 0)
		return dev_fail(d, -errno, "%s: cannot open %s: %s", d->path, p, strerror(errno));
	if (fstat(d->log_fd, &st) || (uint64_t)st.st_size < log_size)
		return dev_fail(d, -EUCLEAN, "%s: %s is smaller than the log (%llu bytes)",
				d->path, p, (unsigned long long)log_size);
	d->log_map = mmap(NULL, log_size, prot, MAP_SHARED, d->log_fd, 0);
	if (d->log_map == MAP_FAILED) {
		d->log_map = NULL;
		return dev_fail(d, -errno, "%s: mmap of %s failed: %s", d->path, p, strerror(errno));
	}
	d->log_len = log_size;
	*out = d->log_map;
	return 0;
}

uint8_t *fam_dev_data(const struct fam_dev *d, uint64_t offset, uint64_t len)
{
	if (!d->base || offset > d->size || len > d->size - offset)
		return NULL;
	return d->base + offset;
}
