// SPDX-License-Identifier: Apache-2.0
/* The in-memory namespace, driven by records as replay would apply them. */
#include "testutil.h"
#include "namespace.h"
#include "crc32c.h"

static struct fam_ns ns;
static uint64_t seq;

static void setup(void)
{
	ck_assert_int_eq(fam_ns_init(&ns), 0);
	seq = 0;
}

static void teardown(void)
{
	fam_ns_fini(&ns);
}

static int do_mkdir(struct fam_ns *n, const char *path, uint64_t ino)
{
	struct fam_rec r = { .type = FAM_REC_MKDIR, .seq = ++seq };

	r.u.node.ino = ino;
	r.u.node.mode = 0755;
	r.u.node.uid = 7;
	r.u.node.gid = 8;
	r.u.node.path = path;
	r.u.node.path_len = (uint32_t)strlen(path);
	return fam_ns_apply(n, &r, false);
}

static int do_create(struct fam_ns *n, const char *path, uint64_t ino, uint64_t size,
		     const struct fam_extent *ext, uint32_t n_ext)
{
	struct fam_rec r = { .type = FAM_REC_CREATE, .seq = ++seq };

	r.u.node.ino = ino;
	r.u.node.mode = 0640;
	r.u.node.size = size;
	r.u.node.ext = ext;
	r.u.node.n_ext = n_ext;
	r.u.node.path = path;
	r.u.node.path_len = (uint32_t)strlen(path);
	return fam_ns_apply(n, &r, false);
}

static int do_delete(struct fam_ns *n, const char *path, uint64_t ino, bool dry)
{
	struct fam_rec r = { .type = FAM_REC_DELETE, .seq = dry ? seq + 1 : ++seq };

	r.u.del.ino = ino;
	r.u.del.path = path;
	r.u.del.path_len = (uint32_t)strlen(path);
	return fam_ns_apply(n, &r, dry);
}

static int do_rename(struct fam_ns *n, const char *from, const char *to)
{
	struct fam_rec r = { .type = FAM_REC_RENAME, .seq = ++seq };

	r.u.ren.from = from;
	r.u.ren.from_len = (uint32_t)strlen(from);
	r.u.ren.to = to;
	r.u.ren.to_len = (uint32_t)strlen(to);
	return fam_ns_apply(n, &r, false);
}

static int do_owner(struct fam_ns *n, const char *path, uint32_t host, uint32_t mode,
		    uint64_t ep)
{
	struct fam_rec r = { .type = FAM_REC_OWNER, .seq = ++seq };

	r.u.owner.host = host;
	r.u.owner.mode = mode;
	r.u.owner.grant_epoch = ep;
	r.u.owner.path = path;
	r.u.owner.path_len = (uint32_t)strlen(path);
	return fam_ns_apply(n, &r, false);
}

static struct fam_node *get(struct fam_ns *n, const char *path)
{
	struct fam_node *node = NULL;
	int err = fam_ns_lookup(n, path, strlen(path), &node);

	ck_assert_msg(err == 0, "lookup %s: %d", path, err);
	return node;
}

static int lookup_err(struct fam_ns *n, const char *path)
{
	struct fam_node *node;

	return fam_ns_lookup(n, path, strlen(path), &node);
}

static const struct fam_extent ext2[2] = { { 4 * FAM_MiB, 2 * FAM_MiB }, { 8 * FAM_MiB, 4096 } };

START_TEST(test_basic_tree)
{
	struct fam_node *n;
	char buf[64];

	ck_assert_int_eq(do_mkdir(&ns, "/a", 2), 0);
	ck_assert_int_eq(do_mkdir(&ns, "/a/b", 3), 0);
	ck_assert_int_eq(do_create(&ns, "/a/b/f", 4, 2 * FAM_MiB + 1, ext2, 2), 0);
	ck_assert_int_eq(do_create(&ns, "/empty", 5, 0, NULL, 0), 0);
	ck_assert_uint_eq(ns.n_dirs, 2);
	ck_assert_uint_eq(ns.n_files, 2);
	ck_assert_uint_eq(ns.next_ino, 6);
	ck_assert_uint_eq(ns.applied_seq, 4);
	n = get(&ns, "/a/b/f");
	ck_assert(S_ISREG(n->mode));
	ck_assert_uint_eq(n->mode & 07777, 0640);
	ck_assert_uint_eq(n->ino, 4);
	ck_assert_uint_eq(n->size, 2 * FAM_MiB + 1);
	ck_assert_uint_eq(n->n_ext, 2);
	ck_assert_uint_eq(n->ext[1].offset, 8 * FAM_MiB);
	ck_assert_int_eq(fam_ns_path(n, buf, sizeof(buf)), 6);
	ck_assert_str_eq(buf, "/a/b/f");
	ck_assert_int_eq(fam_ns_path(n, buf, 6), -ENAMETOOLONG);
	n = get(&ns, "/a");
	ck_assert(S_ISDIR(n->mode));
	ck_assert_uint_eq(n->uid, 7);
	ck_assert_uint_eq(n->n_children, 1);
	n = get(&ns, "/");
	ck_assert_uint_eq(n->ino, FAM_ROOT_INO);
	ck_assert_int_eq(fam_ns_path(n, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "/");
}
END_TEST

START_TEST(test_errors)
{
	ck_assert_int_eq(do_mkdir(&ns, "/d", 2), 0);
	ck_assert_int_eq(do_create(&ns, "/d/f", 3, 10, ext2 + 1, 1), 0);
	ck_assert_int_eq(do_mkdir(&ns, "/d", 4), -EEXIST);
	ck_assert_int_eq(do_create(&ns, "/d/f", 4, 0, NULL, 0), -EEXIST);
	ck_assert_int_eq(do_mkdir(&ns, "/", 4), -EEXIST);
	ck_assert_int_eq(do_mkdir(&ns, "/x/y", 4), -ENOENT);
	ck_assert_int_eq(do_mkdir(&ns, "/d/f/y", 4), -ENOTDIR);
	ck_assert_int_eq(do_create(&ns, "/d/f/y/z", 4, 0, NULL, 0), -ENOTDIR);
	ck_assert_int_eq(lookup_err(&ns, "/d/f/y"), -ENOTDIR);
	ck_assert_int_eq(lookup_err(&ns, "/d/g"), -ENOENT);
	ck_assert_int_eq(lookup_err(&ns, "d"), -EINVAL);
	ck_assert_int_eq(do_mkdir(&ns, "/bad", FAM_ROOT_INO), -EINVAL);
	/* Extents that do not cover the size, or are empty. */
	ck_assert_int_eq(do_create(&ns, "/big", 9, 4097, ext2 + 1, 1), -EINVAL);
	{
		struct fam_extent z = { 4 * FAM_MiB, 0 };

		ck_assert_int_eq(do_create(&ns, "/zero", 9, 0, &z, 1), -EINVAL);
	}
	ck_assert_int_eq(do_delete(&ns, "/d", 2, false), -ENOTEMPTY);
	ck_assert_int_eq(do_delete(&ns, "/", 1, false), -EBUSY);
	ck_assert_int_eq(do_delete(&ns, "/nope", 0, false), -ENOENT);
	ck_assert_int_eq(do_delete(&ns, "/d/f", 99, false), -ESTALE);
	ck_assert_int_eq(do_rename(&ns, "/d", "/d/sub"), -EINVAL);
	ck_assert_int_eq(do_rename(&ns, "/d/f", "/d"), -EEXIST);
	ck_assert_int_eq(do_rename(&ns, "/nope", "/x"), -ENOENT);
	ck_assert_int_eq(do_rename(&ns, "/d/f", "/q/x"), -ENOENT);
	ck_assert_int_eq(do_rename(&ns, "/", "/x"), -EBUSY);
	ck_assert_int_eq(do_owner(&ns, "/nope", 1, FAM_OWN_RO, 1), -ENOENT);
	/* None of the failures changed anything. */
	ck_assert_uint_eq(ns.n_dirs, 1);
	ck_assert_uint_eq(ns.n_files, 1);
	get(&ns, "/d/f");
}
END_TEST

START_TEST(test_dry_run)
{
	struct fam_ns other;

	ck_assert_int_eq(fam_ns_init(&other), 0);
	ck_assert_int_eq(do_mkdir(&ns, "/d", 2), 0);
	ck_assert_int_eq(do_create(&ns, "/d/f", 3, 10, ext2 + 1, 1), 0);
	seq = 0;
	ck_assert_int_eq(do_mkdir(&other, "/d", 2), 0);
	ck_assert_int_eq(do_create(&other, "/d/f", 3, 10, ext2 + 1, 1), 0);
	ck_assert(fam_ns_equal(&ns, &other));
	ck_assert_int_eq(do_delete(&ns, "/d/f", 3, true), 0);
	ck_assert_int_eq(do_delete(&ns, "/d", 2, true), -ENOTEMPTY);
	ck_assert(fam_ns_equal(&ns, &other));
	ck_assert_uint_eq(fam_ns_pending_count(&ns), 0);
	get(&ns, "/d/f");
	fam_ns_fini(&other);
}
END_TEST

START_TEST(test_rename_subtree)
{
	struct fam_node *n;
	char buf[64];

	ck_assert_int_eq(do_mkdir(&ns, "/a", 2), 0);
	ck_assert_int_eq(do_mkdir(&ns, "/a/b", 3), 0);
	ck_assert_int_eq(do_create(&ns, "/a/b/f", 4, 0, NULL, 0), 0);
	ck_assert_int_eq(do_mkdir(&ns, "/z", 5), 0);
	ck_assert_int_eq(do_rename(&ns, "/a", "/z/moved"), 0);
	ck_assert_int_eq(lookup_err(&ns, "/a"), -ENOENT);
	ck_assert_int_eq(lookup_err(&ns, "/a/b/f"), -ENOENT);
	n = get(&ns, "/z/moved/b/f");
	ck_assert_uint_eq(n->ino, 4);
	ck_assert_int_eq(fam_ns_path(n, buf, sizeof(buf)), 12);
	ck_assert_str_eq(buf, "/z/moved/b/f");
	ck_assert_int_eq(do_rename(&ns, "/z/moved/b/f", "/f2"), 0);
	ck_assert_uint_eq(get(&ns, "/f2")->ino, 4);
	ck_assert_uint_eq(get(&ns, "/z/moved/b")->n_children, 0);
	ck_assert_uint_eq(ns.n_files, 1);
	ck_assert_uint_eq(ns.n_dirs, 3);
}
END_TEST

static void collect_cb(void *arg, const struct fam_extent *e)
{
	uint64_t *sum = arg;

	*sum += e->len;
}

START_TEST(test_pending_frees)
{
	uint64_t released = 0, del_seq;
	const struct fam_pending_free *pf;

	ck_assert_int_eq(do_create(&ns, "/f", 2, 10, ext2, 2), 0);
	ck_assert_int_eq(do_create(&ns, "/g", 3, 0, NULL, 0), 0);
	ck_assert_int_eq(do_delete(&ns, "/f", 2, false), 0);
	del_seq = seq;
	ck_assert_int_eq(do_delete(&ns, "/g", 3, false), 0);	/* no extents, nothing pending */
	ck_assert_uint_eq(fam_ns_pending_count(&ns), 2);
	pf = fam_ns_pending(&ns, 0);
	ck_assert_uint_eq(pf->free_seq, del_seq);
	ck_assert_uint_eq(pf->ext.offset, ext2[0].offset);
	ck_assert_uint_eq(fam_ns_pending(&ns, 1)->ext.len, ext2[1].len);
	fam_ns_release_pending(&ns, del_seq - 1, collect_cb, &released);
	ck_assert_uint_eq(released, 0);
	ck_assert_uint_eq(fam_ns_pending_count(&ns), 2);
	fam_ns_release_pending(&ns, del_seq, collect_cb, &released);
	ck_assert_uint_eq(released, ext2[0].len + ext2[1].len);
	ck_assert_uint_eq(fam_ns_pending_count(&ns), 0);
}
END_TEST

/* Many deletes and releases in FIFO order: the queue keeps order across compaction. */
START_TEST(test_pending_fifo)
{
	char p[32];
	uint64_t seqs[3000];
	size_t expect_head = 0;

	for (int i = 0; i < 3000; i++) {
		struct fam_extent e = { 4 * FAM_MiB + (uint64_t)i * 4096, 4096 };

		snprintf(p, sizeof(p), "/f%d", i);
		ck_assert_int_eq(do_create(&ns, p, 10 + (uint64_t)i, 1, &e, 1), 0);
		ck_assert_int_eq(do_delete(&ns, p, 10 + (uint64_t)i, false), 0);
		seqs[i] = seq;
		if (i % 7 == 6) {
			expect_head += 3;
			fam_ns_release_pending(&ns, seqs[expect_head - 1], NULL, NULL);
		}
		ck_assert_uint_eq(fam_ns_pending_count(&ns), (size_t)i + 1 - expect_head);
		ck_assert_uint_eq(fam_ns_pending(&ns, 0)->free_seq, seqs[expect_head]);
		ck_assert_uint_eq(fam_ns_pending(&ns, 0)->ext.offset,
				  4 * FAM_MiB + expect_head * 4096);
	}
}
END_TEST

/* A CREATE reusing pending space proves the watermark passed the DELETE. */
START_TEST(test_pending_pruned_by_reuse)
{
	const struct fam_extent a = { 4 * FAM_MiB, 4096 }, b = { 6 * FAM_MiB, 4096 };

	ck_assert_int_eq(do_create(&ns, "/a", 2, 1, &a, 1), 0);
	ck_assert_int_eq(do_create(&ns, "/b", 3, 1, &b, 1), 0);
	ck_assert_int_eq(do_delete(&ns, "/a", 2, false), 0);
	ck_assert_int_eq(do_delete(&ns, "/b", 3, false), 0);
	ck_assert_uint_eq(fam_ns_pending_count(&ns), 2);
	ck_assert_int_eq(do_create(&ns, "/c", 4, 1, &b, 1), 0);
	ck_assert_uint_eq(fam_ns_pending_count(&ns), 0);
}
END_TEST

START_TEST(test_owner_grants)
{
	struct fam_node *n;

	ck_assert_int_eq(do_create(&ns, "/f", 2, 0, NULL, 0), 0);
	ck_assert_int_eq(do_owner(&ns, "/f", 3, FAM_OWN_RW, 10), 0);
	ck_assert_int_eq(do_owner(&ns, "/f", 5, FAM_OWN_RO, 11), 0);
	ck_assert_int_eq(do_owner(&ns, "/f", 3, FAM_OWN_RO, 12), 0);
	n = get(&ns, "/f");
	ck_assert_uint_eq(n->n_grants, 2);
	for (uint32_t i = 0; i < n->n_grants; i++) {
		if (n->grants[i].host == 3) {
			ck_assert_uint_eq(n->grants[i].mode, FAM_OWN_RO);
			ck_assert_uint_eq(n->grants[i].grant_epoch, 12);
		} else {
			ck_assert_uint_eq(n->grants[i].host, 5);
		}
	}
	ck_assert_int_eq(do_owner(&ns, "/f", 3, FAM_OWN_NONE, 13), 0);
	ck_assert_uint_eq(n->n_grants, 1);
	ck_assert_uint_eq(n->grants[0].host, 5);
	ck_assert_int_eq(do_owner(&ns, "/", 1, FAM_OWN_RW, 1), 0);
	ck_assert_uint_eq(get(&ns, "/")->n_grants, 1);
}
END_TEST

/* Two namespaces built the same way are equal; each kind of difference is seen. */
START_TEST(test_equal)
{
	struct fam_ns b;
	const struct fam_extent other = { 4 * FAM_MiB, 2 * FAM_MiB + 4096 };

	for (int variant = 0; variant < 6; variant++) {
		fam_ns_fini(&ns);
		ck_assert_int_eq(fam_ns_init(&ns), 0);
		ck_assert_int_eq(fam_ns_init(&b), 0);
		for (int k = 0; k < 2; k++) {
			struct fam_ns *x = k ? &b : &ns;
			bool diff = k == 1;

			seq = 0;
			ck_assert_int_eq(do_mkdir(x, "/d", 2), 0);
			ck_assert_int_eq(do_create(x, "/d/f", 3, diff && variant == 3 ? 101 : 100,
						   diff && variant == 1 ? &other : ext2, 1), 0);
			ck_assert_int_eq(do_create(x, diff && variant == 2 ? "/d/h" : "/d/g", 4,
						   0, NULL, 0), 0);
			ck_assert_int_eq(do_owner(x, "/d/f", 2, FAM_OWN_RW,
						  diff && variant == 4 ? 8 : 7), 0);
			ck_assert_int_eq(do_create(x, "/tmp", 5, 1, ext2 + 1, 1), 0);
			ck_assert_int_eq(do_delete(x, "/tmp", 5, false), 0);
			if (diff && variant == 5)
				fam_ns_release_pending(x, seq, NULL, NULL);
		}
		if (variant == 0)
			ck_assert(fam_ns_equal(&ns, &b) && fam_ns_equal(&b, &ns));
		else
			ck_assert_msg(!fam_ns_equal(&ns, &b), "variant %d not seen", variant);
		fam_ns_fini(&b);
	}
}
END_TEST

/* A checkpoint image (BEGIN with pending, records, END) rebuilds an equal namespace. */
static int image_cb(void *arg, const struct fam_node *n)
{
	struct fam_ns *dst = arg;
	char p[PATH_MAX];
	int len = fam_ns_path(n, p, sizeof(p));

	if (n->parent) {
		struct fam_rec r = { .type = S_ISDIR(n->mode) ? FAM_REC_MKDIR : FAM_REC_CREATE,
				     .seq = ++seq };

		r.u.node.ino = n->ino;
		r.u.node.mode = n->mode & 07777;
		r.u.node.uid = n->uid;
		r.u.node.gid = n->gid;
		r.u.node.size = n->size;
		r.u.node.n_ext = n->n_ext;
		r.u.node.ext = n->ext;
		r.u.node.path = p;
		r.u.node.path_len = (uint32_t)len;
		ck_assert_int_eq(fam_ns_apply(dst, &r, false), 0);
	}
	for (uint32_t i = 0; i < n->n_grants; i++)
		ck_assert_int_eq(do_owner(dst, p, n->grants[i].host, n->grants[i].mode,
					  n->grants[i].grant_epoch), 0);
	return 0;
}

START_TEST(test_checkpoint_image)
{
	struct fam_ns b;
	struct fam_rec begin = { .type = FAM_REC_CHECKPOINT };
	struct fam_pending_free pend[4];
	const struct fam_extent spare = { 20 * FAM_MiB, 8192 };
	uint8_t buf[512];
	size_t np;

	ck_assert_int_eq(do_mkdir(&ns, "/d", 2), 0);
	ck_assert_int_eq(do_create(&ns, "/d/f", 3, 100, ext2, 2), 0);
	ck_assert_int_eq(do_create(&ns, "/d/g", 4, 0, NULL, 0), 0);
	ck_assert_int_eq(do_owner(&ns, "/d/g", 9, FAM_OWN_RO, 3), 0);
	ck_assert_int_eq(do_create(&ns, "/t", 5, 1, &spare, 1), 0);
	ck_assert_int_eq(do_delete(&ns, "/t", 5, false), 0);
	np = fam_ns_pending_count(&ns);
	ck_assert_uint_eq(np, 1);
	for (size_t i = 0; i < np; i++)
		pend[i] = *fam_ns_pending(&ns, i);

	/* b has unrelated content that BEGIN must wipe. */
	ck_assert_int_eq(fam_ns_init(&b), 0);
	ck_assert_int_eq(do_mkdir(&b, "/junk", 2), 0);
	begin.seq = ++seq;
	begin.u.ckpt.phase = FAM_CKPT_BEGIN;
	begin.u.ckpt.n_pending = (uint32_t)np;
	begin.u.ckpt.pending = pend;
	begin.u.ckpt.next_ino = ns.next_ino;
	/* Through the encoder, as replay sees it. */
	ck_assert_int_gt(fam_rec_encode(&begin, buf, sizeof(buf)), 0);
	ck_assert_int_gt(fam_rec_decode(buf, sizeof(buf), &begin), 0);
	ck_assert_int_eq(fam_ns_apply(&b, &begin, false), 0);
	ck_assert_int_eq(lookup_err(&b, "/junk"), -ENOENT);
	ck_assert_int_eq(fam_ns_walk(&ns, image_cb, &b), 0);
	ck_assert(fam_ns_equal(&ns, &b));
	ck_assert_uint_eq(b.next_ino, ns.next_ino);
	fam_ns_fini(&b);
}
END_TEST

/* image_bytes tracks the sum of the node image sizes through every change. */
static int image_sum_cb(void *arg, const struct fam_node *n)
{
	*(uint64_t *)arg += fam_ns_node_image_size(n);
	return 0;
}

static int order_cb(void *arg, const struct fam_node *n)
{
	(void)arg;
	/* Parents before children: the parent was visited, so its ino is marked. */
	static uint8_t seen[1 << 16];

	if (!n->parent) {
		memset(seen, 0, sizeof(seen));
	} else {
		ck_assert(n->parent->ino == FAM_ROOT_INO || seen[n->parent->ino]);
	}
	ck_assert_uint_lt(n->ino, sizeof(seen));
	seen[n->ino] = 1;
	return 0;
}

START_TEST(test_many_nodes_and_image_bytes)
{
	char p[64];
	uint64_t s = 99, ino = 2, sum;

	/* Enough nodes to grow the hash table several times. */
	for (int d = 0; d < 40; d++) {
		snprintf(p, sizeof(p), "/dir%d", d);
		ck_assert_int_eq(do_mkdir(&ns, p, ino++), 0);
		for (int f = 0; f < 200; f++) {
			snprintf(p, sizeof(p), "/dir%d/file-%d", d, f);
			ck_assert_int_eq(do_create(&ns, p, ino++, 0, NULL, 0), 0);
		}
	}
	ck_assert_uint_eq(ns.n_files, 8000);
	ck_assert_uint_gt(ns.hsize, 8000);
	for (int i = 0; i < 2000; i++) {
		int d = (int)tu_rand_below(&s, 40), f = (int)tu_rand_below(&s, 200);
		struct fam_node *n;

		snprintf(p, sizeof(p), "/dir%d/file-%d", d, f);
		n = get(&ns, p);
		ck_assert_uint_eq(n->ino, 2 + (uint64_t)d * 201 + 1 + (uint64_t)f);
	}
	for (int i = 0; i < 500; i++) {
		char q[64];
		int d = (int)tu_rand_below(&s, 40), f = (int)tu_rand_below(&s, 200);

		snprintf(p, sizeof(p), "/dir%d/file-%d", d, f);
		snprintf(q, sizeof(q), "/dir%d/renamed-with-a-longer-name-%d", (d + 1) % 40, i);
		if (lookup_err(&ns, p) == 0)
			ck_assert_int_eq(do_rename(&ns, p, q), 0);
		if (i % 3 == 0 && lookup_err(&ns, q) == 0)
			ck_assert_int_eq(do_delete(&ns, q, 0, false), 0);
		if (i % 5 == 0)
			ck_assert_int_eq(do_owner(&ns, q, (uint32_t)i % 7,
						  FAM_OWN_RO, 1), lookup_err(&ns, q));
	}
	ck_assert_int_eq(do_rename(&ns, "/dir3", "/dir4/sub"), 0);
	sum = 0;
	ck_assert_int_eq(fam_ns_walk(&ns, image_sum_cb, &sum), 0);
	ck_assert_uint_eq(sum, ns.image_bytes);
	ck_assert_int_eq(fam_ns_walk(&ns, order_cb, NULL), 0);
}
END_TEST

/* ---- the (parent, name) table and the parent cache ---- */

struct name_crc {
	uint32_t crc;
	uint32_t i;
};

/* The i-th of a reproducible series of 12-letter names. */
static void random_name(uint64_t seed, uint32_t i, char nm[16])
{
	uint64_t s = seed ^ ((uint64_t)i * 0x9e3779b97f4a7c15ULL);

	for (int k = 0; k < 12; k++)
		nm[k] = (char)('a' + tu_rand_below(&s, 26));
	nm[12] = 0;
}

static int name_crc_cmp(const void *a, const void *b)
{
	const struct name_crc *x = a, *y = b;

	return x->crc != y->crc ? (x->crc > y->crc) - (x->crc < y->crc) :
				  (x->i > y->i) - (x->i < y->i);
}

/*
 * Two names whose CRC32C seeded with the parent's inode number are equal:
 * the table's 64-bit hash of (parent, name) is then equal too (a full
 * collision, not only the same slot). Birthday search over 2^18 random
 * 12-letter names (names that differ only within 4 bytes never collide:
 * a CRC detects every burst of up to 32 bits).
 */
static void colliding_names(uint64_t parent_ino, char a[16], char b[16])
{
	size_t n = 1u << 18;
	struct name_crc *v = malloc(n * sizeof(*v));
	uint64_t seed = 42;

	ck_assert_ptr_nonnull(v);
	for (uint32_t i = 0; i < n; i++) {
		char nm[16];

		random_name(seed, i, nm);
		v[i].crc = fam_crc32c((uint32_t)parent_ino, nm, strlen(nm));
		v[i].i = i;
	}
	qsort(v, n, sizeof(*v), name_crc_cmp);
	for (size_t i = 1; i < n; i++) {
		if (v[i].crc == v[i - 1].crc) {
			random_name(seed, v[i - 1].i, a);
			random_name(seed, v[i].i, b);
			free(v);
			return;
		}
	}
	free(v);
	ck_abort_msg("no CRC32C collision among 2^18 names");
}

START_TEST(test_hash_full_collision)
{
	char a[16], b[16], pa[64], pb[64];

	ck_assert_int_eq(do_mkdir(&ns, "/d", 5), 0);
	colliding_names(5, a, b);
	snprintf(pa, sizeof(pa), "/d/%s", a);
	snprintf(pb, sizeof(pb), "/d/%s", b);
	ck_assert_int_eq(do_create(&ns, pa, 10, 0, NULL, 0), 0);
	ck_assert_int_eq(lookup_err(&ns, pb), -ENOENT);
	ck_assert_int_eq(do_create(&ns, pb, 11, 0, NULL, 0), 0);
	ck_assert_int_eq(do_create(&ns, pb, 12, 0, NULL, 0), -EEXIST);
	ck_assert_uint_eq(get(&ns, pa)->ino, 10);
	ck_assert_uint_eq(get(&ns, pb)->ino, 11);
	/* Delete the first of the run: the second moves back and stays findable. */
	ck_assert_int_eq(do_delete(&ns, pa, 10, false), 0);
	ck_assert_int_eq(lookup_err(&ns, pa), -ENOENT);
	ck_assert_uint_eq(get(&ns, pb)->ino, 11);
	ck_assert_int_eq(do_create(&ns, pa, 13, 0, NULL, 0), 0);
	/* Same names under another parent (another inode number) do not collide with them. */
	ck_assert_int_eq(do_mkdir(&ns, "/e", 6), 0);
	snprintf(pa, sizeof(pa), "/e/%s", a);
	ck_assert_int_eq(do_create(&ns, pa, 14, 0, NULL, 0), 0);
	ck_assert_int_eq(do_rename(&ns, pb, "/e/moved"), 0);
	ck_assert_uint_eq(get(&ns, "/e/moved")->ino, 11);
	snprintf(pa, sizeof(pa), "/d/%s", a);
	ck_assert_uint_eq(get(&ns, pa)->ino, 13);
	ck_assert_uint_eq(ns.n_files, 3);
}
END_TEST

/* Malformed logs may give two directories one inode number: the table seeds its hash with it. */
START_TEST(test_same_ino_parents)
{
	struct fam_rec r = { .type = FAM_REC_CREATE };

	ck_assert_int_eq(do_mkdir(&ns, "/a", 5), 0);
	ck_assert_int_eq(do_mkdir(&ns, "/b", 5), 0);
	for (int i = 0; i < 300; i++) {
		char p[32];

		snprintf(p, sizeof(p), "/a/f%d", i);
		TU_CHECK_EQ(do_create(&ns, p, 100 + (uint64_t)i, 0, NULL, 0), 0);
		snprintf(p, sizeof(p), "/b/f%d", i);
		TU_CHECK_EQ(do_create(&ns, p, 1000 + (uint64_t)i, 0, NULL, 0), 0);
	}
	ck_assert_uint_eq(get(&ns, "/a/f7")->ino, 107);
	ck_assert_uint_eq(get(&ns, "/b/f7")->ino, 1007);
	ck_assert_int_eq(do_delete(&ns, "/a/f7", 0, false), 0);
	ck_assert_uint_eq(get(&ns, "/b/f7")->ino, 1007);
	ck_assert_int_eq(lookup_err(&ns, "/a/f7"), -ENOENT);
	ck_assert_int_eq(do_rename(&ns, "/b/f8", "/a/f7"), 0);
	ck_assert_uint_eq(get(&ns, "/a/f7")->ino, 1008);
	ck_assert_int_eq(lookup_err(&ns, "/b/f8"), -ENOENT);
	ck_assert_uint_eq(get(&ns, "/a")->n_children, 300);
	ck_assert_uint_eq(get(&ns, "/b")->n_children, 299);
	/* The prefetch hint changes nothing, whatever the record. */
	r.u.node.path = "/b/f9";
	r.u.node.path_len = 5;
	fam_ns_prefetch(&ns, &r);
	r.type = FAM_REC_DELETE;
	fam_ns_prefetch(&ns, &r);
	r.type = FAM_REC_MKDIR;
	r.u.node.path = "/";
	r.u.node.path_len = 1;
	fam_ns_prefetch(&ns, &r);
	ck_assert_uint_eq(ns.n_files, 599);
	ck_assert_uint_eq(get(&ns, "/b/f9")->ino, 1009);
}
END_TEST

START_TEST(test_hash_churn_against_model)
{
	/* Random creates and deletes of few names: long probe runs, many back-shifts. */
	enum { N = 3000 };
	static bool live[N];
	uint64_t s = 7, ino = 100;
	char p[64];

	memset(live, 0, sizeof(live));
	ck_assert_int_eq(do_mkdir(&ns, "/x", 2), 0);
	for (int i = 0; i < 60000; i++) {
		uint32_t k = (uint32_t)tu_rand_below(&s, N);

		snprintf(p, sizeof(p), "/x/%u", k);
		if (live[k]) {
			TU_CHECK_EQ(do_delete(&ns, p, 0, false), 0);
			live[k] = false;
		} else {
			TU_CHECK_EQ(do_create(&ns, p, ino++, 0, NULL, 0), 0);
			live[k] = true;
		}
		if (i % 10000 == 9999) {
			uint64_t n_live = 0;

			for (uint32_t j = 0; j < N; j++) {
				snprintf(p, sizeof(p), "/x/%u", j);
				TU_CHECK_EQ(lookup_err(&ns, p), live[j] ? 0 : -ENOENT);
				n_live += live[j];
			}
			TU_CHECK_EQ(ns.n_files, n_live);
			TU_CHECK_EQ(get(&ns, "/x")->n_children, n_live);
		}
	}
}
END_TEST

START_TEST(test_deep_path)
{
	/* Directories nested as deep as the path limit allows: "/a/a/a/...". */
	char *p = malloc(FAM_PATH_MAX + 2);
	size_t len = 0;
	uint64_t ino = 2;
	int depth = 0;

	ck_assert_ptr_nonnull(p);
	while (len + 2 <= FAM_PATH_MAX) {
		p[len++] = '/';
		p[len++] = 'a';
		p[len] = 0;
		TU_CHECK_EQ(do_mkdir(&ns, p, ino++), 0);
		depth++;
	}
	ck_assert_int_eq(depth, FAM_PATH_MAX / 2);
	ck_assert_uint_eq(get(&ns, p)->ino, ino - 1);
	/* One more level is too long, whether or not the parent is cached. */
	p[len] = '/';
	p[len + 1] = 'b';
	ck_assert_int_eq(do_mkdir(&ns, p, ino), -ENAMETOOLONG);
	p[len] = 0;
	/* Renaming the top to a longer name would push the deepest path over the limit. */
	ck_assert_int_eq(do_rename(&ns, "/a", "/bbb"), -ENAMETOOLONG);
	ck_assert_int_eq(do_rename(&ns, "/a", "/b"), 0);
	p[1] = 'b';
	ck_assert_uint_eq(get(&ns, p)->ino, ino - 1);
	p[1] = 'a';
	ck_assert_int_eq(lookup_err(&ns, p), -ENOENT);
	free(p);
}
END_TEST

START_TEST(test_rename_dir_many_children)
{
	char p[64], q[64];
	uint64_t ino = 10;

	ck_assert_int_eq(do_mkdir(&ns, "/big", 2), 0);
	ck_assert_int_eq(do_mkdir(&ns, "/big/sub", 3), 0);
	for (int i = 0; i < 20000; i++) {
		snprintf(p, sizeof(p), "/big/f%d", i);
		TU_CHECK_EQ(do_create(&ns, p, ino++, 0, NULL, 0), 0);
	}
	ck_assert_int_eq(do_create(&ns, "/big/sub/leaf", ino++, 0, NULL, 0), 0);
	ck_assert_int_eq(do_mkdir(&ns, "/other", ino++), 0);
	ck_assert_int_eq(do_rename(&ns, "/big", "/other/renamed"), 0);
	for (int i = 0; i < 20000; i++) {
		snprintf(p, sizeof(p), "/other/renamed/f%d", i);
		snprintf(q, sizeof(q), "/big/f%d", i);
		TU_CHECK_EQ(get(&ns, p)->ino, 10 + (uint64_t)i);
		TU_CHECK_EQ(lookup_err(&ns, q), -ENOENT);
	}
	ck_assert_uint_eq(get(&ns, "/other/renamed/sub/leaf")->ino, 20010);
	/* The old parent path names nothing now, also for creates (the parent cache). */
	ck_assert_int_eq(do_create(&ns, "/big/f-new", ino++, 0, NULL, 0), -ENOENT);
	ck_assert_int_eq(do_create(&ns, "/other/renamed/f0", ino++, 0, NULL, 0), -EEXIST);
	ck_assert_int_eq(do_create(&ns, "/other/renamed/f-new", ino++, 0, NULL, 0), 0);
	ck_assert_uint_eq(get(&ns, "/other/renamed")->n_children, 20002);
}
END_TEST

START_TEST(test_parent_cache_invalidation)
{
	struct fam_node *old_b;

	ck_assert_int_eq(do_mkdir(&ns, "/a", 2), 0);
	ck_assert_int_eq(do_mkdir(&ns, "/a/b", 3), 0);
	ck_assert_int_eq(do_create(&ns, "/a/b/f1", 4, 0, NULL, 0), 0);	/* caches /a/b */
	old_b = get(&ns, "/a/b");
	/* A deleted directory, made again: creates go to the new one. */
	ck_assert_int_eq(do_delete(&ns, "/a/b/f1", 4, false), 0);
	ck_assert_int_eq(do_delete(&ns, "/a/b", 3, false), 0);
	ck_assert_int_eq(do_create(&ns, "/a/b/f2", 5, 0, NULL, 0), -ENOENT);
	ck_assert_int_eq(do_mkdir(&ns, "/a/b", 6), 0);
	ck_assert_int_eq(do_create(&ns, "/a/b/f2", 7, 0, NULL, 0), 0);
	ck_assert_uint_eq(get(&ns, "/a/b/f2")->parent->ino, 6);
	ck_assert_uint_eq(get(&ns, "/a/b")->n_children, 1);
	(void)old_b;
	/* A renamed ancestor: its old path no longer resolves. */
	ck_assert_int_eq(do_rename(&ns, "/a", "/z"), 0);
	ck_assert_int_eq(do_create(&ns, "/a/b/f3", 8, 0, NULL, 0), -ENOENT);
	ck_assert_int_eq(do_create(&ns, "/z/b/f3", 9, 0, NULL, 0), 0);
	/* A renamed file does not change any directory's path. */
	ck_assert_int_eq(do_rename(&ns, "/z/b/f3", "/z/f3"), 0);
	ck_assert_int_eq(do_create(&ns, "/z/b/f4", 10, 0, NULL, 0), 0);
	/* Malformed names under a cached parent are refused like any other. */
	ck_assert_int_eq(do_create(&ns, "/z/b/.", 11, 0, NULL, 0), -EINVAL);
	ck_assert_int_eq(do_create(&ns, "/z/b/..", 11, 0, NULL, 0), -EINVAL);
	ck_assert_int_eq(do_create(&ns, "/z/b/", 11, 0, NULL, 0), -EINVAL);
	ck_assert_int_eq(do_create(&ns, "/z/b//x", 11, 0, NULL, 0), -EINVAL);
	{
		struct fam_rec r = { .type = FAM_REC_CREATE, .seq = ++seq };
		char nul[] = "/z/b/x\0y";
		char longname[300];

		r.u.node.ino = 11;
		r.u.node.mode = 0640;
		r.u.node.path = nul;
		r.u.node.path_len = sizeof(nul) - 1;
		ck_assert_int_eq(fam_ns_apply(&ns, &r, false), -EINVAL);
		memset(longname, 'n', sizeof(longname));
		memcpy(longname, "/z/b/", 5);
		r.u.node.path = longname;
		r.u.node.path_len = 5 + FAM_NAME_MAX + 1;
		ck_assert_int_eq(fam_ns_apply(&ns, &r, false), -ENAMETOOLONG);
		r.u.node.path_len = 5 + FAM_NAME_MAX;
		ck_assert_int_eq(fam_ns_apply(&ns, &r, false), 0);
	}
	/* A file as the parent, cached or not. */
	ck_assert_int_eq(do_create(&ns, "/z/b/f4/x", 12, 0, NULL, 0), -ENOTDIR);
	ck_assert_uint_eq(ns.n_files, 4);
}
END_TEST

/* fam_ns_lookup with and without the parent cache: the same answer. */
static void lookup_same(struct fam_ns *n, const char *path, size_t len, int want)
{
	struct fam_node *cached = NULL, *plain = NULL, *pc = n->pc_node;
	int e1 = fam_ns_lookup(n, path, len, &cached), e2;

	n->pc_node = NULL;
	e2 = fam_ns_lookup(n, path, len, &plain);
	n->pc_node = pc;
	ck_assert_msg(e1 == e2, "%.*s: %d through the cache, %d without", (int)len, path, e1, e2);
	ck_assert_msg(e1 == want, "%.*s: %d, want %d", (int)len, path, e1, want);
	if (!e1)
		ck_assert_ptr_eq(cached, plain);
}

START_TEST(test_lookup_through_parent_cache)
{
	char name[FAM_NAME_MAX + 2], path[FAM_NAME_MAX + 16];
	static const struct { const char *path; int err; } cases[] = {
		{ "/a/b", 0 }, { "/a/b/f1", 0 }, { "/a/b/nope", -ENOENT }, { "/a/b/", -EINVAL },
		{ "/a/b//f1", -EINVAL }, { "/a/b/f1/x", -ENOTDIR }, { "/a/b/f1/", -EINVAL },
		{ "/a/b/.", -EINVAL }, { "/a/b/..", -EINVAL }, { "/a/bc", -ENOENT },
		{ "/a/bc/f1", -ENOENT }, { "/a", 0 }, { "/", 0 }, { "/a/b/d/f2", 0 },
		{ "/a/b/d", 0 }, { "a/b/f1", -EINVAL }, { "", -EINVAL },
	};

	ck_assert_int_eq(do_mkdir(&ns, "/a", 2), 0);
	ck_assert_int_eq(do_mkdir(&ns, "/a/b", 3), 0);
	ck_assert_int_eq(do_mkdir(&ns, "/a/b/d", 4), 0);
	ck_assert_int_eq(do_create(&ns, "/a/b/d/f2", 5, 0, NULL, 0), 0);
	ck_assert_int_eq(do_create(&ns, "/a/b/f1", 6, 0, NULL, 0), 0);	/* caches /a/b */
	ck_assert_ptr_nonnull(ns.pc_node);
	ck_assert_uint_eq(ns.pc_node->ino, 3);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		lookup_same(&ns, cases[i].path, strlen(cases[i].path), cases[i].err);
	lookup_same(&ns, "/a/b/f1\0", 8, -EINVAL);
	/* A name of FAM_NAME_MAX bytes is absent; one byte more is too long. */
	memset(name, 'n', sizeof(name));
	snprintf(path, sizeof(path), "/a/b/%.*s", FAM_NAME_MAX, name);
	lookup_same(&ns, path, strlen(path), -ENOENT);
	snprintf(path, sizeof(path), "/a/b/%.*s", FAM_NAME_MAX + 1, name);
	lookup_same(&ns, path, strlen(path), -ENAMETOOLONG);
	/* After the cached directory is renamed, its old path names nothing. */
	ck_assert_int_eq(do_rename(&ns, "/a/b", "/a/c"), 0);
	lookup_same(&ns, "/a/b/f1", 7, -ENOENT);
	lookup_same(&ns, "/a/c/f1", 7, 0);
	ck_assert_int_eq(do_create(&ns, "/a/c/f3", 7, 0, NULL, 0), 0);	/* caches /a/c */
	lookup_same(&ns, "/a/c", 4, 0);
	lookup_same(&ns, "/a/c/f3", 7, 0);
	/* A file deleted from the cached directory is gone through the cache too. */
	ck_assert_int_eq(do_delete(&ns, "/a/c/f3", 7, false), 0);
	lookup_same(&ns, "/a/c/f3", 7, -ENOENT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("namespace");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_basic_tree);
	tcase_add_test(tc, test_lookup_through_parent_cache);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_dry_run);
	tcase_add_test(tc, test_rename_subtree);
	tcase_add_test(tc, test_pending_frees);
	tcase_add_test(tc, test_pending_fifo);
	tcase_add_test(tc, test_pending_pruned_by_reuse);
	tcase_add_test(tc, test_owner_grants);
	tcase_add_test(tc, test_equal);
	tcase_add_test(tc, test_checkpoint_image);
	tcase_add_test(tc, test_many_nodes_and_image_bytes);
	tcase_add_test(tc, test_hash_full_collision);
	tcase_add_test(tc, test_same_ino_parents);
	tcase_add_test(tc, test_hash_churn_against_model);
	tcase_add_test(tc, test_deep_path);
	tcase_add_test(tc, test_rename_dir_many_children);
	tcase_add_test(tc, test_parent_cache_invalidation);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
