// SPDX-License-Identifier: MIT
/* log.c - edgelbd's log lines on stderr (or the journal) and syslog (see log.h). */
#include "control/lib/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

struct ed_log_settings ed_log_settings = {.level = ED_LOG_INFO};

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int ed_log_level_parse(const char *text, enum ed_log_level *out)
{
	for (int i = ED_LOG_ERROR; i <= ED_LOG_DEBUG; i++)
		if (!strcmp(text, level_names[i])) {
			*out = (enum ed_log_level)i;
			return 0;
		}
	return -1;
}

bool ed_log_stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (!env || sscanf(env, "%llu:%llu%c", &dev, &ino, &end) != 2 || fstat(2, &st))
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void ed_log(enum ed_log_level level, const char *fmt, ...)
{
	static const int syslog_prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	char msg[1024], stamp[40];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level > ed_log_settings.level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ed_log_settings.journal) {
		fprintf(stderr, "<%d>%s: %s\n", syslog_prio[level], level_names[level], msg);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ edgelbd %s: %s\n", stamp, ts.tv_nsec / 1000000,
			level_names[level], msg);
	}
	if (ed_log_settings.syslog)
		syslog(syslog_prio[level], "%s", msg);
}
