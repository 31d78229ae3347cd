/* pool.c - pooling and resampling layers (FORMAT.md 7.4): SubsamplingLayer 1-D / 2-D / 3-D
 * (MAX, AVG, SUM, PNORM), GlobalPoolingLayer, Upsampling1D/2D, ZeroPadding1D/2D and
 * Cropping1D/2D, all channels-first. None has parameters.
 *
 * Subsampling follows libnd4j's pooling2d: a window only visits cells inside the input, so
 * padding never wins a MAX and adds nothing to SUM/PNORM; AVG divides by the whole kernel
 * (kH*kW, DL4J's avgPoolIncludePadInDivisor = true, the default for JSON that lacks the field)
 * or by the cells actually visited (false). Subsampling3D is DL4J's MAX or AVG, and DL4J
 * always passes "exclude padding" to avgpool3dnew, whatever the flag says.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "codec/model.h"
#include "engine/layers/conv_int.h"

static const char *const layouts[6] = { "", "", "[N,F]", "[N,C,W]", "[N,C,H,W]", "[N,C,D,H,W]" };

/* ------------------------------------------------------------------ subsampling */

static int sub_nd(enum layer_kind k)
{
	return k == LK_SUBSAMPLING1D ? 1 : k == LK_SUBSAMPLING3D ? 3 : 2;
}

static int sub_infer(struct elayer *l, struct err *e)
{
	const struct layer *c = l->conf;
	int nd = sub_nd(c->kind), rc;
	int64_t d[ENG_MAX_RANK];
	struct eng_win w;

	if (c->nd != nd)
		return eng_layer_err(l, e, -EINVAL, "%d spatial dimensions, expected %d", c->nd,
				     nd);
	rc = eng_check_in(l, nd + 2, layouts[nd + 2], e);
	if (!rc)
		rc = eng_check_format(l, e);
	if (rc)
		return rc;
	if (c->conv_mode == CM_CAUSAL)
		return eng_layer_err(l, e, -ENOTSUP,
				     "convolution mode Causal is not supported for pooling");
	if (nd == 3 && c->pool != POOL_MAX && c->pool != POOL_AVG)
		return eng_layer_err(l, e, -ENOTSUP, "3-D pooling is MAX or AVG only");
	if (c->pool == POOL_PNORM && !(c->pnorm > 0 && c->pnorm <= 1e6))
		return eng_layer_err(l, e, -EINVAL, "pnorm %g is not positive", c->pnorm);
	rc = eng_win_make(l, &l->in.d[2], false, &w, e);
	if (rc)
		return rc;
	d[0] = l->in.d[0];
	d[1] = l->in.d[1];
	for (int i = 0; i < nd; i++)
		d[2 + i] = w.out[3 - nd + i];
	l->scratch = 0;
	return eng_set_out(l, nd + 2, d, e);
}

/* The cells a window visits along one dimension: first index *lo, count *n, step w->d. */
static void win_span(const struct eng_win *w, int j, int64_t o, int64_t *lo, int64_t *n)
{
	int64_t start = o * w->s[j] - w->lead[j], u0 = 0, u1 = w->k[j] - 1;

	if (start < 0)
		u0 = (-start + w->d[j] - 1) / w->d[j];
	if (start + u1 * w->d[j] > w->in[j] - 1)
		u1 = start > w->in[j] - 1 ? -1 : (w->in[j] - 1 - start) / w->d[j];
	*lo = start + u0 * w->d[j];
	*n = u1 >= u0 ? u1 - u0 + 1 : 0;
}

/* Reduces the window whose cells along dim j are lo[j] + i * w->d[j], i < n[j]. */
static float pool_window(const struct layer *c, const float *x, const struct eng_win *w,
			 const int64_t *lo, const int64_t *n, bool include_pad)
{
	const int64_t cells = n[0] * n[1] * n[2];
	double acc = 0;
	float mx = -FLT_MAX; /* libnd4j's starting value */

	for (int64_t i = 0; i < cells; i++) {
		int64_t a = i / (n[1] * n[2]), b = i / n[2] % n[1], q = i % n[2];
		float v = x[((lo[0] + a * w->d[0]) * w->in[1] + lo[1] + b * w->d[1]) * w->in[2] +
			    lo[2] + q * w->d[2]];

		if (c->pool == POOL_MAX)
			mx = v > mx ? v : mx;
		else if (c->pool == POOL_PNORM)
			acc += pow(fabs((double)v), c->pnorm);
		else
			acc += (double)v;
	}
	switch (c->pool) {
	case POOL_MAX:
		return mx;
	case POOL_AVG:
		if (include_pad)
			return (float)(acc / (double)eng_win_k_numel(w));
		return cells > 0 ? (float)(acc / (double)cells) : NAN; /* libnd4j: 0 / 0 */
	case POOL_PNORM:
		return (float)pow(acc, 1.0 / c->pnorm);
	default:
		return (float)acc;
	}
}

static void sub_forward(const struct elayer *l, const float *in, float *out, float *scratch)
{
	const struct layer *c = l->conf;
	const int64_t planes = l->in.d[0] * l->in.d[1];
	const bool include_pad = c->avg_include_pad && c->kind != LK_SUBSAMPLING3D;
	struct eng_win w;
	int64_t isp, osp, lo[3], n[3];

	(void)scratch;
	if (eng_win_make(l, &l->in.d[2], false, &w, NULL))
		return; /* cannot happen: infer accepted this shape */
	isp = eng_win_in_numel(&w);
	osp = eng_win_out_numel(&w);
	for (int64_t pl = 0; pl < planes; pl++) {
		const float *x = in + pl * isp;

		for (int64_t o = 0; o < osp; o++) {
			win_span(&w, 0, o / (w.out[1] * w.out[2]), &lo[0], &n[0]);
			win_span(&w, 1, o / w.out[2] % w.out[1], &lo[1], &n[1]);
			win_span(&w, 2, o % w.out[2], &lo[2], &n[2]);
			*out++ = pool_window(c, x, &w, lo, n, include_pad);
		}
	}
}

/* ------------------------------------------------------------------ global pooling */

/* Pooled dimensions of the layer for the current input as a bit mask over [0, rank). */
static int gp_mask(const struct elayer *l, unsigned *mask, struct err *e)
{
	const struct layer *c = l->conf;
	int rank = l->in.rank;

	*mask = 0;
	if (!c->n_pool_dims) {
		for (int i = 2; i < rank; i++) /* [2] for RNN, [2,3] CNN, [2,3,4] CNN3D */
			*mask |= 1u << i;
		return 0;
	}
	for (int i = 0; i < c->n_pool_dims; i++) {
		int d = c->pool_dims[i];

		if (d < 1 || d >= rank)
			return eng_layer_err(l, e, -EINVAL,
					     "pooling dimension %d is not in [1, %d] for a rank %d "
					     "input",
					     d, rank - 1, rank);
		*mask |= 1u << d;
	}
	return 0;
}

static int gp_infer(struct elayer *l, struct err *e)
{
	const struct layer *c = l->conf;
	int rank = l->in.rank, orank = 0, rc;
	int64_t d[ENG_MAX_RANK];
	unsigned mask;

	if (rank < 3 || rank > 5)
		return eng_layer_err(l, e, -EINVAL,
				     "input has rank %d, expected 3, 4 or 5 ([N,C,T], [N,C,H,W], "
				     "[N,C,D,H,W])",
				     rank);
	rc = eng_check_in(l, rank, layouts[rank], e);
	if (!rc)
		rc = gp_mask(l, &mask, e);
	if (rc)
		return rc;
	if (c->pool == POOL_PNORM && !(c->pnorm > 0 && c->pnorm <= 1e6))
		return eng_layer_err(l, e, -EINVAL, "pnorm %g is not positive", c->pnorm);
	for (int i = 0; i < rank; i++) {
		if (!(mask & (1u << i)))
			d[orank++] = l->in.d[i];
		else if (!c->collapse)
			d[orank++] = 1;
	}
	l->scratch = 0;
	return eng_set_out(l, orank, d, e);
}

static void gp_forward(const struct elayer *l, const float *in, float *out, float *scratch)
{
	const struct layer *c = l->conf;
	const int rank = l->in.rank;
	int64_t ostr[ENG_MAX_RANK], idx[ENG_MAX_RANK] = { 0 }, acc = 1, total, onum, pooled = 1;
	unsigned mask = 0;
	int first_pooled = rank;
	bool trailing = true;

	(void)scratch;
	if (gp_mask(l, &mask, NULL))
		return; /* cannot happen: infer accepted it */
	for (int i = rank - 1; i >= 0; i--) {
		if (mask & (1u << i)) {
			ostr[i] = 0;
			pooled *= l->in.d[i];
			if (first_pooled != i + 1)
				trailing = false;
			first_pooled = i;
		} else {
			ostr[i] = acc;
			acc *= l->in.d[i];
		}
	}
	onum = acc;
	total = onum * pooled;
	if (trailing) {
		/* the common case: each output reduces one contiguous block */
		for (int64_t o = 0; o < onum; o++) {
			const float *x = in + o * pooled;
			double s = 0;
			float mx = -INFINITY;

			for (int64_t i = 0; i < pooled; i++) {
				if (c->pool == POOL_MAX) {
					if (x[i] > mx)
						mx = x[i];
				} else if (c->pool == POOL_PNORM) {
					s += pow(fabs((double)x[i]), c->pnorm);
				} else {
					s += (double)x[i];
				}
			}
			out[o] = c->pool == POOL_MAX	 ? mx
				 : c->pool == POOL_AVG	 ? (float)(s / (double)pooled)
				 : c->pool == POOL_PNORM ? (float)pow(s, 1.0 / c->pnorm)
							 : (float)s;
		}
		return;
	}
	/* general: walk the input in c order, accumulating into out */
	for (int64_t o = 0; o < onum; o++)
		out[o] = c->pool == POOL_MAX ? -INFINITY : 0.0f;
	for (int64_t i = 0, off = 0; i < total; i++) {
		float v = in[i];

		if (c->pool == POOL_MAX) {
			if (v > out[off])
				out[off] = v;
		} else if (c->pool == POOL_PNORM) {
			out[off] += (float)pow(fabs((double)v), c->pnorm);
		} else {
			out[off] += v;
		}
		for (int k = rank - 1; k >= 0; k--) {
			off += ostr[k];
			if (++idx[k] < l->in.d[k])
				break;
			off -= ostr[k] * idx[k];
			idx[k] = 0;
		}
	}
	for (int64_t o = 0; o < onum; o++) {
		if (c->pool == POOL_AVG)
			out[o] = (float)((double)out[o] / (double)pooled);
		else if (c->pool == POOL_PNORM)
			out[o] = (float)pow((double)out[o], 1.0 / c->pnorm);
	}
}

/* ------------------------------------------------------------------ upsampling */

static int up_infer(struct elayer *l, struct err *e)
{
	const struct layer *c = l->conf;
	int nd = c->kind == LK_UPSAMPLING1D ? 1 : 2, rc;
	int64_t d[ENG_MAX_RANK];

	rc = eng_check_in(l, nd + 2, layouts[nd + 2], e);
	if (!rc)
		rc = eng_check_format(l, e);
	if (rc)
		return rc;
	d[0] = l->in.d[0];
	d[1] = l->in.d[1];
	for (int i = 0; i < nd; i++) {
		if (c->up_size[i] < 1 || c->up_size[i] > ENG_WIN_MAX_PARAM)
			return eng_layer_err(l, e, -EINVAL, "size %lld is not in [1, %lld]",
					     (long long)c->up_size[i],
					     (long long)ENG_WIN_MAX_PARAM);
		if (l->in.d[2 + i] > ENG_WIN_MAX_EXTENT)
			return eng_layer_err(l, e, -EINVAL, "input extent %lld exceeds %lld",
					     (long long)l->in.d[2 + i],
					     (long long)ENG_WIN_MAX_EXTENT);
		d[2 + i] = l->in.d[2 + i] * c->up_size[i];
	}
	l->scratch = 0;
	return eng_set_out(l, nd + 2, d, e);
}

/* Nearest neighbour: out[.., h*sh + a, w*sw + b] = in[.., h, w]. 1-D is H = 1, sh = 1. */
static void up_forward(const struct elayer *l, const float *in, float *out, float *scratch)
{
	const struct layer *c = l->conf;
	const bool one = c->kind == LK_UPSAMPLING1D;
	const int64_t planes = l->in.d[0] * l->in.d[1];
	const int64_t ih = one ? 1 : l->in.d[2], iw = one ? l->in.d[2] : l->in.d[3];
	const int64_t sh = one ? 1 : c->up_size[0], sw = one ? c->up_size[0] : c->up_size[1];
	const int64_t ow = iw * sw;

	(void)scratch;
	for (int64_t p = 0; p < planes; p++) {
		const float *x = in + p * ih * iw;
		float *y = out + p * ih * sh * ow;

		for (int64_t h = 0; h < ih; h++) {
			float *row = y + h * sh * ow;

			for (int64_t w = 0; w < iw; w++)
				for (int64_t b = 0; b < sw; b++)
					row[w * sw + b] = x[h * iw + w];
			for (int64_t a = 1; a < sh; a++)
				memcpy(row + a * ow, row, (size_t)ow * sizeof(*row));
		}
	}
}

/* ------------------------------------------------------------------ padding / cropping */

/* Per side amounts [top, bottom, left, right] (1-D: top = bottom = 0) and the sign: +1 pads,
 * -1 crops. */
static void pc_sides(const struct layer *c, int64_t s[4], int *sign)
{
	bool crop = c->kind == LK_CROPPING1D || c->kind == LK_CROPPING2D;
	const int64_t *v = crop ? c->crop : c->zpad;

	*sign = crop ? -1 : 1;
	if (c->kind == LK_ZEROPAD1D || c->kind == LK_CROPPING1D) {
		s[0] = s[1] = 0;
		s[2] = v[0];
		s[3] = v[1];
	} else {
		memcpy(s, v, 4 * sizeof(*s));
	}
}

static int pc_infer(struct elayer *l, struct err *e)
{
	const struct layer *c = l->conf;
	int nd = c->kind == LK_ZEROPAD1D || c->kind == LK_CROPPING1D ? 1 : 2, sign, rc;
	int64_t s[4], d[ENG_MAX_RANK];

	rc = eng_check_in(l, nd + 2, layouts[nd + 2], e);
	if (!rc)
		rc = eng_check_format(l, e);
	if (rc)
		return rc;
	pc_sides(c, s, &sign);
	for (int i = 0; i < 4; i++)
		if (s[i] < 0 || s[i] > ENG_WIN_MAX_PARAM)
			return eng_layer_err(l, e, -EINVAL, "%s %lld is not in [0, %lld]",
					     sign > 0 ? "padding" : "cropping", (long long)s[i],
					     (long long)ENG_WIN_MAX_PARAM);
	d[0] = l->in.d[0];
	d[1] = l->in.d[1];
	for (int i = 0; i < nd; i++) {
		int64_t x = l->in.d[2 + i], lo = s[2 * (2 - nd + i)], hi = s[2 * (2 - nd + i) + 1];

		if (x > ENG_WIN_MAX_EXTENT)
			return eng_layer_err(l, e, -EINVAL, "input extent %lld exceeds %lld",
					     (long long)x, (long long)ENG_WIN_MAX_EXTENT);
		d[2 + i] = x + sign * (lo + hi);
		if (d[2 + i] < 1)
			return eng_layer_err(
				l, e, -EINVAL,
				"cropping %lld + %lld leaves nothing of input extent %lld",
				(long long)lo, (long long)hi, (long long)x);
	}
	l->scratch = 0;
	return eng_set_out(l, nd + 2, d, e);
}

static void pc_forward(const struct elayer *l, const float *in, float *out, float *scratch)
{
	const struct layer *c = l->conf;
	const bool one = c->kind == LK_ZEROPAD1D || c->kind == LK_CROPPING1D;
	const int64_t planes = l->in.d[0] * l->in.d[1];
	const int64_t ih = one ? 1 : l->in.d[2], iw = one ? l->in.d[2] : l->in.d[3];
	const int64_t oh = one ? 1 : l->out.d[2], ow = one ? l->out.d[2] : l->out.d[3];
	int64_t s[4];
	int sign;

	(void)scratch;
	pc_sides(c, s, &sign);
	for (int64_t p = 0; p < planes; p++) {
		const float *x = in + p * ih * iw;
		float *y = out + p * oh * ow;

		if (sign > 0) {
			memset(y, 0, (size_t)(oh * ow) * sizeof(*y));
			for (int64_t h = 0; h < ih; h++)
				memcpy(y + (h + s[0]) * ow + s[2], x + h * iw,
				       (size_t)iw * sizeof(*y));
		} else {
			for (int64_t h = 0; h < oh; h++)
				memcpy(y + h * ow, x + (h + s[0]) * iw + s[2],
				       (size_t)ow * sizeof(*y));
		}
	}
}

static const struct eng_impl pool_impls[] = {
	{ "Subsampling1DLayer", NULL, sub_infer, sub_forward, NULL },
	{ "SubsamplingLayer", NULL, sub_infer, sub_forward, NULL },
	{ "Subsampling3DLayer", NULL, sub_infer, sub_forward, NULL },
	{ "GlobalPoolingLayer", NULL, gp_infer, gp_forward, NULL },
	{ "Upsampling1D", NULL, up_infer, up_forward, NULL },
	{ "Upsampling2D", NULL, up_infer, up_forward, NULL },
	{ "ZeroPadding1DLayer", NULL, pc_infer, pc_forward, NULL },
	{ "ZeroPaddingLayer", NULL, pc_infer, pc_forward, NULL },
	{ "Cropping1D", NULL, pc_infer, pc_forward, NULL },
	{ "Cropping2D", NULL, pc_infer, pc_forward, NULL },
};

void eng_register_pool(const struct eng_impl **table)
{
	table[LK_SUBSAMPLING1D] = &pool_impls[0];
	table[LK_SUBSAMPLING2D] = &pool_impls[1];
	table[LK_SUBSAMPLING3D] = &pool_impls[2];
	table[LK_GLOBAL_POOLING] = &pool_impls[3];
	table[LK_UPSAMPLING1D] = &pool_impls[4];
	table[LK_UPSAMPLING2D] = &pool_impls[5];
	table[LK_ZEROPAD1D] = &pool_impls[6];
	table[LK_ZEROPAD2D] = &pool_impls[7];
	table[LK_CROPPING1D] = &pool_impls[8];
	table[LK_CROPPING2D] = &pool_impls[9];
}
