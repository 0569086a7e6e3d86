// SPDX-License-Identifier: Apache-2.0
/*
 * bench-meta: metadata log speed on a fabric file, each figure next to a
 * baseline measured in the same run: writing the same record bytes with
 * CRC32C and clwb + sfence, but no log logic (and, for replay, reading and
 * checking them). Prints ratios; asserts nothing.
 *
 *   bench_meta [RECORDS] [FABRIC_FILE]
 */
#include "crc32c.h"
#include "flush.h"
#include "fs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void make_path(char *buf, size_t cap, uint64_t i)
{
	/* ~40 bytes, 1000 files per directory. */
	snprintf(buf, cap, "/bench/dir%06llu/file-%012llu.dat",
		 (unsigned long long)(i / 1000), (unsigned long long)i);
}

static void fill_rec(struct fam_rec *r, struct fam_extent *e, char *path, uint64_t i,
		     uint64_t data_off)
{
	memset(r, 0, sizeof(*r));
	make_path(path, 64, i);
	e->offset = data_off + i * 4096;
	e->len = 4096;
	r->type = FAM_REC_CREATE;
	r->u.node.ino = i + 2;
	r->u.node.mode = 0644;
	r->u.node.size = 4096;
	r->u.node.n_ext = 1;
	r->u.node.ext = e;
	r->u.node.path = path;
	r->u.node.path_len = (uint32_t)strlen(path);
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000000;
	const char *file = argc > 2 ? argv[2] : "/dev/shm/famfs-bench-meta";
	uint64_t size = 8ULL << 30, log_size, dirs = n / 1000 + 1, applied = 0;
	struct fam_mkfs_opts mo = { .alloc_unit = 4096 };
	struct fam_dev dev;
	struct fam_fs fs;
	struct fam_log_txn t;
	struct fam_rec r;
	struct fam_extent e;
	char path[64], cmd[512];
	uint8_t *scratch;
	double t0, t_base, t_log, t_fs, t_rbase, t_replay;
	uint64_t bytes = 0;
	int err;

	/* Room for every record (128 bytes) without a checkpoint, so the log is measured alone. */
	log_size = fam_round_up(n * 300 + (dirs + 16) * 96 + (1 << 20), 1 << 20);
	mo.log_size = log_size;
	snprintf(cmd, sizeof(cmd), "truncate -s 0 %s && truncate -s %llu %s", file,
		 (unsigned long long)size, file);
	if (system(cmd))
		return 1;
	if (fam_dev_open(&dev, file, FAM_DEV_MKFS | FAM_DEV_WRITER) ||
	    fam_mkfs(&dev, &mo, NULL)) {
		fprintf(stderr, "bench_meta: %s: %s\n", file, dev.err);
		return 1;
	}
	fam_dev_close(&dev);
	printf("bench-meta: %llu CREATE records (1 extent, ~40-byte path), log %llu MiB on %s, flush=%s\n",
	       (unsigned long long)n, (unsigned long long)(log_size >> 20), file, fam_flush_method());

	/* Baseline: the same bytes, CRC32C, copy to fabric memory, clwb + sfence. */
	if (fam_dev_open(&dev, file, FAM_DEV_WRITER))
		return 1;
	scratch = malloc(FAM_REC_MAX);
	{
		uint8_t *dst = dev.base + FAM_LOG_OFFSET + FAM_LOG_HDR_AREA;
		uint64_t off = 0;

		t0 = now();
		for (uint64_t i = 0; i < n; i++) {
			int len;

			fill_rec(&r, &e, path, i, 0);
			len = fam_rec_encode(&r, scratch, FAM_REC_MAX);	/* includes the CRC32C */
			memcpy(dst + off, scratch, (size_t)len);
			fam_flush(dst + off, (size_t)len);
			off += (uint64_t)len;
			bytes += (uint64_t)len;
		}
		t_base = now() - t0;
	}
	fam_dev_close(&dev);
	/* mkfs again: the baseline scribbled over the log area. */
	if (fam_dev_open(&dev, file, FAM_DEV_MKFS | FAM_DEV_WRITER) || fam_mkfs(&dev, &mo, NULL))
		return 1;
	fam_dev_close(&dev);

	/* The log: one txn per record: record -> flush -> header -> flush. */
	if (fam_dev_open(&dev, file, FAM_DEV_WRITER) || fam_fs_open(&fs, &dev, FAM_FS_WRITER)) {
		fprintf(stderr, "bench_meta: open: %s %s\n", dev.err, fs.err);
		return 1;
	}
	for (uint64_t d = 0; d < dirs; d++) {
		char dp[64];

		snprintf(dp, sizeof(dp), "/bench/dir%06llu", (unsigned long long)d);
		if (d == 0 && (err = fam_fs_mkdir(&fs, "/bench", 0755, 0, 0)))
			return 1;
		if ((err = fam_fs_mkdir(&fs, dp, 0755, 0, 0))) {
			fprintf(stderr, "mkdir %s: %d %s\n", dp, err, fs.err);
			return 1;
		}
	}
	t0 = now();
	for (uint64_t i = 0; i < n; i++) {
		fill_rec(&r, &e, path, i, fs.sb.data_offset);
		fam_log_txn_begin(&fs.log, &t, fs.epoch);
		err = fam_log_txn_add(&fs.log, &t, &r);
		if (!err)
			err = fam_log_txn_commit(&fs.log, &t, false);
		if (err) {
			fprintf(stderr, "append %llu: %d\n", (unsigned long long)i, err);
			return 1;
		}
	}
	t_log = now() - t0;
	fam_fs_close(&fs);
	fam_dev_close(&dev);

	/* Replay baseline: read the committed bytes back with invalidate + CRC check. */
	if (fam_dev_open(&dev, file, FAM_DEV_RDONLY))
		return 1;
	{
		uint8_t *src = dev.base + FAM_LOG_OFFSET + FAM_LOG_HDR_AREA;
		uint64_t off = 0, ok = 0;

		fam_invalidate(src, bytes);
		t0 = now();
		for (uint64_t i = 0; i < n + dirs + 1; i++) {
			uint32_t len;

			memcpy(&len, src + off, 4);
			ok += fam_crc32c(0, src + off, len - 4) == *(uint32_t *)(src + off + len - 4);
			off += len;
		}
		t_rbase = now() - t0;
		if (ok != n + dirs + 1)
			fprintf(stderr, "bench_meta: baseline read found %llu bad CRCs\n",
				(unsigned long long)(n + dirs + 1 - ok));
	}
	/* Replay: a second host opens the file system: every record decoded and applied. */
	t0 = now();
	if (fam_fs_open(&fs, &dev, 0)) {
		fprintf(stderr, "replay: %s\n", fs.err);
		return 1;
	}
	t_replay = now() - t0;
	applied = fs.ns.n_files;
	fam_fs_close(&fs);
	fam_dev_close(&dev);

	/* Whole create path: namespace check + allocation + append + apply, from empty. */
	if (fam_dev_open(&dev, file, FAM_DEV_MKFS | FAM_DEV_WRITER) || fam_mkfs(&dev, &mo, NULL))
		return 1;
	fam_dev_close(&dev);
	if (fam_dev_open(&dev, file, FAM_DEV_WRITER) || fam_fs_open(&fs, &dev, FAM_FS_WRITER))
		return 1;
	fam_fs_mkdir(&fs, "/bench", 0755, 0, 0);
	for (uint64_t d = 0; d < dirs; d++) {
		char dp[64];

		snprintf(dp, sizeof(dp), "/bench/dir%06llu", (unsigned long long)d);
		fam_fs_mkdir(&fs, dp, 0755, 0, 0);
	}
	t0 = now();
	for (uint64_t i = 0; i < n; i++) {
		make_path(path, sizeof(path), i);
		if ((err = fam_fs_create(&fs, path, 0644, 0, 0, 4096, NULL))) {
			fprintf(stderr, "create %s: %d %s\n", path, err, fs.err);
			return 1;
		}
	}
	t_fs = now() - t0;
	fam_fs_close(&fs);
	fam_dev_close(&dev);
	if (!getenv("FAMFS_BENCH_KEEP"))
		unlink(file);
	free(scratch);

	printf("%-44s %12.0f rec/s\n", "baseline: encode+CRC32C+copy+clwb+sfence", n / t_base);
	printf("%-44s %12.0f rec/s   ratio %.2f of baseline   (goal >= 1M/s)\n",
	       "log append (record, flush, header, flush)", n / t_log, t_base / t_log);
	printf("%-44s %12.0f rec/s   ratio %.2f of baseline\n",
	       "fam_fs_create (check+alloc+append+apply)", n / t_fs, t_base / t_fs);
	printf("%-44s %12.0f rec/s\n", "baseline: invalidate'd read + CRC32C check", n / t_rbase);
	printf("%-44s %12.0f rec/s   ratio %.2f of baseline   (goal >= 2M/s; %llu records in %.3f s)\n",
	       "replay into the namespace (second host)", (n + dirs) / t_replay, t_rbase / t_replay,
	       (unsigned long long)(n + dirs), t_replay);
	if (applied != n)
		fprintf(stderr, "bench_meta: replay saw %llu files, expected %llu\n",
			(unsigned long long)applied, (unsigned long long)n);
	return applied == n ? 0 : 1;
}
