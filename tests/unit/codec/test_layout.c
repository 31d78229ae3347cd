/* test_layout.c - codec_layout: FORMAT.md 6.2 keys/shapes/orders per layer type (hand
 * computed), the opaque-layer rule, every error path, and every real archive of the
 * corpus (parameter total = coefficients.bin element count read by an independent header
 * reader, keys = DL4J's "variables", shapes = DL4J's own gradients/<key>.bin arrays).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codec/alloc.h"
#include "codec/conf.h"

/* ------------------------------------------------------------------ helpers */

struct xp {
	const char *key;
	int rank;
	int64_t shape[5];
	char order;
};

static struct model *parse_ok(const char *json)
{
	struct err e = { 0 };
	struct model *m = NULL;
	int rc = codec_conf_parse(json, strlen(json), &m, &e);

	if (rc)
		print_error("parse failed: %s\n%s\n", e.msg, json);
	assert_int_equal(rc, 0);
	return m;
}

static int64_t numel(const struct xp *p)
{
	int64_t n = 1;

	for (int i = 0; i < p->rank; i++)
		n *= p->shape[i];
	return n;
}

/* Lays out json with the hand-computed total and compares every parameter. */
static struct model *check(const char *json, const struct xp *x, int nx)
{
	struct model *m = parse_ok(json);
	struct err e = { 0 };
	int64_t total = 0, off = 0;

	for (int i = 0; i < nx; i++)
		total += numel(&x[i]);
	if (codec_layout(m, total, &e))
		print_error("layout failed: %s\n%s\n", e.msg, json);
	assert_int_equal(e.code, 0);
	assert_int_equal(m->n_params, nx);
	for (int i = 0; i < nx; i++) {
		const struct param *p = &m->params[i];

		if (strcmp(p->key, x[i].key) != 0)
			print_error("param %d: key %s, expected %s\n", i, p->key, x[i].key);
		assert_string_equal(p->key, x[i].key);
		assert_int_equal(p->rank, x[i].rank);
		for (int d = 0; d < x[i].rank; d++)
			assert_int_equal(p->shape[d], x[i].shape[d]);
		assert_int_equal(p->order, x[i].order);
		assert_int_equal(p->offset, off);
		assert_int_equal(p->count, numel(&x[i]));
		off += p->count;
	}
	assert_int_equal(m->n_coeffs, total);
	return m;
}

static void check_free(const char *json, const struct xp *x, int nx)
{
	model_free(check(json, x, nx));
}

#define N(a)	    ((int)(sizeof(a) / sizeof((a)[0])))
#define L	    "org.deeplearning4j.nn.conf.layers."
#define MLN1(layer) "{\"confs\":[{\"layer\":" layer "}]}"

static void layout_err(const char *json, int64_t n, int code, const char *msg)
{
	struct model *m = parse_ok(json);
	struct err e = { 0 };

	assert_int_equal(codec_layout(m, n, &e), code);
	assert_int_equal(e.code, code);
	assert_string_equal(e.msg, msg);
	assert_int_equal(m->n_params, 0);
	model_free(m);
}

/* ------------------------------------------------------------------ per layer type */

static void test_dense_family(void **state)
{
	(void)state;
	/* DenseLayer nIn 3 nOut 4: W [3,4] f then b [1,4] (DL4J's bias views are row vectors) */
	static const struct xp d[] = { { "0_W", 2, { 3, 4 }, 'f' }, { "0_b", 2, { 1, 4 }, 'c' } };
	static const struct xp nb[] = { { "0_W", 2, { 3, 4 }, 'f' } };
	static const struct xp ln[] = { { "0_W", 2, { 3, 4 }, 'f' },
					{ "0_b", 2, { 1, 4 }, 'c' },
					{ "0_g", 2, { 1, 4 }, 'c' } };
	static const struct xp o[] = { { "0_W", 2, { 4, 2 }, 'f' }, { "0_b", 2, { 1, 2 }, 'c' } };
	static const struct xp cl[] = { { "0_W", 2, { 3, 2 }, 'f' },
					{ "0_b", 2, { 1, 2 }, 'c' },
					{ "0_cL", 2, { 2, 3 }, 'c' } };
	static const struct xp ae[] = { { "0_W", 2, { 4, 3 }, 'f' },
					{ "0_b", 2, { 1, 3 }, 'c' },
					{ "0_vb", 2, { 1, 4 }, 'c' } };

	check_free(MLN1("{\"@class\":\"" L "DenseLayer\",\"nin\":3,\"nout\":4}"), d, N(d));
	check_free(MLN1("{\"dense\":{\"nin\":3,\"nout\":4}}"), d, N(d));
	check_free(MLN1("{\"@class\":\"" L "DenseLayer\",\"nin\":3,\"nout\":4,\"hasBias\":false}"),
		   nb, N(nb));
	check_free(MLN1("{\"@class\":\"" L "DenseLayer\",\"nin\":3,\"nout\":4,"
			"\"hasLayerNorm\":true}"),
		   ln, N(ln));
	check_free(MLN1("{\"@class\":\"" L "OutputLayer\",\"nin\":4,\"nout\":2}"), o, N(o));
	check_free(MLN1("{\"rnnoutput\":{\"nin\":4,\"nout\":2}}"), o, N(o));
	/* CenterLossOutputLayer: W, b, cL [nOut, nIn] c; 2*3*2 + 2 = 14 */
	check_free(MLN1("{\"@class\":\"" L "CenterLossOutputLayer\",\"nin\":3,\"nout\":2}"), cl,
		   N(cl));
	/* AutoEncoder (PretrainParamInitializer): W, b, visible bias vb [1, nIn] */
	check_free(MLN1("{\"autoEncoder\":{\"nin\":4,\"nout\":3}}"), ae, N(ae));
}

static void test_embedding(void **state)
{
	static const struct xp e1[] = { { "0_W", 2, { 10, 3 }, 'f' }, { "0_b", 2, { 1, 3 }, 'c' } };
	static const struct xp e2[] = { { "0_W", 2, { 10, 3 }, 'f' } };

	(void)state;
	check_free(MLN1("{\"embedding\":{\"nin\":10,\"nout\":3}}"), e1, N(e1));
	check_free(MLN1("{\"@class\":\"" L "EmbeddingSequenceLayer\",\"nin\":10,\"nout\":3,"
			"\"hasBias\":false}"),
		   e2, N(e2));
}

static void test_conv_family(void **state)
{
	/* ConvolutionLayer nIn 2 nOut 3 k 2x2: b FIRST [1,3], W [3,2,2,2] c = 24 */
	static const struct xp c2[] = { { "0_b", 2, { 1, 3 }, 'c' },
					{ "0_W", 4, { 3, 2, 2, 2 }, 'c' } };
	static const struct xp c2nb[] = { { "0_W", 4, { 3, 2, 2, 2 }, 'c' } };
	/* Convolution1DLayer kernelSize [3,1]: W [3,2,3,1] */
	static const struct xp c1[] = { { "0_b", 2, { 1, 3 }, 'c' },
					{ "0_W", 4, { 3, 2, 3, 1 }, 'c' } };
	/* Convolution3D k 2x2x2: W [3,2,2,2,2] */
	static const struct xp c3[] = { { "0_b", 2, { 1, 3 }, 'c' },
					{ "0_W", 5, { 3, 2, 2, 2, 2 }, 'c' } };
	/* Deconvolution2D: W [nIn, nOut, kH, kW] */
	static const struct xp dc[] = { { "0_b", 2, { 1, 3 }, 'c' },
					{ "0_W", 4, { 2, 3, 2, 2 }, 'c' } };
	/* SeparableConvolution2D nIn 2 nOut 4 dm 2 k 3x3: b, W [2,2,3,3], pW [4,4,1,1] */
	static const struct xp sc[] = { { "0_b", 2, { 1, 4 }, 'c' },
					{ "0_W", 4, { 2, 2, 3, 3 }, 'c' },
					{ "0_pW", 4, { 4, 4, 1, 1 }, 'c' } };
	/* DepthwiseConvolution2D nIn 3 dm 2 k 2x2: b [1,6], W [2,2,3,2] */
	static const struct xp dw[] = { { "0_b", 2, { 1, 6 }, 'c' },
					{ "0_W", 4, { 2, 2, 3, 2 }, 'c' } };

	(void)state;
	check_free(MLN1("{\"@class\":\"" L "ConvolutionLayer\",\"nin\":2,\"nout\":3,"
			"\"kernelSize\":[2,2]}"),
		   c2, N(c2));
	check_free(MLN1("{\"convolution\":{\"nin\":2,\"nout\":3,\"kernelSize\":[2,2]}}"), c2,
		   N(c2));
	check_free(MLN1("{\"@class\":\"" L "ConvolutionLayer\",\"nin\":2,\"nout\":3,"
			"\"kernelSize\":[2,2],\"hasBias\":false}"),
		   c2nb, N(c2nb));
	check_free(MLN1("{\"@class\":\"" L "Convolution1DLayer\",\"nin\":2,\"nout\":3,"
			"\"kernelSize\":[3,1]}"),
		   c1, N(c1));
	check_free(MLN1("{\"@class\":\"" L "Convolution3D\",\"nin\":2,\"nout\":3,"
			"\"kernelSize\":[2,2,2],\"dataFormat\":\"NCDHW\"}"),
		   c3, N(c3));
	check_free(MLN1("{\"@class\":\"" L "Deconvolution2D\",\"nin\":2,\"nout\":3,"
			"\"kernelSize\":[2,2]}"),
		   dc, N(dc));
	check_free(MLN1("{\"@class\":\"" L "SeparableConvolution2D\",\"nin\":2,\"nout\":4,"
			"\"depthMultiplier\":2,\"kernelSize\":[3,3]}"),
		   sc, N(sc));
	check_free(MLN1("{\"@class\":\"" L "DepthwiseConvolution2D\",\"nin\":3,\"nout\":6,"
			"\"depthMultiplier\":2,\"kernelSize\":[2,2]}"),
		   dw, N(dw));
}

static void test_batchnorm(void **state)
{
	static const struct xp bn[] = { { "0_gamma", 2, { 1, 5 }, 'c' },
					{ "0_beta", 2, { 1, 5 }, 'c' },
					{ "0_mean", 2, { 1, 5 }, 'c' },
					{ "0_var", 2, { 1, 5 }, 'c' } };
	static const struct xp lk[] = { { "0_mean", 2, { 1, 5 }, 'c' },
					{ "0_var", 2, { 1, 5 }, 'c' } };
	static const struct xp ls[] = { { "0_gamma", 2, { 1, 5 }, 'c' },
					{ "0_beta", 2, { 1, 5 }, 'c' },
					{ "0_mean", 2, { 1, 5 }, 'c' },
					{ "0_log10stdev", 2, { 1, 5 }, 'c' } };

	(void)state;
	check_free(MLN1("{\"batchNormalization\":{\"nin\":5,\"nout\":5}}"), bn, N(bn));
	check_free(MLN1("{\"@class\":\"" L "BatchNormalization\",\"nin\":5,\"nout\":5,"
			"\"lockGammaBeta\":true}"),
		   lk, N(lk));
	check_free(MLN1("{\"@class\":\"" L "BatchNormalization\",\"nin\":5,\"nout\":5,"
			"\"useLogStd\":true}"),
		   ls, N(ls));
}

static void test_recurrent(void **state)
{
	/* LSTM nIn 3 n 2: W [3,8] f, RW [2,8] f, b [1,8] -> 4n(nIn+n+1) = 48 */
	static const struct xp ls[] = { { "0_W", 2, { 3, 8 }, 'f' },
					{ "0_RW", 2, { 2, 8 }, 'f' },
					{ "0_b", 2, { 1, 8 }, 'c' } };
	/* GravesLSTM: RW [2, 4n+3 = 11] (peepholes) */
	static const struct xp gl[] = { { "0_W", 2, { 3, 8 }, 'f' },
					{ "0_RW", 2, { 2, 11 }, 'f' },
					{ "0_b", 2, { 1, 8 }, 'c' } };
	static const struct xp gb[] = {
		{ "0_WF", 2, { 3, 8 }, 'f' },	{ "0_RWF", 2, { 2, 11 }, 'f' },
		{ "0_bF", 2, { 1, 8 }, 'c' },	{ "0_WB", 2, { 3, 8 }, 'f' },
		{ "0_RWB", 2, { 2, 11 }, 'f' }, { "0_bB", 2, { 1, 8 }, 'c' }
	};
	static const struct xp sr[] = { { "0_W", 2, { 3, 2 }, 'f' },
					{ "0_RW", 2, { 2, 2 }, 'f' },
					{ "0_b", 2, { 1, 2 }, 'c' } };
	static const struct xp srln[] = { { "0_W", 2, { 3, 2 }, 'f' },
					  { "0_RW", 2, { 2, 2 }, 'f' },
					  { "0_b", 2, { 1, 2 }, 'c' },
					  { "0_gx", 2, { 1, 2 }, 'c' },
					  { "0_gh", 2, { 1, 2 }, 'c' } };
	static const struct xp bi[] = {
		{ "0_fW", 2, { 3, 8 }, 'f' },  { "0_fRW", 2, { 2, 8 }, 'f' },
		{ "0_fb", 2, { 1, 8 }, 'c' },  { "0_bW", 2, { 3, 8 }, 'f' },
		{ "0_bRW", 2, { 2, 8 }, 'f' }, { "0_bb", 2, { 1, 8 }, 'c' }
	};

	(void)state;
	check_free(MLN1("{\"@class\":\"" L "LSTM\",\"nin\":3,\"nout\":2}"), ls, N(ls));
	check_free(MLN1("{\"LSTM\":{\"nin\":3,\"nout\":2}}"), ls, N(ls));
	check_free(MLN1("{\"gravesLSTM\":{\"nin\":3,\"nout\":2}}"), gl, N(gl));
	check_free(MLN1("{\"gravesBidirectionalLSTM\":{\"nin\":3,\"nout\":2}}"), gb, N(gb));
	check_free(MLN1("{\"@class\":\"" L "recurrent.SimpleRnn\",\"nin\":3,\"nout\":2}"), sr,
		   N(sr));
	check_free(MLN1("{\"@class\":\"" L "recurrent.SimpleRnn\",\"nin\":3,\"nout\":2,"
			"\"hasLayerNorm\":true}"),
		   srln, N(srln));
	check_free(MLN1("{\"@class\":\"" L "recurrent.Bidirectional\",\"mode\":\"ADD\","
			"\"fwd\":{\"@class\":\"" L "LSTM\",\"nin\":3,\"nout\":2},"
			"\"bwd\":{\"@class\":\"" L "LSTM\",\"nin\":3,\"nout\":2}}"),
		   bi, N(bi));
	check_free(MLN1("{\"Bidirectional\":{\"mode\":\"CONCAT\","
			"\"fwd\":{\"LSTM\":{\"nin\":3,\"nout\":2}},"
			"\"bwd\":{\"LSTM\":{\"nin\":3,\"nout\":2}}}}"),
		   bi, N(bi));
	/* LastTimeStep / MaskZeroLayer: the wrapped layer's own keys, no prefix */
	check_free(MLN1("{\"@class\":\"" L "recurrent.LastTimeStep\","
			"\"underlying\":{\"@class\":\"" L "LSTM\",\"nin\":3,\"nout\":2}}"),
		   ls, N(ls));
	check_free(MLN1("{\"@class\":\"" L "util.MaskZeroLayer\",\"maskingValue\":0.0,"
			"\"underlying\":{\"@class\":\"" L "recurrent.SimpleRnn\",\"nin\":3,"
			"\"nout\":2}}"),
		   sr, N(sr));
}

static void test_misc_layers(void **state)
{
	/* PReLU inputShape [3,4,5], sharedAxes [2,3] (1-based) -> W [3,1,1] f */
	static const struct xp p1[] = { { "0_W", 3, { 3, 1, 1 }, 'f' } };
	static const struct xp p2[] = { { "0_W", 3, { 3, 4, 5 }, 'f' } };
	static const struct xp ew[] = { { "0_W", 2, { 1, 4 }, 'c' }, { "0_b", 2, { 1, 4 }, 'c' } };
	/* FrozenLayer: unwrapped, same keys */
	static const struct xp fz[] = { { "0_W", 2, { 3, 4 }, 'f' }, { "0_b", 2, { 1, 4 }, 'c' } };

	(void)state;
	check_free(MLN1("{\"@class\":\"" L "PReLULayer\",\"nin\":60,\"nout\":60,"
			"\"inputShape\":[3,4,5],\"sharedAxes\":[2,3]}"),
		   p1, N(p1));
	check_free(MLN1("{\"@class\":\"" L "PReLULayer\",\"inputShape\":[3,4,5],"
			"\"sharedAxes\":null}"),
		   p2, N(p2));
	check_free(MLN1("{\"@class\":\"" L "misc.ElementWiseMultiplicationLayer\",\"nin\":4,"
			"\"nout\":4}"),
		   ew, N(ew));
	check_free(MLN1("{\"ElementWiseMult\":{\"nin\":4,\"nout\":4}}"), ew, N(ew));
	check_free(MLN1("{\"FrozenLayer\":{\"layer\":{\"dense\":{\"nin\":3,\"nout\":4}}}}"), fz,
		   N(fz));
	check_free(MLN1("{\"@class\":\"" L "misc.FrozenLayerWithBackprop\",\"underlying\":"
			"{\"@class\":\"" L "DenseLayer\",\"nin\":3,\"nout\":4}}"),
		   fz, N(fz));
}

static void test_vae(void **state)
{
	/* nIn 4, nOut 2, encoder [3], decoder [3]; Bernoulli: pXZ width = nIn = 4 */
	static const struct xp b[] = {
		{ "0_e0W", 2, { 4, 3 }, 'f' },	       { "0_e0b", 2, { 1, 3 }, 'c' },
		{ "0_pZXMeanW", 2, { 3, 2 }, 'f' },    { "0_pZXMeanb", 2, { 1, 2 }, 'c' },
		{ "0_pZXLogStd2W", 2, { 3, 2 }, 'f' }, { "0_pZXLogStd2b", 2, { 1, 2 }, 'c' },
		{ "0_d0W", 2, { 2, 3 }, 'f' },	       { "0_d0b", 2, { 1, 3 }, 'c' },
		{ "0_pXZW", 2, { 3, 4 }, 'f' },	       { "0_pXZb", 2, { 1, 4 }, 'c' },
	};
	/* two encoder layers [5,3], Gaussian: width 2 * nIn = 8 */
	static const struct xp g[] = {
		{ "0_e0W", 2, { 4, 5 }, 'f' },	       { "0_e0b", 2, { 1, 5 }, 'c' },
		{ "0_e1W", 2, { 5, 3 }, 'f' },	       { "0_e1b", 2, { 1, 3 }, 'c' },
		{ "0_pZXMeanW", 2, { 3, 2 }, 'f' },    { "0_pZXMeanb", 2, { 1, 2 }, 'c' },
		{ "0_pZXLogStd2W", 2, { 3, 2 }, 'f' }, { "0_pZXLogStd2b", 2, { 1, 2 }, 'c' },
		{ "0_d0W", 2, { 2, 3 }, 'f' },	       { "0_d0b", 2, { 1, 3 }, 'c' },
		{ "0_pXZW", 2, { 3, 8 }, 'f' },	       { "0_pXZb", 2, { 1, 8 }, 'c' },
	};
	/* Composite: sizes [2,2] of (Gaussian, Bernoulli): width 2*2 + 2 = 6 */
	static const struct xp c[] = {
		{ "0_e0W", 2, { 4, 3 }, 'f' },	       { "0_e0b", 2, { 1, 3 }, 'c' },
		{ "0_pZXMeanW", 2, { 3, 2 }, 'f' },    { "0_pZXMeanb", 2, { 1, 2 }, 'c' },
		{ "0_pZXLogStd2W", 2, { 3, 2 }, 'f' }, { "0_pZXLogStd2b", 2, { 1, 2 }, 'c' },
		{ "0_d0W", 2, { 2, 3 }, 'f' },	       { "0_d0b", 2, { 1, 3 }, 'c' },
		{ "0_pXZW", 2, { 3, 6 }, 'f' },	       { "0_pXZb", 2, { 1, 6 }, 'c' },
	};
#define VAE  "\"@class\":\"" L "variational.VariationalAutoencoder\",\"nin\":4,\"nout\":2,"
#define DIST "org.deeplearning4j.nn.conf.layers.variational."

	(void)state;
	check_free(MLN1("{" VAE "\"encoderLayerSizes\":[3],\"decoderLayerSizes\":[3],"
			"\"outputDistribution\":{\"@class\":\"" DIST
			"BernoulliReconstructionDistribution\"}}"),
		   b, N(b));
	check_free(MLN1("{\"VariationalAutoencoder\":{\"nin\":4,\"nout\":2,"
			"\"encoderLayerSizes\":[3],\"decoderLayerSizes\":[3],"
			"\"outputDistribution\":{\"Bernoulli\":{}}}}"),
		   b, N(b));
	check_free(MLN1("{" VAE "\"encoderLayerSizes\":[5,3],\"decoderLayerSizes\":[3],"
			"\"outputDistribution\":{\"@class\":\"" DIST
			"GaussianReconstructionDistribution\"}}"),
		   g, N(g));
	check_free(MLN1("{" VAE "\"encoderLayerSizes\":[3],\"decoderLayerSizes\":[3],"
			"\"outputDistribution\":{\"@class\":\"" DIST
			"CompositeReconstructionDistribution\",\"distributionSizes\":[2,2],"
			"\"reconstructionDistributions\":[{\"@class\":\"" DIST
			"GaussianReconstructionDistribution\"},{\"@class\":\"" DIST
			"BernoulliReconstructionDistribution\"}]}}"),
		   c, N(c));
}

static void test_no_param_layers(void **state)
{
	static const char *const layers[] = {
		"{\"@class\":\"" L "LossLayer\"}",
		"{\"@class\":\"" L "CnnLossLayer\"}",
		"{\"@class\":\"" L "RnnLossLayer\"}",
		"{\"@class\":\"" L "ActivationLayer\"}",
		"{\"@class\":\"" L "DropoutLayer\"}",
		"{\"@class\":\"" L "SubsamplingLayer\",\"kernelSize\":[2,2]}",
		"{\"@class\":\"" L "Subsampling1DLayer\",\"kernelSize\":[2,1]}",
		"{\"@class\":\"" L "Subsampling3DLayer\",\"kernelSize\":[2,2,2]}",
		"{\"@class\":\"" L "GlobalPoolingLayer\"}",
		"{\"@class\":\"" L "Upsampling1D\",\"size\":[2]}",
		"{\"@class\":\"" L "Upsampling2D\",\"size\":[2,2]}",
		"{\"@class\":\"" L "ZeroPaddingLayer\",\"padding\":[1,1,1,1]}",
		"{\"@class\":\"" L "ZeroPadding1DLayer\",\"padding\":[1,1]}",
		"{\"@class\":\"" L "convolutional.Cropping1D\",\"cropping\":[1,1]}",
		"{\"@class\":\"" L "convolutional.Cropping2D\",\"cropping\":[1,1,1,1]}",
		"{\"@class\":\"" L "LocalResponseNormalization\"}",
		"{\"@class\":\"" L "objdetect.Yolo2OutputLayer\"}",
		/* known DL4J layers without a layer_kind, still parameterless */
		"{\"@class\":\"" L "Upsampling3D\",\"size\":[2,2,2]}",
		"{\"@class\":\"" L "SpaceToDepthLayer\"}",
		"{\"@class\":\"" L "util.MaskLayer\"}",
	};
	char json[512];

	(void)state;
	for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++) {
		struct model *m;
		struct err e = { 0 };

		snprintf(json, sizeof(json), "{\"confs\":[{\"layer\":%s}]}", layers[i]);
		m = parse_ok(json);
		assert_int_equal(codec_layout(m, 0, &e), 0);
		assert_int_equal(m->n_params, 0);
		assert_int_equal(m->layers[0].param_count, 0);
		assert_false(m->flat_remainder);
		model_free(m);
	}
}

/* ------------------------------------------------------------------ opaque rule */

#define CUSTOM "{\"@class\":\"com.example.MyLayer\",\"nin\":6,\"nout\":7}"

static void test_opaque(void **state)
{
	static const struct xp dense[] = { { "0_W", 2, { 2, 6 }, 'f' },
					   { "0_b", 2, { 1, 6 }, 'c' },
					   { "1_W", 2, { 6, 7 }, 'f' },
					   { "1_b", 2, { 1, 7 }, 'c' } };
	static const struct xp flat[] = { { "0_W", 2, { 2, 6 }, 'f' },
					  { "0_b", 2, { 1, 6 }, 'c' },
					  { "1_params", 2, { 1, 50 }, 'c' } };
	static const struct xp one[] = { { "0_W", 2, { 2, 6 }, 'f' },
					 { "0_b", 2, { 1, 6 }, 'c' },
					 { "1_theta", 2, { 1, 5 }, 'c' } };
	static const struct xp empty[] = { { "0_W", 2, { 2, 6 }, 'f' },
					   { "0_b", 2, { 1, 6 }, 'c' } };
	static const struct xp wrap[] = { { "0_W", 2, { 3, 8 }, 'f' },
					  { "0_RW", 2, { 2, 8 }, 'f' },
					  { "0_b", 2, { 1, 8 }, 'c' } };
	/* two unknown layers around a known one: one flat span [1, 7 + 18] */
	static const struct xp span[] = { { "0_params", 2, { 1, 25 }, 'c' } };
	const char *mk = "{\"confs\":[{\"layer\":{\"dense\":{\"nin\":2,\"nout\":6}}},"
			 "{\"layer\":" CUSTOM ",\"variables\":[\"W\",\"b\"]}]}";
	struct model *m;
	struct err e = { 0 };

	(void)state;
	/* "variables" W,b and nIn/nOut known: Dense layout when it fits exactly (6*7+7) */
	m = check(mk, dense, N(dense));
	assert_false(m->flat_remainder);
	assert_int_equal(m->layers[1].kind, LK_OPAQUE);
	model_free(m);
	/* it does not fit: one flat parameter, flagged */
	m = check(mk, flat, N(flat));
	assert_true(m->flat_remainder);
	model_free(m);
	/* single variable name: used as the flat parameter's key */
	m = check("{\"confs\":[{\"layer\":{\"dense\":{\"nin\":2,\"nout\":6}}},"
		  "{\"layer\":{\"@class\":\"com.example.X\"},\"variables\":[\"theta\"]}]}",
		  one, N(one));
	assert_true(m->flat_remainder);
	model_free(m);
	/* "variables": [] is DL4J saying the layer has no parameters */
	m = check("{\"confs\":[{\"layer\":{\"dense\":{\"nin\":2,\"nout\":6}}},"
		  "{\"layer\":{\"@class\":\"com.example.Lambda\"},\"variables\":[]}]}",
		  empty, N(empty));
	assert_false(m->flat_remainder);
	model_free(m);
	/* no variables at all and nothing left over: zero, unambiguous */
	m = check("{\"confs\":[{\"layer\":{\"dense\":{\"nin\":2,\"nout\":6}}},"
		  "{\"layer\":{\"@class\":\"com.example.A\"}},"
		  "{\"layer\":{\"@class\":\"com.example.B\"}}]}",
		  empty, N(empty));
	assert_false(m->flat_remainder);
	model_free(m);
	/* an unknown wrapper (TimeDistributed) lays out its known inner layer */
	check_free(MLN1("{\"@class\":\"" L "recurrent.TimeDistributed\",\"underlying\":"
			"{\"@class\":\"" L "LSTM\",\"nin\":3,\"nout\":2}}"),
		   wrap, N(wrap));
	/* unknown, known (2*6+6 = 18), unknown: boundaries unknowable -> one span */
	m = check("{\"confs\":[{\"layer\":{\"@class\":\"com.example.A\"}},"
		  "{\"layer\":{\"dense\":{\"nin\":2,\"nout\":6}}},"
		  "{\"layer\":{\"@class\":\"com.example.B\"}}]}",
		  span, N(span));
	assert_true(m->flat_remainder);
	assert_int_equal(m->layers[0].n_params, 1);
	assert_int_equal(m->layers[1].n_params, 0);
	assert_int_equal(m->layers[2].n_params, 0);
	model_free(m);
	/* an unknown wrapper whose inner layer could not be read: unknown size, flat */
	m = parse_ok(MLN1("{\"@class\":\"com.example.Wrap\",\"underlying\":{\"@class\":\"" L
			  "recurrent.Bidirectional\",\"fwd\":{\"LSTM\":{}}}}"));
	assert_int_equal(codec_layout(m, 12, &e), 0);
	assert_int_equal(m->n_params, 1);
	assert_string_equal(m->params[0].key, "0_params");
	assert_true(m->flat_remainder);
	model_free(m);
	/* not enough coefficients even for the known layers */
	m = parse_ok(mk);
	assert_int_equal(codec_layout(m, 10, &e), -EBADMSG);
	assert_string_equal(e.msg, "configuration needs at least 18 parameters, coefficients.bin "
				   "holds 10");
	model_free(m);
}

static void test_cg_keys(void **state)
{
	/* CG keys are "<vertexName>_<key>", layers in topological order */
	static const struct xp x[] = { { "first_W", 2, { 2, 3 }, 'f' },
				       { "first_b", 2, { 1, 3 }, 'c' },
				       { "out_W", 2, { 3, 1 }, 'f' },
				       { "out_b", 2, { 1, 1 }, 'c' } };

	(void)state;
	check_free("{\"networkInputs\":[\"in\"],\"networkOutputs\":[\"out\"],"
		   "\"vertexInputs\":{\"out\":[\"first\"],\"first\":[\"in\"]},"
		   "\"vertices\":{"
		   "\"out\":{\"@class\":\"org.deeplearning4j.nn.conf.graph.LayerVertex\","
		   "\"layerConf\":{\"layer\":{\"@class\":\"" L "OutputLayer\",\"nin\":3,"
		   "\"nout\":1,\"layerName\":\"renamed\"}}},"
		   "\"first\":{\"@class\":\"org.deeplearning4j.nn.conf.graph.LayerVertex\","
		   "\"layerConf\":{\"layer\":{\"@class\":\"" L "DenseLayer\",\"nin\":2,"
		   "\"nout\":3}}}}}",
		   x, N(x));
}

static void test_relayout(void **state)
{
	struct model *m = parse_ok(MLN1("{\"dense\":{\"nin\":3,\"nout\":4}}"));
	struct err e = { 0 };

	(void)state;
	assert_int_equal(codec_layout(m, 16, &e), 0);
	assert_int_equal(codec_layout(m, 16, &e), 0); /* replaces, does not leak */
	assert_int_equal(m->n_params, 2);
	assert_int_equal(codec_layout(m, 17, &e), -EBADMSG);
	assert_int_equal(m->n_params, 0);
	model_free(m);
}

/* ------------------------------------------------------------------ errors */

static void test_errors(void **state)
{
	(void)state;
	layout_err(MLN1("{\"dense\":{\"nin\":3,\"nout\":4}}"), 15, -EBADMSG,
		   "configuration needs 16 parameters, coefficients.bin holds 15");
	layout_err(MLN1("{\"dense\":{\"nin\":3,\"nout\":4}}"), -1, -EBADMSG,
		   "negative parameter count -1");
	layout_err(MLN1("{\"dense\":{\"nout\":4}}"), 16, -EBADMSG,
		   "layer 0 (DenseLayer): nin is missing");
	layout_err(MLN1("{\"dense\":{\"nin\":4}}"), 16, -EBADMSG,
		   "layer 0 (DenseLayer): nout is missing");
	layout_err(MLN1("{\"convolution\":{\"nin\":4,\"nout\":2}}"), 16, -EBADMSG,
		   "layer 0 (ConvolutionLayer): kernelSize is missing");
	layout_err(MLN1("{\"dense\":{\"nin\":4611686018427387904,\"nout\":4}}"), 16, -EOVERFLOW,
		   "layer 0 (DenseLayer): parameter W has more elements than fit in 64 bits");
	layout_err("{\"confs\":[{\"layer\":{\"dense\":{\"nin\":2147483648,\"nout\":2147483648}}},"
		   "{\"layer\":{\"dense\":{\"nin\":2147483648,\"nout\":2147483648}}}]}",
		   16, -EOVERFLOW, "total parameter count overflows 64 bits");
	layout_err(MLN1("{\"LSTM\":{\"nin\":1,\"nout\":4611686018427387904}}"), 16, -EOVERFLOW,
		   "layer 0 (LSTM): 4 * nout overflows 64 bits");
	layout_err(MLN1("{\"@class\":\"" L "DepthwiseConvolution2D\",\"nin\":3,\"nout\":5,"
			"\"depthMultiplier\":2,\"kernelSize\":[2,2]}"),
		   16, -EBADMSG,
		   "layer 0 (DepthwiseConvolution2D): nout 5 is not nin * depthMultiplier = 6");
	layout_err(MLN1("{\"@class\":\"" L "PReLULayer\",\"nin\":3,\"nout\":3}"), 3, -EBADMSG,
		   "layer 0 (PReLULayer): inputShape is missing");
	layout_err(MLN1("{\"@class\":\"" L "PReLULayer\",\"inputShape\":[3],"
			"\"sharedAxes\":[2]}"),
		   3, -EBADMSG, "layer 0 (PReLULayer): shared axis 2 is outside inputShape (1..1)");
	layout_err(MLN1("{\"@class\":\"" L "variational.VariationalAutoencoder\",\"nin\":4,"
			"\"nout\":2}"),
		   3, -EBADMSG,
		   "layer 0 (VariationalAutoencoder): encoderLayerSizes / decoderLayerSizes are "
		   "missing");
	layout_err(MLN1("{\"@class\":\"" L "variational.VariationalAutoencoder\",\"nin\":4,"
			"\"nout\":2,\"encoderLayerSizes\":[3],\"decoderLayerSizes\":[3]}"),
		   3, -EBADMSG,
		   "layer 0 (VariationalAutoencoder): the outputDistribution size is missing");
	layout_err(MLN1("{\"dense\":{\"nin\":3,\"nout\":-1}}"), 3, -EBADMSG,
		   "layer 0 (DenseLayer): nout is missing");
	layout_err("{\"networkInputs\":[\"in\"],\"vertexInputs\":{\"v\":[\"in\"]},\"vertices\":"
		   "{\"v\":{\"LayerVertex\":{\"layerConf\":{\"layer\":{\"dense\":{\"nin\":2}}}}}}}",
		   3, -EBADMSG, "vertex 'v' (DenseLayer): nout is missing");
}

/* Every allocation failure is reported as -ENOMEM and leaks nothing (run under ASan). */
static void test_oom(void **state)
{
	const char *json =
		"{\"confs\":[{\"layer\":{\"dense\":{\"nin\":2,\"nout\":6}}},"
		"{\"layer\":" CUSTOM ",\"variables\":[\"W\",\"b\"]},"
		"{\"layer\":{\"Bidirectional\":{\"fwd\":{\"LSTM\":{\"nin\":7,\"nout\":2}},"
		"\"bwd\":{\"LSTM\":{\"nin\":7,\"nout\":2}}}}}]}";
	struct model *m = parse_ok(json);
	int64_t n = 18 + 49 + 2 * 4 * 2 * (7 + 2 + 1);

	(void)state;
	for (long k = 1; k < 200; k++) {
		struct err e = { 0 };
		int rc;

		dl_alloc_fail_at(k);
		rc = codec_layout(m, n, &e);
		dl_alloc_fail_at(0);
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_string_equal(e.msg, "out of memory");
	}
	assert_int_equal(m->n_params, 10);
	model_free(m);
}

/* ------------------------------------------------------------------ corpus */

#define MAX_ARCHIVES 128

static char *archives[MAX_ARCHIVES];
static int n_archives;

static int collect(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	unsigned char magic[4];
	FILE *f;

	(void)st;
	(void)ftw;
	if (type != FTW_F || n_archives == MAX_ARCHIVES)
		return 0;
	f = fopen(path, "rb");
	if (!f)
		return 0;
	if (fread(magic, 1, 4, f) == 4 && memcmp(magic, "PK\3\4", 4) == 0)
		archives[n_archives++] = strdup(path);
	fclose(f);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int corpus_setup(void **state)
{
	struct stat st;

	(void)state;
	if (stat(DLFS_CORPUS_DIR, &st) != 0)
		return 0;
	nftw(DLFS_CORPUS_DIR, collect, 16, FTW_PHYS);
	qsort(archives, (size_t)n_archives, sizeof(*archives), cmp_str);
	return 0;
}

static int corpus_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < n_archives; i++)
		free(archives[i]);
	return 0;
}

/* Reads a whole file, or one zip entry through `unzip -p` (independent of codec/zip.c). */
static char *slurp(const char *archive, const char *entry, size_t *len)
{
	char cmd[2048];
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap + 1);
	FILE *f;

	if (entry) {
		snprintf(cmd, sizeof(cmd), "unzip -p '%s' '%s' 2>/dev/null", archive, entry);
		f = popen(cmd, "r");
	} else {
		f = fopen(archive, "rb");
	}
	assert_non_null(f);
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		}
	}
	if (entry)
		pclose(f);
	else
		fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static uint64_t be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Tiny independent ND4J header reader (FORMAT.md 2.1): shape and element count. */
struct nd_hdr {
	int rank;
	int64_t shape[8];
	int64_t n;
	char dtype[16];
};

static size_t nd_buffer_head(const unsigned char *b, size_t o, int64_t *len, char *type)
{
	size_t n = (size_t)be(b + o, 2);
	char mode[32] = { 0 };
	bool small;

	memcpy(mode, b + o + 2, n < 31 ? n : 31);
	o += 2 + n;
	small = !strcmp(mode, "DIRECT") || !strcmp(mode, "HEAP") || !strcmp(mode, "JAVACPP");
	*len = (int64_t)be(b + o, small ? 4 : 8);
	if (small && *len > INT32_MAX)
		*len -= (int64_t)1 << 32;
	o += small ? 4 : 8;
	n = (size_t)be(b + o, 2);
	memset(type, 0, 16);
	memcpy(type, b + o + 2, n < 15 ? n : 15);
	return o + 2 + n;
}

static void nd_read(const char *archive, const char *entry, struct nd_hdr *h)
{
	size_t len, o;
	char *buf = slurp(archive, entry, &len), type[16];
	const unsigned char *b = (const unsigned char *)buf;
	int64_t n;
	int w;

	assert_true(len > 16);
	o = nd_buffer_head(b, 0, &n, type);
	w = strcmp(type, "INT") == 0 ? 4 : 8;
	h->rank = (int)be(b + o, w);
	assert_true(h->rank >= 0 && h->rank <= 8);
	for (int i = 0; i < h->rank; i++)
		h->shape[i] = (int64_t)be(b + o + (size_t)(i + 1) * (size_t)w, w);
	o += (size_t)n * (size_t)w;
	nd_buffer_head(b, o, &h->n, h->dtype);
	free(buf);
}

static bool is_conv_family(enum layer_kind k)
{
	return k == LK_CONV1D || k == LK_CONV2D || k == LK_CONV3D || k == LK_DECONV2D ||
	       k == LK_SEPCONV2D || k == LK_DWCONV2D;
}

/* Our keys for layer i equal DL4J's per-layer "variables" list. DL4J registers conv
 * variables as W[, pW], b although the bias view comes first in the flat vector
 * (ConvolutionParamInitializer), so for conv layers "b" is moved to the front. */
static void check_layer_variables(const struct model *m, int i)
{
	const struct layer *l = &m->layers[i];
	const char *expect[64];
	int n = 0;

	if (!l->variables || !l->n_variables)
		return;
	assert_true(l->n_variables < 64);
	if (is_conv_family(l->kind))
		for (int j = 0; j < l->n_variables; j++)
			if (strcmp(l->variables[j], "b") == 0)
				expect[n++] = "b";
	for (int j = 0; j < l->n_variables; j++)
		if (!is_conv_family(l->kind) || strcmp(l->variables[j], "b") != 0)
			expect[n++] = l->variables[j];
	assert_int_equal(l->n_params, n);
	for (int j = 0; j < n; j++)
		assert_string_equal(m->params[l->first_param + j].short_key, expect[j]);
}

/* defaultConfiguration.variables of a graph, by plain text search. */
static int graph_variables(const char *json, char names[][96], int max)
{
	const char *p = strstr(json, "\"defaultConfiguration\"");
	int n = 0;

	if (!p || !(p = strstr(p, "\"variables\"")) || !(p = strchr(p, '[')))
		return -1;
	for (p++; n < max;) {
		const char *q;

		p += strspn(p, " \t\r\n,");
		if (*p != '"')
			break;
		q = strchr(p + 1, '"');
		snprintf(names[n++], 96, "%.*s", (int)(q - p - 1), p + 1);
		p = q + 1;
	}
	return n;
}

static int find_param(const struct model *m, const char *key)
{
	for (int i = 0; i < m->n_params; i++)
		if (strcmp(m->params[i].key, key) == 0)
			return i;
	return -1;
}

/* CG: defaultConfiguration.variables lists every parameter, grouped by vertex in JSON
 * insertion order (ComputationGraph.init), while the flat vector follows the topological
 * order. Both must agree on the keys of every vertex. */
static void check_graph_variables(const struct model *m, const char *json)
{
	static char names[4096][96];
	int n = graph_variables(json, names, 4096), seen = 0;

	assert_true(n >= 0);
	assert_int_equal(n, m->n_params);
	for (int i = 0; i < n; i++) {
		int p = find_param(m, names[i]);
		const struct param *pp;
		const struct layer *l;
		int j = 0;

		if (p < 0)
			print_error("graph variable %s not in the layout\n", names[i]);
		assert_true(p >= 0);
		pp = &m->params[p];
		l = &m->layers[pp->layer];
		if (is_conv_family(l->kind))
			continue;
		/* the run of names for this layer is exactly its parameters in order */
		if (p == l->first_param) {
			for (j = 0; j < l->n_params; j++)
				assert_string_equal(names[i + j], m->params[p + j].key);
			seen += l->n_params;
		}
	}
	assert_true(seen > 0);
}

static void check_archive(const char *path)
{
	struct err e = { 0 };
	struct model *m = NULL;
	struct nd_hdr coef;
	size_t len;
	char *json = slurp(path, "configuration.json", &len);
	int64_t total = 0;

	nd_read(path, "coefficients.bin", &coef);
	if (codec_conf_parse(json, len, &m, &e) || codec_layout(m, coef.n, &e))
		print_error("%s: %s\n", path, e.msg);
	assert_int_equal(e.code, 0);
	for (int i = 0; i < m->n_params; i++) {
		assert_int_equal(m->params[i].offset, total);
		total += m->params[i].count;
	}
	assert_int_equal(total, coef.n);
	assert_false(m->flat_remainder);
	if (m->has_dtype)
		assert_string_equal(tensor_dtype_info[m->dtype].nd4j, coef.dtype);
	for (int i = 0; i < m->n_layers; i++)
		check_layer_variables(m, i);
	if (m->type == NET_CG)
		check_graph_variables(m, json);
	model_free(m);
	free(json);
}

static void test_corpus_archives(void **state)
{
	(void)state;
	if (!n_archives) {
		print_message("corpus not found at %s: skipped\n", DLFS_CORPUS_DIR);
		skip();
	}
	/* 20 dl4j-test-resources archives and 8 wild ones */
	assert_true(n_archives >= 28);
	for (int i = 0; i < n_archives; i++)
		check_archive(archives[i]);
}

static const char *const integration[] = {
	"MLPMnist",
	"MLPMoon",
	"RnnCsvSequenceClassification1",
	"RnnCsvSequenceClassification2",
};

/* DL4J wrote gradients/<key>.bin per parameter: same key set, same shapes. Also the
 * pre-init config.mlc.json (variables still empty) lays out identically. */
static void test_corpus_gradients(void **state)
{
	char dir[1024], path[1200];

	(void)state;
	if (!n_archives)
		skip();
	for (size_t t = 0; t < sizeof(integration) / sizeof(integration[0]); t++) {
		struct err e = { 0 };
		struct model *m = NULL, *m2 = NULL;
		struct nd_hdr h, post;
		size_t len;
		char *json;
		int found = 0;

		snprintf(dir, sizeof(dir), "%s/dl4j-test-resources/dl4j-integration-tests/%s",
			 DLFS_CORPUS_DIR, integration[t]);
		snprintf(path, sizeof(path), "%s/Model_RANDOM_INIT_UNTRAINED.zip", dir);
		json = slurp(path, "configuration.json", &len);
		nd_read(path, "coefficients.bin", &h);
		assert_int_equal(codec_conf_parse(json, len, &m, &e), 0);
		assert_int_equal(codec_layout(m, h.n, &e), 0);
		free(json);
		for (int i = 0; i < m->n_params; i++) {
			const struct param *p = &m->params[i];
			struct nd_hdr g;

			snprintf(path, sizeof(path), "%s/gradients/%s.bin", dir, p->key);
			nd_read(path, NULL, &g);
			found++;
			assert_int_equal(g.n, p->count);
			assert_int_equal(g.rank, p->rank);
			for (int d = 0; d < p->rank; d++)
				assert_int_equal(g.shape[d], p->shape[d]);
		}
		assert_true(found >= 4);
		/* config.mlc.json + paramsPostTrain.bin */
		snprintf(path, sizeof(path), "%s/config.mlc.json", dir);
		json = slurp(path, NULL, &len);
		snprintf(path, sizeof(path), "%s/paramsPostTrain.bin", dir);
		nd_read(path, NULL, &post);
		assert_int_equal(post.n, h.n);
		assert_int_equal(codec_conf_parse(json, len, &m2, &e), 0);
		assert_int_equal(codec_layout(m2, post.n, &e), 0);
		assert_int_equal(m2->n_params, m->n_params);
		for (int i = 0; i < m->n_params; i++) {
			assert_string_equal(m2->params[i].key, m->params[i].key);
			assert_int_equal(m2->params[i].offset, m->params[i].offset);
		}
		free(json);
		model_free(m);
		model_free(m2);
	}
}

/* Gradient files name exactly the model's parameters (no extra, none missing). */
static int count_gradients(const char *dir)
{
	char cmd[1200];
	int n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ls '%s/gradients' | grep -c '\\.bin$'", dir);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &n), 1);
	pclose(f);
	return n;
}

static void test_corpus_gradient_count(void **state)
{
	char dir[1024], path[1200];

	(void)state;
	if (!n_archives)
		skip();
	for (size_t t = 0; t < sizeof(integration) / sizeof(integration[0]); t++) {
		struct err e = { 0 };
		struct model *m = NULL;
		struct nd_hdr h;
		size_t len;
		char *json;

		snprintf(dir, sizeof(dir), "%s/dl4j-test-resources/dl4j-integration-tests/%s",
			 DLFS_CORPUS_DIR, integration[t]);
		snprintf(path, sizeof(path), "%s/Model_RANDOM_INIT_UNTRAINED.zip", dir);
		json = slurp(path, "configuration.json", &len);
		nd_read(path, "coefficients.bin", &h);
		assert_int_equal(codec_conf_parse(json, len, &m, &e), 0);
		assert_int_equal(codec_layout(m, h.n, &e), 0);
		assert_int_equal(count_gradients(dir), m->n_params);
		free(json);
		model_free(m);
	}
}

/* Hand-checked layouts of three archives: known offsets, not only totals. */
static void test_corpus_known_layouts(void **state)
{
	char path[1200];
	struct err e = { 0 };
	struct model *m = NULL;
	struct nd_hdr h;
	size_t len;
	char *json;

	(void)state;
	if (!n_archives)
		skip();
	/* 100b6 CustomLayerExample: Dense 5->6, CustomLayer 6->7 (Dense layout), Output 7->8:
	 * 36 + 49 + 64 = 149 */
	snprintf(path, sizeof(path),
		 "%s/dl4j-test-resources/regression_testing/100b6/"
		 "CustomLayerExample_100b6_float.bin",
		 DLFS_CORPUS_DIR);
	json = slurp(path, "configuration.json", &len);
	nd_read(path, "coefficients.bin", &h);
	assert_int_equal(h.n, 149);
	assert_int_equal(codec_conf_parse(json, len, &m, &e), 0);
	assert_int_equal(codec_layout(m, h.n, &e), 0);
	assert_int_equal(m->layers[1].kind, LK_OPAQUE);
	assert_string_equal(m->params[2].key, "1_W");
	assert_int_equal(m->params[2].shape[0], 6);
	assert_int_equal(m->params[2].shape[1], 7);
	assert_int_equal(m->params[2].order, 'f');
	assert_int_equal(m->params[2].offset, 36);
	assert_string_equal(m->params[3].key, "1_b");
	assert_int_equal(m->params[3].count, 7);
	assert_int_equal(m->params[3].offset, 78);
	assert_int_equal(m->params[4].offset, 85);
	model_free(m);
	free(json);

	/* 080 CG_LSTM: GravesLSTM 3->4 (W 12*... ) = 3*16 + 4*19 + 16 = 140, GravesBidirectional
	 * 4->4 = 2 * (4*16 + 4*19 + 16) = 312, RnnOutput 4->5 = 25: 477 */
	snprintf(path, sizeof(path),
		 "%s/dl4j-test-resources/regression_testing/080/"
		 "080_ModelSerializer_Regression_CG_LSTM_1.zip",
		 DLFS_CORPUS_DIR);
	json = slurp(path, "configuration.json", &len);
	nd_read(path, "coefficients.bin", &h);
	assert_int_equal(h.n, 477);
	assert_int_equal(codec_conf_parse(json, len, &m, &e), 0);
	assert_int_equal(codec_layout(m, h.n, &e), 0);
	assert_int_equal(m->layers[0].param_count, 140);
	assert_int_equal(m->layers[1].param_count, 312);
	assert_string_equal(m->params[4].key, "1_RWF");
	assert_int_equal(m->params[4].shape[1], 19);
	assert_string_equal(m->params[9].key, "2_W");
	assert_int_equal(m->params[9].offset, 452);
	model_free(m);
	free(json);

	/* Hwanghyebin99 CG: topological order puts num_dense_1d_age (W [1,1], b) first even
	 * though defaultConfiguration.variables starts with num_dense_2d_age */
	snprintf(path, sizeof(path),
		 "%s/wild/Hwanghyebin99__Refresh_RestApi_Server__"
		 "MyMultiLayerNetwork.zip",
		 DLFS_CORPUS_DIR);
	json = slurp(path, "configuration.json", &len);
	nd_read(path, "coefficients.bin", &h);
	assert_int_equal(codec_conf_parse(json, len, &m, &e), 0);
	assert_int_equal(codec_layout(m, h.n, &e), 0);
	assert_string_equal(m->params[0].key, "num_dense_1d_age_W");
	assert_string_equal(m->params[2].key, "num_dense_2d_age_W");
	assert_int_equal(m->params[2].offset, 2);
	model_free(m);
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dense_family),
		cmocka_unit_test(test_embedding),
		cmocka_unit_test(test_conv_family),
		cmocka_unit_test(test_batchnorm),
		cmocka_unit_test(test_recurrent),
		cmocka_unit_test(test_misc_layers),
		cmocka_unit_test(test_vae),
		cmocka_unit_test(test_no_param_layers),
		cmocka_unit_test(test_opaque),
		cmocka_unit_test(test_cg_keys),
		cmocka_unit_test(test_relayout),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_oom),
		cmocka_unit_test(test_corpus_archives),
		cmocka_unit_test(test_corpus_gradients),
		cmocka_unit_test(test_corpus_gradient_count),
		cmocka_unit_test(test_corpus_known_layouts),
	};
	int rc = cmocka_run_group_tests(tests, corpus_setup, corpus_teardown);

	if (!n_archives) {
		fprintf(stderr, "corpus not found at %s: corpus tests skipped\n", DLFS_CORPUS_DIR);
		return rc ? rc : 77;
	}
	return rc;
}
