/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lease promise a voter gave, made durable (docs/cluster.md, "Votes
 * survive restarts"). A host writes the promise (epoch, candidate, how long,
 * and a CLOCK_MONOTONIC deadline that covers it) to a small file in its
 * state directory and fdatasync()s it before it answers the candidate; a
 * restarted famfsd reads it back and keeps refusing every other candidate
 * until the promise it may have given has certainly run out.
 *
 * The file, <state_dir>/promise-host<ID>, holds two 128-byte slots written
 * alternately, each with a sequence number and a CRC32C, so a torn write
 * leaves the previous promise readable. Little-endian, version 1.
 */
#ifndef FAMFSD_PROMISE_H
#define FAMFSD_PROMISE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* promised_to of a restarted voter that cannot tell whom it promised. */
#define FAMFSD_PROMISE_UNKNOWN	UINT32_MAX

struct famfsd_promise {
	uint64_t epoch;
	uint32_t candidate;
	uint32_t dur_ms;	/* how long one promise lasts (lease x (1 + epsilon)) */
	uint64_t until_ms;	/* CLOCK_MONOTONIC ms of this boot: no promise given runs longer */
};

struct famfsd_promise_store {
	int fd;
	char path[PATH_MAX];
	uint32_t host;
	uint8_t uuid[16];	/* the file system's: a promise belongs to one famfs */
	char boot_id[40];	/* /proc/sys/kernel/random/boot_id; "" when unknown */
	uint64_t seq;		/* of the newest slot */
	struct famfsd_promise saved;
	bool have;		/* saved holds the newest promise on disk */
};

/*
 * Open (creating dir and the file when missing) and read the newest valid
 * promise. Returns 1 when one was found (*out, *same_boot: it was written
 * during this boot, so its deadline is on this boot's monotonic clock), 0
 * when there is none for this host and file system, -errno with a message in
 * err when the state cannot be kept.
 */
int famfsd_promise_open(struct famfsd_promise_store *s, const char *dir, uint32_t host,
			const uint8_t uuid[16], struct famfsd_promise *out, bool *same_boot,
			char *err, size_t errlen);
/* Write p durably (pwrite of the older slot, fdatasync). 0 or -errno with err. */
int famfsd_promise_save(struct famfsd_promise_store *s, const struct famfsd_promise *p,
			char *err, size_t errlen);
void famfsd_promise_close(struct famfsd_promise_store *s);

/*
 * What a voter that (re)started at start_ms must assume it promised: the
 * recorded promise, running until the earliest of its recorded deadline (same
 * boot only) and start_ms + its duration (it was given before this start).
 * Without a record: an unknown candidate, running until start_ms + dur_ms.
 */
void famfsd_promise_restore(const struct famfsd_promise *rec, bool found, bool same_boot,
			    uint64_t start_ms, uint32_t dur_ms, struct famfsd_promise *out);

/* Slot codec, exposed for the unit tests. */
#define FAMFSD_PROMISE_SLOT	128
void famfsd_promise_encode(const struct famfsd_promise_store *s, const struct famfsd_promise *p,
			   uint64_t seq, uint8_t buf[FAMFSD_PROMISE_SLOT]);
/* 0 and *p, *seq, boot_id (40 bytes) when valid for this store's host and file system. */
int famfsd_promise_decode(const struct famfsd_promise_store *s,
			  const uint8_t buf[FAMFSD_PROMISE_SLOT], struct famfsd_promise *p,
			  uint64_t *seq, char *boot_id);

#endif
