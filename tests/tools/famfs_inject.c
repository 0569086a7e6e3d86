// SPDX-License-Identifier: Apache-2.0
/*
 * Test helper: commit a record that famfs itself would refuse, so that the
 * tests can check that fsck finds it. Bypasses the namespace checks by
 * appending straight to the log.
 *
 *   famfs_inject DEVICE overlap PATH      CREATE PATH sharing the first file's extent
 *   famfs_inject DEVICE outside PATH      CREATE PATH with an extent past the device end
 *   famfs_inject DEVICE misaligned PATH   CREATE PATH with an extent off the allocation unit
 *   famfs_inject DEVICE dangling PATH     CREATE PATH whose parent does not exist
 */
#include "fs.h"

#include <stdio.h>
#include <string.h>

struct first { const struct fam_node *n; };

static int first_file(void *arg, const struct fam_node *n)
{
	struct first *f = arg;

	if (!S_ISDIR(n->mode) && n->n_ext) {
		f->n = n;
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct fam_dev dev;
	struct fam_fs fs;
	struct fam_log_txn t;
	struct fam_extent e;
	struct fam_rec r = { .type = FAM_REC_CREATE };
	struct first f = { 0 };
	int err;

	if (argc != 4) {
		fprintf(stderr, "usage: famfs_inject DEVICE overlap|outside|misaligned|dangling PATH\n");
		return 2;
	}
	if (fam_dev_open(&dev, argv[1], FAM_DEV_WRITER) ||
	    fam_fs_open(&fs, &dev, FAM_FS_WRITER)) {
		fprintf(stderr, "famfs_inject: cannot open %s: %s%s\n", argv[1], dev.err, fs.err);
		return 1;
	}
	fam_ns_walk(&fs.ns, first_file, &f);
	if (!strcmp(argv[2], "overlap")) {
		if (!f.n) {
			fprintf(stderr, "famfs_inject: no file to overlap\n");
			return 1;
		}
		e = f.n->ext[0];
	} else if (!strcmp(argv[2], "outside")) {
		e.offset = fs.sb.device_size;
		e.len = fs.sb.alloc_unit;
	} else if (!strcmp(argv[2], "misaligned")) {
		e.offset = fs.sb.data_offset + 4096 * 3;
		e.len = fs.sb.alloc_unit;
	} else {
		e.offset = fs.sb.data_offset;
		e.len = fs.sb.alloc_unit;
	}
	r.u.node.ino = fs.ns.next_ino;
	r.u.node.mode = 0644;
	r.u.node.size = e.len;
	r.u.node.n_ext = 1;
	r.u.node.ext = &e;
	r.u.node.path = argv[3];
	r.u.node.path_len = (uint32_t)strlen(argv[3]);
	fam_log_txn_begin(&fs.log, &t, fs.epoch);
	err = fam_log_txn_add(&fs.log, &t, &r);
	if (!err)
		err = fam_log_txn_commit(&fs.log, &t, false);
	fam_fs_close(&fs);
	fam_dev_close(&dev);
	if (err) {
		fprintf(stderr, "famfs_inject: append failed: %d\n", err);
		return 1;
	}
	return 0;
}
