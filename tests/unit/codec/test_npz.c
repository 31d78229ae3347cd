/* test_npz.c - codec_npz_read on archives written by Python (numpy.savez,
 * numpy.savez_compressed, zipfile), compared with the .npy bytes numpy.save writes; every
 * error path with its code and message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec/alloc.h"
#include "codec/npz.h"

static char dir[64];

static const char *PYGEN =
	"import io, sys, zipfile, numpy as np\n"
	"d = sys.argv[1]\n"
	"a = np.arange(6, dtype='<f4').reshape(2, 3); b = np.array([[1.5, -2.0]], '>f8')\n"
	"for n, v in (('a', a), ('b', b)):\n"
	"    np.save(d + '/' + n + '.npy', v)\n"
	"np.savez(d + '/stored.npz', a=a, b=b)\n"
	"np.savez_compressed(d + '/deflated.npz', a=a, b=b)\n"
	"zipfile.ZipFile(d + '/empty.npz', 'w').close()\n"
	"with zipfile.ZipFile(d + '/many.npz', 'w') as z:\n"
	"    for i in range(65): z.writestr('m%d.npy' % i, b'x')\n"
	"with zipfile.ZipFile(d + '/crc.npz', 'w', zipfile.ZIP_STORED) as z:\n"
	"    z.writestr('a.npy', b'0123456789')\n"
	"raw = bytearray(open(d + '/crc.npz', 'rb').read())\n"
	"i = raw.index(b'0123456789'); raw[i] ^= 1\n"
	"open(d + '/crc.npz', 'wb').write(bytes(raw))\n"
	"open(d + '/text.npz', 'wb').write(b'hello, not a zip at all')\n";

static uint8_t *slurp(const char *name, size_t *len)
{
	char path[128];
	FILE *f;
	uint8_t *p;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

static int setup(void **state)
{
	char cmd[256];
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/dlfs-npz.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 - %s", dir);
	f = popen(cmd, "w");
	if (!f)
		return -1;
	fputs(PYGEN, f);
	return pclose(f) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void check_members(const char *file)
{
	struct npz_member *m = NULL;
	struct err e = { 0 };
	size_t len, la, lb;
	uint8_t *buf = slurp(file, &len), *a = slurp("a.npy", &la), *b = slurp("b.npy", &lb);
	int n = 0;

	assert_int_equal(codec_npz_read(buf, len, &m, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(m[0].name, "a");
	assert_string_equal(m[1].name, "b");
	assert_int_equal(m[0].len, la);
	assert_memory_equal(m[0].data, a, la);
	assert_int_equal(m[1].len, lb);
	assert_memory_equal(m[1].data, b, lb);
	codec_npz_free(m, n);
	free(buf);
	free(a);
	free(b);
}

static void test_stored(void **state)
{
	(void)state;
	check_members("stored.npz"); /* numpy.savez: stored, zip64 extra fields */
}

static void test_deflated(void **state)
{
	(void)state;
	check_members("deflated.npz");
}

static void expect_error(const char *file, int code, const char *msg)
{
	struct npz_member *m = NULL;
	struct err e = { 0 };
	size_t len;
	uint8_t *buf = slurp(file, &len);
	int n = -1;

	assert_int_equal(codec_npz_read(buf, len, &m, &n, &e), code);
	assert_int_equal(e.code, code);
	assert_non_null(strstr(e.msg, msg));
	assert_null(m);
	assert_int_equal(n, -1);
	free(buf);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("text.npz", -EBADMSG, ".npz: ");
	expect_error("empty.npz", -EBADMSG, ".npz: no members");
	expect_error("many.npz", -EOVERFLOW, ".npz: more than 64 members");
	expect_error("crc.npz", -EBADMSG, ".npz member 'a.npy': ");
}

static void test_oom(void **state)
{
	struct npz_member *m = NULL;
	struct err e = { 0 };
	size_t len;
	uint8_t *buf = slurp("deflated.npz", &len);
	int n = 0, rc;

	(void)state;
	for (long k = 1; k < 40; k++) {
		err_clear(&e);
		dl_alloc_fail_at(k);
		rc = codec_npz_read(buf, len, &m, &n, &e);
		dl_alloc_fail_at(0);
		if (rc == 0) {
			codec_npz_free(m, n);
			break;
		}
		assert_int_equal(rc, -ENOMEM);
		assert_string_equal(e.msg, "out of memory");
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stored),
		cmocka_unit_test(test_deflated),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_oom),
	};

	if (access("/usr/bin/python3", X_OK)) {
		printf("SKIP: /usr/bin/python3 missing\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
