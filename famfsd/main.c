// SPDX-License-Identifier: Apache-2.0
/*
 * famfsd: the per-host famfs daemon. Lifecycle on one screen: parse flags
 * and config, open the local famfs, bind the control socket (or take it
 * from systemd), READY=1, run the loop, and undo it all in reverse.
 */
#include "famfsd.h"
#include "rpc.h"
#include "version.h"
#include "wiring.h"

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *out)
{
	fprintf(out,
		"usage: famfsd [options]\n"
		"  -c, --config FILE     configuration (default " FAMFSD_CONF_DEFAULT ")\n"
		"      --check-config    validate the configuration, explain any error, exit\n"
		"  -d, --device PATH     famfs device or fabric file ([famfs] device)\n"
		"  -m, --mount DIR       kernel-mode mount point ([famfs] mount)\n"
		"      --mode MODE       auto, kernel or user ([famfs] mode)\n"
		"  -s, --socket PATH     control socket ([control] socket)\n"
		"  -l, --log-level LVL   error, warning, notice, info, debug ([log] level)\n"
		"  -f, --foreground      accepted for compatibility; famfsd never forks\n"
		"  -V, --version\n"
		"  -h, --help\n");
}

struct flags {
	const char *device, *mount, *mode, *socket, *level;
	bool check;
};

static int parse_args(struct famfsd *d, struct flags *f, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "device", required_argument, NULL, 'd' },
		{ "mount", required_argument, NULL, 'm' },
		{ "mode", required_argument, NULL, 'M' },
		{ "socket", required_argument, NULL, 's' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:d:m:s:l:fVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': d->config_path = optarg; break;
		case 'C': f->check = true; break;
		case 'd': f->device = optarg; break;
		case 'm': f->mount = optarg; break;
		case 'M': f->mode = optarg; break;
		case 's': f->socket = optarg; break;
		case 'l': f->level = optarg; break;
		case 'f': break;
		case 'V': printf("famfsd %s\n", FAMFS_VERSION); exit(0);
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "famfsd: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* Config file, then flags on top; then the cross checks. */
static int load_config(struct famfsd *d, const struct flags *f)
{
	char err[512];
	int e;

	famfsd_config_defaults(&d->cfg);
	if (!d->config_path && access(FAMFSD_CONF_DEFAULT, F_OK) == 0)
		d->config_path = FAMFSD_CONF_DEFAULT;
	if (d->config_path && (e = famfsd_config_load(&d->cfg, d->config_path, err, sizeof(err)))) {
		fprintf(stderr, "famfsd: %s\n", err);
		return e;
	}
	/* Flags go through the same checks as the file. */
	{
		const struct { const char *val, *section, *key; } fl[] = {
			{ f->device, "famfs", "device" }, { f->mount, "famfs", "mount" },
			{ f->mode, "famfs", "mode" }, { f->socket, "control", "socket" },
			{ f->level, "log", "level" },
		};

		for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
			if (!fl[i].val)
				continue;
			e = famfsd_config_set(&d->cfg, fl[i].section, fl[i].key, fl[i].val, err,
					      sizeof(err));
			if (e) {
				fprintf(stderr, "famfsd: --%s: %s\n", fl[i].key, err);
				return e;
			}
		}
	}
	e = famfsd_config_check(&d->cfg, err, sizeof(err));
	if (e)
		fprintf(stderr, "famfsd: %s\n", err);
	return e;
}

static void on_term(evutil_socket_t sig, short what, void *arg)
{
	struct famfsd *d = arg;

	famfsd_logf(&d->log, LOG_NOTICE, "signal %d: shutting down", (int)sig);
	sd_notify(0, "STOPPING=1\nSTATUS=shutting down");
	event_base_loopbreak(d->base);
}

/* SIGHUP: re-read the file; the log level and admin group apply now. */
static void on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct famfsd *d = arg;
	struct famfsd_config c;
	char err[512];

	sd_notify(0, "RELOADING=1");
	famfsd_config_defaults(&c);
	if (d->config_path && famfsd_config_load(&c, d->config_path, err, sizeof(err))) {
		famfsd_logf(&d->log, LOG_ERR, "reload refused, keeping the running configuration: %s",
			    err);
	} else {
		d->cfg.log_level = c.log_level;
		d->log.level = c.log_level;
		memcpy(d->cfg.admin_group, c.admin_group, sizeof(c.admin_group));
		d->cfg.admin_gid = c.admin_gid;
		d->cfg.admin_gid_set = c.admin_gid_set;
		fam_rpc_set_admin_gid(d->rpc, c.admin_gid, c.admin_gid_set);
		famfsd_logf(&d->log, LOG_NOTICE, "configuration reloaded from %s",
			    d->config_path ? d->config_path : "(flags only)");
	}
	sd_notify(0, "READY=1");
}

static void on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	sd_notify(0, "WATCHDOG=1");
}

static void rpc_log(void *arg, int level, const char *msg)
{
	struct famfsd *d = arg;

	famfsd_logf(&d->log, level, "rpc: %s", msg);
}

static int start_rpc(struct famfsd *d)
{
	struct fam_rpc_opts o = {
		.max_frame = d->cfg.max_frame,
		.admin_gid = d->cfg.admin_gid,
		.admin_gid_set = d->cfg.admin_gid_set,
		.log = rpc_log,
		.log_arg = d,
		.max_conns = d->cfg.max_clients,
	};
	int n, e;

	d->rpc = fam_rpc_new(d->base, &o);
	if (!d->rpc)
		return -ENOMEM;
	e = famfsd_wire_serve(d);
	if (e)
		return e;
	if (d->cfg.listen[0]) {
		char err[512];

		d->tls = fam_rpc_tls_ctx(d->cfg.cert, d->cfg.key, d->cfg.ca, true, err, sizeof(err));
		if (!d->tls) {
			famfsd_logf(&d->log, LOG_ERR, "TLS: %s", err);
			return -EINVAL;
		}
		e = fam_rpc_listen_tls(d->rpc, d->cfg.listen, d->tls);
		if (e) {
			famfsd_logf(&d->log, LOG_ERR, "cannot listen on %s: %s", d->cfg.listen,
				    strerror(-e));
			return e;
		}
		famfsd_logf(&d->log, LOG_INFO, "peers: mutual TLS on %s", d->cfg.listen);
	}
	n = sd_listen_fds(1);
	if (n > 0) {
		famfsd_logf(&d->log, LOG_INFO, "control socket from systemd (fd %d)",
			    SD_LISTEN_FDS_START);
		d->socket_activated = true;
		return fam_rpc_listen_fd(d->rpc, SD_LISTEN_FDS_START, false, NULL);
	}
	{
		char dir[PATH_MAX], *slash;

		snprintf(dir, sizeof(dir), "%s", d->cfg.socket);
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = 0;
			mkdir(dir, 0755);
		}
	}
	e = fam_rpc_listen_unix(d->rpc, d->cfg.socket);
	if (e)
		famfsd_logf(&d->log, LOG_ERR, "cannot listen on %s: %s", d->cfg.socket, strerror(-e));
	return e;
}

/* Many clients at once need many descriptors: take the hard limit. */
static void raise_nofile(struct famfsd *d)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		famfsd_logf(&d->log, LOG_WARNING, "cannot raise the open file limit: %s",
			    strerror(errno));
}

static int start_signals(struct famfsd *d)
{
	uint64_t usec = 0;

	signal(SIGPIPE, SIG_IGN);
	d->ev_term = evsignal_new(d->base, SIGTERM, on_term, d);
	d->ev_int = evsignal_new(d->base, SIGINT, on_term, d);
	d->ev_hup = evsignal_new(d->base, SIGHUP, on_hup, d);
	if (!d->ev_term || !d->ev_int || !d->ev_hup || evsignal_add(d->ev_term, NULL) ||
	    evsignal_add(d->ev_int, NULL) || evsignal_add(d->ev_hup, NULL))
		return -ENOMEM;
	if (sd_watchdog_enabled(0, &usec) > 0 && usec) {
		struct timeval tv = { .tv_sec = (time_t)(usec / 2 / 1000000),
				      .tv_usec = (suseconds_t)(usec / 2 % 1000000) };

		d->watchdog_usec = usec;
		d->ev_watchdog = event_new(d->base, -1, EV_PERSIST, on_watchdog, d);
		if (!d->ev_watchdog || event_add(d->ev_watchdog, &tv))
			return -ENOMEM;
	}
	return 0;
}

static void free_events(struct famfsd *d)
{
	struct event *evs[] = { d->ev_term, d->ev_int, d->ev_hup, d->ev_watchdog };

	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i])
			event_free(evs[i]);
}

int main(int argc, char **argv)
{
	struct famfsd *d = calloc(1, sizeof(*d));
	struct flags f = { 0 };
	int e, ret = 1;

	if (!d)
		return 1;
	famfsd_metrics_init(&d->metrics);
	if (parse_args(d, &f, argc, argv))
		goto out_free;
	if (load_config(d, &f))
		goto out_free;
	if (f.check) {
		printf("famfsd: configuration %s is valid\n",
		       d->config_path ? d->config_path : "(defaults and flags)");
		ret = 0;
		goto out_free;
	}
	famfsd_log_init(&d->log, d->cfg.log_level);
	d->start_ms = famfsd_now_ms();
	raise_nofile(d);
	d->base = event_base_new();
	if (!d->base)
		goto out_free;
	e = famfsd_wire_open(d);
	if (e)
		goto out_base;
	e = start_rpc(d);
	if (e)
		goto out_rpc;
	e = start_signals(d);
	if (e)
		goto out_events;
	e = famfsd_wire_start(d);
	if (e) {
		famfsd_logf(&d->log, LOG_ERR, "cannot start the cluster: %s", strerror(-e));
		goto out_cluster;
	}
	if (famfsd_metrics_start(d))
		goto out_cluster;
	famfsd_logf(&d->log, LOG_NOTICE, "famfsd %s ready on %s", FAMFS_VERSION, d->cfg.socket);
	sd_notifyf(0, "READY=1\nSTATUS=serving %s (%s mode), %llu files", d->cfg.device,
		   d->kernel ? "kernel" : "user-space", (unsigned long long)d->fs.ns.n_files);
	event_base_dispatch(d->base);
	ret = 0;
out_cluster:
	famfsd_metrics_stop(d);
	famfsd_wire_stop(d);
out_events:
	free_events(d);
out_rpc:
	if (d->rpc)
		fam_rpc_free(d->rpc);
	if (d->tls)
		SSL_CTX_free(d->tls);
	if (!d->socket_activated)
		unlink(d->cfg.socket);
	famfsd_wire_close(d);
out_base:
	event_base_free(d->base);
	famfsd_logf(&d->log, LOG_NOTICE, "famfsd stopped");
out_free:
	free(d);
	return ret;
}
