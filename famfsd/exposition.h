/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prometheus text exposition format 0.0.4: one metric family at a time,
 * each as "# HELP" and "# TYPE" lines followed by its samples. Histograms
 * are written with cumulative buckets, the +Inf bucket, _sum and _count.
 * Pure formatting: no state, no I/O besides the FILE it writes to.
 */
#ifndef FAMFSD_EXPOSITION_H
#define FAMFSD_EXPOSITION_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FAMFSD_HIST_MAX_BOUNDS	24

/* A histogram: counts per bucket (not cumulative), the sum and count of observations. */
struct famfsd_histogram {
	size_t n_bounds;
	double bounds[FAMFSD_HIST_MAX_BOUNDS];		/* upper bounds, strictly ascending */
	uint64_t counts[FAMFSD_HIST_MAX_BOUNDS + 1];	/* [n_bounds]: above every bound */
	uint64_t count;
	double sum;
};

struct famfsd_label {
	const char *name;
	const char *value;
};

/* -EINVAL unless 1..FAMFSD_HIST_MAX_BOUNDS finite bounds, strictly ascending. */
int famfsd_hist_init(struct famfsd_histogram *h, const double *bounds, size_t n);
/* Count v in the first bucket whose bound is >= v. NaN is ignored. */
void famfsd_hist_observe(struct famfsd_histogram *h, double v);

/*
 * "# HELP name help" and "# TYPE name type" (type: counter, gauge, histogram,
 * summary, untyped). -EINVAL for a bad name or type, -EIO if out failed.
 */
int famfsd_expo_family(FILE *out, const char *name, const char *type, const char *help);
/* One sample: name{l1="v1",...} value. Label values are escaped. */
int famfsd_expo_sample(FILE *out, const char *name, const struct famfsd_label *labels,
		       size_t n_labels, double value);
/* The same with an exact integer value (counters past 2^53 stay exact). */
int famfsd_expo_sample_u64(FILE *out, const char *name, const struct famfsd_label *labels,
			   size_t n_labels, uint64_t value);
/* A whole histogram family: HELP, TYPE, name_bucket{le=...} (cumulative), _sum, _count. */
int famfsd_expo_histogram(FILE *out, const char *name, const char *help,
			  const struct famfsd_histogram *h);

#endif
