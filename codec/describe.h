/* describe.h - human views of a model: summary.txt and graph.dot.
 */
#ifndef DLFS_DESCRIBE_H
#define DLFS_DESCRIBE_H

#include <stddef.h>

#include "codec/err.h"
#include "codec/model.h"
#include "codec/nd4j.h"

/* The DL4J era implied by the JSON dialect and the coefficients' array variant,
 * e.g. "0.5.0 - 0.7.x", "0.8.0 - 1.0.0-alpha", "1.0.0-beta - beta3", "1.0.0-beta4 or later". */
const char *codec_describe_era(const struct model *m, const struct nd4j_fmt *coeff_fmt);

/* summary.txt: like DL4J's summary(): per layer index/name, type, nIn->nOut, activation,
 * parameter shapes and counts; totals; network type; array variant and era; for a CG the
 * vertex inputs. coeff_fmt may be NULL (no parameters). *out owned (dl_free). */
int codec_describe_summary(const struct model *m, const struct nd4j_fmt *coeff_fmt, char **out,
			   size_t *len, struct err *e);

/* graph.dot: a Graphviz digraph of layers/vertices, edges and parameter shapes. */
int codec_describe_dot(const struct model *m, char **out, size_t *len, struct err *e);

#endif
