/* updater.c - splitting updaterState.bin per parameter and per state (FORMAT.md section 8).
 *
 * Two layouts exist:
 *  - 0.9.0 and later (BaseMultiLayerUpdater): the parameters are walked in flattened order;
 *    consecutive parameters whose updater configurations are equal (UpdaterUtils.
 *    updaterConfigurationsEquals) form one block, and a block's state is
 *    [state0 of all its params][state1 of all its params]..., e.g. Adam = m(block) || v(block).
 *  - before 0.9.0 (LayerUpdater with one GradientUpdater per parameter): per layer, per
 *    parameter, that parameter's own state, e.g. Adam = m_W || v_W || m_b || v_b.
 *
 * Which updater a parameter uses follows DL4J's getUpdaterByParam():
 *  - BaseLayer: the bias updater for bias parameters when one is set, else the layer updater.
 *  - BatchNormalization: gamma/beta use the layer updater (never the bias updater);
 *    mean/var/log10stdev use NoOp (no state).
 *  - CenterLossOutputLayer: the centres "cL" use NoOp; W and b the layer updater.
 *  - Bidirectional: fwd.getUpdaterByParam(key without its first char), for both halves.
 *    LastTimeStep / MaskZeroLayer: the wrapped layer's updater.
 *  - FrozenLayer / FrozenLayerWithBackprop: NoOp (the runtime FrozenLayer's getConfig() is
 *    a DummyConfig whose getUpdaterByParam() is NoOp, as for FrozenVertex). Older DL4J
 *    (1.0.0-alpha) delegated getConfig() to the wrapped layer, so frozen layers kept the
 *    wrapped layer's state; that layout is tried when the NoOp one does not match the
 *    stored length (see POL_FROZEN_INNER).
 *  - Layers with parameters but no updater information at all (an opaque/custom layer whose
 *    JSON the parser could not read an updater from): DL4J's builder copies the global
 *    updater into every layer that has none, so such a layer is given the updater of the
 *    nearest preceding layer that has one (else the nearest following one).
 * Pretrain-only parameters (VAE decoder, pZXLogStd2, pXZ; AutoEncoder "vb") never share a
 * block with parameters of another layer or with non-pretrain parameters.
 */
#include "codec/updater.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "codec/alloc.h"

/* One updater class: its simple name and the names of its per-parameter states, as DL4J's
 * GradientUpdater.getState() keys them (AdamUpdater.M_STATE = "M", V_STATE = "V", ...). */
struct upd_kind {
	const char *name;
	const char *alias; /* legacy enum spelling when it differs from the name, else NULL */
	int n_states;
	const char *states[3];
};

static const struct upd_kind upd_kinds[] = {
	{ "Sgd", NULL, 0, { NULL } },
	{ "NoOp", "NONE", 0, { NULL } },
	{ "Nesterovs", NULL, 1, { "V" } },
	{ "RmsProp", NULL, 1, { "G" } },
	{ "AdaGrad", NULL, 1, { "grad" } },
	{ "AdaDelta", NULL, 2, { "msg", "msdx" } },
	{ "Adam", NULL, 2, { "M", "V" } },
	{ "AdaMax", NULL, 2, { "M", "V" } }, /* AdaMaxUpdater.U_STATE is "V" */
	{ "Nadam", NULL, 2, { "M", "V" } },
	{ "AMSGrad", NULL, 3, { "M", "V", "V_HAT" } },
	{ "AdaBelief", NULL, 2, { "M", "S" } },
};

#define UPD_NOOP (&upd_kinds[1])

/* Layout variants tried in order when the DL4J-current rules do not match n_state. */
enum {
	POL_FROZEN_INNER = 1, /* frozen layers keep the wrapped layer's updater (1.0.0-alpha) */
	POL_BN_STATS = 2,     /* BN mean/var carry the layer's updater state (old releases) */
	POL__ALL = 3,
};

/* The updater resolved for one parameter. */
struct presolved {
	const struct upd_kind *kind; /* NULL: no information (filled by inheritance) */
	const char *cfg;	     /* text compared for block equality */
	bool pretrain;
};

static const char *key_tail(const struct param *p)
{
	const char *s;

	if (p->short_key)
		return p->short_key;
	s = strrchr(p->key, '_');
	return s ? s + 1 : p->key;
}

/* Maps "Adam", "ADAM", "org.nd4j.linalg.learning.config.Adam" or "NONE" to its kind. */
static const struct upd_kind *upd_lookup(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot)
		name = dot + 1;
	for (size_t i = 0; i < ARRAY_SIZE(upd_kinds); i++) {
		if (!strcasecmp(name, upd_kinds[i].name))
			return &upd_kinds[i];
		if (upd_kinds[i].alias && !strcasecmp(name, upd_kinds[i].alias))
			return &upd_kinds[i];
	}
	return NULL;
}

static bool is_bias_key(const struct layer *l, const char *k)
{
	size_t n = strlen(k);

	switch (l->kind) {
	case LK_GRAVES_BILSTM:
		return !strcmp(k, "bF") || !strcmp(k, "bB");
	case LK_VAE:
		return n > 0 && k[n - 1] == 'b';
	case LK_AUTOENCODER:
		return !strcmp(k, "b") || !strcmp(k, "vb");
	default:
		return !strcmp(k, "b");
	}
}

static bool is_pretrain_key(const struct layer *l, const char *k)
{
	if (l->kind == LK_VAE)
		return k[0] == 'd' || !strncmp(k, "pZXLogStd2", 10) || !strncmp(k, "pXZ", 3);
	if (l->kind == LK_AUTOENCODER)
		return !strcmp(k, "vb");
	return false;
}

static bool has_updater_info(const struct layer *l)
{
	return l->updater != NULL;
}

/* Resolves the updater of parameter pi. Returns 0, or -ENOTSUP for an unknown updater
 * name (reported in e). Leaves r->kind NULL when the layer carries no updater at all. */
static int resolve_param(const struct model *m, int pi, int policy, struct presolved *r,
			 struct err *e)
{
	const struct param *p = &m->params[pi];
	const struct layer *outer = &m->layers[p->layer], *l = outer;
	const char *k = key_tail(p);
	const char *name, *cfg;

	memset(r, 0, sizeof(*r));
	if (l->frozen && !(policy & POL_FROZEN_INNER)) {
		r->kind = UPD_NOOP;
		r->cfg = "NoOp";
		return 0;
	}
	/* wrappers delegate to the wrapped layer (Bidirectional: always fwd, key minus prefix) */
	for (int depth = 0; depth < 4; depth++) {
		const struct layer *in = l->fwd;

		if (!in || !(l->kind == LK_BIDIRECTIONAL || l->kind == LK_LAST_TIME_STEP ||
			     l->kind == LK_MASK_ZERO))
			break;
		if (l->kind == LK_BIDIRECTIONAL && k[0])
			k++;
		if (!has_updater_info(in) && has_updater_info(l)) {
			/* inner layer carries nothing: keep the wrapper's own fields */
			break;
		}
		l = in;
	}
	r->pretrain = is_pretrain_key(l, k);
	if (l->kind == LK_BATCHNORM && !(policy & POL_BN_STATS) &&
	    (!strcmp(k, "mean") || !strcmp(k, "var") || !strcmp(k, "log10stdev"))) {
		r->kind = UPD_NOOP;
		r->cfg = "NoOp";
		return 0;
	}
	if (l->kind == LK_CENTER_LOSS_OUTPUT && !strcmp(k, "cL")) {
		r->kind = UPD_NOOP;
		r->cfg = "NoOp";
		return 0;
	}
	name = l->updater;
	cfg = l->updater_cfg;
	if (l->bias_updater && l->kind != LK_BATCHNORM && l->kind != LK_CENTER_LOSS_OUTPUT &&
	    is_bias_key(l, k)) {
		name = l->bias_updater;
		cfg = l->bias_updater_cfg;
	}
	if (!name)
		return 0;
	r->kind = upd_lookup(name);
	if (!r->kind)
		return err_set(e, -ENOTSUP, "unsupported updater '%s' (layer '%s', parameter %s)",
			       name, outer->name ? outer->name : "?", p->key);
	r->cfg = cfg ? cfg : r->kind->name;
	return 0;
}

/* Nearest layer with its own updater, preceding li first, then following; -1 if none. */
static int fallback_layer(const struct model *m, int li)
{
	for (int i = li - 1; i >= 0; i--)
		if (has_updater_info(&m->layers[i]))
			return i;
	for (int i = li + 1; i < m->n_layers; i++)
		if (has_updater_info(&m->layers[i]))
			return i;
	return -1;
}

/* Resolves every parameter under `policy`. */
static int resolve_all(const struct model *m, int policy, struct presolved *r, struct err *e)
{
	for (int i = 0; i < m->n_params; i++) {
		int ret = resolve_param(m, i, policy, &r[i], e);

		if (ret)
			return ret;
		if (!r[i].kind) {
			int fb = fallback_layer(m, m->params[i].layer);
			const struct layer *f;

			if (fb < 0) {
				const char *ln = m->layers[m->params[i].layer].name;

				return err_set(e, -ENOTSUP,
					       "layer '%s' has parameters but the configuration "
					       "names no updater",
					       ln ? ln : "?");
			}
			f = &m->layers[fb];
			r[i].kind = upd_lookup(f->updater);
			if (!r[i].kind)
				return err_set(e, -ENOTSUP, "unsupported updater '%s' (layer '%s')",
					       f->updater, f->name ? f->name : "?");
			r[i].cfg = f->updater_cfg ? f->updater_cfg : r[i].kind->name;
		}
	}
	return 0;
}

/* UpdaterUtils.updaterConfigurationsEquals for parameters a and b. */
static bool same_block(const struct model *m, const struct presolved *r, int a, int b)
{
	if (r[a].kind != r[b].kind || strcmp(r[a].cfg, r[b].cfg))
		return false;
	if (r[a].pretrain || r[b].pretrain)
		return m->params[a].layer == m->params[b].layer && r[a].pretrain && r[b].pretrain;
	return true;
}

/* Total state length under a resolution; -EOVERFLOW if it does not fit. */
static int state_total(const struct model *m, const struct presolved *r, int64_t *total,
		       int64_t *n_slices)
{
	int64_t t = 0, s = 0, n = 0;

	for (int i = 0; i < m->n_params; i++) {
		int64_t c;

		if (m->params[i].count < 0 || !i64_add_ok(n, m->params[i].count, &n))
			return -EOVERFLOW;
		if (!i64_mul_ok(m->params[i].count, r[i].kind->n_states, &c) ||
		    !i64_add_ok(t, c, &t))
			return -EOVERFLOW;
		if (m->params[i].count > 0)
			s += r[i].kind->n_states;
	}
	*total = t;
	*n_slices = s;
	return 0;
}

/* "Adam", "Adam+RmsProp": the updaters that hold state, in order of first use. */
static void updater_names(const struct model *m, const struct presolved *r, char *buf, size_t cap)
{
	const struct upd_kind *seen[ARRAY_SIZE(upd_kinds)];
	size_t n_seen = 0, len = 0;

	buf[0] = '\0';
	for (int pass = 0; pass < 2 && n_seen == 0; pass++) {
		for (int i = 0; i < m->n_params; i++) {
			const struct upd_kind *k = r[i].kind;
			bool dup = false;

			if (pass == 0 && k->n_states == 0)
				continue;
			for (size_t j = 0; j < n_seen; j++)
				dup |= seen[j] == k;
			if (dup || n_seen == ARRAY_SIZE(seen))
				continue;
			seen[n_seen++] = k;
			len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%s",
						n_seen > 1 ? "+" : "", k->name);
			if (len >= cap)
				len = cap - 1;
		}
	}
	if (!buf[0])
		snprintf(buf, cap, "no updater");
}

static int add_slice(struct upd_layout *u, const struct model *m, int pi, const char *state,
		     int64_t offset)
{
	const struct param *p = &m->params[pi];
	struct upd_slice *s = &u->s[u->n];

	memset(s, 0, sizeof(*s));
	s->key = dl_strdup(p->key);
	s->state = dl_strdup(state);
	if (!s->key || !s->state) {
		dl_free(s->key);
		dl_free(s->state);
		return -ENOMEM;
	}
	s->param = pi;
	s->rank = p->rank;
	memcpy(s->shape, p->shape, sizeof(s->shape));
	s->order = p->order;
	s->offset = offset;
	s->count = p->count;
	u->n++;
	return 0;
}

/* Fills u->s (room for every slice) with the per-parameter (pre-0.9) layout. */
static int fill_legacy(struct upd_layout *u, const struct model *m, const struct presolved *r)
{
	int64_t off = 0;

	for (int i = 0; i < m->n_params; i++) {
		int64_t c = m->params[i].count;

		if (c == 0)
			continue;
		for (int k = 0; k < r[i].kind->n_states; k++) {
			if (add_slice(u, m, i, r[i].kind->states[k], off))
				return -ENOMEM;
			off += c;
		}
	}
	return 0;
}

/* Fills u->s with the block (0.9+) layout. */
static int fill_blocks(struct upd_layout *u, const struct model *m, const struct presolved *r)
{
	int64_t state_off = 0;
	int first = 0;

	while (first < m->n_params) {
		int end = first + 1;
		int64_t block_len = m->params[first].count;
		int ns = r[first].kind->n_states;

		while (end < m->n_params && same_block(m, r, end - 1, end)) {
			block_len += m->params[end].count; /* bounded by state_total() */
			end++;
		}
		for (int k = 0; k < ns; k++) {
			int64_t within = 0;

			for (int i = first; i < end; i++) {
				if (m->params[i].count > 0 &&
				    add_slice(u, m, i, r[i].kind->states[k],
					      state_off + (int64_t)k * block_len + within))
					return -ENOMEM;
				within += m->params[i].count;
			}
		}
		state_off += (int64_t)ns * block_len;
		first = end;
	}
	return 0;
}

int codec_updater_layout(const struct model *m, int64_t n_state, struct upd_layout **out,
			 struct err *e)
{
	struct presolved *r = NULL, *r0 = NULL;
	struct upd_layout *u = NULL;
	int64_t total0 = 0, total = 0, n_slices = 0;
	int policy, ret, applicable = 0;
	bool any_info = false;

	if (m->n_params < 0)
		return err_set(e, -EBADMSG, "negative parameter count");
	for (int i = 0; i < m->n_layers; i++) {
		any_info |= has_updater_info(&m->layers[i]);
		if (m->layers[i].frozen)
			applicable |= POL_FROZEN_INNER;
		if (m->layers[i].kind == LK_BATCHNORM)
			applicable |= POL_BN_STATS;
	}
	if (m->n_params > 0) {
		r = dl_calloc((size_t)m->n_params, sizeof(*r));
		r0 = dl_calloc((size_t)m->n_params, sizeof(*r0));
		if (!r || !r0) {
			ret = -ENOMEM;
			goto out_free;
		}
	}
	if (!any_info && n_state == 0)
		goto out_empty; /* nothing to split, nothing known: an empty layout */

	/* The DL4J-current rules first; the older variants only if they are needed. */
	for (policy = 0; policy <= POL__ALL; policy++) {
		struct presolved *cur = policy == 0 ? r0 : r;

		if (policy & ~applicable)
			continue;
		ret = resolve_all(m, policy, cur, e);
		if (ret)
			goto out_free;
		ret = state_total(m, cur, &total, &n_slices);
		if (ret) {
			ret = err_set(e, -EOVERFLOW, "updater state size overflows");
			goto out_free;
		}
		if (policy == 0)
			total0 = total;
		if (total == n_state)
			break;
	}
	if (policy > POL__ALL) {
		char names[96];

		updater_names(m, r0, names, sizeof(names));
		ret = err_set(e, -EBADMSG, "updater state holds %lld values, %s needs %lld",
			      (long long)n_state, names, (long long)total0);
		goto out_free;
	}
	if (policy != 0)
		memcpy(r0, r, (size_t)m->n_params * sizeof(*r));

out_empty:
	u = dl_calloc(1, sizeof(*u));
	if (!u) {
		ret = -ENOMEM;
		goto out_free;
	}
	if (n_slices > 0) {
		u->s = dl_calloc((size_t)n_slices, sizeof(*u->s));
		if (!u->s) {
			ret = -ENOMEM;
			goto out_free;
		}
		ret = m->legacy_updater_layout ? fill_legacy(u, m, r0) : fill_blocks(u, m, r0);
		if (ret)
			goto out_free;
	}
	dl_free(r);
	dl_free(r0);
	*out = u;
	return 0;

out_free:
	codec_updater_free(u);
	dl_free(r);
	dl_free(r0);
	if (ret == -ENOMEM)
		err_set(e, -ENOMEM, "out of memory splitting the updater state");
	return ret;
}

void codec_updater_free(struct upd_layout *u)
{
	if (!u)
		return;
	for (int i = 0; i < u->n; i++) {
		dl_free(u->s[i].key);
		dl_free(u->s[i].state);
	}
	dl_free(u->s);
	dl_free(u);
}
