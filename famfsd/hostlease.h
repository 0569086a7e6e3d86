/* SPDX-License-Identifier: Apache-2.0 */
/* The host lease: how long this host may keep using its grants (hostlease.c). */
#ifndef FAMFSD_HOSTLEASE_H
#define FAMFSD_HOSTLEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct famfsd;

/*
 * What the host lease drives outside itself, as callbacks (main.c wires
 * them into struct famfsd before the backend opens): it calls neither the
 * backend nor ownership by name, they call it.
 */
struct famfsd_hostlease_hooks {
	int (*replay)(struct famfsd *d);	/* catch up with the log (backend) */
	void (*reconcile)(struct famfsd *d);	/* access from the grants (ownership) */
	/* On the master: commit the release of this host's lost grant (ownership). */
	int (*release_own)(struct famfsd *d, const char *path, uint64_t epoch);
};

/*
 * This host's lease (docs/cluster.md, "Host leases").
 * open: first; mounted: kernel mode, before the mount's .meta files are used
 * (a lease that ran out in an earlier life is disarmed, its grants lost);
 * started: once ownership is up.
 */
int famfsd_hostlease_open(struct famfsd *d);
int famfsd_hostlease_mounted(struct famfsd *d);
void famfsd_hostlease_started(struct famfsd *d);
void famfsd_hostlease_close(struct famfsd *d);
/*
 * How late the module's lease may end after the deadline famfsd gives it (the
 * ioctl takes a duration; fam_kmount_lease_until re-arms after a longer
 * stall). Below the master's slack (at least 5 ms: lease_ms >= 100).
 */
#define FAMFSD_MODULE_LEASE_LATE_MS	4
/*
 * A master acknowledged this host (or, on the master, renewed its lease) until
 * 'until', when its log was at need_seq: the lease is extended only if this
 * host has replayed that far (a host whose replay is stuck lets it run out).
 */
void famfsd_hostlease_extend(struct famfsd *d, uint64_t until, uint64_t need_seq);
/* Notice a lease that ran out; false while it has (kernel mode: the log is unreadable). */
bool famfsd_hostlease_check(struct famfsd *d);
/* Lease running and the namespace replayed to the last ack's position: access may be given. */
bool famfsd_hostlease_valid(const struct famfsd *d);
/* Replay could not reach the last ack's position (applied, need: where it is, where it must be). */
bool famfsd_hostlease_stuck(const struct famfsd *d, uint64_t *applied, uint64_t *need);
bool famfsd_grant_lost(const struct famfsd *d, uint64_t ino, uint64_t epoch);
size_t famfsd_hostlease_n_lost(const struct famfsd *d);
/* A holder-first handoff gives the grant up before its revoke (never raised again). */
int famfsd_grant_give_up(struct famfsd *d, uint64_t ino, uint64_t epoch);
/* ... and ends: keep, the log may still hold it (lost, its release asked for); else forgotten. */
void famfsd_grant_give_up_end(struct famfsd *d, uint64_t ino, uint64_t epoch, bool keep);

#endif
