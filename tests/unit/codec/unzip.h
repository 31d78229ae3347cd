/* unzip.h - reading archive members in codec tests with the unzip tool, independently of
 * codec/zip.c. Needs <stdarg.h> <stddef.h> <stdint.h> <setjmp.h> <cmocka.h> <stdio.h>
 * <stdlib.h> <string.h> included first. */
#ifndef DLFS_TEST_UNZIP_H
#define DLFS_TEST_UNZIP_H

#include <sys/wait.h>

/* A command's stdout (malloc'd, NUL-terminated after *len bytes; free()) and its exit
 * status as pclose() gives it. */
static inline uint8_t *read_cmd(const char *cmd, size_t *len, int *status)
{
	FILE *f = popen(cmd, "r");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	assert_non_null(f);
	for (;;) {
		size_t got;

		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		if (!got)
			break;
		n += got;
	}
	buf[n] = '\0';
	*status = pclose(f);
	*len = n;
	return buf;
}

/* Extracts an archive member with unzip (not our zip module). NULL if the archive has no
 * such member (unzip's exit status 11, "no matching files"); any other failure fails the
 * test. */
static inline uint8_t *unzip_member(const char *archive, const char *member, size_t *len)
{
	char cmd[4096];
	uint8_t *data;
	int st;

	assert_null(strchr(archive, '\''));
	snprintf(cmd, sizeof(cmd), "unzip -p '%s' '%s' 2>/dev/null", archive, member);
	data = read_cmd(cmd, len, &st);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 11 && *len == 0) {
		free(data);
		return NULL;
	}
	assert_int_equal(st, 0);
	return data;
}

#endif
