// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: famfsd's Prometheus text formatter (famfsd/exposition.c),
 * whose output is what scrapers parse. The input is split at NUL bytes into
 * a metric name, two label values and a HELP text; its last 8 bytes are also
 * a double. Whatever the bytes, the formatter must either refuse (-EINVAL,
 * only for a bad name) or write lines that read back exactly: one HELP and
 * one TYPE line, one sample line whose label values unescape to the inputs
 * and whose value parses back to the same double.
 */
#include "exposition.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool metric_name_ok(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!(*s == '_' || *s == ':' || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

/* Unescape from *p up to the terminator (quote for label values, newline for HELP). */
static char *unescape(const char **p, char end)
{
	size_t n = strlen(*p);
	char *out = malloc(n + 1), *o = out;

	if (!out)
		abort();
	while (**p && **p != end) {
		if (**p == '\n')
			abort();		/* a raw newline inside one line */
		if (**p == '\\') {
			char c = (*p)[1];

			if (c == 'n')
				*o++ = '\n';
			else if (c == '\\' || (end == '"' && c == '"'))
				*o++ = c;
			else
				abort();	/* an escape the format does not have */
			*p += 2;
		} else {
			*o++ = *(*p)++;
		}
	}
	if (**p != end)
		abort();
	(*p)++;
	*o = 0;
	return out;
}

static void expect_str(const char **p, const char *s)
{
	if (strncmp(*p, s, strlen(s)))
		abort();
	*p += strlen(s);
}

static char *format(const char *name, const char *v1, const char *v2, const char *help,
		    double value, int *ret)
{
	struct famfsd_label l[2] = { { "a", v1 }, { "b_2", v2 } };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		abort();
	*ret = famfsd_expo_family(f, name, "gauge", help);
	if (!*ret)
		*ret = famfsd_expo_sample(f, name, l, 2, value);
	fclose(f);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *part[4] = { "", "", "", "" }, *text, *got;
	const char *p;
	double value = 0, back;
	int ret;

	if (size > 16 * 1024)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	if (size >= 8)
		memcpy(&value, data + size - 8, 8);
	for (size_t i = 0, k = 0, start = 0; i <= size && k < 4; i++)
		if (buf[i] == 0) {
			part[k++] = buf + start;
			start = i + 1;
		}
	text = format(part[0], part[1], part[2], part[3], value, &ret);
	if (ret == -EINVAL) {
		if (metric_name_ok(part[0]) || text[0])
			abort();		/* refused a good name, or wrote before refusing */
		goto out;
	}
	if (ret || !metric_name_ok(part[0]))
		abort();
	p = text;
	expect_str(&p, "# HELP ");
	expect_str(&p, part[0]);
	expect_str(&p, " ");
	got = unescape(&p, '\n');
	if (strcmp(got, part[3]))
		abort();
	free(got);
	expect_str(&p, "# TYPE ");
	expect_str(&p, part[0]);
	expect_str(&p, " gauge\n");
	expect_str(&p, part[0]);
	expect_str(&p, "{a=\"");
	got = unescape(&p, '"');
	if (strcmp(got, part[1]))
		abort();
	free(got);
	expect_str(&p, ",b_2=\"");
	got = unescape(&p, '"');
	if (strcmp(got, part[2]))
		abort();
	free(got);
	expect_str(&p, "} ");
	if (isnan(value)) {
		expect_str(&p, "NaN\n");
	} else if (isinf(value)) {
		expect_str(&p, value > 0 ? "+Inf\n" : "-Inf\n");
	} else {
		char *end;

		back = strtod(p, &end);
		if (back != value || signbit(back) != signbit(value) || strcmp(end, "\n"))
			abort();
		p = end + 1;
	}
	if (*p)
		abort();			/* nothing after the sample */
out:
	free(text);
	free(buf);
	return 0;
}
