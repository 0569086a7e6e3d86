// SPDX-License-Identifier: Apache-2.0
/*
 * famfsd's wiring (wiring.h): the one place that knows which component
 * drives which. The cluster core reaches replay, the host lease and
 * ownership only through the hooks given here; the host lease reaches
 * replay and ownership the same way. Calls go one way: from here into the
 * components.
 */
#include "wiring.h"
#include "backend.h"
#include "cluster.h"
#include "famfsd.h"
#include "hostlease.h"
#include "ownership.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the cluster drives, as callbacks (cluster.h) ... */

static int hook_replay(void *arg)
{
	return famfsd_replay(arg);
}

static void hook_replay_soon(void *arg)
{
	famfsd_replay_soon(arg);
}

static void hook_lease_extend(void *arg, uint64_t until, uint64_t need_seq)
{
	famfsd_hostlease_extend(arg, until, need_seq);
}

static bool hook_lease_check(void *arg)
{
	return famfsd_hostlease_check(arg);
}

static bool hook_replay_stuck(void *arg)
{
	return famfsd_hostlease_stuck(arg, NULL, NULL);
}

static int hook_host_expired(void *arg, uint32_t host)
{
	return famfsd_ownership_host_expired(arg, host);
}

/* ... and what the host lease drives (hostlease.h) */
static const struct famfsd_hostlease_hooks hl_hooks = {
	.replay = famfsd_replay, .reconcile = famfsd_ownership_reconcile,
	.release_own = famfsd_ownership_release_own,
};

int famfsd_wire_open(struct famfsd *d)
{
	int e;

	d->hl_hooks = &hl_hooks;
	e = famfsd_backend_open(d);
	if (e)
		return e;
	/* From now on every record applied (own commit or replay) goes through service.c. */
	d->fs.on_apply = famfsd_on_record_cb;
	d->fs.on_apply_arg = d;
	return 0;
}

int famfsd_wire_serve(struct famfsd *d)
{
	int e = famfsd_service_register(d);

	return e ? e : famfsd_commit_register(d);
}

int famfsd_wire_start(struct famfsd *d)
{
	struct famfsd_cluster_hooks hooks = {
		.arg = d, .replay = hook_replay, .replay_soon = hook_replay_soon,
		.lease_extend = hook_lease_extend,
		.lease_check = hook_lease_check, .replay_stuck = hook_replay_stuck,
		.host_expired = hook_host_expired,
	};
	int e = famfsd_ownership_register(d);

	return e ? e : famfsd_cluster_start(d, &hooks);
}

void famfsd_wire_stop(struct famfsd *d)
{
	famfsd_cluster_stop(d);
	famfsd_ownership_stop(d);
}

void famfsd_wire_close(struct famfsd *d)
{
	famfsd_backend_close(d);
}
