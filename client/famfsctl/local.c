// SPDX-License-Identifier: Apache-2.0
/*
 * famfsctl local VERB DEVICE ...: offline commands that open the device or
 * fabric file themselves. Mutating verbs become the log writer for their
 * duration (one writer per host; they fail while famfsd writes).
 */
#include "famfsctl.h"
#include "flush.h"
#include "kmount.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct local {
	struct ctl *c;
	struct fam_dev dev;
	struct fam_fs fs;
	bool open;
};

static int local_open(struct local *l, const char *path, bool writer)
{
	struct stat st;
	int err;

	/* A famfs mount: make sure its metadata is reachable through DAX first. */
	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		char msg[PATH_MAX + 128];

		err = fam_kmount_meta(path, msg, sizeof(msg));
		if (err)
			return ctl_err(l->c, path, err, msg);
	}
	err = fam_dev_open(&l->dev, path, (writer ? FAM_DEV_WRITER : FAM_DEV_RDONLY) |
			   FAM_DEV_BLOCK_OK);

	if (err)
		return ctl_err(l->c, path, err, l->dev.err);
	err = fam_fs_open(&l->fs, &l->dev, writer ? FAM_FS_WRITER : 0);
	if (err) {
		fam_dev_close(&l->dev);
		return ctl_err(l->c, path, err, l->fs.err);
	}
	if (l->fs.replay_err)
		fprintf(stderr, "%s: warning: %s\n", l->c->prog, l->fs.err);
	l->open = true;
	return 0;
}

/* Kernel mode: make the mount match the namespace; summary into out when given. */
static int mount_sync(struct local *l, const char *mnt, json_object *out, bool quiet)
{
	struct fam_kmount_stats st;
	char msg[PATH_MAX + 128] = "";
	int err = fam_kmount_sync(mnt, &l->fs, &st, msg, sizeof(msg));

	if (out) {
		json_object_object_add(out, "mount", json_object_new_string(mnt));
		json_object_object_add(out, "created_dirs", json_object_new_uint64(st.dirs));
		json_object_object_add(out, "created_files", json_object_new_uint64(st.files));
		json_object_object_add(out, "existing", json_object_new_uint64(st.existing));
		json_object_object_add(out, "removed", json_object_new_uint64(st.removed));
		json_object_object_add(out, "failed", json_object_new_uint64(st.failed));
	}
	if (!quiet && !l->c->json)
		printf("%s: %llu directories and %llu files created, %llu already present, %llu removed, %llu failed\n",
		       mnt, (unsigned long long)st.dirs, (unsigned long long)st.files,
		       (unsigned long long)st.existing, (unsigned long long)st.removed,
		       (unsigned long long)st.failed);
	if (err)
		return ctl_err(l->c, mnt, err, msg);
	return 0;
}

/* Kernel mode: bring the mount in line with what was just committed. */
static int local_sync_mount(struct local *l)
{
	if (l->dev.kind != FAM_DEV_MOUNT)
		return 0;
	return mount_sync(l, l->dev.path, NULL, true) ? EXIT_FAIL : 0;
}

static void local_close(struct local *l)
{
	if (!l->open)
		return;
	fam_fs_close(&l->fs);
	fam_dev_close(&l->dev);
	l->open = false;
}

static int op_err(struct local *l, const char *verb, const char *path, int err)
{
	char what[PATH_MAX + 32];

	snprintf(what, sizeof(what), "%s %s", verb, path);
	return ctl_err(l->c, what, err, l->fs.err);
}

#define NEED_ARGS(n, syn)							\
	do {									\
		if (argc - i != (n)) {						\
			fprintf(stderr, "usage: famfsctl local %s\n", syn);	\
			return EXIT_USAGE;					\
		}								\
	} while (0)

static int v_mkdir(struct ctl *c, int argc, char **argv)
{
	struct ctl_opts o = { .mode = 0755 };
	struct local l = { .c = c };
	int i = ctl_parse_opts(c, argc, argv, &o, "pm"), err, ret = EXIT_OK;

	if (i < 0)
		return EXIT_USAGE;
	if (argc - i < 2) {
		fprintf(stderr, "usage: famfsctl local mkdir [-p] [--mode OCTAL] DEVICE PATH...\n");
		return EXIT_USAGE;
	}
	if (local_open(&l, argv[i], true))
		return EXIT_FAIL;
	for (int k = i + 1; k < argc && ret == EXIT_OK; k++) {
		char *p = argv[k];

		if (o.parents) {
			/* Create each missing ancestor in turn. */
			for (char *s = p + 1; ; s++) {
				if (*s == '/' || *s == 0) {
					char save = *s;
					struct fam_node *n;

					*s = 0;
					err = fam_fs_lookup(&l.fs, p, &n);
					if (err == -ENOENT)
						err = fam_fs_mkdir(&l.fs, p, o.mode, getuid(), getgid());
					else if (!err && !S_ISDIR(n->mode))
						err = -ENOTDIR;
					*s = save;
					if (err) {
						ret = op_err(&l, "mkdir", p, err);
						break;
					}
					if (!save)
						break;
				}
			}
		} else {
			err = fam_fs_mkdir(&l.fs, p, o.mode, getuid(), getgid());
			if (err)
				ret = op_err(&l, "mkdir", p, err);
		}
	}
	if (local_sync_mount(&l))
		ret = EXIT_FAIL;
	local_close(&l);
	return ret;
}

static int v_creat(struct ctl *c, int argc, char **argv)
{
	struct ctl_opts o = { .mode = 0644 };
	struct local l = { .c = c };
	struct fam_node *n;
	int i = ctl_parse_opts(c, argc, argv, &o, "sm"), err, ret = EXIT_OK;

	if (i < 0)
		return EXIT_USAGE;
	if (!o.have_size) {
		fprintf(stderr, "usage: famfsctl local creat --size SIZE [--mode OCTAL] DEVICE PATH\n");
		return EXIT_USAGE;
	}
	NEED_ARGS(2, "creat --size SIZE [--mode OCTAL] DEVICE PATH");
	if (local_open(&l, argv[i], true))
		return EXIT_FAIL;
	err = fam_fs_create(&l.fs, argv[i + 1], o.mode, getuid(), getgid(), o.size, &n);
	if (err)
		ret = op_err(&l, "creat", argv[i + 1], err);
	else if (local_sync_mount(&l))
		ret = EXIT_FAIL;
	else if (c->json)
		ctl_json_print(ctl_node_json(n, argv[i + 1], true));
	local_close(&l);
	return ret;
}

/* Copy between two file descriptors (the kernel mount's file is a DAX file). */
static int copy_fd(int in, int out, uint64_t len)
{
	static char buf[1 << 20];

	while (len) {
		ssize_t r = read(in, buf, len < sizeof(buf) ? len : sizeof(buf));

		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		for (ssize_t w = 0; w < r; ) {
			ssize_t k = write(out, buf + w, (size_t)(r - w));

			if (k < 0)
				return -errno;
			w += k;
		}
		len -= (uint64_t)r;
	}
	return 0;
}

static int copy_to_mount(struct ctl *c, int in, const char *mnt, const char *path, uint64_t len)
{
	char full[PATH_MAX + 64];
	int out, err;

	snprintf(full, sizeof(full), "%s%s", mnt, path);
	out = open(full, O_WRONLY | O_CLOEXEC);
	if (out < 0)
		return ctl_err(c, full, -errno, NULL);
	err = copy_fd(in, out, len);
	close(out);
	return err ? ctl_err(c, full, err, "writing the data") : 0;
}

/* Copy a local file into a new famfs file through the fabric mapping. */
static int v_cp(struct ctl *c, int argc, char **argv)
{
	struct ctl_opts o = { .mode = 0644 };
	struct local l = { .c = c };
	struct fam_node *n;
	struct stat st;
	int i = ctl_parse_opts(c, argc, argv, &o, "m"), fd, err, ret = EXIT_FAIL;
	uint64_t done = 0;

	if (i < 0)
		return EXIT_USAGE;
	NEED_ARGS(3, "cp [--mode OCTAL] DEVICE LOCAL_FILE FAMFS_PATH");
	fd = open(argv[i + 1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		return ctl_err(c, argv[i + 1], -errno, NULL);
	if (local_open(&l, argv[i], true))
		goto out_fd;
	if (l.dev.kind == FAM_DEV_PMEM) {
		ctl_err(c, argv[i], -EOPNOTSUPP,
			"the pmem block device is for mkfs only: mount it and give the mount point");
		goto out;
	}
	err = fam_fs_create(&l.fs, argv[i + 2], o.mode ? o.mode : (st.st_mode & 07777),
			    st.st_uid, st.st_gid, (uint64_t)st.st_size, &n);
	if (err) {
		op_err(&l, "cp", argv[i + 2], err);
		goto out;
	}
	if (l.dev.kind == FAM_DEV_MOUNT) {
		if (local_sync_mount(&l) || copy_to_mount(c, fd, l.dev.path, argv[i + 2], n->size))
			goto out;
		done = n->size;
	}
	for (uint32_t k = 0; k < n->n_ext && done < n->size; k++) {
		uint64_t len = n->ext[k].len < n->size - done ? n->ext[k].len : n->size - done;
		uint8_t *dst = fam_dev_data(&l.dev, n->ext[k].offset, len);

		for (uint64_t off = 0; off < len; ) {
			ssize_t r = pread(fd, dst + off, len - off, (off_t)(done + off));

			if (r <= 0) {
				ctl_err(c, argv[i + 1], r < 0 ? -errno : -EIO, "short read");
				goto out;
			}
			off += (uint64_t)r;
		}
		fam_flush(dst, len);
		done += len;
	}
	if (c->json)
		ctl_json_print(ctl_node_json(n, argv[i + 2], true));
	ret = EXIT_OK;
out:
	local_close(&l);
out_fd:
	close(fd);
	return ret;
}

static int v_cat(struct ctl *c, int argc, char **argv)
{
	struct ctl_opts o = { 0 };
	struct local l = { .c = c };
	struct fam_node *n;
	uint64_t done = 0;
	int i = ctl_parse_opts(c, argc, argv, &o, ""), err, ret = EXIT_FAIL;

	if (i < 0)
		return EXIT_USAGE;
	NEED_ARGS(2, "cat DEVICE PATH");
	if (local_open(&l, argv[i], false))
		return EXIT_FAIL;
	err = fam_fs_lookup(&l.fs, argv[i + 1], &n);
	if (!err && S_ISDIR(n->mode))
		err = -EISDIR;
	if (err) {
		op_err(&l, "cat", argv[i + 1], err);
		goto out;
	}
	if (l.dev.kind == FAM_DEV_MOUNT) {
		char full[PATH_MAX + 64];
		int in;

		snprintf(full, sizeof(full), "%s%s", l.dev.path, argv[i + 1]);
		in = open(full, O_RDONLY | O_CLOEXEC);
		if (in < 0) {
			ctl_err(c, full, -errno, "not instantiated here yet? run famfsctl local replay");
			goto out;
		}
		fflush(stdout);
		err = copy_fd(in, STDOUT_FILENO, n->size);
		close(in);
		if (err)
			ctl_err(c, full, err, NULL);
		else
			ret = EXIT_OK;
		goto out;
	}
	for (uint32_t k = 0; k < n->n_ext && done < n->size; k++) {
		uint64_t len = n->ext[k].len < n->size - done ? n->ext[k].len : n->size - done;
		const uint8_t *src = fam_dev_data(&l.dev, n->ext[k].offset, len);

		fam_invalidate(src, len);
		if (fwrite(src, 1, len, stdout) != len) {
			ctl_err(c, "stdout", -EIO, NULL);
			goto out;
		}
		done += len;
	}
	ret = fflush(stdout) ? EXIT_FAIL : EXIT_OK;
out:
	local_close(&l);
	return ret;
}

static int v_rm(struct ctl *c, int argc, char **argv)
{
	struct ctl_opts o = { 0 };
	struct local l = { .c = c };
	int i = ctl_parse_opts(c, argc, argv, &o, ""), err, ret = EXIT_OK;

	if (i < 0)
		return EXIT_USAGE;
	if (argc - i < 2) {
		fprintf(stderr, "usage: famfsctl local rm DEVICE PATH...\n");
		return EXIT_USAGE;
	}
	if (local_open(&l, argv[i], true))
		return EXIT_FAIL;
	for (int k = i + 1; k < argc && ret == EXIT_OK; k++) {
		err = fam_fs_delete(&l.fs, argv[k]);
		if (err)
			ret = op_err(&l, "rm", argv[k], err);
	}
	if (local_sync_mount(&l))
		ret = EXIT_FAIL;
	local_close(&l);
	return ret;
}

static int v_mv(struct ctl *c, int argc, char **argv)
{
	struct ctl_opts o = { 0 };
	struct local l = { .c = c };
	int i = ctl_parse_opts(c, argc, argv, &o, ""), err, ret = EXIT_OK;

	if (i < 0)
		return EXIT_USAGE;
	NEED_ARGS(3, "mv DEVICE FROM TO");
	if (local_open(&l, argv[i], true))
		return EXIT_FAIL;
	err = fam_fs_rename(&l.fs, argv[i + 1], argv[i + 2]);
	if (err)
		ret = op_err(&l, "mv", argv[i + 1], err);
	else if (local_sync_mount(&l))
		ret = EXIT_FAIL;
	local_close(&l);
	return ret;
}

static void print_long(const struct fam_node *n, const char *name)
{
	printf("%c%c%c%c%c%c%c%c%c%c %5u %5u %12llu %6u %s\n", S_ISDIR(n->mode) ? 'd' : '-',
	       n->mode & 0400 ? 'r' : '-', n->mode & 0200 ? 'w' : '-', n->mode & 0100 ? 'x' : '-',
	       n->mode & 040 ? 'r' : '-', n->mode & 020 ? 'w' : '-', n->mode & 010 ? 'x' : '-',
	       n->mode & 04 ? 'r' : '-', n->mode & 02 ? 'w' : '-', n->mode & 01 ? 'x' : '-',
	       n->uid, n->gid, (unsigned long long)n->size, n->n_ext, name);
}

static int v_ls(struct ctl *c, int argc, char **argv)
{
	struct ctl_opts o = { 0 };
	struct local l = { .c = c };
	struct fam_node *n;
	const char *path;
	char buf[PATH_MAX];
	json_object *arr = NULL;
	int i = ctl_parse_opts(c, argc, argv, &o, "l"), err;

	if (i < 0)
		return EXIT_USAGE;
	if (argc - i != 1 && argc - i != 2) {
		fprintf(stderr, "usage: famfsctl local ls [-l] DEVICE [PATH]\n");
		return EXIT_USAGE;
	}
	path = argc - i == 2 ? argv[i + 1] : "/";
	if (local_open(&l, argv[i], false))
		return EXIT_FAIL;
	err = fam_fs_lookup(&l.fs, path, &n);
	if (err) {
		op_err(&l, "ls", path, err);
		local_close(&l);
		return EXIT_FAIL;
	}
	if (c->json)
		arr = json_object_new_array();
	if (o.longfmt && !c->json)
		printf("%-10s %5s %5s %12s %6s %s\n", "mode", "uid", "gid", "size", "extents", "name");
	/* A file lists itself; a directory its children, sorted by name. */
	{
		size_t cnt = S_ISDIR(n->mode) ? n->n_children : 1, k = 0;
		const struct fam_node **v = calloc(cnt ? cnt : 1, sizeof(*v));

		if (!v) {
			local_close(&l);
			return ctl_err(c, "ls", -ENOMEM, NULL);
		}
		if (S_ISDIR(n->mode))
			for (const struct fam_node *ch = n->children; ch; ch = ch->next)
				v[k++] = ch;
		else
			v[k++] = n;
		for (size_t a = 1; a < cnt; a++)
			for (size_t b = a; b > 0 && strcmp(v[b - 1]->name, v[b]->name) > 0; b--) {
				const struct fam_node *t = v[b];

				v[b] = v[b - 1];
				v[b - 1] = t;
			}
		for (k = 0; k < cnt; k++) {
			fam_ns_path(v[k], buf, sizeof(buf));
			if (c->json)
				json_object_array_add(arr, ctl_node_json(v[k], buf, o.longfmt));
			else if (o.longfmt)
				print_long(v[k], v[k]->name);
			else
				printf("%s%s\n", v[k]->name, S_ISDIR(v[k]->mode) ? "/" : "");
		}
		free(v);
	}
	if (c->json)
		ctl_json_print(arr);
	local_close(&l);
	return EXIT_OK;
}

static int v_stat_getmap(struct ctl *c, int argc, char **argv, bool map)
{
	struct ctl_opts o = { 0 };
	struct local l = { .c = c };
	struct fam_node *n;
	char s1[32];
	int i = ctl_parse_opts(c, argc, argv, &o, ""), err;

	if (i < 0)
		return EXIT_USAGE;
	NEED_ARGS(2, map ? "getmap DEVICE PATH" : "stat DEVICE PATH");
	if (local_open(&l, argv[i], false))
		return EXIT_FAIL;
	err = fam_fs_lookup(&l.fs, argv[i + 1], &n);
	if (!err && map && S_ISDIR(n->mode))
		err = -EISDIR;
	if (err) {
		op_err(&l, map ? "getmap" : "stat", argv[i + 1], err);
		local_close(&l);
		return EXIT_FAIL;
	}
	if (c->json) {
		ctl_json_print(ctl_node_json(n, argv[i + 1], true));
	} else if (map) {
		printf("%s: size %llu, %u extent%s\n", argv[i + 1], (unsigned long long)n->size,
		       n->n_ext, n->n_ext == 1 ? "" : "s");
		for (uint32_t k = 0; k < n->n_ext; k++)
			printf("  %3u: offset %#014llx length %#012llx (%s)%s\n", k,
			       (unsigned long long)n->ext[k].offset, (unsigned long long)n->ext[k].len,
			       fam_size_str(n->ext[k].len, s1, sizeof(s1)),
			       n->ext[k].offset % FAM_PMD_SIZE ? "" : " 2M-aligned");
	} else {
		printf("  path: %s\n  type: %s\n   ino: %llu\n  mode: %04o\n   uid: %u\n   gid: %u\n"
		       "  size: %llu\nextents: %u\n", argv[i + 1],
		       S_ISDIR(n->mode) ? "directory" : "file", (unsigned long long)n->ino,
		       n->mode & 07777, n->uid, n->gid, (unsigned long long)n->size, n->n_ext);
		for (uint32_t k = 0; k < n->n_grants; k++)
			printf(" owner: host %u %s (epoch %llu)\n", n->grants[k].host,
			       n->grants[k].mode == FAM_OWN_RW ? "rw" : "ro",
			       (unsigned long long)n->grants[k].grant_epoch);
	}
	local_close(&l);
	return EXIT_OK;
}

static int v_stat(struct ctl *c, int argc, char **argv)
{
	return v_stat_getmap(c, argc, argv, false);
}

static int v_getmap(struct ctl *c, int argc, char **argv)
{
	return v_stat_getmap(c, argc, argv, true);
}

static int v_replay(struct ctl *c, int argc, char **argv)
{
	struct ctl_opts o = { 0 };
	struct local l = { .c = c };
	json_object *out;
	char uuid[37];
	int i = ctl_parse_opts(c, argc, argv, &o, ""), ret = EXIT_OK;
	const char *src;

	if (i < 0)
		return EXIT_USAGE;
	if (argc - i != 1 && argc - i != 2) {
		fprintf(stderr, "usage: famfsctl local replay DEVICE [MOUNTPOINT]\n");
		return EXIT_USAGE;
	}
	/* With a mount point, metadata is read through its DAX meta files, never the bdev. */
	src = argv[i];
	if (argc - i == 2)
		src = argv[i + 1];
	if (local_open(&l, src, false))
		return EXIT_FAIL;
	out = json_object_new_object();
	fam_uuid_str(l.fs.sb.uuid, uuid);
	json_object_object_add(out, "uuid", json_object_new_string(uuid));
	json_object_object_add(out, "head_seq", json_object_new_uint64(l.fs.log.hdr.head_seq));
	json_object_object_add(out, "committed_seq", json_object_new_uint64(l.fs.log.hdr.committed_seq));
	json_object_object_add(out, "replayed_to", json_object_new_uint64(l.fs.cur.seq - 1));
	json_object_object_add(out, "files", json_object_new_uint64(l.fs.ns.n_files));
	json_object_object_add(out, "directories", json_object_new_uint64(l.fs.ns.n_dirs));
	json_object_object_add(out, "clean", json_object_new_boolean(!l.fs.replay_err));
	if (argc - i == 2 && mount_sync(&l, argv[i + 1], out, false))
		ret = EXIT_FAIL;
	if (c->json) {
		ctl_json_print(out);
	} else {
		printf("replayed %s: records %llu..%llu, %llu files, %llu directories%s\n", uuid,
		       (unsigned long long)l.fs.log.hdr.head_seq,
		       (unsigned long long)(l.fs.cur.seq - 1),
		       (unsigned long long)l.fs.ns.n_files, (unsigned long long)l.fs.ns.n_dirs,
		       l.fs.replay_err ? " (stopped at a corrupt record)" : "");
		json_object_put(out);
	}
	if (l.fs.replay_err)
		ret = EXIT_FAIL;
	local_close(&l);
	return ret;
}

static const struct ctl_verb verbs[] = {
	{ "ls", v_ls, "[-l] DEVICE [PATH]", "list a directory" },
	{ "stat", v_stat, "DEVICE PATH", "show a file's or directory's attributes" },
	{ "getmap", v_getmap, "DEVICE PATH", "show a file's extents" },
	{ "replay", v_replay, "DEVICE [MOUNTPOINT]",
	  "replay the log as another host would; with MOUNTPOINT, instantiate the files in that famfs mount" },
	{ "mkdir", v_mkdir, "[-p] [--mode OCTAL] DEVICE PATH...", "create directories" },
	{ "creat", v_creat, "--size SIZE [--mode OCTAL] DEVICE PATH", "create a file of SIZE bytes" },
	{ "cp", v_cp, "[--mode OCTAL] DEVICE LOCAL_FILE PATH", "copy a local file into famfs" },
	{ "cat", v_cat, "DEVICE PATH", "write a famfs file's bytes to stdout" },
	{ "rm", v_rm, "DEVICE PATH...", "delete files or empty directories" },
	{ "mv", v_mv, "DEVICE FROM TO", "rename" },
};

void ctl_local_usage(FILE *out)
{
	for (size_t k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++)
		fprintf(out, "  local %-6s %s\n         %s\n", verbs[k].name, verbs[k].args,
			verbs[k].help);
}

int ctl_local(struct ctl *c, int argc, char **argv)
{
	if (argc < 1) {
		ctl_local_usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++)
		if (!strcmp(argv[0], verbs[k].name))
			return verbs[k].fn(c, argc, argv);
	fprintf(stderr, "%s: unknown local command '%s'\n", c->prog, argv[0]);
	ctl_local_usage(stderr);
	return EXIT_USAGE;
}
