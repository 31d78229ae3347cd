/* test_base.c - err, alloc and tensor helpers of the base library. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "codec/alloc.h"
#include "codec/err.h"
#include "codec/model.h"
#include "codec/sbuf.h"
#include "codec/tensor.h"

static void test_err_first_cause_wins(void **state)
{
	struct err e = { 0 };
	char buf[600];

	(void)state;
	assert_int_equal(err_set(&e, -EBADMSG, "rank %d exceeds %d", 9, 8), -EBADMSG);
	assert_int_equal(err_set(&e, -ENOMEM, "later cause"), -ENOMEM);
	assert_int_equal(e.code, -EBADMSG);
	assert_string_equal(e.msg, "rank 9 exceeds 8");
	err_where(&e, "coefficients.bin");
	err_where(&e, "%s", "model.zip");
	assert_string_equal(err_str(&e, buf, sizeof(buf)),
			    "model.zip:coefficients.bin: rank 9 exceeds 8");
	err_clear(&e);
	assert_int_equal(e.code, 0);
	assert_string_equal(err_str(&e, buf, sizeof(buf)), "");
	assert_int_equal(err_set(NULL, -EIO, "ignored"), -EIO);
}

static void test_alloc_fail_nth(void **state)
{
	void *a, *b;

	(void)state;
	dl_alloc_fail_at(2);
	a = dl_malloc(16);
	b = dl_malloc(16);
	assert_non_null(a);
	assert_null(b);
	assert_int_equal(dl_alloc_count(), 2);
	dl_alloc_fail_at(0);
	b = dl_strdup("abc");
	assert_string_equal(b, "abc");
	dl_free(a);
	dl_free(b);
}

static void test_overflow_checks(void **state)
{
	size_t r = 7;
	int64_t q = 7;

	(void)state;
	assert_false(size_mul_ok(SIZE_MAX / 2 + 1, 2, &r));
	assert_int_equal(r, 7);
	assert_true(size_mul_ok(1000, 1000, &r));
	assert_int_equal(r, 1000000);
	assert_false(size_add_ok(SIZE_MAX, 1, &r));
	assert_false(i64_mul_ok(INT64_MAX / 3 + 1, 3, &q));
	assert_false(i64_add_ok(INT64_MAX, 1, &q));
}

/* Binary16 values from the IEEE 754 table (independent of the code). */
static void test_half(void **state)
{
	static const struct {
		uint16_t h;
		float f;
	} v[] = {
		{ 0x3c00, 1.0f },       { 0xc000, -2.0f },     { 0x7bff, 65504.0f },
		{ 0x0400, 6.103515625e-05f }, { 0x0001, 5.9604644775390625e-08f },
		{ 0x3555, 0.333251953125f }, { 0x0000, 0.0f },   { 0x8000, -0.0f },
		{ 0x396f, 0.67919921875f },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		assert_true(half_to_float(v[i].h) == v[i].f);
		assert_int_equal(float_to_half(v[i].f), v[i].h);
	}
	assert_true(isinf(half_to_float(0x7c00)));
	assert_true(isnan(half_to_float(0x7e00)));
	assert_int_equal(float_to_half(1e6f), 0x7c00);      /* overflow -> inf */
	assert_int_equal(float_to_half(1.0f + 1.0f / 4096), 0x3c00); /* ties to even */
	assert_true(bf16_to_float(0x3f80) == 1.0f);
	assert_true(bf16_to_float(0xc040) == -3.0f);
	/* every half survives half -> float -> half */
	for (uint32_t h = 0; h < 0x10000; h++) {
		if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff))
			continue; /* NaN payloads */
		assert_int_equal(float_to_half(half_to_float((uint16_t)h)), h);
	}
}

static void test_strides_and_get(void **state)
{
	float data[6] = { 1, 2, 3, 4, 5, 6 };
	struct tensor t = { .dtype = DT_F32, .rank = 2, .shape = { 2, 3 }, .order = 'f',
			    .data = data };

	(void)state;
	tensor_std_strides(2, t.shape, 'f', t.stride);
	assert_int_equal(t.stride[0], 1);
	assert_int_equal(t.stride[1], 2);
	assert_true(tensor_is_contig(&t, 'f'));
	assert_false(tensor_is_contig(&t, 'c'));
	/* logical (0,1) of an f-order [2,3] is data[2] */
	assert_true(tensor_get_f64(&t, 1) == 3.0);
	assert_true(tensor_get_f64(&t, 3) == 2.0);
	assert_int_equal(tensor_numel(&t), 6);
	tensor_std_strides(2, t.shape, 'c', t.stride);
	assert_int_equal(t.stride[0], 3);
	assert_true(tensor_get_f64(&t, 1) == 2.0);
}

static void test_dtype_table(void **state)
{
	enum dtype dt;

	(void)state;
	assert_int_equal(tensor_dtype_from_nd4j("HALF", &dt), 0);
	assert_int_equal(dt, DT_F16);
	assert_int_equal(tensor_dtype_from_nd4j("UINT64", &dt), 0);
	assert_int_equal(dt, DT_U64);
	assert_int_equal(tensor_dtype_from_nd4j("COMPRESSED", &dt), -ENOENT);
	for (int i = 0; i < DT__COUNT; i++) {
		assert_non_null(tensor_dtype_info[i].nd4j);
		assert_true(tensor_dtype_info[i].size >= 1);
	}
}

static void test_name_tables_complete(void **state)
{
	(void)state;
	for (int i = 0; i < LK__COUNT; i++)
		assert_non_null(layer_kind_name((enum layer_kind)i));
	for (int i = 0; i < VK__COUNT; i++)
		assert_non_null(vertex_kind_name((enum vertex_kind)i));
	for (int i = 0; i < ACT__COUNT; i++)
		assert_non_null(act_kind_name((enum act_kind)i));
	assert_string_equal(layer_kind_name(LK_CONV2D), "ConvolutionLayer");
	assert_string_equal(layer_kind_name(LK__COUNT), "?");
	model_free(NULL);
}

static void test_sbuf(void **state)
{
	static const struct {
		const char *in, *out;
	} b64[] = { /* RFC 4648 section 10 */
		{ "", "" },         { "f", "Zg==" },     { "fo", "Zm8=" },
		{ "foo", "Zm9v" },  { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	struct sbuf b = { 0 };
	struct err e = { 0 };
	char big[1000];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(b64); i++) {
		memset(&b, 0, sizeof(b));
		sb_puts(&b, "");
		sb_base64(&b, (const uint8_t *)b64[i].in, strlen(b64[i].in));
		assert_int_equal(b.rc, 0);
		assert_string_equal(b.p ? b.p : "", b64[i].out);
		sb_free(&b);
	}
	memset(&b, 0, sizeof(b));
	sb_json_str(&b, "a\"b\\c\n\x01\xc3\xa9", 9);
	assert_string_equal(b.p, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"");
	sb_free(&b);
	sb_json_num(&b, 0.1, false);
	sb_puts(&b, " ");
	sb_json_num(&b, (double)NAN, true);
	sb_puts(&b, " ");
	sb_json_num(&b, -(double)INFINITY, true);
	assert_string_equal(b.p, "0.10000000000000001 \"NaN\" \"-Infinity\"");
	sb_free(&b);
	/* longer than the formatting fast path */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sb_printf(&b, "<%s>", big);
	assert_int_equal(b.len, sizeof(big) + 1);
	assert_int_equal(b.p[0], '<');
	assert_int_equal(b.p[b.len - 1], '>');
	sb_free(&b);
	/* the cap is sticky and reported once with the first cause */
	b = (struct sbuf){ .max = 8, .what = "rendered json", .e = &e };
	sb_puts(&b, "12345");
	sb_puts(&b, "6789");
	sb_puts(&b, "x");
	assert_int_equal(b.rc, -EOVERFLOW);
	assert_int_equal(e.code, -EOVERFLOW);
	assert_string_equal(e.msg, "rendered json exceeds 8 bytes");
	assert_string_equal(b.p, "12345");
	sb_free(&b);
	/* allocation failure */
	err_clear(&e);
	b = (struct sbuf){ .e = &e };
	dl_alloc_fail_at(1);
	sb_puts(&b, "abc");
	dl_alloc_fail_at(0);
	assert_int_equal(b.rc, -ENOMEM);
	assert_string_equal(e.msg, "out of memory");
	sb_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_first_cause_wins),
		cmocka_unit_test(test_alloc_fail_nth),
		cmocka_unit_test(test_overflow_checks),
		cmocka_unit_test(test_half),
		cmocka_unit_test(test_strides_and_get),
		cmocka_unit_test(test_dtype_table),
		cmocka_unit_test(test_name_tables_complete),
		cmocka_unit_test(test_sbuf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
