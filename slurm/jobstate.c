// SPDX-License-Identifier: Apache-2.0
/*
 * What each job was granted, so that post_run / teardown release exactly
 * that: state_dir/job.ID, one line per grant,
 *
 *     grant HOST ro|rw made|held PATH
 *
 * "made": this job's pre_run made the grant (release it at the end, unless
 * another running job on the same host uses the same grant); "held": the
 * host had it before (an administrator's or another job's) and it is left
 * alone. Written to a temporary file and renamed into place.
 *
 * state_dir/parked, in the same format: read-write grants of jobs that
 * ended, kept for the next job that asks (handoff = yes in the
 * configuration): it gets them by handoff, anyone else waits for them.
 */
#include "famfs_slurm.h"

#include <famfs/client.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define FS_STATE_MAX (1 << 20)	/* a state file bigger than this is not ours */

void fs_jobstate_init(struct fs_jobstate *js)
{
	memset(js, 0, sizeof(*js));
}

void fs_jobstate_free(struct fs_jobstate *js)
{
	free(js->recs);
	fs_jobstate_init(js);
}

int fs_jobstate_add(struct fs_jobstate *js, const struct fs_grant_rec *rec)
{
	struct fs_grant_rec *r;

	if (js->n == js->cap) {
		size_t cap = js->cap ? js->cap * 2 : 8;

		r = realloc(js->recs, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		js->recs = r;
		js->cap = cap;
	}
	js->recs[js->n++] = *rec;
	return 0;
}

static int parse_line(const char *s, size_t len, struct fs_grant_rec *rec)
{
	char buf[FS_PATH_MAX + 64], mode[3], how[5];
	unsigned long host;
	int used = 0;
	char perr[128];

	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = 0;
	if (sscanf(buf, "grant %10lu %2s %4s %n", &host, mode, how, &used) != 3 || !used)
		return -EINVAL;
	if (host > 0x7fffffffUL || strncmp(buf, "grant ", 6) || buf[6] < '0' || buf[6] > '9')
		return -EINVAL;
	if (!strcmp(mode, "ro"))
		rec->mode = FAMFS_OWN_RO;
	else if (!strcmp(mode, "rw"))
		rec->mode = FAMFS_OWN_RW;
	else
		return -EINVAL;
	if (!strcmp(how, "made"))
		rec->made = true;
	else if (!strcmp(how, "held"))
		rec->made = false;
	else
		return -EINVAL;
	if (fs_path_check(buf + used, perr, sizeof(perr)))
		return -EINVAL;
	rec->host = (uint32_t)host;
	snprintf(rec->path, sizeof(rec->path), "%s", buf + used);
	return 0;
}

int fs_jobstate_parse(const char *text, struct fs_jobstate *js, char *err, size_t errlen)
{
	struct fs_grant_rec rec;
	const char *s = text, *nl;
	unsigned line = 0;

	while (*s) {
		nl = strchr(s, '\n');
		line++;
		if (!nl) {
			snprintf(err, errlen, "line %u: not terminated by a newline", line);
			return -EINVAL;
		}
		if (parse_line(s, (size_t)(nl - s), &rec)) {
			snprintf(err, errlen, "line %u: not 'grant HOST ro|rw made|held PATH'", line);
			return -EINVAL;
		}
		if (fs_jobstate_add(js, &rec)) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		s = nl + 1;
	}
	return 0;
}

static int load_named(const char *dir, const char *name, struct fs_jobstate *js, char *err,
		      size_t errlen)
{
	char file[FS_PATH_MAX + 32], perr[128];
	char *text = NULL;
	size_t len = 0;
	int r;

	snprintf(file, sizeof(file), "%s/%s", dir, name);
	r = fs_read_text(file, FS_STATE_MAX, &text, &len);
	if (!r && strlen(text) != len)
		r = -EINVAL;		/* a NUL: not one of ours */
	if (r) {
		snprintf(err, errlen, "%s: %s", file, strerror(-r));
		free(text);
		return r;
	}
	r = fs_jobstate_parse(text, js, perr, sizeof(perr));
	if (r)
		snprintf(err, errlen, "%s: %s", file, perr);
	free(text);
	return r;
}

static int save_named(const char *dir, const char *name, const struct fs_jobstate *js, char *err,
		      size_t errlen)
{
	char file[FS_PATH_MAX + 32], tmp[FS_PATH_MAX + 40];
	FILE *f;
	size_t i;
	int r = 0;

	snprintf(file, sizeof(file), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	f = fopen(tmp, "we");
	if (!f) {
		r = -errno;
		goto out;
	}
	for (i = 0; i < js->n; i++)
		fprintf(f, "grant %u %s %s %s\n", js->recs[i].host,
			js->recs[i].mode == FAMFS_OWN_RW ? "rw" : "ro",
			js->recs[i].made ? "made" : "held", js->recs[i].path);
	if (fflush(f) || fsync(fileno(f)))
		r = -errno;
	if (fclose(f) && !r)
		r = -errno;
	if (!r && rename(tmp, file))
		r = -errno;
out:
	if (r) {
		snprintf(err, errlen, "%s: %s", file, strerror(-r));
		unlink(tmp);
	}
	return r;
}

int fs_jobstate_load(const char *dir, uint32_t job, struct fs_jobstate *js, char *err,
		     size_t errlen)
{
	char name[32];

	snprintf(name, sizeof(name), "job.%u", job);
	return load_named(dir, name, js, err, errlen);
}

int fs_jobstate_save(const char *dir, uint32_t job, const struct fs_jobstate *js, char *err,
		     size_t errlen)
{
	char name[32];

	snprintf(name, sizeof(name), "job.%u", job);
	return save_named(dir, name, js, err, errlen);
}

int fs_parked_load(const char *dir, struct fs_jobstate *js, char *err, size_t errlen)
{
	int r = load_named(dir, "parked", js, err, errlen);

	return r == -ENOENT ? 0 : r;
}

int fs_parked_save(const char *dir, const struct fs_jobstate *js, char *err, size_t errlen)
{
	return save_named(dir, "parked", js, err, errlen);
}

ssize_t fs_jobstate_find(const struct fs_jobstate *js, const char *path, uint32_t mode)
{
	size_t i;

	for (i = 0; i < js->n; i++)
		if (js->recs[i].mode == mode && !strcmp(js->recs[i].path, path))
			return (ssize_t)i;
	return -1;
}

void fs_jobstate_del(struct fs_jobstate *js, size_t i)
{
	memmove(&js->recs[i], &js->recs[i + 1], (js->n - i - 1) * sizeof(js->recs[0]));
	js->n--;
}

int fs_jobstate_remove(const char *dir, uint32_t job)
{
	char file[FS_PATH_MAX + 32];

	snprintf(file, sizeof(file), "%s/job.%u", dir, job);
	return unlink(file) && errno != ENOENT ? -errno : 0;
}

bool fs_jobstate_shared(const char *dir, uint32_t job, const struct fs_grant_rec *rec)
{
	struct dirent *e;
	bool found = false;
	DIR *d = opendir(dir);
	char err[256];
	size_t i;

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		struct fs_jobstate other;
		unsigned long id;
		char *end;

		if (strncmp(e->d_name, "job.", 4))
			continue;
		id = strtoul(e->d_name + 4, &end, 10);
		if (*end || end == e->d_name + 4 || id == job)
			continue;
		fs_jobstate_init(&other);
		if (!fs_jobstate_load(dir, (uint32_t)id, &other, err, sizeof(err))) {
			for (i = 0; i < other.n && !found; i++)
				found = other.recs[i].made && other.recs[i].host == rec->host &&
					other.recs[i].mode == rec->mode &&
					!strcmp(other.recs[i].path, rec->path);
		}
		fs_jobstate_free(&other);
	}
	closedir(d);
	return found;
}

int fs_jobstate_lock(const char *dir, char *err, size_t errlen)
{
	char file[FS_PATH_MAX + 32];
	int fd, r;

	snprintf(file, sizeof(file), "%s/lock", dir);
	fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s (is [famfs] state_dir there and writable?)", file,
			 strerror(-r));
		return r;
	}
	while (flock(fd, LOCK_EX)) {
		if (errno != EINTR) {
			r = -errno;
			snprintf(err, errlen, "%s: lock: %s", file, strerror(-r));
			close(fd);
			return r;
		}
	}
	return fd;
}
