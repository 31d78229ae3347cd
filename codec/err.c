/* err.c - first-cause error records (see err.h). */
#include "codec/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e || e->code)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

void err_where(struct err *e, const char *fmt, ...)
{
	char part[sizeof(e->where)];
	char old[sizeof(e->where)];
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(part, sizeof(part), fmt, ap);
	va_end(ap);
	memcpy(old, e->where, sizeof(old));
	if (old[0])
		snprintf(e->where, sizeof(e->where), "%s:%s", part, old);
	else
		snprintf(e->where, sizeof(e->where), "%s", part);
}

void err_clear(struct err *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

const char *err_str(const struct err *e, char *buf, unsigned long len)
{
	if (e->where[0])
		snprintf(buf, len, "%s: %s", e->where, e->msg);
	else
		snprintf(buf, len, "%s", e->msg);
	return buf;
}
