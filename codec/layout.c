/* layout.c - where each parameter lives in coefficients.bin (FORMAT.md 6): keys, shapes,
 * orders and offsets per layer, checked against the file's element count.
 */
#include <stdio.h>
#include <string.h>

#include "codec/alloc.h"
#include "codec/conf_int.h"

#define KEY_MAX 96

/* One parameter before offsets are known. */
struct pdef {
	char key[KEY_MAX]; /* short key within the top-level layer: "W", "fRW" */
	int rank;
	int64_t shape[TENSOR_MAX_RANK];
	char order;
	int64_t count;
};

/* Per top-level layer: its parameter definitions [first, first + n) in the list. */
struct lspan {
	int first, n;
	int64_t count;
	bool unknown;  /* opaque layer whose size the configuration does not give */
	bool dense_ok; /* unknown, but "variables" W,b and nIn/nOut known: Dense layout fits */
};

struct lctx {
	struct err *e;
	const struct model *m;
	char desc[224]; /* "layer 3 (DenseLayer)" / "vertex 'out' (OutputLayer)" */
	struct pdef *p;
	int n, cap;
};

static int add_def(struct lctx *x, const char *prefix, const char *key, char order, int rank,
		   const int64_t *shape)
{
	struct pdef *d;
	int64_t count = 1;

	if (x->n == x->cap) {
		int ncap = x->cap ? x->cap * 2 : 16;
		struct pdef *np;

		if (ncap > (1 << 24))
			return err_set(x->e, -EOVERFLOW, "too many parameters");
		np = dl_realloc(x->p, (size_t)ncap * sizeof(*np));
		if (!np)
			return err_set(x->e, -ENOMEM, "out of memory");
		x->p = np;
		x->cap = ncap;
	}
	d = &x->p[x->n];
	memset(d, 0, sizeof(*d));
	if ((size_t)snprintf(d->key, sizeof(d->key), "%s%s", prefix, key) >= sizeof(d->key))
		return err_set(x->e, -EBADMSG, "%s: parameter key '%s%s' is too long", x->desc,
			       prefix, key);
	for (int i = 0; i < rank; i++) {
		if (shape[i] < 0)
			return err_set(x->e, -EBADMSG, "%s: parameter %s has a negative dimension",
				       x->desc, d->key);
		if (!i64_mul_ok(count, shape[i], &count))
			return err_set(x->e, -EOVERFLOW,
				       "%s: parameter %s has more elements than "
				       "fit in 64 bits",
				       x->desc, d->key);
		d->shape[i] = shape[i];
	}
	d->rank = rank;
	d->order = order;
	d->count = count;
	x->n++;
	return 0;
}

/* Shorthands for rank-2 weights and [1, n] row vectors (DL4J's view shape). */
static int add2(struct lctx *x, const char *pre, const char *key, char order, int64_t a, int64_t b)
{
	int64_t s[2] = { a, b };

	return add_def(x, pre, key, order, 2, s);
}

static int addv(struct lctx *x, const char *pre, const char *key, int64_t n)
{
	return add2(x, pre, key, 'c', 1, n);
}

static int need(struct lctx *x, int64_t v, const char *what)
{
	if (v >= 0)
		return 0;
	return err_set(x->e, -EBADMSG, "%s: %s is missing", x->desc, what);
}

static int mul(struct lctx *x, int64_t a, int64_t b, int64_t *r, const char *what)
{
	if (i64_mul_ok(a, b, r))
		return 0;
	return err_set(x->e, -EOVERFLOW, "%s: %s overflows 64 bits", x->desc, what);
}

static int need_kernel(struct lctx *x, const struct layer *l, int nd)
{
	for (int i = 0; i < nd; i++)
		if (l->kernel[i] < 0)
			return err_set(x->e, -EBADMSG, "%s: kernelSize is missing", x->desc);
	return 0;
}

/* W [nIn, nOut] f, b [1, nOut]: DenseLayer and every DefaultParamInitializer layer. */
static int dense_defs(struct lctx *x, const struct layer *l, const char *pre, bool bias)
{
	int rc = need(x, l->n_in, "nin");

	if (!rc)
		rc = need(x, l->n_out, "nout");
	if (!rc)
		rc = add2(x, pre, "W", 'f', l->n_in, l->n_out);
	if (!rc && bias)
		rc = addv(x, pre, "b", l->n_out);
	return rc;
}

static int conv_defs(struct lctx *x, const struct layer *l, const char *pre)
{
	int64_t s[5];
	int nd = l->kind == LK_CONV3D ? 3 : l->kind == LK_CONV1D ? 1 : 2;
	int rc = need(x, l->n_in, "nin");

	if (!rc)
		rc = need(x, l->n_out, "nout");
	if (!rc)
		rc = need_kernel(x, l, nd);
	if (!rc && l->has_bias)
		rc = addv(x, pre, "b", l->n_out);
	if (rc)
		return rc;
	s[0] = l->n_out;
	s[1] = l->n_in;
	if (l->kind == LK_DECONV2D) {
		s[0] = l->n_in;
		s[1] = l->n_out;
	}
	s[2] = l->kernel[0];
	s[3] = nd == 1 ? 1 : l->kernel[1];
	s[4] = l->kernel[2];
	return add_def(x, pre, "W", 'c', nd == 3 ? 5 : 4, s);
}

static int sepconv_defs(struct lctx *x, const struct layer *l, const char *pre)
{
	int64_t dw[4], pw[4], ch = 0;
	int rc = need(x, l->n_in, "nin");

	if (!rc)
		rc = need(x, l->n_out, "nout");
	if (!rc)
		rc = need_kernel(x, l, 2);
	if (!rc)
		rc = mul(x, l->n_in, l->depth_mult, &ch, "nin * depthMultiplier");
	if (!rc && l->has_bias)
		rc = addv(x, pre, "b", l->n_out);
	if (rc)
		return rc;
	dw[0] = l->depth_mult;
	dw[1] = l->n_in;
	dw[2] = l->kernel[0];
	dw[3] = l->kernel[1];
	pw[0] = l->n_out;
	pw[1] = ch;
	pw[2] = pw[3] = 1;
	rc = add_def(x, pre, "W", 'c', 4, dw);
	if (!rc)
		rc = add_def(x, pre, "pW", 'c', 4, pw);
	return rc;
}

static int dwconv_defs(struct lctx *x, const struct layer *l, const char *pre)
{
	int64_t s[4], ch = 0;
	int rc = need(x, l->n_in, "nin");

	if (!rc)
		rc = need_kernel(x, l, 2);
	if (!rc)
		rc = mul(x, l->n_in, l->depth_mult, &ch, "nin * depthMultiplier");
	if (rc)
		return rc;
	if (l->n_out >= 0 && l->n_out != ch)
		return err_set(x->e, -EBADMSG, "%s: nout %lld is not nin * depthMultiplier = %lld",
			       x->desc, (long long)l->n_out, (long long)ch);
	if (l->has_bias)
		rc = addv(x, pre, "b", ch);
	s[0] = l->kernel[0];
	s[1] = l->kernel[1];
	s[2] = l->n_in;
	s[3] = l->depth_mult;
	if (!rc)
		rc = add_def(x, pre, "W", 'c', 4, s);
	return rc;
}

static int batchnorm_defs(struct lctx *x, const struct layer *l, const char *pre)
{
	int64_t n = l->n_out >= 0 ? l->n_out : l->n_in;
	int rc = need(x, n, "nout");

	if (!rc && !l->lock_gamma_beta) {
		rc = addv(x, pre, "gamma", n);
		if (!rc)
			rc = addv(x, pre, "beta", n);
	}
	if (!rc)
		rc = addv(x, pre, "mean", n);
	if (!rc)
		rc = addv(x, pre, l->use_log_std ? "log10stdev" : "var", n);
	return rc;
}

/* W [nIn, 4n] f, RW [n, 4n (+3 peepholes)] f, b [1, 4n]; suffix for GravesBidirectional. */
static int lstm_defs(struct lctx *x, const struct layer *l, const char *pre, bool graves,
		     const char *suffix)
{
	char kw[8], krw[8], kb[8];
	int64_t n4 = 0, rw = 0;
	int rc = need(x, l->n_in, "nin");

	if (!rc)
		rc = need(x, l->n_out, "nout");
	if (!rc)
		rc = mul(x, l->n_out, 4, &n4, "4 * nout");
	if (rc)
		return rc;
	rw = n4;
	if (graves && !i64_add_ok(n4, 3, &rw))
		return err_set(x->e, -EOVERFLOW, "%s: 4 * nout + 3 overflows 64 bits", x->desc);
	snprintf(kw, sizeof(kw), "W%s", suffix);
	snprintf(krw, sizeof(krw), "RW%s", suffix);
	snprintf(kb, sizeof(kb), "b%s", suffix);
	rc = add2(x, pre, kw, 'f', l->n_in, n4);
	if (!rc)
		rc = add2(x, pre, krw, 'f', l->n_out, rw);
	if (!rc)
		rc = addv(x, pre, kb, n4);
	return rc;
}

static int simple_rnn_defs(struct lctx *x, const struct layer *l, const char *pre)
{
	int rc = need(x, l->n_in, "nin");

	if (!rc)
		rc = need(x, l->n_out, "nout");
	if (!rc)
		rc = add2(x, pre, "W", 'f', l->n_in, l->n_out);
	if (!rc)
		rc = add2(x, pre, "RW", 'f', l->n_out, l->n_out);
	if (!rc)
		rc = addv(x, pre, "b", l->n_out);
	if (!rc && l->has_layer_norm) { /* beta5+ layer-norm gains [UNVERIFIED] */
		rc = addv(x, pre, "gx", l->n_out);
		if (!rc)
			rc = addv(x, pre, "gh", l->n_out);
	}
	return rc;
}

static int prelu_defs(struct lctx *x, const struct layer *l, const char *pre)
{
	int64_t s[4];

	if (l->n_input_shape < 1)
		return err_set(x->e, -EBADMSG, "%s: inputShape is missing", x->desc);
	memcpy(s, l->input_shape, sizeof(s));
	for (int i = 0; i < l->n_shared_axes; i++) {
		int64_t a = l->shared_axes[i];

		if (a < 1 || a > l->n_input_shape)
			return err_set(x->e, -EBADMSG,
				       "%s: shared axis %lld is outside inputShape "
				       "(1..%d)",
				       x->desc, (long long)a, l->n_input_shape);
		s[a - 1] = 1;
	}
	return add_def(x, pre, "W", 'f', l->n_input_shape, s);
}

static int vae_defs(struct lctx *x, const struct layer *l, const char *pre)
{
	char k[24];
	int64_t in;
	int rc = need(x, l->n_in, "nin");

	if (!rc)
		rc = need(x, l->n_out, "nout");
	if (!rc && (l->n_enc < 1 || l->n_dec < 1))
		rc = err_set(x->e, -EBADMSG,
			     "%s: encoderLayerSizes / decoderLayerSizes are "
			     "missing",
			     x->desc);
	if (!rc)
		rc = need(x, l->pxz_width, "the outputDistribution size");
	in = l->n_in;
	for (int i = 0; !rc && i < l->n_enc; i++) {
		snprintf(k, sizeof(k), "e%dW", i);
		rc = add2(x, pre, k, 'f', in, l->enc_sizes[i]);
		snprintf(k, sizeof(k), "e%db", i);
		if (!rc)
			rc = addv(x, pre, k, l->enc_sizes[i]);
		in = l->enc_sizes[i];
	}
	if (!rc)
		rc = add2(x, pre, "pZXMeanW", 'f', in, l->n_out);
	if (!rc)
		rc = addv(x, pre, "pZXMeanb", l->n_out);
	if (!rc)
		rc = add2(x, pre, "pZXLogStd2W", 'f', in, l->n_out);
	if (!rc)
		rc = addv(x, pre, "pZXLogStd2b", l->n_out);
	in = l->n_out;
	for (int i = 0; !rc && i < l->n_dec; i++) {
		snprintf(k, sizeof(k), "d%dW", i);
		rc = add2(x, pre, k, 'f', in, l->dec_sizes[i]);
		snprintf(k, sizeof(k), "d%db", i);
		if (!rc)
			rc = addv(x, pre, k, l->dec_sizes[i]);
		in = l->dec_sizes[i];
	}
	if (!rc)
		rc = add2(x, pre, "pXZW", 'f', in, l->pxz_width);
	if (!rc)
		rc = addv(x, pre, "pXZb", l->pxz_width);
	return rc;
}

static bool variables_are(const struct layer *l, const char *a, const char *b)
{
	return l->variables && l->n_variables == 2 && strcmp(l->variables[0], a) == 0 &&
	       strcmp(l->variables[1], b) == 0;
}

/* Appends the parameters of l (keys prefixed by pre). Returns 0, 1 when the size is
 * unknown (opaque layer), or a negative errno. */
static int layer_defs(struct lctx *x, const struct layer *l, const char *pre, int depth)
{
	char sub[KEY_MAX];
	int rc;

	if (depth > CONF_MAX_DEPTH)
		return err_set(x->e, -EBADMSG, "%s: layers nested too deep", x->desc);
	switch (l->kind) {
	case LK_DENSE:
		rc = dense_defs(x, l, pre, l->has_bias);
		if (!rc && l->has_layer_norm)
			rc = addv(x, pre, "g", l->n_out);
		return rc;
	case LK_OUTPUT:
	case LK_RNN_OUTPUT:
	case LK_EMBEDDING:
	case LK_EMBEDDING_SEQ:
		return dense_defs(x, l, pre, l->has_bias);
	case LK_CENTER_LOSS_OUTPUT:
		rc = dense_defs(x, l, pre, true);
		if (!rc)
			rc = add2(x, pre, "cL", 'c', l->n_out, l->n_in);
		return rc;
	case LK_AUTOENCODER:
		rc = dense_defs(x, l, pre, true);
		if (!rc)
			rc = addv(x, pre, "vb", l->n_in);
		return rc;
	case LK_CONV1D:
	case LK_CONV2D:
	case LK_CONV3D:
	case LK_DECONV2D:
		return conv_defs(x, l, pre);
	case LK_SEPCONV2D:
		return sepconv_defs(x, l, pre);
	case LK_DWCONV2D:
		return dwconv_defs(x, l, pre);
	case LK_BATCHNORM:
		return batchnorm_defs(x, l, pre);
	case LK_LSTM:
		return lstm_defs(x, l, pre, false, "");
	case LK_GRAVES_LSTM:
		return lstm_defs(x, l, pre, true, "");
	case LK_GRAVES_BILSTM:
		rc = lstm_defs(x, l, pre, true, "F");
		if (!rc)
			rc = lstm_defs(x, l, pre, true, "B");
		return rc;
	case LK_SIMPLE_RNN:
		return simple_rnn_defs(x, l, pre);
	case LK_PRELU:
		return prelu_defs(x, l, pre);
	case LK_ELEMENTWISE_MULT:
		rc = need(x, l->n_in, "nin");
		if (!rc)
			rc = addv(x, pre, "W", l->n_in);
		if (!rc)
			rc = addv(x, pre, "b", l->n_in);
		return rc;
	case LK_VAE:
		return vae_defs(x, l, pre);
	case LK_BIDIRECTIONAL:
		if (!l->fwd || !l->bwd)
			return err_set(x->e, -EBADMSG, "%s: Bidirectional without fwd/bwd layers",
				       x->desc);
		snprintf(sub, sizeof(sub), "%sf", pre);
		rc = layer_defs(x, l->fwd, sub, depth + 1);
		if (rc)
			return rc;
		snprintf(sub, sizeof(sub), "%sb", pre);
		return layer_defs(x, l->bwd, sub, depth + 1);
	case LK_LAST_TIME_STEP:
	case LK_MASK_ZERO:
		if (!l->fwd)
			return err_set(x->e, -EBADMSG, "%s: wrapper without an underlying layer",
				       x->desc);
		return layer_defs(x, l->fwd, pre, depth + 1);
	case LK_OPAQUE:
		if (l->fwd && l->fwd->kind != LK_OPAQUE)
			return layer_defs(x, l->fwd, pre, depth + 1);
		if (l->fwd) /* unknown inside unknown (or an inner layer that could not be read) */
			return conf_opaque_has_no_params(l->fwd->cls) ? 0 : 1;
		if (conf_opaque_has_no_params(l->cls))
			return 0;
		if (l->variables && l->n_variables == 0)
			return 0; /* DL4J listed no parameters for it */
		return 1;
	default:
		return 0; /* pooling, padding, activation, dropout, loss, LRN, Yolo2 ... */
	}
}

static void describe(struct lctx *x, const char *const *vnames, int i)
{
	const struct layer *l = &x->m->layers[i];
	const char *kind = l->kind == LK_OPAQUE && l->cls ? l->cls : layer_kind_name(l->kind);

	if (x->m->type == NET_CG)
		snprintf(x->desc, sizeof(x->desc), "vertex '%s' (%s)", vnames[i] ? vnames[i] : "?",
			 kind);
	else
		snprintf(x->desc, sizeof(x->desc), "layer %d (%s)", i, kind);
}

static void free_params(struct model *m)
{
	for (int i = 0; i < m->n_params; i++) {
		dl_free(m->params[i].key);
		dl_free(m->params[i].short_key);
	}
	dl_free(m->params);
	m->params = NULL;
	m->n_params = 0;
}

/* Turns the definitions into m->params with offsets and fills each layer's summary. */
static int emit(struct lctx *x, struct model *m, const char *const *vnames,
		const struct lspan *span)
{
	int64_t off = 0;
	int k = 0;

	m->params = dl_calloc((size_t)x->n + 1, sizeof(*m->params));
	if (!m->params)
		return err_set(x->e, -ENOMEM, "out of memory");
	for (int i = 0; i < m->n_layers; i++) {
		struct layer *l = &m->layers[i];
		char idx[24];
		const char *prefix = vnames[i] ? vnames[i] : l->name ? l->name : "";

		if (m->type == NET_MLN) {
			snprintf(idx, sizeof(idx), "%d", i);
			prefix = idx;
		}
		l->first_param = k;
		l->n_params = span[i].n;
		l->param_count = span[i].count;
		for (int j = 0; j < span[i].n; j++, k++) {
			const struct pdef *d = &x->p[span[i].first + j];
			struct param *p = &m->params[k];
			size_t klen = strlen(prefix) + strlen(d->key) + 2;

			p->key = dl_malloc(klen);
			p->short_key = dl_strdup(d->key);
			m->n_params = k + 1;
			if (!p->key || !p->short_key)
				return err_set(x->e, -ENOMEM, "out of memory");
			snprintf(p->key, klen, "%s_%s", prefix, d->key);
			p->layer = i;
			p->rank = d->rank;
			memcpy(p->shape, d->shape, sizeof(p->shape));
			p->order = d->order;
			p->offset = off;
			p->count = d->count;
			off += d->count;
		}
	}
	return 0;
}

static int sum_span(struct lctx *x, struct lspan *s)
{
	s->count = 0;
	for (int j = 0; j < s->n; j++)
		if (!i64_add_ok(s->count, x->p[s->first + j].count, &s->count))
			return err_set(x->e, -EOVERFLOW, "%s: parameter count overflows 64 bits",
				       x->desc);
	return 0;
}

/* A single flat parameter of n elements standing for everything an unknown layer (or a
 * run of layers starting with one) holds. */
static int flat_def(struct lctx *x, const struct layer *l, int64_t n, struct lspan *s)
{
	const char *key = l->variables && l->n_variables == 1 ? l->variables[0] : "params";

	s->first = x->n;
	s->n = 1;
	s->count = n;
	return add2(x, "", key, 'c', 1, n);
}

/* Settles the layers of unknown size from the remainder (see conf.h). */
static int resolve_unknown(struct lctx *x, struct model *m, const char *const *vnames,
			   struct lspan *span, int64_t known, int64_t n_coeffs)
{
	int64_t rem = n_coeffs - known, dense = 0, inner = 0;
	int first = -1, last = -1, n_unknown = 0;
	bool all_dense = true;

	if (known > n_coeffs)
		return err_set(x->e, -EBADMSG,
			       "configuration needs at least %lld parameters, coefficients.bin "
			       "holds %lld",
			       (long long)known, (long long)n_coeffs);
	for (int i = 0; i < m->n_layers; i++) {
		if (!span[i].unknown)
			continue;
		n_unknown++;
		if (first < 0)
			first = i;
		last = i;
		all_dense = all_dense && span[i].dense_ok;
		if (span[i].dense_ok) {
			const struct layer *l = &m->layers[i];
			int64_t c;

			if (!i64_mul_ok(l->n_in, l->n_out, &c) || !i64_add_ok(c, l->n_out, &c) ||
			    !i64_add_ok(dense, c, &dense))
				all_dense = false;
		}
	}
	if (all_dense && dense == rem) {
		for (int i = first; i <= last; i++) {
			if (!span[i].unknown)
				continue;
			describe(x, vnames, i);
			span[i].first = x->n;
			if (dense_defs(x, &m->layers[i], "", true))
				return x->e->code;
			span[i].n = x->n - span[i].first;
			if (sum_span(x, &span[i]))
				return x->e->code;
		}
		return 0;
	}
	if (rem == 0) { /* every unknown layer is empty */
		for (int i = first; i <= last; i++)
			if (span[i].unknown)
				span[i].n = 0, span[i].count = 0;
		return 0;
	}
	m->flat_remainder = true;
	/* a run of layers whose boundaries cannot be told apart becomes one parameter of
	 * the first unknown layer */
	for (int i = first + 1; i < last; i++) {
		if (!i64_add_ok(inner, span[i].unknown ? 0 : span[i].count, &inner))
			return err_set(x->e, -EOVERFLOW, "parameter count overflows 64 bits");
		span[i].n = 0;
		span[i].count = 0;
	}
	if (last != first) {
		span[last].n = 0;
		span[last].count = 0;
	}
	describe(x, vnames, first);
	return flat_def(x, &m->layers[first], rem + inner, &span[first]);
}

int codec_layout(struct model *m, int64_t n_coeffs, struct err *e)
{
	struct lctx x = { .e = e, .m = m };
	struct lspan *span = NULL;
	const char **vnames = NULL;
	int64_t known = 0;
	bool any_unknown = false;
	int rc = 0;

	free_params(m);
	m->flat_remainder = false;
	m->n_coeffs = n_coeffs;
	if (n_coeffs < 0)
		return err_set(e, -EBADMSG, "negative parameter count %lld", (long long)n_coeffs);
	span = dl_calloc((size_t)m->n_layers + 1, sizeof(*span));
	vnames = dl_calloc((size_t)m->n_layers + 1, sizeof(*vnames));
	if (!span || !vnames) {
		rc = err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	for (int v = 0; v < m->n_vertices; v++)
		if (m->vertices[v].kind == VK_LAYER && m->vertices[v].layer >= 0 &&
		    m->vertices[v].layer < m->n_layers)
			vnames[m->vertices[v].layer] = m->vertices[v].name;

	for (int i = 0; i < m->n_layers; i++) {
		const struct layer *l = &m->layers[i];

		describe(&x, vnames, i);
		span[i].first = x.n;
		rc = layer_defs(&x, l, "", 0);
		if (rc < 0)
			goto out;
		if (rc == 1) {
			x.n = span[i].first; /* drop partial definitions of an opaque wrapper */
			span[i].unknown = true;
			span[i].dense_ok = l->fwd == NULL && variables_are(l, "W", "b") &&
					   l->n_in >= 0 && l->n_out >= 0;
			any_unknown = true;
			rc = 0;
			continue;
		}
		span[i].n = x.n - span[i].first;
		rc = sum_span(&x, &span[i]);
		if (!rc && !i64_add_ok(known, span[i].count, &known))
			rc = err_set(e, -EOVERFLOW, "total parameter count overflows 64 bits");
		if (rc)
			goto out;
	}
	if (any_unknown) {
		rc = resolve_unknown(&x, m, vnames, span, known, n_coeffs);
		if (rc)
			goto out;
	} else if (known != n_coeffs) {
		rc = err_set(e, -EBADMSG,
			     "configuration needs %lld parameters, coefficients.bin "
			     "holds %lld",
			     (long long)known, (long long)n_coeffs);
		goto out;
	}
	rc = emit(&x, m, vnames, span);
	if (rc)
		free_params(m);
out:
	dl_free(x.p);
	dl_free(span);
	dl_free(vnames);
	return rc;
}
