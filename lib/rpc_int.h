/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal glue between lib/rpc.c (connections, calls) and lib/rpc_tls.c
 * (OpenSSL). Not installed; only lib/rpc*.c include it.
 */
#ifndef FAMFS_RPC_INT_H
#define FAMFS_RPC_INT_H

#include "rpc.h"

#include <stdarg.h>

struct bufferevent;
struct evbuffer;
struct rpc_hold;

struct event_base *rpc_base(struct fam_rpc *r);
void rpc_log(struct fam_rpc *r, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* rpc.c: adopt a listening socket (made non-blocking); ctx is referenced when is_tls. */
int rpc_listener_add(struct fam_rpc *r, int fd, bool is_tls, SSL_CTX *ctx);
/* rpc.c: a client connection over bev (TLS: handshake still running). */
struct fam_rpc_conn *rpc_conn_client(struct fam_rpc *r, struct bufferevent *bev, bool is_tls,
				     const char *addr);

/* rpc_tls.c: an OpenSSL bufferevent on fd (closed with it), accepting or connecting. */
struct bufferevent *rpc_tls_bev(struct fam_rpc *r, int fd, SSL_CTX *ctx, bool server);
/* rpc_tls.c: after the handshake, check the peer's certificate and fill peer (name = CN). */
int rpc_tls_peer(struct bufferevent *bev, struct fam_rpc_peer *peer, char *err, size_t errlen);
/* rpc_tls.c: why a TLS bufferevent failed (OpenSSL error queue, or the socket error). */
void rpc_tls_error(struct bufferevent *bev, char *buf, size_t len);


/*
 * rpc_tls.c: SSL_write p (n bytes) on an open connection whose bufferevent
 * has nothing queued; returns how many bytes went out (queue the rest).
 */
size_t rpc_tls_write_direct(struct bufferevent *bev, const uint8_t *p, size_t n);
/*
 * rpc_tls.c: after the handshake, let OpenSSL read ahead (one read(2) takes
 * every record that arrived); rpc.c then reads with rpc_tls_read, not the
 * bufferevent. 0 or -EIO.
 */
int rpc_tls_read_ahead(struct bufferevent *bev);
/* rpc_tls.c: rpc_tls_read's end of stream: the peer closed (close_notify or EOF). */
#define RPC_TLS_EOF	(-1000)
/*
 * rpc_tls.c: SSL_read into in what the records that arrived hold, while
 * OpenSSL has read-ahead bytes left: >0 bytes, 0 none yet, RPC_TLS_EOF, or
 * -EIO / -ENOMEM.
 */
int rpc_tls_read(struct bufferevent *bev, struct evbuffer *in);
/* rpc_tls.c: OpenSSL holds bytes read ahead (rpc_tls_read would not wait for the socket). */
bool rpc_tls_has_pending(struct bufferevent *bev);
/* rpc.c: fam_rpc_reply() without the group commit hold. */
int rpc_reply_now(struct fam_rpc_call *call, int status, const char *msg,
		  const void *payload, size_t len);
/* rpc.c: where r keeps its rpc_hold (NULL: none). */
struct rpc_hold **rpc_hold_slot(struct fam_rpc *r);
/* rpc_hold.c: hold this reply (true) or let it go now (false). */
bool rpc_hold_reply(struct rpc_hold *h, struct fam_rpc_call *call, int status, const char *msg,
		    const void *payload, size_t len);
/* rpc_hold.c: drop what is held without replying (fam_rpc_free). */
void rpc_hold_free(struct rpc_hold *h);
#endif
