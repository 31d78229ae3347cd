/* test_pool.c - pooling and resampling layers (engine/layers/pool.c): Subsampling 1-D/2-D/3-D
 * in every pooling type and convolution mode (padded cells excluded from MAX, the AVG divisor
 * both ways, dilation), GlobalPooling (default and explicit dimensions, collapse or not),
 * Upsampling, ZeroPadding and Cropping, by hand-computed values and an independent numpy
 * reference (run through /usr/bin/python3; skipped when numpy is missing), plus every error.
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

#include "engine/engine_int.h"
#include "tests/unit/engine/layer_fixture.h"

/* ------------------------------------------------------------------ fixture */

/* plan, run and compare with want[] (and the output shape with od[0..rank)) */
static void fx_check(struct fx *f, int rank, const int64_t *in, const float *x, int orank,
		     const int64_t *od, const float *want)
{
	fx_expect(f, rank, in, x, orank, od, want, 1e-5, 1e-5);
}

static const float ramp9[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
static const int64_t in33[4] = { 1, 1, 3, 3 }, o33[4] = { 1, 1, 3, 3 };

/* ------------------------------------------------------------------ subsampling */

/* 4x4 ramp 1..16, MAX 2x2 stride 2: 6 8 14 16 */
static void test_max_truncate(void **state)
{
	static const float want[4] = { 6, 8, 14, 16 };
	const int64_t in[4] = { 1, 1, 4, 4 }, od[4] = { 1, 1, 2, 2 };
	float x[16];
	struct fx f;

	(void)state;
	for (int i = 0; i < 16; i++)
		x[i] = (float)(i + 1);
	fx_init(&f, LK_SUBSAMPLING2D, "pool");
	set3(f.c.kernel, 2, 2, 0);
	set3(f.c.stride, 2, 2, 0);
	fx_check(&f, 4, in, x, 4, od, want);
	fx_free(&f);
}

/* Same, k = 2 on 3x3 pads bottom/right only. x = -1 .. -9 (decreasing), so each window's
 * max is its top-left cell; the window at (2,2) holds only -9 plus padding: -9 proves the
 * padding does not take part (a zero there would win). */
static void test_max_same_excludes_padding(void **state)
{
	static const float want[9] = { -1, -2, -3, -4, -5, -6, -7, -8, -9 };
	float x[9];
	struct fx f;

	(void)state;
	for (int i = 0; i < 9; i++)
		x[i] = -ramp9[i];
	fx_init(&f, LK_SUBSAMPLING2D, "pool");
	f.c.conv_mode = CM_SAME;
	set3(f.c.kernel, 2, 2, 0);
	fx_check(&f, 4, in33, x, 4, o33, want);
	fx_free(&f);
}

/* AVG, Same, k = 2 on the 3x3 ramp. Window sums: 12 16 9 / 24 28 15 / 15 17 9 over 4 4 2 /
 * 4 4 2 / 2 2 1 real cells. Include padding: divide by kH*kW = 4; exclude: by the count. */
static void test_avg_divisor(void **state)
{
	static const float incl[9] = { 3, 4, 2.25f, 6, 7, 3.75f, 3.75f, 4.25f, 2.25f };
	static const float excl[9] = { 3, 4, 4.5f, 6, 7, 7.5f, 7.5f, 8.5f, 9 };
	struct fx f;

	(void)state;
	for (int t = 0; t < 2; t++) {
		fx_init(&f, LK_SUBSAMPLING2D, "avg");
		f.c.pool = POOL_AVG;
		f.c.conv_mode = CM_SAME;
		f.c.avg_include_pad = t == 0;
		set3(f.c.kernel, 2, 2, 0);
		fx_check(&f, 4, in33, ramp9, 4, o33, t == 0 ? incl : excl);
		fx_free(&f);
	}
}

/* AVG Truncate with explicit padding 1, k = 3, stride 2 on the 3x3 ramp: windows cover the
 * 2x2 corners: sums 12 16 24 28 of 4 real cells; /9 with padding, /4 without. */
static void test_avg_truncate_padding(void **state)
{
	static const float incl[4] = { 12 / 9.0f, 16 / 9.0f, 24 / 9.0f, 28 / 9.0f };
	static const float excl[4] = { 3, 4, 6, 7 };
	const int64_t od[4] = { 1, 1, 2, 2 };
	struct fx f;

	(void)state;
	for (int t = 0; t < 2; t++) {
		fx_init(&f, LK_SUBSAMPLING2D, "avg");
		f.c.pool = POOL_AVG;
		f.c.avg_include_pad = t == 0;
		set3(f.c.kernel, 3, 3, 0);
		set3(f.c.stride, 2, 2, 0);
		set3(f.c.pad, 1, 1, 0);
		fx_check(&f, 4, in33, ramp9, 4, od, t == 0 ? incl : excl);
		fx_free(&f);
	}
}

/* SUM, Same, k = 2 on the 3x3 ramp: the window sums above */
static void test_sum(void **state)
{
	static const float want[9] = { 12, 16, 9, 24, 28, 15, 15, 17, 9 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_SUBSAMPLING2D, "sum");
	f.c.pool = POOL_SUM;
	f.c.conv_mode = CM_SAME;
	set3(f.c.kernel, 2, 2, 0);
	fx_check(&f, 4, in33, ramp9, 4, o33, want);
	fx_free(&f);
}

/* PNORM over a 2x2 window (-3, 4, 0, 0): p = 2 -> 5, p = 1 -> 7, p = 3 -> 91^(1/3) */
static void test_pnorm(void **state)
{
	static const float x[4] = { -3, 4, 0, 0 };
	const int64_t in[4] = { 1, 1, 2, 2 }, od[4] = { 1, 1, 1, 1 };
	const double ps[3] = { 2, 1, 3 };
	float want[3] = { 5, 7, 0 };
	struct fx f;

	(void)state;
	want[2] = (float)cbrt(91.0);
	for (int t = 0; t < 3; t++) {
		fx_init(&f, LK_SUBSAMPLING2D, "pnorm");
		f.c.pool = POOL_PNORM;
		f.c.pnorm = ps[t];
		set3(f.c.kernel, 2, 2, 0);
		fx_check(&f, 4, in, x, 4, od, &want[t]);
		fx_free(&f);
	}
}

/* Subsampling1D [N,C,W]: x = 1 5 2 8 3, MAX k = 2, dilation 2 (extent 3): out 3 =
 * max(1,2) max(5,8) max(2,3) = 2 8 3; AVG k = 2 stride 2: out 2 = 3 5 */
static void test_1d(void **state)
{
	static const float x[5] = { 1, 5, 2, 8, 3 }, want_max[3] = { 2, 8, 3 };
	static const float want_avg[2] = { 3, 5 };
	const int64_t in[3] = { 1, 1, 5 }, od1[3] = { 1, 1, 3 }, od2[3] = { 1, 1, 2 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_SUBSAMPLING1D, "p1");
	f.c.kernel[0] = 2;
	f.c.dilation[0] = 2;
	fx_check(&f, 3, in, x, 3, od1, want_max);
	fx_free(&f);

	fx_init(&f, LK_SUBSAMPLING1D, "p1");
	f.c.pool = POOL_AVG;
	f.c.kernel[0] = 2;
	f.c.stride[0] = 2;
	fx_check(&f, 3, in, x, 3, od2, want_avg);
	fx_free(&f);
}

/* Subsampling3D on a 2x2x2 ramp 1..8: MAX 2x2x2 -> 8. AVG Same k = 2: the last window holds
 * only 8 (seven padded cells) and DL4J's avgpool3dnew always excludes padding, so 8 even
 * with avgPoolIncludePadInDivisor = true; the first window averages all 8 cells: 4.5. */
static void test_3d(void **state)
{
	static const float x[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, want_max[1] = { 8 };
	static const float want_avg[8] = { 4.5f, 5, 5.5f, 6, 6.5f, 7, 7.5f, 8 };
	const int64_t in[5] = { 1, 1, 2, 2, 2 }, od1[5] = { 1, 1, 1, 1, 1 };
	const int64_t od2[5] = { 1, 1, 2, 2, 2 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_SUBSAMPLING3D, "p3");
	set3(f.c.kernel, 2, 2, 2);
	fx_check(&f, 5, in, x, 5, od1, want_max);
	fx_free(&f);

	fx_init(&f, LK_SUBSAMPLING3D, "p3");
	f.c.pool = POOL_AVG;
	f.c.conv_mode = CM_SAME;
	f.c.avg_include_pad = true;
	set3(f.c.kernel, 2, 2, 2);
	fx_check(&f, 5, in, x, 5, od2, want_avg);
	fx_free(&f);
}

/* ------------------------------------------------------------------ global pooling */

/* [N=2, C=2, T=3]: rows (1 5 3) (-2 -7 -1) / (0 0 6) (2 2 2) */
static const float gx[12] = { 1, 5, 3, -2, -7, -1, 0, 0, 6, 2, 2, 2 };

static void test_global_rnn(void **state)
{
	static const float want[4][4] = {
		{ 5, -1, 6, 2 },			   /* MAX */
		{ 3, -10 / 3.0f, 2, 2 },		   /* AVG */
		{ 9, -10, 6, 6 },			   /* SUM */
		{ 5.9160798f, 7.3484692f, 6, 3.4641016f }, /* PNORM 2 */
	};
	const int64_t in[3] = { 2, 2, 3 }, od[2] = { 2, 2 };
	struct fx f;

	(void)state;
	for (int t = 0; t < 4; t++) {
		fx_init(&f, LK_GLOBAL_POOLING, "gp");
		f.c.pool = (enum pool_type)t;
		fx_check(&f, 3, in, gx, 2, od, want[t]);
		fx_free(&f);
	}
}

/* [1, 2, 2, 3] (channels 1..6, 7..12) default dims [2,3]: MAX 6 12, not collapsed
 * [1,2,1,1]; explicit dims [2] (not trailing): [1,2,3] = max over H: 4 5 6 10 11 12;
 * explicit [1, 3] (channels and width): AVG [1,2] of (1 2 3 7 8 9) = 5, (4 5 6 10 11 12) = 8 */
static void test_global_cnn(void **state)
{
	static const float want1[2] = { 6, 12 }, want2[6] = { 4, 5, 6, 10, 11, 12 };
	static const float want3[2] = { 5, 8 };
	const int64_t in[4] = { 1, 2, 2, 3 }, od1[4] = { 1, 2, 1, 1 }, od2[3] = { 1, 2, 3 };
	const int64_t od3[2] = { 1, 2 };
	float x[12];
	struct fx f;

	(void)state;
	for (int i = 0; i < 12; i++)
		x[i] = (float)(i + 1);
	fx_init(&f, LK_GLOBAL_POOLING, "gp");
	f.c.collapse = false;
	fx_check(&f, 4, in, x, 4, od1, want1);
	fx_free(&f);

	fx_init(&f, LK_GLOBAL_POOLING, "gp");
	f.c.n_pool_dims = 1;
	f.c.pool_dims[0] = 2;
	fx_check(&f, 4, in, x, 3, od2, want2);
	fx_free(&f);

	fx_init(&f, LK_GLOBAL_POOLING, "gp");
	f.c.pool = POOL_AVG;
	f.c.n_pool_dims = 2;
	f.c.pool_dims[0] = 1;
	f.c.pool_dims[1] = 3;
	fx_check(&f, 4, in, x, 2, od3, want3);
	fx_free(&f);
}

/* ------------------------------------------------------------------ resampling */

/* Upsampling2D size (2, 3) on (1 2; 3 4): rows repeated twice, columns three times.
 * Upsampling1D size 3 on (1 2): 1 1 1 2 2 2. */
static void test_upsampling(void **state)
{
	static const float x[4] = { 1, 2, 3, 4 };
	static const float want2[24] = { 1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2,
					 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4 };
	static const float want1[12] = { 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4 };
	const int64_t in2[4] = { 1, 1, 2, 2 }, od2[4] = { 1, 1, 4, 6 };
	const int64_t in1[3] = { 1, 2, 2 }, od1[3] = { 1, 2, 6 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_UPSAMPLING2D, "up");
	f.c.up_size[0] = 2;
	f.c.up_size[1] = 3;
	fx_check(&f, 4, in2, x, 4, od2, want2);
	fx_free(&f);

	fx_init(&f, LK_UPSAMPLING1D, "up1");
	f.c.up_size[0] = 3;
	fx_check(&f, 3, in1, x, 3, od1, want1);
	fx_free(&f);
}

/* ZeroPadding [top 1, bottom 0, left 2, right 1] on (1 2; 3 4) -> 3x5; ZeroPadding1D
 * [left 2, right 1] on (1 2) -> 0 0 1 2 0 */
static void test_zeropad(void **state)
{
	static const float x[4] = { 1, 2, 3, 4 };
	static const float want2[15] = { 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 3, 4, 0 };
	static const float want1[10] = { 0, 0, 1, 2, 0, 0, 0, 3, 4, 0 };
	const int64_t in2[4] = { 1, 1, 2, 2 }, od2[4] = { 1, 1, 3, 5 };
	const int64_t in1[3] = { 1, 2, 2 }, od1[3] = { 1, 2, 5 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_ZEROPAD2D, "zp");
	f.c.zpad[0] = 1;
	f.c.zpad[2] = 2;
	f.c.zpad[3] = 1;
	fx_check(&f, 4, in2, x, 4, od2, want2);
	fx_free(&f);

	fx_init(&f, LK_ZEROPAD1D, "zp1");
	f.c.zpad[0] = 2;
	f.c.zpad[1] = 1;
	fx_check(&f, 3, in1, x, 3, od1, want1);
	fx_free(&f);
}

/* Cropping2D [top 1, bottom 0, left 0, right 1] on the 3x3 ramp -> (4 5; 7 8);
 * Cropping1D [left 1, right 2] on 1..9 as [1,1,9] -> 2..7 */
static void test_cropping(void **state)
{
	static const float want2[4] = { 4, 5, 7, 8 }, want1[6] = { 2, 3, 4, 5, 6, 7 };
	const int64_t od2[4] = { 1, 1, 2, 2 }, in1[3] = { 1, 1, 9 }, od1[3] = { 1, 1, 6 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_CROPPING2D, "crop");
	f.c.crop[0] = 1;
	f.c.crop[3] = 1;
	fx_check(&f, 4, in33, ramp9, 4, od2, want2);
	fx_free(&f);

	fx_init(&f, LK_CROPPING1D, "crop1");
	f.c.crop[0] = 1;
	f.c.crop[1] = 2;
	fx_check(&f, 3, in1, ramp9, 3, od1, want1);
	fx_free(&f);
}

/* ------------------------------------------------------------------ errors */

static void test_errors(void **state)
{
	const int64_t in4[4] = { 1, 2, 4, 4 }, in3[3] = { 1, 2, 4 }, in5[5] = { 1, 1, 2, 2, 2 };
	const int64_t in2[2] = { 3, 4 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_SUBSAMPLING2D, "pool");
	set3(f.c.kernel, 2, 2, 0);
	expect_err(&f, 3, in3, -EINVAL,
		   "layer 'pool' (SubsamplingLayer): input has rank 3, expected 4 ([N,C,H,W])");
	fx_free(&f);

	fx_init(&f, LK_SUBSAMPLING1D, "pool");
	f.c.kernel[0] = 2;
	f.c.conv_mode = CM_CAUSAL;
	expect_err(
		&f, 3, in3, -ENOTSUP,
		"layer 'pool' (Subsampling1DLayer): convolution mode Causal is not supported for "
		"pooling");
	fx_free(&f);

	fx_init(&f, LK_SUBSAMPLING3D, "pool");
	f.c.pool = POOL_SUM;
	expect_err(&f, 5, in5, -ENOTSUP,
		   "layer 'pool' (Subsampling3DLayer): 3-D pooling is MAX or AVG only");
	fx_free(&f);

	fx_init(&f, LK_SUBSAMPLING2D, "pool");
	f.c.pool = POOL_PNORM;
	f.c.pnorm = 0;
	expect_err(&f, 4, in4, -EINVAL, "layer 'pool' (SubsamplingLayer): pnorm 0 is not positive");
	fx_free(&f);

	fx_init(&f, LK_SUBSAMPLING2D, "pool");
	set3(f.c.kernel, 5, 2, 0);
	expect_err(&f, 4, in4, -EINVAL,
		   "layer 'pool' (SubsamplingLayer): input height 4 with padding 0 is smaller than "
		   "the kernel extent 5");
	fx_free(&f);

	fx_init(&f, LK_SUBSAMPLING2D, "pool");
	set3(f.c.kernel, 2, 2, 0);
	set3(f.c.stride, 3, 3, 0);
	f.c.conv_mode = CM_STRICT;
	expect_err(&f, 4, in4, -EINVAL,
		   "layer 'pool' (SubsamplingLayer): convolution mode Strict: input height 4 + "
		   "2*0 - kernel extent 2 is not divisible by stride 3");
	fx_free(&f);

	fx_init(&f, LK_SUBSAMPLING2D, "pool");
	f.c.nd = 3;
	expect_err(&f, 4, in4, -EINVAL,
		   "layer 'pool' (SubsamplingLayer): 3 spatial dimensions, expected 2");
	fx_free(&f);

	fx_init(&f, LK_SUBSAMPLING2D, "pool");
	strcpy(f.c.data_format, "NHWC");
	expect_err(&f, 4, in4, -ENOTSUP,
		   "layer 'pool' (SubsamplingLayer): data format NHWC is not supported "
		   "(channels-first only)");
	fx_free(&f);

	fx_init(&f, LK_GLOBAL_POOLING, "gp");
	expect_err(
		&f, 2, in2, -EINVAL,
		"layer 'gp' (GlobalPoolingLayer): input has rank 2, expected 3, 4 or 5 ([N,C,T], "
		"[N,C,H,W], [N,C,D,H,W])");
	fx_free(&f);

	fx_init(&f, LK_GLOBAL_POOLING, "gp");
	f.c.n_pool_dims = 1;
	f.c.pool_dims[0] = 3;
	expect_err(&f, 3, in3, -EINVAL,
		   "layer 'gp' (GlobalPoolingLayer): pooling dimension 3 is not in [1, 2] for a "
		   "rank 3 input");
	fx_free(&f);

	fx_init(&f, LK_GLOBAL_POOLING, "gp");
	f.c.pool = POOL_PNORM;
	f.c.pnorm = -1;
	expect_err(&f, 3, in3, -EINVAL,
		   "layer 'gp' (GlobalPoolingLayer): pnorm -1 is not positive");
	fx_free(&f);

	fx_init(&f, LK_UPSAMPLING2D, "up");
	f.c.up_size[1] = 0;
	expect_err(&f, 4, in4, -EINVAL, "layer 'up' (Upsampling2D): size 0 is not in [1, 1048576]");
	fx_free(&f);

	fx_init(&f, LK_UPSAMPLING1D, "up");
	expect_err(&f, 4, in4, -EINVAL,
		   "layer 'up' (Upsampling1D): input has rank 4, expected 3 ([N,C,W])");
	fx_free(&f);

	fx_init(&f, LK_CROPPING2D, "crop");
	f.c.crop[2] = 2;
	f.c.crop[3] = 2;
	expect_err(&f, 4, in4, -EINVAL,
		   "layer 'crop' (Cropping2D): cropping 2 + 2 leaves nothing of input extent 4");
	fx_free(&f);

	fx_init(&f, LK_ZEROPAD2D, "zp");
	f.c.zpad[1] = -1;
	expect_err(&f, 4, in4, -EINVAL,
		   "layer 'zp' (ZeroPaddingLayer): padding -1 is not in [0, 1048576]");
	fx_free(&f);

	{
		const int64_t zero[4] = { 1, 0, 4, 4 };

		fx_init(&f, LK_ZEROPAD2D, "zp");
		expect_err(&f, 4, zero, -EINVAL,
			   "layer 'zp' (ZeroPaddingLayer): input dimension 1 (0) is empty or the "
			   "input exceeds 68719476736 elements");
		fx_free(&f);
	}
}

/* ------------------------------------------------------------------ numpy reference */

/* Independent reference: pads with NaN (np.pad), takes each window's slice and reduces over
 * the non-NaN cells; geometry per FORMAT.md 7.3/7.4 written out again. */
static const char ref_py[] =
	"import sys, json, itertools\n"
	"import numpy as np\n"
	"def main(d, cfg):\n"
	"    x = np.fromfile(d + '/x.bin', dtype=np.float32).astype(np.float64).reshape(cfg['x'])\n"
	"    ks, st, pd, dl, mode = cfg['k'], cfg['s'], cfg['p'], cfg['d'], cfg['mode']\n"
	"    nd = x.ndim - 2\n"
	"    g = []\n"
	"    for i in range(nd):\n"
	"        n = x.shape[2 + i]; ke = ks[i] + (ks[i] - 1) * (dl[i] - 1)\n"
	"        if mode == 'Same':\n"
	"            o = -(-n // st[i]); lo = max(0, (o - 1) * st[i] + ke - n) // 2\n"
	"        else:\n"
	"            o = (n + 2 * pd[i] - ke) // st[i] + 1; lo = pd[i]\n"
	"        g.append((o, lo, ke, max(0, (o - 1) * st[i] + ke - n - lo)))\n"
	"    xp = np.pad(x, [(0, 0), (0, 0)] + [(t[1], t[3]) for t in g], constant_values=np.nan)\n"
	"    outs = [t[0] for t in g]\n"
	"    y = np.zeros(x.shape[:2] + tuple(outs))\n"
	"    kprod = int(np.prod(ks))\n"
	"    for o in itertools.product(*[range(n) for n in outs]):\n"
	"        sl = tuple(slice(o[i] * st[i], o[i] * st[i] + g[i][2], dl[i]) for i in "
	"range(nd))\n"
	"        win = xp[(slice(None), slice(None)) + sl].reshape(x.shape[0], x.shape[1], -1)\n"
	"        for a in range(x.shape[0]):\n"
	"            for c in range(x.shape[1]):\n"
	"                v = win[a, c][~np.isnan(win[a, c])]\n"
	"                t = cfg['type']\n"
	"                if t == 'MAX': r = v.max()\n"
	"                elif t == 'AVG': r = v.sum() / (kprod if cfg['incl'] else len(v))\n"
	"                elif t == 'SUM': r = v.sum()\n"
	"                else: r = (np.abs(v) ** cfg['pnorm']).sum() ** (1.0 / cfg['pnorm'])\n"
	"                y[(a, c) + o] = r\n"
	"    y.astype(np.float32).tofile(d + '/y.bin')\n"
	"    open(d + '/y.shape', 'w').write(' '.join(str(v) for v in y.shape))\n"
	"for d in sys.argv[1:]:\n"
	"    main(d, json.load(open(d + '/cfg.json')))\n";

static uint32_t rng_state = 777;

struct refcase {
	enum layer_kind kind;
	enum conv_mode mode;
	enum pool_type type;
	bool incl;
	double pnorm;
	int rank;
	int64_t shape[5];
	int64_t k[3], s[3], p[3], d[3];
};

/* Runs case idx of cases[] through the engine and writes its input, the engine's output and
 * the reference configuration into dir (fx_numpy_cases). */
static void prepare_refcase(const void *cases, int idx, const char *dir)
{
	static const char *const types[4] = { "MAX", "AVG", "SUM", "PNORM" };
	const struct refcase *rc = (const struct refcase *)cases + idx;
	const int nd = rc->rank - 2;
	char cfg[1024], ls[5][64];
	int64_t nx = 1;
	float *x;
	struct fx f;

	for (int i = 0; i < rc->rank; i++)
		nx *= rc->shape[i];
	x = calloc((size_t)nx, sizeof(float));
	assert_non_null(x);
	for (int64_t i = 0; i < nx; i++)
		x[i] = fx_rnd(&rng_state);
	fx_init(&f, rc->kind, "ref");
	f.c.conv_mode = rc->mode;
	f.c.pool = rc->type;
	f.c.avg_include_pad = rc->incl;
	f.c.pnorm = rc->pnorm;
	for (int i = 0; i < nd; i++) {
		f.c.kernel[i] = rc->k[i];
		f.c.stride[i] = rc->s[i];
		f.c.pad[i] = rc->p[i];
		f.c.dilation[i] = rc->d[i];
	}
	if (fx_plan(&f, rc->rank, rc->shape))
		fail_msg("case %d: %s", idx, f.e.msg);
	fx_run(&f, x);

	write_file(dir, "x.bin", x, (size_t)nx * sizeof(float));
	fx_save_output(&f, dir);
	json_list(ls[0], sizeof(ls[0]), rc->shape, rc->rank);
	json_list(ls[1], sizeof(ls[1]), rc->k, nd);
	json_list(ls[2], sizeof(ls[2]), rc->s, nd);
	json_list(ls[3], sizeof(ls[3]), rc->p, nd);
	json_list(ls[4], sizeof(ls[4]), rc->d, nd);
	snprintf(cfg, sizeof(cfg),
		 "{\"x\": %s, \"k\": %s, \"s\": %s, \"p\": %s, \"d\": %s, \"mode\": \"%s\", "
		 "\"type\": \"%s\", \"incl\": %s, \"pnorm\": %g}",
		 ls[0], ls[1], ls[2], ls[3], ls[4], rc->mode == CM_SAME ? "Same" : "Truncate",
		 types[rc->type], rc->incl ? "true" : "false", rc->pnorm);
	write_file(dir, "cfg.json", cfg, strlen(cfg));
	free(x);
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
		/* kind, mode, type, incl, pnorm, rank, shape, k, s, p, d */
		{ LK_SUBSAMPLING2D, CM_TRUNCATE, POOL_MAX, true, 2, 4, { 2, 3, 7, 6 },
		  K2(3, 2), K2(2, 1), K2(1, 1), K2(1, 1) },
		{ LK_SUBSAMPLING2D, CM_SAME, POOL_MAX, true, 2, 4, { 1, 2, 7, 8 },
		  K2(2, 3), K2(2, 3), K2(0, 0), K2(1, 2) },
		{ LK_SUBSAMPLING2D, CM_SAME, POOL_AVG, true, 2, 4, { 2, 2, 7, 5 },
		  K2(3, 2), K2(2, 2), K2(0, 0), K2(1, 1) },
		{ LK_SUBSAMPLING2D, CM_SAME, POOL_AVG, false, 2, 4, { 2, 2, 7, 5 },
		  K2(3, 2), K2(2, 2), K2(0, 0), K2(1, 1) },
		{ LK_SUBSAMPLING2D, CM_TRUNCATE, POOL_AVG, true, 2, 4, { 1, 2, 6, 7 },
		  K2(3, 3), K2(2, 2), K2(2, 1), K2(1, 2) },
		{ LK_SUBSAMPLING2D, CM_TRUNCATE, POOL_AVG, false, 2, 4, { 1, 2, 6, 7 },
		  K2(3, 3), K2(2, 2), K2(2, 1), K2(1, 2) },
		{ LK_SUBSAMPLING2D, CM_STRICT, POOL_SUM, true, 2, 4, { 1, 3, 7, 5 },
		  K2(3, 3), K2(2, 2), K2(1, 1), K2(1, 1) },
		{ LK_SUBSAMPLING2D, CM_SAME, POOL_PNORM, true, 3, 4, { 1, 2, 5, 6 },
		  K2(2, 2), K2(1, 2), K2(0, 0), K2(1, 1) },
		{ LK_SUBSAMPLING1D, CM_SAME, POOL_AVG, false, 2, 3, { 2, 3, 9 },
		  K1(4), K1(2), K1(0), K1(1) },
		{ LK_SUBSAMPLING1D, CM_TRUNCATE, POOL_MAX, true, 2, 3, { 2, 2, 10 },
		  K1(3), K1(3), K1(2), K1(2) },
		{ LK_SUBSAMPLING3D, CM_TRUNCATE, POOL_MAX, true, 2, 5, { 1, 2, 4, 5, 4 },
		  { 2, 3, 2 }, { 1, 2, 2 }, { 1, 1, 0 }, { 1, 1, 1 } },
		{ LK_SUBSAMPLING3D, CM_SAME, POOL_AVG, false, 2, 5, { 1, 2, 3, 4, 5 },
		  { 2, 2, 3 }, { 2, 1, 2 }, { 0, 0, 0 }, { 1, 1, 1 } },
	};
	/* clang-format on */

	(void)state;
	fx_numpy_cases("pool", ref_py, cases, (int)(sizeof(cases) / sizeof(cases[0])),
		       prepare_refcase);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_max_truncate),
		cmocka_unit_test(test_max_same_excludes_padding),
		cmocka_unit_test(test_avg_divisor),
		cmocka_unit_test(test_avg_truncate_padding),
		cmocka_unit_test(test_sum),
		cmocka_unit_test(test_pnorm),
		cmocka_unit_test(test_1d),
		cmocka_unit_test(test_3d),
		cmocka_unit_test(test_global_rnn),
		cmocka_unit_test(test_global_cnn),
		cmocka_unit_test(test_upsampling),
		cmocka_unit_test(test_zeropad),
		cmocka_unit_test(test_cropping),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_numpy_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
