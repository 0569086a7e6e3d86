// SPDX-License-Identifier: Apache-2.0
/*
 * Encoding and validation of the on-media structures: superblock, log
 * header and log records. Decoders trust nothing: every length, count and
 * CRC is checked before use (they are fuzzed: tests/fuzz/).
 */
#include "format.h"
#include "crc32c.h"

#include <endian.h>
#include <errno.h>
#include <string.h>

static void put16(uint8_t *p, uint16_t v) { v = htole16(v); memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { v = htole32(v); memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { v = htole64(v); memcpy(p, &v, 8); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return le16toh(v); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return le32toh(v); }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return le64toh(v); }

/* ---- superblock ---- */

void fam_sb_encode(const struct fam_sb *sb, struct fam_sb_disk *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->magic, FAM_SB_MAGIC, FAM_MAGIC_LEN);
	d->version = htole32(sb->version);
	d->sb_size = htole32(sizeof(*d));
	d->features_compat = htole64(sb->features_compat);
	d->features_incompat = htole64(sb->features_incompat);
	d->features_ro_compat = htole64(sb->features_ro_compat);
	memcpy(d->uuid, sb->uuid, 16);
	d->device_size = htole64(sb->device_size);
	d->log_offset = htole64(sb->log_offset);
	d->log_size = htole64(sb->log_size);
	d->data_offset = htole64(sb->data_offset);
	d->alloc_unit = htole64(sb->alloc_unit);
	d->max_hosts = htole32(sb->max_hosts);
	d->host_slot_size = htole32(FAM_HOST_SLOT_SIZE);
	d->host_slots_offset = htole64(FAM_HOST_SLOTS_OFFSET);
	d->create_time_ns = htole64(sb->create_time_ns);
	memcpy(d->label, sb->label, sizeof(d->label));
	d->crc = htole32(fam_crc32c(0, d, offsetof(struct fam_sb_disk, crc)));
}

static int is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int fam_sb_decode(const void *buf, size_t len, struct fam_sb *sb)
{
	struct fam_sb_disk d;

	if (len < sizeof(d))
		return -EINVAL;
	memcpy(&d, buf, sizeof(d));
	if (memcmp(d.magic, FAM_SB_MAGIC, FAM_MAGIC_LEN))
		return -ENODATA;	/* not a famfs superblock at all */
	if (le32toh(d.crc) != fam_crc32c(0, &d, offsetof(struct fam_sb_disk, crc)))
		return -EBADMSG;
	if (le32toh(d.sb_size) != sizeof(d) || le32toh(d.version) != FAM_VERSION)
		return -EPROTONOSUPPORT;
	memset(sb, 0, sizeof(*sb));
	sb->version = le32toh(d.version);
	sb->features_compat = le64toh(d.features_compat);
	sb->features_incompat = le64toh(d.features_incompat);
	sb->features_ro_compat = le64toh(d.features_ro_compat);
	if (sb->features_incompat & ~FAM_FEATURE_INCOMPAT_SUPP)
		return -EPROTONOSUPPORT;
	memcpy(sb->uuid, d.uuid, 16);
	sb->device_size = le64toh(d.device_size);
	sb->log_offset = le64toh(d.log_offset);
	sb->log_size = le64toh(d.log_size);
	sb->data_offset = le64toh(d.data_offset);
	sb->alloc_unit = le64toh(d.alloc_unit);
	sb->max_hosts = le32toh(d.max_hosts);
	sb->create_time_ns = le64toh(d.create_time_ns);
	memcpy(sb->label, d.label, sizeof(d.label));
	sb->label[sizeof(d.label)] = 0;

	/* Geometry must be self-consistent; reject rather than guess. */
	if (sb->log_offset != FAM_LOG_OFFSET ||
	    le32toh(d.host_slot_size) != FAM_HOST_SLOT_SIZE ||
	    le64toh(d.host_slots_offset) != FAM_HOST_SLOTS_OFFSET ||
	    sb->max_hosts == 0 || sb->max_hosts > FAM_MAX_HOSTS ||
	    !is_pow2(sb->alloc_unit) || sb->alloc_unit < FAM_ALLOC_UNIT_MIN ||
	    sb->alloc_unit > FAM_ALLOC_UNIT_MAX ||
	    sb->log_size < FAM_LOG_SIZE_MIN || sb->log_size % FAM_LOG_HDR_SLOT ||
	    sb->log_size > sb->device_size ||
	    sb->data_offset < sb->log_offset + sb->log_size ||
	    sb->data_offset % FAM_PMD_SIZE || sb->data_offset % sb->alloc_unit ||
	    sb->data_offset > sb->device_size)
		return -EUCLEAN;
	return 0;
}

int fam_sb_layout(struct fam_sb *sb, uint64_t device_size, uint64_t log_size,
		  uint64_t alloc_unit)
{
	uint64_t align;

	if (!is_pow2(alloc_unit) || alloc_unit < FAM_ALLOC_UNIT_MIN ||
	    alloc_unit > FAM_ALLOC_UNIT_MAX)
		return -EINVAL;
	if (log_size < FAM_LOG_SIZE_MIN || log_size % FAM_LOG_HDR_SLOT)
		return -EINVAL;
	memset(sb, 0, sizeof(*sb));
	sb->version = FAM_VERSION;
	sb->device_size = device_size;
	sb->log_offset = FAM_LOG_OFFSET;
	sb->log_size = log_size;
	align = alloc_unit > FAM_PMD_SIZE ? alloc_unit : FAM_PMD_SIZE;
	sb->data_offset = fam_round_up(FAM_LOG_OFFSET + log_size, align);
	sb->alloc_unit = alloc_unit;
	sb->max_hosts = FAM_MAX_HOSTS;
	/* Room for at least one allocation unit of data. */
	if (device_size < sb->data_offset + alloc_unit)
		return -ENOSPC;
	return 0;
}

/* ---- log header ---- */

void fam_log_hdr_encode(const struct fam_log_hdr *h, struct fam_log_hdr_disk *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->magic, FAM_LOG_MAGIC, FAM_MAGIC_LEN);
	d->version = htole32(FAM_VERSION);
	d->hdr_size = htole32(sizeof(*d));
	memcpy(d->uuid, h->uuid, 16);
	d->update_count = htole64(h->update_count);
	d->area_size = htole64(h->area_size);
	d->committed_seq = htole64(h->committed_seq);
	d->head = htole64(h->head);
	d->head_seq = htole64(h->head_seq);
	d->tail = htole64(h->tail);
	d->epoch = htole64(h->epoch);
	d->wrap_count = htole64(h->wrap_count);
	d->crc = htole32(fam_crc32c(0, d, offsetof(struct fam_log_hdr_disk, crc)));
}

int fam_log_hdr_decode(const void *buf, size_t len, struct fam_log_hdr *h)
{
	struct fam_log_hdr_disk d;

	if (len < sizeof(d))
		return -EINVAL;
	memcpy(&d, buf, sizeof(d));
	if (memcmp(d.magic, FAM_LOG_MAGIC, FAM_MAGIC_LEN))
		return -ENODATA;
	if (le32toh(d.crc) != fam_crc32c(0, &d, offsetof(struct fam_log_hdr_disk, crc)))
		return -EBADMSG;
	if (le32toh(d.version) != FAM_VERSION || le32toh(d.hdr_size) != sizeof(d))
		return -EPROTONOSUPPORT;
	memcpy(h->uuid, d.uuid, 16);
	h->update_count = le64toh(d.update_count);
	h->area_size = le64toh(d.area_size);
	h->committed_seq = le64toh(d.committed_seq);
	h->head = le64toh(d.head);
	h->head_seq = le64toh(d.head_seq);
	h->tail = le64toh(d.tail);
	h->epoch = le64toh(d.epoch);
	h->wrap_count = le64toh(d.wrap_count);
	if (h->area_size < FAM_REC_MIN * 4 || h->area_size % FAM_REC_ALIGN ||
	    h->head >= h->area_size || h->tail >= h->area_size ||
	    h->head % FAM_REC_ALIGN || h->tail % FAM_REC_ALIGN ||
	    h->head_seq == 0 || h->head_seq > h->committed_seq + 1)
		return -EUCLEAN;
	return 0;
}

/* ---- records ---- */

#define REC_HDR		sizeof(struct fam_rec_hdr_disk)
#define NODE_FIXED	32	/* ino, mode, uid, gid, path_len, [size], ... */

static size_t payload_size(const struct fam_rec *r)
{
	switch (r->type) {
	case FAM_REC_MKDIR:
		return 8 + 4 * 4 + r->u.node.path_len;
	case FAM_REC_CREATE:
		return 8 + 4 * 4 + 8 + 4 + 4 +
		       (size_t)r->u.node.n_ext * sizeof(struct fam_extent) +
		       r->u.node.path_len;
	case FAM_REC_DELETE:
		return 8 + 4 + 4 + r->u.del.path_len;
	case FAM_REC_RENAME:
		return 8 + 4 + 4 + r->u.ren.from_len + r->u.ren.to_len;
	case FAM_REC_OWNER:
		return 4 + 4 + 8 + 4 + 4 + r->u.owner.path_len;
	case FAM_REC_CHECKPOINT:
		return 4 + 4 + 8 + 8 +
		       (size_t)r->u.ckpt.n_pending * sizeof(struct fam_pending_free);
	case FAM_REC_PAD:
		return 0;
	}
	return 0;
}

#define EXT_BASE	24	/* ext_len, ext_flags, req_id */
#define EXT_PREV	16	/* prev_host, pad, prev_epoch */

bool fam_rec_has_req(const struct fam_rec *r)
{
	uint64_t a, b;

	/* Two loads, not a loop of 16: every record's size and encoding ask. */
	_Static_assert(FAM_REQ_ID_LEN == 16, "request ids are 16 bytes");
	memcpy(&a, r->req_id, 8);
	memcpy(&b, r->req_id + 8, 8);
	return (a | b) != 0;
}

static bool rec_has_prev(const struct fam_rec *r)
{
	return r->type == FAM_REC_OWNER && r->u.owner.has_prev;
}

/* Bytes of the extension (0: none). Checkpoint and PAD records never carry one. */
static size_t ext_size(const struct fam_rec *r)
{
	if (r->type == FAM_REC_CHECKPOINT || r->type == FAM_REC_PAD)
		return 0;
	if (!fam_rec_has_req(r) && !rec_has_prev(r))
		return 0;
	return EXT_BASE + (rec_has_prev(r) ? EXT_PREV : 0);
}

static size_t full_payload_size(const struct fam_rec *r)
{
	size_t base = payload_size(r), ext = ext_size(r);

	return ext ? fam_round_up(base, 8) + ext : base;
}

size_t fam_rec_size(const struct fam_rec *r)
{
	return fam_round_up(REC_HDR + full_payload_size(r) + 4, FAM_REC_ALIGN);
}

int fam_rec_encode(const struct fam_rec *r, void *buf, size_t cap)
{
	size_t len = fam_rec_size(r);
	uint8_t *b = buf, *p = b + REC_HDR;

	if (r->type == FAM_REC_PAD) {
		/* PAD fills exactly the room it is given. */
		len = cap;
		if (len < FAM_REC_MIN || len % FAM_REC_ALIGN || len > UINT32_MAX)
			return -EINVAL;
	}
	if (len > FAM_REC_MAX && r->type != FAM_REC_PAD)
		return -E2BIG;
	if (len > cap)
		return -ENOSPC;
	memset(b, 0, len);
	put32(b, (uint32_t)len);
	put16(b + 4, r->type);
	put16(b + 6, (uint16_t)((r->flags & ~FAM_REC_F_EXT) | (ext_size(r) ? FAM_REC_F_EXT : 0)));
	if (ext_size(r)) {
		uint8_t *e = p + fam_round_up(payload_size(r), 8);

		put32(e, (uint32_t)ext_size(r));
		put32(e + 4, rec_has_prev(r) ? FAM_EXT_PREV : 0);
		memcpy(e + 8, r->req_id, FAM_REQ_ID_LEN);
		if (rec_has_prev(r)) {
			put32(e + EXT_BASE, r->u.owner.prev_host);
			put64(e + EXT_BASE + 8, r->u.owner.prev_epoch);
		}
	}
	put64(b + 8, r->seq);
	put64(b + 16, r->epoch);
	switch (r->type) {
	case FAM_REC_MKDIR:
	case FAM_REC_CREATE:
		put64(p, r->u.node.ino);
		put32(p + 8, r->u.node.mode);
		put32(p + 12, r->u.node.uid);
		put32(p + 16, r->u.node.gid);
		put32(p + 20, r->u.node.path_len);
		p += 24;
		if (r->type == FAM_REC_CREATE) {
			put64(p, r->u.node.size);
			put32(p + 8, r->u.node.n_ext);
			put32(p + 12, 0);
			p += 16;
			for (uint32_t i = 0; i < r->u.node.n_ext; i++) {
				put64(p, r->u.node.ext[i].offset);
				put64(p + 8, r->u.node.ext[i].len);
				p += 16;
			}
		}
		memcpy(p, r->u.node.path, r->u.node.path_len);
		break;
	case FAM_REC_DELETE:
		put64(p, r->u.del.ino);
		put32(p + 8, r->u.del.path_len);
		memcpy(p + 16, r->u.del.path, r->u.del.path_len);
		break;
	case FAM_REC_RENAME:
		put64(p, r->u.ren.ino);
		put32(p + 8, r->u.ren.from_len);
		put32(p + 12, r->u.ren.to_len);
		memcpy(p + 16, r->u.ren.from, r->u.ren.from_len);
		memcpy(p + 16 + r->u.ren.from_len, r->u.ren.to, r->u.ren.to_len);
		break;
	case FAM_REC_OWNER:
		put32(p, r->u.owner.host);
		put32(p + 4, r->u.owner.mode);
		put64(p + 8, r->u.owner.grant_epoch);
		put32(p + 16, r->u.owner.path_len);
		memcpy(p + 24, r->u.owner.path, r->u.owner.path_len);
		break;
	case FAM_REC_CHECKPOINT:
		put32(p, r->u.ckpt.phase);
		put32(p + 4, r->u.ckpt.n_pending);
		put64(p + 8, r->u.ckpt.next_ino);
		put64(p + 16, r->u.ckpt.n_records);
		p += 24;
		for (uint32_t i = 0; i < r->u.ckpt.n_pending; i++) {
			put64(p, r->u.ckpt.pending[i].free_seq);
			put64(p + 8, r->u.ckpt.pending[i].ext.offset);
			put64(p + 16, r->u.ckpt.pending[i].ext.len);
			p += 24;
		}
		break;
	case FAM_REC_PAD:
		break;
	default:
		return -EINVAL;
	}
	put32(b + len - 4, fam_crc32c(0, b, len - 4));
	return (int)len;
}

/* Check that [off, off+n) lies inside a payload of plen bytes. */
static int fits(size_t off, uint64_t n, size_t plen)
{
	return off <= plen && n <= plen - off;
}

int fam_rec_decode(const void *buf, size_t avail, struct fam_rec *r)
{
	const uint8_t *b = buf, *p;
	uint32_t len;
	size_t plen;
	int err;

	if (avail < FAM_REC_MIN)
		return -EBADMSG;
	len = get32(b);
	if (len < FAM_REC_MIN || len % FAM_REC_ALIGN || len > avail)
		return -EBADMSG;
	if (get32(b + len - 4) != fam_crc32c(0, b, len - 4))
		return -EBADMSG;
	memset(r, 0, sizeof(*r));
	r->type = get16(b + 4);
	r->flags = get16(b + 6);
	r->seq = get64(b + 8);
	r->epoch = get64(b + 16);
	p = b + REC_HDR;
	plen = len - REC_HDR - 4;
	if (r->type != FAM_REC_PAD && len > FAM_REC_MAX)
		return -EBADMSG;

	switch (r->type) {
	case FAM_REC_MKDIR:
	case FAM_REC_CREATE: {
		size_t off = 24;

		if (!fits(0, 24, plen))
			return -EBADMSG;
		r->u.node.ino = get64(p);
		r->u.node.mode = get32(p + 8);
		r->u.node.uid = get32(p + 12);
		r->u.node.gid = get32(p + 16);
		r->u.node.path_len = get32(p + 20);
		if (r->type == FAM_REC_CREATE) {
			if (!fits(off, 16, plen))
				return -EBADMSG;
			r->u.node.size = get64(p + off);
			r->u.node.n_ext = get32(p + off + 8);
			off += 16;
			if (r->u.node.n_ext > FAM_MAX_EXTENTS ||
			    !fits(off, (uint64_t)r->u.node.n_ext * 16, plen))
				return -EBADMSG;
			r->u.node.ext = (const struct fam_extent *)(p + off);
			off += (size_t)r->u.node.n_ext * 16;
		}
		if (!fits(off, r->u.node.path_len, plen))
			return -EBADMSG;
		r->u.node.path = (const char *)p + off;
		err = fam_path_check(r->u.node.path, r->u.node.path_len);
		break;
	}
	case FAM_REC_DELETE:
		if (!fits(0, 16, plen))
			return -EBADMSG;
		r->u.del.ino = get64(p);
		r->u.del.path_len = get32(p + 8);
		if (!fits(16, r->u.del.path_len, plen))
			return -EBADMSG;
		r->u.del.path = (const char *)p + 16;
		err = fam_path_check(r->u.del.path, r->u.del.path_len);
		break;
	case FAM_REC_RENAME:
		if (!fits(0, 16, plen))
			return -EBADMSG;
		r->u.ren.ino = get64(p);
		r->u.ren.from_len = get32(p + 8);
		r->u.ren.to_len = get32(p + 12);
		if (!fits(16, (uint64_t)r->u.ren.from_len + r->u.ren.to_len, plen))
			return -EBADMSG;
		r->u.ren.from = (const char *)p + 16;
		r->u.ren.to = r->u.ren.from + r->u.ren.from_len;
		err = fam_path_check(r->u.ren.from, r->u.ren.from_len);
		if (!err)
			err = fam_path_check(r->u.ren.to, r->u.ren.to_len);
		break;
	case FAM_REC_OWNER:
		if (!fits(0, 24, plen))
			return -EBADMSG;
		r->u.owner.host = get32(p);
		r->u.owner.mode = get32(p + 4);
		r->u.owner.grant_epoch = get64(p + 8);
		r->u.owner.path_len = get32(p + 16);
		if (r->u.owner.mode > FAM_OWN_RW || r->u.owner.host >= FAM_MAX_HOSTS ||
		    !fits(24, r->u.owner.path_len, plen))
			return -EBADMSG;
		r->u.owner.path = (const char *)p + 24;
		err = fam_path_check(r->u.owner.path, r->u.owner.path_len);
		break;
	case FAM_REC_CHECKPOINT:
		if (!fits(0, 24, plen))
			return -EBADMSG;
		r->u.ckpt.phase = get32(p);
		r->u.ckpt.n_pending = get32(p + 4);
		r->u.ckpt.next_ino = get64(p + 8);
		r->u.ckpt.n_records = get64(p + 16);
		if ((r->u.ckpt.phase != FAM_CKPT_BEGIN && r->u.ckpt.phase != FAM_CKPT_END) ||
		    !fits(24, (uint64_t)r->u.ckpt.n_pending * 24, plen))
			return -EBADMSG;
		r->u.ckpt.pending = (const struct fam_pending_free *)(p + 24);
		err = 0;
		break;
	case FAM_REC_PAD:
		err = 0;
		break;
	default:
		return -EBADMSG;
	}
	if (err)
		return -EBADMSG;
	if (r->flags & FAM_REC_F_EXT) {
		size_t off = fam_round_up(payload_size(r), 8);
		uint32_t elen, eflags;

		if (r->type == FAM_REC_CHECKPOINT || r->type == FAM_REC_PAD ||
		    !fits(off, EXT_BASE, plen))
			return -EBADMSG;
		elen = get32(p + off);
		eflags = get32(p + off + 4);
		if ((eflags & ~FAM_EXT_KNOWN) || elen < EXT_BASE || !fits(off, elen, plen) ||
		    ((eflags & FAM_EXT_PREV) && (r->type != FAM_REC_OWNER ||
						 elen < EXT_BASE + EXT_PREV)))
			return -EBADMSG;
		memcpy(r->req_id, p + off + 8, FAM_REQ_ID_LEN);
		if (eflags & FAM_EXT_PREV) {
			r->u.owner.has_prev = true;
			r->u.owner.prev_host = get32(p + off + EXT_BASE);
			r->u.owner.prev_epoch = get64(p + off + EXT_BASE + 8);
			if (r->u.owner.prev_host >= FAM_MAX_HOSTS)
				return -EBADMSG;
		}
	}
	return (int)len;
}

void fam_rec_extent(const struct fam_rec *r, uint32_t i, struct fam_extent *out)
{
	const uint8_t *p = (const uint8_t *)r->u.node.ext + (size_t)i * 16;

	out->offset = get64(p);
	out->len = get64(p + 8);
}

void fam_rec_pending(const struct fam_rec *r, uint32_t i, struct fam_pending_free *out)
{
	const uint8_t *p = (const uint8_t *)r->u.ckpt.pending + (size_t)i * 24;

	out->free_seq = get64(p);
	out->ext.offset = get64(p + 8);
	out->ext.len = get64(p + 16);
}

const char *fam_rec_type_name(unsigned int type)
{
	static const char *const names[] = {
		[FAM_REC_MKDIR] = "MKDIR", [FAM_REC_CREATE] = "CREATE",
		[FAM_REC_DELETE] = "DELETE", [FAM_REC_RENAME] = "RENAME",
		[FAM_REC_OWNER] = "OWNER", [FAM_REC_CHECKPOINT] = "CHECKPOINT",
		[FAM_REC_PAD] = "PAD",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "UNKNOWN";
}

/* The rules of one component, known to hold no '/' and no NUL. */
static int comp_check(const char *c, size_t len)
{
	if (len == 0)
		return -EINVAL;	/* empty component or trailing '/' */
	if (c[0] == '.' && (len == 1 || (len == 2 && c[1] == '.')))
		return -EINVAL;
	if (len > FAM_NAME_MAX)
		return -ENAMETOOLONG;
	return 0;
}

int fam_name_check(const char *name, size_t len)
{
	if (memchr(name, '\0', len) || memchr(name, '/', len))
		return -EINVAL;
	return comp_check(name, len);
}

int fam_path_check(const char *path, size_t len)
{
	const char *c = path + 1, *end = path + len;

	if (len > FAM_PATH_MAX)
		return -ENAMETOOLONG;
	if (len == 0 || path[0] != '/')
		return -EINVAL;
	if (len == 1)
		return 0;	/* the root */
	if (memchr(path, '\0', len))
		return -EINVAL;
	/* One memchr per component: replay checks every record's path. */
	for (;;) {
		const char *slash = memchr(c, '/', (size_t)(end - c));
		int err = comp_check(c, (size_t)((slash ? slash : end) - c));

		if (err || !slash)
			return err;
		c = slash + 1;
	}
}
