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
 *   getmap FILE                              MAP_GET / GETEXT / GET2
 *   fill FILE SEED | fillmm FILE SEED        pattern via write(2) / mmap
 *   verify FILE SEED                         pattern via read(2) and mmap
 *   mmtouch FILE                             read every page through mmap, timed
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
 *
 * TYPE is reg, sb, log or a number; sizes take K, M, G suffixes.
 */
#include <errno.h>
#include <fcntl.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
	/* The v1 view must agree for simple maps. */
	if (!m2.nstrips) {
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

static int cmd_verify(int argc, char **argv)
{
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	static unsigned char want[1 << 20], got[1 << 20];
	unsigned char *p;
	size_t len, off;
	int fd, rc;

	if (argc < 3)
		return fail_errno("usage", EINVAL);
	rc = map_file(argv[1], O_RDONLY, PROT_READ, &p, &len, &fd);
	if (rc)
		return fail_errno("mmap", -rc);
	for (off = 0; off < len; off += sizeof(want)) {
		size_t n = len - off < sizeof(want) ? len - off : sizeof(want);

		pattern_fill(want, n, seed, off);
		if (pread(fd, got, n, off) != (ssize_t)n)
			return fail_errno("pread", errno ? errno : EIO);
		if (memcmp(want, got, n)) {
			printf("mismatch via read(2) near %zu\n", off);
			return 1;
		}
		if (memcmp(want, p + off, n)) {
			printf("mismatch via mmap near %zu\n", off);
			return 1;
		}
	}
	munmap(p, len);
	close(fd);
	printf("ok %zu\n", len);
	return 0;
}

static int cmd_mmtouch(int argc, char **argv)
{
	struct timespec t0, t1;
	unsigned long sum = 0;
	unsigned char *p;
	size_t len, off;
	int fd, rc;

	if (argc < 2)
		return fail_errno("usage", EINVAL);
	rc = map_file(argv[1], O_RDONLY, PROT_READ, &p, &len, &fd);
	if (rc)
		return fail_errno("mmap", -rc);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (off = 0; off < len; off += 4096)
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
		printf("pte=%llu pmd=%llu pud=%llu refused=%llu revocations=%llu lease_expirations=%llu reserved=%llu\n",
		       (unsigned long long)st.pte_faults, (unsigned long long)st.pmd_faults,
		       (unsigned long long)st.pud_faults, (unsigned long long)st.refused_faults,
		       (unsigned long long)st.revocations,
		       (unsigned long long)st.lease_expirations,
		       (unsigned long long)(st.reserved[0] | st.reserved[1] | st.reserved[2] |
					    st.reserved[3]));
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
	if (!strcmp(cmd, "stats"))
		return cmd_stats(argc, argv);
	fprintf(stderr, "usage: famfs_vmtool map|mapi|getmap|fill|fillmm|verify|mmtouch|setaccess|getaccess|lease|leaseq|revoke|leasetest|bench|bwlat|poison|mount|nop|hold|stats ...\n");
	return 2;
}
