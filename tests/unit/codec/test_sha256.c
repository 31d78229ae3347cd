/* test_sha256.c - SHA-256 against the FIPS 180-4 / NIST example vectors and sha256sum,
 * for both the portable and the SHA-NI code paths, with awkward update splits. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec/sha256.h"

/* Digests from NIST's "SHA-256 examples" (FIPS 180-2 appendix B / CSRC example values). */
static const struct {
	const char *msg;
	const char *hex;
} vec[] = {
	{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", /* 448 bits */
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
	  "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", /* 896 bits */
	  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
};
static const char *million_a = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

static void hex_of(const void *p, size_t n, size_t step, char out[65])
{
	struct sha256 s;
	uint8_t d[32];
	const uint8_t *b = p;

	sha256_init(&s);
	for (size_t i = 0; i < n; i += step)
		sha256_update(&s, b + i, n - i < step ? n - i : step);
	sha256_final(&s, d);
	sha256_hex(d, out);
}

static void check_vectors(void)
{
	static const size_t steps[] = { 1, 3, 63, 64, 65, 1000 };
	char hex[65];

	for (size_t v = 0; v < sizeof(vec) / sizeof(vec[0]); v++) {
		for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			hex_of(vec[v].msg, strlen(vec[v].msg), steps[s], hex);
			assert_string_equal(hex, vec[v].hex);
		}
	}
}

static void check_million(void)
{
	static const size_t steps[] = { 1, 55, 64, 4096, 1000000 };
	char *a = malloc(1000000);
	char hex[65];

	assert_non_null(a);
	memset(a, 'a', 1000000);
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		hex_of(a, 1000000, steps[s], hex);
		assert_string_equal(hex, million_a);
	}
	free(a);
}

static void test_vectors_portable(void **state)
{
	(void)state;
	sha256_set_accel(false);
	assert_false(sha256_accel());
	check_vectors();
	check_million();
}

static void test_vectors_accel(void **state)
{
	(void)state;
	sha256_set_accel(true);
	if (!sha256_accel())
		print_message("SHA-NI not available: accelerated path not exercised\n");
	check_vectors();
	check_million();
}

/* Padding boundaries: every length 0..300 must agree between the two implementations
 * (lengths 55, 56, 63, 64 are the interesting ones). */
static void test_lengths_agree(void **state)
{
	uint8_t buf[300];
	char h1[65], h2[65];

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (size_t n = 0; n <= sizeof(buf); n++) {
		sha256_set_accel(false);
		hex_of(buf, n, 7, h1);
		sha256_set_accel(true);
		hex_of(buf, n, n ? n : 1, h2);
		assert_string_equal(h1, h2);
	}
}

/* A pseudo-random file of 3 MiB + 17 bytes against the system's sha256sum; prints speed. */
static void test_against_sha256sum(void **state)
{
	char path[] = "/tmp/dlfs-sha-XXXXXX";
	size_t n = (3u << 20) + 17, big = 64u << 20;
	uint8_t *buf = malloc(big);
	char cmd[256], want[65] = { 0 }, got[65];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	FILE *p;
	int fd;

	(void)state;
	assert_non_null(buf);
	for (size_t i = 0; i < big; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	close(fd);
	snprintf(cmd, sizeof(cmd), "sha256sum %s", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%64s", want), 1);
	pclose(p);
	unlink(path);

	for (int accel = 0; accel < 2; accel++) {
		struct timespec t0, t1;
		double sec;

		sha256_set_accel(accel);
		hex_of(buf, n, 1 << 16, got);
		assert_string_equal(got, want);
		hex_of(buf, n, 4097, got);
		assert_string_equal(got, want);

		clock_gettime(CLOCK_MONOTONIC, &t0);
		hex_of(buf, big, big, got);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		sec = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
		print_message("sha256 %s: %.0f MB/s\n", sha256_accel() ? "SHA-NI" : "portable",
			      (double)big / sec / 1e6);
	}
	sha256_set_accel(true);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_portable),
		cmocka_unit_test(test_vectors_accel),
		cmocka_unit_test(test_lengths_agree),
		cmocka_unit_test(test_against_sha256sum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
