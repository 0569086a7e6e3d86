/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bump allocator for protobuf-c (ProtobufCAllocator): one block, handed
 * out front to back; free of a pointer in the block does nothing, and the
 * whole block goes at once (fam_rpc_arena_free). An allocation the block
 * cannot hold comes from malloc instead ("spilled"): it is kept on a list,
 * freed when protobuf-c frees it, and otherwise with the arena. lib/rpc_frame.c
 * gives each decoded frame one, sized so that a frame as famfs writes it
 * never spills (see its comment).
 */
#ifndef FAMFS_RPC_ARENA_H
#define FAMFS_RPC_ARENA_H

#include <stdalign.h>
#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

struct fam_rpc_spill;

struct fam_rpc_arena {
	ProtobufCAllocator pc;		/* give &pc to protobuf-c; its allocator_data is the arena */
	size_t cap;			/* bytes in mem */
	size_t used;			/* bytes of mem handed out (each rounded up to the alignment) */
	size_t spilled;			/* blocks from malloc still live */
	size_t spilled_bytes;		/* their sizes as asked */
	struct fam_rpc_spill *spills;	/* those blocks */
	alignas(max_align_t) unsigned char mem[];
};

/* An arena of cap bytes (one malloc), or NULL. */
struct fam_rpc_arena *fam_rpc_arena_new(size_t cap);
/* The arena and every block still spilled from it. NULL: nothing. */
void fam_rpc_arena_free(struct fam_rpc_arena *a);
/*
 * An arena in the caller's buffer of size bytes (more than sizeof(struct
 * fam_rpc_arena), aligned as max_align_t), e.g. on the stack for one
 * handler's request; fam_rpc_arena_fini frees its spilled blocks.
 */
struct fam_rpc_arena *fam_rpc_arena_init(void *buf, size_t size);
void fam_rpc_arena_fini(struct fam_rpc_arena *a);
/* What an allocation of size bytes takes of the arena (the size rounded up to the alignment). */
size_t fam_rpc_arena_round(size_t size);

#endif
