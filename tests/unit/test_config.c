// SPDX-License-Identifier: Apache-2.0
/*
 * famfsd configuration (famfsd/config.c) and logging (famfsd/logging.c):
 * defaults, a full valid file, every kind of error with its file:line and
 * key, the command-line setter, print -> parse round trips, log formats.
 */
#include "testutil.h"
#include "config.h"
#include "logging.h"

#include <grp.h>

static char err[1024];

/* Parse text on top of the defaults as "t.conf"; returns famfsd_config_parse's result. */
static int parse(struct famfsd_config *c, const char *text)
{
	famfsd_config_defaults(c);
	return famfsd_config_parse(c, text, "t.conf", err, sizeof(err));
}

/* The parse must fail, and the message must hold each of the given strings. */
#define EXPECT_ERR(text, ...) \
	do { \
		struct famfsd_config _c; \
		const char *_want[] = { __VA_ARGS__, NULL }; \
		int _r = parse(&_c, text); \
		ck_assert_msg(_r < 0, "parse of <<%s>> succeeded", text); \
		for (int _i = 0; _want[_i]; _i++) \
			ck_assert_msg(strstr(err, _want[_i]), "message '%s' lacks '%s'", err, \
				      _want[_i]); \
	} while (0)

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f, "create %s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

/* A group this process can resolve, or NULL when the group database has none. */
static const char *some_group(void)
{
	struct group *g = getgrgid(getgid());

	return g ? g->gr_name : NULL;
}

START_TEST(test_defaults)
{
	struct famfsd_config c;

	famfsd_config_defaults(&c);
	ck_assert_str_eq(c.socket, FAMFSD_SOCKET_DEFAULT);
	ck_assert_int_eq(c.mode, FAMFSD_MODE_AUTO);
	ck_assert_int_eq(c.cache_walk, FAMFSD_CACHE_AUTO);
	ck_assert_int_eq(c.log_level, LOG_INFO);
	ck_assert_uint_eq(c.max_frame, 4U << 20);
	ck_assert_uint_eq(c.max_clients, 4096);
	ck_assert_uint_eq(c.lease_ms, 5000);
	ck_assert_uint_eq(c.n_peers, 0);
	ck_assert(!c.admin_gid_set);
	ck_assert_str_eq(c.device, "");
	ck_assert_str_eq(c.metrics_listen, "");
	/* An empty file and a comments-only file change nothing. */
	ck_assert_int_eq(parse(&c, ""), 0);
	ck_assert_int_eq(parse(&c, "# nothing\n; here\n\n   \n[famfs]\n"), 0);
	ck_assert_str_eq(c.socket, FAMFSD_SOCKET_DEFAULT);
	ck_assert_str_eq(famfsd_mode_name(FAMFSD_MODE_USER), "user");
}
END_TEST

START_TEST(test_full_file)
{
	char dev[128], cert[128], key[128], ca[128], conf[128], text[4096], *out = NULL;
	const char *grp = some_group();
	struct famfsd_config c, c2;
	size_t outlen = 0;
	FILE *f;

	tu_fabric_path(dev, sizeof(dev), "dev");
	tu_fabric_path(cert, sizeof(cert), "cert.pem");
	tu_fabric_path(key, sizeof(key), "key.pem");
	tu_fabric_path(ca, sizeof(ca), "ca.pem");
	tu_fabric_path(conf, sizeof(conf), "famfsd.conf");
	tu_fabric_create(dev, 1 << 20);
	write_file(cert, "x\n");
	write_file(key, "x\n");
	write_file(ca, "x\n");
	snprintf(text, sizeof(text),
		 "\xef\xbb\xbf; famfsd test configuration\r\n"
		 "[famfs]\n"
		 "device = %s\n"
		 "  mount = /mnt/famfs   ; indented keys are keys\n"
		 "mode = user\n"
		 "\n"
		 "[ control ]\n"
		 "socket = /run/famfsd/test.sock\n"
		 "admin_group = %s\n"
		 "max_frame = 64K\n"
		 "max_clients: 17\n"
		 "[log]\n"
		 "level = debug\n"
		 "[cluster] # comment\n"
		 "host_id = 1\n"
		 "listen = [fd00::1]:7500\n"
		 "cert = %s\nkey = %s\nca = %s\n"
		 "lease_ms = 2500\n"
		 "[peer b]\n"
		 "host_id = 2\n"
		 "address = [fd00::2]:7500\n"
		 "[peer c-3.x_y]\n"
		 "host_id = 3\n"
		 "address = node3.example:7500\n"
		 "[metrics]\n"
		 "listen = 127.0.0.1:9477\n",
		 dev, grp ? grp : "", cert, key, ca);
	write_file(conf, text);
	famfsd_config_defaults(&c);
	ck_assert_msg(famfsd_config_load(&c, conf, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.device, dev);
	ck_assert_str_eq(c.mount, "/mnt/famfs");
	ck_assert_int_eq(c.mode, FAMFSD_MODE_USER);
	ck_assert_str_eq(c.socket, "/run/famfsd/test.sock");
	if (grp) {
		ck_assert_str_eq(c.admin_group, grp);
		ck_assert(c.admin_gid_set);
		ck_assert_uint_eq(c.admin_gid, getgid());
	}
	ck_assert_uint_eq(c.max_frame, 65536);
	ck_assert_uint_eq(c.max_clients, 17);
	ck_assert_int_eq(c.log_level, LOG_DEBUG);
	ck_assert_uint_eq(c.host_id, 1);
	ck_assert_str_eq(c.listen, "[fd00::1]:7500");
	ck_assert_str_eq(c.cert, cert);
	ck_assert_uint_eq(c.lease_ms, 2500);
	ck_assert_uint_eq(c.n_peers, 2);
	ck_assert_str_eq(c.peers[0].name, "b");
	ck_assert_uint_eq(c.peers[0].host_id, 2);
	ck_assert_str_eq(c.peers[0].address, "[fd00::2]:7500");
	ck_assert_str_eq(c.peers[1].name, "c-3.x_y");
	ck_assert_str_eq(c.peers[1].address, "node3.example:7500");
	ck_assert_str_eq(c.metrics_listen, "127.0.0.1:9477");
	ck_assert_str_eq(c.source, conf);
	ck_assert_msg(famfsd_config_check(&c, err, sizeof(err)) == 0, "%s", err);

	/* print -> parse gives the same configuration, and prints the same again. */
	f = open_memstream(&out, &outlen);
	famfsd_config_print(&c, f);
	fclose(f);
	famfsd_config_defaults(&c2);
	ck_assert_msg(famfsd_config_parse(&c2, out, "printed", err, sizeof(err)) == 0, "%s\n%s",
		      err, out);
	ck_assert_str_eq(c2.device, c.device);
	ck_assert_uint_eq(c2.n_peers, 2);
	ck_assert_uint_eq(c2.max_frame, c.max_frame);
	{
		char *out2 = NULL;
		size_t len2 = 0;

		f = open_memstream(&out2, &len2);
		famfsd_config_print(&c2, f);
		fclose(f);
		/* Only source differs, and print does not show it. */
		ck_assert_str_eq(out, out2);
		free(out2);
	}
	free(out);

	/* An unreadable certificate fails the check, naming the key. */
	unlink(ca);
	ck_assert_int_lt(famfsd_config_check(&c, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "[cluster] ca") && strstr(err, conf), "%s", err);
}
END_TEST

START_TEST(test_unknown_key_and_section)
{
	EXPECT_ERR("[famfs]\ndevice = /dev/pmem0\ndevcie = /dev/pmem1\n", "t.conf:3:",
		   "[famfs] devcie", "unknown key", "device, mount, mode");
	EXPECT_ERR("[famfs]\n\n[contorl]\n", "t.conf:3:", "[contorl]", "unknown section",
		   "famfs, control");
	/* An unknown section is an error even with keys after it. */
	EXPECT_ERR("[bogus]\nx = 1\n", "t.conf:1:", "[bogus]");
	EXPECT_ERR("[peer]\nhost_id = 1\n", "t.conf:1:", "[peer NAME]");
	EXPECT_ERR("[peer a/b]\n", "t.conf:1:", "not a peer name");
	EXPECT_ERR("[peer a]\nhots_id = 2\n", "t.conf:2:", "[peer a] hots_id", "host_id, address");
	EXPECT_ERR("device = /dev/pmem0\n", "t.conf:1:", "device", "outside any section");
	EXPECT_ERR("[famfs] junk\n", "t.conf:1:", "after ']'");
	EXPECT_ERR("[famfs\ndevice = /x\n", "t.conf:1:", "syntax error");
	EXPECT_ERR("[famfs]\ndevice\n", "t.conf:2:", "syntax error");
	EXPECT_ERR("[log]\nlevel = info\nlevel = debug\n", "t.conf:3:", "[log] level",
		   "set twice (first on line 2)");
}
END_TEST

START_TEST(test_bad_values)
{
	EXPECT_ERR("[control]\nmax_frame = 12Q\n", "t.conf:2:", "[control] max_frame", "'12Q'",
		   "not a size", "4K to 1G");
	EXPECT_ERR("[control]\nmax_frame = 2G\n", "t.conf:2:", "[control] max_frame",
		   "out of range", "4K to 1G");
	EXPECT_ERR("[control]\nmax_frame = 1K\n", "t.conf:2:", "out of range");
	EXPECT_ERR("[control]\nmax_frame =\n", "t.conf:2:", "not a size");
	EXPECT_ERR("[control]\nmax_clients = -1\n", "t.conf:2:", "[control] max_clients",
		   "not a number");
	EXPECT_ERR("[control]\nmax_clients = 0\n", "t.conf:2:", "out of range", "1 to 65536");
	EXPECT_ERR("[cluster]\nhost_id = 99999999999999999999999\n", "t.conf:2:", "out of range");
	EXPECT_ERR("[cluster]\nhost_id = 256\n", "t.conf:2:", "0 to 255");
	EXPECT_ERR("[famfs]\nmode = kernal\n", "t.conf:2:", "[famfs] mode", "'kernal'",
		   "auto, kernel, user");
	EXPECT_ERR("[famfs]\ncache_walk = yes\n", "t.conf:2:", "[famfs] cache_walk", "'yes'",
		   "auto, always");
	EXPECT_ERR("[log]\nlevel = verbose\n", "t.conf:2:", "[log] level", "'verbose'",
		   "error, warning, notice, info, debug");
	EXPECT_ERR("[control]\nadmin_group = no-such-group-famfs-test\n", "t.conf:2:",
		   "[control] admin_group", "'no-such-group-famfs-test' does not exist");
	EXPECT_ERR("[famfs]\ndevice = dev/pmem0\n", "t.conf:2:", "[famfs] device",
		   "not an absolute path");
	EXPECT_ERR("[control]\nsocket = /run/famfsd/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n",
		   "t.conf:2:", "[control] socket", "at most 107");
	EXPECT_ERR("[cluster]\nlisten = fd00::1:7500\n", "t.conf:2:", "[cluster] listen",
		   "brackets");
	EXPECT_ERR("[cluster]\nlisten = host\n", "t.conf:2:", "port is missing");
	EXPECT_ERR("[metrics]\nlisten = host:0\n", "t.conf:2:", "[metrics] listen", "1 to 65535");
	EXPECT_ERR("[metrics]\nlisten = :80\n", "t.conf:2:", "host is missing");
}
END_TEST

START_TEST(test_cache_walk)
{
	struct famfsd_config c;

	famfsd_config_defaults(&c);
	ck_assert_msg(famfsd_config_parse(&c, "[famfs]\ncache_walk = always\n", "t.conf", err,
					  sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(c.cache_walk, FAMFSD_CACHE_ALWAYS);
	ck_assert_int_eq(famfsd_config_set(&c, "famfs", "cache_walk", "auto", err, sizeof(err)), 0);
	ck_assert_int_eq(c.cache_walk, FAMFSD_CACHE_AUTO);
}
END_TEST

START_TEST(test_long_line_and_nul)
{
	char text[1024], dev[128], conf[128];
	struct famfsd_config c;
	int fd;

	memset(text, 'a', sizeof(text));
	memcpy(text, "[famfs]\ndevice = /", 18);
	text[sizeof(text) - 1] = 0;
	EXPECT_ERR(text, "t.conf:2:", "too long");
	/* A NUL byte inside a file is reported, not silently cut. */
	tu_fabric_path(dev, sizeof(dev), "dev");
	tu_fabric_path(conf, sizeof(conf), "nul.conf");
	fd = open(conf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "[famfs]\nmode = user\0x\n", 23), 23);
	close(fd);
	famfsd_config_defaults(&c);
	ck_assert_int_lt(famfsd_config_load(&c, conf, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, ":2:") && strstr(err, "NUL"), "%s", err);
}
END_TEST

START_TEST(test_peers)
{
	static char text[65536];
	struct famfsd_config c;
	size_t n = 0;

	EXPECT_ERR("[cluster]\nhost_id = 1\n[peer a]\nhost_id = 2\naddress = a:1\n"
		   "[peer b]\nhost_id = 2\naddress = b:1\n",
		   "t.conf:7:", "[peer b] host_id", "also the host_id of [peer a]");
	EXPECT_ERR("[cluster]\nhost_id = 4\n[peer a]\nhost_id = 4\naddress = a:1\n",
		   "t.conf:4:", "[peer a] host_id", "own [cluster] host_id (line 2)");
	/* Own host_id after the peers: still found. */
	EXPECT_ERR("[peer a]\nhost_id = 0\naddress = a:1\n", "t.conf:2:", "[peer a] host_id",
		   "own");
	EXPECT_ERR("[peer a]\nhost_id = 3\n", "t.conf:1:", "[peer a]", "address is not set");
	EXPECT_ERR("[peer a]\naddress = a:1\n[peer a]\naddress = b:1\n", "t.conf:4:",
		   "[peer a] address", "set twice");
	/* act_for_others: optional, per peer and for this host; a boolean. */
	ck_assert_msg(parse(&c, "[cluster]\nhost_id = 1\nact_for_others = yes\n[peer a]\n"
			    "host_id = 2\naddress = a:1\n[peer b]\nhost_id = 3\naddress = b:1\n"
			    "act_for_others = on\n") == 0, "%s", err);
	ck_assert(c.act_for_others);
	ck_assert(!c.peers[0].act_for_others);
	ck_assert(c.peers[1].act_for_others);
	EXPECT_ERR("[peer a]\nhost_id = 3\naddress = a:1\nact_for_others = maybe\n", "t.conf:4:",
		   "[peer a] act_for_others", "not a boolean");
	/* FAMFSD_MAX_PEERS fit, one more does not. */
	for (int i = 0; i <= FAMFSD_MAX_PEERS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[peer p%d]\nhost_id = %d\naddress = h%d:7500\n", i, i + 1, i);
	EXPECT_ERR(text, "t.conf:193:", "[peer p64]", "too many peers", "at most 64");
	text[strstr(text, "[peer p64]") - text] = 0;
	ck_assert_msg(parse(&c, text) == 0, "%s", err);
	ck_assert_uint_eq(c.n_peers, FAMFSD_MAX_PEERS);
	/* Peers need a cluster listen address to be checked ok. */
	snprintf(c.device, sizeof(c.device), "/dev/null");
	ck_assert_int_lt(famfsd_config_check(&c, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "[cluster] listen"), "%s", err);
}
END_TEST

START_TEST(test_check)
{
	char dev[128], dir[128];
	struct famfsd_config c;

	/* Missing device. */
	ck_assert_int_eq(parse(&c, "[log]\nlevel = info\n"), 0);
	ck_assert_int_lt(famfsd_config_check(&c, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "t.conf") && strstr(err, "[famfs] device") &&
		      strstr(err, "not set"), "%s", err);
	/* A device that does not exist. */
	ck_assert_int_eq(parse(&c, "[famfs]\ndevice = /dev/shm/famfs-ut-does-not-exist\n"), 0);
	ck_assert_int_lt(famfsd_config_check(&c, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "[famfs] device") && strstr(err, "does not exist"), "%s", err);
	/* Kernel mode needs a mount point, which must be a directory. */
	tu_fabric_path(dev, sizeof(dev), "dev");
	tu_fabric_create(dev, 4096);
	famfsd_config_defaults(&c);
	ck_assert_int_eq(famfsd_config_set(&c, "famfs", "device", dev, err, sizeof(err)), 0);
	ck_assert_int_eq(famfsd_config_set(&c, "famfs", "mode", "kernel", err, sizeof(err)), 0);
	ck_assert_int_lt(famfsd_config_check(&c, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "[famfs] mount"), "%s", err);
	ck_assert_int_eq(famfsd_config_set(&c, "famfs", "mount", dev, err, sizeof(err)), 0);
	ck_assert_int_lt(famfsd_config_check(&c, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "not a directory"), "%s", err);
	tu_fabric_path(dir, sizeof(dir), "mnt");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(famfsd_config_set(&c, "famfs", "mount", dir, err, sizeof(err)), 0);
	ck_assert_msg(famfsd_config_check(&c, err, sizeof(err)) == 0, "%s", err);
	rmdir(dir);
	/* A host lease shorter than the master lease would not outlast a failover. */
	ck_assert_int_eq(famfsd_config_set(&c, "cluster", "host_lease_ms", "4000", err,
					   sizeof(err)), 0);
	ck_assert_int_lt(famfsd_config_check(&c, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "host_lease_ms = 4000") && strstr(err, "lease_ms = 5000"), "%s",
		      err);
	ck_assert_int_eq(famfsd_config_set(&c, "cluster", "host_lease_ms", "0", err, sizeof(err)), 0);
	/* A cluster listen address needs the TLS files. */
	ck_assert_int_eq(famfsd_config_set(&c, "cluster", "listen", "[::1]:7500", err,
					   sizeof(err)), 0);
	ck_assert_int_lt(famfsd_config_check(&c, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "[cluster] cert"), "%s", err);
}
END_TEST

START_TEST(test_set_and_unchanged_on_error)
{
	struct famfsd_config c, before;
	char cwd[PATH_MAX], want[PATH_MAX + 16];

	famfsd_config_defaults(&c);
	ck_assert_int_lt(famfsd_config_set(&c, "famfs", "mode", "fast", err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "[famfs] mode") && strstr(err, "auto, kernel, user"), "%s", err);
	ck_assert_int_lt(famfsd_config_set(&c, "famfs", "nope", "x", err, sizeof(err)), 0);
	ck_assert_int_lt(famfsd_config_set(&c, "log", "level", "loud", err, sizeof(err)), 0);
	ck_assert_int_eq(famfsd_config_set(&c, "log", "level", "warning", err, sizeof(err)), 0);
	ck_assert_int_eq(c.log_level, LOG_WARNING);
	/* Relative paths from the command line are made absolute. */
	ck_assert_int_eq(famfsd_config_set(&c, "famfs", "device", "fabric.img", err,
					   sizeof(err)), 0);
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	snprintf(want, sizeof(want), "%s/fabric.img", cwd);
	ck_assert_str_eq(c.device, want);
	/* A file with an error in its last line changes nothing. */
	famfsd_config_defaults(&c);
	memcpy(&before, &c, sizeof(c));
	ck_assert_int_lt(famfsd_config_parse(&c, "[famfs]\nmode = user\n[peer a]\nhost_id = 5\n"
					     "[log]\nlevel = bad\n", "t.conf", err, sizeof(err)), 0);
	ck_assert(!memcmp(&before, &c, sizeof(c)));
	/* A tiny error buffer is not overrun. */
	ck_assert_int_lt(famfsd_config_parse(&c, "[x]\n", "t.conf", err, 5), 0);
	ck_assert_int_lt(famfsd_config_parse(&c, "[x]\n", "t.conf", NULL, 0), 0);
	/* Clearing the admin group. */
	ck_assert_int_eq(famfsd_config_set(&c, "control", "admin_group", "", err, sizeof(err)), 0);
	ck_assert(!c.admin_gid_set);
}
END_TEST

START_TEST(test_missing_file)
{
	struct famfsd_config c;
	char dir[128];

	famfsd_config_defaults(&c);
	ck_assert_int_eq(famfsd_config_load(&c, "/nonexistent/famfsd.conf", err, sizeof(err)),
			 -ENOENT);
	ck_assert_msg(strstr(err, "/nonexistent/famfsd.conf") &&
		      strstr(err, "No such file"), "%s", err);
	tu_fabric_path(dir, sizeof(dir), "confdir");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(famfsd_config_load(&c, dir, err, sizeof(err)), -EISDIR);
	rmdir(dir);
}
END_TEST

/* The lease margins (docs/cluster.md, "Lease margins") and the state directory. */
START_TEST(test_lease_margins)
{
	struct famfsd_config c;
	char dev[128];

	famfsd_config_defaults(&c);
	ck_assert_uint_eq(c.clock_drift_ppm, FAMFSD_DRIFT_PPM_DEFAULT);
	ck_assert_uint_eq(c.lease_slack_ms, 0);
	ck_assert_str_eq(c.state_dir, FAMFSD_STATE_DIR_DEFAULT);
	ck_assert_int_eq(parse(&c, "[cluster]\nlease_ms = 2000\nclock_drift_ppm = 50000\n"
			       "lease_slack_ms = 100\nstate_dir = /var/lib/famfs-test\n"), 0);
	ck_assert_uint_eq(c.clock_drift_ppm, 50000);
	ck_assert_uint_eq(c.lease_slack_ms, 100);
	ck_assert_str_eq(c.state_dir, "/var/lib/famfs-test");
	ck_assert_int_eq(parse(&c, "[cluster]\nclock_drift_ppm = 0\n"), 0);
	ck_assert_uint_eq(c.clock_drift_ppm, 0);
	EXPECT_ERR("[cluster]\nclock_drift_ppm = 200001\n", "t.conf:2", "clock_drift_ppm",
		   "out of range", "0 to 200000");
	EXPECT_ERR("[cluster]\nclock_drift_ppm = 1%\n", "clock_drift_ppm", "not a number");
	EXPECT_ERR("[cluster]\nclock_drift_ppm = -5\n", "clock_drift_ppm");
	EXPECT_ERR("[cluster]\nlease_slack_ms = 150001\n", "lease_slack_ms", "out of range");
	EXPECT_ERR("[cluster]\nstate_dir = var/lib\n", "state_dir");
	/* The slack must leave the master time to renew (cross-field check). */
	tu_fabric_path(dev, sizeof(dev), "dev");
	tu_fabric_create(dev, 4096);
	famfsd_config_defaults(&c);
	ck_assert_int_eq(famfsd_config_set(&c, "famfs", "device", dev, err, sizeof(err)), 0);
	ck_assert_int_eq(famfsd_config_set(&c, "cluster", "lease_ms", "1000", err, sizeof(err)), 0);
	ck_assert_int_eq(famfsd_config_set(&c, "cluster", "lease_slack_ms", "251", err,
					   sizeof(err)), 0);
	ck_assert_int_lt(famfsd_config_check(&c, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "lease_slack_ms = 251") && strstr(err, "lease_ms = 1000"), "%s",
		      err);
	ck_assert_int_eq(famfsd_config_set(&c, "cluster", "lease_slack_ms", "250", err,
					   sizeof(err)), 0);
	ck_assert_msg(famfsd_config_check(&c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(famfsd_config_set(&c, "cluster", "lease_slack_ms", "4", err,
					   sizeof(err)), 0);
	ck_assert_int_lt(famfsd_config_check(&c, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "lease_slack_ms = 4 is below 5 ms"), "%s", err);
	unlink(dev);
}
END_TEST

START_TEST(test_example_conf)
{
	struct famfsd_config c;

	/* The shipped example must load (paths relative to the source tree). */
	famfsd_config_defaults(&c);
	ck_assert_msg(famfsd_config_load(&c, "etc/famfsd.conf", err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.device, "/dev/shm/famfs0");
	ck_assert_int_eq(c.mode, FAMFSD_MODE_USER);
}
END_TEST

START_TEST(test_schema_print)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	famfsd_config_schema_print(f);
	fclose(f);
	ck_assert_msg(strstr(out, "[control] max_frame:") && strstr(out, "4K to 1G") &&
		      strstr(out, "[peer NAME] address:"), "%s", out);
	free(out);
}
END_TEST

/* Log through l into a file standing in for stderr; returns what was written. */
static void log_capture(bool journal_env, int level, const char *msg, char *buf, size_t cap)
{
	char path[128], env[64];
	struct famfsd_log l;
	struct stat st;
	int fd, saved;
	ssize_t n;

	tu_fabric_path(path, sizeof(path), "log");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	if (journal_env) {
		snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino);
		setenv("JOURNAL_STREAM", env, 1);
	} else {
		setenv("JOURNAL_STREAM", "1:2", 1);	/* someone else's journal stream */
	}
	famfsd_log_init(&l, LOG_NOTICE);
	ck_assert(l.journal == journal_env);
	famfsd_logf(&l, level, "%s", msg);
	dup2(saved, STDERR_FILENO);
	close(saved);
	unsetenv("JOURNAL_STREAM");
	n = pread(fd, buf, cap - 1, 0);
	ck_assert_int_ge(n, 0);
	buf[n] = 0;
	close(fd);
}

START_TEST(test_logging)
{
	char buf[4096], want[128], big[3000];
	struct famfsd_log l;

	log_capture(true, LOG_WARNING, "disk\nfull", buf, sizeof(buf));
	ck_assert_str_eq(buf, "<4>disk?full\n");
	log_capture(false, LOG_ERR, "bad", buf, sizeof(buf));
	snprintf(want, sizeof(want), "famfsd[%d]: error: bad\n", (int)getpid());
	ck_assert_str_eq(buf, want);
	/* Above the level: nothing. */
	log_capture(true, LOG_INFO, "chatty", buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
	/* A long message is cut, marked, and still one line. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	log_capture(true, LOG_ERR, big, buf, sizeof(buf));
	ck_assert_uint_eq(strlen(buf), 2047);
	ck_assert(!strncmp(buf + 2046 - 3, "...\n", 4));
	famfsd_log_init(&l, 99);
	ck_assert_int_eq(l.level, LOG_DEBUG);
	ck_assert(famfsd_log_enabled(&l, LOG_DEBUG));
	famfsd_log_init(&l, LOG_ERR);
	ck_assert(!famfsd_log_enabled(&l, LOG_WARNING));
	ck_assert_str_eq(famfsd_log_level_name(LOG_NOTICE), "notice");
	ck_assert_int_eq(famfsd_log_level_parse("debug"), LOG_DEBUG);
	ck_assert_int_eq(famfsd_log_level_parse("Debug"), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_full_file);
	tcase_add_test(tc, test_unknown_key_and_section);
	tcase_add_test(tc, test_bad_values);
	tcase_add_test(tc, test_cache_walk);
	tcase_add_test(tc, test_long_line_and_nul);
	tcase_add_test(tc, test_peers);
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_set_and_unchanged_on_error);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_lease_margins);
	tcase_add_test(tc, test_example_conf);
	tcase_add_test(tc, test_schema_print);
	tcase_add_test(tc, test_logging);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
