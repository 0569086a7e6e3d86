/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The metadata log: a ring of records behind a double-buffered header.
 * One writer appends (record -> flush -> header -> flush); any number of
 * readers follow it by sequence number.
 */
#ifndef FAMFS_LOG_H
#define FAMFS_LOG_H

#include "format.h"

#include <stdbool.h>

struct fam_log {
	uint8_t *base;		/* the log region: header area, then record area */
	uint64_t size;
	uint8_t *area;
	uint64_t area_size;
	uint8_t uuid[16];
	struct fam_log_hdr hdr;	/* the newest header read or written */
	/*
	 * Writer: no store into the log at or after this CLOCK_MONOTONIC time
	 * (ms); 0: no deadline. A cluster master sets it to the end of its lease,
	 * so each store is checked against the lease right before it happens.
	 */
	uint64_t store_deadline_ms;
};

/* Where a reader is: the next record's offset and sequence number. */
struct fam_log_cursor {
	uint64_t off;
	uint64_t seq;
};

/* A writer's uncommitted batch of records. */
struct fam_log_txn {
	uint64_t tail;
	uint64_t seq;		/* next seq to assign */
	uint64_t first_off;	/* offset of the first record added */
	uint64_t first_seq;
	uint64_t used;		/* bytes in use once committed (from the current head) */
	uint64_t epoch;
	uint32_t n;
	bool wrapped;
};

/* Write an empty log (both header copies) into a region of size bytes. */
int fam_log_format(void *base, uint64_t size, const uint8_t uuid[16]);
/* Attach to a formatted region; reads the header. -EBADMSG: no valid header copy. */
int fam_log_open(struct fam_log *log, void *base, uint64_t size, const uint8_t uuid[16]);
/*
 * Re-read the newest valid header from memory (invalidating caches first):
 * the copy with the higher (epoch, update_count), so that a header written
 * late by a deposed master of an older epoch never hides its successor's.
 */
int fam_log_read_hdr(struct fam_log *log, struct fam_log_hdr *h);

/* Bytes in use and free (by the header in log->hdr). */
uint64_t fam_log_used(const struct fam_log *log);
static inline uint64_t fam_log_free(const struct fam_log *log)
{
	return log->area_size - fam_log_used(log);
}

/* Reader: cursor at the head; next committed record (1), end (0), or -EBADMSG/-ESTALE. */
void fam_log_cursor_head(const struct fam_log *log, const struct fam_log_hdr *h,
			 struct fam_log_cursor *c);
int fam_log_next(const struct fam_log *log, const struct fam_log_hdr *h,
		 struct fam_log_cursor *c, struct fam_rec *r);
/* Invalidate the cached lines of the committed records from cursor to tail. */
void fam_log_invalidate_from(const struct fam_log *log, const struct fam_log_hdr *h,
			     const struct fam_log_cursor *c);

/* Writer. */
void fam_log_txn_begin(const struct fam_log *log, struct fam_log_txn *t, uint64_t epoch);
/*
 * Encode r at the txn tail, assigning r->seq and r->epoch. -ENOSPC: does not fit;
 * -ETIME: the store deadline has passed (nothing was stored).
 */
int fam_log_txn_add(struct fam_log *log, struct fam_log_txn *t, struct fam_rec *r);
/* Would a record of len bytes (plus a wrap) fit after the txn so far? */
bool fam_log_txn_fits(const struct fam_log *log, const struct fam_log_txn *t, uint64_t len);
/*
 * Publish: flush the records, then the header. new_head: the txn's first record
 * becomes the head. -ETIME: the store deadline has passed (nothing published).
 */
int fam_log_txn_commit(struct fam_log *log, struct fam_log_txn *t, bool new_head);

/* A new master takes over: publish its epoch in the header (no record); -ETIME as above. */
int fam_log_set_epoch(struct fam_log *log, uint64_t epoch);

/* CLOCK_MONOTONIC in milliseconds (the clock of store_deadline_ms). */
uint64_t fam_log_now_ms(void);

#endif
