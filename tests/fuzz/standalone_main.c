/* standalone_main.c - replays fuzz inputs without libFuzzer (any fuzz_<t>.c target).
 *
 * Usage: fuzz_<t> DIR|FILE...  Every regular file of each directory (not recursive, dot
 * files skipped) and every file named is passed once to LLVMFuzzerTestOneInput. Prints
 * "fuzz: N inputs replayed" and exits 0; exits 1 if an argument cannot be read or a
 * directory holds no input, so an empty or missing corpus never passes silently.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Replays one file; returns 0 or -1 (message printed). */
static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		fprintf(stderr, "fuzz: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			uint8_t *nb;

			cap = cap ? 2 * cap : 4096;
			nb = realloc(buf, cap);
			if (!nb) {
				fprintf(stderr, "fuzz: out of memory reading %s\n", path);
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		if (got == 0)
			break;
		len += got;
	}
	if (ferror(f)) {
		fprintf(stderr, "fuzz: cannot read %s\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	/* an exact-size copy so that ASan catches reads one past the end */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (!exact) {
			free(buf);
			return -1;
		}
		if (len)
			memcpy(exact, buf, len);
		free(buf);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	return 0;
}

/* Replays every regular file in dir; returns the count or -1. */
static long replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	long n = 0;

	if (!d) {
		fprintf(stderr, "fuzz: cannot open directory %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		char path[4096];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (replay_file(path) != 0) {
			closedir(d);
			return -1;
		}
		n++;
	}
	closedir(d);
	if (n == 0) {
		fprintf(stderr, "fuzz: no inputs in %s\n", dir);
		return -1;
	}
	return n;
}

int main(int argc, char **argv)
{
	long total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		long n;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "fuzz: cannot stat %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode)) {
			n = replay_dir(argv[i]);
		} else {
			n = replay_file(argv[i]) == 0 ? 1 : -1;
		}
		if (n < 0)
			return 1;
		total += n;
	}
	printf("fuzz: %ld inputs replayed\n", total);
	return 0;
}
