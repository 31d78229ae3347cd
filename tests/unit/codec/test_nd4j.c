/* test_nd4j.c - ND4J binary array codec (codec/nd4j.c) against FORMAT.md section 2,
 * the real DL4J files of the corpus and an independent numpy decoder.
 *
 * Expected values come from outside the codec: the spec's hexdumps, literal bytes written
 * by hand from the spec, the corpus's known ramp parameters (0.5.0 / 0.8.0 archives), hand
 * computation, and /usr/bin/python3 + numpy (as_strided over the stored strides).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codec/alloc.h"
#include "codec/err.h"
#include "codec/nd4j.h"
#include "tests/unit/codec/unzip.h"
#include "codec/tensor.h"

#define CORPUS DLFS_CORPUS_DIR
#define PYTHON "/usr/bin/python3"

/* ------------------------------------------------------------------ byte builder */

struct bb {
	uint8_t b[65536];
	size_t n;
};

static void bb_be(struct bb *b, uint64_t v, unsigned size)
{
	assert_true(b->n + size <= sizeof(b->b));
	for (unsigned i = 0; i < size; i++)
		b->b[b->n++] = (uint8_t)(v >> (8 * (size - 1 - i)));
}

static void bb_raw(struct bb *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void bb_utf(struct bb *b, const char *s)
{
	bb_be(b, strlen(s), 2);
	bb_raw(b, s, strlen(s));
}

static bool mode_is_int32(const char *mode)
{
	return !strcmp(mode, "JAVACPP") || !strcmp(mode, "DIRECT") || !strcmp(mode, "HEAP");
}

/* A buffer header as the spec writes it: UTF mode, int32/int64 count, UTF type. */
static void bb_hdr(struct bb *b, const char *mode, int64_t count, const char *type)
{
	bb_utf(b, mode);
	bb_be(b, (uint64_t)count, mode_is_int32(mode) ? 4 : 8);
	bb_utf(b, type);
}

static void bb_f32(struct bb *b, float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	bb_be(b, u, 4);
}

static void bb_f64(struct bb *b, double f)
{
	uint64_t u;

	memcpy(&u, &f, 8);
	bb_be(b, u, 8);
}

/* Description of a whole array to build; fields the spec fixes can be overridden to
 * make broken inputs. */
struct aspec {
	const char *smode, *stype;
	int64_t si_len; /* declared shape-info length; 0: 2*rank+4 */
	int64_t rank;
	int64_t shape[10], stride[10];
	int64_t extras, ews, order;
	const char *dmode, *dtype;
	int64_t dlen;      /* declared data length; exactly -1: product of shape */
	int64_t nwrite;    /* elements of payload written; -1: product of shape */
};

static unsigned test_elsize(const char *type)
{
	static const struct {
		const char *n;
		unsigned s;
	} t[] = { { "FLOAT", 4 },  { "DOUBLE", 8 }, { "HALF", 2 },  { "BFLOAT16", 2 },
		  { "INT", 4 },    { "UINT32", 4 }, { "LONG", 8 },  { "UINT64", 8 },
		  { "SHORT", 2 },  { "UINT16", 2 }, { "BYTE", 1 },  { "UBYTE", 1 },
		  { "BOOL", 1 } };

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (!strcmp(type, t[i].n))
			return t[i].s;
	return 4;
}

static int64_t spec_numel(const struct aspec *s)
{
	uint64_t n = 1; /* wraps for the overflow tests; only the header matters there */

	for (int i = 0; i < s->rank && i < 10; i++)
		n *= (uint64_t)s->shape[i];
	return (int64_t)n;
}

/* Writes the array; payload element k has every byte = (k + 1) & 0xff. */
static void build(struct bb *b, const struct aspec *s)
{
	unsigned ssz = !strcmp(s->stype, "INT") ? 4 : 8;
	int64_t r = s->rank < 0 ? 0 : s->rank > 10 ? 10 : s->rank;
	int64_t nw = s->nwrite >= 0 ? s->nwrite : spec_numel(s);

	b->n = 0;
	bb_hdr(b, s->smode, s->si_len ? s->si_len : 2 * s->rank + 4, s->stype);
	bb_be(b, (uint64_t)s->rank, ssz);
	for (int i = 0; i < r; i++)
		bb_be(b, (uint64_t)s->shape[i], ssz);
	for (int i = 0; i < r; i++)
		bb_be(b, (uint64_t)s->stride[i], ssz);
	bb_be(b, (uint64_t)s->extras, ssz);
	bb_be(b, (uint64_t)s->ews, ssz);
	bb_be(b, (uint64_t)s->order, ssz);
	bb_hdr(b, s->dmode, s->dlen != -1 ? s->dlen : spec_numel(s), s->dtype);
	for (int64_t k = 0; k < nw; k++)
		for (unsigned j = 0; j < test_elsize(s->dtype); j++)
			bb_be(b, (uint64_t)(k + 1) & 0xff, 1);
}

/* A valid variant-C FLOAT [2,3] c array, the base for the broken variants. */
static struct aspec base_c(void)
{
	struct aspec s = {
		.smode = "MIXED_DATA_TYPES", .stype = "LONG", .rank = 2,
		.shape = { 2, 3 }, .stride = { 3, 1 }, .extras = 0x2000, .ews = 1, .order = 'c',
		.dmode = "MIXED_DATA_TYPES", .dtype = "FLOAT", .dlen = -1, .nwrite = -1,
	};
	return s;
}

static struct aspec base_a(void)
{
	struct aspec s = base_c();

	s.smode = s.dmode = "JAVACPP";
	s.stype = "INT";
	s.extras = 0;
	return s;
}

/* ------------------------------------------------------------------ helpers */

/* Element at logical c-order index k, addressed through the strides (written here, not
 * taken from tensor.c, so the test does not trust the code it checks). */
static double elem_at(const struct tensor *t, int64_t k)
{
	int64_t off = 0;
	const uint8_t *p;

	for (int d = t->rank - 1; d >= 0; d--) {
		off += (k % t->shape[d]) * t->stride[d];
		k /= t->shape[d];
	}
	p = (const uint8_t *)t->data + off * (int64_t)tensor_dtype_info[t->dtype].size;
	if (t->dtype == DT_F32) {
		float v;

		memcpy(&v, p, 4);
		return (double)v;
	}
	if (t->dtype == DT_F64) {
		double v;

		memcpy(&v, p, 8);
		return v;
	}
	return dtype_load_f64(t->dtype, p);
}

static int64_t numel(const struct tensor *t)
{
	int64_t n = 1;

	for (int i = 0; i < t->rank; i++)
		n *= t->shape[i];
	return n;
}

/* Decodes, asserts success, re-encodes with the decoded format and asserts the bytes are
 * identical; also checks that parse on a header-only prefix agrees. Returns the tensor. */
static struct tensor *roundtrip(const uint8_t *buf, size_t len, const char *name)
{
	struct err e = { 0 };
	struct tensor *t = NULL;
	struct nd4j_fmt fmt;
	struct nd4j_info info;
	uint8_t *out = NULL;
	size_t used = 0, olen = 0;
	int rc;

	rc = codec_nd4j_decode(buf, len, &t, &fmt, &used, &e);
	if (rc)
		fprintf(stderr, "%s: decode failed: %d %s\n", name, rc, e.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(e.code, 0);
	assert_int_equal(used, len);
	rc = codec_nd4j_encode(t, &fmt, &out, &olen, &e);
	if (rc)
		fprintf(stderr, "%s: encode failed: %d %s\n", name, rc, e.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(olen, len);
	if (memcmp(out, buf, len) != 0)
		fprintf(stderr, "%s: re-encoded bytes differ\n", name);
	assert_memory_equal(out, buf, len);
	dl_free(out);

	/* parse needs only the headers */
	rc = codec_nd4j_parse(buf, len, &info, &e);
	assert_int_equal(rc, 0);
	assert_int_equal(codec_nd4j_parse(buf, info.data_off, &info, &e), 0);
	assert_int_equal(info.total_len, len);
	assert_int_equal(info.rank, t->rank);
	assert_int_equal(info.n, numel(t));
	assert_int_equal(codec_nd4j_parse(buf, info.data_off - 1, &info, &e), -EAGAIN);
	assert_int_equal(e.code, 0);
	return t;
}

static uint8_t *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		if (!got)
			break;
		n += got;
	}
	fclose(f);
	*len = n;
	return buf;
}

static bool have_corpus(void)
{
	struct stat st;

	return stat(CORPUS, &st) == 0 && S_ISDIR(st.st_mode);
}

static void expect_decode_err(const uint8_t *buf, size_t len, int code, const char *msg)
{
	struct err e = { 0 };
	struct tensor *t = NULL;
	int rc;

	rc = codec_nd4j_decode(buf, len, &t, NULL, NULL, &e);
	if (rc != code || strcmp(e.msg, msg) != 0)
		fprintf(stderr, "got %d '%s', want %d '%s'\n", rc, e.msg, code, msg);
	assert_int_equal(rc, code);
	assert_int_equal(e.code, code);
	assert_string_equal(e.msg, msg);
	assert_null(t);
}

static void expect_spec_err(const struct aspec *s, int code, const char *msg)
{
	struct bb *b = malloc(sizeof(*b));
	struct nd4j_info info;
	struct err e = { 0 };

	assert_non_null(b);
	build(b, s);
	expect_decode_err(b->b, b->n, code, msg);
	/* parse reports the same error (all these are header errors) */
	assert_int_equal(codec_nd4j_parse(b->b, b->n, &info, &e), code);
	assert_string_equal(e.msg, msg);
	free(b);
}

/* ------------------------------------------------------------------ numpy reference */

/* Independent decoder: parses both headers itself and reads the elements through
 * numpy's as_strided with the stored strides. For each argument (a file, or
 * "archive!member") prints: n, fsum(v[k] * (k % 7 + 1)), v[0], v[n/3], v[n-1]; with
 * -all first, prints every value in logical c order instead. */
static const char py_ref[] =
	"import sys, struct, zipfile, math\n"
	"import numpy as np\n"
	"T = {'FLOAT': '>f4', 'DOUBLE': '>f8', 'HALF': '>f2', 'INT': '>i4', 'LONG': '>i8',\n"
	"     'SHORT': '>i2', 'UINT16': '>u2', 'UINT32': '>u4', 'UINT64': '>u8', 'BYTE': 'i1',\n"
	"     'UBYTE': 'u1', 'BOOL': 'u1'}\n"
	"def utf(b, o):\n"
	"    n = struct.unpack_from('>H', b, o)[0]\n"
	"    return b[o + 2:o + 2 + n].decode(), o + 2 + n\n"
	"def hdr(b, o):\n"
	"    m, o = utf(b, o)\n"
	"    if m in ('DIRECT', 'HEAP', 'JAVACPP'):\n"
	"        c = struct.unpack_from('>i', b, o)[0]; o += 4\n"
	"    else:\n"
	"        c = struct.unpack_from('>q', b, o)[0]; o += 8\n"
	"    t, o = utf(b, o)\n"
	"    return c, t, o\n"
	"def arr(b):\n"
	"    c, t, o = hdr(b, 0)\n"
	"    si = np.frombuffer(b, T[t], c, o).astype(np.int64)\n"
	"    o += c * np.dtype(T[t]).itemsize\n"
	"    r = int(si[0])\n"
	"    shape = tuple(int(x) for x in si[1:1 + r])\n"
	"    stride = tuple(int(x) * 8 for x in si[1 + r:1 + 2 * r])\n"
	"    c2, t2, o = hdr(b, o)\n"
	"    d = np.frombuffer(b, T[t2], c2, o).astype(np.float64)\n"
	"    a = np.lib.stride_tricks.as_strided(d, shape=shape, strides=stride)\n"
	"    return a.ravel(order='C')\n"
	"args = sys.argv[1:]\n"
	"full = args and args[0] == '-all'\n"
	"for a in args[1:] if full else args:\n"
	"    if '!' in a:\n"
	"        z, m = a.split('!')\n"
	"        b = zipfile.ZipFile(z).read(m)\n"
	"    else:\n"
	"        b = open(a, 'rb').read()\n"
	"    v = arr(b)\n"
	"    n = v.size\n"
	"    if full:\n"
	"        print(' '.join(repr(float(x)) for x in v))\n"
	"        continue\n"
	"    s = math.fsum(v * (np.arange(n) % 7 + 1))\n"
	"    pick = [float(v[0]), float(v[n // 3]), float(v[n - 1])] if n else [0.0] * 3\n"
	"    print(n, repr(s), *[repr(x) for x in pick])\n";

static char py_path[64];

static bool have_numpy(void)
{
	static int known = -1;
	char cmd[128];

	if (known < 0) {
		snprintf(cmd, sizeof(cmd), "%s -c 'import numpy' 2>/dev/null", PYTHON);
		known = access(PYTHON, X_OK) == 0 && system(cmd) == 0;
	}
	return known;
}

static const char *py_script(void)
{
	if (!py_path[0]) {
		int fd;

		strcpy(py_path, "/tmp/test_nd4j_ref_XXXXXX");
		fd = mkstemp(py_path);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, py_ref, sizeof(py_ref) - 1),
				 (ssize_t)sizeof(py_ref) - 1);
		close(fd);
	}
	return py_path;
}

/* Asserts that every element of t read through its strides equals numpy's decode of the
 * same bytes (written to a temporary file). */
static void check_with_numpy_all(const uint8_t *buf, size_t len, const struct tensor *t)
{
	char tmp[] = "/tmp/test_nd4j_arr_XXXXXX";
	char cmd[256];
	FILE *f;
	int fd;
	int64_t n = numel(t), k = 0;
	double v;

	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s %s -all %s", PYTHON, py_script(), tmp);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fscanf(f, "%lf", &v) == 1) {
		assert_true(k < n);
		if (v != elem_at(t, k))
			fprintf(stderr, "element %lld: numpy %g, codec %g\n", (long long)k, v,
				elem_at(t, k));
		assert_true(v == elem_at(t, k));
		assert_true(v == tensor_get_f64(t, k));
		k++;
	}
	assert_int_equal(pclose(f), 0);
	assert_int_equal(k, n);
	unlink(tmp);
}

/* ------------------------------------------------------------------ spec hexdumps */

/* FORMAT.md 2.5 variant A: 050_..._MLP_1.zip!coefficients.bin header, written out by hand. */
static const uint8_t spec_a_head[70] = {
	0x00, 0x07, 'J', 'A', 'V', 'A', 'C', 'P', 'P', 0x00, 0x00, 0x00, 0x08,
	0x00, 0x03, 'I', 'N', 'T',
	0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0x29, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0,
	0, 0, 0, 1, 0, 0, 0, 0x63,
	0x00, 0x07, 'J', 'A', 'V', 'A', 'C', 'P', 'P', 0x00, 0x00, 0x00, 0x29,
	0x00, 0x05, 'F', 'L', 'O', 'A', 'T',
};

static void make_spec_a(struct bb *b)
{
	b->n = 0;
	bb_raw(b, spec_a_head, sizeof(spec_a_head));
	for (int i = 1; i <= 41; i++)
		bb_f32(b, (float)i);
}

static void test_spec_variant_a(void **state)
{
	static struct bb b;
	struct err e = { 0 };
	struct tensor *t = NULL;
	struct nd4j_fmt fmt;
	size_t used;
	const float *v;

	(void)state;
	make_spec_a(&b);
	assert_int_equal(b.n, 234); /* the spec's size */
	/* the spec lists the first elements as 3f800000 40000000 40400000 */
	assert_memory_equal(b.b + 70, "\x3f\x80\x00\x00\x40\x00\x00\x00\x40\x40\x00\x00", 12);
	assert_int_equal(codec_nd4j_decode(b.b, b.n, &t, &fmt, &used, &e), 0);
	assert_int_equal(used, 234);
	assert_string_equal(fmt.shape_mode, "JAVACPP");
	assert_string_equal(fmt.data_mode, "JAVACPP");
	assert_string_equal(codec_nd4j_variant_name(&fmt), "A (JAVACPP)");
	assert_int_equal(fmt.shape_type, DT_I32);
	assert_int_equal(fmt.dtype, DT_F32);
	assert_int_equal(fmt.extras, 0);
	assert_int_equal(fmt.ews, 1);
	assert_int_equal(t->dtype, DT_F32);
	assert_int_equal(t->rank, 2);
	assert_int_equal(t->shape[0], 1);
	assert_int_equal(t->shape[1], 41);
	assert_int_equal(t->stride[0], 1);
	assert_int_equal(t->stride[1], 1);
	assert_int_equal(t->order, 'c');
	assert_null(t->base);
	v = t->data;
	for (int i = 0; i < 41; i++)
		assert_true(v[i] == (float)(i + 1));
	tensor_free(t);
	t = roundtrip(b.b, b.n, "spec variant A");
	tensor_free(t);
}

/* The corpus files the spec's hexdumps were taken from match them. */
static void test_spec_hexdumps_match_corpus(void **state)
{
	static struct bb b;
	uint8_t *buf;
	size_t len;

	(void)state;
	make_spec_a(&b);
	buf = unzip_member(CORPUS "/dl4j-test-resources/regression_testing/050/"
			   "050_ModelSerializer_Regression_MLP_1.zip", "coefficients.bin", &len);
	assert_non_null(buf);
	assert_int_equal(len, b.n);
	assert_memory_equal(buf, b.b, len);
	free(buf);
}

static void make_spec_b(struct bb *b)
{
	static const int64_t si[8] = { 2, 1, 5, 1, 1, 0, 1, 0x63 };

	b->n = 0;
	bb_utf(b, "LONG_SHAPE");
	bb_be(b, 8, 8);
	bb_utf(b, "LONG");
	for (int i = 0; i < 8; i++)
		bb_be(b, (uint64_t)si[i], 8);
	bb_utf(b, "LONG_SHAPE");
	bb_be(b, 5, 8);
	bb_utf(b, "FLOAT");
	bb_raw(b, "\x3f\x80\x00\x00\x40\x00\x00\x00\x40\x40\x00\x00\x40\x80\x00\x00"
		  "\x40\xa0\x00\x00", 20);
}

static void test_spec_variant_b(void **state)
{
	static struct bb b;
	struct err e = { 0 };
	struct tensor *t = NULL;
	struct nd4j_fmt fmt;
	uint8_t *buf;
	size_t len;

	(void)state;
	make_spec_b(&b);
	assert_int_equal(b.n, 137);
	assert_int_equal(codec_nd4j_decode(b.b, b.n, &t, &fmt, NULL, &e), 0);
	assert_string_equal(fmt.shape_mode, "LONG_SHAPE");
	assert_string_equal(codec_nd4j_variant_name(&fmt), "B (LONG_SHAPE)");
	assert_int_equal(fmt.shape_type, DT_I64);
	assert_int_equal(t->dtype, DT_F32);
	assert_int_equal(t->rank, 2);
	assert_int_equal(t->shape[1], 5);
	for (int i = 0; i < 5; i++)
		assert_true(((float *)t->data)[i] == (float)(i + 1));
	tensor_free(t);

	if (have_corpus()) {
		buf = read_whole(CORPUS "/dl4j-test-resources/legacy/NDArray_longshape_float.bin",
				 &len);
		assert_non_null(buf);
		assert_int_equal(len, b.n);
		assert_memory_equal(buf, b.b, len);
		free(buf);
	}
}

/* Variant C HALF header from the spec; the 15 halves are those of the corpus's
 * CustomLayerExample_Input_100b6_half.bin (the spec quotes the 100b4 file, same bytes). */
static const uint16_t half_vals[15] = { 0x396f, 0x35ae, 0x3abe, 0x3269, 0x399d,
					0x34f9, 0x372b, 0x3b81, 0x353a, 0x30dc,
					0x3622, 0x3a42, 0x325d, 0x3a63, 0x3139 };

static void make_spec_c(struct bb *b)
{
	static const int64_t si[8] = { 2, 3, 5, 5, 1, 0x1000, 1, 0x63 };

	b->n = 0;
	bb_utf(b, "MIXED_DATA_TYPES");
	bb_be(b, 8, 8);
	bb_utf(b, "LONG");
	for (int i = 0; i < 8; i++)
		bb_be(b, (uint64_t)si[i], 8);
	bb_utf(b, "MIXED_DATA_TYPES");
	bb_be(b, 15, 8);
	bb_utf(b, "HALF");
	for (int i = 0; i < 15; i++)
		bb_be(b, half_vals[i], 2);
}

static void test_spec_variant_c_half(void **state)
{
	static struct bb b;
	struct err e = { 0 };
	struct tensor *t = NULL;
	struct nd4j_fmt fmt;
	const uint16_t *h;
	uint8_t *buf;
	size_t len;

	(void)state;
	make_spec_c(&b);
	assert_int_equal(b.n, 158);
	assert_int_equal(codec_nd4j_decode(b.b, b.n, &t, &fmt, NULL, &e), 0);
	assert_string_equal(codec_nd4j_variant_name(&fmt), "C (MIXED_DATA_TYPES)");
	assert_int_equal(fmt.extras, 0x1000);
	assert_int_equal(t->dtype, DT_F16);
	assert_int_equal(t->shape[0], 3);
	assert_int_equal(t->shape[1], 5);
	assert_int_equal(t->stride[0], 5);
	h = t->data;
	for (int i = 0; i < 15; i++)
		assert_int_equal(h[i], half_vals[i]); /* host order */
	/* by hand: 0x396f = 2^-1 * (1 + 0x16f/1024), 0x35ae = 2^-2 * (1 + 0x1ae/1024),
	 * 0x3abe = 2^-1 * (1 + 0x2be/1024) */
	assert_true(half_to_float(h[0]) == 0.67919921875f);
	assert_true(half_to_float(h[1]) == 0.35498046875f);
	assert_true(half_to_float(h[2]) == 0.8427734375f);
	tensor_free(t);
	t = roundtrip(b.b, b.n, "spec variant C");
	tensor_free(t);

	if (have_corpus()) {
		buf = read_whole(CORPUS "/dl4j-test-resources/regression_testing/100b6/"
				 "CustomLayerExample_Input_100b6_half.bin", &len);
		assert_non_null(buf);
		assert_int_equal(len, b.n);
		assert_memory_equal(buf, b.b, len);
		free(buf);
	}
}

/* ------------------------------------------------------------------ strides */

/* FORMAT.md 2.4 / 2.5: GravesLSTMCharModelingExample_Output_100b4 shape info, shape
 * [3,77,10], stride [1,30,3], extras 0x2000, ews 0, order 'c' (a permuted non-view array).
 * Storage element s holds s, so element (i,j,l) must be i + 30 j + 3 l. */
static void test_nonstandard_strides_c(void **state)
{
	static struct bb b;
	struct aspec s = base_c();
	struct tensor *t;
	int64_t k = 0;

	(void)state;
	s.rank = 3;
	s.shape[0] = 3, s.shape[1] = 77, s.shape[2] = 10;
	s.stride[0] = 1, s.stride[1] = 30, s.stride[2] = 3;
	s.ews = 0;
	s.nwrite = 0;
	build(&b, &s);
	for (int i = 0; i < 2310; i++)
		bb_f32(&b, (float)i);
	t = roundtrip(b.b, b.n, "[3,77,10] stride [1,30,3]");
	assert_int_equal(t->order, 'c');
	assert_int_equal(t->stride[1], 30);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 77; j++)
			for (int l = 0; l < 10; l++, k++) {
				assert_true(elem_at(t, k) == (double)(i + 30 * j + 3 * l));
				assert_true(tensor_get_f64(t, k) == (double)(i + 30 * j + 3 * l));
			}
	if (have_numpy())
		check_with_numpy_all(b.b, b.n, t);
	else
		fprintf(stderr, "note: %s with numpy not available, numpy cross-check skipped\n",
			PYTHON);
	tensor_free(t);
}

/* SyntheticCNN_Output_100b4 (FORMAT.md 2.4): [4,4,11,22] stride [968,1,88,4] 'c', here as
 * variant A DOUBLE with ews -1. Element (a,b,c,d) = 968 a + b + 88 c + 4 d, times 0.5. */
static void test_nonstandard_strides_cnn(void **state)
{
	static struct bb b;
	struct aspec s = base_a();
	struct tensor *t;
	int64_t k = 0;

	(void)state;
	s.rank = 4;
	s.shape[0] = 4, s.shape[1] = 4, s.shape[2] = 11, s.shape[3] = 22;
	s.stride[0] = 968, s.stride[1] = 1, s.stride[2] = 88, s.stride[3] = 4;
	s.ews = -1;
	s.dtype = "DOUBLE";
	s.nwrite = 0;
	build(&b, &s);
	for (int i = 0; i < 3872; i++)
		bb_f64(&b, i * 0.5);
	t = roundtrip(b.b, b.n, "[4,4,11,22] stride [968,1,88,4]");
	for (int i0 = 0; i0 < 4; i0++)
		for (int i1 = 0; i1 < 4; i1++)
			for (int i2 = 0; i2 < 11; i2++)
				for (int i3 = 0; i3 < 22; i3++, k++)
					assert_true(elem_at(t, k) ==
						    0.5 * (968 * i0 + i1 + 88 * i2 + 4 * i3));
	if (have_numpy())
		check_with_numpy_all(b.b, b.n, t);
	tensor_free(t);
}

/* f-order arrays from the corpus: CustomLayerExample_Output_100a.bin is [3,8] stride
 * [1,3] 'f'; every element checked against numpy. */
static void test_corpus_f_order_numpy(void **state)
{
	uint8_t *buf;
	size_t len;
	struct tensor *t;

	(void)state;
	if (!have_numpy()) {
		fprintf(stderr, "note: %s with numpy not available\n", PYTHON);
		skip();
	}
	buf = read_whole(CORPUS "/dl4j-test-resources/regression_testing/100a/"
			 "CustomLayerExample_Output_100a.bin", &len);
	assert_non_null(buf);
	t = roundtrip(buf, len, "CustomLayerExample_Output_100a.bin");
	assert_int_equal(t->order, 'f');
	assert_int_equal(t->stride[0], 1);
	assert_int_equal(t->stride[1], 3);
	check_with_numpy_all(buf, len, t);
	tensor_free(t);
	free(buf);
}

/* Bijection checks by hand: valid layouts pass, overlapping/gapped/negative/zero fail. */
static void test_stride_bijection(void **state)
{
	static const struct {
		int rank;
		int64_t shape[4], stride[4];
		bool ok;
	} cases[] = {
		{ 2, { 2, 3 }, { 3, 1 }, true },     { 2, { 2, 3 }, { 1, 2 }, true },
		{ 2, { 1, 5 }, { 1, 1 }, true },     { 2, { 1, 5 }, { 99, 1 }, true },
		{ 2, { 5, 1 }, { 1, -7 }, true },    { 3, { 3, 77, 10 }, { 1, 30, 3 }, true },
		{ 2, { 0, 3 }, { 0, 0 }, true },     { 1, { 1 }, { 0 }, true },
		{ 2, { 2, 3 }, { 1, 1 }, false },    { 2, { 2, 3 }, { 2, 1 }, false },
		{ 2, { 2, 3 }, { 4, 1 }, false },    { 2, { 2, 3 }, { -3, 1 }, false },
		{ 2, { 2, 3 }, { 0, 1 }, false },    { 2, { 2, 3 }, { 3, 2 }, false },
		{ 1, { 4 }, { 2 }, false },          { 2, { 2, 2 }, { 1, 1 }, false },
		{ 3, { 2, 2, 2 }, { 1, 2, 2 }, false },
	};
	static struct bb b;

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct aspec s = base_c();
		struct err e = { 0 };
		struct tensor *t = NULL;
		int rc;

		s.rank = cases[c].rank;
		memcpy(s.shape, cases[c].shape, sizeof(cases[c].shape));
		memcpy(s.stride, cases[c].stride, sizeof(cases[c].stride));
		build(&b, &s);
		rc = codec_nd4j_decode(b.b, b.n, &t, NULL, NULL, &e);
		if ((rc == 0) != cases[c].ok)
			fprintf(stderr, "case %zu: rc %d %s\n", c, rc, e.msg);
		assert_int_equal(rc, cases[c].ok ? 0 : -EBADMSG);
		if (rc == 0) {
			tensor_free(t);
			t = roundtrip(b.b, b.n, "bijection case");
			tensor_free(t);
		} else {
			assert_non_null(strstr(e.msg, "exactly once"));
		}
	}
}

/* ------------------------------------------------------------------ data types */

struct dtcase {
	const char *name;
	enum dtype dt;
	uint8_t be[24]; /* 3 elements, big-endian */
};

static void test_all_dtypes(void **state)
{
	static const struct dtcase cases[] = {
		{ "FLOAT", DT_F32, { 0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0, 0x7f, 0x80, 0, 0 } },
		{ "DOUBLE", DT_F64, { 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0,
				      0x3f, 0xd5, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55 } },
		{ "HALF", DT_F16, { 0x3c, 0x00, 0xc0, 0x00, 0x00, 0x01 } },
		{ "BFLOAT16", DT_BF16, { 0x3f, 0x80, 0xc0, 0x00, 0x3e, 0xab } },
		{ "INT", DT_I32, { 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff } },
		{ "UINT32", DT_U32, { 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x80, 0, 0, 0 } },
		{ "LONG", DT_I64, { 1, 2, 3, 4, 5, 6, 7, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				    0xff, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0 } },
		{ "UINT64", DT_U64, { 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				      0xff, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0 } },
		{ "SHORT", DT_I16, { 0x80, 0x00, 0x01, 0x02, 0xff, 0xff } },
		{ "UINT16", DT_U16, { 0xff, 0xff, 0x01, 0x02, 0x00, 0x00 } },
		{ "BYTE", DT_I8, { 0x80, 0x7f, 0xff } },
		{ "UBYTE", DT_U8, { 0xff, 0x00, 0x80 } },
		{ "BOOL", DT_BOOL, { 0x00, 0x01, 0x01 } },
	};
	static struct bb b;

	(void)state;
	assert_int_equal(ARRAY_SIZE(cases), DT__COUNT);
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct aspec s = base_c();
		struct err e = { 0 };
		struct tensor *t = NULL;
		struct nd4j_fmt fmt;
		uint8_t host[24];
		const void *d;

		s.rank = 1;
		s.shape[0] = 3;
		s.stride[0] = 1;
		s.dtype = cases[c].name;
		s.nwrite = 0;
		build(&b, &s);
		bb_raw(&b, cases[c].be, 3 * test_elsize(cases[c].name));
		assert_int_equal(codec_nd4j_decode(b.b, b.n, &t, &fmt, NULL, &e), 0);
		assert_int_equal(t->dtype, cases[c].dt);
		assert_int_equal(fmt.dtype, cases[c].dt);
		d = t->data;
		switch (cases[c].dt) {
		case DT_F32: {
			const float *v = d;
			assert_true(v[0] == 1.0f && v[1] == -2.0f && isinf(v[2]) && v[2] > 0);
			break;
		}
		case DT_F64: {
			const double *v = d;
			assert_true(v[0] == 1.0 && v[1] == -2.0 && v[2] == 1.0 / 3.0);
			break;
		}
		case DT_F16: {
			const uint16_t *v = d;
			assert_int_equal(v[0], 0x3c00);
			assert_true(half_to_float(v[0]) == 1.0f);
			assert_true(half_to_float(v[1]) == -2.0f);
			/* 0x0001: the smallest subnormal, 2^-24 */
			assert_true(half_to_float(v[2]) == ldexpf(1.0f, -24));
			break;
		}
		case DT_BF16: {
			const uint16_t *v = d;
			assert_int_equal(v[2], 0x3eab);
			assert_true(bf16_to_float(v[0]) == 1.0f);
			assert_true(bf16_to_float(v[1]) == -2.0f);
			assert_true(bf16_to_float(v[2]) == 0.333984375f); /* 0x3eab0000 by hand */
			break;
		}
		case DT_I32: {
			const int32_t *v = d;
			assert_true(v[0] == 1 && v[1] == -1 && v[2] == INT32_MAX);
			break;
		}
		case DT_U32: {
			const uint32_t *v = d;
			assert_true(v[0] == 1 && v[1] == UINT32_MAX && v[2] == 0x80000000u);
			break;
		}
		case DT_I64: {
			const int64_t *v = d;
			assert_true(v[0] == 0x0102030405060708 && v[1] == -1 && v[2] == INT64_MIN);
			break;
		}
		case DT_U64: {
			const uint64_t *v = d;
			assert_true(v[0] == 1 && v[1] == UINT64_MAX && v[2] == (uint64_t)1 << 63);
			break;
		}
		case DT_I16: {
			const int16_t *v = d;
			assert_true(v[0] == -32768 && v[1] == 258 && v[2] == -1);
			break;
		}
		case DT_U16: {
			const uint16_t *v = d;
			assert_true(v[0] == 65535 && v[1] == 258 && v[2] == 0);
			break;
		}
		case DT_I8: {
			const int8_t *v = d;
			assert_true(v[0] == -128 && v[1] == 127 && v[2] == -1);
			break;
		}
		case DT_U8: {
			const uint8_t *v = d;
			assert_true(v[0] == 255 && v[1] == 0 && v[2] == 128);
			break;
		}
		case DT_BOOL: {
			const uint8_t *v = d;
			assert_true(v[0] == 0 && v[1] == 1 && v[2] == 1);
			break;
		}
		case DT__COUNT:
			fail();
		}
		memcpy(host, t->data, 3 * test_elsize(cases[c].name));
		tensor_free(t);
		t = roundtrip(b.b, b.n, cases[c].name);
		tensor_free(t);

		/* the same data under variant A (int32 lengths, INT shape info) */
		s.smode = s.dmode = "JAVACPP";
		s.stype = "INT";
		build(&b, &s);
		bb_raw(&b, cases[c].be, 3 * test_elsize(cases[c].name));
		t = roundtrip(b.b, b.n, cases[c].name);
		assert_memory_equal(t->data, host, 3 * test_elsize(cases[c].name));
		tensor_free(t);
	}
}

/* ------------------------------------------------------------------ rank 0 / 1 / empty */

static void test_rank0(void **state)
{
	/* shape info [0, extras, ews, 'c'] (length 4), one DOUBLE 2.5 */
	static const uint8_t a[] = {
		0x00, 0x10, 'M', 'I', 'X', 'E', 'D', '_', 'D', 'A', 'T', 'A', '_', 'T', 'Y', 'P',
		'E', 'S', 0, 0, 0, 0, 0, 0, 0, 4, 0x00, 0x04, 'L', 'O', 'N', 'G',
		0, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 0, 0, 0, 0x40, 0x00,
		0, 0, 0, 0, 0, 0, 0, 1,  0, 0, 0, 0, 0, 0, 0, 0x63,
		0x00, 0x10, 'M', 'I', 'X', 'E', 'D', '_', 'D', 'A', 'T', 'A', '_', 'T', 'Y', 'P',
		'E', 'S', 0, 0, 0, 0, 0, 0, 0, 1, 0x00, 0x06, 'D', 'O', 'U', 'B', 'L', 'E',
		0x40, 0x04, 0, 0, 0, 0, 0, 0,
	};
	struct tensor *t;

	(void)state;
	t = roundtrip(a, sizeof(a), "rank 0");
	assert_int_equal(t->rank, 0);
	assert_int_equal(t->dtype, DT_F64);
	assert_true(*(double *)t->data == 2.5);
	assert_true(elem_at(t, 0) == 2.5);
	tensor_free(t);
}

static void test_rank1(void **state)
{
	/* samediff per-variable style: [20], stride [1], shape-info length 6, INT data */
	static struct bb b;
	struct aspec s = base_c();
	struct nd4j_info info;
	struct err e = { 0 };
	struct tensor *t;

	(void)state;
	s.rank = 1;
	s.shape[0] = 20;
	s.stride[0] = 1;
	s.dtype = "INT";
	s.extras = 0x20000;
	build(&b, &s);
	assert_int_equal(codec_nd4j_parse(b.b, b.n, &info, &e), 0);
	assert_int_equal(info.rank, 1);
	assert_int_equal(info.n, 20);
	/* header: 32 + 6*8, data header 2+16+8+2+3 */
	assert_int_equal(info.data_off, 32 + 48 + 31);
	assert_int_equal(info.data_len, 80);
	assert_int_equal(info.fmt.extras, 0x20000);
	t = roundtrip(b.b, b.n, "rank 1");
	for (int i = 0; i < 20; i++)
		assert_int_equal(((int32_t *)t->data)[i], (int32_t)(0x01010101u * (i + 1)));
	tensor_free(t);
}

static void test_empty_array(void **state)
{
	static struct bb b;
	struct aspec s = base_a();
	struct tensor *t;

	(void)state;
	s.shape[0] = 0;
	build(&b, &s);
	t = roundtrip(b.b, b.n, "empty");
	assert_int_equal(numel(t), 0);
	tensor_free(t);
}

/* Trailing bytes after an array are not consumed; *used says where it ended. */
static void test_trailing_bytes(void **state)
{
	static struct bb b;
	struct err e = { 0 };
	struct tensor *t = NULL;
	size_t used = 0;

	(void)state;
	make_spec_a(&b);
	bb_raw(&b, "junk", 4);
	assert_int_equal(codec_nd4j_decode(b.b, b.n, &t, NULL, &used, &e), 0);
	assert_int_equal(used, 234);
	tensor_free(t);
}

/* ------------------------------------------------------------------ prefix / truncation */

static void test_truncation_variant_a(void **state)
{
	static const struct {
		size_t cut;
		const char *msg;
	} cuts[] = {
		{ 0, "truncated shape-info mode at offset 0 (need 2 bytes, 0 left)" },
		{ 1, "truncated shape-info mode at offset 0 (need 2 bytes, 1 left)" },
		{ 5, "truncated shape-info mode at offset 0 (need 9 bytes, 5 left)" },
		{ 10, "truncated shape-info length at offset 9 (need 4 bytes, 1 left)" },
		{ 14, "truncated shape-info type at offset 13 (need 2 bytes, 1 left)" },
		{ 16, "truncated shape-info type at offset 13 (need 5 bytes, 3 left)" },
		{ 19, "truncated shape-info rank at offset 18 (need 4 bytes, 1 left)" },
		{ 30, "truncated shape-info values at offset 18 (need 32 bytes, 12 left)" },
		{ 51, "truncated data mode at offset 50 (need 2 bytes, 1 left)" },
		{ 60, "truncated data length at offset 59 (need 4 bytes, 1 left)" },
		{ 64, "truncated data type at offset 63 (need 2 bytes, 1 left)" },
		{ 66, "truncated data type at offset 63 (need 7 bytes, 3 left)" },
		{ 70, "truncated data elements at offset 70 (need 164 bytes, 0 left)" },
		{ 233, "truncated data elements at offset 70 (need 164 bytes, 163 left)" },
	};
	static struct bb b;
	struct nd4j_info info;

	(void)state;
	make_spec_a(&b);
	for (size_t i = 0; i < ARRAY_SIZE(cuts); i++)
		expect_decode_err(b.b, cuts[i].cut, -EBADMSG, cuts[i].msg);
	for (size_t k = 0; k < b.n; k++) {
		struct err e = { 0 };
		struct tensor *t = NULL;
		int rc = codec_nd4j_parse(b.b, k, &info, &e);

		if (k < 70) {
			assert_int_equal(rc, -EAGAIN);
			assert_int_equal(e.code, 0); /* -EAGAIN does not fill e */
			assert_string_equal(e.msg, "");
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(info.data_off, 70);
			assert_int_equal(info.total_len, 234);
			assert_int_equal(info.n, 41);
		}
		assert_int_equal(codec_nd4j_decode(b.b, k, &t, NULL, NULL, &e), -EBADMSG);
		assert_int_equal(strncmp(e.msg, "truncated ", 10), 0);
	}
}

static void test_truncation_variant_c(void **state)
{
	static const struct {
		size_t cut;
		const char *msg;
	} cuts[] = {
		{ 18, "truncated shape-info length at offset 18 (need 8 bytes, 0 left)" },
		{ 25, "truncated shape-info length at offset 18 (need 8 bytes, 7 left)" },
		{ 33, "truncated shape-info rank at offset 32 (need 8 bytes, 1 left)" },
		{ 95, "truncated shape-info values at offset 32 (need 64 bytes, 63 left)" },
		{ 100, "truncated data mode at offset 96 (need 18 bytes, 4 left)" },
		{ 120, "truncated data length at offset 114 (need 8 bytes, 6 left)" },
		{ 127, "truncated data type at offset 122 (need 6 bytes, 5 left)" },
		{ 157, "truncated data elements at offset 128 (need 30 bytes, 29 left)" },
	};
	static struct bb b;
	struct nd4j_info info;
	struct err e = { 0 };

	(void)state;
	make_spec_c(&b);
	for (size_t i = 0; i < ARRAY_SIZE(cuts); i++)
		expect_decode_err(b.b, cuts[i].cut, -EBADMSG, cuts[i].msg);
	assert_int_equal(codec_nd4j_parse(b.b, 127, &info, &e), -EAGAIN);
	assert_int_equal(codec_nd4j_parse(b.b, 128, &info, &e), 0);
	assert_int_equal(info.total_len, 158);
	assert_int_equal(e.code, 0);
}

/* ND4J_MAX_HEADER_LEN: the longest accepted header is 228 bytes and a 243-byte prefix
 * always decides (hand-counted in nd4j.h; checked here on the worst cases). */
static void test_max_header_len(void **state)
{
	static struct bb b;
	struct aspec s = base_c();
	struct nd4j_info info;
	struct err e = { 0 };

	(void)state;
	s.rank = 8;
	for (int i = 0; i < 8; i++) {
		s.shape[i] = 1;
		s.stride[i] = 1;
	}
	s.dtype = "BFLOAT16";
	build(&b, &s);
	assert_int_equal(codec_nd4j_parse(b.b, b.n, &info, &e), 0);
	assert_int_equal(info.data_off, 228);
	assert_true(info.data_off <= ND4J_MAX_HEADER_LEN);
	/* an unknown 23-byte data type is refused only once all of it is there */
	s.dtype = "ABCDEFGHIJKLMNOPQRSTUVW";
	build(&b, &s);
	assert_int_equal(codec_nd4j_parse(b.b, ND4J_MAX_HEADER_LEN - 1, &info, &e), -EAGAIN);
	assert_int_equal(codec_nd4j_parse(b.b, ND4J_MAX_HEADER_LEN, &info, &e), -EBADMSG);
	assert_string_equal(e.msg, "unknown data type 'ABCDEFGHIJKLMNOPQRSTUVW' in data header");
}

/* The fs reads only the first bytes of a big coefficients.bin at mount time. */
static void test_prefix_of_real_file(void **state)
{
	uint8_t *buf;
	size_t len;
	struct nd4j_info info;
	struct err e = { 0 };

	(void)state;
	buf = unzip_member(CORPUS "/wild/LHNCBC__MalariaScreener__trained_model.zip",
			   "coefficients.bin", &len);
	assert_non_null(buf);
	assert_int_equal(codec_nd4j_parse(buf, 69, &info, &e), -EAGAIN);
	assert_int_equal(codec_nd4j_parse(buf, 128, &info, &e), 0);
	assert_int_equal(info.n, 452642);
	assert_int_equal(info.data_off, 70);
	assert_int_equal(info.total_len, len);
	assert_int_equal(info.fmt.dtype, DT_F32);
	assert_int_equal(info.rank, 2);
	assert_int_equal(info.shape[1], 452642);
	free(buf);
}

/* ------------------------------------------------------------------ error paths */

static void test_err_rank(void **state)
{
	struct aspec s = base_c();

	(void)state;
	s.rank = -1;
	s.si_len = 4;
	expect_spec_err(&s, -EBADMSG, "negative rank -1");
	s = base_c();
	s.rank = 9;
	expect_spec_err(&s, -ENOTSUP, "rank 9 exceeds 8");
	s = base_a();
	s.rank = 0x7fffffff;
	s.si_len = 10;
	expect_spec_err(&s, -ENOTSUP, "rank 2147483647 exceeds 8");
}

static void test_err_types(void **state)
{
	struct aspec s = base_c();

	(void)state;
	s.dtype = "COMPRESSED";
	expect_spec_err(&s, -ENOTSUP, "compressed arrays are not supported (type COMPRESSED "
			"in data header)");
	s.dtype = "UTF8";
	expect_spec_err(&s, -ENOTSUP, "string arrays are not supported (type UTF8 in data "
			"header)");
	s = base_c();
	s.stype = "COMPRESSED";
	expect_spec_err(&s, -ENOTSUP, "compressed arrays are not supported (type COMPRESSED "
			"in shape-info header)");
	s = base_c();
	s.dtype = "FLOAT32";
	expect_spec_err(&s, -EBADMSG, "unknown data type 'FLOAT32' in data header");
	s.dtype = "";
	expect_spec_err(&s, -EBADMSG, "unknown data type '' in data header");
	s = base_c();
	s.stype = "FLOAT";
	expect_spec_err(&s, -EBADMSG, "shape-info type FLOAT is not INT or LONG");
}

/* Java's modified UTF-8 never writes a 0 byte: "HALF\0\0" is not HALF (found by libFuzzer:
 * accepting it broke the byte-identical round trip). */
static void test_err_nul_in_name(void **state)
{
	static struct bb b;
	struct aspec s = base_c();

	(void)state;
	s.dtype = "HALF";
	build(&b, &s);
	/* rewrite the data type name "HALF" (last 4 bytes before 6 halves) as 6 bytes */
	{
		size_t at = b.n - 12 - 6; /* u16 length of "HALF" */
		static struct bb c;

		c.n = 0;
		bb_raw(&c, b.b, at);
		bb_be(&c, 6, 2);
		bb_raw(&c, "HALF\0\0", 6);
		bb_raw(&c, b.b + at + 6, 12);
		expect_decode_err(c.b, c.n, -EBADMSG,
				  "unknown data type 'HALF\\x00\\x00' in data header");
	}
	s = base_a();
	s.smode = "JAVACPP";
	build(&b, &s);
	b.b[1] = 8; /* "JAVACPP" + the first byte of the length (0) */
	expect_decode_err(b.b, b.n, -EBADMSG,
			  "unknown allocation mode 'JAVACPP\\x00' in shape-info header");
}

static void test_err_modes(void **state)
{
	static struct bb b;
	struct aspec s = base_c();

	(void)state;
	s.smode = "FOO";
	expect_spec_err(&s, -EBADMSG, "unknown allocation mode 'FOO' in shape-info header");
	s = base_c();
	s.dmode = "javacpp";
	expect_spec_err(&s, -EBADMSG, "unknown allocation mode 'javacpp' in data header");
	s.dmode = "JAVA\x01'";
	expect_spec_err(&s, -EBADMSG,
			"unknown allocation mode 'JAVA\\x01\\x27' in data header");

	/* a 65535-byte name is refused from the bytes at hand, even in a short prefix */
	b.n = 0;
	bb_be(&b, 0xffff, 2);
	for (int i = 0; i < 40; i++)
		bb_raw(&b, "A", 1);
	expect_decode_err(b.b, b.n, -EBADMSG, "unknown allocation mode "
			  "'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...' in shape-info header");
	expect_decode_err(b.b, 7, -EBADMSG, "unknown allocation mode 'AAAAA...' in "
			  "shape-info header");
	/* 24 bytes: one too many for any mode */
	s = base_c();
	s.smode = "MIXED_DATA_TYPES_AND_MO";
	expect_spec_err(&s, -EBADMSG, "unknown allocation mode 'MIXED_DATA_TYPES_AND_MO' in "
			"shape-info header");
	s.smode = "MIXED_DATA_TYPES_AND_MOR";
	expect_spec_err(&s, -EBADMSG, "unknown allocation mode 'MIXED_DATA_TYPES_AND_MOR' in "
			"shape-info header");
}

static void test_err_lengths(void **state)
{
	struct aspec s = base_c();

	(void)state;
	s.dlen = (int64_t)1 << 62;
	expect_spec_err(&s, -EOVERFLOW, "data length 4611686018427387904 exceeds limit "
			"1099511627776");
	s = base_c();
	s.si_len = (int64_t)1 << 62;
	expect_spec_err(&s, -EOVERFLOW, "shape-info length 4611686018427387904 exceeds limit "
			"1099511627776");
	s = base_c();
	s.dlen = INT64_MIN;
	expect_spec_err(&s, -EBADMSG, "negative data length -9223372036854775808");
	s = base_a();
	s.dlen = 0xffffffff; /* int32 -1 */
	expect_spec_err(&s, -EBADMSG, "negative data length -1");
	s = base_a();
	s.si_len = 0x80000000;
	expect_spec_err(&s, -EBADMSG, "negative shape-info length -2147483648");
	s = base_c();
	s.si_len = 9;
	expect_spec_err(&s, -EBADMSG, "shape-info length 9 does not match rank 2 (expected 8)");
	s.si_len = 3;
	expect_spec_err(&s, -EBADMSG, "shape-info length 3 too short (minimum 4)");
	s = base_c();
	s.dlen = 5;
	expect_spec_err(&s, -EBADMSG, "data length 5 does not match shape product 6");
	s.dlen = 7;
	s.nwrite = 7;
	expect_spec_err(&s, -EBADMSG, "data length 7 does not match shape product 6");
}

static void test_err_shape(void **state)
{
	struct aspec s = base_c();

	(void)state;
	s.shape[1] = -3;
	expect_spec_err(&s, -EBADMSG, "negative dimension -3 at shape[1]");
	s = base_c();
	s.shape[0] = (int64_t)1 << 32;
	s.shape[1] = (int64_t)1 << 32;
	s.nwrite = 0;
	expect_spec_err(&s, -EOVERFLOW, "shape product overflows at shape[1]");
	s = base_c();
	s.shape[0] = (int64_t)1 << 21;
	s.shape[1] = (int64_t)1 << 20;
	s.nwrite = 0;
	expect_spec_err(&s, -EOVERFLOW, "shape product 2199023255552 exceeds limit "
			"1099511627776");
	s = base_a();
	s.shape[0] = 0x7fffffff;
	s.shape[1] = 0x7fffffff;
	s.nwrite = 0;
	expect_spec_err(&s, -EOVERFLOW, "shape product 4611686014132420609 exceeds limit "
			"1099511627776");
}

static void test_err_order(void **state)
{
	struct aspec s = base_c();

	(void)state;
	s.order = 'x';
	expect_spec_err(&s, -EBADMSG, "bad order char 0x78 (expected 'c' or 'f')");
	s.order = 'C';
	expect_spec_err(&s, -EBADMSG, "bad order char 0x43 (expected 'c' or 'f')");
	s.order = 0x100000063;
	expect_spec_err(&s, -EBADMSG, "bad order char 0x100000063 (expected 'c' or 'f')");
	s = base_a();
	s.order = -1;
	expect_spec_err(&s, -EBADMSG, "bad order char 0xffffffffffffffff (expected 'c' or 'f')");
}

static void test_err_strides(void **state)
{
	struct aspec s = base_c();

	(void)state;
	s.stride[0] = 1;
	expect_spec_err(&s, -EBADMSG, "strides [1,1] do not address [0, 6) exactly once for "
			"shape [2,3]");
	s.stride[0] = -3;
	expect_spec_err(&s, -EBADMSG, "strides [-3,1] do not address [0, 6) exactly once for "
			"shape [2,3]");
	/* a huge stride must not lead to a huge allocation or overflow */
	s.stride[0] = INT64_MAX;
	expect_spec_err(&s, -EBADMSG, "strides [9223372036854775807,1] do not address [0, 6) "
			"exactly once for shape [2,3]");
	/* a valid large array with bad strides is rejected from its header alone */
	s = base_c();
	s.shape[0] = (int64_t)1 << 20;
	s.shape[1] = (int64_t)1 << 20;
	s.stride[0] = 1;
	s.stride[1] = 1;
	s.nwrite = 0;
	expect_spec_err(&s, -EBADMSG, "strides [1,1] do not address [0, 1099511627776) exactly "
			"once for shape [1048576,1048576]");
}

static void test_err_truncated_data(void **state)
{
	struct aspec s = base_c();

	(void)state;
	s.nwrite = 5;
	{
		static struct bb b;
		struct nd4j_info info;
		struct err e = { 0 };

		build(&b, &s);
		/* parse succeeds (headers complete), decode refuses the short data */
		assert_int_equal(codec_nd4j_parse(b.b, b.n, &info, &e), 0);
		assert_int_equal(info.total_len, b.n + 4);
		expect_decode_err(b.b, b.n, -EBADMSG, "truncated data elements at offset 129 "
				  "(need 24 bytes, 20 left)");
	}
}

static void test_alloc_failure(void **state)
{
	static struct bb b;
	struct err e = { 0 };
	struct tensor *t = NULL;
	struct nd4j_fmt fmt;
	uint8_t *out = NULL;
	size_t len;

	(void)state;
	make_spec_a(&b);
	dl_alloc_fail_at(1);
	assert_int_equal(codec_nd4j_decode(b.b, b.n, &t, NULL, NULL, &e), -ENOMEM);
	assert_string_equal(e.msg, "out of memory for array header");
	err_clear(&e);
	dl_alloc_fail_at(2);
	assert_int_equal(codec_nd4j_decode(b.b, b.n, &t, NULL, NULL, &e), -ENOMEM);
	assert_string_equal(e.msg, "out of memory for 164 bytes of array data");
	assert_null(t);
	dl_alloc_fail_at(0);
	err_clear(&e);
	assert_int_equal(codec_nd4j_decode(b.b, b.n, &t, &fmt, NULL, &e), 0);
	dl_alloc_fail_at(1);
	assert_int_equal(codec_nd4j_encode(t, &fmt, &out, &len, &e), -ENOMEM);
	assert_string_equal(e.msg, "out of memory for 234 bytes of encoded array");
	assert_null(out);
	dl_alloc_fail_at(0);
	tensor_free(t);
}

/* ------------------------------------------------------------------ encode */

static void test_encode_variant_a(void **state)
{
	static const uint8_t want[] = {
		0x00, 0x07, 'J', 'A', 'V', 'A', 'C', 'P', 'P', 0, 0, 0, 0x08,
		0x00, 0x03, 'I', 'N', 'T',
		0, 0, 0, 2, /* rank */
		0, 0, 0, 2, 0, 0, 0, 3, /* shape */
		0, 0, 0, 3, 0, 0, 0, 1, /* stride */
		0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x63, /* extras, ews, 'c' */
		0x00, 0x07, 'J', 'A', 'V', 'A', 'C', 'P', 'P', 0, 0, 0, 6,
		0x00, 0x05, 'F', 'L', 'O', 'A', 'T',
		0x3f, 0x80, 0, 0, 0x40, 0, 0, 0, 0x40, 0x40, 0, 0, 0x40, 0x80, 0, 0,
		0x40, 0xa0, 0, 0, 0x40, 0xc0, 0, 0,
	};
	float data[6] = { 1, 2, 3, 4, 5, 6 };
	struct tensor t = { .dtype = DT_F32, .rank = 2, .shape = { 2, 3 }, .stride = { 3, 1 },
			    .order = 'c', .data = data };
	struct nd4j_fmt fmt = { .shape_mode = "JAVACPP", .data_mode = "JAVACPP",
				.shape_type = DT_I32, .dtype = DT_F32, .extras = 0, .ews = 1 };
	struct err e = { 0 };
	uint8_t *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(codec_nd4j_encode(&t, &fmt, &out, &len, &e), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	assert_true(data[0] == 1.0f); /* input untouched */
	dl_free(out);
}

static void test_encode_variant_c(void **state)
{
	static const uint8_t want[] = {
		0x00, 0x10, 'M', 'I', 'X', 'E', 'D', '_', 'D', 'A', 'T', 'A', '_', 'T', 'Y', 'P',
		'E', 'S', 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00, 0x04, 'L', 'O', 'N', 'G',
		0, 0, 0, 0, 0, 0, 0, 2, /* rank */
		0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, /* shape */
		0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, /* stride (f) */
		0, 0, 0, 0, 0, 0, 0x20, 0, /* extras = FLOAT flag */
		0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x66, /* ews, 'f' */
		0x00, 0x10, 'M', 'I', 'X', 'E', 'D', '_', 'D', 'A', 'T', 'A', '_', 'T', 'Y', 'P',
		'E', 'S', 0, 0, 0, 0, 0, 0, 0, 0x06, 0x00, 0x05, 'F', 'L', 'O', 'A', 'T',
		0x3f, 0x80, 0, 0, 0x40, 0, 0, 0, 0x40, 0x40, 0, 0, 0x40, 0x80, 0, 0,
		0x40, 0xa0, 0, 0, 0xc0, 0xc0, 0, 0,
	};
	float data[6] = { 1, 2, 3, 4, 5, -6 };
	struct tensor t = { .dtype = DT_F32, .rank = 2, .shape = { 2, 3 }, .stride = { 1, 2 },
			    .order = 'f', .data = data };
	struct nd4j_fmt fmt = { .shape_mode = "MIXED_DATA_TYPES", .data_mode = "MIXED_DATA_TYPES",
				.shape_type = DT_I64, .dtype = DT_F32, .extras = 0x2000, .ews = 1 };
	struct err e = { 0 };
	uint8_t *out = NULL;
	size_t len = 0;
	struct tensor *back;

	(void)state;
	assert_int_equal(codec_nd4j_encode(&t, &fmt, &out, &len, &e), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	back = roundtrip(out, len, "encoded variant C");
	/* f order: element (1,2) is storage 1 + 2*2 = 5 */
	assert_true(elem_at(back, 5) == -6.0);
	assert_true(elem_at(back, 1) == 3.0); /* (0,1) -> storage 2 */
	tensor_free(back);
	dl_free(out);
}

static void expect_encode_err(const struct tensor *t, const struct nd4j_fmt *f, int code,
			      const char *msg)
{
	struct err e = { 0 };
	uint8_t *out = NULL;
	size_t len = 0;

	assert_int_equal(codec_nd4j_encode(t, f, &out, &len, &e), code);
	assert_int_equal(e.code, code);
	assert_string_equal(e.msg, msg);
	assert_null(out);
}

static void test_encode_errors(void **state)
{
	float data[6] = { 0 };
	struct tensor t = { .dtype = DT_F32, .rank = 2, .shape = { 2, 3 }, .stride = { 3, 1 },
			    .order = 'c', .data = data };
	struct nd4j_fmt fmt = { .shape_mode = "JAVACPP", .data_mode = "JAVACPP",
				.shape_type = DT_I32, .dtype = DT_F32, .ews = 1 };
	struct tensor u;
	struct nd4j_fmt g;

	(void)state;
	g = fmt;
	strcpy(g.data_mode, "BOGUS");
	expect_encode_err(&t, &g, -EINVAL, "cannot encode: unknown allocation mode 'BOGUS'");
	g = fmt;
	g.shape_type = DT_F32;
	expect_encode_err(&t, &g, -EINVAL, "cannot encode: shape-info type must be INT or LONG");
	g = fmt;
	g.dtype = DT_F64;
	expect_encode_err(&t, &g, -EINVAL, "cannot encode: tensor type FLOAT does not match "
			  "format type DOUBLE");
	u = t;
	u.rank = 9;
	expect_encode_err(&u, &fmt, -EINVAL, "cannot encode: rank 9 out of range 0..8");
	u = t;
	u.order = 'x';
	expect_encode_err(&u, &fmt, -EINVAL, "cannot encode: bad order char 0x78");
	u = t;
	u.stride[0] = 1;
	expect_encode_err(&u, &fmt, -EINVAL, "strides [1,1] do not address [0, 6) exactly once "
			  "for shape [2,3]");
	u = t;
	u.shape[0] = -1;
	expect_encode_err(&u, &fmt, -EINVAL, "negative dimension -1 at shape[0]");
	/* values that do not fit the 32-bit fields (data never touched) */
	u = t;
	u.rank = 1;
	u.shape[0] = 0x80000001;
	u.stride[0] = 1;
	expect_encode_err(&u, &fmt, -EOVERFLOW, "cannot encode: shape-info value 2147483649 "
			  "does not fit INT");
	g = fmt;
	g.shape_type = DT_I64;
	expect_encode_err(&u, &g, -EOVERFLOW, "cannot encode: 2147483649 elements do not fit "
			  "the 32-bit length of mode JAVACPP");
	g = fmt;
	g.extras = (int64_t)1 << 40;
	expect_encode_err(&t, &g, -EOVERFLOW, "cannot encode: shape-info value 1099511627776 "
			  "does not fit INT");
}

/* ------------------------------------------------------------------ swap */

static void test_swap(void **state)
{
	uint8_t b[8 * 40 + 3];
	uint8_t *p = b + 3; /* unaligned on purpose */

	(void)state;
	for (size_t n = 0; n <= 40; n++) {
		for (unsigned size = 1; size <= 8; size *= 2) {
			enum dtype dt = size == 1 ? DT_I8 : size == 2 ? DT_F16 : size == 4 ? DT_F32
											  : DT_F64;

			for (size_t i = 0; i < sizeof(b); i++)
				b[i] = (uint8_t)i;
			codec_nd4j_swap(dt, p, n);
			for (size_t k = 0; k < 40; k++) {
				for (unsigned j = 0; j < size; j++) {
					size_t at = k * size + j;
					size_t from = k < n ? k * size + (size - 1 - j) : at;

					assert_int_equal(p[at], (uint8_t)(from + 3));
				}
			}
		}
	}
}

/* ------------------------------------------------------------------ corpus */

struct corpus_item {
	char path[1024];
	char member[32]; /* "" for a standalone array file */
	uint8_t *buf;    /* its bytes once read (NULL: member absent) */
	size_t len;
};

struct corpus_list {
	struct corpus_item *v;
	size_t n, cap;
	size_t arrays, archives;
};

static void list_add(struct corpus_list *l, const char *path, const char *member)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		assert_non_null(l->v);
	}
	snprintf(l->v[l->n].path, sizeof(l->v[0].path), "%s", path);
	snprintf(l->v[l->n].member, sizeof(l->v[0].member), "%s", member);
	l->v[l->n].buf = NULL;
	l->n++;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

/* Every zip under the corpus (any extension: detected by "PK") gives coefficients.bin and
 * updaterState.bin if present; every other *.bin under dl4j-test-resources is an array. */
static void walk(struct corpus_list *l, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[1024];
		struct stat st;
		uint8_t magic[2] = { 0 };
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			walk(l, path);
			continue;
		}
		f = fopen(path, "rb");
		assert_non_null(f);
		if (fread(magic, 1, 2, f) != 2)
			magic[0] = 0;
		fclose(f);
		if (magic[0] == 'P' && magic[1] == 'K') {
			l->archives++;
			list_add(l, path, "coefficients.bin");
			list_add(l, path, "updaterState.bin");
		} else if (ends_with(path, ".bin") && strstr(path, "/dl4j-test-resources/")) {
			l->arrays++;
			list_add(l, path, "");
		}
	}
	closedir(d);
}

static bool is_ramp_archive(const char *path)
{
	return strstr(path, "/regression_testing/050/") || strstr(path, "/regression_testing/080/");
}

static void test_corpus_all_arrays(void **state)
{
	struct corpus_list l = { 0 };
	size_t decoded = 0, members = 0, ramps = 0, npy = 0;
	char *cmd = NULL;
	size_t cmdlen = 0;
	FILE *py = NULL;
	bool numpy = have_numpy();
	FILE *cmdf;

	(void)state;
	walk(&l, CORPUS);
	fprintf(stderr, "corpus: %zu standalone arrays, %zu archives\n", l.arrays, l.archives);
	assert_true(l.arrays >= 55);   /* as listed in the corpus README / FORMAT.md 9 */
	assert_true(l.archives >= 28);

	/* one numpy run over every present array, in list order */
	if (numpy) {
		cmdf = open_memstream(&cmd, &cmdlen);
		assert_non_null(cmdf);
		fprintf(cmdf, "%s %s", PYTHON, py_script());
	}

	for (size_t i = 0; i < l.n; i++) {
		struct corpus_item *it = &l.v[i];
		struct tensor *t;

		if (it->member[0]) {
			it->buf = unzip_member(it->path, it->member, &it->len);
			if (!it->buf) {
				/* every archive has parameters; updater state is optional */
				assert_string_equal(it->member, "updaterState.bin");
				continue;
			}
			members++;
		} else {
			it->buf = read_whole(it->path, &it->len);
			assert_non_null(it->buf);
		}
		t = roundtrip(it->buf, it->len, it->path);
		decoded++;
		if (it->member[0] && !strcmp(it->member, "coefficients.bin") &&
		    is_ramp_archive(it->path)) {
			/* 0.5.0 / 0.8.0 regression archives: parameters are 1, 2, 3 ... N */
			int64_t n = numel(t);

			assert_int_equal(t->dtype, DT_F32);
			assert_true(n > 40);
			for (int64_t k = 0; k < n; k++)
				assert_true(((float *)t->data)[k] == (float)(k + 1));
			ramps++;
		}
		tensor_free(t);
		if (numpy) {
			if (it->member[0])
				fprintf(cmdf, " %s!%s", it->path, it->member);
			else
				fprintf(cmdf, " %s", it->path);
		}
	}
	fprintf(stderr, "corpus: %zu arrays decoded and re-encoded byte-identically (%zu archive "
		"members), %zu ramp checks\n", decoded, members, ramps);
	assert_true(decoded >= 55 + 28 + 20);
	assert_int_equal(ramps, 8);

	if (!numpy) {
		fprintf(stderr, "note: %s with numpy not available, numpy cross-check skipped\n",
			PYTHON);
		goto out;
	}
	fclose(cmdf);
	py = popen(cmd, "r");
	assert_non_null(py);
	for (size_t i = 0; i < l.n; i++) {
		struct corpus_item *it = &l.v[i];
		long long pn;
		double ps, p0, p1, p2, s = 0, mag = 0;
		struct tensor *t = NULL;
		struct err e = { 0 };
		int64_t n;

		if (!it->buf)
			continue;
		assert_int_equal(fscanf(py, "%lld %lf %lf %lf %lf", &pn, &ps, &p0, &p1, &p2), 5);
		assert_int_equal(codec_nd4j_decode(it->buf, it->len, &t, NULL, NULL, &e), 0);
		n = numel(t);
		assert_int_equal(n, pn);
		for (int64_t k = 0; k < n; k++) {
			double v = elem_at(t, k);

			s += v * (double)(k % 7 + 1);
			mag += fabs(v) * (double)(k % 7 + 1);
		}
		if (fabs(s - ps) > 1e-9 * (mag + 1))
			fprintf(stderr, "%s%s%s: sum %.17g numpy %.17g\n", it->path,
				it->member[0] ? "!" : "", it->member, s, ps);
		assert_true(fabs(s - ps) <= 1e-9 * (mag + 1));
		if (n) {
			assert_true(elem_at(t, 0) == p0);
			assert_true(elem_at(t, n / 3) == p1);
			assert_true(elem_at(t, n - 1) == p2);
		}
		npy++;
		tensor_free(t);
	}
	assert_int_equal(pclose(py), 0);
	assert_int_equal(npy, decoded);
	fprintf(stderr, "corpus: %zu arrays match numpy (strided addressing)\n", npy);
out:
	free(cmd);
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i].buf);
	free(l.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_variant_a),
		cmocka_unit_test(test_spec_variant_b),
		cmocka_unit_test(test_spec_variant_c_half),
		cmocka_unit_test(test_nonstandard_strides_c),
		cmocka_unit_test(test_nonstandard_strides_cnn),
		cmocka_unit_test(test_stride_bijection),
		cmocka_unit_test(test_all_dtypes),
		cmocka_unit_test(test_rank0),
		cmocka_unit_test(test_rank1),
		cmocka_unit_test(test_empty_array),
		cmocka_unit_test(test_trailing_bytes),
		cmocka_unit_test(test_truncation_variant_a),
		cmocka_unit_test(test_truncation_variant_c),
		cmocka_unit_test(test_max_header_len),
		cmocka_unit_test(test_err_rank),
		cmocka_unit_test(test_err_types),
		cmocka_unit_test(test_err_nul_in_name),
		cmocka_unit_test(test_err_modes),
		cmocka_unit_test(test_err_lengths),
		cmocka_unit_test(test_err_shape),
		cmocka_unit_test(test_err_order),
		cmocka_unit_test(test_err_strides),
		cmocka_unit_test(test_err_truncated_data),
		cmocka_unit_test(test_alloc_failure),
		cmocka_unit_test(test_encode_variant_a),
		cmocka_unit_test(test_encode_variant_c),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_swap),
	};
	const struct CMUnitTest corpus_tests[] = {
		cmocka_unit_test(test_spec_hexdumps_match_corpus),
		cmocka_unit_test(test_corpus_f_order_numpy),
		cmocka_unit_test(test_prefix_of_real_file),
		cmocka_unit_test(test_corpus_all_arrays),
	};
	int rc;

	rc = cmocka_run_group_tests_name("nd4j", tests, NULL, NULL);
	if (rc == 0) {
		if (!have_corpus()) {
			printf("corpus %s absent: skipping the corpus tests\n", CORPUS);
			rc = 77;
		} else {
			rc = cmocka_run_group_tests_name("nd4j_corpus", corpus_tests, NULL, NULL);
		}
	}
	if (py_path[0])
		unlink(py_path);
	return rc;
}
