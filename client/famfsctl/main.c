// SPDX-License-Identifier: Apache-2.0
/*
 * famfsctl: the famfs command line. Verb groups live in their own files;
 * `local` acts on a device or fabric file directly, without a daemon.
 */
#include "famfsctl.h"
#include "version.h"

#include <errno.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>


static void usage(FILE *out)
{
	fprintf(out,
		"usage: famfsctl [--json] [--socket PATH] [--request-id HEX32] COMMAND ...\n"
		"       famfsctl --version\n\n"
		"Commands served by the local famfsd (socket: --socket, $FAMFS_SOCKET or\n"
		"/run/famfsd/famfsd.sock):\n");
	ctl_remote_usage(out);
	fprintf(out, "\nOffline commands (no daemon; act on DEVICE: /dev/daxN.M, a fabric file,\n"
		"or a famfs mount point):\n");
	ctl_local_usage(out);
	fprintf(out, "\nExit status: 0 success, 1 the operation failed, 2 usage error.\n");
}

/* --request-id: 32 hex digits, not all zero. */
static int parse_req_id(const char *s, uint8_t out[16])
{
	bool zero = true;

	if (strlen(s) != 32)
		return -EINVAL;
	for (int i = 0; i < 16; i++) {
		unsigned int v;

		if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (uint8_t)v;
		zero = zero && !v;
	}
	return zero ? -EINVAL : 0;
}

int ctl_err(struct ctl *c, const char *what, int err, const char *detail)
{
	if (detail && *detail)
		fprintf(stderr, "%s: %s: %s (%s)\n", c->prog, what, strerror(-err), detail);
	else
		fprintf(stderr, "%s: %s: %s\n", c->prog, what, strerror(-err));
	return EXIT_FAIL;
}

void ctl_json_print(json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

json_object *ctl_node_json(const struct fam_node *n, const char *path, bool extents)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "type", json_object_new_string(S_ISDIR(n->mode) ? "directory" : "file"));
	json_object_object_add(o, "ino", json_object_new_uint64(n->ino));
	json_object_object_add(o, "mode", json_object_new_int((int)(n->mode & 07777)));
	json_object_object_add(o, "uid", json_object_new_int64(n->uid));
	json_object_object_add(o, "gid", json_object_new_int64(n->gid));
	json_object_object_add(o, "size", json_object_new_uint64(n->size));
	if (n->n_grants) {
		json_object *g = json_object_new_array();

		for (uint32_t i = 0; i < n->n_grants; i++) {
			json_object *e = json_object_new_object();

			json_object_object_add(e, "host", json_object_new_int64(n->grants[i].host));
			json_object_object_add(e, "mode", json_object_new_string(
				n->grants[i].mode == FAM_OWN_RW ? "rw" : "ro"));
			json_object_object_add(e, "epoch", json_object_new_uint64(n->grants[i].grant_epoch));
			json_object_array_add(g, e);
		}
		json_object_object_add(o, "owners", g);
	}
	if (extents && !S_ISDIR(n->mode)) {
		json_object *a = json_object_new_array();

		for (uint32_t i = 0; i < n->n_ext; i++) {
			json_object *e = json_object_new_object();

			json_object_object_add(e, "offset", json_object_new_uint64(n->ext[i].offset));
			json_object_object_add(e, "length", json_object_new_uint64(n->ext[i].len));
			json_object_array_add(a, e);
		}
		json_object_object_add(o, "extents", a);
	}
	return o;
}

int main(int argc, char **argv)
{
	struct ctl c = { .prog = "famfsctl" };
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json")) {
			c.json = true;
		} else if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			c.socket = argv[++i];
		} else if (!strncmp(argv[i], "--socket=", 9)) {
			c.socket = argv[i] + 9;
		} else if (!strcmp(argv[i], "--request-id") || !strncmp(argv[i], "--request-id=", 13)) {
			const char *v = argv[i][12] == '=' ? argv[i] + 13 : i + 1 < argc ? argv[++i] : "";

			if (parse_req_id(v, c.req)) {
				fprintf(stderr, "famfsctl: --request-id '%s': must be 32 hex digits, not "
					"all zero (the same id on a retry returns the first result)\n", v);
				return EXIT_USAGE;
			}
			c.have_req = true;
		} else if (!strcmp(argv[i], "--version")) {
			printf("famfsctl %s\n", FAMFS_VERSION);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else {
			fprintf(stderr, "famfsctl: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[i], "local"))
		return ctl_local(&c, argc - i - 1, argv + i + 1);
	{
		bool found;
		int ret = ctl_remote(&c, argc - i, argv + i, &found);

		if (found)
			return ret;
	}
	if (!strcmp(argv[i], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	fprintf(stderr, "famfsctl: unknown command '%s'\n", argv[i]);
	usage(stderr);
	return EXIT_USAGE;
}
