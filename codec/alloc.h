/* alloc.h - the single allocation seam of dl4jfs, plus overflow-checked size math.
 *
 * Every allocation in codec/engine/fs goes through these so that tests can fail the
 * Nth allocation (SQLite's memfault). Sizes computed from file contents must be
 * checked with size_mul_ok/size_add_ok and capped by a named limit before allocating.
 */
#ifndef DLFS_ALLOC_H
#define DLFS_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *dl_malloc(size_t n);
void *dl_calloc(size_t n, size_t size);
void *dl_realloc(void *p, size_t n);
char *dl_strdup(const char *s);
char *dl_strndup(const char *s, size_t n);
void dl_free(void *p);

/* Test hook: make the Nth allocation from now fail (1 = the next one); 0 disables. */
void dl_alloc_fail_at(long n);
/* Number of allocations attempted since the last dl_alloc_fail_at() call. */
long dl_alloc_count(void);

/* *r = a * b; false (and *r untouched) on overflow. */
static inline bool size_mul_ok(size_t a, size_t b, size_t *r)
{
	size_t t;

	if (__builtin_mul_overflow(a, b, &t))
		return false;
	*r = t;
	return true;
}

/* *r = a + b; false (and *r untouched) on overflow. */
static inline bool size_add_ok(size_t a, size_t b, size_t *r)
{
	size_t t;

	if (__builtin_add_overflow(a, b, &t))
		return false;
	*r = t;
	return true;
}

/* Signed 64-bit variants for element counts. */
static inline bool i64_mul_ok(int64_t a, int64_t b, int64_t *r)
{
	int64_t t;

	if (__builtin_mul_overflow(a, b, &t))
		return false;
	*r = t;
	return true;
}

static inline bool i64_add_ok(int64_t a, int64_t b, int64_t *r)
{
	int64_t t;

	if (__builtin_add_overflow(a, b, &t))
		return false;
	*r = t;
	return true;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
