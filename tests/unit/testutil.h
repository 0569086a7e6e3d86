/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared helpers for the lib/ unit tests: a fabric file in /dev/shm per
 * test (named after the runner's pid, all removed when the runner ends),
 * a seeded PRNG, and a main() that runs one Check suite.
 */
#ifndef FAMFS_TESTUTIL_H
#define FAMFS_TESTUTIL_H

#include "fs.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Check's ck_assert_* records a mark point (a write(2)) on every call, even
 * when it passes; hot loops use these instead, which cost nothing until one fails.
 */
#define TU_CHECK(cond) \
	do { \
		if (!(cond)) \
			ck_abort_msg("Assertion '%s' failed", #cond); \
	} while (0)
#define TU_CHECK_EQ(a, b) \
	do { \
		unsigned long long _x = (unsigned long long)(a), _y = (unsigned long long)(b); \
		if (_x != _y) \
			ck_abort_msg("Assertion '%s == %s' failed: %llu != %llu", #a, #b, _x, _y); \
	} while (0)

/* The runner's pid: forked test children inherit it, so names stay unique per run. */
static pid_t tu_runner_pid;

static inline void tu_fabric_path(char *buf, size_t cap, const char *tag)
{
	snprintf(buf, cap, "/dev/shm/famfs-ut-%d-%s", (int)tu_runner_pid, tag);
}

/* Create (or truncate to) a zero-filled fabric file of size bytes. */
static inline void tu_fabric_create(const char *path, uint64_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	ck_assert_msg(fd >= 0, "create %s: %s", path, strerror(errno));
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	close(fd);
}

static inline void tu_cleanup(void)
{
	char pat[128];
	glob_t g;

	tu_fabric_path(pat, sizeof(pat), "*");
	if (glob(pat, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
		globfree(&g);
	}
}

/* mkfs on a new fabric file and open it as the log writer. */
static inline void tu_mkfs_open(const char *path, uint64_t dev_size, uint64_t log_size,
				uint64_t alloc_unit, struct fam_dev *dev, struct fam_fs *fs)
{
	struct fam_mkfs_opts o = { .log_size = log_size, .alloc_unit = alloc_unit,
				   .label = "unit" };
	int err;

	tu_fabric_create(path, dev_size);
	err = fam_dev_open(dev, path, 0);
	ck_assert_msg(err == 0, "dev open: %s", dev->err);
	ck_assert_int_eq(fam_mkfs(dev, &o, NULL), 0);
	err = fam_fs_open(fs, dev, FAM_FS_WRITER);
	ck_assert_msg(err == 0, "fs open: %d %s", err, fs->err);
}

/* Open a second, read-only instance on the same fabric file. Returns fam_fs_open's result. */
static inline int tu_open_reader(const char *path, struct fam_dev *dev, struct fam_fs *fs)
{
	int err = fam_dev_open(dev, path, FAM_DEV_RDONLY);

	ck_assert_msg(err == 0, "dev open: %s", dev->err);
	err = fam_fs_open(fs, dev, 0);
	if (err)
		fam_dev_close(dev);
	return err;
}

/* xorshift64*: small, fast and reproducible. */
static inline uint64_t tu_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static inline uint64_t tu_rand_below(uint64_t *s, uint64_t n)
{
	return n ? tu_rand(s) % n : 0;
}

static inline int tu_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	tu_runner_pid = getpid();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tu_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
