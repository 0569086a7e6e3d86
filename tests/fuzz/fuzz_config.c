// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: famfsd's configuration parser. The input is the INI
 * text (a NUL-terminated copy; bytes after a NUL are not seen). A file
 * that parses must print as INI that parses again to the same printout,
 * and must survive the cross-field check; a file that does not parse must
 * say where (file:line) and leave the configuration untouched.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *print(const struct famfsd_config *c)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		abort();
	famfsd_config_print(c, f);
	fclose(f);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct famfsd_config c, before, again;
	char err[512], *text, *out1, *out2;
	int r;

	if (size > 64 * 1024)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	famfsd_config_defaults(&c);
	memcpy(&before, &c, sizeof(c));
	r = famfsd_config_parse(&c, text, "fuzz.conf", err, sizeof(err));
	if (r) {
		if (strncmp(err, "fuzz.conf:", 10) || memcmp(&before, &c, sizeof(c)))
			abort();
		free(text);
		return 0;
	}
	(void)famfsd_config_check(&c, err, sizeof(err));
	out1 = print(&c);
	famfsd_config_defaults(&again);
	if (famfsd_config_parse(&again, out1, "printed", err, sizeof(err))) {
		fprintf(stderr, "printed configuration does not parse: %s\n%s", err, out1);
		abort();
	}
	out2 = print(&again);
	if (strcmp(out1, out2)) {
		fprintf(stderr, "print/parse/print differs:\n%s\n---\n%s", out1, out2);
		abort();
	}
	free(out1);
	free(out2);
	free(text);
	return 0;
}
