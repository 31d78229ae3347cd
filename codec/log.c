/* log.c - leveled logging to stderr or syslog. */
#include "codec/log.h"

#include <stdarg.h>
#include <stdio.h>

int log_level = LOG_INFO;
static int use_syslog;

void log_use_syslog(int on)
{
	use_syslog = on;
	if (on)
		openlog("dl4jfs", LOG_PID, LOG_USER);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(level, fmt, ap);
	} else {
		flockfile(stderr);
		fputs("dl4jfs: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		funlockfile(stderr);
	}
	va_end(ap);
}
