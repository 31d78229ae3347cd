/* act.c - DL4J's activation functions at inference (FORMAT.md 7.1), with the formulas of
 * nd4j's Activation* classes and the libnd4j ops they call:
 *
 *   relu            x < 0 ? 0 : x; beta7+ parameters (ActivationReLU): threshold t and
 *                   negativeSlope s given -> t == 0 ? (x < 0 ? s*x : x)
 *                                                 : (x >= t ? x : s*(x - t)); then max m
 *                   given -> min(x, m)
 *   leakyrelu       x < 0 ? a*x : x (a default 0.01)
 *   elu             x >= 0 ? x : a*(e^x - 1) (a default 1)
 *   selu            x > 0 ? L*x : L*(A*e^x - A)
 *   softplus        log(1 + e^x)   (evaluated without overflow)
 *   softsign        x / (1 + |x|)
 *   hardtanh        clip(x, -1, 1)
 *   hardsigmoid     clip(0.2x + 0.5, 0, 1)
 *   cube, relu6     x^3, min(max(x, 0), 6)
 *   rectifiedtanh   max(0, tanh x)
 *   rationaltanh    1.7159 * sgn(y) * (1 - 1/(1 + |y| + y^2 + 1.41645 y^4)), y = 2x/3
 *   swish           x * sigmoid(x)
 *   rrelu           DL4J at inference runs RectifiedLinear(x, (l+u)/2), whose libnd4j op is
 *                   "x < c ? c : x": the result is max(x, (l+u)/2), not a leaky ReLU
 *                   (l, u default 1/8, 1/3)
 *   gelu            x * sigmoid(1.702 x): ActivationGELU's default precise=false form
 *   mish            x * tanh(softplus(x))
 *   thresholdedrelu x > theta ? x : 0 (theta default 1)
 *   softmax         exp(x - max) / sum over each row; logsoftmax x - max - log(sum)
 */
#include <math.h>
#include <string.h>

#include "engine/engine_int.h"

#define SELU_ALPHA  1.6732632423543772848170429916717f
#define SELU_LAMBDA 1.0507009873554804934193349852946f

static inline float sigmoidf(float x)
{
	return 1.0f / (1.0f + expf(-x));
}

/* log(1 + e^x) without overflow for large x or loss for very negative x */
static inline float softplusf(float x)
{
	return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x)));
}

static float param_or(const struct activation *a, int i, float def)
{
	return isnan(a->p[i]) ? def : (float)a->p[i];
}

static void relu(const struct activation *a, float *x, int64_t n)
{
	bool has_max = !isnan(a->p[0]), has_t = !isnan(a->p[1]), has_s = !isnan(a->p[2]);
	float m = param_or(a, 0, 0.0f), t = param_or(a, 1, 0.0f), s = param_or(a, 2, 0.0f);

	if (!has_t && !has_s) {
		/* branch-free (random signs mispredict a compare-and-branch half the time):
		 * negatives are cleared through their sign bit; NaN stays NaN, as in Java's
		 * Math.max(0, x), and -0 becomes 0 as there */
		for (int64_t i = 0; i < n; i++) {
			uint32_t u, neg, nan;

			memcpy(&u, &x[i], 4);
			neg = (uint32_t)((int32_t)u >> 31);
			nan = 0u - (uint32_t)((u & 0x7fffffffu) > 0x7f800000u);
			u &= ~(neg & ~nan);
			memcpy(&x[i], &u, 4);
		}
	} else if (t == 0.0f) {
		for (int64_t i = 0; i < n; i++)
			x[i] = x[i] < 0.0f ? s * x[i] : x[i];
	} else {
		for (int64_t i = 0; i < n; i++)
			x[i] = x[i] >= t ? x[i] : s * (x[i] - t);
	}
	if (has_max)
		for (int64_t i = 0; i < n; i++)
			x[i] = x[i] > m ? m : x[i];
}

static void softmax_row(float *x, int64_t n, int64_t stride, bool log_form)
{
	float mx = x[0];
	double sum = 0;

	for (int64_t i = 1; i < n; i++)
		if (x[i * stride] > mx)
			mx = x[i * stride];
	if (log_form) {
		for (int64_t i = 0; i < n; i++)
			sum += (double)expf(x[i * stride] - mx);
		float ls = (float)log(sum);

		for (int64_t i = 0; i < n; i++)
			x[i * stride] = x[i * stride] - mx - ls;
		return;
	}
	for (int64_t i = 0; i < n; i++) {
		float v = expf(x[i * stride] - mx);

		x[i * stride] = v;
		sum += (double)v;
	}
	float inv = (float)(1.0 / sum);

	for (int64_t i = 0; i < n; i++)
		x[i * stride] *= inv;
}

void eng_act(const struct activation *a, float *x, int64_t rows, int64_t cols)
{
	int64_t n = rows * cols;
	float p;

	switch (a->kind) {
	case ACT_IDENTITY:
	case ACT_UNKNOWN: /* refused at bind */
	case ACT__COUNT:
		return;
	case ACT_RELU:
		relu(a, x, n);
		return;
	case ACT_LEAKYRELU:
		p = param_or(a, 0, 0.01f);
		for (int64_t i = 0; i < n; i++)
			x[i] = x[i] < 0.0f ? p * x[i] : x[i];
		return;
	case ACT_TANH:
		for (int64_t i = 0; i < n; i++)
			x[i] = tanhf(x[i]);
		return;
	case ACT_SIGMOID:
		for (int64_t i = 0; i < n; i++)
			x[i] = sigmoidf(x[i]);
		return;
	case ACT_SOFTMAX:
	case ACT_LOGSOFTMAX:
		if (cols <= 0)
			return;
		for (int64_t r = 0; r < rows; r++)
			softmax_row(x + r * cols, cols, 1, a->kind == ACT_LOGSOFTMAX);
		return;
	case ACT_ELU:
		p = param_or(a, 0, 1.0f);
		for (int64_t i = 0; i < n; i++)
			x[i] = x[i] >= 0.0f ? x[i] : p * expm1f(x[i]);
		return;
	case ACT_SELU:
		for (int64_t i = 0; i < n; i++)
			x[i] = x[i] > 0.0f ? SELU_LAMBDA * x[i]
					   : SELU_LAMBDA * (SELU_ALPHA * expf(x[i]) - SELU_ALPHA);
		return;
	case ACT_SOFTSIGN:
		for (int64_t i = 0; i < n; i++)
			x[i] = x[i] / (1.0f + fabsf(x[i]));
		return;
	case ACT_SOFTPLUS:
		for (int64_t i = 0; i < n; i++)
			x[i] = softplusf(x[i]);
		return;
	case ACT_HARDTANH:
		for (int64_t i = 0; i < n; i++)
			x[i] = x[i] < -1.0f ? -1.0f : x[i] > 1.0f ? 1.0f : x[i];
		return;
	case ACT_HARDSIGMOID:
		for (int64_t i = 0; i < n; i++)
			x[i] = fminf(1.0f, fmaxf(0.0f, 0.2f * x[i] + 0.5f));
		return;
	case ACT_CUBE:
		for (int64_t i = 0; i < n; i++)
			x[i] = x[i] * x[i] * x[i];
		return;
	case ACT_RELU6:
		for (int64_t i = 0; i < n; i++) {
			float r = x[i] < 0.0f ? 0.0f : x[i];

			x[i] = r < 6.0f ? r : 6.0f;
		}
		return;
	case ACT_RECTIFIEDTANH:
		for (int64_t i = 0; i < n; i++)
			x[i] = fmaxf(0.0f, tanhf(x[i]));
		return;
	case ACT_RATIONALTANH:
		for (int64_t i = 0; i < n; i++) {
			float y = (2.0f / 3.0f) * x[i], y2 = y * y;
			float t = 1.0f - 1.0f / (1.0f + fabsf(y) + y2 + 1.41645f * y2 * y2);
			float sg = (float)((y > 0.0f) - (y < 0.0f));

			x[i] = 1.7159f * sg * t;
		}
		return;
	case ACT_SWISH:
		for (int64_t i = 0; i < n; i++)
			x[i] = x[i] * sigmoidf(x[i]);
		return;
	case ACT_RRELU:
		p = 0.5f * (param_or(a, 0, 1.0f / 8) + param_or(a, 1, 1.0f / 3));
		for (int64_t i = 0; i < n; i++)
			x[i] = x[i] < p ? p : x[i];
		return;
	case ACT_GELU:
		for (int64_t i = 0; i < n; i++)
			x[i] = x[i] * sigmoidf(1.702f * x[i]);
		return;
	case ACT_MISH:
		for (int64_t i = 0; i < n; i++)
			x[i] = x[i] * tanhf(softplusf(x[i]));
		return;
	case ACT_THRESHOLDEDRELU:
		p = param_or(a, 0, 1.0f);
		for (int64_t i = 0; i < n; i++)
			x[i] = x[i] > p ? x[i] : 0.0f;
		return;
	}
}

void eng_softmax_strided(float *x, int64_t outer, int64_t axis, int64_t stride)
{
	if (axis <= 0)
		return;
	for (int64_t o = 0; o < outer; o++)
		for (int64_t s = 0; s < stride; s++)
			softmax_row(x + o * axis * stride + s, axis, stride, false);
}

bool eng_act_supported(const struct activation *a)
{
	return a->kind >= ACT_IDENTITY && a->kind < ACT_UNKNOWN;
}
