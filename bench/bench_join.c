// SPDX-License-Identifier: Apache-2.0
/*
 * bench_join: a host joining an existing file system, in process: open it
 * read-only (fam_fs_open replays the log from its head, history or
 * checkpoint image) and close it, REPEAT times. Prints wall and CPU time
 * (user + system) of each replay and the load average, then
 *   RESULT files=F records=R wall_ms=MEDIAN cpu_ms=MEDIAN
 * Uses only fam_dev_open/fam_fs_open, so bench/bench_replay_abba.sh builds
 * the same source against an older tree to compare in one run.
 *
 *   bench_join FABRIC_FILE [REPEAT]
 */
#include "fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_util.h"

#define MAX_REPEAT 64

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	int reps = argc > 2 ? atoi(argv[2]) : 3, ret = 1;
	double wall[MAX_REPEAT], cpu[MAX_REPEAT], load[1] = { -1 };
	uint64_t files = 0, records = 0;
	struct fam_dev dev;

	if (argc < 2 || reps < 1 || reps > MAX_REPEAT) {
		fprintf(stderr, "usage: bench_join FABRIC_FILE [REPEAT (1..%d)]\n", MAX_REPEAT);
		return 2;
	}
	if (fam_dev_open(&dev, argv[1], FAM_DEV_RDONLY)) {
		fprintf(stderr, "bench_join: %s: %s\n", argv[1], dev.err);
		return 1;
	}
	for (int k = 0; k < reps; k++) {
		struct fam_fs fs;
		double t0 = bench_now(), c0 = bench_cpu_now();

		if (fam_fs_open(&fs, &dev, 0)) {
			fprintf(stderr, "bench_join: %s\n", fs.err);
			goto out;
		}
		wall[k] = bench_now() - t0;
		cpu[k] = bench_cpu_now() - c0;
		files = fs.ns.n_files;
		records = fs.cur.seq - fs.log.hdr.head_seq;
		fam_fs_close(&fs);
		getloadavg(load, 1);
		printf("join %d: %llu files, %llu records: %.3f s wall, %.3f s CPU, load %.2f\n", k + 1,
		       (unsigned long long)files, (unsigned long long)records, wall[k], cpu[k], load[0]);
	}
	printf("RESULT files=%llu records=%llu wall_ms=%.1f cpu_ms=%.1f\n", (unsigned long long)files,
	       (unsigned long long)records, median(wall, reps) * 1e3, median(cpu, reps) * 1e3);
	ret = 0;
out:
	fam_dev_close(&dev);
	return ret;
}
