// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: replay of log records into the namespace, with record
 * contents the fuzzer chooses freely. fuzz_log sees records only behind a
 * valid CRC, which random bytes almost never have; here the harness makes
 * every record well-framed (length and CRC32C filled in) so that the field
 * checks of the decoder and of fam_ns_apply() are what gets exercised.
 *
 * Input: a sequence of { u16 little-endian length in 8-byte units, then the
 * record's bytes } (zero-padded when the input ends early). Checks:
 *  - a decoded record re-encodes to a record that decodes and re-encodes
 *    to the same bytes;
 *  - fam_ns_apply(dry_run) predicts the real apply, and a refused record
 *    leaves no trace: namespace A applies every record, B only those the
 *    dry run accepts; A and B must end equal;
 *  - every node has a path that looks up to the same node, and the walk
 *    sees as many files and directories as the counters say.
 */
#include "log.h"
#include "namespace.h"
#include "crc32c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REC_CAP	4096

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void roundtrip(const struct fam_rec *r)
{
	static uint8_t a[REC_CAP + 64], b[REC_CAP + 64];
	struct fam_rec r2;
	int la, lb;

	la = fam_rec_encode(r, a, sizeof(a));
	if (la < 0)
		return;	/* e.g. a PAD record asks for no particular size */
	if (fam_rec_decode(a, (size_t)la, &r2) != la)
		abort();
	lb = fam_rec_encode(&r2, b, sizeof(b));
	if (lb != la || memcmp(a, b, (size_t)la))
		abort();
}

struct walk {
	const struct fam_ns *ns;
	uint64_t files, dirs;
};

static int check_node(void *arg, const struct fam_node *n)
{
	static char path[PATH_MAX];
	struct walk *w = arg;
	struct fam_node *found;
	int len = fam_ns_path(n, path, sizeof(path));

	if (n == &w->ns->root)
		return 0;
	if (S_ISDIR(n->mode))
		w->dirs++;
	else
		w->files++;
	if (len < 0)
		return 0;	/* too deep for PATH_MAX: the path helper says so */
	if (fam_ns_lookup(w->ns, path, (size_t)len, &found) || found != n) {
		fprintf(stderr, "node %s does not look up to itself\n", path);
		abort();
	}
	return 0;
}

static void check_ns(const struct fam_ns *ns)
{
	struct walk w = { .ns = ns };

	fam_ns_walk(ns, check_node, &w);
	if (w.files != ns->n_files || w.dirs != ns->n_dirs) {
		fprintf(stderr, "walk saw %llu files, %llu dirs; counters say %llu, %llu\n",
			(unsigned long long)w.files, (unsigned long long)w.dirs,
			(unsigned long long)ns->n_files, (unsigned long long)ns->n_dirs);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t rec[REC_CAP];
	struct fam_ns a, b;
	size_t off = 0;

	if (fam_ns_init(&a))
		return 0;
	if (fam_ns_init(&b)) {
		fam_ns_fini(&a);
		return 0;
	}
	while (off + 2 <= size) {
		size_t len = (size_t)(data[off] | data[off + 1] << 8) * FAM_REC_ALIGN, take;
		struct fam_rec r;
		int ra, dry, rb;

		off += 2;
		if (len < FAM_REC_MIN)
			len = FAM_REC_MIN;
		if (len > REC_CAP)
			len = REC_CAP;
		take = size - off < len ? size - off : len;
		memset(rec, 0, len);
		memcpy(rec, data + off, take);
		off += take;
		put32(rec, (uint32_t)len);
		put32(rec + len - 4, fam_crc32c(0, rec, len - 4));
		if (fam_rec_decode(rec, len, &r) != (int)len)
			continue;
		roundtrip(&r);
		ra = fam_ns_apply(&a, &r, false);
		dry = fam_ns_apply(&b, &r, true);
		rb = dry ? dry : fam_ns_apply(&b, &r, false);
		if (ra != rb) {
			fprintf(stderr, "%s record: apply %d, dry run %d then apply %d\n",
				fam_rec_type_name(r.type), ra, dry, rb);
			abort();
		}
	}
	if (!fam_ns_equal(&a, &b)) {
		fprintf(stderr, "a refused record changed the namespace\n");
		abort();
	}
	check_ns(&a);
	fam_ns_fini(&a);
	fam_ns_fini(&b);
	return 0;
}
