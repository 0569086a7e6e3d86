// SPDX-License-Identifier: Apache-2.0
/*
 * mkfs.famfs: write a famfs superblock and an empty log.
 */
#include "fs.h"
#include "util.h"
#include "version.h"

#include <blkid/blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Path length of the capacity mkfs prints ("/project/run-0042/part-000123.dat" and a bit). */
#define MKFS_TYPICAL_PATH 40

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mkfs.famfs [options] DEVICE\n"
		"  DEVICE            /dev/pmemN (before any mount), /dev/daxN.M, or a regular\n"
		"                    file that simulates fabric memory (e.g. /dev/shm/famfs0)\n"
		"  -s, --size SIZE   create (or grow) DEVICE as a regular file of SIZE bytes\n"
		"  -l, --log-size SIZE    metadata log size (default 8M, min 256K)\n"
		"  -a, --alloc-unit SIZE  allocation unit, a power of two (default 2M)\n"
		"  -L, --label NAME  file system label (up to 32 bytes)\n"
		"  -f, --force       overwrite an existing famfs or another signature\n"
		"  -V, --version     print the famfs version and exit\n"
		"  -h, --help\n"
		"SIZE takes K, M, G, T suffixes (binary).\n");
}

/* Another file system's (or partition table's) signature on the device? */
static int foreign_signature(const char *path, char *what, size_t cap)
{
	blkid_probe pr = blkid_new_probe_from_filename(path);
	const char *type = NULL;
	int found = 0;

	if (!pr)
		return 0;
	blkid_probe_enable_partitions(pr, 1);
	if (blkid_do_safeprobe(pr) == 0) {
		if (!blkid_probe_lookup_value(pr, "TYPE", &type, NULL) ||
		    !blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL)) {
			snprintf(what, cap, "%s", type);
			found = 1;
		}
	}
	blkid_free_probe(pr);
	return found;
}

static int create_file(const char *path, uint64_t size)
{
	struct stat st;
	int fd;

	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		fprintf(stderr, "mkfs.famfs: --size only applies to regular files; %s is a device\n",
			path);
		return -EINVAL;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)size)) {
		fprintf(stderr, "mkfs.famfs: cannot create %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "log-size", required_argument, NULL, 'l' },
		{ "alloc-unit", required_argument, NULL, 'a' },
		{ "label", required_argument, NULL, 'L' },
		{ "force", no_argument, NULL, 'f' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct fam_mkfs_opts mo = { 0 };
	struct fam_dev dev;
	struct fam_sb sb;
	uint64_t size = 0;
	char uuid[37], what[64], s1[32], s2[32], s3[32];
	int c, force = 0, err;

	while ((c = getopt_long(argc, argv, "s:l:a:L:fVh", opts, NULL)) != -1) {
		uint64_t *dst = c == 's' ? &size : c == 'l' ? &mo.log_size : &mo.alloc_unit;

		switch (c) {
		case 's':
		case 'l':
		case 'a':
			if (fam_parse_size(optarg, dst) || !*dst) {
				fprintf(stderr, "mkfs.famfs: invalid size '%s'\n", optarg);
				return 16;
			}
			break;
		case 'L':
			if (strlen(optarg) > 32) {
				fprintf(stderr, "mkfs.famfs: label longer than 32 bytes\n");
				return 16;
			}
			mo.label = optarg;
			break;
		case 'f':
			force = 1;
			break;
		case 'V':
			printf("mkfs.famfs %s\n", FAMFS_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 16;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 16;
	}
	if (size && create_file(argv[optind], size))
		return 8;
	err = fam_dev_open(&dev, argv[optind], FAM_DEV_MKFS);
	if (err) {
		fprintf(stderr, "mkfs.famfs: %s\n", dev.err);
		return 8;
	}
	if (!force) {
		if (!fam_sb_decode(dev.base, sizeof(struct fam_sb_disk), &sb)) {
			fam_uuid_str(sb.uuid, uuid);
			fprintf(stderr, "mkfs.famfs: %s already holds famfs %s; use --force to overwrite it\n",
				argv[optind], uuid);
			err = -EEXIST;
			goto out;
		}
		if (dev.kind != FAM_DEV_DAX && foreign_signature(argv[optind], what, sizeof(what))) {
			fprintf(stderr, "mkfs.famfs: %s holds a %s signature; use --force to overwrite it\n",
				argv[optind], what);
			err = -EEXIST;
			goto out;
		}
	}
	err = fam_mkfs(&dev, &mo, &sb);
	if (err) {
		fprintf(stderr, "mkfs.famfs: %s: %s\n", argv[optind],
			err == -ENOSPC ? "device too small for the superblock, log and one allocation unit" :
			err == -EINVAL ? "invalid log size (>= 256K, multiple of 4K) or allocation unit (power of two, 4K..1G)" :
			strerror(-err));
		goto out;
	}
	fam_uuid_str(sb.uuid, uuid);
	printf("famfs %s on %s (%s): %s, log %s, allocation unit %s, data from %#llx\n", uuid,
	       argv[optind], fam_dev_kind_name(dev.kind), fam_size_str(sb.device_size, s1, sizeof(s1)),
	       fam_size_str(sb.log_size, s2, sizeof(s2)), fam_size_str(sb.alloc_unit, s3, sizeof(s3)),
	       (unsigned long long)sb.data_offset);
	printf("log capacity: about %llu files with %u-byte paths and one extent each (%llu per MiB of log); "
	       "longer paths, more extents, directories and grants take more (docs/format.md)\n",
	       (unsigned long long)fam_log_capacity(sb.log_size, MKFS_TYPICAL_PATH, 1),
	       MKFS_TYPICAL_PATH,
	       (unsigned long long)(fam_log_capacity(sb.log_size, MKFS_TYPICAL_PATH, 1) *
				    FAM_MiB / sb.log_size));
out:
	fam_dev_close(&dev);
	return err ? 8 : 0;
}
