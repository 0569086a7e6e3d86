/* SPDX-License-Identifier: Apache-2.0 */
/*
 * famfs-slurm-bb: the famfs side of Slurm's burst_buffer/lua plugin.
 * slurm/burst_buffer.lua calls this helper at each burst buffer stage; it
 * reads the job's "#BB_LUA famfs rw=PATH ro=PATH" directives, maps Slurm
 * node names to famfs host ids (slurm/famfs-slurm.conf) and grants,
 * checks and releases ownership through libfamfs-client (docs/slurm.md).
 */
#ifndef FAMFS_SLURM_H
#define FAMFS_SLURM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FS_MAX_DATASETS	16	/* data sets one job may declare */
#define FS_PATH_MAX	1024	/* a data set's famfs path, with its NUL */
#define FS_NODE_MAX	64	/* a Slurm node name, with its NUL */
#define FS_SOCKET_MAX	108	/* sizeof(sun_path) */

/* ---- text.c ---- */
/* A whole file of at most max bytes (-EFBIG if longer), NUL-terminated; lenp may be NULL. */
int fs_read_text(const char *file, size_t max, char **out, size_t *lenp);

/* ---- directives.c: the job's data sets ---- */
struct fs_dataset {
	uint32_t mode;			/* FAMFS_OWN_RO or FAMFS_OWN_RW */
	char path[FS_PATH_MAX];
};

struct fs_request {
	size_t n;
	struct fs_dataset ds[FS_MAX_DATASETS];
};

/*
 * Parse the "#BB_LUA famfs ..." lines of a job script (NUL-terminated).
 * Only the leading comment block is read, as Slurm does for #SBATCH. On
 * error: -EINVAL and err says which line and what was wrong.
 */
int fs_directives_parse(const char *script, struct fs_request *req, char *err, size_t errlen);
/* 0 when path may name a data set, else -EINVAL and why in err. */
int fs_path_check(const char *path, char *err, size_t errlen);
/* "rw:/a ro:/b" (the job's FAMFS_DATASETS); -ENOSPC when it does not fit. */
int fs_request_format(const struct fs_request *req, char *out, size_t outlen);

/* ---- config.c: famfs-slurm.conf ---- */
struct fs_node {
	char name[FS_NODE_MAX];
	uint32_t host;
};

struct fs_config {
	char socket[FS_SOCKET_MAX];	/* famfsd the hooks talk to; "" = library default */
	char state_dir[FS_PATH_MAX];	/* per-job grant records */
	uint32_t wait_s;		/* how long a stage waits for a conflicting grant */
	bool handoff;			/* park read-write grants of ended jobs for a handoff */
	size_t n_nodes;
	struct fs_node *nodes;
};

void fs_config_init(struct fs_config *cfg);
/* Parse INI text (name is used in messages: "NAME:LINE: ..."). */
int fs_config_parse(struct fs_config *cfg, const char *text, const char *name, char *err,
		    size_t errlen);
int fs_config_load(struct fs_config *cfg, const char *file, char *err, size_t errlen);
void fs_config_free(struct fs_config *cfg);
/* The famfs host of a Slurm node: 0, or -ENOENT. */
int fs_config_host(const struct fs_config *cfg, const char *node, uint32_t *host);

/* ---- jobstate.c: what a job was granted (state_dir/job.ID) ---- */
struct fs_grant_rec {
	uint32_t host;
	uint32_t mode;			/* FAMFS_OWN_RO or FAMFS_OWN_RW */
	bool made;			/* this job's hook made the grant (else it was there) */
	char path[FS_PATH_MAX];
};

struct fs_jobstate {
	size_t n, cap;
	struct fs_grant_rec *recs;
};

void fs_jobstate_init(struct fs_jobstate *js);
void fs_jobstate_free(struct fs_jobstate *js);
int fs_jobstate_add(struct fs_jobstate *js, const struct fs_grant_rec *rec);
int fs_jobstate_parse(const char *text, struct fs_jobstate *js, char *err, size_t errlen);
/* -ENOENT when the job has no record. */
int fs_jobstate_load(const char *dir, uint32_t job, struct fs_jobstate *js, char *err,
		     size_t errlen);
int fs_jobstate_save(const char *dir, uint32_t job, const struct fs_jobstate *js, char *err,
		     size_t errlen);
int fs_jobstate_remove(const char *dir, uint32_t job);
/* The parked read-write grants of ended jobs (state_dir/parked; none: empty). */
int fs_parked_load(const char *dir, struct fs_jobstate *js, char *err, size_t errlen);
int fs_parked_save(const char *dir, const struct fs_jobstate *js, char *err, size_t errlen);
/* Index of the record on exactly path with mode, or -1. */
ssize_t fs_jobstate_find(const struct fs_jobstate *js, const char *path, uint32_t mode);
void fs_jobstate_del(struct fs_jobstate *js, size_t i);
/* Whether a job other than job records a grant made for (host, mode, path). */
bool fs_jobstate_shared(const char *dir, uint32_t job, const struct fs_grant_rec *rec);
/* An exclusive lock on state_dir (serialises the stages); fd or -errno. */
int fs_jobstate_lock(const char *dir, char *err, size_t errlen);

/* ---- stages.c: the burst buffer stages ---- */
struct famfs_client;

struct fs_job {
	uint32_t id;
	const char *batch_host;		/* pre_run: the node running the batch script */
	size_t n_nodes;			/* pre_run: every node of the job */
	char **nodes;
};

/* Wait (up to wait_s) until no grant of another host is in the way. */
int fs_stage_data_in(struct famfs_client *c, const struct fs_config *cfg,
		     const struct fs_request *req, char *msg, size_t msglen);
/* Grant the data sets to the job's hosts; on failure nothing stays granted. */
int fs_stage_pre_run(struct famfs_client *c, const struct fs_config *cfg,
		     const struct fs_job *job, const struct fs_request *req, char *msg, size_t msglen);
/* Release what pre_run granted (post_run and teardown; a second call is a no-op). */
int fs_stage_release(struct famfs_client *c, const struct fs_config *cfg, uint32_t job,
		     char *msg, size_t msglen);

/* Release a parked read-write grant and forget it (an operator's command). */
int fs_stage_unpark(struct famfs_client *c, const struct fs_config *cfg, const char *path,
		    char *msg, size_t msglen);

#endif
