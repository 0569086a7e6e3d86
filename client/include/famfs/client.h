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

int famfs_status(struct famfs_client *c, struct famfs_status *st);
int famfs_ping(struct famfs_client *c);
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
 * Map a file's bytes (PROT_READ and/or PROT_WRITE). Kernel mode: mmap of the
 * file in the famfs mount (DAX, PMD faults for 2 MiB-aligned files).
 * User-space mode: the file's extents are mapped straight from the device,
 * laid out contiguously. Writers must famfs_flush() before another host
 * reads; readers famfs_invalidate() before they read what another host wrote.
 */
int famfs_mmap(struct famfs_client *c, const char *path, int prot, struct famfs_map *m);
int famfs_munmap(struct famfs_map *m);
void famfs_flush(const void *addr, size_t len);
void famfs_invalidate(const void *addr, size_t len);

#ifdef __cplusplus
}
#endif
#endif
