/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ownership inside famfsd: state and functions shared by ownership.c (the
 * control methods, fencing epochs, hooks), dataset.c (this host's access and
 * caches), handoff.c (the handoff state machine) and watch.c (watch streams).
 * The grant rules themselves are in grants.c (no daemon state).
 */
#ifndef FAMFSD_OWN_INT_H
#define FAMFSD_OWN_INT_H

#include "backend.h"
#include "famfsd.h"
#include "grants.h"
#include "hostlease.h"
#include "ownership.h"
#include "rpc.h"
#include "famfs.pb-c.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct event;

#define PEER_DEADLINE_MS	5000	/* Revoke (on top of wait_ms) and Grant */
#define WAIT_MAX_MS		3600000	/* longest --wait accepted */
#define POLL_MS			50	/* while waiting for local users to close */
/*
 * A revocation refused because pages stay pinned past famfs.ko's wait (2 s,
 * FAMFS_PIN_WAIT_MS) is retried this many times, PIN_RETRY_MS apart, before it
 * is reported (ABORTED); the peer's Revoke deadline allows for it.
 */
#define PIN_RETRIES		2
#define PIN_RETRY_MS		500
#define PIN_RETRY_BUDGET_MS	(PIN_RETRIES * (2000 + PIN_RETRY_MS))
#define TIMER_MS		1000
#define KEEPALIVE_MS		10000	/* idle watch streams get a keepalive (finds dead clients) */
#define HOLD_MS			30000	/* revoked here, no OWNER record seen: restore after */
#define TO_NOBODY		UINT32_MAX	/* a release of a read-write grant (no new owner) */

struct watcher {
	struct fam_rpc_call *call;
	char *prefix;			/* "" or "/": everything */
	struct watcher *next;
};

struct handoff {
	struct famfsd *d;
	struct fam_rpc_call *call;
	char path[PATH_MAX];
	uint32_t from, to;
	uint64_t from_epoch;
	uint64_t start_us;		/* for the handoff latency metric (monotonic) */
	uint32_t wait_ms;
	bool force;
	uint8_t req_id[FAM_REQ_ID_LEN];	/* the client's request id (all zero: none) */
	bool peer_pending;		/* a peer call's callback will come back to it */
	bool orphan;			/* ownership stopped: that callback only frees it */
	char warning[768];
	struct handoff *next;
};

struct revoke {
	struct famfsd *d;
	struct fam_rpc_call *call;	/* a peer's famfs.peer.Revoke to answer, or NULL */
	struct handoff *h;		/* the local handoff to continue, or NULL */
	char path[PATH_MAX];
	uint64_t start, deadline;
	uint32_t wait_ms;
	bool force;
	unsigned int pin_retries;	/* refusals for pinned pages so far */
	uint64_t bytes;			/* flushed by the first attempt */
	struct hfirst *hf;		/* a holder-first handoff to continue, or NULL */
	struct event *timer;
	struct revoke *next;
};

/*
 * A holder-first handoff on the holder, a follower (docs/ownership.md): its
 * own client's famfs.Handoff, revoked here before it goes to the master.
 */
struct hfirst {
	struct famfsd *d;
	struct fam_rpc_call *call;	/* the local client's famfs.Handoff */
	char path[PATH_MAX];
	uint32_t to, wait_ms;
	bool force;
	uint8_t req_id[FAM_REQ_ID_LEN];
	size_t req_id_len;
	uint64_t ino, epoch;		/* the grant given up */
	bool given_up;			/* famfsd_grant_give_up() done */
	bool peer_pending;		/* the master's answer will come back to it */
	bool orphan;			/* ownership stopped: that callback only frees it */
	struct hfirst *next;
};

/* A data set revoked here whose OWNER records have not arrived yet: no access. */
struct held {
	char path[PATH_MAX];
	uint64_t until;
	bool granting;			/* this host invalidating: ends with that walk */
	unsigned int walks;		/* granting: the invalidation walks holding it */
	/*
	 * Kernel mode: lowerings of its access running on worker threads
	 * (dataset.c, own_lower). While any runs the hold stays (OWNER records
	 * and the timeout only mark it released) and own_reconcile leaves its
	 * files to the worker.
	 */
	unsigned int lowering;
	bool released;			/* dropped once the last lowering is done */
	struct held *next;
};

struct epoch_ent {
	uint64_t ino, epoch;
};

struct famfsd_own {
	struct watcher *watchers;
	struct handoff *handoffs;
	struct revoke *revokes;
	struct hfirst *hfirsts;		/* holder-first handoffs of this host's own clients */
	struct held *held;
	struct own_walk *walks;		/* cache walks on worker threads (dataset.c) */
	struct epoch_ent *ep;		/* highest grant epoch seen per node (open addressing) */
	size_t ep_cap, ep_n;
	struct event *timer;
	uint64_t last_keepalive;
	bool in_ckpt;			/* between CHECKPOINT BEGIN and END */
};

struct file_list {
	struct famfsd *d;
	struct { dev_t dev; ino_t ino; } *ids;	/* kernel mode */
	size_t n_ids;
	struct fam_extent *ext;			/* user mode */
	size_t n_ext;
	bool oom;
};

/* ownership.c */
void own_forward_msg(struct famfsd *d, struct fam_rpc_call *call, const ProtobufCMessage *m);
bool own_is_member(const struct famfsd *d, uint32_t host);
/* Can the owner be taken to be gone: not a member at all, or its lease expired? */
bool own_host_gone(const struct famfsd *d, uint32_t host);
/* The access rule's parameters on this host (grants.h). */
struct grant_view own_view_of(const struct famfsd *d);
/* A host's access to node n from the namespace alone. */
uint32_t own_access_of(const struct famfsd *d, const struct fam_node *n, uint32_t host,
		       bool *owned);
void own_epoch_note(struct famfsd_own *o, uint64_t ino, uint64_t epoch);
/* Fencing epoch of a new grant on n: one more than the highest seen. */
uint64_t own_next_epoch(struct famfsd_own *o, const struct fam_node *n);
/* host: whose access the reply reports (the acting host of Acquire / Release / Handoff). */
void own_reply_owners(struct famfsd *d, struct fam_rpc_call *call, const char *path,
		      const char *warning, uint32_t host);
/*
 * Start an ownership request on path: look it up into *n and note its request
 * id. 1: answered already (an error, or a retry of a committed request, given
 * host's owners reply); 0: go on, and end with famfsd_request_end.
 */
int own_begin(struct famfsd *d, struct fam_rpc_call *call, const char *path,
	      const ProtobufCBinaryData *request_id, uint32_t host, struct fam_node **n);
int own_commit_owner(struct famfsd *d, const char *path, uint32_t host, uint32_t mode,
		     uint64_t epoch);
/* A handoff: one OWNER record moves the grant, so no log prefix shows the data set unowned. */
int own_commit_move(struct famfsd *d, const char *path, uint32_t from, uint64_t from_epoch,
		    uint32_t to, uint64_t epoch);

/* dataset.c: this host's access, cache maintenance, local users, holds. */
/* A data set's cache write-back or invalidation is over (on the loop): bytes walked. */
typedef void (*own_walk_done_fn)(struct famfsd *d, void *arg, uint64_t bytes);
/*
 * Kernel mode: a lowering of a data set's access on a worker thread is over
 * (on the loop): err is 0, or -EBUSY / -ETIMEDOUT for pages still pinned, or
 * another -errno, with msg saying so; bytes: what famfsd's own walk flushed.
 */
typedef void (*own_lower_done_fn)(struct famfsd *d, void *arg, int err, uint64_t bytes,
				  const char *msg);
/* famfsd stopping: end the cache walks; their done callbacks are not called. */
void own_walks_cancel(struct famfsd *d);
bool own_is_held(const struct famfsd *d, const char *path);
/* Kernel mode: a worker lowers this host's access to (a data set containing) path. */
bool own_is_lowering(const struct famfsd *d, const char *path);
/* Held while this host invalidates its caches of path (famfs.Open: UNAVAILABLE, retry). */
bool own_is_invalidating(const struct famfsd *d, const char *path);
/* Kernel mode: make this host's access to every file at or below path match the grants. */
void own_reconcile(struct famfsd *d, const char *path);
int own_collect_cb(struct file_list *fl, const struct fam_node *n);
void own_file_list_free(struct file_list *fl);
/* A local process (not famfsd) using the data set, or 0. */
pid_t own_in_use(struct famfsd *d, const struct file_list *fl, char *comm, size_t cap);
/* granting: held while this host invalidates as the new owner (not by OWNER records). */
struct held *own_hold(struct famfsd *d, const char *path, bool granting);
/* OWNER records touching path arrived (or, expired_only, the hold timed out): drop holds. */
void own_unhold(struct famfsd *d, const char *path, bool expired_only);
/*
 * 0: revoked (*bytes written back); 1: a worker runs, and walked (user-space
 * mode's cache walk) or lowered (kernel mode's access change) follows on the
 * loop; -errno and msg.
 */
int own_do_revoke(struct famfsd *d, const char *path, struct file_list *fl, uint64_t *bytes,
		  char *msg, size_t cap, own_walk_done_fn walked, own_lower_done_fn lowered,
		  void *arg);
/* Kernel mode, a pinned revocation's retry: access none. As own_do_revoke. */
int own_revoke_none(struct famfsd *d, const char *path, char *msg, size_t cap,
		    own_lower_done_fn lowered, void *arg);
/* Invalidate and take access; done gets the bytes invalidated (now or from the loop). */
void own_do_grant(struct famfsd *d, const char *path, own_walk_done_fn done, void *arg);
/* User-space mode: path became readable here without a grant here: invalidate, held. */
void own_invalidate_readable(struct famfsd *d, const char *path);

/* watch.c: famfs.Watch streams. */
void own_watcher_end(struct famfsd *d, struct watcher **pp, int status, const char *msg);
void own_emit(struct famfsd *d, Famfs__WatchEvent *ev);
void own_emit_simple(struct famfsd *d, const char *kind, const char *path, uint64_t seq);
void own_h_watch(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg);

/* handoff.c: the handoff state machine (and the release of a read-write grant). */
const struct handoff *own_busy(const struct famfsd *d, const char *path);
bool own_refuse_busy(struct famfsd *d, struct fam_rpc_call *call, const char *path);
/* A handoff of path from 'from' to 'to' (TO_NOBODY: a release); NULL: answered (out of memory). */
struct handoff *own_handoff_new(struct famfsd *d, struct fam_rpc_call *call, const char *path,
				uint32_t from, uint64_t from_epoch, uint32_t to);
/* Revoke on the holder (here or famfs.peer.Revoke); commit and grant follow. */
void own_handoff_start(struct handoff *h);
void own_h_handoff(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg);
void own_h_peer_revoke(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg);
void own_h_peer_grant(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg);

#endif
