/* test_dense.c - the layers of engine/layers/dense.c, driven one by one through their
 * struct eng_impl with hand-built layers and parameters. Expected values are worked out by
 * hand in the comments, or with numpy (float64) where a transcendental function is involved
 * (the numpy expression is given beside the numbers).
 *
 * The common weights: W = [[1,2],[3,4],[5,6]] (nIn 3, nOut 2), stored as DL4J's 'f'-order
 * slice 1,3,5,2,4,6; b = [0.5,-1]; x = [[1,2,3],[-1,0,1]].
 * xW = [[22,28],[4,4]], xW + b = [[22.5,27],[4.5,3]].
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the headers above */
#include <cmocka.h>

#include "engine/engine_int.h"

static const struct eng_impl *table[LK__COUNT];

static char k_W[] = "W", k_b[] = "b", k_g[] = "g", k_cL[] = "cL", k_vb[] = "vb";
static char lname[] = "L";

static const float W_f[] = { 1, 3, 5, 2, 4, 6 };
static const float W_c[] = { 1, 2, 3, 4, 5, 6 };
static const float b2[] = { 0.5f, -1.0f };
static const float x23[] = { 1, 2, 3, -1, 0, 1 };

struct fixture {
	struct layer conf;
	struct param p[4];
	struct elayer l;
	float *scratch;
};

static void init_layer(struct fixture *f, enum layer_kind kind, enum act_kind act)
{
	memset(f, 0, sizeof(*f));
	f->conf.kind = kind;
	f->conf.name = lname;
	f->conf.has_bias = true;
	f->conf.n_in = f->conf.n_out = -1;
	f->conf.act.kind = act;
	f->conf.act.p[0] = f->conf.act.p[1] = f->conf.act.p[2] = (double)NAN;
	f->l.conf = &f->conf;
}

/* Appends parameter `key` of the given shape/order with data w. */
static void add_param(struct fixture *f, char *key, int rank, int64_t d0, int64_t d1, char order,
		      const float *w)
{
	struct param *p = &f->p[f->l.n_w];

	p->key = key;
	p->short_key = key;
	p->rank = rank;
	p->shape[0] = d0;
	p->shape[1] = d1;
	p->order = order;
	p->count = rank == 1 ? d0 : d0 * d1;
	f->l.w[f->l.n_w] = w;
	f->l.wp[f->l.n_w] = p;
	f->l.n_w++;
}

static void dense_params(struct fixture *f, bool bias)
{
	add_param(f, k_W, 2, 3, 2, 'f', W_f);
	if (bias)
		add_param(f, k_b, 2, 1, 2, 'c', b2);
}

static int bind(struct fixture *f, struct err *e)
{
	const struct eng_impl *im = table[f->conf.kind];

	assert_non_null(im);
	return im->bind ? im->bind(&f->l, e) : 0;
}

static void set_in(struct fixture *f, int rank, const int64_t *d)
{
	f->l.in.rank = rank;
	for (int i = 0; i < rank; i++)
		f->l.in.d[i] = d[i];
}

static int infer(struct fixture *f, int rank, const int64_t *d, struct err *e)
{
	set_in(f, rank, d);
	return table[f->conf.kind]->infer(&f->l, e);
}

/* bind + infer + forward; returns the output (malloc). */
static float *run(struct fixture *f, int rank, const int64_t *d, const float *x)
{
	struct err e = { 0 };
	float *y;

	if (!f->l.priv && bind(f, &e)) {
		print_error("bind: %s\n", e.msg);
		return NULL;
	}
	if (infer(f, rank, d, &e)) {
		print_error("infer: %s\n", e.msg);
		return NULL;
	}
	y = malloc((size_t)eshape_numel(&f->l.out) * sizeof(float));
	free(f->scratch);
	f->scratch = malloc((f->l.scratch + 1) * sizeof(float));
	table[f->conf.kind]->forward(&f->l, x, y, f->scratch);
	return y;
}

static void done(struct fixture *f)
{
	const struct eng_impl *im = table[f->conf.kind];

	if (f->l.priv && im->free_priv)
		im->free_priv(&f->l);
	assert_null(f->l.priv);
	free(f->scratch);
	f->scratch = NULL;
}

static void expect(const float *got, const float *want, int n, float tol)
{
	for (int i = 0; i < n; i++)
		if (!(fabsf(got[i] - want[i]) <= tol * fmaxf(1.0f, fabsf(want[i])))) {
			print_error("[%d]: got %.9g want %.9g\n", i, (double)got[i],
				    (double)want[i]);
			fail();
		}
}

static void expect_err(int rc, int code, const struct err *e, const char *msg)
{
	assert_int_equal(rc, code);
	if (!strstr(e->msg, msg)) {
		print_error("message '%s' lacks '%s'\n", e->msg, msg);
		fail();
	}
}

/* ------------------------------------------------------------------ dense family */

static void test_dense(void **state)
{
	static const int64_t d2[2] = { 2, 3 }, d1[2] = { 1, 3 };
	struct fixture f;
	float *y;

	(void)state;
	/* identity, batch 2 (sgemm): [[22.5,27],[4.5,3]] */
	init_layer(&f, LK_DENSE, ACT_IDENTITY);
	dense_params(&f, true);
	y = run(&f, 2, d2, x23);
	assert_non_null(y);
	assert_int_equal(f.l.out.rank, 2);
	assert_int_equal(f.l.out.d[0], 2);
	assert_int_equal(f.l.out.d[1], 2);
	expect(y, (const float[]){ 22.5f, 27, 4.5f, 3 }, 4, 1e-6f);
	free(y);
	/* batch 1 (sgemv), row 1 alone: [4.5, 3] */
	y = run(&f, 2, d1, x23 + 3);
	expect(y, (const float[]){ 4.5f, 3 }, 2, 1e-6f);
	free(y);
	done(&f);

	/* relu and no bias: xW = [[22,28],[4,4]]; x = [[-1,0,1]] alone: W^T x = [4,4] */
	init_layer(&f, LK_DENSE, ACT_RELU);
	f.conf.has_bias = false;
	dense_params(&f, false);
	y = run(&f, 2, d2, (const float[]){ 1, 2, 3, -1, -2, -3 });
	expect(y, (const float[]){ 22, 28, 0, 0 }, 4, 1e-6f); /* row 1: -22,-28 -> 0 */
	free(y);
	done(&f);

	/* W stored 'c' [nIn, nOut] gives the same product */
	init_layer(&f, LK_DENSE, ACT_IDENTITY);
	add_param(&f, k_W, 2, 3, 2, 'c', W_c);
	add_param(&f, k_b, 2, 1, 2, 'c', b2);
	y = run(&f, 2, d2, x23);
	expect(y, (const float[]){ 22.5f, 27, 4.5f, 3 }, 4, 1e-6f);
	free(y);
	y = run(&f, 2, d1, x23);
	expect(y, (const float[]){ 22.5f, 27 }, 2, 1e-6f);
	free(y);
	done(&f);
}

/* hasLayerNorm: xW row 0 [22,28] -> mean 25, population std 3 -> [-1,1]; times g [0.5,2]
 * -> [-0.5,2]; plus b -> [0,1]. Row 1 [4,4] has std 0 -> 0 (DL4J replaces the NaN) -> b. */
static void test_dense_layer_norm(void **state)
{
	static const int64_t d2[2] = { 2, 3 };
	static const float g[2] = { 0.5f, 2.0f };
	struct fixture f;
	float *y;

	(void)state;
	init_layer(&f, LK_DENSE, ACT_IDENTITY);
	f.conf.has_layer_norm = true;
	dense_params(&f, true);
	add_param(&f, k_g, 2, 1, 2, 'c', g);
	y = run(&f, 2, d2, x23);
	expect(y, (const float[]){ 0, 1, 0.5f, -1 }, 4, 1e-6f);
	free(y);
	done(&f);
}

/* softmax of [[22.5,27],[4.5,3]]: numpy exp(z-max)/sum -> 0.0109869426, 0.989013057,
 * 0.817574476, 0.182425524 */
static void test_output_layers(void **state)
{
	static const int64_t d2[2] = { 2, 3 };
	static const float sm[4] = { 0.0109869426f, 0.989013057f, 0.817574476f, 0.182425524f };
	static const float cl[6] = { 9, 9, 9, 9, 9, 9 }, vb[3] = { 7, 7, 7 };
	struct fixture f;
	float *y;

	(void)state;
	init_layer(&f, LK_OUTPUT, ACT_SOFTMAX);
	dense_params(&f, true);
	y = run(&f, 2, d2, x23);
	expect(y, sm, 4, 1e-6f);
	free(y);
	done(&f);

	/* CenterLossOutputLayer: cL [nOut, nIn] is training-only */
	init_layer(&f, LK_CENTER_LOSS_OUTPUT, ACT_SOFTMAX);
	dense_params(&f, true);
	add_param(&f, k_cL, 2, 2, 3, 'c', cl);
	y = run(&f, 2, d2, x23);
	expect(y, sm, 4, 1e-6f);
	free(y);
	done(&f);

	/* AutoEncoder at inference = encoder sigmoid(xW + b); vb is the decoder's bias:
	 * numpy 1/(1+exp(-z)) -> 1, 1, 0.989013057, 0.952574127 */
	init_layer(&f, LK_AUTOENCODER, ACT_SIGMOID);
	dense_params(&f, true);
	add_param(&f, k_vb, 2, 1, 3, 'c', vb);
	y = run(&f, 2, d2, x23);
	expect(y, (const float[]){ 1, 1, 0.989013057f, 0.952574127f }, 4, 1e-6f);
	free(y);
	done(&f);
}

/* RnnOutputLayer on x [N=2, nIn=3, T=2] = [[[1,0],[2,1],[3,-1]], [[-1,2],[0,0],[1,1]]]:
 * step (b=0,t=0) = [1,2,3] -> z [22.5,27]; (0,1) = [0,1,-1] -> [3-5+.5, 4-6-1] = [-1.5,-3];
 * (1,0) = [-1,0,1] -> [4.5,3]; (1,1) = [2,0,1] -> [2+5+.5, 4+6-1] = [7.5,9].
 * Output [N, nOut, T]: [[[22.5,-1.5],[27,-3]], [[4.5,7.5],[3,9]]]. */
static void test_rnn_output(void **state)
{
	static const int64_t d3[3] = { 2, 3, 2 };
	static const float x3[12] = { 1, 0, 2, 1, 3, -1, -1, 2, 0, 0, 1, 1 };
	struct fixture f;
	float *y;

	(void)state;
	init_layer(&f, LK_RNN_OUTPUT, ACT_IDENTITY);
	dense_params(&f, true);
	y = run(&f, 3, d3, x3);
	assert_int_equal(f.l.out.rank, 3);
	assert_int_equal(f.l.out.d[1], 2);
	assert_int_equal(f.l.out.d[2], 2);
	expect(y, (const float[]){ 22.5f, -1.5f, 27, -3, 4.5f, 7.5f, 3, 9 }, 8, 1e-6f);
	free(y);
	done(&f);

	/* softmax over nOut per step (numpy, axis 1) */
	init_layer(&f, LK_RNN_OUTPUT, ACT_SOFTMAX);
	dense_params(&f, true);
	y = run(&f, 3, d3, x3);
	expect(y,
	       (const float[]){ 0.0109869426f, 0.817574476f, 0.989013057f, 0.182425524f,
				0.817574476f, 0.182425524f, 0.182425524f, 0.817574476f },
	       8, 1e-6f);
	free(y);
	done(&f);

	init_layer(&f, LK_RNN_OUTPUT, ACT_LOGSOFTMAX);
	dense_params(&f, true);
	y = run(&f, 3, d3, x3);
	expect(y,
	       (const float[]){ -4.51104774f, -0.201413278f, -0.0110477448f, -1.70141328f,
				-0.201413278f, -1.70141328f, -1.70141328f, -0.201413278f },
	       8, 2e-6f);
	free(y);
	done(&f);
}

/* ------------------------------------------------------------------ activation-only layers */

static void test_activation_layers(void **state)
{
	static const int64_t d4[4] = { 1, 2, 1, 2 }, d3[3] = { 2, 2, 3 }, d2[2] = { 2, 3 };
	static const float a3[12] = { 1, 2, 3, 0, 0, 1, 2, 2, 2, 5, -5, 0 };
	struct fixture f;
	float *y;

	(void)state;
	/* ActivationLayer relu on rank 4 */
	init_layer(&f, LK_ACTIVATION, ACT_RELU);
	y = run(&f, 4, d4, (const float[]){ -1, 2, 3, -4 });
	assert_int_equal(f.l.out.rank, 4);
	expect(y, (const float[]){ 0, 2, 3, 0 }, 4, 0);
	free(y);
	done(&f);

	/* softmax on rank 3 acts on the last dimension (numpy axis -1) */
	init_layer(&f, LK_ACTIVATION, ACT_SOFTMAX);
	y = run(&f, 3, d3, a3);
	expect(y,
	       (const float[]){ 0.0900305732f, 0.244728471f, 0.665240956f, 0.211941558f,
				0.211941558f, 0.576116885f, 0.333333333f, 0.333333333f,
				0.333333333f, 0.993262357f, 4.50940412e-05f, 0.00669254912f },
	       12, 1e-6f);
	free(y);
	done(&f);

	/* LossLayer: activation only; softmax rows as OutputLayer gives */
	init_layer(&f, LK_LOSS, ACT_SOFTMAX);
	y = run(&f, 2, (const int64_t[]){ 2, 2 }, (const float[]){ 22.5f, 27, 4.5f, 3 });
	expect(y, (const float[]){ 0.0109869426f, 0.989013057f, 0.817574476f, 0.182425524f }, 4,
	       1e-6f);
	free(y);
	done(&f);

	/* DropoutLayer: identity at inference, whatever its activation says */
	init_layer(&f, LK_DROPOUT, ACT_SIGMOID);
	y = run(&f, 2, d2, x23);
	expect(y, x23, 6, 0);
	free(y);
	done(&f);
}

/* RnnLossLayer [1, 3, 2] = [[1,2],[0,-1],[3,0.5]]: softmax over the 3 channels per step
 * (numpy axis 1); CnnLossLayer [1, 2, 2, 2]: softmax over the 2 channels per pixel. */
static void test_channel_loss_layers(void **state)
{
	static const int64_t r3[3] = { 1, 3, 2 }, c4[4] = { 1, 2, 2, 2 };
	static const float rx[6] = { 1, 2, 0, -1, 3, 0.5f };
	static const float cx[8] = { 1, 2, 3, 4, 0, 5, -1, 4 };
	struct fixture f;
	float *y;

	(void)state;
	init_layer(&f, LK_RNN_LOSS, ACT_SOFTMAX);
	y = run(&f, 3, r3, rx);
	expect(y,
	       (const float[]){ 0.114195199f, 0.785597035f, 0.0420100661f, 0.0391125733f,
				0.843794734f, 0.175290392f },
	       6, 1e-6f);
	free(y);
	done(&f);

	init_layer(&f, LK_RNN_LOSS, ACT_LOGSOFTMAX);
	y = run(&f, 3, r3, rx);
	expect(y,
	       (const float[]){ -2.16984602f, -0.241311297f, -3.16984602f, -3.2413113f,
				-0.16984602f, -1.7413113f },
	       6, 2e-6f);
	free(y);
	done(&f);

	init_layer(&f, LK_RNN_LOSS, ACT_TANH); /* element-wise: tanh(0) = 0, tanh(1) ... */
	y = run(&f, 3, r3, (const float[]){ 0, 0, 0, 0, 0, 0 });
	expect(y, (const float[]){ 0, 0, 0, 0, 0, 0 }, 6, 0);
	free(y);
	done(&f);

	init_layer(&f, LK_CNN_LOSS, ACT_SOFTMAX);
	y = run(&f, 4, c4, cx);
	expect(y,
	       (const float[]){ 0.731058579f, 0.0474258732f, 0.98201379f, 0.5f, 0.268941421f,
				0.952574127f, 0.01798621f, 0.5f },
	       8, 1e-6f);
	free(y);
	done(&f);
}

/* ------------------------------------------------------------------ embeddings */

/* E [4, 3] = [[.1,.2,.3],[1,2,3],[-1,-2,-3],[5,6,7]], 'f' slice below; b = [10,20,30]. */
static const float E_f[12] = { 0.1f, 1, -1, 5, 0.2f, 2, -2, 6, 0.3f, 3, -3, 7 };
static const float E_b[3] = { 10, 20, 30 };

static void emb_params(struct fixture *f)
{
	add_param(f, k_W, 2, 4, 3, 'f', E_f);
	add_param(f, k_b, 2, 1, 3, 'c', E_b);
}

static void test_embedding(void **state)
{
	static const int64_t d[2] = { 5, 1 };
	struct fixture f;
	float *y;

	(void)state;
	/* indices 2, 0, 3.7 (Java's (int) -> 3), -0.5 (-> 0), 4 (no such row -> NaN) */
	init_layer(&f, LK_EMBEDDING, ACT_IDENTITY);
	emb_params(&f);
	y = run(&f, 2, d, (const float[]){ 2, 0, 3.7f, -0.5f, 4 });
	assert_int_equal(f.l.out.d[0], 5);
	assert_int_equal(f.l.out.d[1], 3);
	expect(y,
	       (const float[]){ 9, 18, 27, 10.1f, 20.2f, 30.3f, 15, 26, 37, 10.1f, 20.2f, 30.3f },
	       12, 1e-6f);
	assert_true(isnan(y[12]) && isnan(y[13]) && isnan(y[14]));
	free(y);
	done(&f);
}

/* EmbeddingSequenceLayer: indices [N=2, T=3] = [[1,0,3],[2,2,1]], no bias:
 * out[b, :, t] = E[idx] -> b0: columns E1,E0,E3; b1: E2,E2,E1. As [N, nOut, T]:
 * b0: [[1,.1,5],[2,.2,6],[3,.3,7]]; b1: [[-1,-1,1],[-2,-2,2],[-3,-3,3]]. */
static void test_embedding_seq(void **state)
{
	static const int64_t d2[2] = { 2, 3 }, d3[3] = { 2, 1, 3 };
	static const float idx[6] = { 1, 0, 3, 2, 2, 1 };
	static const float want[18] = { 1,  0.1f, 5, 2,	 0.2f, 6, 3,  0.3f, 7,
					-1, -1,	  1, -2, -2,   2, -3, -3,   3 };
	struct fixture f;
	float *y;

	(void)state;
	init_layer(&f, LK_EMBEDDING_SEQ, ACT_IDENTITY);
	f.conf.has_bias = false;
	add_param(&f, k_W, 2, 4, 3, 'f', E_f);
	y = run(&f, 2, d2, idx);
	assert_int_equal(f.l.out.rank, 3);
	assert_int_equal(f.l.out.d[1], 3);
	assert_int_equal(f.l.out.d[2], 3);
	expect(y, want, 18, 1e-6f);
	free(y);
	y = run(&f, 3, d3, idx); /* [N, 1, T] is the same */
	expect(y, want, 18, 1e-6f);
	free(y);
	done(&f);

	/* with bias: b0 column t=0 = E1 + b = [11,22,33] */
	init_layer(&f, LK_EMBEDDING_SEQ, ACT_IDENTITY);
	emb_params(&f);
	y = run(&f, 2, d2, idx);
	assert_float_equal(y[0], 11.0f, 1e-6f);
	assert_float_equal(y[3], 22.0f, 1e-6f);
	assert_float_equal(y[6], 33.0f, 1e-6f);
	free(y);
	done(&f);
}

/* ------------------------------------------------------------------ PReLU, element-wise mult */

static void test_prelu(void **state)
{
	static const int64_t d[3] = { 1, 2, 3 };
	/* x [1, C=2, 3] */
	static const float x[6] = { -1, 2, -3, -4, 5, -6 };
	/* shared axis 2: alpha [2, 1] = [0.1, 0.5] per channel */
	static const float a_shared[2] = { 0.1f, 0.5f };
	/* no sharing: alpha logical [[1,2,3],[4,5,6]] stored 'f': 1,4,2,5,3,6 */
	static const float a_full[6] = { 1, 4, 2, 5, 3, 6 };
	struct fixture f;
	float *y;

	(void)state;
	init_layer(&f, LK_PRELU, ACT_IDENTITY);
	f.conf.n_input_shape = 2;
	f.conf.input_shape[0] = 2;
	f.conf.input_shape[1] = 3;
	f.conf.n_shared_axes = 1;
	f.conf.shared_axes[0] = 2;
	add_param(&f, k_W, 2, 2, 1, 'f', a_shared);
	y = run(&f, 3, d, x);
	expect(y, (const float[]){ -0.1f, 2, -0.3f, -2, 5, -3 }, 6, 1e-6f);
	free(y);
	done(&f);

	init_layer(&f, LK_PRELU, ACT_IDENTITY);
	f.conf.n_input_shape = 2;
	f.conf.input_shape[0] = 2;
	f.conf.input_shape[1] = 3;
	add_param(&f, k_W, 2, 2, 3, 'f', a_full);
	y = run(&f, 3, d, x);
	/* x*alpha where x < 0: -1*1, 2, -3*3, -4*4, 5, -6*6 */
	expect(y, (const float[]){ -1, 2, -9, -16, 5, -36 }, 6, 1e-6f);
	free(y);
	done(&f);
}

/* tanh(x*W + b) with W [2,3,-1], b [.1,.2,.3] (numpy) */
static void test_elementwise_mult(void **state)
{
	static const int64_t d[2] = { 2, 3 };
	static const float w[3] = { 2, 3, -1 }, b[3] = { 0.1f, 0.2f, 0.3f };
	struct fixture f;
	float *y;

	(void)state;
	init_layer(&f, LK_ELEMENTWISE_MULT, ACT_TANH);
	add_param(&f, k_W, 2, 1, 3, 'c', w);
	add_param(&f, k_b, 2, 1, 3, 'c', b);
	y = run(&f, 2, d, (const float[]){ 1, -2, 3, 0.5f, 0, -1 });
	expect(y,
	       (const float[]){ 0.970451937f, -0.999981668f, -0.991007454f, 0.800499022f,
				0.19737532f, 0.861723159f },
	       6, 1e-6f);
	free(y);
	done(&f);
}

/* ------------------------------------------------------------------ errors */

static void test_errors(void **state)
{
	static const int64_t d3[3] = { 2, 3, 1 }, d24[2] = { 2, 4 }, d22[2] = { 2, 2 };
	static const float b3[3] = { 1, 2, 3 };
	struct fixture f;
	struct err e;

	(void)state;
	/* missing W */
	init_layer(&f, LK_DENSE, ACT_IDENTITY);
	memset(&e, 0, sizeof(e));
	expect_err(bind(&f, &e), -EINVAL, &e, "layer 'L' (DenseLayer): parameter W is missing");
	/* b of the wrong length */
	init_layer(&f, LK_OUTPUT, ACT_IDENTITY);
	add_param(&f, k_W, 2, 3, 2, 'f', W_f);
	add_param(&f, k_b, 2, 1, 3, 'c', b3);
	memset(&e, 0, sizeof(e));
	expect_err(bind(&f, &e), -EINVAL, &e,
		   "layer 'L' (OutputLayer): parameter b has 3 values, expected 2");
	assert_null(f.l.priv);
	/* layer norm without g */
	init_layer(&f, LK_DENSE, ACT_IDENTITY);
	f.conf.has_layer_norm = true;
	dense_params(&f, true);
	memset(&e, 0, sizeof(e));
	expect_err(bind(&f, &e), -EINVAL, &e, "layer 'L' (DenseLayer): parameter g is missing");
	/* W not a matrix */
	init_layer(&f, LK_DENSE, ACT_IDENTITY);
	add_param(&f, k_W, 1, 6, 1, 'f', W_f);
	memset(&e, 0, sizeof(e));
	expect_err(bind(&f, &e), -EINVAL, &e, "W is not a [nIn, nOut] matrix");

	/* dense: rank 3 input, wrong nIn */
	init_layer(&f, LK_DENSE, ACT_IDENTITY);
	dense_params(&f, true);
	memset(&e, 0, sizeof(e));
	assert_int_equal(bind(&f, &e), 0);
	expect_err(infer(&f, 3, d3, &e), -EINVAL, &e,
		   "layer 'L' (DenseLayer): input [2,3,1] is not rank 2 (a preprocessor is "
		   "missing)");
	memset(&e, 0, sizeof(e));
	expect_err(infer(&f, 2, d24, &e), -EINVAL, &e,
		   "layer 'L' (DenseLayer): input has 4 features, nIn is 3");
	done(&f);

	/* RnnOutputLayer: rank 2, wrong nIn */
	init_layer(&f, LK_RNN_OUTPUT, ACT_IDENTITY);
	dense_params(&f, true);
	memset(&e, 0, sizeof(e));
	assert_int_equal(bind(&f, &e), 0);
	expect_err(infer(&f, 2, d24, &e), -EINVAL, &e,
		   "layer 'L' (RnnOutputLayer): input [2,4] is not rank 3 [N, nIn, T]");
	memset(&e, 0, sizeof(e));
	expect_err(infer(&f, 3, (const int64_t[]){ 2, 4, 5 }, &e), -EINVAL, &e,
		   "layer 'L' (RnnOutputLayer): input has 4 features, nIn is 3");
	done(&f);

	/* loss layers: rank */
	init_layer(&f, LK_RNN_LOSS, ACT_SOFTMAX);
	memset(&e, 0, sizeof(e));
	expect_err(infer(&f, 2, d22, &e), -EINVAL, &e,
		   "layer 'L' (RnnLossLayer): input [2,2] is not rank 3");
	init_layer(&f, LK_CNN_LOSS, ACT_SOFTMAX);
	memset(&e, 0, sizeof(e));
	expect_err(infer(&f, 3, d3, &e), -EINVAL, &e,
		   "layer 'L' (CnnLossLayer): input [2,3,1] is not rank 4");

	/* embeddings: input shapes */
	init_layer(&f, LK_EMBEDDING, ACT_IDENTITY);
	emb_params(&f);
	memset(&e, 0, sizeof(e));
	assert_int_equal(bind(&f, &e), 0);
	expect_err(infer(&f, 2, d22, &e), -EINVAL, &e,
		   "layer 'L' (EmbeddingLayer): input [2,2] is not [N, 1] (one class index per "
		   "row)");
	done(&f);
	init_layer(&f, LK_EMBEDDING_SEQ, ACT_IDENTITY);
	emb_params(&f);
	memset(&e, 0, sizeof(e));
	assert_int_equal(bind(&f, &e), 0);
	expect_err(infer(&f, 3, d3, &e), -EINVAL, &e,
		   "layer 'L' (EmbeddingSequenceLayer): input [2,3,1] is not [N, T] or [N, 1, "
		   "T] of indices");
	done(&f);

	/* PReLU: inputShape / W mismatch, input mismatch */
	init_layer(&f, LK_PRELU, ACT_IDENTITY);
	f.conf.n_input_shape = 2;
	f.conf.input_shape[0] = 2;
	f.conf.input_shape[1] = 3;
	add_param(&f, k_W, 2, 2, 2, 'f', W_f);
	memset(&e, 0, sizeof(e));
	expect_err(bind(&f, &e), -EINVAL, &e,
		   "layer 'L' (PReLULayer): W dimension 1 (2) does not fit inputShape (3)");
	init_layer(&f, LK_PRELU, ACT_IDENTITY);
	f.conf.n_input_shape = 1;
	f.conf.input_shape[0] = 6;
	add_param(&f, k_W, 2, 2, 3, 'f', W_f);
	memset(&e, 0, sizeof(e));
	expect_err(bind(&f, &e), -EINVAL, &e,
		   "layer 'L' (PReLULayer): inputShape of rank 1 does not match W of rank 2");
	init_layer(&f, LK_PRELU, ACT_IDENTITY);
	f.conf.n_input_shape = 2;
	f.conf.input_shape[0] = 2;
	f.conf.input_shape[1] = 3;
	add_param(&f, k_W, 2, 2, 3, 'f', W_f);
	memset(&e, 0, sizeof(e));
	assert_int_equal(bind(&f, &e), 0);
	expect_err(infer(&f, 3, (const int64_t[]){ 1, 3, 2 }, &e), -EINVAL, &e,
		   "layer 'L' (PReLULayer): input [1,3,2] does not match inputShape");
	done(&f);

	/* element-wise multiplication without b */
	init_layer(&f, LK_ELEMENTWISE_MULT, ACT_IDENTITY);
	add_param(&f, k_W, 2, 1, 3, 'c', b3);
	memset(&e, 0, sizeof(e));
	expect_err(bind(&f, &e), -EINVAL, &e,
		   "layer 'L' (ElementWiseMultiplicationLayer): parameter b is missing");
	assert_null(f.l.priv);
}

/* Every kind dense.c claims is registered with all the functions it needs. */
static void test_registration(void **state)
{
	static const enum layer_kind kinds[] = {
		LK_DENSE,	LK_OUTPUT,	     LK_CENTER_LOSS_OUTPUT,
		LK_AUTOENCODER, LK_RNN_OUTPUT,	     LK_LOSS,
		LK_ACTIVATION,	LK_DROPOUT,	     LK_RNN_LOSS,
		LK_CNN_LOSS,	LK_EMBEDDING,	     LK_EMBEDDING_SEQ,
		LK_PRELU,	LK_ELEMENTWISE_MULT,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const struct eng_impl *im = table[kinds[i]];

		assert_non_null(im);
		assert_non_null(im->infer);
		assert_non_null(im->forward);
		assert_string_equal(im->name, layer_kind_name(kinds[i]));
		assert_true(!im->bind == !im->free_priv);
	}
}

static int setup(void **state)
{
	(void)state;
	eng_register_dense(table);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registration),
		cmocka_unit_test(test_dense),
		cmocka_unit_test(test_dense_layer_norm),
		cmocka_unit_test(test_output_layers),
		cmocka_unit_test(test_rnn_output),
		cmocka_unit_test(test_activation_layers),
		cmocka_unit_test(test_channel_loss_layers),
		cmocka_unit_test(test_embedding),
		cmocka_unit_test(test_embedding_seq),
		cmocka_unit_test(test_prelu),
		cmocka_unit_test(test_elementwise_mult),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
