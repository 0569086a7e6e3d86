// SPDX-License-Identifier: Apache-2.0
/* The bitmap allocator on its own. */
#include "testutil.h"
#include "alloc.h"

#define BASE	(10 * FAM_MiB)
#define UNIT	4096ULL

static struct fam_alloc a;
static struct fam_extent ext[FAM_MAX_EXTENTS];

static void teardown(void)
{
	fam_alloc_fini(&a);
}

static uint64_t ext_sum(const struct fam_extent *e, uint32_t n)
{
	uint64_t s = 0;

	for (uint32_t i = 0; i < n; i++)
		s += e[i].len;
	return s;
}

START_TEST(test_init)
{
	ck_assert_int_eq(fam_alloc_init(&a, BASE, BASE + 64 * FAM_MiB, 3000), -EINVAL);
	ck_assert_int_eq(fam_alloc_init(&a, BASE + 100, BASE + 64 * FAM_MiB, UNIT), -EINVAL);
	ck_assert_int_eq(fam_alloc_init(&a, BASE, BASE - 4096, UNIT), -EINVAL);
	ck_assert_int_eq(fam_alloc_init(&a, BASE, BASE + 64 * FAM_MiB + 100, UNIT), 0);
	ck_assert_uint_eq(a.n_units, 64 * FAM_MiB / UNIT);
	ck_assert_uint_eq(fam_alloc_free_bytes(&a), 64 * FAM_MiB);
	ck_assert_uint_eq(fam_alloc_rounded(&a, 1), UNIT);
	ck_assert_uint_eq(fam_alloc_rounded(&a, UNIT + 1), 2 * UNIT);
	ck_assert_uint_eq(fam_alloc_rounded(&a, FAM_PMD_SIZE - 1), FAM_PMD_SIZE);
	ck_assert_uint_eq(fam_alloc_rounded(&a, FAM_PMD_SIZE + 1), 2 * FAM_PMD_SIZE);
	ck_assert_uint_eq(fam_alloc_rounded(&a, 0), 0);
}
END_TEST

START_TEST(test_small_and_zero)
{
	uint32_t n = 99;

	ck_assert_int_eq(fam_alloc_init(&a, BASE, BASE + 64 * FAM_MiB, UNIT), 0);
	ck_assert_int_eq(fam_alloc_get(&a, 0, ext, FAM_MAX_EXTENTS, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(fam_alloc_free_bytes(&a), 64 * FAM_MiB);
	ck_assert_int_eq(fam_alloc_get(&a, 5000, ext, FAM_MAX_EXTENTS, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(ext[0].len, 2 * UNIT);
	ck_assert_uint_ge(ext[0].offset, BASE);
	ck_assert_uint_eq((ext[0].offset - BASE) % UNIT, 0);
	ck_assert_uint_eq(fam_alloc_free_bytes(&a), 64 * FAM_MiB - 2 * UNIT);
	/* Marking the same space again is refused. */
	ck_assert_int_eq(fam_alloc_mark(&a, &ext[0]), -EEXIST);
	fam_alloc_release(&a, &ext[0]);
	ck_assert_uint_eq(fam_alloc_free_bytes(&a), 64 * FAM_MiB);
	ck_assert_int_eq(fam_alloc_mark(&a, &ext[0]), 0);
}
END_TEST

START_TEST(test_mark_range)
{
	struct fam_extent e;

	ck_assert_int_eq(fam_alloc_init(&a, BASE, BASE + 64 * FAM_MiB, UNIT), 0);
	e = (struct fam_extent){ BASE - UNIT, UNIT };
	ck_assert_int_eq(fam_alloc_mark(&a, &e), -ERANGE);
	e = (struct fam_extent){ BASE + 100, UNIT };
	ck_assert_int_eq(fam_alloc_mark(&a, &e), -ERANGE);
	e = (struct fam_extent){ BASE + 64 * FAM_MiB - UNIT, 2 * UNIT };
	ck_assert_int_eq(fam_alloc_mark(&a, &e), -ERANGE);
	e = (struct fam_extent){ BASE, 0 };
	ck_assert_int_eq(fam_alloc_mark(&a, &e), -ERANGE);
	e = (struct fam_extent){ BASE + UNIT, UINT64_MAX - BASE };
	ck_assert_int_eq(fam_alloc_mark(&a, &e), -ERANGE);
	ck_assert_uint_eq(fam_alloc_free_bytes(&a), 64 * FAM_MiB);
	/* A partial unit occupies the whole unit. */
	e = (struct fam_extent){ BASE + 4 * UNIT, 100 };
	ck_assert_int_eq(fam_alloc_mark(&a, &e), 0);
	ck_assert_uint_eq(fam_alloc_free_bytes(&a), 64 * FAM_MiB - UNIT);
	e = (struct fam_extent){ BASE + 3 * UNIT, 2 * UNIT };
	ck_assert_int_eq(fam_alloc_mark(&a, &e), -EEXIST);
	ck_assert_uint_eq(fam_alloc_free_bytes(&a), 64 * FAM_MiB - UNIT);
}
END_TEST

/* Files of 2 MiB and more get whole, aligned 2 MiB granules even with 4 KiB units. */
START_TEST(test_pmd_alignment)
{
	uint32_t n;
	uint64_t s = 5;

	ck_assert_int_eq(fam_alloc_init(&a, BASE, BASE + 256 * FAM_MiB, UNIT), 0);
	for (int i = 0; i < 200; i++) {
		uint64_t size = tu_rand_below(&s, 3) ? 1 + tu_rand_below(&s, 300000)
						     : FAM_PMD_SIZE + tu_rand_below(&s, 5 * FAM_PMD_SIZE);

		if (fam_alloc_get(&a, size, ext, FAM_MAX_EXTENTS, &n))
			break;
		ck_assert_uint_ge(n, 1);
		ck_assert_uint_eq(ext_sum(ext, n), fam_alloc_rounded(&a, size));
		for (uint32_t k = 0; k < n; k++) {
			if (size >= FAM_PMD_SIZE) {
				ck_assert_uint_eq(ext[k].offset % FAM_PMD_SIZE, 0);
				ck_assert_uint_eq(ext[k].len % FAM_PMD_SIZE, 0);
			} else {
				ck_assert_uint_eq(ext[k].offset % UNIT, 0);
			}
		}
		/* Free small ones now and then, to leave odd-sized holes. */
		if (size < FAM_PMD_SIZE && i % 3 == 0)
			for (uint32_t k = 0; k < n; k++)
				fam_alloc_release(&a, &ext[k]);
	}
}
END_TEST

/* No contiguous run: the file is gathered from several fragments. */
START_TEST(test_fragmented)
{
	uint32_t n;
	uint64_t free0;
	struct fam_extent one;

	ck_assert_int_eq(fam_alloc_init(&a, BASE, BASE + FAM_MiB, UNIT), 0);
	for (int i = 0; i < 256; i++) {
		ck_assert_int_eq(fam_alloc_get(&a, UNIT, &one, 1, &n), 0);
		ck_assert_uint_eq(n, 1);
	}
	ck_assert_uint_eq(fam_alloc_free_bytes(&a), 0);
	ck_assert_int_eq(fam_alloc_get(&a, 1, ext, FAM_MAX_EXTENTS, &n), -ENOSPC);
	for (int i = 0; i < 256; i += 2) {
		one = (struct fam_extent){ BASE + (uint64_t)i * UNIT, UNIT };
		fam_alloc_release(&a, &one);
	}
	free0 = fam_alloc_free_bytes(&a);
	ck_assert_uint_eq(free0, 128 * UNIT);
	/* Too many fragments for max_ext: refused, and nothing is taken. */
	ck_assert_int_eq(fam_alloc_get(&a, 16 * UNIT, ext, 4, &n), -ENOSPC);
	ck_assert_uint_eq(fam_alloc_free_bytes(&a), free0);
	ck_assert_int_eq(fam_alloc_get(&a, 16 * UNIT, ext, FAM_MAX_EXTENTS, &n), 0);
	ck_assert_uint_eq(n, 16);
	ck_assert_uint_eq(ext_sum(ext, n), 16 * UNIT);
	for (uint32_t k = 0; k < n; k++) {
		ck_assert_uint_eq((ext[k].offset - BASE) / UNIT % 2, 0);
		ck_assert_int_eq(fam_alloc_mark(&a, &ext[k]), -EEXIST);
	}
	ck_assert_uint_eq(fam_alloc_free_bytes(&a), free0 - 16 * UNIT);
	/* More than is free. */
	ck_assert_int_eq(fam_alloc_get(&a, free0, ext, FAM_MAX_EXTENTS, &n), -ENOSPC);
	ck_assert_uint_eq(fam_alloc_free_bytes(&a), free0 - 16 * UNIT);
	/* A 2 MiB file cannot use 4 KiB holes at all. */
	ck_assert_int_eq(fam_alloc_get(&a, FAM_PMD_SIZE, ext, FAM_MAX_EXTENTS, &n), -ENOSPC);
}
END_TEST

/* Free 4 KiB units that add up to 2 MiB but form no aligned granule: ENOSPC for big files. */
START_TEST(test_pmd_needs_whole_granule)
{
	uint32_t n;
	struct fam_extent e;

	ck_assert_int_eq(fam_alloc_init(&a, BASE, BASE + 8 * FAM_MiB, UNIT), 0);
	/* Occupy one unit in each 2 MiB granule. */
	for (uint64_t g = 0; g < 4; g++) {
		e = (struct fam_extent){ BASE + g * FAM_PMD_SIZE + 7 * UNIT, UNIT };
		ck_assert_int_eq(fam_alloc_mark(&a, &e), 0);
	}
	ck_assert_uint_gt(fam_alloc_free_bytes(&a), 7 * FAM_MiB);
	ck_assert_int_eq(fam_alloc_get(&a, FAM_PMD_SIZE, ext, FAM_MAX_EXTENTS, &n), -ENOSPC);
	ck_assert_int_eq(fam_alloc_get(&a, FAM_PMD_SIZE - 1, ext, FAM_MAX_EXTENTS, &n), 0);
	ck_assert_uint_eq(ext_sum(ext, n), FAM_PMD_SIZE);
	fam_alloc_release(&a, &e);	/* granule 3 is whole again */
	ck_assert_int_eq(fam_alloc_get(&a, FAM_PMD_SIZE, ext, FAM_MAX_EXTENTS, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(ext[0].offset, BASE + 3 * FAM_PMD_SIZE);
}
END_TEST

/* Random get/release: extents never overlap and free space adds up. */
START_TEST(test_random_no_overlap)
{
	enum { SLOTS = 64 };
	static struct fam_extent held[SLOTS][FAM_MAX_EXTENTS];
	uint32_t nheld[SLOTS] = { 0 };
	static uint8_t owner[64 * FAM_MiB / UNIT];
	uint64_t s = 1234, used = 0;

	ck_assert_int_eq(fam_alloc_init(&a, BASE, BASE + 64 * FAM_MiB, UNIT), 0);
	memset(owner, 0, sizeof(owner));
	for (int it = 0; it < 20000; it++) {
		int k = (int)tu_rand_below(&s, SLOTS);
		uint32_t n;

		if (nheld[k]) {
			for (uint32_t i = 0; i < nheld[k]; i++) {
				uint64_t u0 = (held[k][i].offset - BASE) / UNIT;

				for (uint64_t u = u0; u < u0 + held[k][i].len / UNIT; u++) {
					TU_CHECK_EQ(owner[u], k + 1);
					owner[u] = 0;
				}
				used -= held[k][i].len;
				fam_alloc_release(&a, &held[k][i]);
			}
			nheld[k] = 0;
		} else {
			uint64_t size = tu_rand_below(&s, 8) ? 1 + tu_rand_below(&s, 1 << 20)
							     : FAM_PMD_SIZE * (1 + tu_rand_below(&s, 3));
			int err = fam_alloc_get(&a, size, held[k], FAM_MAX_EXTENTS, &n);

			if (err) {
				TU_CHECK_EQ(err, -ENOSPC);
				continue;
			}
			nheld[k] = n;
			for (uint32_t i = 0; i < n; i++) {
				uint64_t u0 = (held[k][i].offset - BASE) / UNIT;

				for (uint64_t u = u0; u < u0 + held[k][i].len / UNIT; u++) {
					TU_CHECK_EQ(owner[u], 0);
					owner[u] = (uint8_t)(k + 1);
				}
				used += held[k][i].len;
			}
		}
		TU_CHECK_EQ(fam_alloc_free_bytes(&a) + used, 64 * FAM_MiB);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("alloc");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_init);
	tcase_add_test(tc, test_small_and_zero);
	tcase_add_test(tc, test_mark_range);
	tcase_add_test(tc, test_pmd_alignment);
	tcase_add_test(tc, test_fragmented);
	tcase_add_test(tc, test_pmd_needs_whole_granule);
	tcase_add_test(tc, test_random_no_overlap);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
