// SPDX-License-Identifier: Apache-2.0
/*
 * Group commit support (rpc.h, fam_rpc_set_commit_hook): replies held while
 * the server has appended records it has not yet made durable, released
 * (or refused) by one commit at the end of the event loop iteration. The
 * commit runs from an event made active by the first held reply: libevent
 * runs it after the callbacks already active in this iteration (every
 * connection that had input), before it polls again, so all the requests
 * that arrived together share one commit and nothing they acknowledge is
 * written to a socket before it.
 */
#include "rpc_int.h"

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

struct held {
	struct held *next;
	struct fam_rpc_call *call;
	int status;
	size_t len;
	size_t cap;		/* bytes of payload[] */
	char *msg;		/* NULL: none */
	uint8_t payload[];
};

/*
 * Entries with room for a short reply are kept for the next batch (up to
 * HELD_SPARE): a batch holds tens of replies at once, more than malloc's
 * per-thread cache gives back without its slow path.
 */
#define HELD_CAP	256
#define HELD_SPARE	256

struct rpc_hold {
	struct event *ev;
	bool (*pending)(void *arg);
	int (*commit)(void *arg, char *msg, size_t msg_len);
	void *arg;
	struct held *head, **tail;
	size_t n;
	bool armed;
	struct held *spare;		/* HELD_CAP entries to reuse */
	size_t n_spare;
};

static struct held *held_get(struct rpc_hold *h, size_t len)
{
	struct held *e = h->spare;
	size_t cap = len > HELD_CAP ? len : HELD_CAP;

	if (e && len <= HELD_CAP) {
		h->spare = e->next;
		h->n_spare--;
		return e;
	}
	e = malloc(sizeof(*e) + cap);
	if (e)
		e->cap = cap;
	return e;
}

static void held_put(struct rpc_hold *h, struct held *e)
{
	free(e->msg);
	if (e->cap == HELD_CAP && h->n_spare < HELD_SPARE) {
		e->next = h->spare;
		h->spare = e;
		h->n_spare++;
		return;
	}
	free(e);
}

static void release_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rpc_hold *h = arg;
	struct held *list;
	char msg[256] = "";
	int status;

	(void)fd;
	(void)what;
	h->armed = false;
	status = h->commit(h->arg, msg, sizeof(msg));
	list = h->head;
	h->head = NULL;
	h->tail = &h->head;
	h->n = 0;
	while (list) {
		struct held *e = list;

		list = e->next;
		if (status == FAM_RPC_OK)
			rpc_reply_now(e->call, e->status, e->msg, e->len ? e->payload : NULL,
				      e->len);
		else
			rpc_reply_now(e->call, status, msg, NULL, 0);
		held_put(h, e);
	}
}

bool rpc_hold_reply(struct rpc_hold *h, struct fam_rpc_call *call, int status, const char *msg,
		    const void *payload, size_t len)
{
	struct held *e;

	if (!h->pending(h->arg))
		return false;
	e = held_get(h, len);
	if (e)
		e->msg = NULL;
	if (!e || (msg && !(e->msg = strdup(msg)))) {
		if (e)
			held_put(h, e);
		/* No memory to hold it: refuse rather than acknowledge too early. */
		rpc_reply_now(call, FAM_RPC_RESOURCE_EXHAUSTED, "server out of memory", NULL, 0);
		return true;
	}
	e->next = NULL;
	e->call = call;
	e->status = status;
	e->len = payload ? len : 0;
	if (e->len)
		memcpy(e->payload, payload, len);
	*h->tail = e;
	h->tail = &e->next;
	h->n++;
	if (!h->armed) {
		event_active(h->ev, EV_READ, 0);
		h->armed = true;
	}
	return true;
}

void fam_rpc_held_foreach(struct fam_rpc *r,
			  void (*fn)(void *arg, const struct fam_rpc_call *call, int status),
			  void *arg)
{
	struct rpc_hold *h = *rpc_hold_slot(r);

	for (struct held *e = h ? h->head : NULL; e; e = e->next)
		fn(arg, e->call, e->status);
}

void rpc_hold_free(struct rpc_hold *h)
{
	if (!h)
		return;
	while (h->head) {
		struct held *e = h->head;

		h->head = e->next;
		free(e->msg);
		free(e);
	}
	while (h->spare) {
		struct held *e = h->spare;

		h->spare = e->next;
		free(e);
	}
	event_free(h->ev);
	free(h);
}

int fam_rpc_set_commit_hook(struct fam_rpc *r, bool (*pending)(void *arg),
			    int (*commit)(void *arg, char *msg, size_t msg_len), void *arg)
{
	struct rpc_hold **slot = rpc_hold_slot(r);
	struct rpc_hold *h;

	if (*slot && (*slot)->head)
		return -EBUSY;
	rpc_hold_free(*slot);
	*slot = NULL;
	if (!pending)
		return 0;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->ev = event_new(rpc_base(r), -1, 0, release_cb, h);
	if (!h->ev) {
		free(h);
		return -ENOMEM;
	}
	h->pending = pending;
	h->commit = commit;
	h->arg = arg;
	h->tail = &h->head;
	*slot = h;
	return 0;
}

size_t fam_rpc_held(struct fam_rpc *r)
{
	struct rpc_hold *h = *rpc_hold_slot(r);

	return h ? h->n : 0;
}
