/* alloc.c - allocation seam with a fail-the-Nth-allocation hook for tests. */
#include "codec/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_long fail_at;
static atomic_long count;

void dl_alloc_fail_at(long n)
{
	atomic_store(&count, 0);
	atomic_store(&fail_at, n);
}

long dl_alloc_count(void)
{
	return atomic_load(&count);
}

static bool should_fail(void)
{
	long c = atomic_fetch_add(&count, 1) + 1;
	long f = atomic_load(&fail_at);

	return f > 0 && c == f;
}

void *dl_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *dl_calloc(size_t n, size_t size)
{
	if (should_fail())
		return NULL;
	return calloc(n ? n : 1, size ? size : 1);
}

void *dl_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	return realloc(p, n ? n : 1);
}

char *dl_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *r = dl_malloc(len + 1);

	if (!r)
		return NULL;
	memcpy(r, s, len);
	r[len] = '\0';
	return r;
}

char *dl_strdup(const char *s)
{
	return dl_strndup(s, strlen(s));
}

void dl_free(void *p)
{
	free(p);
}
