/* SPDX-License-Identifier: Apache-2.0 */
/* famfsd: helpers every RPC handler uses to decode, check and answer. */
#ifndef FAMFSD_REPLY_H
#define FAMFSD_REPLY_H

#include "famfsd.h"
#include "rpc.h"

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

/* Fail the call with status and a message (printf format); counted and logged. */
void famfsd_reply_status(struct famfsd *d, struct fam_rpc_call *call, int status,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A failed operation on path: status from the errno, the library's detail appended. */
void famfsd_reply_errno(struct famfsd *d, struct fam_rpc_call *call, int err, const char *path);
/* Reply OK with a packed protobuf message. */
void famfsd_reply_packed(struct fam_rpc_call *call, const ProtobufCMessage *m);
/* Reject a bad path with INVALID_ARGUMENT; returns the path error (0: fine). */
int famfsd_check_path(struct famfsd *d, struct fam_rpc_call *call, const char *path);

/*
 * Client request ids of mutating calls (docs/protocol.md, "Retries").
 * begin: 1 when a record of this request is in the log already (*seen: its
 * entry; the caller answers with the state now instead of acting again),
 * 0 when it is new (the id is stamped on the records committed until
 * famfsd_request_end), -EINVAL when the id is malformed (answered here).
 */
int famfsd_request_begin(struct famfsd *d, struct fam_rpc_call *call, const uint8_t *id,
			 size_t len, const struct fam_reqid **seen);
void famfsd_request_end(struct famfsd *d);

/* Decode the request of a handler, or answer INVALID_ARGUMENT and return. */
#define FAMFSD_UNPACK(type, fn, var, req, len)					\
	FAMFSD_UNPACK_WITH(NULL, type, fn, var, req, len)
/* The same with a protobuf-c allocator (free the message with it too). */
#define FAMFSD_UNPACK_WITH(alloc, type, fn, var, req, len)			\
	type *var = (d->stats.calls++, fn##__unpack(alloc, len, req));		\
	if (!var) {								\
		famfsd_reply_status(d, call, FAM_RPC_INVALID_ARGUMENT,		\
				    "malformed " #type " message");		\
		return;								\
	}

#endif
