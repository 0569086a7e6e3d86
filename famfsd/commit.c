// SPDX-License-Identifier: Apache-2.0
/*
 * Group commit glue (docs/cluster.md, "Group commit"): the metadata calls
 * served in one event loop iteration (local clients' pipelined calls and
 * those forwarded by other hosts) append their records to one batch
 * (lib/fs_group.c); the RPC layer holds every reply while a batch is open
 * and, at the end of the iteration, this hook publishes the batch (one
 * fence, one header update) before any reply goes out. When the batch
 * cannot be published (the lease ended or a newer master wrote the log),
 * nothing of it is, and every held reply becomes UNAVAILABLE: the clients
 * retry, with their request ids, at the next master.
 *
 * The same hold serves the other side of a forwarded call: the replies the
 * master sent back in one iteration are passed on to the local clients
 * after one replay of the log (famfsd_replay_soon), not one each.
 */
#include "backend.h"
#include "famfsd.h"
#include "cluster.h"

#include <stdio.h>
#include <string.h>

void famfsd_replay_soon(struct famfsd *d)
{
	d->replay_due = true;
}

static bool batch_pending(void *arg)
{
	struct famfsd *d = arg;

	return d->replay_due || fam_fs_group_pending(&d->fs);
}

/*
 * A reply OK to a client call another host made (a client method, not
 * famfs.peer.*, from a host's certificate): that host replays the log when
 * it gets it. The hosts' only such calls replay on their answer:
 * famfsd_forward (cluster_fwd.c) and the release of a lost grant
 * (hostlease.c, on_lost_released); a new one must too, or its host waits
 * for a push up to a quarter lease.
 */
static void note_answered(void *arg, const struct fam_rpc_call *call, int status)
{
	bool *answered = arg;
	const struct fam_rpc_peer *p = fam_rpc_call_peer(call);

	if (status == FAM_RPC_OK && p && !p->is_unix && p->host_id >= 0 &&
	    p->host_id <= FAMFSD_MAX_HOST_ID &&
	    strncmp(fam_rpc_call_method(call), "famfs.peer.", 11) != 0)
		answered[p->host_id] = true;
}

static int batch_commit(void *arg, char *msg, size_t len)
{
	struct famfsd *d = arg;
	bool answered[FAMFSD_MAX_HOST_ID + 1] = { false };
	int err;

	if (d->replay_due) {
		/* Forwarded calls the master answered: show their records here first. */
		d->replay_due = false;
		famfsd_replay(d);
	}
	err = fam_fs_group_commit(&d->fs);
	if (!err) {
		/*
		 * Tell the other hosts, once per batch (not once per record);
		 * not those this batch answers (they replay on the answers).
		 */
		if (d->fs.writer && d->fs.log.hdr.committed_seq != d->pushed_seq) {
			d->pushed_seq = d->fs.log.hdr.committed_seq;
			fam_rpc_held_foreach(d->rpc, note_answered, answered);
			famfsd_cluster_committed_batch(d, answered);
		}
		return FAM_RPC_OK;
	}
	snprintf(msg, len, "not committed: the metadata log writer (epoch %llu) could not "
		 "publish the batch of records this call belonged to (%s: %s); nothing of it "
		 "was published; retry", (unsigned long long)d->fs.epoch, strerror(-err),
		 d->fs.err);
	famfsd_logf(&d->log, LOG_WARNING, "group commit failed: %s", msg);
	/* The namespace holds the dropped records: rebuild it from the log now. */
	famfsd_replay(d);
	return FAM_RPC_UNAVAILABLE;
}

int famfsd_commit_register(struct famfsd *d)
{
	return fam_rpc_set_commit_hook(d->rpc, batch_pending, batch_commit, d);
}
