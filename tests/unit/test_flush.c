// SPDX-License-Identifier: Apache-2.0
/*
 * fam_cache_resident(): only pages resident in the mapping are walked, in
 * 2 MiB steps, and no page that was not resident is faulted in by it.
 */
#include "testutil.h"
#include "flush.h"

#include <sys/mman.h>

#define LEN ((size_t)FAM_CACHE_STEP * 3 + 8 * 4096)	/* 3 steps and a partial one */

static size_t resident_pages(const uint8_t *p, size_t len, unsigned char *vec)
{
	size_t n = 0;

	ck_assert_int_eq(mincore((void *)p, len, vec), 0);
	for (size_t i = 0; i < len / 4096; i++)
		n += vec[i] & 1;
	return n;
}

/* LEN bytes of a shared memfd (what tmpfs fabric files are), none resident yet. */
static uint8_t *map_memfd(int *fd)
{
	uint8_t *p;

	*fd = memfd_create("flushtest", MFD_CLOEXEC);
	ck_assert_int_ge(*fd, 0);
	ck_assert_int_eq(ftruncate(*fd, (off_t)LEN), 0);
	p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	return p;
}

/* Some pages written, the rest never touched. */
static void check_walk(bool invalidate)
{
	static unsigned char before[LEN / 4096], after[LEN / 4096];
	struct fam_cache_stats st = { 0 };
	size_t touched[] = { 0, 1, 2, 511, 512, 700, 1024, 1535, 1536 + 3, 1536 + 7 };
	int fd;
	uint8_t *p = map_memfd(&fd);

	for (size_t i = 0; i < sizeof(touched) / sizeof(touched[0]); i++)
		p[touched[i] * 4096 + 64] = 1;
	ck_assert_uint_eq(resident_pages(p, LEN, before), sizeof(touched) / sizeof(touched[0]));

	ck_assert_int_eq(fam_cache_resident(p, LEN, invalidate, false, &st), 0);
	/* Nothing was faulted in: exactly the same pages are resident. */
	resident_pages(p, LEN, after);
	for (size_t i = 0; i < LEN / 4096; i++)
		TU_CHECK((before[i] & 1) == (after[i] & 1));
	ck_assert_uint_eq(st.walked, LEN);
	ck_assert_uint_eq(st.steps, 4);
	ck_assert_uint_eq(st.resident, sizeof(touched) / sizeof(touched[0]) * 4096);
	/* The data is still there (write-back and invalidation keep memory's contents). */
	for (size_t i = 0; i < sizeof(touched) / sizeof(touched[0]); i++)
		ck_assert_uint_eq(p[touched[i] * 4096 + 64], 1);
	munmap(p, LEN);
	close(fd);
}

START_TEST(test_writeback_resident_only)
{
	check_walk(false);
}
END_TEST

START_TEST(test_invalidate_resident_only)
{
	check_walk(true);
}
END_TEST

/* all (devdax): every page is walked, resident or not, without mincore(). */
START_TEST(test_all_pages)
{
	struct fam_cache_stats st = { 0 };
	int fd;
	uint8_t *p = map_memfd(&fd);

	p[4096 * 3] = 7;
	ck_assert_int_eq(fam_cache_resident(p, LEN, false, true, &st), 0);
	ck_assert_uint_eq(st.walked, LEN);
	ck_assert_uint_eq(st.resident, LEN);
	ck_assert_uint_eq(st.steps, 4);
	ck_assert_uint_eq(p[4096 * 3], 7);
	munmap(p, LEN);
	close(fd);
}
END_TEST

START_TEST(test_unaligned_and_empty)
{
	static uint8_t buf[8192] __attribute__((aligned(4096)));
	struct fam_cache_stats st = { 0 };

	ck_assert_int_eq(fam_cache_resident(buf + 1, 100, false, false, &st), -EINVAL);
	ck_assert_int_eq(fam_cache_resident(buf, 0, false, false, &st), 0);
	ck_assert_uint_eq(st.walked, 0);
	/* Not a mapping at all: mincore's error comes back. */
	ck_assert_int_eq(fam_cache_resident((void *)4096, 4096, false, false, &st), -ENOMEM);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("flush");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_writeback_resident_only);
	tcase_add_test(tc, test_invalidate_resident_only);
	tcase_add_test(tc, test_all_pages);
	tcase_add_test(tc, test_unaligned_and_empty);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
