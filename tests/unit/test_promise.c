// SPDX-License-Identifier: Apache-2.0
/* famfsd's durable lease promise (famfsd/promise.c): file, slots, restart rules. */
#include "testutil.h"
#include "promise.h"

#include <fcntl.h>
#include <sys/stat.h>

static const uint8_t uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static char dir[128];

static void setup(void)
{
	tu_fabric_path(dir, sizeof(dir), "state");
	rmdir(dir);
}

static void rm_state(void)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/promise-host7", dir);
	unlink(p);
	rmdir(dir);
}

START_TEST(test_save_and_reopen)
{
	struct famfsd_promise_store s;
	struct famfsd_promise p = { .epoch = 5, .candidate = 2, .dur_ms = 3030, .until_ms = 123456 };
	struct famfsd_promise got;
	bool same = false;
	char err[256];

	/* First start: the directory is made, nothing is recorded. */
	ck_assert_int_eq(famfsd_promise_open(&s, dir, 7, uuid, &got, &same, err, sizeof(err)), 0);
	ck_assert(!s.have);
	ck_assert_msg(famfsd_promise_save(&s, &p, err, sizeof(err)) == 0, "%s", err);
	p.epoch = 6;
	p.candidate = 3;
	ck_assert_msg(famfsd_promise_save(&s, &p, err, sizeof(err)) == 0, "%s", err);
	famfsd_promise_close(&s);
	/* The newest of the two slots comes back, written in this boot. */
	ck_assert_int_eq(famfsd_promise_open(&s, dir, 7, uuid, &got, &same, err, sizeof(err)), 1);
	ck_assert_uint_eq(got.epoch, 6);
	ck_assert_uint_eq(got.candidate, 3);
	ck_assert_uint_eq(got.dur_ms, 3030);
	ck_assert_uint_eq(got.until_ms, 123456);
	ck_assert(same);
	famfsd_promise_close(&s);
	/* Another file system's (or another host's) promise is not this one's. */
	{
		uint8_t other[16] = { 9 };

		ck_assert_int_eq(famfsd_promise_open(&s, dir, 7, other, &got, &same, err,
						     sizeof(err)), 0);
		famfsd_promise_close(&s);
	}
	rm_state();
}
END_TEST

/* A torn (corrupt) newest slot leaves the previous promise readable. */
START_TEST(test_torn_slot)
{
	struct famfsd_promise_store s;
	struct famfsd_promise p = { .epoch = 5, .candidate = 2, .dur_ms = 100, .until_ms = 1000 };
	struct famfsd_promise got;
	bool same;
	char err[256], path[256];
	int fd;

	ck_assert_int_eq(famfsd_promise_open(&s, dir, 7, uuid, &got, &same, err, sizeof(err)), 0);
	ck_assert_int_eq(famfsd_promise_save(&s, &p, err, sizeof(err)), 0);	/* seq 1: slot 1 */
	p.epoch = 9;
	ck_assert_int_eq(famfsd_promise_save(&s, &p, err, sizeof(err)), 0);	/* seq 2: slot 0 */
	famfsd_promise_close(&s);
	snprintf(path, sizeof(path), "%s/promise-host7", dir);
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "X", 1, 30), 1);
	close(fd);
	ck_assert_int_eq(famfsd_promise_open(&s, dir, 7, uuid, &got, &same, err, sizeof(err)), 1);
	ck_assert_uint_eq(got.epoch, 5);
	/* Both corrupt: nothing recorded (the caller then refuses every vote for a lease). */
	famfsd_promise_close(&s);
	fd = open(path, O_WRONLY);
	ck_assert_int_eq(pwrite(fd, "X", 1, FAMFSD_PROMISE_SLOT + 30), 1);
	close(fd);
	ck_assert_int_eq(famfsd_promise_open(&s, dir, 7, uuid, &got, &same, err, sizeof(err)), 0);
	famfsd_promise_close(&s);
	rm_state();
}
END_TEST

/* What a restarted voter assumes. */
START_TEST(test_restore_rules)
{
	struct famfsd_promise rec = { .epoch = 4, .candidate = 1, .dur_ms = 1000, .until_ms = 5000 };
	struct famfsd_promise out;

	/* Same boot: the recorded deadline, but never past start + one promise. */
	famfsd_promise_restore(&rec, true, true, 4500, 1000, &out);
	ck_assert_uint_eq(out.epoch, 4);
	ck_assert_uint_eq(out.candidate, 1);
	ck_assert_uint_eq(out.until_ms, 5000);
	famfsd_promise_restore(&rec, true, true, 3000, 1000, &out);
	ck_assert_uint_eq(out.until_ms, 4000);
	/* Another boot: the monotonic deadline means nothing; start + one promise. */
	famfsd_promise_restore(&rec, true, false, 100, 1000, &out);
	ck_assert_uint_eq(out.until_ms, 1100);
	ck_assert_uint_eq(out.epoch, 4);
	/* Nothing recorded: an unknown candidate for one promise from start. */
	famfsd_promise_restore(NULL, false, false, 700, 3030, &out);
	ck_assert_uint_eq(out.candidate, FAMFSD_PROMISE_UNKNOWN);
	ck_assert_uint_eq(out.epoch, 0);
	ck_assert_uint_eq(out.until_ms, 3730);
}
END_TEST

/* A state_dir that cannot be made is an error with a message, not a silent loss. */
START_TEST(test_bad_dir)
{
	struct famfsd_promise_store s;
	struct famfsd_promise got;
	bool same;
	char err[256], file[160];

	tu_fabric_path(file, sizeof(file), "notadir");
	tu_fabric_create(file, 16);
	ck_assert_int_eq(famfsd_promise_open(&s, file, 7, uuid, &got, &same, err, sizeof(err)),
			 -ENOTDIR);
	ck_assert_msg(strstr(err, "not a directory"), "%s", err);
	unlink(file);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("promise");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_save_and_reopen);
	tcase_add_test(tc, test_torn_slot);
	tcase_add_test(tc, test_restore_rules);
	tcase_add_test(tc, test_bad_dir);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
