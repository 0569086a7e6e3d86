// SPDX-License-Identifier: Apache-2.0
/*
 * famfs-slurm-bb: run by slurm/burst_buffer.lua (as root, on the Slurm
 * controller) at each burst buffer stage. Prints one line: on failure the
 * reason Slurm shows for the job. Exit 0 done, 1 failed or refused, 2 usage
 * or configuration error.
 */
#include "famfs_slurm.h"

#include <famfs/client.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FS_DEFAULT_CONFIG
#define FS_DEFAULT_CONFIG "/etc/famfs/famfs-slurm.conf"
#endif
#define FS_SCRIPT_MAX (16u << 20)

static const char usage[] =
	"usage: famfs-slurm-bb [--config FILE] STAGE ARGS\n"
	"  job_process SCRIPT                     check the script's #BB_LUA famfs directives\n"
	"  paths JOBID SCRIPT PATH_FILE           write FAMFS_DATASETS for the job's environment\n"
	"  data_in JOBID SCRIPT                   wait until no grant is in the way\n"
	"  pre_run JOBID SCRIPT BATCH_NODE NODES  grant the data sets to the job's hosts\n"
	"  release JOBID                          release what pre_run granted (or park it)\n"
	"  parked                                 list the parked read-write grants\n"
	"  unpark PATH                            release a parked grant\n"
	"FILE defaults to " FS_DEFAULT_CONFIG ". See docs/slurm.md.\n";

static int parse_job_id(const char *s, uint32_t *id)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || s[0] == '-' || v > UINT32_MAX)
		return -EINVAL;
	*id = (uint32_t)v;
	return 0;
}

static int load_request(const char *script, struct fs_request *req, char *msg, size_t msglen)
{
	char err[512];
	char *text = NULL;
	int r;

	r = fs_read_text(script, FS_SCRIPT_MAX, &text, NULL);
	if (r) {
		snprintf(msg, msglen, "famfs: job script %s: %s", script, strerror(-r));
		return r;
	}
	r = fs_directives_parse(text, req, err, sizeof(err));
	if (r)
		snprintf(msg, msglen, "famfs: job script %s", err);
	free(text);
	return r;
}

static int write_paths(const struct fs_request *req, const char *file, char *msg, size_t msglen)
{
	char line[FS_MAX_DATASETS * (FS_PATH_MAX + 4) + 32];
	FILE *f;
	int r;

	r = fs_request_format(req, line, sizeof(line));
	if (r)
		return r;
	f = fopen(file, "ae");
	if (!f) {
		r = -errno;
		snprintf(msg, msglen, "famfs: %s: %s", file, strerror(-r));
		return r;
	}
	fprintf(f, "FAMFS_DATASETS=%s\n", line);
	if (fclose(f)) {
		r = -errno;
		snprintf(msg, msglen, "famfs: %s: %s", file, strerror(-r));
	}
	return r;
}

/* "n1,n2" into job->nodes (strings point into list, which is modified). */
static int split_nodes(char *list, struct fs_job *job)
{
	char *save = NULL, *tok;
	char **v;

	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		v = realloc(job->nodes, (job->n_nodes + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		job->nodes = v;
		job->nodes[job->n_nodes++] = tok;
	}
	return 0;
}

static int list_parked(const char *config, char *msg, size_t msglen)
{
	struct fs_jobstate parked;
	struct fs_config cfg;
	char err[1024];
	size_t i;
	int r;

	fs_config_init(&cfg);
	r = fs_config_load(&cfg, config, err, sizeof(err));
	if (r) {
		snprintf(msg, msglen, "famfs: %s", err);
		return -ENOEXEC;
	}
	fs_jobstate_init(&parked);
	r = fs_parked_load(cfg.state_dir, &parked, err, sizeof(err));
	if (r)
		snprintf(msg, msglen, "famfs: %s", err);
	for (i = 0; !r && i < parked.n; i++)
		printf("%s read-write on host %u\n", parked.recs[i].path, parked.recs[i].host);
	fs_jobstate_free(&parked);
	fs_config_free(&cfg);
	return r;
}

static int run(const char *config, int argc, char **argv, char *msg, size_t msglen)
{
	struct famfs_client *c = NULL;
	struct fs_config cfg;
	struct fs_request req;
	struct fs_job job = { 0 };
	const char *stage = argv[0];
	char err[1024];
	int r;

	if (!strcmp(stage, "job_process") && argc == 2)
		return load_request(argv[1], &req, msg, msglen);
	if (!strcmp(stage, "parked") && argc == 1)
		return list_parked(config, msg, msglen);
	if (!strcmp(stage, "unpark") && argc == 2) {
		if (fs_path_check(argv[1], err, sizeof(err))) {
			snprintf(msg, msglen, "famfs: %s", err);
			return -EINVAL;
		}
	} else if (argc < 2 || parse_job_id(argv[1], &job.id)) {
		return -EINVAL;
	}
	if (!strcmp(stage, "paths") && argc == 4) {
		r = load_request(argv[2], &req, msg, msglen);
		return r ? r : write_paths(&req, argv[3], msg, msglen);
	}
	if (!((!strcmp(stage, "data_in") && argc == 3) || (!strcmp(stage, "pre_run") && argc == 5) ||
	      (!strcmp(stage, "release") && argc == 2) || (!strcmp(stage, "unpark") && argc == 2)))
		return -EINVAL;

	fs_config_init(&cfg);
	r = fs_config_load(&cfg, config, err, sizeof(err));
	if (r) {
		snprintf(msg, msglen, "famfs: %s", err);
		return -ENOEXEC;
	}
	if (argc > 2 && strcmp(stage, "unpark")) {
		r = load_request(argv[2], &req, msg, msglen);
		if (r)
			goto out;
	}
	r = famfs_connect(cfg.socket[0] ? cfg.socket : NULL, &c);
	if (r) {
		snprintf(msg, msglen, "famfs: cannot reach famfsd at %s: %s",
			 cfg.socket[0] ? cfg.socket : "the default socket", strerror(-r));
		goto out;
	}
	if (!strcmp(stage, "data_in")) {
		r = fs_stage_data_in(c, &cfg, &req, msg, msglen);
	} else if (!strcmp(stage, "pre_run")) {
		job.batch_host = argv[3];
		r = split_nodes(argv[4], &job);
		if (!r)
			r = fs_stage_pre_run(c, &cfg, &job, &req, msg, msglen);
	} else if (!strcmp(stage, "unpark")) {
		r = fs_stage_unpark(c, &cfg, argv[1], msg, msglen);
	} else {
		r = fs_stage_release(c, &cfg, job.id, msg, msglen);
	}
out:
	if (c)
		famfs_disconnect(c);
	free(job.nodes);
	fs_config_free(&cfg);
	return r;
}

int main(int argc, char **argv)
{
	const char *config = FS_DEFAULT_CONFIG;
	char msg[2048] = "";
	int r;

	if (argc > 2 && !strcmp(argv[1], "--config")) {
		config = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	r = run(config, argc - 1, argv + 1, msg, sizeof(msg));
	if (r == -EINVAL && !msg[0]) {
		fprintf(stdout, "famfs-slurm-bb: bad arguments for '%s'\n", argv[1]);
		fputs(usage, stderr);
		return 2;
	}
	if (r && !msg[0])
		snprintf(msg, sizeof(msg), "famfs: %s failed: %s", argv[1], strerror(-r));
	if (msg[0])
		printf("%s\n", msg);
	return r == -ENOEXEC ? 2 : r ? 1 : 0;
}
