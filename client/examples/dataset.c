// SPDX-License-Identifier: Apache-2.0
/*
 * famfs-dataset-example: the pattern of a program (or a job scheduler)
 * that uses a famfs data set through libfamfs-client:
 *
 *   1. connect to the local famfsd   famfs_connect
 *   2. make sure this host may use   famfs_owners, famfs_acquire
 *      the data set (a directory)    (skipped if a scheduler granted it)
 *   3. create, map, write, flush     famfs_create, famfs_mmap, famfs_flush
 *      or map, invalidate, read      famfs_mmap, famfs_invalidate
 *   4. unmap, release what step 2    famfs_munmap, famfs_release
 *      acquired, disconnect          famfs_disconnect
 *
 * The bytes are the fabric memory itself: a reader on another host maps
 * the same memory, nothing is copied.
 *
 *   famfs-dataset-example [--socket S] write /jobs/run1/data 64M
 *   famfs-dataset-example [--socket S] read /jobs/run1/data
 *
 * The data set is the file's directory (/jobs/run1). The socket defaults
 * to $FAMFS_SOCKET, then /run/famfsd/famfsd.sock. Exit 0 done, 1 failed
 * (the message names what and why), 2 usage.
 *
 * Build outside this tree (libfamfs-client and the libraries it uses):
 *   cc dataset.c -lfamfs-client -lfamfs-rpc -lfamfs -lprotobuf-c -levent \
 *      -levent_openssl -lssl -lcrypto -ljson-c
 */
#include <famfs/client.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static const char *prog = "famfs-dataset-example";

/* The byte at offset i: a pattern a reader can check without a copy. */
static uint8_t pattern(uint64_t i)
{
	return (uint8_t)((i * 2654435761u) >> 13);
}

static int fail(struct famfs_client *c, const char *what, const char *path, int err)
{
	fprintf(stderr, "%s: %s %s: %s\n", prog, what, path,
		c ? famfs_errmsg(c) : strerror(-err));
	return err;
}

/*
 * Step 2. A grant this host already holds (e.g. made by the Slurm hooks
 * before the job started) is used as it is and left alone; otherwise take
 * one now and remember to give it back. -EBUSY: another host owns it.
 */
static int use_dataset(struct famfs_client *c, const char *dataset, uint32_t mode,
		       bool *acquired)
{
	struct famfs_owners o;
	int r;

	*acquired = false;
	r = famfs_owners(c, dataset, &o);
	if (r == -ENOENT && mode == FAMFS_OWN_RW) {
		/* A new data set: a directory (mkdir -p). */
		r = famfs_mkdir(c, dataset, 0755, true);
		if (r)
			return fail(c, "mkdir", dataset, r);
		r = famfs_owners(c, dataset, &o);
	}
	if (r)
		return fail(c, "owners of", dataset, r);
	if (o.owned && o.access >= mode) {
		printf("%s: host %u already holds %s\n", dataset, o.host,
		       o.access == FAMFS_OWN_RW ? "read-write" : "read-only");
		famfs_owners_free(&o);
		return 0;
	}
	famfs_owners_free(&o);
	r = famfs_acquire(c, dataset, mode, FAMFS_HOST_SELF, &o);
	if (r)
		return fail(c, "acquire", dataset, r);
	printf("%s: acquired %s (host %u)\n", dataset, mode == FAMFS_OWN_RW ? "read-write" :
	       "read-only", o.host);
	famfs_owners_free(&o);
	*acquired = true;
	return 0;
}

/* Step 3, writer: a new file of size bytes, filled through the mapping. */
static int write_file(struct famfs_client *c, const char *path, uint64_t size)
{
	struct famfs_map m;
	uint8_t *p;
	uint64_t i;
	int r;

	r = famfs_create(c, path, 0644, size, NULL);
	if (r)
		return fail(c, "create", path, r);
	r = famfs_mmap(c, path, PROT_READ | PROT_WRITE, &m);
	if (r)
		return fail(c, "map", path, r);
	p = m.addr;
	for (i = 0; i < m.length; i++)
		p[i] = pattern(i);
	/* Write the CPU caches back: another host reads the memory, not our caches. */
	famfs_flush(m.addr, m.length);
	famfs_munmap(&m);
	printf("%s: wrote %" PRIu64 " bytes in place\n", path, size);
	return 0;
}

/* Step 3, reader: map the file and check every byte where it lies. */
static int read_file(struct famfs_client *c, const char *path)
{
	struct famfs_map m;
	const uint8_t *p;
	uint64_t i;
	int r;

	r = famfs_mmap(c, path, PROT_READ, &m);
	if (r)
		return fail(c, "map", path, r);
	/* Drop stale cache lines: another host wrote this memory. */
	famfs_invalidate(m.addr, m.length);
	p = m.addr;
	for (i = 0; i < m.length && p[i] == pattern(i); i++)
		;
	if (i < m.length) {
		fprintf(stderr, "%s: %s: byte %" PRIu64 " is 0x%02x, expected 0x%02x\n", prog,
			path, i, p[i], pattern(i));
		famfs_munmap(&m);
		return -EIO;
	}
	printf("%s: read %zu bytes in place, all as written\n", path, m.length);
	famfs_munmap(&m);
	return 0;
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -EINVAL;
	if (*end == 'K')
		shift = 10;
	else if (*end == 'M')
		shift = 20;
	else if (*end == 'G')
		shift = 30;
	if (shift)
		end++;
	if (*end || !v || v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

int main(int argc, char **argv)
{
	struct famfs_client *c = NULL;
	const char *socket = NULL, *verb, *path;
	char dataset[4096], *slash;
	bool writing, acquired = false;
	uint64_t size = 0;
	int r;

	if (argc > 2 && !strcmp(argv[1], "--socket")) {
		socket = argv[2];
		argc -= 2;
		argv += 2;
	}
	verb = argc > 1 ? argv[1] : "";
	writing = !strcmp(verb, "write");
	if (!((writing && argc == 4) || (!strcmp(verb, "read") && argc == 3)) ||
	    argv[2][0] != '/' || strlen(argv[2]) >= sizeof(dataset)) {
		fprintf(stderr, "usage: %s [--socket S] write /DATASET/FILE SIZE[K|M|G]\n"
			"       %s [--socket S] read /DATASET/FILE\n", prog, prog);
		return 2;
	}
	path = argv[2];
	if (writing && parse_size(argv[3], &size)) {
		fprintf(stderr, "%s: '%s' is not a size (bytes, or a number with K, M or G)\n",
			prog, argv[3]);
		return 2;
	}
	strcpy(dataset, path);
	slash = strrchr(dataset, '/');
	if (slash == dataset) {
		fprintf(stderr, "%s: %s: put the file in a data set directory, not in /\n", prog,
			path);
		return 2;
	}
	*slash = 0;

	/* Step 1. */
	r = famfs_connect(socket, &c);
	if (r) {
		fprintf(stderr, "%s: cannot reach famfsd at %s: %s\n", prog,
			socket ? socket : getenv("FAMFS_SOCKET") ? getenv("FAMFS_SOCKET") :
			FAMFS_CLIENT_SOCKET_DEFAULT, strerror(-r));
		return 1;
	}
	/* Step 2. */
	r = use_dataset(c, dataset, writing ? FAMFS_OWN_RW : FAMFS_OWN_RO, &acquired);
	if (r)
		goto out;
	/* Step 3. */
	r = writing ? write_file(c, path, size) : read_file(c, path);
	/* Step 4: give back only what step 2 took. */
	if (acquired) {
		int rr = famfs_release(c, dataset, FAMFS_HOST_SELF, NULL);

		if (rr && !r)
			r = fail(c, "release", dataset, rr);
		else if (!rr)
			printf("%s: released\n", dataset);
	}
out:
	famfs_disconnect(c);
	return r ? 1 : 0;
}
