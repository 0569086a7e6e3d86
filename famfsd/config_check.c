// SPDX-License-Identifier: Apache-2.0
/*
 * famfsd configuration, cross-field checks: what config.c's schema cannot
 * see one key at a time (a device that exists, leases that fit together,
 * certificates that can be read, peers that are all different). Run once
 * the whole configuration is known: after the file and the command line.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

__attribute__((format(printf, 4, 5)))
static int cerr(const struct famfsd_config *c, char *err, size_t errlen, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (!errlen)
		return -EINVAL;
	n = (size_t)snprintf(err, errlen, "%s: ", c->source[0] ? c->source : "famfsd");
	if (n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int check_readable(const struct famfsd_config *c, const char *key, const char *path,
			  char *err, size_t errlen)
{
	struct stat st;

	if (!path[0])
		return cerr(c, err, errlen, "[cluster] %s is not set; it is needed when [cluster] "
			    "listen is set", key);
	if (access(path, R_OK) || stat(path, &st))
		return cerr(c, err, errlen, "[cluster] %s: cannot read '%s': %s", key, path,
			    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return cerr(c, err, errlen, "[cluster] %s: '%s' is not a regular file", key, path);
	return 0;
}

int famfsd_config_check(const struct famfsd_config *c, char *err, size_t errlen)
{
	struct stat st;
	int e;

	if (errlen)
		err[0] = 0;
	if (!c->device[0])
		return cerr(c, err, errlen, "[famfs] device is not set (set it in the "
			    "configuration file or with --device)");
	if (stat(c->device, &st))
		return cerr(c, err, errlen, "[famfs] device: '%s': %s", c->device,
			    errno == ENOENT ? "does not exist" : strerror(errno));
	if (!S_ISBLK(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISREG(st.st_mode))
		return cerr(c, err, errlen, "[famfs] device: '%s' is not a device or a fabric file",
			    c->device);
	if (c->host_lease_ms && c->host_lease_ms < c->lease_ms)
		return cerr(c, err, errlen, "[cluster] host_lease_ms = %u is shorter than lease_ms = %u: "
			    "hosts would lose their grants in every master failover",
			    c->host_lease_ms, c->lease_ms);
	if (c->lease_slack_ms && c->lease_slack_ms < 5)
		return cerr(c, err, errlen, "[cluster] lease_slack_ms = %u is below 5 ms: the famfs "
			    "module's lease may end up to 4 ms after famfsd's deadline",
			    c->lease_slack_ms);
	if (c->lease_slack_ms && c->lease_slack_ms > c->lease_ms / 4)
		return cerr(c, err, errlen, "[cluster] lease_slack_ms = %u is more than a quarter of "
			    "lease_ms = %u: the master would stop writing before it renews",
			    c->lease_slack_ms, c->lease_ms);
	if (c->n_peers && !c->state_dir[0])
		return cerr(c, err, errlen, "[cluster] state_dir is not set; a cluster host records "
			    "its lease promises there");
	if (c->mode == FAMFSD_MODE_KERNEL && !c->mount[0])
		return cerr(c, err, errlen, "[famfs] mount is not set; mode = kernel needs a mount "
			    "point (or use mode = user)");
	if (c->mount[0] && !stat(c->mount, &st) && !S_ISDIR(st.st_mode))
		return cerr(c, err, errlen, "[famfs] mount: '%s' is not a directory", c->mount);
	if (!c->socket[0])
		return cerr(c, err, errlen, "[control] socket is not set");
	if (c->max_frame < 4096 || c->max_frame > (1U << 30))
		return cerr(c, err, errlen, "[control] max_frame: %u is out of range (4K to 1G)",
			    c->max_frame);
	if (!c->max_clients)
		return cerr(c, err, errlen, "[control] max_clients: must be at least 1");
	if (c->admin_group[0] && !c->admin_gid_set)
		return cerr(c, err, errlen, "[control] admin_group: '%s' was not resolved",
			    c->admin_group);
	if (c->n_peers > FAMFSD_MAX_PEERS)
		return cerr(c, err, errlen, "too many peers (at most %d)", FAMFSD_MAX_PEERS);
	if (c->listen[0]) {
		if ((e = check_readable(c, "cert", c->cert, err, errlen)) ||
		    (e = check_readable(c, "key", c->key, err, errlen)) ||
		    (e = check_readable(c, "ca", c->ca, err, errlen)))
			return e;
		if (c->metrics_listen[0] && !strcmp(c->listen, c->metrics_listen))
			return cerr(c, err, errlen, "[metrics] listen: '%s' is also [cluster] listen",
				    c->listen);
	} else if (c->n_peers) {
		return cerr(c, err, errlen, "[peer %s]: peers need [cluster] listen (and cert, key, "
			    "ca) to be set", c->peers[0].name);
	}
	for (uint32_t i = 0; i < c->n_peers; i++) {
		const struct famfsd_peer *pe = &c->peers[i];

		if (!pe->address[0])
			return cerr(c, err, errlen, "[peer %s]: address is not set", pe->name);
		if (pe->host_id == c->host_id)
			return cerr(c, err, errlen, "[peer %s] host_id: %u is this host's own "
				    "[cluster] host_id; every host needs its own", pe->name,
				    pe->host_id);
		for (uint32_t j = 0; j < i; j++) {
			if (c->peers[j].host_id == pe->host_id)
				return cerr(c, err, errlen, "[peer %s] host_id: %u is also the host_id "
					    "of [peer %s]; every host needs its own", pe->name,
					    pe->host_id, c->peers[j].name);
			if (!strcmp(c->peers[j].address, pe->address))
				return cerr(c, err, errlen, "[peer %s] address: '%s' is also the "
					    "address of [peer %s]", pe->name, pe->address,
					    c->peers[j].name);
		}
	}
	return 0;
}
