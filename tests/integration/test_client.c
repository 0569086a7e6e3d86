// SPDX-License-Identifier: Apache-2.0
/* libfamfs-client against a running famfsd ($FAMFS_SOCKET). */
#include <famfs/client.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static struct famfs_client *c;
static char base[64];

static void setup(void)
{
	ck_assert_int_eq(famfs_connect(NULL, &c), 0);
	snprintf(base, sizeof(base), "/client-test-%d", getpid());
}

static void teardown(void)
{
	famfs_disconnect(c);
}

START_TEST(test_status)
{
	struct famfs_status st;

	ck_assert_int_eq(famfs_status(c, &st), 0);
	ck_assert(st.writer);
	ck_assert_str_eq(st.mode, "user");
	ck_assert_uint_gt(st.data_bytes, 0);
	ck_assert_uint_eq(st.data_bytes, st.used_bytes + st.pending_bytes + st.free_bytes);
	ck_assert_int_eq(famfs_ping(c), 0);
}
END_TEST

/* A single famfsd: one host, itself, master, no lease; lag 0 once its commits are applied. */
START_TEST(test_cluster)
{
	struct famfs_status st;
	struct famfs_cluster cl;

	ck_assert_int_eq(famfs_status(c, &st), 0);
	ck_assert_int_eq(famfs_cluster(c, &cl), 0);
	ck_assert_uint_eq(cl.n_hosts, 1);
	ck_assert_uint_eq(cl.self, st.host_id);
	ck_assert_int_eq(cl.master, (int)st.host_id);
	ck_assert_str_eq(cl.role, "master");
	ck_assert_uint_eq(cl.lease_ms, 0);
	ck_assert_uint_eq(cl.epoch, st.epoch);
	ck_assert(cl.hosts[0].self && cl.hosts[0].master && cl.hosts[0].up);
	ck_assert(cl.hosts[0].replay_known);
	ck_assert_uint_eq(cl.hosts[0].replayed_seq, cl.committed_seq);
	ck_assert_uint_eq(cl.hosts[0].lag, 0);
	ck_assert_str_eq(cl.hosts[0].lease, "none");
	ck_assert_str_eq(cl.hosts[0].name, "self");
	famfs_cluster_free(&cl);
	ck_assert_ptr_null(cl.hosts);
	famfs_cluster_free(NULL);
}
END_TEST

START_TEST(test_create_map_roundtrip)
{
	char dir[128], path[160];
	struct famfs_stat st;
	struct famfs_map m;
	size_t size = 3 * 1024 * 1024 + 17;

	snprintf(dir, sizeof(dir), "%s/a/b", base);
	snprintf(path, sizeof(path), "%s/file", dir);
	ck_assert_int_eq(famfs_mkdir(c, dir, 0755, true), 0);
	ck_assert_int_eq(famfs_create(c, path, 0600, size, &st), 0);
	ck_assert_uint_eq(st.size, size);
	ck_assert_uint_ge(st.n_extents, 1);
	ck_assert_uint_eq(st.extents[0].offset % (2 << 20), 0);
	famfs_stat_free(&st);

	ck_assert_int_eq(famfs_mmap(c, path, PROT_READ | PROT_WRITE, &m), 0);
	ck_assert_uint_eq(m.length, size);
	for (size_t i = 0; i < size; i++)
		((unsigned char *)m.addr)[i] = (unsigned char)(i * 31 + 7);
	famfs_flush(m.addr, m.length);
	ck_assert_int_eq(famfs_munmap(&m), 0);

	ck_assert_int_eq(famfs_mmap(c, path, PROT_READ, &m), 0);
	famfs_invalidate(m.addr, m.length);
	for (size_t i = 0; i < size; i += 4093)
		ck_assert_uint_eq(((unsigned char *)m.addr)[i], (unsigned char)(i * 31 + 7));
	ck_assert_int_eq(famfs_munmap(&m), 0);

	ck_assert_int_eq(famfs_stat(c, path, &st), 0);
	ck_assert_uint_eq(st.mode, 0600);
	ck_assert_uint_eq(st.uid, getuid());
	famfs_stat_free(&st);
}
END_TEST

START_TEST(test_list_rename_unlink)
{
	char dir[128], a[160], b[160];
	struct famfs_stat *e;
	size_t n;

	snprintf(dir, sizeof(dir), "%s/l", base);
	snprintf(a, sizeof(a), "%s/one", dir);
	snprintf(b, sizeof(b), "%s/two", dir);
	ck_assert_int_eq(famfs_mkdir(c, dir, 0755, true), 0);
	ck_assert_int_eq(famfs_create(c, a, 0644, 100, NULL), 0);
	ck_assert_int_eq(famfs_list(c, dir, &e, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(e[0].path, a);
	famfs_list_free(e, n);
	ck_assert_int_eq(famfs_rename(c, a, b), 0);
	ck_assert_int_eq(famfs_stat(c, a, &(struct famfs_stat){ 0 }), -ENOENT);
	ck_assert_int_eq(famfs_unlink(c, b), 0);
	ck_assert_int_eq(famfs_list(c, dir, &e, &n), 0);
	ck_assert_uint_eq(n, 0);
	famfs_list_free(e, n);
}
END_TEST

START_TEST(test_errors)
{
	char dir[128], p[300];
	struct famfs_stat st;

	snprintf(dir, sizeof(dir), "%s/e", base);
	ck_assert_int_eq(famfs_mkdir(c, dir, 0755, true), 0);
	ck_assert_int_eq(famfs_mkdir(c, dir, 0755, false), -EEXIST);
	ck_assert(strstr(famfs_errmsg(c), "ALREADY_EXISTS"));
	snprintf(p, sizeof(p), "%s/missing/x", base);
	ck_assert_int_eq(famfs_create(c, p, 0644, 1, NULL), -ENOENT);
	ck_assert_int_eq(famfs_stat(c, "relative/path", &st), -EINVAL);
	memset(p, 'z', sizeof(p) - 1);
	p[0] = '/';
	p[sizeof(p) - 1] = 0;
	ck_assert_int_eq(famfs_mkdir(c, p, 0755, false), -EINVAL);
	ck_assert(strstr(famfs_errmsg(c), "too long"));
	snprintf(p, sizeof(p), "%s/huge", dir);
	ck_assert_int_eq(famfs_create(c, p, 0644, 1ULL << 40, NULL), -ENOSPC);
	ck_assert_int_eq(famfs_unlink(c, dir), 0);
	ck_assert_int_eq(famfs_unlink(c, dir), -ENOENT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("client");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_cluster);
	tcase_add_test(tc, test_create_map_roundtrip);
	tcase_add_test(tc, test_list_rename_unlink);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
