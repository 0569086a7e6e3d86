/* SPDX-License-Identifier: Apache-2.0 */
/*
 * famfs RPC: gRPC-like calls over length-prefixed protobuf Envelopes
 * (proto/famfs.proto), on UNIX sockets (peer identity from SO_PEERCRED) and
 * TCP with mutual TLS 1.3. Many calls may be in flight on one connection;
 * deadlines are enforced by both sides; a malformed or oversized frame
 * closes that connection only. Used by famfsd and by libfamfs-client.
 *
 * Threading: one event loop (libevent) per struct fam_rpc; every callback
 * runs on it. No other famfs file includes libevent headers except the
 * ones implementing this API and famfsd's loop glue.
 */
#ifndef FAMFS_RPC_H
#define FAMFS_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct event_base;
typedef struct ssl_ctx_st SSL_CTX;

/* gRPC status codes. */
enum fam_rpc_status {
	FAM_RPC_OK = 0,
	FAM_RPC_CANCELLED = 1,
	FAM_RPC_UNKNOWN = 2,
	FAM_RPC_INVALID_ARGUMENT = 3,
	FAM_RPC_DEADLINE_EXCEEDED = 4,
	FAM_RPC_NOT_FOUND = 5,
	FAM_RPC_ALREADY_EXISTS = 6,
	FAM_RPC_PERMISSION_DENIED = 7,
	FAM_RPC_RESOURCE_EXHAUSTED = 8,
	FAM_RPC_FAILED_PRECONDITION = 9,
	FAM_RPC_ABORTED = 10,
	FAM_RPC_OUT_OF_RANGE = 11,
	FAM_RPC_UNIMPLEMENTED = 12,
	FAM_RPC_INTERNAL = 13,
	FAM_RPC_UNAVAILABLE = 14,
	FAM_RPC_DATA_LOSS = 15,
	FAM_RPC_UNAUTHENTICATED = 16,
};
#define FAM_RPC_STATUS_COUNT	17	/* statuses 0 .. FAM_RPC_UNAUTHENTICATED */

const char *fam_rpc_status_name(int status);
/* Map a negative errno to the status a client should see (-ENOENT -> NOT_FOUND, ...). */
int fam_rpc_status_from_errno(int err);
/* And back, for the client library (NOT_FOUND -> -ENOENT, ...). */
int fam_rpc_errno_from_status(int status);

#define FAM_RPC_MAX_FRAME_DEFAULT	(16u << 20)

struct fam_rpc_opts {
	uint32_t max_frame;		/* 0: FAM_RPC_MAX_FRAME_DEFAULT */
	gid_t admin_gid;		/* UNIX peers in this group may call mutating methods */
	bool admin_gid_set;
	/* Called for protocol errors (bad frame, refused peer...); level: syslog LOG_*. NULL: stderr. */
	void (*log)(void *arg, int level, const char *msg);
	void *log_arg;
	/* Accepted connections served at once; more are closed on arrival. 0: default. */
	unsigned int max_conns;
};
#define FAM_RPC_MAX_CONNS_DEFAULT	4096
/* Calls one connection may have in flight on the server; more get RESOURCE_EXHAUSTED. */
#define FAM_RPC_MAX_CALLS_PER_CONN	1024

/* Who is calling. */
struct fam_rpc_peer {
	bool is_unix;
	pid_t pid;			/* UNIX only */
	uid_t uid;
	gid_t gid;
	bool admin;			/* may call FAM_RPC_MUTATES methods */
	char name[128];			/* TLS: certificate subject CN; UNIX: "uid N" */
	int host_id;			/* TLS: the famfs host id the certificate names
					 * (subjectAltName URI "famfs:host:N"); -1: none */
};

/* The URI (subjectAltName) prefix that names a famfs host id in a certificate. */
#define FAM_RPC_HOST_URI_PREFIX	"famfs:host:"
/* Parse "famfs:host:N" (N 0..255, decimal, nothing after): N, or -1. */
int fam_rpc_host_uri_id(const char *uri, size_t len);

struct fam_rpc;
struct fam_rpc_conn;
struct fam_rpc_call;

/*
 * Server side. The handler replies now or later (exactly once) with fam_rpc_reply();
 * req is valid only while the handler runs (copy it to reply later).
 */
typedef void (*fam_rpc_handler)(struct fam_rpc_call *call, const uint8_t *req, size_t len,
				void *arg);
#define FAM_RPC_MUTATES	0x1	/* refused with PERMISSION_DENIED for non-admin peers */
#define FAM_RPC_STREAM	0x2	/* server-streaming: fam_rpc_stream_send()..., then reply */

struct fam_rpc *fam_rpc_new(struct event_base *base, const struct fam_rpc_opts *opts);
/*
 * Closes every connection (client ones too: their handles become invalid; pending
 * calls end with CANCELLED) and listener, and frees server calls not yet replied to.
 * Not from inside a callback. fam_rpc_new() ignores SIGPIPE if it was SIG_DFL.
 */
void fam_rpc_free(struct fam_rpc *r);

/*
 * Replies this server sent with status (its handlers' and the ones the RPC
 * layer sends itself: unknown method, deadline, permission, limits), since
 * fam_rpc_new(). 0 for a status out of range.
 */
uint64_t fam_rpc_replies(const struct fam_rpc *r, int status);

/*
 * Cluster identity: from now on, a TLS peer (accepted or dialed) is refused at
 * the handshake unless its certificate names a host id (FAM_RPC_HOST_URI_PREFIX)
 * that known(arg, id) accepts. NULL: no such check (the default).
 */
void fam_rpc_set_tls_hosts(struct fam_rpc *r, bool (*known)(void *arg, int host_id), void *arg);
/* A dialed TLS connection must reach this host id (its certificate must name it). */
void fam_rpc_conn_expect_host(struct fam_rpc_conn *c, int host_id);

/* Change the admin group (config reload); applies to connections accepted from now on. */
void fam_rpc_set_admin_gid(struct fam_rpc *r, gid_t gid, bool set);

int fam_rpc_register(struct fam_rpc *r, const char *method, unsigned int flags,
		     fam_rpc_handler h, void *arg);
/* Listen on a UNIX socket path (created 0666; authorization is per call), or adopt fd. */
int fam_rpc_listen_unix(struct fam_rpc *r, const char *path);
/* listen_fd: UNIX (is_tls false) or TCP with ctx; owned by r on success. */
int fam_rpc_listen_fd(struct fam_rpc *r, int listen_fd, bool is_tls, SSL_CTX *ctx);
/*
 * A listening TCP socket (non-blocking, close-on-exec, SO_REUSEADDR) on addr:
 * "[::1]:7070", "127.0.0.1:7070" or "name:7070" (resolved, blocking). fd or -errno.
 */
int fam_rpc_tcp_listen(const char *addr);
/* Listen on TCP with mutual TLS: ctx from fam_rpc_tls_ctx(). addr: "[::1]:7070", "127.0.0.1:7070". */
int fam_rpc_listen_tls(struct fam_rpc *r, const char *addr, SSL_CTX *ctx);
/* Serve one already connected UNIX socket (tests: socketpair); on failure the caller keeps fd. */
int fam_rpc_serve_fd(struct fam_rpc *r, int fd);

const struct fam_rpc_peer *fam_rpc_call_peer(const struct fam_rpc_call *call);
const char *fam_rpc_call_method(const struct fam_rpc_call *call);
/* Milliseconds left before the caller's deadline (UINT32_MAX: none). */
uint32_t fam_rpc_call_remaining_ms(const struct fam_rpc_call *call);
/*
 * Finish a call; status != OK carries msg. Returns 0 or -errno; the call is freed anyway:
 * -ENOTCONN connection gone, -ETIMEDOUT DEADLINE_EXCEEDED was already sent (reply dropped),
 * -EMSGSIZE payload over max_frame (the caller gets RESOURCE_EXHAUSTED instead).
 */
int fam_rpc_reply(struct fam_rpc_call *call, int status, const char *msg,
		  const void *payload, size_t len);
/*
 * Group commit. While pending(arg) is true, fam_rpc_reply() holds each reply
 * (it returns 0 and the call is answered later) and arranges that commit(arg,
 * msg, msg_len) runs once the callbacks of the current event loop iteration
 * have run, before any of their output is written. commit returns FAM_RPC_OK:
 * the held replies go out as given, in order; another status: every held
 * reply is replaced by that status with msg (nothing it acknowledged is
 * durable). Replies the RPC layer makes itself (deadline, limits) are never
 * held. pending NULL: no hook. 0 or -ENOMEM.
 */
int fam_rpc_set_commit_hook(struct fam_rpc *r, bool (*pending)(void *arg),
			    int (*commit)(void *arg, char *msg, size_t msg_len), void *arg);
/* Replies held now (tests). */
size_t fam_rpc_held(struct fam_rpc *r);
/*
 * From the commit hook: fn(arg, call, status) for each reply held now, the
 * ones the commit releases (who is waiting for this batch).
 */
void fam_rpc_held_foreach(struct fam_rpc *r,
			  void (*fn)(void *arg, const struct fam_rpc_call *call, int status),
			  void *arg);

/*
 * Server streams: send one item (the call stays open). -ENOBUFS: the client does not
 * read fast enough (megabytes queued); the caller should end the stream.
 */
int fam_rpc_stream_send(struct fam_rpc_call *call, const void *payload, size_t len);

/* Client side. done runs exactly once: with the reply, or with a local status
 * (DEADLINE_EXCEEDED, UNAVAILABLE when the connection closes, CANCELLED on
 * fam_rpc_conn_close). msg is never NULL ("" when none). */
typedef void (*fam_rpc_done)(int status, const char *msg, const uint8_t *payload, size_t len,
			     void *arg);
/* For streaming calls: each item, before done. */
typedef void (*fam_rpc_item)(const uint8_t *payload, size_t len, void *arg);

struct fam_rpc_conn *fam_rpc_connect_unix(struct fam_rpc *r, const char *path, int *err);
struct fam_rpc_conn *fam_rpc_connect_tls(struct fam_rpc *r, const char *addr, SSL_CTX *ctx,
					 int *err);
/* Adopt a connected UNIX socket (on failure the caller keeps fd). */
struct fam_rpc_conn *fam_rpc_connect_fd(struct fam_rpc *r, int fd, int *err);
/* Frees c. A connection whose peer went away stays allocated (calls fail) until this. */
void fam_rpc_conn_close(struct fam_rpc_conn *c);
/* Has the connection failed or been closed by the peer (close it and dial again)? */
bool fam_rpc_conn_dead(const struct fam_rpc_conn *c);
/* Peer identity of a connection (TLS: certificate CN). */
const struct fam_rpc_peer *fam_rpc_conn_peer(const struct fam_rpc_conn *c);

/* 0, or -ENOTCONN / -EINVAL / -EMSGSIZE / -ENOMEM (then done is not called). */
int fam_rpc_call(struct fam_rpc_conn *c, const char *method, const void *payload, size_t len,
		 uint32_t deadline_ms, fam_rpc_done done, fam_rpc_item item, void *arg);

/*
 * Blocking convenience for CLIs: runs the loop until the reply (not from inside a
 * callback of the same loop). *reply
 * (malloc'ed, may be NULL) and *msg (malloc'ed or NULL) belong to the caller.
 * Returns the status.
 */
int fam_rpc_call_sync(struct fam_rpc_conn *c, const char *method, const void *payload,
		      size_t len, uint32_t deadline_ms, uint8_t **reply, size_t *reply_len,
		      char **msg);

/* TLS 1.3 context with mutual authentication: our cert+key, the cluster CA. */
SSL_CTX *fam_rpc_tls_ctx(const char *cert, const char *key, const char *ca, bool server,
			 char *err, size_t errlen);

/* Frame codec, exposed for tests and the fuzzer: one whole frame (length + Envelope). */
struct fam_rpc_msg {
	uint64_t call_id;
	char *method;
	uint32_t deadline_ms;
	int32_t status;
	char *status_message;
	uint8_t *payload;
	size_t payload_len;
	uint32_t flags;
	void *block;	/* decoded: the arena they were unpacked into (lib/rpc_arena.h) */
};
/* Decode one frame from buf: >0 bytes consumed, 0 need more, -EMSGSIZE too large, -EBADMSG malformed. */
int fam_rpc_frame_decode(const uint8_t *buf, size_t len, uint32_t max_frame,
			 struct fam_rpc_msg *out);
void fam_rpc_msg_clear(struct fam_rpc_msg *m);
/* Encode into a malloc'ed buffer. Returns length or -errno. */
ssize_t fam_rpc_frame_encode(const struct fam_rpc_msg *m, uint8_t **out);
/* The encoded frame's size (length prefix included), or -EINVAL / -EMSGSIZE. */
ssize_t fam_rpc_frame_size(const struct fam_rpc_msg *m);
/* Encode into buf of exactly fam_rpc_frame_size(m) bytes. */
void fam_rpc_frame_write(const struct fam_rpc_msg *m, uint8_t *buf, size_t size);
/*
 * At least the encoded frame's size (length prefix included), from the
 * lengths of m's strings and payload alone, or -EINVAL / -EMSGSIZE; then
 * encode into buf of at least that many bytes: the frame's size. Saves
 * the pass of fam_rpc_frame_size where the buffer may be larger.
 */
ssize_t fam_rpc_frame_bound(const struct fam_rpc_msg *m);
size_t fam_rpc_frame_pack(const struct fam_rpc_msg *m, uint8_t *buf);

#endif
