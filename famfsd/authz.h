/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who may act (docs/ownership.md, "Who may act"), checked on the master
 * from the authenticated caller: this host for a local client (UNIX socket),
 * the host its certificate names for a peer (a forwarded call).
 *
 * Each refuse_* function answers the call and returns true when it refuses.
 */
#ifndef FAMFSD_AUTHZ_H
#define FAMFSD_AUTHZ_H

#include "rpc.h"

#include <stdbool.h>
#include <stdint.h>

struct famfsd;

/* The host a call acts for; -1: a TLS peer whose certificate names no host. */
int famfsd_caller_host(const struct famfsd *d, const struct fam_rpc_call *call);
/*
 * Acquire / Release: *host is the host the call is for, the one it names
 * (has_host) or else the caller. PERMISSION_DENIED unless that is the
 * caller, or the caller may act for others ([cluster] / [peer]
 * act_for_others; every caller may on a single host, where no other famfsd
 * runs).
 */
bool famfsd_refuse_act_for(struct famfsd *d, struct fam_rpc_call *call, const char *path,
			   bool has_host, uint32_t named, uint32_t *host);
/* Handoff of holder's grant: PERMISSION_DENIED unless the caller is the holder or acts for others. */
bool famfsd_refuse_handoff(struct famfsd *d, struct fam_rpc_call *call, const char *path,
			   uint32_t holder, uint32_t to);
/*
 * A namespace change (op: "create", "mkdir", "delete", "rename") at path:
 * FAILED_PRECONDITION when another host holds a grant (read-only or
 * read-write) on path, on a directory above it, or inside it. A path that
 * does not exist is checked at the nearest directory above it that does.
 */
bool famfsd_refuse_ns(struct famfsd *d, struct fam_rpc_call *call, const char *op,
		      const char *path);

/*
 * Rename: famfsd_refuse_ns for both paths, and FAILED_PRECONDITION for a
 * rename out of a data set the caller itself holds (the file would be
 * unowned while the holder may still use it).
 */
bool famfsd_refuse_rename(struct famfsd *d, struct fam_rpc_call *call, const char *from,
			  const char *to);
/*
 * famfs.peer.Revoke over TLS: PERMISSION_DENIED unless it comes from the
 * master this host follows (a local administrator's call is let through).
 */
bool famfsd_refuse_not_master(struct famfsd *d, struct fam_rpc_call *call);

#endif
