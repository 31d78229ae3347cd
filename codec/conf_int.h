/* conf_int.h - private helpers shared by conf.c (networks, graphs, vertices) and
 * conf_layer.c (layers, activations, preprocessors, updaters). Only codec/ sees jansson.
 */
#ifndef DLFS_CONF_INT_H
#define DLFS_CONF_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "codec/conf.h"

/* wrappers (Frozen, Bidirectional, ...) and composable preprocessors nest this deep */
#define CONF_MAX_DEPTH 16
/* encoder or decoder layers of one VariationalAutoencoder */
#define CONF_MAX_VAE_LAYERS 1024

/* Parse state: the error sink, the message prefix of the object being read and what
 * the dialect detection saw so far. */
struct conf_ctx {
	struct err *e;
	char where[192];     /* "layer 3", "vertex 'dense_1'", ... */
	bool saw_class;	     /* some object used "@class" */
	bool saw_string_act; /* some layer had "activationFunction": "relu" */
	bool legacy_updater; /* some layer had the pre-0.9 "updater" enum without "iupdater" */
};

/* Typed getters. An absent key or JSON null yields the default and returns 0; a value
 * of the wrong type is -EBADMSG "<where>: \"key\" is not ...". */
int cj_i64(struct conf_ctx *c, json_t *o, const char *key, int64_t def, int64_t *out);
int cj_f64(struct conf_ctx *c, json_t *o, const char *key, double def, double *out);
int cj_bool(struct conf_ctx *c, json_t *o, const char *key, bool def, bool *out);
/* *out borrowed from o (NULL when absent). */
int cj_str(struct conf_ctx *c, json_t *o, const char *key, const char **out);
/* Integer array of at most max entries; a bare integer counts as [x]; absent -> *n = 0. */
int cj_i64v(struct conf_ctx *c, json_t *o, const char *key, int64_t *out, int max, int *n);
/* Array of strings, owned copies (NULL/0 when absent). */
int cj_strv(struct conf_ctx *c, json_t *o, const char *key, char ***out, int *n);

/* Splits a polymorphic object into its class ("@class" value, or the single wrapper key
 * of the legacy dialect) and body. Both borrowed from v. -EBADMSG when v is neither. */
int conf_unwrap(struct conf_ctx *c, json_t *v, const char *what, const char **cls, json_t **body,
		bool *is_class);

/* The simple class name: text after the last '.' (and '$'). Borrowed from cls. */
const char *conf_simple_name(const char *cls);

/* Compact JSON text of v, owned (dl_free). sort_keys gives a canonical form; doubles are
 * printed in their shortest round-trip form. -ENOMEM only. */
int conf_dump(struct conf_ctx *c, json_t *v, bool sort_keys, char **out);

/* Copies src into a fixed buffer, truncating. */
void conf_strlcpy(char *dst, const char *src, size_t size);

/* Layer object (wrapper or @class form) -> *l, which the caller zeroed. Sets l->frozen for
 * FrozenLayer wrappers (unwrapped), fills fwd/bwd for Bidirectional, LastTimeStep,
 * MaskZeroLayer and other wrappers. Unknown classes become LK_OPAQUE. */
int conf_parse_layer(struct conf_ctx *c, json_t *v, struct layer *l, int depth);

/* Preprocessor object -> *p (caller zeroed). Unknown classes become PP_UNKNOWN. */
int conf_parse_preproc(struct conf_ctx *c, json_t *v, struct preproc *p, int depth);

/* True for layer classes that are known to hold no parameters although the codec has
 * no layer_kind for them (Upsampling3D, SpaceToDepth, ...): layout gives them 0. */
bool conf_opaque_has_no_params(const char *cls);

#endif
