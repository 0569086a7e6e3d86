// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the parsers of the Slurm integration (slurm/). The
 * first byte picks one, the rest is its text (a NUL-terminated copy):
 *   0: a job script's "#BB_LUA famfs" directives. Accepted: at most 16
 *      valid, distinct paths, and their FAMFS_DATASETS form, written back
 *      as one directive, parses to the same request. Refused: the message
 *      names the line.
 *   1: famfs-slurm.conf. Accepted: at least one node, each resolvable.
 *      Refused: the message starts with the file name.
 *   2: a job's grant records. Accepted: printed the way they are saved,
 *      they parse to the same records. Refused: the message names the line.
 */
#include "famfs_slurm.h"

#include <famfs/client.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void directives(const char *text)
{
	static struct fs_request req, again;
	static char err[512], list[FS_MAX_DATASETS * (FS_PATH_MAX + 4) + 16];
	static char script[FS_MAX_DATASETS * (FS_PATH_MAX + 4) + 32];
	size_t i, j;
	char *p;

	if (fs_directives_parse(text, &req, err, sizeof(err))) {
		if (strncmp(err, "line ", 5) || req.n)
			abort();
		return;
	}
	if (req.n > FS_MAX_DATASETS)
		abort();
	for (i = 0; i < req.n; i++) {
		if (fs_path_check(req.ds[i].path, err, sizeof(err)))
			abort();
		for (j = 0; j < i; j++)
			if (!strcmp(req.ds[i].path, req.ds[j].path))
				abort();
	}
	if (fs_request_format(&req, list, sizeof(list)))
		abort();
	if (!req.n)
		return;
	/* The same request as one directive line. */
	p = script + sprintf(script, "#BB_LUA famfs");
	for (i = 0; i < req.n; i++)
		p += sprintf(p, " %s=%s", req.ds[i].mode == FAMFS_OWN_RW ? "rw" : "ro",
			     req.ds[i].path);
	if (fs_directives_parse(script, &again, err, sizeof(err)) || again.n != req.n)
		abort();
	for (i = 0; i < req.n; i++)
		if (again.ds[i].mode != req.ds[i].mode || strcmp(again.ds[i].path, req.ds[i].path))
			abort();
}

static void config(const char *text)
{
	struct fs_config c;
	char err[512];
	uint32_t host;
	size_t i;

	fs_config_init(&c);
	if (fs_config_parse(&c, text, "fuzz.conf", err, sizeof(err))) {
		if (strncmp(err, "fuzz.conf", 9))
			abort();
		fs_config_free(&c);
		return;
	}
	if (!c.n_nodes || c.wait_s > 86400)
		abort();
	for (i = 0; i < c.n_nodes; i++)
		if (fs_config_host(&c, c.nodes[i].name, &host) || host != c.nodes[i].host)
			abort();
	fs_config_free(&c);
}

static void jobstate(const char *text)
{
	struct fs_jobstate js, again;
	char err[512], *out = NULL;
	size_t len = 0, i;
	FILE *f;

	fs_jobstate_init(&js);
	if (fs_jobstate_parse(text, &js, err, sizeof(err))) {
		if (strncmp(err, "line ", 5) && strcmp(err, "out of memory"))
			abort();
		fs_jobstate_free(&js);
		return;
	}
	f = open_memstream(&out, &len);
	if (!f)
		abort();
	for (i = 0; i < js.n; i++)
		fprintf(f, "grant %u %s %s %s\n", js.recs[i].host,
			js.recs[i].mode == FAMFS_OWN_RW ? "rw" : "ro",
			js.recs[i].made ? "made" : "held", js.recs[i].path);
	fclose(f);
	fs_jobstate_init(&again);
	if (fs_jobstate_parse(out, &again, err, sizeof(err)) || again.n != js.n)
		abort();
	for (i = 0; i < js.n; i++)
		if (again.recs[i].host != js.recs[i].host || again.recs[i].mode != js.recs[i].mode ||
		    again.recs[i].made != js.recs[i].made || strcmp(again.recs[i].path, js.recs[i].path))
			abort();
	fs_jobstate_free(&again);
	fs_jobstate_free(&js);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (!size || size > 64 * 1024)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	switch (data[0] % 3) {
	case 0:
		directives(text);
		break;
	case 1:
		config(text);
		break;
	default:
		jobstate(text);
		break;
	}
	free(text);
	return 0;
}
