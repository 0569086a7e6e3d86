// SPDX-License-Identifier: Apache-2.0
/* On-media format: superblock, log header and record encode/decode, path rules. */
#include "testutil.h"
#include "crc32c.h"

static uint8_t rbuf[1 << 16];

static void sample_sb(struct fam_sb *sb)
{
	ck_assert_int_eq(fam_sb_layout(sb, 1ULL << 30, FAM_LOG_SIZE_DEFAULT, 4096), 0);
	for (int i = 0; i < 16; i++)
		sb->uuid[i] = (uint8_t)(0xa0 + i);
	sb->create_time_ns = 1234567890123456789ULL;
	strcpy(sb->label, "test-label");
}

START_TEST(test_sb_roundtrip)
{
	struct fam_sb sb, out;
	struct fam_sb_disk d;

	sample_sb(&sb);
	fam_sb_encode(&sb, &d);
	memset(&out, 0x5a, sizeof(out));
	ck_assert_int_eq(fam_sb_decode(&d, sizeof(d), &out), 0);
	ck_assert_uint_eq(out.version, FAM_VERSION);
	ck_assert_mem_eq(out.uuid, sb.uuid, 16);
	ck_assert_uint_eq(out.device_size, 1ULL << 30);
	ck_assert_uint_eq(out.log_offset, FAM_LOG_OFFSET);
	ck_assert_uint_eq(out.log_size, FAM_LOG_SIZE_DEFAULT);
	ck_assert_uint_eq(out.data_offset, sb.data_offset);
	ck_assert_uint_eq(out.data_offset % FAM_PMD_SIZE, 0);
	ck_assert_uint_ge(out.data_offset, FAM_LOG_OFFSET + FAM_LOG_SIZE_DEFAULT);
	ck_assert_uint_eq(out.alloc_unit, 4096);
	ck_assert_uint_eq(out.max_hosts, FAM_MAX_HOSTS);
	ck_assert_uint_eq(out.create_time_ns, 1234567890123456789ULL);
	ck_assert_str_eq(out.label, "test-label");
	ck_assert_mem_eq(d.magic, FAM_SB_MAGIC, FAM_MAGIC_LEN);

	/* A 32-byte label survives whole and comes back NUL-terminated. */
	memset(sb.label, 'L', 32);
	sb.label[32] = 0;
	fam_sb_encode(&sb, &d);
	ck_assert_int_eq(fam_sb_decode(&d, sizeof(d), &out), 0);
	ck_assert_uint_eq(strlen(out.label), 32);
}
END_TEST

START_TEST(test_sb_corruption)
{
	struct fam_sb sb, out;
	struct fam_sb_disk d;
	uint8_t *p = (uint8_t *)&d;

	sample_sb(&sb);
	fam_sb_encode(&sb, &d);
	for (size_t i = 0; i < sizeof(d); i++) {
		for (int b = 0; b < 9; b++) {
			uint8_t x = b < 8 ? (uint8_t)(1u << b) : 0xff;

			p[i] ^= x;
			ck_assert_msg(fam_sb_decode(&d, sizeof(d), &out) != 0,
				      "flip 0x%02x at byte %zu not detected", x, i);
			p[i] ^= x;
		}
	}
	ck_assert_int_eq(fam_sb_decode(&d, sizeof(d), &out), 0);
	ck_assert_int_eq(fam_sb_decode(&d, sizeof(d) - 1, &out), -EINVAL);
	p[0] ^= 1;
	ck_assert_int_eq(fam_sb_decode(&d, sizeof(d), &out), -ENODATA);
}
END_TEST

/* Valid CRC but inconsistent fields: each is refused. */
START_TEST(test_sb_semantic)
{
	struct fam_sb sb, out;
	struct fam_sb_disk d;

	sample_sb(&sb);
	sb.alloc_unit = 3000;
	fam_sb_encode(&sb, &d);
	ck_assert_int_eq(fam_sb_decode(&d, sizeof(d), &out), -EUCLEAN);
	sample_sb(&sb);
	sb.data_offset = sb.log_offset + sb.log_size - 4096;
	fam_sb_encode(&sb, &d);
	ck_assert_int_eq(fam_sb_decode(&d, sizeof(d), &out), -EUCLEAN);
	sample_sb(&sb);
	sb.features_incompat = 1ULL << 40;
	fam_sb_encode(&sb, &d);
	ck_assert_int_eq(fam_sb_decode(&d, sizeof(d), &out), -EPROTONOSUPPORT);
	sample_sb(&sb);
	sb.version = 2;
	fam_sb_encode(&sb, &d);
	ck_assert_int_eq(fam_sb_decode(&d, sizeof(d), &out), -EPROTONOSUPPORT);
}
END_TEST

START_TEST(test_sb_layout)
{
	struct fam_sb sb;

	ck_assert_int_eq(fam_sb_layout(&sb, 1ULL << 30, 8 * FAM_MiB, 3 * 4096), -EINVAL);
	ck_assert_int_eq(fam_sb_layout(&sb, 1ULL << 30, 8 * FAM_MiB, 2048), -EINVAL);
	ck_assert_int_eq(fam_sb_layout(&sb, 1ULL << 30, FAM_LOG_SIZE_MIN - 4096, 4096), -EINVAL);
	ck_assert_int_eq(fam_sb_layout(&sb, 1ULL << 30, FAM_LOG_SIZE_MIN + 100, 4096), -EINVAL);
	ck_assert_int_eq(fam_sb_layout(&sb, 4 * FAM_MiB, FAM_LOG_SIZE_MIN, 4096), -ENOSPC);
	ck_assert_int_eq(fam_sb_layout(&sb, 4 * FAM_MiB + 4096, FAM_LOG_SIZE_MIN, 4096), 0);
	ck_assert_uint_eq(sb.data_offset, 4 * FAM_MiB);
	/* A 1 GiB allocation unit aligns the data area to 1 GiB. */
	ck_assert_int_eq(fam_sb_layout(&sb, 4ULL << 30, FAM_LOG_SIZE_MIN, 1ULL << 30), 0);
	ck_assert_uint_eq(sb.data_offset, 1ULL << 30);
}
END_TEST

static void sample_hdr(struct fam_log_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->update_count = 77;
	h->area_size = FAM_LOG_SIZE_DEFAULT - FAM_LOG_HDR_AREA;
	h->committed_seq = 1000;
	h->head = 4096;
	h->head_seq = 900;
	h->tail = 65536;
	h->epoch = 5;
	h->wrap_count = 3;
	for (int i = 0; i < 16; i++)
		h->uuid[i] = (uint8_t)(i * 3);
}

START_TEST(test_hdr_roundtrip_and_corruption)
{
	struct fam_log_hdr h, out;
	struct fam_log_hdr_disk d;
	uint8_t *p = (uint8_t *)&d;

	sample_hdr(&h);
	fam_log_hdr_encode(&h, &d);
	ck_assert_int_eq(fam_log_hdr_decode(&d, sizeof(d), &out), 0);
	ck_assert_mem_eq(&out, &h, sizeof(h));
	for (size_t i = 0; i < sizeof(d); i++) {
		for (int b = 0; b < 9; b++) {
			uint8_t x = b < 8 ? (uint8_t)(1u << b) : 0xff;

			p[i] ^= x;
			ck_assert_msg(fam_log_hdr_decode(&d, sizeof(d), &out) != 0,
				      "flip 0x%02x at byte %zu not detected", x, i);
			p[i] ^= x;
		}
	}
	/* Semantically impossible headers, even with a good CRC. */
	sample_hdr(&h);
	h.tail = h.area_size;
	fam_log_hdr_encode(&h, &d);
	ck_assert_int_eq(fam_log_hdr_decode(&d, sizeof(d), &out), -EUCLEAN);
	sample_hdr(&h);
	h.head = 4097;
	fam_log_hdr_encode(&h, &d);
	ck_assert_int_eq(fam_log_hdr_decode(&d, sizeof(d), &out), -EUCLEAN);
	sample_hdr(&h);
	h.head_seq = h.committed_seq + 2;
	fam_log_hdr_encode(&h, &d);
	ck_assert_int_eq(fam_log_hdr_decode(&d, sizeof(d), &out), -EUCLEAN);
}
END_TEST

/* ---- records ---- */

static const struct fam_extent sample_ext[3] = {
	{ 4 * FAM_MiB, 2 * FAM_MiB }, { 10 * FAM_MiB, 4096 }, { 64 * FAM_MiB, 8 * FAM_MiB },
};
static const struct fam_pending_free sample_pend[2] = {
	{ 17, { 6 * FAM_MiB, 8192 } }, { 23, { 100 * FAM_MiB, 2 * FAM_MiB } },
};

#define N_SAMPLES 9

/* Sample record i: every type, CREATE with and without extents, both checkpoint phases. */
static struct fam_rec sample_rec(int i)
{
	struct fam_rec r = { .flags = (uint16_t)(i << 1), .seq = 100 + (uint64_t)i, .epoch = 9 };

	switch (i) {
	case 0:
		r.type = FAM_REC_MKDIR;
		r.u.node = (typeof(r.u.node)){ .ino = 5, .mode = 0755, .uid = 1000, .gid = 100,
					       .path = "/dir", .path_len = 4 };
		break;
	case 1:
	case 2:
		r.type = FAM_REC_CREATE;
		r.u.node = (typeof(r.u.node)){ .ino = 6, .mode = 0644, .uid = 1, .gid = 2,
					       .size = 10 * FAM_MiB, .n_ext = i == 1 ? 3 : 0,
					       .ext = i == 1 ? sample_ext : NULL,
					       .path = "/dir/file.dat", .path_len = 13 };
		break;
	case 3:
		r.type = FAM_REC_DELETE;
		r.u.del.ino = 6;
		r.u.del.path = "/dir/file.dat";
		r.u.del.path_len = 13;
		break;
	case 4:
		r.type = FAM_REC_RENAME;
		r.u.ren.ino = 7;
		r.u.ren.from = "/a/b";
		r.u.ren.from_len = 4;
		r.u.ren.to = "/c/long-name";
		r.u.ren.to_len = 12;
		break;
	case 5:
		r.type = FAM_REC_OWNER;
		r.u.owner.host = 17;
		r.u.owner.mode = FAM_OWN_RW;
		r.u.owner.grant_epoch = 99;
		r.u.owner.path = "/dir";
		r.u.owner.path_len = 4;
		break;
	case 6:
		r.type = FAM_REC_CHECKPOINT;
		r.u.ckpt.phase = FAM_CKPT_BEGIN;
		r.u.ckpt.n_pending = 2;
		r.u.ckpt.pending = sample_pend;
		r.u.ckpt.next_ino = 1234;
		break;
	case 7:
		r.type = FAM_REC_CHECKPOINT;
		r.u.ckpt.phase = FAM_CKPT_END;
		r.u.ckpt.next_ino = 1234;
		r.u.ckpt.n_records = 42;
		break;
	case 8:
		r.type = FAM_REC_PAD;
		break;
	}
	return r;
}

static int encode_sample(int i, struct fam_rec *r)
{
	*r = sample_rec(i);
	return fam_rec_encode(r, rbuf, r->type == FAM_REC_PAD ? 96 : sizeof(rbuf));
}

static void assert_rec_equal(const struct fam_rec *a, const struct fam_rec *b)
{
	ck_assert_uint_eq(a->type, b->type);
	ck_assert_uint_eq(a->flags, b->flags);
	ck_assert_uint_eq(a->seq, b->seq);
	ck_assert_uint_eq(a->epoch, b->epoch);
	switch (a->type) {
	case FAM_REC_MKDIR:
	case FAM_REC_CREATE:
		ck_assert_uint_eq(a->u.node.ino, b->u.node.ino);
		ck_assert_uint_eq(a->u.node.mode, b->u.node.mode);
		ck_assert_uint_eq(a->u.node.uid, b->u.node.uid);
		ck_assert_uint_eq(a->u.node.gid, b->u.node.gid);
		ck_assert_uint_eq(a->u.node.path_len, b->u.node.path_len);
		ck_assert_mem_eq(a->u.node.path, b->u.node.path, a->u.node.path_len);
		if (a->type == FAM_REC_MKDIR)
			break;
		ck_assert_uint_eq(a->u.node.size, b->u.node.size);
		ck_assert_uint_eq(a->u.node.n_ext, b->u.node.n_ext);
		for (uint32_t k = 0; k < a->u.node.n_ext; k++) {
			struct fam_extent e;

			fam_rec_extent(b, k, &e);
			ck_assert_uint_eq(e.offset, a->u.node.ext[k].offset);
			ck_assert_uint_eq(e.len, a->u.node.ext[k].len);
		}
		break;
	case FAM_REC_DELETE:
		ck_assert_uint_eq(a->u.del.ino, b->u.del.ino);
		ck_assert_uint_eq(a->u.del.path_len, b->u.del.path_len);
		ck_assert_mem_eq(a->u.del.path, b->u.del.path, a->u.del.path_len);
		break;
	case FAM_REC_RENAME:
		ck_assert_uint_eq(a->u.ren.ino, b->u.ren.ino);
		ck_assert_uint_eq(a->u.ren.from_len, b->u.ren.from_len);
		ck_assert_uint_eq(a->u.ren.to_len, b->u.ren.to_len);
		ck_assert_mem_eq(a->u.ren.from, b->u.ren.from, a->u.ren.from_len);
		ck_assert_mem_eq(a->u.ren.to, b->u.ren.to, a->u.ren.to_len);
		break;
	case FAM_REC_OWNER:
		ck_assert_uint_eq(a->u.owner.host, b->u.owner.host);
		ck_assert_uint_eq(a->u.owner.mode, b->u.owner.mode);
		ck_assert_uint_eq(a->u.owner.grant_epoch, b->u.owner.grant_epoch);
		ck_assert_uint_eq(a->u.owner.path_len, b->u.owner.path_len);
		ck_assert_mem_eq(a->u.owner.path, b->u.owner.path, a->u.owner.path_len);
		break;
	case FAM_REC_CHECKPOINT:
		ck_assert_uint_eq(a->u.ckpt.phase, b->u.ckpt.phase);
		ck_assert_uint_eq(a->u.ckpt.n_pending, b->u.ckpt.n_pending);
		ck_assert_uint_eq(a->u.ckpt.next_ino, b->u.ckpt.next_ino);
		ck_assert_uint_eq(a->u.ckpt.n_records, b->u.ckpt.n_records);
		for (uint32_t k = 0; k < a->u.ckpt.n_pending; k++) {
			struct fam_pending_free pf;

			fam_rec_pending(b, k, &pf);
			ck_assert_uint_eq(pf.free_seq, a->u.ckpt.pending[k].free_seq);
			ck_assert_uint_eq(pf.ext.offset, a->u.ckpt.pending[k].ext.offset);
			ck_assert_uint_eq(pf.ext.len, a->u.ckpt.pending[k].ext.len);
		}
		break;
	}
}

START_TEST(test_rec_roundtrip)
{
	struct fam_rec r, out;
	int len = encode_sample(_i, &r);

	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(len % FAM_REC_ALIGN, 0);
	if (r.type == FAM_REC_PAD)
		ck_assert_int_eq(len, 96);
	else
		ck_assert_uint_eq((size_t)len, fam_rec_size(&r));
	/* Extra bytes after the record are not part of it. */
	ck_assert_int_eq(fam_rec_decode(rbuf, sizeof(rbuf), &out), len);
	ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)len, &out), len);
	assert_rec_equal(&r, &out);
	ck_assert_str_ne(fam_rec_type_name(r.type), "UNKNOWN");
	/* Truncated: never decodes. */
	for (int cut = 0; cut < len; cut += 4)
		ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)cut, &out), -EBADMSG);
}
END_TEST

START_TEST(test_rec_corruption)
{
	struct fam_rec r, out;
	int len = encode_sample(_i, &r);

	ck_assert_int_gt(len, 0);
	for (int i = 0; i < len; i++) {
		for (int b = 0; b < 9; b++) {
			uint8_t x = b < 8 ? (uint8_t)(1u << b) : 0xff;
			int ret;

			rbuf[i] ^= x;
			ret = fam_rec_decode(rbuf, (size_t)len, &out);
			ck_assert_msg(ret == -EBADMSG, "%s: flip 0x%02x at byte %d: decode gave %d",
				      fam_rec_type_name(r.type), x, i, ret);
			rbuf[i] ^= x;
		}
	}
	ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)len, &out), len);
}
END_TEST

/* Re-seal a record after editing it, so that only the semantic checks can object. */
static void reseal(uint8_t *b, uint32_t len)
{
	uint32_t crc = htole32(fam_crc32c(0, b, len - 4));

	memcpy(b + len - 4, &crc, 4);
}

START_TEST(test_rec_semantic)
{
	struct fam_rec r, out;
	int len;
	uint32_t v;

	/* Unknown type. */
	len = encode_sample(0, &r);
	rbuf[4] = 99;
	reseal(rbuf, (uint32_t)len);
	ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)len, &out), -EBADMSG);
	ck_assert_str_eq(fam_rec_type_name(99), "UNKNOWN");

	/* Invalid paths inside a well-sealed record. */
	const char *bad[] = { "rel", "/a/", "//a", "/a/./b", "/..", "" };
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		r = sample_rec(0);
		r.u.node.path = bad[k];
		r.u.node.path_len = (uint32_t)strlen(bad[k]);
		len = fam_rec_encode(&r, rbuf, sizeof(rbuf));
		ck_assert_int_gt(len, 0);
		ck_assert_msg(fam_rec_decode(rbuf, (size_t)len, &out) == -EBADMSG, "path '%s'", bad[k]);
	}

	/* A CREATE claiming more extents than the record holds. */
	len = encode_sample(1, &r);
	v = htole32(4);
	memcpy(rbuf + 24 + 24 + 8, &v, 4);
	reseal(rbuf, (uint32_t)len);
	ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)len, &out), -EBADMSG);

	/* Path length running past the payload. */
	len = encode_sample(3, &r);
	v = htole32(1000);
	memcpy(rbuf + 24 + 8, &v, 4);
	reseal(rbuf, (uint32_t)len);
	ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)len, &out), -EBADMSG);

	/* OWNER with an out-of-range mode / host. */
	r = sample_rec(5);
	r.u.owner.mode = 3;
	len = fam_rec_encode(&r, rbuf, sizeof(rbuf));
	ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)len, &out), -EBADMSG);
	r = sample_rec(5);
	r.u.owner.host = FAM_MAX_HOSTS;
	len = fam_rec_encode(&r, rbuf, sizeof(rbuf));
	ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)len, &out), -EBADMSG);

	/* CHECKPOINT with an unknown phase. */
	r = sample_rec(7);
	r.u.ckpt.phase = 3;
	len = fam_rec_encode(&r, rbuf, sizeof(rbuf));
	ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)len, &out), -EBADMSG);

	/* A length that is not a multiple of 8, or below the minimum. */
	len = encode_sample(0, &r);
	v = htole32((uint32_t)len - 4);
	memcpy(rbuf, &v, 4);
	ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)len, &out), -EBADMSG);
	v = htole32(24);
	memcpy(rbuf, &v, 4);
	ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)len, &out), -EBADMSG);
}
END_TEST

START_TEST(test_rec_encode_limits)
{
	struct fam_rec r = sample_rec(1);
	int len = (int)fam_rec_size(&r);
	static struct fam_pending_free many[50000];

	ck_assert_int_eq(fam_rec_encode(&r, rbuf, (size_t)len - 8), -ENOSPC);
	ck_assert_int_eq(fam_rec_encode(&r, rbuf, (size_t)len), len);
	r = sample_rec(8);
	ck_assert_int_eq(fam_rec_encode(&r, rbuf, 24), -EINVAL);
	ck_assert_int_eq(fam_rec_encode(&r, rbuf, 44), -EINVAL);
	ck_assert_int_eq(fam_rec_encode(&r, rbuf, 32), 32);
	r = sample_rec(6);
	r.u.ckpt.n_pending = 50000;	/* 1.2 MB: over FAM_REC_MAX */
	r.u.ckpt.pending = many;
	ck_assert_uint_gt(fam_rec_size(&r), FAM_REC_MAX);
	ck_assert_int_eq(fam_rec_encode(&r, rbuf, sizeof(rbuf)), -E2BIG);
	r.type = 0;
	ck_assert_int_eq(fam_rec_encode(&r, rbuf, sizeof(rbuf)), -EINVAL);
}
END_TEST

/* A CREATE with the most extents a record allows, at an odd buffer offset. */
START_TEST(test_rec_max_extents_unaligned)
{
	static struct fam_extent ext[FAM_MAX_EXTENTS];
	static uint8_t buf[FAM_MAX_EXTENTS * 16 + 4096 + 8];
	struct fam_rec r = sample_rec(1), out;
	int len;

	for (uint32_t k = 0; k < FAM_MAX_EXTENTS; k++) {
		ext[k].offset = 4 * FAM_MiB + k * 8192ULL;
		ext[k].len = 4096 + k;
	}
	r.u.node.n_ext = FAM_MAX_EXTENTS;
	r.u.node.ext = ext;
	len = fam_rec_encode(&r, buf + 4, sizeof(buf) - 4);
	ck_assert_int_gt(len, FAM_MAX_EXTENTS * 16);
	ck_assert_int_eq(fam_rec_decode(buf + 4, (size_t)len, &out), len);
	assert_rec_equal(&r, &out);
}
END_TEST

START_TEST(test_path_check)
{
	static char p[PATH_MAX + 16];
	size_t n = 0;

	ck_assert_int_eq(fam_path_check("/", 1), 0);
	ck_assert_int_eq(fam_path_check("/a", 2), 0);
	ck_assert_int_eq(fam_path_check("/a/b.c/...", 10), 0);
	ck_assert_int_eq(fam_path_check("", 0), -EINVAL);
	ck_assert_int_eq(fam_path_check("a", 1), -EINVAL);
	ck_assert_int_eq(fam_path_check("/a/", 3), -EINVAL);
	ck_assert_int_eq(fam_path_check("//a", 3), -EINVAL);
	ck_assert_int_eq(fam_path_check("/a/.", 4), -EINVAL);
	ck_assert_int_eq(fam_path_check("/../a", 5), -EINVAL);
	ck_assert_int_eq(fam_path_check("/a\0b", 4), -EINVAL);

	/* Names: 255 bytes is fine, 256 is too long. */
	p[0] = '/';
	memset(p + 1, 'n', 256);
	ck_assert_int_eq(fam_path_check(p, 1 + 255), 0);
	ck_assert_int_eq(fam_path_check(p, 1 + 256), -ENAMETOOLONG);

	/* Paths: PATH_MAX - 1 bytes (names <= 255) is fine, PATH_MAX is too long. */
	while (n < PATH_MAX + 8) {
		p[n++] = '/';
		for (int k = 0; k < 200 && n < PATH_MAX + 8; k++)
			p[n++] = 'x';
	}
	if (p[PATH_MAX - 2] == '/')
		p[PATH_MAX - 2] = 'y';
	if (p[PATH_MAX - 1] == '/')
		p[PATH_MAX - 1] = 'y';
	ck_assert_int_eq(fam_path_check(p, PATH_MAX - 1), 0);
	ck_assert_int_eq(fam_path_check(p, PATH_MAX), -ENAMETOOLONG);
	ck_assert_int_eq(fam_path_check(p, PATH_MAX + 5), -ENAMETOOLONG);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("format");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_sb_roundtrip);
	tcase_add_test(tc, test_sb_corruption);
	tcase_add_test(tc, test_sb_semantic);
	tcase_add_test(tc, test_sb_layout);
	tcase_add_test(tc, test_hdr_roundtrip_and_corruption);
	tcase_add_loop_test(tc, test_rec_roundtrip, 0, N_SAMPLES);
	tcase_add_loop_test(tc, test_rec_corruption, 0, N_SAMPLES);
	tcase_add_test(tc, test_rec_semantic);
	tcase_add_test(tc, test_rec_encode_limits);
	tcase_add_test(tc, test_rec_max_extents_unaligned);
	tcase_add_test(tc, test_path_check);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
