/* test_util.h - helpers shared by the codec tests of Java-written streams (test_jser.c,
 * test_norm.c): reading a whole file or a tests/data/good/java fixture, the output of a shell
 * command (unzip -p of an archive member), a growable byte buffer that builds streams
 * big-endian as Java's DataOutputStream writes them, and the structural comparison of rendered
 * JSON with the expected text (parsed by jsonread.h).
 * Needs <stdarg.h> <stddef.h> <stdint.h> <setjmp.h> <cmocka.h> <stdbool.h> <stdio.h>
 * <stdlib.h> <string.h> included first. */
#ifndef DLFS_TEST_UTIL_H
#define DLFS_TEST_UTIL_H

#define FIXTURES DLFS_SRC_DIR "/tests/data/good/java/"

/* The whole file (malloc'd, NUL-terminated; free()) and its size in *len. */
static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	b[n] = 0;
	*len = (size_t)n;
	return b;
}

/* FIXTURES/<name><ext>, as read_file. */
static uint8_t *fixture(const char *name, const char *ext, size_t *len)
{
	char path[512];

	snprintf(path, sizeof(path), FIXTURES "%s%s", name, ext);
	return read_file(path, len);
}

/* Output of a shell command (must exit 0): malloc'd, NUL-terminated; free(). */
static char *run(const char *cmd, size_t *len)
{
	FILE *p = popen(cmd, "r");
	char *b = NULL;
	size_t n = 0, cap = 0;

	assert_non_null(p);
	for (;;) {
		size_t r;

		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 4096;
			b = realloc(b, cap);
			assert_non_null(b);
		}
		r = fread(b + n, 1, cap - n - 1, p);
		if (!r)
			break;
		n += r;
	}
	if (pclose(p) != 0)
		fail_msg("command failed: %s", cmd);
	b[n] = '\0';
	*len = n;
	return b;
}

struct bb {
	uint8_t *b;
	size_t n, cap;
};

static void bb_raw(struct bb *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->b = realloc(b->b, b->cap);
		assert_non_null(b->b);
	}
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

/* v as `size` bytes, most significant first. */
static void bb_be(struct bb *b, uint64_t v, unsigned size)
{
	uint8_t t[8];

	for (unsigned i = 0; i < size; i++)
		t[i] = (uint8_t)(v >> (8 * (size - 1 - i)));
	bb_raw(b, t, size);
}

/* s as DataOutputStream.writeUTF writes ASCII: a 2-byte length, then the bytes. */
static void bb_utf(struct bb *b, const char *s)
{
	bb_be(b, strlen(s), 2);
	bb_raw(b, s, strlen(s));
}

#include "tests/unit/codec/jsonread.h"

/* How jeq compares numbers: exactly, or as equal when they round to the same float (values
 * the JVM held as float, printed with Float.toString) everywhere or only inside arrays (the
 * statistics of a normalizer, whose scalars are doubles and must be equal exactly). */
enum jnum { JNUM_EXACT, JNUM_FLOAT, JNUM_FLOAT_IN_ARRAYS };

/* Structural equality; objects compare unordered. path (plen bytes) names the place of a
 * difference, which is printed. */
static bool jeq(const struct jv *a, const struct jv *b, enum jnum mode, bool in_array, char *path,
		size_t plen)
{
	bool as_float = mode == JNUM_FLOAT || (mode == JNUM_FLOAT_IN_ARRAYS && in_array);

	if (a->t != b->t)
		goto differ;
	switch (a->t) {
	case 'n':
		return true;
	case 'b':
		if (a->num != b->num)
			goto differ;
		return true;
	case 'd':
		if (a->num == b->num || (as_float && (float)a->num == (float)b->num))
			return true;
		goto differ;
	case 's':
		if (a->slen != b->slen || memcmp(a->s, b->s, a->slen))
			goto differ;
		return true;
	case 'a':
		if (a->n != b->n)
			goto differ;
		for (size_t i = 0; i < a->n; i++) {
			size_t l = strlen(path);

			snprintf(path + l, plen - l, "[%zu]", i);
			if (!jeq(&a->kids[i], &b->kids[i], mode, true, path, plen))
				return false;
			path[l] = '\0';
		}
		return true;
	default:
		if (a->n != b->n)
			goto differ;
		for (size_t i = 0; i < a->n; i++) {
			size_t l = strlen(path), j;

			snprintf(path + l, plen - l, ".%s", a->keys[i]);
			for (j = 0; j < b->n; j++)
				if (a->klen[i] == b->klen[j] &&
				    !memcmp(a->keys[i], b->keys[j], a->klen[i]))
					break;
			if (j == b->n) {
				print_message("missing key at %s\n", path);
				return false;
			}
			if (!jeq(&a->kids[i], &b->kids[j], mode, false, path, plen))
				return false;
			path[l] = '\0';
		}
		return true;
	}
differ:
	print_message("json differs at %s (type %c vs %c)\n", path[0] ? path : "top", a->t, b->t);
	return false;
}

/* actual is the JSON text expected, up to key order and the number comparison of mode. */
static void assert_json(const char *expected, const char *actual, enum jnum mode)
{
	struct jv a, b;
	char path[512] = "";

	jload(expected, &a);
	jload(actual, &b);
	if (!jeq(&a, &b, mode, false, path, sizeof(path)))
		fail_msg("expected %s\ngot      %s", expected, actual);
	jfree(&a);
	jfree(&b);
}

#endif /* DLFS_TEST_UTIL_H */
