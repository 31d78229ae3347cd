/* conv_int.h - helpers shared by layers/conv.c, pool.c and norm.c: layer-prefixed error
 * messages, output-shape checks and the sliding-window geometry of convolution and pooling
 * (FORMAT.md 7.3, 7.4).
 *
 * Geometry is always held for three spatial dimensions [D, H, W]: a 2-D layer has D = 1, a
 * 1-D layer D = H = 1 (its one dimension is W). A window position o covers the input cells
 * o*s - lead + u*d for u in [0, k); cells outside [0, in) are padding.
 */
#ifndef DLFS_ENGINE_CONV_INT_H
#define DLFS_ENGINE_CONV_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/engine_int.h"

/* Caps on configuration values (kernel, stride, dilation, padding, upsampling size, crop) and
 * on any one spatial extent; both keep every product below in int64 range. */
#define ENG_WIN_MAX_PARAM  ((int64_t)1 << 20)
#define ENG_WIN_MAX_EXTENT ((int64_t)1 << 31)
/* Largest activation or scratch buffer (floats) a layer of this family will plan. */
#define ENG_LAYER_MAX_ELEMS ((int64_t)1 << 36)
/* Largest matrix dimension handed to eng_sgemm (OpenBLAS takes 32-bit sizes). */
#define ENG_GEMM_MAX_DIM ((int64_t)INT32_MAX)

struct eng_win {
	int64_t in[3];	/* input extent per dim */
	int64_t out[3]; /* number of window positions per dim */
	int64_t k[3], s[3], d[3];
	int64_t lead[3]; /* padding before the first input cell (negative: skipped cells) */
};

/* Records "layer 'NAME' (CLASS): <message>" in e and returns code. */
int eng_layer_err(const struct elayer *l, struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Window geometry of a convolution or pooling layer for spatial input extents in[0..nd)
 * (nd = l->conf->nd, outermost first). Applies the convolution mode: Truncate / Strict
 * (symmetric configured padding; Strict also requires the stride to divide exactly), Same
 * (out = ceil(in/s), padding total max(0, (out-1)s + kE - in), top/left half rounded down,
 * configured padding ignored), Causal (1-D only: left padding (k-1)d, out = ceil(in/s)).
 * With `deconv` the geometry is that of the transposed convolution: w->in is the (larger)
 * output of the layer and w->out its input (Truncate: s(in-1) + kE - 2p; Same: s*in with
 * lead (kE - s)/2 as libnd4j's deconv2d). -EINVAL with a message on bad values. */
int eng_win_make(const struct elayer *l, const int64_t *in, bool deconv, struct eng_win *w,
		 struct err *e);

/* Products of the three extents. */
static inline int64_t eng_win_in_numel(const struct eng_win *w)
{
	return w->in[0] * w->in[1] * w->in[2];
}

static inline int64_t eng_win_out_numel(const struct eng_win *w)
{
	return w->out[0] * w->out[1] * w->out[2];
}

static inline int64_t eng_win_k_numel(const struct eng_win *w)
{
	return w->k[0] * w->k[1] * w->k[2];
}

/* Sets l->out to rank `rank` with dims d[], checking that every dim is positive and that
 * the element count stays within ENG_LAYER_MAX_ELEMS. */
int eng_set_out(struct elayer *l, int rank, const int64_t *d, struct err *e);

/* Sets l->scratch to a*b floats (within ENG_LAYER_MAX_ELEMS) and adds c. */
int eng_set_scratch(struct elayer *l, int64_t a, int64_t b, int64_t c, struct err *e);

/* -ENOTSUP unless the layer's data format is empty or channels-first ("NCHW", "NCW",
 * "NCDHW"): activations are channels-first throughout the engine. */
int eng_check_format(const struct elayer *l, struct err *e);

/* Checks that l->in has rank `rank` (naming the expected layout in the message) and that its
 * element count stays within ENG_LAYER_MAX_ELEMS. */
int eng_check_in(const struct elayer *l, int rank, const char *layout, struct err *e);

#endif
