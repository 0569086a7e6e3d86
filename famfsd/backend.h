/* SPDX-License-Identifier: Apache-2.0 */
/* famfsd's local famfs: open (and in kernel mode mount), replay, close. */
#ifndef FAMFSD_BACKEND_H
#define FAMFSD_BACKEND_H

struct famfsd;

/* Open (and in kernel mode mount) the local famfs; close it again. */
int famfsd_backend_open(struct famfsd *d);
void famfsd_backend_close(struct famfsd *d);

/* Catch up with the log (a follower after a push or a forwarded commit). */
int famfsd_replay(struct famfsd *d);

#endif
