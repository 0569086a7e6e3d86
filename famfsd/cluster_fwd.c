// SPDX-License-Identifier: Apache-2.0
/*
 * Forwarding: a mutating client call on a non-master goes to the master
 * as it is; the answer comes once the master committed, and this host
 * replays up to it before it answers its client. The master takes the
 * acting host from this host's certificate (authz.c).
 */
#include "cluster_int.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fwd {
	struct famfsd *d;
	struct fam_rpc_call *call;
};

static void on_forwarded(int status, const char *msg, const uint8_t *payload, size_t len,
			 void *arg)
{
	struct fwd *f = arg;
	struct famfsd_cluster *cl = f->d->cluster;

	if (status == FAM_RPC_OK) {
		/*
		 * The master replied after committing: replay so this host shows it
		 * too, once for all the replies of this loop iteration (commit.c
		 * holds them until then).
		 */
		if (cl)
			cl->hooks.replay_soon(cl->hooks.arg);
		fam_rpc_reply(f->call, FAM_RPC_OK, NULL, payload, len);
	} else {
		fam_rpc_reply(f->call, status, msg, NULL, 0);
	}
	free(f);
}

void famfsd_forward(struct famfsd *d, struct fam_rpc_call *call, const uint8_t *req, size_t len)
{
	struct famfsd_cluster *cl = d->cluster;
	uint32_t left = fam_rpc_call_remaining_ms(call);
	struct fwd *f;
	char msg[128];
	int err;

	if (!cl || cl->master < 0) {
		fam_rpc_reply(call, FAM_RPC_UNAVAILABLE,
			      "no master: the cluster is electing one or has no majority", NULL, 0);
		return;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		fam_rpc_reply(call, FAM_RPC_RESOURCE_EXHAUSTED, "out of memory", NULL, 0);
		return;
	}
	f->d = d;
	f->call = call;
	err = famfsd_peer_call(d, (uint32_t)cl->master, fam_rpc_call_method(call), req, len,
			       left == UINT32_MAX ? 10000 : left, on_forwarded, f);
	if (err) {
		free(f);
		snprintf(msg, sizeof(msg), "master (host %d) is not reachable from host %u",
			 cl->master, self_id(cl));
		fam_rpc_reply(call, FAM_RPC_UNAVAILABLE, msg, NULL, 0);
	}
}

