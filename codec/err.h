/* err.h - first-cause error records shared by every layer of dl4jfs.
 *
 * Internal functions return 0 or a negative errno from a fixed vocabulary
 * (-EBADMSG malformed bytes, -EOVERFLOW size overflow, -ENOTSUP unsupported,
 * -ENOENT missing entry/key, -ENOMEM, -EIO). Parsers also fill a struct err:
 * the first cause wins and is never overwritten; callers prepend location
 * with err_where() on the way up.
 */
#ifndef DLFS_ERR_H
#define DLFS_ERR_H

#include <errno.h>

struct err {
	int code;        /* negative errno; 0 = none */
	char where[256]; /* "model.zip:configuration.json" */
	char msg[256];   /* first cause; never overwritten */
};

/* Records the first cause (later calls keep the first message) and returns code. */
int err_set(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prepends a location component to e->where ("a" then "b" gives "b:a"). No-op if e is NULL. */
void err_where(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Resets e to "no error". */
void err_clear(struct err *e);

/* Formats "where: msg" (or just msg) into buf; returns buf. */
const char *err_str(const struct err *e, char *buf, unsigned long len);

#endif
