// SPDX-License-Identifier: Apache-2.0
/*
 * Ownership logic without a daemon (issue 12, defects 4, 6, 7): the record
 * extension (request id, the one-record handoff), the handoff applied to a
 * namespace, the access rule for what nobody owns, the check of a peer's
 * Grant against the log, and the table of request ids.
 */
#include "testutil.h"
#include "grants.h"
#include "namespace.h"
#include "reqids.h"
#include "crc32c.h"

static struct fam_ns ns;
static uint64_t seq;
static uint8_t rbuf[4096];

static void setup(void)
{
	ck_assert_int_eq(fam_ns_init(&ns), 0);
	seq = 0;
}

static void teardown(void)
{
	fam_ns_fini(&ns);
}

static void mk(const char *path, bool dir, uint64_t ino)
{
	struct fam_rec r = { .type = dir ? FAM_REC_MKDIR : FAM_REC_CREATE, .seq = ++seq };

	r.u.node.ino = ino;
	r.u.node.mode = 0755;
	r.u.node.path = path;
	r.u.node.path_len = (uint32_t)strlen(path);
	ck_assert_int_eq(fam_ns_apply(&ns, &r, false), 0);
}

static struct fam_rec owner_rec(const char *path, uint32_t host, uint32_t mode, uint64_t epoch)
{
	struct fam_rec r = { .type = FAM_REC_OWNER, .seq = seq + 1 };

	r.u.owner.path = path;
	r.u.owner.path_len = (uint32_t)strlen(path);
	r.u.owner.host = host;
	r.u.owner.mode = mode;
	r.u.owner.grant_epoch = epoch;
	return r;
}

static int own(const char *path, uint32_t host, uint32_t mode, uint64_t epoch)
{
	struct fam_rec r = owner_rec(path, host, mode, epoch);
	int err = fam_ns_apply(&ns, &r, false);

	if (!err)
		seq++;
	return err;
}

static int move(const char *path, uint32_t from, uint64_t from_epoch, uint32_t to,
		uint64_t epoch, bool dry)
{
	struct fam_rec r = owner_rec(path, to, FAM_OWN_RW, epoch);
	int err;

	r.u.owner.has_prev = true;
	r.u.owner.prev_host = from;
	r.u.owner.prev_epoch = from_epoch;
	err = fam_ns_apply(&ns, &r, dry);
	if (!err && !dry)
		seq++;
	return err;
}

static struct fam_node *node(const char *path)
{
	struct fam_node *n = NULL;

	ck_assert_int_eq(fam_ns_lookup(&ns, path, strlen(path), &n), 0);
	return n;
}

/* The extension: request id and the replaced grant survive a round trip; old records stay as they were. */
START_TEST(test_ext_roundtrip)
{
	struct fam_rec r = owner_rec("/d", 2, FAM_OWN_RW, 7), out;
	int len, plain;

	plain = fam_rec_encode(&r, rbuf, sizeof(rbuf));
	ck_assert_int_gt(plain, 0);
	ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)plain, &out), plain);
	ck_assert_uint_eq(out.flags & FAM_REC_F_EXT, 0);
	ck_assert(!out.u.owner.has_prev && !fam_rec_has_req(&out));
	/* An old record (no extension) is exactly as long as before: 24 + 24 + 2 + 4 -> 56. */
	ck_assert_int_eq(plain, 56);

	memset(r.req_id, 0xab, sizeof(r.req_id));
	r.u.owner.has_prev = true;
	r.u.owner.prev_host = 1;
	r.u.owner.prev_epoch = 6;
	len = fam_rec_encode(&r, rbuf, sizeof(rbuf));
	ck_assert_int_eq(len, (int)fam_rec_size(&r));
	ck_assert_int_gt(len, plain);
	ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)len, &out), len);
	ck_assert_uint_eq(out.flags & FAM_REC_F_EXT, FAM_REC_F_EXT);
	ck_assert(out.u.owner.has_prev);
	ck_assert_uint_eq(out.u.owner.prev_host, 1);
	ck_assert_uint_eq(out.u.owner.prev_epoch, 6);
	ck_assert_uint_eq(out.u.owner.host, 2);
	ck_assert_uint_eq(out.u.owner.grant_epoch, 7);
	ck_assert_mem_eq(out.req_id, r.req_id, FAM_REQ_ID_LEN);
	ck_assert_mem_eq(out.u.owner.path, "/d", 2);
	/* Truncated anywhere: never decodes. */
	for (int cut = 0; cut < len; cut += 4)
		ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)cut, &out), -EBADMSG);

	/* A request id on a record of another type. */
	{
		struct fam_rec d = { .type = FAM_REC_DELETE, .seq = 3, .epoch = 1 };

		d.u.del.ino = 9;
		d.u.del.path = "/a/b";
		d.u.del.path_len = 4;
		memset(d.req_id, 0x11, sizeof(d.req_id));
		len = fam_rec_encode(&d, rbuf, sizeof(rbuf));
		ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)len, &out), len);
		ck_assert_mem_eq(out.req_id, d.req_id, FAM_REQ_ID_LEN);
		ck_assert_uint_eq(out.u.del.ino, 9);
	}
}
END_TEST

/* Re-seal a record after changing its bytes (the CRC32C is the last 4 bytes). */
static void reseal(uint8_t *b, int len)
{
	uint32_t c = fam_crc32c(0, b, (size_t)len - 4);

	memcpy(b + len - 4, &c, 4);	/* little-endian hosts only, as the tests run */
}

/* Malformed extensions are corrupt records, never silently half-applied. */
START_TEST(test_ext_rejects)
{
	struct fam_rec r = owner_rec("/d", 2, FAM_OWN_RW, 7), out;
	size_t ext_off = 24 + fam_round_up(24 + 2, 8);	/* header + OWNER fields + path, aligned */
	int len;

	memset(r.req_id, 0x42, sizeof(r.req_id));
	len = fam_rec_encode(&r, rbuf, sizeof(rbuf));
	ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)len, &out), len);
	/* An unknown extension flag. */
	rbuf[ext_off + 4] = 0x80;
	reseal(rbuf, len);
	ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)len, &out), -EBADMSG);
	/* FAM_EXT_PREV without room for its fields. */
	rbuf[ext_off + 4] = FAM_EXT_PREV;
	reseal(rbuf, len);
	ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)len, &out), -EBADMSG);
	/* An extension longer than the record. */
	rbuf[ext_off + 4] = 0;
	rbuf[ext_off] = 200;
	reseal(rbuf, len);
	ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)len, &out), -EBADMSG);
	/* FAM_EXT_PREV on a DELETE. */
	{
		struct fam_rec d = { .type = FAM_REC_DELETE, .seq = 3 };
		size_t off = 24 + fam_round_up(16 + 4, 8);

		d.u.del.path = "/a/b";
		d.u.del.path_len = 4;
		memset(d.req_id, 0x11, sizeof(d.req_id));
		len = fam_rec_encode(&d, rbuf, sizeof(rbuf));
		ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)len, &out), len);
		rbuf[off + 4] = FAM_EXT_PREV;
		reseal(rbuf, len);
		ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)len, &out), -EBADMSG);
	}
	/* Without FAM_REC_F_EXT the same trailing bytes are ignored, as an older reader did. */
	len = fam_rec_encode(&r, rbuf, sizeof(rbuf));
	rbuf[6] = 0;
	reseal(rbuf, len);
	ck_assert_int_eq(fam_rec_decode(rbuf, (size_t)len, &out), len);
	ck_assert(!fam_rec_has_req(&out));
	ck_assert_uint_eq(out.u.owner.host, 2);
}
END_TEST

/* A handoff is one record: no prefix of the log shows the data set with neither grant. */
START_TEST(test_handoff_one_record)
{
	struct fam_node *n;

	mk("/d", true, 2);
	mk("/d/f", false, 3);
	ck_assert_int_eq(own("/d", 1, FAM_OWN_RW, 1), 0);
	/* The replaced grant must be there with that epoch, as the writer saw it. */
	ck_assert_int_eq(move("/d", 1, 9, 2, 2, true), -ESTALE);
	ck_assert_int_eq(move("/d", 3, 1, 2, 2, true), -ESTALE);
	ck_assert_int_eq(move("/d", 1, 1, 1, 2, true), -EINVAL);
	ck_assert_int_eq(move("/d", 1, 1, 2, 2, true), 0);
	n = node("/d");
	ck_assert_uint_eq(n->n_grants, 1);
	ck_assert_uint_eq(n->grants[0].host, 1);
	ck_assert_int_eq(move("/d", 1, 1, 2, 2, false), 0);
	n = node("/d");
	ck_assert_uint_eq(n->n_grants, 1);
	ck_assert_uint_eq(n->grants[0].host, 2);
	ck_assert_uint_eq(n->grants[0].mode, FAM_OWN_RW);
	ck_assert_uint_eq(n->grants[0].grant_epoch, 2);
	/* Replayed again (a duplicate): refused, nothing changes. */
	ck_assert_int_eq(move("/d", 1, 1, 2, 2, false), -ESTALE);
	ck_assert_uint_eq(node("/d")->grants[0].host, 2);
	/* With a read-only grant of a third host beside it, only the mover's grant moves. */
	ck_assert_int_eq(own("/d/f", 3, FAM_OWN_RO, 3), 0);
	ck_assert_int_eq(move("/d", 2, 2, 1, 4, false), 0);
	ck_assert_uint_eq(node("/d")->n_grants, 1);
	ck_assert_uint_eq(node("/d/f")->n_grants, 1);
}
END_TEST

static bool lost_epoch5(const void *arg, uint64_t ino, uint64_t epoch)
{
	(void)arg;
	(void)ino;
	return epoch == 5;
}

/* Defect 4's rule: what nobody owns is read-only in a cluster, read-write on a single host. */
START_TEST(test_access_rule)
{
	struct grant_view cluster = { .unowned = FAM_OWN_RO, .lost = lost_epoch5, .lost_host = 1 };
	struct grant_view single = { .unowned = FAM_OWN_RW };
	bool owned = true;

	mk("/d", true, 2);
	mk("/d/f", false, 3);
	mk("/e", false, 4);
	ck_assert_uint_eq(grants_access(&cluster, node("/e"), 1, &owned), FAM_OWN_RO);
	ck_assert(!owned);
	ck_assert_uint_eq(grants_access(&single, node("/e"), 1, NULL), FAM_OWN_RW);
	ck_assert_int_eq(own("/d", 1, FAM_OWN_RW, 4), 0);
	ck_assert_uint_eq(grants_access(&cluster, node("/d/f"), 1, &owned), FAM_OWN_RW);
	ck_assert(owned);
	ck_assert_uint_eq(grants_access(&cluster, node("/d/f"), 2, NULL), FAM_OWN_NONE);
	ck_assert_uint_eq(grants_access(&single, node("/d/f"), 2, NULL), FAM_OWN_NONE);
	/* A lost grant (hostlease.c) gives its host nothing. */
	ck_assert_int_eq(own("/d", 1, FAM_OWN_RW, 5), 0);
	ck_assert_uint_eq(grants_access(&cluster, node("/d/f"), 1, NULL), FAM_OWN_NONE);
	/* Conflicts: another host's read-write grant on a parent is in the way. */
	{
		char msg[256];

		ck_assert_int_eq(grants_conflict(node("/d/f"), "/d/f", 2, FAM_OWN_RO, NULL, 0, msg,
						 sizeof(msg)), -EBUSY);
		ck_assert_str_eq(msg, "/d/f: owned read-write by host 1 (grant on /d, a parent "
				 "directory)");
		ck_assert_int_eq(grants_conflict(node("/d/f"), "/d/f", 2, FAM_OWN_RW, node("/d"), 1,
						 msg, sizeof(msg)), 0);
	}
	ck_assert_uint_eq(grants_max_epoch(node("/d/f")), 5);
}
END_TEST

/*
 * Namespace changes (authz.c): any other host's grant, read-only or
 * read-write, on the node, above it or (for a node that goes with its
 * contents) below it is in the way; the holder's own never is.
 */
START_TEST(test_namespace_in_way)
{
	char msg[512];

	mk("/top", true, 2);
	mk("/top/in", true, 3);
	mk("/top/in/y", false, 4);
	mk("/r", true, 5);
	mk("/free", true, 6);
	ck_assert_int_eq(own("/top/in", 2, FAM_OWN_RW, 1), 0);
	ck_assert_int_eq(own("/r", 3, FAM_OWN_RO, 1), 0);
	ck_assert_int_eq(own("/r", 1, FAM_OWN_RO, 1), 0);
	/* Inside another host's read-write data set: refused, the holder named. */
	ck_assert_int_eq(grants_in_way(node("/top/in/y"), true, "/top/in/y", 1, msg, sizeof(msg)),
			 -EBUSY);
	ck_assert_str_eq(msg, "/top/in/y: owned read-write by host 2 (grant on /top/in, a parent "
			 "directory)");
	ck_assert_int_eq(grants_in_way(node("/top/in/y"), true, "/top/in/y", 2, msg, sizeof(msg)),
			 0);
	/* A directory that holds a data set moves or goes with it: below counts... */
	ck_assert_int_eq(grants_in_way(node("/top"), true, "/top", 1, msg, sizeof(msg)), -EBUSY);
	ck_assert_str_eq(msg, "/top: owned read-write by host 2 (grant on /top/in, inside it)");
	/* ...but a new name next to it (checked at its parent) does not. */
	ck_assert_int_eq(grants_in_way(node("/top"), false, "/top/new", 1, msg, sizeof(msg)), 0);
	/* Read-only grants keep others out too, the holder's own are no obstacle. */
	ck_assert_int_eq(grants_in_way(node("/r"), false, "/r/new", 1, msg, sizeof(msg)), -EBUSY);
	ck_assert_str_eq(msg, "/r/new: host 3 holds a read-only grant (grant on /r, a parent "
			 "directory)");
	ck_assert_int_eq(own("/r", 3, FAM_OWN_NONE, 1), 0);
	ck_assert_int_eq(grants_in_way(node("/r"), false, "/r/new", 1, msg, sizeof(msg)), 0);
	ck_assert_int_eq(grants_in_way(node("/r"), false, "/r/new", 2, msg, sizeof(msg)), -EBUSY);
	ck_assert_int_eq(grants_in_way(node("/free"), true, "/free", 1, msg, sizeof(msg)), 0);
}
END_TEST

/* Defect 6: a Grant message raises access only if the log holds exactly that grant. */
START_TEST(test_grant_message_check)
{
	mk("/d", true, 2);
	ck_assert_int_eq(grants_check_message(node("/d"), 2, FAM_OWN_RW, 3), -ENOENT);
	ck_assert_int_eq(own("/d", 2, FAM_OWN_RW, 3), 0);
	ck_assert_int_eq(grants_check_message(node("/d"), 2, FAM_OWN_RW, 3), 0);
	ck_assert_int_eq(grants_check_message(node("/d"), 2, FAM_OWN_RO, 3), -ESTALE);
	/* Handed on and back: a delayed Grant of the old epoch is stale. */
	ck_assert_int_eq(move("/d", 2, 3, 1, 4, false), 0);
	ck_assert_int_eq(grants_check_message(node("/d"), 2, FAM_OWN_RW, 3), -ENOENT);
	ck_assert_int_eq(move("/d", 1, 4, 2, 5, false), 0);
	ck_assert_int_eq(grants_check_message(node("/d"), 2, FAM_OWN_RW, 3), -ESTALE);
	ck_assert_int_eq(grants_check_message(node("/d"), 2, FAM_OWN_RW, 5), 0);
}
END_TEST

static struct fam_rec req_rec(uint32_t k, uint64_t s)
{
	struct fam_rec r = { .type = FAM_REC_DELETE, .seq = s };

	memcpy(r.req_id, &k, sizeof(k));
	r.req_id[15] = 0x5a;
	return r;
}

/* Defect 7: request ids of the records applied, the first one counts, bounded, evicted oldest first. */
START_TEST(test_reqids)
{
	struct fam_reqids t;
	struct fam_rec r = req_rec(1, 10), none = { .type = FAM_REC_MKDIR, .seq = 11 };
	const struct fam_reqid *e;

	ck_assert_int_eq(fam_reqids_init(&t, 64), 0);
	ck_assert_int_eq(fam_reqids_note(&t, &none), 0);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_ptr_null(fam_reqids_find(&t, none.req_id));
	ck_assert_int_eq(fam_reqids_note(&t, &r), 0);
	r.seq = 12;	/* a later record of the same request: the first one stays */
	ck_assert_int_eq(fam_reqids_note(&t, &r), 0);
	e = fam_reqids_find(&t, r.req_id);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->seq, 10);
	ck_assert_uint_eq(e->type, FAM_REC_DELETE);
	/* 1000 more: the table keeps the 64 newest, every one findable. */
	for (uint32_t k = 2; k < 1002; k++) {
		struct fam_rec q = req_rec(k, 100 + k);

		ck_assert_int_eq(fam_reqids_note(&t, &q), 0);
	}
	ck_assert_uint_eq(t.n, 64);
	for (uint32_t k = 1; k < 1002; k++) {
		struct fam_rec q = req_rec(k, 0);

		e = fam_reqids_find(&t, q.req_id);
		if (k >= 1002 - 64) {
			ck_assert_ptr_nonnull(e);
			ck_assert_uint_eq(e->seq, 100 + k);
		} else {
			ck_assert_ptr_null(e);
		}
	}
	fam_reqids_fini(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("grants");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ext_roundtrip);
	tcase_add_test(tc, test_ext_rejects);
	tcase_add_test(tc, test_handoff_one_record);
	tcase_add_test(tc, test_access_rule);
	tcase_add_test(tc, test_grant_message_check);
	tcase_add_test(tc, test_namespace_in_way);
	tcase_add_test(tc, test_reqids);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
