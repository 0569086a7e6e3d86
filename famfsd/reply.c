// SPDX-License-Identifier: Apache-2.0
#include "reply.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void famfsd_reply_status(struct famfsd *d, struct fam_rpc_call *call, int status,
			 const char *fmt, ...)
{
	char msg[PATH_MAX + 1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d->stats.errors++;
	famfsd_logf(&d->log, LOG_DEBUG, "%s from %s: %s: %s", fam_rpc_call_method(call),
		    fam_rpc_call_peer(call)->name, fam_rpc_status_name(status), msg);
	fam_rpc_reply(call, status, msg, NULL, 0);
}

void famfsd_reply_errno(struct famfsd *d, struct fam_rpc_call *call, int err, const char *path)
{
	/* A deposed master: the caller may retry once a new master is known. */
	int status = err == -ESTALE ? FAM_RPC_UNAVAILABLE : fam_rpc_status_from_errno(err);

	if (d->fs.err[0])
		famfsd_reply_status(d, call, status, "%s: %s (%s)", path, strerror(-err), d->fs.err);
	else
		famfsd_reply_status(d, call, status, "%s: %s", path, strerror(-err));
	d->fs.err[0] = 0;
}

void famfsd_reply_packed(struct fam_rpc_call *call, const ProtobufCMessage *m)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t stackbuf[4096], *buf = len <= sizeof(stackbuf) ? stackbuf : malloc(len);

	if (!buf) {
		fam_rpc_reply(call, FAM_RPC_RESOURCE_EXHAUSTED, "out of memory", NULL, 0);
		return;
	}
	protobuf_c_message_pack(m, buf);
	fam_rpc_reply(call, FAM_RPC_OK, NULL, buf, len);
	if (buf != stackbuf)
		free(buf);
}

int famfsd_check_path(struct famfsd *d, struct fam_rpc_call *call, const char *path)
{
	size_t len = strnlen(path, FAM_PATH_MAX + 1);
	int err = fam_path_check(path, len);

	if (err == -ENAMETOOLONG)
		famfsd_reply_status(d, call, FAM_RPC_INVALID_ARGUMENT,
				    "path too long (more than 4095 bytes, or a name over 255)");
	else if (err)
		famfsd_reply_status(d, call, FAM_RPC_INVALID_ARGUMENT,
				    "invalid path '%.200s': must be absolute, without empty, '.' or '..' components",
				    path);
	return err;
}

int famfsd_request_begin(struct famfsd *d, struct fam_rpc_call *call, const uint8_t *id,
			 size_t len, const struct fam_reqid **seen)
{
	*seen = NULL;
	memset(d->fs.req_id, 0, sizeof(d->fs.req_id));
	if (!len)
		return 0;
	if (len != FAM_REQ_ID_LEN || fam_reqid_none(id, len)) {
		famfsd_reply_status(d, call, FAM_RPC_INVALID_ARGUMENT, "request_id: %zu bytes, "
				    "must be %d and not all zero", len, FAM_REQ_ID_LEN);
		return -EINVAL;
	}
	*seen = fam_reqids_find(&d->reqids, id);
	if (*seen) {
		famfsd_logf(&d->log, LOG_INFO, "%s from %s: a retry of the request of record %llu: "
			    "answered with its result, nothing done again", fam_rpc_call_method(call),
			    fam_rpc_call_peer(call)->name, (unsigned long long)(*seen)->seq);
		return 1;
	}
	memcpy(d->fs.req_id, id, FAM_REQ_ID_LEN);
	return 0;
}

void famfsd_request_end(struct famfsd *d)
{
	memset(d->fs.req_id, 0, sizeof(d->fs.req_id));
}
