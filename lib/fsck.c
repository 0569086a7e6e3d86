// SPDX-License-Identifier: Apache-2.0
#include "fsck.h"
#include "flush.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void report(struct fam_fsck *f, enum fam_fsck_sev sev, const char *check,
		   const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (sev == FAM_FSCK_ERROR)
		f->errors++;
	else
		f->warnings++;
	if (f->problem)
		f->problem(f->arg, sev, check, msg);
}

struct owned_ext {
	struct fam_extent e;
	const struct fam_node *owner;	/* NULL: pending reuse */
};

struct walk_ctx {
	struct fam_fsck *f;
	const struct fam_sb *sb;
	struct owned_ext *ext;
	size_t n, cap;
	char path[PATH_MAX];
};

static int push_ext(struct walk_ctx *w, const struct fam_extent *e, const struct fam_node *n)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 1024;
		void *p = realloc(w->ext, cap * sizeof(*w->ext));

		if (!p)
			return -ENOMEM;
		w->ext = p;
		w->cap = cap;
	}
	w->ext[w->n].e = *e;
	w->ext[w->n].owner = n;
	w->n++;
	return 0;
}

static int check_node(void *arg, const struct fam_node *n)
{
	struct walk_ctx *w = arg;
	struct fam_fsck *f = w->f;
	uint64_t total = 0;

	if (!n->parent)
		return 0;
	f->grants += n->n_grants;
	if (S_ISDIR(n->mode)) {
		f->dirs++;
		return 0;
	}
	f->files++;
	fam_ns_path(n, w->path, sizeof(w->path));
	for (uint32_t i = 0; i < n->n_ext; i++) {
		const struct fam_extent *e = &n->ext[i];

		if (e->offset < w->sb->data_offset || e->offset + e->len > w->sb->device_size ||
		    e->offset + e->len < e->offset)
			report(f, FAM_FSCK_ERROR, "extent-range",
			       "%s: extent %u [%#llx, +%#llx) lies outside the data area [%#llx, %#llx)",
			       w->path, i, (unsigned long long)e->offset, (unsigned long long)e->len,
			       (unsigned long long)w->sb->data_offset,
			       (unsigned long long)w->sb->device_size);
		else if (e->offset % w->sb->alloc_unit)
			report(f, FAM_FSCK_ERROR, "extent-align",
			       "%s: extent %u at %#llx is not aligned to the allocation unit",
			       w->path, i, (unsigned long long)e->offset);
		else if (n->size >= FAM_PMD_SIZE && (e->offset % FAM_PMD_SIZE || e->len % FAM_PMD_SIZE))
			report(f, FAM_FSCK_WARN, "extent-pmd",
			       "%s: extent %u is not 2 MiB aligned: the file cannot use PMD faults",
			       w->path, i);
		total += e->len;
		f->used_bytes += fam_round_up(e->len, w->sb->alloc_unit);
		if (push_ext(w, e, n))
			return -ENOMEM;
	}
	if (total < n->size)
		report(f, FAM_FSCK_ERROR, "extent-size", "%s: extents cover %llu of %llu bytes",
		       w->path, (unsigned long long)total, (unsigned long long)n->size);
	return 0;
}

static int ext_cmp(const void *a, const void *b)
{
	const struct owned_ext *x = a, *y = b;

	return (x->e.offset > y->e.offset) - (x->e.offset < y->e.offset);
}

static void owner_name(const struct owned_ext *o, char *buf, size_t cap)
{
	if (o->owner)
		fam_ns_path(o->owner, buf, cap);
	else
		snprintf(buf, cap, "(space pending reuse)");
}

static int check_extents(struct fam_fsck *f, struct fam_fs *fs)
{
	struct walk_ctx *w = calloc(1, sizeof(*w));
	char a[PATH_MAX], b[PATH_MAX];
	int err;

	if (!w)
		return -ENOMEM;
	w->f = f;
	w->sb = &fs->sb;
	err = fam_ns_walk(&fs->ns, check_node, w);
	for (size_t i = 0; !err && i < fam_ns_pending_count(&fs->ns); i++) {
		const struct fam_extent *e = &fam_ns_pending(&fs->ns, i)->ext;

		f->pending_bytes += fam_round_up(e->len, fs->sb.alloc_unit);
		err = push_ext(w, e, NULL);
	}
	if (err)
		goto out;
	if (w->n > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(w->ext, w->n, sizeof(*w->ext), ext_cmp);
	for (size_t i = 1; i < w->n; i++) {
		const struct owned_ext *p = &w->ext[i - 1], *c = &w->ext[i];

		if (c->e.offset < p->e.offset + p->e.len) {
			owner_name(p, a, sizeof(a));
			owner_name(c, b, sizeof(b));
			report(f, FAM_FSCK_ERROR, "extent-overlap",
			       "%s and %s share bytes at [%#llx, %#llx)", a, b,
			       (unsigned long long)c->e.offset,
			       (unsigned long long)(p->e.offset + p->e.len));
		}
	}
	f->data_bytes = fs->sb.device_size - fs->sb.data_offset;
	f->data_bytes -= f->data_bytes % fs->sb.alloc_unit;
	if (f->used_bytes + f->pending_bytes > f->data_bytes)
		report(f, FAM_FSCK_ERROR, "space",
		       "files and pending space use %llu bytes of a %llu-byte data area",
		       (unsigned long long)(f->used_bytes + f->pending_bytes),
		       (unsigned long long)f->data_bytes);
	else
		f->free_bytes = f->data_bytes - f->used_bytes - f->pending_bytes;
out:
	free(w->ext);
	free(w);
	return err;
}

static void check_hdr_copies(struct fam_fsck *f, struct fam_fs *fs)
{
	for (int i = 0; i < 2; i++) {
		struct fam_log_hdr h;
		int err = fam_log_hdr_decode(fs->log.base + i * FAM_LOG_HDR_SLOT,
					     sizeof(struct fam_log_hdr_disk), &h);

		if (!err && memcmp(h.uuid, fs->sb.uuid, 16))
			err = -EUCLEAN;
		if (err)
			report(f, FAM_FSCK_ERROR, "log-header",
			       "log header copy %c is %s (the other copy is in use)", 'A' + i,
			       err == -EBADMSG ? "corrupt (checksum mismatch)" :
			       err == -ENODATA ? "missing (bad magic)" : "inconsistent");
	}
}

/* No record may carry an older epoch than one before it: a deposed master never writes. */
static void check_epochs(struct fam_fsck *f, struct fam_fs *fs)
{
	struct fam_log_cursor c;
	struct fam_rec r;
	uint64_t max = 0, max_seq = 0;

	fam_log_cursor_head(&fs->log, &fs->log.hdr, &c);
	while (fam_log_next(&fs->log, &fs->log.hdr, &c, &r) == 1) {
		if (r.type == FAM_REC_PAD)
			continue;
		if (r.epoch < max) {
			report(f, FAM_FSCK_ERROR, "log-epoch",
			       "record %llu (%s) was written in epoch %llu after record %llu of epoch %llu",
			       (unsigned long long)r.seq, fam_rec_type_name(r.type),
			       (unsigned long long)r.epoch, (unsigned long long)max_seq,
			       (unsigned long long)max);
			return;
		}
		max = r.epoch;
		max_seq = r.seq;
	}
	if (fs->log.hdr.epoch < max)
		report(f, FAM_FSCK_ERROR, "log-epoch",
		       "the log header's epoch %llu is older than record %llu's epoch %llu",
		       (unsigned long long)fs->log.hdr.epoch, (unsigned long long)max_seq,
		       (unsigned long long)max);
}

int fam_fsck(struct fam_dev *dev, struct fam_fsck *f)
{
	struct fam_fs *fs = calloc(1, sizeof(*fs));
	int err;

	if (!fs)
		return -ENOMEM;
	err = fam_fs_open(fs, dev, 0);
	if (err) {
		report(f, FAM_FSCK_ERROR, err == -ENODATA || err == -EBADMSG ||
		       err == -EPROTONOSUPPORT || err == -EUCLEAN ? "superblock" : "open",
		       "%s", fs->err[0] ? fs->err : strerror(-err));
		free(fs);
		return err == -ENOMEM || err == -EACCES ? err : 0;
	}
	f->sb_ok = true;
	f->sb = fs->sb;
	f->hdr = fs->log.hdr;
	f->log_used = fam_log_used(&fs->log);
	f->records = fs->log.hdr.committed_seq - fs->log.hdr.head_seq + 1;
	check_hdr_copies(f, fs);
	if (fs->replay_err) {
		report(f, FAM_FSCK_ERROR, "log-record", "%s", fs->err);
		f->records = fs->cur.seq - fs->log.hdr.head_seq;
	} else {
		f->log_ok = true;
	}
	check_epochs(f, fs);
	err = check_extents(f, fs);
	fam_fs_close(fs);
	free(fs);
	return err;
}
