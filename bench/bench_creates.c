// SPDX-License-Identifier: Apache-2.0
/*
 * bench-metadata / bench-scale: creates through one or more famfsd at
 * once, each with WINDOW calls in flight, all driven from one event loop.
 *
 *   bench_creates [-n COUNT] [-s START] [-w WINDOW] [-d DIR] [-c] [-W MIB] SOCKET...
 *
 * Host i (1-based, in the order given) creates COUNT empty files
 * DIR/hI/dNNNNN/fNNNNNNNNN numbered START.. (1000 per directory; the
 * directories are made first, untimed). Prints per host and aggregate
 * rates and per-call latency (p50/p99: the commit latency when WINDOW is
 * 1), then one machine-readable line. With -c (churn), the COUNT calls
 * alternate: create file k, then delete it, so the namespace keeps its size
 * while the log fills with history (what makes a writer checkpoint).
 * With -W, MIB of anonymous transparent huge pages are touched and freed
 * just before the timed part: on a guest whose hypervisor takes back free
 * huge pages (virtio-balloon free page reporting, this project's test
 * machine), the first touch of one costs ~3 ms (~300 MB/s, against ~8
 * GB/s once backed), which the daemons' growing namespaces then pay per
 * 2 MiB; after -W they find backed pages, as on bare metal.
 * The machine-readable line:
 *   RESULT hosts=H count=N seconds=S rate=R p50_us=A p99_us=B max_us=C
 * Exits 1 when any create failed; asserts nothing about speed.
 */
#include "bench_util.h"
#include "famfs.pb-c.h"
#include "rpc.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PER_DIR 1000
#define DEADLINE_MS 60000

struct host;

struct req {
	struct host *h;
	double t0;
};

struct host {
	int idx;
	const char *sock;
	struct fam_rpc_conn *conn;
	struct run *run;
	long issued, done, errors;
	double t_end;
	struct req *reqs;
	double *lat;
};

struct run {
	struct event_base *base;
	const char *dir;
	long count, start;
	int window, n_hosts, running;
	bool churn;
	struct host *hosts;
};

static void host_path(const struct run *run, const struct host *h, long i, char *buf,
		      size_t cap)
{
	long k = run->start + i;

	snprintf(buf, cap, "%s/h%d/d%05ld/f%09ld", run->dir, h->idx, k / PER_DIR, k);
}

static void on_done(int status, const char *msg, const uint8_t *payload, size_t len, void *arg);

static void issue(struct host *h)
{
	Famfs__CreateRequest m = FAMFS__CREATE_REQUEST__INIT;
	Famfs__PathRequest d = FAMFS__PATH_REQUEST__INIT;
	struct req *q = &h->reqs[h->issued];
	bool del = h->run->churn && (h->issued & 1);
	uint8_t buf[512];
	char path[256];
	size_t len;

	host_path(h->run, h, h->run->churn ? h->issued / 2 : h->issued, path, sizeof(path));
	if (del) {
		d.path = path;
		len = famfs__path_request__pack(&d, buf);
	} else {
		m.path = path;
		m.mode = 0644;
		len = famfs__create_request__pack(&m, buf);
	}
	q->h = h;
	h->issued++;
	q->t0 = bench_now();
	if (fam_rpc_call(h->conn, del ? "famfs.Delete" : "famfs.Create", buf, len, DEADLINE_MS,
			 on_done, NULL, q)) {
		fprintf(stderr, "bench_creates: host %d (%s): cannot send a call\n", h->idx,
			h->sock);
		h->errors++;
		on_done(FAM_RPC_UNAVAILABLE, "not sent", NULL, 0, q);
	}
}

static void on_done(int status, const char *msg, const uint8_t *payload, size_t len, void *arg)
{
	struct req *q = arg;
	struct host *h = q->h;
	struct run *run = h->run;

	(void)payload;
	(void)len;
	h->lat[h->done] = bench_now() - q->t0;
	if (status != FAM_RPC_OK && h->errors++ < 3)
		fprintf(stderr, "bench_creates: host %d (%s): call failed: %s: %s\n", h->idx,
			h->sock, fam_rpc_status_name(status), msg);
	if (++h->done == run->count) {
		h->t_end = bench_now();
		if (--run->running == 0)
			event_base_loopbreak(run->base);
	} else if (h->issued < run->count && !h->errors) {
		issue(h);
	} else if (h->errors && h->done == h->issued) {
		h->t_end = bench_now();
		if (--run->running == 0)
			event_base_loopbreak(run->base);
	}
}

/* The directories host h needs, made synchronously before the clock starts. */
static int make_dirs(struct run *run, struct host *h)
{
	long files = run->churn ? (run->count + 1) / 2 : run->count;
	long first = run->start / PER_DIR, last = (run->start + files - 1) / PER_DIR;

	for (long d = first; d <= last; d++) {
		Famfs__MkdirRequest m = FAMFS__MKDIR_REQUEST__INIT;
		char path[256], *msg = NULL;
		uint8_t buf[512];
		size_t len;
		int st;

		snprintf(path, sizeof(path), "%s/h%d/d%05ld", run->dir, h->idx, d);
		m.path = path;
		m.mode = 0755;
		m.parents = true;
		len = famfs__mkdir_request__pack(&m, buf);
		st = fam_rpc_call_sync(h->conn, "famfs.Mkdir", buf, len, DEADLINE_MS, NULL, NULL,
				       &msg);
		if (st != FAM_RPC_OK && st != FAM_RPC_ALREADY_EXISTS) {
			fprintf(stderr, "bench_creates: host %d: mkdir %s: %s: %s\n", h->idx, path,
				fam_rpc_status_name(st), msg ? msg : "");
			free(msg);
			return -EIO;
		}
		free(msg);
	}
	return 0;
}

/* -W: touch and free mib MiB of huge pages (see the top). 0 or -errno. */
static int warm_huge_pages(long mib)
{
	size_t huge = 2UL << 20, len = (size_t)mib << 20;
	char *p = mmap(NULL, len + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double t0 = bench_now();
	char *a;

	if (p == MAP_FAILED)
		return -errno;
	a = (char *)(((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1));
	madvise(a, len, MADV_HUGEPAGE);
	for (size_t off = 0; off < len; off += 4096)
		a[off] = 1;
	munmap(p, len + huge);
	printf("warm-up: %ld MiB of huge pages touched at %.0f MB/s\n", mib,
	       (double)len / 1e6 / (bench_now() - t0));
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_creates [-n COUNT] [-s START] [-w WINDOW] [-d DIR] [-c] [-W MIB] SOCKET...\n");
}

int main(int argc, char **argv)
{
	struct run run = { .dir = "/bench-creates", .count = 10000, .window = 64 };
	struct fam_rpc_opts o = { 0 };
	struct fam_rpc *rpc = NULL;
	double t0, wall, *all = NULL;
	long total = 0, failed = 0;
	long warm_mib = 0;
	int opt, ret = 1;

	while ((opt = getopt(argc, argv, "n:s:w:d:cW:")) != -1) {
		switch (opt) {
		case 'c': run.churn = true; break;
		case 'n': run.count = atol(optarg); break;
		case 's': run.start = atol(optarg); break;
		case 'w': run.window = atoi(optarg); break;
		case 'd': run.dir = optarg; break;
		case 'W': warm_mib = atol(optarg); break;
		default: usage(); return 2;
		}
	}
	run.n_hosts = argc - optind;
	if (run.n_hosts < 1 || run.count < 1 || run.start < 0 || run.window < 1 ||
	    run.dir[0] != '/' || warm_mib < 0) {
		usage();
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	run.base = event_base_new();
	rpc = run.base ? fam_rpc_new(run.base, &o) : NULL;
	run.hosts = calloc((size_t)run.n_hosts, sizeof(*run.hosts));
	all = calloc((size_t)(run.count * run.n_hosts), sizeof(double));
	if (!rpc || !run.hosts || !all)
		goto out;
	for (int i = 0; i < run.n_hosts; i++) {
		struct host *h = &run.hosts[i];
		int err = 0;

		h->idx = i + 1;
		h->sock = argv[optind + i];
		h->run = &run;
		h->reqs = calloc((size_t)run.count, sizeof(*h->reqs));
		h->lat = all + (size_t)i * (size_t)run.count;
		h->conn = fam_rpc_connect_unix(rpc, h->sock, &err);
		if (!h->reqs || !h->conn) {
			fprintf(stderr, "bench_creates: cannot connect to %s: %s\n", h->sock,
				strerror(err ? -err : ENOMEM));
			goto out;
		}
		if (make_dirs(&run, h))
			goto out;
	}
	if (warm_mib && warm_huge_pages(warm_mib)) {
		fprintf(stderr, "bench_creates: -W: cannot map %ld MiB: %s\n", warm_mib, strerror(errno));
		goto out;
	}
	run.running = run.n_hosts;
	t0 = bench_now();
	for (int i = 0; i < run.n_hosts; i++)
		for (int w = 0; w < run.window && run.hosts[i].issued < run.count; w++)
			issue(&run.hosts[i]);
	event_base_dispatch(run.base);
	wall = bench_now() - t0;

	printf("%s: %d host(s), %ld each, %d in flight per host, under %s\n",
	       run.churn ? "create+delete calls" : "creates", run.n_hosts, run.count, run.window,
	       run.dir);
	for (int i = 0; i < run.n_hosts; i++) {
		struct host *h = &run.hosts[i];
		double s = h->t_end - t0;

		printf("  host %d (%s): %8.0f creates/s  p50 %8.1f us  p99 %8.1f us\n", h->idx,
		       h->sock, h->done / s, bench_percentile(h->lat, (size_t)h->done, 50) * 1e6,
		       bench_percentile(h->lat, (size_t)h->done, 99) * 1e6);
		total += h->done;
		failed += h->errors;
	}
	printf("  aggregate: %ld creates in %.3f s: %.0f creates/s\n", total, wall, total / wall);
	printf("RESULT hosts=%d count=%ld seconds=%.6f rate=%.1f p50_us=%.1f p99_us=%.1f max_us=%.1f\n",
	       run.n_hosts, total, wall, total / wall,
	       bench_percentile(all, (size_t)total, 50) * 1e6,
	       bench_percentile(all, (size_t)total, 99) * 1e6,
	       bench_percentile(all, (size_t)total, 100) * 1e6);
	ret = failed ? 1 : 0;
	if (failed)
		fprintf(stderr, "bench_creates: %ld create(s) failed\n", failed);
out:
	if (run.hosts) {
		for (int i = 0; i < run.n_hosts; i++) {
			if (run.hosts[i].conn)
				fam_rpc_conn_close(run.hosts[i].conn);
			free(run.hosts[i].reqs);
		}
	}
	free(run.hosts);
	free(all);
	if (rpc)
		fam_rpc_free(rpc);
	if (run.base)
		event_base_free(run.base);
	return ret;
}
