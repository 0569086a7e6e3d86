/* SPDX-License-Identifier: Apache-2.0 */
/*
 * famfsd: the daemon's state, shared by its files. Only main.c creates it.
 * The functions of each part are in its own header (backend.h, cluster.h,
 * hostlease.h, ownership.h, reply.h, ...); docs/cluster.md, "Inside famfsd".
 */
#ifndef FAMFSD_H
#define FAMFSD_H

#include "config.h"
#include "fs.h"
#include "logging.h"
#include "metrics.h"
#include "reqids.h"

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct event;
struct fam_rpc;
struct famfsd_cluster;
struct famfsd_own;
struct famfsd_hostlease;
struct famfsd_hostlease_hooks;
struct fam_rpc_call;

struct famfsd_stats {
	uint64_t calls, errors;
	uint64_t creates, mkdirs, deletes, renames;
};

struct famfsd {
	struct famfsd_config cfg;
	const char *config_path;
	struct famfsd_log log;
	struct event_base *base;
	struct fam_rpc *rpc;
	bool replay_due;		/* famfsd_replay_soon() was called (commit.c) */
	uint64_t pushed_seq;		/* committed seq last pushed by commit.c */
	struct ssl_ctx_st *tls;		/* peer TLS context, when [cluster] listen is set */
	struct event *ev_term, *ev_int, *ev_hup, *ev_watchdog;
	uint64_t watchdog_usec;
	/* The local famfs. */
	struct fam_dev dev;
	struct fam_fs fs;
	bool fs_open;
	bool kernel;			/* kernel mode: files live in cfg.mount */
	bool mounted;			/* we mounted it (and unmount on stop) */
	bool socket_activated;		/* the control socket came from systemd */
	uint64_t start_ms;
	struct famfsd_cluster *cluster;	/* NULL on a single host */
	struct famfsd_stats stats;
	struct famfsd_own *own;		/* ownership.c: watchers, handoffs, epochs */
	struct famfsd_hostlease *hl;	/* hostlease.c: this host's lease and lost grants */
	/* What the host lease drives outside itself (hostlease.h), wired by main.c. */
	const struct famfsd_hostlease_hooks *hl_hooks;
	struct famfsd_metrics metrics;	/* metrics.c: counters, the HTTP exporter */
	struct fam_reqids reqids;	/* client request ids in the log (retries) */
};

/* service.c: register the control API methods. */
int famfsd_service_register(struct famfsd *d);
/* Group commit: hold replies while records are unpublished (commit.c). */
int famfsd_commit_register(struct famfsd *d);
/*
 * Replay before the replies of this loop iteration go out (once for all of
 * them); replies are held until then (commit.c).
 */
void famfsd_replay_soon(struct famfsd *d);

/* A record was applied locally (own commit or replay): mirror it into the
 * kernel mount, apply ownership, tell watchers. Called by the cluster core. */
void famfsd_on_record(struct famfsd *d, const struct fam_rec *r);
void famfsd_on_record_cb(void *arg, const struct fam_rec *r);	/* fs->on_apply */

uint64_t famfsd_now_ms(void);
/* CLOCK_MONOTONIC in microseconds: durations fed to histograms (sub-millisecond handoffs). */
uint64_t famfsd_now_us(void);

#endif
