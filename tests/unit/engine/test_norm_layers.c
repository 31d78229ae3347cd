/* test_norm_layers.c - normalization layers (engine/layers/norm.c): BatchNormalization at
 * inference on [N,F] and [N,C,H,W] (the eps rule by DL4J era, useLogStd, lockGammaBeta with DL4J's
 * `&&`, its own activation not applied) and LocalResponseNormalization, by hand-computed
 * values and an independent numpy LRN (skipped when /usr/bin/python3 lacks numpy), plus
 * every error path.
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

#include "engine/engine_int.h"
#include "tests/unit/engine/layer_fixture.h"

/* ------------------------------------------------------------------ fixture */

/* plan, run and compare with want[] within tol (the output has the input's shape) */
static void fx_check(struct fx *f, int rank, const int64_t *in, const float *x, const float *want,
		     double tol)
{
	fx_expect(f, rank, in, x, rank, in, want, tol, 0);
}

/* ------------------------------------------------------------------ batch normalization */

/* [N=2, F=2], gamma (2, 3), beta (1, -1), mean (1, 10), var (0.75, 3.75), eps 0.25: with eps
 * std = (1, 2): y = (x - mean) / std * gamma + beta:
 * x = (2, 14) -> (2*1 + 1, 2*3 - 1) = (3, 5); x = (0, 6) -> (-1, -7).
 * Without eps (configuration from <= 1.0.0-beta3, no "dataType"): std = (sqrt .75, sqrt 3.75):
 * (2/sqrt(.75) + 1, 12/sqrt(3.75) - 1) = (3.3094011, 5.1967734); (-1.3094011, -7.1967734). */
static void test_bn_dense_eps_rule(void **state)
{
	static const float gamma[2] = { 2, 3 }, beta[2] = { 1, -1 }, mean[2] = { 1, 10 };
	static const float var[2] = { 0.75f, 3.75f }, x[4] = { 2, 14, 0, 6 };
	static const float want_new[4] = { 3, 5, -1, -7 };
	static const float want_old[4] = { 3.3094011f, 5.1967734f, -1.3094011f, -7.1967734f };
	const int64_t in[2] = { 2, 2 };
	struct fx f;

	(void)state;
	for (int t = 0; t < 2; t++) {
		fx_init(&f, LK_BATCHNORM, "bn");
		f.m.has_dtype = t == 0;
		f.m.dialect = t == 0 ? JD_CLASS : JD_LEGACY_WRAPPER;
		f.c.n_out = 2;
		f.c.eps = 0.25;
		fx_param(&f, "gamma", gamma, 2);
		fx_param(&f, "beta", beta, 2);
		fx_param(&f, "mean", mean, 2);
		fx_param(&f, "var", var, 2);
		fx_check(&f, 2, in, x, t == 0 ? want_new : want_old, 1e-5);
		fx_free(&f);
	}
}

/* [1, 2, 2, 2]: per channel (dimension 1), gamma (1, 2), beta (0, 5), mean (1, -1), var (4, 1),
 * eps 0 (so both rules agree): channel 0 (x - 1)/2, channel 1 (x + 1)*2 + 5; the layer's own
 * activation (sigmoid) is not applied, so negative outputs survive. */
static void test_bn_cnn(void **state)
{
	static const float gamma[2] = { 1, 2 }, beta[2] = { 0, 5 }, mean[2] = { 1, -1 };
	static const float var[2] = { 4, 1 }, x[8] = { 1, 3, -1, 5, 0, -1, -4, 2 };
	static const float want[8] = { 0, 1, -1, 2, 7, 5, -1, 11 };
	const int64_t in[4] = { 1, 2, 2, 2 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_BATCHNORM, "bn");
	f.c.n_out = 2;
	f.c.eps = 0;
	f.c.act.kind = ACT_SIGMOID;
	fx_param(&f, "gamma", gamma, 2);
	fx_param(&f, "beta", beta, 2);
	fx_param(&f, "mean", mean, 2);
	fx_param(&f, "var", var, 2);
	fx_check(&f, 4, in, x, want, 1e-6);
	fx_free(&f);
}

/* useLogStd: var = (10^log10stdev)^2; log10stdev 0 -> var 1, eps 0.21 -> std 1.1;
 * log10stdev 0.5 -> var 10, + 0.21 -> std sqrt(10.21). No gamma/beta parameters in the
 * layout when lockGammaBeta; the configured gamma 2, beta 0 are NOT applied (DL4J applies
 * them only when gamma != 1 && beta != 0), so y = (x - mean)/std. x = (1.1, 0), mean 0:
 * (1, 0) */
static void test_bn_log_std_locked(void **state)
{
	static const float mean[2] = { 0, 0 }, ls[2] = { 0, 0.5f }, x[2] = { 1.1f, 0 };
	static const float want[2] = { 1, 0 };
	const int64_t in[2] = { 1, 2 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_BATCHNORM, "bn");
	f.m.has_dtype = false; /* useLogStd implies the beta4+ code, which always adds eps */
	f.c.n_out = 2;
	f.c.eps = 0.21;
	f.c.use_log_std = true;
	f.c.lock_gamma_beta = true;
	f.c.bn_gamma = 2;
	f.c.bn_beta = 0;
	fx_param(&f, "mean", mean, 2);
	fx_param(&f, "log10stdev", ls, 2);
	fx_check(&f, 2, in, x, want, 1e-6);
	fx_free(&f);
}

/* lockGammaBeta with gamma 2 AND beta 1 (both non-default): y = 2 x-hat + 1; with gamma 1,
 * beta 0.5: x-hat only. mean 1, var 4, eps 0: x = 5 -> x-hat 2 -> 5, resp. 2. */
static void test_bn_locked_both(void **state)
{
	static const float mean[1] = { 1 }, var[1] = { 4 }, x[1] = { 5 };
	static const float want1[1] = { 5 }, want2[1] = { 2 };
	const int64_t in[2] = { 1, 1 };
	struct fx f;

	(void)state;
	for (int t = 0; t < 2; t++) {
		fx_init(&f, LK_BATCHNORM, "bn");
		f.c.n_out = 1;
		f.c.eps = 0;
		f.c.lock_gamma_beta = true;
		f.c.bn_gamma = t == 0 ? 2 : 1;
		f.c.bn_beta = t == 0 ? 1 : 0.5;
		fx_param(&f, "mean", mean, 1);
		fx_param(&f, "var", var, 1);
		fx_check(&f, 2, in, x, t == 0 ? want1 : want2, 1e-6);
		fx_free(&f);
	}
}

static void test_bn_errors(void **state)
{
	static const float one[3] = { 1, 1, 1 };
	const int64_t in2[2] = { 1, 2 }, in3[4] = { 1, 3, 2, 2 }, in1[1] = { 2 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_BATCHNORM, "bn");
	f.c.n_out = 2;
	fx_param(&f, "gamma", one, 2);
	fx_param(&f, "beta", one, 2);
	fx_param(&f, "mean", one, 2);
	fx_param(&f, "var", one, 2);
	expect_err(&f, 4, in3, -EINVAL,
		   "layer 'bn' (BatchNormalization): input has 3 channels, nOut is 2");
	fx_free(&f);

	fx_init(&f, LK_BATCHNORM, "bn");
	f.c.n_out = 2;
	fx_param(&f, "gamma", one, 2);
	fx_param(&f, "beta", one, 2);
	fx_param(&f, "mean", one, 2);
	fx_param(&f, "var", one, 2);
	expect_err(&f, 1, in1, -EINVAL,
		   "layer 'bn' (BatchNormalization): input has rank 1, expected 2 to 5 ([N,F] or "
		   "[N,C,...])");
	fx_free(&f);

	fx_init(&f, LK_BATCHNORM, "bn");
	f.c.n_out = 2;
	fx_param(&f, "gamma", one, 2);
	fx_param(&f, "beta", one, 2);
	fx_param(&f, "mean", one, 2);
	expect_err(&f, 2, in2, -EINVAL,
		   "layer 'bn' (BatchNormalization): parameter var is missing");
	fx_free(&f);

	fx_init(&f, LK_BATCHNORM, "bn");
	f.c.n_out = 2;
	f.c.use_log_std = true;
	fx_param(&f, "gamma", one, 2);
	fx_param(&f, "beta", one, 2);
	fx_param(&f, "mean", one, 2);
	fx_param(&f, "var", one, 2);
	expect_err(&f, 2, in2, -EINVAL,
		   "layer 'bn' (BatchNormalization): parameter log10stdev is missing");
	fx_free(&f);

	fx_init(&f, LK_BATCHNORM, "bn");
	f.c.n_out = 2;
	fx_param(&f, "gamma", one, 3);
	fx_param(&f, "beta", one, 2);
	fx_param(&f, "mean", one, 2);
	fx_param(&f, "var", one, 2);
	expect_err(&f, 2, in2, -EINVAL,
		   "layer 'bn' (BatchNormalization): parameter gamma has 3 values, expected 2");
	fx_free(&f);

	fx_init(&f, LK_BATCHNORM, "bn");
	expect_err(&f, 2, in2, -EINVAL,
		   "layer 'bn' (BatchNormalization): nOut -1 is not in [1, 16777216]");
	fx_free(&f);

	fx_init(&f, LK_BATCHNORM, "bn");
	f.c.n_out = 2;
	fx_param(&f, "gamma", one, 2);
	fx_param(&f, "beta", one, 2);
	fx_param(&f, "mean", one, 2);
	fx_param(&f, "var", one, 2);
	strcpy(f.c.data_format, "NHWC");
	expect_err(&f, 4, in3, -ENOTSUP,
		   "layer 'bn' (BatchNormalization): data format NHWC is not supported "
		   "(channels-first only)");
	fx_free(&f);

	fx_init(&f, LK_BATCHNORM, "bn");
	{
		const struct eng_impl *tab[LK__COUNT] = { 0 };

		eng_register_norm(tab);
		f.l.in.rank = 2;
		memcpy(f.l.in.d, in2, sizeof(in2));
		assert_int_equal(tab[LK_BATCHNORM]->infer(&f.l, &f.e), -EINVAL);
		assert_string_equal(f.e.msg, "layer 'bn' (BatchNormalization): planned before its "
					     "parameters were bound");
	}
	fx_free(&f);
}

/* ------------------------------------------------------------------ LRN */

/* [1, 3, 1, 1] x = (1, 2, 3), k 2, n 3 (half 1), alpha 1, beta 1: window sums of squares
 * 1+4 = 5, 1+4+9 = 14, 4+9 = 13: y = x / (2 + s) = 1/7, 2/16, 3/15. n = 2 gives half 1 as
 * well ((int)2 / 2); n = 1 gives half 0: y = x / (2 + x^2) = 1/3, 2/6, 3/11. */
static void test_lrn_hand(void **state)
{
	static const float x[3] = { 1, 2, 3 };
	static const float want3[3] = { 1 / 7.0f, 0.125f, 0.2f };
	static const float want1[3] = { 1 / 3.0f, 2 / 6.0f, 3 / 11.0f };
	const int64_t in[4] = { 1, 3, 1, 1 };
	const double ns[3] = { 3, 2, 1 };
	struct fx f;

	(void)state;
	for (int t = 0; t < 3; t++) {
		fx_init(&f, LK_LRN, "lrn");
		f.c.lrn_k = 2;
		f.c.lrn_n = ns[t];
		f.c.lrn_alpha = 1;
		f.c.lrn_beta = 1;
		fx_check(&f, 4, in, x, t < 2 ? want3 : want1, 1e-6);
		fx_free(&f);
	}
}

static void test_lrn_errors(void **state)
{
	const int64_t in3[3] = { 1, 3, 4 }, in4[4] = { 1, 3, 2, 2 };
	struct fx f;

	(void)state;
	fx_init(&f, LK_LRN, "lrn");
	expect_err(&f, 3, in3, -EINVAL,
		   "layer 'lrn' (LocalResponseNormalization): input has rank 3, expected 4 "
		   "([N,C,H,W])");
	fx_free(&f);

	fx_init(&f, LK_LRN, "lrn");
	f.c.lrn_n = -1;
	expect_err(&f, 4, in4, -EINVAL,
		   "layer 'lrn' (LocalResponseNormalization): n -1 is not in [0, 16777216]");
	fx_free(&f);

	fx_init(&f, LK_LRN, "lrn");
	f.c.lrn_beta = (double)INFINITY;
	expect_err(&f, 4, in4, -EINVAL,
		   "layer 'lrn' (LocalResponseNormalization): k, alpha and beta must be finite");
	fx_free(&f);
}

/* Independent numpy LRN (DL4J defaults k 2, n 5, alpha 1e-4, beta .75, and a second set) on
 * random [2, 7, 3, 4] data scaled by 10 so the denominator matters. */
static const char lrn_py[] =
	"import sys\n"
	"import numpy as np\n"
	"d = sys.argv[1]; k, n, a, b = (float(v) for v in sys.argv[2:6])\n"
	"x = np.fromfile(d + '/x.bin', dtype=np.float32).astype(np.float64).reshape(2, 7, 3, 4)\n"
	"h = int(n) // 2\n"
	"y = np.empty_like(x)\n"
	"for c in range(7):\n"
	"    s = (x[:, max(0, c - h):c + h + 1] ** 2).sum(axis=1)\n"
	"    y[:, c] = x[:, c] * (k + a * s) ** (-b)\n"
	"y.astype(np.float32).tofile(d + '/y.bin')\n";

static void test_lrn_numpy(void **state)
{
	static const double sets[2][4] = { { 2, 5, 1e-4, 0.75 }, { 1, 4, 0.05, 0.5 } };
	const int64_t in[4] = { 2, 7, 3, 4 };
	char dir[] = "/tmp/dlfs-test-norm-XXXXXX", cmd[700];
	uint32_t st = 99;
	float x[168], *y;
	size_t n;
	struct fx f;

	(void)state;
	if (!have_numpy()) {
		print_message("skipping: /usr/bin/python3 with numpy is not available\n");
		skip();
	}
	for (int i = 0; i < 168; i++)
		x[i] = 10.0f * fx_rnd(&st);
	assert_non_null(mkdtemp(dir));
	write_file(dir, "x.bin", x, sizeof(x));
	write_file(dir, "ref.py", lrn_py, strlen(lrn_py));
	for (int t = 0; t < 2; t++) {
		snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s/ref.py %s %g %g %g %g", dir, dir,
			 sets[t][0], sets[t][1], sets[t][2], sets[t][3]);
		assert_int_equal(system(cmd), 0);
		y = read_file(dir, "y.bin", &n);
		assert_int_equal(n, sizeof(x));
		fx_init(&f, LK_LRN, "lrn");
		f.c.lrn_k = sets[t][0];
		f.c.lrn_n = sets[t][1];
		f.c.lrn_alpha = sets[t][2];
		f.c.lrn_beta = sets[t][3];
		fx_check(&f, 4, in, x, y, 2e-5);
		fx_free(&f);
		free(y);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bn_dense_eps_rule), cmocka_unit_test(test_bn_cnn),
		cmocka_unit_test(test_bn_log_std_locked), cmocka_unit_test(test_bn_locked_both),
		cmocka_unit_test(test_bn_errors),	  cmocka_unit_test(test_lrn_hand),
		cmocka_unit_test(test_lrn_errors),	  cmocka_unit_test(test_lrn_numpy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
