// SPDX-License-Identifier: Apache-2.0
/*
 * The job's data sets, declared in its script the way burst buffers are:
 *
 *     #BB_LUA famfs rw=/jobs/run1 ro=/datasets/genome
 *
 * (or `sbatch --bb '#BB_LUA famfs ro=/datasets/genome'`, which Slurm
 * inserts as line 2 of the script). Like #SBATCH, the directives are read
 * from the leading comment block only: the first line that is neither
 * blank nor a comment ends it.
 */
#include "famfs_slurm.h"

#include <famfs/client.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define DIRECTIVE "#BB_LUA"

int fs_path_check(const char *path, char *err, size_t errlen)
{
	size_t len = strlen(path), i;
	const char *seg;

	if (path[0] != '/') {
		snprintf(err, errlen, "'%s' is not an absolute famfs path", path);
		return -EINVAL;
	}
	if (len == 1) {
		snprintf(err, errlen, "'/' cannot be a data set (it would own the whole file system)");
		return -EINVAL;
	}
	if (len >= FS_PATH_MAX) {
		snprintf(err, errlen, "a path of %zu bytes is too long (at most %d)", len,
			 FS_PATH_MAX - 1);
		return -EINVAL;
	}
	if (path[len - 1] == '/') {
		snprintf(err, errlen, "'%s' ends with '/'", path);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)path[i];

		if (ch <= ' ' || ch == 0x7f) {
			snprintf(err, errlen, "'%s' holds a blank or control character", path);
			return -EINVAL;
		}
	}
	for (seg = path; seg; seg = strchr(seg + 1, '/')) {
		const char *end = strchr(seg + 1, '/');
		size_t n = end ? (size_t)(end - seg - 1) : strlen(seg + 1);

		if (n == 0 || (n == 1 && seg[1] == '.') || (n == 2 && seg[1] == '.' && seg[2] == '.')) {
			snprintf(err, errlen, "'%s' has an empty, '.' or '..' component", path);
			return -EINVAL;
		}
	}
	return 0;
}

/* a lies in the tree of b (or is b). */
static bool in_tree(const char *a, const char *b)
{
	size_t lb = strlen(b);

	return !strncmp(a, b, lb) && (a[lb] == 0 || a[lb] == '/');
}

static int add_dataset(struct fs_request *req, const char *tok, size_t len, unsigned line,
		       char *err, size_t errlen)
{
	char perr[256];
	struct fs_dataset *d;
	uint32_t mode;
	size_t i;

	if (len > 3 && !strncmp(tok, "rw=", 3)) {
		mode = FAMFS_OWN_RW;
	} else if (len > 3 && !strncmp(tok, "ro=", 3)) {
		mode = FAMFS_OWN_RO;
	} else {
		snprintf(err, errlen, "line %u: '%.*s': expected rw=PATH or ro=PATH", line,
			 (int)(len > 200 ? 200 : len), tok);
		return -EINVAL;
	}
	if (len - 3 >= FS_PATH_MAX) {
		snprintf(err, errlen, "line %u: a path of %zu bytes is too long (at most %d)", line,
			 len - 3, FS_PATH_MAX - 1);
		return -EINVAL;
	}
	if (req->n == FS_MAX_DATASETS) {
		snprintf(err, errlen, "line %u: more than %d famfs data sets", line,
			 FS_MAX_DATASETS);
		return -EINVAL;
	}
	d = &req->ds[req->n];
	memcpy(d->path, tok + 3, len - 3);
	d->path[len - 3] = 0;
	d->mode = mode;
	if (fs_path_check(d->path, perr, sizeof(perr))) {
		snprintf(err, errlen, "line %u: %s", line, perr);
		return -EINVAL;
	}
	for (i = 0; i < req->n; i++) {
		const struct fs_dataset *o = &req->ds[i];

		if (!strcmp(o->path, d->path)) {
			snprintf(err, errlen, "line %u: %s is declared twice", line, d->path);
			return -EINVAL;
		}
		if ((o->mode == FAMFS_OWN_RW || mode == FAMFS_OWN_RW) &&
		    (in_tree(o->path, d->path) || in_tree(d->path, o->path))) {
			snprintf(err, errlen, "line %u: %s and %s overlap; a read-write data set "
				 "cannot share a tree with another data set of the job", line,
				 o->path, d->path);
			return -EINVAL;
		}
	}
	req->n++;
	return 0;
}

/* One "#BB_LUA ..." line (without its end); line numbers from 1. */
static int parse_directive(struct fs_request *req, const char *s, size_t len, unsigned line,
			   char *err, size_t errlen)
{
	const char *end = s + len, *tok;
	size_t n;
	int words = 0, r;

	s += strlen(DIRECTIVE);
	for (;;) {
		while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		if (s == end)
			break;
		tok = s;
		while (s < end && *s != ' ' && *s != '\t' && *s != '\r')
			s++;
		n = (size_t)(s - tok);
		if (words++ == 0) {
			if (n != 5 || strncmp(tok, "famfs", 5)) {
				snprintf(err, errlen, "line %u: unknown burst buffer directive '%.*s' "
					 "(this cluster's burst buffers are famfs data sets: "
					 "'#BB_LUA famfs rw=PATH|ro=PATH ...')", line,
					 (int)(n > 64 ? 64 : n), tok);
				return -EINVAL;
			}
			continue;
		}
		r = add_dataset(req, tok, n, line, err, errlen);
		if (r)
			return r;
	}
	if (words < 2) {
		snprintf(err, errlen, "line %u: '#BB_LUA%s' names no data set (rw=PATH or ro=PATH)",
			 line, words ? " famfs" : "");
		return -EINVAL;
	}
	return 0;
}

int fs_directives_parse(const char *script, struct fs_request *req, char *err, size_t errlen)
{
	const char *s = script, *nl;
	size_t len, dl = strlen(DIRECTIVE);
	unsigned line = 0;
	int r;

	req->n = 0;
	while (*s) {
		nl = strchr(s, '\n');
		len = nl ? (size_t)(nl - s) : strlen(s);
		line++;
		if (len >= dl && !strncmp(s, DIRECTIVE, dl) &&
		    (len == dl || s[dl] == ' ' || s[dl] == '\t' || s[dl] == '\r')) {
			r = parse_directive(req, s, len, line, err, errlen);
			if (r) {
				req->n = 0;
				return r;
			}
		} else {
			size_t i = 0;

			while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
				i++;
			if (i < len && s[i] != '#')
				break;		/* the first command ends the directives */
		}
		if (!nl)
			break;
		s = nl + 1;
	}
	return 0;
}

int fs_request_format(const struct fs_request *req, char *out, size_t outlen)
{
	size_t i, used = 0;
	int n;

	if (!outlen)
		return -ENOSPC;
	out[0] = 0;
	for (i = 0; i < req->n; i++) {
		n = snprintf(out + used, outlen - used, "%s%s:%s", i ? " " : "",
			     req->ds[i].mode == FAMFS_OWN_RW ? "rw" : "ro", req->ds[i].path);
		if (n < 0 || (size_t)n >= outlen - used)
			return -ENOSPC;
		used += (size_t)n;
	}
	return 0;
}
