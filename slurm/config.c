// SPDX-License-Identifier: Apache-2.0
/*
 * famfs-slurm.conf, an INI file split into key = value pairs by inih:
 *
 *     [famfs]
 *     socket = /run/famfsd/famfsd.sock   ; the famfsd the hooks talk to
 *     state_dir = /var/lib/famfs-slurm   ; what each job was granted
 *     wait = 60                          ; seconds to wait for a conflicting grant
 *     handoff = yes                      ; keep an ended job's read-write grant for a handoff
 *     [nodes]
 *     n1 = 1                             ; Slurm node name = famfs host id
 *
 * Every message names the file and line ("FILE:LINE: ...").
 */
#include "famfs_slurm.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FS_DEFAULT_STATE_DIR "/var/lib/famfs-slurm"
#define FS_DEFAULT_WAIT_S 60
#define FS_MAX_WAIT_S 86400
#define FS_MAX_HOST 0x7fffffffu
#define FS_CONFIG_MAX (1u << 20)

struct parse_ctx {
	struct fs_config *cfg;
	char msg[512];			/* the first error, without its line */
};

void fs_config_init(struct fs_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s", FS_DEFAULT_STATE_DIR);
	cfg->wait_s = FS_DEFAULT_WAIT_S;
	cfg->handoff = true;
}

void fs_config_free(struct fs_config *cfg)
{
	free(cfg->nodes);
	cfg->nodes = NULL;
	cfg->n_nodes = 0;
}

static int parse_uint(const char *v, uint32_t max, uint32_t *out)
{
	unsigned long long x = 0;

	if (!*v)
		return -EINVAL;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return -EINVAL;
		x = x * 10 + (unsigned)(*v - '0');
		if (x > max)
			return -ERANGE;
	}
	*out = (uint32_t)x;
	return 0;
}

static bool node_name_ok(const char *n)
{
	size_t len = strlen(n), i;

	if (!len || len >= FS_NODE_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char ch = n[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

static int fail(struct parse_ctx *p, const char *fmt, const char *a, const char *b)
{
	if (!p->msg[0])
		snprintf(p->msg, sizeof(p->msg), fmt, a, b);
	return 0;			/* inih: an error on this line */
}

static int set_path(struct parse_ctx *p, const char *key, const char *value, char *dst,
		    size_t size)
{
	if (value[0] != '/')
		return fail(p, "[famfs] %s: '%s' is not an absolute path", key, value);
	if (strlen(value) >= size)
		return fail(p, "[famfs] %s: '%s' is too long", key, value);
	memcpy(dst, value, strlen(value) + 1);
	return 1;
}

static int add_node(struct parse_ctx *p, const char *name, const char *value)
{
	struct fs_config *cfg = p->cfg;
	struct fs_node *nodes;
	uint32_t host;
	size_t i;

	if (!node_name_ok(name))
		return fail(p, "[nodes] '%s%s': a node name is 1-63 letters, digits, '.', '_' or '-'",
			    name, "");
	if (parse_uint(value, FS_MAX_HOST, &host))
		return fail(p, "[nodes] %s = '%s': a famfs host id is a number from 0 to 2147483647",
			    name, value);
	for (i = 0; i < cfg->n_nodes; i++)
		if (!strcmp(cfg->nodes[i].name, name))
			return fail(p, "[nodes] %s is listed twice%s", name, "");
	nodes = realloc(cfg->nodes, (cfg->n_nodes + 1) * sizeof(*nodes));
	if (!nodes)
		return fail(p, "out of memory%s%s", "", "");
	cfg->nodes = nodes;
	snprintf(nodes[cfg->n_nodes].name, FS_NODE_MAX, "%s", name);
	nodes[cfg->n_nodes].host = host;
	cfg->n_nodes++;
	return 1;
}

static int handler(void *arg, const char *section, const char *key, const char *value)
{
	struct parse_ctx *p = arg;
	struct fs_config *cfg = p->cfg;
	uint32_t w;

	if (!strcmp(section, "nodes"))
		return add_node(p, key, value);
	if (strcmp(section, "famfs"))
		return fail(p, "'%s' is outside the [famfs] and [nodes] sections ([%s])", key,
			    section);
	if (!strcmp(key, "socket"))
		return set_path(p, key, value, cfg->socket, sizeof(cfg->socket));
	if (!strcmp(key, "state_dir"))
		return set_path(p, key, value, cfg->state_dir, sizeof(cfg->state_dir));
	if (!strcmp(key, "wait")) {
		if (parse_uint(value, FS_MAX_WAIT_S, &w))
			return fail(p, "[famfs] wait = '%s': seconds, from 0 to %s", value, "86400");
		cfg->wait_s = w;
		return 1;
	}
	if (!strcmp(key, "handoff")) {
		if (!strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "1"))
			cfg->handoff = true;
		else if (!strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "0"))
			cfg->handoff = false;
		else
			return fail(p, "[famfs] handoff = '%s': yes or no%s", value, "");
		return 1;
	}
	return fail(p, "[famfs] unknown key '%s'%s (socket, state_dir, wait, handoff)", key, "");
}

int fs_config_parse(struct fs_config *cfg, const char *text, const char *name, char *err,
		    size_t errlen)
{
	struct parse_ctx p = { .cfg = cfg };
	int line;

	line = ini_parse_string(text, handler, &p);
	if (line) {
		if (line < 0)
			snprintf(err, errlen, "%s: out of memory", name);
		else
			snprintf(err, errlen, "%s:%d: %s", name, line,
				 p.msg[0] ? p.msg : "not 'key = value' nor a [section]");
		fs_config_free(cfg);
		return -EINVAL;
	}
	if (!cfg->n_nodes) {
		snprintf(err, errlen, "%s: no [nodes] section mapping Slurm nodes to famfs hosts",
			 name);
		return -EINVAL;
	}
	return 0;
}

int fs_config_load(struct fs_config *cfg, const char *file, char *err, size_t errlen)
{
	char *text = NULL;
	int r;

	r = fs_read_text(file, FS_CONFIG_MAX, &text, NULL);
	if (r) {
		snprintf(err, errlen, "%s: %s", file, strerror(-r));
		return r;
	}
	r = fs_config_parse(cfg, text, file, err, errlen);
	free(text);
	return r;
}

int fs_config_host(const struct fs_config *cfg, const char *node, uint32_t *host)
{
	size_t i;

	for (i = 0; i < cfg->n_nodes; i++) {
		if (!strcmp(cfg->nodes[i].name, node)) {
			*host = cfg->nodes[i].host;
			return 0;
		}
	}
	return -ENOENT;
}
