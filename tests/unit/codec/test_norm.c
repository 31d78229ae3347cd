/* test_norm.c - normalizer.bin codec (codec/norm.c): decode, byte-identical encode, JSON.
 *
 * Expected values come from outside the code under test: tests/data/good/java/norm_*.bin
 * were written by the JVM following NormalizerSerializer (scripts/mkfixtures, its ND4J array
 * writer cross-checked against real DL4J files) and their .json sidecars hold the statistics
 * Java wrote (Float.toString / Double.toString); the two real STANDARDIZE normalizers of the
 * corpus (wild/) come from DL4J itself; error streams are built byte by byte from FORMAT.md 3.1.
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
#include <sys/stat.h>

#include "codec/alloc.h"
#include "codec/err.h"
#include "codec/nd4j.h"
#include "codec/norm.h"
#include "codec/tensor.h"
#include "tests/unit/codec/test_util.h"

#define WILD DLFS_CORPUS_DIR "/wild/"

/* ------------------------------------------------------------------ helpers */

static void bb_f64(struct bb *b, double d)
{
	uint64_t u;

	memcpy(&u, &d, 8);
	bb_be(b, u, 8);
}

static void bb_head(struct bb *b, const char *type)
{
	bb_utf(b, "NORMALIZER");
	bb_be(b, 1, 4);
	bb_utf(b, type);
}

/* A [1,n] FLOAT array, variant C, as FORMAT.md 2 writes it (size-1 dims stride 1). */
static void bb_array(struct bb *b, int n, const float *v)
{
	bb_utf(b, "MIXED_DATA_TYPES");
	bb_be(b, 8, 8);
	bb_utf(b, "LONG");
	bb_be(b, 2, 8);
	bb_be(b, 1, 8);
	bb_be(b, (uint64_t)n, 8);
	bb_be(b, 1, 8);
	bb_be(b, 1, 8);
	bb_be(b, 0x2000, 8);
	bb_be(b, 1, 8);
	bb_be(b, 'c', 8);
	bb_utf(b, "MIXED_DATA_TYPES");
	bb_be(b, (uint64_t)n, 8);
	bb_utf(b, "FLOAT");
	for (int i = 0; i < n; i++) {
		uint32_t u;

		memcpy(&u, &v[i], 4);
		bb_be(b, u, 4);
	}
}

static void expect_err(const uint8_t *buf, size_t len, int code, const char *msg)
{
	struct err e = { 0 };
	struct normalizer *n = NULL;
	int rc = codec_norm_decode(buf, len, &n, &e);

	if (rc != code || strcmp(e.msg, msg))
		fail_msg("got %d \"%s\", expected %d \"%s\"", rc, e.msg, code, msg);
	assert_null(n);
}

static struct normalizer *decode_ok(const uint8_t *buf, size_t len)
{
	struct err e = { 0 };
	struct normalizer *n = NULL;
	int rc = codec_norm_decode(buf, len, &n, &e);

	if (rc)
		fail_msg("decode failed: %d %s", rc, e.msg);
	assert_non_null(n);
	return n;
}

static void assert_roundtrip(const struct normalizer *n, const uint8_t *buf, size_t len,
			     const char *what)
{
	struct err e = { 0 };
	uint8_t *out = NULL;
	size_t ol = 0;
	int rc = codec_norm_encode(n, &out, &ol, &e);

	if (rc)
		fail_msg("%s: encode failed: %d %s", what, rc, e.msg);
	if (ol != len || memcmp(out, buf, len))
		fail_msg("%s: encode(decode(x)) differs from x (%zu vs %zu bytes)", what, ol, len);
	dl_free(out);
}

static char *to_json(const struct normalizer *n)
{
	struct err e = { 0 };
	char *out = NULL;
	size_t ol = 0;
	int rc = codec_norm_to_json(n, &out, &ol, &e);

	if (rc)
		fail_msg("to_json failed: %d %s", rc, e.msg);
	assert_int_equal(strlen(out), ol);
	assert_int_equal(out[ol - 1], '\n');
	return out;
}

static float f32_at(const struct tensor *t, int i)
{
	float f;

	assert_int_equal(t->dtype, DT_F32);
	memcpy(&f, (const float *)t->data + i, 4);
	return f;
}

/* ------------------------------------------------------------------ Java fixtures */

static const struct {
	const char *name;
	enum norm_type type;
	bool fit;
	bool float_arrays;  /* statistics are FLOAT */
	const char *fields; /* what truncation at each field reports, '|' separated */
} fixtures[] = {
	{ "norm_standardize", NORM_STANDARDIZE, false, true,
	  "header|version|type|fitLabels|mean|std" },
	{ "norm_standardize_labels", NORM_STANDARDIZE, true, true,
	  "header|version|type|fitLabels|mean|std|labelMean|labelStd" },
	{ "norm_standardize_double_a", NORM_STANDARDIZE, false, false,
	  "header|version|type|fitLabels|mean|std" },
	{ "norm_min_max", NORM_MIN_MAX, false, true,
	  "header|version|type|fitLabels|targetMin|targetMax|min|max" },
	{ "norm_min_max_labels", NORM_MIN_MAX, true, true,
	  "header|version|type|fitLabels|targetMin|targetMax|min|max|labelMin|labelMax" },
	{ "norm_image_min_max", NORM_IMAGE_MIN_MAX, false, true,
	  "header|version|type|minRange|maxRange|maxPixelVal" },
	{ "norm_image_vgg16", NORM_IMAGE_VGG16, false, true, "header|version|type" },
	{ "norm_multi_standardize", NORM_MULTI_STANDARDIZE, false, true,
	  "header|version|type|fitLabels|numInputs|numOutputs|input mean|input std" },
	{ "norm_multi_standardize_labels", NORM_MULTI_STANDARDIZE, true, true,
	  "header|version|type|fitLabels|numInputs|numOutputs|input mean|input std|output mean|"
	  "output std" },
	{ "norm_multi_min_max", NORM_MULTI_MIN_MAX, false, true,
	  "header|version|type|fitLabels|numInputs|numOutputs|targetMin|targetMax|input min|"
	  "input max" },
	{ "norm_multi_min_max_labels", NORM_MULTI_MIN_MAX, true, true,
	  "header|version|type|fitLabels|numInputs|numOutputs|targetMin|targetMax|input min|"
	  "input max|output min|output max" },
	{ "norm_multi_hybrid", NORM_MULTI_HYBRID, false, true,
	  "header|version|type|input stats count|stats index|stats kind|mean|std|min|max|"
	  "output stats count|global input strategy|global output strategy|"
	  "per-input strategy count|minRange|maxRange|per-output strategy count" },
	/* a cut in a strategy map entry's index or kind is caught by the count check */
	{ "norm_custom", NORM_CUSTOM, false, true, "header|version|type|strategy class" },
};

/* Every fixture decodes, renders the statistics Java wrote, and encodes back to the same
 * bytes. */
static void test_fixtures(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(fixtures); i++) {
		size_t bl, jl;
		uint8_t *bin = fixture(fixtures[i].name, ".bin", &bl);
		char *want = (char *)fixture(fixtures[i].name, ".json", &jl);
		struct normalizer *n = decode_ok(bin, bl);
		char *got;

		assert_int_equal(n->type, fixtures[i].type);
		assert_int_equal(n->fit_labels, fixtures[i].fit);
		assert_int_equal(n->rest_len, 0);
		got = to_json(n);
		assert_json(want, got,
			    fixtures[i].float_arrays ? JNUM_FLOAT_IN_ARRAYS : JNUM_EXACT);
		assert_roundtrip(n, bin, bl, fixtures[i].name);
		dl_free(got);
		codec_norm_free(n);
		free(want);
		free(bin);
	}
}

/* Direct checks of the decoded structures against the values in MakeFixtures.java. */
static void test_fixture_values(void **state)
{
	struct normalizer *n;
	uint8_t *bin;
	size_t bl;

	(void)state;
	bin = fixture("norm_standardize_labels", ".bin", &bl);
	n = decode_ok(bin, bl);
	assert_int_equal(n->n_inputs, 1);
	assert_int_equal(n->n_outputs, 1);
	assert_int_equal(n->inputs[0].kind, 1);
	assert_int_equal(n->inputs[0].a->rank, 2);
	assert_int_equal(n->inputs[0].a->shape[0], 1);
	assert_int_equal(n->inputs[0].a->shape[1], 3);
	assert_string_equal(n->inputs[0].fa.shape_mode, "MIXED_DATA_TYPES");
	assert_int_equal(n->inputs[0].fa.extras, 0x2000);
	assert_true(f32_at(n->inputs[0].a, 0) == 0.1f);
	assert_true(f32_at(n->inputs[0].a, 2) == 3.14159f);
	assert_true(f32_at(n->inputs[0].b, 2) == 1e-5f);
	assert_true(f32_at(n->outputs[0].b, 1) == 123456.789f);
	codec_norm_free(n);
	free(bin);

	bin = fixture("norm_standardize_double_a", ".bin", &bl);
	n = decode_ok(bin, bl);
	assert_string_equal(n->inputs[0].fa.shape_mode, "JAVACPP");
	assert_int_equal(n->inputs[0].fa.shape_type, DT_I32);
	assert_int_equal(n->inputs[0].a->dtype, DT_F64);
	assert_true(((double *)n->inputs[0].a->data)[2] == 3.14159);
	codec_norm_free(n);
	free(bin);

	bin = fixture("norm_multi_min_max", ".bin", &bl);
	n = decode_ok(bin, bl);
	assert_int_equal(n->n_inputs, 2);
	assert_int_equal(n->n_outputs, 0);
	assert_null(n->outputs);
	assert_int_equal(n->unfit_n_outputs, -1);
	assert_true(n->target_min == -1.0 && n->target_max == 1.0);
	assert_int_equal(n->inputs[1].kind, 2);
	assert_true(f32_at(n->inputs[1].a, 0) == -0.75f);
	codec_norm_free(n);
	free(bin);

	bin = fixture("norm_multi_hybrid", ".bin", &bl);
	n = decode_ok(bin, bl);
	assert_int_equal(n->n_inputs, 2);
	assert_int_equal(n->input_idx[1], 1);
	assert_int_equal(n->inputs[1].kind, 2);
	assert_int_equal(n->n_outputs, 1);
	assert_int_equal(n->outputs[0].kind, 2);
	assert_int_equal(n->global_in.kind, 1);
	assert_int_equal(n->global_out.kind, 0);
	assert_int_equal(n->n_per_in, 1);
	assert_int_equal(n->per_in_idx[0], 1);
	assert_int_equal(n->per_in[0].kind, 2);
	assert_true(n->per_in[0].min_range == -1.0 && n->per_in[0].max_range == 1.0);
	assert_int_equal(n->n_per_out, 0);
	codec_norm_free(n);
	free(bin);

	bin = fixture("norm_image_min_max", ".bin", &bl);
	n = decode_ok(bin, bl);
	assert_true(n->min_range == 0.0 && n->max_range == 1.0 && n->max_pixel == 255.0);
	assert_int_equal(n->n_inputs, 0);
	codec_norm_free(n);
	free(bin);

	bin = fixture("norm_custom", ".bin", &bl);
	n = decode_ok(bin, bl);
	assert_string_equal(n->custom_class, "com.example.MyNormalizerStrategy");
	assert_int_equal(n->custom_len, 8);
	assert_memory_equal(n->custom_payload, "\xde\xad\xbe\xef\x00\x01\x02\x03", 8);
	codec_norm_free(n);
	free(bin);
}

/* mlp_norm_<type>.zip: a corpus archive after ModelSerializer.addNormalizerToModel done by
 * the JVM: normalizer.bin is the last entry and holds the fixture's bytes. */
static void test_archives(void **state)
{
	static const char *const types[] = { "standardize",
					     "min_max",
					     "image_min_max",
					     "image_vgg16",
					     "multi_standardize",
					     "multi_min_max",
					     "multi_hybrid",
					     "custom",
					     "legacy" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		char cmd[512], name[64], names[512];
		struct err e = { 0 };
		struct normalizer *n = NULL;
		size_t bl, zl = 0;
		uint8_t *bin, *z = NULL;
		FILE *p;
		int rc;

		snprintf(cmd, sizeof(cmd), "unzip -Z1 " FIXTURES "mlp_norm_%s.zip", types[i]);
		p = popen(cmd, "r");
		assert_non_null(p);
		zl = fread(names, 1, sizeof(names) - 1, p);
		assert_int_equal(pclose(p), 0);
		names[zl] = '\0';
		assert_string_equal(names, "configuration.json\ncoefficients.bin\n"
					   "updaterState.bin\nnormalizer.bin\n");
		snprintf(cmd, sizeof(cmd), "unzip -p " FIXTURES "mlp_norm_%s.zip normalizer.bin",
			 types[i]);
		p = popen(cmd, "r");
		assert_non_null(p);
		z = malloc(65536);
		assert_non_null(z);
		zl = fread(z, 1, 65536, p);
		assert_int_equal(pclose(p), 0);
		snprintf(name, sizeof(name), "norm_%s", types[i]);
		bin = fixture(name, ".bin", &bl);
		assert_int_equal(zl, bl);
		assert_memory_equal(z, bin, bl);
		rc = codec_norm_decode(z, zl, &n, &e);
		assert_int_equal(rc, strcmp(types[i], "legacy") ? 0 : -ENOTSUP);
		codec_norm_free(n);
		free(bin);
		free(z);
	}
}

/* The pre-NormalizerSerializer Java-serialized form is refused with -ENOTSUP. */
static void test_legacy(void **state)
{
	static const uint8_t str[] = { 0xac, 0xed, 0x00, 0x05, 0x74, 0x00, 0x01, 'x' };
	size_t bl;
	uint8_t *bin = fixture("norm_legacy", ".bin", &bl);

	(void)state;
	expect_err(bin, bl, -ENOTSUP, "legacy Java-serialized normalizer (FixLegacyNormalizer)");
	expect_err(str, sizeof(str), -ENOTSUP,
		   "legacy Java-serialized normalizer (not an object stream)");
	expect_err(bin, 8, -ENOTSUP, "legacy Java-serialized normalizer (not an object stream)");
	free(bin);
}

/* The two real normalizers DL4J wrote (variant B arrays). */
static uint8_t *wild_normalizer(const char *zip, size_t *len)
{
	char cmd[1024];
	struct stat st;

	snprintf(cmd, sizeof(cmd), WILD "%s", zip);
	if (stat(cmd, &st))
		return NULL;
	snprintf(cmd, sizeof(cmd), "unzip -p '" WILD "%s' normalizer.bin", zip);
	return (uint8_t *)run(cmd, len);
}

static void test_wild(void **state)
{
	static const struct {
		const char *zip;
		int n;
		uint32_t mean0, std0; /* bits of the first elements, from the hexdump */
	} cases[] = {
		{ "rahul-raj__Java-Deep-Learning-Cookbook__model.zip", 11, 0x4422a1d8, 0x42c14bf8 },
		{ "FlorianPuchhammer__ssj__Step1.zip", 2, 0x42c7fcdc, 0x40ca4e8c },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct normalizer *n;
		size_t len;
		uint8_t *b = wild_normalizer(cases[i].zip, &len);
		uint32_t u;
		float f;
		char *js;

		if (!b) {
			print_message("corpus not found at %s, skipping\n", DLFS_CORPUS_DIR);
			skip();
		}
		n = decode_ok(b, len);
		assert_int_equal(n->type, NORM_STANDARDIZE);
		assert_false(n->fit_labels);
		assert_int_equal(n->n_inputs, 1);
		assert_string_equal(n->inputs[0].fa.shape_mode, "LONG_SHAPE");
		assert_int_equal(n->inputs[0].a->shape[1], cases[i].n);
		f = f32_at(n->inputs[0].a, 0);
		memcpy(&u, &f, 4);
		assert_int_equal(u, cases[i].mean0);
		f = f32_at(n->inputs[0].b, 0);
		memcpy(&u, &f, 4);
		assert_int_equal(u, cases[i].std0);
		assert_roundtrip(n, b, len, cases[i].zip);
		js = to_json(n);
		assert_true(!strncmp(
			js, "{\"type\":\"STANDARDIZE\",\"fitLabels\":false,\"mean\":[[", 47));
		dl_free(js);
		codec_norm_free(n);
		free(b);
	}
}

/* ------------------------------------------------------------------ truncation */

/* The field a decode error names ("truncated at byte N reading X", "X (array at byte N): ..",
 * "X N at byte M exceeds the K bytes left"). */
static void error_field(const char *msg, char *field, size_t cap)
{
	const char *p;

	if (!strncmp(msg, "truncated at byte ", 18) && (p = strstr(msg, " reading "))) {
		snprintf(field, cap, "%s", p + 9);
		return;
	}
	if ((p = strstr(msg, " (array at byte "))) {
		snprintf(field, cap, "%.*s", (int)(p - msg), msg);
		return;
	}
	if ((p = strstr(msg, " at byte ")) && strstr(msg, " exceeds the ")) {
		while (p > msg && p[-1] != ' ')
			p--; /* back over the count */
		snprintf(field, cap, "%.*s", (int)(p - 1 - msg), msg);
		return;
	}
	fail_msg("unexpected message for a truncated stream: %s", msg);
}

static void test_truncation(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(fixtures); i++) {
		size_t bl;
		uint8_t *bin = fixture(fixtures[i].name, ".bin", &bl);
		char seen[1024] = "|";

		for (size_t cut = 0; cut < bl; cut++) {
			struct err e = { 0 };
			struct normalizer *n = NULL;
			uint8_t *b = malloc(cut + 1);
			char field[128], key[132];
			int rc;

			assert_non_null(b);
			memcpy(b, bin, cut);
			rc = codec_norm_decode(b, cut, &n, &e);
			free(b);
			if (!rc && (fixtures[i].type == NORM_IMAGE_VGG16 ||
				    fixtures[i].type == NORM_CUSTOM)) {
				codec_norm_free(n); /* the raw rest may be shorter */
				continue;
			}
			if (rc != -EBADMSG && rc != -EOVERFLOW)
				fail_msg("%s cut at %zu: rc %d %s", fixtures[i].name, cut, rc,
					 e.msg);
			assert_null(n);
			error_field(e.msg, field, sizeof(field));
			snprintf(key, sizeof(key), "|%s|", field);
			if (!strstr(seen, key))
				snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s|",
					 field);
		}
		{
			char want[1024], *tok, *save = NULL;
			size_t nwant = 0, nseen = 0;

			snprintf(want, sizeof(want), "%s", fixtures[i].fields);
			for (tok = strtok_r(want, "|", &save); tok;
			     tok = strtok_r(NULL, "|", &save)) {
				char key[132];

				snprintf(key, sizeof(key), "|%s|", tok);
				if (!strstr(seen, key))
					fail_msg("%s: no truncation reported at field %s (saw %s)",
						 fixtures[i].name, tok, seen);
				nwant++;
			}
			for (const char *c = seen + 1; *c; c++)
				nseen += *c == '|';
			if (nseen != nwant)
				fail_msg("%s: truncation reported fields %s, expected %s",
					 fixtures[i].name, seen, fixtures[i].fields);
		}
		free(bin);
	}
}

static void test_truncation_messages(void **state)
{
	size_t bl;
	uint8_t *bin = fixture("norm_standardize", ".bin", &bl);
	struct err e = { 0 };
	struct normalizer *n = NULL;

	(void)state;
	expect_err(bin, 0, -EBADMSG, "truncated at byte 0 reading header");
	expect_err(bin, 5, -EBADMSG, "truncated at byte 0 reading header");
	expect_err(bin, 12, -EBADMSG, "truncated at byte 12 reading version");
	expect_err(bin, 16, -EBADMSG, "truncated at byte 16 reading type");
	expect_err(bin, 20, -EBADMSG, "truncated at byte 16 reading type");
	expect_err(bin, 29, -EBADMSG, "truncated at byte 29 reading fitLabels");
	assert_int_equal(codec_norm_decode(bin, 31, &n, &e), -EBADMSG);
	assert_true(!strncmp(e.msg, "mean (array at byte 30): ", 25));
	free(bin);
}

/* ------------------------------------------------------------------ errors */

static void test_errors(void **state)
{
	static const float v[2] = { 1, 2 };
	struct bb b = { 0 };

	(void)state;
	bb_utf(&b, "NORMALIZES");
	expect_err(b.b, b.n, -EBADMSG, "bad header 'NORMALIZES' (expected NORMALIZER)");
	b.n = 0;
	bb_be(&b, 3, 2);
	bb_raw(&b,
	       "\x01"
	       "ab",
	       3);
	expect_err(b.b, b.n, -EBADMSG, "bad header '?ab' (expected NORMALIZER)");

	b.n = 0;
	bb_utf(&b, "NORMALIZER");
	bb_be(&b, 2, 4);
	bb_utf(&b, "STANDARDIZE");
	expect_err(b.b, b.n, -ENOTSUP, "unsupported version 2 (expected 1)");
	b.n = 0;
	bb_utf(&b, "NORMALIZER");
	bb_be(&b, 0xffffffff, 4);
	expect_err(b.b, b.n, -ENOTSUP, "unsupported version -1 (expected 1)");

	b.n = 0;
	bb_head(&b, "FOO");
	expect_err(b.b, b.n, -EBADMSG, "unknown normalizer type 'FOO'");
	b.n = 0;
	bb_head(&b, "standardize"); /* NormalizerType.valueOf is case-sensitive */
	expect_err(b.b, b.n, -EBADMSG, "unknown normalizer type 'standardize'");

	b.n = 0;
	bb_head(&b, "STANDARDIZE");
	bb_be(&b, 2, 1);
	expect_err(b.b, b.n, -EBADMSG, "fitLabels byte 0x02 at byte 29 is not 0 or 1");

	/* MULTI_STANDARDIZE: header is 35 bytes, fitLabels at 35, numInputs at 36 */
	b.n = 0;
	bb_head(&b, "MULTI_STANDARDIZE");
	bb_be(&b, 0, 1);
	bb_be(&b, 0xffffffff, 4);
	bb_be(&b, 0xffffffff, 4);
	expect_err(b.b, b.n, -EBADMSG, "negative numInputs -1 at byte 36");
	b.n = 0;
	bb_head(&b, "MULTI_STANDARDIZE");
	bb_be(&b, 0, 1);
	bb_be(&b, 1000, 4);
	bb_be(&b, 0xffffffff, 4);
	expect_err(b.b, b.n, -EOVERFLOW, "numInputs 1000 at byte 36 exceeds the 0 bytes left");
	b.n = 0;
	bb_head(&b, "MULTI_STANDARDIZE");
	bb_be(&b, 1, 1);
	bb_be(&b, 1, 4);
	bb_be(&b, 0xfffffffe, 4);
	bb_array(&b, 2, v);
	bb_array(&b, 2, v);
	expect_err(b.b, b.n, -EBADMSG, "negative numOutputs -2 at byte 40");
	b.n = 0;
	bb_head(&b, "MULTI_MIN_MAX");
	bb_be(&b, 1, 1);
	bb_be(&b, 0, 4);
	bb_be(&b, 0x7fffffff, 4);
	bb_f64(&b, 0);
	bb_f64(&b, 1);
	expect_err(b.b, b.n, -EOVERFLOW,
		   "numOutputs 2147483647 at byte 36 exceeds the limit of 65536");

	/* MULTI_HYBRID: header is 30 bytes */
	b.n = 0;
	bb_head(&b, "MULTI_HYBRID");
	bb_be(&b, 0xfffffffb, 4);
	expect_err(b.b, b.n, -EBADMSG, "negative input stats count -5 at byte 30");
	b.n = 0;
	bb_head(&b, "MULTI_HYBRID");
	bb_be(&b, 1, 4);
	bb_be(&b, 0, 4);
	bb_be(&b, 3, 4);
	bb_array(&b, 2, v);
	bb_array(&b, 2, v);
	expect_err(b.b, b.n, -EBADMSG, "stats kind 3 at byte 38 (expected 1 or 2)");
	b.n = 0;
	bb_head(&b, "MULTI_HYBRID");
	bb_be(&b, 1, 4);
	bb_be(&b, 0, 4);
	bb_be(&b, 0, 4); /* NULL is not a valid stats kind */
	bb_array(&b, 2, v);
	bb_array(&b, 2, v);
	expect_err(b.b, b.n, -EBADMSG, "stats kind 0 at byte 38 (expected 1 or 2)");
	b.n = 0;
	bb_head(&b, "MULTI_HYBRID");
	bb_be(&b, 0, 4);
	bb_be(&b, 0, 4);
	bb_be(&b, 7, 4);
	expect_err(b.b, b.n, -EBADMSG,
		   "global input strategy kind 7 at byte 38 (expected 0, 1 or 2)");
	b.n = 0;
	bb_head(&b, "MULTI_HYBRID");
	bb_be(&b, 0, 4);
	bb_be(&b, 0, 4);
	bb_be(&b, 0, 4);
	bb_be(&b, 0, 4);
	bb_be(&b, 1000, 4);
	expect_err(b.b, b.n, -EOVERFLOW,
		   "per-input strategy count 1000 at byte 46 exceeds the 0 bytes left");
	b.n = 0;
	bb_head(&b, "MULTI_HYBRID");
	bb_be(&b, 0, 4);
	bb_be(&b, 0, 4);
	bb_be(&b, 0, 4);
	bb_be(&b, 0, 4);
	bb_be(&b, 1, 4);
	bb_be(&b, 0, 4);
	bb_be(&b, 0xffffffff, 4);
	expect_err(b.b, b.n, -EBADMSG, "strategy kind -1 at byte 54 (expected 0, 1 or 2)");

	b.n = 0;
	bb_head(&b, "CUSTOM");
	bb_be(&b, 3, 2);
	bb_raw(&b, "a\0b", 3);
	expect_err(b.b, b.n, -EBADMSG, "strategy class name contains a nul byte");
	free(b.b);
}

/* An ND4J error inside a statistic is reported with the field and its offset. */
static void test_bad_array(void **state)
{
	static const float v[2] = { 1, 2 };
	struct bb b = { 0 };
	struct err e = { 0 }, sub = { 0 };
	struct normalizer *n = NULL;
	struct tensor *t = NULL;
	char want[300];
	size_t at;
	int rc;

	(void)state;
	bb_head(&b, "STANDARDIZE");
	bb_be(&b, 0, 1);
	bb_array(&b, 2, v);
	at = b.n;
	assert_int_equal(at, 30 + 137);
	/* std: shape info claims rank 9 */
	bb_utf(&b, "MIXED_DATA_TYPES");
	bb_be(&b, 22, 8);
	bb_utf(&b, "LONG");
	bb_be(&b, 9, 8);
	for (int i = 0; i < 21; i++)
		bb_be(&b, 1, 8);
	bb_utf(&b, "MIXED_DATA_TYPES");
	bb_be(&b, 1, 8);
	bb_utf(&b, "FLOAT");
	bb_be(&b, 0, 4);
	rc = codec_nd4j_decode(b.b + at, b.n - at, &t, NULL, NULL, &sub);
	assert_true(rc < 0);
	assert_null(t);
	snprintf(want, sizeof(want), "std (array at byte %zu): %s", at, sub.msg);
	assert_int_equal(codec_norm_decode(b.b, b.n, &n, &e), rc);
	assert_string_equal(e.msg, want);
	assert_null(n);
	free(b.b);
}

/* Bytes after the payload are kept and written back; the numOutputs word of an unfitted
 * multi normalizer is kept as stored. */
static void test_kept_bytes(void **state)
{
	size_t bl;
	uint8_t *bin = fixture("norm_standardize", ".bin", &bl), *more;
	struct normalizer *n;
	char *js;

	(void)state;
	more = malloc(bl + 3);
	assert_non_null(more);
	memcpy(more, bin, bl);
	memcpy(more + bl, "xyz", 3);
	n = decode_ok(more, bl + 3);
	assert_int_equal(n->rest_len, 3);
	js = to_json(n);
	assert_non_null(strstr(js, ",\"trailingBytes\":3}"));
	assert_roundtrip(n, more, bl + 3, "trailing bytes");
	dl_free(js);
	codec_norm_free(n);
	free(more);
	free(bin);

	bin = fixture("norm_multi_standardize", ".bin", &bl);
	assert_memory_equal(bin + 40, "\xff\xff\xff\xff", 4); /* numOutputs = -1 */
	bin[43] = 5;
	bin[40] = bin[41] = bin[42] = 0;
	n = decode_ok(bin, bl);
	assert_int_equal(n->n_outputs, 0);
	assert_int_equal(n->unfit_n_outputs, 5);
	js = to_json(n);
	assert_non_null(strstr(js, "\"numOutputs\":5,"));
	assert_roundtrip(n, bin, bl, "unfitted numOutputs");
	dl_free(js);
	codec_norm_free(n);
	free(bin);

	{
		struct bb b = { 0 };

		bb_head(&b, "IMAGE_VGG16");
		bb_raw(&b, "abc", 3);
		n = decode_ok(b.b, b.n);
		assert_int_equal(n->rest_len, 3);
		js = to_json(n);
		assert_string_equal(js, "{\"type\":\"IMAGE_VGG16\",\"payloadBytes\":3,"
					"\"payload\":\"YWJj\"}\n");
		assert_roundtrip(n, b.b, b.n, "vgg16 payload");
		dl_free(js);
		codec_norm_free(n);
		free(b.b);
	}
}

/* ------------------------------------------------------------------ hand-built */

static struct tensor *mk_tensor(enum dtype dt, int rank, const int64_t *shape,
				const int64_t *stride, const void *data, size_t bytes)
{
	struct tensor *t = dl_calloc(1, sizeof(*t));

	assert_non_null(t);
	t->dtype = dt;
	t->rank = rank;
	t->order = 'c';
	for (int i = 0; i < rank; i++) {
		t->shape[i] = shape[i];
		t->stride[i] = stride[i];
	}
	t->data = dl_malloc(bytes);
	assert_non_null(t->data);
	memcpy(t->data, data, bytes);
	return t;
}

/* A normalizer built in memory (no formats) encodes as variant C, byte for byte what the
 * JVM fixture holds. */
static void test_hand_built_encode(void **state)
{
	static const float mean[3] = { 0.1f, -2.5f, 3.14159f }, std[3] = { 1.0f, 0.5f, 1e-5f };
	static const int64_t shape[2] = { 1, 3 }, stride[2] = { 1, 1 };
	struct normalizer *n = dl_calloc(1, sizeof(*n));
	struct err e = { 0 };
	uint8_t *out, *bin;
	size_t ol, bl;

	(void)state;
	assert_non_null(n);
	n->type = NORM_STANDARDIZE;
	n->n_inputs = 1;
	n->inputs = dl_calloc(1, sizeof(*n->inputs));
	assert_non_null(n->inputs);
	n->inputs[0].kind = 1;
	n->inputs[0].a = mk_tensor(DT_F32, 2, shape, stride, mean, sizeof(mean));
	n->inputs[0].b = mk_tensor(DT_F32, 2, shape, stride, std, sizeof(std));
	assert_int_equal(codec_norm_encode(n, &out, &ol, &e), 0);
	bin = fixture("norm_standardize", ".bin", &bl);
	assert_int_equal(ol, bl);
	assert_memory_equal(out, bin, bl);
	dl_free(out);
	free(bin);

	/* a single type without its statistics cannot be written */
	tensor_free(n->inputs[0].a);
	tensor_free(n->inputs[0].b);
	n->n_inputs = 0;
	assert_int_equal(codec_norm_encode(n, &out, &ol, &e), -EINVAL);
	assert_string_equal(e.msg, "STANDARDIZE normalizer without statistics");
	codec_norm_free(n);
}

/* Specials, exact 64-bit integers, rank 0 and strides in the JSON. */
static void test_json_values(void **state)
{
	static const double inf = (double)INFINITY;
	static const int64_t ints[4] = { 1, (1LL << 60) + 1, -3, 4 };
	static const int64_t s3[3] = { 2, 1, 2 }, st3[3] = { 2, 2, 1 };
	static const float f4[4] = { 1, 2, 3, 4 };
	static const int64_t s2[2] = { 2, 2 }, fst[2] = { 1, 2 }, cst[2] = { 2, 1 };
	struct normalizer *n = dl_calloc(1, sizeof(*n)), *back;
	struct err e = { 0 };
	uint8_t *enc;
	size_t el;
	char *js, *js2;

	(void)state;
	assert_non_null(n);
	n->type = NORM_MIN_MAX;
	n->fit_labels = true;
	n->target_min = (double)NAN;
	n->target_max = 0.1;
	n->n_inputs = n->n_outputs = 1;
	n->inputs = dl_calloc(1, sizeof(*n->inputs));
	n->outputs = dl_calloc(1, sizeof(*n->outputs));
	assert_true(n->inputs && n->outputs);
	n->inputs[0].kind = n->outputs[0].kind = 2;
	n->inputs[0].a = mk_tensor(DT_F64, 0, NULL, NULL, &inf, 8);
	n->inputs[0].b = mk_tensor(DT_I64, 3, s3, st3, ints, sizeof(ints));
	n->outputs[0].a = mk_tensor(DT_F32, 2, s2, fst, f4, sizeof(f4)); /* f-order strides */
	n->outputs[0].a->order = 'f';
	n->outputs[0].b = mk_tensor(DT_F32, 2, s2, cst, f4, sizeof(f4));
	js = to_json(n);
	assert_string_equal(js, "{\"type\":\"MIN_MAX\",\"fitLabels\":true,\"targetMin\":\"NaN\","
				"\"targetMax\":0.10000000000000001,\"min\":\"Infinity\","
				"\"max\":[[[1,1152921504606846977]],[[-3,4]]],"
				"\"labelMin\":[[1,3],[2,4]],\"labelMax\":[[1,2],[3,4]]}\n");
	/* written with default formats, read back to the same JSON */
	assert_int_equal(codec_norm_encode(n, &enc, &el, &e), 0);
	back = decode_ok(enc, el);
	assert_string_equal(back->inputs[0].fb.shape_mode, "MIXED_DATA_TYPES");
	assert_int_equal(back->outputs[0].fa.extras, 0x2000);
	assert_int_equal(back->outputs[0].fa.ews, 1);	/* contiguous in its ('f') order */
	assert_int_equal(back->inputs[0].fb.extras, 0); /* LONG data: no flag known */
	js2 = to_json(back);
	assert_string_equal(js, js2);
	assert_roundtrip(back, enc, el, "hand-built min/max");
	dl_free(js);
	dl_free(js2);
	dl_free(enc);
	codec_norm_free(back);
	codec_norm_free(n);
}

/* Encoder and renderer refusals for normalizers built wrongly in memory. */
static void test_encode_errors(void **state)
{
	static const float v[2] = { 1, 2 };
	static const int64_t shape[2] = { 1, 2 }, stride[2] = { 1, 1 };
	struct normalizer *n = dl_calloc(1, sizeof(*n));
	struct err e = { 0 };
	uint8_t *out = NULL;
	char *js = NULL, *big;
	size_t ol;

	(void)state;
	assert_non_null(n);
	n->type = NORM__COUNT;
	assert_int_equal(codec_norm_encode(n, &out, &ol, &e), -EINVAL);
	assert_string_equal(e.msg, "cannot encode normalizer type 8");
	err_clear(&e);
	assert_int_equal(codec_norm_to_json(n, &js, &ol, &e), -EINVAL);
	assert_string_equal(e.msg, "cannot render normalizer type 8");

	/* counts without arrays */
	n->type = NORM_MULTI_STANDARDIZE;
	n->n_inputs = 1;
	err_clear(&e);
	assert_int_equal(codec_norm_encode(n, &out, &ol, &e), -EINVAL);
	assert_string_equal(e.msg, "1 inputs without their arrays");
	n->type = NORM_MULTI_HYBRID;
	n->n_inputs = 0;
	n->n_per_out = 2;
	err_clear(&e);
	assert_int_equal(codec_norm_to_json(n, &js, &ol, &e), -EINVAL);
	assert_string_equal(e.msg, "2 per-output strategies without their arrays");
	n->n_per_out = 0;

	/* a statistic without its array */
	n->type = NORM_MULTI_STANDARDIZE;
	n->n_inputs = 1;
	n->inputs = dl_calloc(1, sizeof(*n->inputs));
	assert_non_null(n->inputs);
	n->inputs[0].kind = 1;
	err_clear(&e);
	assert_int_equal(codec_norm_encode(n, &out, &ol, &e), -EINVAL);
	assert_string_equal(e.msg, "mean: missing array");

	/* a stored format that does not match the tensor */
	n->inputs[0].a = mk_tensor(DT_F32, 2, shape, stride, v, sizeof(v));
	n->inputs[0].b = mk_tensor(DT_F32, 2, shape, stride, v, sizeof(v));
	strcpy(n->inputs[0].fa.shape_mode, "MIXED_DATA_TYPES");
	strcpy(n->inputs[0].fa.data_mode, "MIXED_DATA_TYPES");
	n->inputs[0].fa.shape_type = DT_I64;
	n->inputs[0].fa.dtype = DT_F64;
	err_clear(&e);
	assert_int_equal(codec_norm_encode(n, &out, &ol, &e), -EINVAL);
	assert_string_equal(e.msg, "mean: cannot encode: tensor type FLOAT does not match format "
				   "type DOUBLE");
	codec_norm_free(n);

	/* a class name writeUTF cannot hold */
	n = dl_calloc(1, sizeof(*n));
	assert_non_null(n);
	n->type = NORM_CUSTOM;
	big = dl_malloc(70001);
	assert_non_null(big);
	memset(big, 'c', 70000);
	big[70000] = '\0';
	n->custom_class = big;
	err_clear(&e);
	assert_int_equal(codec_norm_encode(n, &out, &ol, &e), -EOVERFLOW);
	assert_string_equal(e.msg, "string of 70000 bytes does not fit writeUTF");
	assert_null(out);
	codec_norm_free(n);
}

static void test_type_names(void **state)
{
	static const char *const want[] = { "STANDARDIZE",	 "MIN_MAX",
					    "IMAGE_MIN_MAX",	 "IMAGE_VGG16",
					    "MULTI_STANDARDIZE", "MULTI_MIN_MAX",
					    "MULTI_HYBRID",	 "CUSTOM" };

	(void)state;
	assert_int_equal(ARRAY_SIZE(want), NORM__COUNT);
	for (int t = 0; t < NORM__COUNT; t++)
		assert_string_equal(codec_norm_type_name((enum norm_type)t), want[t]);
	assert_string_equal(codec_norm_type_name(NORM__COUNT), "?");
}

/* Every allocation failure is -ENOMEM, leaks nothing, and a retry succeeds. */
static void test_alloc_failures(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(fixtures); i++) {
		size_t bl;
		uint8_t *bin = fixture(fixtures[i].name, ".bin", &bl);
		struct normalizer *n = NULL;

		for (long k = 1;; k++) {
			struct err e = { 0 };
			int rc;

			dl_alloc_fail_at(k);
			rc = codec_norm_decode(bin, bl, &n, &e);
			dl_alloc_fail_at(0);
			if (!rc)
				break;
			assert_int_equal(rc, -ENOMEM);
			assert_non_null(strstr(e.msg, "out of memory"));
			assert_true(k < 1000);
		}
		for (int which = 0; which < 2; which++) {
			for (long k = 1;; k++) {
				struct err e = { 0 };
				uint8_t *out = NULL;
				size_t ol;
				int rc;

				dl_alloc_fail_at(k);
				rc = which ? codec_norm_to_json(n, (char **)&out, &ol, &e)
					   : codec_norm_encode(n, &out, &ol, &e);
				dl_alloc_fail_at(0);
				if (!rc) {
					dl_free(out);
					break;
				}
				assert_int_equal(rc, -ENOMEM);
				assert_non_null(strstr(e.msg, "out of memory"));
				assert_true(k < 1000);
			}
		}
		codec_norm_free(n);
		free(bin);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_fixture_values),
		cmocka_unit_test(test_legacy),
		cmocka_unit_test(test_archives),
		cmocka_unit_test(test_wild),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_truncation_messages),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bad_array),
		cmocka_unit_test(test_kept_bytes),
		cmocka_unit_test(test_hand_built_encode),
		cmocka_unit_test(test_json_values),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
