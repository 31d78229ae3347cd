/* test_act.c - every activation of engine/act.c against values computed independently with
 * numpy in float64 from DL4J's formulas (nd4j Activation* classes and the libnd4j ops they
 * call), including the defaults of the parameterised ones. Generator: the python snippet in
 * the comment at the end of this file.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* cmocka needs the headers above */
#include <cmocka.h>

#include "engine/engine_int.h"

static const double in_x[] = { -3, -1.5, -0.5, -0.1, 0, 0.1, 0.5, 1, 1.5, 3, 7 };
#define NX ((int)(sizeof(in_x) / sizeof(in_x[0])))

static const double exp_identity[] = {
	-3, -1.5, -0.5, -0.10000000000000001, 0, 0.10000000000000001, 0.5, 1, 1.5, 3, 7
};
static const double exp_relu[] = { 0, 0, 0, 0, 0, 0.10000000000000001, 0.5, 1, 1.5, 3, 7 };
static const double exp_relu_max2[] = { 0, 0, 0, 0, 0, 0.10000000000000001, 0.5, 1, 1.5, 2, 2 };
static const double exp_relu_t1_s01[] = { -0.40000000000000002,
					  -0.25,
					  -0.15000000000000002,
					  -0.11000000000000001,
					  -0.10000000000000001,
					  -0.090000000000000011,
					  -0.050000000000000003,
					  1,
					  1.5,
					  3,
					  7 };
static const double exp_relu_s02[] = { -0.60000000000000009,
				       -0.30000000000000004,
				       -0.10000000000000001,
				       -0.020000000000000004,
				       0,
				       0.10000000000000001,
				       0.5,
				       1,
				       1.5,
				       3,
				       7 };
static const double exp_relu_t05[] = { 0, 0, 0, 0, 0, 0, 0.5, 1, 1.5, 3, 7 };
static const double exp_relu_s02_max1[] = { -0.60000000000000009,
					    -0.30000000000000004,
					    -0.10000000000000001,
					    -0.020000000000000004,
					    0,
					    0.10000000000000001,
					    0.5,
					    1,
					    1,
					    1,
					    1 };
static const double exp_lrelu_def[] = { -0.029999999999999999,
					-0.014999999999999999,
					-0.0050000000000000001,
					-0.001,
					0,
					0.10000000000000001,
					0.5,
					1,
					1.5,
					3,
					7 };
static const double exp_lrelu_03[] = { -0.89999999999999991,
				       -0.44999999999999996,
				       -0.14999999999999999,
				       -0.029999999999999999,
				       0,
				       0.10000000000000001,
				       0.5,
				       1,
				       1.5,
				       3,
				       7 };
static const double exp_tanh[] = { -0.99505475368673046,
				   -0.90514825364486651,
				   -0.46211715726000974,
				   -0.099667994624955819,
				   0,
				   0.099667994624955819,
				   0.46211715726000974,
				   0.76159415595576485,
				   0.90514825364486651,
				   0.99505475368673046,
				   0.99999833694394469 };
static const double exp_sigmoid[] = { 0.047425873177566781,
				      0.18242552380635632,
				      0.37754066879814541,
				      0.47502081252105999,
				      0.5,
				      0.52497918747894001,
				      0.62245933120185459,
				      0.7310585786300049,
				      0.81757447619364365,
				      0.95257412682243336,
				      0.9990889488055994 };
static const double exp_elu_def[] = { -0.95021293163213605,
				      -0.77686983985157021,
				      -0.39346934028736658,
				      -0.095162581964040482,
				      0,
				      0.10000000000000001,
				      0.5,
				      1,
				      1.5,
				      3,
				      7 };
static const double exp_elu_2[] = { -1.9004258632642721,
				    -1.5537396797031404,
				    -0.78693868057473315,
				    -0.19032516392808096,
				    0,
				    0.10000000000000001,
				    0.5,
				    1,
				    1.5,
				    3,
				    7 };
static const double exp_selu[] = { -1.6705687287671118,
				   -1.3658143533672527,
				   -0.69175818780287135,
				   -0.16730527262431399,
				   0,
				   0.10507009873554805,
				   0.52535049367774023,
				   1.0507009873554805,
				   1.5760514810332207,
				   3.1521029620664414,
				   7.3549069114883636 };
static const double exp_softsign[] = { -0.75,
				       -0.59999999999999998,
				       -0.33333333333333331,
				       -0.090909090909090912,
				       0,
				       0.090909090909090912,
				       0.33333333333333331,
				       0.5,
				       0.59999999999999998,
				       0.75,
				       0.875 };
static const double exp_softplus[] = {
	0.048587351573742055, 0.20141327798275238, 0.47407698418010669, 0.64439666007357088,
	0.69314718055994529,  0.74439666007357097, 0.97407698418010669, 1.3132616875182228,
	1.7014132779827524,   3.0485873515737421,  7.0009114664537737
};
static const double exp_hardtanh[] = {
	-1, -1, -0.5, -0.10000000000000001, 0, 0.10000000000000001, 0.5, 1, 1, 1, 1
};
static const double exp_hardsigmoid[] = { 0,
					  0.19999999999999996,
					  0.40000000000000002,
					  0.47999999999999998,
					  0.5,
					  0.52000000000000002,
					  0.59999999999999998,
					  0.69999999999999996,
					  0.80000000000000004,
					  1,
					  1 };
static const double exp_cube[] = {
	-27,   -3.375, -0.125, -0.0010000000000000002, 0, 0.0010000000000000002, 0.125, 1,
	3.375, 27,     343
};
static const double exp_relu6[] = { 0, 0, 0, 0, 0, 0.10000000000000001, 0.5, 1, 1.5, 3, 6 };
static const double exp_rectifiedtanh[] = { 0,
					    0,
					    0,
					    0,
					    0,
					    0.099667994624955819,
					    0.46211715726000974,
					    0.76159415595576485,
					    0.90514825364486651,
					    0.99505475368673046,
					    0.99999833694394469 };
static const double exp_rationaltanh[] = { -1.6580539146147415,
					   -1.3273752799193923,
					   -0.54217878136863573,
					   -0.11396051760589834,
					   0,
					   0.11396051760589834,
					   0.54217878136863573,
					   0.99822157684061796,
					   1.3273752799193923,
					   1.6580539146147415,
					   1.7134460024756244 };
static const double exp_swish[] = { -0.14227761953270035,
				    -0.27363828570953447,
				    -0.1887703343990727,
				    -0.047502081252106004,
				    0,
				    0.052497918747894001,
				    0.3112296656009273,
				    0.7310585786300049,
				    1.2263617142904655,
				    2.8577223804673002,
				    6.9936226416391953 };
static const double exp_rrelu_def[] = { 0.22916666666666666,
					0.22916666666666666,
					0.22916666666666666,
					0.22916666666666666,
					0.22916666666666666,
					0.22916666666666666,
					0.5,
					1,
					1.5,
					3,
					7 };
static const double exp_rrelu_01_03[] = { 0.20000000000000001,
					  0.20000000000000001,
					  0.20000000000000001,
					  0.20000000000000001,
					  0.20000000000000001,
					  0.20000000000000001,
					  0.5,
					  1,
					  1.5,
					  3,
					  7 };
static const double exp_gelu[] = { -0.018071309707785969,
				   -0.10833780155292341,
				   -0.14961156339361989,
				   -0.04575524191638182,
				   0,
				   0.0542447580836182,
				   0.35038843660638014,
				   0.84579576593282124,
				   1.3916621984470765,
				   2.981928690292214,
				   6.9999531283033178 };
static const double exp_mish[] = { -0.14564746127562458,
				   -0.29809974216680674,
				   -0.22074377465173001,
				   -0.056788575212844729,
				   0,
				   0.063179417491489726,
				   0.37524521130489508,
				   0.86509838826731034,
				   1.4033782663958028,
				   2.9865350049679571,
				   6.9999883798097411 };
static const double exp_thrrelu_def[] = { 0, 0, 0, 0, 0, 0, 0, 0, 1.5, 3, 7 };
static const double exp_thrrelu_04[] = { 0, 0, 0, 0, 0, 0, 0.5, 1, 1.5, 3, 7 };
static const double exp_softmax[] = { 0.032058603280084981,
				      0.087144318742032559,
				      0.23688281808991016,
				      0.64391425988797235,
				      0,
				      0,
				      1,
				      0 };
static const double exp_logsoftmax[] = { -3.4401896985611953,
					 -2.4401896985611953,
					 -1.4401896985611953,
					 -0.44018969856119533,
					 -1001,
					 -1000,
					 0,
					 -1005 };
static const double in_strided[] = { -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 3 };
static const double exp_strided[] = {
	0.090030573170380435, 0.090030573170380435, 0.24472847105479767,  0.24472847105479767,
	0.66524095577482178,  0.66524095577482178,  0.090030573170380435, 0.12195165230972886,
	0.24472847105479767,  0.33149896042409155,  0.66524095577482178,  0.54654938726617963
};

static struct activation mk(enum act_kind k, double p0, double p1, double p2)
{
	struct activation a;

	memset(&a, 0, sizeof(a));
	a.kind = k;
	a.p[0] = p0;
	a.p[1] = p1;
	a.p[2] = p2;
	strcpy(a.name, "test");
	return a;
}

static void check_vals(const char *what, const float *got, const double *want, int n)
{
	for (int i = 0; i < n; i++) {
		double tol = 2e-6 * fmax(1.0, fabs(want[i]));

		if (fabs((double)got[i] - want[i]) > tol) {
			print_error("%s[%d]: got %.9g, want %.9g\n", what, i, (double)got[i],
				    want[i]);
			fail();
		}
	}
}

static void run(const char *what, struct activation a, const double *want)
{
	float x[NX];

	for (int i = 0; i < NX; i++)
		x[i] = (float)in_x[i];
	eng_act(&a, x, 1, NX);
	check_vals(what, x, want, NX);
	/* the row split must not matter for element-wise functions */
	for (int i = 0; i < NX - 1; i++)
		x[i] = (float)in_x[i];
	eng_act(&a, x, 2, (NX - 1) / 2);
	check_vals(what, x, want, NX - 1);
}

#define NP ((double)NAN)

static void test_elementwise(void **state)
{
	(void)state;
	run("identity", mk(ACT_IDENTITY, NP, NP, NP), exp_identity);
	run("relu", mk(ACT_RELU, NP, NP, NP), exp_relu);
	run("relu max=2", mk(ACT_RELU, 2, NP, NP), exp_relu_max2);
	run("relu threshold=1 slope=0.1", mk(ACT_RELU, NP, 1, 0.1), exp_relu_t1_s01);
	run("relu slope=0.2", mk(ACT_RELU, NP, NP, 0.2), exp_relu_s02);
	run("relu threshold=0.5", mk(ACT_RELU, NP, 0.5, NP), exp_relu_t05);
	run("relu slope=0.2 max=1", mk(ACT_RELU, 1, NP, 0.2), exp_relu_s02_max1);
	run("relu threshold=0 slope=0.2", mk(ACT_RELU, NP, 0, 0.2), exp_relu_s02);
	run("leakyrelu default", mk(ACT_LEAKYRELU, NP, NP, NP), exp_lrelu_def);
	run("leakyrelu 0.01", mk(ACT_LEAKYRELU, 0.01, NP, NP), exp_lrelu_def);
	run("leakyrelu 0.3", mk(ACT_LEAKYRELU, 0.3, NP, NP), exp_lrelu_03);
	run("tanh", mk(ACT_TANH, NP, NP, NP), exp_tanh);
	run("sigmoid", mk(ACT_SIGMOID, NP, NP, NP), exp_sigmoid);
	run("elu default", mk(ACT_ELU, NP, NP, NP), exp_elu_def);
	run("elu 2", mk(ACT_ELU, 2, NP, NP), exp_elu_2);
	run("selu", mk(ACT_SELU, NP, NP, NP), exp_selu);
	run("softsign", mk(ACT_SOFTSIGN, NP, NP, NP), exp_softsign);
	run("softplus", mk(ACT_SOFTPLUS, NP, NP, NP), exp_softplus);
	run("hardtanh", mk(ACT_HARDTANH, NP, NP, NP), exp_hardtanh);
	run("hardsigmoid", mk(ACT_HARDSIGMOID, NP, NP, NP), exp_hardsigmoid);
	run("cube", mk(ACT_CUBE, NP, NP, NP), exp_cube);
	run("relu6", mk(ACT_RELU6, NP, NP, NP), exp_relu6);
	run("rectifiedtanh", mk(ACT_RECTIFIEDTANH, NP, NP, NP), exp_rectifiedtanh);
	run("rationaltanh", mk(ACT_RATIONALTANH, NP, NP, NP), exp_rationaltanh);
	run("swish", mk(ACT_SWISH, NP, NP, NP), exp_swish);
	run("rrelu default", mk(ACT_RRELU, NP, NP, NP), exp_rrelu_def);
	run("rrelu 1/8 1/3", mk(ACT_RRELU, 1.0 / 8, 1.0 / 3, NP), exp_rrelu_def);
	run("rrelu 0.1 0.3", mk(ACT_RRELU, 0.1, 0.3, NP), exp_rrelu_01_03);
	run("gelu", mk(ACT_GELU, NP, NP, NP), exp_gelu);
	run("mish", mk(ACT_MISH, NP, NP, NP), exp_mish);
	run("thresholdedrelu default", mk(ACT_THRESHOLDEDRELU, NP, NP, NP), exp_thrrelu_def);
	run("thresholdedrelu 0.4", mk(ACT_THRESHOLDEDRELU, 0.4, NP, NP), exp_thrrelu_04);
}

/* softplus must neither overflow nor lose small values */
static void test_softplus_extremes(void **state)
{
	struct activation a = mk(ACT_SOFTPLUS, NP, NP, NP);
	float x[3] = { 100.0f, -100.0f, 80.0f };

	(void)state;
	eng_act(&a, x, 1, 3);
	assert_float_equal(x[0], 100.0f, 1e-5f);
	assert_true(x[1] > 0.0f && x[1] < 1e-40f);
	assert_float_equal(x[2], 80.0f, 1e-5f);
}

static void test_softmax_rows(void **state)
{
	struct activation sm = mk(ACT_SOFTMAX, NP, NP, NP), lsm = mk(ACT_LOGSOFTMAX, NP, NP, NP);
	const float m[8] = { 1, 2, 3, 4, -1, 0, 1000, -5 };
	float x[8];

	(void)state;
	memcpy(x, m, sizeof(x));
	eng_act(&sm, x, 2, 4);
	check_vals("softmax", x, exp_softmax, 8);
	memcpy(x, m, sizeof(x));
	eng_act(&lsm, x, 2, 4);
	check_vals("logsoftmax", x, exp_logsoftmax, 8);
	/* one row of everything: a different result than two rows */
	memcpy(x, m, sizeof(x));
	eng_act(&sm, x, 1, 8);
	assert_true(x[0] < 1e-30f && x[6] > 0.999999f);
}

static void test_softmax_strided(void **state)
{
	float x[12];

	(void)state;
	for (int i = 0; i < 12; i++)
		x[i] = (float)in_strided[i];
	eng_softmax_strided(x, 2, 3, 2); /* [2, 3, 2]: over the middle axis */
	check_vals("softmax strided", x, exp_strided, 12);
}

static void test_supported(void **state)
{
	struct activation a = mk(ACT_UNKNOWN, NP, NP, NP);

	(void)state;
	assert_false(eng_act_supported(&a));
	for (int k = 0; k < ACT_UNKNOWN; k++) {
		a.kind = (enum act_kind)k;
		assert_true(eng_act_supported(&a));
	}
	/* an unknown activation leaves the data alone (it is refused at bind) */
	a.kind = ACT_UNKNOWN;
	float x[2] = { -1.0f, 2.0f };

	eng_act(&a, x, 1, 2);
	assert_float_equal(x[0], -1.0f, 0.0f);
	assert_float_equal(x[1], 2.0f, 0.0f);
}

/* Plain ReLU is branch-free bit manipulation: Java's Math.max(0, x) semantics at the edges. */
static void test_relu_edges(void **state)
{
	struct activation a = mk(ACT_RELU, NP, NP, NP);
	float x[7] = { -2.0f, -0.0f, 0.0f, 3.5f, NAN, -NAN, -INFINITY };

	(void)state;
	eng_act(&a, x, 1, 7);
	assert_true(x[0] == 0.0f && !signbit(x[0]));
	assert_true(x[1] == 0.0f && !signbit(x[1])); /* Math.max(0f, -0f) is +0 */
	assert_true(x[2] == 0.0f);
	assert_true(x[3] == 3.5f);
	assert_true(isnan(x[4]));
	assert_true(isnan(x[5])); /* Math.max(0f, NaN) is NaN, whatever its sign */
	assert_true(x[6] == 0.0f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elementwise),  cmocka_unit_test(test_softplus_extremes),
		cmocka_unit_test(test_softmax_rows), cmocka_unit_test(test_softmax_strided),
		cmocka_unit_test(test_supported),    cmocka_unit_test(test_relu_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Generator (numpy, float64), x = in_x:
 *   sig(v) = 1/(1+exp(-v)); sp(v) = log1p(exp(v))
 *   relu max(x,0); relu max=m: min(.,m); threshold t, slope s: where(x>=t, x, s*(x-t)),
 *   t == 0: where(x<0, s*x, x); leakyrelu where(x<0, a*x, x); elu where(x>=0, x, a*(e^x-1));
 *   selu where(x>0, L*x, L*(A*e^x-A)); softsign x/(1+|x|); softplus sp; hardtanh clip(x,-1,1);
 *   hardsigmoid clip(0.2x+0.5,0,1); cube x^3; relu6 clip(x,0,6); rectifiedtanh max(0,tanh x);
 *   rationaltanh 1.7159*sign(y)*(1-1/(1+|y|+y^2+1.41645*y^4)), y=2x/3; swish x*sig(x);
 *   rrelu max(x,(l+u)/2); gelu x*sig(1.702x); mish x*tanh(sp(x));
 *   thresholdedrelu where(x>theta, x, 0);
 *   softmax e/e.sum() with e = exp(r - r.max()); logsoftmax r - r.max() - log(e.sum());
 *   strided: t = arange(12).reshape(2,3,2)*0.5-2, t[1,2,1] = 3, softmax over axis 1. */
