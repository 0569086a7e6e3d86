// SPDX-License-Identifier: Apache-2.0
/*
 * Reading a whole text file (job script, configuration, job records).
 * Slurm stores job scripts with a NUL at the end, so a NUL is not refused
 * here; the text simply ends there for C string functions.
 */
#include "famfs_slurm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fs_read_text(const char *file, size_t max, char **out, size_t *lenp)
{
	size_t len = 0, cap = 4096;
	char *text = malloc(cap + 1), *t;
	ssize_t n;
	int fd, r = 0;

	if (!text)
		return -ENOMEM;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(text);
		return -errno;
	}
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				r = -EFBIG;
				break;
			}
			/* Room for one byte more than max: a file that long is refused. */
			cap = cap * 2 > max ? max + 1 : cap * 2;
			t = realloc(text, cap + 1);
			if (!t) {
				r = -ENOMEM;
				break;
			}
			text = t;
		}
		n = read(fd, text + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	if (!r && len > max)
		r = -EFBIG;
	if (r) {
		free(text);
		return r;
	}
	text[len] = 0;
	*out = text;
	if (lenp)
		*lenp = len;
	return 0;
}
