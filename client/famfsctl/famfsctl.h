/* SPDX-License-Identifier: Apache-2.0 */
/* famfsctl: shared declarations of the verb files. */
#ifndef FAMFSCTL_H
#define FAMFSCTL_H

#include "fs.h"

#include <json.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit codes (docs/famfsctl.8.md). */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* the operation failed; a message says why */
#define EXIT_USAGE	2	/* bad command line */

struct ctl {
	bool json;
	const char *prog;
	const char *socket;	/* --socket; NULL: $FAMFS_SOCKET or the default */
	bool have_req;		/* --request-id: the id of the command's first mutating call */
	uint8_t req[16];
};

struct ctl_verb {
	const char *name;
	int (*fn)(struct ctl *c, int argc, char **argv);
	const char *args;
	const char *help;
};

/* Options shared by the verbs; allowed lists the letters a verb takes (p l s m). */
struct ctl_opts {
	bool parents, longfmt, have_size;
	uint64_t size;
	uint32_t mode;
};
/* Returns the index of the first operand, or -EINVAL (message printed). */
int ctl_parse_opts(struct ctl *c, int argc, char **argv, struct ctl_opts *o, const char *allowed);

int ctl_local(struct ctl *c, int argc, char **argv);
/* Daemon commands; *found says whether argv[0] is one. */
int ctl_remote(struct ctl *c, int argc, char **argv, bool *found);
void ctl_remote_usage(FILE *out);
void ctl_local_usage(FILE *out);

/* Print "famfsctl: what: reason" (with the library's detail if any); returns EXIT_FAIL. */
int ctl_err(struct ctl *c, const char *what, int err, const char *detail);
/* Print a JSON object (and drop the reference). */
void ctl_json_print(json_object *o);
json_object *ctl_node_json(const struct fam_node *n, const char *path, bool extents);

#endif
