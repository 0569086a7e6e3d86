/* SPDX-License-Identifier: Apache-2.0 */
/* famfsd: the daemon's state, shared by its files. Only main.c creates it. */
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
	struct famfsd_metrics metrics;	/* metrics.c: counters, the HTTP exporter */
	struct fam_reqids reqids;	/* client request ids in the log (retries) */
};

/* backend.c: open (and in kernel mode mount) the local famfs; close it again. */
int famfsd_backend_open(struct famfsd *d);
void famfsd_backend_close(struct famfsd *d);

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

/*
 * service.c: client request ids of mutating calls (docs/protocol.md, "Retries").
 * begin: 1 when a record of this request is in the log already (*seen: its
 * entry; the caller answers with the state now instead of acting again),
 * 0 when it is new (the id is stamped on the records committed until
 * famfsd_request_end), -EINVAL when the id is malformed (answered here).
 */
int famfsd_request_begin(struct famfsd *d, struct fam_rpc_call *call, const uint8_t *id,
			 size_t len, const struct fam_reqid **seen);
void famfsd_request_end(struct famfsd *d);

/* ownership.c: acquire / release / handoff / owners / watch. */
int famfsd_ownership_register(struct famfsd *d);
/* After a record is applied locally (OWNER records change access here). */
void famfsd_ownership_on_record(struct famfsd *d, const struct fam_rec *r);
/* Master: host's lease expired; release its grants. 0 when all were committed. */
int famfsd_ownership_host_expired(struct famfsd *d, uint32_t host);
/* Master: commit the release of this host's own (lost) grant on path. */
int famfsd_ownership_release_own(struct famfsd *d, const char *path, uint64_t epoch);
/* Make this host's access to every file match the grants (kernel mode). */
void famfsd_ownership_reconcile(struct famfsd *d);
void famfsd_ownership_stop(struct famfsd *d);

/*
 * hostlease.c: this host's lease (docs/cluster.md, "Host leases").
 * open: first; mounted: kernel mode, before the mount's .meta files are used
 * (a lease that ran out in an earlier life is disarmed, its grants lost);
 * started: once ownership is up.
 */
int famfsd_hostlease_open(struct famfsd *d);
int famfsd_hostlease_mounted(struct famfsd *d);
void famfsd_hostlease_started(struct famfsd *d);
void famfsd_hostlease_close(struct famfsd *d);
/*
 * How late the module's lease may end after the deadline famfsd gives it (the
 * ioctl takes a duration; fam_kmount_lease_until re-arms after a longer
 * stall). Below the master's slack (at least 5 ms: lease_ms >= 100).
 */
#define FAMFSD_MODULE_LEASE_LATE_MS	4
/*
 * A master acknowledged this host (or, on the master, renewed its lease) until
 * 'until', when its log was at need_seq: the lease is extended only if this
 * host has replayed that far (a host whose replay is stuck lets it run out).
 */
void famfsd_hostlease_extend(struct famfsd *d, uint64_t until, uint64_t need_seq);
/* Notice a lease that ran out; false while it has (kernel mode: the log is unreadable). */
bool famfsd_hostlease_check(struct famfsd *d);
/* Lease running and the namespace replayed to the last ack's position: access may be given. */
bool famfsd_hostlease_valid(const struct famfsd *d);
/* Replay could not reach the last ack's position (applied, need: where it is, where it must be). */
bool famfsd_hostlease_stuck(const struct famfsd *d, uint64_t *applied, uint64_t *need);
bool famfsd_grant_lost(const struct famfsd *d, uint64_t ino, uint64_t epoch);
size_t famfsd_hostlease_n_lost(const struct famfsd *d);

uint64_t famfsd_now_ms(void);
/* CLOCK_MONOTONIC in microseconds: durations fed to histograms (sub-millisecond handoffs). */
uint64_t famfsd_now_us(void);

/* Catch up with the log (a follower after a push or a forwarded commit). */
int famfsd_replay(struct famfsd *d);

#endif
