// SPDX-License-Identifier: Apache-2.0
/*
 * mkfs, open, replay and the writer's operations (see fs.h). Checkpoint:
 * when the next record would leave too little room for an image of the
 * live namespace, the writer appends that image (CHECKPOINT BEGIN, one
 * record per node and grant, CHECKPOINT END) and moves the head to it in
 * the same header update, so the ring never fills while metadata fits.
 */
#include "fs_int.h"
#include "flush.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REPLAY_RETRIES 8

int fs_fail(struct fam_fs *fs, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fs->err, sizeof(fs->err), fmt, ap);
	va_end(ap);
	return err;
}

/*
 * ro_compat feature bits this build does not know: it may read the device
 * but must not write it (it would leave the newer structures stale).
 */
static int check_writable(struct fam_fs *fs)
{
	uint64_t unknown = fs->sb.features_ro_compat & ~FAM_FEATURE_RO_COMPAT_SUPP;

	if (!unknown)
		return 0;
	return fs_fail(fs, -EROFS, "%s: read-only compatible features 0x%llx are unknown to this "
		       "famfs: it may read the device but not write it (upgrade famfs)",
		       fs->dev->path, (unsigned long long)unknown);
}

static int random_uuid(uint8_t uuid[16])
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, uuid, 16);
	close(fd);
	if (n != 16)
		return -EIO;
	uuid[6] = (uuid[6] & 0x0f) | 0x40;	/* version 4 */
	uuid[8] = (uuid[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	return 0;
}

int fam_mkfs(struct fam_dev *dev, const struct fam_mkfs_opts *o, struct fam_sb *out)
{
	struct fam_sb sb;
	struct fam_sb_disk d;
	struct timespec ts;
	uint8_t *base = fam_dev_sb(dev), *log;
	int err;

	err = fam_sb_layout(&sb, dev->size, o->log_size ? o->log_size : FAM_LOG_SIZE_DEFAULT,
			    o->alloc_unit ? o->alloc_unit : FAM_ALLOC_UNIT_DEFAULT);
	if (err)
		return err;
	if (o->uuid)
		memcpy(sb.uuid, o->uuid, 16);
	else if ((err = random_uuid(sb.uuid)))
		return err;
	clock_gettime(CLOCK_REALTIME, &ts);
	sb.create_time_ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	if (o->label)
		snprintf(sb.label, sizeof(sb.label), "%s", o->label);
	err = fam_dev_map_log(dev, sb.log_offset, sb.log_size, &log);
	if (err)
		return err;
	/* Log first, superblock last: a half-made file system has no valid superblock. */
	memset(base, 0, FAM_SB_REGION_SIZE);
	fam_flush(base, FAM_SB_REGION_SIZE);
	err = fam_log_format(log, sb.log_size, sb.uuid);
	if (err)
		return err;
	fam_sb_encode(&sb, &d);
	memcpy(base, &d, sizeof(d));
	fam_flush(base, sizeof(d));
	if (out)
		*out = sb;
	return 0;
}

static int build_alloc(struct fam_fs *fs);

int fam_fs_open(struct fam_fs *fs, struct fam_dev *dev, unsigned int flags)
{
	uint8_t *log;
	int err;

	memset(fs, 0, sizeof(*fs));
	fs->dev = dev;
	fs->writer = flags & FAM_FS_WRITER;
	fs->auto_watermark = fs->writer;
	fs->epoch = 1;
	err = fam_ns_init(&fs->ns);
	if (err)
		return fs_fail(fs, err, "out of memory");
	fam_invalidate(fam_dev_sb(dev), sizeof(struct fam_sb_disk));
	err = fam_sb_decode(fam_dev_sb(dev), sizeof(struct fam_sb_disk), &fs->sb);
	if (err) {
		fs_fail(fs, err, "%s: %s", dev->path,
			err == -ENODATA ? "no famfs superblock (run mkfs.famfs)" :
			err == -EBADMSG ? "superblock checksum mismatch" :
			err == -EPROTONOSUPPORT ? "unsupported famfs version or features" :
			"superblock geometry is inconsistent");
		goto fail;
	}
	if (fs->writer) {
		err = check_writable(fs);
		if (err)
			goto fail;
	}
	if (dev->kind != FAM_DEV_MOUNT && fs->sb.device_size > dev->size) {
		err = fs_fail(fs, -EUCLEAN, "%s: superblock says %llu bytes, device has %llu",
			      dev->path, (unsigned long long)fs->sb.device_size,
			      (unsigned long long)dev->size);
		goto fail;
	}
	err = fam_dev_map_log(dev, fs->sb.log_offset, fs->sb.log_size, &log);
	if (err) {
		fs_fail(fs, err, "%s", dev->err);
		goto fail;
	}
	err = fam_log_open(&fs->log, log, fs->sb.log_size, fs->sb.uuid);
	if (err) {
		fs_fail(fs, err, "%s: no valid log header", dev->path);
		goto fail;
	}
	fs->epoch = fs->log.hdr.epoch ? fs->log.hdr.epoch : 1;
	err = fam_fs_replay(fs, NULL);
	fs->replay_err = err;
	/* A reader keeps what replayed cleanly; a writer must not append after damage. */
	if (err && (fs->writer || (err != -EBADMSG && err != -EUCLEAN)))
		goto fail;
	if (fs->writer) {
		err = build_alloc(fs);
		if (err)
			goto fail;
		/* Alone (no daemon feeding the cluster watermark), every commit is replayed. */
		if (fs->auto_watermark)
			fam_fs_set_watermark(fs, fs->log.hdr.committed_seq);
	}
	return 0;
fail:
	fam_fs_close(fs);
	return err;
}

void fam_fs_close(struct fam_fs *fs)
{
	fam_ns_fini(&fs->ns);
	fam_alloc_fini(&fs->alloc);
}

static int mark_node(void *arg, const struct fam_node *n)
{
	struct fam_fs *fs = arg;

	for (uint32_t i = 0; i < n->n_ext; i++) {
		int err = fam_alloc_mark(&fs->alloc, &n->ext[i]);

		if (err) {
			char p[PATH_MAX];

			fam_ns_path(n, p, sizeof(p));
			return fs_fail(fs, -EUCLEAN, "%s: extent %u of %s %s", fs->dev->path, i, p,
				       err == -EEXIST ? "overlaps another file" :
				       "lies outside the data area");
		}
	}
	return 0;
}

static int build_alloc(struct fam_fs *fs)
{
	int err = fam_alloc_init(&fs->alloc, fs->sb.data_offset, fs->sb.device_size,
				 fs->sb.alloc_unit);

	if (err)
		return fs_fail(fs, err, "cannot build the allocator");
	err = fam_ns_walk(&fs->ns, mark_node, fs);
	if (err)
		return err;
	for (size_t i = 0; i < fam_ns_pending_count(&fs->ns); i++) {
		if (fam_alloc_mark(&fs->alloc, &fam_ns_pending(&fs->ns, i)->ext))
			return fs_fail(fs, -EUCLEAN, "%s: space pending reuse overlaps a file",
				       fs->dev->path);
	}
	return 0;
}

/* Apply one replayed record, skipping checkpoints this namespace already reflects. */
static int replay_one(struct fam_fs *fs, const struct fam_rec *r)
{
	int err;

	if (r->type == FAM_REC_CHECKPOINT) {
		if (r->u.ckpt.phase == FAM_CKPT_BEGIN) {
			fs->ckpt_skip = !fs->replay_full;
			if (fs->ckpt_skip)
				return 0;
		} else {
			bool skipped = fs->ckpt_skip;

			fs->ckpt_skip = false;
			fs->replay_full = false;
			if (skipped) {
				fs->ns.applied_seq = r->seq;
				return 0;
			}
		}
	} else if (fs->ckpt_skip) {
		return 0;
	}
	err = fam_ns_apply(&fs->ns, r, false);
	if (err)
		return fs_fail(fs, -EUCLEAN, "record %llu (%s) does not apply: %s",
			       (unsigned long long)r->seq, fam_rec_type_name(r->type),
			       strerror(-err));
	if (fs->on_apply)
		fs->on_apply(fs->on_apply_arg, r);
	if (r->type != FAM_REC_PAD && r->type != FAM_REC_CHECKPOINT)
		fs->replay_full = false;
	return 0;
}

int fam_fs_replay(struct fam_fs *fs, uint64_t *n_applied)
{
	struct fam_log_hdr h;
	struct fam_rec rec[2], *r = &rec[0], *nx = &rec[1];
	struct fam_log_cursor at;
	uint64_t n = 0;
	int err, ret, tries = 0;

again:
	fs->replay_rebuilt = false;
	err = fam_log_read_hdr(&fs->log, &h);
	if (err)
		return fs_fail(fs, err, "%s: no valid log header", fs->dev->path);
	fs->log.hdr = h;
	if (h.epoch > fs->epoch)
		fs->epoch = h.epoch;
	if (fs->cur.seq == 0 || fs->cur.seq < h.head_seq) {
		/* New, or fell behind a checkpoint: rebuild from the head. */
		err = fam_ns_reset(&fs->ns);
		if (err)
			return fs_fail(fs, err, "out of memory");
		fam_log_cursor_head(&fs->log, &h, &fs->cur);
		fs->replay_full = true;
		fs->replay_rebuilt = true;
		fs->ckpt_skip = false;
	}
	fam_log_invalidate_from(&fs->log, &h, &fs->cur);
	/*
	 * One record ahead: r (at `at`) is applied after the next one (at
	 * `nat`) is decoded and its table slot prefetched, so that slot's cache
	 * miss overlaps the work on r. fs->cur is right after r while r is
	 * applied, as without the look-ahead.
	 */
	at = fs->cur;
	ret = fam_log_next(&fs->log, &h, &fs->cur, r);
	for (;;) {
		struct fam_log_cursor nat, after;
		struct fam_rec *t;
		int nret;

		if (ret == 0)
			break;
		if (ret == -ESTALE && ++tries < REPLAY_RETRIES) {
			/* The writer reused this space after we read the header. */
			fs->cur = at;
			goto again;
		}
		if (ret < 0) {
			fs->cur = at;
			fs->bad_off = at.off;
			err = fs_fail(fs, -EBADMSG,
				      "%s: log record %llu at offset %llu is corrupt; replay stopped after record %llu",
				      fs->dev->path, (unsigned long long)at.seq,
				      (unsigned long long)at.off,
				      (unsigned long long)at.seq - 1);
			goto out;
		}
		nat = fs->cur;
		nret = fam_log_next(&fs->log, &h, &fs->cur, nx);
		if (nret == 1)
			fam_ns_prefetch(&fs->ns, nx);
		after = fs->cur;
		fs->cur = nat;
		err = replay_one(fs, r);
		if (err) {
			fs->cur = at;
			fs->bad_off = at.off;
			goto out;
		}
		fs->cur = after;
		n++;
		t = r;
		r = nx;
		nx = t;
		at = nat;
		ret = nret;
	}
	err = 0;
out:
	if (n_applied)
		*n_applied = n;
	return err;
}

/* ---- writer ---- */


struct ckpt_ctx {
	struct fam_fs *fs;
	struct fam_log_txn *t;
	uint64_t n;
	char path[PATH_MAX];
};

static int ckpt_node(void *arg, const struct fam_node *n)
{
	struct ckpt_ctx *c = arg;
	struct fam_rec r = { 0 };
	int len, err;

	len = fam_ns_path(n, c->path, sizeof(c->path));
	if (len < 0)
		return len;
	if (n->parent) {
		r.type = S_ISDIR(n->mode) ? FAM_REC_MKDIR : FAM_REC_CREATE;
		r.u.node.ino = n->ino;
		r.u.node.mode = n->mode & 07777;
		r.u.node.uid = n->uid;
		r.u.node.gid = n->gid;
		r.u.node.size = n->size;
		r.u.node.n_ext = n->n_ext;
		r.u.node.ext = n->ext;
		r.u.node.path = c->path;
		r.u.node.path_len = (uint32_t)len;
		err = fam_log_txn_add(&c->fs->log, c->t, &r);
		if (err)
			return err;
		c->n++;
	}
	for (uint32_t i = 0; i < n->n_grants; i++) {
		struct fam_rec o = { .type = FAM_REC_OWNER };

		o.u.owner.host = n->grants[i].host;
		o.u.owner.mode = n->grants[i].mode;
		o.u.owner.grant_epoch = n->grants[i].grant_epoch;
		o.u.owner.path = c->path;
		o.u.owner.path_len = (uint32_t)len;
		err = fam_log_txn_add(&c->fs->log, c->t, &o);
		if (err)
			return err;
		c->n++;
	}
	return 0;
}

/* Publish an open batch, then check (in a cluster) that this writer still holds the log. */
static int fs_publish_fenced(struct fam_fs *fs)
{
	int err = fs_group_publish(fs);

	if (err)
		return err;
	return fs->fence ? fs_fence_check(fs) : 0;
}

int fam_fs_checkpoint(struct fam_fs *fs)
{
	struct fam_log_txn t;
	struct fam_rec r = { .type = FAM_REC_CHECKPOINT };
	struct ckpt_ctx *c;
	struct fam_pending_free *pend = NULL;
	size_t np = fam_ns_pending_count(&fs->ns);
	int err;

	if (!fs->writer)
		return fs_fail(fs, -EROFS, "not the log writer");
	/* A batch of records not yet published comes first: the image includes them. */
	err = fs_publish_fenced(fs);
	if (err)
		return err;
	c = calloc(1, sizeof(*c));
	if (np)
		pend = malloc(np * sizeof(*pend));
	if (!c || (np && !pend)) {
		err = fs_fail(fs, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < np; i++)
		pend[i] = *fam_ns_pending(&fs->ns, i);
	fam_log_txn_begin(&fs->log, &t, fs->epoch);
	r.u.ckpt.phase = FAM_CKPT_BEGIN;
	r.u.ckpt.next_ino = fs->ns.next_ino;
	r.u.ckpt.n_pending = (uint32_t)np;
	r.u.ckpt.pending = pend;
	err = fam_log_txn_add(&fs->log, &t, &r);
	if (!err) {
		c->fs = fs;
		c->t = &t;
		err = fam_ns_walk(&fs->ns, ckpt_node, c);
	}
	if (!err) {
		struct fam_rec end = { .type = FAM_REC_CHECKPOINT };

		end.u.ckpt.phase = FAM_CKPT_END;
		end.u.ckpt.next_ino = fs->ns.next_ino;
		end.u.ckpt.n_records = c->n;
		err = fam_log_txn_add(&fs->log, &t, &end);
	}
	if (err == -ETIME) {
		err = fs_store_refused(fs, err);
		goto out;
	}
	if (err) {
		/* Nothing was published: the header still points at the old head. */
		err = fs_fail(fs, err == -ENOSPC || err == -E2BIG ? -ENOSPC : err,
			      "metadata log full: too small for the live namespace (%llu files, %llu dirs): its checkpoint (about %llu bytes) does not fit in the %llu-byte log; use a larger mkfs.famfs --log-size",
			      (unsigned long long)fs->ns.n_files, (unsigned long long)fs->ns.n_dirs,
			      (unsigned long long)fs->ns.image_bytes,
			      (unsigned long long)fs->sb.log_size);
		goto out;
	}
	/* Writing the image took time: check again right before publishing it. */
	if (fs->fence) {
		err = fs_fence_check(fs);
		if (err)
			goto out;
	}
	/* The head moves to the image (or to a PAD just before it) atomically. */
	err = fs_store_refused(fs, fam_log_txn_commit(&fs->log, &t, true));
	if (!err) {
		fs->ns.applied_seq = t.seq - 1;
		fs->cur.seq = t.seq;
		fs->cur.off = t.tail;
		fs->n_checkpoints++;
	}
out:
	free(pend);
	free(c);
	return err;
}

/* Room kept for the next checkpoint of an image of image_bytes and n_pending frees. */
static uint64_t reserve_for(uint64_t image_bytes, uint64_t n_pending)
{
	/* Image estimate + BEGIN/END + pending list, with slack for renamed paths. */
	uint64_t img = image_bytes + n_pending * 24 + 256;

	return img + img / 4;
}

uint64_t fs_ckpt_reserve(const struct fam_fs *fs)
{
	return reserve_for(fs->ns.image_bytes, fam_ns_pending_count(&fs->ns));
}

uint64_t fam_log_capacity(uint64_t log_size, uint32_t path_len, uint32_t n_ext)
{
	struct fam_rec r = { .type = FAM_REC_CREATE };
	uint64_t area, per, lo = 0, hi;

	if (log_size <= FAM_LOG_HDR_AREA)
		return 0;
	r.u.node.path_len = path_len;
	r.u.node.n_ext = n_ext;
	per = fam_rec_size(&r);
	area = log_size - FAM_LOG_HDR_AREA;
	/* The most files whose image, one more record and the reserve fit (commit's rule). */
	hi = area / per + 1;
	while (lo + 1 < hi) {
		uint64_t mid = lo + (hi - lo) / 2, img = mid * per;

		if (img + per + reserve_for(img, 0) <= area)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/*
 * After a checkpoint the ring holds at least the namespace image; when that
 * image, the record and the reserve for the next checkpoint exceed the ring,
 * no checkpoint can make room, so there is no point in writing one.
 */
static bool ckpt_cannot_help(const struct fam_fs *fs, uint64_t len)
{
	return fs->ns.image_bytes + len + fs_ckpt_reserve(fs) > fs->log.area_size;
}

static int log_full(struct fam_fs *fs)
{
	return fs_fail(fs, -ENOSPC,
		       "metadata log full: too small for the live namespace (%llu files, %llu dirs, a %llu-byte image; it needs 2.25x that) in the %llu-byte log: delete files or use a larger mkfs.famfs --log-size",
		       (unsigned long long)fs->ns.n_files, (unsigned long long)fs->ns.n_dirs,
		       (unsigned long long)fs->ns.image_bytes, (unsigned long long)fs->sb.log_size);
}

/* A cluster writer was deposed if the log moved under it or shows a newer epoch. */
int fs_fence_check(struct fam_fs *fs)
{
	struct fam_log_hdr h;
	int err = fam_log_read_hdr(&fs->log, &h);

	if (err)
		return fs_fail(fs, err, "log header unreadable");
	if (h.epoch > fs->epoch || h.update_count != fs->log.hdr.update_count) {
		fam_fs_step_down(fs);
		return fs_fail(fs, -ESTALE,
			       "no longer the log writer: the log was written in epoch %llu (this writer: epoch %llu)",
			       (unsigned long long)h.epoch, (unsigned long long)fs->epoch);
	}
	return 0;
}

/* A store was refused by the log: its deadline (the master lease) has passed. */
int fs_store_refused(struct fam_fs *fs, int err)
{
	if (err != -ETIME)
		return err;
	fam_fs_step_down(fs);
	return fs_fail(fs, -ESTALE, "no longer the log writer: the master lease of epoch %llu "
		       "ended before the log write (nothing of it was published)",
		       (unsigned long long)fs->epoch);
}

/*
 * Tests only (FAMFSD_TEST_STALL_FILE): while this file exists, a commit
 * stops between its first fence check and its first store, as a writer that
 * was descheduled there would.
 */
void fs_test_stall(const struct fam_fs *fs)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	if (!fs->test_stall_file)
		return;
	while (access(fs->test_stall_file, F_OK) == 0)
		nanosleep(&ts, NULL);
}

int fam_fs_become_writer(struct fam_fs *fs, uint64_t epoch)
{
	int err;

	if (fs->writer)
		fam_fs_step_down(fs);
	err = check_writable(fs);
	if (err)
		return err;
	err = fam_fs_replay(fs, NULL);
	if (err)
		return err;
	/*
	 * The header names the newest epoch that ever wrote: a master of the
	 * same or an older epoch was elected on promises that have been
	 * superseded (or given twice), and must not write.
	 */
	if (fs->log.hdr.epoch >= epoch)
		return fs_fail(fs, -ESTALE,
			       "the log header already carries epoch %llu: a master of epoch %llu "
			       "must not write",
			       (unsigned long long)fs->log.hdr.epoch, (unsigned long long)epoch);
	err = build_alloc(fs);
	if (err) {
		fam_alloc_fini(&fs->alloc);
		return err;
	}
	fs->epoch = epoch;
	fs->writer = true;
	fs->fence = true;
	fs->auto_watermark = false;
	err = fam_log_set_epoch(&fs->log, epoch);
	if (err)
		return fs_store_refused(fs, err);
	return 0;
}

void fam_fs_step_down(struct fam_fs *fs)
{
	if (fs->grp.n)
		fs_group_discard(fs, -ESTALE);
	fs->writer = false;
	fam_alloc_fini(&fs->alloc);
}

/* Commit one record that the namespace accepts, checkpointing first when needed. */
static int commit(struct fam_fs *fs, struct fam_rec *r)
{
	struct fam_log_txn t;
	uint64_t len = fam_rec_size(r);
	int err;

	if (!fs->writer)
		return fs_fail(fs, -EROFS, "not the log writer");
	memcpy(r->req_id, fs->req_id, sizeof(r->req_id));
	len = fam_rec_size(r);
	if (len > FAM_REC_MAX)
		return fs_fail(fs, -E2BIG, "record of %llu bytes is too large",
			       (unsigned long long)len);
	err = fam_ns_apply(&fs->ns, r, true);
	if (err)
		return err;
	if (fs->group) {
		err = fs_group_add(fs, r, len);
		if (err != -EAGAIN)
			return err;
	}
	/* Records are published in order: an open batch goes first. */
	err = fs_publish_fenced(fs);
	if (err)
		return err;
	fs_test_stall(fs);
	fam_log_txn_begin(&fs->log, &t, fs->epoch);
	if (!fam_log_txn_fits(&fs->log, &t, len + fs_ckpt_reserve(fs))) {
		/*
		 * Refuse before writing a whole image that cannot help: else every
		 * refused call (and each retry) copies the namespace into the log.
		 */
		if (r->type != FAM_REC_DELETE && ckpt_cannot_help(fs, len))
			return log_full(fs);
		err = fam_fs_checkpoint(fs);
		/* A DELETE shrinks the image: let it in even when no checkpoint fits. */
		if (err && !(err == -ENOSPC && r->type == FAM_REC_DELETE))
			return err;
		/* The checkpoint published a new header: check the fence again. */
		if (fs->fence && (err = fs_fence_check(fs)))
			return err;
		fam_log_txn_begin(&fs->log, &t, fs->epoch);
		/*
		 * Anything else must leave room for the next checkpoint: otherwise
		 * the ring fills up until not even a DELETE can free metadata space.
		 */
		if (r->type != FAM_REC_DELETE &&
		    !fam_log_txn_fits(&fs->log, &t, len + fs_ckpt_reserve(fs)))
			return log_full(fs);
	}
	err = fam_log_txn_add(&fs->log, &t, r);
	if (err == -ENOSPC)
		return fs_fail(fs, -ENOSPC, "metadata log full");
	if (err)
		return fs_store_refused(fs, err);
	/* Nothing published yet: a successor must not have written meanwhile. */
	if (fs->fence && (err = fs_fence_check(fs)))
		return err;
	err = fs_store_refused(fs, fam_log_txn_commit(&fs->log, &t, false));
	if (err)
		return err;
	fs->cur.seq = t.seq;
	fs->cur.off = t.tail;
	err = fam_ns_apply(&fs->ns, r, false);
	if (err)	/* committed but not applied here: only ENOMEM gets here */
		return fs_fail(fs, err, "record %llu committed but not applied: %s",
			       (unsigned long long)r->seq, strerror(-err));
	if (fs->on_apply)
		fs->on_apply(fs->on_apply_arg, r);
	if (fs->auto_watermark)
		fam_fs_set_watermark(fs, r->seq);
	return 0;
}

static int path_arg(struct fam_fs *fs, const char *path, uint32_t *len)
{
	size_t l = strnlen(path, FAM_PATH_MAX + 1);
	int err = fam_path_check(path, l);

	if (err == -ENAMETOOLONG)
		return fs_fail(fs, err, "path too long (more than %d bytes, or a name over %d)",
			       FAM_PATH_MAX, FAM_NAME_MAX);
	if (err)
		return fs_fail(fs, err, "invalid path '%s': must be absolute, without empty, '.' or '..' components",
			       path);
	*len = (uint32_t)l;
	return 0;
}

int fam_fs_mkdir(struct fam_fs *fs, const char *path, uint32_t mode, uint32_t uid, uint32_t gid)
{
	struct fam_rec r = { .type = FAM_REC_MKDIR };
	int err = path_arg(fs, path, &r.u.node.path_len);

	if (err)
		return err;
	r.u.node.path = path;
	r.u.node.ino = fs->ns.next_ino;
	r.u.node.mode = mode & 07777;
	r.u.node.uid = uid;
	r.u.node.gid = gid;
	return commit(fs, &r);
}

static void release_cb(void *arg, const struct fam_extent *e)
{
	fam_alloc_release(arg, e);
}

void fam_fs_set_watermark(struct fam_fs *fs, uint64_t seq)
{
	if (seq > fs->watermark)
		fs->watermark = seq;
	/* A reader has no allocator, but its namespace drops the entries all the same. */
	fam_ns_release_pending(&fs->ns, fs->watermark, fs->writer ? release_cb : NULL,
			       &fs->alloc);
}

#define FEW_EXTENTS	8

int fam_fs_create(struct fam_fs *fs, const char *path, uint32_t mode, uint32_t uid, uint32_t gid,
		  uint64_t size, struct fam_node **out)
{
	struct fam_rec r = { .type = FAM_REC_CREATE };
	struct fam_extent few[FEW_EXTENTS], *ext = NULL;
	uint32_t n = 0;
	int err = path_arg(fs, path, &r.u.node.path_len);

	if (err)
		return err;
	if (!fs->writer)
		return fs_fail(fs, -EROFS, "not the log writer");
	r.u.node.path = path;
	r.u.node.ino = fs->ns.next_ino;
	r.u.node.mode = mode & 07777;
	r.u.node.uid = uid;
	r.u.node.gid = gid;
	r.u.node.size = size;
	/* Fail on the namespace before touching the allocator (no extents yet). */
	r.u.node.size = 0;
	err = fam_ns_apply(&fs->ns, &r, true);
	r.u.node.size = size;
	if (err)
		return err;
	/*
	 * Room for a few extents here (a file is one run unless the space is
	 * fragmented); only a file the free runs cannot give that way tries
	 * again with room for FAM_MAX_EXTENTS (16 KiB from malloc, a create's
	 * costliest allocation). A failed try takes no space.
	 */
	ext = few;
	err = fam_alloc_get(&fs->alloc, size, ext, FEW_EXTENTS, &n);
	if (err == -ENOSPC) {
		ext = malloc(FAM_MAX_EXTENTS * sizeof(*ext));
		if (!ext)
			return -ENOMEM;
		err = fam_alloc_get(&fs->alloc, size, ext, FAM_MAX_EXTENTS, &n);
	}
	if (err) {
		err = fs_fail(fs, err, "no space for %llu bytes (%llu free)",
			      (unsigned long long)size,
			      (unsigned long long)fam_alloc_free_bytes(&fs->alloc));
		goto out;
	}
	r.u.node.n_ext = n;
	r.u.node.ext = ext;
	err = commit(fs, &r);
	if (err) {
		for (uint32_t i = 0; i < n; i++)
			fam_alloc_release(&fs->alloc, &ext[i]);
		goto out;
	}
	if (out)
		err = fam_fs_lookup(fs, path, out);
out:
	if (ext != few)
		free(ext);
	return err;
}

int fam_fs_delete(struct fam_fs *fs, const char *path)
{
	struct fam_rec r = { .type = FAM_REC_DELETE };
	struct fam_node *n;
	int err = path_arg(fs, path, &r.u.del.path_len);

	if (err)
		return err;
	err = fam_ns_lookup(&fs->ns, path, r.u.del.path_len, &n);
	if (err)
		return err;
	r.u.del.path = path;
	r.u.del.ino = n->ino;
	return commit(fs, &r);
}

int fam_fs_rename(struct fam_fs *fs, const char *from, const char *to)
{
	struct fam_rec r = { .type = FAM_REC_RENAME };
	struct fam_node *n;
	int err = path_arg(fs, from, &r.u.ren.from_len);

	if (!err)
		err = path_arg(fs, to, &r.u.ren.to_len);
	if (err)
		return err;
	err = fam_ns_lookup(&fs->ns, from, r.u.ren.from_len, &n);
	if (err)
		return err;
	r.u.ren.from = from;
	r.u.ren.to = to;
	r.u.ren.ino = n->ino;
	return commit(fs, &r);
}

int fam_fs_owner(struct fam_fs *fs, const char *path, uint32_t host, uint32_t mode,
		 uint64_t grant_epoch)
{
	struct fam_rec r = { .type = FAM_REC_OWNER };
	int err = path_arg(fs, path, &r.u.owner.path_len);

	if (err)
		return err;
	if (host >= FAM_MAX_HOSTS || mode > FAM_OWN_RW)
		return fs_fail(fs, -EINVAL, "invalid host %u or mode %u", host, mode);
	r.u.owner.path = path;
	r.u.owner.host = host;
	r.u.owner.mode = mode;
	r.u.owner.grant_epoch = grant_epoch;
	return commit(fs, &r);
}

int fam_fs_owner_move(struct fam_fs *fs, const char *path, uint32_t prev_host,
		      uint64_t prev_epoch, uint32_t host, uint32_t mode, uint64_t grant_epoch)
{
	struct fam_rec r = { .type = FAM_REC_OWNER };
	int err = path_arg(fs, path, &r.u.owner.path_len);

	if (err)
		return err;
	if (host >= FAM_MAX_HOSTS || prev_host >= FAM_MAX_HOSTS || host == prev_host ||
	    mode == FAM_OWN_NONE || mode > FAM_OWN_RW)
		return fs_fail(fs, -EINVAL, "invalid handoff from host %u to host %u, mode %u",
			       prev_host, host, mode);
	r.u.owner.path = path;
	r.u.owner.host = host;
	r.u.owner.mode = mode;
	r.u.owner.grant_epoch = grant_epoch;
	r.u.owner.has_prev = true;
	r.u.owner.prev_host = prev_host;
	r.u.owner.prev_epoch = prev_epoch;
	return commit(fs, &r);
}

int fam_fs_lookup(struct fam_fs *fs, const char *path, struct fam_node **out)
{
	size_t l = strnlen(path, FAM_PATH_MAX + 1);

	return fam_ns_lookup(&fs->ns, path, l, out);
}
