/* SPDX-License-Identifier: Apache-2.0 */
/*
 * famfsd logging: one line per message on stderr. Under systemd (stderr is
 * the journal stream named by $JOURNAL_STREAM) each line carries the
 * sd-daemon priority prefix "<N>" and journald adds the rest; otherwise the
 * line reads "famfsd[pid]: level: message". No hidden state: every call
 * takes the struct famfsd_log it logs through.
 */
#ifndef FAMFSD_LOGGING_H
#define FAMFSD_LOGGING_H

#include <stdbool.h>
#include <syslog.h>

struct famfsd_log {
	int level;		/* LOG_ERR..LOG_DEBUG: messages above it are dropped */
	bool journal;		/* stderr is connected to journald */
};

/* Set the level (clamped to LOG_ERR..LOG_DEBUG) and detect the journal. */
void famfsd_log_init(struct famfsd_log *l, int level);
/* Log one message at level; a trailing newline is not needed. */
void famfsd_logf(const struct famfsd_log *l, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline bool famfsd_log_enabled(const struct famfsd_log *l, int level)
{
	return level <= l->level;
}

/* "error", "warning", "notice", "info", "debug"; "?" for anything else. */
const char *famfsd_log_level_name(int level);
/* The inverse (exact, lower case); -1 if s names no level. */
int famfsd_log_level_parse(const char *s);

#endif
