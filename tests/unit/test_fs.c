// SPDX-License-Identifier: Apache-2.0
/* Whole file system on a /dev/shm fabric file: writer ops, replay, corruption, wrap. */
#include "testutil.h"
#include "fsck.h"

#define DEV_SIZE	(64 * FAM_MiB)

static char path[128];
static struct fam_dev dev;
static struct fam_fs fs;

static void mk(uint64_t dev_size, uint64_t log_size, uint64_t unit)
{
	tu_fabric_path(path, sizeof(path), "fs");
	tu_mkfs_open(path, dev_size, log_size, unit, &dev, &fs);
}

static void reopen_writer(void)
{
	int err;

	fam_fs_close(&fs);
	err = fam_fs_open(&fs, &dev, FAM_FS_WRITER);
	ck_assert_msg(err == 0, "reopen: %d %s", err, fs.err);
}

/* A fresh replay of the device from scratch equals the writer's namespace. */
static void assert_replay_equal(void)
{
	struct fam_dev d2;
	struct fam_fs r;
	int err = tu_open_reader(path, &d2, &r);

	ck_assert_msg(err == 0, "reader open: %d %s", err, r.err);
	fam_fs_set_watermark(&r, fs.watermark);
	ck_assert_msg(fam_ns_equal(&fs.ns, &r.ns), "replayed namespace differs");
	ck_assert_uint_eq(r.ns.applied_seq, fs.ns.applied_seq);
	fam_fs_close(&r);
	fam_dev_close(&d2);
}

static void teardown(void)
{
	fam_fs_close(&fs);
	fam_dev_close(&dev);
	unlink(path);
}

static int lookup_err(struct fam_fs *f, const char *p)
{
	struct fam_node *n;

	return fam_fs_lookup(f, p, &n);
}

static struct fam_node *get(const char *p)
{
	struct fam_node *n = NULL;
	int err = fam_fs_lookup(&fs, p, &n);

	ck_assert_msg(err == 0, "lookup %s: %d", p, err);
	return n;
}

START_TEST(test_ops_and_reopen)
{
	struct fam_node *n;

	mk(DEV_SIZE, FAM_LOG_SIZE_MIN, 4096);
	ck_assert_str_eq(fs.sb.label, "unit");
	ck_assert_uint_eq(fs.sb.log_size, FAM_LOG_SIZE_MIN);
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/d", 0750, 10, 20), 0);
	ck_assert_int_eq(fam_fs_create(&fs, "/d/f", 0600, 10, 20, 100000, &n), 0);
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_eq(n->size, 100000);
	ck_assert_uint_eq(n->uid, 10);
	ck_assert_int_eq(fam_fs_create(&fs, "/d/empty", 0600, 0, 0, 0, NULL), 0);
	ck_assert_uint_eq(get("/d/empty")->n_ext, 0);
	ck_assert_int_eq(fam_fs_rename(&fs, "/d/f", "/g"), 0);
	ck_assert_int_eq(fam_fs_owner(&fs, "/g", 4, FAM_OWN_RW, 2), 0);
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/tmp", 0755, 0, 0), 0);
	ck_assert_int_eq(fam_fs_delete(&fs, "/tmp"), 0);
	ck_assert_uint_eq(fs.ns.applied_seq, 7);
	ck_assert_uint_eq(fs.log.hdr.committed_seq, 7);
	assert_replay_equal();
	reopen_writer();
	assert_replay_equal();
	n = get("/g");
	ck_assert_uint_eq(n->size, 100000);
	ck_assert_uint_eq(n->mode, S_IFREG | 0600);
	ck_assert_uint_eq(n->n_grants, 1);
	ck_assert_uint_eq(n->grants[0].host, 4);
	ck_assert_uint_eq(get("/d")->mode, S_IFDIR | 0750);
	/* The allocator was rebuilt: new space does not overlap /g. */
	ck_assert_int_eq(fam_fs_create(&fs, "/h", 0600, 0, 0, 100000, &n), 0);
	ck_assert(n->ext[0].offset >= get("/g")->ext[0].offset + get("/g")->ext[0].len ||
		  n->ext[0].offset + n->ext[0].len <= get("/g")->ext[0].offset);
	assert_replay_equal();
}
END_TEST

/* Found by fuzz_envelope under UBSan: fsck of an empty file system sorted a NULL array. */
START_TEST(test_fsck_empty)
{
	struct fam_fsck f = { 0 };

	mk(DEV_SIZE, FAM_LOG_SIZE_MIN, 4096);
	ck_assert_int_eq(fam_fsck(&dev, &f), 0);
	ck_assert_uint_eq(f.errors, 0);
	ck_assert_uint_eq(f.files, 0);
	ck_assert(f.sb_ok && f.log_ok);
	ck_assert_int_eq(fam_fs_create(&fs, "/one", 0600, 0, 0, 5000, NULL), 0);
	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(fam_fsck(&dev, &f), 0);
	ck_assert_uint_eq(f.errors, 0);
	ck_assert_uint_eq(f.files, 1);
}
END_TEST

START_TEST(test_errors)
{
	struct fam_dev d2;
	struct fam_fs r;

	mk(DEV_SIZE, FAM_LOG_SIZE_MIN, 4096);
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/d", 0755, 0, 0), 0);
	ck_assert_int_eq(fam_fs_create(&fs, "/d/f", 0644, 0, 0, 10, NULL), 0);
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/d", 0755, 0, 0), -EEXIST);
	ck_assert_int_eq(fam_fs_create(&fs, "/d/f", 0644, 0, 0, 10, NULL), -EEXIST);
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/d/f", 0755, 0, 0), -EEXIST);
	ck_assert_int_eq(fam_fs_rename(&fs, "/d/f", "/d"), -EEXIST);
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/", 0755, 0, 0), -EEXIST);
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/x/y", 0755, 0, 0), -ENOENT);
	ck_assert_int_eq(fam_fs_create(&fs, "/x/y", 0644, 0, 0, 10, NULL), -ENOENT);
	ck_assert_int_eq(fam_fs_delete(&fs, "/x"), -ENOENT);
	ck_assert_int_eq(fam_fs_rename(&fs, "/x", "/y"), -ENOENT);
	ck_assert_int_eq(fam_fs_rename(&fs, "/d/f", "/x/y"), -ENOENT);
	ck_assert_int_eq(fam_fs_owner(&fs, "/x", 1, FAM_OWN_RO, 1), -ENOENT);
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/d/f/sub", 0755, 0, 0), -ENOTDIR);
	ck_assert_int_eq(fam_fs_create(&fs, "/d/f/sub", 0644, 0, 0, 1, NULL), -ENOTDIR);
	ck_assert_int_eq(fam_fs_delete(&fs, "/d/f/sub"), -ENOTDIR);
	ck_assert_int_eq(fam_fs_rename(&fs, "/d", "/d/f/z"), -ENOTDIR);
	ck_assert_int_eq(fam_fs_delete(&fs, "/d"), -ENOTEMPTY);
	ck_assert_int_eq(fam_fs_rename(&fs, "/d", "/d/inside"), -EINVAL);
	ck_assert_int_eq(fam_fs_mkdir(&fs, "rel", 0755, 0, 0), -EINVAL);
	ck_assert_int_eq(fam_fs_create(&fs, "/a//b", 0644, 0, 0, 1, NULL), -EINVAL);
	ck_assert_int_eq(fam_fs_owner(&fs, "/d", FAM_MAX_HOSTS, FAM_OWN_RO, 1), -EINVAL);
	ck_assert_int_eq(fam_fs_owner(&fs, "/d", 1, 7, 1), -EINVAL);
	/* Nothing above reached the log. */
	ck_assert_uint_eq(fs.log.hdr.committed_seq, 2);
	ck_assert_uint_eq(fs.ns.n_files, 1);
	ck_assert_uint_eq(fs.ns.n_dirs, 1);
	/* A read-only instance cannot write. */
	ck_assert_int_eq(tu_open_reader(path, &d2, &r), 0);
	ck_assert_int_eq(fam_fs_mkdir(&r, "/new", 0755, 0, 0), -EROFS);
	ck_assert_int_eq(fam_fs_create(&r, "/new", 0644, 0, 0, 1, NULL), -EROFS);
	ck_assert_int_eq(fam_fs_delete(&r, "/d/f"), -EROFS);
	ck_assert_int_eq(fam_fs_checkpoint(&r), -EROFS);
	fam_fs_close(&r);
	fam_dev_close(&d2);
	assert_replay_equal();
}
END_TEST

/* PATH_MAX - 1 bytes with names of <= 255: accepted, stored and replayed whole. */
START_TEST(test_long_paths)
{
	static char p[PATH_MAX + 64], q[PATH_MAX + 64];
	size_t n = 0;
	struct fam_node *node;

	mk(DEV_SIZE, FAM_LOG_SIZE_MIN, 4096);
	for (int c = 0; c < 15; c++) {
		p[n++] = '/';
		for (int k = 0; k < 255; k++)
			p[n++] = (char)('a' + (c + k) % 26);
		p[n] = 0;
		ck_assert_int_eq(fam_fs_mkdir(&fs, p, 0755, 0, 0), 0);
	}
	p[n++] = '/';
	while (n < PATH_MAX - 1)
		p[n++] = 'z';
	p[n] = 0;
	ck_assert_uint_eq(strlen(p), PATH_MAX - 1);
	ck_assert_int_eq(fam_fs_create(&fs, p, 0644, 0, 0, 4096, &node), 0);
	ck_assert_int_eq(fam_ns_path(node, q, sizeof(q)), PATH_MAX - 1);
	ck_assert_str_eq(q, p);

	/* One byte more (a 255-byte name still): too long, never truncated. */
	strcpy(q, p);
	q[PATH_MAX - 1] = 'z';
	q[PATH_MAX] = 0;
	ck_assert_int_eq(fam_fs_create(&fs, q, 0644, 0, 0, 1, NULL), -ENAMETOOLONG);
	ck_assert_int_eq(fam_fs_mkdir(&fs, q, 0755, 0, 0), -ENAMETOOLONG);
	ck_assert_int_eq(fam_fs_rename(&fs, p, q), -ENAMETOOLONG);
	ck_assert_int_eq(fam_fs_lookup(&fs, q, &node), -ENAMETOOLONG);
	q[PATH_MAX - 1] = 0;
	q[PATH_MAX - 2] = 'y';		/* same length as p, different name: absent */
	ck_assert_int_eq(fam_fs_lookup(&fs, q, &node), -ENOENT);
	/* A 256-byte name. */
	q[0] = '/';
	memset(q + 1, 'n', 256);
	q[257] = 0;
	ck_assert_int_eq(fam_fs_create(&fs, q, 0644, 0, 0, 1, NULL), -ENAMETOOLONG);
	ck_assert_int_eq(fam_fs_mkdir(&fs, q, 0755, 0, 0), -ENAMETOOLONG);
	q[256] = 0;
	ck_assert_int_eq(fam_fs_create(&fs, q, 0644, 0, 0, 1, NULL), 0);
	/* A very long string is refused without reading it all. */
	{
		static char huge[3 * PATH_MAX];

		memset(huge, 'h', sizeof(huge) - 1);
		huge[0] = '/';
		ck_assert_int_eq(fam_fs_mkdir(&fs, huge, 0755, 0, 0), -ENAMETOOLONG);
	}

	/* Moving a directory must not push a path below it past the limit. */
	{
		static char top[300], moved[310];

		memcpy(top, p, 256);			/* "/" + the first 255-byte name */
		top[256] = 0;
		ck_assert_int_eq(fam_fs_mkdir(&fs, "/x", 0755, 0, 0), 0);
		snprintf(moved, sizeof(moved), "/x%s", top);
		ck_assert_int_eq(fam_fs_rename(&fs, top, moved), -ENAMETOOLONG);
		ck_assert_int_eq(lookup_err(&fs, p), 0);
		/* One byte shorter is fine, and back again. */
		memcpy(moved, top, 255);
		moved[255] = 0;
		ck_assert_int_eq(fam_fs_rename(&fs, top, moved), 0);
		memcpy(q, moved, 255);
		strcpy(q + 255, p + 256);
		ck_assert_int_eq(lookup_err(&fs, q), 0);
		ck_assert_int_eq(fam_fs_checkpoint(&fs), 0);
		ck_assert_int_eq(fam_fs_rename(&fs, moved, top), 0);
	}

	/* Survives replay, and a checkpoint of itself. */
	assert_replay_equal();
	ck_assert_int_eq(fam_fs_checkpoint(&fs), 0);
	reopen_writer();
	ck_assert_int_eq(fam_fs_lookup(&fs, p, &node), 0);
	ck_assert_int_eq(fam_ns_path(node, q, sizeof(q)), PATH_MAX - 1);
	ck_assert_str_eq(q, p);
	ck_assert_uint_eq(node->size, 4096);
	assert_replay_equal();
}
END_TEST

/* Data area: 8 MiB (12 MiB device, 256 KiB log, data from 4 MiB). */
START_TEST(test_enospc_data)
{
	struct fam_node *n;

	mk(12 * FAM_MiB, FAM_LOG_SIZE_MIN, 4096);
	ck_assert_uint_eq(fs.sb.data_offset, 4 * FAM_MiB);
	ck_assert_int_eq(fam_fs_create(&fs, "/big", 0644, 0, 0, 8 * FAM_MiB + 1, NULL), -ENOSPC);
	ck_assert_int_eq(fam_fs_create(&fs, "/a", 0644, 0, 0, 6 * FAM_MiB, &n), 0);
	ck_assert_int_eq(fam_fs_create(&fs, "/b", 0644, 0, 0, 2 * FAM_MiB + 1, NULL), -ENOSPC);
	ck_assert_int_eq(fam_fs_create(&fs, "/b", 0644, 0, 0, 2 * FAM_MiB - 4096, NULL), 0);
	ck_assert_int_eq(fam_fs_create(&fs, "/c", 0644, 0, 0, 4096, NULL), 0);
	ck_assert_uint_eq(fam_alloc_free_bytes(&fs.alloc), 0);
	ck_assert_int_eq(fam_fs_create(&fs, "/d", 0644, 0, 0, 1, NULL), -ENOSPC);
	/* Empty files need no space. */
	ck_assert_int_eq(fam_fs_create(&fs, "/e", 0644, 0, 0, 0, NULL), 0);
	/* The failed creates left nothing behind. */
	ck_assert_int_eq(fam_fs_lookup(&fs, "/d", &n), -ENOENT);
	ck_assert_int_eq(fam_fs_lookup(&fs, "/big", &n), -ENOENT);
	ck_assert_int_eq(fam_fs_delete(&fs, "/c"), 0);	/* auto watermark: reusable at once */
	ck_assert_int_eq(fam_fs_create(&fs, "/d", 0644, 0, 0, 1, NULL), 0);
	reopen_writer();
	ck_assert_uint_eq(fam_alloc_free_bytes(&fs.alloc), 0);
	ck_assert_int_eq(fam_fs_create(&fs, "/x", 0644, 0, 0, 1, NULL), -ENOSPC);
	assert_replay_equal();
}
END_TEST

/* Files >= 2 MiB get 2 MiB-aligned extents with a 4 KiB unit; holes give several extents. */
START_TEST(test_alignment_and_fragments)
{
	struct fam_node *n;
	char p[32];
	uint64_t sum = 0;

	mk(12 * FAM_MiB, FAM_MiB, 4096);	/* 8 MiB of data */
	ck_assert_int_eq(fam_fs_create(&fs, "/small", 0644, 0, 0, 4096, NULL), 0);
	ck_assert_int_eq(fam_fs_create(&fs, "/huge", 0644, 0, 0, 3 * FAM_MiB, &n), 0);
	for (uint32_t i = 0; i < n->n_ext; i++) {
		ck_assert_uint_eq(n->ext[i].offset % FAM_PMD_SIZE, 0);
		ck_assert_uint_eq(n->ext[i].len % FAM_PMD_SIZE, 0);
		sum += n->ext[i].len;
	}
	ck_assert_uint_eq(sum, 4 * FAM_MiB);
	/* Fill the rest with 4 KiB files, delete every other one. */
	for (int i = 0;; i++) {
		int err;

		snprintf(p, sizeof(p), "/f%d", i);
		err = fam_fs_create(&fs, p, 0644, 0, 0, 4096, NULL);
		if (err) {
			ck_assert_int_eq(err, -ENOSPC);
			break;
		}
	}
	ck_assert_uint_eq(fam_alloc_free_bytes(&fs.alloc), 0);
	for (int i = 0; i < 100; i += 2) {
		snprintf(p, sizeof(p), "/f%d", i);
		ck_assert_int_eq(fam_fs_delete(&fs, p), 0);
	}
	ck_assert_int_eq(fam_fs_create(&fs, "/frag", 0644, 0, 0, 40 * 4096, &n), 0);
	ck_assert_uint_eq(n->n_ext, 40);
	sum = 0;
	for (uint32_t i = 0; i < n->n_ext; i++)
		sum += n->ext[i].len;
	ck_assert_uint_eq(sum, 40 * 4096);
	/* 10 x 4 KiB holes remain, but no 2 MiB granule. */
	ck_assert_int_eq(fam_fs_create(&fs, "/big2", 0644, 0, 0, FAM_PMD_SIZE, NULL), -ENOSPC);
	assert_replay_equal();
}
END_TEST

/* Space freed by a DELETE is reused only once the watermark passes the DELETE. */
START_TEST(test_deferred_reuse)
{
	struct fam_node *n;
	struct fam_extent old;
	uint64_t del_seq;

	mk(12 * FAM_MiB, FAM_LOG_SIZE_MIN, 4096);
	fs.auto_watermark = false;
	ck_assert_int_eq(fam_fs_create(&fs, "/a", 0644, 0, 0, 4 * FAM_MiB, &n), 0);
	old = n->ext[0];
	ck_assert_int_eq(fam_fs_create(&fs, "/b", 0644, 0, 0, 4 * FAM_MiB, NULL), 0);
	ck_assert_int_eq(fam_fs_delete(&fs, "/a"), 0);
	del_seq = fs.log.hdr.committed_seq;
	ck_assert_uint_eq(fam_ns_pending_count(&fs.ns), 1);
	ck_assert_int_eq(fam_fs_create(&fs, "/c", 0644, 0, 0, 4096, NULL), -ENOSPC);
	/* The log carries it, through a checkpoint too: a fresh replay has it pending. */
	ck_assert_int_eq(fam_fs_checkpoint(&fs), 0);
	{
		struct fam_dev d2;
		struct fam_fs r;

		ck_assert_int_eq(tu_open_reader(path, &d2, &r), 0);
		ck_assert_uint_eq(fam_ns_pending_count(&r.ns), 1);
		ck_assert_uint_eq(fam_ns_pending(&r.ns, 0)->free_seq, del_seq);
		ck_assert_uint_eq(fam_ns_pending(&r.ns, 0)->ext.offset, old.offset);
		ck_assert(fam_ns_equal(&fs.ns, &r.ns));
		fam_fs_close(&r);
		fam_dev_close(&d2);
	}
	ck_assert_int_eq(fam_fs_create(&fs, "/c", 0644, 0, 0, 4096, NULL), -ENOSPC);
	fam_fs_set_watermark(&fs, del_seq - 1);
	ck_assert_int_eq(fam_fs_create(&fs, "/c", 0644, 0, 0, 4096, NULL), -ENOSPC);
	fam_fs_set_watermark(&fs, del_seq);
	ck_assert_uint_eq(fam_ns_pending_count(&fs.ns), 0);
	ck_assert_int_eq(fam_fs_create(&fs, "/c", 0644, 0, 0, 4096, &n), 0);
	ck_assert_uint_ge(n->ext[0].offset, old.offset);
	ck_assert_uint_lt(n->ext[0].offset, old.offset + old.len);
	/* The watermark never goes back. */
	fam_fs_set_watermark(&fs, 1);
	ck_assert_uint_eq(fs.watermark, del_seq);
	assert_replay_equal();
	/* A writer opened alone (auto watermark) may reuse everything freed before it. */
	ck_assert_int_eq(fam_fs_delete(&fs, "/b"), 0);
	ck_assert_uint_eq(fam_ns_pending_count(&fs.ns), 1);
	reopen_writer();
	ck_assert_uint_eq(fam_ns_pending_count(&fs.ns), 0);
	ck_assert_int_eq(fam_fs_create(&fs, "/d", 0644, 0, 0, 4 * FAM_MiB, NULL), 0);
}
END_TEST

/* Corrupt one committed record: replay stops there, with exactly the records before it. */
START_TEST(test_replay_stops_at_corruption)
{
	enum { NREC = 40 };
	uint64_t off[NREC + 1], len[NREC + 1];
	struct fam_log_cursor c;
	struct fam_rec r;
	uint8_t *save;
	char p[64];

	mk(DEV_SIZE, FAM_LOG_SIZE_MIN, 4096);
	for (int i = 0; i < NREC; i++) {
		snprintf(p, sizeof(p), "/n%d", i / 4);
		switch (i % 4) {
		case 0: ck_assert_int_eq(fam_fs_mkdir(&fs, p, 0755, 0, 0), 0); break;
		case 1: strcat(p, "/f"); ck_assert_int_eq(fam_fs_create(&fs, p, 0644, 0, 0, 5000 * (uint64_t)i, NULL), 0); break;
		case 2: strcat(p, "/f"); ck_assert_int_eq(fam_fs_owner(&fs, p, 1, FAM_OWN_RO, 1), 0); break;
		case 3: {
			char q[64];

			snprintf(q, sizeof(q), "%s/f", p);
			strcat(p, "/g");
			ck_assert_int_eq(fam_fs_rename(&fs, q, p), 0);
			break;
		}
		}
	}
	fam_log_cursor_head(&fs.log, &fs.log.hdr, &c);
	for (int i = 1; i <= NREC; i++) {
		off[i] = c.off;
		ck_assert_int_eq(fam_log_next(&fs.log, &fs.log.hdr, &c, &r), 1);
		ck_assert_uint_eq(r.seq, (uint64_t)i);
		len[i] = c.off - off[i];
	}
	save = malloc(fs.log.size);
	memcpy(save, fs.log.base, fs.log.size);
	for (int k = 1; k <= NREC; k++) {
		struct fam_dev d2;
		struct fam_fs rd, w2;
		struct fam_ns ref;
		uint64_t n_applied = 99;

		/* The reference: records 1..k-1 applied by hand. */
		ck_assert_int_eq(fam_ns_init(&ref), 0);
		fam_log_cursor_head(&fs.log, &fs.log.hdr, &c);
		for (int i = 1; i < k; i++) {
			ck_assert_int_eq(fam_log_next(&fs.log, &fs.log.hdr, &c, &r), 1);
			ck_assert_int_eq(fam_ns_apply(&ref, &r, false), 0);
		}
		fs.log.area[off[k] + (uint64_t)(k * 13) % len[k]] ^= (uint8_t)(1u << (k % 8));

		ck_assert_int_eq(tu_open_reader(path, &d2, &rd), 0);
		ck_assert_uint_eq(rd.bad_off, off[k]);
		ck_assert_uint_eq(rd.ns.applied_seq, (uint64_t)k - 1);
		ck_assert_msg(fam_ns_equal(&rd.ns, &ref), "record %d: namespace differs", k);
		/* Replaying again stops at the same place, applying nothing. */
		ck_assert_int_eq(fam_fs_replay(&rd, &n_applied), -EBADMSG);
		ck_assert_uint_eq(n_applied, 0);
		ck_assert_uint_eq(rd.bad_off, off[k]);
		ck_assert(fam_ns_equal(&rd.ns, &ref));
		fam_fs_close(&rd);
		fam_dev_close(&d2);
		/* A writer refuses such a log. */
		ck_assert_int_eq(fam_fs_open(&w2, &dev, FAM_FS_WRITER), -EBADMSG);
		fam_ns_fini(&ref);
		memcpy(fs.log.base, save, fs.log.size);
	}
	free(save);
	assert_replay_equal();
}
END_TEST

/* Records in the ring that no header committed are invisible. */
START_TEST(test_torn_append)
{
	struct fam_log_txn t;
	struct fam_rec r = { .type = FAM_REC_MKDIR };
	uint64_t tail;

	mk(DEV_SIZE, FAM_LOG_SIZE_MIN, 4096);
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/a", 0755, 0, 0), 0);
	ck_assert_int_eq(fam_fs_create(&fs, "/a/f", 0644, 0, 0, 1, NULL), 0);
	tail = fs.log.hdr.tail;
	fam_log_txn_begin(&fs.log, &t, fs.epoch);
	r.u.node.ino = fs.ns.next_ino;
	r.u.node.mode = 0755;
	r.u.node.path = "/torn";
	r.u.node.path_len = 5;
	ck_assert_int_eq(fam_log_txn_add(&fs.log, &t, &r), 0);
	ck_assert_uint_eq(fs.log.hdr.tail, tail);
	assert_replay_equal();
	reopen_writer();
	ck_assert_int_eq(lookup_err(&fs, "/torn"), -ENOENT);
	ck_assert_uint_eq(fs.ns.applied_seq, 2);
	/* Garbage after the tail, then the writer carries on over it. */
	memset(fs.log.area + fs.log.hdr.tail, 0xee, 8192);
	assert_replay_equal();
	reopen_writer();
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/b", 0755, 0, 0), 0);
	ck_assert_uint_eq(fs.ns.applied_seq, 3);
	assert_replay_equal();
}
END_TEST

/* A torn header write (garbage in the newer slot): the older header is used. */
START_TEST(test_torn_header)
{
	struct fam_dev d1, d2;
	struct fam_fs before, after;
	uint8_t *slot;

	mk(DEV_SIZE, FAM_LOG_SIZE_MIN, 4096);
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/a", 0755, 0, 0), 0);
	ck_assert_int_eq(fam_fs_create(&fs, "/a/f", 0644, 0, 0, 10000, NULL), 0);
	ck_assert_int_eq(fam_fs_delete(&fs, "/a/f"), 0);
	ck_assert_int_eq(tu_open_reader(path, &d1, &before), 0);	/* state at seq 3 */
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/a/f", 0755, 0, 0), 0);
	/* Tear the newest header copy (the one seq 4 wrote). */
	slot = fs.log.base + (fs.log.hdr.update_count & 1) * FAM_LOG_HDR_SLOT;
	memset(slot + 40, 0x5a, 60);
	ck_assert_int_eq(tu_open_reader(path, &d2, &after), 0);
	ck_assert_uint_eq(after.log.hdr.committed_seq, 3);
	ck_assert_uint_eq(after.ns.applied_seq, 3);
	ck_assert_int_eq(lookup_err(&after, "/a/f"), -ENOENT);
	ck_assert(fam_ns_equal(&before.ns, &after.ns));
	fam_fs_close(&after);
	fam_dev_close(&d2);
	fam_fs_close(&before);
	fam_dev_close(&d1);
	/* A writer on the torn header loses only the torn commit and carries on. */
	reopen_writer();
	ck_assert_uint_eq(fs.log.hdr.committed_seq, 3);
	ck_assert_int_eq(fam_fs_create(&fs, "/a/g", 0644, 0, 0, 1, NULL), 0);
	assert_replay_equal();
	/* Both copies damaged: no file system. */
	fs.log.base[50] ^= 1;
	fs.log.base[FAM_LOG_HDR_SLOT + 50] ^= 1;
	ck_assert_int_eq(tu_open_reader(path, &d2, &after), -EBADMSG);
	memset(fs.log.base, 0x11, FAM_LOG_HDR_AREA);
	ck_assert_int_eq(tu_open_reader(path, &d2, &after), -ENODATA);
}
END_TEST

/* Superblock damage: open fails cleanly. */
START_TEST(test_bad_superblock)
{
	struct fam_dev d2;
	struct fam_fs r;
	uint8_t *sb;

	mk(DEV_SIZE, FAM_LOG_SIZE_MIN, 4096);
	sb = fam_dev_sb(&dev);
	for (size_t i = 0; i < sizeof(struct fam_sb_disk); i += 5) {
		sb[i] ^= 0x80;
		ck_assert_int_ne(tu_open_reader(path, &d2, &r), 0);
		sb[i] ^= 0x80;
	}
	ck_assert_int_eq(tu_open_reader(path, &d2, &r), 0);
	fam_fs_close(&r);
	fam_dev_close(&d2);
}
END_TEST

/* Rewrite the superblock as base with other feature bits (valid CRC). */
static void set_features(const struct fam_sb *base, uint64_t compat, uint64_t incompat,
			 uint64_t ro_compat)
{
	struct fam_sb sb = *base;

	sb.features_compat = compat;
	sb.features_incompat = incompat;
	sb.features_ro_compat = ro_compat;
	fam_sb_encode(&sb, (struct fam_sb_disk *)fam_dev_sb(&dev));
}

/* Unknown compat bits are ignored, ro_compat ones allow reading only, incompat ones refuse. */
START_TEST(test_feature_bits)
{
	struct fam_dev d2;
	struct fam_fs r;
	struct fam_sb base;

	mk(DEV_SIZE, FAM_LOG_SIZE_MIN, 4096);
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/a", 0755, 0, 0), 0);
	ck_assert_int_eq(fam_sb_decode(fam_dev_sb(&dev), sizeof(struct fam_sb_disk), &base), 0);

	set_features(&base, 1ULL << 63, 0, 0);
	reopen_writer();

	set_features(&base, 0, 0, 1ULL << 5);
	fam_fs_close(&fs);
	ck_assert_int_eq(fam_fs_open(&fs, &dev, FAM_FS_WRITER), -EROFS);
	ck_assert_msg(strstr(fs.err, "read-only compatible features 0x20"), "message: %s", fs.err);
	ck_assert_int_eq(fam_fs_open(&fs, &dev, 0), 0);
	ck_assert_int_eq(lookup_err(&fs, "/a"), 0);
	ck_assert_int_eq(fam_fs_become_writer(&fs, 2), -EROFS);
	ck_assert(!fs.writer);

	set_features(&base, 0, 1ULL << 7, 0);
	ck_assert_int_eq(tu_open_reader(path, &d2, &r), -EPROTONOSUPPORT);

	set_features(&base, 0, 0, 0);
	reopen_writer();
	ck_assert_int_eq(lookup_err(&fs, "/a"), 0);
}
END_TEST

/* A smallest log filled with 200-byte names until a create gets ENOSPC; name: that one. */
static int fill_log(char *name, size_t cap)
{
	int i, err = 0;

	mk(DEV_SIZE, FAM_LOG_SIZE_MIN, 4096);
	for (i = 0; i < 100000; i++) {
		snprintf(name, cap, "/file-%06d-%0200d", i, 0);
		err = fam_fs_create(&fs, name, 0644, 0, 0, 0, NULL);
		if (err)
			break;
	}
	ck_assert_int_eq(err, -ENOSPC);
	return i;
}

/* The log cannot hold the live namespace: ENOSPC, and the file system stays usable. */
START_TEST(test_enospc_log)
{
	char name[300];
	int i = fill_log(name, sizeof(name)), err;

	/* About 270 bytes per file and a 248 KiB ring: it fills well before 1000 files. */
	ck_assert_int_gt(i, 100);
	ck_assert_int_lt(i, 1000);
	ck_assert_int_eq(lookup_err(&fs, name), -ENOENT);
	ck_assert_uint_eq(fs.ns.n_files, (uint64_t)i);
	assert_replay_equal();
	/* Deleting files makes room again. */
	for (int k = 0; k < i / 2; k++) {
		snprintf(name, sizeof(name), "/file-%06d-%0200d", k, 0);
		err = fam_fs_delete(&fs, name);
		ck_assert_msg(err == 0, "delete %d of %d: %d (%s)", k, i, err, fs.err);
	}
	ck_assert_int_eq(fam_fs_create(&fs, "/again", 0644, 0, 0, 0, NULL), 0);
	assert_replay_equal();
	reopen_writer();
	assert_replay_equal();
}
END_TEST

/* mkfs.famfs's capacity figure is the number of files the writer takes. */
START_TEST(test_log_capacity_matches)
{
	char name[300];
	int i = fill_log(name, sizeof(name));
	uint64_t cap = fam_log_capacity(FAM_LOG_SIZE_MIN, (uint32_t)strlen(name), 0);

	ck_assert_msg(cap + 1 >= (uint64_t)i && cap <= (uint64_t)i + 1,
		      "capacity %llu, created %d", (unsigned long long)cap, i);
	ck_assert_msg(strstr(fs.err, "too small for the live namespace"), "message: %s", fs.err);
	/* More log, more files; longer paths and more extents, fewer. */
	ck_assert_uint_gt(fam_log_capacity(2 * FAM_LOG_SIZE_MIN, 213, 0), 2 * cap);
	ck_assert_uint_lt(fam_log_capacity(FAM_LOG_SIZE_MIN, 400, 0), cap);
	ck_assert_uint_lt(fam_log_capacity(FAM_LOG_SIZE_MIN, 213, 4), cap);
	ck_assert_uint_eq(fam_log_capacity(0, 40, 1), 0);
}
END_TEST

/*
 * A full log refuses creates without writing anything: no checkpoint per
 * refused create (each would copy the whole namespace into the log, and a
 * client retrying would stall the writer for a full image every time).
 */
START_TEST(test_enospc_log_no_checkpoint_storm)
{
	char name[300];
	uint64_t ckpts, seq;

	fill_log(name, sizeof(name));
	ckpts = fs.n_checkpoints;
	seq = fs.log.hdr.committed_seq;
	for (int k = 0; k < 20; k++) {
		snprintf(name, sizeof(name), "/more-%06d-%0200d", k, 0);
		ck_assert_int_eq(fam_fs_create(&fs, name, 0644, 0, 0, 0, NULL), -ENOSPC);
	}
	ck_assert_uint_eq(fs.n_checkpoints, ckpts);
	ck_assert_uint_eq(fs.log.hdr.committed_seq, seq);
	ck_assert_msg(strstr(fs.err, "metadata log full"), "message: %s", fs.err);
	/* A DELETE still goes in, and then there is room again. */
	snprintf(name, sizeof(name), "/file-%06d-%0200d", 0, 0);
	ck_assert_int_eq(fam_fs_delete(&fs, name), 0);
	snprintf(name, sizeof(name), "/file-%06d-%0200d", 1, 0);
	ck_assert_int_eq(fam_fs_delete(&fs, name), 0);
	ck_assert_int_eq(fam_fs_create(&fs, "/again", 0644, 0, 0, 0, NULL), 0);
	assert_replay_equal();
}
END_TEST

/*
 * 256 KiB log, 200k create/delete cycles with a few live files: the writer
 * checkpoints and wraps; a reader replaying now and then (sometimes after
 * the head moved past it) stays equal; a replay from scratch is equal.
 */
START_TEST(test_checkpoint_wrap)
{
	enum { LIVE = 6, CYCLES = 200000 };
	struct fam_dev d2;
	struct fam_fs rd;
	struct fam_log_hdr h;
	char p[64];
	uint64_t s = 77, next_sync = 100, behind = 0, incremental = 0;

	mk(DEV_SIZE, FAM_LOG_SIZE_MIN, 4096);
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/live", 0755, 0, 0), 0);
	ck_assert_int_eq(tu_open_reader(path, &d2, &rd), 0);
	for (int i = 0; i < CYCLES; i++) {
		int err;

		snprintf(p, sizeof(p), "/live/f%d", i);
		err = fam_fs_create(&fs, p, 0644, 1, 2, 4096 * (uint64_t)(i % 5), NULL);
		if (err)
			ck_abort_msg("create %s: %d %s", p, err, fs.err);
		if (i >= LIVE) {
			snprintf(p, sizeof(p), "/live/f%d", i - LIVE);
			err = fam_fs_delete(&fs, p);
			if (err)
				ck_abort_msg("delete %s: %d %s", p, err, fs.err);
		}
		if (i % 1000 == 999) {
			err = fam_fs_rename(&fs, "/live", "/live2");
			TU_CHECK_EQ(err, 0);
			TU_CHECK_EQ(fam_fs_rename(&fs, "/live2", "/live"), 0);
		}
		if ((uint64_t)i == next_sync) {
			TU_CHECK_EQ(fam_log_read_hdr(&rd.log, &h), 0);
			if (rd.cur.seq < h.head_seq)
				behind++;
			else
				incremental++;
			err = fam_fs_replay(&rd, NULL);
			if (err)
				ck_abort_msg("reader replay: %d %s", err, rd.err);
			fam_fs_set_watermark(&rd, fs.watermark);
			TU_CHECK(fam_ns_equal(&fs.ns, &rd.ns));
			TU_CHECK_EQ(rd.ns.applied_seq, fs.ns.applied_seq);
			/* Mostly soon, sometimes after several checkpoints. */
			next_sync += tu_rand_below(&s, 10) ? 1 + tu_rand_below(&s, 500)
							   : 1 + tu_rand_below(&s, 8000);
		}
	}
	if (getenv("FAMFS_TEST_VERBOSE"))
		fprintf(stderr, "wrap_count %llu checkpoints %llu reader behind %llu incremental %llu seq %llu\n",
			(unsigned long long)fs.log.hdr.wrap_count, (unsigned long long)fs.n_checkpoints,
			(unsigned long long)behind, (unsigned long long)incremental,
			(unsigned long long)fs.log.hdr.committed_seq);
	ck_assert_uint_gt(fs.log.hdr.wrap_count, 0);
	ck_assert_uint_gt(fs.n_checkpoints, 0);
	ck_assert_uint_gt(behind, 0);
	ck_assert_uint_gt(incremental, 0);
	ck_assert_uint_eq(fs.ns.n_files, LIVE);
	{
		uint64_t live = 0;

		for (int j = CYCLES - LIVE; j < CYCLES; j++)
			live += 4096 * (uint64_t)(j % 5);
		ck_assert_uint_eq(fam_alloc_free_bytes(&fs.alloc) + live,
				  fs.sb.device_size - fs.sb.data_offset);
	}
	ck_assert_int_eq(fam_fs_replay(&rd, NULL), 0);
	fam_fs_set_watermark(&rd, fs.watermark);
	ck_assert(fam_ns_equal(&fs.ns, &rd.ns));
	fam_fs_close(&rd);
	fam_dev_close(&d2);
	assert_replay_equal();
	reopen_writer();
	assert_replay_equal();
}
END_TEST

/* Two masters: the header is chosen by (epoch, update count), never by count alone. */
START_TEST(test_cluster_writer_epochs)
{
	struct fam_log_hdr_disk dd;
	struct fam_log_hdr h;
	struct fam_dev d2;
	struct fam_fs b;
	int err;

	mk(DEV_SIZE, 0, 0);
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/a", 0755, 0, 0), 0);
	/* A master of epoch 3 publishes its epoch; a candidate of epoch 3 or 2 must not write. */
	ck_assert_int_eq(fam_fs_become_writer(&fs, 3), 0);
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/b", 0755, 0, 0), 0);
	/* A second host's famfsd: the device mapped read-write, not (yet) the writer. */
	ck_assert_int_eq(fam_dev_open(&d2, path, 0), 0);
	err = fam_fs_open(&b, &d2, 0);
	ck_assert_msg(err == 0, "%s", b.err);
	ck_assert_int_eq(fam_fs_become_writer(&b, 3), -ESTALE);
	ck_assert_msg(strstr(b.err, "already carries epoch 3"), "%s", b.err);
	ck_assert(!b.writer);
	ck_assert_int_eq(fam_fs_become_writer(&b, 2), -ESTALE);
	/* Epoch 4 takes over; the deposed writer of epoch 3 is fenced on its next commit. */
	ck_assert_int_eq(fam_fs_become_writer(&b, 4), 0);
	ck_assert_int_eq(fam_fs_mkdir(&b, "/c", 0755, 0, 0), 0);
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/d", 0755, 0, 0), -ESTALE);
	/*
	 * A late header of the old epoch with a higher update count (a store
	 * that got past the fence) must not hide the newer epoch's header.
	 */
	h = fs.log.hdr;
	h.update_count = b.log.hdr.update_count + 1;
	fam_log_hdr_encode(&h, &dd);
	memcpy(fs.log.base + (h.update_count & 1) * FAM_LOG_HDR_SLOT, &dd, sizeof(dd));
	ck_assert_int_eq(fam_log_read_hdr(&b.log, &h), 0);
	ck_assert_uint_eq(h.epoch, 4);
	ck_assert_uint_eq(h.committed_seq, b.log.hdr.committed_seq);
	fam_fs_close(&b);
	fam_dev_close(&d2);
}
END_TEST

/* Every store is checked against the writer's deadline (the master lease). */
START_TEST(test_store_deadline)
{
	struct fam_node *n;
	struct fam_dev d2;
	struct fam_fs r;
	uint64_t seq;

	mk(DEV_SIZE, 0, 0);
	ck_assert_int_eq(fam_fs_become_writer(&fs, 2), 0);
	fs.log.store_deadline_ms = fam_log_now_ms() + 60000;
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/a", 0755, 0, 0), 0);
	seq = fs.log.hdr.committed_seq;
	fs.log.store_deadline_ms = fam_log_now_ms() - 1;
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/b", 0755, 0, 0), -ESTALE);
	ck_assert_msg(strstr(fs.err, "lease of epoch 2 ended"), "%s", fs.err);
	ck_assert(!fs.writer);
	ck_assert_uint_eq(fs.log.hdr.committed_seq, seq);
	/* Nothing of it was published: a reader sees /a only. */
	ck_assert_int_eq(tu_open_reader(path, &d2, &r), 0);
	ck_assert_uint_eq(r.log.hdr.committed_seq, seq);
	ck_assert_int_eq(fam_fs_lookup(&r, "/a", &n), 0);
	ck_assert_int_eq(fam_fs_lookup(&r, "/b", &n), -ENOENT);
	fam_fs_close(&r);
	fam_dev_close(&d2);
	/* A new epoch with a running deadline writes again, checkpoints included. */
	fs.log.store_deadline_ms = fam_log_now_ms() + 60000;
	ck_assert_int_eq(fam_fs_become_writer(&fs, 3), 0);
	ck_assert_int_eq(fam_fs_checkpoint(&fs), 0);
	fs.log.store_deadline_ms = fam_log_now_ms() - 1;
	ck_assert_int_eq(fam_fs_checkpoint(&fs), -ESTALE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fs");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_ops_and_reopen);
	tcase_add_test(tc, test_fsck_empty);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_long_paths);
	tcase_add_test(tc, test_enospc_data);
	tcase_add_test(tc, test_alignment_and_fragments);
	tcase_add_test(tc, test_deferred_reuse);
	tcase_add_test(tc, test_replay_stops_at_corruption);
	tcase_add_test(tc, test_torn_append);
	tcase_add_test(tc, test_torn_header);
	tcase_add_test(tc, test_bad_superblock);
	tcase_add_test(tc, test_feature_bits);
	tcase_add_test(tc, test_enospc_log);
	tcase_add_test(tc, test_enospc_log_no_checkpoint_storm);
	tcase_add_test(tc, test_log_capacity_matches);
	tcase_add_test(tc, test_checkpoint_wrap);
	tcase_add_test(tc, test_cluster_writer_epochs);
	tcase_add_test(tc, test_store_deadline);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
