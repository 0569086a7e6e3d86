// SPDX-License-Identifier: Apache-2.0
/*
 * The parsers of the Slurm integration (slurm/): the job script's
 * "#BB_LUA famfs" directives, famfs-slurm.conf and the per-job grant
 * records. Valid input, every malformed case with its message, and a
 * seeded round trip of random requests (FAMFS_SEED=n to repeat one).
 */
#include "testutil.h"
#include "famfs_slurm.h"

#include <famfs/client.h>
#include <time.h>

static uint64_t seed = 1;

static int parse(const char *script, struct fs_request *req, char *err)
{
	return fs_directives_parse(script, req, err, 512);
}

START_TEST(test_directives_valid)
{
	struct fs_request req;
	char err[512], out[256];

	ck_assert_int_eq(parse("#!/bin/bash\n#SBATCH -N 2\n#BB_LUA famfs rw=/jobs/a ro=/ref/x\n"
			       "\n# comment\n#BB_LUA\tfamfs  ro=/ref/y\r\nsrun x\n"
			       "#BB_LUA famfs rw=/after/the/first/command\n", &req, err), 0);
	ck_assert_uint_eq(req.n, 3);
	ck_assert_uint_eq(req.ds[0].mode, FAMFS_OWN_RW);
	ck_assert_str_eq(req.ds[0].path, "/jobs/a");
	ck_assert_uint_eq(req.ds[1].mode, FAMFS_OWN_RO);
	ck_assert_str_eq(req.ds[2].path, "/ref/y");
	ck_assert_int_eq(fs_request_format(&req, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "rw:/jobs/a ro:/ref/x ro:/ref/y");
	ck_assert_int_eq(fs_request_format(&req, out, 10), -ENOSPC);
	/* No directive at all; other comments; #BB_LUAX is not ours. */
	ck_assert_int_eq(parse("#!/bin/sh\n#BB_LUAX whatever\necho\n", &req, err), 0);
	ck_assert_uint_eq(req.n, 0);
	ck_assert_int_eq(parse("", &req, err), 0);
	/* Overlapping read-only sets are allowed (they never conflict). */
	ck_assert_int_eq(parse("#BB_LUA famfs ro=/a ro=/a/b", &req, err), 0);
	ck_assert_uint_eq(req.n, 2);
}
END_TEST

START_TEST(test_directives_malformed)
{
	static const struct {
		const char *script, *msg;
	} cases[] = {
		{ "#BB_LUA famfs rw=jobs\n", "line 1: 'jobs' is not an absolute famfs path" },
		{ "#!/bin/sh\n#BB_LUA\n", "line 2: '#BB_LUA' names no data set" },
		{ "#BB_LUA famfs\n", "line 1: '#BB_LUA famfs' names no data set" },
		{ "#BB_LUA capacity=1G\n", "line 1: unknown burst buffer directive 'capacity=1G'" },
		{ "#BB_LUA famfs rx=/a\n", "line 1: 'rx=/a': expected rw=PATH or ro=PATH" },
		{ "#BB_LUA famfs rw=\n", "line 1: 'rw=': expected rw=PATH or ro=PATH" },
		{ "#BB_LUA famfs rw=/\n", "'/' cannot be a data set" },
		{ "#BB_LUA famfs rw=/a/\n", "'/a/' ends with '/'" },
		{ "#BB_LUA famfs rw=/a//b\n", "empty, '.' or '..' component" },
		{ "#BB_LUA famfs rw=/a/./b\n", "empty, '.' or '..' component" },
		{ "#BB_LUA famfs rw=/a/..\n", "empty, '.' or '..' component" },
		{ "#BB_LUA famfs rw=/a\x01" "b\n", "blank or control character" },
		{ "#BB_LUA famfs ro=/a ro=/a\n", "line 1: /a is declared twice" },
		{ "#BB_LUA famfs rw=/a\n#BB_LUA famfs ro=/a/b/c\n", "line 2: /a and /a/b/c overlap" },
		{ "#BB_LUA famfs ro=/a/b\n#BB_LUA famfs rw=/a\n", "line 2: /a/b and /a overlap" },
	};
	struct fs_request req;
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = 0;
		ck_assert_msg(parse(cases[i].script, &req, err) == -EINVAL, "case %zu accepted", i);
		ck_assert_msg(strstr(err, cases[i].msg), "case %zu: '%s' lacks '%s'", i, err,
			      cases[i].msg);
		ck_assert_uint_eq(req.n, 0);
	}
}
END_TEST

START_TEST(test_directives_limits)
{
	struct fs_request req;
	char err[512], *s, path[FS_PATH_MAX + 8];
	size_t used = 0;
	int i;

	s = malloc(65536);
	ck_assert_ptr_nonnull(s);
	used += (size_t)sprintf(s, "#BB_LUA famfs");
	for (i = 0; i < FS_MAX_DATASETS; i++)
		used += (size_t)sprintf(s + used, " ro=/d%d", i);
	ck_assert_int_eq(parse(s, &req, err), 0);
	ck_assert_uint_eq(req.n, FS_MAX_DATASETS);
	sprintf(s + used, " ro=/one/more");
	ck_assert_int_eq(parse(s, &req, err), -EINVAL);
	ck_assert(strstr(err, "more than 16 famfs data sets"));
	/* The longest path passes, one byte more does not. */
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[FS_PATH_MAX - 1] = 0;
	sprintf(s, "#BB_LUA famfs ro=%s\n", path);
	ck_assert_int_eq(parse(s, &req, err), 0);
	path[FS_PATH_MAX - 1] = 'p';
	path[FS_PATH_MAX] = 0;
	sprintf(s, "#BB_LUA famfs ro=%s\n", path);
	ck_assert_int_eq(parse(s, &req, err), -EINVAL);
	ck_assert(strstr(err, "too long"));
	free(s);
}
END_TEST

/* Random requests, written as directives in random layouts, parse back to the same. */
START_TEST(test_directives_roundtrip)
{
	struct fs_request want, got;
	char script[32768], err[512], a[512], b[512];
	int iter;

	for (iter = 0; iter < 2000; iter++) {
		size_t n = tu_rand_below(&seed, FS_MAX_DATASETS) + 1, i, used = 0;

		want.n = n;
		for (i = 0; i < n; i++) {
			want.ds[i].mode = tu_rand_below(&seed, 2) ? FAMFS_OWN_RW : FAMFS_OWN_RO;
			/* Disjoint trees: /s<i>/<random depth>. */
			int depth = (int)tu_rand_below(&seed, 4), k, len;

			len = snprintf(want.ds[i].path, FS_PATH_MAX, "/s%zu", i);
			for (k = 0; k < depth; k++)
				len += snprintf(want.ds[i].path + len, (size_t)(FS_PATH_MAX - len),
						"/%c%u", 'a' + (int)tu_rand_below(&seed, 26),
						(unsigned)tu_rand_below(&seed, 1000));
		}
		used += (size_t)sprintf(script, "#!/bin/bash\n#SBATCH -N1\n");
		for (i = 0; i < n; i++) {
			bool newline = i == 0 || tu_rand_below(&seed, 3) == 0;

			if (newline)
				used += (size_t)sprintf(script + used, "%s#BB_LUA%sfamfs",
							i ? "\n" : "",
							tu_rand_below(&seed, 2) ? "\t" : " ");
			used += (size_t)sprintf(script + used, "%s%s=%s",
						tu_rand_below(&seed, 2) ? "  " : " ",
						want.ds[i].mode == FAMFS_OWN_RW ? "rw" : "ro",
						want.ds[i].path);
		}
		sprintf(script + used, "\nsrun ./app\n");
		TU_CHECK(parse(script, &got, err) == 0);
		TU_CHECK_EQ(got.n, want.n);
		TU_CHECK(fs_request_format(&want, a, sizeof(a)) == 0);
		TU_CHECK(fs_request_format(&got, b, sizeof(b)) == 0);
		if (strcmp(a, b))
			ck_abort_msg("seed %llu: '%s' parsed as '%s'", (unsigned long long)seed, a, b);
	}
}
END_TEST

static int conf(struct fs_config *c, const char *text, char *err)
{
	fs_config_init(c);
	return fs_config_parse(c, text, "t.conf", err, 512);
}

START_TEST(test_config_valid)
{
	struct fs_config c;
	char err[512];
	uint32_t host;

	ck_assert_int_eq(conf(&c, "; comment\n[famfs]\nsocket = /run/f.sock\nstate_dir = /s\n"
			      "wait = 0\nhandoff = no\n[nodes]\nn1 = 1\nnode-02.x_y = 2147483647\n",
			      err), 0);
	ck_assert(!c.handoff);
	ck_assert_str_eq(c.socket, "/run/f.sock");
	ck_assert_str_eq(c.state_dir, "/s");
	ck_assert_uint_eq(c.wait_s, 0);
	ck_assert_int_eq(fs_config_host(&c, "node-02.x_y", &host), 0);
	ck_assert_uint_eq(host, 2147483647u);
	ck_assert_int_eq(fs_config_host(&c, "n3", &host), -ENOENT);
	fs_config_free(&c);
	/* Defaults. */
	ck_assert_int_eq(conf(&c, "[nodes]\nn1 = 0\n", err), 0);
	ck_assert_str_eq(c.socket, "");
	ck_assert_str_eq(c.state_dir, "/var/lib/famfs-slurm");
	ck_assert_uint_eq(c.wait_s, 60);
	ck_assert(c.handoff);
	ck_assert_int_eq(fs_config_host(&c, "n1", &host), 0);
	ck_assert_uint_eq(host, 0);
	fs_config_free(&c);
}
END_TEST

START_TEST(test_config_malformed)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "[famfs]\nsockt = /x\n", "t.conf:2: [famfs] unknown key 'sockt'" },
		{ "wait = 1\n", "t.conf:1: 'wait' is outside the [famfs] and [nodes] sections" },
		{ "[other]\nx = 1\n", "t.conf:2: 'x' is outside" },
		{ "[famfs]\nsocket = rel\n", "t.conf:2: [famfs] socket: 'rel' is not an absolute path" },
		{ "[famfs]\nsocket = /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", "t.conf:2: [famfs] socket: " },
		{ "[famfs]\nwait = -1\n", "t.conf:2: [famfs] wait = '-1'" },
		{ "[famfs]\nwait = 86401\n", "t.conf:2: [famfs] wait = '86401'" },
		{ "[famfs]\nwait =\n", "t.conf:2: [famfs] wait = ''" },
		{ "[famfs]\nhandoff = maybe\n", "t.conf:2: [famfs] handoff = 'maybe': yes or no" },
		{ "[nodes]\nn1 = x\n", "t.conf:2: [nodes] n1 = 'x': a famfs host id" },
		{ "[nodes]\nn1 = 2147483648\n", "t.conf:2: [nodes] n1 = '2147483648'" },
		{ "[nodes]\nn/1 = 1\n", "t.conf:2: [nodes] 'n/1': a node name" },
		{ "[nodes]\nn1 = 1\nn1 = 2\n", "t.conf:3: [nodes] n1 is listed twice" },
		{ "[nodes]\nthis is not a key\n", "t.conf:2: not 'key = value' nor a [section]" },
		{ "[famfs]\nwait = 5\n", "t.conf: no [nodes] section" },
		{ "", "t.conf: no [nodes] section" },
	};
	struct fs_config c;
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = 0;
		ck_assert_msg(conf(&c, cases[i].text, err) == -EINVAL, "case %zu accepted", i);
		ck_assert_msg(strstr(err, cases[i].msg), "case %zu: '%s' lacks '%s'", i, err,
			      cases[i].msg);
		fs_config_free(&c);
	}
}
END_TEST

START_TEST(test_config_example_and_missing)
{
	struct fs_config c;
	char err[512];

	/* The shipped example parses up to its (commented-out) node list. */
	fs_config_init(&c);
	ck_assert_int_eq(fs_config_load(&c, "slurm/famfs-slurm.conf", err, sizeof(err)), -EINVAL);
	ck_assert(strstr(err, "no [nodes] section"));
	fs_config_free(&c);
	fs_config_init(&c);
	ck_assert_int_eq(fs_config_load(&c, "/nonexistent/f.conf", err, sizeof(err)), -ENOENT);
	ck_assert(strstr(err, "/nonexistent/f.conf: No such file"));
}
END_TEST

START_TEST(test_jobstate)
{
	char dir[] = "/tmp/famfs-ut-slurm.XXXXXX", err[512];
	struct fs_jobstate js, back;
	struct fs_grant_rec r1 = { .host = 2, .mode = FAMFS_OWN_RO, .made = true, .path = "/ref" };
	struct fs_grant_rec r2 = { .host = 7, .mode = FAMFS_OWN_RW, .made = false, .path = "/j/a" };
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	fs_jobstate_init(&js);
	ck_assert_int_eq(fs_jobstate_add(&js, &r1), 0);
	ck_assert_int_eq(fs_jobstate_add(&js, &r2), 0);
	ck_assert_int_eq(fs_jobstate_save(dir, 41, &js, err, sizeof(err)), 0);
	fs_jobstate_init(&back);
	ck_assert_int_eq(fs_jobstate_load(dir, 41, &back, err, sizeof(err)), 0);
	ck_assert_uint_eq(back.n, 2);
	ck_assert(back.recs[0].made && back.recs[0].host == 2 && back.recs[0].mode == FAMFS_OWN_RO);
	ck_assert_str_eq(back.recs[1].path, "/j/a");
	ck_assert(!back.recs[1].made);
	fs_jobstate_free(&back);
	/* Job 42 shares (2, ro, /ref) only if job 41 made it; 41 does not share with itself. */
	ck_assert(fs_jobstate_shared(dir, 42, &r1));
	ck_assert(!fs_jobstate_shared(dir, 41, &r1));
	ck_assert(!fs_jobstate_shared(dir, 42, &r2));
	r1.host = 3;
	ck_assert(!fs_jobstate_shared(dir, 42, &r1));
	/* Parked grants: none yet is an empty list; saved, found and deleted. */
	fs_jobstate_init(&back);
	ck_assert_int_eq(fs_parked_load(dir, &back, err, sizeof(err)), 0);
	ck_assert_uint_eq(back.n, 0);
	ck_assert_int_eq(fs_jobstate_add(&back, &r2), 0);
	ck_assert_int_eq(fs_parked_save(dir, &back, err, sizeof(err)), 0);
	fs_jobstate_free(&back);
	ck_assert_int_eq(fs_parked_load(dir, &back, err, sizeof(err)), 0);
	ck_assert_int_eq(fs_jobstate_find(&back, "/j/a", FAMFS_OWN_RW), 0);
	ck_assert_int_eq(fs_jobstate_find(&back, "/j/a", FAMFS_OWN_RO), -1);
	ck_assert_int_eq(fs_jobstate_find(&back, "/j", FAMFS_OWN_RW), -1);
	fs_jobstate_del(&back, 0);
	ck_assert_uint_eq(back.n, 0);
	fs_jobstate_free(&back);
	/* The parked list is no job: it never makes a grant "shared". */
	ck_assert(!fs_jobstate_shared(dir, 42, &r2));
	{
		char f[128];

		snprintf(f, sizeof(f), "%s/parked", dir);
		unlink(f);
	}
	fd = fs_jobstate_lock(dir, err, sizeof(err));
	ck_assert_int_ge(fd, 0);
	close(fd);
	{
		/* A record file with a NUL is not one of ours. */
		char f[128];
		FILE *fp;

		snprintf(f, sizeof(f), "%s/job.43", dir);
		fp = fopen(f, "w");
		ck_assert_ptr_nonnull(fp);
		fwrite("grant 1 ro made /a\n\0", 1, 20, fp);
		fclose(fp);
		fs_jobstate_init(&back);
		ck_assert_int_eq(fs_jobstate_load(dir, 43, &back, err, sizeof(err)), -EINVAL);
		ck_assert(strstr(err, "job.43"));
		fs_jobstate_free(&back);
		ck_assert_int_eq(fs_jobstate_remove(dir, 43), 0);
	}
	ck_assert_int_eq(fs_jobstate_remove(dir, 41), 0);
	ck_assert_int_eq(fs_jobstate_remove(dir, 41), 0);
	ck_assert_int_eq(fs_jobstate_load(dir, 41, &back, err, sizeof(err)), -ENOENT);
	fs_jobstate_free(&js);
	ck_assert_int_eq(fs_jobstate_lock("/nonexistent/dir", err, sizeof(err)), -ENOENT);
	ck_assert(strstr(err, "state_dir"));
	{
		char f[128];

		snprintf(f, sizeof(f), "%s/lock", dir);
		unlink(f);
	}
	rmdir(dir);
}
END_TEST

START_TEST(test_jobstate_malformed)
{
	static const char *bad[] = {
		"grant 1 ro made /a",		/* no newline */
		"grant x ro made /a\n",
		"grant -1 ro made /a\n",
		"grant  1 ro made /a\n",
		"grant 2147483648 ro made /a\n",
		"grant 1 rx made /a\n",
		"grant 1 ro mine /a\n",
		"grant 1 ro made a\n",
		"grant 1 ro made /a/\n",
		"grant 1 ro made\n",
		"grnt 1 ro made /a\n",
		"grant 1 ro made /a b\n",
		"\n",
	};
	struct fs_jobstate js;
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fs_jobstate_init(&js);
		ck_assert_msg(fs_jobstate_parse(bad[i], &js, err, sizeof(err)) == -EINVAL,
			      "accepted: %s", bad[i]);
		ck_assert(strstr(err, "line 1:"));
		fs_jobstate_free(&js);
	}
	fs_jobstate_init(&js);
	ck_assert_int_eq(fs_jobstate_parse("grant 0 rw held /x\ngrant 1 ro made /y/z\n", &js, err,
					   sizeof(err)), 0);
	ck_assert_uint_eq(js.n, 2);
	fs_jobstate_free(&js);
}
END_TEST

START_TEST(test_read_text)
{
	char file[] = "/tmp/famfs-ut-slurm-text.XXXXXX", *text = NULL, big[10000];
	int fd = mkstemp(file);
	size_t len = 0;

	ck_assert_int_ge(fd, 0);
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	ck_assert_int_eq(fs_read_text(file, sizeof(big), &text, &len), 0);
	ck_assert_uint_eq(strlen(text), sizeof(big));
	ck_assert_uint_eq(len, sizeof(big));
	free(text);
	ck_assert_int_eq(fs_read_text(file, sizeof(big) - 1, &text, NULL), -EFBIG);
	/* A NUL (Slurm ends stored job scripts with one): the text ends there. */
	ck_assert_int_eq(pwrite(fd, "", 1, 5000), 1);
	ck_assert_int_eq(fs_read_text(file, sizeof(big), &text, &len), 0);
	ck_assert_uint_eq(strlen(text), 5000);
	ck_assert_uint_eq(len, sizeof(big));
	free(text);
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	ck_assert_int_eq(fs_read_text(file, 1, &text, NULL), 0);
	ck_assert_str_eq(text, "");
	free(text);
	close(fd);
	unlink(file);
	ck_assert_int_eq(fs_read_text(file, 1, &text, NULL), -ENOENT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("slurm");
	TCase *tc = tcase_create("core");
	const char *e = getenv("FAMFS_SEED");

	seed = e ? strtoull(e, NULL, 10) : (uint64_t)time(NULL);
	if (!seed)
		seed = 1;
	printf("test_slurm: FAMFS_SEED=%llu\n", (unsigned long long)seed);
	tcase_add_test(tc, test_directives_valid);
	tcase_add_test(tc, test_directives_malformed);
	tcase_add_test(tc, test_directives_limits);
	tcase_add_test(tc, test_directives_roundtrip);
	tcase_add_test(tc, test_config_valid);
	tcase_add_test(tc, test_config_malformed);
	tcase_add_test(tc, test_config_example_and_missing);
	tcase_add_test(tc, test_jobstate);
	tcase_add_test(tc, test_jobstate_malformed);
	tcase_add_test(tc, test_read_text);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
