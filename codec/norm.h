/* norm.h - normalizer.bin (NormalizerSerializer, FORMAT.md section 3).
 */
#ifndef DLFS_NORM_H
#define DLFS_NORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/err.h"
#include "codec/nd4j.h"
#include "codec/tensor.h"

#define NORM_MAX_STATS 65536 /* inputs, outputs or map entries per normalizer (-EOVERFLOW) */

enum norm_type {
	NORM_STANDARDIZE,
	NORM_MIN_MAX,
	NORM_IMAGE_MIN_MAX,
	NORM_IMAGE_VGG16,
	NORM_MULTI_STANDARDIZE,
	NORM_MULTI_MIN_MAX,
	NORM_MULTI_HYBRID,
	NORM_CUSTOM,
	NORM__COUNT
};

/* Statistics of one input or output: standardize (a = mean, b = std) or min/max
 * (a = min, b = max). Tensors are owned, host order. */
struct norm_stats {
	int kind; /* 1 = standardize, 2 = min/max (MULTI_HYBRID numbering) */
	struct tensor *a, *b;
	/* How a and b were stored (added: needed for byte-identical encode). All-zero means
	 * "not from a file": encode then writes variant C (MIXED_DATA_TYPES, LONG shape). */
	struct nd4j_fmt fa, fb;
};

/* MULTI_HYBRID strategy: kind 0 none, 1 standardize, 2 min/max(min_range, max_range). */
struct norm_strategy {
	int kind;
	double min_range, max_range;
};

struct normalizer {
	enum norm_type type;
	char *custom_class; /* NORM_CUSTOM (owned) */
	bool fit_labels;
	double target_min, target_max;            /* MIN_MAX, MULTI_MIN_MAX */
	double min_range, max_range, max_pixel;   /* IMAGE_MIN_MAX */
	int n_inputs, n_outputs;                  /* single types: 1 and (fit_labels ? 1 : 0) */
	struct norm_stats *inputs, *outputs;      /* owned arrays (NULL when none) */
	/* MULTI_HYBRID */
	int *input_idx, *output_idx;              /* stats map keys, owned */
	struct norm_strategy global_in, global_out;
	int n_per_in, n_per_out;
	int *per_in_idx, *per_out_idx;
	struct norm_strategy *per_in, *per_out;
	/* CUSTOM: raw payload after the class name (owned) */
	uint8_t *custom_payload;
	size_t custom_len;
	/* Added: the rest of the stream, kept raw so that encode is byte-identical.
	 * IMAGE_VGG16 (no strategy exists): everything after the type name. Other types:
	 * bytes after the strategy payload (Java ignores them; normally none). Owned. */
	uint8_t *rest;
	size_t rest_len;
	/* Added: MULTI_STANDARDIZE / MULTI_MIN_MAX without fitLabels: the numOutputs word as
	 * stored (Java writes -1 and ignores it). n_outputs is then 0. */
	int32_t unfit_n_outputs;
};

const char *codec_norm_type_name(enum norm_type t); /* "STANDARDIZE", ... */

/* Single types (STANDARDIZE, MIN_MAX) have n_inputs = 1 and n_outputs = fit_labels ? 1 : 0
 * (outputs hold the label statistics); IMAGE_MIN_MAX, IMAGE_VGG16 and CUSTOM have none. */

/* Decodes normalizer.bin. A stream that starts with the Java serialization magic ACED0005
 * (legacy form) is -ENOTSUP with "legacy Java-serialized normalizer". Truncated or
 * malformed input -EBADMSG naming the field. *out owned (codec_norm_free).
 * (Added:) a version other than 1 is -ENOTSUP; counts that the remaining bytes cannot hold
 * or above NORM_MAX_STATS are -EOVERFLOW; errors inside an ND4J array keep its code. */
int codec_norm_decode(const uint8_t *buf, size_t len, struct normalizer **out, struct err *e);

/* Writes the NormalizerSerializer form; byte-identical for anything decoded. */
int codec_norm_encode(const struct normalizer *n, uint8_t **out, size_t *len, struct err *e);

/* Renders {"type":..., "fitLabels":..., statistics as JSON arrays (nested by shape)}. */
int codec_norm_to_json(const struct normalizer *n, char **out, size_t *len, struct err *e);

void codec_norm_free(struct normalizer *n);

#endif
