/* SPDX-License-Identifier: Apache-2.0 */
/*
 * famfsd's metrics: counters and the handoff latency histogram, owned by
 * struct famfsd (the files that do the work increment them), and the
 * HTTP exporter ([metrics] listen) that serves them with what is read at
 * scrape time (positions, per-host replay lag, the kernel module's fault
 * counters, RPC replies by status) as Prometheus text on GET /metrics.
 * Every metric is described in docs/metrics.md.
 */
#ifndef FAMFSD_METRICS_H
#define FAMFSD_METRICS_H

#include "exposition.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct famfsd;
struct evhttp;

#define FAMFSD_REC_TYPES	8	/* log record types 0..FAM_REC_PAD */

struct famfsd_metrics {
	uint64_t commits[FAMFSD_REC_TYPES];	/* records this host committed, by type */
	uint64_t replayed;			/* records applied from other hosts' commits */
	uint64_t handoffs_ok, handoffs_failed;	/* handoffs this host ran as master */
	struct famfsd_histogram handoff_seconds;	/* successful ones, request to reply */
	uint64_t elections;			/* times this host stood for master */
	uint64_t lease_renewals;		/* master lease renewed by a majority */
	uint64_t stepdowns;			/* stopped being master */
	uint64_t host_lease_expiries;		/* master: a host's lease ran out */
	uint64_t module_lease_renewals;		/* kernel mode: famfs.ko lease renewed */
	struct evhttp *http;			/* NULL when [metrics] listen is empty */
};

void famfsd_metrics_init(struct famfsd_metrics *m);
/* A handoff this host ran as master ended (ok: the new owner holds it), after ms. */
/* A handoff ended after us microseconds (a one-record handoff may take well under 1 ms). */
void famfsd_metrics_handoff(struct famfsd_metrics *m, bool ok, uint64_t us);
/* Every metric family, as Prometheus text. 0 or -errno. */
int famfsd_metrics_write(struct famfsd *d, FILE *out);
/* Serve GET /metrics on cfg.metrics_listen (nothing when empty). 0 or -errno (logged). */
int famfsd_metrics_start(struct famfsd *d);
void famfsd_metrics_stop(struct famfsd *d);

#endif
