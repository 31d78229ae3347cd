/* sbuf.c - growable text buffer with sticky errors (see sbuf.h). */
#include "codec/sbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codec/alloc.h"

static int sb_grow(struct sbuf *b, size_t add)
{
	size_t need, cap;
	char *p;

	if (b->rc)
		return b->rc;
	if (!size_add_ok(b->len, add, &need) || (b->max && need > b->max)) {
		b->rc = err_set(b->e, -EOVERFLOW, "%s exceeds %zu bytes",
				b->what ? b->what : "rendered text", b->max);
		return b->rc;
	}
	if (need < b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap <= need)
		if (!size_mul_ok(cap, 2, &cap))
			cap = need + 1;
	if (b->max && cap > b->max + 1)
		cap = b->max + 1;
	p = dl_realloc(b->p, cap);
	if (!p) {
		b->rc = err_set(b->e, -ENOMEM, "out of memory");
		return b->rc;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void sb_put(struct sbuf *b, const void *s, size_t n)
{
	if (sb_grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void sb_puts(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	if (b->rc)
		return;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		sb_put(b, tmp, (size_t)n);
		return;
	}
	if (sb_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sb_json_str(struct sbuf *b, const char *s, size_t n)
{
	sb_put(b, "\"", 1);
	sb_json_esc(b, s, n);
	sb_put(b, "\"", 1);
}

void sb_json_esc(struct sbuf *b, const char *s, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sb_put(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':
			sb_puts(b, "\\\"");
			break;
		case '\\':
			sb_puts(b, "\\\\");
			break;
		case '\n':
			sb_puts(b, "\\n");
			break;
		case '\t':
			sb_puts(b, "\\t");
			break;
		case '\r':
			sb_puts(b, "\\r");
			break;
		default:
			sb_printf(b, "\\u%04x", c);
		}
	}
	sb_put(b, s + run, n - run);
}

void sb_json_num(struct sbuf *b, double d, bool is_float)
{
	if (isnan(d))
		sb_puts(b, "\"NaN\"");
	else if (isinf(d))
		sb_puts(b, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	else
		sb_printf(b, is_float ? "%.9g" : "%.17g", d);
}

void sb_base64(struct sbuf *b, const uint8_t *p, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		char q[4];

		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = tab[v >> 18];
		q[1] = tab[v >> 12 & 63];
		q[2] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? tab[v & 63] : '=';
		sb_put(b, q, 4);
	}
}

void sb_free(struct sbuf *b)
{
	dl_free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
