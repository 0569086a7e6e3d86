// SPDX-License-Identifier: Apache-2.0
/*
 * Test helper: map a famfs file through libfamfs-client (famfs.Open asks the
 * local famfsd first) and hold the mapping, as an application would.
 *
 *   famfs_maphold SOCKET PATH rw|ro SECONDS
 *
 * Prints "mapped" (then holds the mapping SECONDS, writing a byte in it every
 * 100 ms when rw) or "refused: MESSAGE"; exit 0 mapped, 1 refused, 2 usage.
 */
#include <famfs/client.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct famfs_client *c;
	struct famfs_map m;
	bool rw;
	double secs;
	int err;

	if (argc != 5 || (strcmp(argv[3], "rw") && strcmp(argv[3], "ro"))) {
		fprintf(stderr, "usage: famfs_maphold SOCKET PATH rw|ro SECONDS\n");
		return 2;
	}
	rw = !strcmp(argv[3], "rw");
	secs = atof(argv[4]);
	err = famfs_connect(argv[1], &c);
	if (err) {
		printf("refused: cannot connect to %s\n", argv[1]);
		return 1;
	}
	err = famfs_mmap(c, argv[2], rw ? PROT_READ | PROT_WRITE : PROT_READ, &m);
	if (err) {
		printf("refused: %s\n", famfs_errmsg(c));
		famfs_disconnect(c);
		return 1;
	}
	printf("mapped\n");
	fflush(stdout);
	for (double t = 0; t < secs; t += 0.1) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		if (rw && m.length)
			((volatile char *)m.addr)[0] = ((volatile char *)m.addr)[0];
		nanosleep(&ts, NULL);
	}
	famfs_munmap(&m);
	famfs_disconnect(c);
	return 0;
}
