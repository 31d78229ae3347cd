/* load.c - open, index and validate one DL4J model archive (see load.h). */
#include "codec/load.h"

#include <string.h>

#include "codec/alloc.h"
#include "codec/conf.h"
#include "codec/log.h"

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Reads an array header from the first bytes of an entry and checks it against the
 * entry's size from the central directory. *fail says which stage failed: the zip (corrupt
 * data), or the array (bad or unsupported header). */
static int read_array_header(const struct zip_index *zip, const struct zip_entry *ent,
			     struct nd4j_info *info, enum load_fail *fail, struct err *e)
{
	size_t want = ent->size < LOAD_HEADER_PREFIX ? (size_t)ent->size : LOAD_HEADER_PREFIX;
	uint8_t *buf = dl_malloc(want);
	size_t got = 0;
	int rc;

	if (!buf)
		return err_set(e, -ENOMEM, "out of memory");
	*fail = LF_ZIP;
	rc = codec_zip_read_prefix(zip, ent, buf, want, &got, e);
	if (rc)
		goto out;
	*fail = LF_ND4J;
	rc = codec_nd4j_parse(buf, got, info, e);
	if (rc == -EAGAIN && got < ent->size)
		rc = err_set(e, -EBADMSG, "array header longer than %d bytes", LOAD_HEADER_PREFIX);
	else if (rc == -EAGAIN)
		rc = err_set(e, -EBADMSG, "truncated array header (%zu bytes)", got);
	if (rc)
		goto out;
	if (info->total_len != ent->size)
		rc = err_set(e, -EBADMSG,
			     "entry holds %llu bytes but its array header implies %zu "
			     "(%lld elements of %s)",
			     (unsigned long long)ent->size, info->total_len, (long long)info->n,
			     tensor_dtype_info[info->fmt.dtype].nd4j);
out:
	if (rc == -ENOTSUP)
		*fail = LF_UNSUPPORTED;
	else if (rc == -ENOMEM)
		*fail = LF_OPEN;
	dl_free(buf);
	return rc;
}

/* Parameters are sliced from the flat vector in order; DL4J writes [1, N] (any shape of
 * the right length works for DL4J, but only a contiguous vector can be sliced in place). */
static int check_flat(const struct nd4j_info *info, struct err *e)
{
	struct tensor t = { .rank = info->rank };

	memcpy(t.shape, info->shape, sizeof(t.shape));
	memcpy(t.stride, info->stride, sizeof(t.stride));
	if (tensor_is_contig(&t, 'c'))
		return 0;
	return err_set(e, -ENOTSUP, "array of rank %d is not a contiguous vector; cannot slice "
		       "parameters from it", info->rank);
}

static int load_coefficients(struct dl4j_archive *a, enum load_fail *fail, struct err *e)
{
	int rc;

	a->coef_e = codec_zip_find(a->zip, "coefficients.bin");
	a->marker_e = codec_zip_find(a->zip, "noParams.marker");
	if (!a->coef_e) {
		*fail = LF_MISSING;
		return err_set(e, -ENOENT, "no coefficients.bin entry (not a DL4J model archive?)");
	}
	if (a->coef_e->size == 0) {
		if (!a->marker_e) {
			*fail = LF_MISSING;
			err_where(e, "coefficients.bin");
			return err_set(e, -EBADMSG, "empty, and no noParams.marker entry");
		}
		return 0; /* a model without parameters */
	}
	rc = read_array_header(a->zip, a->coef_e, &a->coef, fail, e);
	if (!rc) {
		rc = check_flat(&a->coef, e);
		*fail = LF_UNSUPPORTED;
	}
	if (rc) {
		err_where(e, "coefficients.bin");
		return rc;
	}
	a->has_coeffs = true;
	return 0;
}

/* The updater state is optional for mounting: a bad one is reported and left raw. */
static void load_updater(struct dl4j_archive *a)
{
	struct err *e = &a->upd_err;
	enum load_fail fail;

	a->upd_e = codec_zip_find(a->zip, "updaterState.bin");
	if (!a->upd_e || a->upd_e->size == 0)
		return;
	if (read_array_header(a->zip, a->upd_e, &a->upd, &fail, e) || check_flat(&a->upd, e))
		goto fail;
	a->has_upd = true;
	if (codec_updater_layout(a->model, a->upd.n, &a->upd_layout, e))
		goto fail;
	return;
fail:
	err_where(e, "updaterState.bin");
	log_warn("%s:%s: %s; its decoded views are not shown", base_name(a->zip->path), e->where,
		 e->msg);
}

static void load_normalizer(struct dl4j_archive *a)
{
	struct err *e = &a->norm_err;
	uint8_t *buf = NULL;
	size_t len = 0;

	a->norm_e = codec_zip_find(a->zip, "normalizer.bin");
	if (!a->norm_e)
		return;
	if (codec_zip_read_all(a->zip, a->norm_e, LOAD_MAX_NORM_BYTES, &buf, &len, e) == 0)
		codec_norm_decode(buf, len, &a->norm, e);
	dl_free(buf);
	if (e->code) {
		err_where(e, "normalizer.bin");
		log_warn("%s:%s: %s; shown raw", base_name(a->zip->path), e->where, e->msg);
	}
}

int codec_load(const char *path, struct dl4j_archive **out, enum load_fail *fail, struct err *e)
{
	struct dl4j_archive *a = dl_calloc(1, sizeof(*a));
	uint8_t *conf = NULL;
	int rc;

	*fail = LF_OPEN;
	if (!a) {
		rc = err_set(e, -ENOMEM, "out of memory");
		goto out_where;
	}
	rc = codec_zip_index(path, &a->zip, e);
	if (rc) {
		*fail = (rc == -EBADMSG || rc == -EOVERFLOW) ? LF_ZIP : LF_OPEN;
		goto out_where;
	}

	a->conf_e = codec_zip_find(a->zip, "configuration.json");
	if (!a->conf_e) {
		*fail = LF_MISSING;
		rc = err_set(e, -ENOENT, "no configuration.json entry (not a DL4J model archive?)");
		goto out_where;
	}
	rc = codec_zip_read_all(a->zip, a->conf_e, LOAD_MAX_CONF_BYTES, &conf, &a->conf_len, e);
	if (rc) {
		*fail = rc == -EOVERFLOW ? LF_CONF : LF_ZIP;
		err_where(e, "configuration.json");
		goto out_where;
	}
	a->conf_text = (char *)conf;
	rc = codec_conf_parse(a->conf_text, a->conf_len, &a->model, e);
	if (rc) {
		*fail = rc == -ENOMEM ? LF_OPEN : LF_CONF;
		err_where(e, "configuration.json");
		goto out_where;
	}

	rc = load_coefficients(a, fail, e);
	if (rc)
		goto out_where;
	rc = codec_layout(a->model, a->has_coeffs ? a->coef.n : 0, e);
	if (rc) {
		*fail = rc == -ENOMEM ? LF_OPEN : LF_PARAMS;
		err_where(e, a->has_coeffs ? "coefficients.bin" : "configuration.json");
		goto out_where;
	}
	if (a->has_coeffs && a->coef.fmt.dtype != a->model->dtype && a->model->has_dtype)
		log_warn("%s: configuration says %s but coefficients.bin holds %s",
			 base_name(path), tensor_dtype_info[a->model->dtype].nd4j,
			 tensor_dtype_info[a->coef.fmt.dtype].nd4j);

	load_updater(a);
	load_normalizer(a);
	*fail = LF_OK;
	*out = a;
	return 0;

out_where:
	err_where(e, "%s", base_name(path));
	codec_archive_free(a);
	return rc;
}

void codec_archive_free(struct dl4j_archive *a)
{
	if (!a)
		return;
	codec_updater_free(a->upd_layout);
	codec_norm_free(a->norm);
	model_free(a->model);
	dl_free(a->conf_text);
	codec_zip_free(a->zip);
	dl_free(a);
}
