// SPDX-License-Identifier: Apache-2.0
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define CLASS_SIZE	16
#define CHUNK_SIZE	(4UL << 20)
#define HUGE_SIZE	(2UL << 20)
#define MAX_SMALL	(FAM_ARENA_CLASSES * CLASS_SIZE)

struct fam_arena_chunk {
	struct fam_arena_chunk *next;
};

void fam_arena_init(struct fam_arena *a)
{
	memset(a, 0, sizeof(*a));
}

void fam_arena_fini(struct fam_arena *a)
{
	struct fam_arena_chunk *c = a->chunks, *next;

	for (; c; c = next) {
		next = c->next;
		munmap(c, CHUNK_SIZE);
	}
	memset(a, 0, sizeof(*a));
}

/*
 * A chunk aligned to the huge page size, so that all of it can be huge
 * pages: two page faults per chunk instead of one plus 512.
 */
static struct fam_arena_chunk *chunk_map(void)
{
	char *p = mmap(NULL, CHUNK_SIZE + HUGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t head;

	if (p == MAP_FAILED)
		return NULL;
	head = (HUGE_SIZE - (uintptr_t)p % HUGE_SIZE) % HUGE_SIZE;
	if (head)
		munmap(p, head);
	if (HUGE_SIZE - head)
		munmap(p + head + CHUNK_SIZE, HUGE_SIZE - head);
	madvise(p + head, CHUNK_SIZE, MADV_HUGEPAGE);
	return (struct fam_arena_chunk *)(p + head);
}

static size_t class_of(size_t size)
{
	return (size + CLASS_SIZE - 1) / CLASS_SIZE - 1;
}

void *fam_arena_alloc(struct fam_arena *a, size_t size)
{
	size_t cls = class_of(size ? size : 1), bytes = (cls + 1) * CLASS_SIZE;
	void *p;

	if (size > MAX_SMALL)
		return calloc(1, size);
	p = a->free_list[cls];
	if (p) {
		memcpy(&a->free_list[cls], p, sizeof(void *));
		memset(p, 0, bytes);
		return p;
	}
	if (!a->bump || (size_t)(a->end - a->bump) < bytes) {
		struct fam_arena_chunk *c = chunk_map();

		if (!c)
			return NULL;
		c->next = a->chunks;
		a->chunks = c;
		a->bump = (char *)c + CLASS_SIZE;
		a->end = (char *)c + CHUNK_SIZE;
	}
	p = a->bump;
	a->bump += bytes;
	return p;	/* fresh anonymous memory is zero */
}

void fam_arena_free(struct fam_arena *a, void *p, size_t size)
{
	size_t cls;

	if (!p)
		return;
	if (size > MAX_SMALL) {
		free(p);
		return;
	}
	cls = class_of(size ? size : 1);
	memcpy(p, &a->free_list[cls], sizeof(void *));
	a->free_list[cls] = p;
}
