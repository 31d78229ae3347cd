/* load.h - opening one DL4J model archive: index the zip, parse configuration.json, read
 * the array headers of coefficients.bin / updaterState.bin (prefixes only, never the
 * weights), lay the parameters out and check them, decode the normalizer. Everything a
 * mount needs to validate before it appears; no entry data beyond headers is read, so
 * the cost does not grow with the coefficients.
 */
#ifndef DLFS_LOAD_H
#define DLFS_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "codec/err.h"
#include "codec/model.h"
#include "codec/nd4j.h"
#include "codec/norm.h"
#include "codec/updater.h"
#include "codec/zip.h"

#define LOAD_MAX_CONF_BYTES ((size_t)256 << 20) /* configuration.json */
#define LOAD_MAX_NORM_BYTES ((size_t)1 << 30)   /* normalizer.bin decoded at mount */
#define LOAD_HEADER_PREFIX 65536                /* bytes read to parse an array header */

/* Failure classes; their values are the daemon's documented exit codes. */
enum load_fail {
	LF_OK = 0,
	LF_OPEN = 10,        /* cannot open the archive */
	LF_ZIP = 11,         /* not a zip, or a corrupt zip */
	LF_MISSING = 12,     /* required entry missing */
	LF_CONF = 13,        /* bad configuration JSON */
	LF_ND4J = 14,        /* bad ND4J array */
	LF_UNSUPPORTED = 15, /* unsupported feature */
	LF_PARAMS = 16,      /* parameters do not match the configuration */
};

struct dl4j_archive {
	struct zip_index *zip; /* owned */
	const struct zip_entry *conf_e, *coef_e, *upd_e, *norm_e, *marker_e; /* borrowed from zip */
	char *conf_text;       /* configuration.json, NUL-terminated (owned) */
	size_t conf_len;
	struct model *model;   /* owned, laid out */

	bool has_coeffs;       /* coefficients.bin holds an array (not the noParams form) */
	struct nd4j_info coef; /* its header */

	bool has_upd;          /* updaterState.bin present with a valid header */
	struct nd4j_info upd;
	struct upd_layout *upd_layout; /* owned; NULL when the split failed (see upd_err) */
	struct err upd_err;            /* why updater views are missing (not fatal) */

	struct normalizer *norm; /* owned; NULL when absent or undecodable */
	struct err norm_err;     /* why the normalizer could not be decoded (not fatal) */
};

/* Opens and validates the archive at path. On failure returns a negative errno, fills e
 * (where = "ARCHIVE:ENTRY") and sets *fail to the failure class; *out is set only on
 * success (owned, codec_archive_free). */
int codec_load(const char *path, struct dl4j_archive **out, enum load_fail *fail, struct err *e);

void codec_archive_free(struct dl4j_archive *a);

#endif
