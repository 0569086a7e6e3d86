// SPDX-License-Identifier: Apache-2.0
/*
 * fam_flush()/fam_invalidate(): pick the best cache-line instruction once
 * (CPUID leaf 7: clwb = EBX bit 24, clflushopt = EBX bit 23) and apply it to
 * every 64-byte line of the range, then sfence.
 */
#include "flush.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#define CACHELINE 64

enum flush_kind { FLUSH_UNKNOWN, FLUSH_NONE, FLUSH_CLFLUSH, FLUSH_CLFLUSHOPT, FLUSH_CLWB };

static enum flush_kind flush_kind_cached = FLUSH_UNKNOWN;
static enum flush_kind inval_kind_cached = FLUSH_UNKNOWN;

static void flush_detect(void)
{
#if defined(__x86_64__)
	unsigned int a, b, c, d;
	int opt = 0, wb = 0;

	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		opt = !!(b & (1u << 23));
		wb = !!(b & (1u << 24));
	}
	flush_kind_cached = wb ? FLUSH_CLWB : opt ? FLUSH_CLFLUSHOPT : FLUSH_CLFLUSH;
	inval_kind_cached = opt ? FLUSH_CLFLUSHOPT : FLUSH_CLFLUSH;
#else
	flush_kind_cached = FLUSH_NONE;
	inval_kind_cached = FLUSH_NONE;
#endif
}

#if defined(__x86_64__)
__attribute__((target("clwb")))
static void lines_clwb(uintptr_t p, uintptr_t end)
{
	for (; p < end; p += CACHELINE)
		_mm_clwb((void *)p);
}

__attribute__((target("clflushopt")))
static void lines_clflushopt(uintptr_t p, uintptr_t end)
{
	for (; p < end; p += CACHELINE)
		_mm_clflushopt((void *)p);
}

static void lines_clflush(uintptr_t p, uintptr_t end)
{
	for (; p < end; p += CACHELINE)
		_mm_clflush((void *)p);
}
#endif

static void lines_start(enum flush_kind kind, const void *addr, size_t len)
{
	if (!len)
		return;
#if defined(__x86_64__)
	uintptr_t p = (uintptr_t)addr & ~(uintptr_t)(CACHELINE - 1);
	uintptr_t end = (uintptr_t)addr + len;

	switch (kind) {
	case FLUSH_CLWB:
		lines_clwb(p, end);
		break;
	case FLUSH_CLFLUSHOPT:
		lines_clflushopt(p, end);
		break;
	case FLUSH_CLFLUSH:
		lines_clflush(p, end);
		break;
	default:
		break;
	}
#else
	(void)kind;
	(void)addr;
#endif
}

void fam_fence(void)
{
#if defined(__x86_64__)
	_mm_sfence();
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

static void lines_apply(enum flush_kind kind, const void *addr, size_t len)
{
	if (!len)
		return;
	lines_start(kind, addr, len);
	fam_fence();
}

void fam_flush(const void *addr, size_t len)
{
	if (flush_kind_cached == FLUSH_UNKNOWN)
		flush_detect();
	lines_apply(flush_kind_cached, addr, len);
}

void fam_writeback(const void *addr, size_t len)
{
	if (flush_kind_cached == FLUSH_UNKNOWN)
		flush_detect();
	lines_start(flush_kind_cached, addr, len);
}

void fam_invalidate(const void *addr, size_t len)
{
	if (inval_kind_cached == FLUSH_UNKNOWN)
		flush_detect();
	lines_apply(inval_kind_cached, addr, len);
}

const char *fam_flush_method(void)
{
	static const char *const names[] = {
		[FLUSH_UNKNOWN] = "unknown", [FLUSH_NONE] = "none",
		[FLUSH_CLFLUSH] = "clflush", [FLUSH_CLFLUSHOPT] = "clflushopt",
		[FLUSH_CLWB] = "clwb",
	};

	if (flush_kind_cached == FLUSH_UNKNOWN)
		flush_detect();
	return names[flush_kind_cached];
}


int fam_cache_resident(const void *addr, size_t len, bool invalidate, bool all,
		       struct fam_cache_stats *st)
{
	unsigned char vec[FAM_CACHE_STEP / 4096];
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	const uint8_t *p = addr, *end = p + len;

	if (page < 4096 || FAM_CACHE_STEP % page || (uintptr_t)addr % page)
		return -EINVAL;
	while (p < end) {
		size_t step = (size_t)(end - p) < FAM_CACHE_STEP ? (size_t)(end - p) : FAM_CACHE_STEP;
		size_t pages = (step + page - 1) / page, i = 0;

		if (all)
			memset(vec, 1, pages);
		else if (mincore((void *)p, step, vec))
			return -errno;
		while (i < pages) {
			size_t j = i, run;

			if (!(vec[i] & 1)) {
				i++;
				continue;
			}
			while (j < pages && (vec[j] & 1))
				j++;
			run = (j - i) * page;
			if (i * page + run > step)
				run = step - i * page;
			if (invalidate)
				fam_invalidate(p + i * page, run);
			else
				fam_flush(p + i * page, run);
			st->resident += run;
			i = j;
		}
		st->walked += step;
		st->steps++;
		p += step;
	}
	return 0;
}
