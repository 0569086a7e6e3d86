// SPDX-License-Identifier: GPL-2.0
/*
 * famfs_wbbench - the kernel-mode handoff's cache write-back, measured in
 * the VM (make bench-vm-handoff, tests/vm/handoff.sh). Static, like
 * famfs_vmtool; one line per sample: "S KIND MICROSECONDS".
 *
 *   famfs_wbbench KIND FILE DIRTY REPS
 *
 * Each repetition: raise FILE's access to read-write (FAMFSIOC_SET_ACCESS),
 * map it MAP_SHARED read-write, read one word of every 2 MiB (the PMD
 * mappings a user has), write every byte of the DIRTY set, then time:
 *
 *   lower   famfs.ko's access lowering as famfsd drives it on a revoke:
 *           SET_ACCESS none (the module writes back the dirty entries
 *           fs-dax tracks, dax_writeback_mapping_range, zaps the mappings
 *           and checks every page of the file's entries for pins);
 *   walk    what famfsd drove before (and still does where the kernel's
 *           write-back flushes nothing): SET_ACCESS read-only, a read-only
 *           mapping of the whole file and clwb of every line of it +
 *           sfence (lib/kmount.c, fam_kmount_cache), SET_ACCESS none;
 *   raw     the baseline: clwb (clflushopt where clwb is missing) of exactly
 *           the dirty bytes through the same DAX mapping of the pmem, then
 *           sfence (no file system; the lowering after it is not timed);
 *   unmap   a second baseline: munmap(2) of the same mapping, the part of
 *           the lowering any revocation pays (the zap and its TLB flush;
 *           under qemu TCG a full TLB flush costs in proportion to the
 *           emulated TLB, which grows with the memory touched).
 *
 * DIRTY: 0 (nothing written), 100 (every byte), 1c (1 % of the bytes,
 * contiguous from offset 0), 1s (1 % of the bytes as 64 KiB pieces spread
 * evenly over the file: each piece dirties a different 2 MiB entry).
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "famfs_ioctl.h"

#define LINE 64
#define PMD (2ul << 20)
#define PIECE (64ul << 10)

struct range {
	size_t off, len;
};

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int set_access(int fd, int access)
{
	struct famfs_ioc_access a = { .access = access };

	return ioctl(fd, FAMFSIOC_SET_ACCESS, &a) ? -errno : 0;
}

static int have_clwb(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 24));
}

__attribute__((target("clwb")))
static void wb_clwb(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i += LINE)
		_mm_clwb((void *)(p + i));
}

__attribute__((target("clflushopt")))
static void wb_clflushopt(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i += LINE)
		_mm_clflushopt((void *)(p + i));
}

static void writeback(const unsigned char *p, size_t len)
{
	static int clwb = -1;

	if (clwb < 0)
		clwb = have_clwb();
	if (clwb)
		wb_clwb(p, len);
	else
		wb_clflushopt(p, len);
}

/* The dirty set of a file of size bytes; returns the number of ranges (r has room for n). */
static size_t dirty_set(const char *spec, size_t size, struct range *r, size_t n)
{
	size_t one = (size / 100 + LINE - 1) / LINE * LINE, k = 0;

	if (!strcmp(spec, "100")) {
		r[k++] = (struct range){ 0, size };
	} else if (!strcmp(spec, "1c")) {
		r[k++] = (struct range){ 0, one };
	} else if (!strcmp(spec, "1s")) {
		size_t pieces = (one + PIECE - 1) / PIECE, gap = size / pieces / PMD * PMD;

		for (size_t i = 0; i < pieces && k < n && gap; i++)
			r[k++] = (struct range){ i * gap, PIECE };
	}
	return k;
}

int main(int argc, char **argv)
{
	struct range r[4096];
	size_t nr, size, bytes = 0;
	unsigned char *p;
	struct stat st;
	int fd, reps;
	const char *kind;

	if (argc != 5) {
		fprintf(stderr, "usage: famfs_wbbench lower|walk|raw|unmap FILE 0|1c|1s|100 REPS\n");
		return 2;
	}
	kind = argv[1];
	reps = atoi(argv[4]);
	fd = open(argv[2], O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		return perror(argv[2]), 1;
	size = (size_t)st.st_size;
	nr = dirty_set(argv[3], size, r, sizeof(r) / sizeof(r[0]));
	for (size_t i = 0; i < nr; i++)
		bytes += r[i].len;
	printf("D %s %zu %zu %zu %s\n", argv[3], nr, bytes, size, have_clwb() ? "clwb" : "clflushopt");
	for (int rep = 0; rep < reps; rep++) {
		uint64_t t0, t1;
		int e = set_access(fd, FAMFS_ACCESS_RW);

		if (e)
			return fprintf(stderr, "SET_ACCESS rw: %s\n", strerror(-e)), 1;
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return perror("mmap"), 1;
		for (size_t off = 0; off < size; off += PMD)
			(void)*(volatile unsigned char *)(p + off);
		for (size_t i = 0; i < nr; i++)
			memset(p + r[i].off, (int)(rep + 1), r[i].len);
		t0 = now_ns();
		if (!strcmp(kind, "unmap")) {
			munmap(p, size);
			t1 = now_ns();
			p = NULL;
			e = set_access(fd, FAMFS_ACCESS_RO) ?: set_access(fd, FAMFS_ACCESS_NONE);
		} else if (!strcmp(kind, "raw")) {
			for (size_t i = 0; i < nr; i++)
				writeback(p + r[i].off, r[i].len);
			_mm_sfence();
			t1 = now_ns();
			e = set_access(fd, FAMFS_ACCESS_RO) ?: set_access(fd, FAMFS_ACCESS_NONE);
		} else if (!strcmp(kind, "lower")) {
			e = set_access(fd, FAMFS_ACCESS_NONE);
			t1 = now_ns();
		} else {
			e = set_access(fd, FAMFS_ACCESS_RO);
			if (!e) {
				unsigned char *q = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);

				if (q == MAP_FAILED)
					return perror("mmap ro"), 1;
				writeback(q, size);
				_mm_sfence();
				munmap(q, size);
			}
			e = e ?: set_access(fd, FAMFS_ACCESS_NONE);
			t1 = now_ns();
		}
		if (e)
			return fprintf(stderr, "SET_ACCESS lowering: %s\n", strerror(-e)), 1;
		if (p)
			munmap(p, size);
		printf("S %s %.1f\n", kind, (double)(t1 - t0) / 1000.0);
	}
	set_access(fd, FAMFS_ACCESS_RW);
	close(fd);
	return 0;
}
