// SPDX-License-Identifier: Apache-2.0
/*
 * Log ring. Readers trust only what the header commits: a record written
 * but not yet covered by committed_seq is invisible, so a torn append loses
 * only itself. The header has two slots; each update goes to the older one.
 */
#include "log.h"
#include "flush.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Tests only: FAMFS_TEST_CLOCK_RATE_PPM=N makes this clock run (1 + N / 10^6)
 * times as fast as CLOCK_MONOTONIC from its first reading on (N from -500000
 * to 500000), a host whose clock drifts (tests/faults/test_drift.sh).
 */
uint64_t fam_log_now_ms(void)
{
	static int64_t ppm;
	static uint64_t base;
	static int init;
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	if (!init) {
		const char *e = getenv("FAMFS_TEST_CLOCK_RATE_PPM");

		ppm = e ? strtoll(e, NULL, 10) : 0;
		if (ppm < -500000 || ppm > 500000)
			ppm = 0;
		base = now;
		init = 1;
	}
	if (!ppm)
		return now;
	return base + (uint64_t)((int64_t)(now - base) * (1000000 + ppm) / 1000000);
}

/*
 * Checked right before every store into the log (record or header), so the
 * window between the check and the store is a few instructions, never a
 * whole checkpoint.
 */
static int store_allowed(const struct fam_log *log)
{
	if (log->store_deadline_ms && fam_log_now_ms() >= log->store_deadline_ms)
		return -ETIME;
	return 0;
}

/* Is a newer than b? Epoch first: a stale writer's higher count loses. */
static bool hdr_newer(const struct fam_log_hdr *a, const struct fam_log_hdr *b)
{
	if (a->epoch != b->epoch)
		return a->epoch > b->epoch;
	return a->update_count > b->update_count;
}

static void write_hdr(struct fam_log *log, const struct fam_log_hdr *h)
{
	uint8_t *slot = log->base + (h->update_count & 1) * FAM_LOG_HDR_SLOT;
	struct fam_log_hdr_disk d;

	fam_log_hdr_encode(h, &d);
	memcpy(slot, &d, sizeof(d));
	fam_flush(slot, sizeof(d));
}

int fam_log_format(void *base, uint64_t size, const uint8_t uuid[16])
{
	struct fam_log log = { .base = base, .size = size };
	struct fam_log_hdr h = { 0 };

	if (size < FAM_LOG_SIZE_MIN || size % FAM_LOG_HDR_SLOT)
		return -EINVAL;
	memset(base, 0, FAM_LOG_HDR_AREA);
	memcpy(h.uuid, uuid, 16);
	h.area_size = size - FAM_LOG_HDR_AREA;
	h.head_seq = 1;		/* the first record will be seq 1 */
	h.update_count = 0;
	write_hdr(&log, &h);
	h.update_count = 1;
	write_hdr(&log, &h);
	return 0;
}

int fam_log_read_hdr(struct fam_log *log, struct fam_log_hdr *out)
{
	struct fam_log_hdr h[2];
	int err[2];

	/* Only the bytes decoded: a slot is 4 KiB, its header 128 bytes. */
	for (int i = 0; i < 2; i++)
		fam_invalidate(log->base + i * FAM_LOG_HDR_SLOT, sizeof(struct fam_log_hdr_disk));
	for (int i = 0; i < 2; i++) {
		err[i] = fam_log_hdr_decode(log->base + i * FAM_LOG_HDR_SLOT,
					    sizeof(struct fam_log_hdr_disk), &h[i]);
		if (!err[i] && (memcmp(h[i].uuid, log->uuid, 16) ||
				h[i].area_size != log->area_size ||
				(h[i].update_count & 1) != (uint64_t)i))
			err[i] = -EUCLEAN;
	}
	if (err[0] && err[1])
		return err[0] == -ENODATA ? -ENODATA : -EBADMSG;
	if (err[0] || (!err[1] && hdr_newer(&h[1], &h[0])))
		*out = h[1];
	else
		*out = h[0];
	return 0;
}

int fam_log_open(struct fam_log *log, void *base, uint64_t size, const uint8_t uuid[16])
{
	memset(log, 0, sizeof(*log));
	if (size < FAM_LOG_SIZE_MIN || size % FAM_LOG_HDR_SLOT)
		return -EINVAL;
	log->base = base;
	log->size = size;
	log->area = log->base + FAM_LOG_HDR_AREA;
	log->area_size = size - FAM_LOG_HDR_AREA;
	memcpy(log->uuid, uuid, 16);
	return fam_log_read_hdr(log, &log->hdr);
}

static uint64_t used_between(uint64_t area, uint64_t head, uint64_t tail)
{
	return tail >= head ? tail - head : area - head + tail;
}

uint64_t fam_log_used(const struct fam_log *log)
{
	const struct fam_log_hdr *h = &log->hdr;

	if (h->committed_seq < h->head_seq)
		return 0;
	return used_between(log->area_size, h->head, h->tail);
}

void fam_log_cursor_head(const struct fam_log *log, const struct fam_log_hdr *h,
			 struct fam_log_cursor *c)
{
	(void)log;
	c->off = h->head;
	c->seq = h->head_seq;
}

static void invalidate_range(const struct fam_log *log, uint64_t from, uint64_t to)
{
	if (from <= to) {
		fam_invalidate(log->area + from, to - from);
	} else {
		fam_invalidate(log->area + from, log->area_size - from);
		fam_invalidate(log->area, to);
	}
}

void fam_log_invalidate_from(const struct fam_log *log, const struct fam_log_hdr *h,
			     const struct fam_log_cursor *c)
{
	if (c->seq <= h->committed_seq)
		invalidate_range(log, c->off, h->tail);
}

int fam_log_next(const struct fam_log *log, const struct fam_log_hdr *h,
		 struct fam_log_cursor *c, struct fam_rec *r)
{
	int len;

	for (;;) {
		if (c->seq > h->committed_seq)
			return 0;
		if (c->off >= log->area_size || c->off % FAM_REC_ALIGN)
			return -EBADMSG;
		if (log->area_size - c->off < FAM_REC_MIN) {
			c->off = 0;	/* too little room for a record: the writer wrapped */
			continue;
		}
		len = fam_rec_decode(log->area + c->off, log->area_size - c->off, r);
		if (len < 0)
			return -EBADMSG;
		if (r->seq != c->seq)
			return -ESTALE;	/* overwritten since we read the header */
		c->off += (uint64_t)len;
		if (c->off == log->area_size)
			c->off = 0;
		c->seq++;
		return 1;
	}
}

void fam_log_txn_begin(const struct fam_log *log, struct fam_log_txn *t, uint64_t epoch)
{
	memset(t, 0, sizeof(*t));
	t->tail = log->hdr.tail;
	t->seq = log->hdr.committed_seq + 1;
	t->first_off = t->tail;
	t->first_seq = t->seq;
	t->used = fam_log_used(log);
	t->epoch = epoch;
}

/* Bytes a record of len needs at tail, counting the skipped end of the ring. */
static uint64_t need_at(const struct fam_log *log, uint64_t tail, uint64_t len)
{
	uint64_t room = log->area_size - tail;

	return len <= room ? len : room + len;
}

bool fam_log_txn_fits(const struct fam_log *log, const struct fam_log_txn *t, uint64_t len)
{
	/* Keep a gap so that a full ring never looks empty (tail == head). */
	return t->used + need_at(log, t->tail, len) + FAM_REC_ALIGN <= log->area_size;
}

static int put_rec(struct fam_log *log, struct fam_log_txn *t, struct fam_rec *r, size_t cap)
{
	int len = store_allowed(log);

	if (len)
		return len;
	r->seq = t->seq;
	r->epoch = t->epoch;
	len = fam_rec_encode(r, log->area + t->tail, cap);
	if (len < 0)
		return len;
	/* No fence per record: the commit fences once before the header. */
	fam_writeback(log->area + t->tail, (size_t)len);
	if (t->n == 0) {
		t->first_off = t->tail;
		t->first_seq = t->seq;
	}
	t->n++;
	t->seq++;
	t->used += (uint64_t)len;
	t->tail += (uint64_t)len;
	if (t->tail == log->area_size)
		t->tail = 0;
	return 0;
}

int fam_log_txn_add(struct fam_log *log, struct fam_log_txn *t, struct fam_rec *r)
{
	uint64_t len = fam_rec_size(r), room = log->area_size - t->tail;
	int err;

	if (len > FAM_REC_MAX)
		return -E2BIG;
	if (!fam_log_txn_fits(log, t, len))
		return -ENOSPC;
	if (len > room) {
		/* Fill the end of the ring and continue at 0. */
		if (room >= FAM_REC_MIN) {
			struct fam_rec pad = { .type = FAM_REC_PAD };

			err = put_rec(log, t, &pad, room);
			if (err)
				return err;
		} else {
			t->used += room;
			t->tail = 0;
		}
		t->wrapped = true;
	}
	return put_rec(log, t, r, log->area_size - t->tail);
}

int fam_log_txn_commit(struct fam_log *log, struct fam_log_txn *t, bool new_head)
{
	struct fam_log_hdr h = log->hdr;
	int err;

	if (t->n == 0)
		return 0;
	err = store_allowed(log);
	if (err)
		return err;
	h.update_count++;
	h.committed_seq = t->seq - 1;
	h.tail = t->tail;
	h.epoch = t->epoch;
	if (t->wrapped)
		h.wrap_count++;
	/* Every record's write-back is done before the header that publishes it. */
	fam_fence();
	if (new_head) {
		h.head = t->first_off;
		h.head_seq = t->first_seq;
	} else if (log->hdr.committed_seq < log->hdr.head_seq) {
		/* The log was empty: the head is the first record. */
		h.head = t->first_off;
		h.head_seq = t->first_seq;
	}
	write_hdr(log, &h);
	log->hdr = h;
	return 0;
}

int fam_log_set_epoch(struct fam_log *log, uint64_t epoch)
{
	struct fam_log_hdr h = log->hdr;
	int err = store_allowed(log);

	if (err)
		return err;
	h.update_count++;
	h.epoch = epoch;
	write_hdr(log, &h);
	log->hdr = h;
	return 0;
}
