// SPDX-License-Identifier: Apache-2.0
/*
 * Randomized test against a reference model. The model is a flat list of
 * paths (type, size, extents) plus a unit map of the data area (free / used
 * / pending reuse). Every operation's result must match the model's
 * prediction; ENOSPC is checked against what the unit map allows. Now and
 * then the whole state is cross-checked: no shared bytes, no leaked space,
 * and a replay from scratch builds an equal namespace.
 *
 *   FAMFS_SEED=n       seed (printed at start)
 *   FAMFS_MODEL_OPS=n  number of operations (default 500000)
 */
#include "testutil.h"

#define UNIT		4096ULL
#define DATA_SIZE	(64 * FAM_MiB)
#define LOG_SIZE	(1 * FAM_MiB)
#define DEV_SIZE	(4 * FAM_MiB + DATA_SIZE)	/* data starts at 4 MiB */
#define N_UNITS		(DATA_SIZE / UNIT)
#define CHECK_EVERY	2500
#define MAX_ENT		4096

enum { U_FREE = 0, U_USED = 1, U_PENDING = 2 };

struct ment {
	char *path;
	bool dir;
	uint64_t size;
	uint32_t mode, uid;
	uint32_t n_ext;
	struct fam_extent *ext;
};

struct mpend {
	uint64_t seq;
	struct fam_extent ext;
};

static struct ment ents[MAX_ENT];
static size_t n_ents;
static uint8_t umap[N_UNITS];
static struct mpend *pend;
static size_t n_pend, pend_cap;
static uint64_t model_wm;

static char path[128];
static struct fam_dev dev;
static struct fam_fs fs;
static uint64_t rng;

static struct {
	uint64_t ops, ok, enospc, reopen, ckpt, checks;
	uint64_t err[140];
} st;

/* ---- model ---- */

static struct ment *m_find(const char *p)
{
	for (size_t i = 0; i < n_ents; i++)
		if (!strcmp(ents[i].path, p))
			return &ents[i];
	return NULL;
}

/* Error from walking the components before the last one: ENOENT or ENOTDIR. */
static int m_walk_parents(const char *p)
{
	char buf[PATH_MAX];
	const char *s = p + 1;

	for (;;) {
		const char *slash = strchr(s, '/');
		struct ment *e;

		if (!slash)
			return 0;
		memcpy(buf, p, (size_t)(slash - p));
		buf[slash - p] = 0;
		e = m_find(buf);
		if (!e)
			return -ENOENT;
		if (!e->dir)
			return -ENOTDIR;
		s = slash + 1;
	}
}

static int m_lookup(const char *p)
{
	int err;

	if (!strcmp(p, "/") || m_find(p))
		return 0;
	err = m_walk_parents(p);
	return err ? err : -ENOENT;
}

static bool m_has_children(const char *p)
{
	size_t l = strlen(p);

	for (size_t i = 0; i < n_ents; i++)
		if (!strncmp(ents[i].path, p, l) && ents[i].path[l] == '/')
			return true;
	return false;
}

/* Expected result of creating p (before any space question). */
static int m_new_node(const char *p)
{
	int err;

	if (!strcmp(p, "/"))
		return -EEXIST;
	err = m_walk_parents(p);
	if (err)
		return err;
	return m_find(p) ? -EEXIST : 0;
}

static void m_add(const char *p, bool dir, uint64_t size, uint32_t mode, uint32_t uid,
		  const struct fam_node *n)
{
	struct ment *e;

	ck_assert_uint_lt(n_ents, MAX_ENT);
	e = &ents[n_ents++];
	e->path = strdup(p);
	e->dir = dir;
	e->size = size;
	e->mode = mode;
	e->uid = uid;
	e->n_ext = n ? n->n_ext : 0;
	e->ext = NULL;
	if (e->n_ext) {
		e->ext = malloc(e->n_ext * sizeof(*e->ext));
		memcpy(e->ext, n->ext, e->n_ext * sizeof(*e->ext));
	}
}

static void m_remove(struct ment *e, uint64_t del_seq)
{
	for (uint32_t i = 0; i < e->n_ext; i++) {
		uint64_t u0 = (e->ext[i].offset - fs.sb.data_offset) / UNIT;

		for (uint64_t u = u0; u < u0 + e->ext[i].len / UNIT; u++) {
			TU_CHECK_EQ(umap[u], U_USED);
			umap[u] = U_PENDING;
		}
		if (n_pend == pend_cap) {
			pend_cap = pend_cap ? pend_cap * 2 : 256;
			pend = realloc(pend, pend_cap * sizeof(*pend));
		}
		pend[n_pend].seq = del_seq;
		pend[n_pend].ext = e->ext[i];
		n_pend++;
	}
	free(e->path);
	free(e->ext);
	*e = ents[--n_ents];
}

static void m_release(uint64_t wm)
{
	size_t k = 0;

	if (wm > model_wm)
		model_wm = wm;
	while (k < n_pend && pend[k].seq <= model_wm) {
		uint64_t u0 = (pend[k].ext.offset - fs.sb.data_offset) / UNIT;

		for (uint64_t u = u0; u < u0 + pend[k].ext.len / UNIT; u++) {
			TU_CHECK_EQ(umap[u], U_PENDING);
			umap[u] = U_FREE;
		}
		k++;
	}
	if (k) {
		memmove(pend, pend + k, (n_pend - k) * sizeof(*pend));
		n_pend -= k;
	}
}

static void m_rename(const char *from, const char *to)
{
	size_t fl = strlen(from);

	for (size_t i = 0; i < n_ents; i++) {
		char *p = ents[i].path;

		if (!strcmp(p, from) || (!strncmp(p, from, fl) && p[fl] == '/')) {
			char *np = malloc(strlen(to) + strlen(p + fl) + 1);

			strcpy(np, to);
			strcat(np, p + fl);
			free(p);
			ents[i].path = np;
		}
	}
}

/* Can the allocator place size bytes, per the unit map? (contiguous, or first-fit fragments) */
static bool m_space_for(uint64_t size)
{
	uint64_t g = size >= FAM_PMD_SIZE ? FAM_PMD_SIZE / UNIT : 1;
	uint64_t need = fam_round_up(size, g * UNIT) / UNIT / g;	/* in granules */
	uint64_t free_g = 0, run = 0, max_run = 0, got = 0, runs = 0;
	bool in_run = false;

	for (uint64_t k = 0; k + 1 <= N_UNITS / g; k++) {
		bool f = true;

		for (uint64_t u = k * g; u < (k + 1) * g && f; u++)
			f = umap[u] == U_FREE;
		if (f) {
			free_g++;
			run++;
			if (run > max_run)
				max_run = run;
			if (got < need) {
				if (!in_run)
					runs++;
				got++;
			}
			in_run = true;
		} else {
			run = 0;
			in_run = false;
		}
	}
	if (free_g < need)
		return false;
	return max_run >= need || runs <= FAM_MAX_EXTENTS;
}

/* ---- random paths ---- */

static const char *names[] = { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j" };
#define N_NAMES (sizeof(names) / sizeof(names[0]))

/* An existing entry's path, or a made-up one of depth 1..4. */
static void rand_path(char *buf, size_t cap, bool prefer_existing)
{
	if (n_ents && prefer_existing && tu_rand_below(&rng, 4)) {
		snprintf(buf, cap, "%s", ents[tu_rand_below(&rng, n_ents)].path);
		return;
	}
	buf[0] = 0;
	/* Mostly below an existing directory. */
	if (n_ents && tu_rand_below(&rng, 3)) {
		struct ment *e = &ents[tu_rand_below(&rng, n_ents)];

		if (e->dir && strlen(e->path) < 60)
			snprintf(buf, cap, "%s", e->path);
	}
	if (!buf[0] || tu_rand_below(&rng, 8) == 0) {
		int depth = 1 + (int)tu_rand_below(&rng, 3);

		buf[0] = 0;
		for (int i = 0; i < depth; i++) {
			strcat(buf, "/");
			strcat(buf, names[tu_rand_below(&rng, N_NAMES)]);
		}
		return;
	}
	strcat(buf, "/");
	strcat(buf, names[tu_rand_below(&rng, N_NAMES)]);
}

/* Occasionally a bad path instead; returns the error it must give, or 0. */
static int maybe_bad_path(char *buf, size_t cap)
{
	uint64_t k = tu_rand_below(&rng, 60);

	if (!strcmp(buf, "/") && k > 0)
		return 0;	/* the suffixes below would make "//..." */
	switch (k) {
	case 0:
		snprintf(buf, cap, "relative/x");
		return -EINVAL;
	case 1:
		strcat(buf, "/");
		return -EINVAL;
	case 2:
		strcat(buf, "/../x");
		return -EINVAL;
	case 3: {
		size_t l = strlen(buf);

		buf[l++] = '/';
		memset(buf + l, 'L', 256);
		buf[l + 256] = 0;
		return -ENAMETOOLONG;
	}
	}
	return 0;
}

static uint64_t rand_size(void)
{
	switch (tu_rand_below(&rng, 50)) {
	case 0 ... 9:
		return 0;
	case 10 ... 29:
		return 1 + tu_rand_below(&rng, 16384);
	case 30 ... 44:
		return 1 + tu_rand_below(&rng, 512 * 1024);
	case 45:
		return FAM_PMD_SIZE;
	default:
		return FAM_PMD_SIZE + tu_rand_below(&rng, 4 * FAM_MiB);
	}
}

/* ---- checks ---- */

static int ext_cmp(const void *a, const void *b)
{
	const struct fam_extent *x = a, *y = b;

	return (x->offset > y->offset) - (x->offset < y->offset);
}

struct walk_ctx {
	struct fam_extent *ext;
	size_t n, cap;
	uint64_t files, dirs;
};

static int collect_cb(void *arg, const struct fam_node *n)
{
	struct walk_ctx *w = arg;
	char p[PATH_MAX];
	struct ment *e;

	if (!n->parent)
		return 0;
	TU_CHECK(fam_ns_path(n, p, sizeof(p)) > 0);
	e = m_find(p);
	if (!e)
		ck_abort_msg("%s is in the file system, not in the model", p);
	TU_CHECK_EQ(e->dir, S_ISDIR(n->mode));
	TU_CHECK_EQ(e->mode, n->mode & 07777);
	TU_CHECK_EQ(e->uid, n->uid);
	if (S_ISDIR(n->mode)) {
		w->dirs++;
		return 0;
	}
	w->files++;
	TU_CHECK_EQ(e->size, n->size);
	TU_CHECK_EQ(e->n_ext, n->n_ext);
	for (uint32_t i = 0; i < n->n_ext; i++) {
		TU_CHECK_EQ(e->ext[i].offset, n->ext[i].offset);
		TU_CHECK_EQ(e->ext[i].len, n->ext[i].len);
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 1024;
			w->ext = realloc(w->ext, w->cap * sizeof(*w->ext));
		}
		w->ext[w->n++] = n->ext[i];
	}
	return 0;
}

static void full_check(void)
{
	struct walk_ctx w = { 0 };
	uint64_t live = 0, pending = 0, model_free = 0;
	size_t n_live;
	struct fam_dev d2;
	struct fam_fs r;
	int err;

	st.checks++;
	/* The namespace holds exactly the model's entries. */
	ck_assert_int_eq(fam_ns_walk(&fs.ns, collect_cb, &w), 0);
	ck_assert_uint_eq(w.files + w.dirs, n_ents);
	ck_assert_uint_eq(fs.ns.n_files, w.files);
	ck_assert_uint_eq(fs.ns.n_dirs, w.dirs);
	n_live = w.n;
	for (size_t i = 0; i < n_live; i++)
		live += w.ext[i].len;
	/* Pending space agrees with the model, and is counted once. */
	ck_assert_uint_eq(fam_ns_pending_count(&fs.ns), n_pend);
	for (size_t i = 0; i < n_pend; i++) {
		const struct fam_pending_free *pf = fam_ns_pending(&fs.ns, i);

		TU_CHECK_EQ(pf->free_seq, pend[i].seq);
		TU_CHECK_EQ(pf->ext.offset, pend[i].ext.offset);
		TU_CHECK_EQ(pf->ext.len, pend[i].ext.len);
		pending += pf->ext.len;
		if (w.n == w.cap) {
			w.cap = w.cap ? w.cap * 2 : 1024;
			w.ext = realloc(w.ext, w.cap * sizeof(*w.ext));
		}
		w.ext[w.n++] = pf->ext;
	}
	/* No two extents (live or pending) share a byte. */
	qsort(w.ext, w.n, sizeof(*w.ext), ext_cmp);
	for (size_t i = 0; i < w.n; i++) {
		TU_CHECK(w.ext[i].offset >= fs.sb.data_offset);
		TU_CHECK(w.ext[i].offset + w.ext[i].len <= fs.sb.device_size);
		if (i && w.ext[i - 1].offset + w.ext[i - 1].len > w.ext[i].offset)
			ck_abort_msg("extents overlap: [%llu,+%llu) and [%llu,+%llu)",
				     (unsigned long long)w.ext[i - 1].offset,
				     (unsigned long long)w.ext[i - 1].len,
				     (unsigned long long)w.ext[i].offset,
				     (unsigned long long)w.ext[i].len);
	}
	free(w.ext);
	/* No leaks: free + live + pending == the data area, and the model agrees. */
	ck_assert_uint_eq(fam_alloc_free_bytes(&fs.alloc) + live + pending, DATA_SIZE);
	for (uint64_t u = 0; u < N_UNITS; u++)
		model_free += umap[u] == U_FREE;
	ck_assert_uint_eq(model_free * UNIT, fam_alloc_free_bytes(&fs.alloc));
	/* A replay from scratch (with the same watermark) builds the same namespace. */
	err = tu_open_reader(path, &d2, &r);
	ck_assert_msg(err == 0, "reader: %d %s", err, r.err);
	fam_fs_set_watermark(&r, fs.watermark);
	ck_assert_msg(fam_ns_equal(&fs.ns, &r.ns), "replay from scratch differs after %llu ops",
		      (unsigned long long)st.ops);
	ck_assert_uint_eq(r.ns.applied_seq, fs.ns.applied_seq);
	fam_fs_close(&r);
	fam_dev_close(&d2);
}

static void expect(int got, int want, const char *op, const char *a, const char *b)
{
	if (got != want)
		ck_abort_msg("op %llu: %s %s%s%s: got %d, model says %d (%s)",
			     (unsigned long long)st.ops, op, a, b ? " -> " : "", b ? b : "", got,
			     want, fs.err);
	if (got == 0)
		st.ok++;
	else if (-got < 140)
		st.err[-got]++;
}

/* ---- operations ---- */

static void op_mkdir(void)
{
	char p[PATH_MAX];
	uint32_t mode = 0700 | (uint32_t)tu_rand_below(&rng, 0100);
	uint32_t uid = (uint32_t)tu_rand_below(&rng, 3);
	int want, got;

	rand_path(p, sizeof(p), false);
	want = maybe_bad_path(p, sizeof(p));
	if (!want)
		want = m_new_node(p);
	got = fam_fs_mkdir(&fs, p, mode, uid, 0);
	expect(got, want, "mkdir", p, NULL);
	if (!got)
		m_add(p, true, 0, mode, uid, NULL);
}

static void op_create(void)
{
	char p[PATH_MAX];
	uint64_t size = rand_size();
	uint32_t mode = 0600 | (uint32_t)tu_rand_below(&rng, 077);
	uint32_t uid = (uint32_t)tu_rand_below(&rng, 3);
	struct fam_node *n = NULL;
	int want, got;

	rand_path(p, sizeof(p), false);
	/* Long file names, up to the limit, now and then. */
	if (tu_rand_below(&rng, 40) == 0 && strlen(p) < 1000) {
		size_t l = strlen(p), k = 200 + tu_rand_below(&rng, 56);

		p[l++] = '/';
		memset(p + l, 'N', k);
		p[l + k] = 0;
	}
	want = maybe_bad_path(p, sizeof(p));
	if (!want)
		want = m_new_node(p);
	got = fam_fs_create(&fs, p, mode, uid, 0, size, &n);
	if (want == 0 && got == -ENOSPC) {
		if (m_space_for(size))
			ck_abort_msg("op %llu: create %s of %llu bytes: ENOSPC, but the model has room (%s)",
				     (unsigned long long)st.ops, p, (unsigned long long)size, fs.err);
		st.enospc++;
		return;
	}
	expect(got, want, "create", p, NULL);
	if (got)
		return;
	/* The extents: aligned, covering the rounded size, on free units only. */
	{
		uint64_t g = size >= FAM_PMD_SIZE ? FAM_PMD_SIZE : UNIT, sum = 0;

		TU_CHECK(n != NULL);
		TU_CHECK_EQ(n->size, size);
		TU_CHECK(n->n_ext <= FAM_MAX_EXTENTS);
		for (uint32_t i = 0; i < n->n_ext; i++) {
			uint64_t u0 = (n->ext[i].offset - fs.sb.data_offset) / UNIT;

			TU_CHECK_EQ(n->ext[i].offset % g, 0);
			TU_CHECK_EQ(n->ext[i].len % g, 0);
			TU_CHECK(n->ext[i].offset >= fs.sb.data_offset);
			TU_CHECK(u0 + n->ext[i].len / UNIT <= N_UNITS);
			for (uint64_t u = u0; u < u0 + n->ext[i].len / UNIT; u++) {
				if (umap[u] != U_FREE)
					ck_abort_msg("op %llu: %s got unit %llu, which is %s", (unsigned long long)st.ops,
						     p, (unsigned long long)u, umap[u] == U_USED ? "in use" : "pending reuse");
				umap[u] = U_USED;
			}
			sum += n->ext[i].len;
		}
		TU_CHECK_EQ(sum, fam_round_up(size, g));
	}
	m_add(p, false, size, mode, uid, n);
}

static void op_delete(void)
{
	char p[PATH_MAX];
	struct ment *e;
	int want, got;

	rand_path(p, sizeof(p), true);
	if (tu_rand_below(&rng, 100) == 0)
		strcpy(p, "/");
	want = maybe_bad_path(p, sizeof(p));
	if (!want) {
		want = m_lookup(p);
		if (!want && !strcmp(p, "/"))
			want = -EBUSY;
		else if (!want && m_has_children(p))
			want = -ENOTEMPTY;
	}
	got = fam_fs_delete(&fs, p);
	expect(got, want, "delete", p, NULL);
	if (got)
		return;
	e = m_find(p);
	m_remove(e, fs.log.hdr.committed_seq);
}

static void op_rename(void)
{
	char from[PATH_MAX], to[PATH_MAX];
	int want, got;

	rand_path(from, sizeof(from), true);
	rand_path(to, sizeof(to), false);
	if (tu_rand_below(&rng, 200) == 0)
		strcpy(tu_rand_below(&rng, 2) ? from : to, "/");
	want = maybe_bad_path(to, sizeof(to));
	if (!want) {
		size_t fl = strlen(from);

		want = m_lookup(from);
		if (!want && !strcmp(from, "/"))
			want = -EBUSY;
		if (!want)
			want = m_new_node(to);
		/* Into its own subtree. */
		if (!want && !strncmp(to, from, fl) && to[fl] == '/')
			want = -EINVAL;
	}
	got = fam_fs_rename(&fs, from, to);
	expect(got, want, "rename", from, to);
	if (!got)
		m_rename(from, to);
}

static void op_owner(void)
{
	char p[PATH_MAX];
	int want, got;

	rand_path(p, sizeof(p), true);
	want = m_lookup(p);
	got = fam_fs_owner(&fs, p, (uint32_t)tu_rand_below(&rng, 4),
			   (uint32_t)tu_rand_below(&rng, 3), tu_rand_below(&rng, 100));
	expect(got, want, "owner", p, NULL);
}

static void op_watermark(void)
{
	uint64_t top = fs.log.hdr.committed_seq, wm = fs.watermark;

	wm += tu_rand_below(&rng, top - wm + 1);
	fam_fs_set_watermark(&fs, wm);
	m_release(wm);
	ck_assert_uint_eq(fs.watermark, model_wm);
}

static void op_reopen(void)
{
	int err;

	fam_fs_close(&fs);
	err = fam_fs_open(&fs, &dev, FAM_FS_WRITER);
	ck_assert_msg(err == 0, "reopen: %d %s", err, fs.err);
	/* Opened alone, the writer takes everything committed as replayed. */
	m_release(fs.log.hdr.committed_seq);
	ck_assert_uint_eq(fs.watermark, model_wm);
	fs.auto_watermark = false;
	st.reopen++;
}

START_TEST(test_model)
{
	uint64_t seed = 20240611, n_ops = 500000;
	const char *e;

	if ((e = getenv("FAMFS_SEED")))
		seed = strtoull(e, NULL, 0);
	if ((e = getenv("FAMFS_MODEL_OPS")))
		n_ops = strtoull(e, NULL, 0);
	printf("test_model: FAMFS_SEED=%llu, %llu operations\n", (unsigned long long)seed,
	       (unsigned long long)n_ops);
	fflush(stdout);
	rng = seed ? seed : 1;
	tu_fabric_path(path, sizeof(path), "model");
	tu_mkfs_open(path, DEV_SIZE, LOG_SIZE, UNIT, &dev, &fs);
	ck_assert_uint_eq(fs.sb.data_offset, 4 * FAM_MiB);
	ck_assert_uint_eq(fs.alloc.n_units, N_UNITS);
	fs.auto_watermark = false;

	for (st.ops = 1; st.ops <= n_ops; st.ops++) {
		uint64_t k = tu_rand_below(&rng, 1000);

		/* Keep the namespace well within what the 1 MiB log can checkpoint. */
		if (k < 450 && n_ents > 400 && tu_rand_below(&rng, 2))
			k = 500;
		if (k < 100)
			op_mkdir();
		else if (k < 450)
			op_create();
		else if (k < 750)
			op_delete();
		else if (k < 870)
			op_rename();
		else if (k < 900)
			op_owner();
		else if (k < 990)
			op_watermark();
		else if (k < 998) {
			ck_assert_int_eq(fam_fs_checkpoint(&fs), 0);
			st.ckpt++;
		} else if (tu_rand_below(&rng, 4) == 0) {
			op_reopen();
		}
		if (st.ops % CHECK_EVERY == 0)
			full_check();
	}
	full_check();
	printf("test_model: %llu ok, %llu ENOSPC, %llu EEXIST, %llu ENOENT, %llu ENOTDIR, %llu ENOTEMPTY, %llu EINVAL, %llu ENAMETOOLONG; "
	       "%llu reopens, %llu explicit checkpoints (%llu since the last open), %llu wraps, %llu full checks\n",
	       (unsigned long long)st.ok, (unsigned long long)st.enospc,
	       (unsigned long long)st.err[EEXIST], (unsigned long long)st.err[ENOENT],
	       (unsigned long long)st.err[ENOTDIR], (unsigned long long)st.err[ENOTEMPTY],
	       (unsigned long long)st.err[EINVAL], (unsigned long long)st.err[ENAMETOOLONG],
	       (unsigned long long)st.reopen, (unsigned long long)st.ckpt,
	       (unsigned long long)fs.n_checkpoints, (unsigned long long)fs.log.hdr.wrap_count,
	       (unsigned long long)st.checks);
	/* The run must have exercised what it claims to. */
	ck_assert_uint_gt(st.enospc, 0);
	ck_assert_uint_gt(st.err[EEXIST], 0);
	ck_assert_uint_gt(st.err[ENOTEMPTY], 0);
	ck_assert_uint_gt(fs.log.hdr.wrap_count, 0);
	fam_fs_close(&fs);
	fam_dev_close(&dev);
	for (size_t i = 0; i < n_ents; i++) {
		free(ents[i].path);
		free(ents[i].ext);
	}
	free(pend);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_model);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
