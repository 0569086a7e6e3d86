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
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+pls:m:j", lo, NULL)) != -1) {
		if (ch == 'j') {
			c->json = true;
			continue;
		}
		if (ch == '?' || !strchr(allowed, ch)) {
			fprintf(stderr, "%s: %s: unknown or misplaced option '%s'\n", c->prog, argv[0],
				argv[optind - 1]);
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

