/* log.h - leveled logging (syslog levels). Foreground: stderr with "dl4jfs: "; else syslog. */
#ifndef DLFS_LOG_H
#define DLFS_LOG_H

#include <syslog.h>

extern int log_level; /* messages with level <= log_level are emitted; default LOG_INFO */

void log_use_syslog(int on);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_at(lvl, ...)                      \
	do {                                  \
		if ((lvl) <= log_level)       \
			log_msg(lvl, __VA_ARGS__); \
	} while (0)
#define log_error(...) log_at(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  log_at(LOG_WARNING, __VA_ARGS__)
#define log_info(...)  log_at(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_at(LOG_DEBUG, __VA_ARGS__)

#endif
