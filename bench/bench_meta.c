// SPDX-License-Identifier: Apache-2.0
/*
 * bench-meta: metadata log speed on a fabric file, each figure next to a
 * baseline measured in the same run: writing the same record bytes with
 * CRC32C and clwb + sfence, but no log logic (and, for replay, reading and
 * checking them). Prints ratios; asserts nothing.
 *
 * Replay is measured three ways on the same log: decoding only (CRC and
 * path checks, no namespace), a second host replaying the whole history
 * into its namespace, and a host joining from a checkpoint image of the
 * same namespace. Each shows wall time and CPU time (user + system: the
 * machine may be shared, and a loaded machine stretches wall time only)
 * and the load average.
 *
 *   bench_meta [RECORDS] [FABRIC_FILE]      (FABRIC_FILE.img: the second file system)
 *   BENCH_META_REPS=3: joins of each kind, alternating; medians are printed.
 */
#include "crc32c.h"
#include "flush.h"
#include "fs.h"

#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

static double load1(void)
{
	double l[1] = { -1 };

	return getloadavg(l, 1) == 1 ? l[0] : -1;
}

#define MAX_REPS 16

/* n per second of t; 0 when t is too short to measure (CPU time has 1 us steps). */
static double rate(double n, double t)
{
	return t > 0 ? n / t : 0;
}

/* Median of v[0..n) (sorts a copy). */
static double median(const double *v, int n)
{
	double c[MAX_REPS];

	memcpy(c, v, (size_t)n * sizeof(*c));
	qsort(c, (size_t)n, sizeof(*c), bench_cmp_double);
	return n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
}

/* Open a reader (a joining host) and time its replay. */
static int timed_join(struct fam_dev *dev, double *wall, double *cpu, uint64_t *files,
		      uint64_t *records)
{
	struct fam_fs fs;
	double t0 = bench_now(), c0 = bench_cpu_now();
	uint64_t n = 0;
	int err = fam_fs_open(&fs, dev, 0);

	*wall = bench_now() - t0;
	*cpu = bench_cpu_now() - c0;
	if (err) {
		fprintf(stderr, "bench_meta: replay: %s\n", fs.err);
		return err;
	}
	*files = fs.ns.n_files;
	/* Records from the head: the whole history, or BEGIN, the image and END. */
	n = fs.cur.seq - fs.log.hdr.head_seq;
	*records = n;
	fam_fs_close(&fs);
	return 0;
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
	char path[64], cmd[1200], file2[512];
	const char *reps_env = getenv("BENCH_META_REPS");
	int reps = reps_env ? atoi(reps_env) : 3;
	uint8_t *scratch;
	double t0, t_base, t_log, t_fs, t_rbase, t_replay, c_replay, t_dec, c_dec, t_img, c_img;
	double load_start = load1();
	uint64_t bytes = 0, n_rec = 0, img_files = 0, img_rec = 0, n_dec = 0;
	int err;

	if (reps < 1 || reps > MAX_REPS)
		reps = 3;
	snprintf(file2, sizeof(file2), "%s.img", file);
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

		t0 = bench_now();
		for (uint64_t i = 0; i < n; i++) {
			int len;

			fill_rec(&r, &e, path, i, 0);
			len = fam_rec_encode(&r, scratch, FAM_REC_MAX);	/* includes the CRC32C */
			memcpy(dst + off, scratch, (size_t)len);
			fam_flush(dst + off, (size_t)len);
			off += (uint64_t)len;
			bytes += (uint64_t)len;
		}
		t_base = bench_now() - t0;
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
	t0 = bench_now();
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
	t_log = bench_now() - t0;
	fam_fs_close(&fs);
	fam_dev_close(&dev);

	/* Replay baseline: read the committed bytes back with invalidate + CRC check. */
	if (fam_dev_open(&dev, file, FAM_DEV_RDONLY))
		return 1;
	{
		uint8_t *src = dev.base + FAM_LOG_OFFSET + FAM_LOG_HDR_AREA;
		uint64_t off = 0, ok = 0;

		fam_invalidate(src, bytes);
		t0 = bench_now();
		for (uint64_t i = 0; i < n + dirs + 1; i++) {
			uint32_t len;

			memcpy(&len, src + off, 4);
			ok += fam_crc32c(0, src + off, len - 4) == *(uint32_t *)(src + off + len - 4);
			off += len;
		}
		t_rbase = bench_now() - t0;
		if (ok != n + dirs + 1)
			fprintf(stderr, "bench_meta: baseline read found %llu bad CRCs\n",
				(unsigned long long)(n + dirs + 1 - ok));
	}
	/* Decode only: invalidate, CRC, path checks, no namespace (what replay adds is the rest). */
	{
		struct fam_log log;
		struct fam_log_cursor c;
		struct fam_sb sb;
		double c0 = bench_cpu_now();

		t0 = bench_now();
		if (fam_sb_decode(fam_dev_sb(&dev), sizeof(struct fam_sb_disk), &sb) ||
		    fam_log_open(&log, dev.base + sb.log_offset, sb.log_size, sb.uuid))
			return 1;
		fam_log_cursor_head(&log, &log.hdr, &c);
		fam_log_invalidate_from(&log, &log.hdr, &c);
		while (fam_log_next(&log, &log.hdr, &c, &r) == 1)
			n_dec++;
		t_dec = bench_now() - t0;
		c_dec = bench_cpu_now() - c0;
	}
	fam_dev_close(&dev);

	/* Whole create path: namespace check + allocation + append + apply, from empty. */
	snprintf(cmd, sizeof(cmd), "truncate -s 0 %s && truncate -s %llu %s", file2,
		 (unsigned long long)size, file2);
	if (system(cmd))
		return 1;
	if (fam_dev_open(&dev, file2, FAM_DEV_MKFS | FAM_DEV_WRITER) || fam_mkfs(&dev, &mo, NULL))
		return 1;
	fam_dev_close(&dev);
	if (fam_dev_open(&dev, file2, FAM_DEV_WRITER) || fam_fs_open(&fs, &dev, FAM_FS_WRITER))
		return 1;
	fam_fs_mkdir(&fs, "/bench", 0755, 0, 0);
	for (uint64_t d = 0; d < dirs; d++) {
		char dp[64];

		snprintf(dp, sizeof(dp), "/bench/dir%06llu", (unsigned long long)d);
		fam_fs_mkdir(&fs, dp, 0755, 0, 0);
	}
	t0 = bench_now();
	for (uint64_t i = 0; i < n; i++) {
		make_path(path, sizeof(path), i);
		if ((err = fam_fs_create(&fs, path, 0644, 0, 0, 4096, NULL))) {
			fprintf(stderr, "create %s: %d %s\n", path, err, fs.err);
			return 1;
		}
	}
	t_fs = bench_now() - t0;
	/* A checkpoint moves the head to an image of the namespace: what a joining host reads. */
	if ((err = fam_fs_checkpoint(&fs))) {
		fprintf(stderr, "checkpoint: %d %s\n", err, fs.err);
		return 1;
	}
	fam_fs_close(&fs);
	fam_dev_close(&dev);

	/*
	 * A second host joins: replaying the whole history (file) and loading
	 * the checkpoint image (file2), alternately (ABAB), medians of reps.
	 */
	{
		double tw[2][MAX_REPS], tc[2][MAX_REPS];
		struct fam_dev d2;

		if (fam_dev_open(&dev, file, FAM_DEV_RDONLY) || fam_dev_open(&d2, file2, FAM_DEV_RDONLY))
			return 1;
		for (int k = 0; k < reps; k++) {
			if (timed_join(&dev, &tw[0][k], &tc[0][k], &applied, &n_rec) ||
			    timed_join(&d2, &tw[1][k], &tc[1][k], &img_files, &img_rec))
				return 1;
		}
		t_replay = median(tw[0], reps);
		c_replay = median(tc[0], reps);
		t_img = median(tw[1], reps);
		c_img = median(tc[1], reps);
		fam_dev_close(&d2);
		fam_dev_close(&dev);
	}
	if (!getenv("FAMFS_BENCH_KEEP")) {
		unlink(file);
		unlink(file2);
	}
	free(scratch);

	printf("%-44s %12.0f rec/s\n", "baseline: encode+CRC32C+copy+clwb+sfence", n / t_base);
	printf("%-44s %12.0f rec/s   ratio %.2f of baseline   (goal >= 1M/s)\n",
	       "log append (record, flush, header, flush)", n / t_log, t_base / t_log);
	printf("%-44s %12.0f rec/s   ratio %.2f of baseline\n",
	       "fam_fs_create (check+alloc+append+apply)", n / t_fs, t_base / t_fs);
	printf("%-44s %12.0f rec/s\n", "baseline: invalidate'd read + CRC32C check", n / t_rbase);
	printf("%-44s %12.0f rec/s   ratio %.2f of baseline   (%llu records in %.3f s, CPU %.3f s)\n",
	       "decode only (invalidate, CRC, path checks)", n_dec / t_dec, t_rbase / t_dec,
	       (unsigned long long)n_dec, t_dec, c_dec);
	printf("%-44s %12.0f rec/s   ratio %.2f of baseline   (goal >= 1M/s; %llu records in %.3f s, CPU %.3f s; median of %d)\n",
	       "replay into the namespace (second host)", n_rec / t_replay, t_rbase / t_replay,
	       (unsigned long long)n_rec, t_replay, c_replay, reps);
	printf("%-44s %12.0f rec/s   ratio %.2f of decode only\n",
	       "replay per CPU second", rate(n_rec, c_replay),
	       rate(n_dec, c_dec) > 0 ? rate(n_rec, c_replay) / rate(n_dec, c_dec) : 0);
	printf("%-44s %12.0f rec/s   ratio %.2f of history replay   (goal: join < 1 s; %llu files, %llu records in %.3f s, CPU %.3f s; median of %d)\n",
	       "join from a checkpoint image", img_rec / t_img, t_replay / t_img,
	       (unsigned long long)img_files, (unsigned long long)img_rec, t_img, c_img, reps);
	printf("load average (1 min): %.2f at the start, %.2f at the end, on %ld CPUs\n",
	       load_start, load1(), sysconf(_SC_NPROCESSORS_ONLN));
	if (applied != n || img_files != n)
		fprintf(stderr, "bench_meta: replay saw %llu files, the image %llu, expected %llu\n",
			(unsigned long long)applied, (unsigned long long)img_files,
			(unsigned long long)n);
	return applied == n && img_files == n ? 0 : 1;
}
