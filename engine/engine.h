/* engine.h - the inference engine: runs a struct model (codec/model.h) on float32 inputs
 * with OpenBLAS. Only engine/ includes cblas; the engine reads the plain model description
 * and never the codec's parsers.
 *
 * Lifecycle: eng_net_new() binds the parameters (converted once to host float32) and checks
 * that every layer is supported; eng_plan() resolves shapes for one input shape and sizes
 * all scratch memory; eng_forward() then runs without allocating.
 */
#ifndef DLFS_ENGINE_H
#define DLFS_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "codec/err.h"
#include "codec/model.h"
#include "codec/tensor.h"

#define ENG_MAX_IO 16 /* network inputs / outputs */

/* Default activation memory of a plan (floats) above which the batch is run in chunks. */
#define ENG_CHUNK_FLOATS ((int64_t)16 << 20)

struct eng_net;

/* Binds model m (borrowed: must outlive the net) to its flat parameters `params` (host
 * float32, m->n_coeffs values, borrowed; laid out as m->params says). Fails with -ENOTSUP
 * and "layer 'NAME' (CLASS): ..." for a layer or vertex the engine cannot run. *out owned. */
int eng_net_new(const struct model *m, const float *params, struct eng_net **out, struct err *e);
void eng_net_free(struct eng_net *n);

/* Resolves every activation shape for inputs of the given shapes (batch first: FF [N,F],
 * CNN [N,C,H,W], RNN [N,C,T]) and allocates the scratch for them. Cheap when the shapes are
 * those of the previous plan. -EINVAL with a message naming the layer on a shape mismatch. */
int eng_plan(struct eng_net *n, int n_in, const struct tensor *const *in_shapes, struct err *e);

/* Sets the activation memory (floats, >= 1) above which eng_plan cuts the batch into chunks
 * (default ENG_CHUNK_FLOATS); takes effect at the next plan. For memory-tight hosts and
 * tests. Networks that mix samples (time folded into the batch, Stack/Unstack/Reshape
 * vertices) are never chunked. */
void eng_net_set_chunk_floats(struct eng_net *n, int64_t floats);

/* Number and shapes of the outputs of the current plan. */
int eng_n_outputs(const struct eng_net *n);
const struct tensor *eng_output_shape(const struct eng_net *n, int i);

/* Runs the planned network. in[i]->data: contiguous c-order float32 of the planned shapes;
 * out[i]->data: caller buffers of the planned output shapes. Does not allocate. */
int eng_forward(struct eng_net *n, const struct tensor *const *in, struct tensor *const *out,
		struct err *e);

/* The BLAS core type chosen at startup from CPU features, for benchmarks and logs. */
const char *eng_blas_core(void);

/* The best OpenBLAS core this CPU really supports, from its feature bits (not its model
 * name): "SkylakeX" (AVX-512 F+BW+VL+DQ), "Haswell" (AVX2+FMA), or NULL (leave OpenBLAS's
 * own choice). OpenBLAS reads OPENBLAS_CORETYPE only when it is loaded, so a program that
 * wants this core sets the variable and re-executes itself before any BLAS call. */
const char *eng_blas_preferred_core(void);

/* The core to put in OPENBLAS_CORETYPE before re-executing, when the loaded one
 * (eng_blas_core) uses narrower vector kernels than eng_blas_preferred_core (e.g. Haswell on
 * an AVX-512 CPU, from an old OpenBLAS's detection or an inherited OPENBLAS_CORETYPE);
 * NULL when the loaded core is as good (Cooperlake counts as SkylakeX). */
const char *eng_blas_upgrade_core(void);

#endif
