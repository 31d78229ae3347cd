/* test_conf.c - codec_conf_parse: both JSON dialects for every layer, activation,
 * preprocessor, vertex and updater form; MLN and CG shells; DL4J's topological order;
 * every error path (code and message); and field values of real corpus archives checked
 * against what their configuration.json says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codec/alloc.h"
#include "codec/conf.h"
#include "tests/unit/codec/unzip.h"

#define L	    "org.deeplearning4j.nn.conf.layers."
#define A	    "org.nd4j.linalg.activations.impl."
#define G	    "org.deeplearning4j.nn.conf.graph."
#define P	    "org.deeplearning4j.nn.conf.preprocessor."
#define U	    "org.nd4j.linalg.learning.config."
#define MLN1(layer) "{\"confs\":[{\"layer\":" layer "}]}"
#define N(a)	    ((int)(sizeof(a) / sizeof((a)[0])))
#define DNAN	    ((double)NAN)

static struct model *parse_ok(const char *json)
{
	struct err e = { 0 };
	struct model *m = NULL;
	int rc = codec_conf_parse(json, strlen(json), &m, &e);

	if (rc)
		print_error("parse failed: %s\n%s\n", e.msg, json);
	assert_int_equal(rc, 0);
	assert_non_null(m);
	return m;
}

static void parse_err(const char *json, int code, const char *msg)
{
	struct err e = { 0 };
	struct model *m = NULL;
	int rc = codec_conf_parse(json, strlen(json), &m, &e);

	if (rc != code || strcmp(e.msg, msg) != 0)
		print_error("json: %s\ngot %d '%s'\n", json, rc, e.msg);
	assert_int_equal(rc, code);
	assert_int_equal(e.code, code);
	assert_string_equal(e.msg, msg);
	assert_null(m);
}

/* ------------------------------------------------------------------ layer kinds */

struct kind_case {
	const char *layer;
	enum layer_kind kind;
};

static void test_layer_kinds(void **state)
{
	static const struct kind_case cases[] = {
		{ "{\"@class\":\"" L "DenseLayer\"}", LK_DENSE },
		{ "{\"dense\":{}}", LK_DENSE },
		{ "{\"@class\":\"" L "OutputLayer\"}", LK_OUTPUT },
		{ "{\"output\":{}}", LK_OUTPUT },
		{ "{\"@class\":\"" L "RnnOutputLayer\"}", LK_RNN_OUTPUT },
		{ "{\"rnnoutput\":{}}", LK_RNN_OUTPUT },
		{ "{\"@class\":\"" L "CenterLossOutputLayer\"}", LK_CENTER_LOSS_OUTPUT },
		{ "{\"CenterLossOutputLayer\":{}}", LK_CENTER_LOSS_OUTPUT },
		{ "{\"@class\":\"" L "LossLayer\"}", LK_LOSS },
		{ "{\"loss\":{}}", LK_LOSS },
		{ "{\"@class\":\"" L "CnnLossLayer\"}", LK_CNN_LOSS },
		{ "{\"CnnLossLayer\":{}}", LK_CNN_LOSS },
		{ "{\"@class\":\"" L "RnnLossLayer\"}", LK_RNN_LOSS },
		{ "{\"RnnLossLayer\":{}}", LK_RNN_LOSS },
		{ "{\"@class\":\"" L "Convolution1DLayer\"}", LK_CONV1D },
		{ "{\"convolution1d\":{}}", LK_CONV1D },
		{ "{\"@class\":\"" L "ConvolutionLayer\"}", LK_CONV2D },
		{ "{\"convolution\":{}}", LK_CONV2D },
		{ "{\"@class\":\"" L "Convolution3D\"}", LK_CONV3D },
		{ "{\"@class\":\"" L "Deconvolution2D\"}", LK_DECONV2D },
		{ "{\"@class\":\"" L "SeparableConvolution2D\"}", LK_SEPCONV2D },
		{ "{\"@class\":\"" L "DepthwiseConvolution2D\"}", LK_DWCONV2D },
		{ "{\"@class\":\"" L "Subsampling1DLayer\"}", LK_SUBSAMPLING1D },
		{ "{\"subsampling1d\":{}}", LK_SUBSAMPLING1D },
		{ "{\"@class\":\"" L "SubsamplingLayer\"}", LK_SUBSAMPLING2D },
		{ "{\"subsampling\":{}}", LK_SUBSAMPLING2D },
		{ "{\"@class\":\"" L "Subsampling3DLayer\"}", LK_SUBSAMPLING3D },
		{ "{\"@class\":\"" L "GlobalPoolingLayer\"}", LK_GLOBAL_POOLING },
		{ "{\"GlobalPooling\":{}}", LK_GLOBAL_POOLING },
		{ "{\"@class\":\"" L "Upsampling1D\"}", LK_UPSAMPLING1D },
		{ "{\"@class\":\"" L "Upsampling2D\"}", LK_UPSAMPLING2D },
		{ "{\"Upsampling2D\":{}}", LK_UPSAMPLING2D },
		{ "{\"@class\":\"" L "ZeroPadding1DLayer\"}", LK_ZEROPAD1D },
		{ "{\"zeroPadding1d\":{}}", LK_ZEROPAD1D },
		{ "{\"@class\":\"" L "ZeroPaddingLayer\"}", LK_ZEROPAD2D },
		{ "{\"zeroPadding\":{}}", LK_ZEROPAD2D },
		{ "{\"@class\":\"" L "convolutional.Cropping1D\"}", LK_CROPPING1D },
		{ "{\"Cropping1D\":{}}", LK_CROPPING1D },
		{ "{\"@class\":\"" L "convolutional.Cropping2D\"}", LK_CROPPING2D },
		{ "{\"Cropping2D\":{}}", LK_CROPPING2D },
		{ "{\"@class\":\"" L "BatchNormalization\"}", LK_BATCHNORM },
		{ "{\"batchNormalization\":{}}", LK_BATCHNORM },
		{ "{\"@class\":\"" L "LocalResponseNormalization\"}", LK_LRN },
		{ "{\"localResponseNormalization\":{}}", LK_LRN },
		{ "{\"@class\":\"" L "ActivationLayer\"}", LK_ACTIVATION },
		{ "{\"activation\":{}}", LK_ACTIVATION },
		{ "{\"@class\":\"" L "DropoutLayer\"}", LK_DROPOUT },
		{ "{\"dropout\":{}}", LK_DROPOUT },
		{ "{\"@class\":\"" L "LSTM\"}", LK_LSTM },
		{ "{\"LSTM\":{}}", LK_LSTM },
		{ "{\"@class\":\"" L "GravesLSTM\"}", LK_GRAVES_LSTM },
		{ "{\"gravesLSTM\":{}}", LK_GRAVES_LSTM },
		{ "{\"@class\":\"" L "GravesBidirectionalLSTM\"}", LK_GRAVES_BILSTM },
		{ "{\"gravesBidirectionalLSTM\":{}}", LK_GRAVES_BILSTM },
		{ "{\"@class\":\"" L "recurrent.SimpleRnn\"}", LK_SIMPLE_RNN },
		{ "{\"SimpleRnn\":{}}", LK_SIMPLE_RNN },
		{ "{\"@class\":\"" L "EmbeddingLayer\"}", LK_EMBEDDING },
		{ "{\"embedding\":{}}", LK_EMBEDDING },
		{ "{\"@class\":\"" L "EmbeddingSequenceLayer\"}", LK_EMBEDDING_SEQ },
		{ "{\"@class\":\"" L "PReLULayer\"}", LK_PRELU },
		{ "{\"@class\":\"" L "misc.ElementWiseMultiplicationLayer\"}",
		  LK_ELEMENTWISE_MULT },
		{ "{\"ElementWiseMult\":{}}", LK_ELEMENTWISE_MULT },
		{ "{\"@class\":\"" L "AutoEncoder\"}", LK_AUTOENCODER },
		{ "{\"autoEncoder\":{}}", LK_AUTOENCODER },
		{ "{\"@class\":\"" L "variational.VariationalAutoencoder\"}", LK_VAE },
		{ "{\"VariationalAutoencoder\":{}}", LK_VAE },
		{ "{\"@class\":\"" L "objdetect.Yolo2OutputLayer\"}", LK_YOLO2 },
		{ "{\"Yolo2OutputLayer\":{}}", LK_YOLO2 },
		/* user and SameDiff classes, including a user class named like a DL4J one */
		{ "{\"@class\":\"com.example.DenseLayer\"}", LK_OPAQUE },
		{ "{\"@class\":\"" L "samediff.SameDiffLambdaLayer\"}", LK_OPAQUE },
		{ "{\"CustomLayer\":{\"nin\":6}}", LK_OPAQUE },
	};
	char json[512];

	(void)state;
	for (int i = 0; i < N(cases); i++) {
		struct model *m;
		const char *cls;

		snprintf(json, sizeof(json), "{\"confs\":[{\"layer\":%s}]}", cases[i].layer);
		m = parse_ok(json);
		assert_int_equal(m->n_layers, 1);
		if (m->layers[0].kind != cases[i].kind)
			print_error("case %d %s: kind %s\n", i, cases[i].layer,
				    layer_kind_name(m->layers[0].kind));
		assert_int_equal(m->layers[0].kind, cases[i].kind);
		/* cls is the "@class" value or the wrapper key, as written */
		cls = strstr(cases[i].layer, "@class") ? cases[i].layer + 11 : cases[i].layer + 2;
		assert_memory_equal(m->layers[0].cls, cls, strlen(m->layers[0].cls));
		assert_string_equal(m->layers[0].name, "0");
		assert_int_equal(m->layers[0].n_in, strstr(cases[i].layer, "\"nin\"") ? 6 : -1);
		assert_true(m->layers[0].has_bias);
		model_free(m);
	}
}

static void test_layer_fields(void **state)
{
	struct model *m;
	const struct layer *l;

	(void)state;
	/* convolution: kernel / stride / padding / dilation / mode / format */
	m = parse_ok(MLN1("{\"@class\":\"" L "ConvolutionLayer\",\"nin\":2,\"nout\":3,"
			  "\"kernelSize\":[3,5],\"stride\":[2,1],\"padding\":[1,2],"
			  "\"dilation\":[2,3],\"convolutionMode\":\"Same\","
			  "\"cnn2dDataFormat\":\"NHWC\",\"hasBias\":false,\"layerName\":\"c1\"}"));
	l = &m->layers[0];
	assert_string_equal(l->name, "c1");
	assert_int_equal(l->nd, 2);
	assert_int_equal(l->kernel[0], 3);
	assert_int_equal(l->kernel[1], 5);
	assert_int_equal(l->stride[0], 2);
	assert_int_equal(l->stride[1], 1);
	assert_int_equal(l->pad[0], 1);
	assert_int_equal(l->pad[1], 2);
	assert_int_equal(l->dilation[0], 2);
	assert_int_equal(l->dilation[1], 3);
	assert_int_equal(l->conv_mode, CM_SAME);
	assert_string_equal(l->data_format, "NHWC");
	assert_false(l->has_bias);
	model_free(m);

	/* defaults: stride 1, padding 0, dilation 1, Truncate; 0.5.0 convolutionType */
	m = parse_ok(MLN1("{\"convolution\":{\"kernelSize\":[2,2],\"convolutionType\":\"SAME\"}}"));
	l = &m->layers[0];
	assert_int_equal(l->stride[1], 1);
	assert_int_equal(l->pad[1], 0);
	assert_int_equal(l->dilation[0], 1);
	assert_int_equal(l->conv_mode, CM_SAME);
	model_free(m);
	m = parse_ok(
		MLN1("{\"convolution\":{\"kernelSize\":[2,2],\"convolutionType\":\"VALID\"}}"));
	assert_int_equal(m->layers[0].conv_mode, CM_TRUNCATE);
	model_free(m);

	/* 1-D and 3-D */
	m = parse_ok(MLN1("{\"@class\":\"" L "Convolution1DLayer\",\"kernelSize\":[4,1],"
			  "\"stride\":[2,1],\"convolutionMode\":\"Causal\","
			  "\"rnnDataFormat\":\"NWC\"}"));
	l = &m->layers[0];
	assert_int_equal(l->nd, 1);
	assert_int_equal(l->kernel[0], 4);
	assert_int_equal(l->stride[0], 2);
	assert_int_equal(l->conv_mode, CM_CAUSAL);
	assert_string_equal(l->data_format, "NWC");
	model_free(m);
	m = parse_ok(MLN1("{\"@class\":\"" L "Subsampling3DLayer\",\"kernelSize\":[2,3,4],"
			  "\"stride\":[1,2,3],\"poolingType\":\"AVG\",\"dataFormat\":\"NCDHW\","
			  "\"convolutionMode\":\"Strict\"}"));
	l = &m->layers[0];
	assert_int_equal(l->nd, 3);
	assert_int_equal(l->kernel[2], 4);
	assert_int_equal(l->stride[2], 3);
	assert_int_equal(l->pool, POOL_AVG);
	assert_int_equal(l->conv_mode, CM_STRICT);
	assert_string_equal(l->data_format, "NCDHW");
	assert_true(l->avg_include_pad); /* absent -> true */
	model_free(m);

	/* pooling */
	m = parse_ok(MLN1("{\"@class\":\"" L "SubsamplingLayer\",\"kernelSize\":[2,2],"
			  "\"poolingType\":\"PNORM\",\"pnorm\":3,\"eps\":1e-5,"
			  "\"avgPoolIncludePadInDivisor\":false}"));
	l = &m->layers[0];
	assert_int_equal(l->pool, POOL_PNORM);
	assert_true(l->pnorm == 3.0);
	assert_true(l->eps == 1e-5);
	assert_false(l->avg_include_pad);
	model_free(m);
	m = parse_ok(MLN1("{\"subsampling\":{\"poolingType\":\"SUM\"}}"));
	assert_int_equal(m->layers[0].pool, POOL_SUM);
	model_free(m);

	/* global pooling */
	m = parse_ok(MLN1("{\"@class\":\"" L "GlobalPoolingLayer\",\"poolingType\":\"MAX\","
			  "\"poolingDimensions\":[2,3],\"collapseDimensions\":false,\"pnorm\":2}"));
	l = &m->layers[0];
	assert_int_equal(l->n_pool_dims, 2);
	assert_int_equal(l->pool_dims[0], 2);
	assert_int_equal(l->pool_dims[1], 3);
	assert_false(l->collapse);
	model_free(m);
	m = parse_ok(
		MLN1("{\"GlobalPooling\":{\"poolingType\":\"AVG\",\"poolingDimensions\":null}}"));
	assert_int_equal(m->layers[0].n_pool_dims, 0);
	assert_true(m->layers[0].collapse);
	model_free(m);

	/* padding, cropping, upsampling (int and array sizes) */
	m = parse_ok("{\"confs\":[{\"layer\":{\"zeroPadding\":{\"padding\":[1,2,3,4]}}},"
		     "{\"layer\":{\"@class\":\"" L "ZeroPadding1DLayer\",\"padding\":[5,6]}},"
		     "{\"layer\":{\"Cropping2D\":{\"cropping\":[7,8]}}},"
		     "{\"layer\":{\"@class\":\"" L
		     "convolutional.Cropping1D\",\"cropping\":[9,1]}},"
		     "{\"layer\":{\"Upsampling2D\":{\"size\":2}}},"
		     "{\"layer\":{\"@class\":\"" L "Upsampling2D\",\"size\":[3,4]}},"
		     "{\"layer\":{\"@class\":\"" L "Upsampling1D\",\"size\":[5]}}]}");
	assert_int_equal(m->layers[0].zpad[0], 1);
	assert_int_equal(m->layers[0].zpad[3], 4);
	assert_int_equal(m->layers[1].zpad[0], 5);
	assert_int_equal(m->layers[1].zpad[1], 6);
	assert_int_equal(m->layers[2].crop[0], 7); /* [h, w]: symmetric */
	assert_int_equal(m->layers[2].crop[1], 7);
	assert_int_equal(m->layers[2].crop[2], 8);
	assert_int_equal(m->layers[2].crop[3], 8);
	assert_int_equal(m->layers[3].crop[0], 9);
	assert_int_equal(m->layers[3].crop[1], 1);
	assert_int_equal(m->layers[4].up_size[0], 2);
	assert_int_equal(m->layers[4].up_size[1], 2);
	assert_int_equal(m->layers[5].up_size[0], 3);
	assert_int_equal(m->layers[5].up_size[1], 4);
	assert_int_equal(m->layers[6].up_size[0], 5);
	model_free(m);

	/* batch norm, LRN */
	m = parse_ok("{\"confs\":[{\"layer\":{\"batchNormalization\":{\"nin\":4,\"nout\":4,"
		     "\"eps\":0.001,\"decay\":0.8,\"lockGammaBeta\":true,\"gamma\":2.0,"
		     "\"beta\":0.5,\"useLogStd\":true}}},"
		     "{\"layer\":{\"localResponseNormalization\":{\"k\":1.5,\"n\":3,"
		     "\"alpha\":0.01,\"beta\":0.5}}},"
		     "{\"layer\":{\"@class\":\"" L "BatchNormalization\"}},"
		     "{\"layer\":{\"@class\":\"" L "LocalResponseNormalization\"}}]}");
	l = &m->layers[0];
	assert_true(l->eps == 0.001);
	assert_true(l->bn_decay == 0.8);
	assert_true(l->lock_gamma_beta);
	assert_true(l->bn_gamma == 2.0);
	assert_true(l->bn_beta == 0.5);
	assert_true(l->use_log_std);
	l = &m->layers[1];
	assert_true(l->lrn_k == 1.5 && l->lrn_n == 3 && l->lrn_alpha == 0.01 && l->lrn_beta == 0.5);
	l = &m->layers[2]; /* DL4J defaults */
	assert_true(l->eps == 1e-5 && l->bn_decay == 0.9 && l->bn_gamma == 1.0 &&
		    l->bn_beta == 0.0);
	assert_false(l->lock_gamma_beta);
	assert_false(l->use_log_std);
	l = &m->layers[3];
	assert_true(l->lrn_k == 2 && l->lrn_n == 5 && l->lrn_alpha == 1e-4 && l->lrn_beta == 0.75);
	model_free(m);

	/* separable / depthwise multiplier; PReLU shapes */
	m = parse_ok("{\"confs\":[{\"layer\":{\"@class\":\"" L "SeparableConvolution2D\","
		     "\"depthMultiplier\":3}},{\"layer\":{\"@class\":\"" L
		     "DepthwiseConvolution2D\"}},{\"layer\":{\"@class\":\"" L "PReLULayer\","
		     "\"inputShape\":[3,4,5],\"sharedAxes\":[1]}}]}");
	assert_int_equal(m->layers[0].depth_mult, 3);
	assert_int_equal(m->layers[1].depth_mult, 1);
	assert_int_equal(m->layers[2].n_input_shape, 3);
	assert_int_equal(m->layers[2].input_shape[2], 5);
	assert_int_equal(m->layers[2].n_shared_axes, 1);
	assert_int_equal(m->layers[2].shared_axes[0], 1);
	model_free(m);

	/* VAE */
	m = parse_ok(MLN1("{\"@class\":\"" L "variational.VariationalAutoencoder\",\"nin\":10,"
			  "\"nout\":2,\"encoderLayerSizes\":[8,6],\"decoderLayerSizes\":[5],"
			  "\"pzxActivationFn\":{\"@class\":\"" A "ActivationTanH\"},"
			  "\"outputDistribution\":{\"@class\":\"" L "variational."
			  "GaussianReconstructionDistribution\"}}"));
	l = &m->layers[0];
	assert_int_equal(l->n_enc, 2);
	assert_int_equal(l->enc_sizes[1], 6);
	assert_int_equal(l->n_dec, 1);
	assert_int_equal(l->dec_sizes[0], 5);
	assert_int_equal(l->pzx_act.kind, ACT_TANH);
	assert_int_equal(l->pxz_width, 20);
	model_free(m);

	/* loss names in the three forms */
	m = parse_ok("{\"confs\":[{\"layer\":{\"output\":{\"lossFunction\":\"MCXENT\"}}},"
		     "{\"layer\":{\"output\":{\"lossFn\":{\"MSE\":{}},\"lossFunction\":\"MSE\"}}},"
		     "{\"layer\":{\"@class\":\"" L "OutputLayer\",\"lossFn\":{\"@class\":"
		     "\"org.nd4j.linalg.lossfunctions.impl.LossNegativeLogLikelihood\"}}},"
		     "{\"layer\":{\"@class\":\"" L "OutputLayer\",\"lossFn\":{\"@class\":"
		     "\"com.example.MyLoss\"}}},{\"layer\":{\"dense\":{}}}]}");
	assert_string_equal(m->layers[0].loss, "MCXENT");
	assert_string_equal(m->layers[1].loss, "MSE");
	assert_string_equal(m->layers[2].loss, "NegativeLogLikelihood");
	assert_string_equal(m->layers[3].loss, "MyLoss");
	assert_null(m->layers[4].loss);
	model_free(m);
}

static void test_wrappers(void **state)
{
	struct model *m;
	const struct layer *l;

	(void)state;
	/* Bidirectional: fwd/bwd full layers, mode, sizes and updater from fwd */
	m = parse_ok(MLN1("{\"@class\":\"" L "recurrent.Bidirectional\",\"mode\":\"AVERAGE\","
			  "\"fwd\":{\"@class\":\"" L "LSTM\",\"nin\":3,\"nout\":2,"
			  "\"activationFn\":{\"@class\":\"" A "ActivationReLU\"},"
			  "\"gateActivationFn\":{\"@class\":\"" A "ActivationHardSigmoid\"},"
			  "\"iupdater\":{\"@class\":\"" U "Adam\",\"learningRate\":0.1}},"
			  "\"bwd\":{\"@class\":\"" L
			  "recurrent.SimpleRnn\",\"nin\":3,\"nout\":2}}"));
	l = &m->layers[0];
	assert_int_equal(l->kind, LK_BIDIRECTIONAL);
	assert_int_equal(l->bidir, BI_AVERAGE);
	assert_int_equal(l->fwd->kind, LK_LSTM);
	assert_int_equal(l->bwd->kind, LK_SIMPLE_RNN);
	assert_int_equal(l->fwd->act.kind, ACT_RELU);
	assert_int_equal(l->fwd->gate_act.kind, ACT_HARDSIGMOID);
	assert_int_equal(l->bwd->gate_act.kind, ACT_SIGMOID); /* default */
	assert_int_equal(l->n_in, 3);
	assert_int_equal(l->n_out, 2);
	assert_string_equal(l->updater, "Adam");
	assert_string_equal(l->updater_cfg, "{\"@class\":\"" U "Adam\",\"learningRate\":0.1}");
	assert_non_null(l->fwd->json);
	model_free(m);
	m = parse_ok("{\"confs\":[" /* every mode, legacy form */
		     "{\"layer\":{\"Bidirectional\":{\"mode\":\"CONCAT\",\"fwd\":{\"LSTM\":{}},"
		     "\"bwd\":{\"LSTM\":{}}}}},"
		     "{\"layer\":{\"Bidirectional\":{\"mode\":\"ADD\",\"fwd\":{\"LSTM\":{}},"
		     "\"bwd\":{\"LSTM\":{}}}}},"
		     "{\"layer\":{\"Bidirectional\":{\"mode\":\"MUL\",\"fwd\":{\"LSTM\":{}},"
		     "\"bwd\":{\"LSTM\":{}}}}}]}");
	assert_int_equal(m->layers[0].bidir, BI_CONCAT);
	assert_int_equal(m->layers[1].bidir, BI_ADD);
	assert_int_equal(m->layers[2].bidir, BI_MUL);
	model_free(m);

	/* LastTimeStep / MaskZeroLayer keep the inner layer in fwd */
	m = parse_ok("{\"confs\":[{\"layer\":{\"@class\":\"" L "recurrent.LastTimeStep\","
		     "\"underlying\":{\"@class\":\"" L "LSTM\",\"nin\":4,\"nout\":5}}},"
		     "{\"layer\":{\"@class\":\"" L "util.MaskZeroLayer\",\"maskingValue\":-1.0,"
		     "\"underlying\":{\"@class\":\"" L "recurrent.SimpleRnn\",\"nin\":5,"
		     "\"nout\":6}}}]}");
	assert_int_equal(m->layers[0].kind, LK_LAST_TIME_STEP);
	assert_int_equal(m->layers[0].fwd->kind, LK_LSTM);
	assert_int_equal(m->layers[0].n_out, 5);
	assert_int_equal(m->layers[1].kind, LK_MASK_ZERO);
	assert_true(m->layers[1].mask_value == -1.0);
	assert_int_equal(m->layers[1].fwd->n_in, 5);
	model_free(m);

	/* FrozenLayer (legacy "layer") and FrozenLayerWithBackprop ("underlying"): unwrapped,
	 * frozen, no updater state (DL4J's getUpdaterByParam is null) */
	m = parse_ok("{\"confs\":[{\"layer\":{\"FrozenLayer\":{\"layer\":{\"convolution\":"
		     "{\"nin\":3,\"nout\":4,\"kernelSize\":[1,1],\"layerName\":\"c\","
		     "\"updater\":\"ADAM\"}}}}},"
		     "{\"layer\":{\"@class\":\"" L "misc.FrozenLayerWithBackprop\","
		     "\"layerName\":\"outer\",\"underlying\":{\"@class\":\"" L "DenseLayer\","
		     "\"nin\":4,\"nout\":5}}}]}");
	l = &m->layers[0];
	assert_int_equal(l->kind, LK_CONV2D);
	assert_true(l->frozen);
	assert_string_equal(l->cls, "convolution");
	assert_string_equal(l->name, "c");
	assert_string_equal(l->updater, "NoOp");
	assert_int_equal(strncmp(l->json, "{\"FrozenLayer\":", 15), 0);
	l = &m->layers[1];
	assert_int_equal(l->kind, LK_DENSE);
	assert_true(l->frozen);
	assert_string_equal(l->name, "outer");
	assert_int_equal(l->n_out, 5);
	model_free(m);

	/* unknown wrapper: opaque, but keeps a recognisable inner layer */
	m = parse_ok(MLN1("{\"@class\":\"" L "recurrent.TimeDistributed\",\"underlying\":"
			  "{\"@class\":\"" L "DenseLayer\",\"nin\":2,\"nout\":3}}"));
	assert_int_equal(m->layers[0].kind, LK_OPAQUE);
	assert_non_null(m->layers[0].fwd);
	assert_int_equal(m->layers[0].fwd->kind, LK_DENSE);
	model_free(m);
	/* a custom layer with an unrelated "layer" field stays a plain opaque layer */
	m = parse_ok(MLN1("{\"@class\":\"com.example.X\",\"layer\":{\"foo\":1}}"));
	assert_null(m->layers[0].fwd);
	model_free(m);
	/* unknown classes are never an error: odd common fields are ignored, a broken inner
	 * layer is demoted to opaque */
	m = parse_ok(MLN1("{\"@class\":\"com.example.X\",\"nin\":\"six\",\"nout\":7,"
			  "\"activationFn\":42,\"layerName\":[1]}"));
	assert_int_equal(m->layers[0].kind, LK_OPAQUE);
	assert_int_equal(m->layers[0].n_in, -1);
	assert_string_equal(m->layers[0].name, "0");
	model_free(m);
	m = parse_ok(MLN1("{\"@class\":\"com.example.Wrap\",\"underlying\":"
			  "{\"@class\":\"" L "Bidirectional\",\"fwd\":{\"LSTM\":{}}}}"));
	assert_int_equal(m->layers[0].kind, LK_OPAQUE);
	assert_int_equal(m->layers[0].fwd->kind, LK_OPAQUE);
	model_free(m);
}

/* ------------------------------------------------------------------ activations */

struct act_case {
	const char *json; /* value of activationFn / activationFunction */
	const char *key;
	enum act_kind kind;
	const char *name;
	double p0, p1, p2;
};

static void test_activations(void **state)
{
	static const struct act_case cases[] = {
		/* 0.5 - 0.7.1 strings (Activation enum, case-insensitive) */
		{ "\"relu\"", "activationFunction", ACT_RELU, "relu", DNAN, DNAN, DNAN },
		{ "\"leakyrelu\"", "activationFunction", ACT_LEAKYRELU, "leakyrelu", 0.01, DNAN,
		  DNAN },
		{ "\"tanh\"", "activationFunction", ACT_TANH, "tanh", DNAN, DNAN, DNAN },
		{ "\"sigmoid\"", "activationFunction", ACT_SIGMOID, "sigmoid", DNAN, DNAN, DNAN },
		{ "\"softmax\"", "activationFunction", ACT_SOFTMAX, "softmax", DNAN, DNAN, DNAN },
		{ "\"softsign\"", "activationFunction", ACT_SOFTSIGN, "softsign", DNAN, DNAN,
		  DNAN },
		{ "\"identity\"", "activationFunction", ACT_IDENTITY, "identity", DNAN, DNAN,
		  DNAN },
		{ "\"linear\"", "activationFunction", ACT_IDENTITY, "linear", DNAN, DNAN, DNAN },
		{ "\"HARDTANH\"", "activationFunction", ACT_HARDTANH, "HARDTANH", DNAN, DNAN,
		  DNAN },
		{ "\"elu\"", "activationFunction", ACT_ELU, "elu", 1.0, DNAN, DNAN },
		{ "\"softplus\"", "activationFunction", ACT_SOFTPLUS, "softplus", DNAN, DNAN,
		  DNAN },
		{ "\"cube\"", "activationFunction", ACT_CUBE, "cube", DNAN, DNAN, DNAN },
		{ "\"hardsigmoid\"", "activationFunction", ACT_HARDSIGMOID, "hardsigmoid", DNAN,
		  DNAN, DNAN },
		{ "\"rrelu\"", "activationFunction", ACT_RRELU, "rrelu", 1.0 / 8, 1.0 / 3, DNAN },
		/* 0.8.0 - 1.0.0-alpha wrapper keys (LegacyIActivationDeserializer) */
		{ "{\"Cube\":{}}", "activationFn", ACT_CUBE, "Cube", DNAN, DNAN, DNAN },
		{ "{\"ELU\":{\"alpha\":0.5}}", "activationFn", ACT_ELU, "ELU", 0.5, DNAN, DNAN },
		{ "{\"HardSigmoid\":{}}", "activationFn", ACT_HARDSIGMOID, "HardSigmoid", DNAN,
		  DNAN, DNAN },
		{ "{\"HardTanh\":{}}", "activationFn", ACT_HARDTANH, "HardTanh", DNAN, DNAN, DNAN },
		{ "{\"Identity\":{}}", "activationFn", ACT_IDENTITY, "Identity", DNAN, DNAN, DNAN },
		{ "{\"LReLU\":{\"alpha\":0.2}}", "activationFn", ACT_LEAKYRELU, "LReLU", 0.2, DNAN,
		  DNAN },
		{ "{\"RationalTanh\":{}}", "activationFn", ACT_RATIONALTANH, "RationalTanh", DNAN,
		  DNAN, DNAN },
		{ "{\"RectifiedTanh\":{}}", "activationFn", ACT_RECTIFIEDTANH, "RectifiedTanh",
		  DNAN, DNAN, DNAN },
		{ "{\"SELU\":{}}", "activationFn", ACT_SELU, "SELU", DNAN, DNAN, DNAN },
		{ "{\"SWISH\":{}}", "activationFn", ACT_SWISH, "SWISH", DNAN, DNAN, DNAN },
		{ "{\"ReLU\":{}}", "activationFn", ACT_RELU, "ReLU", DNAN, DNAN, DNAN },
		{ "{\"RReLU\":{\"l\":0.1,\"u\":0.2}}", "activationFn", ACT_RRELU, "RReLU", 0.1, 0.2,
		  DNAN },
		{ "{\"Sigmoid\":{}}", "activationFn", ACT_SIGMOID, "Sigmoid", DNAN, DNAN, DNAN },
		{ "{\"Softmax\":{}}", "activationFn", ACT_SOFTMAX, "Softmax", DNAN, DNAN, DNAN },
		{ "{\"SoftPlus\":{}}", "activationFn", ACT_SOFTPLUS, "SoftPlus", DNAN, DNAN, DNAN },
		{ "{\"SoftSign\":{}}", "activationFn", ACT_SOFTSIGN, "SoftSign", DNAN, DNAN, DNAN },
		{ "{\"TanH\":{}}", "activationFn", ACT_TANH, "TanH", DNAN, DNAN, DNAN },
		{ "{\"ReLU6\":{}}", "activationFn", ACT_RELU6, "ReLU6", DNAN, DNAN, DNAN },
		/* "@class" (1.0.0-beta+) */
		{ "{\"@class\":\"" A "ActivationReLU\"}", "activationFn", ACT_RELU,
		  "ActivationReLU", DNAN, DNAN, DNAN },
		{ "{\"@class\":\"" A "ActivationReLU\",\"max\":6.0,\"threshold\":0.5,"
		  "\"negativeSlope\":0.1}",
		  "activationFn", ACT_RELU, "ActivationReLU", 6.0, 0.5, 0.1 },
		{ "{\"@class\":\"" A "ActivationLReLU\",\"alpha\":0.3}", "activationFn",
		  ACT_LEAKYRELU, "ActivationLReLU", 0.3, DNAN, DNAN },
		{ "{\"@class\":\"" A "ActivationLReLU\"}", "activationFn", ACT_LEAKYRELU,
		  "ActivationLReLU", 0.01, DNAN, DNAN },
		{ "{\"@class\":\"" A "ActivationThresholdedReLU\",\"theta\":2.0}", "activationFn",
		  ACT_THRESHOLDEDRELU, "ActivationThresholdedReLU", 2.0, DNAN, DNAN },
		{ "{\"@class\":\"" A "ActivationGELU\"}", "activationFn", ACT_GELU,
		  "ActivationGELU", DNAN, DNAN, DNAN },
		{ "{\"@class\":\"" A "ActivationMish\"}", "activationFn", ACT_MISH,
		  "ActivationMish", DNAN, DNAN, DNAN },
		{ "{\"@class\":\"" A "ActivationHardTanH\"}", "activationFn", ACT_HARDTANH,
		  "ActivationHardTanH", DNAN, DNAN, DNAN },
		{ "{\"@class\":\"" A "ActivationSwish\"}", "activationFn", ACT_SWISH,
		  "ActivationSwish", DNAN, DNAN, DNAN },
		{ "{\"@class\":\"" A "ActivationSoftmax\"}", "activationFn", ACT_SOFTMAX,
		  "ActivationSoftmax", DNAN, DNAN, DNAN },
		/* unknown: kept by name */
		{ "{\"@class\":\"com.example.ActivationWeird\"}", "activationFn", ACT_UNKNOWN,
		  "ActivationWeird", DNAN, DNAN, DNAN },
		{ "\"weird\"", "activationFunction", ACT_UNKNOWN, "weird", DNAN, DNAN, DNAN },
		{ "{\"Weird\":{}}", "activationFn", ACT_UNKNOWN, "Weird", DNAN, DNAN, DNAN },
	};
	char json[512];

	(void)state;
	for (int i = 0; i < N(cases); i++) {
		const struct activation *a;
		struct model *m;

		snprintf(json, sizeof(json), "{\"confs\":[{\"layer\":{\"dense\":{\"%s\":%s}}}]}",
			 cases[i].key, cases[i].json);
		m = parse_ok(json);
		a = &m->layers[0].act;
		if (a->kind != cases[i].kind)
			print_error("case %d %s: kind %d\n", i, cases[i].json, a->kind);
		assert_int_equal(a->kind, cases[i].kind);
		assert_string_equal(a->name, cases[i].name);
		assert_true(isnan(cases[i].p0) ? isnan(a->p[0]) : a->p[0] == cases[i].p0);
		assert_true(isnan(cases[i].p1) ? isnan(a->p[1]) : a->p[1] == cases[i].p1);
		assert_true(isnan(cases[i].p2) ? isnan(a->p[2]) : a->p[2] == cases[i].p2);
		model_free(m);
	}
}

/* ------------------------------------------------------------------ preprocessors */

static void test_preprocessors(void **state)
{
	static const struct {
		const char *json;
		enum preproc_kind kind;
	} cases[] = {
		{ "{\"cnnToFeedForward\":{\"inputHeight\":2,\"inputWidth\":3,\"numChannels\":4}}",
		  PP_CNN_TO_FF },
		{ "{\"@class\":\"" P "CnnToFeedForwardPreProcessor\",\"inputHeight\":2,"
		  "\"inputWidth\":3,\"numChannels\":4,\"format\":\"NHWC\"}",
		  PP_CNN_TO_FF },
		{ "{\"feedForwardToCnn\":{}}", PP_FF_TO_CNN },
		{ "{\"@class\":\"" P "FeedForwardToCnnPreProcessor\"}", PP_FF_TO_CNN },
		{ "{\"rnnToFeedForward\":{}}", PP_RNN_TO_FF },
		{ "{\"@class\":\"" P "RnnToFeedForwardPreProcessor\"}", PP_RNN_TO_FF },
		{ "{\"feedForwardToRnn\":{}}", PP_FF_TO_RNN },
		{ "{\"@class\":\"" P "FeedForwardToRnnPreProcessor\"}", PP_FF_TO_RNN },
		{ "{\"cnnToRnn\":{}}", PP_CNN_TO_RNN },
		{ "{\"@class\":\"" P "CnnToRnnPreProcessor\"}", PP_CNN_TO_RNN },
		{ "{\"rnnToCnn\":{}}", PP_RNN_TO_CNN },
		{ "{\"@class\":\"" P "RnnToCnnPreProcessor\"}", PP_RNN_TO_CNN },
		{ "{\"@class\":\"" P "Cnn3DToFeedForwardPreProcessor\",\"inputDepth\":5,"
		  "\"isNCDHW\":false}",
		  PP_CNN3D_TO_FF },
		{ "{\"@class\":\"" P "FeedForwardToCnn3DPreProcessor\"}", PP_FF_TO_CNN3D },
		{ "{\"composableInput\":{\"inputPreProcessors\":[{\"rnnToFeedForward\":{}},"
		  "{\"feedForwardToCnn\":{}}]}}",
		  PP_COMPOSABLE },
		{ "{\"@class\":\"org.deeplearning4j.nn.modelimport.keras.preprocessors."
		  "ReshapePreprocessor\",\"inputShape\":[30],\"targetShape\":[1,30]}",
		  PP_RESHAPE },
		{ "{\"@class\":\"org.deeplearning4j.nn.modelimport.keras.preprocessors."
		  "KerasFlattenRnnPreprocessor\",\"depth\":240}",
		  PP_UNKNOWN },
	};
	char json[768];

	(void)state;
	for (int i = 0; i < N(cases); i++) {
		struct model *m;
		const struct preproc *p;

		snprintf(json, sizeof(json),
			 "{\"confs\":[{\"layer\":{\"dense\":{}}},"
			 "{\"layer\":{\"dense\":{}}}],\"inputPreProcessors\":{\"1\":%s}}",
			 cases[i].json);
		m = parse_ok(json);
		assert_null(m->layers[0].pre);
		p = m->layers[1].pre;
		assert_non_null(p);
		assert_int_equal(p->kind, cases[i].kind);
		switch (i) {
		case 0:
			assert_string_equal(p->name, "cnnToFeedForward");
			assert_int_equal(p->height, 2);
			assert_int_equal(p->width, 3);
			assert_int_equal(p->channels, 4);
			assert_int_equal(p->depth, -1);
			assert_string_equal(p->format, "");
			break;
		case 1:
			assert_string_equal(p->format, "NHWC");
			break;
		case 12:
			assert_int_equal(p->depth, 5);
			assert_string_equal(p->format, "NDHWC");
			break;
		case 14:
			assert_int_equal(p->n_sub, 2);
			assert_int_equal(p->sub[0].kind, PP_RNN_TO_FF);
			assert_int_equal(p->sub[1].kind, PP_FF_TO_CNN);
			break;
		case 15:
			assert_int_equal(p->rank, 2);
			assert_int_equal(p->shape[0], 1);
			assert_int_equal(p->shape[1], 30);
			break;
		case 16:
			assert_string_equal(p->name, "org.deeplearning4j.nn.modelimport.keras."
						     "preprocessors.KerasFlattenRnnPreprocessor");
			break;
		default:
			break;
		}
		model_free(m);
	}
}

/* ------------------------------------------------------------------ updaters */

static void test_updaters(void **state)
{
	static const char *const legacy[][2] = {
		{ "SGD", "Sgd" },	    { "ADAM", "Adam" },
		{ "ADADELTA", "AdaDelta" }, { "NESTEROVS", "Nesterovs" },
		{ "ADAGRAD", "AdaGrad" },   { "RMSPROP", "RmsProp" },
		{ "NONE", "NoOp" },	    { "ADAMAX", "AdaMax" },
		{ "NADAM", "Nadam" },	    { "AMSGRAD", "AMSGrad" },
	};
	char json[512];
	struct model *m;
	const struct layer *l;

	(void)state;
	for (int i = 0; i < N(legacy); i++) {
		snprintf(json, sizeof(json),
			 MLN1("{\"dense\":{\"updater\":\"%s\","
			      "\"learningRate\":0.1,\"momentum\":\"NaN\"}}"),
			 legacy[i][0]);
		m = parse_ok(json);
		assert_string_equal(m->layers[0].updater, legacy[i][1]);
		assert_true(m->legacy_updater_layout);
		model_free(m);
	}
	/* legacy canonical text: name + the hyper-parameters, sorted */
	m = parse_ok(MLN1("{\"dense\":{\"updater\":\"RMSPROP\",\"rmsDecay\":0.96,"
			  "\"learningRate\":0.15,\"epsilon\":1e-08,\"l2\":0.1}}"));
	assert_string_equal(m->layers[0].updater_cfg, "{\"epsilon\":1e-08,\"learningRate\":0.15,"
						      "\"rmsDecay\":0.96,\"updater\":\"RmsProp\"}");
	assert_null(m->layers[0].bias_updater);
	model_free(m);

	/* iupdater @class wins over the legacy enum (0.9.x writes both) */
	m = parse_ok(MLN1("{\"dense\":{\"updater\":\"SGD\",\"iupdater\":{\"@class\":\"" U
			  "Nesterovs\",\"momentum\":0.9,\"learningRate\":0.1}}}"));
	l = &m->layers[0];
	assert_string_equal(l->updater, "Nesterovs");
	assert_string_equal(l->updater_cfg, "{\"@class\":\"" U "Nesterovs\",\"learningRate\":0.1,"
					    "\"momentum\":0.9}");
	assert_false(m->legacy_updater_layout);
	model_free(m);

	/* biasUpdater; SameDiff layers' "updater" object; no updater at all */
	m = parse_ok("{\"confs\":[{\"layer\":{\"@class\":\"" L "DenseLayer\",\"iupdater\":"
		     "{\"@class\":\"" U "Adam\",\"learningRate\":0.001},\"biasUpdater\":"
		     "{\"@class\":\"" U "Sgd\",\"learningRate\":0.5}}},"
		     "{\"layer\":{\"@class\":\"com.example.Lambda\",\"updater\":{\"@class\":\"" U
		     "AMSGrad\"}}},{\"layer\":{\"@class\":\"" L "SubsamplingLayer\"}}]}");
	assert_string_equal(m->layers[0].updater, "Adam");
	assert_string_equal(m->layers[0].bias_updater, "Sgd");
	assert_string_equal(m->layers[0].bias_updater_cfg,
			    "{\"@class\":\"" U "Sgd\",\"learningRate\":0.5}");
	assert_string_equal(m->layers[1].updater, "AMSGrad");
	assert_null(m->layers[2].updater);
	assert_null(m->layers[2].updater_cfg);
	model_free(m);
}

/* ------------------------------------------------------------------ MLN shell */

static void test_mln_shell(void **state)
{
	struct model *m;

	(void)state;
	m = parse_ok("{\"backpropType\":\"TruncatedBPTT\",\"tbpttFwdLength\":7,"
		     "\"tbpttBackLength\":5,\"dataType\":\"DOUBLE\",\"confs\":["
		     "{\"layer\":{\"@class\":\"" L "DenseLayer\",\"layerName\":\"first\"},"
		     "\"variables\":[\"W\",\"b\"]},"
		     "{\"layer\":{\"@class\":\"" L "OutputLayer\",\"layerName\":null},"
		     "\"variables\":[]},{\"layer\":{\"@class\":\"" L "OutputLayer\"}}],"
		     "\"inputPreProcessors\":{}}");
	assert_int_equal(m->type, NET_MLN);
	assert_int_equal(m->dialect, JD_CLASS);
	assert_int_equal(m->dtype, DT_F64);
	assert_true(m->has_dtype);
	assert_false(m->legacy_updater_layout);
	assert_string_equal(m->backprop_type, "TruncatedBPTT");
	assert_int_equal(m->tbptt_fwd, 7);
	assert_int_equal(m->tbptt_back, 5);
	assert_int_equal(m->n_vertices, 0);
	assert_string_equal(m->layers[0].name, "first");
	assert_string_equal(m->layers[1].name, "1"); /* null layerName -> index */
	assert_int_equal(m->layers[0].n_variables, 2);
	assert_string_equal(m->layers[0].variables[1], "b");
	/* present but empty vs absent */
	assert_non_null(m->layers[1].variables);
	assert_int_equal(m->layers[1].n_variables, 0);
	assert_null(m->layers[2].variables);
	/* compact JSON of the layer object as found (key order kept) */
	assert_string_equal(m->layers[0].json,
			    "{\"@class\":\"" L "DenseLayer\",\"layerName\":\"first\"}");
	model_free(m);

	m = parse_ok("{\"dataType\":\"HALF\",\"confs\":[{\"layer\":{\"dense\":{\"x\":1.5,"
		     "\"y\":[1,2e-08,0.1],\"z\":\"a\\\"b\",\"w\":true}}}]}");
	assert_int_equal(m->dtype, DT_F16);
	assert_int_equal(m->dialect, JD_LEGACY_WRAPPER);
	assert_string_equal(
		m->layers[0].json,
		"{\"dense\":{\"x\":1.5,\"y\":[1,2e-08,0.1],\"z\":\"a\\\"b\",\"w\":true}}");
	assert_null(m->backprop_type);
	assert_int_equal(m->tbptt_fwd, 20);
	model_free(m);

	m = parse_ok(MLN1("{\"dense\":{\"activationFunction\":\"relu\"}}"));
	assert_int_equal(m->dialect, JD_LEGACY_STRING_ACT);
	assert_int_equal(m->dtype, DT_F32);
	assert_false(m->has_dtype);
	model_free(m);
}

/* ------------------------------------------------------------------ graphs */

#define LV(layer) "{\"@class\":\"" G "LayerVertex\",\"layerConf\":{\"layer\":" layer "}}"
#define DENSE	  "{\"@class\":\"" L "DenseLayer\"}"

static int vidx(const struct model *m, const char *name)
{
	for (int i = 0; i < m->n_vertices; i++)
		if (strcmp(m->vertices[i].name, name) == 0)
			return i;
	return -1;
}

static void test_graph_diamond(void **state)
{
	struct model *m;
	const struct vertex *c;

	(void)state;
	/* in -> a, in -> b, (b, a) -> c; inputs first, then FIFO */
	m = parse_ok("{\"networkInputs\":[\"in\"],\"networkOutputs\":[\"c\"],"
		     "\"vertexInputs\":{\"c\":[\"b\",\"a\"],\"a\":[\"in\"],\"b\":[\"in\"]},"
		     "\"vertices\":{\"c\":{\"@class\":\"" G "ElementWiseVertex\",\"op\":\"Add\"},"
		     "\"a\":" LV(DENSE) ",\"b\":" LV(
			     DENSE) "},"
				    "\"defaultConfiguration\":{\"layer\":null}}");
	assert_int_equal(m->type, NET_CG);
	assert_int_equal(m->n_vertices, 4);
	assert_string_equal(m->vertices[0].name, "in");
	assert_int_equal(m->vertices[0].kind, VK_INPUT);
	assert_string_equal(m->vertices[0].cls, "input");
	assert_int_equal(m->vertices[0].layer, -1);
	/* Kahn: in; then c, a, b are vertices 1..3 by JSON order; in releases a (2), b (3) */
	assert_string_equal(m->vertices[1].name, "a");
	assert_string_equal(m->vertices[2].name, "b");
	assert_string_equal(m->vertices[3].name, "c");
	c = &m->vertices[3];
	assert_int_equal(c->kind, VK_ELEMENTWISE);
	assert_string_equal(c->op, "Add");
	assert_int_equal(c->n_inputs, 2);
	assert_int_equal(c->inputs[0], 2); /* b, in vertexInputs order */
	assert_int_equal(c->inputs[1], 1);
	assert_true(c->is_output);
	assert_false(m->vertices[1].is_output);
	assert_int_equal(m->n_layers, 2);
	assert_int_equal(m->vertices[1].layer, 0);
	assert_int_equal(m->vertices[2].layer, 1);
	assert_string_equal(m->layers[0].name, "a"); /* no layerName: vertex name */
	assert_int_equal(m->n_inputs, 1);
	assert_string_equal(m->inputs[0], "in");
	assert_int_equal(m->n_outputs, 1);
	assert_string_equal(m->outputs[0], "c");
	model_free(m);
}

/* DL4J releases consumers in java.util.HashSet<Integer> order: vertex indices 8 and 20
 * fed by the input land in buckets 8 and 4 of a 16-slot table, so 20 comes first; a
 * consumer set of 18 grows the table to 32 slots, giving plain ascending order. */
static void test_graph_hash_order(void **state)
{
	char json[8192], *p = json;
	struct model *m;
	static const char *const expect[] = { "in",  "v20", "v8",  "v1",  "v2",	 "v3",	"v4",
					      "v5",  "v6",  "v7",  "v9",  "v10", "v11", "v12",
					      "v13", "v14", "v15", "v16", "v17", "v18", "v19" };

	(void)state;
	p += sprintf(p, "{\"networkInputs\":[\"in\"],\"networkOutputs\":[\"v20\"],"
			"\"vertexInputs\":{");
	for (int i = 1; i <= 20; i++)
		p += sprintf(p, "%s\"v%d\":[\"%s\"]", i > 1 ? "," : "", i,
			     i == 8 || i == 20 ? "in" : "v8");
	p += sprintf(p, "},\"vertices\":{");
	for (int i = 1; i <= 20; i++)
		p += sprintf(p, "%s\"v%d\":{\"MergeVertex\":{}}", i > 1 ? "," : "", i);
	sprintf(p, "}}");
	m = parse_ok(json);
	assert_int_equal(m->n_vertices, 21);
	for (int i = 0; i < 21; i++)
		assert_string_equal(m->vertices[i].name, expect[i]);
	assert_int_equal(m->dialect, JD_LEGACY_WRAPPER);
	model_free(m);
}

static void test_graph_vertices(void **state)
{
	struct model *m;
	int i;

	(void)state;
	m = parse_ok(
		"{\"networkInputs\":[\"in\",\"in2\"],\"networkOutputs\":[\"opaque\"],"
		"\"vertexInputs\":{\"merge\":[\"in\",\"in2\"],\"sub\":[\"merge\"],"
		"\"stack\":[\"in\",\"in2\"],\"unstack\":[\"stack\"],\"pre\":[\"in\"],"
		"\"l2n\":[\"in\"],\"l2\":[\"in\",\"in2\"],\"scale\":[\"in\"],\"shift\":[\"in\"],"
		"\"reshape\":[\"in\"],\"dup\":[\"in\"],\"last\":[\"in\"],\"rev\":[\"in\"],"
		"\"pool\":[\"in\"],\"frozen\":[\"in\"],\"opaque\":[\"in\"],\"legacy\":[\"in\"]},"
		"\"vertices\":{"
		"\"merge\":{\"@class\":\"" G "MergeVertex\"},"
		"\"sub\":{\"@class\":\"" G "SubsetVertex\",\"from\":2,\"to\":5},"
		"\"stack\":{\"@class\":\"" G "StackVertex\"},"
		"\"unstack\":{\"@class\":\"" G "UnstackVertex\",\"from\":1,\"stackSize\":2},"
		"\"pre\":{\"@class\":\"" G "PreprocessorVertex\",\"preProcessor\":"
		"{\"@class\":\"" P "CnnToFeedForwardPreProcessor\",\"inputHeight\":1}},"
		"\"l2n\":{\"@class\":\"" G "L2NormalizeVertex\",\"dimension\":[1],\"eps\":1e-6},"
		"\"l2\":{\"@class\":\"" G "L2Vertex\",\"eps\":1e-7},"
		"\"scale\":{\"@class\":\"" G "ScaleVertex\",\"scaleFactor\":2.5},"
		"\"shift\":{\"@class\":\"" G "ShiftVertex\",\"shiftFactor\":-1.5},"
		"\"reshape\":{\"@class\":\"" G "ReshapeVertex\",\"reshapeOrder\":\"f\","
		"\"newShape\":[-1,3,4]},"
		"\"dup\":{\"@class\":\"" G
		"rnn.DuplicateToTimeSeriesVertex\",\"inputName\":\"in2\"},"
		"\"last\":{\"@class\":\"" G "rnn.LastTimeStepVertex\","
		"\"maskArrayInputName\":\"in\"},"
		"\"rev\":{\"ReverseTimeSeriesVertex\":{\"maskArrayInputName\":\"in2\"}},"
		"\"pool\":{\"@class\":\"" G "PoolHelperVertex\"},"
		"\"frozen\":{\"@class\":\"" G "FrozenVertex\",\"underlying\":" LV(
			DENSE) "},"
			       "\"opaque\":{\"@class\":\"com.example.MySameDiffLambdaVertex\","
			       "\"k\":1},"
			       "\"legacy\":{\"ElementWiseVertex\":{\"op\":\"Max\"}}}}");
	assert_int_equal(m->n_vertices, 19);
	assert_int_equal(m->vertices[vidx(m, "merge")].kind, VK_MERGE);
	i = vidx(m, "sub");
	assert_int_equal(m->vertices[i].kind, VK_SUBSET);
	assert_int_equal(m->vertices[i].from, 2);
	assert_int_equal(m->vertices[i].to, 5);
	assert_int_equal(m->vertices[vidx(m, "stack")].kind, VK_STACK);
	i = vidx(m, "unstack");
	assert_int_equal(m->vertices[i].kind, VK_UNSTACK);
	assert_int_equal(m->vertices[i].from, 1);
	assert_int_equal(m->vertices[i].stack_size, 2);
	i = vidx(m, "pre");
	assert_int_equal(m->vertices[i].kind, VK_PREPROC);
	assert_int_equal(m->vertices[i].pre->kind, PP_CNN_TO_FF);
	assert_int_equal(m->vertices[i].pre->height, 1);
	i = vidx(m, "l2n");
	assert_int_equal(m->vertices[i].kind, VK_L2NORMALIZE);
	assert_int_equal(m->vertices[i].n_dims, 1);
	assert_int_equal(m->vertices[i].dims[0], 1);
	assert_true(m->vertices[i].l2_eps == 1e-6);
	i = vidx(m, "l2");
	assert_int_equal(m->vertices[i].kind, VK_L2);
	assert_true(m->vertices[i].l2_eps == 1e-7);
	i = vidx(m, "scale");
	assert_int_equal(m->vertices[i].kind, VK_SCALE);
	assert_true(m->vertices[i].scale == 2.5);
	i = vidx(m, "shift");
	assert_int_equal(m->vertices[i].kind, VK_SHIFT);
	assert_true(m->vertices[i].scale == -1.5);
	i = vidx(m, "reshape");
	assert_int_equal(m->vertices[i].kind, VK_RESHAPE);
	assert_int_equal(m->vertices[i].reshape_rank, 3);
	assert_int_equal(m->vertices[i].reshape[0], -1);
	assert_int_equal(m->vertices[i].reshape[2], 4);
	assert_int_equal(m->vertices[i].reshape_order, 'f');
	i = vidx(m, "dup");
	assert_int_equal(m->vertices[i].kind, VK_DUP_TO_TS);
	assert_string_equal(m->vertices[i].ref_input, "in2");
	i = vidx(m, "last");
	assert_int_equal(m->vertices[i].kind, VK_LAST_TS);
	assert_string_equal(m->vertices[i].ref_input, "in");
	i = vidx(m, "rev");
	assert_int_equal(m->vertices[i].kind, VK_REVERSE_TS);
	assert_string_equal(m->vertices[i].ref_input, "in2");
	assert_string_equal(m->vertices[i].cls, "ReverseTimeSeriesVertex");
	assert_int_equal(m->vertices[vidx(m, "pool")].kind, VK_POOL_HELPER);
	i = vidx(m, "frozen");
	assert_int_equal(m->vertices[i].kind, VK_LAYER);
	assert_true(m->layers[m->vertices[i].layer].frozen);
	i = vidx(m, "opaque");
	assert_int_equal(m->vertices[i].kind, VK_OPAQUE);
	assert_string_equal(m->vertices[i].cls, "com.example.MySameDiffLambdaVertex");
	assert_string_equal(m->vertices[i].json,
			    "{\"@class\":\"com.example.MySameDiffLambdaVertex\",\"k\":1}");
	assert_true(m->vertices[i].is_output);
	i = vidx(m, "legacy");
	assert_int_equal(m->vertices[i].kind, VK_ELEMENTWISE);
	assert_string_equal(m->vertices[i].op, "Max");
	model_free(m);
}

static void test_graph_stored_order(void **state)
{
	struct model *m;

	(void)state;
	/* topologicalOrderStr is used as given (b before a), after validation */
	m = parse_ok("{\"networkInputs\":[\"in\"],\"vertexInputs\":{\"a\":[\"in\"],"
		     "\"b\":[\"in\"]},\"vertices\":{\"a\":" LV(DENSE) ",\"b\":" LV(
			     DENSE) "},"
				    "\"topologicalOrder\":[0,2,1],\"topologicalOrderStr\":[\"in\","
				    "\"b\",\"a\"]}");
	assert_string_equal(m->vertices[1].name, "b");
	assert_string_equal(m->vertices[2].name, "a");
	assert_string_equal(m->layers[0].name, "b");
	model_free(m);
}

/* ------------------------------------------------------------------ errors */

#define CG_HEAD "{\"networkInputs\":[\"in\"],"
#define TWO_V	"\"vertices\":{\"a\":" LV(DENSE) ",\"b\":" LV(DENSE) "}"

static void test_errors_json_and_shell(void **state)
{
	(void)state;
	parse_err("{\"confs\": [1,}", -EBADMSG,
		  "invalid JSON at line 1 column 14: unexpected token near '}'");
	parse_err("{\n  \"confs\": [\n", -EBADMSG,
		  "invalid JSON at line 3 column 0: ']' expected near end of file");
	parse_err("", -EBADMSG,
		  "invalid JSON at line 1 column 0: '[' or '{' expected near end of file");
	parse_err("[1]", -EBADMSG, "configuration is not a JSON object");
	parse_err("{\"foo\":1}", -EBADMSG,
		  "configuration is neither a MultiLayerConfiguration (no \"confs\") nor a "
		  "ComputationGraphConfiguration (no \"vertices\")");
	parse_err("{\"confs\":{}}", -EBADMSG, "\"confs\" is not an array");
	parse_err("{\"confs\":[]}", -EBADMSG, "\"confs\" is empty: the network has no layers");
	parse_err("{\"confs\":[{\"layer\":null}]}", -EBADMSG, "confs[0] has no \"layer\" object");
	parse_err("{\"confs\":[7]}", -EBADMSG, "confs[0] has no \"layer\" object");
	parse_err("{\"dataType\":\"INT\",\"confs\":[]}", -EBADMSG,
		  "unknown network dataType 'INT'");
	parse_err("{\"dataType\":\"WHAT\",\"confs\":[]}", -EBADMSG,
		  "unknown network dataType 'WHAT'");
	parse_err("{\"dataType\":5,\"confs\":[]}", -EBADMSG,
		  "configuration: \"dataType\" is not a string");
	parse_err(MLN1("{\"dense\":{}}") "x", -EBADMSG,
		  "invalid JSON at line 1 column 35: end of file expected near 'x'");
	parse_err("{\"backpropType\":3,\"confs\":[{\"layer\":{\"dense\":{}}}]}", -EBADMSG,
		  "configuration: \"backpropType\" is not a string");
	parse_err("{\"tbpttFwdLength\":\"x\",\"confs\":[{\"layer\":{\"dense\":{}}}]}", -EBADMSG,
		  "configuration: \"tbpttFwdLength\" is not an integer");
}

static void test_errors_too_many_layers(void **state)
{
	size_t n = CONF_MAX_LAYERS + 1, cap = n * 3 + 64;
	char *json = malloc(cap), *p = json;

	(void)state;
	p += sprintf(p, "{\"confs\":[");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s{}", i ? "," : "");
	sprintf(p, "]}");
	parse_err(json, -EBADMSG, "configuration has 100001 layers (at most 100000)");
	free(json);
}

static void test_errors_layers(void **state)
{
	(void)state;
	parse_err(MLN1("{\"a\":{},\"b\":{}}"), -EBADMSG,
		  "layer 0: layer has neither \"@class\" nor a single wrapper key");
	parse_err(MLN1("{\"dense\":3}"), -EBADMSG,
		  "layer 0: layer has neither \"@class\" nor a single wrapper key");
	parse_err(MLN1("{\"dense\":{\"nin\":\"3\"}}"), -EBADMSG,
		  "layer 0: \"nin\" is not an integer");
	parse_err(MLN1("{\"dense\":{\"nout\":1.5}}"), -EBADMSG,
		  "layer 0: \"nout\" is not an integer");
	parse_err(MLN1("{\"dense\":{\"nin\":-2}}"), -EBADMSG,
		  "layer 0: negative nin/nout (-2, -1)");
	parse_err(MLN1("{\"dense\":{\"hasBias\":1}}"), -EBADMSG,
		  "layer 0: \"hasBias\" is not a boolean");
	parse_err(MLN1("{\"dense\":{\"layerName\":5}}"), -EBADMSG,
		  "layer 0: \"layerName\" is not a string");
	parse_err(MLN1("{\"dense\":{\"activationFn\":5}}"), -EBADMSG,
		  "layer 0: activationFn has neither \"@class\" nor a single wrapper key");
	parse_err(MLN1("{\"dense\":{\"lossFn\":[]}}"), -EBADMSG,
		  "layer 0: lossFn has neither \"@class\" nor a single wrapper key");
	parse_err(MLN1("{\"dense\":{\"iupdater\":\"Adam\"}}"), -EBADMSG,
		  "layer 0: iupdater has neither \"@class\" nor a single wrapper key");
	parse_err(MLN1("{\"dense\":{\"updater\":5}}"), -EBADMSG,
		  "layer 0: \"updater\" is not a string");
	parse_err(MLN1("{\"dense\":{\"activationFn\":{\"LReLU\":{\"alpha\":\"x\"}}}}"), -EBADMSG,
		  "layer 0: \"alpha\" is not a number");
	parse_err(MLN1("{\"subsampling\":{\"poolingType\":\"MEDIAN\"}}"), -EBADMSG,
		  "layer 0: unknown poolingType 'MEDIAN'");
	parse_err(MLN1("{\"convolution\":{\"convolutionMode\":\"Full\"}}"), -EBADMSG,
		  "layer 0: unknown convolutionMode 'Full'");
	parse_err(MLN1("{\"convolution\":{\"kernelSize\":[1,2,3,4]}}"), -EBADMSG,
		  "layer 0: \"kernelSize\" has 4 entries (at most 3)");
	parse_err(MLN1("{\"convolution\":{\"kernelSize\":[1,\"2\"]}}"), -EBADMSG,
		  "layer 0: \"kernelSize\" is not an integer array");
	parse_err(MLN1("{\"convolution\":{\"stride\":\"2\"}}"), -EBADMSG,
		  "layer 0: \"stride\" is not an integer array");
	parse_err(MLN1("{\"@class\":\"" L "SeparableConvolution2D\",\"depthMultiplier\":0}"),
		  -EBADMSG, "layer 0: depthMultiplier 0 is not positive");
	parse_err(MLN1("{\"zeroPadding\":{\"padding\":[1,2,3]}}"), -EBADMSG,
		  "layer 0: \"padding\" has 3 entries (expected 4)");
	parse_err(MLN1("{\"Bidirectional\":{\"mode\":\"XOR\"}}"), -EBADMSG,
		  "layer 0: unknown mode 'XOR'");
	parse_err(MLN1("{\"Bidirectional\":{\"bwd\":{\"LSTM\":{}}}}"), -EBADMSG,
		  "layer 0: \"fwd\" is missing or not an object");
	parse_err(MLN1("{\"Bidirectional\":{\"fwd\":{\"LSTM\":{\"nin\":\"x\"}},"
		       "\"bwd\":{\"LSTM\":{}}}}"),
		  -EBADMSG, "layer 0 fwd: \"nin\" is not an integer");
	parse_err(MLN1("{\"@class\":\"" L "recurrent.LastTimeStep\"}"), -EBADMSG,
		  "layer 0: \"underlying\" is missing or not an object");
	parse_err(MLN1("{\"FrozenLayer\":{\"layer\":7}}"), -EBADMSG,
		  "layer 0: frozen layer without a \"layer\" object");
	parse_err(MLN1("{\"batchNormalization\":{\"useLogStd\":\"yes\"}}"), -EBADMSG,
		  "layer 0: \"useLogStd\" is not a boolean");
	parse_err(MLN1("{\"@class\":\"" L "PReLULayer\",\"inputShape\":[1,2,3,4,5]}"), -EBADMSG,
		  "layer 0: \"inputShape\" has 5 entries (at most 4)");
	parse_err(MLN1("{\"VariationalAutoencoder\":{\"nin\":2,\"outputDistribution\":"
		       "{\"Composite\":{\"distributionSizes\":[1]}}}}"),
		  -EBADMSG,
		  "layer 0: composite outputDistribution needs distributionSizes and "
		  "reconstructionDistributions of equal length");
	parse_err(MLN1("{\"VariationalAutoencoder\":{\"nin\":2,\"outputDistribution\":"
		       "{\"Composite\":{\"distributionSizes\":[-1],"
		       "\"reconstructionDistributions\":[{\"Bernoulli\":{}}]}}}}"),
		  -EBADMSG, "layer 0: distributionSizes[0] is not a count");
	parse_err("{\"confs\":[{\"layer\":{\"dense\":{}},\"variables\":[1]}]}", -EBADMSG,
		  "layer 0: \"variables\" is not an array of strings");
	parse_err("{\"confs\":[{\"layer\":{\"dense\":{}},\"variables\":\"W\"}]}", -EBADMSG,
		  "layer 0: \"variables\" is not an array of strings");
}

static void test_errors_nesting(void **state)
{
	char json[4096], *p = json;
	int depth = 18;

	(void)state;
	p += sprintf(p, "{\"confs\":[{\"layer\":");
	for (int i = 0; i < depth; i++)
		p += sprintf(p, "{\"FrozenLayer\":{\"layer\":");
	p += sprintf(p, "{\"dense\":{}}");
	for (int i = 0; i < depth; i++)
		p += sprintf(p, "}}");
	sprintf(p, "}]}");
	parse_err(json, -EBADMSG, "layer 0: layers nested deeper than 16");

	p = json;
	p += sprintf(p, "{\"confs\":[{\"layer\":{\"dense\":{}}}],\"inputPreProcessors\":{\"0\":");
	for (int i = 0; i < depth; i++)
		p += sprintf(p, "{\"composableInput\":{\"inputPreProcessors\":[");
	p += sprintf(p, "{\"rnnToCnn\":{}}");
	for (int i = 0; i < depth; i++)
		p += sprintf(p, "]}}");
	sprintf(p, "}}");
	parse_err(json, -EBADMSG, "inputPreProcessors '0': preprocessors nested deeper than 16");
}

static void test_errors_preprocessors(void **state)
{
	(void)state;
	parse_err("{\"confs\":[{\"layer\":{\"dense\":{}}}],\"inputPreProcessors\":[]}", -EBADMSG,
		  "\"inputPreProcessors\" is not an object");
	parse_err("{\"confs\":[{\"layer\":{\"dense\":{}}}],\"inputPreProcessors\":"
		  "{\"x\":{\"cnnToRnn\":{}}}}",
		  -EBADMSG, "\"inputPreProcessors\": key 'x' is not a layer index (0..0)");
	parse_err("{\"confs\":[{\"layer\":{\"dense\":{}}}],\"inputPreProcessors\":"
		  "{\"1\":{\"cnnToRnn\":{}}}}",
		  -EBADMSG, "\"inputPreProcessors\": key '1' is not a layer index (0..0)");
	parse_err("{\"confs\":[{\"layer\":{\"dense\":{}}}],\"inputPreProcessors\":"
		  "{\"-0\":{\"cnnToRnn\":{}}}}",
		  -EBADMSG, "\"inputPreProcessors\": key '-0' is not a layer index (0..0)");
	parse_err("{\"confs\":[{\"layer\":{\"dense\":{}}}],\"inputPreProcessors\":"
		  "{\"0\":{\"cnnToRnn\":{\"inputHeight\":\"a\"}}}}",
		  -EBADMSG, "inputPreProcessors '0': \"inputHeight\" is not an integer");
	parse_err("{\"confs\":[{\"layer\":{\"dense\":{}}}],\"inputPreProcessors\":"
		  "{\"0\":{\"cnnToRnn\":{}},\"00\":{\"cnnToRnn\":{}}}}",
		  -EBADMSG, "\"inputPreProcessors\": layer 0 has two preprocessors");
	parse_err("{\"confs\":[{\"layer\":{\"dense\":{}}}],\"inputPreProcessors\":"
		  "{\"0\":{\"composableInput\":{\"inputPreProcessors\":{}}}}}",
		  -EBADMSG,
		  "inputPreProcessors '0': composable inputPreProcessors is not an array");
	parse_err("{\"confs\":[{\"layer\":{\"dense\":{}}}],\"inputPreProcessors\":"
		  "{\"0\":\"cnnToRnn\"}}",
		  -EBADMSG,
		  "inputPreProcessors '0': preprocessor has neither \"@class\" nor a single "
		  "wrapper key");
}

static void test_errors_graph(void **state)
{
	(void)state;
	parse_err("{\"vertices\":[]}", -EBADMSG, "\"vertices\" is not an object");
	parse_err("{\"vertices\":{}}", -EBADMSG, "graph has no \"networkInputs\"");
	parse_err("{\"networkInputs\":[1],\"vertices\":{}}", -EBADMSG,
		  "\"networkInputs\" is not an array of strings");
	parse_err("{\"networkInputs\":\"in\",\"vertices\":{}}", -EBADMSG,
		  "\"networkInputs\" is not an array of strings");
	parse_err(CG_HEAD "\"vertexInputs\":[]," TWO_V "}", -EBADMSG,
		  "\"vertexInputs\" is not an object");
	parse_err(CG_HEAD "\"vertexInputs\":{\"zz\":[\"in\"]}," TWO_V "}", -EBADMSG,
		  "\"vertexInputs\" names 'zz', which is not a vertex");
	parse_err(CG_HEAD "\"vertexInputs\":{\"in\":[\"a\"]}," TWO_V "}", -EBADMSG,
		  "\"vertexInputs\" names 'in', which is not a vertex");
	parse_err(CG_HEAD "\"vertexInputs\":{\"a\":\"in\"}," TWO_V "}", -EBADMSG,
		  "\"vertexInputs\" of 'a' is not an array of strings");
	parse_err(CG_HEAD "\"vertexInputs\":{\"a\":[3]}," TWO_V "}", -EBADMSG,
		  "\"vertexInputs\" of 'a' is not an array of strings");
	parse_err(CG_HEAD "\"vertexInputs\":{\"a\":[\"in\"],\"b\":[\"nowhere\"]}," TWO_V "}",
		  -EBADMSG, "vertex 'b' has input 'nowhere' that does not exist");
	/* in -> a -> b -> c -> a */
	parse_err(CG_HEAD "\"vertexInputs\":{\"a\":[\"in\",\"c\"],\"b\":[\"a\"],\"c\":[\"b\"]},"
			  "\"vertices\":{\"a\":{\"MergeVertex\":{}},\"b\":{\"MergeVertex\":{}},"
			  "\"c\":{\"MergeVertex\":{}}}}",
		  -EBADMSG, "graph has a cycle (it includes vertex 'a')");
	parse_err(CG_HEAD "\"vertexInputs\":{\"a\":[\"a\"]},\"vertices\":{\"a\":{\"MergeVertex\":"
			  "{}}}}",
		  -EBADMSG, "graph has a cycle (it includes vertex 'a')");
	parse_err("{\"networkInputs\":[\"in\",\"a\"],\"vertexInputs\":{\"a\":[\"in\"]},"
		  "\"vertices\":{\"a\":{\"MergeVertex\":{}}}}",
		  -EBADMSG, "network input 'a' is also a vertex name");
	parse_err("{\"networkInputs\":[\"in\",\"in\"],\"vertices\":{}}", -EBADMSG,
		  "network input 'in' is listed twice");
	parse_err(CG_HEAD "\"networkOutputs\":[\"zz\"],\"vertexInputs\":{\"a\":[\"in\"],"
			  "\"b\":[\"in\"]}," TWO_V "}",
		  -EBADMSG, "network output 'zz' is not a vertex");
	parse_err(CG_HEAD "\"networkOutputs\":[\"in\"],\"vertexInputs\":{\"a\":[\"in\"],"
			  "\"b\":[\"in\"]}," TWO_V "}",
		  -EBADMSG, "network output 'in' is not a vertex");
	parse_err(CG_HEAD "\"networkOutputs\":5,\"vertices\":{}}", -EBADMSG,
		  "\"networkOutputs\" is not an array of strings");
	parse_err(CG_HEAD "\"vertexInputs\":{\"a\":[\"in\"]},\"vertices\":{\"a\":"
			  "{\"@class\":\"" G "LayerVertex\",\"layerConf\":{}}}}",
		  -EBADMSG, "vertex 'a': LayerVertex without a \"layerConf\".\"layer\" object");
	parse_err(CG_HEAD "\"vertexInputs\":{\"a\":[\"in\"]},\"vertices\":{\"a\":"
			  "{\"@class\":\"" G "PreprocessorVertex\"}}}",
		  -EBADMSG, "vertex 'a': PreprocessorVertex without a \"preProcessor\"");
	parse_err(CG_HEAD "\"vertexInputs\":{\"a\":[\"in\"]},\"vertices\":{\"a\":[]}}", -EBADMSG,
		  "vertex 'a': vertex has neither \"@class\" nor a single wrapper key");
	parse_err(CG_HEAD "\"vertexInputs\":{\"a\":[\"in\"]},\"vertices\":{\"a\":"
			  "{\"@class\":\"" G "FrozenVertex\"}}}",
		  -EBADMSG,
		  "vertex 'a': underlying vertex has neither \"@class\" nor a single wrapper key");
	parse_err(CG_HEAD "\"vertexInputs\":{\"a\":[\"in\"]},\"vertices\":{\"a\":"
			  "{\"@class\":\"" G "SubsetVertex\",\"from\":\"x\"}}}",
		  -EBADMSG, "vertex 'a': \"from\" is not an integer");
	parse_err(CG_HEAD "\"vertexInputs\":{\"a\":[\"in\"]},\"vertices\":{\"a\":" LV(
			  "{\"dense\":{\"nin\":true}}") "}}",
		  -EBADMSG, "vertex 'a': \"nin\" is not an integer");
	parse_err(CG_HEAD "\"vertexInputs\":{\"a\":[\"in\"]},\"vertices\":{\"a\":"
			  "{\"@class\":\"" G "LayerVertex\",\"layerConf\":{\"layer\":" DENSE
			  ",\"variables\":{}}}}}",
		  -EBADMSG, "vertex 'a': \"variables\" is not an array of strings");
}

static void test_errors_stored_order(void **state)
{
#define VI "\"vertexInputs\":{\"a\":[\"in\"],\"b\":[\"a\"]},"
	(void)state;
	parse_err(CG_HEAD VI TWO_V ",\"topologicalOrderStr\":{}}", -EBADMSG,
		  "\"topologicalOrderStr\" is not an array");
	parse_err(CG_HEAD VI TWO_V ",\"topologicalOrderStr\":[\"in\",\"a\"]}", -EBADMSG,
		  "\"topologicalOrderStr\" has 2 names but the graph has 3 vertices and inputs");
	parse_err(CG_HEAD VI TWO_V ",\"topologicalOrderStr\":[\"in\",\"a\",3]}", -EBADMSG,
		  "\"topologicalOrderStr\" is not an array of strings");
	parse_err(CG_HEAD VI TWO_V ",\"topologicalOrderStr\":[\"in\",\"a\",\"q\"]}", -EBADMSG,
		  "\"topologicalOrderStr\" names unknown vertex 'q'");
	parse_err(CG_HEAD VI TWO_V ",\"topologicalOrderStr\":[\"in\",\"a\",\"a\"]}", -EBADMSG,
		  "\"topologicalOrderStr\" lists 'a' twice");
	parse_err(CG_HEAD VI TWO_V ",\"topologicalOrderStr\":[\"in\",\"b\",\"a\"]}", -EBADMSG,
		  "\"topologicalOrderStr\" puts 'b' before its input 'a'");
#undef VI
}

/* Every allocation failure is -ENOMEM "out of memory", never a crash or leak (ASan). */
static void test_oom(void **state)
{
	const char *json =
		"{\"networkInputs\":[\"in\"],\"networkOutputs\":[\"c\"],\"dataType\":\"FLOAT\","
		"\"vertexInputs\":{\"c\":[\"b\",\"a\"],\"a\":[\"in\"],\"b\":[\"in\"]},"
		"\"vertices\":{\"c\":{\"@class\":\"" G "PreprocessorVertex\",\"preProcessor\":"
		"{\"composableInput\":{\"inputPreProcessors\":[{\"rnnToCnn\":{}}]}}},"
		"\"a\":" LV(
			"{\"Bidirectional\":{\"fwd\":{\"LSTM\":{\"updater\":\"ADAM\","
			"\"learningRate\":0.1}},\"bwd\":{\"LSTM\":{}}}}") ","
									  "\"b\":{\"@class\":\"" G
									  "LayerVertex\","
									  "\"layerConf\":{"
									  "\"layer\":"
									  "{\"@class\":\"" L
									  "variational."
									  "VariationalAutoencoder\""
									  ",\"encoderLayerSizes\":"
									  "[3],"
									  "\"decoderLayerSizes\":["
									  "2],\"iupdater\":{\"@"
									  "class\":\"" U "Adam\"},"
									  "\"biasUpdater\":{\"@"
									  "class\":\"" U
									  "Sgd\"}},\"variables\":["
									  "\"W\"]},"
									  "\"preProcessor\":{"
									  "\"cnnToFeedForward\":{}}"
									  "}}}";
	long k;

	(void)state;
	for (k = 1; k < 2000; k++) {
		struct err e = { 0 };
		struct model *m = NULL;
		int rc;

		dl_alloc_fail_at(k);
		rc = codec_conf_parse(json, strlen(json), &m, &e);
		dl_alloc_fail_at(0);
		if (rc == 0) {
			assert_int_equal(m->n_layers, 2);
			model_free(m);
			break;
		}
		/* jansson allocates with malloc: only our allocations fail here */
		assert_int_equal(rc, -ENOMEM);
		assert_string_equal(e.msg, "out of memory");
		assert_null(m);
	}
	assert_true(k > 20 && k < 2000);
}

/* ------------------------------------------------------------------ corpus */

static bool have_corpus(void)
{
	struct stat st;

	return stat(DLFS_CORPUS_DIR, &st) == 0;
}

static char *slurp_entry(const char *rel, size_t *len)
{
	char path[2048];
	uint8_t *buf;

	snprintf(path, sizeof(path), "%s/%s", DLFS_CORPUS_DIR, rel);
	buf = unzip_member(path, "configuration.json", len);
	assert_non_null(buf);
	return (char *)buf;
}

static struct model *corpus(const char *rel)
{
	size_t len;
	char *json = slurp_entry(rel, &len);
	struct err e = { 0 };
	struct model *m = NULL;

	assert_true(len > 100);
	if (codec_conf_parse(json, len, &m, &e))
		print_error("%s: %s\n", rel, e.msg);
	assert_int_equal(e.code, 0);
	free(json);
	return m;
}

#define RT "dl4j-test-resources/regression_testing/"

static void test_corpus_synthetic_cnn(void **state)
{
	static const enum layer_kind kinds[] = {
		LK_CONV2D,   LK_SEPCONV2D,     LK_SUBSAMPLING2D, LK_ZEROPAD2D, LK_UPSAMPLING2D,
		LK_DWCONV2D, LK_SUBSAMPLING2D, LK_CROPPING2D,	 LK_CONV2D,    LK_CNN_LOSS,
	};
	struct model *m;
	const struct layer *l;

	(void)state;
	if (!have_corpus())
		skip();
	m = corpus(RT "100b6/SyntheticCNN_100b6.bin");
	assert_int_equal(m->type, NET_MLN);
	assert_int_equal(m->dialect, JD_CLASS);
	assert_true(m->has_dtype);
	assert_int_equal(m->dtype, DT_F32);
	assert_int_equal(m->n_layers, 10);
	for (int i = 0; i < 10; i++)
		assert_int_equal(m->layers[i].kind, kinds[i]);
	l = &m->layers[0]; /* Conv 3x3 stride [2,1] Truncate relu, 1 -> 4 */
	assert_string_equal(l->name, "layer0");
	assert_int_equal(l->kernel[0], 3);
	assert_int_equal(l->stride[0], 2);
	assert_int_equal(l->stride[1], 1);
	assert_int_equal(l->conv_mode, CM_TRUNCATE);
	assert_int_equal(l->act.kind, ACT_RELU);
	assert_int_equal(l->n_in, 1);
	assert_int_equal(l->n_out, 4);
	assert_string_equal(l->updater, "Adam");
	assert_string_equal(l->updater_cfg, "{\"@class\":\"" U "Adam\",\"beta1\":0.9,"
					    "\"beta2\":0.999,\"epsilon\":1e-08,"
					    "\"learningRate\":0.005}");
	l = &m->layers[1]; /* SeparableConv Same, dm 1, 4 -> 8 */
	assert_int_equal(l->conv_mode, CM_SAME);
	assert_int_equal(l->depth_mult, 1);
	assert_int_equal(l->n_out, 8);
	l = &m->layers[2]; /* MaxPool 3x3 stride 2, avgPoolIncludePadInDivisor false */
	assert_int_equal(l->pool, POOL_MAX);
	assert_int_equal(l->kernel[1], 3);
	assert_int_equal(l->stride[0], 2);
	assert_false(l->avg_include_pad);
	for (int i = 0; i < 4; i++)
		assert_int_equal(m->layers[3].zpad[i], 4);
	assert_int_equal(m->layers[4].up_size[0], 3);
	assert_int_equal(m->layers[4].up_size[1], 3);
	l = &m->layers[5];
	assert_int_equal(l->depth_mult, 2);
	assert_int_equal(l->n_in, 8);
	assert_int_equal(l->n_out, 16);
	assert_int_equal(m->layers[6].kernel[0], 2);
	assert_int_equal(m->layers[7].crop[0], 3);
	assert_int_equal(m->layers[7].crop[1], 3);
	assert_int_equal(m->layers[7].crop[2], 2);
	assert_int_equal(m->layers[7].crop[3], 2);
	assert_int_equal(m->layers[8].kernel[0], 4);
	assert_int_equal(m->layers[8].act.kind, ACT_SIGMOID);
	assert_string_equal(m->layers[9].loss, "MAE");
	assert_int_equal(m->layers[9].act.kind, ACT_IDENTITY);
	model_free(m);
}

static void test_corpus_bidirectional_graph(void **state)
{
	static const char *const order[] = { "input", "rnn1", "rnn2", "concat", "pooling", "out" };
	struct model *m;
	const struct layer *l;
	const struct vertex *v;

	(void)state;
	if (!have_corpus())
		skip();
	m = corpus(RT "100b6/SyntheticBidirectionalRNNGraph_100b6.bin");
	assert_int_equal(m->type, NET_CG);
	assert_int_equal(m->n_vertices, 6);
	for (int i = 0; i < 6; i++)
		assert_string_equal(m->vertices[i].name, order[i]);
	assert_int_equal(m->n_layers, 4);
	l = &m->layers[m->vertices[1].layer];
	assert_int_equal(l->kind, LK_BIDIRECTIONAL);
	assert_int_equal(l->bidir, BI_CONCAT);
	assert_int_equal(l->fwd->kind, LK_LSTM);
	assert_int_equal(l->bwd->kind, LK_LSTM);
	assert_int_equal(l->fwd->act.kind, ACT_RELU);
	assert_int_equal(l->fwd->gate_act.kind, ACT_SIGMOID);
	assert_int_equal(l->n_in, 10);
	assert_int_equal(l->n_out, 16);
	l = &m->layers[m->vertices[2].layer];
	assert_int_equal(l->fwd->kind, LK_SIMPLE_RNN);
	v = &m->vertices[3];
	assert_int_equal(v->kind, VK_MERGE);
	assert_int_equal(v->n_inputs, 2);
	assert_int_equal(v->inputs[0], 1);
	assert_int_equal(v->inputs[1], 2);
	l = &m->layers[m->vertices[4].layer];
	assert_int_equal(l->kind, LK_GLOBAL_POOLING);
	assert_int_equal(l->pool, POOL_MAX);
	assert_int_equal(l->n_pool_dims, 1);
	assert_int_equal(l->pool_dims[0], 2);
	assert_true(l->collapse);
	l = &m->layers[m->vertices[5].layer];
	assert_int_equal(l->kind, LK_OUTPUT);
	assert_int_equal(l->act.kind, ACT_SOFTMAX);
	assert_string_equal(l->loss, "MCXENT");
	assert_true(m->vertices[5].is_output);
	assert_string_equal(m->inputs[0], "input");
	assert_string_equal(m->outputs[0], "out");
	model_free(m);
}

static void test_corpus_malaria(void **state)
{
	struct model *m;
	const struct layer *l;

	(void)state;
	if (!have_corpus())
		skip();
	m = corpus("wild/LHNCBC__MalariaScreener__trained_model.zip");
	assert_int_equal(m->dialect, JD_LEGACY_WRAPPER);
	assert_true(m->legacy_updater_layout);
	assert_false(m->has_dtype);
	assert_int_equal(m->n_layers, 15);
	assert_string_equal(m->layers[0].name, "Con1_1");
	assert_string_equal(m->layers[0].updater, "RmsProp");
	l = &m->layers[1];
	assert_int_equal(l->kind, LK_BATCHNORM);
	assert_string_equal(l->name, "Norm1");
	assert_true(l->eps == 1e-5);
	assert_true(l->bn_decay == 0.9);
	assert_false(l->lock_gamma_beta);
	assert_int_equal(l->act.kind, ACT_SIGMOID);
	assert_int_equal(l->n_out, 32);
	assert_int_equal(m->layers[10].kind, LK_BATCHNORM);
	assert_int_equal(m->layers[10].n_out, 128);
	assert_int_equal(m->layers[9].kind, LK_SUBSAMPLING2D);
	assert_int_equal(m->layers[9].stride[0], 2);
	l = &m->layers[11];
	assert_non_null(l->pre);
	assert_int_equal(l->pre->kind, PP_CNN_TO_FF);
	assert_int_equal(l->pre->height, 2);
	assert_int_equal(l->pre->width, 2);
	assert_int_equal(l->pre->channels, 128);
	assert_int_equal(m->layers[14].kind, LK_OUTPUT);
	assert_int_equal(m->layers[14].n_out, 2);
	model_free(m);
}

/* Replaces "topologicalOrder(Str)" keys so that the graph has no stored order. */
static void hide_stored_order(char *json)
{
	char *p = json;

	while ((p = strstr(p, "\"topologicalOrder")))
		p[1] = 'X';
}

static void test_corpus_hwanghyebin(void **state)
{
	struct model *m, *k;
	size_t len;
	char *json;
	int i;

	(void)state;
	if (!have_corpus())
		skip();
	m = corpus("wild/Hwanghyebin99__Refresh_RestApi_Server__MyMultiLayerNetwork.zip");
	assert_int_equal(m->type, NET_CG);
	assert_int_equal(m->n_vertices, 51);
	assert_int_equal(m->n_inputs, 8);
	assert_int_equal(m->n_outputs, 1);
	assert_string_equal(m->outputs[0], "deepfm_output_loss");
	/* the SameDiff lambda layer: a LayerVertex whose layer class is unknown */
	i = vidx(m, "lambda");
	assert_int_equal(m->vertices[i].kind, VK_LAYER);
	assert_int_equal(m->layers[m->vertices[i].layer].kind, LK_OPAQUE);
	assert_string_equal(m->layers[m->vertices[i].layer].cls, "com.example.webapi.Lambda1");
	assert_int_equal(m->layers[m->vertices[i].layer].n_variables, 0);
	i = vidx(m, "cat_embed_2d_mcate");
	assert_int_equal(m->layers[m->vertices[i].layer].kind, LK_EMBEDDING_SEQ);
	assert_false(m->layers[m->vertices[i].layer].has_bias);
	i = vidx(m, "reshape_7");
	assert_int_equal(m->vertices[i].kind, VK_PREPROC);
	assert_int_equal(m->vertices[i].pre->kind, PP_RESHAPE);
	assert_int_equal(m->vertices[i].pre->rank, 2);
	assert_int_equal(m->vertices[i].pre->shape[1], 30);
	i = vidx(m, "flat_embed_2d");
	assert_int_equal(m->vertices[i].pre->kind, PP_UNKNOWN);
	i = vidx(m, "multiply");
	assert_int_equal(m->vertices[i].kind, VK_ELEMENTWISE);
	assert_string_equal(m->vertices[i].op, "Product");
	assert_int_equal(m->vertices[i].n_inputs, 2); /* the same input twice */
	assert_int_equal(m->vertices[i].inputs[0], m->vertices[i].inputs[1]);
	assert_int_equal(m->vertices[i].inputs[0], vidx(m, "sum_of_tensors"));
	assert_int_equal(m->vertices[vidx(m, "concatenate")].kind, VK_MERGE);
	assert_int_equal(m->vertices[vidx(m, "concat_embed_2d")].n_inputs, 8);
	assert_int_equal(m->layers[m->vertices[vidx(m, "deepfm_output_loss")].layer].kind, LK_LOSS);
	/* stored order: num_dense_1d_age (index 36) before num_dense_2d_age (index 8) */
	assert_string_equal(m->vertices[8].name, "num_dense_1d_age");
	assert_string_equal(m->vertices[9].name, "num_dense_2d_age");

	/* without topologicalOrderStr, DL4J's Kahn sort gives the very same order */
	json = slurp_entry("wild/Hwanghyebin99__Refresh_RestApi_Server__MyMultiLayerNetwork.zip",
			   &len);
	hide_stored_order(json);
	assert_null(strstr(json, "\"topologicalOrderStr\""));
	{
		struct err e = { 0 };

		assert_int_equal(codec_conf_parse(json, len, &k, &e), 0);
	}
	for (i = 0; i < m->n_vertices; i++)
		assert_string_equal(k->vertices[i].name, m->vertices[i].name);
	model_free(k);
	free(json);
	model_free(m);
}

static void test_corpus_legacy(void **state)
{
	struct model *m;

	(void)state;
	if (!have_corpus())
		skip();
	/* 0.5.0: string activations, enum loss, VALID conv, names from the index */
	m = corpus(RT "050/050_ModelSerializer_Regression_CNN_1.zip");
	assert_int_equal(m->dialect, JD_LEGACY_STRING_ACT);
	assert_true(m->legacy_updater_layout);
	assert_string_equal(m->layers[0].name, "0");
	assert_string_equal(m->layers[0].cls, "convolution");
	assert_int_equal(m->layers[0].act.kind, ACT_TANH);
	assert_int_equal(m->layers[0].conv_mode, CM_TRUNCATE);
	assert_int_equal(m->layers[0].kernel[1], 2);
	assert_string_equal(m->layers[0].updater, "RmsProp");
	assert_int_equal(m->layers[1].pool, POOL_MAX);
	assert_string_equal(m->layers[2].loss, "NEGATIVELOGLIKELIHOOD");
	assert_int_equal(m->layers[2].n_in, 2028);
	model_free(m);
	m = corpus(RT "050/050_ModelSerializer_Regression_MLP_2.zip");
	assert_int_equal(m->layers[0].act.kind, ACT_LEAKYRELU);
	assert_true(m->layers[0].act.p[0] == 0.01);
	model_free(m);

	/* 0.8.0 graph in wrapper form */
	m = corpus(RT "080/080_ModelSerializer_Regression_CG_LSTM_1.zip");
	assert_int_equal(m->type, NET_CG);
	assert_int_equal(m->dialect, JD_LEGACY_WRAPPER);
	assert_string_equal(m->vertices[0].name, "in");
	assert_string_equal(m->vertices[1].name, "0");
	assert_string_equal(m->vertices[1].cls, "LayerVertex");
	assert_int_equal(m->layers[0].kind, LK_GRAVES_LSTM);
	assert_int_equal(m->layers[0].act.kind, ACT_TANH);
	assert_int_equal(m->layers[0].gate_act.kind, ACT_SIGMOID);
	assert_int_equal(m->layers[1].kind, LK_GRAVES_BILSTM);
	assert_int_equal(m->layers[1].act.kind, ACT_SOFTSIGN);
	assert_int_equal(m->layers[2].kind, LK_RNN_OUTPUT);
	assert_string_equal(m->layers[2].loss, "MCXENT");
	assert_true(m->vertices[3].is_output);
	model_free(m);

	/* 0.8.0 MLN: wrapper activation with a leaky ReLU */
	m = corpus(RT "080/080_ModelSerializer_Regression_MLP_2.zip");
	assert_int_equal(m->layers[0].act.kind, ACT_LEAKYRELU);
	assert_string_equal(m->layers[0].act.name, "LReLU");
	assert_string_equal(m->layers[1].loss, "MSE");
	model_free(m);

	/* 1.0.0-alpha: Upsampling2D "size": 2, Same convolutions */
	m = corpus(RT "100a/upsampling/net.bin");
	assert_int_equal(m->layers[1].kind, LK_UPSAMPLING2D);
	assert_int_equal(m->layers[1].up_size[0], 2);
	assert_int_equal(m->layers[1].up_size[1], 2);
	assert_int_equal(m->layers[0].conv_mode, CM_SAME);
	assert_string_equal(m->layers[0].updater, "Sgd");
	assert_false(m->legacy_updater_layout);
	assert_int_equal(m->layers[3].pre->kind, PP_CNN_TO_FF);
	assert_int_equal(m->layers[3].pre->height, 56);
	model_free(m);
}

static void test_corpus_custom(void **state)
{
	static const char *const files[] = { RT "100b6/CustomLayerExample_100b6_double.bin",
					     RT "100b6/CustomLayerExample_100b6_float.bin",
					     RT "100b6/CustomLayerExample_100b6_half.bin" };
	static const enum dtype dts[] = { DT_F64, DT_F32, DT_F16 };
	struct model *m;

	(void)state;
	if (!have_corpus())
		skip();
	m = corpus(RT "100a/CustomLayerExample_100a.bin");
	assert_int_equal(m->layers[1].kind, LK_OPAQUE);
	assert_string_equal(m->layers[1].cls, "CustomLayer");
	assert_int_equal(m->layers[1].n_in, 6);
	assert_int_equal(m->layers[1].n_out, 7);
	assert_int_equal(m->layers[1].act.kind, ACT_TANH);
	assert_string_equal(m->layers[1].updater, "RmsProp");
	assert_int_equal(m->dialect, JD_LEGACY_WRAPPER);
	model_free(m);
	m = corpus(RT "100a/CustomLayerExample_Graph_100a.bin");
	assert_int_equal(m->type, NET_CG);
	assert_int_equal(m->layers[1].kind, LK_OPAQUE);
	assert_string_equal(m->layers[1].cls, "CustomLayer");
	model_free(m);
	for (int i = 0; i < 3; i++) {
		m = corpus(files[i]);
		assert_int_equal(m->dtype, dts[i]);
		assert_int_equal(m->layers[1].kind, LK_OPAQUE);
		assert_string_equal(
			m->layers[1].cls,
			"org.deeplearning4j.regressiontest.customlayer100a.CustomLayer");
		assert_int_equal(m->layers[2].act.kind, ACT_SOFTMAX);
		model_free(m);
	}
}

static void test_corpus_wild(void **state)
{
	struct model *m;

	(void)state;
	if (!have_corpus())
		skip();
	m = corpus("wild/Well5a__Dl4jRNNRegressionTest__bestModel.bin");
	assert_string_equal(m->backprop_type, "TruncatedBPTT");
	assert_int_equal(m->layers[0].kind, LK_LSTM);
	assert_int_equal(m->layers[0].act.kind, ACT_SOFTSIGN);
	assert_string_equal(m->layers[0].updater, "Nesterovs");
	model_free(m);
	m = corpus("wild/deeplearning4j__deeplearning4j-examples__PredictGender.net");
	assert_int_equal(m->dialect, JD_LEGACY_STRING_ACT);
	assert_string_equal(m->layers[0].updater, "Nesterovs");
	assert_int_equal(m->layers[0].act.kind, ACT_RELU);
	model_free(m);
	m = corpus("wild/deeplearning4j__deeplearning4j-examples__NewsModel.net");
	assert_int_equal(m->layers[0].kind, LK_GRAVES_LSTM);
	assert_int_equal(m->layers[0].n_out, 200);
	assert_int_equal(m->layers[1].kind, LK_RNN_OUTPUT);
	model_free(m);
	m = corpus("wild/deeplearning4j__deeplearning4j-examples__trained_iris_model.zip");
	assert_false(m->legacy_updater_layout); /* 0.9.x: iupdater next to the enum */
	assert_string_equal(m->layers[0].updater, "Sgd");
	model_free(m);
	m = corpus("dl4j-test-resources/dl4j-integration-tests/RnnCsvSequenceClassification2/"
		   "Model_RANDOM_INIT_UNTRAINED.zip");
	assert_int_equal(m->layers[0].kind, LK_BIDIRECTIONAL);
	assert_int_equal(m->layers[1].kind, LK_GLOBAL_POOLING);
	assert_int_equal(m->layers[1].pool, POOL_AVG);
	assert_int_equal(m->layers[1].n_pool_dims, 0);
	model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layer_kinds),
		cmocka_unit_test(test_layer_fields),
		cmocka_unit_test(test_wrappers),
		cmocka_unit_test(test_activations),
		cmocka_unit_test(test_preprocessors),
		cmocka_unit_test(test_updaters),
		cmocka_unit_test(test_mln_shell),
		cmocka_unit_test(test_graph_diamond),
		cmocka_unit_test(test_graph_hash_order),
		cmocka_unit_test(test_graph_vertices),
		cmocka_unit_test(test_graph_stored_order),
		cmocka_unit_test(test_errors_json_and_shell),
		cmocka_unit_test(test_errors_too_many_layers),
		cmocka_unit_test(test_errors_layers),
		cmocka_unit_test(test_errors_nesting),
		cmocka_unit_test(test_errors_preprocessors),
		cmocka_unit_test(test_errors_graph),
		cmocka_unit_test(test_errors_stored_order),
		cmocka_unit_test(test_oom),
		cmocka_unit_test(test_corpus_synthetic_cnn),
		cmocka_unit_test(test_corpus_bidirectional_graph),
		cmocka_unit_test(test_corpus_malaria),
		cmocka_unit_test(test_corpus_hwanghyebin),
		cmocka_unit_test(test_corpus_legacy),
		cmocka_unit_test(test_corpus_custom),
		cmocka_unit_test(test_corpus_wild),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	if (!have_corpus()) {
		fprintf(stderr, "corpus not found at %s: corpus tests skipped\n", DLFS_CORPUS_DIR);
		return rc ? rc : 77;
	}
	return rc;
}
