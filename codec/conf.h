/* conf.h - configuration.json -> struct model, and the parameter layout (FORMAT.md 5, 6).
 */
#ifndef DLFS_CONF_H
#define DLFS_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "codec/err.h"
#include "codec/model.h"

#define CONF_MAX_LAYERS 100000

/* Parses a MultiLayerConfiguration or ComputationGraphConfiguration in either JSON
 * dialect. Unknown layer/vertex classes become LK_OPAQUE/VK_OPAQUE, never an error.
 * CG vertices are put in topological order (topologicalOrderStr when present, else
 * Kahn's algorithm with inputs first and JSON insertion order, FIFO). Errors: invalid JSON
 * -EBADMSG with line:column; neither MLN nor CG, missing required keys, graph cycles or
 * dangling vertex inputs -EBADMSG; -ENOMEM. *out owned (model_free). */
int codec_conf_parse(const char *json, size_t len, struct model **out, struct err *e);

/* Computes every parameter's key, shape, order and offset (FORMAT.md 6) and checks that
 * they sum to n_coeffs. A mismatch is -EBADMSG with "configuration needs X parameters,
 * coefficients.bin holds Y". Opaque layers take the remainder only when unambiguous
 * (one opaque layer with unknown size); with DL4J's "variables" W,b and known nIn/nOut,
 * the Dense layout is used if it fits exactly; otherwise the remainder is one flat
 * parameter and m->flat_remainder is set. */
int codec_layout(struct model *m, int64_t n_coeffs, struct err *e);

#endif
