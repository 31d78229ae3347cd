/* test_net.c - the engine core (engine/net.c): MultiLayerNetwork and ComputationGraph
 * drivers on small hand-built models (every vertex kind and preprocessor, chunked batches,
 * plan reuse, every error path) and DL4J's own end-to-end results from the corpus.
 *
 * Hand-built models are written as configuration.json text and read by the codec, so that
 * they are exactly what a real archive gives the engine; their expected outputs are worked
 * out by hand (or with numpy where noted) in the comments beside them.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* cmocka needs the headers above */
#include <cmocka.h>

#include "codec/alloc.h"
#include "codec/conf.h"
#include "codec/load.h"
#include "codec/nd4j.h"
#include "engine/engine.h"
#include "engine/engine_int.h"
#include "tests/unit/engine/layer_fixture.h"

#define CORPUS	DLFS_CORPUS_DIR "/dl4j-test-resources"
#define BUNDLED DLFS_SRC_DIR "/tests/data/dl4j-test-resources"

/* ------------------------------------------------------------------ helpers */

static bool have_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* An ND4J array (any dtype, any strides) as c-order float32; shape into t_out. */
static float *array_floats(const uint8_t *buf, size_t len, struct tensor *shape_out)
{
	struct tensor *t = NULL;
	struct err e = { 0 };
	float *f;
	int64_t n;

	if (codec_nd4j_decode(buf, len, &t, NULL, NULL, &e)) {
		print_error("decode: %s\n", e.msg);
		return NULL;
	}
	n = tensor_numel(t);
	f = malloc((size_t)(n ? n : 1) * sizeof(float));
	for (int64_t i = 0; f && i < n; i++)
		f[i] = (float)tensor_get_f64(t, i);
	if (shape_out) {
		memset(shape_out, 0, sizeof(*shape_out));
		shape_out->dtype = DT_F32;
		shape_out->rank = t->rank;
		memcpy(shape_out->shape, t->shape, sizeof(t->shape));
		tensor_std_strides(t->rank, t->shape, 'c', shape_out->stride);
		shape_out->order = 'c';
	}
	tensor_free(t);
	return f;
}

static float *file_floats(const char *path, struct tensor *shape_out)
{
	size_t len = 0;
	uint8_t *buf = slurp(path, &len);
	float *f;

	f = array_floats(buf, len, shape_out);
	free(buf);
	return f;
}

/* Opens an archive and its coefficients as float32 (params_path: replacement vector). */
static struct dl4j_archive *open_archive(const char *path, const char *params_path, float **params)
{
	struct dl4j_archive *a = NULL;
	struct err e = { 0 };
	enum load_fail fail;
	uint8_t *buf = NULL;
	size_t len = 0;

	if (codec_load(path, &a, &fail, &e)) {
		print_error("load %s: %s: %s\n", path, e.where, e.msg);
		return NULL;
	}
	if (params_path) {
		*params = file_floats(params_path, NULL);
	} else {
		if (codec_zip_read_all(a->zip, a->coef_e, (size_t)1 << 30, &buf, &len, &e)) {
			print_error("coefficients: %s\n", e.msg);
			codec_archive_free(a);
			return NULL;
		}
		*params = array_floats(buf, len, NULL);
		dl_free(buf);
	}
	return a;
}

/* max |got - want| <= tol * max |want| */
static void check_close(const char *what, const float *got, const float *want, int64_t n,
			double tol)
{
	double mx = 0, err = 0;
	int64_t at = 0;

	for (int64_t i = 0; i < n; i++)
		mx = fmax(mx, fabs((double)want[i]));
	for (int64_t i = 0; i < n; i++)
		if (fabs((double)got[i] - (double)want[i]) > err) {
			err = fabs((double)got[i] - (double)want[i]);
			at = i;
		}
	print_message("%s: max abs error %.3g (scale %.3g)\n",
		      strrchr(what, '/') ? strrchr(what, '/') + 1 : what, err, mx);
	if (!(err <= tol * fmax(mx, 1e-30))) {
		print_error("%s: max abs error %.3g at %lld (got %.9g want %.9g), scale %.3g\n",
			    what, err, (long long)at, (double)got[at], (double)want[at], mx);
		fail();
	}
}

static void mk_shape(struct tensor *t, int rank, const int64_t *d)
{
	memset(t, 0, sizeof(*t));
	t->dtype = DT_F32;
	t->rank = rank;
	t->order = 'c';
	memcpy(t->shape, d, (size_t)rank * sizeof(int64_t));
	tensor_std_strides(rank, t->shape, 'c', t->stride);
}

/* Plans and runs a one-input, one-output net; returns the output (malloc) and its shape. */
static float *run1(struct eng_net *n, const struct tensor *in_shape, const float *x,
		   struct tensor *out_shape)
{
	struct err e = { 0 };
	struct tensor in = *in_shape, out;
	const struct tensor *ins[1] = { &in };
	struct tensor *outs[1] = { &out };
	const struct tensor *os;
	float *y;

	if (eng_plan(n, 1, ins, &e)) {
		print_error("plan: %s\n", e.msg);
		return NULL;
	}
	os = eng_output_shape(n, 0);
	assert_non_null(os);
	out = *os;
	y = malloc((size_t)tensor_numel(os) * sizeof(float));
	out.data = y;
	in.data = (void *)(uintptr_t)x;
	if (eng_forward(n, ins, outs, &e)) {
		print_error("forward: %s\n", e.msg);
		free(y);
		return NULL;
	}
	if (out_shape)
		*out_shape = *os;
	return y;
}

/* ------------------------------------------------------------------ corpus goldens */

static bool corpus_present(void)
{
	if (have_dir(CORPUS))
		return true;
	print_message("corpus not found at %s: skipped\n", CORPUS);
	return false;
}

/* MLPMoon: first 1 / 10 rows of moon_data_eval.csv (columns 2-3) -> predictions/
 * output_0_0.bin / output_1_0.bin. The predictions are those of the archive's own
 * (untrained) coefficients: with paramsPostTrain.bin row 0 gives [0.798, 0.202] (numpy
 * agrees), not DL4J's [0.411, 0.589]; that case is checked to differ. */
static void test_golden_mlpmoon(void **state)
{
	const char *dir = CORPUS "/dl4j-integration-tests/MLPMoon";
	struct dl4j_archive *a;
	struct eng_net *n = NULL;
	struct err e = { 0 };
	float *params = NULL, x[20];
	FILE *f;

	(void)state;
	if (!corpus_present())
		skip();
	a = open_archive(CORPUS "/dl4j-integration-tests/MLPMoon/Model_RANDOM_INIT_UNTRAINED.zip",
			 NULL, &params);
	assert_non_null(a);
	assert_non_null(params);
	f = fopen(CORPUS "/dl4j-integration-tests/data/moon_data_eval.csv", "r");
	assert_non_null(f);
	for (int r = 0; r < 10; r++) {
		double lab, u, v;

		assert_int_equal(fscanf(f, "%lf,%lf,%lf", &lab, &u, &v), 3);
		x[2 * r] = (float)u;
		x[2 * r + 1] = (float)v;
	}
	fclose(f);
	assert_int_equal(eng_net_new(a->model, params, &n, &e), 0);
	assert_int_equal(eng_n_outputs(n), 1);
	for (int c = 0; c < 2; c++) {
		char path[512];
		int64_t rows = c ? 10 : 1, d[2] = { rows, 2 };
		struct tensor is, os, ws;
		float *want, *got;

		snprintf(path, sizeof(path), "%s/predictions/output_%d_0.bin", dir, c);
		want = file_floats(path, &ws);
		assert_non_null(want);
		mk_shape(&is, 2, d);
		got = run1(n, &is, x, &os);
		assert_non_null(got);
		assert_int_equal(os.rank, 2);
		assert_int_equal(os.shape[0], ws.shape[0]);
		assert_int_equal(os.shape[1], ws.shape[1]);
		check_close(path, got, want, rows * 2, 1e-5);
		free(got);
		free(want);
	}
	eng_net_free(n);
	free(params);
	/* the trained parameters do not give DL4J's predictions (see above) */
	params = file_floats(CORPUS "/dl4j-integration-tests/MLPMoon/paramsPostTrain.bin", NULL);
	assert_non_null(params);
	assert_int_equal(eng_net_new(a->model, params, &n, &e), 0);
	{
		int64_t d[2] = { 1, 2 };
		struct tensor is;
		float *got;

		mk_shape(&is, 2, d);
		got = run1(n, &is, x, NULL);
		assert_non_null(got);
		assert_float_equal(got[0], 0.79793431f, 1e-5f);
		assert_float_equal(got[1], 0.20206569f, 1e-5f);
		free(got);
	}
	eng_net_free(n);
	free(params);
	codec_archive_free(a);
}

/* A golden archive + input + output triple of the regression tests. */
static void golden_triple(const char *net, const char *in, const char *out)
{
	struct dl4j_archive *a;
	struct eng_net *n = NULL;
	struct err e = { 0 };
	struct tensor is, os, ws;
	float *params = NULL, *x, *want, *got;
	int rc;

	a = open_archive(net, NULL, &params);
	assert_non_null(a);
	rc = eng_net_new(a->model, params, &n, &e);
	if (rc == -ENOTSUP && strstr(e.msg, "not supported")) {
		/* a layer of another engine file is not in yet */
		print_message("%s: %s: skipped\n", net, e.msg);
		free(params);
		codec_archive_free(a);
		return;
	}
	if (rc)
		print_error("%s: %s\n", net, e.msg);
	assert_int_equal(rc, 0);
	x = file_floats(in, &is);
	want = file_floats(out, &ws);
	assert_non_null(x);
	assert_non_null(want);
	got = run1(n, &is, x, &os);
	assert_non_null(got);
	assert_int_equal(os.rank, ws.rank);
	for (int i = 0; i < os.rank; i++)
		assert_int_equal(os.shape[i], ws.shape[i]);
	check_close(out, got, want, tensor_numel(&ws), 1e-5);
	free(got);
	free(x);
	free(want);
	eng_net_free(n);
	free(params);
	codec_archive_free(a);
}

static void test_golden_upsampling(void **state)
{
	(void)state;
	golden_triple(BUNDLED "/regression_testing/100a/upsampling/net.bin",
		      BUNDLED "/regression_testing/100a/upsampling/in.bin",
		      BUNDLED "/regression_testing/100a/upsampling/out.bin");
}

static void test_golden_synthetic_cnn(void **state)
{
	(void)state;
	golden_triple(BUNDLED "/regression_testing/100b6/SyntheticCNN_100b6.bin",
		      BUNDLED "/regression_testing/100b6/SyntheticCNN_Input_100b6.bin",
		      BUNDLED "/regression_testing/100b6/SyntheticCNN_Output_100b6.bin");
}

static void test_golden_bidirectional_graph(void **state)
{
	(void)state;
	golden_triple(BUNDLED "/regression_testing/100b6/SyntheticBidirectionalRNNGraph_100b6.bin",
		      BUNDLED
		      "/regression_testing/100b6/SyntheticBidirectionalRNNGraph_Input_100b6.bin",
		      BUNDLED
		      "/regression_testing/100b6/SyntheticBidirectionalRNNGraph_Output_100b6.bin");
}

/* CustomLayerExample (MLN and CG): refused, naming the class. */
static void test_custom_layer_refused(void **state)
{
	static const struct {
		const char *path, *msg;
	} cases[] = {
		{ BUNDLED "/regression_testing/100a/CustomLayerExample_100a.bin",
		  "layer 'layer1' (CustomLayer): not supported by the engine" },
		{ BUNDLED "/regression_testing/100a/CustomLayerExample_Graph_100a.bin",
		  "(CustomLayer): not supported by the engine" },
		{ BUNDLED "/regression_testing/100b6/CustomLayerExample_100b6_float.bin",
		  "layer 'layer1' (org.deeplearning4j.regressiontest.customlayer100a.CustomLayer): "
		  "not supported by the engine" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dl4j_archive *a;
		struct eng_net *n = NULL;
		struct err e = { 0 };
		float *params = NULL;

		a = open_archive(cases[i].path, NULL, &params);
		assert_non_null(a);
		assert_int_equal(eng_net_new(a->model, params, &n, &e), -ENOTSUP);
		assert_null(n);
		if (!strstr(e.msg, cases[i].msg)) {
			print_error("%s: message '%s'\n", cases[i].path, e.msg);
			fail();
		}
		free(params);
		codec_archive_free(a);
	}
}

/* ------------------------------------------------------------------ hand-built models */

#define LAY  "org.deeplearning4j.nn.conf.layers."
#define GR   "org.deeplearning4j.nn.conf.graph."
#define PRE  "org.deeplearning4j.nn.conf.preprocessor."
#define ACTC "org.nd4j.linalg.activations.impl.Activation"
#define ACT_LAYER(a)                                                                               \
	"{\"@class\":\"" LAY "ActivationLayer\",\"activationFn\":{\"@class\":\"" ACTC a "\"}}"
#define IDENT ACT_LAYER("Identity")

static struct model *parse_model(const char *json, int64_t n_coeffs)
{
	struct model *m = NULL;
	struct err e = { 0 };

	if (codec_conf_parse(json, strlen(json), &m, &e)) {
		print_error("parse: %s\n%s\n", e.msg, json);
		return NULL;
	}
	if (codec_layout(m, n_coeffs, &e)) {
		print_error("layout: %s\n", e.msg);
		model_free(m);
		return NULL;
	}
	return m;
}

/* A model and its net; params borrowed. */
struct built {
	struct model *m;
	struct eng_net *n;
};

static struct built build(const char *json, const float *params, int64_t n_coeffs)
{
	struct built b = { 0 };
	struct err e = { 0 };

	b.m = parse_model(json, n_coeffs);
	assert_non_null(b.m);
	if (eng_net_new(b.m, params, &b.n, &e))
		print_error("net: %s\n", e.msg);
	assert_non_null(b.n);
	return b;
}

static void unbuild(struct built *b)
{
	eng_net_free(b->n);
	model_free(b->m);
}

/* eng_net_new must fail with code and a message containing msg. */
static void net_err(const char *json, const float *params, int64_t n_coeffs, int code,
		    const char *msg)
{
	struct model *m = parse_model(json, n_coeffs);
	struct eng_net *n = NULL;
	struct err e = { 0 };

	assert_non_null(m);
	if (eng_net_new(m, params, &n, &e) != code)
		print_error("net_err: %s -> '%s'\n", json, e.msg);
	assert_int_equal(e.code, code);
	assert_null(n);
	if (!strstr(e.msg, msg)) {
		print_error("message '%s' lacks '%s'\n", e.msg, msg);
		fail();
	}
	model_free(m);
}

/* eng_plan must fail with code and message for the given input shapes. */
static void plan_err(const char *json, int n_in, const struct tensor *shapes, int code,
		     const char *msg)
{
	struct built b = build(json, NULL, 0);
	const struct tensor *ins[ENG_MAX_IO];
	struct err e = { 0 };

	for (int i = 0; i < n_in; i++)
		ins[i] = &shapes[i];
	if (eng_plan(b.n, n_in, ins, &e) != code)
		print_error("plan_err: %s -> '%s'\n", json, e.msg);
	assert_int_equal(e.code, code);
	if (!strstr(e.msg, msg)) {
		print_error("message '%s' lacks '%s'\n", e.msg, msg);
		fail();
	}
	assert_null(eng_output_shape(b.n, 0));
	unbuild(&b);
}

static struct tensor shp(int rank, int64_t d0, int64_t d1, int64_t d2, int64_t d3, int64_t d4)
{
	int64_t d[5] = { d0, d1, d2, d3, d4 };
	struct tensor t;

	mk_shape(&t, rank, d);
	return t;
}

/* MLN of one identity ActivationLayer behind preprocessor `pre`: returns the
 * preprocessor's output for x of shape s, checks the output shape `want`. */
static float *run_pre(const char *pre, struct tensor s, const float *x, struct tensor want)
{
	char json[2048];
	struct built b;
	struct tensor os;
	float *y;

	snprintf(json, sizeof(json),
		 "{\"confs\":[{\"layer\":%s}],\"inputPreProcessors\":{\"0\":%s}}", IDENT, pre);
	b = build(json, NULL, 0);
	y = run1(b.n, &s, x, &os);
	assert_non_null(y);
	assert_int_equal(os.rank, want.rank);
	for (int i = 0; i < want.rank; i++)
		assert_int_equal(os.shape[i], want.shape[i]);
	unbuild(&b);
	return y;
}

static void expect_f(const float *got, const float *want, int n)
{
	for (int i = 0; i < n; i++)
		if (!(fabsf(got[i] - want[i]) <= 1e-6f * fmaxf(1.0f, fabsf(want[i])))) {
			print_error("[%d]: got %.9g want %.9g\n", i, (double)got[i],
				    (double)want[i]);
			fail();
		}
}

static const float seq8[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };

/* x[b, c, t] = 100b + 10c + t for [2, 3, 2] */
static const float rnn232[12] = { 0, 1, 10, 11, 20, 21, 100, 101, 110, 111, 120, 121 };
/* RnnToFeedForward rows: t*N + b -> (t0,b0), (t0,b1), (t1,b0), (t1,b1) */
static const float rnn232_rows[12] = { 0, 10, 20, 100, 110, 120, 1, 11, 21, 101, 111, 121 };

static void test_preprocessors(void **state)
{
	float *y;

	(void)state;
	/* CnnToFeedForward NCHW: c-order flatten (a view) */
	y = run_pre("{\"@class\":\"" PRE "CnnToFeedForwardPreProcessor\",\"inputHeight\":1,"
		    "\"inputWidth\":2,\"numChannels\":2}",
		    shp(4, 2, 2, 1, 2, 0), seq8, shp(2, 2, 4, 0, 0, 0));
	expect_f(y, seq8, 8);
	free(y);
	/* legacy key, no dimensions configured */
	y = run_pre("{\"cnnToFeedForward\":{}}", shp(4, 2, 2, 1, 2, 0), seq8,
		    shp(2, 2, 4, 0, 0, 0));
	expect_f(y, seq8, 8);
	free(y);
	/* NHWC: x(c,h,w) = 4c + 2h + w in [1,2,2,2]; flatten (h,w,c) -> 0,4,1,5,2,6,3,7 */
	y = run_pre("{\"@class\":\"" PRE "CnnToFeedForwardPreProcessor\",\"inputHeight\":2,"
		    "\"inputWidth\":2,\"numChannels\":2,\"format\":\"NHWC\"}",
		    shp(4, 1, 2, 2, 2, 0), seq8, shp(2, 1, 8, 0, 0, 0));
	expect_f(y, (const float[]){ 0, 4, 1, 5, 2, 6, 3, 7 }, 8);
	free(y);
	/* FeedForwardToCnn NCHW and NHWC (the inverse of the above) */
	y = run_pre("{\"@class\":\"" PRE "FeedForwardToCnnPreProcessor\",\"inputHeight\":2,"
		    "\"inputWidth\":2,\"numChannels\":2}",
		    shp(2, 1, 8, 0, 0, 0), seq8, shp(4, 1, 2, 2, 2, 0));
	expect_f(y, seq8, 8);
	free(y);
	y = run_pre("{\"@class\":\"" PRE "FeedForwardToCnnPreProcessor\",\"inputHeight\":2,"
		    "\"inputWidth\":2,\"numChannels\":2,\"format\":\"NHWC\"}",
		    shp(2, 1, 8, 0, 0, 0), (const float[]){ 0, 4, 1, 5, 2, 6, 3, 7 },
		    shp(4, 1, 2, 2, 2, 0));
	expect_f(y, seq8, 8);
	free(y);
	/* a rank-4 input passes FeedForwardToCnn unchanged */
	y = run_pre("{\"feedForwardToCnn\":{\"inputHeight\":2,\"inputWidth\":2,"
		    "\"numChannels\":2}}",
		    shp(4, 1, 2, 2, 2, 0), seq8, shp(4, 1, 2, 2, 2, 0));
	expect_f(y, seq8, 8);
	free(y);
	/* RnnToFeedForward: rows t*N + b */
	y = run_pre("{\"@class\":\"" PRE "RnnToFeedForwardPreProcessor\"}", shp(3, 2, 3, 2, 0, 0),
		    rnn232, shp(2, 4, 3, 0, 0, 0));
	expect_f(y, rnn232_rows, 12);
	free(y);
	/* RnnToCnn (1 x 1 x 3): the same rows as [4, 1, 1, 3] */
	y = run_pre("{\"@class\":\"" PRE "RnnToCnnPreProcessor\",\"inputHeight\":1,"
		    "\"inputWidth\":3,\"numChannels\":1}",
		    shp(3, 2, 3, 2, 0, 0), rnn232, shp(4, 4, 1, 1, 3, 0));
	expect_f(y, rnn232_rows, 12);
	free(y);
	/* Composable(RnnToFeedForward, FeedForwardToRnn) is the identity */
	y = run_pre("{\"@class\":\"" PRE "ComposableInputPreProcessor\",\"inputPreProcessors\":["
		    "{\"@class\":\"" PRE "RnnToFeedForwardPreProcessor\"},"
		    "{\"@class\":\"" PRE "FeedForwardToRnnPreProcessor\"}]}",
		    shp(3, 2, 3, 2, 0, 0), rnn232, shp(3, 2, 3, 2, 0, 0));
	expect_f(y, rnn232, 12);
	free(y);
	/* RnnToCnn then CnnToRnn (legacy keys) is the identity too */
	y = run_pre("{\"composableInput\":{\"inputPreProcessors\":["
		    "{\"rnnToCnn\":{\"inputHeight\":1,\"inputWidth\":3,\"numChannels\":1}},"
		    "{\"cnnToRnn\":{\"inputHeight\":1,\"inputWidth\":3,\"numChannels\":1}}]}}",
		    shp(3, 2, 3, 2, 0, 0), rnn232, shp(3, 2, 3, 2, 0, 0));
	expect_f(y, rnn232, 12);
	free(y);
	/* Cnn3DToFeedForward NCDHW (view) and NDHWC: x(c,d,h,w) = 2c + w in [1,2,1,1,2]
	 * flattened (d,h,w,c) -> 0,2,1,3 */
	y = run_pre("{\"@class\":\"" PRE "Cnn3DToFeedForwardPreProcessor\",\"inputDepth\":1,"
		    "\"inputHeight\":1,\"inputWidth\":2,\"numChannels\":2,\"isNCDHW\":true}",
		    shp(5, 1, 2, 1, 1, 2), seq8, shp(2, 1, 4, 0, 0, 0));
	expect_f(y, seq8, 4);
	free(y);
	y = run_pre("{\"@class\":\"" PRE "Cnn3DToFeedForwardPreProcessor\",\"inputDepth\":1,"
		    "\"inputHeight\":1,\"inputWidth\":2,\"numChannels\":2,\"isNCDHW\":false}",
		    shp(5, 1, 2, 1, 1, 2), seq8, shp(2, 1, 4, 0, 0, 0));
	expect_f(y, (const float[]){ 0, 2, 1, 3 }, 4);
	free(y);
	y = run_pre("{\"@class\":\"" PRE "FeedForwardToCnn3DPreProcessor\",\"inputDepth\":1,"
		    "\"inputHeight\":1,\"inputWidth\":2,\"numChannels\":2,\"isNCDHW\":true}",
		    shp(2, 1, 4, 0, 0, 0), seq8, shp(5, 1, 2, 1, 1, 2));
	expect_f(y, seq8, 4);
	free(y);
}

/* Two MLN layers: RnnToFeedForward before the first, FeedForwardToRnn before the second. */
static void test_mln_time_fold(void **state)
{
	/* clang-format off */
	const char *json =
		"{\"confs\":[{\"layer\":" IDENT "},{\"layer\":" ACT_LAYER("ReLU") "}],"
		"\"inputPreProcessors\":{"
		"\"0\":{\"@class\":\"" PRE "RnnToFeedForwardPreProcessor\"},"
		"\"1\":{\"@class\":\"" PRE "FeedForwardToRnnPreProcessor\"}}}";
	/* clang-format on */
	struct built b = build(json, NULL, 0);
	struct tensor s = shp(3, 2, 3, 2, 0, 0), os;
	float *y = run1(b.n, &s, rnn232, &os);

	(void)state;
	assert_non_null(y);
	assert_int_equal(os.rank, 3);
	assert_int_equal(os.shape[0], 2);
	assert_int_equal(os.shape[1], 3);
	assert_int_equal(os.shape[2], 2);
	expect_f(y, rnn232, 12);
	free(y);
	unbuild(&b);
}

static void test_preprocessor_errors(void **state)
{
	/* clang-format off */
	const char *j_cnn =
		"{\"confs\":[{\"layer\":" IDENT "}],\"inputPreProcessors\":{\"0\":"
		"{\"@class\":\"" PRE "CnnToFeedForwardPreProcessor\",\"inputHeight\":2,"
		"\"inputWidth\":2,\"numChannels\":3}}}";
	/* clang-format on */
	/* clang-format off */
	const char *j_ffcnn =
		"{\"confs\":[{\"layer\":" IDENT "}],\"inputPreProcessors\":{\"0\":"
		"{\"@class\":\"" PRE "FeedForwardToCnnPreProcessor\",\"inputHeight\":2,"
		"\"inputWidth\":2,\"numChannels\":2}}}";
	/* clang-format on */
	/* clang-format off */
	const char *j_rnn = "{\"confs\":[{\"layer\":" IDENT "}],\"inputPreProcessors\":{\"0\":"
			    "{\"@class\":\"" PRE "RnnToFeedForwardPreProcessor\"}}}";
	/* clang-format on */
	/* clang-format off */
	const char *j_keras =
		"{\"confs\":[{\"layer\":" IDENT "}],\"inputPreProcessors\":{\"0\":"
		"{\"@class\":\"org.deeplearning4j.nn.modelimport.keras.preprocessors."
		"KerasFlattenRnnPreprocessor\"}}}";
	/* clang-format on */
	struct tensor t;

	(void)state;
	t = shp(4, 1, 2, 2, 2, 0);
	plan_err(j_cnn, 1, &t, -EINVAL,
		 "layer '0' (ActivationLayer): CnnToFeedForwardPreProcessor: input [1,2,2,2] does "
		 "not match numChannels 3");
	t = shp(3, 1, 2, 2, 0, 0);
	plan_err(j_cnn, 1, &t, -EINVAL,
		 "layer '0' (ActivationLayer): CnnToFeedForwardPreProcessor: input [1,2,2] is not "
		 "rank 4 (CNN)");
	t = shp(2, 1, 7, 0, 0, 0);
	plan_err(j_ffcnn, 1, &t, -EINVAL,
		 "FeedForwardToCnnPreProcessor: input [1,7] has 7 columns, expected 8");
	t = shp(3, 1, 7, 1, 0, 0);
	plan_err(j_ffcnn, 1, &t, -EINVAL,
		 "FeedForwardToCnnPreProcessor: input [1,7,1] is not rank 2 (feed-forward)");
	t = shp(2, 1, 7, 0, 0, 0);
	plan_err(j_rnn, 1, &t, -EINVAL,
		 "RnnToFeedForwardPreProcessor: input [1,7] is not rank 3 (RNN)");
	/* clang-format off */
	net_err(j_keras, NULL, 0, -ENOTSUP,
		"layer '0' (ActivationLayer): preprocessor org.deeplearning4j.nn.modelimport."
		"keras.preprocessors.KerasFlattenRnnPreprocessor is not supported by the engine");
	/* clang-format on */
}

#define V(name, body) "\"" name "\":{\"@class\":\"" GR body "}"

/* Graph 1, every feed-forward vertex. a = [[1,2,3],[4,5,6]], b = [[-1,0,4],[3,6,3]]. */
static void test_graph_vertices(void **state)
{
	/* clang-format off */
	const char *json =
		"{\"networkInputs\":[\"a\",\"b\"],\"vertices\":{"
		V("merge", "MergeVertex\"") ","
		V("add", "ElementWiseVertex\",\"op\":\"Add\"") ","
		V("sub", "ElementWiseVertex\",\"op\":\"Subtract\"") ","
		V("prod", "ElementWiseVertex\",\"op\":\"Product\"") ","
		V("avg", "ElementWiseVertex\",\"op\":\"Average\"") ","
		V("max", "ElementWiseVertex\",\"op\":\"Max\"") ","
		V("subset", "SubsetVertex\",\"from\":1,\"to\":2") ","
		V("stack", "StackVertex\"") ","
		V("unstack", "UnstackVertex\",\"from\":1,\"stackSize\":2") ","
		V("l2n", "L2NormalizeVertex\",\"eps\":1e-8") ","
		V("l2", "L2Vertex\",\"eps\":1e-8") ","
		V("scale", "ScaleVertex\",\"scaleFactor\":2.0") ","
		V("shift", "ShiftVertex\",\"shiftFactor\":-1.0") ","
		V("rc", "ReshapeVertex\",\"newShape\":[3,2],\"reshapeOrder\":\"c\"") ","
		V("rf", "ReshapeVertex\",\"newShape\":[-1,2],\"reshapeOrder\":\"f\"") "},"
		"\"vertexInputs\":{\"merge\":[\"a\",\"b\"],\"add\":[\"a\",\"b\"],"
		"\"sub\":[\"a\",\"b\"],\"prod\":[\"a\",\"b\"],\"avg\":[\"a\",\"b\",\"a\"],"
		"\"max\":[\"a\",\"b\"],\"subset\":[\"a\"],\"stack\":[\"a\",\"b\"],"
		"\"unstack\":[\"stack\"],\"l2n\":[\"a\"],\"l2\":[\"a\",\"b\"],\"scale\":[\"a\"],"
		"\"shift\":[\"a\"],\"rc\":[\"a\"],\"rf\":[\"a\"]},"
		"\"networkOutputs\":[\"merge\",\"add\",\"sub\",\"prod\",\"avg\",\"max\",\"subset\","
		"\"stack\",\"unstack\",\"l2n\",\"l2\",\"scale\",\"shift\",\"rc\",\"rf\"]}";
	/* clang-format on */
	static const float a[6] = { 1, 2, 3, 4, 5, 6 }, b[6] = { -1, 0, 4, 3, 6, 3 };
	static const float r14 = 3.74165738677f, r77 = 8.77496438739f; /* sqrt 14, sqrt 77 */
	static const struct {
		int rank;
		int64_t d0, d1;
		float v[12];
	} want[15] = {
		{ 2, 2, 6, { 1, 2, 3, -1, 0, 4, 4, 5, 6, 3, 6, 3 } },
		{ 2, 2, 3, { 0, 2, 7, 7, 11, 9 } },
		{ 2, 2, 3, { 2, 2, -1, 1, -1, 3 } },
		{ 2, 2, 3, { -1, 0, 12, 12, 30, 18 } },
		{ 2, 2, 3, { 1.0f / 3, 4.0f / 3, 10.0f / 3, 11.0f / 3, 16.0f / 3, 5 } },
		{ 2, 2, 3, { 1, 2, 4, 4, 6, 6 } },
		{ 2, 2, 2, { 2, 3, 5, 6 } },
		{ 2, 4, 3, { 1, 2, 3, 4, 5, 6, -1, 0, 4, 3, 6, 3 } },
		{ 2, 2, 3, { -1, 0, 4, 3, 6, 3 } },
		{ 2, 2, 3, { 1 / r14, 2 / r14, 3 / r14, 4 / r77, 5 / r77, 6 / r77 } },
		{ 2, 2, 1, { 3, 3.31662479036f } }, /* |[2,2,-1]|, |[1,-1,3]| */
		{ 2, 2, 3, { 2, 4, 6, 8, 10, 12 } },
		{ 2, 2, 3, { 0, 1, 2, 3, 4, 5 } },
		{ 2, 3, 2, { 1, 2, 3, 4, 5, 6 } },
		/* numpy reshape(a, (3,2), order='F') */
		{ 2, 3, 2, { 1, 5, 4, 3, 2, 6 } },
	};
	struct built g = build(json, NULL, 0);
	struct tensor sa = shp(2, 2, 3, 0, 0, 0), sb = sa, outs[15];
	const struct tensor *ins[2] = { &sa, &sb };
	struct tensor *outp[15];
	struct err e = { 0 };
	float buf[15][12];

	(void)state;
	assert_int_equal(eng_n_outputs(g.n), 15);
	assert_int_equal(eng_plan(g.n, 2, ins, &e), 0);
	for (int i = 0; i < 15; i++) {
		const struct tensor *os = eng_output_shape(g.n, i);

		assert_non_null(os);
		assert_int_equal(os->rank, want[i].rank);
		assert_int_equal(os->shape[0], want[i].d0);
		assert_int_equal(os->shape[1], want[i].d1);
		outs[i] = *os;
		outs[i].data = buf[i];
		outp[i] = &outs[i];
	}
	assert_null(eng_output_shape(g.n, 15));
	assert_null(eng_output_shape(g.n, -1));
	sa.data = (void *)(uintptr_t)a;
	sb.data = (void *)(uintptr_t)b;
	dl_alloc_fail_at(0);
	assert_int_equal(eng_forward(g.n, ins, outp, &e), 0);
	assert_int_equal(dl_alloc_count(), 0); /* forward does not allocate */
	for (int i = 0; i < 15; i++)
		expect_f(buf[i], want[i].v, (int)(want[i].d0 * want[i].d1));
	/* the same shapes again: the plan is kept, nothing is allocated */
	dl_alloc_fail_at(0);
	assert_int_equal(eng_plan(g.n, 2, ins, &e), 0);
	assert_int_equal(dl_alloc_count(), 0);
	unbuild(&g);
}

/* Graph 2, the recurrent and convolutional vertices. r [2,2,3] = 100b + 10f + t,
 * f [2,2] = [[1,2],[3,4]], c [2,1,3,3] = 100b + 10h + w. */
static void test_graph_time_vertices(void **state)
{
	/* clang-format off */
	const char *json =
		"{\"networkInputs\":[\"r\",\"f\",\"c\"],\"vertices\":{"
		V("dup", "DuplicateToTimeSeriesVertex\",\"inputName\":\"r\"") ","
		V("last", "LastTimeStepVertex\",\"maskArrayInputName\":\"r\"") ","
		V("rev", "ReverseTimeSeriesVertex\"") ","
		V("pool", "PoolHelperVertex\"") ","
		V("pre", "PreprocessorVertex\",\"preProcessor\":{\"@class\":\"" PRE
		  "RnnToFeedForwardPreProcessor\"}") ","
		V("flat", "PreprocessorVertex\",\"preProcessor\":{\"@class\":\"" PRE
		  "CnnToFeedForwardPreProcessor\",\"inputHeight\":3,\"inputWidth\":3,"
		  "\"numChannels\":1}") ","
		"\"lay\":{\"@class\":\"" GR "LayerVertex\",\"layerConf\":{\"layer\":"
		ACT_LAYER("ReLU") "},\"preProcessor\":{\"@class\":\"" PRE
		"CnnToFeedForwardPreProcessor\",\"inputHeight\":3,\"inputWidth\":3,"
		"\"numChannels\":1}}},"
		"\"vertexInputs\":{\"dup\":[\"f\"],\"last\":[\"r\"],\"rev\":[\"r\"],"
		"\"pool\":[\"c\"],"
		"\"pre\":[\"r\"],\"flat\":[\"c\"],\"lay\":[\"c\"]},"
		"\"networkOutputs\":[\"dup\",\"last\",\"rev\",\"pool\",\"pre\",\"flat\",\"lay\"]}";
	/* clang-format on */
	static const float r[12] = { 0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112 };
	static const float f[4] = { 1, 2, 3, 4 };
	float c[18], flat[18];
	static const struct {
		int rank;
		int64_t d[4];
		float v[18];
	} want[5] = {
		{ 3, { 2, 2, 3 }, { 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4 } },
		{ 2, { 2, 2 }, { 2, 12, 102, 112 } },
		{ 3, { 2, 2, 3 }, { 2, 1, 0, 12, 11, 10, 102, 101, 100, 112, 111, 110 } },
		{ 4, { 2, 1, 2, 2 }, { 11, 12, 21, 22, 111, 112, 121, 122 } },
		/* rows t*2 + b */
		{ 2, { 6, 2 }, { 0, 10, 100, 110, 1, 11, 101, 111, 2, 12, 102, 112 } },
	};
	struct built g = build(json, NULL, 0);
	struct tensor sr = shp(3, 2, 2, 3, 0, 0), sf = shp(2, 2, 2, 0, 0, 0);
	struct tensor sc = shp(4, 2, 1, 3, 3, 0), outs[7];
	const struct tensor *ins[3] = { &sr, &sf, &sc };
	struct tensor *outp[7];
	struct err e = { 0 };
	float buf[7][18];

	(void)state;
	for (int b = 0; b < 2; b++)
		for (int h = 0; h < 3; h++)
			for (int w = 0; w < 3; w++)
				c[b * 9 + h * 3 + w] = flat[b * 9 + h * 3 + w] =
					(float)(100 * b + 10 * h + w);
	assert_int_equal(eng_plan(g.n, 3, ins, &e), 0);
	for (int i = 0; i < 7; i++) {
		outs[i] = *eng_output_shape(g.n, i);
		outs[i].data = buf[i];
		outp[i] = &outs[i];
	}
	for (int i = 0; i < 5; i++) {
		assert_int_equal(outs[i].rank, want[i].rank);
		for (int k = 0; k < want[i].rank; k++)
			assert_int_equal(outs[i].shape[k], want[i].d[k]);
	}
	assert_int_equal(outs[5].rank, 2);
	assert_int_equal(outs[5].shape[1], 9);
	assert_int_equal(outs[6].shape[1], 9);
	sr.data = (void *)(uintptr_t)r;
	sf.data = (void *)(uintptr_t)f;
	sc.data = c;
	assert_int_equal(eng_forward(g.n, ins, outp, &e), 0);
	for (int i = 0; i < 5; i++)
		expect_f(buf[i], want[i].v, (int)tensor_numel(&outs[i]));
	expect_f(buf[5], flat, 18); /* the view of an input, copied out */
	expect_f(buf[6], flat, 18); /* relu of non-negative values */
	unbuild(&g);
}

/* Outputs that must outlive later vertices, and a layer with parameters in a graph:
 * x1 = 2a, x2 = x1 + 1, x3 = 3 x2, out = x1 + x3 = 8a + 3; d = Dense(W [2,1] = [1,2], b .5).
 * a = [[1,2],[3,-1]] -> out [[11,19],[27,-5]], x2 [[3,5],[7,-1]], d [[5.5],[1.5]]. */
static void test_graph_lifetimes(void **state)
{
	/* clang-format off */
	const char *json =
		"{\"networkInputs\":[\"a\"],\"vertices\":{"
		V("x1", "ScaleVertex\",\"scaleFactor\":2") ","
		V("x2", "ShiftVertex\",\"shiftFactor\":1") ","
		V("x3", "ScaleVertex\",\"scaleFactor\":3") ","
		V("out", "ElementWiseVertex\",\"op\":\"Add\"") ","
		"\"d\":{\"@class\":\"" GR "LayerVertex\",\"layerConf\":{\"layer\":{\"@class\":\""
		LAY "DenseLayer\",\"nin\":2,\"nout\":1,\"activationFn\":{\"@class\":\"" ACTC
		"Identity\"}}}}},"
		"\"vertexInputs\":{\"x1\":[\"a\"],\"x2\":[\"x1\"],\"x3\":[\"x2\"],"
		"\"out\":[\"x1\",\"x3\"],\"d\":[\"a\"]},"
		"\"networkOutputs\":[\"out\",\"x2\",\"d\"]}";
	/* clang-format on */
	static const float params[3] = { 1, 2, 0.5f }, a[4] = { 1, 2, 3, -1 };
	struct built g = build(json, params, 3);
	struct tensor sa = shp(2, 2, 2, 0, 0, 0), outs[3];
	const struct tensor *ins[1] = { &sa };
	struct tensor *outp[3] = { &outs[0], &outs[1], &outs[2] };
	struct err e = { 0 };
	float o0[4], o1[4], o2[2];

	(void)state;
	assert_int_equal(eng_plan(g.n, 1, ins, &e), 0);
	for (int i = 0; i < 3; i++)
		outs[i] = *eng_output_shape(g.n, i);
	outs[0].data = o0;
	outs[1].data = o1;
	outs[2].data = o2;
	assert_int_equal(outs[2].shape[1], 1);
	sa.data = (void *)(uintptr_t)a;
	assert_int_equal(eng_forward(g.n, ins, outp, &e), 0);
	expect_f(o0, (const float[]){ 11, 19, 27, -5 }, 4);
	expect_f(o1, (const float[]){ 3, 5, 7, -1 }, 4);
	expect_f(o2, (const float[]){ 5.5f, 1.5f }, 2);
	unbuild(&g);
}

static void test_graph_errors(void **state)
{
	struct tensor t[3];

	(void)state;
	/* clang-format off */
	net_err("{\"networkInputs\":[\"a\"],\"vertices\":{\"lam\":{\"@class\":"
		"\"com.example.MyLambdaVertex\"}},\"vertexInputs\":{\"lam\":[\"a\"]},"
		"\"networkOutputs\":[\"lam\"]}",
		NULL, 0, -ENOTSUP,
		"vertex 'lam' (com.example.MyLambdaVertex): not supported by the "
		"engine");
	/* clang-format on */
	/* clang-format off */
	net_err("{\"networkInputs\":[\"a\",\"b\"],\"vertices\":{\"L\":{\"@class\":\"" GR
		"LayerVertex\",\"layerConf\":{\"layer\":" IDENT "}}},"
		"\"vertexInputs\":{\"L\":[\"a\",\"b\"]},\"networkOutputs\":[\"L\"]}",
		NULL, 0, -ENOTSUP, "layer 'L' (ActivationLayer): 2 inputs (a layer takes one)");
	/* clang-format on */
	/* clang-format off */
	net_err("{\"networkInputs\":[\"a\"],\"vertices\":{" V("d", "DuplicateToTimeSeriesVertex\"")
		"},\"vertexInputs\":{\"d\":[\"a\"]},\"networkOutputs\":[\"d\"]}",
		NULL, 0, -EINVAL,
		"vertex 'd' (DuplicateToTimeSeriesVertex): input name '(none)' is not an earlier "
		"vertex");
	/* clang-format on */
	/* clang-format off */
	net_err("{\"networkInputs\":[\"a\"],\"vertices\":{" V("p", "PreprocessorVertex\","
		"\"preProcessor\":{\"@class\":\"org.deeplearning4j.nn.modelimport.keras."
		"preprocessors.ReshapePreprocessor\"}") "},\"vertexInputs\":{\"p\":[\"a\"]},"
		"\"networkOutputs\":[\"p\"]}",
		NULL, 0, -ENOTSUP,
		"vertex 'p' (PreprocessorVertex): preprocessor org.deeplearning4j.nn.modelimport."
		"keras.preprocessors.ReshapePreprocessor is not supported by the engine");
	/* clang-format on */

/* clang-format off */
#define G1(cls, ins, extra)                                                                        \
	"{\"networkInputs\":[\"a\",\"b\",\"c\"],"                                                  \
	"\"vertices\":{\"v\":{\"@class\":\"" GR cls "\"" extra                                     \
	"}},\"vertexInputs\":{\"v\":" ins "},\"networkOutputs\":[\"v\"]}"
	/* clang-format on */
	t[0] = shp(2, 2, 3, 0, 0, 0);
	t[1] = shp(3, 2, 2, 1, 0, 0);
	t[2] = shp(2, 3, 3, 0, 0, 0);
	/* clang-format off */
	plan_err(G1("MergeVertex", "[\"a\",\"b\"]", ""), 3, t, -EINVAL,
		 "vertex 'v' (MergeVertex): input 1 [2,2,1] cannot be concatenated with input 0 "
		 "[2,3] along dimension 1");
	/* clang-format on */
	/* clang-format off */
	plan_err(G1("StackVertex", "[\"a\",\"b\"]", ""), 3, t, -EINVAL,
		 "vertex 'v' (StackVertex): input 1 [2,2,1] cannot be stacked with input 0 [2,3]");
	/* clang-format on */
	/* clang-format off */
	plan_err(G1("ElementWiseVertex", "[\"a\",\"b\",\"c\"]", ",\"op\":\"Subtract\""), 3, t,
		 -EINVAL, "vertex 'v' (ElementWiseVertex): Subtract needs 2 inputs, got 3");
	/* clang-format on */
	/* clang-format off */
	plan_err(G1("ElementWiseVertex", "[\"a\",\"c\"]", ",\"op\":\"Add\""), 3, t, -EINVAL,
		 "vertex 'v' (ElementWiseVertex): input 1 [3,3] differs from input 0 [2,3]");
	/* clang-format on */
	/* clang-format off */
	plan_err(G1("ElementWiseVertex", "[\"a\",\"a\"]", ",\"op\":\"Pow\""), 3, t, -ENOTSUP,
		 "vertex 'v' (ElementWiseVertex): operation 'Pow' is not supported");
	/* clang-format on */
	/* clang-format off */
	plan_err(G1("SubsetVertex", "[\"a\"]", ",\"from\":1,\"to\":3"), 3, t, -EINVAL,
		 "vertex 'v' (SubsetVertex): range 1..3 is outside input [2,3]");
	/* clang-format on */
	/* clang-format off */
	plan_err(G1("UnstackVertex", "[\"c\"]", ",\"from\":0,\"stackSize\":2"), 3, t, -EINVAL,
		 "vertex 'v' (UnstackVertex): cannot take part 0 of 2 from input [3,3]");
	/* clang-format on */
	/* clang-format off */
	plan_err(G1("L2Vertex", "[\"a\",\"c\"]", ""), 3, t, -EINVAL,
		 "vertex 'v' (L2Vertex): input 1 [3,3] differs from input 0 [2,3]");
	/* clang-format on */
	/* clang-format off */
	plan_err(G1("L2Vertex", "[\"a\"]", ""), 3, t, -EINVAL,
		 "vertex 'v' (L2Vertex): needs 2 inputs, got 1");
	/* clang-format on */
	/* clang-format off */
	plan_err(G1("L2NormalizeVertex", "[\"b\"]", ",\"dimension\":[1]"), 3, t, -ENOTSUP,
		 "vertex 'v' (L2NormalizeVertex): normalising input [2,2,1] over only some of its "
		 "non-batch dimensions is not supported");
	/* clang-format on */
	/* clang-format off */
	plan_err(G1("ReshapeVertex", "[\"a\"]", ",\"newShape\":[4,2]"), 3, t, -EINVAL,
		 "vertex 'v' (ReshapeVertex): cannot reshape input [2,3] (6 elements) to 8 "
		 "elements");
	/* clang-format on */
	/* clang-format off */
	plan_err(G1("ReshapeVertex", "[\"a\"]", ",\"newShape\":[-1,4]"), 3, t, -EINVAL,
		 "vertex 'v' (ReshapeVertex): cannot reshape input [2,3]: 6 elements");
	/* clang-format on */
	/* clang-format off */
	plan_err(G1("DuplicateToTimeSeriesVertex", "[\"a\"]", ",\"inputName\":\"c\""), 3, t,
		 -EINVAL,
		 "vertex 'v' (DuplicateToTimeSeriesVertex): reference input 'c' [3,3] is not "
		 "rank 3");
	/* clang-format on */
	/* clang-format off */
	plan_err(G1("LastTimeStepVertex", "[\"a\"]", ""), 3, t, -EINVAL,
		 "vertex 'v' (LastTimeStepVertex): input [2,3] is not rank 3 (RNN)");
	/* clang-format on */
	/* clang-format off */
	plan_err(G1("ReverseTimeSeriesVertex", "[\"a\"]", ""), 3, t, -EINVAL,
		 "vertex 'v' (ReverseTimeSeriesVertex): input [2,3] is not rank 3 (RNN)");
	/* clang-format on */
	/* clang-format off */
	plan_err(G1("PoolHelperVertex", "[\"b\"]", ""), 3, t, -EINVAL,
		 "vertex 'v' (PoolHelperVertex): input [2,2,1] is not rank 4 with height and width "
		 "of at least 2");
	/* clang-format on */
	/* FeedForwardToRnn with rows that are no multiple of the minibatch (input 0's batch) */
	t[2] = shp(2, 4, 2, 0, 0, 0);
	t[0] = shp(2, 3, 2, 0, 0, 0);
	/* clang-format off */
	plan_err(G1("PreprocessorVertex", "[\"c\"]",
		    ",\"preProcessor\":{\"@class\":\"" PRE "FeedForwardToRnnPreProcessor\"}"),
		 3, t, -EINVAL,
		 "vertex 'v' (PreprocessorVertex): FeedForwardToRnnPreProcessor: input [4,2]: "
		 "4 rows "
		 "are not a multiple of the minibatch 3");
	/* clang-format on */
#undef G1
}

/* Dense(3->4, relu) + Output(4->2, softmax): the same results unchunked, chunked with a
 * partial last chunk, and one row at a time (sgemv). */
static void test_chunked_batches(void **state)
{
	/* clang-format off */
	const char *json =
		"{\"confs\":[{\"layer\":{\"@class\":\"" LAY "DenseLayer\",\"nin\":3,\"nout\":4,"
		"\"activationFn\":{\"@class\":\"" ACTC "ReLU\"}}},{\"layer\":{\"@class\":\"" LAY
		"OutputLayer\",\"nin\":4,\"nout\":2,\"activationFn\":{\"@class\":\"" ACTC
		"Softmax\"}}}]}";
	/* clang-format on */
	float params[26], x[30], *full, *part, *one;
	struct built a, b;
	struct tensor s = shp(2, 10, 3, 0, 0, 0), s1 = shp(2, 1, 3, 0, 0, 0);

	(void)state;
	for (int i = 0; i < 26; i++)
		params[i] = (float)((i * 7) % 11) / 5.0f - 1.0f;
	for (int i = 0; i < 30; i++)
		x[i] = (float)((i * 5) % 13) / 4.0f - 1.5f;
	a = build(json, params, 26);
	b = build(json, params, 26);
	full = run1(a.n, &s, x, NULL);
	eng_net_set_chunk_floats(b.n, 40); /* 3 rows a chunk: 3 + 3 + 3 + 1 */
	part = run1(b.n, &s, x, NULL);
	assert_non_null(full);
	assert_non_null(part);
	expect_f(part, full, 20);
	for (int r = 0; r < 10; r++) {
		one = run1(a.n, &s1, x + 3 * r, NULL);
		assert_non_null(one);
		expect_f(one, full + 2 * r, 2);
		assert_float_equal(one[0] + one[1], 1.0f, 1e-6f);
		free(one);
	}
	free(full);
	free(part);
	unbuild(&a);
	unbuild(&b);
}

/* A chunked graph: two inputs, an output that is a view of an input, an output that other
 * vertices also read. a [7,2] = i, b [7,2] = 10 i: out = 2a + b, x1 = 2a, v = a (view). */
static void test_chunked_graph(void **state)
{
	/* clang-format off */
	const char *json =
		"{\"networkInputs\":[\"a\",\"b\"],\"vertices\":{"
		V("x1", "ScaleVertex\",\"scaleFactor\":2") ","
		V("out", "ElementWiseVertex\",\"op\":\"Add\"") ","
		V("v", "MergeVertex\"") "},"
		"\"vertexInputs\":{\"x1\":[\"a\"],\"out\":[\"x1\",\"b\"],\"v\":[\"a\"]},"
		"\"networkOutputs\":[\"out\",\"x1\",\"v\"]}";
	/* clang-format on */
	struct built g = build(json, NULL, 0);
	struct tensor sa = shp(2, 7, 2, 0, 0, 0), sb = sa, outs[3];
	const struct tensor *ins[2] = { &sa, &sb };
	struct tensor *outp[3] = { &outs[0], &outs[1], &outs[2] };
	struct err e = { 0 };
	float a[14], b[14], o[3][14];

	(void)state;
	for (int i = 0; i < 14; i++) {
		a[i] = (float)i;
		b[i] = 10.0f * (float)i;
	}
	eng_net_set_chunk_floats(g.n, 20); /* a few rows per chunk, the last one partial */
	assert_int_equal(eng_plan(g.n, 2, ins, &e), 0);
	for (int i = 0; i < 3; i++) {
		outs[i] = *eng_output_shape(g.n, i);
		assert_int_equal(outs[i].shape[0], 7);
		outs[i].data = o[i];
	}
	sa.data = a;
	sb.data = b;
	assert_int_equal(eng_forward(g.n, ins, outp, &e), 0);
	for (int i = 0; i < 14; i++) {
		assert_float_equal(o[0][i], 12.0f * (float)i, 0);
		assert_float_equal(o[1][i], 2.0f * (float)i, 0);
		assert_float_equal(o[2][i], (float)i, 0);
	}
	unbuild(&g);
}

static void test_net_errors(void **state)
{
	/* clang-format off */
	const char *dense = "{\"confs\":[{\"layer\":{\"@class\":\"" LAY "DenseLayer\",\"nin\":3,"
			    "\"nout\":2}}]}";
	/* clang-format on */
	static const float params[8] = { 0 };
	struct built b;
	struct tensor t, t2[2], o;
	const struct tensor *ins[2];
	struct tensor *outs[1] = { &o };
	struct err e;
	float x[4] = { 0 }, y[4];

	(void)state;
	/* clang-format off */
	net_err("{\"confs\":[{\"layer\":{\"@class\":\"" LAY "objdetect.Yolo2OutputLayer\"}}]}",
		NULL, 0, -ENOTSUP, "layer '0' (Yolo2OutputLayer): not supported by the engine");
	/* clang-format on */
	/* clang-format off */
	net_err("{\"confs\":[{\"layer\":{\"@class\":\"" LAY "ActivationLayer\","
		"\"layerName\":\"act\","
		"\"activationFn\":{\"@class\":\"" ACTC "Foo\"}}}]}",
		NULL, 0, -ENOTSUP,
		"layer 'act' (ActivationLayer): activation 'ActivationFoo' is not supported by the "
		"engine");
	/* clang-format on */
	/* clang-format off */
	net_err("{\"confs\":[{\"layer\":{\"@class\":\"com.example.Custom\",\"nin\":2,"
		"\"nout\":2},\"variables\":[]}]}",
		NULL, 0, -ENOTSUP, "layer '0' (com.example.Custom): not supported by the engine");
	/* clang-format on */
	/* clang-format off */
	net_err(dense, NULL, 8, -EINVAL, "no model or no parameters");
	/* clang-format on */

	b = build(dense, params, 8);
	memset(&e, 0, sizeof(e));
	ins[0] = &t;
	t = shp(2, 1, 3, 0, 0, 0);
	assert_null(eng_output_shape(b.n, 0));
	assert_int_equal(eng_forward(b.n, ins, outs, &e), -EINVAL);
	assert_string_equal(e.msg, "forward without a plan");
	t2[0] = t2[1] = t;
	ins[1] = &t2[1];
	memset(&e, 0, sizeof(e));
	assert_int_equal(eng_plan(b.n, 2, ins, &e), -EINVAL);
	assert_string_equal(e.msg, "network takes 1 inputs, got 2");
	t.dtype = DT_F64;
	memset(&e, 0, sizeof(e));
	assert_int_equal(eng_plan(b.n, 1, ins, &e), -EINVAL);
	assert_string_equal(e.msg, "input 0: dtype DOUBLE (the engine takes FLOAT)");
	t = shp(1, 3, 0, 0, 0, 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(eng_plan(b.n, 1, ins, &e), -EINVAL);
	assert_string_equal(e.msg, "input 0: rank 1 (the engine takes 2..5, batch first)");
	t = shp(2, 0, 3, 0, 0, 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(eng_plan(b.n, 1, ins, &e), -EINVAL);
	assert_string_equal(e.msg, "input 0: shape dimension 0 is 0 (empty or too large)");
	t = shp(2, 1, 4, 0, 0, 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(eng_plan(b.n, 1, ins, &e), -EINVAL);
	assert_string_equal(e.msg, "layer '0' (DenseLayer): input has 4 features, nIn is 3");
	/* a plan, then forward with other shapes */
	t = shp(2, 1, 3, 0, 0, 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(eng_plan(b.n, 1, ins, &e), 0);
	o = *eng_output_shape(b.n, 0);
	o.data = y;
	t.data = x;
	t.shape[1] = 4;
	assert_int_equal(eng_forward(b.n, ins, outs, &e), -EINVAL);
	assert_string_equal(e.msg, "input 0 does not match the planned shape");
	t.shape[1] = 3;
	o.shape[1] = 3;
	memset(&e, 0, sizeof(e));
	assert_int_equal(eng_forward(b.n, ins, outs, &e), -EINVAL);
	assert_string_equal(e.msg, "output 0 does not match the planned shape");
	o.shape[1] = 2;
	o.data = NULL;
	memset(&e, 0, sizeof(e));
	assert_int_equal(eng_forward(b.n, ins, outs, &e), -EINVAL);
	assert_string_equal(e.msg, "output 0 does not match the planned shape");
	unbuild(&b);

	/* a plan larger than the engine allows; refused before allocating */
	b = build("{\"confs\":[{\"layer\":" IDENT "}]}", NULL, 0);
	t = shp(2, 1, ((int64_t)1 << 30) + 1, 0, 0, 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(eng_plan(b.n, 1, ins, &e), -EOVERFLOW);
	assert_string_equal(e.msg, "plan needs 4096 MiB of activations (at most 4096 MiB)");
	unbuild(&b);
}

/* A model whose description is inconsistent (not something the codec makes, but the engine
 * must not trust it): parameter slices outside the coefficients, too many parameters, no
 * layers, too many outputs. */
static void test_model_errors(void **state)
{
	/* clang-format off */
	const char *dense = "{\"confs\":[{\"layer\":{\"@class\":\"" LAY "DenseLayer\",\"nin\":3,"
			    "\"nout\":2}}]}";
	/* clang-format on */
	static const float params[8] = { 0 };
	struct model *m = parse_model(dense, 8);
	struct eng_net *n = NULL;
	struct err e;
	char json[4096];
	size_t o;

	(void)state;
	assert_non_null(m);
	m->params[1].offset = 7; /* b [2] at 7..9 */
	memset(&e, 0, sizeof(e));
	assert_int_equal(eng_net_new(m, params, &n, &e), -EINVAL);
	assert_string_equal(
		e.msg, "layer '0' (DenseLayer): parameter 0_b lies outside the 8 coefficients");
	m->params[1].offset = 6;
	m->layers[0].n_params = 3;
	memset(&e, 0, sizeof(e));
	assert_int_equal(eng_net_new(m, params, &n, &e), -EINVAL);
	assert_string_equal(e.msg, "layer '0' (DenseLayer): parameter index out of range");
	m->layers[0].n_params = 9;
	memset(&e, 0, sizeof(e));
	assert_int_equal(eng_net_new(m, params, &n, &e), -ENOTSUP);
	assert_string_equal(e.msg, "layer '0' (DenseLayer): 9 parameters (the engine takes 8)");
	m->layers[0].n_params = 2;
	m->n_layers = 0;
	memset(&e, 0, sizeof(e));
	assert_int_equal(eng_net_new(m, params, &n, &e), -EINVAL);
	assert_string_equal(e.msg, "network has no layers");
	m->n_layers = 1;
	assert_int_equal(eng_net_new(m, params, &n, &e), 0);
	eng_net_free(n);
	model_free(m);

	/* 17 outputs */
	o = (size_t)snprintf(json, sizeof(json), "{\"networkInputs\":[\"a\"],\"vertices\":{");
	for (int i = 0; i < 17; i++)
		o += (size_t)snprintf(json + o, sizeof(json) - o,
				      "%s\"s%d\":{\"@class\":\"" GR "ScaleVertex\"}", i ? "," : "",
				      i);
	o += (size_t)snprintf(json + o, sizeof(json) - o, "},\"vertexInputs\":{");
	for (int i = 0; i < 17; i++)
		o += (size_t)snprintf(json + o, sizeof(json) - o, "%s\"s%d\":[\"a\"]", i ? "," : "",
				      i);
	o += (size_t)snprintf(json + o, sizeof(json) - o, "},\"networkOutputs\":[");
	for (int i = 0; i < 17; i++)
		o += (size_t)snprintf(json + o, sizeof(json) - o, "%s\"s%d\"", i ? "," : "", i);
	snprintf(json + o, sizeof(json) - o, "]}");
	net_err(json, NULL, 0, -ENOTSUP, "graph has 1 inputs and 17 outputs (at most 16 each)");
}

/* Every allocation of eng_net_new and eng_plan may fail: -ENOMEM, never a crash or leak. */
static void test_oom(void **state)
{
	/* clang-format off */
	const char *json =
		"{\"networkInputs\":[\"a\"],\"vertices\":{"
		V("x1", "ScaleVertex\",\"scaleFactor\":2") ","
		V("out", "ElementWiseVertex\",\"op\":\"Add\"") ","
		"\"d\":{\"@class\":\"" GR "LayerVertex\",\"layerConf\":{\"layer\":{\"@class\":\""
		LAY "DenseLayer\",\"nin\":2,\"nout\":1}},\"preProcessor\":{\"@class\":\"" PRE
		"CnnToFeedForwardPreProcessor\"}}},"
		"\"vertexInputs\":{\"x1\":[\"a\"],\"out\":[\"x1\",\"a\"],\"d\":[\"out\"]},"
		"\"networkOutputs\":[\"d\"]}";
	/* clang-format on */
	static const float params[3] = { 1, 2, 0.5f };
	struct model *m = parse_model(json, 3);
	struct tensor t = shp(2, 2, 2, 0, 0, 0);
	const struct tensor *ins[1] = { &t };
	bool done = false;

	(void)state;
	assert_non_null(m);
	for (long k = 1; !done && k < 200; k++) {
		struct eng_net *n = NULL;
		struct err e = { 0 };
		int rc;

		dl_alloc_fail_at(k);
		rc = eng_net_new(m, params, &n, &e);
		if (!rc)
			rc = eng_plan(n, 1, ins, &e);
		dl_alloc_fail_at(0);
		if (rc) {
			assert_int_equal(rc, -ENOMEM);
			assert_non_null(strstr(e.msg, "out of memory"));
		} else {
			done = true;
		}
		eng_net_free(n);
	}
	assert_true(done);
	model_free(m);
}

/* ------------------------------------------------------------------ BLAS */

/* eng_sgemm / eng_sgemv in every transpose combination against plain loops, with leading
 * dimensions larger than the matrices. */
static void test_blas(void **state)
{
	float a[4 * 5], b[5 * 6], c[3 * 7], want[3 * 7], x[5], y[4], yw[4], y5[5], w5[5];

	(void)state;
	for (int i = 0; i < 20; i++)
		a[i] = (float)(i % 7) - 3.0f;
	for (int i = 0; i < 30; i++)
		b[i] = (float)(i % 5) * 0.5f - 1.0f;
	for (int ta = 0; ta < 2; ta++)
		for (int tb = 0; tb < 2; tb++) {
			/* C[3x4] (ldc 7) = 2 op(A)[3x2] op(B)[2x4] + 0.5 C; A stored [3x2] ld 5
			 * or [2x3] ld 5 when transposed; B [2x4] ld 6 or [4x2] ld 6 */
			for (int i = 0; i < 21; i++)
				c[i] = want[i] = (float)i;
			for (int i = 0; i < 3; i++)
				for (int j = 0; j < 4; j++) {
					float s = 0;

					for (int k = 0; k < 2; k++)
						s += (ta ? a[k * 5 + i] : a[i * 5 + k]) *
						     (tb ? b[j * 6 + k] : b[k * 6 + j]);
					want[i * 7 + j] = 2.0f * s + 0.5f * want[i * 7 + j];
				}
			eng_sgemm(ta, tb, 3, 4, 2, 2.0f, a, 5, b, 6, 0.5f, c, 7);
			expect_f(c, want, 21);
		}
	/* y[4] = A[4x5] x[5] - y; y5[5] = A^T x[4] */
	for (int i = 0; i < 5; i++)
		x[i] = (float)i - 1.5f;
	for (int i = 0; i < 4; i++) {
		y[i] = 1.0f;
		yw[i] = -1.0f;
		for (int k = 0; k < 5; k++)
			yw[i] += a[i * 5 + k] * x[k];
	}
	eng_sgemv(false, 4, 5, 1.0f, a, 5, x, -1.0f, y);
	expect_f(y, yw, 4);
	for (int j = 0; j < 5; j++) {
		w5[j] = 0;
		for (int i = 0; i < 4; i++)
			w5[j] += a[i * 5 + j] * x[i];
	}
	eng_sgemv(true, 4, 5, 1.0f, a, 5, x, 0.0f, y5);
	expect_f(y5, w5, 5);
}

/* The preferred core follows the CPU's feature bits, read here straight from cpuid (leaf 1
 * ECX: fma 12, osxsave 27; leaf 7 EBX: avx2 5, avx512f 16, avx512dq 17, avx512bw 30,
 * avx512vl 31) and XCR0 (AVX state 0x6, AVX-512 state 0xe6), as OpenBLAS's own detection
 * does. (Not /proc/cpuinfo: under valgrind the program sees an emulated CPU.) */
static void test_blas_cores(void **state)
{
	unsigned a = 0, b = 0, c = 0, d = 0, b7 = 0, x0 = 0, x1 = 0;
	bool f512, bw, vl, dq, avx2, fma, os_avx = false, os_512 = false;
	const char *want = NULL, *pref = eng_blas_preferred_core(), *core = eng_blas_core();
	const char *up = eng_blas_upgrade_core();

	(void)state;
	assert_non_null(core);
	assert_true(core[0] != '\0');
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	fma = c >> 12 & 1;
	if (c >> 27 & 1) {
		__asm__ volatile("xgetbv" : "=a"(x0), "=d"(x1) : "c"(0));
		os_avx = (x0 & 0x6) == 0x6;
		os_512 = (x0 & 0xe6) == 0xe6;
	}
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b7), "=c"(c), "=d"(d) : "a"(7), "c"(0));
	avx2 = os_avx && (b7 >> 5 & 1);
	f512 = os_512 && (b7 >> 16 & 1);
	dq = b7 >> 17 & 1;
	bw = b7 >> 30 & 1;
	vl = b7 >> 31 & 1;
	(void)x1;
	if (f512 && bw && vl && dq)
		want = "SkylakeX";
	else if (avx2 && fma)
		want = "Haswell";
	if (want)
		assert_string_equal(pref, want);
	else
		assert_null(pref);
	print_message("OpenBLAS core %s, preferred %s, upgrade %s\n", core, pref ? pref : "-",
		      up ? up : "-");
	/* never an upgrade to what is loaded, nor away from an AVX-512 core */
	if (!pref || strcmp(core, pref) == 0 || strcmp(core, "Cooperlake") == 0 ||
	    strcmp(core, "SkylakeX") == 0)
		assert_null(up);
	if (pref && strcmp(pref, "SkylakeX") == 0 && strcmp(core, "Haswell") == 0)
		assert_string_equal(up, "SkylakeX");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_mlpmoon),
		cmocka_unit_test(test_golden_upsampling),
		cmocka_unit_test(test_golden_synthetic_cnn),
		cmocka_unit_test(test_golden_bidirectional_graph),
		cmocka_unit_test(test_custom_layer_refused),
		cmocka_unit_test(test_preprocessors),
		cmocka_unit_test(test_mln_time_fold),
		cmocka_unit_test(test_preprocessor_errors),
		cmocka_unit_test(test_graph_vertices),
		cmocka_unit_test(test_graph_time_vertices),
		cmocka_unit_test(test_graph_lifetimes),
		cmocka_unit_test(test_graph_errors),
		cmocka_unit_test(test_chunked_batches),
		cmocka_unit_test(test_chunked_graph),
		cmocka_unit_test(test_net_errors),
		cmocka_unit_test(test_model_errors),
		cmocka_unit_test(test_oom),
		cmocka_unit_test(test_blas),
		cmocka_unit_test(test_blas_cores),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
