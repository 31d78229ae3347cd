/* test_conv.c - the convolution layers (engine/layers/conv.c): hand-computed cases for every
 * kind and convolution mode (including Same with an even kernel, which pads asymmetrically,
 * and Causal), an independent numpy reference over random configurations (run through
 * /usr/bin/python3; those cases skip when numpy is missing), every error path, and DL4J's own
 * end-to-end outputs for 100a/upsampling and 100b6/SyntheticCNN.
 */
/* cmocka needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codec/load.h"
#include "codec/nd4j.h"
#include "codec/zip.h"
#include "engine/engine.h"
#include "engine/engine_int.h"
#include "tests/unit/engine/layer_fixture.h"

/* ------------------------------------------------------------------ hand-computed cases */

static const float ramp9[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 }; /* 3x3 image, row-major */

/* x = [[1,2,3],[4,5,6],[7,8,9]], W = [[1,2],[3,4]], b = 0.5; cross-correlation:
 * y[0,0] = 1*1 + 2*2 + 4*3 + 5*4 + .5 = 37.5, y[0,1] = 2+6+15+24 + .5 = 47.5,
 * y[1,0] = 4+10+21+32 + .5 = 67.5, y[1,1] = 5+12+24+36 + .5 = 77.5 */
static void test_conv2d_truncate(void **state)
{
	static const float b[1] = { 0.5f }, want[4] = { 37.5f, 47.5f, 67.5f, 77.5f };
	const int64_t in[4] = { 1, 1, 3, 3 }, od[4] = { 1, 1, 2, 2 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_CONV2D, "conv1");
	f.c.n_in = 1;
	f.c.n_out = 1;
	set3(f.c.kernel, 2, 2, 0);
	fx_param(&f, "b", b, 1);
	fx_param(&f, "W", NULL, 4);
	assert_int_equal(fx_plan(&f, 4, in), 0);
	expect_shape(&f, 4, od);
	fx_run(&f, ramp9);
	expect_close(f.out, want, 4, 1e-5, 0);
	fx_free(&f);
}

/* Same mode, k = 2, stride 1 on 3x3: total padding 1 per dim, all of it bottom/right
 * (top/left = floor(1/2) = 0). y[i,j] = sum W[u,v] x[i+u, j+v], x = 0 outside:
 * row 0: 37.5 47.5 (3*1 + 6*3 = 21) + .5; row 1: 67.5 77.5 (6+27 = 33.5);
 * row 2: (7 + 16 = 23.5) (8 + 18 = 26.5) (9.5) */
static void test_conv2d_same_even_kernel(void **state)
{
	static const float b[1] = { 0.5f };
	static const float want[9] = {
		37.5f, 47.5f, 21.5f, 67.5f, 77.5f, 33.5f, 23.5f, 26.5f, 9.5f
	};
	const int64_t in[4] = { 1, 1, 3, 3 }, od[4] = { 1, 1, 3, 3 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_CONV2D, "conv1");
	f.c.n_in = 1;
	f.c.n_out = 1;
	f.c.conv_mode = CM_SAME;
	set3(f.c.kernel, 2, 2, 0);
	set3(f.c.pad, 5, 5, 0); /* ignored in Same mode */
	fx_param(&f, "b", b, 1);
	fx_param(&f, "W", NULL, 4);
	assert_int_equal(fx_plan(&f, 4, in), 0);
	expect_shape(&f, 4, od);
	fx_run(&f, ramp9);
	expect_close(f.out, want, 9, 1e-5, 0);
	fx_free(&f);
}

/* Truncate with padding 1 and stride 2 on 3x3 with a 3x3 all-ones kernel, no bias, and
 * ReLU after a bias of -20: out = (3 + 2 - 3)/2 + 1 = 2 per dim; windows start at -1 and 1:
 * [0,0] = 1+2+4+5 = 12, [0,1] = 2+3+5+6 = 16, [1,0] = 4+5+7+8 = 24, [1,1] = 5+6+8+9 = 28;
 * minus 20 then ReLU: 0 0 4 8. */
static void test_conv2d_pad_stride_relu(void **state)
{
	static const float b[1] = { -20 }, ones[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	static const float want[4] = { 0, 0, 4, 8 };
	const int64_t in[4] = { 1, 1, 3, 3 }, od[4] = { 1, 1, 2, 2 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_CONV2D, "conv1");
	f.c.n_in = 1;
	f.c.n_out = 1;
	f.c.act.kind = ACT_RELU;
	set3(f.c.kernel, 3, 3, 0);
	set3(f.c.stride, 2, 2, 1);
	set3(f.c.pad, 1, 1, 0);
	fx_param(&f, "b", b, 1);
	fx_param(&f, "W", ones, 9);
	assert_int_equal(fx_plan(&f, 4, in), 0);
	expect_shape(&f, 4, od);
	fx_run(&f, ramp9);
	expect_close(f.out, want, 4, 1e-5, 0);
	fx_free(&f);
}

/* Two input channels, two output channels, 1x1 kernel, no bias, batch 2: y[o] = sum_c W[o,c]
 * x[c] with W = [[1,2],[3,4]]; sample 0 x = (1, 10) -> (21, 43), sample 1 x = (2, 20) ->
 * (42, 86). Exercises the weight layout [nOut, nIn, kH, kW] and the 1x1 direct path. */
static void test_conv2d_channels(void **state)
{
	static const float x[4] = { 1, 10, 2, 20 }, want[4] = { 21, 43, 42, 86 };
	const int64_t in[4] = { 2, 2, 1, 1 }, od[4] = { 2, 2, 1, 1 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_CONV2D, "conv1");
	f.c.n_in = 2;
	f.c.n_out = 2;
	f.c.has_bias = false;
	fx_param(&f, "W", NULL, 4);
	assert_int_equal(fx_plan(&f, 4, in), 0);
	expect_shape(&f, 4, od);
	assert_int_equal(f.l.scratch, 0); /* 1x1, stride 1: no im2col */
	fx_run(&f, x);
	expect_close(f.out, want, 4, 1e-5, 0);
	fx_free(&f);
}

/* Conv1D [N,C,W], W stored [nOut, nIn, k, 1] = (1, 10). x = 1 2 3 4 5.
 * dilation 2 (extent 3): y[i] = x[i] + 10 x[i+2] = 31 42 53. */
static void test_conv1d_dilation(void **state)
{
	static const float x[5] = { 1, 2, 3, 4, 5 }, w[2] = { 1, 10 }, b[1] = { 0 };
	static const float want[3] = { 31, 42, 53 };
	const int64_t in[3] = { 1, 1, 5 }, od[3] = { 1, 1, 3 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_CONV1D, "c1d");
	f.c.n_in = 1;
	f.c.n_out = 1;
	f.c.kernel[0] = 2;
	f.c.dilation[0] = 2;
	fx_param(&f, "b", b, 1);
	fx_param(&f, "W", w, 2);
	assert_int_equal(fx_plan(&f, 3, in), 0);
	expect_shape(&f, 3, od);
	fx_run(&f, x);
	expect_close(f.out, want, 3, 1e-5, 0);
	fx_free(&f);
}

/* Causal = left padding (k-1)*d only, out = ceil(in/s). x = 1 2 3 4, W = (1, 10):
 * d=1: y = (0+10, 1+20, 2+30, 3+40) = 10 21 32 43;
 * d=2: y[i] = x[i-2] + 10 x[i] = 10 20 31 42;
 * d=1, s=2: out 2, windows start at -1, 1: y = 10, 2+30 = 32. */
static void test_conv1d_causal(void **state)
{
	static const float x[4] = { 1, 2, 3, 4 }, w[2] = { 1, 10 }, b[1] = { 0 };
	static const float want1[4] = { 10, 21, 32, 43 }, want2[4] = { 10, 20, 31, 42 };
	static const float want3[2] = { 10, 32 };
	const int64_t in[3] = { 1, 1, 4 }, od[3] = { 1, 1, 4 }, od3[3] = { 1, 1, 2 };
	struct fx f;

	(void)state;
	for (int t = 0; t < 3; t++) {
		fx_init(&f, LK_CONV1D, "causal");
		f.c.n_in = 1;
		f.c.n_out = 1;
		f.c.kernel[0] = 2;
		f.c.pad[0] = 7; /* ignored: Causal pads (k-1)*d on the left only */
		f.c.conv_mode = CM_CAUSAL;
		f.c.dilation[0] = t == 1 ? 2 : 1;
		f.c.stride[0] = t == 2 ? 2 : 1;
		fx_param(&f, "b", b, 1);
		fx_param(&f, "W", w, 2);
		assert_int_equal(fx_plan(&f, 3, in), 0);
		expect_shape(&f, 3, t == 2 ? od3 : od);
		fx_run(&f, x);
		expect_close(f.out,
			     t == 0   ? want1
			     : t == 1 ? want2
				      : want3,
			     t == 2 ? 2 : 4, 1e-5, 0);
		fx_free(&f);
	}
}

/* Deconvolution2D, W [nIn, nOut, kH, kW]. 2x2 input (1 2; 3 4), one channel, W = (1 2; 3 4),
 * stride 2, Truncate, no padding: out = 2*(2-1) + 2 = 4; windows do not overlap so y is the
 * Kronecker product x (x) W. */
static void test_deconv_kron(void **state)
{
	static const float x[4] = { 1, 2, 3, 4 }, b[1] = { 0 };
	static const float want[16] = { 1, 2, 2, 4, 3, 4, 6, 8, 3, 6, 4, 8, 9, 12, 12, 16 };
	const int64_t in[4] = { 1, 1, 2, 2 }, od[4] = { 1, 1, 4, 4 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_DECONV2D, "deconv");
	f.c.n_in = 1;
	f.c.n_out = 1;
	set3(f.c.kernel, 2, 2, 0);
	set3(f.c.stride, 2, 2, 0);
	fx_param(&f, "b", b, 1);
	fx_param(&f, "W", NULL, 4);
	assert_int_equal(fx_plan(&f, 4, in), 0);
	expect_shape(&f, 4, od);
	fx_run(&f, x);
	expect_close(f.out, want, 16, 1e-5, 0);
	fx_free(&f);
}

/* Deconvolution2D 1-D-like overlap and channel order: input 1x3 (1 2 3) with nIn = 1, nOut = 2,
 * kernel 1x2, stride 1: out width 3 - 1 + 2 = 4. W [1, 2, 1, 2] = channel 0 (1 2), channel 1
 * (3 4). y0 = (1, 2+2, 4+3, 6) = 1 4 7 6; y1 = (3, 4+6, 8+9, 12) = 3 10 17 12; bias (10, 20). */
static void test_deconv_overlap(void **state)
{
	static const float x[3] = { 1, 2, 3 }, b[2] = { 10, 20 };
	static const float want[8] = { 11, 14, 17, 16, 23, 30, 37, 32 };
	const int64_t in[4] = { 1, 1, 1, 3 }, od[4] = { 1, 2, 1, 4 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_DECONV2D, "deconv");
	f.c.n_in = 1;
	f.c.n_out = 2;
	set3(f.c.kernel, 1, 2, 0);
	fx_param(&f, "b", b, 2);
	fx_param(&f, "W", NULL, 4);
	assert_int_equal(fx_plan(&f, 4, in), 0);
	expect_shape(&f, 4, od);
	fx_run(&f, x);
	expect_close(f.out, want, 8, 1e-5, 0);
	fx_free(&f);
}

/* Deconvolution output shapes: Truncate s(in-1) + kE - 2p, Same in*s. */
static void test_deconv_shapes(void **state)
{
	static const struct {
		enum conv_mode mode;
		int64_t in, k, s, p, d, want;
	} cases[] = {
		{ CM_TRUNCATE, 3, 3, 2, 1, 1, 5 },  { CM_TRUNCATE, 5, 2, 1, 0, 1, 6 },
		{ CM_TRUNCATE, 4, 3, 3, 0, 2, 14 }, { CM_SAME, 3, 3, 2, 9, 1, 6 },
		{ CM_SAME, 7, 4, 3, 0, 1, 21 },	    { CM_STRICT, 2, 5, 1, 2, 1, 2 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const int64_t in[4] = { 1, 1, cases[i].in, 2 };
		struct fx f;

		fx_init(&f, LK_DECONV2D, "deconv");
		f.c.n_in = 1;
		f.c.n_out = 1;
		f.c.conv_mode = cases[i].mode;
		set3(f.c.kernel, cases[i].k, 1, 0);
		set3(f.c.stride, cases[i].s, 1, 0);
		set3(f.c.pad, cases[i].p, 0, 0);
		set3(f.c.dilation, cases[i].d, 1, 0);
		fx_param(&f, "b", NULL, 1);
		fx_param(&f, "W", NULL, cases[i].k);
		assert_int_equal(fx_plan(&f, 4, in), 0);
		assert_int_equal(f.l.out.d[2], cases[i].want);
		assert_int_equal(f.l.out.d[3], 2);
		fx_free(&f);
	}
}

/* DepthwiseConvolution2D: W [kH, kW, nIn, dm]; output channel c*dm + m uses W[:, :, c, m].
 * 1x1 kernel, nIn 2, dm 2, W = (2 3 5 7) flat: channel (c0,m0) 2, (c0,m1) 3, (c1,m0) 5,
 * (c1,m1) 7. x = (1, 10) -> 2 3 50 70, plus bias 0.5 each. */
static void test_depthwise_order(void **state)
{
	static const float x[2] = { 1, 10 }, w[4] = { 2, 3, 5, 7 }, b[4] = { .5f, .5f, .5f, .5f };
	static const float want[4] = { 2.5f, 3.5f, 50.5f, 70.5f };
	const int64_t in[4] = { 1, 2, 1, 1 }, od[4] = { 1, 4, 1, 1 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_DWCONV2D, "dw");
	f.c.n_in = 2;
	f.c.n_out = 4;
	f.c.depth_mult = 2;
	fx_param(&f, "b", b, 4);
	fx_param(&f, "W", w, 4);
	assert_int_equal(fx_plan(&f, 4, in), 0);
	expect_shape(&f, 4, od);
	fx_run(&f, x);
	expect_close(f.out, want, 4, 1e-5, 0);
	fx_free(&f);
}

/* SeparableConvolution2D: depthwise W [dm, nIn, kH, kW] (no bias), pointwise pW [nOut, nIn*dm,
 * 1, 1], then bias. nIn 2, dm 2, 1x1: W flat (1 2 3 4) = W[m][c]: mid channel c*dm + m gets
 * W[m][c]: (c0,m0) 1, (c0,m1) 3, (c1,m0) 2, (c1,m1) 4. pW = (1 10 100 1000), b = 7:
 * y = 1*x0 + 30*x0 + 200*x1 + 4000*x1 + 7 = 31 x0 + 4200 x1 + 7; x = (1, 2) -> 8438. */
static void test_separable_order(void **state)
{
	static const float x[2] = { 1, 2 }, w[4] = { 1, 2, 3, 4 }, pw[4] = { 1, 10, 100, 1000 };
	static const float b[1] = { 7 }, want[1] = { 8438 };
	const int64_t in[4] = { 1, 2, 1, 1 }, od[4] = { 1, 1, 1, 1 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_SEPCONV2D, "sep");
	f.c.n_in = 2;
	f.c.n_out = 1;
	f.c.depth_mult = 2;
	fx_param(&f, "b", b, 1);
	fx_param(&f, "W", w, 4);
	fx_param(&f, "pW", pw, 4);
	assert_int_equal(fx_plan(&f, 4, in), 0);
	expect_shape(&f, 4, od);
	fx_run(&f, x);
	expect_close(f.out, want, 1, 1e-3, 0);
	fx_free(&f);
}

/* Convolution3D [N,C,D,H,W], W [nOut, nIn, kD, kH, kW]: a 2x2x2 input 1..8 with a 2x2x2 ramp
 * kernel 1..8 gives the single value sum i^2 = 204, plus bias 1. */
static void test_conv3d_small(void **state)
{
	static const float x[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, b[1] = { 1 }, want[1] = { 205 };
	const int64_t in[5] = { 1, 1, 2, 2, 2 }, od[5] = { 1, 1, 1, 1, 1 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_CONV3D, "c3d");
	f.c.n_in = 1;
	f.c.n_out = 1;
	set3(f.c.kernel, 2, 2, 2);
	fx_param(&f, "b", b, 1);
	fx_param(&f, "W", NULL, 8);
	assert_int_equal(fx_plan(&f, 5, in), 0);
	expect_shape(&f, 5, od);
	fx_run(&f, x);
	expect_close(f.out, want, 1, 1e-4, 0);
	fx_free(&f);
}

/* ------------------------------------------------------------------ errors */

static void conv_fx(struct fx *f, int64_t nin, int64_t nout, int64_t k)
{
	fx_init(f, LK_CONV2D, "conv1");
	f->c.n_in = nin;
	f->c.n_out = nout;
	set3(f->c.kernel, k, k, 0);
	fx_param(f, "b", NULL, nout);
	fx_param(f, "W", NULL, nout * nin * k * k);
}

static void test_errors(void **state)
{
	const int64_t in3[4] = { 1, 3, 5, 5 }, in4[4] = { 1, 4, 5, 5 }, small[4] = { 1, 4, 1, 5 };
	const int64_t r3[3] = { 1, 4, 5 };
	struct fx f;

	(void)state;
	conv_fx(&f, 4, 2, 2);
	expect_err(&f, 4, in3, -EINVAL,
		   "layer 'conv1' (ConvolutionLayer): input has 3 channels, "
		   "nIn is 4");
	fx_free(&f);

	conv_fx(&f, 4, 2, 2);
	expect_err(&f, 3, r3, -EINVAL,
		   "layer 'conv1' (ConvolutionLayer): input has rank 3, "
		   "expected 4 ([N,C,H,W])");
	fx_free(&f);

	conv_fx(&f, 4, 2, 2);
	f.c.conv_mode = CM_STRICT;
	set3(f.c.stride, 2, 2, 0);
	expect_err(
		&f, 4, in4, -EINVAL,
		"layer 'conv1' (ConvolutionLayer): convolution mode Strict: input height 5 + 2*0 "
		"- kernel extent 2 is not divisible by stride 2");
	fx_free(&f);

	conv_fx(&f, 4, 2, 3);
	set3(f.c.dilation, 2, 1, 0); /* extent 5 > 1 */
	expect_err(
		&f, 4, small, -EINVAL,
		"layer 'conv1' (ConvolutionLayer): input height 1 with padding 0 is smaller than "
		"the kernel extent 5");
	fx_free(&f);

	conv_fx(&f, 4, 2, 2);
	f.c.conv_mode = CM_CAUSAL;
	expect_err(&f, 4, in4, -EINVAL,
		   "layer 'conv1' (ConvolutionLayer): convolution mode Causal is only defined for "
		   "1-D layers");
	fx_free(&f);

	conv_fx(&f, 4, 2, 2);
	set3(f.c.stride, 0, 1, 0);
	expect_err(&f, 4, in4, -EINVAL,
		   "layer 'conv1' (ConvolutionLayer): stride 0 is not in [1, 1048576]");
	fx_free(&f);

	conv_fx(&f, 4, 2, 2);
	strcpy(f.c.data_format, "NHWC");
	expect_err(&f, 4, in4, -ENOTSUP,
		   "layer 'conv1' (ConvolutionLayer): data format NHWC is not supported "
		   "(channels-first only)");
	fx_free(&f);

	conv_fx(&f, 4, 2, 2);
	f.c.act.kind = ACT_SOFTMAX;
	strcpy(f.c.act.name, "Softmax");
	expect_err(&f, 4, in4, -ENOTSUP,
		   "layer 'conv1' (ConvolutionLayer): activation Softmax is not supported here");
	fx_free(&f);

	/* parameters: missing, wrong size */
	fx_init(&f, LK_CONV2D, "conv1");
	f.c.n_in = 4;
	f.c.n_out = 2;
	set3(f.c.kernel, 2, 2, 0);
	fx_param(&f, "b", NULL, 2);
	expect_err(&f, 4, in4, -EINVAL, "layer 'conv1' (ConvolutionLayer): parameter W is missing");
	fx_free(&f);

	fx_init(&f, LK_CONV2D, "conv1");
	f.c.n_in = 4;
	f.c.n_out = 2;
	set3(f.c.kernel, 2, 2, 0);
	fx_param(&f, "b", NULL, 2);
	fx_param(&f, "W", NULL, 31);
	expect_err(&f, 4, in4, -EINVAL,
		   "layer 'conv1' (ConvolutionLayer): parameter W has 31 values, expected 32");
	fx_free(&f);

	fx_init(&f, LK_CONV2D, "conv1");
	f.c.n_in = 4;
	f.c.n_out = 2;
	set3(f.c.kernel, 2, 2, 0);
	fx_param(&f, "W", NULL, 32);
	expect_err(&f, 4, in4, -EINVAL, "layer 'conv1' (ConvolutionLayer): parameter b is missing");
	fx_free(&f);

	fx_init(&f, LK_CONV2D, "conv1");
	f.c.n_in = 0;
	f.c.n_out = 2;
	expect_err(&f, 4, in4, -EINVAL,
		   "layer 'conv1' (ConvolutionLayer): nIn 0 is not in [1, 2147483647]");
	fx_free(&f);

	fx_init(&f, LK_CONV2D, "conv1");
	f.c.n_in = 4;
	f.c.n_out = 2;
	set3(f.c.kernel, 0, 2, 0);
	expect_err(&f, 4, in4, -EINVAL,
		   "layer 'conv1' (ConvolutionLayer): kernel size 0 is not in [1, 1048576]");
	fx_free(&f);

	fx_init(&f, LK_CONV2D, "conv1");
	f.c.nd = 1;
	expect_err(&f, 4, in4, -EINVAL,
		   "layer 'conv1' (ConvolutionLayer): 1 spatial dimensions, expected 2");
	fx_free(&f);

	fx_init(&f, LK_DWCONV2D, "dw");
	f.c.n_in = 2;
	f.c.n_out = 5;
	f.c.depth_mult = 2;
	expect_err(&f, 4, in4, -EINVAL,
		   "layer 'dw' (DepthwiseConvolution2D): nOut 5 is not nIn * depthMultiplier = 4");
	fx_free(&f);

	fx_init(&f, LK_SEPCONV2D, "sep");
	f.c.n_in = 2;
	f.c.n_out = 3;
	f.c.depth_mult = 0;
	expect_err(
		&f, 4, in4, -EINVAL,
		"layer 'sep' (SeparableConvolution2D): depthMultiplier 0 is not in [1, 1048576]");
	fx_free(&f);

	fx_init(&f, LK_SEPCONV2D, "sep");
	f.c.n_in = 2;
	f.c.n_out = 3;
	fx_param(&f, "b", NULL, 3);
	fx_param(&f, "W", NULL, 2);
	expect_err(&f, 4, in4, -EINVAL,
		   "layer 'sep' (SeparableConvolution2D): parameter pW is missing");
	fx_free(&f);

	fx_init(&f, LK_DECONV2D, "up");
	f.c.n_in = 4;
	f.c.n_out = 1;
	set3(f.c.kernel, 2, 2, 0);
	set3(f.c.pad, 3, 0, 0);
	fx_param(&f, "b", NULL, 1);
	fx_param(&f, "W", NULL, 16);
	expect_err(&f, 4, small, -EINVAL,
		   "layer 'up' (Deconvolution2D): output height would be -4 (input 1, stride 1, "
		   "kernel extent 2, padding 3)");
	fx_free(&f);

	/* infer without bind */
	fx_init(&f, LK_CONV2D, "conv1");
	{
		const struct eng_impl *tab[LK__COUNT] = { 0 };

		eng_register_conv(tab);
		f.l.in.rank = 4;
		memcpy(f.l.in.d, in4, sizeof(in4));
		assert_int_equal(tab[LK_CONV2D]->infer(&f.l, &f.e), -EINVAL);
		assert_string_equal(f.e.msg, "layer 'conv1' (ConvolutionLayer): planned before its "
					     "parameters were bound");
	}
	fx_free(&f);
}

/* ------------------------------------------------------------------ numpy reference */

/* Independent reference: explicit zero padding (np.pad) and window slices, following the
 * geometry rules of FORMAT.md 7.3 written out again here. */
static const char ref_py[] =
	"import sys, json, itertools\n"
	"import numpy as np\n"
	"def load(n, shape):\n"
	"    return np.fromfile(d + '/' + n + '.bin', "
	"dtype=np.float32).astype(np.float64).reshape(shape)\n"
	"def geom(n, k, s, p, dl, mode):\n"
	"    ke = k + (k - 1) * (dl - 1)\n"
	"    if mode == 'Same':\n"
	"        o = -(-n // s); lo = max(0, (o - 1) * s + ke - n) // 2\n"
	"    elif mode == 'Causal':\n"
	"        o = -(-n // s); lo = (k - 1) * dl\n"
	"    else:\n"
	"        o = (n + 2 * p - ke) // s + 1; lo = p\n"
	"    return o, lo, ke\n"
	"def conv(x, W, ks, st, pd, dl, mode):\n"
	"    nd = x.ndim - 2\n"
	"    g = [geom(x.shape[2 + i], ks[i], st[i], pd[i], dl[i], mode) for i in range(nd)]\n"
	"    pads = [(0, 0), (0, 0)]\n"
	"    for i in range(nd):\n"
	"        o, lo, ke = g[i]\n"
	"        pads.append((lo, max(0, (o - 1) * st[i] + ke - x.shape[2 + i] - lo)))\n"
	"    xp = np.pad(x, pads)\n"
	"    outs = [t[0] for t in g]\n"
	"    y = np.zeros((x.shape[0], W.shape[0]) + tuple(outs))\n"
	"    ax = list(range(1, nd + 2))\n"
	"    for o in itertools.product(*[range(n) for n in outs]):\n"
	"        sl = tuple(slice(o[i] * st[i], o[i] * st[i] + g[i][2], dl[i]) for i in "
	"range(nd))\n"
	"        win = xp[(slice(None), slice(None)) + sl]\n"
	"        y[(slice(None), slice(None)) + o] = np.tensordot(win, W, axes=(ax, ax))\n"
	"    return y\n"
	"def deconv(x, W, ks, st, pd, dl, mode):\n"
	"    N, Ci, H, Wd = x.shape\n"
	"    ke = [ks[i] + (ks[i] - 1) * (dl[i] - 1) for i in range(2)]\n"
	"    ins = [H, Wd]\n"
	"    if mode == 'Same':\n"
	"        outs = [ins[i] * st[i] for i in range(2)]\n"
	"        lead = [int((ke[i] - st[i]) / 2) for i in range(2)]\n"
	"    else:\n"
	"        outs = [st[i] * (ins[i] - 1) + ke[i] - 2 * pd[i] for i in range(2)]\n"
	"        lead = list(pd)\n"
	"    y = np.zeros((N, W.shape[1], outs[0], outs[1]))\n"
	"    for i, j, u, v in itertools.product(range(H), range(Wd), range(ks[0]), "
	"range(ks[1])):\n"
	"        h = i * st[0] - lead[0] + u * dl[0]\n"
	"        w = j * st[1] - lead[1] + v * dl[1]\n"
	"        if 0 <= h < outs[0] and 0 <= w < outs[1]:\n"
	"            y[:, :, h, w] += x[:, :, i, j] @ W[:, :, u, v]\n"
	"    return y\n"
	"def main():\n"
	"    kind = cfg['kind']\n"
	"    x = load('x', cfg['x'])\n"
	"    W = load('W', cfg['W'])\n"
	"    a = (cfg['k'], cfg['s'], cfg['p'], cfg['d'], cfg['mode'])\n"
	"    if kind == 'conv':\n"
	"        y = conv(x, W.reshape(W.shape[0], W.shape[1], *cfg['k']), *a)\n"
	"    elif kind == 'deconv':\n"
	"        y = deconv(x, W, *a)\n"
	"    elif kind == 'dw':\n"
	"        C, dm = x.shape[1], W.shape[3]\n"
	"        y = np.stack([conv(x[:, c:c + 1], W[:, :, c, m][None, None], *a)[:, 0]\n"
	"                      for c in range(C) for m in range(dm)], axis=1)\n"
	"    else:\n"
	"        C, dm = x.shape[1], W.shape[0]\n"
	"        mid = np.stack([conv(x[:, c:c + 1], W[m, c][None, None], *a)[:, 0]\n"
	"                        for c in range(C) for m in range(dm)], axis=1)\n"
	"        pW = load('pW', cfg['pW'])[:, :, 0, 0]\n"
	"        y = np.einsum('oc,nc...->no...', pW, mid)\n"
	"    if cfg['bias']:\n"
	"        y += load('b', [cfg['nout']]).reshape((1, -1) + (1,) * (y.ndim - 2))\n"
	"    if cfg['act'] == 'relu':\n"
	"        y = np.maximum(y, 0)\n"
	"    elif cfg['act'] == 'tanh':\n"
	"        y = np.tanh(y)\n"
	"    y.astype(np.float32).tofile(d + '/y.bin')\n"
	"    open(d + '/y.shape', 'w').write(' '.join(str(v) for v in y.shape))\n"
	"for d in sys.argv[1:]:\n"
	"    cfg = json.load(open(d + '/cfg.json'))\n"
	"    main()\n";

static uint32_t rng_state = 12345;

struct refcase {
	enum layer_kind kind;
	enum conv_mode mode;
	int rank;
	int64_t shape[5];
	int64_t nout, dm;
	int64_t k[3], s[3], p[3], d[3];
	bool bias;
	enum act_kind act;
};

static const char *mode_name(enum conv_mode m)
{
	return m == CM_SAME	? "Same"
	       : m == CM_CAUSAL ? "Causal"
	       : m == CM_STRICT ? "Strict"
				: "Truncate";
}

/* Runs case idx of cases[] through the engine and writes its inputs, the engine's output
 * and the reference configuration into dir (fx_numpy_cases). */
static void prepare_refcase(const void *cases, int idx, const char *dir)
{
	const struct refcase *rc = (const struct refcase *)cases + idx;
	const int nd = rc->rank - 2;
	const int64_t cin = rc->shape[1];
	int64_t kprod = 1, nw, nout = rc->nout, wshape[5], nws = 4, pwn = 0, nx = 1;
	char cfg[1024], ls[6][64];
	float *x, *w, *b, *pw = NULL;
	struct fx f;

	for (int i = 0; i < nd; i++)
		kprod *= rc->k[i];
	for (int i = 0; i < rc->rank; i++)
		nx *= rc->shape[i];
	fx_init(&f, rc->kind, "ref");
	f.c.n_in = cin;
	f.c.conv_mode = rc->mode;
	f.c.has_bias = rc->bias;
	f.c.act.kind = rc->act;
	f.c.depth_mult = rc->dm;
	for (int i = 0; i < nd; i++) {
		f.c.kernel[i] = rc->k[i];
		f.c.stride[i] = rc->s[i];
		f.c.pad[i] = rc->p[i];
		f.c.dilation[i] = rc->d[i];
	}
	switch (rc->kind) {
	case LK_DWCONV2D:
		nout = cin * rc->dm;
		nw = kprod * cin * rc->dm;
		wshape[0] = rc->k[0];
		wshape[1] = rc->k[1];
		wshape[2] = cin;
		wshape[3] = rc->dm;
		break;
	case LK_SEPCONV2D:
		nw = kprod * cin * rc->dm;
		pwn = nout * cin * rc->dm;
		wshape[0] = rc->dm;
		wshape[1] = cin;
		wshape[2] = rc->k[0];
		wshape[3] = rc->k[1];
		break;
	case LK_DECONV2D:
		nw = kprod * cin * nout;
		wshape[0] = cin;
		wshape[1] = nout;
		wshape[2] = rc->k[0];
		wshape[3] = rc->k[1];
		break;
	default:
		nw = kprod * cin * nout;
		wshape[0] = nout;
		wshape[1] = cin;
		for (int i = 0; i < nd; i++)
			wshape[2 + i] = rc->k[i];
		nws = 2 + nd;
		if (nd == 1) { /* Conv1D stores [nOut, nIn, k, 1] */
			wshape[3] = 1;
			nws = 4;
		}
		break;
	}
	f.c.n_out = nout;
	x = calloc((size_t)nx, sizeof(float));
	w = calloc((size_t)nw, sizeof(float));
	b = calloc((size_t)nout, sizeof(float));
	assert_true(x && w && b);
	for (int64_t i = 0; i < nx; i++)
		x[i] = fx_rnd(&rng_state);
	for (int64_t i = 0; i < nw; i++)
		w[i] = fx_rnd(&rng_state);
	for (int64_t i = 0; i < nout; i++)
		b[i] = fx_rnd(&rng_state);
	if (rc->bias)
		fx_param(&f, "b", b, nout);
	fx_param(&f, "W", w, nw);
	if (pwn) {
		pw = calloc((size_t)pwn, sizeof(float));
		assert_non_null(pw);
		for (int64_t i = 0; i < pwn; i++)
			pw[i] = fx_rnd(&rng_state);
		fx_param(&f, "pW", pw, pwn);
	}
	if (fx_plan(&f, rc->rank, rc->shape))
		fail_msg("case %d: %s", idx, f.e.msg);
	fx_run(&f, x);

	write_file(dir, "x.bin", x, (size_t)nx * sizeof(float));
	write_file(dir, "W.bin", w, (size_t)nw * sizeof(float));
	write_file(dir, "b.bin", b, (size_t)nout * sizeof(float));
	if (pw)
		write_file(dir, "pW.bin", pw, (size_t)pwn * sizeof(float));
	fx_save_output(&f, dir);
	json_list(ls[0], sizeof(ls[0]), rc->shape, rc->rank);
	json_list(ls[1], sizeof(ls[1]), wshape, (int)nws);
	json_list(ls[2], sizeof(ls[2]), rc->k, nd);
	json_list(ls[3], sizeof(ls[3]), rc->s, nd);
	json_list(ls[4], sizeof(ls[4]), rc->p, nd);
	json_list(ls[5], sizeof(ls[5]), rc->d, nd);
	snprintf(cfg, sizeof(cfg),
		 "{\"kind\": \"%s\", \"x\": %s, \"W\": %s, \"k\": %s, \"s\": %s, \"p\": %s, "
		 "\"d\": %s, \"mode\": \"%s\", \"bias\": %s, \"nout\": %lld, \"act\": \"%s\", "
		 "\"pW\": [%lld, %lld, 1, 1]}",
		 rc->kind == LK_DWCONV2D    ? "dw"
		 : rc->kind == LK_SEPCONV2D ? "sep"
		 : rc->kind == LK_DECONV2D  ? "deconv"
					    : "conv",
		 ls[0], ls[1], ls[2], ls[3], ls[4], ls[5], mode_name(rc->mode),
		 rc->bias ? "true" : "false", (long long)nout,
		 rc->act == ACT_RELU   ? "relu"
		 : rc->act == ACT_TANH ? "tanh"
				       : "identity",
		 (long long)nout, (long long)(cin * rc->dm));
	write_file(dir, "cfg.json", cfg, strlen(cfg));
	free(x);
	free(w);
	free(b);
	free(pw);
	fx_free(&f);
}

/* clang-format off */
#define K2(a, b) { a, b, 0 }
#define K1(a) { a, 0, 0 }
/* clang-format on */

static void test_numpy_reference(void **state)
{
	/* clang-format off */
	static const struct refcase cases[] = {
		/* kind, mode, rank, shape, nout, dm, k, s, p, d, bias, act */
		{ LK_CONV2D, CM_TRUNCATE, 4, { 2, 3, 7, 6 }, 4, 1,
		  K2(3, 2), K2(1, 1), K2(0, 0), K2(1, 1), true, ACT_IDENTITY },
		{ LK_CONV2D, CM_TRUNCATE, 4, { 2, 3, 9, 8 }, 5, 1,
		  K2(3, 3), K2(2, 3), K2(1, 2), K2(1, 1), true, ACT_RELU },
		{ LK_CONV2D, CM_SAME, 4, { 1, 2, 7, 8 }, 3, 1,
		  K2(2, 4), K2(1, 1), K2(3, 3), K2(1, 1), true, ACT_TANH },
		{ LK_CONV2D, CM_SAME, 4, { 2, 2, 9, 7 }, 3, 1,
		  K2(3, 2), K2(2, 3), K2(0, 0), K2(2, 1), false, ACT_IDENTITY },
		{ LK_CONV2D, CM_STRICT, 4, { 1, 2, 9, 7 }, 2, 1,
		  K2(3, 3), K2(2, 2), K2(1, 0), K2(1, 1), true, ACT_IDENTITY },
		{ LK_CONV2D, CM_TRUNCATE, 4, { 1, 3, 10, 9 }, 2, 1,
		  K2(3, 2), K2(1, 2), K2(2, 1), K2(3, 2), true, ACT_IDENTITY },
		{ LK_CONV1D, CM_TRUNCATE, 3, { 2, 3, 11 }, 4, 1,
		  K1(3), K1(2), K1(1), K1(2), true, ACT_IDENTITY },
		{ LK_CONV1D, CM_SAME, 3, { 2, 2, 10 }, 3, 1,
		  K1(4), K1(3), K1(0), K1(1), true, ACT_IDENTITY },
		{ LK_CONV1D, CM_CAUSAL, 3, { 2, 2, 9 }, 3, 1,
		  K1(3), K1(2), K1(0), K1(2), true, ACT_RELU },
		{ LK_CONV3D, CM_TRUNCATE, 5, { 2, 2, 4, 5, 6 }, 3, 1,
		  { 2, 3, 2 }, { 1, 2, 2 }, { 1, 0, 1 }, { 1, 1, 2 }, true, ACT_IDENTITY },
		{ LK_CONV3D, CM_SAME, 5, { 1, 2, 3, 4, 5 }, 2, 1,
		  { 2, 2, 3 }, { 2, 1, 2 }, { 0, 0, 0 }, { 1, 1, 1 }, false, ACT_IDENTITY },
		{ LK_DECONV2D, CM_TRUNCATE, 4, { 2, 3, 4, 3 }, 2, 1,
		  K2(3, 2), K2(2, 3), K2(1, 0), K2(1, 1), true, ACT_IDENTITY },
		{ LK_DECONV2D, CM_TRUNCATE, 4, { 1, 2, 3, 3 }, 3, 1,
		  K2(2, 3), K2(1, 2), K2(0, 1), K2(2, 1), true, ACT_TANH },
		{ LK_DECONV2D, CM_SAME, 4, { 2, 2, 3, 4 }, 2, 1,
		  K2(3, 4), K2(2, 2), K2(0, 0), K2(1, 1), true, ACT_IDENTITY },
		{ LK_DECONV2D, CM_SAME, 4, { 1, 2, 3, 3 }, 2, 1,
		  K2(1, 2), K2(3, 3), K2(0, 0), K2(1, 1), false, ACT_IDENTITY },
		{ LK_DWCONV2D, CM_TRUNCATE, 4, { 2, 3, 6, 7 }, 0, 2,
		  K2(3, 2), K2(1, 2), K2(1, 0), K2(1, 1), true, ACT_IDENTITY },
		{ LK_DWCONV2D, CM_SAME, 4, { 1, 2, 7, 5 }, 0, 3,
		  K2(2, 3), K2(2, 1), K2(0, 0), K2(1, 2), true, ACT_RELU },
		{ LK_SEPCONV2D, CM_SAME, 4, { 2, 3, 6, 5 }, 4, 2,
		  K2(3, 3), K2(1, 1), K2(0, 0), K2(1, 1), true, ACT_IDENTITY },
		{ LK_SEPCONV2D, CM_TRUNCATE, 4, { 1, 2, 8, 7 }, 3, 1,
		  K2(2, 3), K2(2, 1), K2(1, 1), K2(2, 1), false, ACT_TANH },
	};
	/* clang-format on */

	(void)state;
	fx_numpy_cases("conv", ref_py, cases, (int)(sizeof(cases) / sizeof(cases[0])),
		       prepare_refcase);
}

/* ------------------------------------------------------------------ golden end to end */

#define REG_DIR DLFS_SRC_DIR "/tests/data/dl4j-test-resources/regression_testing"

static struct tensor *read_array(const char *path)
{
	size_t sz;
	uint8_t *buf = slurp(path, &sz);
	struct tensor *t = NULL;
	struct err e = { 0 };

	if (codec_nd4j_decode(buf, sz, &t, NULL, NULL, &e))
		fail_msg("%s: %s", path, e.msg);
	free(buf);
	return t;
}

/* c-order float32 copy of any decoded tensor */
static float *to_f32(const struct tensor *t)
{
	int64_t n = tensor_numel(t);
	float *v = malloc((size_t)n * sizeof(float));

	assert_non_null(v);
	for (int64_t i = 0; i < n; i++)
		v[i] = (float)tensor_get_f64(t, i);
	return v;
}

static void golden(const char *net_path, const char *in_path, const char *out_path)
{
	struct dl4j_archive *a = NULL;
	enum load_fail fail_class;
	struct err e = { 0 };
	struct tensor *tin, *tout, *coef = NULL, xin, yout;
	const struct tensor *ins[1], *osh;
	struct tensor *outs[1];
	uint8_t *buf = NULL;
	size_t len = 0;
	float *params, *x, *want, *got;
	struct eng_net *net = NULL;
	double mx = 0, err_max = 0;
	int64_t n;

	if (codec_load(net_path, &a, &fail_class, &e))
		fail_msg("%s: %s", net_path, e.msg);
	if (codec_zip_read_all(a->zip, a->coef_e, (size_t)1 << 30, &buf, &len, &e) ||
	    codec_nd4j_decode(buf, len, &coef, NULL, NULL, &e))
		fail_msg("coefficients: %s", e.msg);
	assert_int_equal(tensor_numel(coef), a->model->n_coeffs);
	params = to_f32(coef);
	tin = read_array(in_path);
	tout = read_array(out_path);
	x = to_f32(tin);
	want = to_f32(tout);

	if (eng_net_new(a->model, params, &net, &e))
		fail_msg("eng_net_new: %s", e.msg);
	memset(&xin, 0, sizeof(xin));
	xin.dtype = DT_F32;
	xin.rank = tin->rank;
	memcpy(xin.shape, tin->shape, sizeof(xin.shape));
	tensor_std_strides(xin.rank, xin.shape, 'c', xin.stride);
	xin.order = 'c';
	xin.data = x;
	ins[0] = &xin;
	if (eng_plan(net, 1, ins, &e))
		fail_msg("eng_plan: %s", e.msg);
	assert_int_equal(eng_n_outputs(net), 1);
	osh = eng_output_shape(net, 0);
	assert_int_equal(osh->rank, tout->rank);
	for (int i = 0; i < osh->rank; i++)
		assert_int_equal(osh->shape[i], tout->shape[i]);
	n = tensor_numel(tout);
	got = calloc((size_t)n, sizeof(float));
	assert_non_null(got);
	yout = *osh;
	tensor_std_strides(yout.rank, yout.shape, 'c', yout.stride);
	yout.data = got;
	yout.base = NULL;
	outs[0] = &yout;
	if (eng_forward(net, ins, outs, &e))
		fail_msg("eng_forward: %s", e.msg);
	for (int64_t i = 0; i < n; i++) {
		mx = fmax(mx, fabs((double)want[i]));
		err_max = fmax(err_max, fabs((double)got[i] - (double)want[i]));
	}
	print_message("%s: max |out| %.4g, max abs error %.3g\n", net_path, mx, err_max);
	assert_true(err_max <= 1e-5 * fmax(mx, 1e-30));

	eng_net_free(net);
	free(got);
	free(x);
	free(want);
	free(params);
	free(buf);
	tensor_free(tin);
	tensor_free(tout);
	tensor_free(coef);
	codec_archive_free(a);
}

/* 1.0.0-alpha: Conv (Same, k=2: asymmetric padding), Upsampling2D, Conv (Same), CnnToFF,
 * Output(tanh) */
static void test_golden_upsampling(void **state)
{
	(void)state;
	golden(REG_DIR "/100a/upsampling/net.bin", REG_DIR "/100a/upsampling/in.bin",
	       REG_DIR "/100a/upsampling/out.bin");
}

/* 1.0.0-beta6: Conv(stride 2,1), SeparableConv(Same), MaxPool, ZeroPadding, Upsampling,
 * DepthwiseConv(dm 2), MaxPool, Cropping, Conv, CnnLossLayer */
static void test_golden_synthetic_cnn(void **state)
{
	(void)state;
	golden(REG_DIR "/100b6/SyntheticCNN_100b6.bin",
	       REG_DIR "/100b6/SyntheticCNN_Input_100b6.bin",
	       REG_DIR "/100b6/SyntheticCNN_Output_100b6.bin");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conv2d_truncate),
		cmocka_unit_test(test_conv2d_same_even_kernel),
		cmocka_unit_test(test_conv2d_pad_stride_relu),
		cmocka_unit_test(test_conv2d_channels),
		cmocka_unit_test(test_conv1d_dilation),
		cmocka_unit_test(test_conv1d_causal),
		cmocka_unit_test(test_deconv_kron),
		cmocka_unit_test(test_deconv_overlap),
		cmocka_unit_test(test_deconv_shapes),
		cmocka_unit_test(test_depthwise_order),
		cmocka_unit_test(test_separable_order),
		cmocka_unit_test(test_conv3d_small),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_numpy_reference),
		cmocka_unit_test(test_golden_upsampling),
		cmocka_unit_test(test_golden_synthetic_cnn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
