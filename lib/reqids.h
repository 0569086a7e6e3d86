/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Client request ids seen in the log (docs/protocol.md, "Retries"): a
 * bounded table of the most recent ones, filled from every record applied on
 * this host (own commits and replay), so that a retried request finds the
 * record its first attempt committed, even on a new master.
 */
#ifndef FAMFS_REQIDS_H
#define FAMFS_REQIDS_H

#include "format.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAM_REQIDS_DEFAULT	8192	/* entries kept */

struct fam_reqid {
	uint8_t id[FAM_REQ_ID_LEN];
	uint64_t seq;			/* first record committed for it */
	uint16_t type;			/* its record type */
	uint32_t host;			/* OWNER: the grant's host */
	uint32_t mode;			/* OWNER: its mode */
	uint64_t grant_epoch;		/* OWNER: its epoch */
};

struct fam_reqids {
	struct fam_reqid *ent;		/* ring, oldest overwritten first */
	size_t cap, n, next;
	uint32_t *hash;			/* open addressing: index + 1 into ent; 0 empty */
	size_t hcap;
};

int fam_reqids_init(struct fam_reqids *t, size_t cap);
void fam_reqids_fini(struct fam_reqids *t);
/* Remember the request of record r (no-op without one, or if known already). */
int fam_reqids_note(struct fam_reqids *t, const struct fam_rec *r);
/* The entry of id, or NULL (never seen, or too old). */
const struct fam_reqid *fam_reqids_find(const struct fam_reqids *t,
					const uint8_t id[FAM_REQ_ID_LEN]);
/* Is id all zero (no request id)? */
bool fam_reqid_none(const uint8_t *id, size_t len);

#endif
