// SPDX-License-Identifier: Apache-2.0
/*
 * The voter's durable promise (promise.h). Slot layout, little-endian:
 *   0 magic "FAMFSPRM"  8 version  12 host  16 seq  24 epoch  32 candidate
 *   36 dur_ms  40 until_ms  48 fs uuid[16]  64 boot_id[36]  100 zero
 *   124 CRC32C of bytes 0..123
 */
#include "promise.h"
#include "crc32c.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC		"FAMFSPRM"
#define VERSION		1
#define BOOT_LEN	36
#define CRC_OFF		(FAMFSD_PROMISE_SLOT - 4)

static void put32(uint8_t *p, uint32_t v) { v = htole32(v); memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { v = htole64(v); memcpy(p, &v, 8); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return le32toh(v); }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return le64toh(v); }

void famfsd_promise_encode(const struct famfsd_promise_store *s, const struct famfsd_promise *p,
			   uint64_t seq, uint8_t buf[FAMFSD_PROMISE_SLOT])
{
	memset(buf, 0, FAMFSD_PROMISE_SLOT);
	memcpy(buf, MAGIC, 8);
	put32(buf + 8, VERSION);
	put32(buf + 12, s->host);
	put64(buf + 16, seq);
	put64(buf + 24, p->epoch);
	put32(buf + 32, p->candidate);
	put32(buf + 36, p->dur_ms);
	put64(buf + 40, p->until_ms);
	memcpy(buf + 48, s->uuid, 16);
	memcpy(buf + 64, s->boot_id, strnlen(s->boot_id, BOOT_LEN));
	put32(buf + CRC_OFF, fam_crc32c(0, buf, CRC_OFF));
}

int famfsd_promise_decode(const struct famfsd_promise_store *s,
			  const uint8_t buf[FAMFSD_PROMISE_SLOT], struct famfsd_promise *p,
			  uint64_t *seq, char *boot_id)
{
	if (memcmp(buf, MAGIC, 8) || get32(buf + CRC_OFF) != fam_crc32c(0, buf, CRC_OFF))
		return -EBADMSG;
	if (get32(buf + 8) != VERSION)
		return -EPROTONOSUPPORT;
	if (get32(buf + 12) != s->host || memcmp(buf + 48, s->uuid, 16))
		return -ENOENT;		/* another host's or another file system's */
	*seq = get64(buf + 16);
	p->epoch = get64(buf + 24);
	p->candidate = get32(buf + 32);
	p->dur_ms = get32(buf + 36);
	p->until_ms = get64(buf + 40);
	memcpy(boot_id, buf + 64, BOOT_LEN);
	boot_id[BOOT_LEN] = 0;
	return 0;
}

static void read_boot_id(char *out, size_t cap)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	out[0] = 0;
	if (!f)
		return;
	if (!fgets(out, (int)cap, f))
		out[0] = 0;
	fclose(f);
	out[strcspn(out, "\n")] = 0;
	if (strlen(out) != BOOT_LEN)
		out[0] = 0;	/* not a boot id: never "the same boot" */
}

/* Make dir (one level) and make its new entry durable. */
static int ensure_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (!stat(dir, &st)) {
		if (S_ISDIR(st.st_mode))
			return 0;
		snprintf(err, errlen, "state_dir '%s' is not a directory", dir);
		return -ENOTDIR;
	}
	/* mkdir -p: parents 0755, the directory itself 0700. */
	{
		char p[PATH_MAX];
		size_t n = strlen(dir);

		if (n >= sizeof(p)) {
			snprintf(err, errlen, "state_dir '%s' is too long", dir);
			return -ENAMETOOLONG;
		}
		memcpy(p, dir, n + 1);
		for (char *c = p + 1; *c; c++) {
			if (*c != '/')
				continue;
			*c = 0;
			if (mkdir(p, 0755) && errno != EEXIST) {
				int e = errno;

				snprintf(err, errlen, "cannot create '%s' for state_dir '%s': %s", p,
					 dir, strerror(e));
				return -e;
			}
			*c = '/';
		}
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		int e = errno;

		snprintf(err, errlen, "cannot create state_dir '%s': %s", dir, strerror(e));
		return -e;
	}
	return 0;
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), e = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		e = -errno;
	close(fd);
	return e;
}

int famfsd_promise_open(struct famfsd_promise_store *s, const char *dir, uint32_t host,
			const uint8_t uuid[16], struct famfsd_promise *out, bool *same_boot,
			char *err, size_t errlen)
{
	uint8_t buf[2 * FAMFSD_PROMISE_SLOT];
	char boot[2][BOOT_LEN + 1];
	struct famfsd_promise p[2];
	uint64_t seq[2];
	int ok[2], e, best = -1;
	bool created = false;
	ssize_t n;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->host = host;
	memcpy(s->uuid, uuid, 16);
	read_boot_id(s->boot_id, sizeof(s->boot_id));
	if ((size_t)snprintf(s->path, sizeof(s->path), "%s/promise-host%u", dir, host) >=
	    sizeof(s->path)) {
		snprintf(err, errlen, "state_dir '%s' is too long", dir);
		return -ENAMETOOLONG;
	}
	e = ensure_dir(dir, err, errlen);
	if (e)
		return e;
	s->fd = open(s->path, O_RDWR | O_CLOEXEC);
	if (s->fd < 0 && errno == ENOENT) {
		s->fd = open(s->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		created = s->fd >= 0;
	}
	if (s->fd < 0) {
		e = -errno;
		snprintf(err, errlen, "cannot open %s: %s", s->path, strerror(-e));
		return e;
	}
	if (created && (e = sync_dir(dir))) {
		snprintf(err, errlen, "cannot sync state_dir '%s': %s", dir, strerror(-e));
		goto fail;
	}
	memset(buf, 0, sizeof(buf));
	n = pread(s->fd, buf, sizeof(buf), 0);
	if (n < 0) {
		e = -errno;
		snprintf(err, errlen, "cannot read %s: %s", s->path, strerror(-e));
		goto fail;
	}
	for (int i = 0; i < 2; i++) {
		ok[i] = famfsd_promise_decode(s, buf + i * FAMFSD_PROMISE_SLOT, &p[i], &seq[i],
					      boot[i]) == 0;
		if (ok[i] && (best < 0 || seq[i] > seq[best]))
			best = i;
	}
	if (best < 0)
		return 0;
	s->seq = seq[best];
	s->saved = p[best];
	s->have = true;
	*out = p[best];
	*same_boot = s->boot_id[0] && !strcmp(boot[best], s->boot_id);
	return 1;
fail:
	close(s->fd);
	s->fd = -1;
	return e;
}

int famfsd_promise_save(struct famfsd_promise_store *s, const struct famfsd_promise *p,
			char *err, size_t errlen)
{
	uint8_t buf[FAMFSD_PROMISE_SLOT];
	uint64_t seq = s->seq + 1;
	ssize_t n;
	int e;

	if (s->fd < 0) {
		snprintf(err, errlen, "the promise file is not open");
		return -EBADF;
	}
	famfsd_promise_encode(s, p, seq, buf);
	n = pwrite(s->fd, buf, sizeof(buf), (off_t)(seq & 1) * FAMFSD_PROMISE_SLOT);
	if (n != (ssize_t)sizeof(buf)) {
		e = n < 0 ? -errno : -EIO;
		snprintf(err, errlen, "cannot write %s: %s", s->path, strerror(-e));
		return e;
	}
	if (fdatasync(s->fd)) {
		e = -errno;
		snprintf(err, errlen, "cannot sync %s: %s", s->path, strerror(-e));
		return e;
	}
	s->seq = seq;
	s->saved = *p;
	s->have = true;
	return 0;
}

void famfsd_promise_close(struct famfsd_promise_store *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

void famfsd_promise_restore(const struct famfsd_promise *rec, bool found, bool same_boot,
			    uint64_t start_ms, uint32_t dur_ms, struct famfsd_promise *out)
{
	if (!found) {
		out->epoch = 0;
		out->candidate = FAMFSD_PROMISE_UNKNOWN;
		out->dur_ms = dur_ms;
		out->until_ms = start_ms + dur_ms;
		return;
	}
	*out = *rec;
	/* Given before this start, so it ends by start + its duration at the latest. */
	out->until_ms = start_ms + rec->dur_ms;
	if (same_boot && rec->until_ms < out->until_ms)
		out->until_ms = rec->until_ms;
}
