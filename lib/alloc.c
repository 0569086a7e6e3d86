// SPDX-License-Identifier: Apache-2.0
/*
 * Bitmap allocator with next-fit for contiguous runs and first-fit
 * gathering of fragments when no run is long enough. Files of 2 MiB or
 * more get 2 MiB-aligned granules so their pages map with PMD faults.
 */
#include "alloc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool bit_get(const struct fam_alloc *a, uint64_t i)
{
	return a->bits[i / 64] >> (i % 64) & 1;
}

static void bits_set(struct fam_alloc *a, uint64_t i, uint64_t n, bool used)
{
	for (uint64_t k = i; k < i + n; k++) {
		if (used)
			a->bits[k / 64] |= 1ULL << (k % 64);
		else
			a->bits[k / 64] &= ~(1ULL << (k % 64));
	}
	if (used)
		a->n_free -= n;
	else
		a->n_free += n;
}

int fam_alloc_init(struct fam_alloc *a, uint64_t base, uint64_t end, uint64_t unit)
{
	memset(a, 0, sizeof(*a));
	if (!unit || (unit & (unit - 1)) || base % unit || end < base)
		return -EINVAL;
	a->base = base;
	a->unit = unit;
	a->n_units = (end - base) / unit;
	a->n_free = a->n_units;
	a->bits = calloc(a->n_units / 64 + 1, sizeof(uint64_t));
	return a->bits ? 0 : -ENOMEM;
}

void fam_alloc_fini(struct fam_alloc *a)
{
	free(a->bits);
	memset(a, 0, sizeof(*a));
}

static int extent_units(const struct fam_alloc *a, const struct fam_extent *e,
			uint64_t *first, uint64_t *n)
{
	if (e->offset < a->base || e->len == 0 || (e->offset - a->base) % a->unit ||
	    e->offset + e->len < e->offset)
		return -ERANGE;
	*first = (e->offset - a->base) / a->unit;
	*n = (e->len + a->unit - 1) / a->unit;
	if (*first >= a->n_units || *n > a->n_units - *first)
		return -ERANGE;
	return 0;
}

int fam_alloc_mark(struct fam_alloc *a, const struct fam_extent *e)
{
	uint64_t first, n;
	int err = extent_units(a, e, &first, &n);

	if (err)
		return err;
	for (uint64_t i = first; i < first + n; i++)
		if (bit_get(a, i))
			return -EEXIST;
	bits_set(a, first, n, true);
	return 0;
}

void fam_alloc_release(struct fam_alloc *a, const struct fam_extent *e)
{
	uint64_t first, n;

	if (extent_units(a, e, &first, &n))
		return;
	for (uint64_t i = first; i < first + n; i++)
		if (bit_get(a, i))
			bits_set(a, i, 1, false);
}

static uint64_t granule_units(const struct fam_alloc *a, uint64_t size)
{
	if (size >= FAM_PMD_SIZE && a->unit < FAM_PMD_SIZE)
		return FAM_PMD_SIZE / a->unit;
	return 1;
}

uint64_t fam_alloc_rounded(const struct fam_alloc *a, uint64_t size)
{
	uint64_t g = granule_units(a, size) * a->unit;

	return fam_round_up(size, g);
}

/* Length of the free run of whole granules starting at unit i (aligned to g), capped at want. */
static uint64_t free_run(const struct fam_alloc *a, uint64_t i, uint64_t g, uint64_t want)
{
	uint64_t n = 0;

	while (n < want && i + n + g <= a->n_units) {
		for (uint64_t k = 0; k < g; k++)
			if (bit_get(a, i + n + k))
				return n;
		n += g;
	}
	return n;
}

/* Next candidate start >= i that is granule aligned, skipping full bitmap words. */
static uint64_t next_candidate(const struct fam_alloc *a, uint64_t i, uint64_t g)
{
	while (i < a->n_units) {
		if (i % 64 == 0 && a->bits[i / 64] == ~0ULL) {
			i += 64;
			continue;
		}
		if (!bit_get(a, i))
			break;
		i++;
	}
	return (i + g - 1) / g * g;
}

static bool find_run(const struct fam_alloc *a, uint64_t from, uint64_t to, uint64_t g,
		     uint64_t need, uint64_t *at)
{
	for (uint64_t i = next_candidate(a, from, g); i < to; ) {
		uint64_t run = free_run(a, i, g, need);

		if (run == need) {
			*at = i;
			return true;
		}
		i = next_candidate(a, i + run + g, g);
	}
	return false;
}

int fam_alloc_get(struct fam_alloc *a, uint64_t size, struct fam_extent *ext,
		  uint32_t max_ext, uint32_t *n_ext)
{
	uint64_t g = granule_units(a, size);
	uint64_t need = fam_alloc_rounded(a, size) / a->unit, at, got = 0;
	uint32_t n = 0;

	*n_ext = 0;
	if (size == 0)
		return 0;
	if (need > a->n_free || max_ext == 0)
		return -ENOSPC;
	if (find_run(a, a->cursor, a->n_units, g, need, &at) ||
	    find_run(a, 0, a->cursor, g, need, &at)) {
		bits_set(a, at, need, true);
		ext[0].offset = a->base + at * a->unit;
		ext[0].len = need * a->unit;
		a->cursor = at + need;
		*n_ext = 1;
		return 0;
	}
	/* Fragmented: gather runs first-fit, up to max_ext of them. */
	for (uint64_t i = next_candidate(a, 0, g); i < a->n_units && got < need; ) {
		uint64_t run = free_run(a, i, g, need - got);

		if (run) {
			if (n == max_ext)
				break;
			ext[n].offset = a->base + i * a->unit;
			ext[n].len = run * a->unit;
			n++;
			got += run;
		}
		i = next_candidate(a, i + run + g, g);
	}
	if (got < need)
		return -ENOSPC;
	for (uint32_t k = 0; k < n; k++)
		bits_set(a, (ext[k].offset - a->base) / a->unit, ext[k].len / a->unit, true);
	*n_ext = n;
	return 0;
}
