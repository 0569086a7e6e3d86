/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libfamfs-client: the C API of famfs for applications, job schedulers and
 * famfsctl. It talks to the local famfsd over its UNIX socket.
 *
 * Every function returns 0 or a negative errno (-ENOENT, -EEXIST, -EACCES,
 * -ENOSPC, -ETIMEDOUT, -ECONNREFUSED, ...); famfs_errmsg() then says what
 * went wrong in words (the daemon's message). A handle is not thread-safe:
 * use one per thread.
 */
#ifndef FAMFS_CLIENT_H
#define FAMFS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FAMFS_CLIENT_SOCKET_DEFAULT "/run/famfsd/famfsd.sock"

struct famfs_client;

/*
 * Request ids (docs/protocol.md, "Retries"): every mutating call (mkdir
 * without parents, create, unlink, rename, acquire, release, handoff)
 * carries a 16-byte id that famfsd records in the log. A call retried with
 * the same id after an error that leaves its outcome unknown (a timeout, a
 * lost connection, UNAVAILABLE) returns the first attempt's result instead
 * of acting again. The library picks a random id per call; famfs_request_id
 * tells the last one, famfs_set_request_id sets the next call's.
 */
#define FAMFS_REQUEST_ID_LEN 16
/* -EINVAL for an all-zero id. */
int famfs_set_request_id(struct famfs_client *c, const uint8_t id[FAMFS_REQUEST_ID_LEN]);
void famfs_request_id(const struct famfs_client *c, uint8_t out[FAMFS_REQUEST_ID_LEN]);

struct famfs_extent {
	uint64_t offset;	/* device byte offset */
	uint64_t length;
};

struct famfs_owner {
	uint32_t host;
	uint32_t mode;		/* 1 read-only, 2 read-write */
	uint64_t epoch;
};

struct famfs_stat {
	char *path;
	bool is_dir;
	uint64_t ino;
	uint32_t mode, uid, gid;
	uint64_t size;
	uint32_t n_extents;
	struct famfs_extent *extents;
	uint32_t n_owners;
	struct famfs_owner *owners;
};

struct famfs_status {
	char version[32], uuid[40], mode[16];
	char device[4096], mount[4096];
	uint32_t host_id;
	bool writer;
	uint64_t epoch, head_seq, committed_seq, replayed_seq;
	uint64_t files, directories;
	uint64_t log_size, log_used;
	uint64_t data_bytes, used_bytes, pending_bytes, free_bytes;
	uint64_t uptime_ms, rpc_calls, rpc_errors;
	char role[16];		/* master, follower (a single host is its own master) */
	int32_t master;		/* host id of the master; -1: none known */
};

/* One host of the cluster as the daemon sees it (famfs_cluster). */
struct famfs_host {
	uint32_t host;
	char name[64], address[128];	/* from the daemon's config; the daemon itself: "self" */
	bool self, master, up;
	bool replay_known;		/* replayed_seq is known (self; peers it heard from) */
	uint64_t replayed_seq;
	uint64_t lag;			/* committed_seq - replayed_seq, when known */
	uint64_t last_contact_ms;	/* since the daemon heard from it; UINT64_MAX: never */
	char lease[16];			/* held, valid, expired, unknown, none (docs/famfsctl.8.md) */
	uint64_t lease_left_ms;
};

struct famfs_cluster {
	uint32_t self;			/* the answering daemon's host id */
	char role[16];			/* its role: master, follower, candidate */
	int32_t master;			/* -1: none known */
	uint64_t epoch, committed_seq, watermark;
	uint64_t lease_left_ms;		/* as master: time left of its lease */
	uint32_t lease_ms;		/* the cluster's lease length; 0: single host */
	size_t n_hosts;
	struct famfs_host *hosts;	/* the daemon itself first */
};

/* A file's bytes mapped into this process: the fabric memory itself. */
struct famfs_map {
	void *addr;
	size_t length;		/* the file size */
	size_t map_length;	/* what is mapped (rounded up to pages) */
	int prot;
};

/* socket: NULL means $FAMFS_SOCKET, else FAMFS_CLIENT_SOCKET_DEFAULT. */
int famfs_connect(const char *socket, struct famfs_client **out);
void famfs_disconnect(struct famfs_client *c);
/* What the last failing call said (never NULL). */
const char *famfs_errmsg(const struct famfs_client *c);
/* Deadline for each call, in milliseconds (default 10000). */
void famfs_set_timeout(struct famfs_client *c, uint32_t ms);
/*
 * How long famfs_mmap keeps asking while famfsd answers UNAVAILABLE for a
 * passing state of this host, in milliseconds (default: the call timeout);
 * 0: return -ENOTCONN at the first such answer.
 */
void famfs_set_retry(struct famfs_client *c, uint32_t ms);

int famfs_status(struct famfs_client *c, struct famfs_status *st);
int famfs_ping(struct famfs_client *c);
/* Every host, master, epoch, replay positions and leases. Free with famfs_cluster_free. */
int famfs_cluster(struct famfs_client *c, struct famfs_cluster *out);
void famfs_cluster_free(struct famfs_cluster *cl);
int famfs_mkdir(struct famfs_client *c, const char *path, uint32_t mode, bool parents);
/* Create a file of size bytes; st (may be NULL) receives its attributes and extents. */
int famfs_create(struct famfs_client *c, const char *path, uint32_t mode, uint64_t size,
		 struct famfs_stat *st);
int famfs_unlink(struct famfs_client *c, const char *path);
int famfs_rename(struct famfs_client *c, const char *from, const char *to);
int famfs_stat(struct famfs_client *c, const char *path, struct famfs_stat *st);
/* Entries of a directory (or the file itself). Free with famfs_list_free. */
int famfs_list(struct famfs_client *c, const char *path, struct famfs_stat **entries,
	       size_t *n);
void famfs_stat_free(struct famfs_stat *st);
void famfs_list_free(struct famfs_stat *entries, size_t n);

/*
 * Map a file's bytes (PROT_READ and/or PROT_WRITE). famfsd first checks
 * ownership (famfs.Open): -EACCES when another host owns the file's data
 * set read-write, or read-only and this host holds no grant (or PROT_WRITE
 * with a read-only grant). While this host's famfsd answers UNAVAILABLE
 * for a passing state (it invalidates its caches of the data set after a
 * grant here or another host's release, user-space mode; its lease is being
 * renewed; its replay catches up) the call asks again with a growing pause
 * (1 ms doubling to 50 ms) for up to the retry budget (famfs_set_retry;
 * by default the call timeout, 10 s), then returns -ENOTCONN with
 * famfs_errmsg() naming the reason. Kernel mode: mmap of the
 * file in the famfs mount (DAX, PMD faults for 2 MiB-aligned files).
 * User-space mode: the file's extents are mapped straight from the device,
 * laid out contiguously. Writers must famfs_flush() before another host
 * reads; readers famfs_invalidate() before they read what another host wrote.
 */
int famfs_mmap(struct famfs_client *c, const char *path, int prot, struct famfs_map *m);
int famfs_munmap(struct famfs_map *m);
void famfs_flush(const void *addr, size_t len);
void famfs_invalidate(const void *addr, size_t len);

/*
 * ---- Ownership: serial sharing and read-only sharing (docs/ownership.md) ----
 *
 * A data set is a file or a directory tree. One host may own it read-write
 * (no other host may then hold any grant on it, on a directory above it or
 * on anything below it), or any number of hosts read-only. Files nobody owns
 * are open to every host. Each grant carries a fencing epoch.
 */
#define FAMFS_OWN_NONE	0
#define FAMFS_OWN_RO	1
#define FAMFS_OWN_RW	2
/* host argument: the host of the famfsd this client talks to. */
#define FAMFS_HOST_SELF	(-1)

enum famfs_grant_scope {
	FAMFS_SCOPE_SELF = 0,		/* on the path itself */
	FAMFS_SCOPE_ANCESTOR = 1,	/* on a directory above it (covers it) */
	FAMFS_SCOPE_DESCENDANT = 2,	/* on something below it */
};

struct famfs_grant {
	char *path;			/* the data set the grant is on */
	uint32_t host;
	uint32_t mode;			/* FAMFS_OWN_RO or FAMFS_OWN_RW */
	uint64_t epoch;			/* fencing epoch */
	uint64_t seq;			/* log record that made it */
	enum famfs_grant_scope scope;
};

struct famfs_owners {
	char *path;
	uint32_t host;			/* acquire/release: the acting host; handoff: the new
					 * owner; owners: the answering famfsd's host */
	uint32_t access;		/* that host's access to path now: FAMFS_OWN_* */
	bool owned;			/* a grant on path or above it applies */
	size_t n_grants;
	struct famfs_grant *grants;
	char *warning;			/* "" or a note (e.g. the new owner did not confirm) */
};

/*
 * Grant host (FAMFS_HOST_SELF: this host) mode on path. -EBUSY
 * (FAILED_PRECONDITION) when another host's grant is in the way; asking
 * again for a grant already held changes nothing. out (may be NULL): the
 * owners afterwards; free with famfs_owners_free().
 */
int famfs_acquire(struct famfs_client *c, const char *path, uint32_t mode, int host,
		  struct famfs_owners *out);
/* Drop host's grant on exactly path. */
int famfs_release(struct famfs_client *c, const char *path, int host, struct famfs_owners *out);
/*
 * Move the read-write grant on path from its owner to to_host: the owner
 * revokes its access (waiting up to wait_ms for its local users to close;
 * force: revoke even if still in use, and proceed without an owner that does
 * not answer once its lease has expired) and flushes its caches, the master
 * commits the new grant (epoch + 1), to_host invalidates its caches.
 */
int famfs_handoff(struct famfs_client *c, const char *path, uint32_t to_host, uint32_t wait_ms,
		  bool force, struct famfs_owners *out);
/* The grants on path, on directories above it and below it. */
int famfs_owners(struct famfs_client *c, const char *path, struct famfs_owners *out);
void famfs_owners_free(struct famfs_owners *o);

/*
 * One change applied on the daemon's host. kind: "ready" (first event: the
 * watch is in place), "mkdir", "create", "delete", "rename" (to: new path),
 * "owner" (host, mode: FAMFS_OWN_NONE = released, epoch), "checkpoint".
 * Strings are valid during the callback only.
 */
struct famfs_event {
	const char *kind;
	const char *path;
	const char *to;
	uint64_t seq;			/* log sequence number */
	bool has_host;
	uint32_t host, mode;
	uint64_t epoch;
};
typedef int (*famfs_watch_fn)(const struct famfs_event *ev, void *arg);
/*
 * Stream events (on a second connection) until cb returns non-zero (then 0
 * is returned) or the stream ends (the daemon stops or goes away: -ENOTCONN,
 * a reader too slow: -ENOSPC; famfs_errmsg() says which).
 */
int famfs_watch(struct famfs_client *c, famfs_watch_fn cb, void *arg);
/* The same, for events on path or below it only. */
int famfs_watch_path(struct famfs_client *c, const char *path, famfs_watch_fn cb, void *arg);

#ifdef __cplusplus
}
#endif
#endif
