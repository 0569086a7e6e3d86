/* SPDX-License-Identifier: Apache-2.0 */
/* The seed corpus generator (gen_corpus.c), shared with its RPC half (gen_rpc_corpus.c). */
#ifndef FAMFS_GEN_CORPUS_H
#define FAMFS_GEN_CORPUS_H

#include <stddef.h>

/* Write one seed: <corpus dir>/<target>/<name>. Exits on failure. */
void corpus_put(const char *target, const char *name, const void *buf, size_t len);
/* fuzz_envelope's seeds (gen_rpc_corpus.c). */
void gen_rpc_corpus(void);

#endif
