/* test_updater.c - updaterState.bin splitting (codec/updater.c, FORMAT.md section 8).
 *
 * Hand-built models with offsets computed by hand from DL4J's BaseMultiLayerUpdater
 * (0.9+ blocks) and the older per-parameter LayerUpdater; then every corpus archive with an
 * updaterState.bin, parsed with codec_conf_parse + codec_layout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codec/alloc.h"
#include "codec/conf.h"
#include "codec/updater.h"
#include "tests/unit/codec/unzip.h"

/* ------------------------------------------------------------ hand-built models */

static struct model *new_model(bool legacy)
{
	struct model *m = dl_calloc(1, sizeof(*m));

	assert_non_null(m);
	m->type = NET_MLN;
	m->dialect = legacy ? JD_LEGACY_WRAPPER : JD_CLASS;
	m->legacy_updater_layout = legacy;
	return m;
}

static char *xdup(const char *s)
{
	char *r = s ? dl_strdup(s) : NULL;

	if (s)
		assert_non_null(r);
	return r;
}

/* Appends a layer; returns its index. upd/cfg/bupd/bcfg may be NULL. */
static int add_layer(struct model *m, enum layer_kind k, const char *name, const char *upd,
		     const char *cfg, const char *bupd, const char *bcfg)
{
	struct layer *l;

	m->layers = dl_realloc(m->layers, (size_t)(m->n_layers + 1) * sizeof(*m->layers));
	assert_non_null(m->layers);
	l = &m->layers[m->n_layers];
	memset(l, 0, sizeof(*l));
	l->kind = k;
	l->name = xdup(name);
	l->n_in = l->n_out = -1;
	l->has_bias = true;
	l->updater = xdup(upd);
	l->updater_cfg = xdup(cfg);
	l->bias_updater = xdup(bupd);
	l->bias_updater_cfg = xdup(bcfg);
	l->first_param = m->n_params;
	return m->n_layers++;
}

/* Appends parameter <layer name>_<k> of shape [d0] (d1 == 0) or [d0,d1]. */
static void add_param(struct model *m, int li, const char *k, int64_t d0, int64_t d1, char order)
{
	struct param *p;
	char key[64];

	m->params = dl_realloc(m->params, (size_t)(m->n_params + 1) * sizeof(*m->params));
	assert_non_null(m->params);
	p = &m->params[m->n_params];
	memset(p, 0, sizeof(*p));
	snprintf(key, sizeof(key), "%s_%s", m->layers[li].name, k);
	p->key = xdup(key);
	p->short_key = xdup(k);
	p->layer = li;
	p->rank = d1 ? 2 : 1;
	p->shape[0] = d0;
	p->shape[1] = d1;
	p->order = order;
	p->offset = m->n_coeffs;
	p->count = d1 ? d0 * d1 : d0;
	m->n_coeffs += p->count;
	m->layers[li].n_params++;
	m->layers[li].param_count += p->count;
	m->n_params++;
}

/* Dense 3->4 (W f [3,4], b [4]) then Output 4->5 (W f [4,5], b [5]): N = 41. */
static struct model *mlp(bool legacy, const char *upd, const char *cfg0, const char *bupd0,
			 const char *bcfg0, const char *cfg1)
{
	struct model *m = new_model(legacy);
	int l0 = add_layer(m, LK_DENSE, "0", upd, cfg0, bupd0, bcfg0);
	int l1;

	add_param(m, l0, "W", 3, 4, 'f');
	add_param(m, l0, "b", 4, 0, 'c');
	l1 = add_layer(m, LK_OUTPUT, "1", upd, cfg1, NULL, NULL);
	add_param(m, l1, "W", 4, 5, 'f');
	add_param(m, l1, "b", 5, 0, 'c');
	assert_int_equal(m->n_coeffs, 41);
	return m;
}

struct exp_slice {
	const char *key, *state;
	int64_t offset, count;
};

static void check_layout(const struct upd_layout *u, const struct exp_slice *x, int n)
{
	assert_int_equal(u->n, n);
	for (int i = 0; i < n; i++) {
		if (strcmp(u->s[i].key, x[i].key) || strcmp(u->s[i].state, x[i].state) ||
		    u->s[i].offset != x[i].offset || u->s[i].count != x[i].count)
			fail_msg("slice %d: got %s/%s @%lld+%lld, expected %s/%s @%lld+%lld", i,
				 u->s[i].key, u->s[i].state, (long long)u->s[i].offset,
				 (long long)u->s[i].count, x[i].key, x[i].state,
				 (long long)x[i].offset, (long long)x[i].count);
	}
}

static void test_adam_single_block(void **state)
{
	struct model *m = mlp(false, "Adam", "Adam(lr=0.001)", NULL, NULL, "Adam(lr=0.001)");
	struct upd_layout *u = NULL;
	struct err e = { 0 };
	/* one block: m(all 41) || v(all 41) */
	static const struct exp_slice x[] = {
		{ "0_W", "M", 0, 12 },	{ "0_b", "M", 12, 4 },	{ "1_W", "M", 16, 20 },
		{ "1_b", "M", 36, 5 },	{ "0_W", "V", 41, 12 }, { "0_b", "V", 53, 4 },
		{ "1_W", "V", 57, 20 }, { "1_b", "V", 77, 5 },
	};

	(void)state;
	assert_int_equal(codec_updater_layout(m, 82, &u, &e), 0);
	check_layout(u, x, 8);
	/* each slice carries its parameter's shape and order */
	assert_int_equal(u->s[4].rank, 2);
	assert_int_equal(u->s[4].shape[0], 3);
	assert_int_equal(u->s[4].shape[1], 4);
	assert_int_equal(u->s[4].order, 'f');
	assert_int_equal(u->s[4].param, 0);
	assert_int_equal(u->s[7].rank, 1);
	assert_int_equal(u->s[7].shape[0], 5);
	assert_int_equal(u->s[7].param, 3);
	codec_updater_free(u);
	model_free(m);
}

static void test_adam_two_blocks_bias_updater(void **state)
{
	/* layer 0: W uses Adam(lr=0.1); its bias uses Adam(lr=0.01), equal to layer 1's updater:
	 * blocks [0_W] and [0_b, 1_W, 1_b] (29 values) */
	struct model *m =
		mlp(false, "Adam", "Adam(lr=0.1)", "Adam", "Adam(lr=0.01)", "Adam(lr=0.01)");
	struct upd_layout *u = NULL;
	struct err e = { 0 };
	static const struct exp_slice x[] = {
		{ "0_W", "M", 0, 12 },	{ "0_W", "V", 12, 12 }, { "0_b", "M", 24, 4 },
		{ "1_W", "M", 28, 20 }, { "1_b", "M", 48, 5 },	{ "0_b", "V", 53, 4 },
		{ "1_W", "V", 57, 20 }, { "1_b", "V", 77, 5 },
	};

	(void)state;
	assert_int_equal(codec_updater_layout(m, 82, &u, &e), 0);
	check_layout(u, x, 8);
	codec_updater_free(u);
	model_free(m);
}

static void test_adam_two_blocks_layers(void **state)
{
	/* different learning rates per layer: [0_W, 0_b] (16) then [1_W, 1_b] (25) */
	struct model *m = mlp(false, "Adam", "Adam(lr=0.1)", NULL, NULL, "Adam(lr=0.2)");
	struct upd_layout *u = NULL;
	struct err e = { 0 };
	static const struct exp_slice x[] = {
		{ "0_W", "M", 0, 12 },	{ "0_b", "M", 12, 4 },	{ "0_W", "V", 16, 12 },
		{ "0_b", "V", 28, 4 },	{ "1_W", "M", 32, 20 }, { "1_b", "M", 52, 5 },
		{ "1_W", "V", 57, 20 }, { "1_b", "V", 77, 5 },
	};

	(void)state;
	assert_int_equal(codec_updater_layout(m, 82, &u, &e), 0);
	check_layout(u, x, 8);
	codec_updater_free(u);
	model_free(m);
}

static void test_legacy_adam_per_param(void **state)
{
	/* pre-0.9 LayerUpdater: m_W, v_W, m_b, v_b per layer */
	struct model *m = mlp(true, "ADAM", NULL, NULL, NULL, NULL);
	struct upd_layout *u = NULL;
	struct err e = { 0 };
	static const struct exp_slice x[] = {
		{ "0_W", "M", 0, 12 }, { "0_W", "V", 12, 12 }, { "0_b", "M", 24, 4 },
		{ "0_b", "V", 28, 4 }, { "1_W", "M", 32, 20 }, { "1_W", "V", 52, 20 },
		{ "1_b", "M", 72, 5 }, { "1_b", "V", 77, 5 },
	};

	(void)state;
	assert_int_equal(codec_updater_layout(m, 82, &u, &e), 0);
	check_layout(u, x, 8);
	codec_updater_free(u);
	model_free(m);
}

static void test_rmsprop(void **state)
{
	/* one state per element: slices coincide with the parameters, in both layouts */
	static const struct exp_slice x[] = {
		{ "0_W", "G", 0, 12 },
		{ "0_b", "G", 12, 4 },
		{ "1_W", "G", 16, 20 },
		{ "1_b", "G", 36, 5 },
	};

	(void)state;
	for (int legacy = 0; legacy < 2; legacy++) {
		struct model *m =
			mlp(legacy, legacy ? "RMSPROP" : "RmsProp", NULL, NULL, NULL, NULL);
		struct upd_layout *u = NULL;
		struct err e = { 0 };

		assert_int_equal(codec_updater_layout(m, 41, &u, &e), 0);
		check_layout(u, x, 4);
		codec_updater_free(u);
		model_free(m);
	}
}

static void test_nesterovs_full_class_name(void **state)
{
	struct model *m =
		mlp(false, "org.nd4j.linalg.learning.config.Nesterovs", NULL, NULL, NULL, NULL);
	struct upd_layout *u = NULL;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(codec_updater_layout(m, 41, &u, &e), 0);
	assert_int_equal(u->n, 4);
	assert_string_equal(u->s[2].state, "V");
	assert_int_equal(u->s[2].offset, 16);
	codec_updater_free(u);
	model_free(m);
}

static void test_sgd_no_state(void **state)
{
	struct model *m = mlp(false, "Sgd", NULL, NULL, NULL, NULL);
	struct upd_layout *u = NULL;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(codec_updater_layout(m, 0, &u, &e), 0);
	assert_int_equal(u->n, 0);
	codec_updater_free(u);
	u = NULL;
	assert_int_equal(codec_updater_layout(m, 41, &u, &e), -EBADMSG);
	assert_null(u);
	assert_string_equal(e.msg, "updater state holds 41 values, Sgd needs 0");
	model_free(m);
}

static void test_amsgrad_three_states(void **state)
{
	struct model *m = new_model(false);
	int l0 = add_layer(m, LK_DENSE, "d", "AMSGrad", NULL, NULL, NULL);
	struct upd_layout *u = NULL;
	struct err e = { 0 };
	static const struct exp_slice x[] = {
		{ "d_W", "M", 0, 2 }, { "d_b", "M", 2, 1 },	{ "d_W", "V", 3, 2 },
		{ "d_b", "V", 5, 1 }, { "d_W", "V_HAT", 6, 2 }, { "d_b", "V_HAT", 8, 1 },
	};

	(void)state;
	add_param(m, l0, "W", 2, 1, 'f');
	add_param(m, l0, "b", 1, 0, 'c');
	assert_int_equal(codec_updater_layout(m, 9, &u, &e), 0);
	check_layout(u, x, 6);
	codec_updater_free(u);
	model_free(m);
}

static void test_state_names(void **state)
{
	static const struct {
		const char *upd;
		int n;
		const char *names[3];
	} t[] = {
		{ "AdaGrad", 1, { "grad" } },	  { "AdaDelta", 2, { "msg", "msdx" } },
		{ "AdaMax", 2, { "M", "V" } },	  { "Nadam", 2, { "M", "V" } },
		{ "AdaBelief", 2, { "M", "S" } }, { "NONE", 0, { NULL } },
		{ "NoOp", 0, { NULL } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct model *m = new_model(false);
		int l0 = add_layer(m, LK_DENSE, "d", t[i].upd, NULL, NULL, NULL);
		struct upd_layout *u = NULL;
		struct err e = { 0 };

		add_param(m, l0, "W", 2, 2, 'f');
		assert_int_equal(codec_updater_layout(m, 4 * t[i].n, &u, &e), 0);
		assert_int_equal(u->n, t[i].n);
		for (int k = 0; k < t[i].n; k++) {
			assert_string_equal(u->s[k].state, t[i].names[k]);
			assert_int_equal(u->s[k].offset, 4 * k);
		}
		codec_updater_free(u);
		model_free(m);
	}
}

/* Dense (W [2,3], b [3]), BatchNormalization n=3, Output (W [3,2], b [2]): N = 29. */
static struct model *bn_model(void)
{
	struct model *m = new_model(false);
	int l0 = add_layer(m, LK_DENSE, "0", "Adam", NULL, NULL, NULL);
	int l1, l2;

	add_param(m, l0, "W", 2, 3, 'f');
	add_param(m, l0, "b", 3, 0, 'c');
	l1 = add_layer(m, LK_BATCHNORM, "1", "Adam", NULL, NULL, NULL);
	add_param(m, l1, "gamma", 3, 0, 'c');
	add_param(m, l1, "beta", 3, 0, 'c');
	add_param(m, l1, "mean", 3, 0, 'c');
	add_param(m, l1, "var", 3, 0, 'c');
	l2 = add_layer(m, LK_OUTPUT, "2", "Adam", NULL, NULL, NULL);
	add_param(m, l2, "W", 3, 2, 'f');
	add_param(m, l2, "b", 2, 0, 'c');
	assert_int_equal(m->n_coeffs, 29);
	return m;
}

static void test_batchnorm_stats_noop(void **state)
{
	/* BatchNormalization.getUpdaterByParam: mean/var -> NoOp, which also ends the block */
	struct model *m = bn_model();
	struct upd_layout *u = NULL;
	struct err e = { 0 };
	static const struct exp_slice x[] = {
		{ "0_W", "M", 0, 6 },	   { "0_b", "M", 6, 3 },     { "1_gamma", "M", 9, 3 },
		{ "1_beta", "M", 12, 3 },  { "0_W", "V", 15, 6 },    { "0_b", "V", 21, 3 },
		{ "1_gamma", "V", 24, 3 }, { "1_beta", "V", 27, 3 }, { "2_W", "M", 30, 6 },
		{ "2_b", "M", 36, 2 },	   { "2_W", "V", 38, 6 },    { "2_b", "V", 44, 2 },
	};

	(void)state;
	assert_int_equal(codec_updater_layout(m, 46, &u, &e), 0);
	check_layout(u, x, 12);
	codec_updater_free(u);
	model_free(m);
}

static void test_batchnorm_stats_fallback(void **state)
{
	/* a state of 2N only fits if mean/var carry state too: one block over everything */
	struct model *m = bn_model();
	struct upd_layout *u = NULL;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(codec_updater_layout(m, 58, &u, &e), 0);
	assert_int_equal(u->n, 16);
	assert_string_equal(u->s[4].key, "1_mean");
	assert_int_equal(u->s[4].offset, 15);
	assert_string_equal(u->s[8].key, "0_W");
	assert_string_equal(u->s[8].state, "V");
	assert_int_equal(u->s[8].offset, 29);
	codec_updater_free(u);
	model_free(m);
}

static void test_frozen_noop(void **state)
{
	struct model *m = mlp(false, "Adam", NULL, NULL, NULL, NULL);
	struct upd_layout *u = NULL;
	struct err e = { 0 };
	static const struct exp_slice x[] = {
		{ "1_W", "M", 0, 20 },
		{ "1_b", "M", 20, 5 },
		{ "1_W", "V", 25, 20 },
		{ "1_b", "V", 45, 5 },
	};

	(void)state;
	m->layers[0].frozen = true;
	assert_int_equal(codec_updater_layout(m, 50, &u, &e), 0);
	check_layout(u, x, 4);
	codec_updater_free(u);
	u = NULL;
	/* 1.0.0-alpha kept the wrapped layer's updater for frozen layers: one block of 41 */
	assert_int_equal(codec_updater_layout(m, 82, &u, &e), 0);
	assert_int_equal(u->n, 8);
	assert_int_equal(u->s[4].offset, 41);
	codec_updater_free(u);
	u = NULL;
	/* neither fits: the message reports the current rules */
	assert_int_equal(codec_updater_layout(m, 60, &u, &e), -EBADMSG);
	assert_string_equal(e.msg, "updater state holds 60 values, Adam needs 50");
	model_free(m);
}

static void test_opaque_layer_inherits(void **state)
{
	/* a custom layer with no updater between two Adam layers joins their block */
	struct model *m = new_model(false);
	int l0 = add_layer(m, LK_DENSE, "a", "Adam", "cfg", NULL, NULL);
	int l1 = add_layer(m, LK_OPAQUE, "custom", NULL, NULL, NULL, NULL);
	int l2 = add_layer(m, LK_OUTPUT, "c", "Adam", "cfg", NULL, NULL);
	struct upd_layout *u = NULL;
	struct err e = { 0 };
	static const struct exp_slice x[] = {
		{ "a_W", "M", 0, 2 }, { "custom_W", "M", 2, 3 },  { "c_W", "M", 5, 4 },
		{ "a_W", "V", 9, 2 }, { "custom_W", "V", 11, 3 }, { "c_W", "V", 14, 4 },
	};

	(void)state;
	add_param(m, l0, "W", 2, 0, 'c');
	add_param(m, l1, "W", 3, 0, 'c');
	add_param(m, l2, "W", 4, 0, 'c');
	assert_int_equal(codec_updater_layout(m, 18, &u, &e), 0);
	check_layout(u, x, 6);
	codec_updater_free(u);
	model_free(m);
}

static void test_bidirectional_uses_fwd(void **state)
{
	/* Bidirectional.getUpdaterByParam: fwd's updater for both halves; the bias updater of
	 * fwd applies to "fb" and "bb" */
	struct model *m = new_model(false);
	int l0 = add_layer(m, LK_BIDIRECTIONAL, "bi", NULL, NULL, NULL, NULL);
	struct layer *in = dl_calloc(1, sizeof(*in));
	struct upd_layout *u = NULL;
	struct err e = { 0 };
	static const struct exp_slice x[] = {
		{ "bi_fW", "M", 0, 2 }, { "bi_fW", "V", 2, 2 }, { "bi_fb", "G", 4, 1 },
		{ "bi_bW", "M", 5, 2 }, { "bi_bW", "V", 7, 2 }, { "bi_bb", "G", 9, 1 },
	};

	(void)state;
	assert_non_null(in);
	in->kind = LK_LSTM;
	in->updater = xdup("Adam");
	in->bias_updater = xdup("RmsProp");
	m->layers[l0].fwd = in;
	add_param(m, l0, "fW", 2, 0, 'c');
	add_param(m, l0, "fb", 1, 0, 'c');
	add_param(m, l0, "bW", 2, 0, 'c');
	add_param(m, l0, "bb", 1, 0, 'c');
	assert_int_equal(codec_updater_layout(m, 10, &u, &e), 0);
	check_layout(u, x, 6);
	codec_updater_free(u);
	model_free(m);
}

static void test_vae_pretrain_blocks(void **state)
{
	/* pretrain-only VAE params (pZXLogStd2*, d*, pXZ*) form their own block */
	static const char *const keys[] = { "e0W",	   "e0b",	  "pZXMeanW", "pZXMeanb",
					    "pZXLogStd2W", "pZXLogStd2b", "d0W",      "d0b",
					    "pXZW",	   "pXZb" };
	struct model *m = new_model(false);
	int l0 = add_layer(m, LK_DENSE, "0", "Adam", NULL, NULL, NULL);
	int l1, l2;
	struct upd_layout *u = NULL;
	struct err e = { 0 };

	(void)state;
	add_param(m, l0, "W", 1, 0, 'c');
	add_param(m, l0, "b", 1, 0, 'c');
	l1 = add_layer(m, LK_VAE, "1", "Adam", NULL, NULL, NULL);
	for (int i = 0; i < 10; i++)
		add_param(m, l1, keys[i], 1, 0, 'c');
	l2 = add_layer(m, LK_OUTPUT, "2", "Adam", NULL, NULL, NULL);
	add_param(m, l2, "W", 1, 0, 'c');
	add_param(m, l2, "b", 1, 0, 'c');
	assert_int_equal(codec_updater_layout(m, 28, &u, &e), 0);
	assert_int_equal(u->n, 28);
	/* block 1: 0_W 0_b e0W e0b pZXMeanW pZXMeanb -> M 0..5, V 6..11 */
	assert_string_equal(u->s[5].key, "1_pZXMeanb");
	assert_int_equal(u->s[5].offset, 5);
	assert_string_equal(u->s[6].key, "0_W");
	assert_string_equal(u->s[6].state, "V");
	assert_int_equal(u->s[6].offset, 6);
	/* block 2: pZXLogStd2W .. pXZb -> M 12..17, V 18..23 */
	assert_string_equal(u->s[12].key, "1_pZXLogStd2W");
	assert_int_equal(u->s[12].offset, 12);
	assert_string_equal(u->s[18].state, "V");
	assert_int_equal(u->s[18].offset, 18);
	/* block 3: 2_W 2_b -> M 24,25 V 26,27 */
	assert_string_equal(u->s[24].key, "2_W");
	assert_int_equal(u->s[24].offset, 24);
	assert_string_equal(u->s[27].key, "2_b");
	assert_int_equal(u->s[27].offset, 27);
	codec_updater_free(u);
	model_free(m);
}

static void test_center_loss_centres_noop(void **state)
{
	struct model *m = new_model(false);
	int l0 = add_layer(m, LK_CENTER_LOSS_OUTPUT, "c", "Adam", NULL, "Sgd", NULL);
	struct upd_layout *u = NULL;
	struct err e = { 0 };
	/* W and b use the layer updater (the bias updater is ignored), cL uses NoOp */
	static const struct exp_slice x[] = {
		{ "c_W", "M", 0, 6 },
		{ "c_b", "M", 6, 3 },
		{ "c_W", "V", 9, 6 },
		{ "c_b", "V", 15, 3 },
	};

	(void)state;
	add_param(m, l0, "W", 2, 3, 'f');
	add_param(m, l0, "b", 3, 0, 'c');
	add_param(m, l0, "cL", 3, 2, 'c');
	assert_int_equal(codec_updater_layout(m, 18, &u, &e), 0);
	check_layout(u, x, 4);
	codec_updater_free(u);
	model_free(m);
}

static void test_error_unknown_updater(void **state)
{
	struct model *m = mlp(false, "Lion", NULL, NULL, NULL, NULL);
	struct upd_layout *u = NULL;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(codec_updater_layout(m, 82, &u, &e), -ENOTSUP);
	assert_null(u);
	assert_string_equal(e.msg, "unsupported updater 'Lion' (layer '0', parameter 0_W)");
	model_free(m);
}

static void test_error_mismatch(void **state)
{
	struct model *m = mlp(false, "Adam", NULL, NULL, NULL, NULL);
	struct upd_layout *u = NULL;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(codec_updater_layout(m, 41, &u, &e), -EBADMSG);
	assert_null(u);
	assert_int_equal(e.code, -EBADMSG);
	assert_string_equal(e.msg, "updater state holds 41 values, Adam needs 82");
	model_free(m);

	/* two updaters holding state are both named */
	m = mlp(false, "Adam", NULL, "RmsProp", NULL, NULL);
	err_clear(&e);
	assert_int_equal(codec_updater_layout(m, 1, &u, &e), -EBADMSG);
	assert_string_equal(e.msg, "updater state holds 1 values, Adam+RmsProp needs 78");
	model_free(m);
}

static void test_error_no_updater_info(void **state)
{
	struct model *m = mlp(false, NULL, NULL, NULL, NULL, NULL);
	struct upd_layout *u = NULL;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(codec_updater_layout(m, 41, &u, &e), -ENOTSUP);
	assert_string_equal(e.msg,
			    "layer '0' has parameters but the configuration names no updater");
	/* with no state to split, no information is needed */
	err_clear(&e);
	assert_int_equal(codec_updater_layout(m, 0, &u, &e), 0);
	assert_int_equal(u->n, 0);
	codec_updater_free(u);
	model_free(m);
}

static void test_error_overflow(void **state)
{
	struct model *m = mlp(false, "AMSGrad", NULL, NULL, NULL, NULL);
	struct upd_layout *u = NULL;
	struct err e = { 0 };

	(void)state;
	m->params[0].count = INT64_MAX / 2;
	assert_int_equal(codec_updater_layout(m, 82, &u, &e), -EOVERFLOW);
	assert_string_equal(e.msg, "updater state size overflows");
	/* a negative count is refused the same way */
	err_clear(&e);
	m->params[0].count = -1;
	assert_int_equal(codec_updater_layout(m, 82, &u, &e), -EOVERFLOW);
	assert_string_equal(e.msg, "updater state size overflows");
	/* and so is a negative parameter total */
	err_clear(&e);
	m->n_params = -1;
	assert_int_equal(codec_updater_layout(m, 82, &u, &e), -EBADMSG);
	assert_string_equal(e.msg, "negative parameter count");
	m->n_params = 4;
	model_free(m);
}

static void test_oom(void **state)
{
	struct model *m = mlp(false, "Adam", NULL, NULL, NULL, NULL);
	int ok = 0;

	(void)state;
	for (long n = 1; n < 100 && !ok; n++) {
		struct upd_layout *u = NULL;
		struct err e = { 0 };
		int r;

		dl_alloc_fail_at(n);
		r = codec_updater_layout(m, 82, &u, &e);
		dl_alloc_fail_at(0);
		if (r == 0) {
			assert_int_equal(u->n, 8);
			codec_updater_free(u);
			ok = 1;
		} else {
			assert_int_equal(r, -ENOMEM);
			assert_null(u);
			assert_string_equal(e.msg, "out of memory splitting the updater state");
		}
	}
	assert_true(ok);
	model_free(m);
}

/* ------------------------------------------------------------ corpus */

#define CORPUS DLFS_CORPUS_DIR

/* Minimal ND4J header walk (FORMAT.md 2.1): element count, type and data offset of the
 * data buffer. Independent of codec/nd4j.c. */
struct mini_arr {
	int64_t n;
	size_t data_off;
	int elem; /* 2, 4 or 8 */
	char type[16];
};

static uint64_t be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int mini_buf(const unsigned char *b, size_t len, size_t *o, int64_t *n, char *type, int *esz)
{
	size_t l = (size_t)be(b + *o, 2);
	char mode[32] = { 0 };
	int wide;

	if (*o + 2 + l > len || l >= sizeof(mode))
		return -1;
	memcpy(mode, b + *o + 2, l);
	*o += 2 + l;
	wide = !strcmp(mode, "LONG_SHAPE") || !strcmp(mode, "MIXED_DATA_TYPES");
	*n = (int64_t)be(b + *o, wide ? 8 : 4);
	*o += wide ? 8 : 4;
	l = (size_t)be(b + *o, 2);
	if (l >= 16)
		return -1;
	memcpy(type, b + *o + 2, l);
	type[l] = 0;
	*o += 2 + l;
	*esz = !strcmp(type, "DOUBLE") || !strcmp(type, "LONG") ? 8 : !strcmp(type, "HALF") ? 2 : 4;
	return 0;
}

static int mini_parse(const unsigned char *b, size_t len, struct mini_arr *a)
{
	size_t o = 0;
	int64_t n;
	char type[16];
	int esz;

	if (mini_buf(b, len, &o, &n, type, &esz))
		return -1;
	o += (size_t)n * (size_t)esz;
	if (mini_buf(b, len, &o, &a->n, a->type, &a->elem))
		return -1;
	a->data_off = o;
	return 0;
}

static double mini_get(const unsigned char *b, const struct mini_arr *a, int64_t i)
{
	const unsigned char *p = b + a->data_off + (size_t)i * (size_t)a->elem;
	uint64_t v = be(p, a->elem);

	if (a->elem == 8) {
		double d;

		memcpy(&d, &v, 8);
		return d;
	}
	if (a->elem == 4) {
		uint32_t w = (uint32_t)v;
		float f;

		memcpy(&f, &w, 4);
		return (double)f;
	}
	return 0.0; /* HALF not needed here */
}

struct corpus_case {
	const char *path;
	int64_t n, m;	 /* known parameter and state lengths */
	bool ramp;	 /* 0.5.0 / 0.8.0 regression files: state = 1..M */
	const char *upd; /* state name of the first slice */
};

static const struct corpus_case corpus_cases[] = {
	{ "dl4j-test-resources/regression_testing/050/050_ModelSerializer_Regression_MLP_1.zip", 41,
	  41, true, "V" },
	{ "dl4j-test-resources/regression_testing/050/050_ModelSerializer_Regression_MLP_2.zip", 41,
	  41, true, "G" },
	{ "dl4j-test-resources/regression_testing/050/050_ModelSerializer_Regression_CNN_1.zip",
	  10184, 10184, true, "G" },
	{ "dl4j-test-resources/regression_testing/080/080_ModelSerializer_Regression_MLP_1.zip", 41,
	  41, true, NULL },
	{ "dl4j-test-resources/regression_testing/080/080_ModelSerializer_Regression_MLP_2.zip", 41,
	  41, true, NULL },
	{ "dl4j-test-resources/regression_testing/080/080_ModelSerializer_Regression_CNN_1.zip",
	  10184, 10184, true, NULL },
	{ "dl4j-test-resources/regression_testing/080/080_ModelSerializer_Regression_LSTM_1.zip",
	  477, 477, true, NULL },
	{ "dl4j-test-resources/regression_testing/080/"
	  "080_ModelSerializer_Regression_CG_LSTM_1.zip",
	  477, 477, true, NULL },
	{ "dl4j-test-resources/regression_testing/100a/CustomLayerExample_100a.bin", 149, 149,
	  false, "G" },
	{ "dl4j-test-resources/regression_testing/100a/CustomLayerExample_Graph_100a.bin", 149, 149,
	  false, "G" },
	{ "dl4j-test-resources/regression_testing/100b6/CustomLayerExample_100b6_double.bin", 149,
	  149, false, NULL },
	{ "dl4j-test-resources/regression_testing/100b6/CustomLayerExample_100b6_float.bin", 149,
	  149, false, NULL },
	{ "dl4j-test-resources/regression_testing/100b6/CustomLayerExample_100b6_half.bin", 149,
	  149, false, NULL },
	{ "dl4j-test-resources/regression_testing/100b6/SyntheticCNN_100b6.bin", 1304, 2608, false,
	  "M" },
	{ "dl4j-test-resources/regression_testing/100b6/SyntheticBidirectionalRNNGraph_100b6.bin",
	  4515, 9030, false, "M" },
	{ "dl4j-test-resources/dl4j-integration-tests/MLPMoon/Model_RANDOM_INIT_UNTRAINED.zip", 102,
	  102, false, NULL },
	{ "dl4j-test-resources/dl4j-integration-tests/MLPMnist/Model_RANDOM_INIT_UNTRAINED.zip",
	  50890, 101780, false, "M" },
	{ "dl4j-test-resources/dl4j-integration-tests/RnnCsvSequenceClassification1/"
	  "Model_RANDOM_INIT_UNTRAINED.zip",
	  546, 1092, false, "M" },
	{ "dl4j-test-resources/dl4j-integration-tests/RnnCsvSequenceClassification2/"
	  "Model_RANDOM_INIT_UNTRAINED.zip",
	  1086, 2172, false, "M" },
	{ "wild/FlorianPuchhammer__ssj__Step1.zip", 9, 18, false, NULL },
	{ "wild/Hwanghyebin99__Refresh_RestApi_Server__MyMultiLayerNetwork.zip", 29883, 59766,
	  false, NULL },
	{ "wild/Well5a__Dl4jRNNRegressionTest__bestModel.bin", 2726, 2726, false, NULL },
	{ "wild/deeplearning4j__deeplearning4j-examples__NewsModel.net", 242204, 242204, false,
	  NULL },
	{ "wild/rahul-raj__Java-Deep-Learning-Cookbook__model.zip", 152, 304, false, NULL },
};

static bool corpus_present(void)
{
	struct stat st;

	if (stat(CORPUS, &st) || !S_ISDIR(st.st_mode)) {
		print_message("corpus folder %s is absent: skipping corpus tests\n", CORPUS);
		return false;
	}
	return true;
}

static void test_corpus(void **state)
{
	int tested = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(corpus_cases) / sizeof(corpus_cases[0]); i++) {
		const struct corpus_case *c = &corpus_cases[i];
		char path[1024];
		unsigned char *json, *st;
		size_t jlen = 0, slen = 0;
		struct model *m = NULL;
		struct upd_layout *u = NULL;
		struct mini_arr a;
		struct err e = { 0 };
		int64_t covered = 0;

		snprintf(path, sizeof(path), "%s/%s", CORPUS, c->path);
		json = unzip_member(path, "configuration.json", &jlen);
		st = unzip_member(path, "updaterState.bin", &slen);
		if (!json || !st)
			fail_msg("%s: cannot read entries", c->path);
		assert_int_equal(mini_parse(st, slen, &a), 0);
		assert_int_equal(a.n, c->m);

		if (codec_conf_parse((const char *)json, jlen, &m, &e))
			fail_msg("%s: conf: %s", c->path, e.msg);
		if (codec_layout(m, c->n, &e))
			fail_msg("%s: layout: %s", c->path, e.msg);
		if (codec_updater_layout(m, a.n, &u, &e))
			fail_msg("%s: updater: %s", c->path, e.msg);

		/* the slices tile [0, M) exactly, in order */
		for (int s = 0; s < u->n; s++) {
			if (u->s[s].offset != covered)
				fail_msg("%s: slice %d (%s/%s) at %lld, expected %lld", c->path, s,
					 u->s[s].key, u->s[s].state, (long long)u->s[s].offset,
					 (long long)covered);
			assert_int_equal(u->s[s].count, m->params[u->s[s].param].count);
			covered += u->s[s].count;
		}
		assert_int_equal(covered, c->m);
		if (c->upd)
			assert_string_equal(u->s[0].state, c->upd);
		if (c->ramp) {
			for (int s = 0; s < u->n; s++) {
				double v = mini_get(st, &a, u->s[s].offset);

				if (v != (double)(u->s[s].offset + 1))
					fail_msg("%s: slice %s/%s starts with %g, expected %lld",
						 c->path, u->s[s].key, u->s[s].state, v,
						 (long long)u->s[s].offset + 1);
			}
		}
		codec_updater_free(u);
		model_free(m);
		free(json);
		free(st);
		tested++;
	}
	assert_int_equal(tested, (int)(sizeof(corpus_cases) / sizeof(corpus_cases[0])));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adam_single_block),
		cmocka_unit_test(test_adam_two_blocks_bias_updater),
		cmocka_unit_test(test_adam_two_blocks_layers),
		cmocka_unit_test(test_legacy_adam_per_param),
		cmocka_unit_test(test_rmsprop),
		cmocka_unit_test(test_nesterovs_full_class_name),
		cmocka_unit_test(test_sgd_no_state),
		cmocka_unit_test(test_amsgrad_three_states),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_batchnorm_stats_noop),
		cmocka_unit_test(test_batchnorm_stats_fallback),
		cmocka_unit_test(test_frozen_noop),
		cmocka_unit_test(test_opaque_layer_inherits),
		cmocka_unit_test(test_bidirectional_uses_fwd),
		cmocka_unit_test(test_vae_pretrain_blocks),
		cmocka_unit_test(test_center_loss_centres_noop),
		cmocka_unit_test(test_error_unknown_updater),
		cmocka_unit_test(test_error_mismatch),
		cmocka_unit_test(test_error_no_updater_info),
		cmocka_unit_test(test_error_overflow),
		cmocka_unit_test(test_oom),
	};
	const struct CMUnitTest corpus[] = {
		cmocka_unit_test(test_corpus),
	};
	int r = cmocka_run_group_tests_name("updater", tests, NULL, NULL);

	if (!corpus_present())
		return r ? r : 77;
	return r | cmocka_run_group_tests_name("updater_corpus", corpus, NULL, NULL);
}
