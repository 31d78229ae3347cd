/* fuzz_zip.c - fuzz target for the zip container reader (codec/zip.c).
 *
 * The index reads a path, so each input is written to a memfd and indexed through
 * /proc/self/fd/N; then up to FUZZ_MAX_ENTRIES entries are extracted, each stopped after
 * FUZZ_MAX_OUTPUT bytes. Aborts on any violated contract: an error outside the vocabulary
 * or without a message; an index whose paths are empty, absolute, contain "." or ".."
 * or empty components, exceed the length limits, repeat, or make a file also a directory;
 * a successful full extraction whose length differs from the central directory's size.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "codec/zip.h"

#define FUZZ_MAX_INPUT   (1 << 20)
#define FUZZ_MAX_ENTRIES 32
#define FUZZ_MAX_OUTPUT  (256u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool cond)
{
	if (!cond)
		abort();
}

static void check_err(int rc, const struct err *e)
{
	check(rc == -EBADMSG || rc == -EOVERFLOW || rc == -ENOTSUP || rc == -ENOENT ||
	      rc == -ENOMEM || rc == -EIO);
	check(e->code == rc && e->msg[0] != '\0');
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void check_path(const char *p)
{
	const char *c = p;

	check(p && p[0] != '\0' && p[0] != '/' && strlen(p) <= ZIP_MAX_NAME);
	while (*c) {
		size_t n = strcspn(c, "/");

		check(n > 0 && n <= 255);
		check(!(n == 1 && c[0] == '.') && !(n == 2 && c[0] == '.' && c[1] == '.'));
		c += n;
		if (*c == '/') {
			c++;
			check(*c != '\0');
		}
	}
}

static void check_index(const struct zip_index *idx)
{
	const char **sorted = malloc((size_t)(idx->n ? idx->n : 1) * sizeof(*sorted));

	check(sorted != NULL && idx->n >= 0 && idx->n <= ZIP_MAX_ENTRIES);
	for (int i = 0; i < idx->n; i++) {
		check(idx->e[i].index == i && idx->e[i].name != NULL);
		check_path(idx->e[i].path);
		sorted[i] = idx->e[i].path;
	}
	qsort(sorted, (size_t)idx->n, sizeof(*sorted), cmp_path);
	for (int i = 1; i < idx->n; i++)
		check(strcmp(sorted[i - 1], sorted[i]) != 0);
	/* a file path must not be the parent of another path */
	for (int i = 0; i < idx->n; i++) {
		const struct zip_entry *z = &idx->e[i];
		size_t n = strlen(z->path);
		int lo = 0, hi = idx->n;

		if (z->is_dir)
			continue;
		while (lo < hi) { /* first path >= z->path + "/" */
			int mid = lo + (hi - lo) / 2;
			int c = strncmp(sorted[mid], z->path, n);

			if (c == 0)
				c = (int)(unsigned char)sorted[mid][n] - '/';
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		check(!(lo < idx->n && strncmp(sorted[lo], z->path, n) == 0 &&
			sorted[lo][n] == '/'));
	}
	free(sorted);
}

struct count {
	uint64_t n;
};

static int count_sink(void *arg, const void *buf, size_t len)
{
	struct count *c = arg;

	(void)buf;
	c->n += len;
	return c->n >= FUZZ_MAX_OUTPUT ? 1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64];
	struct zip_index *idx = NULL;
	struct err e = { 0 };
	int rc;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (fd < 0) {
		fd = memfd_create("fuzz_zip", MFD_CLOEXEC);
		check(fd >= 0);
	}
	check(ftruncate(fd, 0) == 0);
	check(pwrite(fd, data, size, 0) == (ssize_t)size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	rc = codec_zip_index(path, &idx, &e);
	if (rc) {
		check_err(rc, &e);
		return 0;
	}
	check_index(idx);
	check(idx->file_size == size);
	for (int i = 0; i < idx->n && i < FUZZ_MAX_ENTRIES; i++) {
		const struct zip_entry *z = &idx->e[i];
		struct count c = { 0 };
		struct err xe = { 0 };
		uint8_t buf[64];
		size_t got = 0;

		check(codec_zip_find(idx, z->name) != NULL);
		rc = codec_zip_extract(idx, z, count_sink, &c, &xe);
		if (rc) {
			check_err(rc, &xe);
			check(rc != -ENOENT && rc != -EIO); /* the memfd stays readable */
		} else {
			check(c.n == z->size || c.n >= FUZZ_MAX_OUTPUT);
		}
		err_clear(&xe);
		rc = codec_zip_read_prefix(idx, z, buf, sizeof(buf), &got, &xe);
		if (rc)
			check_err(rc, &xe);
		else
			check(got == (z->size < sizeof(buf) ? z->size : sizeof(buf)));
	}
	codec_zip_free(idx);
	return 0;
}
