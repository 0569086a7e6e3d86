// SPDX-License-Identifier: Apache-2.0
#include "kmount.h"
#include "flush.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <famfs_ioctl.h>

static int kfail(char *err, size_t errlen, int e, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return e;
}

bool fam_kmount_is_famfs(const char *path)
{
	struct statfs sfs;

	return !statfs(path, &sfs) && (unsigned long)sfs.f_type == FAMFS_STATFS_MAGIC;
}

static int meta_file(const char *mnt, const char *name, uint32_t type, uint64_t off,
		     uint64_t len, char *err, size_t errlen)
{
	struct famfs_ioc_map m = { 0 };
	char p[PATH_MAX + 32];
	int fd, e = 0;

	snprintf(p, sizeof(p), "%s/%s/%s", mnt, FAM_KMOUNT_META_DIR, name);
	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		e = -errno;
		return kfail(err, errlen, e, "%s: %s", p, strerror(-e));
	}
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
		e = -errno;
		kfail(err, errlen, e, "%s: FAMFSIOC_MAP_CREATE: %s (is this a famfs mount? root?)",
		      p, strerror(-e));
	}
out:
	close(fd);
	return e;
}

int fam_kmount_meta(const char *mnt, char *err, size_t errlen)
{
	char p[PATH_MAX + 32];
	struct fam_sb sb;
	void *map;
	int fd, e;

	if (!fam_kmount_is_famfs(mnt))
		return kfail(err, errlen, -ENOTTY, "%s: not a famfs mount", mnt);
	snprintf(p, sizeof(p), "%s/%s", mnt, FAM_KMOUNT_META_DIR);
	if (mkdir(p, 0700) && errno != EEXIST) {
		e = -errno;
		return kfail(err, errlen, e, "%s: %s", p, strerror(-e));
	}
	e = meta_file(mnt, ".superblock", FAMFS_SUPERBLOCK, 0, FAM_SB_REGION_SIZE, err, errlen);
	if (e)
		return e;
	snprintf(p, sizeof(p), "%s/%s/.superblock", mnt, FAM_KMOUNT_META_DIR);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = -errno;
		return kfail(err, errlen, e, "%s: %s", p, strerror(-e));
	}
	map = mmap(NULL, FAM_SB_REGION_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	e = map == MAP_FAILED ? -errno : 0;
	close(fd);
	if (e)
		return kfail(err, errlen, e, "%s: mmap: %s", p, strerror(-e));
	fam_invalidate(map, sizeof(struct fam_sb_disk));
	e = fam_sb_decode(map, sizeof(struct fam_sb_disk), &sb);
	munmap(map, FAM_SB_REGION_SIZE);
	if (e)
		return kfail(err, errlen, e,
			     "%s: no valid famfs superblock on the mounted device (run mkfs.famfs first)",
			     mnt);
	return meta_file(mnt, ".log", FAMFS_LOG, sb.log_offset, sb.log_size, err, errlen);
}

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

/* Returns 1 when the file was already there with the same map, 0 when made, -errno. */
static int map_file(const char *full, const struct fam_node *n)
{
	struct famfs_ioc_map2 m = { 0 };
	struct famfs_extent *e;
	int fd, err = 0;

	fd = open(full, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, n->mode & 07777);
	if (fd < 0 && errno == EEXIST) {
		fd = open(full, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && same_map(fd, n)) {
			close(fd);
			return 1;
		}
		if (fd >= 0)
			close(fd);
		/* A different file of the same name: replace it. */
		if (unlink(full))
			return -errno;
		fd = open(full, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, n->mode & 07777);
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
	free(e);
	close(fd);
	return err;
}

static int node_full(const char *mnt, const struct fam_node *n, char *full, size_t cap)
{
	char path[PATH_MAX];
	int len = fam_ns_path(n, path, sizeof(path));

	if (len < 0)
		return len;
	if ((size_t)snprintf(full, cap, "%s%s", mnt, path) >= cap)
		return -ENAMETOOLONG;
	return 0;
}

/* 1 existing, 0 made, -errno */
static int instantiate(const char *mnt, const struct fam_node *n)
{
	char full[PATH_MAX + 64];
	struct stat st;
	int err = node_full(mnt, n, full, sizeof(full));

	if (err)
		return err;
	if (!S_ISDIR(n->mode))
		return map_file(full, n);
	if (!mkdir(full, n->mode & 07777))
		return chown(full, n->uid, n->gid) ? -errno : 0;
	if (errno == EEXIST && !stat(full, &st) && S_ISDIR(st.st_mode))
		return 1;
	return -errno;
}

int fam_kmount_node(const char *mnt, const struct fam_node *n)
{
	int err = instantiate(mnt, n);

	return err < 0 ? err : 0;
}

int fam_kmount_remove(const char *mnt, const char *path)
{
	char full[PATH_MAX + 64];

	snprintf(full, sizeof(full), "%s%s", mnt, path);
	if (!unlink(full) || errno == ENOENT)
		return 0;
	if (errno == EISDIR && !rmdir(full))
		return 0;
	return -errno;
}

int fam_kmount_rename(const char *mnt, const char *from, const char *to)
{
	char a[PATH_MAX + 64], b[PATH_MAX + 64];

	snprintf(a, sizeof(a), "%s%s", mnt, from);
	snprintf(b, sizeof(b), "%s%s", mnt, to);
	return rename(a, b) ? -errno : 0;
}

struct sync_ctx {
	const char *mnt;
	const struct fam_fs *fs;
	struct fam_kmount_stats *st;
	char *err;
	size_t errlen;
};

static int sync_node(void *arg, const struct fam_node *n)
{
	struct sync_ctx *s = arg;
	int r;

	if (!n->parent)
		return 0;
	r = instantiate(s->mnt, n);
	if (r == 1)
		s->st->existing++;
	else if (r == 0 && S_ISDIR(n->mode))
		s->st->dirs++;
	else if (r == 0)
		s->st->files++;
	else if (!s->st->failed++) {
		char p[PATH_MAX];

		fam_ns_path(n, p, sizeof(p));
		kfail(s->err, s->errlen, r, "%s%s: %s", s->mnt, p, strerror(-r));
	}
	return 0;	/* keep going: instantiate as much as possible */
}

/* Remove what the namespace no longer has (depth first). */
static void prune(struct sync_ctx *s, const char *rel)
{
	char dpath[PATH_MAX + 64];
	struct dirent *de;
	DIR *d;

	snprintf(dpath, sizeof(dpath), "%s%s", s->mnt, rel);
	d = opendir(dpath);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char child[PATH_MAX], full[PATH_MAX + 64];
		struct fam_node *n;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!*rel && !strcmp(de->d_name, FAM_KMOUNT_META_DIR))
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", rel, de->d_name) >= sizeof(child))
			continue;
		snprintf(full, sizeof(full), "%s%s", s->mnt, child);
		if (fam_ns_lookup(&s->fs->ns, child, strlen(child), &n) == 0 &&
		    (de->d_type == DT_DIR) == !!S_ISDIR(n->mode)) {
			if (de->d_type == DT_DIR)
				prune(s, child);
			continue;
		}
		if (de->d_type == DT_DIR) {
			prune(s, child);
			if (!rmdir(full))
				s->st->removed++;
		} else if (!unlink(full)) {
			s->st->removed++;
		}
	}
	closedir(d);
}

int fam_kmount_sync(const char *mnt, const struct fam_fs *fs, struct fam_kmount_stats *st,
		    char *err, size_t errlen)
{
	struct sync_ctx s = { .mnt = mnt, .fs = fs, .st = st, .err = err, .errlen = errlen };

	memset(st, 0, sizeof(*st));
	prune(&s, "");
	fam_ns_walk(&fs->ns, sync_node, &s);
	return st->failed ? -EIO : 0;
}

/* ---- ownership: access, cache maintenance, lease ---- */

static uint32_t to_kaccess(uint32_t mode)
{
	return mode == FAM_OWN_RW ? FAMFS_ACCESS_RW :
	       mode == FAM_OWN_RO ? FAMFS_ACCESS_RO : FAMFS_ACCESS_NONE;
}

/*
 * Every regular file of the tree at full (a file or a directory; the mount's
 * .meta directory is never part of a data set). cb returns 0 or -errno;
 * the walk goes on and the first error is returned.
 */
static int walk_files(const char *full, bool top_is_root, int (*cb)(void *, const char *),
		      void *arg)
{
	struct stat st;
	struct dirent *de;
	DIR *dir;
	int first = 0, e;

	if (lstat(full, &st))
		return -errno;
	if (S_ISREG(st.st_mode))
		return cb(arg, full);
	if (!S_ISDIR(st.st_mode))
		return 0;
	dir = opendir(full);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		char child[PATH_MAX + 64];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (top_is_root && !strcmp(de->d_name, FAM_KMOUNT_META_DIR))
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", full, de->d_name) >= sizeof(child)) {
			first = first ? first : -ENAMETOOLONG;
			continue;
		}
		e = walk_files(child, false, cb, arg);
		if (e < 0 && !first)
			first = e;
	}
	closedir(dir);
	return first;
}

static int walk_data_set(const char *mnt, const char *path, int (*cb)(void *, const char *),
			 void *arg)
{
	char full[PATH_MAX + 64];
	bool root = !strcmp(path, "/") || !*path;

	if ((size_t)snprintf(full, sizeof(full), "%s%s", mnt, root ? "" : path) >= sizeof(full))
		return -ENAMETOOLONG;
	return walk_files(full, root, cb, arg);
}

struct access_ctx {
	uint32_t kaccess;
	int count;
	int pinned;	/* -EBUSY / -ETIMEDOUT from the first file whose pages stayed pinned */
};

static int set_access_cb(void *arg, const char *full)
{
	struct access_ctx *a = arg;
	struct famfs_ioc_access io = { .access = a->kaccess };
	int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), e = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!ioctl(fd, FAMFSIOC_SET_ACCESS, &io)) {
		a->count++;
	} else if (errno == EBUSY || errno == ETIMEDOUT) {
		/*
		 * The module lowered the mode and zapped the mappings, but pages
		 * pinned by O_DIRECT, vmsplice or RDMA were not released in time:
		 * the revocation is not complete. Lower the other files too, then
		 * report it, so that nothing is committed on the strength of it.
		 */
		if (!a->pinned)
			a->pinned = -errno;
	} else if (errno != ENODATA) {	/* ENODATA: an empty file has no map */
		e = -errno;
	}
	close(fd);
	return e;
}

int fam_kmount_set_access(const char *mnt, const char *path, uint32_t mode)
{
	struct access_ctx a = { .kaccess = to_kaccess(mode) };
	int e = walk_data_set(mnt, path, set_access_cb, &a);

	if (e < 0)
		return e;
	return a.pinned ? a.pinned : a.count;
}

int fam_kmount_get_access(const char *mnt, const char *path, uint32_t *mode)
{
	struct famfs_ioc_access io = { 0 };
	char full[PATH_MAX + 64];
	int fd, e = 0;

	if ((size_t)snprintf(full, sizeof(full), "%s%s", mnt, path) >= sizeof(full))
		return -ENAMETOOLONG;
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, FAMFSIOC_GET_ACCESS, &io))
		e = -errno;
	else
		*mode = io.access == FAMFS_ACCESS_RW ? FAM_OWN_RW :
			io.access == FAMFS_ACCESS_RO ? FAM_OWN_RO : FAM_OWN_NONE;
	close(fd);
	return e;
}

struct cache_ctx {
	bool invalidate;
	uint64_t bytes;
};

static int cache_cb(void *arg, const char *full)
{
	struct cache_ctx *cc = arg;
	int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), e = 0;
	struct famfs_ioc_access acc = { 0 };
	struct stat st;
	void *map;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	/* Touching a file without access would fault with SIGBUS: skip those. */
	if (ioctl(fd, FAMFSIOC_GET_ACCESS, &acc) || acc.access == FAMFS_ACCESS_NONE) {
		close(fd);
		return 0;
	}
	if (fstat(fd, &st)) {
		e = -errno;
	} else if (st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			e = -errno;
		} else {
			if (cc->invalidate)
				fam_invalidate(map, (size_t)st.st_size);
			else
				fam_flush(map, (size_t)st.st_size);
			cc->bytes += (uint64_t)st.st_size;
			munmap(map, (size_t)st.st_size);
		}
	}
	close(fd);
	return e;
}

int fam_kmount_cache(const char *mnt, const char *path, bool invalidate, uint64_t *bytes)
{
	struct cache_ctx cc = { .invalidate = invalidate };
	int e = walk_data_set(mnt, path, cache_cb, &cc);

	if (bytes)
		*bytes = cc.bytes;
	return e < 0 ? e : 0;
}

int fam_kmount_lease(const char *mnt, uint32_t duration_ms, bool query,
		     struct fam_kmount_lease *out)
{
	struct famfs_ioc_lease l = { .duration_ms = duration_ms };
	int fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC), e = 0;

	if (fd < 0)
		return -errno;
	if (query)
		l.flags = FAMFS_LEASE_QUERY;
	if (ioctl(fd, FAMFSIOC_LEASE, &l)) {
		e = -errno;
	} else if (out) {
		out->active = l.state & FAMFS_LEASE_ACTIVE;
		out->expired = l.state & FAMFS_LEASE_EXPIRED;
		out->expirations = l.expirations;
		out->remaining_ms = l.remaining_ms;
	}
	close(fd);
	return e;
}

/* famfsd's clock (its deadlines are on it). */
static uint64_t mono_ms(void)
{
	return fam_log_now_ms();
}

int fam_kmount_lease_until(const char *mnt, uint64_t until_ms, uint32_t max_late_ms,
			   struct fam_kmount_lease *out)
{
	struct fam_kmount_lease first = { 0 }, l;
	bool expired = false;

	for (int n = 0;; n++) {
		uint64_t t0 = mono_ms(), t1;
		uint64_t d = until_ms > t0 ? until_ms - t0 : 1;
		int e = fam_kmount_lease(mnt, d > UINT32_MAX ? UINT32_MAX : (uint32_t)d, false, &l);

		if (e)
			return e;
		t1 = mono_ms();
		if (!n)
			first = l;
		expired = expired || l.expired;
		/* Armed at some moment in [t0, t1]: at most t1 - t0 late. */
		if (t1 - t0 <= max_late_ms || d == 1)
			break;
	}
	if (out) {
		*out = first;
		out->expired = expired;
		out->remaining_ms = l.remaining_ms;
	}
	return 0;
}

int fam_kmount_counters(const char *mnt, struct fam_kmount_counters *out)
{
	struct famfs_ioc_stats st;
	char p[PATH_MAX];
	int fd, e = 0;

	if (snprintf(p, sizeof(p), "%s/" FAM_KMOUNT_META_DIR "/.superblock", mnt) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&st, 0, sizeof(st));
	if (ioctl(fd, FAMFSIOC_GET_STATS, &st)) {
		e = -errno;
	} else {
		out->pte_faults = st.pte_faults;
		out->pmd_faults = st.pmd_faults;
		out->pud_faults = st.pud_faults;
		out->refused_faults = st.refused_faults;
		out->revocations = st.revocations;
		out->lease_expirations = st.lease_expirations;
		out->pin_scan_pages = st.pin_scan_pages;
		out->writeback_bytes = st.writeback_bytes;
		out->invalidated_bytes = st.invalidated_bytes;
		out->invalidates_on_raise = st.features & FAMFS_FEATURE_INVALIDATE_ON_RAISE;
		out->invalidates_on_touch = st.features & FAMFS_FEATURE_INVALIDATE_ON_TOUCH;
		out->writes_back = st.features & FAMFS_FEATURE_WRITEBACK_KADDR;
	}
	close(fd);
	return e;
}
