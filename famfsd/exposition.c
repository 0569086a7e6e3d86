// SPDX-License-Identifier: Apache-2.0
/*
 * Prometheus text exposition format 0.0.4 (see famfsd/exposition.h). The
 * format's rules that matter here: metric names match
 * [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*; label values
 * escape backslash, double quote and newline; HELP text escapes backslash
 * and newline; floats may be "+Inf", "-Inf" or "NaN".
 */
#include "exposition.h"

#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int name_ok(const char *s, bool colon)
{
	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || (colon && *s == ':')))
			return 0;
	return 1;
}

static int out_status(FILE *out)
{
	return ferror(out) ? -EIO : 0;
}

/*
 * The shortest digits that read back as v, in plain notation unless the
 * exponent is below -4 or above 20 (as Go's Prometheus client writes them),
 * or the format's spelling of infinities and NaN.
 */
static void fmt_double(char *buf, size_t len, double v)
{
	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		int x;

		snprintf(buf, len, "%.*e", prec - 1, v);
		if (strtod(buf, NULL) != v && prec < 17)
			continue;
		x = v == 0 ? 0 : atoi(strchr(buf, 'e') + 1);
		if (x >= -4 && x <= 20)
			snprintf(buf, len, "%.*g", prec > x + 1 ? prec : x + 1, v);
		return;
	}
}

static void put_escaped(FILE *out, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else if (quote && *s == '"')
			fputs("\\\"", out);
		else
			fputc(*s, out);
	}
}

int famfsd_hist_init(struct famfsd_histogram *h, const double *bounds, size_t n)
{
	if (n == 0 || n > FAMFSD_HIST_MAX_BOUNDS)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(bounds[i]) || (i && bounds[i] <= bounds[i - 1]))
			return -EINVAL;
	memset(h, 0, sizeof(*h));
	memcpy(h->bounds, bounds, n * sizeof(*bounds));
	h->n_bounds = n;
	return 0;
}

void famfsd_hist_observe(struct famfsd_histogram *h, double v)
{
	size_t i = 0;

	if (isnan(v))
		return;
	while (i < h->n_bounds && v > h->bounds[i])
		i++;
	h->counts[i]++;
	h->count++;
	h->sum += v;
}

int famfsd_expo_family(FILE *out, const char *name, const char *type, const char *help)
{
	static const char *const types[] = { "counter", "gauge", "histogram", "summary",
					     "untyped" };
	bool known = false;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		known = known || (type && !strcmp(type, types[i]));
	if (!name_ok(name, true) || !known)
		return -EINVAL;
	fprintf(out, "# HELP %s ", name);
	put_escaped(out, help ? help : "", false);
	fprintf(out, "\n# TYPE %s %s\n", name, type);
	return out_status(out);
}

static int sample_head(FILE *out, const char *name, const struct famfsd_label *labels,
		       size_t n_labels)
{
	if (!name_ok(name, true))
		return -EINVAL;
	for (size_t i = 0; i < n_labels; i++)
		if (!name_ok(labels[i].name, false) || !labels[i].value)
			return -EINVAL;
	fputs(name, out);
	for (size_t i = 0; i < n_labels; i++) {
		fprintf(out, "%s%s=\"", i ? "," : "{", labels[i].name);
		put_escaped(out, labels[i].value, true);
		fputc('"', out);
	}
	if (n_labels)
		fputc('}', out);
	fputc(' ', out);
	return 0;
}

int famfsd_expo_sample(FILE *out, const char *name, const struct famfsd_label *labels,
		       size_t n_labels, double value)
{
	char buf[64];
	int e = sample_head(out, name, labels, n_labels);

	if (e)
		return e;
	fmt_double(buf, sizeof(buf), value);
	fprintf(out, "%s\n", buf);
	return out_status(out);
}

int famfsd_expo_sample_u64(FILE *out, const char *name, const struct famfsd_label *labels,
			   size_t n_labels, uint64_t value)
{
	int e = sample_head(out, name, labels, n_labels);

	if (e)
		return e;
	fprintf(out, "%llu\n", (unsigned long long)value);
	return out_status(out);
}

int famfsd_expo_histogram(FILE *out, const char *name, const char *help,
			  const struct famfsd_histogram *h)
{
	char sub[160], le[64];
	struct famfsd_label l = { "le", le };
	uint64_t cum = 0;
	int e;

	if (strlen(name) + sizeof("_bucket") > sizeof(sub) || h->n_bounds > FAMFSD_HIST_MAX_BOUNDS)
		return -EINVAL;
	e = famfsd_expo_family(out, name, "histogram", help);
	if (e)
		return e;
	snprintf(sub, sizeof(sub), "%s_bucket", name);
	for (size_t i = 0; i <= h->n_bounds && !e; i++) {
		cum += h->counts[i];
		fmt_double(le, sizeof(le), i < h->n_bounds ? h->bounds[i] : INFINITY);
		e = famfsd_expo_sample_u64(out, sub, &l, 1, cum);
	}
	snprintf(sub, sizeof(sub), "%s_sum", name);
	if (!e)
		e = famfsd_expo_sample(out, sub, NULL, 0, h->sum);
	snprintf(sub, sizeof(sub), "%s_count", name);
	if (!e)
		e = famfsd_expo_sample_u64(out, sub, NULL, 0, h->count);
	return e;
}
