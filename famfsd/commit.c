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

static int batch_commit(void *arg, char *msg, size_t len)
{
	struct famfsd *d = arg;
	int err;

	if (d->replay_due) {
		/* Forwarded calls the master answered: show their records here first. */
		d->replay_due = false;
		famfsd_replay(d);
	}
	err = fam_fs_group_commit(&d->fs);
	if (!err) {
		/* Tell the other hosts, once per batch (not once per record). */
		if (d->fs.writer && d->fs.log.hdr.committed_seq != d->pushed_seq) {
			d->pushed_seq = d->fs.log.hdr.committed_seq;
			famfsd_cluster_committed(d);
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
