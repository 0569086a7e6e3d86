// SPDX-License-Identifier: Apache-2.0
/*
 * Who may act on the master (authz.h, docs/ownership.md "Who may act").
 *
 * The acting host is never taken from a request field alone: a forwarded
 * call comes over mutual TLS from the host its certificate names (checked
 * at the handshake), and that host may name only itself in Acquire and
 * Release, and hand off only its own grant, unless the master's
 * configuration lets it act for others (a job scheduler's host). Namespace
 * changes inside a data set another host holds are refused: the holder's
 * files do not move, vanish or appear under it.
 */
#include "authz.h"
#include "cluster.h"
#include "famfsd.h"
#include "grants.h"
#include "reply.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

int famfsd_caller_host(const struct famfsd *d, const struct fam_rpc_call *call)
{
	const struct fam_rpc_peer *p = fam_rpc_call_peer(call);

	return p->is_unix ? (int)d->cfg.host_id : p->host_id;
}

static bool acts_for_others(const struct famfsd *d, uint32_t caller)
{
	if (!d->cfg.n_peers)
		return true;	/* a single host: no other famfsd it could stand in for */
	if (caller == d->cfg.host_id)
		return d->cfg.act_for_others;
	for (uint32_t i = 0; i < d->cfg.n_peers; i++)
		if (d->cfg.peers[i].host_id == caller)
			return d->cfg.peers[i].act_for_others;
	return false;
}

/* Refuse: the caller (host caller, -1: none) may not act for host. */
static bool deny(struct famfsd *d, struct fam_rpc_call *call, int caller, const char *what,
		 const char *path, uint32_t host)
{
	const char *method = fam_rpc_call_method(call);

	if (caller < 0) {
		famfsd_reply_status(d, call, FAM_RPC_PERMISSION_DENIED, "%s %s: the caller's "
				    "certificate (%s) names no host id", method, path,
				    fam_rpc_call_peer(call)->name);
		return true;
	}
	famfsd_logf(&d->log, LOG_WARNING, "%s %s from host %d: %s host %u refused", method, path,
		    caller, what, host);
	famfsd_reply_status(d, call, FAM_RPC_PERMISSION_DENIED, "%s %s: %s host %u, but the call "
			    "comes from host %d, which may act only for itself (act_for_others "
			    "in the master's configuration lets a scheduler's host act for others)",
			    method, path, what, host, caller);
	return true;
}

bool famfsd_refuse_act_for(struct famfsd *d, struct fam_rpc_call *call, const char *path,
			   bool has_host, uint32_t named, uint32_t *host)
{
	int caller = famfsd_caller_host(d, call);

	if (caller < 0)
		return deny(d, call, caller, "names", path, named);
	*host = has_host ? named : (uint32_t)caller;
	if (*host == (uint32_t)caller || acts_for_others(d, (uint32_t)caller))
		return false;
	return deny(d, call, caller, "names", path, *host);
}

bool famfsd_refuse_handoff(struct famfsd *d, struct fam_rpc_call *call, const char *path,
			   uint32_t holder, uint32_t to)
{
	int caller = famfsd_caller_host(d, call);

	(void)to;
	if (caller >= 0 && ((uint32_t)caller == holder || acts_for_others(d, (uint32_t)caller)))
		return false;
	return deny(d, call, caller, "hands off the grant of", path, holder);
}

bool famfsd_refuse_ns(struct famfsd *d, struct fam_rpc_call *call, const char *op,
		      const char *path)
{
	char at[PATH_MAX], msg[PATH_MAX * 2 + 200];
	int caller = famfsd_caller_host(d, call);
	struct fam_node *n = NULL;
	bool exact = true;
	char *slash;

	if (caller < 0)
		return deny(d, call, caller, op, path, 0);
	if (strlen(path) >= sizeof(at))
		return false;	/* the file system refuses it (ENAMETOOLONG) */
	strcpy(at, path);
	/* The node itself, or the nearest directory above it that exists. */
	while (fam_fs_lookup(&d->fs, at, &n)) {
		exact = false;
		slash = strrchr(at, '/');
		if (!slash || slash == at) {
			if (fam_fs_lookup(&d->fs, "/", &n))
				return false;
			break;
		}
		*slash = 0;
	}
	/* An existing node goes with everything below it (a delete, a rename, a replace). */
	if (!grants_in_way(n, exact, path, (uint32_t)caller, msg, sizeof(msg)))
		return false;
	famfsd_logf(&d->log, LOG_WARNING, "%s %s by host %d refused: %s", op, path, caller, msg);
	famfsd_reply_status(d, call, FAM_RPC_FAILED_PRECONDITION, "%s refused: %s; only a host "
			    "holding a grant there may %s in it (release it or hand it off first)",
			    op, msg, op);
	return true;
}

bool famfsd_refuse_rename(struct famfsd *d, struct fam_rpc_call *call, const char *from,
			  const char *to)
{
	int caller = famfsd_caller_host(d, call);
	char top[PATH_MAX];
	struct fam_node *n;

	if (famfsd_refuse_ns(d, call, "rename", from) || famfsd_refuse_ns(d, call, "rename", to))
		return true;
	if (fam_fs_lookup(&d->fs, from, &n))
		return false;	/* the file system answers (NOT_FOUND) */
	/*
	 * Out of the caller's own data set: the file would become unowned while
	 * the holder may still use it (write it, with a read-write grant), and
	 * what nobody owns is acquired at once. A release revokes first.
	 */
	for (const struct fam_node *p = n->parent; p; p = p->parent) {
		const struct fam_grant *g = grant_of(p, (uint32_t)caller);

		if (!g || fam_ns_path(p, top, sizeof(top)) < 0 || path_within(to, top))
			continue;
		famfsd_reply_status(d, call, FAM_RPC_FAILED_PRECONDITION, "rename refused: %s would "
				    "leave %s, which host %d holds %s: a file leaves a data set only "
				    "after its release (which revokes first); release %s first, or "
				    "rename inside it", from, top, caller, grant_mode_name(g->mode),
				    top);
		return true;
	}
	return false;
}

bool famfsd_refuse_not_master(struct famfsd *d, struct fam_rpc_call *call)
{
	const struct fam_rpc_peer *p = fam_rpc_call_peer(call);
	int master = famfsd_master_id(d);

	if (p->is_unix || (p->host_id >= 0 && p->host_id == master))
		return false;
	famfsd_reply_status(d, call, FAM_RPC_PERMISSION_DENIED, "%s comes from host %d, which is "
			    "not the master host %u follows (%d); only the master revokes",
			    fam_rpc_call_method(call), p->host_id, d->cfg.host_id, master);
	return true;
}
