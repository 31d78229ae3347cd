/* engine_int.h - engine-private: the per-layer implementation interface.
 *
 * Activations are contiguous c-order float32 with the batch first: feed-forward [N,F],
 * convolutional NCHW [N,C,H,W] (1-D: [N,C,W]), recurrent NCW [N,C,T], 3-D NCDHW.
 * Each layer kind has one `struct eng_impl` (registered by its file's eng_register_* function
 * into the table indexed by enum layer_kind). `infer` runs at plan time and may fail;
 * `forward` may not fail and must not allocate (kernel style of onnx2c/darknet).
 */
#ifndef DLFS_ENGINE_INT_H
#define DLFS_ENGINE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/err.h"
#include "codec/model.h"

#define ENG_MAX_RANK 5

struct eshape {
	int rank;                 /* including the batch dimension */
	int64_t d[ENG_MAX_RANK];  /* d[0] = batch */
};

static inline int64_t eshape_numel(const struct eshape *s)
{
	int64_t n = 1;

	for (int i = 0; i < s->rank; i++)
		n *= s->d[i];
	return n;
}

/* One bound layer. Parameter slices are host float32 with the shape and order that
 * conf->... / model->params give (DL4J's 'f'-order Dense/LSTM weights stay 'f'-order). */
struct elayer {
	const struct layer *conf;  /* borrowed from the model */
	const struct model *model;
	int n_w;
	const float *w[8];             /* parameter data, in layout order (borrowed) */
	const struct param *wp[8];     /* their descriptors (key, shape, order) */
	struct eshape in, out;         /* resolved by infer */
	size_t scratch;                /* floats of scratch forward needs (set by infer) */
	void *priv;                    /* implementation data made at bind (owned; freed with free_priv) */
	struct elayer *sub[2];         /* wrappers: Bidirectional fwd/bwd, LastTimeStep inner */
};

struct eng_impl {
	const char *name;
	/* Optional: precompute from parameters (e.g. transposed weights). May allocate. */
	int (*bind)(struct elayer *l, struct err *e);
	/* Output shape and scratch size for input shape l->in; validates. */
	int (*infer)(struct elayer *l, struct err *e);
	/* in: l->in, out: l->out; scratch: l->scratch floats. Must not fail or allocate. */
	void (*forward)(const struct elayer *l, const float *in, float *out, float *scratch);
	void (*free_priv)(struct elayer *l);
};

/* Finds the parameter with short key `key` ("W", "b", "RW", "fW" ...) of a bound layer;
 * NULL if absent. */
const float *eng_w(const struct elayer *l, const char *key, const struct param **p);

/* Activation functions (act.c): applies `a` in place to n values; softmax-like ones act on
 * rows: `rows` rows of `cols` contiguous values each (n = rows * cols). */
void eng_act(const struct activation *a, float *x, int64_t rows, int64_t cols);
/* Softmax over a strided axis (e.g. channels of NCHW / NCW): for each of `outer` blocks,
 * `axis` values `stride` apart, `stride` inner positions. */
void eng_softmax_strided(float *x, int64_t outer, int64_t axis, int64_t stride);
bool eng_act_supported(const struct activation *a);

/* BLAS (gemm.c): the only place cblas is called. Row-major C = alpha*op(A)*op(B) + beta*C. */
void eng_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
	       const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
	       int64_t ldc);
void eng_sgemv(bool trans, int64_t m, int64_t n, float alpha, const float *a, int64_t lda,
	       const float *x, float beta, float *y);

/* Registration: each implementation file fills its kinds into table[LK__COUNT]. */
void eng_register_dense(const struct eng_impl **table);  /* layers/dense.c */
void eng_register_conv(const struct eng_impl **table);   /* layers/conv.c */
void eng_register_pool(const struct eng_impl **table);   /* layers/pool.c */
void eng_register_norm(const struct eng_impl **table);   /* layers/norm.c */
void eng_register_rnn(const struct eng_impl **table);    /* layers/rnn.c */

#endif
