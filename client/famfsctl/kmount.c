// SPDX-License-Identifier: Apache-2.0
/*
 * Kernel mode: make a mounted famfs match a replayed namespace. Directories
 * are made with mkdir(2); files are created empty and given their extents
 * with FAMFSIOC_MAP_CREATE2; entries the log no longer has are removed.
 */
#include "famfsctl.h"
#include "flush.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <famfs_ioctl.h>

#define META_DIR ".meta"

struct kstats {
	uint64_t dirs, files, existing, removed, failed;
};

static int meta_file(struct ctl *c, const char *mnt, const char *name, uint32_t type,
		     uint64_t off, uint64_t len)
{
	char p[PATH_MAX];
	struct famfs_ioc_map m = { 0 };
	int fd, err = 0;

	snprintf(p, sizeof(p), "%s/%s/%s", mnt, META_DIR, name);
	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return ctl_err(c, p, -errno, NULL), -errno;
	if (ioctl(fd, FAMFSIOC_MAP_GET, &m) == 0)
		goto out;	/* mapped already */
	memset(&m, 0, sizeof(m));
	m.extent_type = SIMPLE_DAX_EXTENT;
	m.file_type = type;
	m.file_size = len;
	m.ext_list_count = 1;
	m.ext_list[0].offset = off;
	m.ext_list[0].len = len;
	if (ioctl(fd, FAMFSIOC_MAP_CREATE, &m)) {
		err = -errno;
		ctl_err(c, p, err, "FAMFSIOC_MAP_CREATE of a meta file (is this a famfs mount? are you root?)");
	}
out:
	close(fd);
	return err;
}

int ctl_kmount_meta(struct ctl *c, const char *mnt)
{
	char p[PATH_MAX];
	struct fam_sb sb;
	void *map;
	int fd, err;

	snprintf(p, sizeof(p), "%s/%s", mnt, META_DIR);
	if (mkdir(p, 0700) && errno != EEXIST)
		return ctl_err(c, p, -errno, NULL);
	err = meta_file(c, mnt, ".superblock", FAMFS_SUPERBLOCK, 0, FAM_SB_REGION_SIZE);
	if (err)
		return err;
	snprintf(p, sizeof(p), "%s/%s/.superblock", mnt, META_DIR);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ctl_err(c, p, -errno, NULL);
	map = mmap(NULL, FAM_SB_REGION_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return ctl_err(c, p, -errno, "mmap");
	fam_invalidate(map, sizeof(struct fam_sb_disk));
	err = fam_sb_decode(map, sizeof(struct fam_sb_disk), &sb);
	munmap(map, FAM_SB_REGION_SIZE);
	if (err)
		return ctl_err(c, mnt, err, "no valid famfs superblock on the mounted device (run mkfs.famfs first)");
	return meta_file(c, mnt, ".log", FAMFS_LOG, sb.log_offset, sb.log_size);
}

struct kctx {
	struct ctl *c;
	const char *mnt;
	struct kstats st;
	char path[PATH_MAX];
	char full[PATH_MAX + 64];
};

static int same_map(int fd, const struct fam_node *n)
{
	struct famfs_extent *e = calloc(n->n_ext ? n->n_ext : 1, sizeof(*e));
	struct famfs_ioc_map2 m = { 0 };
	int same = 0;

	if (!e)
		return 0;
	m.ext_count = n->n_ext;
	m.ext_list = (uintptr_t)e;
	if (ioctl(fd, FAMFSIOC_MAP_GET2, &m) == 0 && m.file_size == n->size &&
	    m.ext_count == n->n_ext) {
		same = 1;
		for (uint32_t i = 0; i < n->n_ext; i++)
			if (e[i].offset != n->ext[i].offset || e[i].len != n->ext[i].len)
				same = 0;
	}
	free(e);
	return same;
}

static int map_file(struct kctx *k, const struct fam_node *n)
{
	struct famfs_extent *e;
	struct famfs_ioc_map2 m = { 0 };
	int fd, err = 0;

	fd = open(k->full, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, n->mode & 07777);
	if (fd < 0 && errno == EEXIST) {
		fd = open(k->full, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && same_map(fd, n)) {
			k->st.existing++;
			close(fd);
			return 0;
		}
		if (fd >= 0)
			close(fd);
		/* Stale: a different file of the same name; replace it. */
		if (unlink(k->full))
			return -errno;
		fd = open(k->full, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, n->mode & 07777);
	}
	if (fd < 0)
		return -errno;
	e = calloc(n->n_ext ? n->n_ext : 1, sizeof(*e));
	if (!e) {
		close(fd);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n->n_ext; i++) {
		e[i].offset = n->ext[i].offset;
		e[i].len = n->ext[i].len;
	}
	m.file_type = FAMFS_REG;
	m.file_size = n->size;
	m.ext_count = n->n_ext;
	m.ext_list = (uintptr_t)e;
	if (n->n_ext && ioctl(fd, FAMFSIOC_MAP_CREATE2, &m))
		err = -errno;
	if (!err && fchown(fd, n->uid, n->gid))
		err = -errno;
	if (!err)
		k->st.files++;
	free(e);
	close(fd);
	return err;
}

static int instantiate(void *arg, const struct fam_node *n)
{
	struct kctx *k = arg;
	int err = 0;

	if (!n->parent)
		return 0;
	fam_ns_path(n, k->path, sizeof(k->path));
	snprintf(k->full, sizeof(k->full), "%s%s", k->mnt, k->path);
	if (S_ISDIR(n->mode)) {
		struct stat st;

		if (!mkdir(k->full, n->mode & 07777)) {
			k->st.dirs++;
			if (chown(k->full, n->uid, n->gid))
				err = -errno;
		} else if (errno == EEXIST && !stat(k->full, &st) && S_ISDIR(st.st_mode)) {
			k->st.existing++;
		} else {
			err = -errno;
		}
	} else {
		err = map_file(k, n);
	}
	if (err) {
		k->st.failed++;
		fprintf(stderr, "%s: %s: %s\n", k->c->prog, k->full, strerror(-err));
	}
	return 0;	/* keep going: instantiate as much as possible */
}

/* Remove what the namespace no longer has (depth first). */
static void prune(struct kctx *k, struct fam_fs *fs, const char *rel)
{
	char dpath[PATH_MAX + 64];
	struct dirent *de;
	DIR *d;

	snprintf(dpath, sizeof(dpath), "%s%s", k->mnt, rel);
	d = opendir(dpath);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char child[PATH_MAX], full[PATH_MAX + 64];
		struct fam_node *n;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!strcmp(rel, "") && !strcmp(de->d_name, META_DIR))
			continue;
		snprintf(child, sizeof(child), "%s/%s", rel, de->d_name);
		snprintf(full, sizeof(full), "%s%s", k->mnt, child);
		if (fam_fs_lookup(fs, child, &n) == 0 &&
		    (de->d_type == DT_DIR) == !!S_ISDIR(n->mode)) {
			if (de->d_type == DT_DIR)
				prune(k, fs, child);
			continue;
		}
		if (de->d_type == DT_DIR) {
			prune(k, fs, child);
			if (!rmdir(full))
				k->st.removed++;
		} else if (!unlink(full)) {
			k->st.removed++;
		}
	}
	closedir(d);
}

int ctl_kmount_replay(struct ctl *c, struct fam_fs *fs, const char *mnt, json_object *out,
		      bool quiet)
{
	struct kctx *k = calloc(1, sizeof(*k));
	int ret;

	if (!k)
		return ctl_err(c, mnt, -ENOMEM, NULL);
	k->c = c;
	k->mnt = mnt;
	prune(k, fs, "");
	fam_ns_walk(&fs->ns, instantiate, k);
	if (!out)
		goto done;
	json_object_object_add(out, "mount", json_object_new_string(mnt));
	json_object_object_add(out, "created_dirs", json_object_new_uint64(k->st.dirs));
	json_object_object_add(out, "created_files", json_object_new_uint64(k->st.files));
	json_object_object_add(out, "existing", json_object_new_uint64(k->st.existing));
	json_object_object_add(out, "removed", json_object_new_uint64(k->st.removed));
	json_object_object_add(out, "failed", json_object_new_uint64(k->st.failed));
done:
	if (!c->json && !quiet)
		printf("%s: %llu directories and %llu files created, %llu already present, %llu removed, %llu failed\n",
		       mnt, (unsigned long long)k->st.dirs, (unsigned long long)k->st.files,
		       (unsigned long long)k->st.existing, (unsigned long long)k->st.removed,
		       (unsigned long long)k->st.failed);
	ret = k->st.failed ? -EIO : 0;
	free(k);
	return ret;
}
