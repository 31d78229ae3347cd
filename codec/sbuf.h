/* sbuf.h - a growable text buffer for the renderers (JSON views, summaries, manifests).
 *
 * Errors are sticky: the first failure (-ENOMEM, or -EOVERFLOW past `max`) is kept in rc,
 * reported once through `e` when set, and every later call does nothing, so a renderer
 * checks rc once at the end. The text is NUL-terminated once anything was added.
 */
#ifndef DLFS_SBUF_H
#define DLFS_SBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/err.h"

struct sbuf {
	char *p; /* owned (dl_free), or take it over */
	size_t len, cap;
	size_t max;       /* 0: unlimited; else growing past max bytes is -EOVERFLOW */
	const char *what; /* for the -EOVERFLOW message: "<what> exceeds N bytes" */
	int rc;           /* first failure; 0 while fine */
	struct err *e;    /* optional: receives the first failure */
};

void sb_put(struct sbuf *b, const void *s, size_t n);
void sb_puts(struct sbuf *b, const char *s);
void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A JSON string literal: quotes, backslashes and control characters escaped, other bytes
 * (UTF-8) as they are. */
void sb_json_str(struct sbuf *b, const char *s, size_t n);

/* The same escaping without the surrounding quotes, for callers that build a string from
 * several pieces. */
void sb_json_esc(struct sbuf *b, const char *s, size_t n);

/* A JSON number that parses back exactly ("%.9g" for floats, "%.17g" for doubles);
 * NaN and the infinities as the strings "NaN", "Infinity", "-Infinity" (as Jackson writes). */
void sb_json_num(struct sbuf *b, double d, bool is_float);

/* Standard base64 (with padding), without quotes. */
void sb_base64(struct sbuf *b, const uint8_t *p, size_t n);

/* Frees the text; the struct may be reused after memset. */
void sb_free(struct sbuf *b);

#endif
