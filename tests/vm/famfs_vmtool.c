// SPDX-License-Identifier: GPL-2.0
/*
 * famfs_vmtool - tiny static helper for the VM test bed.
 *
 * Drives the famfs kernel module's ioctls directly for the kernel-level
 * scenarios (invalid maps, revocation, lease, poison) and checks bytes and
 * fault behaviour through mmap; the file-system work itself (mkfs, create,
 * replay) is done by the project's tools.  Every command prints one line;
 * failures print "errno=NAME" (the test scripts compare that) and exit 1.
 *
 *   map FILE TYPE SIZE OFF:LEN[,OFF:LEN...] [v1|v2] [ACCESS]
 *   mapi FILE SIZE CHUNK OFF:LEN[,...]       interleaved map (MAP_CREATE2)
 *   getmap FILE [badreserved]                MAP_GET / GETEXT / GET2
 *   fill FILE SEED | fillmm FILE SEED        pattern via write(2) / mmap
 *   verify FILE SEED                         pattern via read(2) and mmap
 *   mmtouch FILE [OFF LEN]                   read every page (of OFF..+LEN) through mmap, timed
 *   setaccess FILE none|ro|rw | getaccess FILE
 *   lease PATH MS | leaseq PATH
 *   revoke FILE                              revocation scenario
 *   leasetest DIR FILE MS                    lease expiry scenario
 *   bench FILE|DEVDAX SIZE REPS [prefill]    4 KiB-stride mmap reads, medians
 *   bwlat FILE|DEVDAX SIZE REPS              mmap read/write bandwidth, random
 *                                            load latency, faults per GiB
 *   poison FILE                              MADV_HWPOISON scenario
 *   hold FILE rw|ro MS                       map FILE, touch a page every MS ms
 *                                            until SIGBUS (at most 180 s)
 *   nop PATH
 *   mount SOURCE TARGET [OPTIONS]            mount(2) of type famfs
 *   fuzz DIR N SEED DEVSIZE LOGOFF LOGLEN    random and adversarial maps; every
 *                                            accepted one must lie in the data area
 *   getmapv1 FILE                            MAP_GET into a guarded buffer
 *   mapk42 FILE SIZE OFF:LEN[,OFF:LEN]       MAP_CREATE with the KABI 42 layout,
 *                                            declared here from its documented facts
 *   abi                                      UAPI sizes and ioctl numbers
 *   readerr FILE                             read(2) of one byte: "ok N" or errno
 *   dirty FILE [OFF LEN]                     store to every page (of OFF..+LEN) through mmap, no msync
 *   verifyrd FILE SEED BASE                  pattern from offset BASE, read(2) only
 *   pintest FILE [unmap]                     SET_ACCESS waits for vmspliced pages
 *                                            (unmap: also once FILE is unmapped)
 *   zaptest FILE                             a lowering zaps shared and private mappings of
 *                                            units unmarked before, finds a pin on page 5
 *   pinhold FILE MS [unmap]                  pin FILE's first page (vmsplice) for MS ms
 *   iorace FILE read|write [long]            SET_ACCESS vs read(2)/write(2) in progress;
 *                                            long: an 8 MiB one must stop after 2 MiB
 *   leasebound DIR FILE MS ROUNDS            deadline -> SIGBUS / EACCES, in us
 *   mbr DEV START1 LEN1 START2 LEN2          two-partition MBR, re-read by the kernel
 *   mapv2 FILE SIZE OFF:LEN[,...] [CHUNK|- [DEVINDEX]]  MAP_CREATE_V2 / GET_V2 (KABI 43),
 *                                            declared here from its documented facts
 *   mapv2m FILE SIZE NBYTES CHUNK OFF:LEN[,...] [NBYTES CHUNK OFF:LEN[,...]]...
 *                                            KABI 43, up to 4 interleaved extents
 *   fuzz43 DIR N SEED DEVSIZE LOGOFF LOGLEN  random/adversarial KABI 43 interleaved maps
 *
 * TYPE is reg, sb, log or a number; sizes take K, M, G suffixes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/userfaultfd.h>

#include <famfs_ioctl.h>

#define MAX_EXT 4096

static int fail_errno(const char *what, int err)
{
	const char *name = strerrorname_np(err);

	printf("errno=%s (%s: %s)\n", name ? name : "?", what, strerror(err));
	return 1;
}

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'G': case 'g':
		v <<= 10;
		/* fall through */
	case 'M': case 'm':
		v <<= 10;
		/* fall through */
	case 'K': case 'k':
		v <<= 10;
	}
	return v;
}

static int parse_exts(const char *s, struct famfs_extent *ext)
{
	char *copy = strdup(s), *tok, *save = NULL;
	int n = 0;

	for (tok = strtok_r(copy, ",", &save); tok && n < MAX_EXT;
	     tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');

		if (!colon)
			break;
		*colon = 0;
		ext[n].offset = parse_size(tok);
		ext[n].len = parse_size(colon + 1);
		n++;
	}
	free(copy);
	return n;
}

static int parse_type(const char *s)
{
	if (!strcmp(s, "reg"))
		return FAMFS_REG;
	if (!strcmp(s, "sb"))
		return FAMFS_SUPERBLOCK;
	if (!strcmp(s, "log"))
		return FAMFS_LOG;
	return atoi(s);
}

static int parse_access(const char *s)
{
	if (!strcmp(s, "none"))
		return FAMFS_ACCESS_NONE;
	if (!strcmp(s, "ro"))
		return FAMFS_ACCESS_RO;
	if (!strcmp(s, "rw"))
		return FAMFS_ACCESS_RW;
	return atoi(s);
}

static const char *access_name(unsigned int a)
{
	static const char *const names[] = { "default", "none", "ro", "rw" };

	return a < 4 ? names[a] : "?";
}

/* The pattern: 8-byte words derived from the seed and the word index. */
static uint64_t pattern_word(uint64_t seed, uint64_t idx)
{
	uint64_t x = seed * 0x9E3779B97F4A7C15ULL + idx;

	x ^= x >> 31;
	x *= 0xBF58476D1CE4E5B9ULL;
	x ^= x >> 27;
	return x;
}

static void pattern_fill(unsigned char *buf, size_t len, uint64_t seed,
			 uint64_t off)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t w = pattern_word(seed, (off + i) / 8);

		buf[i] = (unsigned char)(w >> (8 * ((off + i) % 8)));
	}
}

/* ---- touching memory, catching SIGBUS ---------------------------------- */

static sigjmp_buf touch_env;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(touch_env, 1);
}

/* 0: the access worked; 1: it raised SIGBUS. */
static int touch(volatile unsigned char *p, int write)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	int bus = 0;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(touch_env, 1) == 0) {
		if (write)
			*p = *p;
		else
			(void)*p;
	} else {
		bus = 1;
	}
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

/* ---- commands ------------------------------------------------------------ */

static int cmd_map(int argc, char **argv)
{
	static struct famfs_extent ext[MAX_EXT];
	int type, n, fd, v2;

	if (argc < 5)
		return fail_errno("usage", EINVAL);
	type = parse_type(argv[2]);
	n = parse_exts(argv[4], ext);
	v2 = n > FAMFS_MAX_EXTENTS || (argc > 5 && !strcmp(argv[5], "v2")) ||
	     argc > 6;
	fd = open(argv[1], O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		return fail_errno("open", errno);

	if (!v2) {
		struct famfs_ioc_map m = {
			.extent_type = SIMPLE_DAX_EXTENT,
			.file_type = type,
			.file_size = parse_size(argv[3]),
			.ext_list_count = n,
		};

		memcpy(m.ext_list, ext, n * sizeof(ext[0]));
		if (ioctl(fd, FAMFSIOC_MAP_CREATE, &m))
			return fail_errno("MAP_CREATE", errno);
	} else {
		struct famfs_ioc_map2 m = {
			.file_type = type,
			.file_size = parse_size(argv[3]),
			.ext_count = n,
			.ext_list = (uintptr_t)ext,
			.access = argc > 6 ? parse_access(argv[6]) : 0,
		};

		if (ioctl(fd, FAMFSIOC_MAP_CREATE2, &m))
			return fail_errno("MAP_CREATE2", errno);
	}
	close(fd);
	printf("ok\n");
	return 0;
}

static int cmd_mapi(int argc, char **argv)
{
	static struct famfs_extent strips[FAMFS_MAX_STRIPS];
	struct famfs_ioc_map2 m = { .flags = FAMFS_MAP2_INTERLEAVED };
	int fd;

	if (argc < 5)
		return fail_errno("usage", EINVAL);
	m.file_type = FAMFS_REG;
	m.file_size = parse_size(argv[2]);
	m.chunk_size = parse_size(argv[3]);
	m.nstrips = parse_exts(argv[4], strips);
	m.strip_list = (uintptr_t)strips;
	fd = open(argv[1], O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		return fail_errno("open", errno);
	if (ioctl(fd, FAMFSIOC_MAP_CREATE2, &m))
		return fail_errno("MAP_CREATE2", errno);
	close(fd);
	printf("ok\n");
	return 0;
}

static int cmd_getmap(int argc, char **argv)
{
	static struct famfs_extent ext[MAX_EXT];
	struct famfs_ioc_map2 m2 = { .ext_count = MAX_EXT, .nstrips = MAX_EXT };
	struct famfs_ioc_map m;
	unsigned int i, n;
	int fd;

	if (argc < 2)
		return fail_errno("usage", EINVAL);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		return fail_errno("open", errno);
	m2.ext_list = m2.strip_list = (uintptr_t)ext;
	if (argc > 2 && !strcmp(argv[2], "badreserved"))
		m2.reserved[3] = 1;
	if (ioctl(fd, FAMFSIOC_MAP_GET2, &m2))
		return fail_errno("MAP_GET2", errno);
	n = m2.nstrips ? m2.nstrips : m2.ext_count;
	printf("type=%u size=%llu access=%s %s=%u", m2.file_type,
	       (unsigned long long)m2.file_size, access_name(m2.access),
	       m2.nstrips ? "strips" : "extents", n);
	if (m2.nstrips)
		printf(" chunk=%llu", (unsigned long long)m2.chunk_size);
	for (i = 0; i < n; i++)
		printf(" %#llx:%#llx", (unsigned long long)ext[i].offset,
		       (unsigned long long)ext[i].len);
	/* The v1 view must agree for simple maps it can hold. */
	if (!m2.nstrips && n <= FAMFS_MAX_EXTENTS) {
		if (ioctl(fd, FAMFSIOC_MAP_GET, &m))
			return fail_errno("MAP_GET", errno);
		if (m.file_size != m2.file_size || m.ext_list_count != n ||
		    (int)m.file_type != (int)m2.file_type)
			return fail_errno("MAP_GET mismatch", EPROTO);
	}
	printf("\n");
	close(fd);
	return 0;
}

static int map_file(const char *path, int flags, int prot, unsigned char **p,
		    size_t *len, int *fdp)
{
	struct stat st;
	int fd = open(path, flags);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	*len = st.st_size;
	*p = mmap(NULL, *len, prot, MAP_SHARED, fd, 0);
	if (*p == MAP_FAILED) {
		int err = errno;

		close(fd);
		return -err;
	}
	*fdp = fd;
	return 0;
}

/*
 * The byte range [*off, *end) of a file of len bytes named by the optional
 * OFF and LEN arguments argv[2], argv[3] (default: all of it), clipped.
 */
static void arg_range(int argc, char **argv, size_t len, size_t *off, size_t *end)
{
	*off = argc > 2 ? strtoull(argv[2], NULL, 0) : 0;
	*end = argc > 3 ? *off + strtoull(argv[3], NULL, 0) : len;
	if (*off > len)
		*off = len;
	if (*end > len)
		*end = len;
}

static int cmd_fill(int argc, char **argv, int use_mmap)
{
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	static unsigned char buf[1 << 20];
	unsigned char *p;
	size_t len, off;
	int fd, rc;

	if (argc < 3)
		return fail_errno("usage", EINVAL);
	if (use_mmap) {
		rc = map_file(argv[1], O_RDWR, PROT_READ | PROT_WRITE, &p,
			      &len, &fd);
		if (rc)
			return fail_errno("mmap", -rc);
		pattern_fill(p, len, seed, 0);
		if (msync(p, len, MS_SYNC))
			return fail_errno("msync", errno);
		munmap(p, len);
		close(fd);
		printf("ok %zu\n", len);
		return 0;
	}
	fd = open(argv[1], O_RDWR);
	if (fd < 0)
		return fail_errno("open", errno);
	len = lseek(fd, 0, SEEK_END);
	for (off = 0; off < len; off += sizeof(buf)) {
		size_t n = len - off < sizeof(buf) ? len - off : sizeof(buf);

		pattern_fill(buf, n, seed, off);
		if (pwrite(fd, buf, n, off) != (ssize_t)n)
			return fail_errno("pwrite", errno ? errno : EIO);
	}
	fsync(fd);
	close(fd);
	printf("ok %zu\n", len);
	return 0;
}

/*
 * Compare @len bytes of @fd (and of its mapping @p, unless NULL) with the
 * pattern of @seed at file offset @base + offset.  0 or 1 (printed).
 */
static int verify_range(int fd, const unsigned char *p, size_t len, uint64_t seed,
			uint64_t base)
{
	static unsigned char want[1 << 20], got[1 << 20];
	size_t off;

	for (off = 0; off < len; off += sizeof(want)) {
		size_t n = len - off < sizeof(want) ? len - off : sizeof(want);

		pattern_fill(want, n, seed, base + off);
		if (pread(fd, got, n, off) != (ssize_t)n)
			return fail_errno("pread", errno ? errno : EIO);
		if (memcmp(want, got, n)) {
			printf("mismatch via read(2) near %zu\n", off);
			return 1;
		}
		if (p && memcmp(want, p + off, n)) {
			printf("mismatch via mmap near %zu\n", off);
			return 1;
		}
	}
	return 0;
}

static int cmd_verify(int argc, char **argv)
{
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	unsigned char *p;
	size_t len;
	int fd, rc;

	if (argc < 3)
		return fail_errno("usage", EINVAL);
	rc = map_file(argv[1], O_RDONLY, PROT_READ, &p, &len, &fd);
	if (rc)
		return fail_errno("mmap", -rc);
	if (verify_range(fd, p, len, seed, 0))
		return 1;
	munmap(p, len);
	close(fd);
	printf("ok %zu\n", len);
	return 0;
}

/*
 * verifyrd FILE SEED BASE: FILE holds the pattern of SEED from offset
 * BASE on; read(2) only (no mapping, so no claim on its memory).
 */
static int cmd_verifyrd(int argc, char **argv)
{
	struct stat st;
	int fd;

	if (argc < 4)
		return fail_errno("usage", EINVAL);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return fail_errno("open", errno);
	if (verify_range(fd, NULL, st.st_size, strtoull(argv[2], NULL, 0),
			 parse_size(argv[3])))
		return 1;
	close(fd);
	printf("ok %lld\n", (long long)st.st_size);
	return 0;
}

static int cmd_mmtouch(int argc, char **argv)
{
	struct timespec t0, t1;
	unsigned long sum = 0;
	unsigned char *p;
	size_t len, off, end;
	int fd, rc;

	if (argc < 2)
		return fail_errno("usage", EINVAL);
	rc = map_file(argv[1], O_RDONLY, PROT_READ, &p, &len, &fd);
	if (rc)
		return fail_errno("mmap", -rc);
	arg_range(argc, argv, len, &off, &end);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (; off < end; off += 4096)
		sum += p[off];
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("ok addr=%p aligned2m=%d sum=%lu us=%lld\n", (void *)p,
	       ((uintptr_t)p & ((2UL << 20) - 1)) == 0, sum,
	       (long long)(t1.tv_sec - t0.tv_sec) * 1000000 +
	       (t1.tv_nsec - t0.tv_nsec) / 1000);
	munmap(p, len);
	close(fd);
	return 0;
}

static int set_access(int fd, int access)
{
	struct famfs_ioc_access a = { .access = access };

	return ioctl(fd, FAMFSIOC_SET_ACCESS, &a) ? -errno : 0;
}

static int get_access(int fd)
{
	struct famfs_ioc_access a = { 0 };

	return ioctl(fd, FAMFSIOC_GET_ACCESS, &a) ? -errno : (int)a.access;
}

static int cmd_setaccess(int argc, char **argv)
{
	int fd, rc;

	if (argc < 3)
		return fail_errno("usage", EINVAL);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		return fail_errno("open", errno);
	rc = set_access(fd, parse_access(argv[2]));
	if (rc)
		return fail_errno("SET_ACCESS", -rc);
	printf("ok\n");
	return 0;
}

static int cmd_getaccess(int argc, char **argv)
{
	int fd, rc;

	if (argc < 2)
		return fail_errno("usage", EINVAL);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		return fail_errno("open", errno);
	rc = get_access(fd);
	if (rc < 0)
		return fail_errno("GET_ACCESS", -rc);
	printf("%s\n", access_name(rc));
	return 0;
}

static int lease(const char *path, unsigned int ms, unsigned int flags,
		 struct famfs_ioc_lease *out)
{
	struct famfs_ioc_lease l = { .duration_ms = ms, .flags = flags };
	int fd = open(path, O_RDONLY);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, FAMFSIOC_LEASE, &l))
		rc = -errno;
	close(fd);
	if (out)
		*out = l;
	return rc;
}

static int cmd_lease(int argc, char **argv, int query)
{
	struct famfs_ioc_lease l;
	int rc;

	if (argc < (query ? 2 : 3))
		return fail_errno("usage", EINVAL);
	rc = lease(argv[1], query ? 0 : atoi(argv[2]),
		   query ? FAMFS_LEASE_QUERY : 0, &l);
	if (rc)
		return fail_errno("LEASE", -rc);
	printf("state=%s%s duration_ms=%u remaining_ms=%llu expirations=%u\n",
	       l.state & FAMFS_LEASE_ACTIVE ? "active" : "inactive",
	       l.state & FAMFS_LEASE_EXPIRED ? ",expired" : "",
	       l.duration_ms, (unsigned long long)l.remaining_ms,
	       l.expirations);
	return 0;
}

#define STEP(cond, ...) do {						\
	if (!(cond)) {							\
		printf("FAILED: " __VA_ARGS__);				\
		printf("\n");						\
		return 1;						\
	}								\
} while (0)

/* Lowering access revokes live mappings; I/O follows the mode. */
static int cmd_revoke(int argc, char **argv)
{
	unsigned char *p, b = 0;
	size_t len;
	int fd, rc;

	if (argc < 2)
		return fail_errno("usage", EINVAL);
	rc = map_file(argv[1], O_RDWR, PROT_READ | PROT_WRITE, &p, &len, &fd);
	if (rc)
		return fail_errno("mmap", -rc);
	STEP(!touch(p, 1), "rw touch before revocation");
	STEP(set_access(fd, FAMFS_ACCESS_NONE) == 0, "set none");
	STEP(get_access(fd) == FAMFS_ACCESS_NONE, "get none");
	STEP(touch(p, 0), "read touch after revoke should SIGBUS");
	STEP(pread(fd, &b, 1, 0) < 0 && errno == EACCES, "read(2) EACCES");
	STEP(pwrite(fd, &b, 1, 0) < 0 && errno == EACCES, "write(2) EACCES");
	STEP(mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED &&
	     errno == EACCES, "new mmap EACCES");

	STEP(set_access(fd, FAMFS_ACCESS_RO) == 0, "set ro");
	STEP(!touch(p, 0), "read touch under ro");
	STEP(touch(p, 1), "write touch under ro should SIGBUS");
	STEP(pread(fd, &b, 1, 0) == 1, "read(2) under ro");
	STEP(pwrite(fd, &b, 1, 0) < 0 && errno == EPERM, "write(2) EPERM");
	STEP(mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) ==
	     MAP_FAILED && errno == EACCES, "writable mmap EACCES under ro");

	STEP(set_access(fd, FAMFS_ACCESS_RW) == 0, "set rw");
	STEP(!touch(p, 1), "rw touch after restore");
	STEP(pwrite(fd, &b, 1, 0) == 1, "write(2) after restore");
	munmap(p, len);
	close(fd);
	printf("ok\n");
	return 0;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* The mount's counters (FAMFSIOC_GET_STATS on any file or directory of it). */
static int cmd_stats(int argc, char **argv)
{
	struct famfs_ioc_stats st;
	int fd, rc = 0;

	if (argc < 2)
		return fail_errno("usage", EINVAL);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		return fail_errno("open", errno);
	memset(&st, 0xff, sizeof(st));
	if (ioctl(fd, FAMFSIOC_GET_STATS, &st))
		rc = fail_errno("GET_STATS", errno);
	else
		printf("pte=%llu pmd=%llu pud=%llu refused=%llu revocations=%llu lease_expirations=%llu"
		       " pinscan=%llu wb=%llu inval=%llu features=%#llx\n",
		       (unsigned long long)st.pte_faults, (unsigned long long)st.pmd_faults,
		       (unsigned long long)st.pud_faults, (unsigned long long)st.refused_faults,
		       (unsigned long long)st.revocations,
		       (unsigned long long)st.lease_expirations,
		       (unsigned long long)st.pin_scan_pages,
		       (unsigned long long)st.writeback_bytes,
		       (unsigned long long)st.invalidated_bytes,
		       (unsigned long long)st.features);
	close(fd);
	return rc;
}

/* An unrenewed lease drops access to every file by itself. */
static int cmd_leasetest(int argc, char **argv)
{
	struct famfs_ioc_lease l;
	unsigned char *p;
	unsigned int ms;
	size_t len;
	int fd, rc, i;

	if (argc < 4)
		return fail_errno("usage", EINVAL);
	ms = atoi(argv[3]);
	rc = map_file(argv[2], O_RDWR, PROT_READ | PROT_WRITE, &p, &len, &fd);
	if (rc)
		return fail_errno("mmap", -rc);
	STEP(lease(argv[1], ms, 0, &l) == 0, "arm lease");
	for (i = 0; i < 4; i++) {
		sleep_ms(ms / 2);
		STEP(lease(argv[1], ms, 0, &l) == 0 &&
		     (l.state & FAMFS_LEASE_ACTIVE), "renew %d", i);
		STEP(!touch(p, 1), "touch while renewed %d", i);
	}
	sleep_ms(ms * 3);
	STEP(touch(p, 0), "touch after expiry should SIGBUS");
	STEP(get_access(fd) == FAMFS_ACCESS_NONE, "access none after expiry");
	STEP(lease(argv[1], 0, FAMFS_LEASE_QUERY, &l) == 0 &&
	     (l.state & FAMFS_LEASE_EXPIRED) && l.expirations >= 1,
	     "query reports expired");
	STEP(set_access(fd, FAMFS_ACCESS_RW) == -ETIMEDOUT,
	     "raise refused while expired");
	STEP(lease(argv[1], ms, 0, &l) == 0 && (l.state & FAMFS_LEASE_EXPIRED),
	     "renewal reports the expiry");
	STEP(get_access(fd) == FAMFS_ACCESS_NONE, "renewal restores nothing");
	STEP(set_access(fd, FAMFS_ACCESS_RW) == 0, "raise after renewal");
	STEP(!touch(p, 1), "touch after re-grant");
	STEP(lease(argv[1], 0, 0, &l) == 0, "disable lease");
	sleep_ms(ms * 2);
	STEP(!touch(p, 1), "no expiry once disabled");
	munmap(p, len);
	close(fd);
	printf("ok\n");
	return 0;
}

/*
 * bench FILE|DEVDAX SIZE REPS [prefill]: 4 KiB-stride reads (8 bytes of
 * each page) through a MAP_SHARED mapping.  Per repetition: a fresh
 * mapping read sequentially (first touch: faults included), untimed
 * warm-up passes (see tlb_flush_hint), BENCH_WARM timed sequential passes and as many in a
 * random page order (warm), then a fresh mapping read in random order
 * (first touch).  Prints one line per sample, "S METRIC NS_PER_PAGE", then
 * "ok" with the medians.  prefill: write a pattern over SIZE first.
 */
#define BENCH_WARM 4
#define BENCH_WARMUP 12

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + t.tv_nsec;
}

static uint64_t sink;

static double read_pages(const unsigned char *p, const uint32_t *order, size_t npages)
{
	uint64_t t0 = now_ns(), sum = 0;

	for (size_t i = 0; i < npages; i++)
		sum += *(const volatile uint64_t *)(p + ((size_t)(order ? order[i] : i) << 12));
	sink += sum;
	return (double)(now_ns() - t0) / npages;
}

/*
 * Make the kernel flush this mm's TLB (munmap of more pages than x86's
 * single-page flush ceiling).  Under qemu TCG a full flush is when the
 * soft TLB is resized to the working set; without a few of them the warm
 * passes measure qemu's TLB size, not the mapping.
 */
static void tlb_flush_hint(void)
{
	size_t len = 256 << 10;
	unsigned char *a = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (a == MAP_FAILED)
		return;
	for (size_t off = 0; off < len; off += 4096)
		a[off] = 1;
	munmap(a, len);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * A live user of a file: map it (shared; writable with rw) and touch one
 * page every MS ms, cycling through the file (rw: load and store the same
 * byte, so the contents do not change), until a touch raises SIGBUS.
 * Prints "mapped", then "SIGBUS after N touches" and exits 0; exits 1
 * after 180 s without SIGBUS.
 */
static int cmd_hold(int argc, char **argv)
{
	unsigned int ms, n;
	int write, fd, rc;
	unsigned char *p;
	size_t len, off = 0;

	if (argc < 4)
		return fail_errno("usage", EINVAL);
	write = !strcmp(argv[2], "rw");
	ms = atoi(argv[3]) ? atoi(argv[3]) : 1;
	rc = map_file(argv[1], write ? O_RDWR : O_RDONLY,
		      write ? PROT_READ | PROT_WRITE : PROT_READ, &p, &len, &fd);
	if (rc)
		return fail_errno("mmap", -rc);
	STEP(!touch(p, write), "first touch");
	printf("mapped %zu\n", len);
	for (n = 1; n < 180000 / ms; n++) {
		sleep_ms(ms);
		off = (off + 4096) % len;
		if (touch(p + off, write)) {
			printf("SIGBUS after %u touches\n", n);
			return 0;
		}
	}
	printf("no SIGBUS after %u touches\n", n);
	return 1;
}

static int cmd_bench(int argc, char **argv)
{
	static const char *const name[4] = { "cold_seq", "warm_seq", "warm_rand", "cold_rand" };
	double *t[4];
	int n[4] = { 0 };
	size_t len, npages;
	uint32_t *order, x = 12345;
	int reps, fd;

	if (argc < 4)
		return fail_errno("usage", EINVAL);
	len = parse_size(argv[2]);
	reps = atoi(argv[3]);
	npages = len >> 12;
	if (!npages || reps < 1 || reps > 1000)
		return fail_errno("usage", EINVAL);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		return fail_errno("open", errno);
	order = malloc(npages * sizeof(*order));
	for (int k = 0; k < 4; k++)
		t[k] = calloc(reps * BENCH_WARM, sizeof(double));
	if (!order || !t[0] || !t[1] || !t[2] || !t[3])
		return fail_errno("malloc", ENOMEM);
	for (size_t i = 0; i < npages; i++)
		order[i] = i;
	for (size_t i = npages - 1; i > 0; i--) {	/* Fisher-Yates, fixed seed */
		uint32_t j, tmp;

		x ^= x << 13; x ^= x >> 17; x ^= x << 5;
		j = x % (i + 1);
		tmp = order[i]; order[i] = order[j]; order[j] = tmp;
	}
	if (argc > 4 && !strcmp(argv[4], "prefill")) {	/* e.g. a devdax device */
		int wfd = open(argv[1], O_RDWR);
		unsigned char *w = wfd < 0 ? MAP_FAILED :
			mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, wfd, 0);

		if (w == MAP_FAILED)
			return fail_errno("prefill mmap", errno);
		pattern_fill(w, len, 1, 0);
		msync(w, len, MS_SYNC);
		munmap(w, len);
		close(wfd);
	}
	for (int r = 0; r < reps; r++) {
		unsigned char *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);

		if (p == MAP_FAILED)
			return fail_errno("mmap", errno);
		t[0][n[0]++] = read_pages(p, NULL, npages);
		for (int w = 0; w < BENCH_WARMUP; w++) {
			read_pages(p, w % 2 ? order : NULL, npages);
			tlb_flush_hint();
		}
		read_pages(p, NULL, npages);
		read_pages(p, order, npages);
		for (int w = 0; w < BENCH_WARM; w++)
			t[1][n[1]++] = read_pages(p, NULL, npages);
		for (int w = 0; w < BENCH_WARM; w++)
			t[2][n[2]++] = read_pages(p, order, npages);
		munmap(p, len);
		p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return fail_errno("mmap", errno);
		t[3][n[3]++] = read_pages(p, order, npages);
		munmap(p, len);
	}
	for (int k = 0; k < 4; k++)
		for (int i = 0; i < n[k]; i++)
			printf("S %s %.2f\n", name[k], t[k][i]);
	printf("ok pages=%zu reps=%d", npages, reps);
	for (int k = 0; k < 4; k++)
		printf(" %s_ns=%.1f", name[k], median(t[k], n[k]));
	printf("\n");
	close(fd);
	return 0;
}

/*
 * bwlat FILE|DEVDAX SIZE REPS: through a MAP_SHARED read-write mapping of
 * SIZE bytes, per repetition:
 *   rflt   a fresh mapping read once (8-byte loads): minor faults per GiB;
 *   read   then BWLAT_PASSES timed read passes (GB/s; warm, after untimed
 *          ones and tlb_flush_hint as in bench);
 *   write  an untimed store pass (write faults), then timed ones (GB/s);
 *   lat    a pointer chase: one 8-byte node per 4 KiB page, at a cache line
 *          that varies from page to page, all pages linked in one random
 *          cycle (Sattolo); BWLAT_HOPS dependent loads timed in batches of
 *          BWLAT_BATCH; the median batch in ns per load;
 *   wflt   a second fresh mapping written once: minor faults per GiB.
 * Prints "S METRIC VALUE" per sample (GB/s, ns, faults per GiB), then "ok".
 */
#define BWLAT_PASSES 3
#define BWLAT_HOPS (1u << 20)
#define BWLAT_BATCH 1024

static uint64_t minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)ru.ru_minflt;
}

static double pass_read(const uint64_t *w, size_t n)
{
	uint64_t t0 = now_ns(), sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += w[i];
	sink += sum;
	return (double)(now_ns() - t0);
}

static double pass_write(uint64_t *w, size_t n, uint64_t v)
{
	uint64_t t0 = now_ns();

	for (size_t i = 0; i < n; i++)
		w[i] = v + i;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return (double)(now_ns() - t0);
}

static size_t node_off(size_t page)
{
	return (page << 12) + ((page * 37) & 63) * 64;
}

/* Link every page's node into one random cycle; the offset to start at. */
static size_t chase_build(unsigned char *p, size_t npages, uint32_t *perm)
{
	uint32_t x = 88172645;

	for (size_t i = 0; i < npages; i++)
		perm[i] = i;
	for (size_t i = npages - 1; i > 0; i--) {	/* Sattolo: a single cycle */
		uint32_t j, tmp;

		x ^= x << 13; x ^= x >> 17; x ^= x << 5;
		j = x % i;
		tmp = perm[i]; perm[i] = perm[j]; perm[j] = tmp;
	}
	for (size_t i = 0; i < npages; i++)
		*(uint64_t *)(p + node_off(i)) = node_off(perm[i]);
	return node_off(0);
}

/* Median over the batches of ns per dependent load. */
static double chase(const unsigned char *p, size_t start, double *batch)
{
	size_t off = start;

	for (unsigned int b = 0; b < BWLAT_HOPS / BWLAT_BATCH; b++) {
		uint64_t t0 = now_ns();

		for (unsigned int i = 0; i < BWLAT_BATCH; i++)
			off = *(const volatile uint64_t *)(p + off);
		batch[b] = (double)(now_ns() - t0) / BWLAT_BATCH;
	}
	sink += off;
	return median(batch, BWLAT_HOPS / BWLAT_BATCH);
}

static int cmd_bwlat(int argc, char **argv)
{
	size_t len, n, npages;
	double gib, *batch, t;
	uint32_t *perm;
	uint64_t *w, f;
	int reps, fd;

	if (argc < 4)
		return fail_errno("usage", EINVAL);
	len = parse_size(argv[2]);
	reps = atoi(argv[3]);
	n = len / 8;
	npages = len >> 12;
	gib = (double)len / (1 << 30);
	if (!npages || reps < 1 || reps > 1000)
		return fail_errno("usage", EINVAL);
	fd = open(argv[1], O_RDWR);
	if (fd < 0)
		return fail_errno("open", errno);
	perm = malloc(npages * sizeof(*perm));
	batch = malloc(BWLAT_HOPS / BWLAT_BATCH * sizeof(*batch));
	if (!perm || !batch)
		return fail_errno("malloc", ENOMEM);
	for (int r = 0; r < reps; r++) {
		w = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (w == MAP_FAILED)
			return fail_errno("mmap", errno);
		f = minflt();
		pass_read(w, n);
		printf("S rflt %.1f\n", (double)(minflt() - f) / gib);
		for (int i = 0; i < 2; i++) {
			pass_read(w, n);
			tlb_flush_hint();
		}
		for (int i = 0; i < BWLAT_PASSES; i++)
			printf("S read %.4f\n", len / pass_read(w, n));
		pass_write(w, n, r);
		tlb_flush_hint();
		for (int i = 0; i < BWLAT_PASSES; i++)
			printf("S write %.4f\n", len / pass_write(w, n, i));
		t = chase((unsigned char *)w, chase_build((unsigned char *)w, npages, perm), batch);
		printf("S lat %.2f\n", t);
		munmap(w, len);
		w = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (w == MAP_FAILED)
			return fail_errno("mmap", errno);
		f = minflt();
		pass_write(w, n, r);
		printf("S wflt %.1f\n", (double)(minflt() - f) / gib);
		munmap(w, len);
	}
	printf("ok bwlat pages=%zu reps=%d\n", npages, reps);
	close(fd);
	free(perm);
	free(batch);
	return 0;
}

/* Inject poison into a mapped page; the child must die of SIGBUS. */
static int cmd_poison(int argc, char **argv)
{
	int status;
	pid_t pid;

	if (argc < 2)
		return fail_errno("usage", EINVAL);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		unsigned char *p;
		size_t len;
		int fd;

		if (map_file(argv[1], O_RDWR, PROT_READ | PROT_WRITE, &p,
			     &len, &fd))
			_exit(2);
		(void)touch(p, 1);
		if (madvise(p, 4096, MADV_HWPOISON))
			_exit(3);
		(void)touch(p, 0);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return fail_errno("fork", errno);
	if (WIFSIGNALED(status))
		printf("child signal=%d%s\n", WTERMSIG(status),
		       WTERMSIG(status) == SIGBUS ? " (SIGBUS)" : "");
	else
		printf("child exit=%d\n", WEXITSTATUS(status));
	return !(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS);
}

static int cmd_nop(int argc, char **argv)
{
	int fd;

	if (argc < 2)
		return fail_errno("usage", EINVAL);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		return fail_errno("open", errno);
	if (ioctl(fd, FAMFSIOC_NOP))
		return fail_errno("NOP", errno);
	printf("ok\n");
	return 0;
}

static int cmd_mount(int argc, char **argv)
{
	if (argc < 3)
		return fail_errno("usage", EINVAL);
	if (mount(argv[1], argv[2], "famfs", 0, argc > 3 ? argv[3] : NULL))
		return fail_errno("mount", errno);
	printf("ok\n");
	return 0;
}

/* ---- bounds: random and adversarial maps --------------------------------- */

static uint64_t rnd_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

struct fuzz_area {
	uint64_t dev, logoff, loglen;
};

/* An offset, length, size or chunk size: mostly edge values. */
static uint64_t pick(const struct fuzz_area *a)
{
	switch (rnd() % 16) {
	case 0: return 0;
	case 1: return 4096;
	case 2: return 2ULL << 20;
	case 3: return a->dev;
	case 4: return a->dev - 4096;
	case 5: return a->logoff;
	case 6: return a->logoff + a->loglen - 4096;
	case 7: return 1ULL << 63;
	case 8: return UINT64_MAX - 4095;
	case 9: return UINT64_MAX;
	case 10: return rnd();
	case 11: return ((rnd() % 64) + 1) << 12;
	case 12: return 1ULL << 40;
	default: return (rnd() % (a->dev >> 12)) << 12;
	}
}

/* An extent that often lies in the data area, sometimes anywhere. */
static void pick_ext(const struct fuzz_area *a, struct famfs_extent *e)
{
	if (rnd() % 3 == 0) {
		e->offset = pick(a);
		e->len = pick(a);
		return;
	}
	e->offset = (2ULL << 20) + (rnd() % ((a->dev - (2ULL << 20)) >> 12) << 12);
	e->len = ((rnd() % 1024) + 1) << 12;
}

/* a + b, or UINT64_MAX if that overflows (no __int128 on 32-bit builds) */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* Is [off, off + len) inside the data area (device, not sb, not log)? */
static const char *ext_bad(const struct fuzz_area *a, uint64_t off, uint64_t len)
{
	uint64_t end;

	if (!len || off % 4096 || len % 4096)
		return "unaligned or empty";
	if (__builtin_add_overflow(off, len, &end) || end > a->dev)
		return "past the device";
	if (off < (2ULL << 20))
		return "in the superblock";
	if (off < a->logoff + a->loglen && a->logoff < end)
		return "in the log";
	return NULL;
}

/* Model check of an accepted map, read back with MAP_GET2. */
static const char *map_bad(const struct fuzz_area *a, const struct famfs_ioc_map2 *m,
			   const struct famfs_extent *e)
{
	unsigned int n = m->nstrips ? m->nstrips : m->ext_count, i, j;
	uint64_t cap = 0, chunks, rows;
	const char *why;

	if (m->file_type != FAMFS_REG)
		return "accepted a metadata file";
	if (!m->file_size || m->file_size > (uint64_t)INT64_MAX)
		return "size zero or over s_maxbytes";
	for (i = 0; i < n; i++) {
		why = ext_bad(a, e[i].offset, e[i].len);
		if (why)
			return why;
		for (j = 0; j < i; j++)
			if (e[i].offset < e[j].offset + e[j].len &&
			    e[j].offset < e[i].offset + e[i].len)
				return "extents of one file overlap";
	}
	if (!m->nstrips) {
		for (i = 0; i < n; i++)
			cap = sat_add(cap, e[i].len);
		return cap < m->file_size ? "size beyond the extents" : NULL;
	}
	if (!m->chunk_size || m->chunk_size % 4096)
		return "bad chunk size";
	chunks = m->file_size / m->chunk_size + (m->file_size % m->chunk_size != 0);
	for (i = 0; i < n; i++) {
		rows = chunks / n + (i < chunks % n);
		if (sat_mul(rows, m->chunk_size) > e[i].len)
			return "size beyond a strip";
	}
	return NULL;
}

/* DIR N SEED DEVSIZE LOGOFF LOGLEN: seed the generator, fill @a and @path; N. */
static unsigned int fuzz_setup(char **argv, struct fuzz_area *a, char *path, size_t cap,
			       const char *name)
{
	rnd_state ^= strtoull(argv[3], NULL, 0) * 0x9E3779B97F4A7C15ULL;
	a->dev = parse_size(argv[4]);
	a->logoff = parse_size(argv[5]);
	a->loglen = parse_size(argv[6]);
	snprintf(path, cap, "%s/%s", argv[1], name);
	return atoi(argv[2]);
}

/* The kernel's own resolution of an accepted map: its last byte and 3 others. */
static int fuzz_reads(int fd, uint64_t size, unsigned int it)
{
	unsigned int i;

	for (i = 0; i < 4; i++) {
		uint64_t off = i == 0 ? size - 1 : rnd() % size;
		unsigned char b;

		if (pread(fd, &b, 1, off) != 1) {
			printf("VIOLATION iteration %u: pread at %#llx of an accepted map: %s\n",
			       it, (unsigned long long)off, strerror(errno));
			return 1;
		}
	}
	return 0;
}

static int cmd_fuzz(int argc, char **argv)
{
	static struct famfs_extent ext[FAMFS_MAX_STRIPS + 2], back[FAMFS_MAX_STRIPS + 2];
	unsigned int iters, it, acc[3] = { 0 }, tried[3] = { 0 };
	struct fuzz_area a;
	char path[4096];

	if (argc < 7)
		return fail_errno("usage", EINVAL);
	iters = fuzz_setup(argv, &a, path, sizeof(path), "fuzz");
	for (it = 0; it < iters; it++) {
		struct famfs_ioc_map2 m2 = { 0 }, g = { 0 };
		unsigned int kind = rnd() % 3, n, i;
		uint64_t cap = 0;
		const char *why;
		int fd, rc;

		unlink(path);
		fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd < 0)
			return fail_errno("open", errno);
		/* kind 0: v1; 1: v2 extents; 2: v2 interleaved */
		n = kind == 0 ? 1 + rnd() % 2 : kind == 1 ? 1 + rnd() % 8 : 1 + rnd() % 4;
		if (rnd() % 16 == 0)
			n = kind == 2 ? (rnd() % 2 ? 0 : 65) : (kind == 0 ? 3 : 0);
		for (i = 0; i < n && i < FAMFS_MAX_STRIPS + 2; i++) {
			pick_ext(&a, &ext[i]);
			cap = sat_add(cap, ext[i].len);
		}
		m2.file_type = rnd() % 12 ? FAMFS_REG : rnd() % 5;
		if (kind == 2) {
			m2.chunk_size = rnd() % 2 ? (rnd() % 2 ? 4096 : 2ULL << 20) : pick(&a);
			cap = n ? sat_mul(ext[0].len, n) : 0;
		}
		/* Sizes at, just under and just over what the map holds, or wild. */
		switch (rnd() % 5) {
		case 0: m2.file_size = cap; break;
		case 1: m2.file_size = cap > 4096 ? cap - 4096 + 1 : 1; break;
		case 2: m2.file_size = sat_add(cap, 1); break;
		default: m2.file_size = pick(&a); break;
		}
		tried[kind]++;
		if (kind == 0) {
			struct famfs_ioc_map m = {
				.extent_type = SIMPLE_DAX_EXTENT,
				.file_type = m2.file_type,
				.file_size = m2.file_size,
				.ext_list_count = n,
			};

			memcpy(m.ext_list, ext, (n < 2 ? n : 2) * sizeof(ext[0]));
			rc = ioctl(fd, FAMFSIOC_MAP_CREATE, &m);
		} else if (kind == 1) {
			m2.ext_count = n;
			m2.ext_list = (uintptr_t)ext;
			rc = ioctl(fd, FAMFSIOC_MAP_CREATE2, &m2);
		} else {
			m2.flags = FAMFS_MAP2_INTERLEAVED;
			m2.nstrips = n;
			m2.strip_list = (uintptr_t)ext;
			rc = ioctl(fd, FAMFSIOC_MAP_CREATE2, &m2);
		}
		if (rc) {
			close(fd);
			continue;
		}
		acc[kind]++;
		g.ext_count = g.nstrips = FAMFS_MAX_STRIPS + 2;
		g.ext_list = g.strip_list = (uintptr_t)back;
		if (ioctl(fd, FAMFSIOC_MAP_GET2, &g))
			return fail_errno("MAP_GET2 of an accepted map", errno);
		why = map_bad(&a, &g, back);
		if (why) {
			printf("VIOLATION seed %s iteration %u kind %u: %s: size=%#llx chunk=%#llx n=%u first=%#llx:%#llx\n",
			       argv[3], it, kind, why, (unsigned long long)g.file_size,
			       (unsigned long long)g.chunk_size, g.nstrips ? g.nstrips : g.ext_count,
			       (unsigned long long)back[0].offset, (unsigned long long)back[0].len);
			return 1;
		}
		if (fuzz_reads(fd, g.file_size, it))
			return 1;
		close(fd);
	}
	unlink(path);
	printf("ok seed=%s tried=%u accepted v1=%u/%u v2=%u/%u interleaved=%u/%u\n", argv[3],
	       iters, acc[0], tried[0], acc[1], tried[1], acc[2], tried[2]);
	return !(acc[0] && acc[1] && acc[2]);
}

/* MAP_GET writes no more than struct famfs_ioc_map, reports no more than it holds. */
static int cmd_getmapv1(int argc, char **argv)
{
	unsigned char buf[512];
	struct famfs_ioc_map *m = (struct famfs_ioc_map *)buf;
	uint64_t count;
	size_t i;
	int fd;

	if (argc < 2)
		return fail_errno("usage", EINVAL);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		return fail_errno("open", errno);
	memset(buf, 0xa5, sizeof(buf));
	if (ioctl(fd, FAMFSIOC_MAP_GET, buf))
		return fail_errno("MAP_GET", errno);
	for (i = sizeof(*m); i < sizeof(buf); i++)
		STEP(buf[i] == 0xa5, "MAP_GET wrote past its structure at %zu", i);
	count = m->ext_list_count;
	STEP(count <= FAMFS_MAX_EXTENTS, "MAP_GET reports %llu extents, holds %d",
	     (unsigned long long)count, FAMFS_MAX_EXTENTS);
	memset(buf, 0xa5, sizeof(buf));
	if (ioctl(fd, FAMFSIOC_MAP_GETEXT, buf))
		return fail_errno("MAP_GETEXT", errno);
	for (i = count * sizeof(struct famfs_extent); i < sizeof(buf); i++)
		STEP(buf[i] == 0xa5, "MAP_GETEXT wrote past %llu extents",
		     (unsigned long long)count);
	printf("ok count=%llu\n", (unsigned long long)count);
	return 0;
}

/*
 * The original famfs's v1 interface at its KABI version 42, declared here
 * from its documented facts (docs/kernel.md), independently of our header.
 */
struct k42_extent {
	uint64_t offset;
	uint64_t len;
};

struct k42_map {
	uint32_t extent_type;	/* an enum in the original: 4 bytes */
	uint32_t file_type;
	uint64_t file_size;
	uint64_t ext_list_count;
	struct k42_extent ext_list[2];
};

#define K42_SIMPLE_DAX_EXTENT	0
#define K42_MAP_CREATE		_IOW('u', 0x50, struct k42_map)
#define K42_MAP_GET		_IOR('u', 0x51, struct k42_map)
#define K42_MAP_GETEXT		_IOR('u', 0x52, struct k42_extent)
#define K42_NOP			_IO('u', 0x53)

_Static_assert(sizeof(struct famfs_ioc_map) == sizeof(struct k42_map), "v1 map size");
_Static_assert(offsetof(struct famfs_ioc_map, file_size) == 8, "file_size offset");
_Static_assert(offsetof(struct famfs_ioc_map, ext_list_count) == 16, "count offset");
_Static_assert(offsetof(struct famfs_ioc_map, ext_list) == 24, "ext_list offset");
_Static_assert(FAMFSIOC_MAP_CREATE == K42_MAP_CREATE, "MAP_CREATE number");
_Static_assert(FAMFSIOC_MAP_GET == K42_MAP_GET, "MAP_GET number");
_Static_assert(FAMFSIOC_MAP_GETEXT == K42_MAP_GETEXT, "MAP_GETEXT number");
_Static_assert(FAMFSIOC_NOP == K42_NOP, "NOP number");

static int cmd_mapk42(int argc, char **argv)
{
	struct famfs_extent ext[MAX_EXT];
	struct k42_map m = { .extent_type = K42_SIMPLE_DAX_EXTENT };
	struct k42_map g;
	int fd, n;

	if (argc < 4)
		return fail_errno("usage", EINVAL);
	n = parse_exts(argv[3], ext);
	if (n < 1 || n > 2)
		return fail_errno("usage", EINVAL);
	m.file_type = 0;	/* FAMFS_REG */
	m.file_size = parse_size(argv[2]);
	m.ext_list_count = n;
	memcpy(m.ext_list, ext, n * sizeof(ext[0]));
	fd = open(argv[1], O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		return fail_errno("open", errno);
	if (ioctl(fd, K42_NOP))
		return fail_errno("NOP", errno);
	if (ioctl(fd, K42_MAP_CREATE, &m))
		return fail_errno("MAP_CREATE (KABI 42)", errno);
	memset(&g, 0xff, sizeof(g));
	if (ioctl(fd, K42_MAP_GET, &g))
		return fail_errno("MAP_GET (KABI 42)", errno);
	STEP(g.extent_type == K42_SIMPLE_DAX_EXTENT && g.file_type == 0 &&
	     g.file_size == m.file_size && g.ext_list_count == m.ext_list_count &&
	     !memcmp(g.ext_list, m.ext_list, n * sizeof(ext[0])),
	     "MAP_GET (KABI 42) reads back type %u/%u size %llu count %llu",
	     g.extent_type, g.file_type, (unsigned long long)g.file_size,
	     (unsigned long long)g.ext_list_count);
	close(fd);
	printf("ok\n");
	return 0;
}

static int cmd_abi(void)
{
	printf("map=%zu ext=%zu type@%zu ftype@%zu size@%zu count@%zu list@%zu simple=%d invalid=%d reg=%d sb=%d log=%d max=%d kabi=%d magic=%#x create=%#lx get=%#lx getext=%#lx nop=%#lx\n",
	       sizeof(struct famfs_ioc_map), sizeof(struct famfs_extent),
	       offsetof(struct famfs_ioc_map, extent_type),
	       offsetof(struct famfs_ioc_map, file_type),
	       offsetof(struct famfs_ioc_map, file_size),
	       offsetof(struct famfs_ioc_map, ext_list_count),
	       offsetof(struct famfs_ioc_map, ext_list),
	       (int)SIMPLE_DAX_EXTENT, (int)INVALID_EXTENT_TYPE, (int)FAMFS_REG,
	       (int)FAMFS_SUPERBLOCK, (int)FAMFS_LOG, FAMFS_MAX_EXTENTS,
#ifdef FAMFS_KABI_VERSION
	       FAMFS_KABI_VERSION,
#else
	       0,
#endif
	       FAMFS_IOC_MAGIC, (unsigned long)FAMFSIOC_MAP_CREATE,
	       (unsigned long)FAMFSIOC_MAP_GET, (unsigned long)FAMFSIOC_MAP_GETEXT,
	       (unsigned long)FAMFSIOC_NOP);
	return 0;
}

static int cmd_readerr(int argc, char **argv)
{
	unsigned char b[16];
	ssize_t n;
	int fd;

	if (argc < 2)
		return fail_errno("usage", EINVAL);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		return fail_errno("open", errno);
	n = pread(fd, b, sizeof(b), 0);
	if (n < 0)
		return fail_errno("read", errno);
	printf("ok %zd\n", n);
	return 0;
}

/* Store to every page through a shared mapping; no msync. */
static int cmd_dirty(int argc, char **argv)
{
	unsigned char *p;
	size_t len, off, end, n = 0;
	int fd, rc;

	if (argc < 2)
		return fail_errno("usage", EINVAL);
	rc = map_file(argv[1], O_RDWR, PROT_READ | PROT_WRITE, &p, &len, &fd);
	if (rc)
		return fail_errno("mmap", -rc);
	arg_range(argc, argv, len, &off, &end);
	for (; off < end; off += 4096, n++)
		((volatile unsigned char *)p)[off] = p[off] + 1;
	munmap(p, len);
	close(fd);
	printf("ok %zu\n", n);
	return 0;
}

static int ms_since(uint64_t t0)
{
	return (int)((now_ns() - t0) / 1000000);
}

/* A pipe holding a reference on the first page of @p (vmsplice). */
static int pin_page(unsigned char *p, int pfd[2])
{
	struct iovec iov = { .iov_base = p, .iov_len = 4096 };

	if (pipe(pfd))
		return -errno;
	if (vmsplice(pfd[1], &iov, 1, 0) != 4096)
		return -errno;
	return 0;
}

/*
 * Hold a pin on the first page of FILE (mapped read-write, touched) for MS
 * ms, as in-flight I/O would: prints "pinned", then "released" when the
 * pipe is closed, and exits 0.  With "unmap", the file is unmapped once
 * the page is pinned: the pin outlives every mapping of the file.
 */
static int cmd_pinhold(int argc, char **argv)
{
	unsigned char *p;
	int fd, rc, pfd[2];
	size_t len;

	if (argc < 3)
		return fail_errno("usage", EINVAL);
	rc = map_file(argv[1], O_RDWR, PROT_READ | PROT_WRITE, &p, &len, &fd);
	if (rc)
		return fail_errno("mmap", -rc);
	STEP(!touch(p, 1), "first touch");
	STEP(pin_page(p, pfd) == 0, "vmsplice: %s", strerror(errno));
	if (argc > 3 && !strcmp(argv[3], "unmap")) {
		munmap(p, len);
		close(fd);
	}
	printf("pinned\n");
	fflush(stdout);
	sleep_ms(atoi(argv[2]));
	close(pfd[0]);
	close(pfd[1]);
	printf("released\n");
	return 0;
}

/* Map FILE, touch its first page and pin it; with @unmap, unmap it then. */
static int pin_first_page(const char *path, int unmap, int pfd[2], unsigned char **p,
			  size_t *len)
{
	int fd, rc = map_file(path, O_RDWR, PROT_READ | PROT_WRITE, p, len, &fd);

	if (rc)
		return rc;
	close(fd);
	if (touch(*p, 1))
		return -EFAULT;
	if (pin_page(*p, pfd))
		return -errno;
	if (unmap) {
		munmap(*p, *len);
		*p = NULL;
	}
	return 0;
}

/*
 * Revocation waits for pages pinned by a pipe (vmsplice), with a bound.
 * pintest FILE [unmap]: with "unmap", the process unmaps the file once the
 * page is pinned, so no mapping of the file is left while the pin is.
 */
static int cmd_pintest(int argc, char **argv)
{
	int fd, rc, pfd[2], busy_ms, wait_ms, unmap = argc > 2 && !strcmp(argv[2], "unmap");
	unsigned char *p, buf[4096];
	uint64_t t0;
	size_t len;
	pid_t pid;

	if (argc < 2)
		return fail_errno("usage", EINVAL);
	alarm(60);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		return fail_errno("open", errno);
	rc = pin_first_page(argv[1], unmap, pfd, &p, &len);
	if (rc)
		return fail_errno("map and pin", -rc);
	t0 = now_ns();
	rc = set_access(fd, FAMFS_ACCESS_NONE);
	busy_ms = ms_since(t0);
	STEP(rc == -EBUSY, "revocation with a page pinned: want EBUSY, got %d after %d ms",
	     rc, busy_ms);
	STEP(busy_ms >= 1500, "EBUSY after %d ms: did not wait for the pin", busy_ms);
	STEP(unmap || touch(p, 0), "mapping still there after the revocation");
	close(pfd[0]);
	close(pfd[1]);
	STEP(set_access(fd, FAMFS_ACCESS_NONE) == 0, "revocation once the pin is gone");

	/* A pin released while the revocation waits: it succeeds. */
	STEP(set_access(fd, FAMFS_ACCESS_RW) == 0, "restore");
	if (p)
		munmap(p, len);
	rc = pin_first_page(argv[1], unmap, pfd, &p, &len);
	STEP(rc == 0, "map and pin again: %s", strerror(-rc));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		sleep_ms(400);
		_exit(read(pfd[0], buf, sizeof(buf)) == 4096 ? 0 : 1);
	}
	t0 = now_ns();
	rc = set_access(fd, FAMFS_ACCESS_NONE);
	wait_ms = ms_since(t0);
	waitpid(pid, NULL, 0);
	STEP(rc == 0, "revocation while the pin goes away: got %d after %d ms", rc, wait_ms);
	STEP(wait_ms >= 300, "returned after %d ms, before the pin went away", wait_ms);
	close(pfd[0]);
	close(pfd[1]);
	STEP(set_access(fd, FAMFS_ACCESS_RW) == 0, "restore at the end");
	if (p)
		munmap(p, len);
	close(fd);
	printf("ok busy_ms=%d waited_ms=%d%s\n", busy_ms, wait_ms, unmap ? " unmapped" : "");
	return 0;
}

/*
 * What a lowering to none must zap and find, whatever part of the file it
 * looks at (issue 13: the module zaps the span of the 2 MiB units mapped
 * since their last clean pin check, and checks their pages 8 at a time).
 * FILE: 8 MiB or more, 2 MiB-aligned on the device, mapped nowhere else.
 *  1. a shared and a private mapping: through the shared one units 0 and 3
 *     read and unit 1 written, through the private one unit 3 read (the
 *     file's own page) and unit 2 written (a copy-on-write copy); after
 *     the lowering each of those touches raises SIGBUS, but the private
 *     copy keeps what was written into it (the process's own memory);
 *  2. units 0 and 3 read, lowered to ro (a clean pin check unmarks them),
 *     unit 3 read again: after the lowering to none unit 0 faults too;
 *  3. page 5 of unit 2 pinned (vmsplice; not the first of its 8): the
 *     lowering finds the pin (EBUSY) and succeeds once it is gone.
 */
static int cmd_zaptest(int argc, char **argv)
{
	const size_t m2 = 2ul << 20, pin = 2 * m2 + 5 * 4096;
	unsigned char *s, *p;
	int fd, rc, pfd[2];
	size_t len;

	if (argc < 2)
		return fail_errno("usage", EINVAL);
	alarm(60);
	rc = map_file(argv[1], O_RDWR, PROT_READ | PROT_WRITE, &s, &len, &fd);
	if (rc)
		return fail_errno("mmap", -rc);
	STEP(len >= 4 * m2, "%s: %zu bytes, want 8 MiB or more", argv[1], len);
	STEP(set_access(fd, FAMFS_ACCESS_RW) == 0, "set rw");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	STEP(p != MAP_FAILED, "private mmap: %s", strerror(errno));

	STEP(!touch(s, 0) && !touch(s + 3 * m2 + 7 * 4096, 0) &&
	     !touch(s + m2 + 100, 1), "shared touches of units 0, 3, 1");
	STEP(!touch(p + 3 * m2 + 2 * 4096, 0) && !touch(p + 2 * m2 + 12, 1),
	     "private touches of units 3, 2");
	p[2 * m2 + 12] = 0x5c;
	STEP(set_access(fd, FAMFS_ACCESS_NONE) == 0, "set none");
	STEP(touch(s, 0), "shared unit 0 (read) still mapped after the lowering");
	STEP(touch(s + m2 + 100, 0), "shared unit 1 (written) still mapped after the lowering");
	STEP(touch(s + 3 * m2 + 7 * 4096, 0),
	     "shared unit 3 (read) still mapped after the lowering");
	STEP(touch(p + 3 * m2 + 2 * 4096, 0),
	     "private unit 3 (read, the file's page) still mapped after the lowering");
	STEP(!touch(p + 2 * m2 + 12, 0) && p[2 * m2 + 12] == 0x5c,
	     "the private copy of unit 2 lost by the lowering");

	STEP(set_access(fd, FAMFS_ACCESS_RW) == 0, "set rw (2)");
	STEP(!touch(s, 0) && !touch(s + 3 * m2, 0), "read units 0 and 3");
	STEP(set_access(fd, FAMFS_ACCESS_RO) == 0, "set ro");
	STEP(!touch(s + 3 * m2, 0), "read unit 3 under ro");
	STEP(set_access(fd, FAMFS_ACCESS_NONE) == 0, "set none (2)");
	STEP(touch(s, 0), "unit 0, unmarked by the ro lowering, still mapped after none");
	STEP(touch(s + 3 * m2, 0), "unit 3 still mapped after none (2)");

	STEP(set_access(fd, FAMFS_ACCESS_RW) == 0, "set rw (3)");
	STEP(!touch(s + pin, 1), "write touch of unit 2");
	STEP(pin_page(s + pin, pfd) == 0, "vmsplice: %s", strerror(errno));
	rc = set_access(fd, FAMFS_ACCESS_NONE);
	close(pfd[0]);
	close(pfd[1]);
	STEP(rc == -EBUSY, "lowering with page 5 of unit 2 pinned: want EBUSY, got %d", rc);
	STEP(set_access(fd, FAMFS_ACCESS_NONE) == 0, "lowering once the pin is gone");
	STEP(set_access(fd, FAMFS_ACCESS_RW) == 0, "restore");
	munmap(p, len);
	munmap(s, len);
	close(fd);
	printf("ok\n");
	return 0;
}

/*
 * SET_ACCESS against a read(2)/write(2) in progress: the I/O's user
 * buffer has a page missing under userfaultfd, so the copy blocks in the
 * middle of the I/O until the handler thread resolves it 400 ms later.
 * The revocation must not return before the I/O is over.
 */
struct race {
	int uffd, fd;
	unsigned char *page;
	uint64_t t_resolve, t_revoked;
	int revoke_rc;
};

static void *race_revoker(void *arg)
{
	struct race *r = arg;

	r->revoke_rc = set_access(r->fd, FAMFS_ACCESS_NONE);
	r->t_revoked = now_ns();
	return NULL;
}

static void *race_handler(void *arg)
{
	struct race *r = arg;
	struct pollfd pfd = { .fd = r->uffd, .events = POLLIN };
	struct uffd_msg msg;
	struct uffdio_zeropage zp = { 0 };
	pthread_t rev;

	if (poll(&pfd, 1, 10000) != 1 || read(r->uffd, &msg, sizeof(msg)) != sizeof(msg))
		return NULL;
	/* The I/O is blocked on our page now: revoke, wait, resolve. */
	pthread_create(&rev, NULL, race_revoker, r);
	sleep_ms(400);
	r->t_resolve = now_ns();
	zp.range.start = (uintptr_t)r->page;
	zp.range.len = 4096;
	ioctl(r->uffd, UFFDIO_ZEROPAGE, &zp);
	pthread_join(rev, NULL);
	return NULL;
}

static int cmd_iorace(int argc, char **argv)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct race r = { 0 };
	size_t size = 8192;
	unsigned char *buf;
	pthread_t h;
	ssize_t n;
	int write;

	if (argc < 3)
		return fail_errno("usage", EINVAL);
	write = !strcmp(argv[2], "write");
	if (argc > 3 && !strcmp(argv[3], "long"))
		size = 8 << 20;	/* the revoked I/O must stop after its first 2 MiB range */
	alarm(30);	/* never hang the VM */
	r.fd = open(argv[1], O_RDWR);
	if (r.fd < 0)
		return fail_errno("open", errno);
	/* Start from read-write, whatever an earlier scenario left. */
	STEP(set_access(r.fd, FAMFS_ACCESS_RW) == 0, "initial SET_ACCESS rw");
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return fail_errno("mmap", errno);
	buf[0] = 1;
	r.page = buf + 4096;
	r.uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (r.uffd < 0)
		return fail_errno("userfaultfd", errno);
	if (ioctl(r.uffd, UFFDIO_API, &api))
		return fail_errno("UFFDIO_API", errno);
	reg.range.start = (uintptr_t)r.page;
	reg.range.len = 4096;
	if (ioctl(r.uffd, UFFDIO_REGISTER, &reg))
		return fail_errno("UFFDIO_REGISTER", errno);
	pthread_create(&h, NULL, race_handler, &r);
	n = write ? pwrite(r.fd, buf, size, 0) : pread(r.fd, buf, size, 0);
	pthread_join(h, NULL);
	STEP(size == 8192 || (n > 0 && n <= 2 << 20),
	     "the revoked %s ran on to %zd bytes (of %zu) after the revocation", argv[2], n, size);
	STEP(r.t_resolve, "the %s never blocked on the missing page (n=%zd)", argv[2], n);
	STEP(r.revoke_rc == 0, "SET_ACCESS: %d", r.revoke_rc);
	STEP(r.t_revoked >= r.t_resolve,
	     "SET_ACCESS returned %lld ms before the %s in progress finished",
	     (long long)(r.t_resolve - r.t_revoked) / 1000000, argv[2]);
	STEP(set_access(r.fd, FAMFS_ACCESS_RW) == 0, "restore");
	printf("ok %s=%zd revocation_waited_ms=%lld\n", argv[2], n,
	       (long long)(r.t_revoked - r.t_resolve) / 1000000 + 400);
	return 0;
}

/*
 * Time from the lease deadline to "no mapping" (first SIGBUS on a page
 * that was mapped, so no fault happens before the zap) and to "no I/O"
 * (first failing pread in a child), per round.  The deadline lies between
 * t0 + MS and t1 + MS (t0, t1: around the arming ioctl); the bounds are
 * measured from t0 + MS, so they are upper bounds.
 */
static int cmd_leasebound(int argc, char **argv)
{
	int ms, rounds, round, fd, rc, pfd[2];
	int64_t map_max = 0, io_max = 0;
	unsigned char *p;
	char list[256] = "", iolist[256] = "";
	size_t len;

	if (argc < 5)
		return fail_errno("usage", EINVAL);
	ms = atoi(argv[3]);
	rounds = atoi(argv[4]);
	rc = map_file(argv[2], O_RDWR, PROT_READ | PROT_WRITE, &p, &len, &fd);
	if (rc)
		return fail_errno("mmap", -rc);
	for (round = 0; round < rounds; round++) {
		uint64_t t0, t1, tbus, tio = 0, dl;
		unsigned char b;
		pid_t pid;

		STEP(!touch(p, 0), "touch before the lease, round %d", round);
		STEP(pipe(pfd) == 0, "pipe");
		fflush(stdout);
		t0 = now_ns();
		STEP(lease(argv[1], ms, 0, NULL) == 0, "arm lease");
		t1 = now_ns();
		dl = t0 + (uint64_t)ms * 1000000;
		pid = fork();
		if (pid == 0) {
			while (pread(fd, &b, 1, 0) == 1)
				;
			tio = now_ns();
			_exit(write(pfd[1], &tio, sizeof(tio)) == sizeof(tio) ? 0 : 1);
		}
		while (!touch(p, 0))
			;
		tbus = now_ns();
		STEP(read(pfd[0], &tio, sizeof(tio)) == sizeof(tio), "child's time");
		waitpid(pid, NULL, 0);
		close(pfd[0]);
		close(pfd[1]);
		STEP(tbus >= dl && tio >= dl, "access lost %lld us before the deadline",
		     (long long)(dl - (tbus < tio ? tbus : tio)) / 1000);
		if ((int64_t)(tbus - dl) > map_max)
			map_max = tbus - dl;
		if ((int64_t)(tio - dl) > io_max)
			io_max = tio - dl;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%lld",
			 round ? "," : "", (long long)(tbus - dl) / 1000);
		snprintf(iolist + strlen(iolist), sizeof(iolist) - strlen(iolist), "%s%lld",
			 round ? "," : "", (long long)(tio - dl) / 1000);
		(void)t1;
		STEP(lease(argv[1], 0, 0, NULL) == 0, "disable lease");
		STEP(set_access(fd, FAMFS_ACCESS_RW) == 0, "re-grant");
	}
	munmap(p, len);
	close(fd);
	printf("ok rounds=%d map_max_us=%lld io_max_us=%lld map_us=%s io_us=%s\n", rounds,
	       (long long)map_max / 1000, (long long)io_max / 1000, list, iolist);
	return 0;
}

/*
 * mbr DEV START1 LEN1 START2 LEN2: write an MBR with two Linux partitions
 * (byte offsets, K/M/G suffixes, 4 KiB-aligned) and have the kernel
 * re-read the table.
 */
static int cmd_mbr(int argc, char **argv)
{
	unsigned char mbr[512] = { 0 };
	int fd, i;

	if (argc < 6)
		return fail_errno("usage", EINVAL);
	for (i = 0; i < 2; i++) {
		unsigned char *e = mbr + 446 + 16 * i;
		uint32_t lba = parse_size(argv[2 + 2 * i]) / 512;
		uint32_t n = parse_size(argv[3 + 2 * i]) / 512;

		e[1] = 0xff; e[2] = 0xff; e[3] = 0xff;	/* CHS: use LBA */
		e[4] = 0x83;
		e[5] = 0xff; e[6] = 0xff; e[7] = 0xff;
		memcpy(e + 8, &lba, 4);
		memcpy(e + 12, &n, 4);
	}
	mbr[510] = 0x55;
	mbr[511] = 0xaa;
	fd = open(argv[1], O_RDWR | O_SYNC);
	if (fd < 0)
		return fail_errno("open", errno);
	if (pwrite(fd, mbr, sizeof(mbr), 0) != sizeof(mbr) || fsync(fd))
		return fail_errno("write", errno ? errno : EIO);
	if (ioctl(fd, _IO(0x12, 95) /* BLKRRPART */))
		return fail_errno("BLKRRPART", errno);
	close(fd);
	printf("ok\n");
	return 0;
}

/*
 * The original famfs's KABI 43 map ioctls (0x54, 0x55), declared here from
 * their documented facts (docs/kernel.md) with C pointers as the original
 * has them; on 64-bit builds the layouts are checked against our header.
 */
struct k43_simple_extent {
	uint64_t devindex;
	uint64_t offset;
	uint64_t len;
};

struct k43_interleaved_ext {
	uint64_t ie_nstrips;
	uint64_t ie_chunk_size;
	uint64_t ie_nbytes;
	struct k43_simple_extent *ie_strips;
};

struct k43_fmap {
	uint64_t fioc_file_size;
	uint32_t fioc_file_type;	/* an enum in the original */
	uint32_t fioc_ext_type;		/* 0 simple, 1 interleave */
	uint32_t fioc_nextents;
	void *list;			/* kse or kie */
};

struct k43_get_fmap {
	struct k43_fmap iocmap;
	union {
		struct k43_simple_extent ikse[2];
		struct {
			struct k43_interleaved_ext ikie;
			struct k43_simple_extent kie_strips[16];
		} ks;
	};
};

#define K43_MAP_CREATE_V2	_IOW('u', 0x54, struct k43_fmap)
#define K43_MAP_GET_V2		_IOR('u', 0x55, struct k43_get_fmap)

#if __SIZEOF_POINTER__ == 8 && defined(FAMFSIOC_MAP_CREATE_V2)
_Static_assert(sizeof(struct k43_fmap) == 32 && sizeof(struct famfs_ioc_fmap) == 32, "v2 fmap size");
_Static_assert(sizeof(struct k43_get_fmap) == 448 && sizeof(struct famfs_ioc_get_fmap) == 448,
	       "v2 get_fmap size");
_Static_assert(K43_MAP_CREATE_V2 == FAMFSIOC_MAP_CREATE_V2, "MAP_CREATE_V2 number");
_Static_assert(K43_MAP_GET_V2 == FAMFSIOC_MAP_GET_V2, "MAP_GET_V2 number");
_Static_assert(offsetof(struct famfs_ioc_fmap, fioc_list) == offsetof(struct k43_fmap, list),
	       "v2 list offset");
_Static_assert(offsetof(struct famfs_ioc_get_fmap, ks.kie_strips) ==
	       offsetof(struct k43_get_fmap, ks.kie_strips), "v2 strips offset");
#endif

/*
 * MAP_CREATE_V2 of @m on @path (created), then MAP_GET_V2 into @g (filled
 * with 0xff first; *@get_err its errno, or 0).  The file's descriptor, or
 * -1 after printing why.
 */
static int k43_create_get(const char *path, struct k43_fmap *m, struct k43_get_fmap *g,
			  int *get_err)
{
	int fd = open(path, O_RDWR | O_CREAT, 0644);

	if (fd < 0) {
		fail_errno("open", errno);
		return -1;
	}
	if (ioctl(fd, K43_MAP_CREATE_V2, m)) {
		fail_errno("MAP_CREATE_V2", errno);
		close(fd);
		return -1;
	}
	memset(g, 0xff, sizeof(*g));
	*get_err = ioctl(fd, K43_MAP_GET_V2, g) ? errno : 0;
	return fd;
}

/*
 * mapv2 FILE SIZE OFF:LEN[,...]            KABI 43 simple extents
 * mapv2 FILE SIZE OFF:LEN[,...] CHUNK      KABI 43, one interleaved extent
 * mapv2 FILE SIZE OFF:LEN[,...] CHUNK|- DEVINDEX   with that devindex
 * Then MAP_GET_V2 must read back what was given; prints it.
 */
static int cmd_mapv2(int argc, char **argv)
{
	static struct famfs_extent ext[MAX_EXT];
	static struct k43_simple_extent se[MAX_EXT];
	struct k43_interleaved_ext ie = { 0 };
	struct k43_fmap m = { 0 };
	struct k43_get_fmap g;
	struct k43_simple_extent *back;
	int fd, n, i, err, inter = argc > 4 && strcmp(argv[4], "-");

	if (argc < 4)
		return fail_errno("usage", EINVAL);
	n = parse_exts(argv[3], ext);
	for (i = 0; i < n; i++) {
		se[i].devindex = argc > 5 ? strtoull(argv[5], NULL, 0) : 0;
		se[i].offset = ext[i].offset;
		se[i].len = ext[i].len;
	}
	m.fioc_file_size = parse_size(argv[2]);
	m.fioc_file_type = 0;
	if (inter) {
		ie.ie_nstrips = n;
		ie.ie_chunk_size = parse_size(argv[4]);
		ie.ie_nbytes = m.fioc_file_size;
		ie.ie_strips = se;
		m.fioc_ext_type = 1;
		m.fioc_nextents = 1;
		m.list = &ie;
	} else {
		m.fioc_nextents = n;
		m.list = se;
	}
	fd = k43_create_get(argv[1], &m, &g, &err);
	if (fd < 0)
		return 1;
	if (err)
		return fail_errno("MAP_GET_V2", err);
	back = inter ? g.ks.kie_strips : g.ikse;
	STEP(g.iocmap.fioc_file_size == m.fioc_file_size && g.iocmap.fioc_file_type == 0 &&
	     g.iocmap.fioc_ext_type == m.fioc_ext_type &&
	     g.iocmap.fioc_nextents == m.fioc_nextents, "MAP_GET_V2 header");
	STEP(!inter || (g.ks.ikie.ie_nstrips == (uint64_t)n &&
			g.ks.ikie.ie_chunk_size == ie.ie_chunk_size), "MAP_GET_V2 interleave");
	for (i = 0; i < n; i++)
		STEP(back[i].devindex == 0 && back[i].offset == se[i].offset &&
		     back[i].len == se[i].len, "MAP_GET_V2 entry %d", i);
	close(fd);
	printf("ok %s n=%d\n", inter ? "interleaved" : "simple", n);
	return 0;
}

/*
 * mapv2m FILE SIZE NBYTES CHUNK OFF:LEN[,...] [NBYTES CHUNK OFF:LEN[,...]]...
 * MAP_CREATE_V2 of up to 4 interleaved extents in file order, then
 * MAP_GET_V2: its structure holds one interleaved extent, so with more it
 * must fail with E2BIG after filling in the real count and the first one.
 * Prints "ok iext=N get=0|E2BIG".
 */
static int cmd_mapv2m(int argc, char **argv)
{
	static struct famfs_extent ext[MAX_EXT];
	static struct k43_simple_extent se[4][16];
	struct k43_interleaved_ext ie[4] = { 0 };
	struct k43_fmap m = { 0 };
	struct k43_get_fmap g;
	int fd, i, j, n, err;

	if (argc < 6 || (argc - 3) % 3)
		return fail_errno("usage", EINVAL);
	for (i = 0; i < (argc - 3) / 3 && i < 4; i++) {
		n = parse_exts(argv[5 + 3 * i], ext);
		for (j = 0; j < n && j < 16; j++) {
			se[i][j].offset = ext[j].offset;
			se[i][j].len = ext[j].len;
		}
		ie[i].ie_nbytes = parse_size(argv[3 + 3 * i]);
		ie[i].ie_chunk_size = parse_size(argv[4 + 3 * i]);
		ie[i].ie_nstrips = n;
		ie[i].ie_strips = se[i];
	}
	m.fioc_file_size = parse_size(argv[2]);
	m.fioc_ext_type = 1;
	m.fioc_nextents = i;
	m.list = ie;
	fd = k43_create_get(argv[1], &m, &g, &err);
	if (fd < 0)
		return 1;
	STEP(m.fioc_nextents == 1 ? !err : err == E2BIG,
	     "MAP_GET_V2 of %u interleaved extents: errno %s", m.fioc_nextents,
	     err ? strerrorname_np(err) : "0");
	STEP(g.iocmap.fioc_file_size == m.fioc_file_size && g.iocmap.fioc_ext_type == 1 &&
	     g.iocmap.fioc_nextents == m.fioc_nextents, "MAP_GET_V2 header");
	STEP(g.ks.ikie.ie_nstrips == ie[0].ie_nstrips &&
	     g.ks.ikie.ie_chunk_size == ie[0].ie_chunk_size &&
	     g.ks.ikie.ie_nbytes == ie[0].ie_nbytes, "MAP_GET_V2 first interleaved extent");
	for (j = 0; j < (int)ie[0].ie_nstrips; j++)
		STEP(g.ks.kie_strips[j].devindex == 0 && g.ks.kie_strips[j].offset == se[0][j].offset &&
		     g.ks.kie_strips[j].len == se[0][j].len, "MAP_GET_V2 strip %d", j);
	close(fd);
	printf("ok iext=%u get=%s\n", m.fioc_nextents, err ? "E2BIG" : "0");
	return 0;
}

/*
 * Model check of an accepted KABI 43 interleaved map (what was submitted):
 * every strip in the data area, no two overlapping, each interleaved
 * extent holding some of the file and each strip its share of it, all of
 * them together at least the file size.
 */
static const char *k43_bad(const struct fuzz_area *a, uint64_t size,
			   const struct k43_interleaved_ext *ie, unsigned int niext)
{
	const struct k43_simple_extent *all[64];
	uint64_t off = 0, used, chunks, rows;
	unsigned int i, j, k, n = 0;
	const char *why;

	if (!size || size > (uint64_t)INT64_MAX)
		return "size zero or over s_maxbytes";
	for (i = 0; i < niext; i++) {
		if (off >= size)
			return "an interleaved extent past the end of the file";
		if (!ie[i].ie_chunk_size || ie[i].ie_chunk_size % 4096 || !ie[i].ie_nstrips)
			return "bad chunk size or no strips";
		used = size - off < ie[i].ie_nbytes ? size - off : ie[i].ie_nbytes;
		chunks = used / ie[i].ie_chunk_size + (used % ie[i].ie_chunk_size != 0);
		for (j = 0; j < ie[i].ie_nstrips; j++) {
			const struct k43_simple_extent *e = &ie[i].ie_strips[j];

			why = ext_bad(a, e->offset, e->len);
			if (why)
				return why;
			rows = chunks / ie[i].ie_nstrips + (j < chunks % ie[i].ie_nstrips);
			if (sat_mul(rows, ie[i].ie_chunk_size) > e->len)
				return "size beyond a strip";
			for (k = 0; k < n; k++)
				if (e->offset < all[k]->offset + all[k]->len &&
				    all[k]->offset < e->offset + e->len)
					return "strips of one file overlap";
			if (n < 64)
				all[n++] = e;
		}
		if (i + 1 < niext && ie[i].ie_nbytes % 4096)
			return "an interleaved extent ends inside a page";
		off = sat_add(off, ie[i].ie_nbytes);
	}
	return off < size ? "size beyond the interleaved extents" : NULL;
}

/*
 * fuzz43 DIR N SEED DEVSIZE LOGOFF LOGLEN: random and adversarial KABI 43
 * maps of 1-5 interleaved extents (sizes and nbytes near 2^64, zero and
 * huge chunks, out-of-device and overlapping strips); every accepted map
 * must pass k43_bad() and read(2) at its last byte and 3 random offsets.
 */
static int cmd_fuzz43(int argc, char **argv)
{
	static struct famfs_extent ext[5][17];
	static struct k43_simple_extent se[5][17];
	unsigned int iters, it, acc = 0, multi = 0;
	struct fuzz_area a;
	char path[4096];

	if (argc < 7)
		return fail_errno("usage", EINVAL);
	iters = fuzz_setup(argv, &a, path, sizeof(path), "fuzz43");
	for (it = 0; it < iters; it++) {
		struct k43_interleaved_ext ie[5] = { 0 };
		struct k43_fmap m = { 0 };
		unsigned int niext = 1 + rnd() % 4, i, j, ns;
		uint64_t total = 0;
		const char *why;
		int fd;

		if (rnd() % 16 == 0)
			niext = rnd() % 2 ? 0 : 5;
		for (i = 0; i < niext; i++) {
			uint64_t len;

			ns = 1 + rnd() % 4;
			if (rnd() % 16 == 0)
				ns = rnd() % 2 ? 0 : 17;
			ie[i].ie_chunk_size = rnd() % 8 ? (rnd() % 2 ? 4096 : 2ULL << 20) : pick(&a);
			/* Mostly strips of 1-4 whole chunks in the data area, else anything. */
			len = sat_mul(ie[i].ie_chunk_size, 1 + rnd() % 4);
			for (j = 0; j < ns; j++) {
				pick_ext(&a, &ext[i][j]);
				if (rnd() % 8 && len <= 8ULL << 20)
					ext[i][j].len = len;
				se[i][j].devindex = rnd() % 32 == 0;
				se[i][j].offset = ext[i][j].offset;
				se[i][j].len = ext[i][j].len;
			}
			ie[i].ie_nstrips = ns;
			ie[i].ie_strips = se[i];
			/* What its strips hold, a page less or more, or wild. */
			ie[i].ie_nbytes = ns ? sat_mul(ext[i][0].len, ns) : 0;
			switch (rnd() % 8) {
			case 0: ie[i].ie_nbytes = ie[i].ie_nbytes > 4096 ? ie[i].ie_nbytes - 4096 : 1; break;
			case 1: ie[i].ie_nbytes = sat_add(ie[i].ie_nbytes, 4096); break;
			case 2: ie[i].ie_nbytes = pick(&a); break;
			}
			total = sat_add(total, ie[i].ie_nbytes);
		}
		switch (rnd() % 6) {
		case 0: m.fioc_file_size = total > 4096 ? total - 4096 + 1 : 1; break;
		case 1: m.fioc_file_size = sat_add(total, 1); break;
		case 2: m.fioc_file_size = pick(&a); break;
		default: m.fioc_file_size = total; break;
		}
		m.fioc_ext_type = 1;
		m.fioc_nextents = niext;
		m.list = ie;
		unlink(path);
		fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd < 0)
			return fail_errno("open", errno);
		if (ioctl(fd, K43_MAP_CREATE_V2, &m)) {
			close(fd);
			continue;
		}
		acc++;
		multi += niext > 1;
		why = niext > 4 ? "more than 4 interleaved extents" : NULL;
		for (i = 0; i < niext && !why; i++)
			for (j = 0; j < ie[i].ie_nstrips && !why; j++)
				if (ie[i].ie_nstrips > 16 || se[i][j].devindex)
					why = "more than 16 strips or a devindex";
		if (!why)
			why = k43_bad(&a, m.fioc_file_size, ie, niext);
		if (why) {
			printf("VIOLATION seed %s iteration %u: %s: size=%#llx niext=%u\n", argv[3], it,
			       why, (unsigned long long)m.fioc_file_size, niext);
			return 1;
		}
		if (fuzz_reads(fd, m.fioc_file_size, it))
			return 1;
		close(fd);
	}
	unlink(path);
	/* A model check that never saw a map of several is no check of them. */
	printf("%s seed=%s tried=%u accepted=%u multi=%u\n",
	       acc && multi ? "ok" : "FAILED: none accepted (of several)", argv[3], iters, acc,
	       multi);
	return !(acc && multi);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	argc--;
	argv++;
	if (!strcmp(cmd, "map"))
		return cmd_map(argc, argv);
	if (!strcmp(cmd, "mapi"))
		return cmd_mapi(argc, argv);
	if (!strcmp(cmd, "getmap"))
		return cmd_getmap(argc, argv);
	if (!strcmp(cmd, "fill"))
		return cmd_fill(argc, argv, 0);
	if (!strcmp(cmd, "fillmm"))
		return cmd_fill(argc, argv, 1);
	if (!strcmp(cmd, "verify"))
		return cmd_verify(argc, argv);
	if (!strcmp(cmd, "verifyrd"))
		return cmd_verifyrd(argc, argv);
	if (!strcmp(cmd, "mmtouch"))
		return cmd_mmtouch(argc, argv);
	if (!strcmp(cmd, "setaccess"))
		return cmd_setaccess(argc, argv);
	if (!strcmp(cmd, "getaccess"))
		return cmd_getaccess(argc, argv);
	if (!strcmp(cmd, "lease"))
		return cmd_lease(argc, argv, 0);
	if (!strcmp(cmd, "leaseq"))
		return cmd_lease(argc, argv, 1);
	if (!strcmp(cmd, "revoke"))
		return cmd_revoke(argc, argv);
	if (!strcmp(cmd, "leasetest"))
		return cmd_leasetest(argc, argv);
	if (!strcmp(cmd, "bench"))
		return cmd_bench(argc, argv);
	if (!strcmp(cmd, "bwlat"))
		return cmd_bwlat(argc, argv);
	if (!strcmp(cmd, "poison"))
		return cmd_poison(argc, argv);
	if (!strcmp(cmd, "mount"))
		return cmd_mount(argc, argv);
	if (!strcmp(cmd, "nop"))
		return cmd_nop(argc, argv);
	if (!strcmp(cmd, "hold"))
		return cmd_hold(argc, argv);
	if (!strcmp(cmd, "pinhold"))
		return cmd_pinhold(argc, argv);
	if (!strcmp(cmd, "stats"))
		return cmd_stats(argc, argv);
	if (!strcmp(cmd, "fuzz"))
		return cmd_fuzz(argc, argv);
	if (!strcmp(cmd, "getmapv1"))
		return cmd_getmapv1(argc, argv);
	if (!strcmp(cmd, "mapk42"))
		return cmd_mapk42(argc, argv);
	if (!strcmp(cmd, "abi"))
		return cmd_abi();
	if (!strcmp(cmd, "readerr"))
		return cmd_readerr(argc, argv);
	if (!strcmp(cmd, "dirty"))
		return cmd_dirty(argc, argv);
	if (!strcmp(cmd, "zaptest"))
		return cmd_zaptest(argc, argv);
	if (!strcmp(cmd, "pintest"))
		return cmd_pintest(argc, argv);
	if (!strcmp(cmd, "iorace"))
		return cmd_iorace(argc, argv);
	if (!strcmp(cmd, "mapv2"))
		return cmd_mapv2(argc, argv);
	if (!strcmp(cmd, "mapv2m"))
		return cmd_mapv2m(argc, argv);
	if (!strcmp(cmd, "fuzz43"))
		return cmd_fuzz43(argc, argv);
	if (!strcmp(cmd, "mbr"))
		return cmd_mbr(argc, argv);
	if (!strcmp(cmd, "leasebound"))
		return cmd_leasebound(argc, argv);
	fprintf(stderr, "usage: famfs_vmtool map|mapi|getmap|fill|fillmm|verify|mmtouch|setaccess|getaccess|lease|leaseq|revoke|leasetest|bench|bwlat|poison|mount|nop|hold|stats|fuzz|getmapv1|mapk42|abi|readerr|dirty|pintest|iorace|leasebound|mbr|mapv2|mapv2m|fuzz43|verifyrd ...\n");
	return 2;
}
