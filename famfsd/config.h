/* SPDX-License-Identifier: Apache-2.0 */
/*
 * famfsd configuration: etc/famfsd.conf (INI, parsed with inih), then
 * command-line flags on top. One schema serves famfsd and --check-config.
 */
#ifndef FAMFSD_CONFIG_H
#define FAMFSD_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define FAMFSD_CONF_DEFAULT	"/etc/famfs/famfsd.conf"
#define FAMFSD_SOCKET_DEFAULT	"/run/famfsd/famfsd.sock"
#define FAMFSD_MAX_PEERS	64
#define FAMFSD_STATE_DIR_DEFAULT	"/var/lib/famfs"
#define FAMFSD_DRIFT_PPM_DEFAULT	10000	/* epsilon = 1 % */

enum famfsd_mode { FAMFSD_MODE_AUTO, FAMFSD_MODE_KERNEL, FAMFSD_MODE_USER };
/* User-space mode's cache walk on a handoff: real fabric memory only, or also a simulated one. */
enum famfsd_cache_walk { FAMFSD_CACHE_AUTO, FAMFSD_CACHE_ALWAYS };

struct famfsd_peer {
	uint32_t host_id;
	char name[64];
	char address[128];		/* "host:port" or "[v6]:port" */
	bool act_for_others;		/* its clients may act for other hosts */
};

struct famfsd_config {
	/* [famfs] */
	char device[PATH_MAX];		/* required: /dev/pmemN, /dev/daxN.M or a fabric file */
	char mount[PATH_MAX];		/* kernel mode mount point */
	enum famfsd_mode mode;
	enum famfsd_cache_walk cache_walk;
	/* [control] */
	char socket[PATH_MAX];
	char admin_group[64];		/* may mutate; root always may */
	gid_t admin_gid;
	bool admin_gid_set;
	uint32_t max_frame;		/* bytes */
	uint32_t max_clients;
	/* [log] */
	int log_level;			/* syslog LOG_ERR..LOG_DEBUG */
	/* [cluster] (used from the cluster issue on; parsed and checked now) */
	uint32_t host_id;
	char listen[128];
	char cert[PATH_MAX], key[PATH_MAX], ca[PATH_MAX];
	uint32_t lease_ms;
	uint32_t host_lease_ms;	/* 0: 3 x lease_ms */
	uint32_t clock_drift_ppm;	/* epsilon, parts per million */
	uint32_t lease_slack_ms;	/* 0: lease_ms / 20 */
	char state_dir[PATH_MAX];	/* durable state: the promise this host gave */
	bool act_for_others;		/* this host's clients may act for other hosts */
	struct famfsd_peer peers[FAMFSD_MAX_PEERS];
	uint32_t n_peers;
	/* [metrics] */
	char metrics_listen[128];	/* empty: off */
	/* The file (or name) last loaded successfully: messages of famfsd_config_check name it. */
	char source[PATH_MAX];
};

/* Defaults for every field. */
void famfsd_config_defaults(struct famfsd_config *c);
/*
 * Load path on top of c. Returns 0, or -errno with a message naming the file,
 * line, key and what is wrong in err (e.g. "famfsd.conf:12: [control] max_frame:
 * '12Q' is not a size"). On error c is left unchanged (a failed reload keeps
 * the running configuration). Unknown sections and keys, keys set twice and
 * lines longer than inih's line limit are errors.
 */
int famfsd_config_load(struct famfsd_config *c, const char *path, char *err, size_t errlen);
/* The same from a string (for tests and the fuzzer); name is used in messages. */
int famfsd_config_parse(struct famfsd_config *c, const char *text, const char *name, char *err,
			size_t errlen);
/*
 * One key from the command line through the same schema, e.g.
 * famfsd_config_set(c, "famfs", "mode", optarg, ...). A relative path is made
 * absolute against the current directory. 0, or -errno and "[famfs] mode: 'x' is
 * not one of: auto, kernel, user" in err; c is unchanged on error.
 */
int famfsd_config_set(struct famfsd_config *c, const char *section, const char *key,
		      const char *value, char *err, size_t errlen);
/* Cross-field checks after flags are applied (device set, files readable, ...). */
int famfsd_config_check(const struct famfsd_config *c, char *err, size_t errlen);
/* Print the effective configuration as INI (for --check-config -v). */
void famfsd_config_print(const struct famfsd_config *c, FILE *out);
/* Every key with its help text and bounds, one per line (for --help-config / docs). */
void famfsd_config_schema_print(FILE *out);
/* "auto", "kernel", "user". */
const char *famfsd_mode_name(enum famfsd_mode mode);

#endif
