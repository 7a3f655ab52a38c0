/* SPDX-License-Identifier: MIT */
/*
 * log.h - edgelbd's logging: one line per event on stderr with a timestamp, syslog optional.
 * When stderr is the journal (systemd), each line starts with its priority instead ("<3>" error,
 * "<4>" warn, "<6>" info, "<7>" debug), which journald strips and records; the journal has its
 * own timestamps.
 */
#ifndef EDGELB_CONTROL_LIB_LOG_H
#define EDGELB_CONTROL_LIB_LOG_H

#include <stdbool.h>

enum ed_log_level { ED_LOG_ERROR, ED_LOG_WARN, ED_LOG_INFO, ED_LOG_DEBUG };

struct ed_log_settings {
	enum ed_log_level level;
	bool syslog;
	bool journal; /* stderr is the journal: ed_log_stderr_is_journal() */
};
/* Set once by main before the loop runs; the one piece of logging state. */
extern struct ed_log_settings ed_log_settings;

/*
 * Whether stderr is the stream systemd names in $JOURNAL_STREAM ("device:inode", see
 * systemd.exec(5)): a child that redirected stderr elsewhere still inherits the variable.
 */
bool ed_log_stderr_is_journal(void);

void ed_log(enum ed_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "error", "warn", "info", "debug" -> 0 and *out; else -1 */
int ed_log_level_parse(const char *text, enum ed_log_level *out);

#endif
