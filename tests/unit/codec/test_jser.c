/* test_jser.c - Java serialization decoder/renderer and String/byte[] encoder (codec/jser.c).
 *
 * Expected values come from outside the code under test: the objects in
 * tests/data/good/java were serialized by the JVM (scripts/mkfixtures) and their .expect
 * sidecars were written by hand from the Java values; FORMAT.md 4.2 gives the hex examples;
 * error streams are built byte by byte here from the grammar.
 *
 * With DLFS_JSER_OUT=<dir> set, test_write_for_jvm also leaves encoder outputs in <dir> for
 * tests/integration/test_java_readback.sh, which reads them back with ObjectInputStream.
 */
/* cmocka needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/alloc.h"
#include "codec/err.h"
#include "codec/jser.h"
#include "tests/unit/codec/test_util.h"

/* ------------------------------------------------------------------ helpers */

/* Hex string (spaces ignored) to bytes. */
static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;

	while (*h) {
		unsigned v;

		if (*h == ' ') {
			h++;
			continue;
		}
		assert_int_equal(sscanf(h, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

static void bb_hex(struct bb *b, const char *h)
{
	uint8_t t[512];

	bb_raw(b, t, unhex(h, t));
}

/* Renders b->b and checks the error code and message. */
static void expect_err(const uint8_t *buf, size_t len, int code, const char *msg)
{
	struct err e = { 0 };
	enum jser_view v;
	uint8_t *out = NULL;
	size_t ol = 0;
	int rc = codec_jser_render(buf, len, &v, &out, &ol, &e);

	if (rc != code || strcmp(e.msg, msg))
		fail_msg("got %d \"%s\", expected %d \"%s\"", rc, e.msg, code, msg);
	assert_null(out);
}

static uint8_t *render_ok(const uint8_t *buf, size_t len, enum jser_view want, size_t *ol)
{
	struct err e = { 0 };
	enum jser_view v;
	uint8_t *out = NULL;
	int rc = codec_jser_render(buf, len, &v, &out, ol, &e);

	if (rc)
		fail_msg("render failed: %d %s", rc, e.msg);
	assert_int_equal(v, want);
	return out;
}

/* ------------------------------------------------------------------ fixtures */

/* clang-format off */
static const struct {
	const char *name;
	enum jser_view view;
	bool float_mode;
} fixtures[] = {
	{ "string_ascii", JSER_VIEW_STRING, false },
	{ "string_unicode", JSER_VIEW_STRING, false },
	{ "string_long", JSER_VIEW_STRING, false },
	{ "string_empty", JSER_VIEW_STRING, false },
	{ "bytes", JSER_VIEW_BYTES, false },
	{ "bytes_empty", JSER_VIEW_BYTES, false },
	{ "integer", JSER_VIEW_JSON, false },
	{ "integer_min", JSER_VIEW_JSON, false },
	{ "long", JSER_VIEW_JSON, false },
	{ "long_min", JSER_VIEW_JSON, false },
	{ "short", JSER_VIEW_JSON, false },
	{ "byte", JSER_VIEW_JSON, false },
	{ "character", JSER_VIEW_JSON, false },
	{ "float", JSER_VIEW_JSON, false },
	{ "double", JSER_VIEW_JSON, false },
	{ "boolean", JSER_VIEW_JSON, false },
	{ "int_array", JSER_VIEW_JSON, false },
	{ "float_array", JSER_VIEW_JSON, true },
	{ "double_array", JSER_VIEW_JSON, false },
	{ "long_array", JSER_VIEW_JSON, false },
	{ "boolean_array", JSER_VIEW_JSON, false },
	{ "char_array", JSER_VIEW_JSON, false },
	{ "string_array", JSER_VIEW_JSON, false },
	{ "arraylist", JSER_VIEW_JSON, false },
	{ "hashmap", JSER_VIEW_JSON, false },
	{ "linkedhashmap", JSER_VIEW_JSON, false },
	{ "nested", JSER_VIEW_JSON, false },
	{ "custom", JSER_VIEW_JSON, false },
	{ "writeobject", JSER_VIEW_JSON, false },
	{ "enum", JSER_VIEW_JSON, false },
	{ "cycle", JSER_VIEW_JSON, false },
};
/* clang-format on */

static void test_fixtures(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(fixtures); i++) {
		size_t sl, el, ol;
		uint8_t *ser = fixture(fixtures[i].name, ".ser", &sl);
		uint8_t *exp = fixture(fixtures[i].name, ".expect", &el);
		uint8_t *out = render_ok(ser, sl, fixtures[i].view, &ol);

		if (fixtures[i].view != JSER_VIEW_JSON) {
			if (ol != el || memcmp(out, exp, el))
				fail_msg("%s: rendering differs (%zu vs %zu bytes)",
					 fixtures[i].name, ol, el);
		} else {
			exp[el] = '\0';
			assert_int_equal(out[ol - 1], '\n');
			assert_json((char *)exp, (char *)out,
				    fixtures[i].float_mode ? JNUM_FLOAT : JNUM_EXACT);
		}
		dl_free(out);
		free(ser);
		free(exp);
	}
}

/* LinkedHashMap keeps insertion order in the text too. */
static void test_linked_order(void **state)
{
	size_t sl, ol;
	uint8_t *ser = fixture("linkedhashmap", ".ser", &sl);
	uint8_t *out = render_ok(ser, sl, JSER_VIEW_JSON, &ol);

	(void)state;
	assert_string_equal((char *)out, "{\"z\":1,\"a\":2,\"m\":3}\n");
	dl_free(out);
	free(ser);
}

/* Every strict prefix of every fixture is refused as truncated, never read past. */
static void test_truncated_prefixes(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(fixtures); i++) {
		size_t sl;
		uint8_t *ser = fixture(fixtures[i].name, ".ser", &sl);
		size_t step = sl > 4096 ? 997 : 1;

		for (size_t n = 0; n < sl; n += step) {
			struct err e = { 0 };
			enum jser_view v;
			uint8_t *out = NULL, *cut = malloc(n + 1);
			size_t ol;
			int rc;

			assert_non_null(cut);
			memcpy(cut, ser, n);
			rc = codec_jser_render(cut, n, &v, &out, &ol, &e);
			if (rc == -EBADMSG)
				assert_true(!strncmp(e.msg, "truncated", 9));
			else if (rc == -EOVERFLOW)
				assert_non_null(strstr(e.msg, "bytes left"));
			else
				fail_msg("%s cut at %zu: rc %d %s", fixtures[i].name, n, rc, e.msg);
			assert_null(out);
			free(cut);
		}
		free(ser);
	}
}

/* mlp_objects.zip: a corpus archive after five ModelSerializer.addObjectToFile calls made by
 * the JVM; every objects/<key> renders as mlp_objects.expect says (key TAB value; byte[] in
 * hex). */
static void test_archive_objects(void **state)
{
	char cmd[1024], *names, *exp, *line, *save = NULL;
	size_t len, el;

	(void)state;
	names = run("unzip -Z1 " FIXTURES "mlp_objects.zip", &len);
	assert_string_equal(names, "configuration.json\ncoefficients.bin\nupdaterState.bin\n"
				   "objects/text\nobjects/blob\nobjects/map\nobjects/custom\n"
				   "objects/name with space\n");
	free(names);
	exp = (char *)fixture("mlp_objects", ".expect", &el);
	exp[el] = '\0';
	for (line = strtok_r(exp, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');
		enum jser_view v;
		struct err e = { 0 };
		uint8_t *ser, *out;
		size_t sl, ol;

		assert_non_null(tab);
		*tab = '\0';
		snprintf(cmd, sizeof(cmd), "unzip -p " FIXTURES "mlp_objects.zip 'objects/%s'",
			 line);
		ser = (uint8_t *)run(cmd, &sl);
		assert_int_equal(codec_jser_render(ser, sl, &v, &out, &ol, &e), 0);
		if (v == JSER_VIEW_JSON) {
			assert_json(tab + 1, (char *)out, JNUM_EXACT);
		} else if (v == JSER_VIEW_BYTES) {
			char hex[256] = "";

			assert_true(ol < 100);
			for (size_t i = 0; i < ol; i++)
				sprintf(hex + 2 * i, "%02x", out[i]);
			assert_string_equal(hex, tab + 1);
		} else {
			assert_int_equal(ol, strlen(tab + 1));
			assert_memory_equal(out, tab + 1, ol);
		}
		dl_free(out);
		free(ser);
	}
	free(exp);
}

/* ------------------------------------------------------------------ FORMAT.md 4.2 */

static void test_format_examples_decode(void **state)
{
	uint8_t b[512];
	size_t n, ol;
	uint8_t *out;

	(void)state;
	n = unhex("aced0005 74 0005 68656c6c6f", b);
	out = render_ok(b, n, JSER_VIEW_STRING, &ol);
	assert_int_equal(ol, 5);
	assert_memory_equal(out, "hello", 5);
	dl_free(out);

	n = unhex("aced0005 74 0008 68 c3a9 e282ac c080", b);
	out = render_ok(b, n, JSER_VIEW_STRING, &ol);
	assert_int_equal(ol, 7);
	assert_memory_equal(out, "h\xc3\xa9\xe2\x82\xac\0", 7);
	dl_free(out);

	n = unhex("aced0005 75 72 0002 5b42 acf317f8060854e0 02 0000 78 70 00000004 010203ff", b);
	out = render_ok(b, n, JSER_VIEW_BYTES, &ol);
	assert_int_equal(ol, 4);
	assert_memory_equal(out, "\x01\x02\x03\xff", 4);
	dl_free(out);

	n = unhex("aced0005 73 72 0011 6a6176612e6c616e672e496e7465676572 12e2a0a4f7818738 02 "
		  "0001 49 0005 76616c7565 78 72 0010 6a6176612e6c616e672e4e756d626572 "
		  "86ac951d0b94e08b 02 0000 78 70 0000002a",
		  b);
	out = render_ok(b, n, JSER_VIEW_JSON, &ol);
	assert_string_equal((char *)out, "42\n");
	dl_free(out);

	/* ArrayList ["x","y","x"]: the second "x" is the back-reference 71 007e0002 */
	n = unhex("aced0005 73 72 0013 6a6176612e7574696c2e41727261794c697374 7881d21d99c7619d "
		  "03 0001 49 0004 73697a65 78 70 00000003 77 04 00000003 74 0001 78 74 0001 79 "
		  "71 007e0002 78",
		  b);
	out = render_ok(b, n, JSER_VIEW_JSON, &ol);
	assert_string_equal((char *)out, "[\"x\",\"y\",\"x\"]\n");
	dl_free(out);

	/* HashMap {k:v, a:b} */
	n = unhex("aced0005 73 72 0011 6a6176612e7574696c2e486173684d6170 0507dac1c31660d1 03 "
		  "0002 46 000a 6c6f6164466163746f72 49 0009 7468726573686f6c64 78 70 "
		  "3f400000 0000000c 77 08 00000010 00000002 74 0001 6b 74 0001 76 "
		  "74 0001 61 74 0001 62 78",
		  b);
	out = render_ok(b, n, JSER_VIEW_JSON, &ol);
	assert_json("{\"k\": \"v\", \"a\": \"b\"}", (char *)out, JNUM_EXACT);
	dl_free(out);
}

static void test_encode_format_examples(void **state)
{
	struct err e = { 0 };
	uint8_t b[64], *out;
	size_t n, ol;

	(void)state;
	n = unhex("aced0005 74 0005 68656c6c6f", b);
	assert_int_equal(codec_jser_encode_string("hello", 5, &out, &ol, &e), 0);
	assert_int_equal(ol, n);
	assert_memory_equal(out, b, n);
	dl_free(out);

	n = unhex("aced0005 74 0008 68 c3a9 e282ac c080", b);
	assert_int_equal(codec_jser_encode_string("h\xc3\xa9\xe2\x82\xac\0", 7, &out, &ol, &e), 0);
	assert_int_equal(ol, n);
	assert_memory_equal(out, b, n);
	dl_free(out);

	/* 23-byte prefix + int32 count (FORMAT.md says "28-byte prefix": it is 23 + 4) */
	n = unhex("aced0005 75 72 0002 5b42 acf317f8060854e0 02 0000 78 70 00000004 010203ff", b);
	assert_int_equal(
		codec_jser_encode_bytes((const uint8_t *)"\x01\x02\x03\xff", 4, &out, &ol, &e), 0);
	assert_int_equal(ol, n);
	assert_memory_equal(out, b, n);
	dl_free(out);
}

/* The encoder reproduces the JVM's bytes exactly (incl. TC_LONGSTRING for 70000 chars). */
static void test_encode_matches_jvm(void **state)
{
	static const char *const names[] = { "string_ascii", "string_unicode", "string_long",
					     "string_empty", "bytes",	       "bytes_empty" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct err e = { 0 };
		size_t sl, el, ol;
		uint8_t *ser = fixture(names[i], ".ser", &sl);
		uint8_t *exp = fixture(names[i], ".expect", &el);
		uint8_t *out = NULL;
		int rc;

		if (!strncmp(names[i], "string", 6))
			rc = codec_jser_encode_string((char *)exp, el, &out, &ol, &e);
		else
			rc = codec_jser_encode_bytes(exp, el, &out, &ol, &e);
		assert_int_equal(rc, 0);
		if (ol != sl || memcmp(out, ser, sl))
			fail_msg("%s: encoder output differs from the JVM's", names[i]);
		if (!strcmp(names[i], "string_long"))
			assert_int_equal(out[4], 0x7C);
		dl_free(out);
		free(ser);
		free(exp);
	}
}

static void test_encode_boundary(void **state)
{
	struct err e = { 0 };
	uint8_t *out;
	size_t ol;
	char *s = malloc(65537);

	(void)state;
	assert_non_null(s);
	memset(s, 'a', 65536);
	/* exactly 65535 modified-UTF-8 bytes: still TC_STRING */
	assert_int_equal(codec_jser_encode_string(s, 65535, &out, &ol, &e), 0);
	assert_int_equal(ol, 7 + 65535);
	assert_int_equal(out[4], 0x74);
	assert_int_equal(out[5], 0xff);
	assert_int_equal(out[6], 0xff);
	dl_free(out);
	/* 65536: TC_LONGSTRING with an int64 length */
	assert_int_equal(codec_jser_encode_string(s, 65536, &out, &ol, &e), 0);
	assert_int_equal(ol, 13 + 65536);
	assert_int_equal(out[4], 0x7c);
	assert_memory_equal(out + 5, "\0\0\0\0\0\x01\0\0", 8);
	dl_free(out);
	/* 32768 NULs become 65536 bytes (C0 80 each): long string */
	memset(s, 0, 32768);
	assert_int_equal(codec_jser_encode_string(s, 32768, &out, &ol, &e), 0);
	assert_int_equal(out[4], 0x7c);
	assert_int_equal(ol, 13 + 65536);
	assert_memory_equal(out + 13, "\xc0\x80", 2);
	dl_free(out);
	free(s);
}

static void test_encode_errors(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		const char *msg;
	} bad[] = {
		{ "ab\xff", 3, "invalid utf-8 at byte 2" },
		{ "a\xc3", 2, "invalid utf-8 at byte 1" },	      /* truncated sequence */
		{ "\xc0\x80", 2, "invalid utf-8 at byte 0" },	      /* overlong NUL */
		{ "x\xed\xa0\x80", 4, "invalid utf-8 at byte 1" },    /* encoded surrogate */
		{ "\xf4\x90\x80\x80", 4, "invalid utf-8 at byte 0" }, /* above U+10FFFF */
		{ "\xe2\x28\xa1", 3, "invalid utf-8 at byte 0" },     /* bad continuation */
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct err e = { 0 };
		uint8_t *out = NULL;
		size_t ol;

		assert_int_equal(codec_jser_encode_string(bad[i].s, bad[i].len, &out, &ol, &e),
				 -EBADMSG);
		assert_string_equal(e.msg, bad[i].msg);
		assert_null(out);
	}
}

static void test_encode_bytes_too_long(void **state)
{
	struct err e = { 0 };
	uint8_t *out = NULL;
	size_t ol;

	(void)state;
	/* refused before the data are touched */
	assert_int_equal(
		codec_jser_encode_bytes((const uint8_t *)"", (size_t)INT32_MAX + 1, &out, &ol, &e),
		-EOVERFLOW);
	assert_string_equal(e.msg, "byte array of 2147483648 bytes exceeds 2147483647");
	assert_null(out);
}

static void test_roundtrip(void **state)
{
	static const char *const texts[] = { "", "plain", "tab\tquote\"nul\0end",
					     "\xf0\x9f\x98\x80 smile \xe2\x82\xac" };
	static const size_t lens[] = { 0, 5, 17, 14 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		struct err e = { 0 };
		uint8_t *enc, *out;
		size_t el, ol;

		assert_int_equal(codec_jser_encode_string(texts[i], lens[i], &enc, &el, &e), 0);
		out = render_ok(enc, el, JSER_VIEW_STRING, &ol);
		assert_int_equal(ol, lens[i]);
		assert_memory_equal(out, texts[i], lens[i]);
		dl_free(out);
		dl_free(enc);
		assert_int_equal(
			codec_jser_encode_bytes((const uint8_t *)texts[i], lens[i], &enc, &el, &e),
			0);
		out = render_ok(enc, el, JSER_VIEW_BYTES, &ol);
		assert_int_equal(ol, lens[i]);
		assert_memory_equal(out, texts[i], lens[i]);
		dl_free(out);
		dl_free(enc);
	}
}

/* Lone surrogates: \uXXXX in JSON, U+FFFD in the text view. */
static void test_lone_surrogate(void **state)
{
	uint8_t b[64];
	size_t n, ol;
	uint8_t *out;

	(void)state;
	n = unhex("aced0005 74 0005 61 eda080 62", b);
	out = render_ok(b, n, JSER_VIEW_STRING, &ol);
	assert_int_equal(ol, 5);
	assert_memory_equal(out,
			    "a\xef\xbf\xbd"
			    "b",
			    5);
	dl_free(out);
	/* String[] {"a\ud800b"} */
	n = unhex("aced0005 75 72 0013 5b4c6a6176612e6c616e672e537472696e673b add256e7e91d7b47 02 "
		  "0000 78 70 00000001 74 0005 61 eda080 62",
		  b);
	out = render_ok(b, n, JSER_VIEW_JSON, &ol);
	assert_string_equal((char *)out, "[\"a\\ud800b\"]\n");
	dl_free(out);
	/* raw 0x00 byte (accepted by readUTF) and control characters are escaped */
	n = unhex("aced0005 75 72 0013 5b4c6a6176612e6c616e672e537472696e673b add256e7e91d7b47 02 "
		  "0000 78 70 00000001 74 0004 00 0a 22 5c",
		  b);
	out = render_ok(b, n, JSER_VIEW_JSON, &ol);
	assert_string_equal((char *)out, "[\"\\u0000\\n\\\"\\\\\"]\n");
	dl_free(out);
}

/* ------------------------------------------------------------------ errors */

#define OBJ_ARRAY_DESC                                                                             \
	"75 72 0013 5b4c6a6176612e6c616e672e4f626a6563743b 90ce589f1073296c 02 0000 78 70"

static void test_errors(void **state)
{
	static const struct {
		const char *hex;
		int code;
		const char *msg;
	} cases[] = {
		{ "aced00", -EBADMSG, "truncated: 3 bytes, no stream header" },
		{ "aced0006 70", -EBADMSG, "bad stream magic aced0006 (expected aced0005)" },
		{ "aced0005", -EBADMSG, "truncated at byte 4 reading type code" },
		{ "aced0005 6f", -EBADMSG, "unknown type code 0x6f at byte 4" },
		{ "aced0005 7b", -ENOTSUP,
		  "serialized exception (TC_EXCEPTION) at byte 4 is not supported" },
		{ "aced0005 77 01 00", -EBADMSG, "unexpected block data at byte 4" },
		{ "aced0005 78", -EBADMSG, "unexpected end of block data at byte 4" },
		{ "aced0005 71 007e0005", -EBADMSG,
		  "reference to unknown handle 0x7e0005 at byte 5" },
		{ "aced0005 74 00", -EBADMSG, "truncated at byte 5 reading string length" },
		{ "aced0005 74 0003 6162", -EBADMSG, "truncated at byte 7 reading string" },
		{ "aced0005 74 0002 c328", -EBADMSG,
		  "malformed modified utf-8 in string at byte 7" },
		{ "aced0005 74 0002 61f0", -EBADMSG,
		  "malformed modified utf-8 in string at byte 8" },
		{ "aced0005 74 0002 61e0", -EBADMSG,
		  "malformed modified utf-8 in string at byte 8" },
		{ "aced0005 7c 7fffffffffffffff", -EOVERFLOW,
		  "long string length 9223372036854775807 exceeds the 0 bytes left" },
		{ "aced0005 7c 00000000", -EBADMSG,
		  "truncated at byte 5 reading long string length" },
		/* byte[] with absurd / negative counts */
		{ "aced0005 75 72 0002 5b42 acf317f8060854e0 02 0000 78 70 7fffffff 00", -EOVERFLOW,
		  "array length 2147483647 at byte 23 exceeds the 1 bytes left" },
		{ "aced0005 75 72 0002 5b42 acf317f8060854e0 02 0000 78 70 ffffffff", -EBADMSG,
		  "negative array length -1 at byte 23" },
		{ "aced0005 " OBJ_ARRAY_DESC " 00100000 70", -EOVERFLOW,
		  "array length 1048576 at byte 40 exceeds the 1 bytes left" },
		{ "aced0005 75 72 0003 666f6f 0000000000000000 02 0000 78 70 00000000", -EBADMSG,
		  "array at byte 24 has non-array class foo" },
		{ "aced0005 75 70", -EBADMSG, "array at byte 6 has non-array class null" },
		{ "aced0005 75 72 0002 5b51 0000000000000000 02 0000 78 70 00000000", -EBADMSG,
		  "array at byte 23 has non-array class [Q" },
		/* object descriptors */
		{ "aced0005 73 70", -EBADMSG, "object without a class descriptor at byte 6" },
		{ "aced0005 73 74 0001 61", -EBADMSG,
		  "expected a class descriptor at byte 5, got 0x74" },
		{ "aced0005 73 72 0001 41", -EBADMSG,
		  "truncated at byte 9 reading serialVersionUID" },
		{ "aced0005 73 72 0001 41 0000000000000001", -EBADMSG,
		  "truncated at byte 17 reading class flags" },
		{ "aced0005 73 72 0001 41 0000000000000001 02", -EBADMSG,
		  "truncated at byte 18 reading field count" },
		{ "aced0005 73 72 0001 41 0000000000000001 02 ffff 49", -EOVERFLOW,
		  "field count 65535 of class A exceeds the 1 bytes left" },
		{ "aced0005 73 72 0001 41 0000000000000001 02 0001 51 0001 78 78 70", -EBADMSG,
		  "unknown field type code 0x51 at byte 20" },
		{ "aced0005 73 72 0001 41 0000000000000001 02 0001 4c 0001 78 70 78 70", -EBADMSG,
		  "field x type name at byte 25 is not a string" },
		{ "aced0005 73 72 0001 41 0000000000000001 02 0001 49 0001 78 78 70 0000", -EBADMSG,
		  "truncated at byte 26 reading x" },
		{ "aced0005 73 72 0001 41 0000000000000001 02 0000 78", -EBADMSG,
		  "truncated at byte 21 reading class descriptor" },
		{ "aced0005 73 72 0001 41 0000000000000001 02 0000", -EBADMSG,
		  "truncated at byte 20 reading annotation" },
		{ "aced0005 73 72 0001 41 0000000000000001 02 0000 77 05 00", -EBADMSG,
		  "truncated at byte 22 reading block data" },
		{ "aced0005 73 72 0001 41 0000000000000001 02 0000 7a 80000000", -EBADMSG,
		  "negative block data length at byte 21" },
		{ "aced0005 73 72 0001 41 0000000000000001 02 0000 78 71 007e0000", -EBADMSG,
		  "class hierarchy of A deeper than 64" },
		{ "aced0005 " OBJ_ARRAY_DESC " 00000002 74 0001 61 73 71 007e0002", -EBADMSG,
		  "handle 0x7e0002 at byte 50 is not a class descriptor" },
		{ "aced0005 73 72 0001 41 0000000000000001 06 0000 78 70", -ENOTSUP,
		  "externalizable class A written with stream protocol 1 is not supported" },
		{ "aced0005 73 72 0001 41 0000000000000001 03 0000 78 70", -EBADMSG,
		  "truncated at byte 22 reading annotation" },
		/* proxies, enums, classes */
		{ "aced0005 73 7d 7fffffff", -EOVERFLOW,
		  "proxy interface count 2147483647 exceeds the 0 bytes left" },
		{ "aced0005 7e 70", -EBADMSG, "enum without a class descriptor at byte 6" },
		{ "aced0005 76 70", -EBADMSG, "class without a class descriptor at byte 6" },
		{ "aced0005 7e 72 0001 45 0000000000000000 12 0000 78 70 70", -EBADMSG,
		  "enum constant name at byte 23 is not a string" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t b[512];
		size_t n;

		n = unhex(cases[i].hex, b);
		expect_err(b, n, cases[i].code, cases[i].msg);
	}
}

/* Object[] nested deeper than JSER_MAX_DEPTH. */
static void test_deep_nesting(void **state)
{
	struct bb b = { 0 };
	char msg[128];

	(void)state;
	bb_hex(&b, "aced0005 " OBJ_ARRAY_DESC " 00000001");
	for (int i = 0; i < 70; i++)
		bb_hex(&b, "75 71 007e0000 00000001");
	bb_hex(&b, "70");
	/* depth 65 is reached by the class descriptor of the 64th nested array (10 bytes each) */
	snprintf(msg, sizeof(msg), "nesting deeper than %d at byte %d", JSER_MAX_DEPTH,
		 44 + 63 * 10 + 1);
	expect_err(b.b, b.n, -EBADMSG, msg);
	free(b.b);
}

/* A DAG that doubles at every level renders past JSER_MAX_JSON. */
static void test_output_cap(void **state)
{
	struct bb b = { 0 };
	char msg[128], *x = malloc(65535);
	int levels = 12; /* 2^11 copies of a 64 KiB string: 128 MiB */

	(void)state;
	assert_non_null(x);
	memset(x, 'x', 65535);
	/* level k: Object[]{ level k+1 (inline), back-reference to that same array } */
	bb_hex(&b, "aced0005 " OBJ_ARRAY_DESC " 00000002");
	for (int k = 1; k < levels; k++)
		bb_hex(&b, "75 71 007e0000 00000002");
	bb_hex(&b, "74 ffff"); /* deepest: {"xxx...", "y"} */
	bb_raw(&b, x, 65535);
	bb_hex(&b, "74 0001 79");
	free(x);
	for (int k = levels - 1; k >= 1; k--)
		bb_be(&b, (uint64_t)(0x7e0001 + k), 5), b.b[b.n - 5] = 0x71;
	snprintf(msg, sizeof(msg), "rendered json exceeds %zu bytes", JSER_MAX_JSON);
	expect_err(b.b, b.n, -EOVERFLOW, msg);
	free(b.b);
}

/* Back-references chained deeper than JSER_MAX_RENDER_DEPTH. */
static void test_render_depth(void **state)
{
	struct bb b = { 0 };
	char msg[128];
	int n = JSER_MAX_RENDER_DEPTH + 10;

	(void)state;
	/* Object[]{ b1, b2, ... } with b1 = {"s"}, b(i) = { ref b(i-1) } */
	bb_hex(&b, "aced0005 " OBJ_ARRAY_DESC);
	bb_be(&b, (uint64_t)n, 4);
	bb_hex(&b, "75 71 007e0000 00000001 74 0001 73"); /* b1 = 0x7e0002, "s" = 0x7e0003 */
	for (int i = 1; i < n; i++) {
		uint32_t prev = i == 1 ? 0x7e0002 : 0x7e0003 + (uint32_t)i - 1;

		bb_hex(&b, "75 71 007e0000 00000001 71");
		bb_be(&b, prev, 4);
	}
	snprintf(msg, sizeof(msg), "back-references nest deeper than %d", JSER_MAX_RENDER_DEPTH);
	expect_err(b.b, b.n, -EOVERFLOW, msg);
	free(b.b);
}

/* More than JSER_MAX_NODES nodes. */
static void test_node_cap(void **state)
{
	struct bb b = { 0 };
	char msg[128];
	long n = JSER_MAX_NODES + 1;

	(void)state;
	bb_hex(&b, "aced0005 " OBJ_ARRAY_DESC);
	bb_be(&b, (uint64_t)n, 4);
	for (long i = 0; i < n; i++)
		bb_hex(&b, "74 0000");
	/* the descriptor and the array are nodes 1 and 2; a string's node is made after its
	 * type code and length (3 bytes) are read */
	snprintf(msg, sizeof(msg), "more than %ld objects at byte %ld", JSER_MAX_NODES,
		 44 + (JSER_MAX_NODES - 2) * 3 + 3);
	expect_err(b.b, b.n, -EOVERFLOW, msg);
	free(b.b);
}

/* Proxy descriptors, TC_CLASS, class descriptors as content, TC_RESET, externalizable
 * data, a map with a null key. */
static void test_other_contents(void **state)
{
	struct bb b = { 0 };
	uint8_t *out;
	size_t ol;

	(void)state;
	bb_hex(&b, "aced0005 " OBJ_ARRAY_DESC " 00000005");
	bb_hex(&b, "76 72"); /* TC_CLASS java.lang.String */
	bb_utf(&b, "java.lang.String");
	bb_hex(&b, "a0f0a4387a3bb342 02 0000 78 70");
	bb_hex(&b, "7d 00000002"); /* a proxy class descriptor as content */
	bb_utf(&b, "a.I");
	bb_utf(&b, "b.J");
	bb_hex(&b, "78 70");
	bb_hex(&b, "79 74 0001 7a"); /* reset, then "z" */
	bb_hex(&b, "73 72");	     /* externalizable object with block data */
	bb_utf(&b, "E");
	bb_hex(&b, "0000000000000001 0c 0000 78 70 77 02 abcd 74 0001 71 78");
	bb_hex(&b, "73 72"); /* HashMap with a null key */
	bb_utf(&b, "java.util.HashMap");
	bb_hex(&b, "0507dac1c31660d1 03 0000 78 70 77 08 00000010 00000001 70 74 0001 6e 78");
	out = render_ok(b.b, b.n, JSER_VIEW_JSON, &ol);
	assert_string_equal(
		(char *)out,
		"[{\"javaClass\":\"java.lang.String\"},{\"javaClass\":\"proxy[a.I,b.J]\"},"
		"\"z\",{\"class\":\"E\",\"fields\":{},\"annotations\":{\"E\":"
		"[{\"blockdata\":\"q80=\"},\"q\"]}},{\"null\":\"n\"}]\n");
	dl_free(out);
	free(b.b);
}

/* Shadowed field names are qualified with their declaring class. */
static void test_shadowed_fields(void **state)
{
	struct bb b = { 0 };
	uint8_t *out;
	size_t ol;

	(void)state;
	bb_hex(&b, "aced0005 73 72");
	bb_utf(&b, "Sub");
	bb_hex(&b, "0000000000000001 02 0002 49 0001 78 5a 0001 79 78");
	bb_hex(&b, "72");
	bb_utf(&b, "Base");
	bb_hex(&b, "0000000000000002 02 0001 49 0001 78 78 70");
	bb_hex(&b, "00000001");	   /* Base.x */
	bb_hex(&b, "00000002 01"); /* Sub.x, Sub.y */
	out = render_ok(b.b, b.n, JSER_VIEW_JSON, &ol);
	assert_string_equal((char *)out, "{\"class\":\"Sub\",\"fields\":{\"Base.x\":1,\"Sub.x\":2,"
					 "\"y\":true}}\n");
	dl_free(out);
	free(b.b);
}

/* Every allocation failure surfaces as -ENOMEM "out of memory" and leaks nothing. */
static void test_alloc_failures(void **state)
{
	static const char *const names[] = { "nested",	       "custom", "writeobject",
					     "string_unicode", "bytes",	 "cycle" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t sl;
		uint8_t *ser = fixture(names[i], ".ser", &sl);

		for (long k = 1;; k++) {
			struct err e = { 0 };
			enum jser_view v;
			uint8_t *out = NULL;
			size_t ol;
			int rc;

			dl_alloc_fail_at(k);
			rc = codec_jser_render(ser, sl, &v, &out, &ol, &e);
			dl_alloc_fail_at(0);
			if (!rc) {
				dl_free(out);
				break;
			}
			assert_int_equal(rc, -ENOMEM);
			assert_string_equal(e.msg, "out of memory");
			assert_true(k < 10000);
		}
		free(ser);
	}
	for (long k = 1; k <= 1; k++) {
		struct err e = { 0 };
		uint8_t *out = NULL;
		size_t ol;

		dl_alloc_fail_at(k);
		assert_int_equal(codec_jser_encode_string("x", 1, &out, &ol, &e), -ENOMEM);
		dl_alloc_fail_at(k);
		assert_int_equal(codec_jser_encode_bytes((const uint8_t *)"x", 1, &out, &ol, &e),
				 -ENOMEM);
		dl_alloc_fail_at(0);
		assert_string_equal(e.msg, "out of memory");
	}
}

/* ------------------------------------------------------------------ JVM read-back */

static void write_out(const char *dir, const char *name, const uint8_t *b, size_t n)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		fail_msg("cannot write %s", path);
	assert_int_equal(fwrite(b, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* Encodes a few strings and byte arrays; with DLFS_JSER_OUT set, leaves <name>.ser and
 * <name>.expect ("string:<hex of the input>" / "bytes:<hex>") there for the JVM check. */
static void test_write_for_jvm(void **state)
{
	static const struct {
		const char *name;
		bool bytes;
		const char *data;
		size_t len; /* 0: strlen, except for "empty" */
	} cases[] = {
		{ "str_ascii", false, "hello, jvm", 0 },
		{ "str_unicode", false, "h\xc3\xa9\xe2\x82\xac\0\xf0\x9f\x98\x80 end", 15 },
		{ "str_empty", false, "", 0 },
		{ "str_long", false, NULL, 0 },
		{ "bytes_small", true, "\x01\x02\x03\xff\x00", 5 },
		{ "bytes_empty", true, "", 0 },
	};
	const char *dir = getenv("DLFS_JSER_OUT");

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct err e = { 0 };
		const char *data = cases[i].data;
		size_t len = cases[i].len ? cases[i].len : (data ? strlen(data) : 0);
		char *big = NULL, *hex, name[64];
		uint8_t *out;
		size_t ol;

		if (!data) { /* 70000 characters, some of them 2 and 3 bytes long */
			big = malloc(70000 * 3);
			assert_non_null(big);
			len = 0;
			for (int k = 0; k < 70000; k++) {
				if (k % 7 == 6)
					len += (size_t)sprintf(big + len, "\xe2\x82\xac");
				else if (k % 5 == 4)
					len += (size_t)sprintf(big + len, "\xc3\xbc");
				else
					big[len++] = (char)('a' + k % 26);
			}
			data = big;
		}
		if (cases[i].bytes)
			assert_int_equal(
				codec_jser_encode_bytes((const uint8_t *)data, len, &out, &ol, &e),
				0);
		else
			assert_int_equal(codec_jser_encode_string(data, len, &out, &ol, &e), 0);
		hex = malloc(2 * len + 16);
		assert_non_null(hex);
		{
			size_t k = (size_t)sprintf(hex, "%s:", cases[i].bytes ? "bytes" : "string");

			for (size_t j = 0; j < len; j++)
				k += (size_t)sprintf(hex + k, "%02x", (uint8_t)data[j]);
			hex[k++] = '\n';
			hex[k] = '\0';
		}
		if (dir) {
			snprintf(name, sizeof(name), "%s.ser", cases[i].name);
			write_out(dir, name, out, ol);
			snprintf(name, sizeof(name), "%s.expect", cases[i].name);
			write_out(dir, name, (uint8_t *)hex, strlen(hex));
		}
		free(hex);
		dl_free(out);
		free(big);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_linked_order),
		cmocka_unit_test(test_truncated_prefixes),
		cmocka_unit_test(test_archive_objects),
		cmocka_unit_test(test_format_examples_decode),
		cmocka_unit_test(test_encode_format_examples),
		cmocka_unit_test(test_encode_matches_jvm),
		cmocka_unit_test(test_encode_boundary),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_encode_bytes_too_long),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_lone_surrogate),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_output_cap),
		cmocka_unit_test(test_render_depth),
		cmocka_unit_test(test_node_cap),
		cmocka_unit_test(test_other_contents),
		cmocka_unit_test(test_shadowed_fields),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_write_for_jvm),
	};

	if (getenv("DLFS_TEST_FILTER")) /* e.g. DLFS_TEST_FILTER=test_write_for_jvm */
		cmocka_set_test_filter(getenv("DLFS_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
