// SPDX-License-Identifier: Apache-2.0
/*
 * The Prometheus text formatter (famfsd/exposition.c): exact output of
 * families, samples and histograms, escaping, number spelling, refusal of
 * bad names, write errors, and randomized histograms read back to check
 * that buckets are cumulative and end in +Inf == _count.
 */
#include "testutil.h"
#include "exposition.h"

#include <math.h>

/* Output of the last write into a memory stream. */
static char *text;
static size_t text_len;

static FILE *mem_open(void)
{
	FILE *f;

	free(text);
	text = NULL;
	f = open_memstream(&text, &text_len);
	ck_assert_ptr_nonnull(f);
	return f;
}

static const char *mem_close(FILE *f)
{
	ck_assert_int_eq(fclose(f), 0);
	return text;
}

START_TEST(test_family_and_samples)
{
	FILE *f = mem_open();
	struct famfsd_label l[2] = { { "host", "2" }, { "name", "h2" } };

	ck_assert_int_eq(famfsd_expo_family(f, "famfs_x_total", "counter", "What x is."), 0);
	ck_assert_int_eq(famfsd_expo_sample_u64(f, "famfs_x_total", l, 2, 42), 0);
	ck_assert_int_eq(famfsd_expo_sample_u64(f, "famfs_x_total", NULL, 0, 7), 0);
	ck_assert_str_eq(mem_close(f), "# HELP famfs_x_total What x is.\n"
					"# TYPE famfs_x_total counter\n"
					"famfs_x_total{host=\"2\",name=\"h2\"} 42\n"
					"famfs_x_total 7\n");
}
END_TEST

START_TEST(test_escaping)
{
	FILE *f = mem_open();
	struct famfsd_label l = { "name", "a\"b\\c\nd" };

	ck_assert_int_eq(famfsd_expo_family(f, "m", "gauge", "back\\slash \"quoted\"\nnext"), 0);
	ck_assert_int_eq(famfsd_expo_sample(f, "m", &l, 1, 1), 0);
	/* HELP escapes backslash and newline only; label values also the double quote. */
	ck_assert_str_eq(mem_close(f), "# HELP m back\\\\slash \"quoted\"\\nnext\n"
					"# TYPE m gauge\n"
					"m{name=\"a\\\"b\\\\c\\nd\"} 1\n");
}
END_TEST

START_TEST(test_numbers)
{
	static const struct { double v; const char *s; } cases[] = {
		{ 0, "0" }, { 1, "1" }, { 10, "10" }, { 300, "300" }, { 0.1, "0.1" },
		{ 0.0025, "0.0025" }, { -2.5, "-2.5" }, { 1e-5, "1e-05" }, { 1e21, "1e+21" },
		{ 123456789012.0, "123456789012" }, { 1.0 / 3, "0.3333333333333333" },
	};
	char want[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f = mem_open();

		ck_assert_int_eq(famfsd_expo_sample(f, "v", NULL, 0, cases[i].v), 0);
		snprintf(want, sizeof(want), "v %s\n", cases[i].s);
		ck_assert_str_eq(mem_close(f), want);
		/* What is written reads back as the same double. */
		ck_assert(strtod(text + 2, NULL) == cases[i].v);
	}
	{
		FILE *f = mem_open();

		famfsd_expo_sample(f, "v", NULL, 0, INFINITY);
		famfsd_expo_sample(f, "v", NULL, 0, -INFINITY);
		famfsd_expo_sample(f, "v", NULL, 0, NAN);
		famfsd_expo_sample_u64(f, "v", NULL, 0, (1ULL << 53) + 1);
		famfsd_expo_sample_u64(f, "v", NULL, 0, UINT64_MAX);
		ck_assert_str_eq(mem_close(f), "v +Inf\nv -Inf\nv NaN\nv 9007199254740993\n"
						"v 18446744073709551615\n");
	}
}
END_TEST

START_TEST(test_bad_names)
{
	static const char *const bad_metric[] = { "", "1abc", "a-b", "a b", "a{", "é" };
	static const char *const bad_label[] = { "", "1x", "le:x", "a-b", "a b" };
	struct famfsd_label l = { "ok", NULL };
	FILE *f = mem_open();

	for (size_t i = 0; i < sizeof(bad_metric) / sizeof(bad_metric[0]); i++) {
		ck_assert_int_eq(famfsd_expo_family(f, bad_metric[i], "gauge", "h"), -EINVAL);
		ck_assert_int_eq(famfsd_expo_sample(f, bad_metric[i], NULL, 0, 1), -EINVAL);
		ck_assert_int_eq(famfsd_expo_sample_u64(f, bad_metric[i], NULL, 0, 1), -EINVAL);
	}
	ck_assert_int_eq(famfsd_expo_family(f, NULL, "gauge", "h"), -EINVAL);
	for (size_t i = 0; i < sizeof(bad_label) / sizeof(bad_label[0]); i++) {
		struct famfsd_label b = { bad_label[i], "v" };

		ck_assert_int_eq(famfsd_expo_sample(f, "m", &b, 1, 1), -EINVAL);
	}
	ck_assert_int_eq(famfsd_expo_sample(f, "m", &l, 1, 1), -EINVAL);	/* NULL value */
	ck_assert_int_eq(famfsd_expo_family(f, "m", "histo", "h"), -EINVAL);
	ck_assert_int_eq(famfsd_expo_family(f, "m", NULL, "h"), -EINVAL);
	/* Colons are fine in metric names; refused input wrote nothing at all. */
	ck_assert_int_eq(famfsd_expo_sample(f, "a:b_c", NULL, 0, 1), 0);
	ck_assert_str_eq(mem_close(f), "a:b_c 1\n");
}
END_TEST

START_TEST(test_write_error)
{
	FILE *f = fopen("/dev/full", "w");

	ck_assert_ptr_nonnull(f);
	setvbuf(f, NULL, _IONBF, 0);
	ck_assert_int_eq(famfsd_expo_family(f, "m", "gauge", "h"), -EIO);
	ck_assert_int_eq(famfsd_expo_sample(f, "m", NULL, 0, 1), -EIO);
	fclose(f);
}
END_TEST

START_TEST(test_hist_init)
{
	struct famfsd_histogram h;
	double b[FAMFSD_HIST_MAX_BOUNDS + 1];

	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		b[i] = (double)i;
	ck_assert_int_eq(famfsd_hist_init(&h, b, 0), -EINVAL);
	ck_assert_int_eq(famfsd_hist_init(&h, b, FAMFSD_HIST_MAX_BOUNDS + 1), -EINVAL);
	ck_assert_int_eq(famfsd_hist_init(&h, b, FAMFSD_HIST_MAX_BOUNDS), 0);
	ck_assert_int_eq(famfsd_hist_init(&h, (const double[]){ 1, 1 }, 2), -EINVAL);
	ck_assert_int_eq(famfsd_hist_init(&h, (const double[]){ 2, 1 }, 2), -EINVAL);
	ck_assert_int_eq(famfsd_hist_init(&h, (const double[]){ 1, NAN }, 2), -EINVAL);
	ck_assert_int_eq(famfsd_hist_init(&h, (const double[]){ 1, INFINITY }, 2), -EINVAL);
}
END_TEST

START_TEST(test_histogram_exact)
{
	struct famfsd_histogram h;
	FILE *f;

	ck_assert_int_eq(famfsd_hist_init(&h, (const double[]){ 0.1, 1, 10 }, 3), 0);
	famfsd_hist_observe(&h, 0.05);
	famfsd_hist_observe(&h, 0.1);		/* le is inclusive */
	famfsd_hist_observe(&h, 0.5);
	famfsd_hist_observe(&h, 11);		/* above every bound */
	famfsd_hist_observe(&h, NAN);		/* ignored */
	f = mem_open();
	ck_assert_int_eq(famfsd_expo_histogram(f, "famfs_t_seconds", "T.", &h), 0);
	ck_assert_str_eq(mem_close(f), "# HELP famfs_t_seconds T.\n"
					"# TYPE famfs_t_seconds histogram\n"
					"famfs_t_seconds_bucket{le=\"0.1\"} 2\n"
					"famfs_t_seconds_bucket{le=\"1\"} 3\n"
					"famfs_t_seconds_bucket{le=\"10\"} 3\n"
					"famfs_t_seconds_bucket{le=\"+Inf\"} 4\n"
					"famfs_t_seconds_sum 11.65\n"
					"famfs_t_seconds_count 4\n");
	/* An empty histogram still has every bucket, at 0. */
	ck_assert_int_eq(famfsd_hist_init(&h, (const double[]){ 1 }, 1), 0);
	f = mem_open();
	ck_assert_int_eq(famfsd_expo_histogram(f, "e", "", &h), 0);
	ck_assert_str_eq(mem_close(f), "# HELP e \n# TYPE e histogram\ne_bucket{le=\"1\"} 0\n"
					"e_bucket{le=\"+Inf\"} 0\ne_sum 0\ne_count 0\n");
}
END_TEST

/* Read a histogram back from its text: buckets cumulative, le ascending, +Inf == count. */
START_TEST(test_histogram_random)
{
	uint64_t seed = 0x5eed0001;

	for (int iter = 0; iter < 500; iter++) {
		struct famfsd_histogram h;
		double b[FAMFSD_HIST_MAX_BOUNDS], prev_le = -INFINITY, sum = 0;
		size_t n = 1 + tu_rand_below(&seed, FAMFSD_HIST_MAX_BOUNDS), nobs;
		uint64_t prev = 0, buckets = 0, count = 0, expect_le[FAMFSD_HIST_MAX_BOUNDS + 1];
		char *line, *save;
		FILE *f;

		b[0] = (double)tu_rand_below(&seed, 100) / 10;
		for (size_t i = 1; i < n; i++)
			b[i] = b[i - 1] + (double)(1 + tu_rand_below(&seed, 1000)) / 100;
		TU_CHECK(famfsd_hist_init(&h, b, n) == 0);
		nobs = tu_rand_below(&seed, 200);
		memset(expect_le, 0, sizeof(expect_le));
		for (size_t k = 0; k < nobs; k++) {
			double v = (double)tu_rand_below(&seed, 30000) / 1000;

			famfsd_hist_observe(&h, v);
			sum += v;
			for (size_t i = 0; i <= n; i++)
				if (i == n || v <= b[i])
					expect_le[i]++;
		}
		f = mem_open();
		TU_CHECK(famfsd_expo_histogram(f, "r", "R.", &h) == 0);
		mem_close(f);
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			double le;
			unsigned long long v;
			char les[64];

			if (sscanf(line, "r_bucket{le=\"%63[^\"]\"} %llu", les, &v) == 2) {
				le = strcmp(les, "+Inf") ? strtod(les, NULL) : INFINITY;
				TU_CHECK(le > prev_le);
				TU_CHECK(v >= prev);
				TU_CHECK_EQ(v, expect_le[buckets]);
				prev_le = le;
				prev = v;
				buckets++;
			} else if (sscanf(line, "r_count %llu", &v) == 1) {
				count = v;
			}
		}
		TU_CHECK_EQ(buckets, n + 1);
		TU_CHECK(isinf(prev_le));
		TU_CHECK_EQ(prev, nobs);
		TU_CHECK_EQ(count, nobs);
		TU_CHECK(fabs(h.sum - sum) < 1e-6);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exposition");
	TCase *tc = tcase_create("core");
	int ret;

	tcase_add_test(tc, test_family_and_samples);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_bad_names);
	tcase_add_test(tc, test_write_error);
	tcase_add_test(tc, test_hist_init);
	tcase_add_test(tc, test_histogram_exact);
	tcase_add_test(tc, test_histogram_random);
	suite_add_tcase(s, tc);
	ret = tu_run(s);
	free(text);
	return ret;
}
