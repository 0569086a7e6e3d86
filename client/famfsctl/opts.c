// SPDX-License-Identifier: Apache-2.0
/* famfsctl: the options every verb shares (-p, -l, --size, --mode, --json). */
#include "famfsctl.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static int parse_mode(const char *s, uint32_t *mode)
{
	char *end;
	unsigned long v = strtoul(s, &end, 8);

	if (*s == 0 || *end || v > 07777)
		return -EINVAL;
	*mode = (uint32_t)v;
	return 0;
}

int ctl_parse_opts(struct ctl *c, int argc, char **argv, struct ctl_opts *o, const char *allowed)
{
	static const struct option lo[] = {
		{ "parents", no_argument, NULL, 'p' },
		{ "long", no_argument, NULL, 'l' },
		{ "size", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 }
	};
	int ch, li;

	/*
	 * 0, not 1: glibc then also forgets where it was inside an argument
	 * ("-pX" stopped at X), which would otherwise point into the previous
	 * argv on a second call (found by fuzz_ctl_args).
	 */
	optind = 0;
	opterr = 0;
	while ((li = -1, ch = getopt_long(argc, argv, "+:pls:m:j", lo, &li)) != -1) {
		char name[64];

		if (ch == 'j') {
			c->json = true;
			continue;
		}
		/* Name the option itself: inside "-pX" argv[optind - 1] is not it. */
		if (li >= 0)
			snprintf(name, sizeof(name), "--%s", lo[li].name);
		else if (ch == ':' || (ch == '?' && !optopt))
			snprintf(name, sizeof(name), "%.60s", argv[optind - 1]);
		else
			snprintf(name, sizeof(name), "-%c", ch == '?' ? optopt : ch);
		if (ch == ':') {
			fprintf(stderr, "%s: %s: option '%s' needs a value\n", c->prog, argv[0], name);
			return -EINVAL;
		}
		if (ch == '?' || !strchr(allowed, ch)) {
			fprintf(stderr, "%s: %s: unknown or misplaced option '%s'\n", c->prog, argv[0],
				name);
			return -EINVAL;
		}
		switch (ch) {
		case 'p': o->parents = true; break;
		case 'l': o->longfmt = true; break;
		case 's':
			if (fam_parse_size(optarg, &o->size)) {
				fprintf(stderr, "%s: invalid size '%s'\n", c->prog, optarg);
				return -EINVAL;
			}
			o->have_size = true;
			break;
		case 'm':
			if (parse_mode(optarg, &o->mode)) {
				fprintf(stderr, "%s: invalid mode '%s' (octal)\n", c->prog, optarg);
				return -EINVAL;
			}
			break;
		}
	}
	return optind;
}

