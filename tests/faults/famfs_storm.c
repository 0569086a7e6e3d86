// SPDX-License-Identifier: Apache-2.0
/*
 * A pipelined create storm for the group commit fault test
 * (tests/faults/test_group_commit.sh):
 *
 *   famfs_storm SOCKET DIR WINDOW SECONDS COUNT
 *
 * Keeps WINDOW famfs.Create calls of DIR/c<N> in flight on one connection to
 * famfsd at SOCKET for at most SECONDS and COUNT calls (a slot whose call
 * failed, as all do while the cluster elects a master, issues no more) and
 * prints each path the daemon acknowledged, one line each, written with
 * write(2) as the reply arrives: a line on stdout means "acknowledged",
 * whenever the storm is stopped. Failed calls are counted by status on
 * stderr at the end, with the first message of each status. Exit 0 when it ran, 2 on bad usage or no connection.
 */
#include "famfs.pb-c.h"
#include "rpc.h"

#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct storm {
	struct event_base *base;
	struct fam_rpc_conn *conn;
	const char *dir;
	long next, count, acked, failed[FAM_RPC_STATUS_COUNT];
	int in_flight;
	bool stop;
	char first_msg[FAM_RPC_STATUS_COUNT][160];
};

struct slot {
	struct storm *s;
	char path[256];
};

static void on_done(int status, const char *msg, const uint8_t *payload, size_t len, void *arg);

static void issue(struct slot *q)
{
	struct storm *s = q->s;
	Famfs__CreateRequest m = FAMFS__CREATE_REQUEST__INIT;
	uint8_t buf[512];
	size_t len;

	snprintf(q->path, sizeof(q->path), "%s/c%ld", s->dir, s->next++);
	m.path = q->path;
	m.mode = 0644;
	len = famfs__create_request__pack(&m, buf);
	if (fam_rpc_call(s->conn, "famfs.Create", buf, len, 10000, on_done, NULL, q)) {
		s->stop = true;
		free(q);
		return;
	}
	s->in_flight++;
}

static void on_done(int status, const char *msg, const uint8_t *payload, size_t len, void *arg)
{
	struct slot *q = arg;
	struct storm *s = q->s;

	(void)payload;
	(void)len;
	s->in_flight--;
	if (status == FAM_RPC_OK) {
		char line[260];
		int n = snprintf(line, sizeof(line), "%s\n", q->path);

		if (write(STDOUT_FILENO, line, (size_t)n) != n)
			s->stop = true;
		s->acked++;
	} else {
		if (status > 0 && status < FAM_RPC_STATUS_COUNT && !s->failed[status]++)
			snprintf(s->first_msg[status], sizeof(s->first_msg[0]), "%s", msg);
	}
	if (s->stop || status != FAM_RPC_OK || s->next >= s->count ||
	    fam_rpc_conn_dead(s->conn)) {
		free(q);
		if (!s->in_flight)
			event_base_loopbreak(s->base);
		return;
	}
	issue(q);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct storm *s = arg;

	(void)fd;
	(void)what;
	s->stop = true;
	if (!s->in_flight)
		event_base_loopbreak(s->base);
}

int main(int argc, char **argv)
{
	struct storm s = { 0 };
	struct fam_rpc *rpc = NULL;
	struct event *timer = NULL;
	struct timeval tv = { 0, 0 };
	int window, err = 0, ret = 2;

	if (argc != 6 || (window = atoi(argv[3])) < 1 || window > 1024 || atoi(argv[4]) < 1 ||
	    (s.count = atol(argv[5])) < 1) {
		fprintf(stderr, "usage: famfs_storm SOCKET DIR WINDOW SECONDS COUNT\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	s.dir = argv[2];
	tv.tv_sec = atoi(argv[4]);
	s.base = event_base_new();
	rpc = s.base ? fam_rpc_new(s.base, NULL) : NULL;
	if (!rpc)
		goto out;
	s.conn = fam_rpc_connect_unix(rpc, argv[1], &err);
	if (!s.conn) {
		fprintf(stderr, "famfs_storm: %s: %s\n", argv[1], strerror(-err));
		goto out;
	}
	timer = evtimer_new(s.base, on_timer, &s);
	if (!timer || evtimer_add(timer, &tv))
		goto out;
	for (int i = 0; i < window && !s.stop && s.next < s.count; i++) {
		struct slot *q = calloc(1, sizeof(*q));

		if (!q)
			break;
		q->s = &s;
		issue(q);
	}
	if (s.in_flight)
		event_base_dispatch(s.base);
	fprintf(stderr, "famfs_storm: %s: %ld acknowledged", argv[1], s.acked);
	for (int st = 1; st < FAM_RPC_STATUS_COUNT; st++)
		if (s.failed[st])
			fprintf(stderr, ", %ld %s (first: %s)", s.failed[st],
				fam_rpc_status_name(st), s.first_msg[st]);
	fprintf(stderr, "\n");
	ret = 0;
out:
	if (timer)
		event_free(timer);
	if (s.conn)
		fam_rpc_conn_close(s.conn);
	fam_rpc_free(rpc);
	if (s.base)
		event_base_free(s.base);
	return ret;
}
