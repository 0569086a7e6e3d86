/* SPDX-License-Identifier: Apache-2.0 */
/*
 * famfsd's components wired together: the backend, the RPC service and
 * group commit, ownership, the host lease and the cluster, each given what
 * it drives as callbacks. main.c and the whole-server fuzz target start a
 * daemon through these, in this order: open, serve, start; stop, close.
 */
#ifndef FAMFSD_WIRING_H
#define FAMFSD_WIRING_H

struct famfsd;

int famfsd_wire_open(struct famfsd *d);		/* backend; records reach service.c */
int famfsd_wire_serve(struct famfsd *d);	/* RPC handlers, group commit (d->rpc set) */
int famfsd_wire_start(struct famfsd *d);	/* ownership, then the cluster */
void famfsd_wire_stop(struct famfsd *d);	/* undoes famfsd_wire_start() */
void famfsd_wire_close(struct famfsd *d);	/* undoes famfsd_wire_open() */

#endif
