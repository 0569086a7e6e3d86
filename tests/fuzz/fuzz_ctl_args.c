// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: famfsctl's option parser (client/famfsctl/opts.c) and
 * the size parser it uses (lib/util.c). The input is an argument vector:
 * arguments separated by NUL bytes, the verb first; the first byte picks
 * which of the options p, l, s, m the verb allows. The parser must return
 * an operand index inside the vector or -EINVAL, set only what it was
 * allowed to, and give the same result when called again on the same
 * vector (getopt keeps state between calls); a plain number the size parser accepts keeps its value.
 */
#include "famfsctl.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char letters[] = "plsm";
	struct ctl c = { .prog = "famfsctl" };
	struct ctl_opts o = { 0 };
	char allowed[5] = "", *text, *argv[MAX_ARGS + 1];
	uint64_t want;
	int argc = 0, ret;

	if (size < 1 || size > 4096)
		return 0;
	for (int i = 0, k = 0; i < 4; i++)
		if (data[0] & (1 << i))
			allowed[k++] = letters[i];
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	for (char *p = text; p < text + size && argc < MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;

	ret = ctl_parse_opts(&c, argc, argv, &o, allowed);
	{
		/* Again on a copy of the vector: the parser keeps no state between calls. */
		char *argv2[MAX_ARGS + 1];
		struct ctl_opts o2 = { 0 };
		int ret2;

		memcpy(argv2, argv, sizeof(argv));
		ret2 = ctl_parse_opts(&c, argc, argv2, &o2, allowed);
		if (ret2 != ret || memcmp(&o, &o2, sizeof(o))) {
			fprintf(stderr, "second parse: %d, first: %d\n", ret2, ret);
			abort();
		}
	}
	if (ret != -EINVAL && (ret < 1 || ret > argc))
		abort();
	if ((o.parents && !strchr(allowed, 'p')) || (o.longfmt && !strchr(allowed, 'l')) ||
	    (o.have_size && !strchr(allowed, 's')) || (o.mode && !strchr(allowed, 'm')) ||
	    o.mode > 07777)
		abort();
	/* The size parser on each argument alone: a value it accepts fits in 64 bits. */
	for (int i = 0; i < argc; i++)
		if (!fam_parse_size(argv[i], &want) && strspn(argv[i], "0123456789") == strlen(argv[i]) &&
		    want != strtoull(argv[i], NULL, 10))
			abort();
	free(text);
	return 0;
}
