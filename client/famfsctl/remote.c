// SPDX-License-Identifier: Apache-2.0
/*
 * famfsctl commands served by the local famfsd (through libfamfs-client).
 * famfs paths in cp take a "famfs:" prefix so the direction is explicit.
 */
#include "famfsctl.h"
#include "crc32c.h"
#include "util.h"

#include <famfs/client.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define FAMFS_PREFIX "famfs:"

static struct famfs_client *rconnect(struct ctl *c)
{
	struct famfs_client *fc;

	if (famfs_connect(c->socket, &fc))
		return NULL;
	if (c->have_req)
		famfs_set_request_id(fc, c->req);
	return fc;
}

static int rfail(struct ctl *c, struct famfs_client *fc, const char *what, int err)
{
	return ctl_err(c, what, err, famfs_errmsg(fc));
}

static json_object *stat_json(const struct famfs_stat *st)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();

	json_object_object_add(o, "path", json_object_new_string(st->path));
	json_object_object_add(o, "type", json_object_new_string(st->is_dir ? "directory" : "file"));
	json_object_object_add(o, "ino", json_object_new_uint64(st->ino));
	json_object_object_add(o, "mode", json_object_new_int((int)st->mode));
	json_object_object_add(o, "uid", json_object_new_int64(st->uid));
	json_object_object_add(o, "gid", json_object_new_int64(st->gid));
	json_object_object_add(o, "size", json_object_new_uint64(st->size));
	for (uint32_t i = 0; i < st->n_extents; i++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "offset", json_object_new_uint64(st->extents[i].offset));
		json_object_object_add(e, "length", json_object_new_uint64(st->extents[i].length));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "extents", a);
	return o;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s && s[1] ? s + 1 : p;
}

/* One host of famfs_cluster as JSON (shared by status --json and cluster --json). */
static json_object *host_json(const struct famfs_cluster *cl, const struct famfs_host *h)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "host", json_object_new_int64(h->host));
	json_object_object_add(o, "name", json_object_new_string(h->name));
	json_object_object_add(o, "address", json_object_new_string(h->address));
	json_object_object_add(o, "self", json_object_new_boolean(h->self));
	/* Not "role"/"master": scripts grep status --json for the daemon's own. */
	json_object_object_add(o, "is_master", json_object_new_boolean(h->master));
	json_object_object_add(o, "up", json_object_new_boolean(h->up));
	if (h->replay_known) {
		json_object_object_add(o, "replayed_seq", json_object_new_uint64(h->replayed_seq));
		json_object_object_add(o, "lag", json_object_new_uint64(h->lag));
	} else {
		json_object_object_add(o, "replayed_seq", NULL);
		json_object_object_add(o, "lag", NULL);
	}
	json_object_object_add(o, "lease", json_object_new_string(h->lease));
	json_object_object_add(o, "lease_left_ms", json_object_new_uint64(h->lease_left_ms));
	json_object_object_add(o, "last_contact_ms", h->self || h->last_contact_ms == UINT64_MAX ?
			       NULL : json_object_new_uint64(h->last_contact_ms));
	return o;
}

static json_object *hosts_json(const struct famfs_cluster *cl)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < cl->n_hosts; i++)
		json_object_array_add(a, host_json(cl, &cl->hosts[i]));
	return a;
}

/* A verb without operands or options: connected client, or NULL with *ret the exit code. */
static struct famfs_client *noarg_connect(struct ctl *c, int argc, char **argv, int *ret)
{
	struct ctl_opts o = { 0 };
	int i = ctl_parse_opts(c, argc, argv, &o, "");
	struct famfs_client *fc;

	if (i < 0 || argc != i) {
		if (i >= 0)
			fprintf(stderr, "usage: %s [--json] %s (no arguments; '%s' is extra)\n",
				c->prog, argv[0], argv[i]);
		*ret = EXIT_USAGE;
		return NULL;
	}
	fc = rconnect(c);
	*ret = fc ? EXIT_OK : EXIT_FAIL;
	return fc;
}

static int r_status(struct ctl *c, int argc, char **argv)
{
	struct famfs_client *fc;
	struct famfs_status st;
	char a[32], b[32], d[32], e[32], f[32];
	int ret, err;

	if (!(fc = noarg_connect(c, argc, argv, &ret)))
		return ret;
	err = famfs_status(fc, &st);
	if (err) {
		rfail(c, fc, "status", err);
		famfs_disconnect(fc);
		return EXIT_FAIL;
	}
	if (c->json) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "version", json_object_new_string(st.version));
		json_object_object_add(j, "uuid", json_object_new_string(st.uuid));
		json_object_object_add(j, "device", json_object_new_string(st.device));
		json_object_object_add(j, "mode", json_object_new_string(st.mode));
		json_object_object_add(j, "mount", json_object_new_string(st.mount));
		json_object_object_add(j, "host_id", json_object_new_int64(st.host_id));
		json_object_object_add(j, "writer", json_object_new_boolean(st.writer));
		json_object_object_add(j, "epoch", json_object_new_uint64(st.epoch));
		json_object_object_add(j, "head_seq", json_object_new_uint64(st.head_seq));
		json_object_object_add(j, "committed_seq", json_object_new_uint64(st.committed_seq));
		json_object_object_add(j, "replayed_seq", json_object_new_uint64(st.replayed_seq));
		json_object_object_add(j, "files", json_object_new_uint64(st.files));
		json_object_object_add(j, "directories", json_object_new_uint64(st.directories));
		json_object_object_add(j, "log_size", json_object_new_uint64(st.log_size));
		json_object_object_add(j, "log_used", json_object_new_uint64(st.log_used));
		json_object_object_add(j, "data_bytes", json_object_new_uint64(st.data_bytes));
		json_object_object_add(j, "used_bytes", json_object_new_uint64(st.used_bytes));
		json_object_object_add(j, "pending_bytes", json_object_new_uint64(st.pending_bytes));
		json_object_object_add(j, "free_bytes", json_object_new_uint64(st.free_bytes));
		json_object_object_add(j, "uptime_ms", json_object_new_uint64(st.uptime_ms));
		json_object_object_add(j, "rpc_calls", json_object_new_uint64(st.rpc_calls));
		json_object_object_add(j, "rpc_errors", json_object_new_uint64(st.rpc_errors));
		json_object_object_add(j, "role", json_object_new_string(st.role));
		json_object_object_add(j, "master", json_object_new_int(st.master));
		{
			struct famfs_cluster cl;

			if (famfs_cluster(fc, &cl))
				fprintf(stderr, "%s: warning: no host list: %s\n", c->prog,
					famfs_errmsg(fc));
			else
				json_object_object_add(j, "hosts", hosts_json(&cl));
			famfs_cluster_free(&cl);
		}
		ctl_json_print(j);
	} else {
		printf("famfsd %s, %s mode%s%s, host %u, %s (master: host %d)%s\n"
		       "  file system %s on %s\n"
		       "  %llu files, %llu directories; log seq %llu..%llu (%s of %s used)\n"
		       "  data: %s used, %s pending reuse, %s free\n"
		       "  up %llu s, %llu calls, %llu errors\n",
		       st.version, st.mode, st.mount[0] ? " at " : "", st.mount, st.host_id,
		       st.role, st.master, st.writer ? ", log writer" : "", st.uuid, st.device,
		       (unsigned long long)st.files, (unsigned long long)st.directories,
		       (unsigned long long)st.head_seq, (unsigned long long)st.committed_seq,
		       fam_size_str(st.log_used, a, sizeof(a)), fam_size_str(st.log_size, b, sizeof(b)),
		       fam_size_str(st.used_bytes, d, sizeof(d)),
		       fam_size_str(st.pending_bytes, e, sizeof(e)),
		       fam_size_str(st.free_bytes, f, sizeof(f)),
		       (unsigned long long)(st.uptime_ms / 1000), (unsigned long long)st.rpc_calls,
		       (unsigned long long)st.rpc_errors);
	}
	famfs_disconnect(fc);
	return EXIT_OK;
}

/* "1.2s", or "-" for never. */
static const char *ms_str(uint64_t ms, char *buf, size_t len)
{
	if (ms == UINT64_MAX)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%llu.%llus", (unsigned long long)(ms / 1000),
			 (unsigned long long)(ms % 1000 / 100));
	return buf;
}

static int r_cluster(struct ctl *c, int argc, char **argv)
{
	struct famfs_client *fc;
	struct famfs_cluster cl;
	int ret, err;

	if (!(fc = noarg_connect(c, argc, argv, &ret)))
		return ret;
	err = famfs_cluster(fc, &cl);
	if (err) {
		rfail(c, fc, "cluster", err);
		famfs_disconnect(fc);
		return EXIT_FAIL;
	}
	if (c->json) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "self", json_object_new_int64(cl.self));
		json_object_object_add(j, "role", json_object_new_string(cl.role));
		json_object_object_add(j, "master", json_object_new_int(cl.master));
		json_object_object_add(j, "epoch", json_object_new_uint64(cl.epoch));
		json_object_object_add(j, "committed_seq", json_object_new_uint64(cl.committed_seq));
		json_object_object_add(j, "watermark", json_object_new_uint64(cl.watermark));
		json_object_object_add(j, "lease_ms", json_object_new_uint64(cl.lease_ms));
		json_object_object_add(j, "hosts", hosts_json(&cl));
		ctl_json_print(j);
	} else {
		char lease[32] = "single host";

		if (cl.lease_ms)
			snprintf(lease, sizeof(lease), "lease %u ms", cl.lease_ms);
		printf("host %u (%s); master: %s%d, epoch %llu, committed seq %llu, %s\n",
		       cl.self, cl.role, cl.master < 0 ? "none " : "host ", cl.master,
		       (unsigned long long)cl.epoch, (unsigned long long)cl.committed_seq, lease);
		printf("%-5s %-12s %-22s %-9s %-4s %9s %6s %-8s %7s %8s\n", "HOST", "NAME", "ADDRESS",
		       "ROLE", "UP", "REPLAYED", "LAG", "LEASE", "LEFT", "CONTACT");
		for (size_t k = 0; k < cl.n_hosts; k++) {
			const struct famfs_host *h = &cl.hosts[k];
			char rep[24] = "?", lag[24] = "?", left[24], seen[24];

			if (h->replay_known) {
				snprintf(rep, sizeof(rep), "%llu", (unsigned long long)h->replayed_seq);
				snprintf(lag, sizeof(lag), "%llu", (unsigned long long)h->lag);
			}
			printf("%-5u %-12s %-22s %-9s %-4s %9s %6s %-8s %7s %8s\n", h->host, h->name,
			       h->address[0] ? h->address : "-",
			       h->self ? cl.role : h->master ? "master" : "follower",
			       h->up ? "yes" : "no", rep, lag, h->lease,
			       ms_str(strcmp(h->lease, "none") && strcmp(h->lease, "unknown") ?
				      h->lease_left_ms : UINT64_MAX, left, sizeof(left)),
			       ms_str(h->self ? UINT64_MAX : h->last_contact_ms, seen, sizeof(seen)));
		}
	}
	famfs_cluster_free(&cl);
	famfs_disconnect(fc);
	return EXIT_OK;
}

static int r_mkdir(struct ctl *c, int argc, char **argv)
{
	struct ctl_opts o = { .mode = 0755 };
	struct famfs_client *fc;
	int i = ctl_parse_opts(c, argc, argv, &o, "pm"), ret = EXIT_OK;

	if (i < 0 || argc - i < 1) {
		fprintf(stderr, "usage: famfsctl mkdir [-p] [--mode OCTAL] PATH...\n");
		return EXIT_USAGE;
	}
	if (!(fc = rconnect(c)))
		return EXIT_FAIL;
	for (; i < argc && ret == EXIT_OK; i++) {
		int err = famfs_mkdir(fc, argv[i], o.mode, o.parents);

		if (err)
			ret = rfail(c, fc, argv[i], err);
	}
	famfs_disconnect(fc);
	return ret;
}

static int r_creat(struct ctl *c, int argc, char **argv)
{
	struct ctl_opts o = { .mode = 0644 };
	struct famfs_client *fc;
	struct famfs_stat st;
	int i = ctl_parse_opts(c, argc, argv, &o, "sm"), err, ret = EXIT_OK;

	if (i < 0 || !o.have_size || argc - i != 1) {
		fprintf(stderr, "usage: famfsctl creat --size SIZE [--mode OCTAL] PATH\n");
		return EXIT_USAGE;
	}
	if (!(fc = rconnect(c)))
		return EXIT_FAIL;
	err = famfs_create(fc, argv[i], o.mode, o.size, &st);
	if (err) {
		ret = rfail(c, fc, argv[i], err);
	} else {
		if (c->json)
			ctl_json_print(stat_json(&st));
		famfs_stat_free(&st);
	}
	famfs_disconnect(fc);
	return ret;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int r_cp(struct ctl *c, int argc, char **argv)
{
	struct ctl_opts o = { 0 };
	struct famfs_client *fc;
	struct famfs_map m;
	struct stat sb;
	int i = ctl_parse_opts(c, argc, argv, &o, "m"), fd = -1, err, ret = EXIT_FAIL;
	bool into, acquired = false;
	const char *src, *dst;

	if (i < 0 || argc - i != 2) {
		fprintf(stderr, "usage: famfsctl cp [--mode OCTAL] LOCAL famfs:PATH\n"
				"       famfsctl cp famfs:PATH LOCAL\n");
		return EXIT_USAGE;
	}
	src = argv[i];
	dst = argv[i + 1];
	into = !strncmp(dst, FAMFS_PREFIX, strlen(FAMFS_PREFIX));
	if (into == !strncmp(src, FAMFS_PREFIX, strlen(FAMFS_PREFIX))) {
		fprintf(stderr, "%s: cp: exactly one side must be a famfs path (famfs:/path)\n", c->prog);
		return EXIT_USAGE;
	}
	if (!(fc = rconnect(c)))
		return EXIT_FAIL;
	if (into) {
		struct famfs_stat st;

		dst += strlen(FAMFS_PREFIX);
		fd = open(src, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &sb)) {
			ctl_err(c, src, -errno, NULL);
			goto out;
		}
		err = famfs_create(fc, dst, o.mode ? o.mode : sb.st_mode & 07777,
				   (uint64_t)sb.st_size, &st);
		if (err) {
			rfail(c, fc, dst, err);
			goto out;
		}
		famfs_stat_free(&st);
		err = famfs_mmap(fc, dst, PROT_READ | PROT_WRITE, &m);
		if (err == -EACCES) {
			/*
			 * In a cluster what nobody owns is read-only everywhere: own the
			 * new file read-write while writing it, then release it.
			 */
			struct famfs_owners ow;

			if (!famfs_owners(fc, dst, &ow)) {
				acquired = !ow.owned && !famfs_acquire(fc, dst, 2, -1, NULL);
				famfs_owners_free(&ow);
			}
			if (acquired)
				err = famfs_mmap(fc, dst, PROT_READ | PROT_WRITE, &m);
		}
		if (err) {
			rfail(c, fc, dst, err);
			goto out;
		}
		for (size_t off = 0; off < m.length; ) {
			ssize_t r = pread(fd, (uint8_t *)m.addr + off, m.length - off, (off_t)off);

			if (r <= 0) {
				ctl_err(c, src, r < 0 ? -errno : -EIO, "short read");
				famfs_munmap(&m);
				goto out;
			}
			off += (size_t)r;
		}
		famfs_flush(m.addr, m.length);
		famfs_munmap(&m);
		if (acquired) {
			err = famfs_release(fc, dst, -1, NULL);
			acquired = false;
			if (err) {
				rfail(c, fc, dst, err);
				goto out;
			}
		}
	} else {
		src += strlen(FAMFS_PREFIX);
		err = famfs_mmap(fc, src, PROT_READ, &m);
		if (err) {
			rfail(c, fc, src, err);
			goto out;
		}
		fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			ctl_err(c, dst, -errno, NULL);
			famfs_munmap(&m);
			goto out;
		}
		famfs_invalidate(m.addr, m.length);
		err = write_all(fd, m.addr, m.length);
		famfs_munmap(&m);
		if (err) {
			ctl_err(c, dst, err, NULL);
			goto out;
		}
	}
	ret = EXIT_OK;
out:
	if (acquired)
		famfs_release(fc, dst, -1, NULL);
	if (fd >= 0)
		close(fd);
	famfs_disconnect(fc);
	return ret;
}

static int r_simple(struct ctl *c, int argc, char **argv, int nargs, const char *syn)
{
	struct ctl_opts o = { 0 };
	int i = ctl_parse_opts(c, argc, argv, &o, "");

	if (i < 0 || argc - i < nargs || (nargs > 1 && argc - i != nargs)) {
		fprintf(stderr, "usage: famfsctl %s\n", syn);
		return -1;
	}
	return i;
}

static int r_rm(struct ctl *c, int argc, char **argv)
{
	struct famfs_client *fc;
	int i = r_simple(c, argc, argv, 1, "rm PATH..."), ret = EXIT_OK;

	if (i < 0)
		return EXIT_USAGE;
	if (!(fc = rconnect(c)))
		return EXIT_FAIL;
	for (; i < argc && ret == EXIT_OK; i++) {
		int err = famfs_unlink(fc, argv[i]);

		if (err)
			ret = rfail(c, fc, argv[i], err);
	}
	famfs_disconnect(fc);
	return ret;
}

static int r_mv(struct ctl *c, int argc, char **argv)
{
	struct famfs_client *fc;
	int i = r_simple(c, argc, argv, 2, "mv FROM TO"), err, ret = EXIT_OK;

	if (i < 0)
		return EXIT_USAGE;
	if (!(fc = rconnect(c)))
		return EXIT_FAIL;
	err = famfs_rename(fc, argv[i], argv[i + 1]);
	if (err)
		ret = rfail(c, fc, argv[i], err);
	famfs_disconnect(fc);
	return ret;
}

static void print_entry(const struct famfs_stat *st, bool longfmt)
{
	const char *name = base_name(st->path);

	if (!longfmt) {
		printf("%s%s\n", name, st->is_dir ? "/" : "");
		return;
	}
	printf("%c%c%c%c%c%c%c%c%c%c %5u %5u %12llu %6u %s\n", st->is_dir ? 'd' : '-',
	       st->mode & 0400 ? 'r' : '-', st->mode & 0200 ? 'w' : '-', st->mode & 0100 ? 'x' : '-',
	       st->mode & 040 ? 'r' : '-', st->mode & 020 ? 'w' : '-', st->mode & 010 ? 'x' : '-',
	       st->mode & 04 ? 'r' : '-', st->mode & 02 ? 'w' : '-', st->mode & 01 ? 'x' : '-',
	       st->uid, st->gid, (unsigned long long)st->size, st->n_extents, name);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct famfs_stat *)a)->path, ((const struct famfs_stat *)b)->path);
}

static int r_ls(struct ctl *c, int argc, char **argv)
{
	struct ctl_opts o = { 0 };
	struct famfs_client *fc;
	struct famfs_stat *e;
	size_t n;
	int i = ctl_parse_opts(c, argc, argv, &o, "l"), err;
	const char *path;

	if (i < 0 || argc - i > 1) {
		fprintf(stderr, "usage: famfsctl ls [-l] [PATH]\n");
		return EXIT_USAGE;
	}
	path = argc - i == 1 ? argv[i] : "/";
	if (!(fc = rconnect(c)))
		return EXIT_FAIL;
	err = famfs_list(fc, path, &e, &n);
	if (err) {
		rfail(c, fc, path, err);
		famfs_disconnect(fc);
		return EXIT_FAIL;
	}
	qsort(e, n, sizeof(*e), by_path);
	if (c->json) {
		json_object *a = json_object_new_array();

		for (size_t k = 0; k < n; k++)
			json_object_array_add(a, stat_json(&e[k]));
		ctl_json_print(a);
	} else {
		if (o.longfmt)
			printf("%-10s %5s %5s %12s %6s %s\n", "mode", "uid", "gid", "size", "extents",
			       "name");
		for (size_t k = 0; k < n; k++)
			print_entry(&e[k], o.longfmt);
	}
	famfs_list_free(e, n);
	famfs_disconnect(fc);
	return EXIT_OK;
}

static int r_stat_map(struct ctl *c, int argc, char **argv, bool map)
{
	struct famfs_client *fc;
	struct famfs_stat st;
	char s[32];
	struct ctl_opts o = { 0 };
	int i = ctl_parse_opts(c, argc, argv, &o, ""), err;

	if (i < 0 || argc - i != 1) {
		fprintf(stderr, "usage: famfsctl %s PATH\n", map ? "getmap" : "stat");
		return EXIT_USAGE;
	}
	if (!(fc = rconnect(c)))
		return EXIT_FAIL;
	err = famfs_stat(fc, argv[i], &st);
	if (!err && map && st.is_dir) {
		famfs_stat_free(&st);
		err = -EISDIR;
	}
	if (err) {
		rfail(c, fc, argv[i], err);
		famfs_disconnect(fc);
		return EXIT_FAIL;
	}
	if (c->json) {
		ctl_json_print(stat_json(&st));
	} else if (map) {
		printf("%s: size %llu, %u extent%s\n", st.path, (unsigned long long)st.size,
		       st.n_extents, st.n_extents == 1 ? "" : "s");
		for (uint32_t k = 0; k < st.n_extents; k++)
			printf("  %3u: offset %#014llx length %#012llx (%s)\n", k,
			       (unsigned long long)st.extents[k].offset,
			       (unsigned long long)st.extents[k].length,
			       fam_size_str(st.extents[k].length, s, sizeof(s)));
	} else {
		printf("  path: %s\n  type: %s\n   ino: %llu\n  mode: %04o\n   uid: %u\n   gid: %u\n"
		       "  size: %llu\nextents: %u\n", st.path, st.is_dir ? "directory" : "file",
		       (unsigned long long)st.ino, st.mode, st.uid, st.gid,
		       (unsigned long long)st.size, st.n_extents);
	}
	famfs_stat_free(&st);
	famfs_disconnect(fc);
	return EXIT_OK;
}

static int r_stat(struct ctl *c, int argc, char **argv)
{
	return r_stat_map(c, argc, argv, false);
}

static int r_getmap(struct ctl *c, int argc, char **argv)
{
	return r_stat_map(c, argc, argv, true);
}

/* Map the file and checksum it; with LOCAL, compare byte for byte. */
static int r_verify(struct ctl *c, int argc, char **argv)
{
	struct ctl_opts o = { 0 };
	struct famfs_client *fc;
	struct famfs_map m;
	uint8_t *local = MAP_FAILED;
	struct stat sb;
	int i = ctl_parse_opts(c, argc, argv, &o, ""), err, ret = EXIT_FAIL, fd = -1;
	uint32_t crc;
	bool same = true;

	if (i < 0 || (argc - i != 1 && argc - i != 2)) {
		fprintf(stderr, "usage: famfsctl verify PATH [LOCAL_FILE]\n");
		return EXIT_USAGE;
	}
	if (!(fc = rconnect(c)))
		return EXIT_FAIL;
	err = famfs_mmap(fc, argv[i], PROT_READ, &m);
	if (err) {
		rfail(c, fc, argv[i], err);
		goto out;
	}
	famfs_invalidate(m.addr, m.length);
	crc = fam_crc32c(0, m.addr, m.length);
	if (argc - i == 2) {
		fd = open(argv[i + 1], O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &sb)) {
			ctl_err(c, argv[i + 1], -errno, NULL);
			goto unmap;
		}
		if ((uint64_t)sb.st_size != m.length) {
			same = false;
		} else if (m.length) {
			local = mmap(NULL, m.length, PROT_READ, MAP_PRIVATE, fd, 0);
			if (local == MAP_FAILED) {
				ctl_err(c, argv[i + 1], -errno, "mmap");
				goto unmap;
			}
			same = !memcmp(local, m.addr, m.length);
			munmap(local, m.length);
		}
	}
	if (c->json) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "path", json_object_new_string(argv[i]));
		json_object_object_add(j, "size", json_object_new_uint64(m.length));
		json_object_object_add(j, "crc32c", json_object_new_int64(crc));
		if (argc - i == 2)
			json_object_object_add(j, "matches", json_object_new_boolean(same));
		ctl_json_print(j);
	} else {
		printf("%s: %zu bytes, crc32c %08x%s\n", argv[i], m.length, crc,
		       argc - i == 2 ? (same ? ", identical to the local file" :
					 ", DIFFERS from the local file") : "");
	}
	ret = same ? EXIT_OK : EXIT_FAIL;
unmap:
	famfs_munmap(&m);
out:
	if (fd >= 0)
		close(fd);
	famfs_disconnect(fc);
	return ret;
}

/* ---- ownership verbs ---- */

struct oopts {
	int mode;			/* 0 unset, FAMFS_OWN_RO, FAMFS_OWN_RW */
	int host;			/* FAMFS_HOST_SELF unless --host */
	long to;			/* --to, -1 unset */
	uint32_t wait_ms;
	bool force;
	long count;			/* --count, 0: forever */
};

static int oopts_parse(struct ctl *c, int argc, char **argv, struct oopts *o, const char *allowed)
{
	static const struct option lo[] = {
		{ "rw", no_argument, NULL, 'W' },
		{ "ro", no_argument, NULL, 'R' },
		{ "host", required_argument, NULL, 'H' },
		{ "to", required_argument, NULL, 'T' },
		{ "wait", required_argument, NULL, 'w' },
		{ "force", no_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 }
	};
	int ch;

	o->host = FAMFS_HOST_SELF;
	o->to = -1;
	optind = 1;
	opterr = 0;
	/* Options may come before or after PATH (no '+': getopt permutes). */
	while ((ch = getopt_long(argc, argv, "fn:j", lo, NULL)) != -1) {
		char *end;
		long v;
		double secs;

		if (ch == 'j') {
			c->json = true;
			continue;
		}
		if (ch == '?' || !strchr(allowed, ch)) {
			fprintf(stderr, "%s: %s: unknown or misplaced option '%s'\n", c->prog, argv[0],
				argv[optind - 1]);
			return -EINVAL;
		}
		switch (ch) {
		case 'W':
		case 'R':
			if (o->mode) {
				fprintf(stderr, "%s: %s: give one of --rw and --ro\n", c->prog, argv[0]);
				return -EINVAL;
			}
			o->mode = ch == 'W' ? FAMFS_OWN_RW : FAMFS_OWN_RO;
			break;
		case 'H':
		case 'T':
		case 'n':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (!*optarg || *end || errno || v < 0 ||
			    (ch != 'n' && v > 255) || (ch == 'n' && v == 0)) {
				fprintf(stderr, "%s: %s: invalid %s '%s' (%s)\n", c->prog, argv[0],
					ch == 'n' ? "count" : "host id", optarg,
					ch == 'n' ? "a positive number" : "0 to 255");
				return -EINVAL;
			}
			if (ch == 'H')
				o->host = (int)v;
			else if (ch == 'T')
				o->to = v;
			else
				o->count = v;
			break;
		case 'w':
			secs = strtod(optarg, &end);
			if (!*optarg || *end || !(secs >= 0) || secs > 3600) {
				fprintf(stderr, "%s: %s: invalid wait '%s' (seconds, 0 to 3600)\n",
					c->prog, argv[0], optarg);
				return -EINVAL;
			}
			o->wait_ms = (uint32_t)(secs * 1000 + 0.5);
			break;
		case 'f':
			o->force = true;
			break;
		}
	}
	return optind;
}

static const char *own_mode_name(uint32_t m)
{
	return m == FAMFS_OWN_RW ? "rw" : m == FAMFS_OWN_RO ? "ro" : "none";
}

static const char *own_mode_long(uint32_t m)
{
	return m == FAMFS_OWN_RW ? "read-write" : m == FAMFS_OWN_RO ? "read-only" : "no";
}

static const char *scope_name(enum famfs_grant_scope s)
{
	return s == FAMFS_SCOPE_ANCESTOR ? "ancestor" : s == FAMFS_SCOPE_DESCENDANT ? "descendant" :
	       "self";
}

static json_object *owners_json(const struct famfs_owners *o)
{
	json_object *j = json_object_new_object(), *a = json_object_new_array();

	json_object_object_add(j, "path", json_object_new_string(o->path));
	json_object_object_add(j, "host", json_object_new_int64(o->host));
	json_object_object_add(j, "access", json_object_new_string(own_mode_name(o->access)));
	json_object_object_add(j, "owned", json_object_new_boolean(o->owned));
	for (size_t i = 0; i < o->n_grants; i++) {
		json_object *g = json_object_new_object();

		json_object_object_add(g, "path", json_object_new_string(o->grants[i].path));
		json_object_object_add(g, "host", json_object_new_int64(o->grants[i].host));
		json_object_object_add(g, "mode", json_object_new_string(own_mode_name(o->grants[i].mode)));
		json_object_object_add(g, "epoch", json_object_new_uint64(o->grants[i].epoch));
		json_object_object_add(g, "seq", json_object_new_uint64(o->grants[i].seq));
		json_object_object_add(g, "scope", json_object_new_string(scope_name(o->grants[i].scope)));
		json_object_array_add(a, g);
	}
	json_object_object_add(j, "owners", a);
	if (o->warning && o->warning[0])
		json_object_object_add(j, "warning", json_object_new_string(o->warning));
	return j;
}

static void owners_print(const struct famfs_owners *o)
{
	if (!o->n_grants) {
		/* Read-only in a cluster, read-write on a single host (docs/ownership.md). */
		printf("%s: not owned: host %u has %s access\n", o->path, o->host,
		       own_mode_long(o->access));
		return;
	}
	printf("%s: %s; host %u has %s access\n", o->path,
	       o->owned ? "owned" : "not owned itself (grants below it)", o->host,
	       own_mode_long(o->access));
	for (size_t i = 0; i < o->n_grants; i++) {
		const struct famfs_grant *g = &o->grants[i];

		printf("  host %-3u %-10s epoch %-6llu seq %-8llu on %s%s\n", g->host,
		       own_mode_long(g->mode), (unsigned long long)g->epoch,
		       (unsigned long long)g->seq, g->path,
		       g->scope == FAMFS_SCOPE_ANCESTOR ? " (covers it)" :
		       g->scope == FAMFS_SCOPE_DESCENDANT ? " (inside it)" : "");
	}
}

static const struct famfs_grant *grant_for(const struct famfs_owners *o, uint32_t host)
{
	for (size_t i = 0; i < o->n_grants; i++)
		if (o->grants[i].scope == FAMFS_SCOPE_SELF && o->grants[i].host == host)
			return &o->grants[i];
	return NULL;
}

/* Shared tail of acquire / release / handoff / owners. */
static int owners_done(struct ctl *c, struct famfs_client *fc, const char *path, int err,
		       struct famfs_owners *o, const char *verb, uint32_t host)
{
	const struct famfs_grant *g;

	if (err) {
		rfail(c, fc, path, err);
		famfs_disconnect(fc);
		return EXIT_FAIL;
	}
	if (c->json) {
		ctl_json_print(owners_json(o));
	} else if (!strcmp(verb, "owners")) {
		owners_print(o);
	} else if (!strcmp(verb, "release")) {
		printf("%s: host %u released it\n", o->path, host);
	} else if ((g = grant_for(o, host))) {
		printf("%s: host %u owns it %s (epoch %llu)%s\n", o->path, host, own_mode_long(g->mode),
		       (unsigned long long)g->epoch, strcmp(verb, "handoff") ? "" : ", handed off");
	}
	if (o->warning && o->warning[0])
		fprintf(stderr, "%s: warning: %s\n", c->prog, o->warning);
	famfs_owners_free(o);
	famfs_disconnect(fc);
	return EXIT_OK;
}

/* The host a verb acted for: --host, or the daemon's own. */
static uint32_t acting_host(struct famfs_client *fc, int host)
{
	struct famfs_status st;

	if (host >= 0)
		return (uint32_t)host;
	return famfs_status(fc, &st) ? 0 : st.host_id;
}

static int r_acquire(struct ctl *c, int argc, char **argv)
{
	struct oopts o = { 0 };
	struct famfs_client *fc;
	struct famfs_owners ow;
	int i = oopts_parse(c, argc, argv, &o, "WRH"), err;

	if (i < 0 || argc - i != 1 || !o.mode) {
		fprintf(stderr, "usage: famfsctl acquire PATH --rw|--ro [--host N]\n");
		return EXIT_USAGE;
	}
	if (!(fc = rconnect(c)))
		return EXIT_FAIL;
	err = famfs_acquire(fc, argv[i], (uint32_t)o.mode, o.host, &ow);
	return owners_done(c, fc, argv[i], err, &ow, "acquire", err ? 0 : acting_host(fc, o.host));
}

static int r_release(struct ctl *c, int argc, char **argv)
{
	struct oopts o = { 0 };
	struct famfs_client *fc;
	struct famfs_owners ow;
	int i = oopts_parse(c, argc, argv, &o, "H"), err;

	if (i < 0 || argc - i != 1) {
		fprintf(stderr, "usage: famfsctl release PATH [--host N]\n");
		return EXIT_USAGE;
	}
	if (!(fc = rconnect(c)))
		return EXIT_FAIL;
	err = famfs_release(fc, argv[i], o.host, &ow);
	return owners_done(c, fc, argv[i], err, &ow, "release", err ? 0 : acting_host(fc, o.host));
}

static int r_handoff(struct ctl *c, int argc, char **argv)
{
	struct oopts o = { 0 };
	struct famfs_client *fc;
	struct famfs_owners ow;
	int i = oopts_parse(c, argc, argv, &o, "Twf"), err;

	if (i < 0 || argc - i != 1 || o.to < 0) {
		fprintf(stderr, "usage: famfsctl handoff PATH --to HOST [--wait SECS] [--force]\n");
		return EXIT_USAGE;
	}
	if (!(fc = rconnect(c)))
		return EXIT_FAIL;
	err = famfs_handoff(fc, argv[i], (uint32_t)o.to, o.wait_ms, o.force, &ow);
	return owners_done(c, fc, argv[i], err, &ow, "handoff", (uint32_t)o.to);
}

static int r_owners(struct ctl *c, int argc, char **argv)
{
	struct oopts o = { 0 };
	struct famfs_client *fc;
	struct famfs_owners ow;
	int i = oopts_parse(c, argc, argv, &o, ""), err;

	if (i < 0 || argc - i != 1) {
		fprintf(stderr, "usage: famfsctl owners PATH\n");
		return EXIT_USAGE;
	}
	if (!(fc = rconnect(c)))
		return EXIT_FAIL;
	err = famfs_owners(fc, argv[i], &ow);
	return owners_done(c, fc, argv[i], err, &ow, "owners", 0);
}

struct watch_state {
	struct ctl *c;
	long count, seen;
};

static int on_event(const struct famfs_event *ev, void *arg)
{
	struct watch_state *w = arg;

	if (!strcmp(ev->kind, "ready")) {
		fprintf(stderr, "%s: watching%s%s from seq %llu\n", w->c->prog,
			ev->path[0] ? " " : "", ev->path, (unsigned long long)ev->seq);
		return 0;
	}
	if (w->c->json) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "kind", json_object_new_string(ev->kind));
		json_object_object_add(j, "path", json_object_new_string(ev->path));
		if (ev->to[0])
			json_object_object_add(j, "to", json_object_new_string(ev->to));
		json_object_object_add(j, "seq", json_object_new_uint64(ev->seq));
		if (ev->has_host) {
			json_object_object_add(j, "host", json_object_new_int64(ev->host));
			json_object_object_add(j, "mode", json_object_new_string(own_mode_name(ev->mode)));
			json_object_object_add(j, "epoch", json_object_new_uint64(ev->epoch));
		}
		printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
	} else if (!strcmp(ev->kind, "rename")) {
		printf("seq %llu rename %s -> %s\n", (unsigned long long)ev->seq, ev->path, ev->to);
	} else if (ev->has_host) {
		printf("seq %llu %s %s host %u %s epoch %llu\n", (unsigned long long)ev->seq, ev->kind,
		       ev->path, ev->host, own_mode_name(ev->mode), (unsigned long long)ev->epoch);
	} else {
		printf("seq %llu %s %s\n", (unsigned long long)ev->seq, ev->kind, ev->path);
	}
	fflush(stdout);
	return w->count && ++w->seen >= w->count;
}

static int r_watch(struct ctl *c, int argc, char **argv)
{
	struct oopts o = { 0 };
	struct famfs_client *fc;
	struct watch_state w = { .c = c };
	int i = oopts_parse(c, argc, argv, &o, "n"), err;

	if (i < 0 || argc - i > 1) {
		fprintf(stderr, "usage: famfsctl watch [PATH] [--count N]\n");
		return EXIT_USAGE;
	}
	w.count = o.count;
	if (!(fc = rconnect(c)))
		return EXIT_FAIL;
	err = famfs_watch_path(fc, argc - i == 1 ? argv[i] : NULL, on_event, &w);
	if (err) {
		rfail(c, fc, "watch", err);
		famfs_disconnect(fc);
		return EXIT_FAIL;
	}
	famfs_disconnect(fc);
	return EXIT_OK;
}

static const struct ctl_verb verbs[] = {
	{ "status", r_status, "", "daemon, file system and log state" },
	{ "cluster", r_cluster, "", "every host: role, replay position and lag, lease, last contact" },
	{ "ls", r_ls, "[-l] [PATH]", "list a directory" },
	{ "stat", r_stat, "PATH", "attributes" },
	{ "getmap", r_getmap, "PATH", "a file's extents" },
	{ "mkdir", r_mkdir, "[-p] [--mode OCTAL] PATH...", "create directories" },
	{ "creat", r_creat, "--size SIZE [--mode OCTAL] PATH", "create a file of SIZE bytes" },
	{ "cp", r_cp, "LOCAL famfs:PATH | famfs:PATH LOCAL", "copy into or out of famfs" },
	{ "rm", r_rm, "PATH...", "delete files or empty directories" },
	{ "mv", r_mv, "FROM TO", "rename" },
	{ "verify", r_verify, "PATH [LOCAL_FILE]", "map a file, checksum it, compare with a local file" },
	{ "acquire", r_acquire, "PATH --rw|--ro [--host N]", "own a data set (file or directory tree)" },
	{ "release", r_release, "PATH [--host N]", "drop a grant" },
	{ "handoff", r_handoff, "PATH --to HOST [--wait SECS] [--force]",
	  "move the read-write grant to another host" },
	{ "owners", r_owners, "PATH", "grants on a path, above and below it" },
	{ "watch", r_watch, "[PATH] [--count N]", "stream namespace and ownership changes" },
};

void ctl_remote_usage(FILE *out)
{
	for (size_t k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++)
		fprintf(out, "  %-7s %s\n          %s\n", verbs[k].name, verbs[k].args, verbs[k].help);
}

int ctl_remote(struct ctl *c, int argc, char **argv, bool *found)
{
	for (size_t k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++) {
		if (!strcmp(argv[0], verbs[k].name)) {
			*found = true;
			return verbs[k].fn(c, argc, argv);
		}
	}
	*found = false;
	return EXIT_USAGE;
}
