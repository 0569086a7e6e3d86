// SPDX-License-Identifier: Apache-2.0
/* famfsd logging: see logging.h. */
#include "logging.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#define FAMFSD_LOG_LINE	2048

/* sd-daemon's prefixes are the syslog priorities: index by level. */
static const char *const level_prefix[] = {
	SD_EMERG, SD_ALERT, SD_CRIT, SD_ERR, SD_WARNING, SD_NOTICE, SD_INFO, SD_DEBUG,
};
static const char *const level_name[] = {
	"emergency", "alert", "critical", "error", "warning", "notice", "info", "debug",
};
_Static_assert(LOG_EMERG == 0 && LOG_DEBUG == 7, "syslog priorities index the tables");

const char *famfsd_log_level_name(int level)
{
	return level >= LOG_EMERG && level <= LOG_DEBUG ? level_name[level] : "?";
}

int famfsd_log_level_parse(const char *s)
{
	for (int i = LOG_ERR; i <= LOG_DEBUG; i++)
		if (!strcmp(s, level_name[i]))
			return i;
	return -1;
}

/* $JOURNAL_STREAM is "DEV:INO" of the journal stream systemd gave us. */
static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	int n = 0;

	if (!e || sscanf(e, "%llu:%llu%n", &dev, &ino, &n) != 2 || e[n])
		return false;
	if (fstat(STDERR_FILENO, &st))
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void famfsd_log_init(struct famfsd_log *l, int level)
{
	if (level < LOG_ERR)
		level = LOG_ERR;
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	l->level = level;
	l->journal = stderr_is_journal();
}

void famfsd_logf(const struct famfsd_log *l, int level, const char *fmt, ...)
{
	char line[FAMFSD_LOG_LINE];
	int saved = errno;
	size_t n, start, len;
	va_list ap;
	int r;

	if (!famfsd_log_enabled(l, level))
		return;
	if (level < LOG_EMERG)
		level = LOG_EMERG;
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	if (l->journal)
		r = snprintf(line, sizeof(line), "%s", level_prefix[level]);
	else
		r = snprintf(line, sizeof(line), "famfsd[%d]: %s: ", (int)getpid(),
			     level_name[level]);
	start = r > 0 ? (size_t)r : 0;
	va_start(ap, fmt);
	r = vsnprintf(line + start, sizeof(line) - start, fmt, ap);
	va_end(ap);
	len = r > 0 ? (size_t)r : 0;
	if (start + len > sizeof(line) - 2) {
		/* Truncated: mark it, keep room for the newline. */
		len = sizeof(line) - 2 - start;
		memcpy(line + sizeof(line) - 5, "...", 3);
	}
	/* One message is one line: control characters (from paths, peers, ...) become '?'. */
	for (size_t i = start; i < start + len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = line[i] == '\t' ? ' ' : '?';
	n = start + len;
	line[n++] = '\n';
	/* One write(2), so concurrent writers never interleave within a line. */
	for (size_t off = 0; off < n;) {
		ssize_t w = write(STDERR_FILENO, line + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	errno = saved;
}
