/* dense.c - feed-forward layers (FORMAT.md 7.2, 7.9): DenseLayer, OutputLayer,
 * CenterLossOutputLayer and AutoEncoder (encoder) as y = act(x W + b), RnnOutputLayer (the
 * same per time step), the activation-only layers (LossLayer, RnnLossLayer, CnnLossLayer,
 * ActivationLayer, DropoutLayer), EmbeddingLayer, EmbeddingSequenceLayer, PReLULayer and
 * ElementWiseMultiplicationLayer.
 *
 * W is DL4J's [nIn, nOut] 'f'-order slice, which is W^T in row-major order: the BLAS calls
 * use the transpose flag and never copy it. DenseLayer with hasLayerNorm normalises x W per
 * row to zero mean and unit (population) deviation, scales by g and only then adds b, as
 * BaseLayer.preOutputWithPreNorm does (libnd4j layer_norm / standardize, no epsilon, a zero
 * deviation gives 0).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "codec/alloc.h"
#include "engine/engine_int.h"

struct dense {
	int64_t n_in, n_out;
	bool w_c; /* W stored 'c' [nIn, nOut] rather than DL4J's 'f' */
	const float *w, *b, *g;
	float *alpha; /* PReLU: alpha expanded to one sample's shape, 'c' order (owned) */
	int64_t n_alpha;
};

static const char *lname(const struct elayer *l)
{
	return l->conf->name ? l->conf->name : "?";
}

static const char *lcls(const struct elayer *l)
{
	return layer_kind_name(l->conf->kind);
}

static void shape_str(const struct eshape *s, char *buf, size_t len)
{
	size_t o = (size_t)snprintf(buf, len, "[");

	for (int i = 0; i < s->rank && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%lld", i ? "," : "", (long long)s->d[i]);
	if (o < len)
		snprintf(buf + o, len - o, "]");
}

static int64_t numel_from(const struct eshape *s, int from)
{
	int64_t p = 1;

	for (int i = from; i < s->rank; i++)
		p *= s->d[i];
	return p;
}

static void free_dense(struct elayer *l)
{
	struct dense *d = l->priv;

	if (d)
		dl_free(d->alpha);
	dl_free(d);
	l->priv = NULL;
}

/* A [1, n] (or [n]) vector parameter of exactly n elements; NULL if absent. */
static int get_vec(struct elayer *l, const char *key, int64_t n, bool required, const float **out,
		   struct err *e)
{
	const struct param *p = NULL;
	const float *w = eng_w(l, key, &p);

	*out = NULL;
	if (!w)
		return required ? err_set(e, -EINVAL, "layer '%s' (%s): parameter %s is missing",
					  lname(l), lcls(l), key)
				: 0;
	if (p->count != n)
		return err_set(e, -EINVAL,
			       "layer '%s' (%s): parameter %s has %lld values, expected "
			       "%lld",
			       lname(l), lcls(l), key, (long long)p->count, (long long)n);
	*out = w;
	return 0;
}

/* W [nIn, nOut] plus optional b [nOut] and (layer norm) g [nOut]. */
static int bind_weights(struct elayer *l, bool gain, struct err *e)
{
	const struct param *p = NULL;
	const float *w = eng_w(l, "W", &p);
	struct dense *d;
	int rc;

	if (!w)
		return err_set(e, -EINVAL, "layer '%s' (%s): parameter W is missing", lname(l),
			       lcls(l));
	if (p->rank != 2 || p->shape[0] < 1 || p->shape[1] < 1)
		return err_set(e, -EINVAL, "layer '%s' (%s): W is not a [nIn, nOut] matrix",
			       lname(l), lcls(l));
	d = dl_calloc(1, sizeof(*d));
	if (!d)
		return err_set(e, -ENOMEM, "out of memory");
	l->priv = d;
	d->w = w;
	d->n_in = p->shape[0];
	d->n_out = p->shape[1];
	d->w_c = p->order == 'c';
	rc = get_vec(l, "b", d->n_out, l->conf->has_bias, &d->b, e);
	if (!rc && gain)
		rc = get_vec(l, "g", d->n_out, true, &d->g, e);
	if (rc)
		free_dense(l);
	return rc;
}

static int bind_dense(struct elayer *l, struct err *e)
{
	return bind_weights(l, l->conf->kind == LK_DENSE && l->conf->has_layer_norm, e);
}

/* AutoEncoder and CenterLossOutputLayer always have b (their "hasBias" is not used). */
static int bind_dense_bias(struct elayer *l, struct err *e)
{
	struct dense *d;
	int rc = bind_weights(l, false, e);

	if (rc)
		return rc;
	d = l->priv;
	if (!d->b)
		rc = get_vec(l, "b", d->n_out, true, &d->b, e);
	if (rc)
		free_dense(l);
	return rc;
}

static int infer_dense(struct elayer *l, struct err *e)
{
	const struct dense *d = l->priv;
	char s[96];

	shape_str(&l->in, s, sizeof(s));
	if (l->in.rank != 2)
		return err_set(
			e, -EINVAL,
			"layer '%s' (%s): input %s is not rank 2 (a preprocessor is missing)",
			lname(l), lcls(l), s);
	if (l->in.d[1] != d->n_in)
		return err_set(e, -EINVAL, "layer '%s' (%s): input has %lld features, nIn is %lld",
			       lname(l), lcls(l), (long long)l->in.d[1], (long long)d->n_in);
	l->out.rank = 2;
	l->out.d[0] = l->in.d[0];
	l->out.d[1] = d->n_out;
	l->scratch = 0;
	return 0;
}

/* y[rows, nOut] = x[rows, nIn] W */
static void matmul(const struct dense *d, const float *x, float *y, int64_t rows)
{
	if (rows == 1) {
		if (d->w_c)
			eng_sgemv(true, d->n_in, d->n_out, 1.0f, d->w, d->n_out, x, 0.0f, y);
		else
			eng_sgemv(false, d->n_out, d->n_in, 1.0f, d->w, d->n_in, x, 0.0f, y);
		return;
	}
	if (d->w_c)
		eng_sgemm(false, false, rows, d->n_out, d->n_in, 1.0f, x, d->n_in, d->w, d->n_out,
			  0.0f, y, d->n_out);
	else
		eng_sgemm(false, true, rows, d->n_out, d->n_in, 1.0f, x, d->n_in, d->w, d->n_in,
			  0.0f, y, d->n_out);
}

/* Layer norm (if g), bias, activation over rows of n values. */
static void finish_rows(const struct dense *d, const struct activation *act, float *y, int64_t rows,
			int64_t n)
{
	if (d->g)
		for (int64_t r = 0; r < rows; r++) {
			float *v = y + r * n;
			double mean = 0, var = 0;

			for (int64_t j = 0; j < n; j++)
				mean += (double)v[j];
			mean /= (double)n;
			for (int64_t j = 0; j < n; j++)
				var += ((double)v[j] - mean) * ((double)v[j] - mean);
			var /= (double)n;
			for (int64_t j = 0; j < n; j++) {
				double z = var > 0 ? ((double)v[j] - mean) / sqrt(var) : 0;

				v[j] = (float)z * d->g[j];
			}
		}
	if (d->b)
		for (int64_t r = 0; r < rows; r++)
			for (int64_t j = 0; j < n; j++)
				y[r * n + j] += d->b[j];
	eng_act(act, y, rows, n);
}

static void fwd_dense(const struct elayer *l, const float *in, float *out, float *scratch)
{
	const struct dense *d = l->priv;

	(void)scratch;
	matmul(d, in, out, l->in.d[0]);
	finish_rows(d, &l->conf->act, out, l->in.d[0], d->n_out);
}

/* ------------------------------------------------------------------ RnnOutputLayer */

static int infer_rnn_out(struct elayer *l, struct err *e)
{
	const struct dense *d = l->priv;
	char s[96];
	int64_t rows, sc;

	shape_str(&l->in, s, sizeof(s));
	if (l->in.rank != 3)
		return err_set(e, -EINVAL, "layer '%s' (%s): input %s is not rank 3 [N, nIn, T]",
			       lname(l), lcls(l), s);
	if (l->in.d[1] != d->n_in)
		return err_set(e, -EINVAL, "layer '%s' (%s): input has %lld features, nIn is %lld",
			       lname(l), lcls(l), (long long)l->in.d[1], (long long)d->n_in);
	l->out = l->in;
	l->out.d[1] = d->n_out;
	rows = l->in.d[0] * l->in.d[2];
	if (!i64_mul_ok(rows, d->n_in + d->n_out, &sc))
		return err_set(e, -EOVERFLOW, "layer '%s' (%s): scratch size overflows", lname(l),
			       lcls(l));
	l->scratch = (size_t)sc;
	return 0;
}

/* [N, nIn, T] -> rows (b*T + t) of nIn, one matrix product, rows back to [N, nOut, T]. */
static void fwd_rnn_out(const struct elayer *l, const float *in, float *out, float *scratch)
{
	const struct dense *d = l->priv;
	int64_t N = l->in.d[0], T = l->in.d[2], rows = N * T;
	float *x2 = scratch, *y2 = scratch + rows * d->n_in;

	for (int64_t b = 0; b < N; b++)
		for (int64_t i = 0; i < d->n_in; i++)
			for (int64_t t = 0; t < T; t++)
				x2[(b * T + t) * d->n_in + i] = in[(b * d->n_in + i) * T + t];
	matmul(d, x2, y2, rows);
	finish_rows(d, &l->conf->act, y2, rows, d->n_out);
	for (int64_t b = 0; b < N; b++)
		for (int64_t j = 0; j < d->n_out; j++)
			for (int64_t t = 0; t < T; t++)
				out[(b * d->n_out + j) * T + t] = y2[(b * T + t) * d->n_out + j];
}

/* ------------------------------------------------------------------ activation-only layers */

/* ActivationLayer, LossLayer, DropoutLayer: any shape; a softmax acts on the last dimension
 * (libnd4j's softmax default). */
static int infer_same(struct elayer *l, struct err *e)
{
	(void)e;
	l->out = l->in;
	l->scratch = 0;
	return 0;
}

static void fwd_act(const struct elayer *l, const float *in, float *out, float *scratch)
{
	int64_t n = numel_from(&l->in, 0), last = l->in.d[l->in.rank - 1];

	(void)scratch;
	memcpy(out, in, (size_t)n * sizeof(float));
	if (l->conf->kind != LK_DROPOUT)
		eng_act(&l->conf->act, out, n / last, last);
}

/* RnnLossLayer [N, C, T], CnnLossLayer [N, C, H, W]: activation per step / pixel, softmax
 * over the channels (DL4J reshapes to [N*T, C] / [N*H*W, C] rows). */
static int infer_chan_loss(struct elayer *l, struct err *e)
{
	char s[96];
	int want = l->conf->kind == LK_RNN_LOSS ? 3 : 4;

	shape_str(&l->in, s, sizeof(s));
	if (l->in.rank != want)
		return err_set(e, -EINVAL, "layer '%s' (%s): input %s is not rank %d", lname(l),
			       lcls(l), s, want);
	l->out = l->in;
	/* logsoftmax works on a transposed copy of one sample */
	l->scratch = l->conf->act.kind == ACT_LOGSOFTMAX ? (size_t)numel_from(&l->in, 1) : 0;
	return 0;
}

static void fwd_chan_loss(const struct elayer *l, const float *in, float *out, float *scratch)
{
	const struct activation *a = &l->conf->act;
	int64_t N = l->in.d[0], C = l->in.d[1], S = numel_from(&l->in, 2);

	memcpy(out, in, (size_t)(N * C * S) * sizeof(float));
	if (a->kind == ACT_SOFTMAX) {
		eng_softmax_strided(out, N, C, S);
	} else if (a->kind == ACT_LOGSOFTMAX) {
		for (int64_t b = 0; b < N; b++) {
			float *y = out + b * C * S;

			for (int64_t c = 0; c < C; c++)
				for (int64_t p = 0; p < S; p++)
					scratch[p * C + c] = y[c * S + p];
			eng_act(a, scratch, S, C);
			for (int64_t c = 0; c < C; c++)
				for (int64_t p = 0; p < S; p++)
					y[c * S + p] = scratch[p * C + c];
		}
	} else {
		eng_act(a, out, 1, N * C * S);
	}
}

/* ------------------------------------------------------------------ embeddings */

/* Row `idx` of W, element j (W is [nIn, nOut]); DL4J casts the float index to int. */
static inline float w_at(const struct dense *d, int64_t idx, int64_t j)
{
	return d->w_c ? d->w[idx * d->n_out + j] : d->w[idx + j * d->n_in];
}

/* Java's (int) cast of the stored index; -1 when it is no row of W. */
static inline int64_t emb_index(const struct dense *d, float v)
{
	if (!(v > -1.0f && v < (float)d->n_in))
		return -1;
	return (int64_t)v; /* truncation toward zero, as Java's (int) */
}

static int infer_embedding(struct elayer *l, struct err *e)
{
	const struct dense *d = l->priv;
	char s[96];

	shape_str(&l->in, s, sizeof(s));
	if (l->in.rank != 2 || l->in.d[1] != 1)
		return err_set(e, -EINVAL,
			       "layer '%s' (%s): input %s is not [N, 1] (one class index per row)",
			       lname(l), lcls(l), s);
	l->out.rank = 2;
	l->out.d[0] = l->in.d[0];
	l->out.d[1] = d->n_out;
	l->scratch = 0;
	return 0;
}

/* An index outside [0, nIn) cannot fail the forward pass: its row becomes NaN. */
static void fwd_embedding(const struct elayer *l, const float *in, float *out, float *scratch)
{
	const struct dense *d = l->priv;
	int64_t N = l->in.d[0];

	(void)scratch;
	for (int64_t r = 0; r < N; r++) {
		int64_t idx = emb_index(d, in[r]);

		for (int64_t j = 0; j < d->n_out; j++)
			out[r * d->n_out + j] = idx < 0 ? NAN : w_at(d, idx, j);
	}
	finish_rows(d, &l->conf->act, out, N, d->n_out);
}

static int infer_embedding_seq(struct elayer *l, struct err *e)
{
	const struct dense *d = l->priv;
	char s[96];

	shape_str(&l->in, s, sizeof(s));
	if (!(l->in.rank == 2 || (l->in.rank == 3 && l->in.d[1] == 1)))
		return err_set(e, -EINVAL,
			       "layer '%s' (%s): input %s is not [N, T] or [N, 1, T] of indices",
			       lname(l), lcls(l), s);
	l->out.rank = 3;
	l->out.d[0] = l->in.d[0];
	l->out.d[1] = d->n_out;
	l->out.d[2] = l->in.d[l->in.rank - 1];
	l->scratch = 0;
	return 0;
}

/* out[b, j, t] = W[idx(b, t), j] + b[j]; then the activation on [N, nOut, T] (a softmax on
 * the last dimension, T, as DL4J applies it to the permuted array). */
static void fwd_embedding_seq(const struct elayer *l, const float *in, float *out, float *scratch)
{
	const struct dense *d = l->priv;
	int64_t N = l->out.d[0], K = d->n_out, T = l->out.d[2];

	(void)scratch;
	for (int64_t b = 0; b < N; b++)
		for (int64_t t = 0; t < T; t++) {
			int64_t idx = emb_index(d, in[b * T + t]);

			for (int64_t j = 0; j < K; j++)
				out[(b * K + j) * T + t] =
					idx < 0 ? NAN : w_at(d, idx, j) + (d->b ? d->b[j] : 0.0f);
		}
	eng_act(&l->conf->act, out, N * K, T);
}

/* ------------------------------------------------------------------ PReLU */

/* alpha W has inputShape with the shared axes set to 1, stored 'f'; expand it to one
 * sample of inputShape in 'c' order so that forward is a plain loop. */
static int bind_prelu(struct elayer *l, struct err *e)
{
	const struct layer *c = l->conf;
	const struct param *p = NULL;
	const float *w = eng_w(l, "W", &p);
	int64_t P = 1, fstr[4], idx[4] = { 0 };
	struct dense *d;
	int r = c->n_input_shape;

	if (!w)
		return err_set(e, -EINVAL, "layer '%s' (%s): parameter W is missing", lname(l),
			       lcls(l));
	if (r < 1 || r > 4 || p->rank != r)
		return err_set(e, -EINVAL,
			       "layer '%s' (%s): inputShape of rank %d does not match W of rank %d",
			       lname(l), lcls(l), r, p->rank);
	for (int k = 0; k < r; k++) {
		if (c->input_shape[k] < 1 || (p->shape[k] != 1 && p->shape[k] != c->input_shape[k]))
			return err_set(e, -EINVAL,
				       "layer '%s' (%s): W dimension %d (%lld) does not fit "
				       "inputShape (%lld)",
				       lname(l), lcls(l), k, (long long)p->shape[k],
				       (long long)c->input_shape[k]);
		if (!i64_mul_ok(P, c->input_shape[k], &P) || P > ((int64_t)1 << 31))
			return err_set(e, -EOVERFLOW, "layer '%s' (%s): inputShape is too large",
				       lname(l), lcls(l));
	}
	d = dl_calloc(1, sizeof(*d));
	if (!d)
		return err_set(e, -ENOMEM, "out of memory");
	d->alpha = dl_malloc((size_t)P * sizeof(float));
	if (!d->alpha) {
		dl_free(d);
		return err_set(e, -ENOMEM, "out of memory");
	}
	l->priv = d;
	d->n_alpha = P;
	fstr[0] = 1;
	for (int k = 1; k < r; k++)
		fstr[k] = fstr[k - 1] * p->shape[k - 1];
	if (p->order == 'c') {
		fstr[r - 1] = 1;
		for (int k = r - 2; k >= 0; k--)
			fstr[k] = fstr[k + 1] * p->shape[k + 1];
	}
	for (int64_t i = 0; i < P; i++) {
		int64_t off = 0;

		for (int k = 0; k < r; k++)
			off += (p->shape[k] == 1 ? 0 : idx[k]) * fstr[k];
		d->alpha[i] = w[off];
		for (int k = r - 1; k >= 0; k--) { /* next 'c' multi-index */
			if (++idx[k] < c->input_shape[k])
				break;
			idx[k] = 0;
		}
	}
	return 0;
}

static int infer_prelu(struct elayer *l, struct err *e)
{
	const struct layer *c = l->conf;
	bool ok = l->in.rank == c->n_input_shape + 1;
	char s[96];

	for (int k = 0; ok && k < c->n_input_shape; k++)
		ok = l->in.d[k + 1] == c->input_shape[k];
	if (!ok) {
		shape_str(&l->in, s, sizeof(s));
		return err_set(e, -EINVAL, "layer '%s' (%s): input %s does not match inputShape",
			       lname(l), lcls(l), s);
	}
	l->out = l->in;
	l->scratch = 0;
	return 0;
}

static void fwd_prelu(const struct elayer *l, const float *in, float *out, float *scratch)
{
	const struct dense *d = l->priv;
	int64_t N = l->in.d[0], P = d->n_alpha;

	(void)scratch;
	for (int64_t b = 0; b < N; b++)
		for (int64_t i = 0; i < P; i++) {
			float x = in[b * P + i];

			out[b * P + i] = x < 0.0f ? d->alpha[i] * x : x;
		}
}

/* ------------------------------------------------------------------ ElementWiseMultiplication */

static int bind_ewmult(struct elayer *l, struct err *e)
{
	const struct param *p = NULL;
	const float *w = eng_w(l, "W", &p);
	struct dense *d;
	int rc;

	if (!w)
		return err_set(e, -EINVAL, "layer '%s' (%s): parameter W is missing", lname(l),
			       lcls(l));
	d = dl_calloc(1, sizeof(*d));
	if (!d)
		return err_set(e, -ENOMEM, "out of memory");
	l->priv = d;
	d->w = w;
	d->n_in = d->n_out = p->count;
	rc = get_vec(l, "b", d->n_in, true, &d->b, e);
	if (rc)
		free_dense(l);
	return rc;
}

static void fwd_ewmult(const struct elayer *l, const float *in, float *out, float *scratch)
{
	const struct dense *d = l->priv;
	int64_t N = l->in.d[0], n = d->n_in;

	(void)scratch;
	for (int64_t r = 0; r < N; r++)
		for (int64_t j = 0; j < n; j++)
			out[r * n + j] = in[r * n + j] * d->w[j] + d->b[j];
	eng_act(&l->conf->act, out, N, n);
}

/* ------------------------------------------------------------------ table */

static const struct eng_impl impl_dense = { "DenseLayer", bind_dense, infer_dense, fwd_dense,
					    free_dense };
static const struct eng_impl impl_output = { "OutputLayer", bind_dense, infer_dense, fwd_dense,
					     free_dense };
static const struct eng_impl impl_center = { "CenterLossOutputLayer", bind_dense_bias, infer_dense,
					     fwd_dense, free_dense };
static const struct eng_impl impl_autoenc = { "AutoEncoder", bind_dense_bias, infer_dense,
					      fwd_dense, free_dense };
static const struct eng_impl impl_rnn_out = { "RnnOutputLayer", bind_dense, infer_rnn_out,
					      fwd_rnn_out, free_dense };
static const struct eng_impl impl_loss = { "LossLayer", NULL, infer_same, fwd_act, NULL };
static const struct eng_impl impl_act = { "ActivationLayer", NULL, infer_same, fwd_act, NULL };
static const struct eng_impl impl_drop = { "DropoutLayer", NULL, infer_same, fwd_act, NULL };
static const struct eng_impl impl_rnn_loss = { "RnnLossLayer", NULL, infer_chan_loss, fwd_chan_loss,
					       NULL };
static const struct eng_impl impl_cnn_loss = { "CnnLossLayer", NULL, infer_chan_loss, fwd_chan_loss,
					       NULL };
static const struct eng_impl impl_emb = { "EmbeddingLayer", bind_dense, infer_embedding,
					  fwd_embedding, free_dense };
static const struct eng_impl impl_emb_seq = { "EmbeddingSequenceLayer", bind_dense,
					      infer_embedding_seq, fwd_embedding_seq, free_dense };
static const struct eng_impl impl_prelu = { "PReLULayer", bind_prelu, infer_prelu, fwd_prelu,
					    free_dense };
static const struct eng_impl impl_ewmult = { "ElementWiseMultiplicationLayer", bind_ewmult,
					     infer_dense, fwd_ewmult, free_dense };

void eng_register_dense(const struct eng_impl **table)
{
	table[LK_DENSE] = &impl_dense;
	table[LK_OUTPUT] = &impl_output;
	table[LK_CENTER_LOSS_OUTPUT] = &impl_center;
	table[LK_AUTOENCODER] = &impl_autoenc;
	table[LK_RNN_OUTPUT] = &impl_rnn_out;
	table[LK_LOSS] = &impl_loss;
	table[LK_ACTIVATION] = &impl_act;
	table[LK_DROPOUT] = &impl_drop;
	table[LK_RNN_LOSS] = &impl_rnn_loss;
	table[LK_CNN_LOSS] = &impl_cnn_loss;
	table[LK_EMBEDDING] = &impl_emb;
	table[LK_EMBEDDING_SEQ] = &impl_emb_seq;
	table[LK_PRELU] = &impl_prelu;
	table[LK_ELEMENTWISE_MULT] = &impl_ewmult;
}
