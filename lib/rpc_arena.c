// SPDX-License-Identifier: Apache-2.0
/* A bump allocator for protobuf-c's unpack; see rpc_arena.h. */
#include "rpc_arena.h"

#include <stdint.h>
#include <stdlib.h>

#define ARENA_ALIGN	alignof(max_align_t)

/* A block from malloc: this header, then the caller's bytes (aligned as malloc's). */
struct fam_rpc_spill {
	union {
		struct {
			struct fam_rpc_spill *next, *prev;
			size_t size;
		};
		max_align_t align;
	};
	alignas(max_align_t) unsigned char mem[];
};

size_t fam_rpc_arena_round(size_t size)
{
	if (!size)
		size = 1;
	return (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
}

static void *arena_alloc(void *data, size_t size)
{
	struct fam_rpc_arena *a = data;
	struct fam_rpc_spill *s;
	void *p;

	if (size <= a->cap - a->used && fam_rpc_arena_round(size) <= a->cap - a->used) {
		p = a->mem + a->used;
		a->used += fam_rpc_arena_round(size);
		return p;
	}
	if (size > SIZE_MAX - sizeof(*s))
		return NULL;
	s = malloc(sizeof(*s) + size);
	if (!s)
		return NULL;
	s->size = size;
	s->prev = NULL;
	s->next = a->spills;
	if (s->next)
		s->next->prev = s;
	a->spills = s;
	a->spilled++;
	a->spilled_bytes += size;
	return s->mem;
}

static void arena_free(void *data, void *p)
{
	struct fam_rpc_arena *a = data;
	struct fam_rpc_spill *s;

	if (!p || ((unsigned char *)p >= a->mem && (unsigned char *)p < a->mem + a->cap))
		return;
	s = (struct fam_rpc_spill *)((unsigned char *)p - offsetof(struct fam_rpc_spill, mem));
	if (s->prev)
		s->prev->next = s->next;
	else
		a->spills = s->next;
	if (s->next)
		s->next->prev = s->prev;
	a->spilled--;
	a->spilled_bytes -= s->size;
	free(s);
}

struct fam_rpc_arena *fam_rpc_arena_new(size_t cap)
{
	struct fam_rpc_arena *a;

	if (cap > SIZE_MAX - sizeof(*a))
		return NULL;
	a = malloc(sizeof(*a) + cap);
	if (!a)
		return NULL;
	return fam_rpc_arena_init(a, sizeof(*a) + cap);
}

struct fam_rpc_arena *fam_rpc_arena_init(void *buf, size_t size)
{
	struct fam_rpc_arena *a = buf;

	a->pc.alloc = arena_alloc;
	a->pc.free = arena_free;
	a->pc.allocator_data = a;
	a->cap = size - sizeof(*a);
	a->used = 0;
	a->spilled = 0;
	a->spilled_bytes = 0;
	a->spills = NULL;
	return a;
}

void fam_rpc_arena_fini(struct fam_rpc_arena *a)
{
	while (a->spills)
		arena_free(a, a->spills->mem);
}

void fam_rpc_arena_free(struct fam_rpc_arena *a)
{
	if (!a)
		return;
	fam_rpc_arena_fini(a);
	free(a);
}
