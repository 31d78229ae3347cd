/* conv.c - the convolution layers (FORMAT.md 6.2, 7.3): ConvolutionLayer (2-D),
 * Convolution1DLayer, Convolution3D, Deconvolution2D, SeparableConvolution2D and
 * DepthwiseConvolution2D, all channels-first, plus the window geometry and messages shared
 * with pool.c and norm.c (conv_int.h).
 *
 * Every kind runs as im2col + eng_sgemm over a three-dimensional window geometry (a 2-D
 * layer has depth 1, a 1-D layer depth and height 1), so one pair of loops serves 1-D, 2-D
 * and 3-D. Weights stay in DL4J's 'c'-order layout where that is already the [out, in*k]
 * matrix the product needs (Conv1D/2D/3D, Deconvolution2D, the separable pointwise part);
 * the depthwise weights are regrouped once at bind. The bias is added after the product and
 * the layer's activation applied last.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codec/alloc.h"
#include "codec/model.h"
#include "engine/layers/conv_int.h"

/* ------------------------------------------------------------------ shared helpers */

int eng_layer_err(const struct elayer *l, struct err *e, int code, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(e, code, "layer '%s' (%s): %s", l->conf->name ? l->conf->name : "?",
		       layer_kind_name(l->conf->kind), msg);
}

static const char *const dim_names[3] = { "depth", "height", "width" };

static int check_param(const struct elayer *l, const char *what, int64_t v, int64_t lo,
		       struct err *e)
{
	if (v >= lo && v <= ENG_WIN_MAX_PARAM)
		return 0;
	return eng_layer_err(l, e, -EINVAL, "%s %lld is not in [%lld, %lld]", what, (long long)v,
			     (long long)lo, (long long)ENG_WIN_MAX_PARAM);
}

int eng_win_make(const struct elayer *l, const int64_t *in, bool deconv, struct eng_win *w,
		 struct err *e)
{
	const struct layer *c = l->conf;
	int nd = c->nd, rc;

	if (nd < 1 || nd > 3)
		return eng_layer_err(l, e, -EINVAL, "%d spatial dimensions (expected 1 to 3)", nd);
	if (c->conv_mode == CM_CAUSAL && (nd != 1 || deconv))
		return eng_layer_err(l, e, -EINVAL,
				     "convolution mode Causal is only defined for 1-D layers");
	for (int j = 0; j < 3; j++) {
		w->in[j] = w->out[j] = w->k[j] = w->s[j] = w->d[j] = 1;
		w->lead[j] = 0;
	}
	for (int i = 0; i < nd; i++) {
		int j = 3 - nd + i;
		const char *dn = dim_names[j];
		int64_t k = c->kernel[i], s = c->stride[i], d = c->dilation[i], p = c->pad[i];
		int64_t x = in[i], ke, o, lead;

		rc = check_param(l, "kernel size", k, 1, e);
		if (!rc)
			rc = check_param(l, "stride", s, 1, e);
		if (!rc)
			rc = check_param(l, "dilation", d, 1, e);
		if (!rc)
			rc = check_param(l, "padding", p, 0, e);
		if (rc)
			return rc;
		if (x < 1 || x > ENG_WIN_MAX_EXTENT)
			return eng_layer_err(l, e, -EINVAL, "input %s %lld is not in [1, %lld]", dn,
					     (long long)x, (long long)ENG_WIN_MAX_EXTENT);
		ke = k + (k - 1) * (d - 1);
		if (deconv) {
			if (c->conv_mode == CM_SAME) {
				o = x * s;
				/* libnd4j deconv2d: calcPadding2D with in and out swapped */
				lead = (ke - s) / 2;
			} else {
				o = s * (x - 1) + ke - 2 * p;
				lead = p;
				if (o < 1)
					return eng_layer_err(
						l, e, -EINVAL,
						"output %s would be %lld (input %lld, stride %lld, "
						"kernel extent %lld, padding %lld)",
						dn, (long long)o, (long long)x, (long long)s,
						(long long)ke, (long long)p);
			}
			w->in[j] = o;
			w->out[j] = x;
		} else {
			switch (c->conv_mode) {
			case CM_SAME: {
				int64_t tot;

				o = (x + s - 1) / s;
				tot = (o - 1) * s + ke - x;
				lead = tot > 0 ? tot / 2 : 0;
				break;
			}
			case CM_CAUSAL:
				o = (x + s - 1) / s;
				lead = (k - 1) * d;
				break;
			default:
				if (x + 2 * p < ke)
					return eng_layer_err(l, e, -EINVAL,
							     "input %s %lld with padding %lld is "
							     "smaller than the kernel extent %lld",
							     dn, (long long)x, (long long)p,
							     (long long)ke);
				if (c->conv_mode == CM_STRICT && (x + 2 * p - ke) % s)
					return eng_layer_err(
						l, e, -EINVAL,
						"convolution mode Strict: input %s %lld + 2*%lld - "
						"kernel extent %lld is not divisible by stride "
						"%lld",
						dn, (long long)x, (long long)p, (long long)ke,
						(long long)s);
				o = (x + 2 * p - ke) / s + 1;
				lead = p;
				break;
			}
			w->in[j] = x;
			w->out[j] = o;
		}
		w->k[j] = k;
		w->s[j] = s;
		w->d[j] = d;
		w->lead[j] = lead;
	}
	return 0;
}

int eng_set_out(struct elayer *l, int rank, const int64_t *d, struct err *e)
{
	int64_t n = 1;

	if (rank < 1 || rank > ENG_MAX_RANK)
		return eng_layer_err(l, e, -EINVAL, "output rank %d is not supported", rank);
	for (int i = 0; i < rank; i++) {
		if (d[i] < 1)
			return eng_layer_err(l, e, -EINVAL, "output dimension %d would be %lld", i,
					     (long long)d[i]);
		if (!i64_mul_ok(n, d[i], &n) || n > ENG_LAYER_MAX_ELEMS)
			return eng_layer_err(l, e, -EOVERFLOW,
					     "output would have more than %lld elements",
					     (long long)ENG_LAYER_MAX_ELEMS);
	}
	l->out.rank = rank;
	for (int i = 0; i < ENG_MAX_RANK; i++)
		l->out.d[i] = i < rank ? d[i] : 0;
	return 0;
}

int eng_set_scratch(struct elayer *l, int64_t a, int64_t b, int64_t c, struct err *e)
{
	int64_t n;

	if (!i64_mul_ok(a, b, &n) || !i64_add_ok(n, c, &n) || n > ENG_LAYER_MAX_ELEMS)
		return eng_layer_err(l, e, -EOVERFLOW, "scratch would exceed %lld floats",
				     (long long)ENG_LAYER_MAX_ELEMS);
	l->scratch = (size_t)n;
	return 0;
}

int eng_check_format(const struct elayer *l, struct err *e)
{
	const char *f = l->conf->data_format;

	if (!f[0] || !strcmp(f, "NCHW") || !strcmp(f, "NCW") || !strcmp(f, "NCDHW"))
		return 0;
	return eng_layer_err(l, e, -ENOTSUP,
			     "data format %s is not supported (channels-first only)", f);
}

int eng_check_in(const struct elayer *l, int rank, const char *layout, struct err *e)
{
	int64_t n = 1;

	if (l->in.rank != rank)
		return eng_layer_err(l, e, -EINVAL, "input has rank %d, expected %d (%s)",
				     l->in.rank, rank, layout);
	for (int i = 0; i < rank; i++)
		if (l->in.d[i] < 1 || !i64_mul_ok(n, l->in.d[i], &n) || n > ENG_LAYER_MAX_ELEMS)
			return eng_layer_err(l, e, -EINVAL,
					     "input dimension %d (%lld) is empty or the input "
					     "exceeds %lld elements",
					     i, (long long)l->in.d[i],
					     (long long)ENG_LAYER_MAX_ELEMS);
	return 0;
}

/* ------------------------------------------------------------------ im2col / col2im */

/* The kernel cell u (c-order over k[0..3)) as per-dimension offsets u * d. */
static void win_cell(const struct eng_win *w, int64_t u, int64_t *off)
{
	off[2] = u % w->k[2] * w->d[2];
	off[1] = u / w->k[2] % w->k[1] * w->d[1];
	off[0] = u / (w->k[2] * w->k[1]) * w->d[0];
}

/* One im2col row: row[(od, oh, ow)] = x[od*s - lead + off, ...], 0 outside the input. */
static void im2col_row(const float *x, const struct eng_win *w, const int64_t *off, float *row)
{
	const int64_t plane = w->out[1] * w->out[2];

	for (int64_t od = 0; od < w->out[0]; od++) {
		int64_t id = od * w->s[0] - w->lead[0] + off[0];

		for (int64_t oh = 0; oh < w->out[1]; oh++) {
			int64_t ih = oh * w->s[1] - w->lead[1] + off[1];
			int64_t iw = off[2] - w->lead[2];
			float *r = row + od * plane + oh * w->out[2];
			const float *xr;

			if (id < 0 || id >= w->in[0] || ih < 0 || ih >= w->in[1]) {
				memset(r, 0, (size_t)w->out[2] * sizeof(*r));
				continue;
			}
			xr = x + (id * w->in[1] + ih) * w->in[2];
			for (int64_t ow = 0; ow < w->out[2]; ow++, iw += w->s[2])
				r[ow] = iw >= 0 && iw < w->in[2] ? xr[iw] : 0.0f;
		}
	}
}

/* col[(c, kernel cell), (od, oh, ow)]: the input patches as columns. */
static void im2col(const float *x, int64_t chans, const struct eng_win *w, float *col)
{
	const int64_t isp = eng_win_in_numel(w), osp = eng_win_out_numel(w);
	const int64_t kprod = eng_win_k_numel(w);
	int64_t off[3];

	for (int64_t c = 0; c < chans; c++)
		for (int64_t u = 0; u < kprod; u++, col += osp) {
			win_cell(w, u, off);
			im2col_row(x + c * isp, w, off, col);
		}
}

/* The adjoint of im2col_row: y[cell] += row[position] for the cells inside the image. */
static void col2im_row(const float *row, const struct eng_win *w, const int64_t *off, float *y)
{
	const int64_t plane = w->out[1] * w->out[2];

	for (int64_t od = 0; od < w->out[0]; od++) {
		int64_t id = od * w->s[0] - w->lead[0] + off[0];

		for (int64_t oh = 0; oh < w->out[1]; oh++) {
			int64_t ih = oh * w->s[1] - w->lead[1] + off[1];
			int64_t iw = off[2] - w->lead[2];
			const float *r = row + od * plane + oh * w->out[2];
			float *yr;

			if (id < 0 || id >= w->in[0] || ih < 0 || ih >= w->in[1])
				continue;
			yr = y + (id * w->in[1] + ih) * w->in[2];
			for (int64_t ow = 0; ow < w->out[2]; ow++, iw += w->s[2])
				if (iw >= 0 && iw < w->in[2])
					yr[iw] += r[ow];
		}
	}
}

/* The transposed convolution's scatter: col [(c, kernel cell), position] into y [c, cells]. */
static void col2im(const float *col, int64_t chans, const struct eng_win *w, float *y)
{
	const int64_t isp = eng_win_in_numel(w), osp = eng_win_out_numel(w);
	const int64_t kprod = eng_win_k_numel(w);
	int64_t off[3];

	for (int64_t c = 0; c < chans; c++)
		for (int64_t u = 0; u < kprod; u++, col += osp) {
			win_cell(w, u, off);
			col2im_row(col, w, off, y + c * isp);
		}
}

/* True when im2col would copy the input unchanged (1x1 kernel, stride 1, no padding). */
static bool win_is_identity(const struct eng_win *w)
{
	for (int j = 0; j < 3; j++)
		if (w->k[j] != 1 || w->s[j] != 1 || w->lead[j] != 0 || w->out[j] != w->in[j])
			return false;
	return true;
}

/* ------------------------------------------------------------------ binding */

struct conv_priv {
	const float *w;	 /* grouped weights: groups blocks of [cog, cig * kprod], row-major */
	const float *pw; /* separable: pointwise [nout, cin * dm] */
	const float *b;	 /* [nout] or NULL */
	float *wbuf;	 /* owned regrouped depthwise weights */
	int64_t cin;	 /* input channels */
	int64_t groups;	 /* 1, or cin for the depthwise stage */
	int64_t cmid;	 /* channels after the grouped stage (depthwise: cin * dm) */
	int64_t nout;	 /* output channels of the layer */
	int64_t kprod;	 /* kernel cells */
};

static int want_nd(enum layer_kind k)
{
	return k == LK_CONV1D ? 1 : k == LK_CONV3D ? 3 : 2;
}

/* Parameter `key` with exactly `count` values, or an error. */
static int get_param(const struct elayer *l, const char *key, int64_t count, const float **out,
		     struct err *e)
{
	const struct param *p = NULL;
	const float *v = eng_w(l, key, &p);

	if (!v || !p)
		return eng_layer_err(l, e, -EINVAL, "parameter %s is missing", key);
	if (p->count != count)
		return eng_layer_err(l, e, -EINVAL, "parameter %s has %lld values, expected %lld",
				     key, (long long)p->count, (long long)count);
	*out = v;
	return 0;
}

static void conv_free_priv(struct elayer *l)
{
	struct conv_priv *p = l->priv;

	if (!p)
		return;
	dl_free(p->wbuf);
	dl_free(p);
	l->priv = NULL;
}

/* Fills p from the layer's configuration and parameters (everything but the regrouping). */
static int conv_bind_params(struct elayer *l, struct conv_priv *p, int64_t *nw, const float **w,
			    struct err *e)
{
	const struct layer *c = l->conf;
	enum layer_kind kind = c->kind;
	int nd = want_nd(kind), rc;
	int64_t kprod = 1, dm = 1, tmp;

	if (c->nd != nd)
		return eng_layer_err(l, e, -EINVAL, "%d spatial dimensions, expected %d", c->nd,
				     nd);
	for (int i = 0; i < nd; i++) {
		rc = check_param(l, "kernel size", c->kernel[i], 1, e);
		if (rc)
			return rc;
		kprod *= c->kernel[i];
	}
	if (c->n_in < 1 || c->n_in > ENG_GEMM_MAX_DIM)
		return eng_layer_err(l, e, -EINVAL, "nIn %lld is not in [1, %lld]",
				     (long long)c->n_in, (long long)ENG_GEMM_MAX_DIM);
	if (kind == LK_DWCONV2D || kind == LK_SEPCONV2D) {
		dm = c->depth_mult;
		if (dm < 1 || dm > ENG_WIN_MAX_PARAM)
			return eng_layer_err(l, e, -EINVAL,
					     "depthMultiplier %lld is not in [1, %lld]",
					     (long long)dm, (long long)ENG_WIN_MAX_PARAM);
	}
	p->cin = c->n_in;
	p->kprod = kprod;
	p->groups = 1;
	p->cmid = p->nout = c->n_out;
	if (kind == LK_DWCONV2D || kind == LK_SEPCONV2D) {
		p->groups = c->n_in;
		p->cmid = c->n_in * dm;
		if (kind == LK_DWCONV2D) {
			if (c->n_out >= 0 && c->n_out != p->cmid)
				return eng_layer_err(
					l, e, -EINVAL,
					"nOut %lld is not nIn * depthMultiplier = %lld",
					(long long)c->n_out, (long long)p->cmid);
			p->nout = p->cmid;
		}
	}
	if (p->nout < 1 || p->nout > ENG_GEMM_MAX_DIM || p->cmid > ENG_GEMM_MAX_DIM)
		return eng_layer_err(l, e, -EINVAL, "nOut %lld is not in [1, %lld]",
				     (long long)p->nout, (long long)ENG_GEMM_MAX_DIM);

	/* W holds cmid * (cin / groups) * kprod values in every layout */
	if (!i64_mul_ok(p->cmid, p->cin / p->groups, &tmp) || !i64_mul_ok(tmp, kprod, nw) ||
	    *nw > ENG_LAYER_MAX_ELEMS)
		return eng_layer_err(l, e, -EOVERFLOW, "weights exceed %lld values",
				     (long long)ENG_LAYER_MAX_ELEMS);
	rc = get_param(l, "W", *nw, w, e);
	if (!rc && c->has_bias)
		rc = get_param(l, "b", p->nout, &p->b, e);
	if (rc || kind != LK_SEPCONV2D)
		return rc;
	if (!i64_mul_ok(p->nout, p->cmid, &tmp) || tmp > ENG_LAYER_MAX_ELEMS)
		return eng_layer_err(l, e, -EOVERFLOW, "pointwise weights exceed %lld values",
				     (long long)ENG_LAYER_MAX_ELEMS);
	return get_param(l, "pW", tmp, &p->pw, e);
}

static int conv_bind(struct elayer *l, struct err *e)
{
	enum layer_kind kind = l->conf->kind;
	struct conv_priv *p;
	const float *w = NULL;
	int64_t nw = 0, dm;
	int rc;

	p = dl_calloc(1, sizeof(*p));
	if (!p)
		return err_set(e, -ENOMEM, "out of memory");
	rc = conv_bind_params(l, p, &nw, &w, e);
	if (rc)
		goto out_free;
	if (kind != LK_DWCONV2D && kind != LK_SEPCONV2D) {
		p->w = w; /* [nOut, nIn, k...] (Deconv [nIn, nOut, k...]) c-order is the matrix */
		l->priv = p;
		return 0;
	}
	p->wbuf = dl_malloc((size_t)nw * sizeof(float));
	if (!p->wbuf) {
		rc = err_set(e, -ENOMEM, "out of memory");
		goto out_free;
	}
	/* row ci*dm + m, column = kernel cell; depthwise W is [kH, kW, nIn, dm], separable W
	 * [dm, nIn, kH, kW] */
	dm = p->cmid / p->cin;
	for (int64_t ci = 0; ci < p->cin; ci++)
		for (int64_t m = 0; m < dm; m++)
			for (int64_t u = 0; u < p->kprod; u++)
				p->wbuf[(ci * dm + m) * p->kprod + u] =
					kind == LK_DWCONV2D ? w[(u * p->cin + ci) * dm + m]
							    : w[(m * p->cin + ci) * p->kprod + u];
	p->w = p->wbuf;
	l->priv = p;
	return 0;

out_free:
	dl_free(p->wbuf);
	dl_free(p);
	return rc;
}

/* ------------------------------------------------------------------ planning */

static bool act_rowwise(const struct activation *a)
{
	return a->kind == ACT_SOFTMAX || a->kind == ACT_LOGSOFTMAX;
}

static int conv_infer(struct elayer *l, struct err *e)
{
	static const char *const layouts[4] = { "", "[N,C,W]", "[N,C,H,W]", "[N,C,D,H,W]" };
	const struct layer *c = l->conf;
	struct conv_priv *p = l->priv;
	bool deconv = c->kind == LK_DECONV2D;
	int nd = want_nd(c->kind), rc;
	int64_t d[ENG_MAX_RANK], osp, isp, gk, col;
	struct eng_win w;

	if (!p)
		return eng_layer_err(l, e, -EINVAL, "planned before its parameters were bound");
	rc = eng_check_in(l, nd + 2, layouts[nd], e);
	if (!rc)
		rc = eng_check_format(l, e);
	if (rc)
		return rc;
	if (l->in.d[1] != p->cin)
		return eng_layer_err(l, e, -EINVAL, "input has %lld channels, nIn is %lld",
				     (long long)l->in.d[1], (long long)p->cin);
	if (!eng_act_supported(&c->act) || act_rowwise(&c->act))
		return eng_layer_err(l, e, -ENOTSUP, "activation %s is not supported here",
				     c->act.name[0] ? c->act.name : act_kind_name(c->act.kind));
	rc = eng_win_make(l, &l->in.d[2], deconv, &w, e);
	if (rc)
		return rc;
	d[0] = l->in.d[0];
	d[1] = p->nout;
	for (int i = 0; i < nd; i++)
		d[2 + i] = deconv ? w.in[3 - nd + i] : w.out[3 - nd + i];
	rc = eng_set_out(l, nd + 2, d, e);
	if (rc)
		return rc;
	/* every gemm dimension below is bounded by the activations checked above, except the
	 * column height (channels * kernel cells) */
	isp = eng_win_in_numel(&w);
	osp = eng_win_out_numel(&w);
	gk = (deconv ? p->nout : p->cin / p->groups) * p->kprod;
	if (gk > ENG_GEMM_MAX_DIM || osp > ENG_GEMM_MAX_DIM || isp > ENG_GEMM_MAX_DIM)
		return eng_layer_err(l, e, -EOVERFLOW, "im2col matrix exceeds %lld rows or columns",
				     (long long)ENG_GEMM_MAX_DIM);
	col = deconv || !win_is_identity(&w) ? gk : 0;
	if (c->kind == LK_SEPCONV2D)
		return eng_set_scratch(l, col + p->cmid, osp, 0, e);
	return eng_set_scratch(l, col, osp, 0, e);
}

/* ------------------------------------------------------------------ forward */

static void add_bias(float *y, const float *b, int64_t chans, int64_t sp)
{
	if (!b)
		return;
	for (int64_t o = 0; o < chans; o++) {
		float *r = y + o * sp;

		for (int64_t i = 0; i < sp; i++)
			r[i] += b[o];
	}
}

/* Grouped convolution of one sample: groups blocks of cin/groups input channels, each
 * producing cmid/groups output channels. */
static void grouped(const struct conv_priv *p, const struct eng_win *w, const float *x, float *y,
		    float *col)
{
	const int64_t isp = eng_win_in_numel(w), osp = eng_win_out_numel(w);
	const int64_t cig = p->cin / p->groups, cog = p->cmid / p->groups, k = cig * p->kprod;
	const bool direct = win_is_identity(w);

	for (int64_t g = 0; g < p->groups; g++) {
		const float *src = x + g * cig * isp;

		if (!direct)
			im2col(src, cig, w, col);
		eng_sgemm(false, false, cog, osp, k, 1.0f, p->w + g * cog * k, k,
			  direct ? src : col, osp, 0.0f, y + g * cog * osp, osp);
	}
}

static void conv_forward(const struct elayer *l, const float *in, float *out, float *scratch)
{
	const struct layer *c = l->conf;
	const struct conv_priv *p = l->priv;
	const int64_t n = l->in.d[0];
	struct eng_win w;
	int64_t isp, osp, in_sz, out_sz;

	if (eng_win_make(l, &l->in.d[2], c->kind == LK_DECONV2D, &w, NULL))
		return; /* cannot happen: infer accepted this shape */
	isp = eng_win_in_numel(&w);
	osp = eng_win_out_numel(&w);
	if (c->kind == LK_DECONV2D) {
		/* x [nIn, I] -> col [nOut * k, I] = W^T x -> scatter into y [nOut, O] */
		in_sz = p->cin * osp;
		out_sz = p->nout * isp;
		for (int64_t s = 0; s < n; s++) {
			float *y = out + s * out_sz;

			eng_sgemm(true, false, p->nout * p->kprod, osp, p->cin, 1.0f, p->w,
				  p->nout * p->kprod, in + s * in_sz, osp, 0.0f, scratch, osp);
			memset(y, 0, (size_t)out_sz * sizeof(*y));
			col2im(scratch, p->nout, &w, y);
			add_bias(y, p->b, p->nout, isp);
		}
	} else {
		in_sz = p->cin * isp;
		out_sz = p->nout * osp;
		for (int64_t s = 0; s < n; s++) {
			const float *x = in + s * in_sz;
			float *y = out + s * out_sz;

			if (c->kind == LK_SEPCONV2D) {
				float *mid = scratch, *col = scratch + p->cmid * osp;

				grouped(p, &w, x, mid, col);
				eng_sgemm(false, false, p->nout, osp, p->cmid, 1.0f, p->pw, p->cmid,
					  mid, osp, 0.0f, y, osp);
			} else {
				grouped(p, &w, x, y, scratch);
			}
			add_bias(y, p->b, p->nout, osp);
		}
	}
	eng_act(&c->act, out, n, out_sz);
}

static const struct eng_impl conv_impls[] = {
	{ "Convolution1DLayer", conv_bind, conv_infer, conv_forward, conv_free_priv },
	{ "ConvolutionLayer", conv_bind, conv_infer, conv_forward, conv_free_priv },
	{ "Convolution3D", conv_bind, conv_infer, conv_forward, conv_free_priv },
	{ "Deconvolution2D", conv_bind, conv_infer, conv_forward, conv_free_priv },
	{ "SeparableConvolution2D", conv_bind, conv_infer, conv_forward, conv_free_priv },
	{ "DepthwiseConvolution2D", conv_bind, conv_infer, conv_forward, conv_free_priv },
};

void eng_register_conv(const struct eng_impl **table)
{
	table[LK_CONV1D] = &conv_impls[0];
	table[LK_CONV2D] = &conv_impls[1];
	table[LK_CONV3D] = &conv_impls[2];
	table[LK_DECONV2D] = &conv_impls[3];
	table[LK_SEPCONV2D] = &conv_impls[4];
	table[LK_DWCONV2D] = &conv_impls[5];
}
