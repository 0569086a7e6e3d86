// SPDX-License-Identifier: Apache-2.0
/* The log ring on a malloc'ed region: commit, torn appends, header copies, wrap. */
#include "testutil.h"
#include "log.h"

#define LOG_SIZE FAM_LOG_SIZE_MIN

static const uint8_t uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static uint8_t *region;
static struct fam_log lg;

static void setup(void)
{
	region = malloc(LOG_SIZE);
	ck_assert_ptr_nonnull(region);
	memset(region, 0xa5, LOG_SIZE);	/* the record area starts out as garbage */
	ck_assert_int_eq(fam_log_format(region, LOG_SIZE, uuid), 0);
	ck_assert_int_eq(fam_log_open(&lg, region, LOG_SIZE, uuid), 0);
}

static void teardown(void)
{
	free(region);
}

/* A DELETE record whose path encodes a number, so a reader can check what it got. */
static char pathbuf[64];
static struct fam_rec num_rec(uint64_t n, unsigned int pad)
{
	struct fam_rec r = { .type = FAM_REC_DELETE };
	int len = snprintf(pathbuf, sizeof(pathbuf), "/r%llu", (unsigned long long)n);

	/* pad lengthens the name so records come in different sizes. */
	for (unsigned int i = 0; i < pad % 40; i++)
		pathbuf[len++] = 'p';
	pathbuf[len] = 0;
	r.u.del.ino = n;
	r.u.del.path = pathbuf;
	r.u.del.path_len = (uint32_t)len;
	return r;
}

static void append(uint64_t n, bool new_head)
{
	struct fam_log_txn t;
	struct fam_rec r = num_rec(n, (unsigned int)n);

	fam_log_txn_begin(&lg, &t, 3);
	ck_assert_int_eq(fam_log_txn_add(&lg, &t, &r), 0);
	ck_assert_int_eq(fam_log_txn_commit(&lg, &t, new_head), 0);
}

/* Read everything committed from the head; returns the count, checks order and content. */
static uint64_t read_all(const struct fam_log *l, uint64_t first_ino)
{
	struct fam_log_cursor c;
	struct fam_rec r;
	uint64_t n = 0, ino = first_ino;
	int ret;

	fam_log_cursor_head(l, &l->hdr, &c);
	while ((ret = fam_log_next(l, &l->hdr, &c, &r)) == 1) {
		if (r.type == FAM_REC_PAD)
			continue;
		ck_assert_uint_eq(r.type, FAM_REC_DELETE);
		ck_assert_uint_eq(r.u.del.ino, ino);
		ck_assert_uint_eq(r.epoch, 3);
		ino++;
		n++;
	}
	ck_assert_int_eq(ret, 0);
	return n;
}

START_TEST(test_empty)
{
	struct fam_log_cursor c;
	struct fam_rec r;

	ck_assert_uint_eq(lg.area_size, LOG_SIZE - FAM_LOG_HDR_AREA);
	ck_assert_uint_eq(fam_log_used(&lg), 0);
	ck_assert_uint_eq(fam_log_free(&lg), lg.area_size);
	fam_log_cursor_head(&lg, &lg.hdr, &c);
	ck_assert_int_eq(fam_log_next(&lg, &lg.hdr, &c, &r), 0);
	ck_assert_int_eq(fam_log_format(region, LOG_SIZE + 1, uuid), -EINVAL);
	ck_assert_int_eq(fam_log_format(region, FAM_LOG_SIZE_MIN - 4096, uuid), -EINVAL);
}
END_TEST

START_TEST(test_commit_and_read)
{
	struct fam_log l2;
	struct fam_log_txn t;
	struct fam_rec r;

	for (uint64_t i = 1; i <= 50; i++)
		append(i, false);
	/* A multi-record transaction. */
	fam_log_txn_begin(&lg, &t, 3);
	for (uint64_t i = 51; i <= 60; i++) {
		r = num_rec(i, 0);
		ck_assert_int_eq(fam_log_txn_add(&lg, &t, &r), 0);
		ck_assert_uint_eq(r.seq, i);
	}
	ck_assert_int_eq(fam_log_txn_commit(&lg, &t, false), 0);
	ck_assert_uint_eq(lg.hdr.committed_seq, 60);
	ck_assert_uint_eq(lg.hdr.head_seq, 1);
	ck_assert_uint_eq(lg.hdr.update_count, 1 + 51);
	ck_assert_uint_gt(fam_log_used(&lg), 60 * FAM_REC_MIN);
	ck_assert_uint_eq(read_all(&lg, 1), 60);
	/* A second opener sees the same. */
	ck_assert_int_eq(fam_log_open(&l2, region, LOG_SIZE, uuid), 0);
	ck_assert_uint_eq(l2.hdr.committed_seq, 60);
	ck_assert_uint_eq(read_all(&l2, 1), 60);
	/* Another uuid: no valid header. */
	ck_assert_int_eq(fam_log_open(&l2, region, LOG_SIZE, (const uint8_t *)"0123456789abcdef"),
			 -EBADMSG);
}
END_TEST

START_TEST(test_torn_append)
{
	struct fam_log l2;
	struct fam_log_txn t;
	struct fam_rec r;

	for (uint64_t i = 1; i <= 20; i++)
		append(i, false);
	/* Records written into the ring but never committed. */
	fam_log_txn_begin(&lg, &t, 3);
	for (uint64_t i = 21; i <= 25; i++) {
		r = num_rec(i, 7);
		ck_assert_int_eq(fam_log_txn_add(&lg, &t, &r), 0);
	}
	ck_assert_int_eq(fam_log_open(&l2, region, LOG_SIZE, uuid), 0);
	ck_assert_uint_eq(l2.hdr.committed_seq, 20);
	ck_assert_uint_eq(read_all(&l2, 1), 20);
	/* Garbage after the tail instead. */
	memset(l2.area + l2.hdr.tail, 0x3c, 4096);
	ck_assert_int_eq(fam_log_open(&l2, region, LOG_SIZE, uuid), 0);
	ck_assert_uint_eq(read_all(&l2, 1), 20);
	/* The writer can carry on from the committed tail. */
	lg = l2;
	append(21, false);
	ck_assert_int_eq(fam_log_open(&l2, region, LOG_SIZE, uuid), 0);
	ck_assert_uint_eq(read_all(&l2, 1), 21);
}
END_TEST

/* Any corrupt byte of the newer header copy: the older copy is used. */
START_TEST(test_torn_header)
{
	struct fam_log l2;
	uint64_t newer_uc;
	uint8_t *newer, *older;

	for (uint64_t i = 1; i <= 10; i++)
		append(i, false);
	newer_uc = lg.hdr.update_count;
	newer = region + (newer_uc & 1) * FAM_LOG_HDR_SLOT;
	older = region + ((newer_uc + 1) & 1) * FAM_LOG_HDR_SLOT;
	for (size_t i = 0; i < sizeof(struct fam_log_hdr_disk); i++) {
		for (int b = 0; b < 9; b++) {
			uint8_t x = b < 8 ? (uint8_t)(1u << b) : 0xff;

			newer[i] ^= x;
			ck_assert_int_eq(fam_log_open(&l2, region, LOG_SIZE, uuid), 0);
			ck_assert_msg(l2.hdr.update_count == newer_uc - 1,
				      "flip 0x%02x at byte %zu: update_count %llu", x, i,
				      (unsigned long long)l2.hdr.update_count);
			ck_assert_uint_eq(l2.hdr.committed_seq, 9);
			if (i == 0 && b == 0)
				ck_assert_uint_eq(read_all(&l2, 1), 9);
			newer[i] ^= x;
			/* The older copy damaged instead: the newer one wins. */
			older[i] ^= x;
			ck_assert_int_eq(fam_log_open(&l2, region, LOG_SIZE, uuid), 0);
			ck_assert_uint_eq(l2.hdr.update_count, newer_uc);
			ck_assert_uint_eq(l2.hdr.committed_seq, 10);
			older[i] ^= x;
		}
	}
	/* A whole torn slot (random bytes). */
	memset(newer, 0x77, FAM_LOG_HDR_SLOT);
	ck_assert_int_eq(fam_log_open(&l2, region, LOG_SIZE, uuid), 0);
	ck_assert_uint_eq(l2.hdr.committed_seq, 9);
	ck_assert_uint_eq(read_all(&l2, 1), 9);
	/* Both copies bad: refused. */
	older[40] ^= 1;
	ck_assert_int_eq(fam_log_open(&l2, region, LOG_SIZE, uuid), -EBADMSG);
}
END_TEST

START_TEST(test_corrupt_record_stops_reader)
{
	struct fam_log_cursor c;
	struct fam_rec r;
	uint64_t off5 = 0;
	int ret;

	for (uint64_t i = 1; i <= 10; i++)
		append(i, false);
	fam_log_cursor_head(&lg, &lg.hdr, &c);
	for (int i = 1; i < 5; i++)
		ck_assert_int_eq(fam_log_next(&lg, &lg.hdr, &c, &r), 1);
	off5 = c.off;
	lg.area[off5 + 30] ^= 0x10;
	fam_log_cursor_head(&lg, &lg.hdr, &c);
	for (int i = 1; i < 5; i++)
		ck_assert_int_eq(fam_log_next(&lg, &lg.hdr, &c, &r), 1);
	ret = fam_log_next(&lg, &lg.hdr, &c, &r);
	ck_assert_int_eq(ret, -EBADMSG);
	ck_assert_uint_eq(c.off, off5);	/* the cursor stays on the bad record */
	ck_assert_uint_eq(c.seq, 5);
}
END_TEST

START_TEST(test_full_without_head_move)
{
	struct fam_log_txn t;
	struct fam_rec r;
	uint64_t n = 0;
	int err = 0;

	for (;;) {
		fam_log_txn_begin(&lg, &t, 3);
		r = num_rec(n + 1, 0);
		err = fam_log_txn_add(&lg, &t, &r);
		if (err)
			break;
		ck_assert_int_eq(fam_log_txn_commit(&lg, &t, false), 0);
		n++;
		ck_assert_uint_lt(n, LOG_SIZE / FAM_REC_MIN);
	}
	ck_assert_int_eq(err, -ENOSPC);
	ck_assert_uint_lt(fam_log_free(&lg), 2 * fam_rec_size(&r) + FAM_REC_ALIGN);
	ck_assert_uint_eq(read_all(&lg, 1), n);
	ck_assert_uint_eq(lg.hdr.wrap_count, 0);
	/* A record over FAM_REC_MAX never goes in. */
	{
		static struct fam_pending_free many[50000];
		struct fam_rec big = { .type = FAM_REC_CHECKPOINT };

		big.u.ckpt.phase = FAM_CKPT_BEGIN;
		big.u.ckpt.n_pending = 50000;
		big.u.ckpt.pending = many;
		fam_log_txn_begin(&lg, &t, 3);
		ck_assert_int_eq(fam_log_txn_add(&lg, &t, &big), -E2BIG);
	}
}
END_TEST

/*
 * Every transaction becomes the new head (like a checkpoint): the ring wraps
 * many times, with PADs at the end. A follower reading incrementally sees
 * every record in order, or falls behind the head and restarts there.
 */
START_TEST(test_wrap_and_follow)
{
	struct fam_log_txn t;
	struct fam_rec r;
	struct fam_log_cursor c = { 0 };
	struct fam_log_hdr h;
	uint64_t s = 7, next = 1, seen = 0, restarts = 0, pads = 0, last_ino = 0;
	int ret;

	while (next < 60000) {
		uint64_t k = 1 + tu_rand_below(&s, 60);

		fam_log_txn_begin(&lg, &t, 3);
		for (uint64_t i = 0; i < k; i++) {
			r = num_rec(next + i, (unsigned int)tu_rand(&s));
			ck_assert_int_eq(fam_log_txn_add(&lg, &t, &r), 0);
		}
		ck_assert_int_eq(fam_log_txn_commit(&lg, &t, true), 0);
		next += k;
		/* Only this transaction is live now. */
		if (tu_rand_below(&s, 50) == 0) {
			struct fam_log l2;

			ck_assert_int_eq(fam_log_open(&l2, region, LOG_SIZE, uuid), 0);
			ck_assert_uint_eq(l2.hdr.committed_seq, lg.hdr.committed_seq);
			/* The head may be a PAD that precedes a wrapped transaction. */
			ck_assert_uint_eq(read_all(&l2, next - k), k);
		}
		/* The follower catches up now and then. */
		if (tu_rand_below(&s, 4) == 0) {
			ck_assert_int_eq(fam_log_read_hdr(&lg, &h), 0);
			bool restarted = c.seq < h.head_seq;

			if (restarted) {
				fam_log_cursor_head(&lg, &h, &c);
				restarts++;
			}
			while ((ret = fam_log_next(&lg, &h, &c, &r)) == 1) {
				if (r.type == FAM_REC_PAD) {
					pads++;
					continue;
				}
				ck_assert_uint_eq(r.seq, c.seq - 1);
				if (restarted)
					ck_assert_uint_gt(r.u.del.ino, last_ino);
				else
					ck_assert_uint_eq(r.u.del.ino, last_ino + 1);
				restarted = false;
				last_ino = r.u.del.ino;
				seen++;
			}
			ck_assert_int_eq(ret, 0);
			ck_assert_uint_eq(c.seq, h.committed_seq + 1);
		}
	}
	ck_assert_uint_gt(lg.hdr.wrap_count, 10);
	ck_assert_uint_gt(seen, 1000);
	ck_assert_uint_gt(restarts, 1);
	ck_assert_uint_gt(pads, 0);
}
END_TEST

START_TEST(test_stale_reader)
{
	struct fam_log_txn t;
	struct fam_log_cursor c;
	struct fam_log_hdr old;
	struct fam_rec r;
	uint64_t next = 1, w0;
	int ret;

	for (; next <= 20; next++)
		append(next, false);
	old = lg.hdr;
	fam_log_cursor_head(&lg, &old, &c);
	w0 = lg.hdr.wrap_count;
	/* The writer laps the reader twice while it holds the old header. */
	while (lg.hdr.wrap_count < w0 + 2) {
		fam_log_txn_begin(&lg, &t, 3);
		r = num_rec(next, (unsigned int)next);
		ck_assert_int_eq(fam_log_txn_add(&lg, &t, &r), 0);
		ck_assert_int_eq(fam_log_txn_commit(&lg, &t, true), 0);
		next++;
	}
	ret = fam_log_next(&lg, &old, &c, &r);
	ck_assert_msg(ret == -ESTALE || ret == -EBADMSG, "stale read returned %d", ret);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_commit_and_read);
	tcase_add_test(tc, test_torn_append);
	tcase_add_test(tc, test_torn_header);
	tcase_add_test(tc, test_corrupt_record_stops_reader);
	tcase_add_test(tc, test_full_without_head_move);
	tcase_add_test(tc, test_wrap_and_follow);
	tcase_add_test(tc, test_stale_reader);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
