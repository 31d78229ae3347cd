/* norm.c - normalizer.bin as written by DL4J's NormalizerSerializer (FORMAT.md section 3):
 * decode into struct normalizer, encode back byte for byte, render as JSON.
 *
 * Stream: UTF "NORMALIZER", int32 version 1, UTF type name, [UTF strategy class for CUSTOM],
 * then the strategy payload (booleans, int32 counts, f64 values and complete ND4J arrays,
 * all big-endian). Every array keeps its ND4J format so that encode reproduces it exactly;
 * bytes after the payload are kept raw. The older Java-serialized form is recognised and
 * refused with -ENOTSUP (the caller shows it raw).
 *
 * JSON (codec_norm_to_json), keys after the Java getters:
 *   STANDARDIZE    {"type","fitLabels","mean","std"[,"labelMean","labelStd"]}
 *   MIN_MAX        {"type","fitLabels","targetMin","targetMax","min","max"[,"labelMin","labelMax"]}
 *   IMAGE_MIN_MAX  {"type","minRange","maxRange","maxPixelVal"}
 *   MULTI_STANDARDIZE / MULTI_MIN_MAX
 *                  {"type","fitLabels","numInputs","numOutputs"[,"targetMin","targetMax"],
 *                   "inputs":[{"mean","std"} | {"min","max"}...][,"outputs":[...]]}
 *   MULTI_HYBRID   {"type","inputStats":[{"index","strategy":"STANDARDIZE","mean","std"} |
 *                   {"index","strategy":"MIN_MAX","min","max"}...],"outputStats":[...],
 *                   "globalInputStrategy":null | {"strategy":"STANDARDIZE"} |
 *                   {"strategy":"MIN_MAX","minRange","maxRange"},"globalOutputStrategy",
 *                   "perInputStrategies":[{"index",...strategy}...],"perOutputStrategies"}
 *   IMAGE_VGG16    {"type","payloadBytes"[,"payload"]}
 *   CUSTOM         {"type","strategyClass","payloadBytes"[,"payload"]}
 * Statistics are nested lists by shape (a scalar for rank 0); float elements are printed with
 * %.9g and doubles with %.17g so that they parse back exactly; NaN and infinities as the
 * strings "NaN", "Infinity", "-Infinity"; "payload" is base64; "trailingBytes" appears when
 * bytes follow the payload.
 */
#include "codec/norm.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codec/alloc.h"
#include "codec/sbuf.h"

#define HEADER		"NORMALIZER"
#define MIN_ARRAY_BYTES 16 /* lower bound of one encoded ND4J array (two buffer headers) */

static const char *const type_names[NORM__COUNT] = {
	[NORM_STANDARDIZE] = "STANDARDIZE",
	[NORM_MIN_MAX] = "MIN_MAX",
	[NORM_IMAGE_MIN_MAX] = "IMAGE_MIN_MAX",
	[NORM_IMAGE_VGG16] = "IMAGE_VGG16",
	[NORM_MULTI_STANDARDIZE] = "MULTI_STANDARDIZE",
	[NORM_MULTI_MIN_MAX] = "MULTI_MIN_MAX",
	[NORM_MULTI_HYBRID] = "MULTI_HYBRID",
	[NORM_CUSTOM] = "CUSTOM",
};

const char *codec_norm_type_name(enum norm_type t)
{
	return (unsigned)t < NORM__COUNT ? type_names[t] : "?";
}

void codec_norm_free(struct normalizer *n)
{
	struct norm_stats *lists[2];
	int counts[2];

	if (!n)
		return;
	lists[0] = n->inputs;
	lists[1] = n->outputs;
	counts[0] = n->n_inputs;
	counts[1] = n->n_outputs;
	for (int l = 0; l < 2; l++) {
		for (int i = 0; lists[l] && i < counts[l]; i++) {
			tensor_free(lists[l][i].a);
			tensor_free(lists[l][i].b);
		}
		dl_free(lists[l]);
	}
	dl_free(n->custom_class);
	dl_free(n->input_idx);
	dl_free(n->output_idx);
	dl_free(n->per_in_idx);
	dl_free(n->per_out_idx);
	dl_free(n->per_in);
	dl_free(n->per_out);
	dl_free(n->custom_payload);
	dl_free(n->rest);
	dl_free(n);
}

/* ------------------------------------------------------------------ decode */

struct nrd {
	const uint8_t *p;
	size_t len, pos;
	struct err *e;
};

static size_t left(const struct nrd *r)
{
	return r->len - r->pos;
}

static int truncated(struct nrd *r, const char *what)
{
	return err_set(r->e, -EBADMSG, "truncated at byte %zu reading %s", r->pos, what);
}

static int nomem(struct err *e)
{
	return err_set(e, -ENOMEM, "out of memory");
}

static int rd_be(struct nrd *r, int n, uint64_t *v, const char *what)
{
	uint64_t x = 0;

	if (left(r) < (size_t)n)
		return truncated(r, what);
	for (int i = 0; i < n; i++)
		x = x << 8 | r->p[r->pos + (size_t)i];
	r->pos += (size_t)n;
	*v = x;
	return 0;
}

static int rd_i32(struct nrd *r, int32_t *v, const char *what)
{
	uint64_t x = 0;
	int rc = rd_be(r, 4, &x, what);

	if (!rc)
		*v = (int32_t)(uint32_t)x;
	return rc;
}

static int rd_f64(struct nrd *r, double *v, const char *what)
{
	uint64_t x = 0;
	int rc = rd_be(r, 8, &x, what);

	if (!rc)
		memcpy(v, &x, 8);
	return rc;
}

static int rd_bool(struct nrd *r, bool *v, const char *what)
{
	uint64_t x = 0;
	int rc = rd_be(r, 1, &x, what);

	if (rc)
		return rc;
	if (x > 1)
		return err_set(r->e, -EBADMSG, "%s byte 0x%02x at byte %zu is not 0 or 1", what,
			       (unsigned)x, r->pos - 1);
	*v = x == 1;
	return 0;
}

/* DataInputStream.readUTF bytes, kept raw (the names are ASCII). *s points into the input. */
static int rd_utf(struct nrd *r, const uint8_t **s, size_t *n, const char *what)
{
	uint64_t len = 0;
	int rc = rd_be(r, 2, &len, what);

	if (rc)
		return rc;
	if (left(r) < len) {
		r->pos -= 2;
		return truncated(r, what);
	}
	*s = r->p + r->pos;
	*n = (size_t)len;
	r->pos += (size_t)len;
	return 0;
}

/* Printable copy of untrusted bytes for messages. */
static const char *shown(const uint8_t *s, size_t n, char *buf, size_t cap)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 4 < cap; i++)
		buf[k++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	if (n && k + 4 >= cap)
		memcpy(buf + k, "...", 3), k += 3;
	buf[k] = '\0';
	return buf;
}

static int rd_array(struct nrd *r, struct tensor **t, struct nd4j_fmt *fmt, const char *what)
{
	struct err sub = { 0 };
	size_t used = 0;
	int rc = codec_nd4j_decode(r->p + r->pos, left(r), t, fmt, &used, &sub);

	if (rc)
		return err_set(r->e, rc, "%s (array at byte %zu): %s", what, r->pos, sub.msg);
	r->pos += used;
	return 0;
}

static int rd_stats(struct nrd *r, struct norm_stats *s, int kind, const char *wa, const char *wb)
{
	int rc;

	s->kind = kind;
	rc = rd_array(r, &s->a, &s->fa, wa);
	if (!rc)
		rc = rd_array(r, &s->b, &s->fb, wb);
	return rc;
}

/* A count (read at byte `at`) of entries that each need at least `min_bytes`. */
static int check_count(struct nrd *r, int32_t n, size_t min_bytes, const char *what, size_t at)
{
	if (n < 0)
		return err_set(r->e, -EBADMSG, "negative %s %" PRId32 " at byte %zu", what, n, at);
	if (n > NORM_MAX_STATS)
		return err_set(r->e, -EOVERFLOW,
			       "%s %" PRId32 " at byte %zu exceeds the limit of %d", what, n, at,
			       NORM_MAX_STATS);
	if ((size_t)n * min_bytes > left(r))
		return err_set(r->e, -EOVERFLOW,
			       "%s %" PRId32 " at byte %zu exceeds the %zu bytes left", what, n, at,
			       left(r));
	return 0;
}

static int alloc_stats(struct normalizer *n, int nin, int nout, struct err *e)
{
	if (nin) {
		n->inputs = dl_calloc((size_t)nin, sizeof(*n->inputs));
		if (!n->inputs)
			return nomem(e);
	}
	if (nout) {
		n->outputs = dl_calloc((size_t)nout, sizeof(*n->outputs));
		if (!n->outputs)
			return nomem(e);
	}
	return 0;
}

static int rd_single(struct nrd *r, struct normalizer *n)
{
	bool mm = n->type == NORM_MIN_MAX;
	int rc = rd_bool(r, &n->fit_labels, "fitLabels");

	if (!rc && mm)
		rc = rd_f64(r, &n->target_min, "targetMin");
	if (!rc && mm)
		rc = rd_f64(r, &n->target_max, "targetMax");
	if (!rc)
		rc = alloc_stats(n, 1, n->fit_labels, r->e);
	if (rc)
		return rc;
	/* counts are set as soon as the arrays exist, so free() sees every tensor */
	n->n_inputs = 1;
	n->n_outputs = n->fit_labels;
	rc = rd_stats(r, &n->inputs[0], mm ? 2 : 1, mm ? "min" : "mean", mm ? "max" : "std");
	if (!rc && n->fit_labels)
		rc = rd_stats(r, &n->outputs[0], mm ? 2 : 1, mm ? "labelMin" : "labelMean",
			      mm ? "labelMax" : "labelStd");
	return rc;
}

static int rd_multi(struct nrd *r, struct normalizer *n)
{
	bool mm = n->type == NORM_MULTI_MIN_MAX;
	int32_t nin, nout;
	int rc = rd_bool(r, &n->fit_labels, "fitLabels");

	size_t at = r->pos; /* numInputs, then numOutputs at + 4 */

	if (!rc)
		rc = rd_i32(r, &nin, "numInputs");
	if (!rc)
		rc = rd_i32(r, &nout, "numOutputs");
	if (!rc && mm)
		rc = rd_f64(r, &n->target_min, "targetMin");
	if (!rc && mm)
		rc = rd_f64(r, &n->target_max, "targetMax");
	if (!rc)
		rc = check_count(r, nin, 2 * MIN_ARRAY_BYTES, "numInputs", at);
	if (!rc && n->fit_labels)
		rc = check_count(r, nout, 2 * MIN_ARRAY_BYTES, "numOutputs", at + 4);
	if (rc)
		return rc;
	if (!n->fit_labels) {
		n->unfit_n_outputs = nout;
		nout = 0;
	}
	rc = alloc_stats(n, nin, nout, r->e);
	if (rc)
		return rc;
	n->n_inputs = nin;
	n->n_outputs = nout;
	for (int i = 0; i < nin && !rc; i++)
		rc = rd_stats(r, &n->inputs[i], mm ? 2 : 1, mm ? "input min" : "input mean",
			      mm ? "input max" : "input std");
	for (int i = 0; i < nout && !rc; i++)
		rc = rd_stats(r, &n->outputs[i], mm ? 2 : 1, mm ? "output min" : "output mean",
			      mm ? "output max" : "output std");
	return rc;
}

static int rd_strategy(struct nrd *r, struct norm_strategy *s, const char *what)
{
	int32_t k;
	int rc = rd_i32(r, &k, what);

	if (rc)
		return rc;
	if (k < 0 || k > 2)
		return err_set(r->e, -EBADMSG,
			       "%s kind %" PRId32 " at byte %zu (expected 0, 1 or 2)", what, k,
			       r->pos - 4);
	s->kind = k;
	if (k == 2) {
		rc = rd_f64(r, &s->min_range, "minRange");
		if (!rc)
			rc = rd_f64(r, &s->max_range, "maxRange");
	}
	return rc;
}

/* statsMap: int32 n, n x (int32 index, int32 kind, two arrays). */
static int rd_stats_map(struct nrd *r, struct normalizer *n, bool out, const char *what)
{
	struct norm_stats **list = out ? &n->outputs : &n->inputs;
	int **idx = out ? &n->output_idx : &n->input_idx;
	int *count = out ? &n->n_outputs : &n->n_inputs;
	int32_t cnt;
	int rc = rd_i32(r, &cnt, what);

	if (!rc)
		rc = check_count(r, cnt, 8 + 2 * MIN_ARRAY_BYTES, what, r->pos - 4);
	if (rc)
		return rc;
	*list = dl_calloc(cnt ? (size_t)cnt : 1, sizeof(**list));
	*idx = dl_calloc(cnt ? (size_t)cnt : 1, sizeof(**idx));
	if (!*list || !*idx)
		return nomem(r->e);
	*count = cnt;
	for (int i = 0; i < cnt; i++) {
		int32_t k;

		rc = rd_i32(r, &(*idx)[i], "stats index");
		if (!rc)
			rc = rd_i32(r, &k, "stats kind");
		if (rc)
			return rc;
		if (k != 1 && k != 2)
			return err_set(r->e, -EBADMSG,
				       "stats kind %" PRId32 " at byte %zu (expected 1 or 2)", k,
				       r->pos - 4);
		rc = rd_stats(r, &(*list)[i], k, k == 1 ? "mean" : "min", k == 1 ? "std" : "max");
		if (rc)
			return rc;
	}
	return 0;
}

/* strategyMap: int32 n, n x (int32 index, strategy). */
static int rd_strategy_map(struct nrd *r, int *count, int **idx, struct norm_strategy **s,
			   const char *what)
{
	int32_t cnt;
	int rc = rd_i32(r, &cnt, what);

	if (!rc)
		rc = check_count(r, cnt, 8, what, r->pos - 4);
	if (rc)
		return rc;
	*idx = dl_calloc(cnt ? (size_t)cnt : 1, sizeof(**idx));
	*s = dl_calloc(cnt ? (size_t)cnt : 1, sizeof(**s));
	if (!*idx || !*s)
		return nomem(r->e);
	*count = cnt;
	for (int i = 0; i < cnt && !rc; i++) {
		rc = rd_i32(r, &(*idx)[i], "strategy index");
		if (!rc)
			rc = rd_strategy(r, &(*s)[i], "strategy");
	}
	return rc;
}

static int rd_hybrid(struct nrd *r, struct normalizer *n)
{
	int rc = rd_stats_map(r, n, false, "input stats count");

	if (!rc)
		rc = rd_stats_map(r, n, true, "output stats count");
	if (!rc)
		rc = rd_strategy(r, &n->global_in, "global input strategy");
	if (!rc)
		rc = rd_strategy(r, &n->global_out, "global output strategy");
	if (!rc)
		rc = rd_strategy_map(r, &n->n_per_in, &n->per_in_idx, &n->per_in,
				     "per-input strategy count");
	if (!rc)
		rc = rd_strategy_map(r, &n->n_per_out, &n->per_out_idx, &n->per_out,
				     "per-output strategy count");
	return rc;
}

static int copy_rest(struct nrd *r, uint8_t **dst, size_t *n)
{
	*n = left(r);
	*dst = dl_malloc(*n ? *n : 1);
	if (!*dst)
		return nomem(r->e);
	if (*n)
		memcpy(*dst, r->p + r->pos, *n);
	r->pos = r->len;
	return 0;
}

/* Legacy form: names the serialized class when the stream starts with an object. */
static int legacy(const uint8_t *buf, size_t len, struct err *e)
{
	char name[128];

	if (len >= 8 && buf[4] == 0x73 && buf[5] == 0x72) {
		size_t n = (size_t)buf[6] << 8 | buf[7];

		if (8 + n <= len)
			return err_set(e, -ENOTSUP, "legacy Java-serialized normalizer (%s)",
				       shown(buf + 8, n, name, sizeof(name)));
	}
	return err_set(e, -ENOTSUP, "legacy Java-serialized normalizer (not an object stream)");
}

int codec_norm_decode(const uint8_t *buf, size_t len, struct normalizer **out, struct err *e)
{
	struct nrd r = { .p = buf, .len = len, .e = e };
	struct normalizer *n;
	const uint8_t *s;
	size_t sl;
	uint64_t ver = 0;
	char show[64];
	int rc;

	if (len >= 4 && buf[0] == 0xAC && buf[1] == 0xED && buf[2] == 0x00 && buf[3] == 0x05)
		return legacy(buf, len, e);
	rc = rd_utf(&r, &s, &sl, "header");
	if (rc)
		return rc;
	if (sl != strlen(HEADER) || memcmp(s, HEADER, sl))
		return err_set(e, -EBADMSG, "bad header '%s' (expected NORMALIZER)",
			       shown(s, sl, show, sizeof(show)));
	rc = rd_be(&r, 4, &ver, "version");
	if (rc)
		return rc;
	if (ver != 1)
		return err_set(e, -ENOTSUP, "unsupported version %" PRId32 " (expected 1)",
			       (int32_t)(uint32_t)ver);
	rc = rd_utf(&r, &s, &sl, "type");
	if (rc)
		return rc;
	n = dl_calloc(1, sizeof(*n));
	if (!n)
		return nomem(e);
	n->type = NORM__COUNT;
	for (int t = 0; t < NORM__COUNT; t++)
		if (sl == strlen(type_names[t]) && !memcmp(s, type_names[t], sl))
			n->type = (enum norm_type)t;
	switch (n->type) {
	case NORM_STANDARDIZE:
	case NORM_MIN_MAX:
		rc = rd_single(&r, n);
		break;
	case NORM_IMAGE_MIN_MAX:
		rc = rd_f64(&r, &n->min_range, "minRange");
		if (!rc)
			rc = rd_f64(&r, &n->max_range, "maxRange");
		if (!rc)
			rc = rd_f64(&r, &n->max_pixel, "maxPixelVal");
		break;
	case NORM_MULTI_STANDARDIZE:
	case NORM_MULTI_MIN_MAX:
		rc = rd_multi(&r, n);
		break;
	case NORM_MULTI_HYBRID:
		rc = rd_hybrid(&r, n);
		break;
	case NORM_IMAGE_VGG16:
		break; /* no strategy: the rest stays raw */
	case NORM_CUSTOM:
		rc = rd_utf(&r, &s, &sl, "strategy class");
		if (rc)
			break;
		if (memchr(s, 0, sl)) {
			rc = err_set(e, -EBADMSG, "strategy class name contains a nul byte");
			break;
		}
		n->custom_class = dl_strndup((const char *)s, sl);
		if (!n->custom_class) {
			rc = nomem(e);
			break;
		}
		rc = copy_rest(&r, &n->custom_payload, &n->custom_len);
		break;
	default:
		rc = err_set(e, -EBADMSG, "unknown normalizer type '%s'",
			     shown(s, sl, show, sizeof(show)));
	}
	if (!rc)
		rc = copy_rest(&r, &n->rest, &n->rest_len);
	if (rc) {
		codec_norm_free(n);
		return rc;
	}
	*out = n;
	return 0;
}

/* ------------------------------------------------------------------ encode */

struct wb {
	uint8_t *p;
	size_t len, cap;
	int rc;
	struct err *e;
};

static void wb_put(struct wb *w, const void *s, size_t n)
{
	if (w->rc || !n)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		uint8_t *p;

		while (cap < w->len + n)
			cap *= 2;
		p = dl_realloc(w->p, cap);
		if (!p) {
			w->rc = nomem(w->e);
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void wb_be(struct wb *w, uint64_t v, int n)
{
	uint8_t b[8];

	for (int i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	wb_put(w, b, (size_t)n);
}

static void wb_f64(struct wb *w, double d)
{
	uint64_t x = 0;

	memcpy(&x, &d, 8);
	wb_be(w, x, 8);
}

static void wb_utf(struct wb *w, const char *s)
{
	size_t n = strlen(s);

	if (n > 0xFFFF && !w->rc) {
		w->rc = err_set(w->e, -EOVERFLOW, "string of %zu bytes does not fit writeUTF", n);
		return;
	}
	wb_be(w, n, 2);
	wb_put(w, s, n);
}

/* The format used for a tensor that did not come from a file: variant C. */
static void default_fmt(const struct tensor *t, struct nd4j_fmt *f)
{
	memset(f, 0, sizeof(*f));
	strcpy(f->shape_mode, "MIXED_DATA_TYPES");
	strcpy(f->data_mode, "MIXED_DATA_TYPES");
	f->shape_type = DT_I64;
	f->dtype = t->dtype;
	f->extras = t->dtype == DT_F16	 ? 0x1000
		    : t->dtype == DT_F32 ? 0x2000
		    : t->dtype == DT_F64 ? 0x4000
					 : 0;
	f->ews = tensor_is_contig(t, t->order) ? 1 : 0;
}

static void wb_array(struct wb *w, const struct tensor *t, const struct nd4j_fmt *fmt,
		     const char *what)
{
	struct nd4j_fmt def;
	struct err sub = { 0 };
	uint8_t *b;
	size_t n;
	int rc;

	if (w->rc)
		return;
	if (!t) {
		w->rc = err_set(w->e, -EINVAL, "%s: missing array", what);
		return;
	}
	if (!fmt->shape_mode[0]) {
		default_fmt(t, &def);
		fmt = &def;
	}
	rc = codec_nd4j_encode(t, fmt, &b, &n, &sub);
	if (rc) {
		w->rc = err_set(w->e, rc, "%s: %s", what, sub.msg);
		return;
	}
	wb_put(w, b, n);
	dl_free(b);
}

static void wb_stats(struct wb *w, const struct norm_stats *s)
{
	wb_array(w, s->a, &s->fa, s->kind == 2 ? "min" : "mean");
	wb_array(w, s->b, &s->fb, s->kind == 2 ? "max" : "std");
}

static void wb_strategy(struct wb *w, const struct norm_strategy *s)
{
	wb_be(w, (uint32_t)s->kind, 4);
	if (s->kind == 2) {
		wb_f64(w, s->min_range);
		wb_f64(w, s->max_range);
	}
}

static void wb_stats_map(struct wb *w, int n, const int *idx, const struct norm_stats *s)
{
	wb_be(w, (uint32_t)n, 4);
	for (int i = 0; i < n; i++) {
		wb_be(w, (uint32_t)idx[i], 4);
		wb_be(w, (uint32_t)s[i].kind, 4);
		wb_stats(w, &s[i]);
	}
}

static void wb_strategy_map(struct wb *w, int n, const int *idx, const struct norm_strategy *s)
{
	wb_be(w, (uint32_t)n, 4);
	for (int i = 0; i < n; i++) {
		wb_be(w, (uint32_t)idx[i], 4);
		wb_strategy(w, &s[i]);
	}
}

/* Counts and the arrays they size agree (a normalizer built by hand may get this wrong). */
static int check_lists(const struct normalizer *n, struct err *e)
{
	bool hybrid = n->type == NORM_MULTI_HYBRID;
	const struct {
		int count;
		const void *ptr, *idx;
		const char *what;
	} l[] = {
		{ n->n_inputs, n->inputs, hybrid ? (const void *)n->input_idx : n, "inputs" },
		{ n->n_outputs, n->outputs, hybrid ? (const void *)n->output_idx : n, "outputs" },
		{ n->n_per_in, n->per_in, n->per_in_idx, "per-input strategies" },
		{ n->n_per_out, n->per_out, n->per_out_idx, "per-output strategies" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(l); i++)
		if (l[i].count < 0 || (l[i].count > 0 && (!l[i].ptr || !l[i].idx)))
			return err_set(e, -EINVAL, "%d %s without their arrays", l[i].count,
				       l[i].what);
	return 0;
}

int codec_norm_encode(const struct normalizer *n, uint8_t **out, size_t *len, struct err *e)
{
	struct wb w = { .e = e };

	if ((unsigned)n->type >= NORM__COUNT)
		return err_set(e, -EINVAL, "cannot encode normalizer type %d", (int)n->type);
	if (check_lists(n, e))
		return -EINVAL;
	wb_utf(&w, HEADER);
	wb_be(&w, 1, 4);
	wb_utf(&w, type_names[n->type]);
	switch (n->type) {
	case NORM_STANDARDIZE:
	case NORM_MIN_MAX:
		wb_be(&w, n->fit_labels, 1);
		if (n->type == NORM_MIN_MAX) {
			wb_f64(&w, n->target_min);
			wb_f64(&w, n->target_max);
		}
		if (n->n_inputs < 1 || (n->fit_labels && n->n_outputs < 1)) {
			w.rc = err_set(e, -EINVAL, "%s normalizer without statistics",
				       type_names[n->type]);
			break;
		}
		wb_stats(&w, &n->inputs[0]);
		if (n->fit_labels)
			wb_stats(&w, &n->outputs[0]);
		break;
	case NORM_IMAGE_MIN_MAX:
		wb_f64(&w, n->min_range);
		wb_f64(&w, n->max_range);
		wb_f64(&w, n->max_pixel);
		break;
	case NORM_MULTI_STANDARDIZE:
	case NORM_MULTI_MIN_MAX:
		wb_be(&w, n->fit_labels, 1);
		wb_be(&w, (uint32_t)n->n_inputs, 4);
		wb_be(&w, (uint32_t)(n->fit_labels ? n->n_outputs : n->unfit_n_outputs), 4);
		if (n->type == NORM_MULTI_MIN_MAX) {
			wb_f64(&w, n->target_min);
			wb_f64(&w, n->target_max);
		}
		for (int i = 0; i < n->n_inputs; i++)
			wb_stats(&w, &n->inputs[i]);
		for (int i = 0; n->fit_labels && i < n->n_outputs; i++)
			wb_stats(&w, &n->outputs[i]);
		break;
	case NORM_MULTI_HYBRID:
		wb_stats_map(&w, n->n_inputs, n->input_idx, n->inputs);
		wb_stats_map(&w, n->n_outputs, n->output_idx, n->outputs);
		wb_strategy(&w, &n->global_in);
		wb_strategy(&w, &n->global_out);
		wb_strategy_map(&w, n->n_per_in, n->per_in_idx, n->per_in);
		wb_strategy_map(&w, n->n_per_out, n->per_out_idx, n->per_out);
		break;
	case NORM_IMAGE_VGG16:
		break;
	case NORM_CUSTOM:
		wb_utf(&w, n->custom_class ? n->custom_class : "");
		wb_put(&w, n->custom_payload, n->custom_len);
		break;
	default:
		break;
	}
	wb_put(&w, n->rest, n->rest_len);
	if (w.rc) {
		dl_free(w.p);
		return w.rc;
	}
	if (!w.p) { /* only possible for an empty stream, which cannot happen */
		w.p = dl_malloc(1);
		if (!w.p)
			return nomem(e);
	}
	*out = w.p;
	*len = w.len;
	return 0;
}

/* ------------------------------------------------------------------ JSON */

/* A JSON string of ASCII-ish bytes (class names). */
static void sb_str(struct sbuf *b, const char *s)
{
	sb_json_str(b, s, strlen(s));
}

static void sb_key(struct sbuf *b, const char *k)
{
	sb_printf(b, ",\"%s\":", k);
}

/* Base64 as a JSON string. */
static void sb_base64_str(struct sbuf *b, const uint8_t *p, size_t n)
{
	sb_put(b, "\"", 1);
	sb_base64(b, p, n);
	sb_put(b, "\"", 1);
}

static void sb_elem(struct sbuf *b, const struct tensor *t, int64_t off)
{
	const uint8_t *p =
		(const uint8_t *)t->data + (size_t)off * tensor_dtype_info[t->dtype].size;

	switch (t->dtype) {
	case DT_F32: {
		float f;

		memcpy(&f, p, 4);
		sb_json_num(b, (double)f, true);
		break;
	}
	case DT_F64: {
		double d;

		memcpy(&d, p, 8);
		sb_json_num(b, d, false);
		break;
	}
	case DT_F16:
	case DT_BF16:
		sb_json_num(b, dtype_load_f64(t->dtype, p), true);
		break;
	case DT_I64: {
		int64_t v;

		memcpy(&v, p, 8);
		sb_printf(b, "%" PRId64, v);
		break;
	}
	case DT_U64: {
		uint64_t v;

		memcpy(&v, p, 8);
		sb_printf(b, "%" PRIu64, v);
		break;
	}
	default: /* small integers and bool are exact as doubles */
		sb_printf(b, "%.17g", dtype_load_f64(t->dtype, p));
	}
}

/* Nested lists by shape, elements addressed through the strides. */
static void sb_dims(struct sbuf *b, const struct tensor *t, int d, int64_t off)
{
	if (d == t->rank) {
		sb_elem(b, t, off);
		return;
	}
	sb_put(b, "[", 1);
	for (int64_t i = 0; i < t->shape[d] && !b->rc; i++) {
		if (i)
			sb_put(b, ",", 1);
		sb_dims(b, t, d + 1, off + i * t->stride[d]);
	}
	sb_put(b, "]", 1);
}

static void sb_tensor(struct sbuf *b, const char *key, const struct tensor *t)
{
	if (key)
		sb_key(b, key);
	if (!t) {
		sb_puts(b, "null");
		return;
	}
	sb_dims(b, t, 0, 0);
}

/* {"mean":..,"std":..} or {"min":..,"max":..} (first: no leading comma) */
static void sb_stats_fields(struct sbuf *b, const struct norm_stats *s)
{
	bool mm = s->kind == 2;

	sb_printf(b, "\"%s\":", mm ? "min" : "mean");
	sb_tensor(b, NULL, s->a);
	sb_tensor(b, mm ? "max" : "std", s->b);
}

static void sb_stats_list(struct sbuf *b, const char *key, int n, const struct norm_stats *s,
			  const int *idx)
{
	sb_key(b, key);
	sb_put(b, "[", 1);
	for (int i = 0; i < n; i++) {
		sb_puts(b, i ? ",{" : "{");
		if (idx)
			sb_printf(b, "\"index\":%d,\"strategy\":\"%s\",", idx[i],
				  s[i].kind == 2 ? "MIN_MAX" : "STANDARDIZE");
		sb_stats_fields(b, &s[i]);
		sb_put(b, "}", 1);
	}
	sb_put(b, "]", 1);
}

/* Strategy members after an opening brace (no leading comma). */
static void sb_strategy_fields(struct sbuf *b, const struct norm_strategy *s)
{
	sb_printf(b, "\"strategy\":\"%s\"", s->kind == 2 ? "MIN_MAX" : "STANDARDIZE");
	if (s->kind == 2) {
		sb_puts(b, ",\"minRange\":");
		sb_json_num(b, s->min_range, false);
		sb_puts(b, ",\"maxRange\":");
		sb_json_num(b, s->max_range, false);
	}
}

static void sb_strategy(struct sbuf *b, const char *key, const struct norm_strategy *s)
{
	sb_key(b, key);
	if (!s->kind) {
		sb_puts(b, "null");
		return;
	}
	sb_put(b, "{", 1);
	sb_strategy_fields(b, s);
	sb_put(b, "}", 1);
}

static void sb_strategy_list(struct sbuf *b, const char *key, int n, const int *idx,
			     const struct norm_strategy *s)
{
	sb_key(b, key);
	sb_put(b, "[", 1);
	for (int i = 0; i < n; i++) {
		sb_printf(b, "%s{\"index\":%d,", i ? "," : "", idx[i]);
		if (s[i].kind)
			sb_strategy_fields(b, &s[i]);
		else
			sb_puts(b, "\"strategy\":null");
		sb_put(b, "}", 1);
	}
	sb_put(b, "]", 1);
}

static void sb_double_key(struct sbuf *b, const char *key, double d)
{
	sb_key(b, key);
	sb_json_num(b, d, false);
}

static void sb_payload(struct sbuf *b, const uint8_t *p, size_t n)
{
	sb_key(b, "payloadBytes");
	sb_printf(b, "%zu", n);
	if (n) {
		sb_key(b, "payload");
		sb_base64_str(b, p, n);
	}
}

int codec_norm_to_json(const struct normalizer *n, char **out, size_t *len, struct err *e)
{
	struct sbuf b = { .e = e };
	bool mm;

	if ((unsigned)n->type >= NORM__COUNT)
		return err_set(e, -EINVAL, "cannot render normalizer type %d", (int)n->type);
	if (check_lists(n, e))
		return -EINVAL;
	sb_printf(&b, "{\"type\":\"%s\"", type_names[n->type]);
	switch (n->type) {
	case NORM_STANDARDIZE:
	case NORM_MIN_MAX:
		mm = n->type == NORM_MIN_MAX;
		sb_key(&b, "fitLabels");
		sb_puts(&b, n->fit_labels ? "true" : "false");
		if (mm) {
			sb_double_key(&b, "targetMin", n->target_min);
			sb_double_key(&b, "targetMax", n->target_max);
		}
		if (n->n_inputs > 0) {
			sb_tensor(&b, mm ? "min" : "mean", n->inputs[0].a);
			sb_tensor(&b, mm ? "max" : "std", n->inputs[0].b);
		}
		if (n->fit_labels && n->n_outputs > 0) {
			sb_tensor(&b, mm ? "labelMin" : "labelMean", n->outputs[0].a);
			sb_tensor(&b, mm ? "labelMax" : "labelStd", n->outputs[0].b);
		}
		break;
	case NORM_IMAGE_MIN_MAX:
		sb_double_key(&b, "minRange", n->min_range);
		sb_double_key(&b, "maxRange", n->max_range);
		sb_double_key(&b, "maxPixelVal", n->max_pixel);
		break;
	case NORM_MULTI_STANDARDIZE:
	case NORM_MULTI_MIN_MAX:
		sb_key(&b, "fitLabels");
		sb_puts(&b, n->fit_labels ? "true" : "false");
		sb_key(&b, "numInputs");
		sb_printf(&b, "%d", n->n_inputs);
		sb_key(&b, "numOutputs");
		sb_printf(&b, "%" PRId32,
			  n->fit_labels ? (int32_t)n->n_outputs : n->unfit_n_outputs);
		if (n->type == NORM_MULTI_MIN_MAX) {
			sb_double_key(&b, "targetMin", n->target_min);
			sb_double_key(&b, "targetMax", n->target_max);
		}
		sb_stats_list(&b, "inputs", n->n_inputs, n->inputs, NULL);
		if (n->fit_labels)
			sb_stats_list(&b, "outputs", n->n_outputs, n->outputs, NULL);
		break;
	case NORM_MULTI_HYBRID:
		sb_stats_list(&b, "inputStats", n->n_inputs, n->inputs, n->input_idx);
		sb_stats_list(&b, "outputStats", n->n_outputs, n->outputs, n->output_idx);
		sb_strategy(&b, "globalInputStrategy", &n->global_in);
		sb_strategy(&b, "globalOutputStrategy", &n->global_out);
		sb_strategy_list(&b, "perInputStrategies", n->n_per_in, n->per_in_idx, n->per_in);
		sb_strategy_list(&b, "perOutputStrategies", n->n_per_out, n->per_out_idx,
				 n->per_out);
		break;
	case NORM_IMAGE_VGG16:
		sb_payload(&b, n->rest, n->rest_len);
		break;
	case NORM_CUSTOM:
		sb_key(&b, "strategyClass");
		sb_str(&b, n->custom_class ? n->custom_class : "");
		sb_payload(&b, n->custom_payload, n->custom_len);
		break;
	default:
		break;
	}
	if (n->type != NORM_IMAGE_VGG16 && n->rest_len) {
		sb_key(&b, "trailingBytes");
		sb_printf(&b, "%zu", n->rest_len);
	}
	sb_puts(&b, "}\n");
	if (b.rc) {
		dl_free(b.p);
		return b.rc;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}
