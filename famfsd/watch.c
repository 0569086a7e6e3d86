// SPDX-License-Identifier: Apache-2.0
/* famfs.Watch: a stream of the records this host applies (docs/ownership.md, "Watch"). */
#include "famfsd.h"
#include "own_int.h"
#include "reply.h"
#include "cluster.h"
#include "grants.h"
#include "kmount.h"
#include "rpc.h"
#include "famfs.pb-c.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- watchers ---- */

void own_watcher_end(struct famfsd *d, struct watcher **pp, int status, const char *msg)
{
	struct watcher *w = *pp;

	*pp = w->next;
	fam_rpc_reply(w->call, status, msg, NULL, 0);
	free(w->prefix);
	free(w);
}

void own_emit(struct famfsd *d, Famfs__WatchEvent *ev)
{
	struct famfsd_own *o = d->own;
	struct watcher **pp = &o->watchers;
	size_t len;
	uint8_t *buf;

	if (!o->watchers)
		return;
	len = famfs__watch_event__get_packed_size(ev);
	buf = malloc(len ? len : 1);
	if (!buf)
		return;
	famfs__watch_event__pack(ev, buf);
	while (*pp) {
		struct watcher *w = *pp;
		int e;

		if (w->prefix[0] && strcmp(ev->kind, "keepalive") && strcmp(ev->kind, "checkpoint") &&
		    !path_within(ev->path, w->prefix) && !(ev->to[0] && path_within(ev->to, w->prefix))) {
			pp = &w->next;
			continue;
		}
		e = fam_rpc_stream_send(w->call, buf, len);
		if (e == -ENOBUFS)
			own_watcher_end(d, pp, FAM_RPC_RESOURCE_EXHAUSTED,
				    "the watcher does not read fast enough: events would be lost; "
				    "watch again");
		else if (e)
			own_watcher_end(d, pp, FAM_RPC_CANCELLED, "watch ended");
		else
			pp = &w->next;
	}
	free(buf);
	o->last_keepalive = famfsd_now_ms();
}

void own_emit_simple(struct famfsd *d, const char *kind, const char *path, uint64_t seq)
{
	Famfs__WatchEvent ev = FAMFS__WATCH_EVENT__INIT;

	ev.kind = (char *)kind;
	ev.path = (char *)path;
	ev.seq = seq;
	own_emit(d, &ev);
}

void own_h_watch(struct fam_rpc_call *call, const uint8_t *req, size_t len, void *arg)
{
	struct famfsd *d = arg;
	FAMFSD_UNPACK(Famfs__WatchRequest, famfs__watch_request, m, req, len);
	struct watcher *w;
	Famfs__WatchEvent ev = FAMFS__WATCH_EVENT__INIT;
	uint8_t buf[64];

	if (m->path[0] && famfsd_check_path(d, call, m->path))
		goto out;
	w = calloc(1, sizeof(*w));
	if (!w || !(w->prefix = strdup(m->path))) {
		free(w);
		famfsd_reply_status(d, call, FAM_RPC_RESOURCE_EXHAUSTED, "out of memory");
		goto out;
	}
	/* Tell the client it is subscribed: nothing applied from now on is missed. */
	ev.kind = "ready";
	ev.path = m->path;
	ev.seq = d->fs.ns.applied_seq;
	{
		size_t n = famfs__watch_event__get_packed_size(&ev);
		uint8_t *p = n <= sizeof(buf) ? buf : malloc(n);

		if (p) {
			famfs__watch_event__pack(&ev, p);
			fam_rpc_stream_send(call, p, n);
			if (p != buf)
				free(p);
		}
	}
	w->call = call;
	w->next = d->own->watchers;
	d->own->watchers = w;
	famfsd_logf(&d->log, LOG_DEBUG, "watch from %s on %s", fam_rpc_call_peer(call)->name,
		    m->path[0] ? m->path : "/");
out:
	famfs__watch_request__free_unpacked(m, NULL);
}
