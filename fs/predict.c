/* predict.c - the virtual `predict` file: a client writes a batch of inputs and reads the
 * network's outputs.
 *
 * Input formats: text (CSV, TSV or whitespace separated, one example per line, an optional
 * "# shape=(N, ...)" line), NumPy .npy (any rank, batch first, float32/float64/float16 in
 * either byte order) and .npz (one member per network input, by name). The answer uses the
 * same format (text values are printed so that they parse back to the same float32; several
 * outputs of a graph become an .npz, or text blocks with "# NAME shape=(...)" lines).
 *
 * Each open file handle is a session (fi->fh) with its own input buffer and answer, so
 * concurrent clients never see each other's results. The network runs at the first read
 * after writes, at flush (close(2) gets its error) or at release, whichever comes first.
 * The last completed answer is also kept in the node, for `cat in > predict; cat predict`.
 * Failures are EINVAL (bad input) or ENOTSUP (a model the engine cannot run); the message is
 * logged and kept for the user.dl4jfs.error extended attribute.
 */
#include "fs/predict.h"

#include <fuse.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/alloc.h"
#include "codec/log.h"
#include "codec/nd4j.h"
#include "codec/npz.h"
#include "codec/numfmt.h"
#include "codec/sbuf.h"
#include "engine/engine.h"

#define NPY_MAX_HEADER ((size_t)1 << 20)
#define TOKEN_MAX      64
#define NORM_EPS       1e-5

struct predict {
	pthread_mutex_t lock;	  /* everything below except the engine run */
	pthread_mutex_t run_lock; /* the engine holds one plan: one run at a time */
	bool inited;
	int init_rc;
	struct err init_err;
	float *params;
	struct eng_net *net;
	uint8_t *last; /* the last completed answer (owned) */
	size_t last_len;
	bool failed; /* the last attempt failed: err says why */
	struct err err;
};

struct predict_sess {
	pthread_mutex_t lock;
	struct node *node;
	uint8_t *in; /* input written since the batch started (owned) */
	size_t in_len, in_cap;
	off_t in_base; /* file offset of the batch's first byte */
	bool started;  /* a batch has been started by a write */
	bool dirty;    /* input written since the last run */
	bool ran;      /* a run happened since the last write: the next write starts a batch */
	int rc;	       /* error of this handle's last run */
	bool has_out;
	uint8_t *out; /* this handle's answer (owned) */
	size_t out_len;
	bool based;
	off_t base; /* file offset the answer is read from (the first read's offset) */
};

enum pfmt { PF_TEXT, PF_NPY, PF_NPZ };

/* One parsed batch: inputs and outputs as contiguous c-order float32 tensors (data owned). */
struct batch {
	enum pfmt fmt;
	char sep;
	int n_in, n_out;
	struct tensor in[ENG_MAX_IO];
	struct tensor out[ENG_MAX_IO];
};

static struct predict *P(struct fs_ctx *ctx)
{
	return ctx->pred;
}

static void batch_free(struct batch *b)
{
	for (int i = 0; i < ENG_MAX_IO; i++) {
		dl_free(b->in[i].data);
		dl_free(b->out[i].data);
		b->in[i].data = b->out[i].data = NULL;
	}
}

static void tensor_set(struct tensor *t, int rank, const int64_t *shape, float *data)
{
	memset(t, 0, sizeof(*t));
	t->dtype = DT_F32;
	t->rank = rank;
	memcpy(t->shape, shape, (size_t)rank * sizeof(*shape));
	tensor_std_strides(rank, t->shape, 'c', t->stride);
	t->order = 'c';
	t->data = data;
}

static void shape_str(int rank, const int64_t *shape, char *buf, size_t len)
{
	size_t k = (size_t)snprintf(buf, len, "(");

	for (int d = 0; d < rank && k < len; d++)
		k += (size_t)snprintf(buf + k, len - k, d ? ", %lld" : "%lld", (long long)shape[d]);
	if (k < len)
		snprintf(buf + k, len - k, rank == 1 ? ",)" : ")");
}

/* ------------------------------------------------------------------ network names */

static int net_inputs(const struct model *m)
{
	return m->type == NET_CG ? m->n_inputs : 1;
}

static const char *in_name(const struct model *m, int i)
{
	return m->type == NET_CG && i < m->n_inputs ? m->inputs[i] : "input";
}

static const char *out_name(const struct model *m, int i)
{
	return m->type == NET_CG && i < m->n_outputs ? m->outputs[i] : "output";
}

/* ------------------------------------------------------------------ parameters, engine */

/* Decodes coefficients.bin's flat array (big-endian, any float type) into host float32. */
static int decode_params(struct fs_ctx *ctx, float **out, struct err *e)
{
	const struct dl4j_archive *a = ctx->a;
	int64_t n = a->model->n_coeffs;
	struct blob *bl;
	enum dtype dt = a->coef.fmt.dtype;
	unsigned es = tensor_dtype_info[dt].size;
	size_t bytes, end;
	uint8_t *tmp = NULL;
	float *p;
	int rc;

	*out = NULL;
	if (n <= 0 || !a->has_coeffs)
		return 0;
	if (a->coef.n < n)
		return err_set(e, -EINVAL,
			       "coefficients.bin holds %lld values, the model needs %lld",
			       (long long)a->coef.n, (long long)n);
	if (!size_mul_ok((size_t)n, es, &bytes) || !size_add_ok(a->coef.data_off, bytes, &end))
		return err_set(e, -EOVERFLOW, "coefficients.bin: %lld values overflow",
			       (long long)n);
	bl = &ctx->blobs[a->coef_e->index];
	rc = blob_wait(bl, end, e);
	if (rc)
		return rc;
	if (end > bl->size)
		return err_set(e, -EINVAL, "coefficients.bin: data end past the entry");
	p = dl_malloc((size_t)n * sizeof(float));
	if (!p)
		return err_set(e, -ENOMEM, "out of memory for %lld parameters", (long long)n);
	if (dt == DT_F32) {
		memcpy(p, bl->data + a->coef.data_off, bytes);
		codec_nd4j_swap(dt, p, (size_t)n);
	} else {
		tmp = dl_malloc(bytes);
		if (!tmp) {
			dl_free(p);
			return err_set(e, -ENOMEM, "out of memory for %lld parameters",
				       (long long)n);
		}
		memcpy(tmp, bl->data + a->coef.data_off, bytes);
		codec_nd4j_swap(dt, tmp, (size_t)n);
		for (int64_t i = 0; i < n; i++)
			p[i] = (float)dtype_load_f64(dt, tmp + (size_t)i * es);
		dl_free(tmp);
	}
	*out = p;
	return 0;
}

/* Decodes the parameters and binds the network, once; the outcome is kept. */
static int ensure_net(struct fs_ctx *ctx, struct err *e)
{
	struct predict *pr = P(ctx);
	int rc;

	pthread_mutex_lock(&pr->lock);
	if (!pr->inited) {
		struct err ie = { 0 };

		rc = decode_params(ctx, &pr->params, &ie);
		if (!rc)
			rc = eng_net_new(ctx->a->model, pr->params, &pr->net, &ie);
		if (rc && rc != -ENOTSUP && rc != -ENOMEM)
			rc = -EIO;
		pr->init_rc = rc;
		pr->init_err = ie;
		pr->inited = true;
	}
	rc = pr->init_rc;
	if (rc)
		*e = pr->init_err;
	pthread_mutex_unlock(&pr->lock);
	return rc;
}

/* ------------------------------------------------------------------ text input */

struct fbuf {
	float *v;
	size_t n, cap;
};

static int fb_push(struct fbuf *f, float x)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 1024;
		float *v = dl_realloc(f->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n++] = x;
	return 0;
}

/* Parses "(N, 3, 28, 28)" / "[N,3,28,28]" after "shape=": the per-example dims, and the
 * batch size (-1 when not a number). Returns the per-example rank, or -1. */
static int parse_hdr_shape(const char *s, const char *end, int64_t *ex, int64_t *n)
{
	int rank = 0;
	char close;

	while (s < end && *s == ' ')
		s++;
	if (s >= end || (*s != '(' && *s != '['))
		return -1;
	close = *s == '(' ? ')' : ']';
	s++;
	*n = -1;
	for (int i = 0;; i++) {
		char *q;
		long long v;

		while (s < end && (*s == ' ' || *s == ','))
			s++;
		if (s >= end)
			return -1;
		if (*s == close)
			break;
		if (isdigit((unsigned char)*s)) {
			v = strtoll(s, &q, 10);
			if (q == s || v < 1 || v > ((int64_t)1 << 40))
				return -1;
			s = q;
		} else if (i == 0) {
			while (s < end &&
			       (isalnum((unsigned char)*s) || *s == '?' || *s == '-' || *s == '_'))
				s++;
			v = -1;
		} else {
			return -1;
		}
		if (i == 0)
			*n = v;
		else if (rank < TENSOR_MAX_RANK - 1)
			ex[rank++] = v;
		else
			return -1;
		while (s < end && *s == ' ')
			s++;
		if (s < end && (*s == 'x' || *s == ','))
			s++;
	}
	return rank;
}

static bool is_delim(char c)
{
	return c == ' ' || c == '\t' || c == ',' || c == ';' || c == '\r';
}

/* Parses one data line into f; *cols gets its value count. */
static int parse_line(const char *s, const char *end, int line, struct fbuf *f, int64_t *cols,
		      char *sep, struct err *e)
{
	bool want = false; /* a separator was seen: a value must follow */
	int64_t k = 0;

	for (;;) {
		char tok[TOKEN_MAX + 1], *q;
		size_t tl = 0;
		float v;

		while (s < end && (*s == ' ' || *s == '\t' || *s == '\r')) {
			if (*s == '\t' && *sep == ' ')
				*sep = '\t';
			s++;
		}
		if (s >= end)
			break;
		if (*s == ',' || *s == ';') {
			if (!want && k == 0)
				return err_set(e, -EINVAL, "line %d: empty value before '%c'", line,
					       *s);
			if (want)
				return err_set(e, -EINVAL, "line %d: empty value after '%c'", line,
					       *s);
			*sep = ',';
			want = true;
			s++;
			continue;
		}
		while (s + tl < end && !is_delim(s[tl]))
			tl++;
		if (tl > TOKEN_MAX)
			return err_set(e, -EINVAL,
				       "line %d, value %lld: '%.20s...' is not a number", line,
				       (long long)k + 1, s);
		memcpy(tok, s, tl);
		tok[tl] = '\0';
		v = strtof(tok, &q);
		if (q == tok || *q)
			return err_set(e, -EINVAL, "line %d, value %lld: '%s' is not a number",
				       line, (long long)k + 1, tok);
		if (fb_push(f, v))
			return err_set(e, -ENOMEM, "out of memory");
		k++;
		want = false;
		s += tl;
	}
	if (want)
		return err_set(e, -EINVAL, "line %d: empty value at the end of the line", line);
	*cols = k;
	return 0;
}

static int parse_text(struct fs_ctx *ctx, const uint8_t *buf, size_t len, struct batch *b,
		      struct err *e)
{
	const char *p = (const char *)buf, *end = p + len;
	struct fbuf f = { 0 };
	int64_t ex[TENSOR_MAX_RANK], shape[TENSOR_MAX_RANK], hdr_n = -1, cols = -1, rows = 0;
	int ex_rank = -1, line = 0, first_line = 0, rc = 0;
	char hdr[128] = "";

	b->fmt = PF_TEXT;
	b->sep = ' ';
	if (memchr(buf, '\0', len))
		return err_set(e, -EINVAL,
			       "input is neither text, .npy nor .npz (it has NUL bytes)");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *s = p;
		int64_t k = 0;

		line++;
		p = nl ? nl + 1 : end;
		while (s < le && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		if (s == le)
			continue;
		if (*s == '#') {
			const char *sh;

			if (rows || ex_rank >= 0)
				continue;
			for (sh = s; sh + 6 <= le && memcmp(sh, "shape=", 6); sh++)
				;
			if (sh + 6 > le)
				continue;
			ex_rank = parse_hdr_shape(sh + 6, le, ex, &hdr_n);
			snprintf(hdr, sizeof(hdr), "%.*s", (int)(le - sh), sh);
			if (ex_rank < 1) {
				rc = err_set(e, -EINVAL,
					     "line %d: cannot read the shape in '%.*s' "
					     "(expected e.g. '# shape=(N, 3, 28, 28)')",
					     line, (int)(le - s > 80 ? 80 : le - s), s);
				goto out;
			}
			continue;
		}
		rc = parse_line(s, le, line, &f, &k, &b->sep, e);
		if (rc)
			goto out;
		if (cols < 0) {
			cols = k;
			first_line = line;
		} else if (k != cols) {
			rc = err_set(e, -EINVAL, "expected %lld columns, line %d has %lld",
				     (long long)cols, line, (long long)k);
			goto out;
		}
		if (++rows > PREDICT_MAX_EXAMPLES) {
			rc = err_set(e, -EINVAL, "batch of more than %d examples (the limit)",
				     PREDICT_MAX_EXAMPLES);
			goto out;
		}
	}
	if (rows == 0) {
		rc = err_set(e, -EINVAL, "no input: no data lines");
		goto out;
	}
	if (ex_rank < 0 && ctx->in_rank > 0) {
		ex_rank = ctx->in_rank;
		memcpy(ex, ctx->in_shape, sizeof(ex));
		snprintf(hdr, sizeof(hdr), "input_shape option");
	}
	if (ex_rank < 0) {
		ex_rank = 1;
		ex[0] = cols;
	} else {
		int64_t per = 1;

		for (int d = 0; d < ex_rank; d++)
			per *= ex[d]; /* each dim <= 2^40, rank small: checked below */
		if (per != cols) {
			rc = err_set(e, -EINVAL,
				     "%s needs %lld values per example, line %d has %lld", hdr,
				     (long long)per, first_line, (long long)cols);
			goto out;
		}
		if (hdr_n > 0 && hdr_n != rows) {
			rc = err_set(e, -EINVAL, "%s says %lld examples, the input has %lld", hdr,
				     (long long)hdr_n, (long long)rows);
			goto out;
		}
	}
	shape[0] = rows;
	memcpy(shape + 1, ex, (size_t)ex_rank * sizeof(*ex));
	tensor_set(&b->in[0], ex_rank + 1, shape, f.v);
	f.v = NULL;
	b->n_in = 1;
out:
	dl_free(f.v);
	return rc;
}

/* ------------------------------------------------------------------ .npy input */

static const char *dict_value(const char *h, const char *key)
{
	const char *p = strstr(h, key);

	if (!p)
		return NULL;
	p = strchr(p + strlen(key), ':');
	if (!p)
		return NULL;
	p++;
	while (*p == ' ')
		p++;
	return p;
}

static uint32_t rd_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Parses a .npy file into a contiguous c-order float32 tensor (data owned). */
static int parse_npy(const uint8_t *buf, size_t len, const char *what, struct tensor *t,
		     struct err *e)
{
	char *h = NULL, descr[16];
	const char *v;
	size_t hl, off, es, need;
	int64_t shape[TENSOR_MAX_RANK], count = 1;
	int rank = 0, rc = 0;
	bool fortran, big;
	char kind;
	float *out = NULL;

	if (len < 10 || memcmp(buf, "\x93NUMPY", 6))
		return err_set(e, -EINVAL, "%s: not a .npy file", what);
	if (buf[6] == 1) {
		hl = (size_t)buf[8] | (size_t)buf[9] << 8;
		off = 10;
	} else if (buf[6] == 2 || buf[6] == 3) {
		if (len < 12)
			return err_set(e, -EINVAL, "%s: truncated .npy header", what);
		hl = rd_le32(buf + 8);
		off = 12;
	} else {
		return err_set(e, -EINVAL, "%s: .npy version %d is not supported", what, buf[6]);
	}
	if (hl > NPY_MAX_HEADER || hl > len - off)
		return err_set(e, -EINVAL, "%s: truncated .npy header", what);
	h = dl_malloc(hl + 1);
	if (!h)
		return err_set(e, -ENOMEM, "out of memory");
	memcpy(h, buf + off, hl);
	h[hl] = '\0';
	off += hl;

	v = dict_value(h, "'descr'");
	if (!v || (*v != '\'' && *v != '"') || sscanf(v + 1, "%15[^'\"]", descr) != 1) {
		rc = err_set(e, -EINVAL, "%s: .npy header has no descr", what);
		goto out;
	}
	big = descr[0] == '>';
	kind = descr[0] == '<' || descr[0] == '>' || descr[0] == '=' || descr[0] == '|' ? descr[1]
											: descr[0];
	es = (size_t)atoi(descr[0] == kind ? descr + 1 : descr + 2);
	if (kind != 'f' || (es != 2 && es != 4 && es != 8)) {
		rc = err_set(e, -EINVAL,
			     "%s: dtype '%s' is not supported (float16, float32 or "
			     "float64)",
			     what, descr);
		goto out;
	}
	v = dict_value(h, "'fortran_order'");
	if (!v || (strncmp(v, "True", 4) && strncmp(v, "False", 5))) {
		rc = err_set(e, -EINVAL, "%s: .npy header has no fortran_order", what);
		goto out;
	}
	fortran = *v == 'T';
	v = dict_value(h, "'shape'");
	if (!v || *v != '(') {
		rc = err_set(e, -EINVAL, "%s: .npy header has no shape", what);
		goto out;
	}
	for (v++;;) {
		char *q;
		long long d;

		while (*v == ' ' || *v == ',')
			v++;
		if (*v == ')')
			break;
		d = strtoll(v, &q, 10);
		if (q == v || d < 0 || rank == TENSOR_MAX_RANK ||
		    !i64_mul_ok(count, (int64_t)d, &count)) {
			rc = err_set(e, -EINVAL, "%s: bad .npy shape", what);
			goto out;
		}
		shape[rank++] = d;
		v = q;
	}
	if (rank < 2) {
		rc = err_set(e, -EINVAL,
			     "%s: rank %d, expected a batch of examples (rank 2 or "
			     "more, batch first)",
			     what, rank);
		goto out;
	}
	if (shape[0] < 1 || count < 1) {
		rc = err_set(e, -EINVAL, "%s: empty array", what);
		goto out;
	}
	if (shape[0] > PREDICT_MAX_EXAMPLES) {
		rc = err_set(e, -EINVAL, "%s: batch of %lld examples exceeds the limit of %d", what,
			     (long long)shape[0], PREDICT_MAX_EXAMPLES);
		goto out;
	}
	if (!size_mul_ok((size_t)count, es, &need) || need != len - off) {
		rc = err_set(e, -EINVAL, "%s: shape needs %lld values, the data has %zu bytes",
			     what, (long long)count, len - off);
		goto out;
	}
	out = dl_malloc((size_t)count * sizeof(float));
	if (!out) {
		rc = err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	{
		int64_t fstride[TENSOR_MAX_RANK];
		const uint8_t *d = buf + off;
		bool swap = big != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);

		tensor_std_strides(rank, shape, 'f', fstride);
		if (es == 4 && !fortran && !swap) { /* what numpy writes by default: no conversion */
			memcpy(out, d, (size_t)count * sizeof(float));
			goto done;
		}
		for (int64_t i = 0; i < count; i++) {
			int64_t src = i, rem = i;
			uint8_t el[8];

			if (fortran) {
				src = 0;
				for (int k = rank - 1; k >= 0; k--) {
					src += (rem % shape[k]) * fstride[k];
					rem /= shape[k];
				}
			}
			for (size_t k = 0; k < es; k++)
				el[k] = d[(size_t)src * es + (swap ? es - 1 - k : k)];
			if (es == 4) {
				memcpy(&out[i], el, 4);
			} else if (es == 8) {
				double x;

				memcpy(&x, el, 8);
				out[i] = (float)x;
			} else {
				uint16_t x;

				memcpy(&x, el, 2);
				out[i] = half_to_float(x);
			}
		}
	}
done:
	tensor_set(t, rank, shape, out);
	out = NULL;
out:
	dl_free(out);
	dl_free(h);
	return rc;
}

/* ------------------------------------------------------------------ .npz input */

static void join_inputs(const struct model *m, char *buf, size_t len)
{
	size_t k = 0;

	buf[0] = '\0';
	for (int i = 0; i < net_inputs(m) && k < len; i++)
		k += (size_t)snprintf(buf + k, len - k, i ? ", %s" : "%s", in_name(m, i));
}

static int parse_npz(struct fs_ctx *ctx, const uint8_t *buf, size_t len, struct batch *b,
		     struct err *e)
{
	const struct model *m = ctx->a->model;
	struct npz_member *mem = NULL;
	int n = 0, ni = net_inputs(m), rc;
	bool arr = true;
	char names[512], what[300];

	b->fmt = PF_NPZ;
	rc = codec_npz_read(buf, len, &mem, &n, e);
	if (rc)
		return rc == -ENOMEM ? rc : -EINVAL;
	join_inputs(m, names, sizeof(names));
	for (int k = 0; k < n; k++) {
		char *q;

		if (strncmp(mem[k].name, "arr_", 4) || strtol(mem[k].name + 4, &q, 10) != k || *q)
			arr = false;
	}
	for (int k = 0; k < n; k++) {
		int at = -1;

		for (int i = 0; i < ni; i++)
			if (!strcmp(mem[k].name, in_name(m, i)))
				at = i;
		if (at < 0 && arr) /* numpy.savez(f, a, b): arr_0, arr_1 ... by position */
			at = k;
		if (at < 0 || at >= ni) {
			rc = err_set(e, -EINVAL,
				     ".npz member '%s' is not a network input (inputs: "
				     "%s)",
				     mem[k].name, names);
			goto out;
		}
		if (b->in[at].data) {
			rc = err_set(e, -EINVAL, ".npz gives input '%s' twice", in_name(m, at));
			goto out;
		}
		snprintf(what, sizeof(what), ".npz member '%s'", mem[k].name);
		rc = parse_npy(mem[k].data, mem[k].len, what, &b->in[at], e);
		if (rc)
			goto out;
	}
	for (int i = 0; i < ni; i++)
		if (!b->in[i].data) {
			rc = err_set(e, -EINVAL, ".npz has no member '%s.npy' (inputs: %s)",
				     in_name(m, i), names);
			goto out;
		}
	b->n_in = ni;
out:
	codec_npz_free(mem, n);
	return rc;
}

static int parse_input(struct fs_ctx *ctx, const uint8_t *buf, size_t len, struct batch *b,
		       struct err *e)
{
	const struct model *m = ctx->a->model;
	int ni = net_inputs(m), rc;
	char names[512];

	if (len == 0)
		return err_set(e, -EINVAL, "no input");
	if (len >= 6 && !memcmp(buf, "\x93NUMPY", 6)) {
		b->fmt = PF_NPY;
		rc = parse_npy(buf, len, ".npy input", &b->in[0], e);
		b->n_in = rc ? 0 : 1;
	} else if (len >= 4 && !memcmp(buf, "PK\x03\x04", 4)) {
		return parse_npz(ctx, buf, len, b, e);
	} else {
		rc = parse_text(ctx, buf, len, b, e);
	}
	if (!rc && ni != 1) {
		join_inputs(m, names, sizeof(names));
		return err_set(e, -EINVAL,
			       "the network has %d inputs (%s): write an .npz with one "
			       "member per input",
			       ni, names);
	}
	return rc;
}

/* ------------------------------------------------------------------ normalizer */

static int64_t per_example(const struct tensor *t)
{
	int64_t p = 1;

	for (int d = 1; d < t->rank; d++)
		p *= t->shape[d];
	return p;
}

/* mode 1: (x - a) / b (standardize); mode 2: (x - a) / (b - a) * (hi - lo) + lo (min/max). */
static int apply_stats(struct tensor *t, int idx, const struct norm_stats *st, int mode, double lo,
		       double hi, struct err *e)
{
	int64_t na, nb, n = t->shape[0], per = per_example(t), ch, inner;
	float *x = t->data;

	if (!st || !st->a || !st->b)
		return err_set(e, -EINVAL, "normalizer: no statistics for input %d", idx);
	na = tensor_numel(st->a);
	nb = tensor_numel(st->b);
	if (na != nb)
		return err_set(e, -EINVAL, "normalizer: input %d has %lld and %lld statistics", idx,
			       (long long)na, (long long)nb);
	if (na == t->shape[1]) { /* per feature (rank 2) or per channel (rank 3, 4) */
		ch = t->shape[1];
		inner = per / ch;
	} else if (na == per) {
		ch = per;
		inner = 1;
	} else {
		return err_set(e, -EINVAL,
			       "normalizer: %lld statistics for input %d, which has "
			       "%lld features",
			       (long long)na, idx, (long long)t->shape[1]);
	}
	if (mode == 2 && hi < lo + NORM_EPS)
		hi = lo + NORM_EPS;
	/* ND4J works on the float32 arrays: subtract, divide, scale, shift, each rounded */
	for (int64_t c = 0; c < ch; c++) {
		float a = (float)tensor_get_f64(st->a, c), s = (float)tensor_get_f64(st->b, c);

		if (mode == 1) {
			if (s == 0)
				s = 1;
			else if (s < (float)NORM_EPS)
				s = (float)NORM_EPS;
		} else {
			s = s - a < (float)NORM_EPS ? (float)NORM_EPS : s - a;
		}
		for (int64_t i = 0; i < n; i++) {
			float *p = x + i * per + c * inner;

			for (int64_t k = 0; k < inner; k++) {
				float y = (p[k] - a) / s;

				p[k] = mode == 1 ? y : y * (float)(hi - lo) + (float)lo;
			}
		}
	}
	return 0;
}

static int find_stats(const struct normalizer *nm, int i, const struct norm_stats **st)
{
	*st = NULL;
	if (nm->type == NORM_MULTI_HYBRID) {
		for (int k = 0; k < nm->n_inputs; k++)
			if (nm->input_idx && nm->input_idx[k] == i)
				*st = &nm->inputs[k];
	} else if (i < nm->n_inputs) {
		*st = &nm->inputs[i];
	}
	return 0;
}

static int normalize(struct fs_ctx *ctx, struct batch *b, struct err *e)
{
	const struct dl4j_archive *a = ctx->a;
	const struct normalizer *nm = a->norm;
	char msg[600];
	int rc = 0;

	if (!nm) {
		if (a->norm_e)
			return err_set(e, -ENOTSUP,
				       "normalizer.bin cannot be applied (%s); mount "
				       "with -o nonorm to run without it",
				       err_str(&a->norm_err, msg, sizeof(msg)));
		return 0;
	}
	for (int i = 0; i < b->n_in && !rc; i++) {
		struct tensor *t = &b->in[i];
		const struct norm_stats *st;
		float *x = t->data;
		int64_t n = tensor_numel(t);

		find_stats(nm, i, &st);
		switch (nm->type) {
		case NORM_STANDARDIZE:
		case NORM_MULTI_STANDARDIZE:
			rc = apply_stats(t, i, st, 1, 0, 0, e);
			break;
		case NORM_MIN_MAX:
		case NORM_MULTI_MIN_MAX:
			rc = apply_stats(t, i, st, 2, nm->target_min, nm->target_max, e);
			break;
		case NORM_IMAGE_MIN_MAX: {
			double range = nm->max_range - nm->min_range;

			for (int64_t k = 0; k < n; k++) {
				float y = x[k] / (float)nm->max_pixel; /* ND4J: float ops */

				if (range != 1)
					y = y * (float)range;
				if (nm->min_range != 0)
					y = y + (float)nm->min_range;
				x[k] = y;
			}
			break;
		}
		case NORM_IMAGE_VGG16: {
			static const double mean[3] = { 123.68, 116.779, 103.939 };
			int64_t per;

			if (t->rank != 4 || t->shape[1] != 3)
				return err_set(e, -EINVAL,
					       "VGG16 normalizer needs [N, 3, H, W] "
					       "images, input %d has rank %d",
					       i, t->rank);
			per = t->shape[2] * t->shape[3];
			for (int64_t k = 0; k < n; k++)
				x[k] = x[k] - (float)mean[(k / per) % 3];
			break;
		}
		case NORM_MULTI_HYBRID: {
			const struct norm_strategy *s = &nm->global_in;

			for (int k = 0; k < nm->n_per_in; k++)
				if (nm->per_in_idx[k] == i)
					s = &nm->per_in[k];
			if (s->kind == 1)
				rc = apply_stats(t, i, st, 1, 0, 0, e);
			else if (s->kind == 2)
				rc = apply_stats(t, i, st, 2, s->min_range, s->max_range, e);
			break;
		}
		default:
			return err_set(e, -ENOTSUP,
				       "normalizer %s%s%s cannot be applied; mount with "
				       "-o nonorm to run without it",
				       codec_norm_type_name(nm->type), nm->custom_class ? " " : "",
				       nm->custom_class ? nm->custom_class : "");
		}
	}
	return rc;
}

/* ------------------------------------------------------------------ the run */

static int forward(struct fs_ctx *ctx, struct batch *b, struct err *e)
{
	struct predict *pr = P(ctx);
	const struct tensor *ins[ENG_MAX_IO];
	struct tensor *outs[ENG_MAX_IO];
	int rc;

	for (int i = 0; i < b->n_in; i++)
		ins[i] = &b->in[i];
	pthread_mutex_lock(&pr->run_lock);
	rc = eng_plan(pr->net, b->n_in, ins, e);
	if (rc)
		goto out;
	b->n_out = eng_n_outputs(pr->net);
	for (int i = 0; i < b->n_out; i++) {
		const struct tensor *s = eng_output_shape(pr->net, i);
		int64_t n = 1;
		size_t bytes;

		for (int d = 0; d < s->rank; d++)
			if (!i64_mul_ok(n, s->shape[d], &n))
				n = INT64_MAX;
		if (!size_mul_ok((size_t)n, sizeof(float), &bytes) || bytes > PREDICT_MAX_OUTPUT) {
			rc = err_set(e, -EINVAL, "output '%s' would exceed %zu bytes",
				     out_name(ctx->a->model, i), PREDICT_MAX_OUTPUT);
			goto out;
		}
		tensor_set(&b->out[i], s->rank, s->shape, dl_malloc(bytes ? bytes : 1));
		if (!b->out[i].data) {
			rc = err_set(e, -ENOMEM, "out of memory");
			goto out;
		}
		outs[i] = &b->out[i];
	}
	rc = eng_forward(pr->net, ins, outs, e);
out:
	pthread_mutex_unlock(&pr->run_lock);
	return rc;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put_le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* The .npy bytes of an output: float32 little-endian, c order. */
static void npy_out(struct sbuf *sb, const struct tensor *t)
{
	char hdr[1024];
	size_t hl = npy_header(hdr, sizeof(hdr), "<f4", false, t->rank, t->shape);
	int64_t n = tensor_numel(t);
	const float *v = t->data;

	if (hl > sizeof(hdr)) {
		sb->rc = -EOVERFLOW;
		return;
	}
	sb_put(sb, hdr, hl);
	if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
		sb_put(sb, v, (size_t)n * sizeof(float));
		return;
	}
	for (int64_t i = 0; i < n; i++) {
		uint8_t le[4];
		uint32_t u;

		memcpy(&u, &v[i], 4);
		put_le32(le, u);
		sb_put(sb, le, 4);
	}
}

static uint32_t crc_tab[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t k = i;

		for (int j = 0; j < 8; j++)
			k = k & 1 ? 0xedb88320u ^ (k >> 1) : k >> 1;
		crc_tab[i] = k;
	}
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	pthread_once(&crc_once, crc_init);
	for (size_t i = 0; i < n; i++)
		c = crc_tab[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

/* A stored (uncompressed) zip of NAME.npy members: what numpy.load reads as an .npz. */
static int npz_out(struct fs_ctx *ctx, const struct batch *b, struct sbuf *sb, struct err *e)
{
	const struct model *m = ctx->a->model;
	uint32_t offs[ENG_MAX_IO], crcs[ENG_MAX_IO], sizes[ENG_MAX_IO];
	size_t cd_start, cd_len;
	uint8_t h[46];

	for (int i = 0; i < b->n_out; i++) {
		struct sbuf one = { 0 };
		char name[300];
		size_t nl;

		npy_out(&one, &b->out[i]);
		if (one.rc) {
			sb_free(&one);
			return err_set(e, one.rc, "cannot build the .npz answer");
		}
		nl = (size_t)snprintf(name, sizeof(name), "%s.npy", out_name(m, i));
		if (one.len > 0xfffffffeu || sb->len > 0xfffffffeu - one.len - 30 - nl) {
			sb_free(&one);
			return err_set(e, -EINVAL, ".npz answer exceeds 4 GiB");
		}
		offs[i] = (uint32_t)sb->len;
		crcs[i] = crc32_of((const uint8_t *)one.p, one.len);
		sizes[i] = (uint32_t)one.len;
		memset(h, 0, 30);
		put_le32(h, 0x04034b50);
		put_le16(h + 4, 20);
		put_le32(h + 14, crcs[i]);
		put_le32(h + 18, sizes[i]);
		put_le32(h + 22, sizes[i]);
		put_le16(h + 26, (uint32_t)nl);
		sb_put(sb, h, 30);
		sb_put(sb, name, nl);
		sb_put(sb, one.p, one.len);
		sb_free(&one);
	}
	cd_start = sb->len;
	for (int i = 0; i < b->n_out; i++) {
		char name[300];
		size_t nl = (size_t)snprintf(name, sizeof(name), "%s.npy", out_name(m, i));

		memset(h, 0, 46);
		put_le32(h, 0x02014b50);
		put_le16(h + 4, 20);
		put_le16(h + 6, 20);
		put_le32(h + 16, crcs[i]);
		put_le32(h + 20, sizes[i]);
		put_le32(h + 24, sizes[i]);
		put_le16(h + 28, (uint32_t)nl);
		put_le32(h + 42, offs[i]);
		sb_put(sb, h, 46);
		sb_put(sb, name, nl);
	}
	cd_len = sb->len - cd_start;
	memset(h, 0, 22);
	put_le32(h, 0x06054b50);
	put_le16(h + 8, (uint32_t)b->n_out);
	put_le16(h + 10, (uint32_t)b->n_out);
	put_le32(h + 12, (uint32_t)cd_len);
	put_le32(h + 16, (uint32_t)cd_start);
	sb_put(sb, h, 22);
	return 0;
}

static void text_out(const struct model *m, const struct batch *b, struct sbuf *sb)
{
	char sh[256], num[32];

	for (int i = 0; i < b->n_out; i++) {
		const struct tensor *t = &b->out[i];
		int64_t n = t->rank ? t->shape[0] : 1, per = t->rank ? per_example(t) : 1;
		const float *v = t->data;

		shape_str(t->rank, t->shape, sh, sizeof(sh));
		if (b->n_out > 1)
			sb_printf(sb, "# %s shape=%s\n", out_name(m, i), sh);
		else if (t->rank != 2)
			sb_printf(sb, "# shape=%s\n", sh);
		for (int64_t r = 0; r < n; r++) {
			for (int64_t k = 0; k < per; k++) {
				int l = numfmt_f32(v[r * per + k], num);

				if (k)
					sb_put(sb, &b->sep, 1);
				sb_put(sb, num, (size_t)l);
			}
			sb_put(sb, "\n", 1);
		}
	}
}

static int format_output(struct fs_ctx *ctx, const struct batch *b, uint8_t **out, size_t *len,
			 struct err *e)
{
	struct sbuf sb = { .max = PREDICT_MAX_OUTPUT, .what = "the answer" };
	int rc = 0;

	if (b->fmt == PF_TEXT)
		text_out(ctx->a->model, b, &sb);
	else if (b->fmt == PF_NPY && b->n_out == 1)
		npy_out(&sb, &b->out[0]);
	else
		rc = npz_out(ctx, b, &sb, e);
	if (!rc && sb.rc)
		rc = err_set(e, sb.rc == -EOVERFLOW ? -EINVAL : sb.rc,
			     "the answer exceeds %zu bytes", PREDICT_MAX_OUTPUT);
	if (rc) {
		sb_free(&sb);
		return rc;
	}
	*out = (uint8_t *)(sb.p ? sb.p : dl_calloc(1, 1));
	*len = sb.len;
	return *out ? 0 : err_set(e, -ENOMEM, "out of memory");
}

static int fail(struct fs_ctx *ctx, struct err *e, int rc)
{
	struct predict *pr = P(ctx);
	char msg[600];

	if (!e->code)
		err_set(e, rc, "prediction failed");
	err_str(e, msg, sizeof(msg));
	log_error("%s: %s", ctx->predict_node ? ctx->predict_node->path + 1 : "predict", msg);
	pthread_mutex_lock(&pr->lock);
	pr->err = *e;
	pr->failed = true;
	pthread_mutex_unlock(&pr->lock);
	return rc;
}

static void invalidate(struct fs_ctx *ctx)
{
	struct fuse_context *fc = fuse_get_context();

	if (fc && fc->fuse && ctx->predict_node)
		fuse_invalidate_path(fc->fuse, ctx->predict_node->path);
}

/* Runs the session's pending input. Called with s->lock held. */
static int run(struct fs_ctx *ctx, struct predict_sess *s)
{
	struct predict *pr = P(ctx);
	struct batch b = { 0 };
	struct err e = { 0 };
	uint8_t *out = NULL, *copy = NULL;
	size_t out_len = 0;
	int rc;

	s->dirty = false;
	s->ran = true;
	s->has_out = false;
	s->based = false;
	dl_free(s->out);
	s->out = NULL;
	s->out_len = 0;
	rc = ensure_net(ctx, &e);
	if (!rc)
		rc = parse_input(ctx, s->in, s->in_len, &b, &e);
	if (!rc && !ctx->nonorm)
		rc = normalize(ctx, &b, &e);
	if (!rc)
		rc = forward(ctx, &b, &e);
	if (!rc)
		rc = format_output(ctx, &b, &out, &out_len, &e);
	batch_free(&b);
	if (!rc) {
		copy = dl_malloc(out_len ? out_len : 1);
		if (!copy)
			rc = err_set(&e, -ENOMEM, "out of memory");
	}
	if (rc) {
		dl_free(out);
		if (rc != -ENOMEM && rc != -ENOTSUP)
			rc = -EINVAL;
		s->rc = fail(ctx, &e, rc);
		invalidate(ctx); /* the kernel may have grown the size with the writes */
		return rc;
	}
	memcpy(copy, out, out_len);
	s->out = out;
	s->out_len = out_len;
	s->has_out = true;
	s->rc = 0;
	pthread_mutex_lock(&pr->lock);
	dl_free(pr->last);
	pr->last = copy;
	pr->last_len = out_len;
	pr->failed = false;
	err_clear(&pr->err);
	if (ctx->predict_node) {
		pthread_mutex_lock(&ctx->predict_node->lock);
		ctx->predict_node->size = out_len;
		pthread_mutex_unlock(&ctx->predict_node->lock);
	}
	pthread_mutex_unlock(&pr->lock);
	invalidate(ctx);
	return 0;
}

/* ------------------------------------------------------------------ file operations */

int predict_init(struct fs_ctx *ctx)
{
	struct predict *pr = dl_calloc(1, sizeof(*pr));

	if (!pr)
		return -ENOMEM;
	pthread_mutex_init(&pr->lock, NULL);
	pthread_mutex_init(&pr->run_lock, NULL);
	ctx->pred = pr;
	return 0;
}

void predict_fini(struct fs_ctx *ctx)
{
	struct predict *pr = P(ctx);

	if (!pr)
		return;
	eng_net_free(pr->net);
	dl_free(pr->params);
	dl_free(pr->last);
	pthread_mutex_destroy(&pr->lock);
	pthread_mutex_destroy(&pr->run_lock);
	dl_free(pr);
	ctx->pred = NULL;
}

int predict_set_input_shape(struct fs_ctx *ctx, const char *spec, struct err *e)
{
	const char *p = spec;
	int rank = 0;

	while (*p) {
		char *q;
		long long v = strtoll(p, &q, 10);

		if (q == p || v < 1 || v > ((int64_t)1 << 30) || rank == TENSOR_MAX_RANK - 1)
			return err_set(e, -EINVAL,
				       "input_shape=%s: expected dimensions like "
				       "3x28x28",
				       spec);
		ctx->in_shape[rank++] = v;
		p = q;
		if (*p == 'x' || *p == 'X' || *p == ',')
			p++;
		else if (*p)
			return err_set(e, -EINVAL,
				       "input_shape=%s: expected dimensions like "
				       "3x28x28",
				       spec);
	}
	if (!rank)
		return err_set(e, -EINVAL, "input_shape=%s: expected dimensions like 3x28x28",
			       spec);
	ctx->in_rank = rank;
	return 0;
}

int predict_open(struct fs_ctx *ctx, struct node *n, int flags, struct predict_sess **out)
{
	struct predict_sess *s;

	if (ctx->ro && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)))
		return -EROFS;
	s = dl_calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	s->node = n;
	*out = s;
	return 0;
}

/* The last completed answer, for readers without one of their own. */
static ssize_t read_last(struct fs_ctx *ctx, char *buf, size_t len, off_t off)
{
	struct predict *pr = P(ctx);
	size_t k = 0;

	pthread_mutex_lock(&pr->lock);
	if ((size_t)off < pr->last_len) {
		k = pr->last_len - (size_t)off < len ? pr->last_len - (size_t)off : len;
		memcpy(buf, pr->last + off, k);
	}
	pthread_mutex_unlock(&pr->lock);
	return (ssize_t)k;
}

ssize_t predict_read(struct fs_ctx *ctx, struct predict_sess *s, char *buf, size_t len, off_t off)
{
	struct predict *pr = P(ctx);
	ssize_t rc = 0;
	size_t pos;

	if (off < 0)
		return -EINVAL;
	if (!s)
		return read_last(ctx, buf, len, off);
	pthread_mutex_lock(&s->lock);
	if (s->dirty) {
		rc = run(ctx, s);
		if (rc)
			goto out;
	} else if (s->rc) {
		rc = s->rc;
		goto out;
	}
	if (!s->has_out) { /* a fresh reader: take the last answer, as it is now */
		pthread_mutex_lock(&pr->lock);
		s->out = dl_malloc(pr->last_len ? pr->last_len : 1);
		if (s->out) {
			if (pr->last_len)
				memcpy(s->out, pr->last, pr->last_len);
			s->out_len = pr->last_len;
			s->has_out = true;
		}
		pthread_mutex_unlock(&pr->lock);
		if (!s->out) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (!s->based) { /* the answer starts at the first read, wherever the writes ended */
		s->based = true;
		s->base = off;
	}
	pos = off >= s->base ? (size_t)(off - s->base) : (size_t)off;
	if (pos < s->out_len) {
		rc = (ssize_t)(s->out_len - pos < len ? s->out_len - pos : len);
		memcpy(buf, s->out + pos, (size_t)rc);
	}
out:
	pthread_mutex_unlock(&s->lock);
	return rc;
}

ssize_t predict_write(struct fs_ctx *ctx, struct predict_sess *s, const char *buf, size_t len,
		      off_t off)
{
	struct err e = { 0 };
	size_t pos, end;
	ssize_t rc;

	if (ctx->ro)
		return -EROFS;
	if (off < 0)
		return -EINVAL;
	rc = ensure_net(ctx, &e);
	if (rc)
		return fail(ctx, &e, (int)rc);
	pthread_mutex_lock(&s->lock);
	if (s->ran || !s->started) { /* a new batch */
		s->ran = false;
		s->started = true;
		s->in_len = 0;
		s->in_base = off;
		s->rc = 0;
	}
	if (off < s->in_base) {
		rc = -EINVAL;
		goto out;
	}
	pos = (size_t)(off - s->in_base);
	if (!size_add_ok(pos, len, &end) || end > PREDICT_MAX_INPUT) {
		err_set(&e, -EFBIG, "input exceeds %zu bytes", PREDICT_MAX_INPUT);
		rc = fail(ctx, &e, -EFBIG);
		goto out;
	}
	if (end > s->in_cap) {
		size_t cap = s->in_cap ? s->in_cap : 65536;
		uint8_t *p;

		while (cap < end)
			cap = cap > PREDICT_MAX_INPUT / 2 ? PREDICT_MAX_INPUT : cap * 2;
		p = dl_realloc(s->in, cap);
		if (!p) {
			rc = -ENOMEM;
			goto out;
		}
		s->in = p;
		s->in_cap = cap;
	}
	if (pos > s->in_len)
		memset(s->in + s->in_len, 0, pos - s->in_len);
	memcpy(s->in + pos, buf, len);
	if (end > s->in_len)
		s->in_len = end;
	s->dirty = true;
	rc = (ssize_t)len;
out:
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int predict_truncate(struct fs_ctx *ctx, struct predict_sess *s, off_t size)
{
	int rc = 0;

	if (ctx->ro)
		return -EROFS;
	if (!s)
		return size == 0 ? 0 : -EINVAL; /* truncate(2) by path: nothing is stored */
	pthread_mutex_lock(&s->lock);
	if (size == 0) {
		s->started = s->dirty = s->ran = false;
		s->in_len = 0;
		s->rc = 0;
	} else if (s->started && !s->ran && (size_t)size <= s->in_len) {
		s->in_len = (size_t)size;
	} else {
		rc = -EINVAL;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int predict_flush(struct fs_ctx *ctx, struct predict_sess *s)
{
	int rc = 0;

	pthread_mutex_lock(&s->lock);
	if (s->dirty)
		rc = run(ctx, s);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void predict_release(struct fs_ctx *ctx, struct predict_sess *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->dirty)
		run(ctx, s); /* nobody can see the error but the log and the xattr */
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_destroy(&s->lock);
	dl_free(s->in);
	dl_free(s->out);
	dl_free(s);
}

size_t predict_size(struct fs_ctx *ctx)
{
	struct predict *pr = P(ctx);
	size_t n;

	pthread_mutex_lock(&pr->lock);
	n = pr->last_len;
	pthread_mutex_unlock(&pr->lock);
	return n;
}

bool predict_error(struct fs_ctx *ctx, struct err *e)
{
	struct predict *pr = P(ctx);
	bool f;

	pthread_mutex_lock(&pr->lock);
	f = pr->failed;
	if (f)
		*e = pr->err;
	pthread_mutex_unlock(&pr->lock);
	return f;
}
