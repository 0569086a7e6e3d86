/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ownership (docs/ownership.md): the control methods and what the rest of
 * famfsd asks of it. It calls the cluster and the host lease; they reach it
 * only through their hooks (cluster.h, hostlease.h).
 */
#ifndef FAMFSD_OWNERSHIP_H
#define FAMFSD_OWNERSHIP_H

#include <stdint.h>

struct famfsd;
struct fam_rec;

/* Acquire / release / handoff / owners / watch. */
int famfsd_ownership_register(struct famfsd *d);
/* After a record is applied locally (OWNER records change access here). */
void famfsd_ownership_on_record(struct famfsd *d, const struct fam_rec *r);
/* Master: host's lease expired; release its grants. 0 when all were committed. */
int famfsd_ownership_host_expired(struct famfsd *d, uint32_t host);
/* Master: commit the release of this host's own (lost) grant on path. */
int famfsd_ownership_release_own(struct famfsd *d, const char *path, uint64_t epoch);
/* Make this host's access to every file match the grants (kernel mode). */
void famfsd_ownership_reconcile(struct famfsd *d);
void famfsd_ownership_stop(struct famfsd *d);

#endif
