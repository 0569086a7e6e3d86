// SPDX-License-Identifier: Apache-2.0
/* Client request ids seen in the log: a ring with a hash index (reqids.h). */
#include "reqids.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool fam_reqid_none(const uint8_t *id, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (id[i])
			return false;
	return true;
}

static size_t hash_of(const uint8_t id[FAM_REQ_ID_LEN], size_t hcap)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < FAM_REQ_ID_LEN; i++)
		h = (h ^ id[i]) * 0x100000001b3ULL;
	return (size_t)(h % hcap);
}

int fam_reqids_init(struct fam_reqids *t, size_t cap)
{
	memset(t, 0, sizeof(*t));
	if (!cap)
		cap = FAM_REQIDS_DEFAULT;
	t->ent = calloc(cap, sizeof(*t->ent));
	t->hcap = cap * 2 + 1;
	t->hash = calloc(t->hcap, sizeof(*t->hash));
	if (!t->ent || !t->hash) {
		fam_reqids_fini(t);
		return -ENOMEM;
	}
	t->cap = cap;
	return 0;
}

void fam_reqids_fini(struct fam_reqids *t)
{
	free(t->ent);
	free(t->hash);
	memset(t, 0, sizeof(*t));
}

/* Slot in the hash of id: its entry, or the empty slot where it would go. */
static size_t slot_of(const struct fam_reqids *t, const uint8_t id[FAM_REQ_ID_LEN])
{
	size_t h = hash_of(id, t->hcap);

	while (t->hash[h] && memcmp(t->ent[t->hash[h] - 1].id, id, FAM_REQ_ID_LEN))
		h = (h + 1) % t->hcap;
	return h;
}

/* Remove the hash entry at slot h, moving later entries of the cluster back. */
static void hash_remove(struct fam_reqids *t, size_t h)
{
	size_t j = h;

	t->hash[h] = 0;
	for (;;) {
		size_t home;

		j = (j + 1) % t->hcap;
		if (!t->hash[j])
			return;
		home = hash_of(t->ent[t->hash[j] - 1].id, t->hcap);
		/* Can the entry at j move to the hole at h (is h between home and j)? */
		if ((h <= j) ? (home <= h || home > j) : (home <= h && home > j)) {
			t->hash[h] = t->hash[j];
			t->hash[j] = 0;
			h = j;
		}
	}
}

int fam_reqids_note(struct fam_reqids *t, const struct fam_rec *r)
{
	struct fam_reqid *e;
	size_t h;

	if (!t->cap || fam_reqid_none(r->req_id, FAM_REQ_ID_LEN))
		return 0;
	h = slot_of(t, r->req_id);
	if (t->hash[h])
		return 0;	/* the first record of a request is the one that counts */
	e = &t->ent[t->next];
	if (t->n == t->cap)
		hash_remove(t, slot_of(t, e->id));
	else
		t->n++;
	memset(e, 0, sizeof(*e));
	memcpy(e->id, r->req_id, FAM_REQ_ID_LEN);
	e->seq = r->seq;
	e->type = r->type;
	if (r->type == FAM_REC_OWNER) {
		e->host = r->u.owner.host;
		e->mode = r->u.owner.mode;
		e->grant_epoch = r->u.owner.grant_epoch;
	}
	h = slot_of(t, r->req_id);	/* the removal may have moved the hole */
	t->hash[h] = (uint32_t)(t->next + 1);
	t->next = (t->next + 1) % t->cap;
	return 0;
}

const struct fam_reqid *fam_reqids_find(const struct fam_reqids *t,
					const uint8_t id[FAM_REQ_ID_LEN])
{
	size_t h;

	if (!t->cap || fam_reqid_none(id, FAM_REQ_ID_LEN))
		return NULL;
	h = slot_of(t, id);
	return t->hash[h] ? &t->ent[t->hash[h] - 1] : NULL;
}
