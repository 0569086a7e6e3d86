// SPDX-License-Identifier: Apache-2.0
/*
 * Group commit (lib/fs_group.c): the records of a batch are invisible until
 * one header update publishes them all; a batch cut short by a fence or by
 * the end of the lease is published not at all, and the writer's namespace
 * is rebuilt from the log.
 */
#include "testutil.h"

#define DEV_SIZE	(64 * FAM_MiB)
#define BATCH		100

static char path[128];
static struct fam_dev dev;
static struct fam_fs fs;
static unsigned int applied;

static void count_apply(void *arg, const struct fam_rec *r)
{
	(void)arg;
	(void)r;
	applied++;
}

static void setup_writer(uint64_t epoch)
{
	tu_fabric_path(path, sizeof(path), "group");
	tu_mkfs_open(path, DEV_SIZE, 0, 0, &dev, &fs);
	ck_assert_int_eq(fam_fs_become_writer(&fs, epoch), 0);
	fs.on_apply = count_apply;
	applied = 0;
}

static void teardown(void)
{
	fam_fs_close(&fs);
	fam_dev_close(&dev);
	unlink(path);
}

static void req_id_of(unsigned int i, uint8_t id[FAM_REQ_ID_LEN])
{
	memset(id, 0, FAM_REQ_ID_LEN);
	id[0] = 0xa5;
	memcpy(id + 1, &i, sizeof(i));
}

/* BATCH creates /fN appended to one batch, each with its request id. */
static void append_batch(const char *fmt)
{
	char p[64];

	fam_fs_group_begin(&fs);
	for (unsigned int i = 0; i < BATCH; i++) {
		snprintf(p, sizeof(p), fmt, i);
		req_id_of(i, fs.req_id);
		ck_assert_msg(fam_fs_create(&fs, p, 0644, 0, 0, i < 8 ? 4096 : 0, NULL) == 0, "%s: %s", p,
			      fs.err);
	}
	memset(fs.req_id, 0, sizeof(fs.req_id));
	fam_fs_group_end(&fs);
}

/* How many of the files fmt % 0..BATCH-1 a fresh reader of the device sees. */
static unsigned int reader_sees(const char *fmt, uint64_t *committed)
{
	struct fam_dev d2;
	struct fam_fs r;
	struct fam_node *n;
	unsigned int seen = 0;
	char p[64];

	ck_assert_int_eq(tu_open_reader(path, &d2, &r), 0);
	for (unsigned int i = 0; i < BATCH; i++) {
		snprintf(p, sizeof(p), fmt, i);
		seen += fam_fs_lookup(&r, p, &n) == 0;
	}
	if (committed)
		*committed = r.log.hdr.committed_seq;
	fam_fs_close(&r);
	fam_dev_close(&d2);
	return seen;
}

START_TEST(test_batch_published_once)
{
	uint64_t updates, seq, committed;
	struct fam_log_cursor c;
	struct fam_rec rec;
	unsigned int n = 0;
	struct fam_node *node;

	setup_writer(2);
	updates = fs.log.hdr.update_count;
	seq = fs.log.hdr.committed_seq;
	append_batch("/f%u");
	/* Appended and applied here, published nowhere: no header update yet. */
	ck_assert(fam_fs_group_pending(&fs));
	ck_assert_int_eq(fam_fs_lookup(&fs, "/f7", &node), 0);
	ck_assert_uint_eq(fs.log.hdr.update_count, updates);
	ck_assert_uint_eq(reader_sees("/f%u", &committed), 0);
	ck_assert_uint_eq(committed, seq);
	ck_assert_uint_eq(applied, 0);
	/* One header update publishes the whole batch. */
	ck_assert_int_eq(fam_fs_group_commit(&fs), 0);
	ck_assert(!fam_fs_group_pending(&fs));
	ck_assert_uint_eq(fs.log.hdr.update_count, updates + 1);
	ck_assert_uint_eq(fs.log.hdr.committed_seq, seq + BATCH);
	ck_assert_uint_eq(applied, BATCH);
	ck_assert_uint_eq(reader_sees("/f%u", NULL), BATCH);
	/* Every record carries its request id, in order. */
	fam_log_cursor_head(&fs.log, &fs.log.hdr, &c);
	while (fam_log_next(&fs.log, &fs.log.hdr, &c, &rec) == 1) {
		uint8_t id[FAM_REQ_ID_LEN];

		if (rec.type != FAM_REC_CREATE)
			continue;
		req_id_of(n++, id);
		ck_assert_msg(!memcmp(rec.req_id, id, sizeof(id)), "record %llu: wrong request id",
			      (unsigned long long)rec.seq);
	}
	ck_assert_uint_eq(n, BATCH);
	/* A writer reopened from the device replays to the same namespace. */
	ck_assert_uint_eq(fam_fs_group_commit(&fs), 0);
	fam_fs_close(&fs);
	ck_assert_int_eq(fam_fs_open(&fs, &dev, FAM_FS_WRITER), 0);
	ck_assert_int_eq(fam_fs_lookup(&fs, "/f99", &node), 0);
}
END_TEST

/* A commit outside the group publishes the open batch first, in order. */
START_TEST(test_other_commit_publishes_batch)
{
	uint64_t seq;
	struct fam_node *n;

	setup_writer(2);
	seq = fs.log.hdr.committed_seq;
	append_batch("/g%u");
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/after", 0755, 0, 0), 0);
	ck_assert_uint_eq(fs.log.hdr.committed_seq, seq + BATCH + 1);
	ck_assert_int_eq(fam_fs_lookup(&fs, "/after", &n), 0);
	ck_assert_uint_eq(n->ino, fs.ns.next_ino - 1);
	ck_assert_uint_eq(reader_sees("/g%u", NULL), BATCH);
	/* Nothing left to publish; the early publication was a success. */
	ck_assert(!fam_fs_group_pending(&fs));
	ck_assert_int_eq(fam_fs_group_commit(&fs), 0);
	/* A checkpoint too. */
	append_batch("/h%u");
	ck_assert_int_eq(fam_fs_checkpoint(&fs), 0);
	ck_assert_uint_eq(reader_sees("/h%u", NULL), BATCH);
}
END_TEST

/* A newer master wrote the log: the batch is refused as a whole. */
START_TEST(test_batch_fenced)
{
	struct fam_dev d2;
	struct fam_fs b;
	struct fam_node *n;
	uint64_t seq;
	int err;

	setup_writer(2);
	ck_assert_int_eq(fam_fs_mkdir(&fs, "/kept", 0755, 0, 0), 0);
	ck_assert_uint_eq(applied, 1);
	applied = 0;
	seq = fs.log.hdr.committed_seq;
	append_batch("/f%u");
	/* Another host becomes the writer of epoch 3 and commits. */
	ck_assert_int_eq(fam_dev_open(&d2, path, 0), 0);
	err = fam_fs_open(&b, &d2, 0);
	ck_assert_msg(err == 0, "%s", b.err);
	ck_assert_int_eq(fam_fs_become_writer(&b, 3), 0);
	ck_assert_int_eq(fam_fs_mkdir(&b, "/new", 0755, 0, 0), 0);
	/* Every request of the batch is refused: nothing of it published. */
	ck_assert_int_eq(fam_fs_group_commit(&fs), -ESTALE);
	ck_assert_msg(strstr(fs.err, "no longer the log writer"), "%s", fs.err);
	ck_assert(!fs.writer);
	ck_assert(!fam_fs_group_pending(&fs));
	ck_assert_uint_eq(applied, 0);
	ck_assert_uint_eq(reader_sees("/f%u", NULL), 0);
	ck_assert_uint_eq(b.log.hdr.committed_seq, seq + 1);
	/* The deposed host's namespace drops the batch at its next replay. */
	ck_assert_int_eq(fam_fs_replay(&fs, NULL), 0);
	ck_assert_int_eq(fam_fs_lookup(&fs, "/f0", &n), -ENOENT);
	ck_assert_int_eq(fam_fs_lookup(&fs, "/new", &n), 0);
	ck_assert_int_eq(fam_fs_lookup(&fs, "/kept", &n), 0);
	ck_assert(fam_ns_equal(&fs.ns, &b.ns));
	fam_fs_close(&b);
	fam_dev_close(&d2);
}
END_TEST

/* The lease ends in the middle of a batch: the next store and the batch are refused. */
START_TEST(test_batch_deadline)
{
	struct fam_node *n;
	uint64_t seq;

	setup_writer(2);
	fs.log.store_deadline_ms = fam_log_now_ms() + 60000;
	seq = fs.log.hdr.committed_seq;
	append_batch("/f%u");
	fs.log.store_deadline_ms = fam_log_now_ms() - 1;
	fam_fs_group_begin(&fs);
	ck_assert_int_eq(fam_fs_create(&fs, "/late", 0644, 0, 0, 0, NULL), -ESTALE);
	fam_fs_group_end(&fs);
	ck_assert_msg(strstr(fs.err, "lease of epoch 2 ended"), "%s", fs.err);
	ck_assert(!fs.writer);
	/* The earlier records of the batch are refused with it. */
	ck_assert(fam_fs_group_pending(&fs));
	ck_assert_int_eq(fam_fs_group_commit(&fs), -ESTALE);
	ck_assert(!fam_fs_group_pending(&fs));
	ck_assert_uint_eq(fs.log.hdr.committed_seq, seq);
	ck_assert_uint_eq(reader_sees("/f%u", NULL), 0);
	ck_assert_int_eq(fam_fs_replay(&fs, NULL), 0);
	ck_assert_int_eq(fam_fs_lookup(&fs, "/f0", &n), -ENOENT);
	/* Publishing at the deadline is refused the same way. */
	fs.log.store_deadline_ms = fam_log_now_ms() + 60000;
	ck_assert_int_eq(fam_fs_become_writer(&fs, 3), 0);
	append_batch("/g%u");
	fs.log.store_deadline_ms = fam_log_now_ms() - 1;
	ck_assert_int_eq(fam_fs_group_commit(&fs), -ESTALE);
	ck_assert_uint_eq(reader_sees("/g%u", NULL), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("group");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_batch_published_once);
	tcase_add_test(tc, test_other_commit_publishes_batch);
	tcase_add_test(tc, test_batch_fenced);
	tcase_add_test(tc, test_batch_deadline);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
