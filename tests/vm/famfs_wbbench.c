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
 *   lowerd  the same when the process mapped only what it wrote (no read of
 *           every 2 MiB first): the pin check covers the dirty units only;
 *   lower   famfs.ko's access lowering as famfsd drives it on a revoke:
 *           SET_ACCESS none (the module zaps the mappings, checks the
 *           pages of the 2 MiB units mapped since their last check for
 *           pins, and writes back the units that took a write fault,
 *           through its kernel address, one sfence);
 *   walk    what famfsd drove before (and still does where the kernel's
 *           write-back flushes nothing): SET_ACCESS read-only, a read-only
 *           mapping of the whole file and clwb of every line of it +
 *           sfence (lib/kmount.c, fam_kmount_cache), SET_ACCESS none;
 *   raw     the baseline: clwb (clflushopt where clwb is missing) of exactly
 *           the dirty bytes through the same DAX mapping of the pmem, then
 *           sfence (no file system; the lowering after it is not timed);
 *   rawunit the same with the dirty ranges rounded out to whole 2 MiB
 *           units: the bytes famfs.ko writes back, since it records write
 *           faults per 2 MiB (a PMD mapping has one dirty bit);
 *   unmap   a second baseline: munmap(2) of the same mapping, the part of
 *           the lowering any revocation pays (the zap and its TLB flush;
 *           under qemu TCG a full TLB flush costs in proportion to the
 *           emulated TLB, which grows with the memory touched).
 *
 * The new owner's side (the DIRTY set is then the set it had read before
 * the file was taken away from it):
 *
 *   raise   famfs.ko's raise from none as famfsd drives it on a grant:
 *           before the timing, SET_ACCESS rw, a mapping, one read in every
 *           2 MiB unit of the set, munmap, SET_ACCESS none; timed:
 *           SET_ACCESS rw (a module with FAMFS_FEATURE_INVALIDATE_ON_TOUCH
 *           only marks those units stale; an older one invalidates them
 *           here: clflushopt through its kernel address);
 *   rawinv  the baseline: with the same units mapped and read, clflushopt
 *           of exactly those units from user space, then sfence;
 *   raiseread  the raise and the new owner's first read of the units it
 *           had read before, all timed: SET_ACCESS rw, mmap, one read in
 *           every 2 MiB unit of the set (PMD faults: the module
 *           invalidates each stale unit before it maps it), munmap;
 *   rawread the baseline of raiseread without the module's invalidation
 *           (the units were touched once since the raise, untimed, so none
 *           is stale): mmap, clflushopt + sfence of the units from user
 *           space (which faults them in), one read in every 2 MiB unit of
 *           the set, munmap.
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

__attribute__((target("clflushopt")))
static void invalidate(const unsigned char *p, size_t len)
{
	wb_clflushopt(p, len);
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

/* The ranges r[] rounded out to whole 2 MiB units within size, into u[] (room for n). */
static size_t unit_set(const struct range *r, size_t nr, size_t size, struct range *u, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < nr && k < n; i++) {
		size_t a = r[i].off / PMD * PMD, b = (r[i].off + r[i].len + PMD - 1) / PMD * PMD;

		if (b > size)
			b = size;
		if (k && u[k - 1].off + u[k - 1].len >= a) {
			if (a + (b - a) > u[k - 1].off + u[k - 1].len)
				u[k - 1].len = b - u[k - 1].off;
		} else {
			u[k++] = (struct range){ a, b - a };
		}
	}
	return k;
}

/* One read in every 2 MiB unit of the ranges (maps them: PMD faults). */
static void touch_units(const unsigned char *p, const struct range *u, size_t nu)
{
	for (size_t i = 0; i < nu; i++)
		for (size_t off = u[i].off; off < u[i].off + u[i].len; off += PMD)
			(void)*(volatile const unsigned char *)(p + off);
}

/* A read-only shared mapping of the whole file into *p; 1 (after perror) if mmap failed. */
static int map_ro(int fd, size_t size, unsigned char **p)
{
	*p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (*p == MAP_FAILED)
		return perror("mmap"), 1;
	return 0;
}

/* Raise the file to read-write, then map it read-only into *p; 0 or 1 (after a message). */
static int raise_map(int fd, size_t size, unsigned char **p)
{
	int e = set_access(fd, FAMFS_ACCESS_RW);

	if (e)
		return fprintf(stderr, "SET_ACCESS rw: %s\n", strerror(-e)), 1;
	return map_ro(fd, size, p);
}

/* The new owner's side: raise, rawinv, raiseread or rawread (see the top). Returns 0 or 1. */
static int new_owner(const char *kind, int fd, size_t size, const struct range *u, size_t nu,
		     int reps)
{
	for (int rep = 0; rep < reps; rep++) {
		uint64_t t0, t1;
		unsigned char *p;
		int e;

		if (raise_map(fd, size, &p))
			return 1;
		touch_units(p, u, nu);
		if (!strcmp(kind, "raiseread") || !strcmp(kind, "rawread")) {
			munmap(p, size);
			e = set_access(fd, FAMFS_ACCESS_NONE);
			if (e)
				return fprintf(stderr, "SET_ACCESS none: %s\n", strerror(-e)), 1;
			if (!strcmp(kind, "rawread")) {
				/* rawread: raise and first touch untimed, nothing stale after. */
				if (raise_map(fd, size, &p))
					return 1;
				touch_units(p, u, nu);
				munmap(p, size);
				t0 = now_ns();
				if (map_ro(fd, size, &p))
					return 1;
				for (size_t i = 0; i < nu; i++)
					invalidate(p + u[i].off, u[i].len);
				_mm_sfence();
			} else {
				t0 = now_ns();
				if (raise_map(fd, size, &p))
					return 1;
			}
			touch_units(p, u, nu);
			munmap(p, size);
			t1 = now_ns();
			e = set_access(fd, FAMFS_ACCESS_NONE);
		} else if (!strcmp(kind, "rawinv")) {
			t0 = now_ns();
			for (size_t i = 0; i < nu; i++)
				invalidate(p + u[i].off, u[i].len);
			_mm_sfence();
			t1 = now_ns();
			munmap(p, size);
			e = set_access(fd, FAMFS_ACCESS_NONE);
		} else {
			munmap(p, size);
			e = set_access(fd, FAMFS_ACCESS_NONE);
			if (e)
				return fprintf(stderr, "SET_ACCESS none: %s\n", strerror(-e)), 1;
			t0 = now_ns();
			e = set_access(fd, FAMFS_ACCESS_RW);
			t1 = now_ns();
		}
		if (e)
			return fprintf(stderr, "SET_ACCESS: %s\n", strerror(-e)), 1;
		printf("S %s %.1f\n", kind, (double)(t1 - t0) / 1000.0);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct range r[4096], u[4096];
	size_t nr, nu, size, bytes = 0, ubytes = 0;
	unsigned char *p;
	struct stat st;
	int fd, reps;
	const char *kind;

	if (argc != 5) {
		fprintf(stderr, "usage: famfs_wbbench lower|lowerd|walk|raw|rawunit|unmap|raise|rawinv|raiseread|rawread FILE 0|1c|1s|100 REPS\n");
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
	nu = unit_set(r, nr, size, u, sizeof(u) / sizeof(u[0]));
	for (size_t i = 0; i < nu; i++)
		ubytes += u[i].len;
	printf("D %s %zu %zu %zu %s %zu\n", argv[3], nr, bytes, size, have_clwb() ? "clwb" : "clflushopt",
	       ubytes);
	if (!strcmp(kind, "raise") || !strcmp(kind, "rawinv") || !strcmp(kind, "raiseread") ||
	    !strcmp(kind, "rawread")) {
		int rc = new_owner(kind, fd, size, u, nu, reps);

		set_access(fd, FAMFS_ACCESS_RW);
		close(fd);
		return rc;
	}
	for (int rep = 0; rep < reps; rep++) {
		uint64_t t0, t1;
		int e = set_access(fd, FAMFS_ACCESS_RW);

		if (e)
			return fprintf(stderr, "SET_ACCESS rw: %s\n", strerror(-e)), 1;
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return perror("mmap"), 1;
		if (strcmp(kind, "lowerd"))
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
		} else if (!strcmp(kind, "raw") || !strcmp(kind, "rawunit")) {
			const struct range *w = kind[3] ? u : r;
			size_t nw = kind[3] ? nu : nr;

			for (size_t i = 0; i < nw; i++)
				writeback(p + w[i].off, w[i].len);
			_mm_sfence();
			t1 = now_ns();
			e = set_access(fd, FAMFS_ACCESS_RO) ?: set_access(fd, FAMFS_ACCESS_NONE);
		} else if (!strcmp(kind, "lower") || !strcmp(kind, "lowerd")) {
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
