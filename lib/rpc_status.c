// SPDX-License-Identifier: Apache-2.0
/*
 * RPC status codes: names, and the mapping between errno values (what lib/
 * and famfsd return) and gRPC status codes (what travels on the wire).
 */
#include "rpc.h"

#include <errno.h>
#include <stdlib.h>

static const char *const status_names[] = {
	[FAM_RPC_OK] = "OK",
	[FAM_RPC_CANCELLED] = "CANCELLED",
	[FAM_RPC_UNKNOWN] = "UNKNOWN",
	[FAM_RPC_INVALID_ARGUMENT] = "INVALID_ARGUMENT",
	[FAM_RPC_DEADLINE_EXCEEDED] = "DEADLINE_EXCEEDED",
	[FAM_RPC_NOT_FOUND] = "NOT_FOUND",
	[FAM_RPC_ALREADY_EXISTS] = "ALREADY_EXISTS",
	[FAM_RPC_PERMISSION_DENIED] = "PERMISSION_DENIED",
	[FAM_RPC_RESOURCE_EXHAUSTED] = "RESOURCE_EXHAUSTED",
	[FAM_RPC_FAILED_PRECONDITION] = "FAILED_PRECONDITION",
	[FAM_RPC_ABORTED] = "ABORTED",
	[FAM_RPC_OUT_OF_RANGE] = "OUT_OF_RANGE",
	[FAM_RPC_UNIMPLEMENTED] = "UNIMPLEMENTED",
	[FAM_RPC_INTERNAL] = "INTERNAL",
	[FAM_RPC_UNAVAILABLE] = "UNAVAILABLE",
	[FAM_RPC_DATA_LOSS] = "DATA_LOSS",
	[FAM_RPC_UNAUTHENTICATED] = "UNAUTHENTICATED",
};

const char *fam_rpc_status_name(int status)
{
	if (status < 0 || (size_t)status >= sizeof(status_names) / sizeof(status_names[0]))
		return "INVALID_STATUS";
	return status_names[status];
}

int fam_rpc_status_from_errno(int err)
{
	switch (abs(err)) {
	case 0:
		return FAM_RPC_OK;
	case ENOENT:
		return FAM_RPC_NOT_FOUND;
	case EEXIST:
		return FAM_RPC_ALREADY_EXISTS;
	case EACCES:
	case EPERM:
		return FAM_RPC_PERMISSION_DENIED;
	case ENOSPC:
	case EDQUOT:
	case ENOMEM:
		return FAM_RPC_RESOURCE_EXHAUSTED;
	case ENAMETOOLONG:
	case EINVAL:
		return FAM_RPC_INVALID_ARGUMENT;
	case ENOTEMPTY:
	case ENOTDIR:
	case EISDIR:
	case EBUSY:
	case EROFS:
		return FAM_RPC_FAILED_PRECONDITION;
	case ETIMEDOUT:
		return FAM_RPC_DEADLINE_EXCEEDED;
	case ECONNREFUSED:
	case ENOTCONN:
		return FAM_RPC_UNAVAILABLE;
	case ECANCELED:
		return FAM_RPC_CANCELLED;
	case ENOSYS:
	case EOPNOTSUPP:
		return FAM_RPC_UNIMPLEMENTED;
	case ERANGE:
		return FAM_RPC_OUT_OF_RANGE;
	case EAGAIN:
		return FAM_RPC_ABORTED;
	default:
		return FAM_RPC_INTERNAL;
	}
}

/* Lossy where several errnos share a status: the status message carries the detail. */
int fam_rpc_errno_from_status(int status)
{
	switch (status) {
	case FAM_RPC_OK:
		return 0;
	case FAM_RPC_CANCELLED:
		return -ECANCELED;
	case FAM_RPC_INVALID_ARGUMENT:
		return -EINVAL;
	case FAM_RPC_DEADLINE_EXCEEDED:
		return -ETIMEDOUT;
	case FAM_RPC_NOT_FOUND:
		return -ENOENT;
	case FAM_RPC_ALREADY_EXISTS:
		return -EEXIST;
	case FAM_RPC_PERMISSION_DENIED:
	case FAM_RPC_UNAUTHENTICATED:
		return -EACCES;
	case FAM_RPC_RESOURCE_EXHAUSTED:
		return -ENOSPC;
	case FAM_RPC_FAILED_PRECONDITION:
		return -EBUSY;
	case FAM_RPC_ABORTED:
		return -EAGAIN;
	case FAM_RPC_OUT_OF_RANGE:
		return -ERANGE;
	case FAM_RPC_UNIMPLEMENTED:
		return -ENOSYS;
	case FAM_RPC_UNAVAILABLE:
		return -ENOTCONN;
	default:	/* UNKNOWN, INTERNAL, DATA_LOSS, out of range */
		return -EIO;
	}
}
