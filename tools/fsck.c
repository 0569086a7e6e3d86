// SPDX-License-Identifier: Apache-2.0
/*
 * fsck.famfs: check a famfs device; never writes. Exit codes follow e2fsck:
 * 0 clean, 4 errors left uncorrected, 8 operational error, 16 usage error.
 */
#include "fsck.h"
#include "util.h"
#include "version.h"

#include <getopt.h>
#include <json.h>
#include <stdio.h>
#include <string.h>

#define FSCK_OK		0
#define FSCK_UNCORRECTED 4
#define FSCK_ERROR	8
#define FSCK_USAGE	16

struct out {
	int json;
	int quiet;
	json_object *problems;
};

static void on_problem(void *arg, enum fam_fsck_sev sev, const char *check, const char *msg)
{
	struct out *o = arg;
	const char *s = sev == FAM_FSCK_ERROR ? "error" : "warning";

	if (o->json) {
		json_object *p = json_object_new_object();

		json_object_object_add(p, "severity", json_object_new_string(s));
		json_object_object_add(p, "check", json_object_new_string(check));
		json_object_object_add(p, "message", json_object_new_string(msg));
		json_object_array_add(o->problems, p);
	} else {
		printf("%s: %s: %s\n", s, check, msg);
	}
}

static void jadd_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static void print_json(const char *dev, struct fam_fsck *f, struct out *o, int code)
{
	json_object *root = json_object_new_object(), *s = json_object_new_object();
	char uuid[37];

	json_object_object_add(root, "device", json_object_new_string(dev));
	if (f->sb_ok) {
		fam_uuid_str(f->sb.uuid, uuid);
		json_object_object_add(root, "uuid", json_object_new_string(uuid));
		jadd_u64(s, "device_size", f->sb.device_size);
		jadd_u64(s, "log_size", f->sb.log_size);
		jadd_u64(s, "log_used", f->log_used);
		jadd_u64(s, "alloc_unit", f->sb.alloc_unit);
		jadd_u64(s, "committed_seq", f->hdr.committed_seq);
		jadd_u64(s, "head_seq", f->hdr.head_seq);
		jadd_u64(s, "log_wraps", f->hdr.wrap_count);
		jadd_u64(s, "records", f->records);
		jadd_u64(s, "files", f->files);
		jadd_u64(s, "directories", f->dirs);
		jadd_u64(s, "grants", f->grants);
		jadd_u64(s, "data_bytes", f->data_bytes);
		jadd_u64(s, "used_bytes", f->used_bytes);
		jadd_u64(s, "pending_bytes", f->pending_bytes);
		jadd_u64(s, "free_bytes", f->free_bytes);
	}
	json_object_object_add(root, "summary", s);
	json_object_object_add(root, "errors", json_object_new_int((int)f->errors));
	json_object_object_add(root, "warnings", json_object_new_int((int)f->warnings));
	json_object_object_add(root, "problems", json_object_get(o->problems));
	json_object_object_add(root, "exit_code", json_object_new_int(code));
	printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct out o = { 0 };
	struct fam_fsck f = { 0 };
	struct fam_dev dev;
	char s1[32], s2[32], s3[32];
	int c, err, code;

	/* -n and -y are accepted for fsck(8) compatibility: fsck.famfs never writes. */
	while ((c = getopt_long(argc, argv, "jqhnypV", opts, NULL)) != -1) {
		switch (c) {
		case 'j': o.json = 1; break;
		case 'q': o.quiet = 1; break;
		case 'n': case 'y': case 'p': break;
		case 'V':
			printf("fsck.famfs %s\n", FAMFS_VERSION);
			return FSCK_OK;
		case 'h':
			printf("usage: fsck.famfs [--json] [--quiet] DEVICE | --version\n"
			       "exit: 0 clean, 4 errors found (not corrected), 8 operational error, 16 usage\n");
			return FSCK_OK;
		default:
			return FSCK_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: fsck.famfs [--json] [--quiet] DEVICE\n");
		return FSCK_USAGE;
	}
	err = fam_dev_open(&dev, argv[optind], FAM_DEV_RDONLY | FAM_DEV_BLOCK_OK);
	if (err) {
		fprintf(stderr, "fsck.famfs: %s\n", dev.err);
		return FSCK_ERROR;
	}
	o.problems = json_object_new_array();
	f.problem = on_problem;
	f.arg = &o;
	err = fam_fsck(&dev, &f);
	fam_dev_close(&dev);
	if (err) {
		fprintf(stderr, "fsck.famfs: %s: %s\n", argv[optind], strerror(-err));
		json_object_put(o.problems);
		return FSCK_ERROR;
	}
	code = f.errors ? FSCK_UNCORRECTED : FSCK_OK;
	if (o.json) {
		print_json(argv[optind], &f, &o, code);
	} else if (!o.quiet && f.sb_ok) {
		printf("%s: %s, %llu files, %llu directories, %llu records (seq %llu..%llu), "
		       "data %s used / %s pending / %s free\n",
		       argv[optind], f.errors ? "ERRORS FOUND" : "clean",
		       (unsigned long long)f.files, (unsigned long long)f.dirs,
		       (unsigned long long)f.records, (unsigned long long)f.hdr.head_seq,
		       (unsigned long long)f.hdr.committed_seq,
		       fam_size_str(f.used_bytes, s1, sizeof(s1)),
		       fam_size_str(f.pending_bytes, s2, sizeof(s2)),
		       fam_size_str(f.free_bytes, s3, sizeof(s3)));
	}
	json_object_put(o.problems);
	return code;
}
