/* rnn.c - recurrent layers: LSTM, GravesLSTM (peepholes), GravesBidirectionalLSTM, SimpleRnn,
 * and the Bidirectional, LastTimeStep and MaskZeroLayer wrappers (FORMAT.md 6.2, 6.3, 7.7;
 * DL4J's LSTMHelpers.activateHelper, SimpleRnn, BidirectionalLayer, LastTimeStepLayer and
 * MaskZeroLayer).
 *
 * Activations are [N,C,T] c-order. A cell first transposes its input to time-major rows
 * [T*N, nIn] and computes x·W + b for every step with one sgemm; each step then adds
 * h_prev·RW with one sgemm into that step's [N, G] block and applies the gates in place.
 *
 * Wrappers bind their inner layers (sub[0], sub[1]: the elayers net.c made, else their own,
 * sliced from the wrapper's parameters) with two options fixed for the life of the net:
 * `reverse` (the backward half of a Bidirectional runs the inner layer from
 * T-1 down to 0 and writes each step at its own time index, which is DL4J's "reverse the
 * input, run, reverse the output" without the copies) and `masked` (inside a MaskZeroLayer
 * the mask comes from the input itself: a step whose features all equal maskingValue is
 * masked; the LSTM zeroes h and c there, SimpleRnn zeroes its output, which is also its
 * recurrent state, and LastTimeStep picks the last unmasked step).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "codec/alloc.h"
#include "codec/err.h"
#include "codec/model.h"
#include "engine/engine_int.h"

/* How a layer runs inside wrappers (fixed at bind). */
struct rnn_opts {
	bool reverse; /* process t = T-1 .. 0 */
	bool masked;  /* mask steps whose input features all equal mask_value */
	float mask_value;
};

/* One direction of a cell. Weights stay in DL4J's 'f' order: W [nIn, G] is row-major
 * [G, nIn], RW [n, G(+3)] is row-major [G(+3), n], so both enter sgemm transposed. */
struct cell_dir {
	const float *w, *rw, *b;
	const float *wff, *woo, *wgg; /* GravesLSTM peepholes (RW columns 4n, 4n+1, 4n+2) */
};

struct rnn_priv {
	enum layer_kind kind;
	struct rnn_opts o; /* wrappers: o.masked / o.mask_value describe the inner layer */

	/* cells */
	int64_t n_in, n, g; /* g: columns per step (4n for LSTMs, n for SimpleRnn) */
	int n_dir;	    /* 2 for GravesBidirectionalLSTM */
	struct cell_dir d[2];

	/* wrappers */
	bool own[2];		      /* sub[i] was allocated here (else the caller made it) */
	size_t off_a, off_b, off_sub; /* scratch layout in floats, set by infer */
};

static const struct eng_impl *impl_of(enum layer_kind k);

static const char *lname(const struct elayer *l)
{
	return l->conf->name ? l->conf->name : "?";
}

static const char *lkind(const struct elayer *l)
{
	return layer_kind_name(l->conf->kind);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static const char *pkey(const struct param *p)
{
	return p->short_key ? p->short_key : p->key;
}

/* ---------------------------------------------------------------- bind: cells */

/* Checks parameter i of l: key ending in `name`, rank-2 'f'-order [rows, cols] (or any
 * [cols]-element vector when rows < 0). */
static int check_param(const struct elayer *l, int i, const char *name, int64_t rows, int64_t cols,
		       struct err *e)
{
	const struct param *p = l->wp[i];

	if (!p || !l->w[i])
		return err_set(e, -EINVAL, "layer '%s' (%s): parameter %d (%s) is missing",
			       lname(l), lkind(l), i, name);
	if (!ends_with(pkey(p), name))
		return err_set(e, -EINVAL, "layer '%s' (%s): parameter %d is %s, expected %s",
			       lname(l), lkind(l), i, pkey(p), name);
	if (rows < 0) {
		if (p->count != cols)
			return err_set(
				e, -EINVAL, "layer '%s' (%s): %s has %lld elements, expected %lld",
				lname(l), lkind(l), pkey(p), (long long)p->count, (long long)cols);
		return 0;
	}
	if (p->rank != 2 || p->shape[0] != rows || p->shape[1] != cols)
		return err_set(e, -EINVAL, "layer '%s' (%s): %s is not [%lld, %lld]", lname(l),
			       lkind(l), pkey(p), (long long)rows, (long long)cols);
	if (p->order != 'f' && rows > 1 && cols > 1)
		return err_set(e, -ENOTSUP, "layer '%s' (%s): %s is in '%c' order, expected 'f'",
			       lname(l), lkind(l), pkey(p), p->order);
	return 0;
}

static int check_act(const struct elayer *l, const struct activation *a, const char *what,
		     struct err *e)
{
	if (eng_act_supported(a))
		return 0;
	return err_set(e, -ENOTSUP, "layer '%s' (%s): %s %s is not supported", lname(l), lkind(l),
		       what, a->kind == ACT_UNKNOWN ? a->name : act_kind_name(a->kind));
}

/* One direction from parameters first .. first+2 (W, RW, b with suffix sfx). */
static int bind_dir(struct elayer *l, struct rnn_priv *p, int first, const char *sfx, bool peep,
		    struct cell_dir *d, struct err *e)
{
	char kw[8], krw[8], kb[8];
	const struct param *wp = l->wp[first], *rwp = l->wp[first + 1];
	int64_t gates = p->kind == LK_SIMPLE_RNN ? 1 : 4;
	int rc;

	snprintf(kw, sizeof(kw), "W%s", sfx);
	snprintf(krw, sizeof(krw), "RW%s", sfx);
	snprintf(kb, sizeof(kb), "b%s", sfx);
	if (!wp || !rwp || !l->w[first] || !l->w[first + 1])
		return err_set(e, -EINVAL, "layer '%s' (%s): parameters %s/%s are missing",
			       lname(l), lkind(l), kw, krw);
	if (rwp->rank != 2 || wp->rank != 2)
		return err_set(e, -EINVAL, "layer '%s' (%s): %s and %s must be matrices", lname(l),
			       lkind(l), pkey(wp), pkey(rwp));
	if (first == 0) {
		p->n = rwp->shape[0];
		p->n_in = wp->shape[0];
		if (p->n < 1 || p->n_in < 1)
			return err_set(e, -ENOTSUP,
				       "layer '%s' (%s): nIn %lld, nOut %lld: empty layer",
				       lname(l), lkind(l), (long long)p->n_in, (long long)p->n);
		if (!i64_mul_ok(p->n, gates, &p->g))
			return err_set(e, -EOVERFLOW, "layer '%s' (%s): layer size overflows",
				       lname(l), lkind(l));
	}
	rc = check_param(l, first, kw, p->n_in, p->g, e);
	if (!rc)
		rc = check_param(l, first + 1, krw, p->n, p->g + (peep ? 3 : 0), e);
	if (!rc)
		rc = check_param(l, first + 2, kb, -1, p->g, e);
	if (rc)
		return rc;
	d->w = l->w[first];
	d->rw = l->w[first + 1];
	d->b = l->w[first + 2];
	if (peep) {
		d->wff = d->rw + 4 * p->n * p->n;
		d->woo = d->rw + (4 * p->n + 1) * p->n;
		d->wgg = d->rw + (4 * p->n + 2) * p->n;
	}
	return 0;
}

static int bind_cell(struct elayer *l, const struct rnn_opts *o, struct err *e)
{
	const struct layer *c = l->conf;
	bool peep = c->kind == LK_GRAVES_LSTM || c->kind == LK_GRAVES_BILSTM;
	int n_dir = c->kind == LK_GRAVES_BILSTM ? 2 : 1;
	struct rnn_priv *p;
	int rc;

	if (strcmp(c->data_format, "NWC") == 0)
		return err_set(e, -ENOTSUP, "layer '%s' (%s): rnnDataFormat NWC is not supported",
			       lname(l), lkind(l));
	if (c->kind == LK_SIMPLE_RNN && c->has_layer_norm)
		return err_set(e, -ENOTSUP, "layer '%s' (%s): layer normalization is not supported",
			       lname(l), lkind(l));
	if (l->n_w != 3 * n_dir)
		return err_set(e, -EINVAL, "layer '%s' (%s): %d parameters, expected %d", lname(l),
			       lkind(l), l->n_w, 3 * n_dir);
	rc = check_act(l, &c->act, "activation", e);
	if (!rc && c->kind != LK_SIMPLE_RNN)
		rc = check_act(l, &c->gate_act, "gate activation", e);
	if (rc)
		return rc;
	p = dl_calloc(1, sizeof(*p));
	if (!p)
		return err_set(e, -ENOMEM, "out of memory");
	p->kind = c->kind;
	p->o = *o;
	p->n_dir = n_dir;
	rc = bind_dir(l, p, 0, n_dir == 2 ? "F" : "", peep, &p->d[0], e);
	if (!rc && n_dir == 2)
		rc = bind_dir(l, p, 3, "B", peep, &p->d[1], e);
	if (rc) {
		dl_free(p);
		return rc;
	}
	l->priv = p;
	return 0;
}

/* ---------------------------------------------------------------- bind: wrappers */

static int bind_opts(struct elayer *l, const struct rnn_opts *o, struct err *e);

/* Frees what bind made for l: its priv, and, recursively, the privs of its inner layers;
 * inner elayers it allocated itself are freed too, those its caller made are left. */
static void free_layer(struct elayer *l)
{
	struct rnn_priv *p = l->priv;

	for (int k = 0; k < 2; k++) {
		if (!l->sub[k])
			continue;
		free_layer(l->sub[k]);
		if (p && p->own[k]) {
			dl_free(l->sub[k]);
			l->sub[k] = NULL;
		}
	}
	dl_free(p);
	l->priv = NULL;
}

/* Binds inner layer i of wrapper l (config `conf`) with options o. An inner elayer the
 * caller already made (net.c does, with the "f"/"b" key prefix dropped) is bound again
 * with o; otherwise one is made from l's parameters [first, first + n), whose short keys
 * must start with `prefix` (0: any). */
static int bind_sub(struct elayer *l, struct rnn_priv *p, int i, const struct layer *conf,
		    int first, int n, char prefix, const struct rnn_opts *o, struct err *e)
{
	struct elayer *s = l->sub[i];
	int rc;

	if (!conf)
		return err_set(e, -EINVAL, "layer '%s' (%s): no inner layer", lname(l), lkind(l));
	if (!impl_of(conf->kind))
		return err_set(e, -ENOTSUP, "layer '%s' (%s): inner layer %s is not supported",
			       lname(l), lkind(l), layer_kind_name(conf->kind));
	if (s) {
		if (s->conf != conf)
			return err_set(e, -EINVAL,
				       "layer '%s' (%s): inner layer %d is not the configured one",
				       lname(l), lkind(l), i);
		free_layer(s);
		return bind_opts(s, o, e);
	}
	for (int k = first; prefix && k < first + n; k++)
		if (!l->wp[k] || pkey(l->wp[k])[0] != prefix)
			return err_set(e, -EINVAL,
				       "layer '%s' (%s): parameter %d is not a '%c' parameter",
				       lname(l), lkind(l), k, prefix);
	s = dl_calloc(1, sizeof(*s));
	if (!s)
		return err_set(e, -ENOMEM, "out of memory");
	s->conf = conf;
	s->model = l->model;
	s->n_w = n;
	for (int k = 0; k < n; k++) {
		s->w[k] = l->w[first + k];
		s->wp[k] = l->wp[first + k];
	}
	rc = bind_opts(s, o, e);
	if (rc) {
		dl_free(s);
		return rc;
	}
	l->sub[i] = s;
	p->own[i] = true;
	return 0;
}

static int bind_wrapper(struct elayer *l, const struct rnn_opts *o, struct err *e)
{
	const struct layer *c = l->conf;
	struct rnn_opts io = *o;
	struct rnn_priv *p;
	int rc, half = l->n_w / 2;

	p = dl_calloc(1, sizeof(*p));
	if (!p)
		return err_set(e, -ENOMEM, "out of memory");
	p->kind = c->kind;
	switch (c->kind) {
	case LK_BIDIRECTIONAL:
		rc = bind_sub(l, p, 0, c->fwd, 0, half, 'f', o, e);
		io.reverse = !o->reverse;
		if (!rc)
			rc = bind_sub(l, p, 1, c->bwd, half, l->n_w - half, 'b', &io, e);
		break;
	case LK_MASK_ZERO:
		io.masked = true;
		io.mask_value = (float)c->mask_value;
		rc = bind_sub(l, p, 0, c->fwd, 0, l->n_w, 0, &io, e);
		break;
	default: /* LK_LAST_TIME_STEP */
		rc = bind_sub(l, p, 0, c->fwd, 0, l->n_w, 0, o, e);
		break;
	}
	if (rc) {
		for (int k = 0; k < 2; k++) {
			if (p->own[k]) {
				free_layer(l->sub[k]);
				dl_free(l->sub[k]);
				l->sub[k] = NULL;
			}
		}
		dl_free(p);
		return rc;
	}
	/* the mask the inner layer sees (LastTimeStep picks by it) */
	p->o = ((const struct rnn_priv *)l->sub[0]->priv)->o;
	p->o.reverse = o->reverse;
	l->priv = p;
	return 0;
}

static int bind_opts(struct elayer *l, const struct rnn_opts *o, struct err *e)
{
	switch (l->conf->kind) {
	case LK_BIDIRECTIONAL:
	case LK_LAST_TIME_STEP:
	case LK_MASK_ZERO:
		return bind_wrapper(l, o, e);
	default:
		return bind_cell(l, o, e);
	}
}

static int rnn_bind(struct elayer *l, struct err *e)
{
	static const struct rnn_opts plain = { false, false, 0.0f };

	return bind_opts(l, &plain, e);
}

static void rnn_free_priv(struct elayer *l)
{
	free_layer(l);
}

/* ---------------------------------------------------------------- infer */

static int need_rank3(const struct elayer *l, struct err *e)
{
	if (l->in.rank != 3)
		return err_set(e, -EINVAL, "layer '%s' (%s): input has rank %d, expected [N,C,T]",
			       lname(l), lkind(l), l->in.rank);
	return 0;
}

/* *acc += a * b floats, with overflow checks. */
static bool add_prod(size_t *acc, int64_t a, int64_t b)
{
	int64_t v;

	return i64_mul_ok(a, b, &v) && v >= 0 && (uint64_t)v <= SIZE_MAX &&
	       size_add_ok(*acc, (size_t)v, acc);
}

static int too_big(const struct elayer *l, struct err *e)
{
	return err_set(e, -EOVERFLOW, "layer '%s' (%s): scratch size overflows", lname(l),
		       lkind(l));
}

static int infer_cell(struct elayer *l, struct err *e)
{
	struct rnn_priv *p = l->priv;
	int64_t nb = l->in.d[0], t = l->in.d[2], rows;
	size_t s = 0;
	int rc = need_rank3(l, e);

	if (rc)
		return rc;
	if (l->in.d[1] != p->n_in)
		return err_set(e, -EINVAL, "layer '%s' (%s): input has %lld features, nIn is %lld",
			       lname(l), lkind(l), (long long)l->in.d[1], (long long)p->n_in);
	if (nb < 0 || t < 0 || !i64_mul_ok(nb, t, &rows))
		return too_big(l, e);
	l->out.rank = 3;
	l->out.d[0] = nb;
	l->out.d[1] = p->n;
	l->out.d[2] = t;
	/* mask [N*T], input rows [T*N, nIn], pre-activations [T*N, g], LSTM h/c/tmp [N, n] */
	if ((p->o.masked && !add_prod(&s, rows, 1)) || !add_prod(&s, rows, p->n_in) ||
	    !add_prod(&s, rows, p->g) || (p->kind != LK_SIMPLE_RNN && !add_prod(&s, nb, 3 * p->n)))
		return too_big(l, e);
	l->scratch = s;
	return 0;
}

static int infer_sub(struct elayer *l, int i, struct err *e)
{
	struct elayer *s = l->sub[i];

	s->in = l->in;
	return impl_of(s->conf->kind)->infer(s, e);
}

static int infer_bidir(struct elayer *l, struct err *e)
{
	struct rnn_priv *p = l->priv;
	const struct eshape *f, *b;
	size_t s = 0, sub;
	int64_t nf;
	int rc = infer_sub(l, 0, e);

	if (!rc)
		rc = infer_sub(l, 1, e);
	if (rc)
		return rc;
	f = &l->sub[0]->out;
	b = &l->sub[1]->out;
	if (f->rank != b->rank || f->rank < 2 || f->d[0] != b->d[0] ||
	    (f->rank == 3 && f->d[2] != b->d[2]) ||
	    (l->conf->bidir != BI_CONCAT && f->d[1] != b->d[1]))
		return err_set(e, -EINVAL, "layer '%s' (%s): forward and backward outputs differ",
			       lname(l), lkind(l));
	l->out = *f;
	if (l->conf->bidir == BI_CONCAT && !i64_add_ok(f->d[1], b->d[1], &l->out.d[1]))
		return too_big(l, e);
	nf = eshape_numel(f);
	sub = l->sub[0]->scratch > l->sub[1]->scratch ? l->sub[0]->scratch : l->sub[1]->scratch;
	/* CONCAT: fwd -> A, bwd -> B; the others: fwd -> out, bwd -> B */
	p->off_a = 0;
	if (l->conf->bidir == BI_CONCAT && !add_prod(&s, nf, 1))
		return too_big(l, e);
	p->off_b = s;
	if (!add_prod(&s, eshape_numel(b), 1))
		return too_big(l, e);
	p->off_sub = s;
	if (!size_add_ok(s, sub, &s))
		return too_big(l, e);
	l->scratch = s;
	return 0;
}

static int infer_last(struct elayer *l, struct err *e)
{
	struct rnn_priv *p = l->priv;
	const struct eshape *o;
	size_t s = 0;
	int rc = need_rank3(l, e);

	if (!rc)
		rc = infer_sub(l, 0, e);
	if (rc)
		return rc;
	o = &l->sub[0]->out;
	if (o->rank != 3)
		return err_set(e, -EINVAL,
			       "layer '%s' (%s): inner layer output has rank %d, expected [N,C,T]",
			       lname(l), lkind(l), o->rank);
	if (o->d[2] < 1)
		return err_set(e, -EINVAL, "layer '%s' (%s): input has no time steps", lname(l),
			       lkind(l));
	l->out.rank = 2;
	l->out.d[0] = o->d[0];
	l->out.d[1] = o->d[1];
	p->off_a = 0;
	if (!add_prod(&s, eshape_numel(o), 1))
		return too_big(l, e);
	p->off_sub = s;
	if (!size_add_ok(s, l->sub[0]->scratch, &s))
		return too_big(l, e);
	l->scratch = s;
	return 0;
}

static int infer_mask(struct elayer *l, struct err *e)
{
	int rc = need_rank3(l, e);

	if (!rc)
		rc = infer_sub(l, 0, e);
	if (rc)
		return rc;
	l->out = l->sub[0]->out;
	l->scratch = l->sub[0]->scratch;
	return 0;
}

/* ---------------------------------------------------------------- forward: cells */

/* Shapes of one cell run. */
struct run {
	int64_t nb, t, n_in, n, g;
	const float *mask; /* [N, T]: 0 = masked step; NULL: no mask */
};

/* True when every feature of sample i at step t equals mv. */
static bool step_masked(const float *in, int64_t c, int64_t t, int64_t i, int64_t step, float mv)
{
	const float *x = in + i * c * t + step;

	for (int64_t k = 0; k < c; k++)
		if (x[k * t] != mv)
			return false;
	return true;
}

/* z = xp · W for every step, on top of b in every row when bias_first (DL4J's SimpleRnn
 * starts from the bias; LSTMHelpers adds it after x·W + h·RW). */
static void input_proj(const struct run *r, const struct cell_dir *d, const float *xp, float *z,
		       bool bias_first)
{
	int64_t rows = r->t * r->nb;

	for (int64_t i = 0; bias_first && i < rows; i++)
		memcpy(z + i * r->g, d->b, (size_t)r->g * sizeof(float));
	eng_sgemm(false, true, rows, r->g, r->n_in, 1.0f, xp, r->n_in, d->w, r->n_in,
		  bias_first ? 1.0f : 0.0f, z, r->g);
}

static void store_step(const struct run *r, const float *h, float *out, int64_t step, bool acc)
{
	for (int64_t i = 0; i < r->nb; i++) {
		float *o = out + i * r->n * r->t + step;
		const float *hr = h + i * r->n;

		if (acc)
			for (int64_t j = 0; j < r->n; j++)
				o[j * r->t] += hr[j];
		else
			for (int64_t j = 0; j < r->n; j++)
				o[j * r->t] = hr[j];
	}
}

static void lstm_run(const struct elayer *l, const struct run *r, const struct cell_dir *d,
		     const float *xp, float *z, float *h, float *c, float *tmp, float *out,
		     bool reverse, bool acc)
{
	const struct activation *act = &l->conf->act, *gate = &l->conf->gate_act;
	int64_t n = r->n, g = r->g;

	input_proj(r, d, xp, z, false);
	memset(c, 0, (size_t)(r->nb * n) * sizeof(float));
	for (int64_t s = 0; s < r->t; s++) {
		int64_t step = reverse ? r->t - 1 - s : s;
		float *zt = z + step * r->nb * g;

		if (s > 0)
			eng_sgemm(false, true, r->nb, g, n, 1.0f, h, n, d->rw, n, 1.0f, zt, g);
		for (int64_t i = 0; i < r->nb; i++) {
			float *za = zt + i * g, *zf = za + n, *zo = za + 2 * n, *zg = za + 3 * n;
			float *cr = c + i * n, *hr = h + i * n, *tr = tmp + i * n;

			for (int64_t j = 0; j < g; j++)
				za[j] += d->b[j];
			eng_act(act, za, 1, n);
			if (d->wff) {
				for (int64_t j = 0; j < n; j++) {
					zf[j] += cr[j] * d->wff[j];
					zg[j] += cr[j] * d->wgg[j];
				}
			}
			eng_act(gate, zf, 1, n);
			eng_act(gate, zg, 1, n);
			for (int64_t j = 0; j < n; j++)
				cr[j] = zf[j] * cr[j] + zg[j] * za[j];
			if (d->woo)
				for (int64_t j = 0; j < n; j++)
					zo[j] += cr[j] * d->woo[j];
			eng_act(gate, zo, 1, n);
			memcpy(tr, cr, (size_t)n * sizeof(float));
			eng_act(act, tr, 1, n);
			for (int64_t j = 0; j < n; j++)
				hr[j] = tr[j] * zo[j];
			if (r->mask && r->mask[i * r->t + step] == 0.0f) {
				memset(hr, 0, (size_t)n * sizeof(float));
				memset(cr, 0, (size_t)n * sizeof(float));
			}
		}
		store_step(r, h, out, step, acc);
	}
}

static void simple_run(const struct elayer *l, const struct run *r, const struct cell_dir *d,
		       const float *xp, float *z, float *out, bool reverse)
{
	int64_t n = r->n, blk = r->nb * n;

	input_proj(r, d, xp, z, true);
	for (int64_t s = 0; s < r->t; s++) {
		int64_t step = reverse ? r->t - 1 - s : s;
		int64_t prev = reverse ? step + 1 : step - 1;
		float *zt = z + step * blk;

		if (s > 0)
			eng_sgemm(false, true, r->nb, n, n, 1.0f, z + prev * blk, n, d->rw, n, 1.0f,
				  zt, n);
		eng_act(&l->conf->act, zt, r->nb, n);
		if (r->mask)
			for (int64_t i = 0; i < r->nb; i++)
				if (r->mask[i * r->t + step] == 0.0f)
					memset(zt + i * n, 0, (size_t)n * sizeof(float));
		store_step(r, zt, out, step, false);
	}
}

static void cell_forward(const struct elayer *l, const float *in, float *out, float *scratch)
{
	const struct rnn_priv *p = l->priv;
	struct run r = { l->in.d[0], l->in.d[2], p->n_in, p->n, p->g, NULL };
	int64_t rows = r.nb * r.t;
	float *s = scratch, *xp, *z;

	if (rows == 0)
		return;
	if (p->o.masked) {
		for (int64_t i = 0; i < r.nb; i++)
			for (int64_t t = 0; t < r.t; t++)
				s[i * r.t + t] = step_masked(in, r.n_in, r.t, i, t, p->o.mask_value)
							 ? 0.0f
							 : 1.0f;
		r.mask = s;
		s += rows;
	}
	/* time-major input rows: xp[(t*N + i)*nIn + k] = in[i, k, t] */
	xp = s;
	s += rows * r.n_in;
	for (int64_t i = 0; i < r.nb; i++)
		for (int64_t k = 0; k < r.n_in; k++) {
			const float *x = in + (i * r.n_in + k) * r.t;

			for (int64_t t = 0; t < r.t; t++)
				xp[(t * r.nb + i) * r.n_in + k] = x[t];
		}
	z = s;
	s += rows * r.g;
	if (p->kind == LK_SIMPLE_RNN) {
		simple_run(l, &r, &p->d[0], xp, z, out, p->o.reverse);
		return;
	}
	/* GravesBidirectionalLSTM: the backward direction runs reversed and is summed in */
	for (int k = 0; k < p->n_dir; k++)
		lstm_run(l, &r, &p->d[k], xp, z, s, s + r.nb * r.n, s + 2 * r.nb * r.n, out,
			 p->o.reverse != (k == 1), k == 1);
}

/* ---------------------------------------------------------------- forward: wrappers */

static void sub_forward(const struct elayer *l, int i, const float *in, float *out, float *scratch)
{
	const struct elayer *s = l->sub[i];

	impl_of(s->conf->kind)->forward(s, in, out, scratch);
}

static void bidir_forward(const struct elayer *l, const float *in, float *out, float *scratch)
{
	const struct rnn_priv *p = l->priv;
	const struct eshape *fs = &l->sub[0]->out, *bs = &l->sub[1]->out;
	float *a = l->conf->bidir == BI_CONCAT ? scratch + p->off_a : out;
	float *b = scratch + p->off_b, *sub = scratch + p->off_sub;
	int64_t nf = eshape_numel(fs), nb = fs->d[0];

	sub_forward(l, 0, in, a, sub);
	sub_forward(l, 1, in, b, sub);
	switch (l->conf->bidir) {
	case BI_ADD:
		for (int64_t i = 0; i < nf; i++)
			out[i] += b[i];
		break;
	case BI_MUL:
		for (int64_t i = 0; i < nf; i++)
			out[i] *= b[i];
		break;
	case BI_AVERAGE:
		for (int64_t i = 0; i < nf; i++)
			out[i] = (out[i] + b[i]) * 0.5f;
		break;
	default: { /* CONCAT along dim 1: per sample [fwd block; bwd block] */
		int64_t fa = nb ? nf / nb : 0, fb = nb ? eshape_numel(bs) / nb : 0;

		for (int64_t i = 0; i < nb; i++) {
			memcpy(out + i * (fa + fb), a + i * fa, (size_t)fa * sizeof(float));
			memcpy(out + i * (fa + fb) + fa, b + i * fb, (size_t)fb * sizeof(float));
		}
		break;
	}
	}
}

static void last_forward(const struct elayer *l, const float *in, float *out, float *scratch)
{
	const struct rnn_priv *p = l->priv;
	const struct eshape *o = &l->sub[0]->out;
	int64_t nb = o->d[0], c = o->d[1], t = o->d[2], c_in = l->in.d[1];
	float *buf = scratch + p->off_a;

	sub_forward(l, 0, in, buf, scratch + p->off_sub);
	for (int64_t i = 0; i < nb; i++) {
		/* the last step in processing order: T-1, or 0 when running reversed */
		int64_t pick = p->o.reverse ? 0 : t - 1;

		if (p->o.masked) {
			int64_t s;

			for (s = 0; s < t; s++) {
				int64_t step = p->o.reverse ? s : t - 1 - s;

				if (!step_masked(in, c_in, t, i, step, p->o.mask_value))
					break;
			}
			pick = s < t ? (p->o.reverse ? s : t - 1 - s) : -1;
		}
		for (int64_t j = 0; j < c; j++)
			out[i * c + j] = pick < 0 ? 0.0f : buf[(i * c + j) * t + pick];
	}
}

static void mask_forward(const struct elayer *l, const float *in, float *out, float *scratch)
{
	sub_forward(l, 0, in, out, scratch);
}

/* ---------------------------------------------------------------- registration */

static const struct eng_impl impl_lstm = {
	.name = "LSTM",
	.bind = rnn_bind,
	.infer = infer_cell,
	.forward = cell_forward,
	.free_priv = rnn_free_priv,
};

static const struct eng_impl impl_graves = {
	.name = "GravesLSTM",
	.bind = rnn_bind,
	.infer = infer_cell,
	.forward = cell_forward,
	.free_priv = rnn_free_priv,
};

static const struct eng_impl impl_graves_bi = {
	.name = "GravesBidirectionalLSTM",
	.bind = rnn_bind,
	.infer = infer_cell,
	.forward = cell_forward,
	.free_priv = rnn_free_priv,
};

static const struct eng_impl impl_simple = {
	.name = "SimpleRnn",
	.bind = rnn_bind,
	.infer = infer_cell,
	.forward = cell_forward,
	.free_priv = rnn_free_priv,
};

static const struct eng_impl impl_bidir = {
	.name = "Bidirectional",
	.bind = rnn_bind,
	.infer = infer_bidir,
	.forward = bidir_forward,
	.free_priv = rnn_free_priv,
};

static const struct eng_impl impl_last = {
	.name = "LastTimeStep",
	.bind = rnn_bind,
	.infer = infer_last,
	.forward = last_forward,
	.free_priv = rnn_free_priv,
};

static const struct eng_impl impl_mask = {
	.name = "MaskZeroLayer",
	.bind = rnn_bind,
	.infer = infer_mask,
	.forward = mask_forward,
	.free_priv = rnn_free_priv,
};

static const struct eng_impl *impl_of(enum layer_kind k)
{
	switch (k) {
	case LK_LSTM:
		return &impl_lstm;
	case LK_GRAVES_LSTM:
		return &impl_graves;
	case LK_GRAVES_BILSTM:
		return &impl_graves_bi;
	case LK_SIMPLE_RNN:
		return &impl_simple;
	case LK_BIDIRECTIONAL:
		return &impl_bidir;
	case LK_LAST_TIME_STEP:
		return &impl_last;
	case LK_MASK_ZERO:
		return &impl_mask;
	default:
		return NULL;
	}
}

void eng_register_rnn(const struct eng_impl **table)
{
	static const enum layer_kind kinds[] = { LK_LSTM,	LK_GRAVES_LSTM,	  LK_GRAVES_BILSTM,
						 LK_SIMPLE_RNN, LK_BIDIRECTIONAL, LK_LAST_TIME_STEP,
						 LK_MASK_ZERO };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		table[kinds[i]] = impl_of(kinds[i]);
}
