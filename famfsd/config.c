// SPDX-License-Identifier: Apache-2.0
/*
 * famfsd configuration. Every key is one row of conf_schema[] below: its
 * section, name, type, where it lives, its bounds and a line of help. The
 * INI text is split into key = value pairs by inih; this file walks the
 * schema for everything else, so the daemon, --check-config and the
 * command-line flags all accept and reject exactly the same values.
 *
 * The lines are fed to inih by conf_reader(), which numbers them, strips
 * leading blanks (so indented keys are keys, never continuation lines) and
 * follows the [section] headers itself: unknown or malformed sections are
 * reported even when they hold no keys, and every message carries the line.
 */
#include "config.h"
#include "format.h"
#include "logging.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

enum conf_type {
	CONF_STRING,		/* any text up to max bytes */
	CONF_PATH,		/* absolute path up to max bytes */
	CONF_SIZE,		/* bytes, "4096", "64K", "4M", "1G" (uint32_t) */
	CONF_UINT,		/* decimal (uint32_t) */
	CONF_BOOL,		/* yes/no, true/false, on/off, 1/0 (bool) */
	CONF_ENUM,		/* one of values[] (int-sized enum) */
	CONF_LOGLEVEL,		/* error|warning|notice|info|debug (int) */
	CONF_GROUP,		/* group name, resolved to admin_gid */
	CONF_HOSTPORT,		/* "host:port" or "[v6addr]:port" */
};

/* Which struct a row's offset is into. */
enum conf_base { CONF_BASE_CONFIG, CONF_BASE_PEER };

struct conf_enum {
	const char *name;
	int value;
};

struct conf_item {
	const char *section;	/* "peer" for the [peer NAME] sections */
	const char *key;
	enum conf_type type;
	enum conf_base base;
	size_t offset, size;
	uint64_t min, max;	/* numbers: bounds; strings: max is the longest value */
	const struct conf_enum *values;
	const char *help;
};

static const struct conf_enum conf_modes[] = {
	{ "auto", FAMFSD_MODE_AUTO },
	{ "kernel", FAMFSD_MODE_KERNEL },
	{ "user", FAMFSD_MODE_USER },
	{ NULL, 0 },
};

static const struct conf_enum conf_cache_walks[] = {
	{ "auto", FAMFSD_CACHE_AUTO },
	{ "always", FAMFSD_CACHE_ALWAYS },
	{ NULL, 0 },
};

_Static_assert(sizeof(enum famfsd_mode) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(enum famfsd_cache_walk) == sizeof(int), "enums are stored as int");

#define CONF_FIELD(f) CONF_BASE_CONFIG, offsetof(struct famfsd_config, f), \
		      sizeof(((struct famfsd_config *)0)->f)
#define PEER_FIELD(f) CONF_BASE_PEER, offsetof(struct famfsd_peer, f), \
		      sizeof(((struct famfsd_peer *)0)->f)
#define SUN_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

static const struct conf_item conf_schema[] = {
	{ "famfs", "device", CONF_PATH, CONF_FIELD(device), 0, PATH_MAX - 1, NULL,
	  "the famfs device: /dev/pmemN, /dev/daxN.M or a fabric file (required)" },
	{ "famfs", "mount", CONF_PATH, CONF_FIELD(mount), 0, PATH_MAX - 1, NULL,
	  "mount point of the famfs kernel module (kernel mode)" },
	{ "famfs", "mode", CONF_ENUM, CONF_FIELD(mode), 0, 0, conf_modes,
	  "kernel (famfs.ko), user (user-space mapping) or auto" },
	{ "famfs", "cache_walk", CONF_ENUM, CONF_FIELD(cache_walk), 0, 0, conf_cache_walks,
	  "user-space mode: write back / invalidate a data set's resident pages on a handoff "
	  "on real fabric memory only (auto), or also on a simulated fabric, a regular file "
	  "(always: for tests and benchmarks; one host's memory is coherent)" },
	{ "control", "socket", CONF_PATH, CONF_FIELD(socket), 0, SUN_PATH_MAX, NULL,
	  "UNIX socket of the control API" },
	{ "control", "admin_group", CONF_GROUP, CONF_FIELD(admin_group), 0, 0, NULL,
	  "members of this group may change the file system; root always may" },
	{ "control", "max_frame", CONF_SIZE, CONF_FIELD(max_frame), 4096, 1ULL << 30, NULL,
	  "largest RPC frame accepted" },
	{ "control", "max_clients", CONF_UINT, CONF_FIELD(max_clients), 1, 65536, NULL,
	  "most concurrent control connections" },
	{ "log", "level", CONF_LOGLEVEL, CONF_FIELD(log_level), 0, 0, NULL,
	  "error, warning, notice, info or debug" },
	{ "cluster", "host_id", CONF_UINT, CONF_FIELD(host_id), 0, FAM_MAX_HOSTS - 1, NULL,
	  "this host's slot in the shared memory, unique in the cluster" },
	{ "cluster", "listen", CONF_HOSTPORT, CONF_FIELD(listen), 0, 0, NULL,
	  "address for peer connections (mutual TLS); empty: single host" },
	{ "cluster", "cert", CONF_PATH, CONF_FIELD(cert), 0, PATH_MAX - 1, NULL,
	  "this host's certificate (PEM)" },
	{ "cluster", "key", CONF_PATH, CONF_FIELD(key), 0, PATH_MAX - 1, NULL,
	  "this host's private key (PEM)" },
	{ "cluster", "ca", CONF_PATH, CONF_FIELD(ca), 0, PATH_MAX - 1, NULL,
	  "the cluster CA certificate (PEM) peers must be signed by" },
	{ "cluster", "lease_ms", CONF_UINT, CONF_FIELD(lease_ms), 100, 600000, NULL,
	  "master lease in milliseconds" },
	{ "cluster", "host_lease_ms", CONF_UINT, CONF_FIELD(host_lease_ms), 0, 3600000, NULL,
	  "host lease in milliseconds (a host keeps its grants this long after the master's "
	  "last heartbeat ack), at least lease_ms; 0 (the default): 3 x lease_ms" },
	{ "cluster", "clock_drift_ppm", CONF_UINT, CONF_FIELD(clock_drift_ppm), 0, 200000, NULL,
	  "epsilon: how far (parts per million) any host's clock rate may stray from real "
	  "time; a master stops at lease x (1 - epsilon) - slack, a voter's promise lasts "
	  "lease x (1 + epsilon)" },
	{ "cluster", "lease_slack_ms", CONF_UINT, CONF_FIELD(lease_slack_ms), 0, 150000, NULL,
	  "how long before the end of its lease (less epsilon) a master stops writing: "
	  "the bound on a stall between a lease check and the store it allows; "
	  "0 (the default): lease_ms / 20" },
	{ "cluster", "state_dir", CONF_PATH, CONF_FIELD(state_dir), 0, PATH_MAX - 1, NULL,
	  "directory of this host's durable cluster state (the lease promise it gave, "
	  "fsync'ed before it answers)" },
	{ "cluster", "act_for_others", CONF_BOOL, CONF_FIELD(act_for_others), 0, 0, NULL,
	  "this host's clients may acquire, release and hand off data sets for other hosts "
	  "(a job scheduler's host); no (the default): it acts only for itself. The master "
	  "decides with its own configuration (docs/ownership.md, \"Who may act\")" },
	{ "peer", "host_id", CONF_UINT, PEER_FIELD(host_id), 0, FAM_MAX_HOSTS - 1, NULL,
	  "the peer's [cluster] host_id; required" },
	{ "peer", "address", CONF_HOSTPORT, PEER_FIELD(address), 0, 0, NULL,
	  "the peer's [cluster] listen address; required" },
	{ "peer", "act_for_others", CONF_BOOL, PEER_FIELD(act_for_others), 0, 0, NULL,
	  "that peer's clients may acquire, release and hand off for other hosts (checked "
	  "while this host is master); default no" },
	{ "metrics", "listen", CONF_HOSTPORT, CONF_FIELD(metrics_listen), 0, 0, NULL,
	  "address of the Prometheus metrics endpoint; empty: off" },
};

#define CONF_N_ITEMS (sizeof(conf_schema) / sizeof(conf_schema[0]))
#define PEER_N_ITEMS 3		/* the "peer" rows, which are consecutive */
#define PEER_N_REQUIRED 2	/* the first ones (host_id, address) must be set */

static const char *const conf_sections = "famfs, control, log, cluster, peer NAME, metrics";

void famfsd_config_defaults(struct famfsd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = FAMFSD_MODE_AUTO;
	snprintf(c->socket, sizeof(c->socket), "%s", FAMFSD_SOCKET_DEFAULT);
	c->max_frame = 4U << 20;
	c->max_clients = 4096;
	c->log_level = LOG_INFO;
	c->host_id = 0;
	c->lease_ms = 5000;
	c->clock_drift_ppm = FAMFSD_DRIFT_PPM_DEFAULT;
	snprintf(c->state_dir, sizeof(c->state_dir), "%s", FAMFSD_STATE_DIR_DEFAULT);
}

/* ---- values ----------------------------------------------------------- */

static void *item_field(const struct conf_item *it, struct famfsd_config *c,
			struct famfsd_peer *peer)
{
	return (char *)(it->base == CONF_BASE_PEER ? (void *)peer : (void *)c) + it->offset;
}

static const char *enum_name(const struct conf_enum *v, int value)
{
	for (; v->name; v++)
		if (v->value == value)
			return v->name;
	return "?";
}

/* "auto, kernel, user" */
static void enum_list(const struct conf_enum *v, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = 0;
	for (; v->name && n < cap; v++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", v->name);
}

/* 4096 -> "4K", 1073741824 -> "1G", 5000 -> "5000". */
static void size_fmt(uint64_t v, char *buf, size_t cap)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (v && v % 1024 == 0 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, cap, "%llu", (unsigned long long)v);
	else
		snprintf(buf, cap, "%llu%c", (unsigned long long)v, units[u]);
}

static int parse_uint(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno)
		return -ERANGE;
	*out = v;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcmp(s, yes[i]))
			return *out = true, 0;
		if (!strcmp(s, no[i]))
			return *out = false, 0;
	}
	return -EINVAL;
}

static bool host_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '.' || ch == '-' || ch == '_' || ch == '*';
}

/* "host:port", "[v6addr]:port" (port 1..65535). 0 or a reason. */
static const char *hostport_check(const char *s)
{
	const char *colon, *p;
	uint64_t port;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close == s + 1)
			return "an IPv6 address needs the form [addr]:port";
		for (p = s + 1; p < close; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.' && *p != '%' &&
			    !isalnum((unsigned char)*p))
				return "the IPv6 address has a character that cannot be in one";
		if (close[1] != ':')
			return "the port is missing";
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return "the port is missing";
		if (colon == s)
			return "the host is missing";
		for (p = s; p < colon; p++)
			if (!host_char(*p))
				return *p == ':' ? "an IPv6 address must be written in brackets"
						 : "the host has a character that cannot be in one";
	}
	if (parse_uint(colon + 1, &port) || port == 0 || port > 65535)
		return "the port is not a number from 1 to 65535";
	return NULL;
}

static int group_lookup(const char *name, gid_t *gid)
{
	size_t cap = 1024;
	struct group gr, *res = NULL;
	char *buf = NULL;
	int e;

	for (;;) {
		char *nb = realloc(buf, cap);

		if (!nb) {
			free(buf);
			return -ENOMEM;
		}
		buf = nb;
		e = getgrnam_r(name, &gr, buf, cap, &res);
		if (e != ERANGE || cap >= (1U << 20))
			break;
		cap *= 2;
	}
	if (!e && res)
		*gid = res->gr_gid;
	free(buf);
	if (e)
		return -e;
	return res ? 0 : -ENOENT;
}

/*
 * Check value against row it and store it. On error returns -errno and puts
 * what is wrong and what is allowed in why; nothing is stored then.
 */
static int item_set(const struct conf_item *it, struct famfsd_config *c, struct famfsd_peer *peer,
		    const char *value, char *why, size_t whylen)
{
	void *f = item_field(it, c, peer);
	char list[128], lo[32], hi[32];
	uint64_t v = 0;
	size_t len = strlen(value);
	const char *bad;
	int iv, e;
	bool bv;

	switch (it->type) {
	case CONF_PATH:
		if (len && value[0] != '/') {
			snprintf(why, whylen, "'%s' is not an absolute path (it must start with '/')",
				 value);
			return -EINVAL;
		}
		/* fall through */
	case CONF_STRING:
		if (len > it->max || len >= it->size) {
			snprintf(why, whylen, "the value is %zu characters long; at most %zu are allowed",
				 len, (size_t)(it->max < it->size - 1 ? it->max : it->size - 1));
			return -ENAMETOOLONG;
		}
		memcpy(f, value, len + 1);
		return 0;
	case CONF_HOSTPORT:
		if (len >= it->size) {
			snprintf(why, whylen, "the value is %zu characters long; at most %zu are allowed",
				 len, it->size - 1);
			return -ENAMETOOLONG;
		}
		if (len && (bad = hostport_check(value))) {
			snprintf(why, whylen, "'%s' is not an address: %s (use host:port or [ipv6]:port)",
				 value, bad);
			return -EINVAL;
		}
		memcpy(f, value, len + 1);
		return 0;
	case CONF_SIZE:
	case CONF_UINT:
		if (it->type == CONF_SIZE) {
			size_fmt(it->min, lo, sizeof(lo));
			size_fmt(it->max, hi, sizeof(hi));
			e = fam_parse_size(value, &v);
		} else {
			snprintf(lo, sizeof(lo), "%llu", (unsigned long long)it->min);
			snprintf(hi, sizeof(hi), "%llu", (unsigned long long)it->max);
			e = parse_uint(value, &v);
		}
		if (e == -EINVAL) {
			if (it->type == CONF_SIZE)
				snprintf(why, whylen, "'%s' is not a size (a number of bytes with an "
					 "optional K, M or G suffix, from %s to %s)", value, lo, hi);
			else
				snprintf(why, whylen, "'%s' is not a number (a whole number from %s to %s)",
					 value, lo, hi);
			return -EINVAL;
		}
		if (e || v < it->min || v > it->max) {
			snprintf(why, whylen, "%s is out of range (allowed: %s to %s)", value, lo, hi);
			return -ERANGE;
		}
		{
			uint32_t v32 = (uint32_t)v;

			memcpy(f, &v32, sizeof(v32));
		}
		return 0;
	case CONF_BOOL:
		if (parse_bool(value, &bv)) {
			snprintf(why, whylen, "'%s' is not a boolean (yes, no, true, false, on, off, 1, 0)",
				 value);
			return -EINVAL;
		}
		memcpy(f, &bv, sizeof(bv));
		return 0;
	case CONF_ENUM:
		for (const struct conf_enum *ev = it->values; ev->name; ev++) {
			if (!strcmp(ev->name, value)) {
				memcpy(f, &ev->value, sizeof(int));
				return 0;
			}
		}
		enum_list(it->values, list, sizeof(list));
		snprintf(why, whylen, "'%s' is not one of: %s", value, list);
		return -EINVAL;
	case CONF_LOGLEVEL:
		iv = famfsd_log_level_parse(value);
		if (iv < 0) {
			snprintf(why, whylen, "'%s' is not a log level (error, warning, notice, info, "
				 "debug)", value);
			return -EINVAL;
		}
		memcpy(f, &iv, sizeof(iv));
		return 0;
	case CONF_GROUP: {
		gid_t gid = 0;

		if (len >= sizeof(c->admin_group)) {
			snprintf(why, whylen, "the group name is %zu characters long; at most %zu are "
				 "allowed", len, sizeof(c->admin_group) - 1);
			return -ENAMETOOLONG;
		}
		if (len) {
			e = group_lookup(value, &gid);
			if (e == -ENOENT) {
				snprintf(why, whylen, "group '%s' does not exist (name a group from the "
					 "group database, or leave it empty: then only root may change "
					 "the file system)", value);
				return e;
			}
			if (e) {
				snprintf(why, whylen, "cannot look up group '%s': %s", value,
					 strerror(-e));
				return e;
			}
		}
		memcpy(c->admin_group, value, len + 1);
		c->admin_gid = gid;
		c->admin_gid_set = len > 0;
		return 0;
	}
	}
	snprintf(why, whylen, "internal error: bad schema type");
	return -EINVAL;
}

/* The value of row it as it would be written in the file. */
static void item_fmt(const struct conf_item *it, const struct famfsd_config *c,
		     const struct famfsd_peer *peer, char *buf, size_t cap)
{
	const void *f = item_field(it, (struct famfsd_config *)c, (struct famfsd_peer *)peer);
	uint32_t v32;
	int iv;
	bool bv;

	switch (it->type) {
	case CONF_STRING:
	case CONF_PATH:
	case CONF_HOSTPORT:
	case CONF_GROUP:
		snprintf(buf, cap, "%s", (const char *)f);
		return;
	case CONF_SIZE:
		memcpy(&v32, f, sizeof(v32));
		size_fmt(v32, buf, cap);
		return;
	case CONF_UINT:
		memcpy(&v32, f, sizeof(v32));
		snprintf(buf, cap, "%u", v32);
		return;
	case CONF_BOOL:
		memcpy(&bv, f, sizeof(bv));
		snprintf(buf, cap, "%s", bv ? "yes" : "no");
		return;
	case CONF_ENUM:
		memcpy(&iv, f, sizeof(iv));
		snprintf(buf, cap, "%s", enum_name(it->values, iv));
		return;
	case CONF_LOGLEVEL:
		memcpy(&iv, f, sizeof(iv));
		snprintf(buf, cap, "%s", famfsd_log_level_name(iv));
		return;
	}
	buf[0] = 0;
}

static const struct conf_item *item_find(const char *section, const char *key)
{
	for (size_t i = 0; i < CONF_N_ITEMS; i++)
		if (!strcmp(conf_schema[i].section, section) && !strcmp(conf_schema[i].key, key))
			return &conf_schema[i];
	return NULL;
}

/* Index of the first "peer" row. */
static size_t peer_first(void)
{
	size_t i = 0;

	while (i < CONF_N_ITEMS && conf_schema[i].base != CONF_BASE_PEER)
		i++;
	return i;
}

/* "socket, admin_group, max_frame, max_clients" */
static void keys_list(const char *section, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < CONF_N_ITEMS && n < cap; i++)
		if (!strcmp(conf_schema[i].section, section))
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? ", " : "",
					      conf_schema[i].key);
}

/* ---- the parser ------------------------------------------------------- */

struct conf_parse {
	struct famfsd_config *c;	/* the working copy */
	const char *name;		/* file name for messages */
	/* input: a string, or a FILE read with getline() */
	const char *text;
	size_t pos;
	FILE *f;
	char *buf;
	size_t bufcap;
	int line;
	/* the section the current line is in, as conf_reader saw it */
	char section[128];		/* as written, e.g. "peer b" */
	const char *kind;		/* "famfs", ..., "peer"; NULL before any or after a bad one */
	bool bad_section;		/* its header was reported: skip its keys quietly */
	int peer;			/* index in c->peers for [peer NAME] */
	/* where each key was set (0: not in this file) */
	int item_line[CONF_N_ITEMS];
	int peer_header[FAMFSD_MAX_PEERS];
	int peer_line[FAMFSD_MAX_PEERS][PEER_N_ITEMS];
	/* the first error */
	char *err;
	size_t errlen;
	int err_line;
	int ret;
};

__attribute__((format(printf, 3, 4)))
static void perr(struct conf_parse *p, int line, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (p->ret)
		return;
	p->ret = -EINVAL;
	p->err_line = line;
	if (!p->errlen)
		return;
	n = (size_t)snprintf(p->err, p->errlen, "%s:%d: ", p->name, line);
	if (n >= p->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
}

static bool peer_name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-' && *s != '_')
			return false;
	return true;
}

/* A "[...]" line: name is what is between the brackets, trimmed. */
static void section_start(struct conf_parse *p, const char *name)
{
	static const char *const plain[] = { "famfs", "control", "log", "cluster", "metrics" };
	struct famfsd_config *c = p->c;
	const char *pname;
	uint32_t i;

	snprintf(p->section, sizeof(p->section), "%s", name);
	p->kind = NULL;
	p->bad_section = true;
	p->peer = -1;
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (!strcmp(name, plain[i])) {
			p->kind = plain[i];
			p->bad_section = false;
			return;
		}
	}
	if (strncmp(name, "peer", 4) || (name[4] && !isspace((unsigned char)name[4]))) {
		perr(p, p->line, "[%s]: unknown section (sections: %s)", name, conf_sections);
		return;
	}
	pname = name + 4;
	while (isspace((unsigned char)*pname))
		pname++;
	if (!*pname) {
		perr(p, p->line, "[%s]: a peer section needs a name: [peer NAME]", name);
		return;
	}
	if (strlen(pname) >= sizeof(c->peers[0].name) || !peer_name_ok(pname)) {
		perr(p, p->line, "[%s]: '%s' is not a peer name (1 to %zu letters, digits, '.', "
		     "'-' or '_')", name, pname, sizeof(c->peers[0].name) - 1);
		return;
	}
	for (i = 0; i < c->n_peers; i++)
		if (!strcmp(c->peers[i].name, pname))
			break;
	if (i == c->n_peers) {
		if (c->n_peers >= FAMFSD_MAX_PEERS) {
			perr(p, p->line, "[%s]: too many peers (at most %d)", name,
			     FAMFSD_MAX_PEERS);
			return;
		}
		memset(&c->peers[i], 0, sizeof(c->peers[i]));
		snprintf(c->peers[i].name, sizeof(c->peers[i].name), "%s", pname);
		c->n_peers++;
	}
	if (!p->peer_header[i])
		p->peer_header[i] = p->line;
	snprintf(p->section, sizeof(p->section), "peer %s", pname);
	p->kind = "peer";
	p->bad_section = false;
	p->peer = (int)i;
}

/* The next raw line without its '\n' in *line (length *len); false at the end. */
static bool next_line(struct conf_parse *p, char **line, size_t *len)
{
	if (p->f) {
		ssize_t n = getline(&p->buf, &p->bufcap, p->f);

		if (n < 0)
			return false;
		*line = p->buf;
		*len = (size_t)n;
	} else {
		const char *s = p->text + p->pos, *nl;

		if (!*s)
			return false;
		nl = strchr(s, '\n');
		*len = nl ? (size_t)(nl - s) + 1 : strlen(s);
		if (*len + 1 > p->bufcap) {
			char *nb = realloc(p->buf, *len + 1);

			if (!nb)
				return false;
			p->buf = nb;
			p->bufcap = *len + 1;
		}
		memcpy(p->buf, s, *len);
		p->buf[*len] = 0;
		p->pos += *len;
		*line = p->buf;
	}
	if (*len && (*line)[*len - 1] == '\n')
		(*line)[--*len] = 0;
	return true;
}

/* inih's fgets(): one whole line per call, numbered here. */
static char *conf_reader(char *str, int num, void *stream)
{
	struct conf_parse *p = stream;
	char *line, *end;
	size_t len;

	if (num < 3 || !next_line(p, &line, &len))
		return NULL;
	p->line++;
	if (strlen(line) != len) {
		perr(p, p->line, "the line contains a NUL byte");
		goto blank;
	}
	if (p->line == 1 && !strncmp(line, "\xef\xbb\xbf", 3)) {
		line += 3;
		len -= 3;
	}
	while (len && isspace((unsigned char)*line)) {
		line++;
		len--;
	}
	if (len + 2 > (size_t)num) {
		perr(p, p->line, "the line is too long (%zu characters; at most %d)", len, num - 2);
		goto blank;
	}
	if (line[0] == '[') {
		end = strchr(line, ']');
		if (end) {
			char *name = line + 1, *tail = end + 1;

			while (isspace((unsigned char)*tail))
				tail++;
			if (*tail && *tail != ';' && *tail != '#') {
				perr(p, p->line, "unexpected text after ']': '%s'", tail);
				goto blank;
			}
			*end = 0;
			while (isspace((unsigned char)*name))
				name++;
			for (char *t = end; t > name && isspace((unsigned char)t[-1]);)
				*--t = 0;
			section_start(p, name);
			/* Keep inih's own section state harmless: it is not used. */
			goto blank;
		}
		/* inih reports the missing ']' as a syntax error; skip what follows. */
		p->kind = NULL;
		p->bad_section = true;
	}
	memcpy(str, line, len);
	str[len] = '\n';
	str[len + 1] = 0;
	return str;
blank:
	str[0] = '\n';
	str[1] = 0;
	return str;
}

static int conf_handler(void *user, const char *section, const char *key, const char *value)
{
	struct conf_parse *p = user;
	const struct conf_item *it;
	struct famfsd_peer *peer = NULL;
	char why[512], list[256];
	int *seen, e;

	(void)section;
	if (p->bad_section)
		return 1;
	if (!p->kind) {
		perr(p, p->line, "%s: the key is outside any section (put it under one of: %s)",
		     key, conf_sections);
		return 0;
	}
	it = item_find(p->kind, key);
	if (!it) {
		keys_list(p->kind, list, sizeof(list));
		perr(p, p->line, "[%s] %s: unknown key (keys in [%s]: %s)", p->section, key,
		     !strcmp(p->kind, "peer") ? "peer NAME" : p->kind, list);
		return 0;
	}
	if (it->base == CONF_BASE_PEER) {
		peer = &p->c->peers[p->peer];
		seen = &p->peer_line[p->peer][(size_t)(it - conf_schema) - peer_first()];
	} else {
		seen = &p->item_line[it - conf_schema];
	}
	if (*seen) {
		perr(p, p->line, "[%s] %s: set twice (first on line %d)", p->section, key, *seen);
		return 0;
	}
	e = item_set(it, p->c, peer, value, why, sizeof(why));
	if (e) {
		perr(p, p->line, "[%s] %s: %s", p->section, key, why);
		return 0;
	}
	*seen = p->line;
	return 1;
}

/* After the last line: what only the whole file can tell. */
static void conf_finish(struct conf_parse *p)
{
	const struct famfsd_config *c = p->c;
	int own_line = p->item_line[item_find("cluster", "host_id") - conf_schema];
	char own[32] = "";

	if (own_line)
		snprintf(own, sizeof(own), " (line %d)", own_line);

	for (uint32_t i = 0; i < c->n_peers; i++) {
		const struct famfsd_peer *pe = &c->peers[i];

		if (!p->peer_header[i])
			continue;
		for (int k = 0; k < PEER_N_REQUIRED; k++)
			if (!p->peer_line[i][k])
				perr(p, p->peer_header[i], "[peer %s]: %s is not set (it is required)",
				     pe->name, conf_schema[peer_first() + (size_t)k].key);
		if (pe->host_id == c->host_id)
			perr(p, p->peer_line[i][0], "[peer %s] host_id: %u is this host's own "
			     "[cluster] host_id%s; every host needs its own", pe->name,
			     pe->host_id, own);
		for (uint32_t j = 0; j < i; j++)
			if (c->peers[j].host_id == pe->host_id)
				perr(p, p->peer_line[i][0] ? p->peer_line[i][0] : p->peer_header[i],
				     "[peer %s] host_id: %u is also the host_id of [peer %s]; every "
				     "host needs its own", pe->name, pe->host_id, c->peers[j].name);
	}
}

static int conf_run(struct famfsd_config *c, struct conf_parse *p)
{
	struct famfsd_config *w = malloc(sizeof(*w));
	int r;

	if (!w) {
		snprintf(p->err, p->errlen, "%s: out of memory", p->name);
		return -ENOMEM;
	}
	memcpy(w, c, sizeof(*w));
	p->c = w;
	p->peer = -1;
	r = ini_parse_stream(conf_reader, p, conf_handler, p);
	if (r == -2) {
		p->ret = -ENOMEM;
		snprintf(p->err, p->errlen, "%s: out of memory", p->name);
	} else if (r > 0 && (!p->ret || r < p->err_line)) {
		p->ret = 0;
		perr(p, r, "syntax error: expected '[section]', 'key = value' or a comment "
		     "starting with '#' or ';'");
	}
	if (p->f && ferror(p->f) && !p->ret) {
		p->ret = -EIO;
		snprintf(p->err, p->errlen, "%s: read error", p->name);
	}
	if (!p->ret)
		conf_finish(p);
	if (!p->ret) {
		snprintf(w->source, sizeof(w->source), "%s", p->name);
		memcpy(c, w, sizeof(*c));
	}
	free(w);
	free(p->buf);
	return p->ret;
}

int famfsd_config_parse(struct famfsd_config *c, const char *text, const char *name, char *err,
			size_t errlen)
{
	struct conf_parse *p = calloc(1, sizeof(*p));
	int r;

	if (errlen)
		err[0] = 0;
	if (!p) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	p->name = name;
	p->text = text;
	p->err = err;
	p->errlen = errlen;
	r = conf_run(c, p);
	free(p);
	return r;
}

int famfsd_config_load(struct famfsd_config *c, const char *path, char *err, size_t errlen)
{
	struct conf_parse *p;
	struct stat st;
	FILE *f;
	int r;

	if (errlen)
		err[0] = 0;
	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		snprintf(err, errlen, "%s: cannot open the configuration file: %s", path,
			 strerror(-r));
		return r;
	}
	if (!fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		fclose(f);
		snprintf(err, errlen, "%s: is a directory, not a configuration file", path);
		return -EISDIR;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	p->name = path;
	p->f = f;
	p->err = err;
	p->errlen = errlen;
	r = conf_run(c, p);
	free(p);
	fclose(f);
	return r;
}

int famfsd_config_set(struct famfsd_config *c, const char *section, const char *key,
		      const char *value, char *err, size_t errlen)
{
	const struct conf_item *it = item_find(section, key);
	char why[512], abs[PATH_MAX];
	int e;

	if (errlen)
		err[0] = 0;
	if (!it || it->base != CONF_BASE_CONFIG) {
		snprintf(err, errlen, "[%s] %s: no such setting", section, key);
		return -ENOENT;
	}
	/* A relative path on the command line is relative to where famfsd was started. */
	if (it->type == CONF_PATH && value[0] && value[0] != '/') {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)) ||
		    (size_t)snprintf(abs, sizeof(abs), "%s/%s", cwd, value) >= sizeof(abs)) {
			snprintf(err, errlen, "[%s] %s: cannot make '%s' an absolute path", section,
				 key, value);
			return -ENAMETOOLONG;
		}
		value = abs;
	}
	e = item_set(it, c, NULL, value, why, sizeof(why));
	if (e)
		snprintf(err, errlen, "[%s] %s: %s", section, key, why);
	return e;
}

/* ---- output ----------------------------------------------------------- */

void famfsd_config_print(const struct famfsd_config *c, FILE *out)
{
	const char *last = NULL;
	char val[PATH_MAX + 32];

	for (size_t i = 0; i < CONF_N_ITEMS; i++) {
		const struct conf_item *it = &conf_schema[i];

		if (it->base != CONF_BASE_CONFIG)
			continue;
		if (!last || strcmp(last, it->section))
			fprintf(out, "%s[%s]\n", last ? "\n" : "", it->section);
		last = it->section;
		item_fmt(it, c, NULL, val, sizeof(val));
		fprintf(out, "%s = %s\n", it->key, val);
	}
	for (uint32_t p = 0; p < c->n_peers && p < FAMFSD_MAX_PEERS; p++) {
		fprintf(out, "\n[peer %s]\n", c->peers[p].name);
		for (size_t i = peer_first(); i < peer_first() + PEER_N_ITEMS; i++) {
			item_fmt(&conf_schema[i], c, &c->peers[p], val, sizeof(val));
			fprintf(out, "%s = %s\n", conf_schema[i].key, val);
		}
	}
}

void famfsd_config_schema_print(FILE *out)
{
	char list[128], lo[32], hi[32];

	for (size_t i = 0; i < CONF_N_ITEMS; i++) {
		const struct conf_item *it = &conf_schema[i];

		fprintf(out, "[%s] %s: %s", strcmp(it->section, "peer") ? it->section : "peer NAME",
			it->key, it->help);
		switch (it->type) {
		case CONF_SIZE:
			size_fmt(it->min, lo, sizeof(lo));
			size_fmt(it->max, hi, sizeof(hi));
			fprintf(out, " (size, %s to %s)", lo, hi);
			break;
		case CONF_UINT:
			fprintf(out, " (%llu to %llu)", (unsigned long long)it->min,
				(unsigned long long)it->max);
			break;
		case CONF_ENUM:
			enum_list(it->values, list, sizeof(list));
			fprintf(out, " (%s)", list);
			break;
		default:
			break;
		}
		fputc('\n', out);
	}
}

const char *famfsd_mode_name(enum famfsd_mode mode)
{
	return enum_name(conf_modes, (int)mode);
}
