// SPDX-License-Identifier: Apache-2.0
/*
 * Metrics: the counters famfsd's files increment (struct famfsd_metrics),
 * what is read at scrape time, and the HTTP exporter (libevent's evhttp on
 * [metrics] listen) answering GET /metrics with the Prometheus text format.
 * Every other path gets 404, other methods 405. Scrapes run on the event
 * loop: they only read in-memory state and, in kernel mode, one ioctl.
 * docs/metrics.md lists every metric.
 */
#include "cluster.h"
#include "famfsd.h"
#include "format.h"
#include "kmount.h"
#include "rpc.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Handoff latency buckets, seconds: a handoff is a few RPCs and commits, plus any --wait. */
static const double handoff_bounds[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
					  0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
					  30, 60, 300 };

#define HTTP_TIMEOUT_S		10
#define HTTP_MAX_HEADERS	8192

void famfsd_metrics_init(struct famfsd_metrics *m)
{
	memset(m, 0, sizeof(*m));
	famfsd_hist_init(&m->handoff_seconds, handoff_bounds,
			 sizeof(handoff_bounds) / sizeof(handoff_bounds[0]));
}

void famfsd_metrics_handoff(struct famfsd_metrics *m, bool ok, uint64_t us)
{
	if (!ok) {
		m->handoffs_failed++;
		return;
	}
	m->handoffs_ok++;
	famfsd_hist_observe(&m->handoff_seconds, (double)us / 1e6);
}

/* ---- the families ---- */

/* A family with one unlabelled sample. */
static int one(FILE *out, const char *name, const char *type, const char *help, double v)
{
	int e = famfsd_expo_family(out, name, type, help);

	return e ? e : famfsd_expo_sample(out, name, NULL, 0, v);
}

static int one_u64(FILE *out, const char *name, const char *type, const char *help, uint64_t v)
{
	int e = famfsd_expo_family(out, name, type, help);

	return e ? e : famfsd_expo_sample_u64(out, name, NULL, 0, v);
}

static int write_log(struct famfsd *d, FILE *out)
{
	static const struct { unsigned int type; const char *name; } kinds[] = {
		{ FAM_REC_MKDIR, "mkdir" }, { FAM_REC_CREATE, "create" },
		{ FAM_REC_DELETE, "delete" }, { FAM_REC_RENAME, "rename" },
		{ FAM_REC_OWNER, "owner" }, { FAM_REC_CHECKPOINT, "checkpoint" },
	};
	const struct famfsd_metrics *m = &d->metrics;
	int e = famfsd_expo_family(out, "famfs_commits_total", "counter",
				   "Log records this host committed as master, by record type.");

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && !e; i++) {
		struct famfsd_label l = { "type", kinds[i].name };

		e = famfsd_expo_sample_u64(out, "famfs_commits_total", &l, 1,
					   m->commits[kinds[i].type]);
	}
	if (!e)
		e = one_u64(out, "famfs_records_replayed_total", "counter",
			    "Log records committed by another host and replayed here.", m->replayed);
	if (!e)
		e = one_u64(out, "famfs_log_committed_seq", "gauge",
			    "Sequence number of the last committed log record, as this host read it.",
			    d->fs.log.hdr.committed_seq);
	if (!e)
		e = one_u64(out, "famfs_log_replayed_seq", "gauge",
			    "Sequence number of the last log record applied on this host.",
			    d->fs.ns.applied_seq);
	if (!e)
		e = one_u64(out, "famfs_log_used_bytes", "gauge",
			    "Bytes of the metadata log in use.", fam_log_used(&d->fs.log));
	if (!e)
		e = one_u64(out, "famfs_files", "gauge", "Files in the namespace.",
			    d->fs.ns.n_files);
	return e;
}

static int write_cluster(struct famfsd *d, FILE *out)
{
	static const char *const fams[][2] = {
		{ "famfs_host_up", "1 if the host is reachable and its lease runs, as this host sees it." },
		{ "famfs_replay_lag_records", "Committed log records the host has not replayed yet "
		  "(hosts whose replay position this host knows)." },
		{ "famfs_host_last_contact_seconds", "Seconds since this host last heard from the host." },
	};
	struct famfsd_host_view v[FAMFSD_MAX_PEERS + 1];
	size_t n = famfsd_cluster_hosts(d, v, FAMFSD_MAX_PEERS + 1);
	uint64_t committed = d->fs.log.hdr.committed_seq;
	int e;

	e = one(out, "famfs_is_master", "gauge", "1 if this host is the master (the log writer).",
		famfsd_is_master(d) ? 1 : 0);
	if (!e)
		e = one(out, "famfs_master_host", "gauge",
			"Host id of the master this host knows, -1 when none.", famfsd_master_id(d));
	if (!e)
		e = one_u64(out, "famfs_epoch", "gauge", "Master epoch of the log.", d->fs.epoch);
	for (size_t f = 0; f < 3 && !e; f++) {
		e = famfsd_expo_family(out, fams[f][0], "gauge", fams[f][1]);
		for (size_t i = 0; i < n && !e; i++) {
			char id[16];
			struct famfsd_label l[2] = { { "host", id }, { "name", v[i].name } };

			snprintf(id, sizeof(id), "%u", v[i].host);
			if (f == 0)
				e = famfsd_expo_sample(out, fams[f][0], l, 2, v[i].up);
			else if (f == 1 && v[i].replay_known)
				e = famfsd_expo_sample_u64(out, fams[f][0], l, 2,
					committed > v[i].replayed_seq ? committed - v[i].replayed_seq : 0);
			else if (f == 2 && v[i].last_contact_ms != UINT64_MAX && !v[i].self)
				e = famfsd_expo_sample(out, fams[f][0], l, 2,
						       (double)v[i].last_contact_ms / 1000.0);
		}
	}
	return e;
}

static int write_events(struct famfsd *d, FILE *out)
{
	const struct famfsd_metrics *m = &d->metrics;
	struct famfsd_label ok = { "result", "ok" }, failed = { "result", "failed" };
	const struct { const char *name, *help; uint64_t v; } ctr[] = {
		{ "famfs_elections_total", "Times this host stood for master.", m->elections },
		{ "famfs_lease_renewals_total", "Renewals of this host's master lease by a majority.",
		  m->lease_renewals },
		{ "famfs_master_stepdowns_total", "Times this host stopped being master.",
		  m->stepdowns },
		{ "famfs_host_lease_expiries_total", "Hosts whose lease ran out while this host was "
		  "master (their grants are released).", m->host_lease_expiries },
		{ "famfs_module_lease_renewals_total", "Renewals of the kernel module's self-fencing "
		  "lease (kernel mode in a cluster).", m->module_lease_renewals },
	};
	int e = famfsd_expo_family(out, "famfs_handoffs_total", "counter",
				   "Handoffs this host ran as master, by result.");

	if (!e)
		e = famfsd_expo_sample_u64(out, "famfs_handoffs_total", &ok, 1, m->handoffs_ok);
	if (!e)
		e = famfsd_expo_sample_u64(out, "famfs_handoffs_total", &failed, 1,
					   m->handoffs_failed);
	if (!e)
		e = famfsd_expo_histogram(out, "famfs_handoff_duration_seconds",
					  "Time from a handoff request to its reply (successful "
					  "handoffs this host ran as master).", &m->handoff_seconds);
	for (size_t i = 0; i < sizeof(ctr) / sizeof(ctr[0]) && !e; i++)
		e = one_u64(out, ctr[i].name, "counter", ctr[i].help, ctr[i].v);
	return e;
}

static int write_rpc(struct famfsd *d, FILE *out)
{
	uint64_t all = 0;
	int e = famfsd_expo_family(out, "famfs_rpc_errors_total", "counter",
				   "RPC calls this daemon answered with an error, by gRPC status.");

	for (int s = 0; s < FAM_RPC_STATUS_COUNT; s++)
		all += fam_rpc_replies(d->rpc, s);
	for (int s = 1; s < FAM_RPC_STATUS_COUNT && !e; s++) {
		struct famfsd_label l = { "status", fam_rpc_status_name(s) };

		e = famfsd_expo_sample_u64(out, "famfs_rpc_errors_total", &l, 1,
					   fam_rpc_replies(d->rpc, s));
	}
	if (!e)
		e = one_u64(out, "famfs_rpc_replies_total", "counter",
			    "RPC calls this daemon answered (every status).", all);
	return e;
}

/* Kernel mode: the module's per-mount counters. Left out when they cannot be read. */
static int write_kernel(struct famfsd *d, FILE *out)
{
	struct fam_kmount_counters k;
	int e;

	if (!d->kernel)
		return 0;
	e = fam_kmount_counters(d->cfg.mount, &k);
	if (e) {
		famfsd_logf(&d->log, LOG_DEBUG, "metrics: reading the module's counters of %s: %s",
			    d->cfg.mount, strerror(-e));
		return 0;
	}
	e = famfsd_expo_family(out, "famfs_kernel_faults_total", "counter",
			       "Page faults on this host's famfs mount: served by mapping size "
			       "(pte, pmd, pud), or refused with SIGBUS (no access).");
	{
		const struct { const char *kind; uint64_t v; } f[] = {
			{ "pte", k.pte_faults }, { "pmd", k.pmd_faults }, { "pud", k.pud_faults },
			{ "refused", k.refused_faults },
		};

		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]) && !e; i++) {
			struct famfsd_label l = { "kind", f[i].kind };

			e = famfsd_expo_sample_u64(out, "famfs_kernel_faults_total", &l, 1, f[i].v);
		}
	}
	{
		const struct { const char *name, *help; uint64_t v; } c[] = {
			{ "famfs_kernel_revocations_total",
			  "Times the module lowered a file's access here (mappings zapped).",
			  k.revocations },
			{ "famfs_kernel_lease_expirations_total",
			  "Times the module's lease ran out and it dropped all access here.",
			  k.lease_expirations },
			{ "famfs_kernel_pin_scan_pages_total",
			  "Pages the module's revocations checked for pins (those of the 2 MiB "
			  "units mapped since their last check).", k.pin_scan_pages },
			{ "famfs_kernel_writeback_bytes_total",
			  "Bytes the module's revocations wrote back from this host's CPU caches.",
			  k.writeback_bytes },
			{ "famfs_kernel_invalidated_bytes_total",
			  "Bytes of this host's CPU caches the module invalidated when access "
			  "came back (a raise from none) or a file was dropped.",
			  k.invalidated_bytes },
		};

		for (size_t i = 0; i < sizeof(c) / sizeof(c[0]) && !e; i++)
			e = one_u64(out, c[i].name, "counter", c[i].help, c[i].v);
	}
	return e;
}

int famfsd_metrics_write(struct famfsd *d, FILE *out)
{
	int e = one(out, "famfs_uptime_seconds", "gauge", "Seconds since famfsd started.",
		    (double)(famfsd_now_ms() - d->start_ms) / 1000.0);

	if (!e)
		e = write_log(d, out);
	if (!e)
		e = write_cluster(d, out);
	if (!e)
		e = write_events(d, out);
	if (!e)
		e = write_rpc(d, out);
	if (!e)
		e = write_kernel(d, out);
	return e;
}

/* ---- HTTP ---- */

static void send_text(struct evhttp_request *req, int code, const char *reason, const char *text)
{
	struct evbuffer *b = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; charset=utf-8");
	if (b)
		evbuffer_add(b, text, strlen(text));
	evhttp_send_reply(req, code, reason, b);
	if (b)
		evbuffer_free(b);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct famfsd *d = arg;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	struct evhttp_uri *uri = evhttp_uri_parse(evhttp_request_get_uri(req));
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	struct evbuffer *b;
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	int e;

	if (!path || strcmp(path, "/metrics")) {
		send_text(req, HTTP_NOTFOUND, "Not Found", "not found: famfsd serves /metrics only\n");
		goto out;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		send_text(req, 405, "Method Not Allowed", "method not allowed: use GET\n");
		goto out;
	}
	out = open_memstream(&text, &len);
	if (!out) {
		send_text(req, HTTP_INTERNAL, "Internal Server Error", "out of memory\n");
		goto out;
	}
	e = famfsd_metrics_write(d, out);
	if (fclose(out) || e || !(b = evbuffer_new())) {
		famfsd_logf(&d->log, LOG_ERR, "metrics: formatting failed: %s", strerror(e ? -e : ENOMEM));
		send_text(req, HTTP_INTERNAL, "Internal Server Error", "formatting the metrics failed\n");
		goto out;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; version=0.0.4; charset=utf-8");
	evbuffer_add(b, text, len);
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
out:
	free(text);
	if (uri)
		evhttp_uri_free(uri);
}

int famfsd_metrics_start(struct famfsd *d)
{
	struct famfsd_metrics *m = &d->metrics;
	int fd;

	if (!d->cfg.metrics_listen[0])
		return 0;
	m->http = evhttp_new(d->base);
	if (!m->http)
		return -ENOMEM;
	evhttp_set_timeout(m->http, HTTP_TIMEOUT_S);
	evhttp_set_max_headers_size(m->http, HTTP_MAX_HEADERS);
	evhttp_set_max_body_size(m->http, HTTP_MAX_HEADERS);
	/* Every method reaches on_request, which answers 405 itself (libevent would say 501). */
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
				   EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
				   EVHTTP_REQ_PATCH);
	evhttp_set_gencb(m->http, on_request, d);
	fd = fam_rpc_tcp_listen(d->cfg.metrics_listen);
	if (fd < 0 || !evhttp_accept_socket_with_handle(m->http, fd)) {
		int e = fd < 0 ? fd : -ENOMEM;

		if (fd >= 0)
			close(fd);
		famfsd_logf(&d->log, LOG_ERR, "metrics: cannot listen on %s: %s",
			    d->cfg.metrics_listen, strerror(-e));
		famfsd_metrics_stop(d);
		return e;
	}
	famfsd_logf(&d->log, LOG_INFO, "metrics: http://%s/metrics", d->cfg.metrics_listen);
	return 0;
}

void famfsd_metrics_stop(struct famfsd *d)
{
	if (d->metrics.http)
		evhttp_free(d->metrics.http);
	d->metrics.http = NULL;
}
