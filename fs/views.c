/* views.c - decoded views of ND4J array slices: NumPy .npy and CSV text.
 *
 * Both read straight from the entry's blob (big-endian, as stored) and convert on the fly,
 * so a parameter view costs no memory beyond the one inflated copy of the entry. The .npy
 * header records the logical shape and, for DL4J's 'f'-order weights, fortran_order, so the
 * data are the stored slice itself. The CSV view formats values with the shortest text
 * that parses back bit-exactly; its size needs one formatting pass, after which a
 * checkpoint every CSV_CKPT values gives random access.
 */
#include "fs/fs.h"

#include <stdio.h>
#include <string.h>

#include "codec/alloc.h"
#include "codec/numfmt.h"

static enum dtype npy_out_dtype(enum dtype dt)
{
	return dt == DT_BF16 ? DT_F32 : dt;
}

void fs_npy_setup(struct node *n)
{
	const struct slice *s = &n->src;
	enum dtype od = npy_out_dtype(s->dtype);
	size_t isz = tensor_dtype_info[od].size;

	n->npy_dtype = od;
	n->npy_hdr_len = npy_header(n->npy_hdr, sizeof(n->npy_hdr), tensor_dtype_info[od].npy,
				    s->order == 'f' && s->rank > 1, s->rank, s->shape);
	n->size = n->npy_hdr_len + (size_t)s->count * isz;
	n->sized = n->npy_hdr_len <= sizeof(n->npy_hdr);
}

/* Copies what a read of len bytes at *pos covers of a view's header [0, hlen); advances *pos
 * past it and returns the bytes copied. */
static size_t copy_head(char *buf, size_t len, size_t *pos, const char *head, size_t hlen)
{
	size_t k;

	if (*pos >= hlen)
		return 0;
	k = hlen - *pos < len ? hlen - *pos : len;
	memcpy(buf, head + *pos, k);
	*pos += k;
	return k;
}

/* Converts n big-endian elements of type dt at src into host order of npy_out_dtype(dt). */
static void convert_be(enum dtype dt, const uint8_t *src, uint8_t *dst, size_t n)
{
	switch (tensor_dtype_info[dt].size) {
	case 1:
		memcpy(dst, src, n);
		return;
	case 2:
		if (dt == DT_BF16) {
			for (size_t i = 0; i < n; i++) {
				uint32_t v = ((uint32_t)src[2 * i] << 24) | ((uint32_t)src[2 * i + 1] << 16);
				memcpy(dst + 4 * i, &v, 4);
			}
			return;
		}
		for (size_t i = 0; i < n; i++) {
			uint16_t v;
			memcpy(&v, src + 2 * i, 2);
			v = __builtin_bswap16(v);
			memcpy(dst + 2 * i, &v, 2);
		}
		return;
	case 4:
		for (size_t i = 0; i < n; i++) {
			uint32_t v;
			memcpy(&v, src + 4 * i, 4);
			v = __builtin_bswap32(v);
			memcpy(dst + 4 * i, &v, 4);
		}
		return;
	default:
		for (size_t i = 0; i < n; i++) {
			uint64_t v;
			memcpy(&v, src + 8 * i, 8);
			v = __builtin_bswap64(v);
			memcpy(dst + 8 * i, &v, 8);
		}
		return;
	}
}

ssize_t fs_npy_read(struct node *n, char *buf, size_t len, off_t off, struct err *e)
{
	const struct slice *s = &n->src;
	size_t isz = tensor_dtype_info[s->dtype].size;
	size_t osz = tensor_dtype_info[n->npy_dtype].size;
	size_t pos = (size_t)off, done = 0;
	size_t e0, e1;
	const uint8_t *base;
	int rc;

	if (pos >= n->size)
		return 0;
	if (len > n->size - pos)
		len = n->size - pos;
	done = copy_head(buf, len, &pos, n->npy_hdr, n->npy_hdr_len);
	if (done == len)
		return (ssize_t)done;

	/* data bytes [pos - hdr, pos - hdr + (len - done)) cover elements [e0, e1) */
	pos -= n->npy_hdr_len;
	e0 = pos / osz;
	e1 = (pos + (len - done) + osz - 1) / osz;
	rc = blob_wait(s->blob, s->data_off + ((size_t)s->offset + e1) * isz, e);
	if (rc)
		return rc;
	base = s->blob->data + s->data_off + (size_t)s->offset * isz;

	if (pos % osz) { /* leading partial element */
		uint8_t tmp[8];
		size_t skip = pos % osz, k = osz - skip;

		convert_be(s->dtype, base + e0 * isz, tmp, 1);
		if (k > len - done)
			k = len - done;
		memcpy(buf + done, tmp + skip, k);
		done += k;
		e0++;
	}
	{
		size_t whole = (len - done) / osz;

		convert_be(s->dtype, base + e0 * isz, (uint8_t *)buf + done, whole);
		done += whole * osz;
		e0 += whole;
	}
	if (done < len) { /* trailing partial element */
		uint8_t tmp[8];

		convert_be(s->dtype, base + e0 * isz, tmp, 1);
		memcpy(buf + done, tmp, len - done);
		done = len;
	}
	return (ssize_t)done;
}

/* ------------------------------------------------------------------ CSV */

/* Walks a slice in logical (row-major) order, yielding physical element indices. */
struct walk {
	int rank;
	int64_t shape[TENSOR_MAX_RANK];
	int64_t stride[TENSOR_MAX_RANK];
	int64_t idx[TENSOR_MAX_RANK];
	int64_t phys;
	bool linear; /* physical == logical */
	int64_t i;
};

static void walk_start(struct walk *w, const struct slice *s, int64_t i)
{
	int64_t rem = i;

	w->rank = s->rank;
	w->linear = s->order != 'f' || s->rank < 2;
	w->i = i;
	memcpy(w->shape, s->shape, sizeof(w->shape));
	tensor_std_strides(s->rank, s->shape, 'f', w->stride);
	w->phys = 0;
	if (w->linear) {
		w->phys = i;
		return;
	}
	for (int d = w->rank - 1; d >= 0; d--) {
		w->idx[d] = rem % w->shape[d];
		rem /= w->shape[d];
		w->phys += w->idx[d] * w->stride[d];
	}
}

static inline void walk_next(struct walk *w)
{
	w->i++;
	if (w->linear) {
		w->phys++;
		return;
	}
	for (int d = w->rank - 1; d >= 0; d--) {
		if (++w->idx[d] < w->shape[d]) {
			w->phys += w->stride[d];
			return;
		}
		w->phys -= (w->shape[d] - 1) * w->stride[d];
		w->idx[d] = 0;
	}
}

static int fmt_int(int64_t v, char *out)
{
	char tmp[24];
	int k = 0, n = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		tmp[k++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		out[n++] = '-';
	while (k)
		out[n++] = tmp[--k];
	return n;
}

static int fmt_u64(uint64_t u, char *out)
{
	char tmp[24];
	int k = 0, n = 0;

	do {
		tmp[k++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (k)
		out[n++] = tmp[--k];
	return n;
}

/* Formats the big-endian element at p; returns the length (<= 32). */
static int fmt_elem(enum dtype dt, const uint8_t *p, char *out)
{
	uint8_t h[8];

	convert_be(dt, p, h, 1);
	switch (dt) {
	case DT_F32:
	case DT_BF16: {
		float v;
		memcpy(&v, h, 4);
		return numfmt_f32(v, out);
	}
	case DT_F64: {
		double v;
		memcpy(&v, h, 8);
		return numfmt_f64(v, out);
	}
	case DT_F16: {
		uint16_t v;
		memcpy(&v, h, 2);
		return numfmt_f32(half_to_float(v), out);
	}
	case DT_U64: {
		uint64_t v;
		memcpy(&v, h, 8);
		return fmt_u64(v, out);
	}
	case DT_BOOL:
		out[0] = h[0] ? '1' : '0';
		return 1;
	default:
		return fmt_int((int64_t)dtype_load_f64(dt, h), out);
	}
}

static int64_t csv_cols(const struct slice *s)
{
	return s->rank >= 2 ? s->shape[s->rank - 1] : 1;
}

static const char *npy_name(enum dtype dt)
{
	static const char *const names[DT__COUNT] = {
		[DT_F32] = "float32", [DT_F64] = "float64", [DT_F16] = "float16",
		[DT_BF16] = "bfloat16", [DT_I8] = "int8",     [DT_U8] = "uint8",
		[DT_I16] = "int16",     [DT_U16] = "uint16",  [DT_I32] = "int32",
		[DT_U32] = "uint32",    [DT_I64] = "int64",   [DT_U64] = "uint64",
		[DT_BOOL] = "bool",
	};
	return names[dt];
}

static void csv_head(struct node *n)
{
	const struct slice *s = &n->src;
	char shape[200];
	size_t k = 0;

	shape[k++] = '(';
	for (int d = 0; d < s->rank && k < sizeof(shape) - 24; d++)
		k += (size_t)snprintf(shape + k, sizeof(shape) - k, d ? ", %lld" : "%lld",
				      (long long)s->shape[d]);
	if (s->rank == 1)
		shape[k++] = ',';
	shape[k++] = ')';
	shape[k] = '\0';
	n->csv_head_len = (size_t)snprintf(n->csv_head, sizeof(n->csv_head),
					   "# %s shape=%s dtype=%s\n", s->key, shape,
					   npy_name(s->dtype));
	if (n->csv_head_len >= sizeof(n->csv_head))
		n->csv_head_len = sizeof(n->csv_head) - 1;
}

/* Row-wise checkpoints for an 'f'-order matrix: the text length of each row is summed while
 * walking the data in stored (contiguous) order, which is several times faster than the
 * logical, strided order. Used when rows are short enough for a read to start at a row. */
#define CSV_ROW_CKPT_MAX 65536

static void csv_size_f_rows(struct node *n, const uint8_t *base, size_t *total)
{
	const struct slice *s = &n->src;
	size_t isz = tensor_dtype_info[s->dtype].size;
	int64_t rows = s->shape[0], cols = s->shape[1];
	const uint8_t *p = base;
	char tmp[40];

	for (int64_t r = 0; r < rows; r++)
		n->ckpt[r] = 0;
	for (int64_t c = 0; c < cols; c++)
		for (int64_t r = 0; r < rows; r++, p += isz)
			n->ckpt[r] += fmt_elem(s->dtype, p, tmp) + 1;
	*total = 0;
	for (int64_t r = 0; r < rows; r++) { /* lengths -> starting offsets */
		int64_t len = n->ckpt[r];

		n->ckpt[r] = (int64_t)*total;
		*total += (size_t)len;
	}
}

int fs_csv_size(struct node *n, struct err *e)
{
	const struct slice *s = &n->src;
	size_t isz = tensor_dtype_info[s->dtype].size;
	bool by_row = s->order == 'f' && s->rank == 2 && s->shape[1] <= CSV_ROW_CKPT_MAX;
	int64_t nck;
	const uint8_t *base;
	size_t total = 0;
	char tmp[40];
	int rc;

	csv_head(n);
	n->ckpt_step = by_row ? s->shape[1] : CSV_CKPT;
	nck = by_row ? s->shape[0] : (s->count + CSV_CKPT - 1) / CSV_CKPT;
	rc = blob_wait(s->blob, s->data_off + (size_t)(s->offset + s->count) * isz, e);
	if (rc)
		return rc;
	n->ckpt = dl_malloc((size_t)(nck ? nck : 1) * sizeof(*n->ckpt));
	if (!n->ckpt)
		return err_set(e, -ENOMEM, "out of memory");
	n->n_ckpt = nck;
	base = s->blob->data + s->data_off + (size_t)s->offset * isz;
	if (by_row) {
		csv_size_f_rows(n, base, &total);
	} else {
		struct walk w;

		walk_start(&w, s, 0);
		for (int64_t i = 0; i < s->count; i++, walk_next(&w)) {
			if (i % CSV_CKPT == 0)
				n->ckpt[i / CSV_CKPT] = (int64_t)total;
			total += (size_t)fmt_elem(s->dtype, base + (size_t)w.phys * isz, tmp) + 1;
		}
	}
	n->size = n->csv_head_len + total;
	n->sized = true;
	return 0;
}

ssize_t fs_csv_read(struct node *n, char *buf, size_t len, off_t off, struct err *e)
{
	const struct slice *s = &n->src;
	size_t isz = tensor_dtype_info[s->dtype].size;
	int64_t cols = csv_cols(s);
	size_t pos = (size_t)off, done = 0;
	const uint8_t *base;
	int64_t lo, hi, i, tpos, last_i, last_tpos;
	bool complete = true; /* the last value handled was emitted whole */
	struct walk w;
	char tmp[40];

	(void)e;
	if (pos >= n->size)
		return 0;
	if (len > n->size - pos)
		len = n->size - pos;
	done = copy_head(buf, len, &pos, n->csv_head, n->csv_head_len);
	if (done == len)
		return (ssize_t)done;
	pos -= n->csv_head_len;

	/* last checkpoint at or before pos */
	lo = 0;
	hi = n->n_ckpt - 1;
	while (lo < hi) {
		int64_t mid = (lo + hi + 1) / 2;
		if ((size_t)n->ckpt[mid] <= pos)
			lo = mid;
		else
			hi = mid - 1;
	}
	i = lo * n->ckpt_step;
	tpos = n->ckpt[lo];
	/* a sequential reader continues where the previous read stopped */
	pthread_mutex_lock(&n->cur_lock);
	if (n->cur_tpos <= (int64_t)pos && n->cur_tpos > tpos) {
		i = n->cur_i;
		tpos = n->cur_tpos;
	}
	pthread_mutex_unlock(&n->cur_lock);

	base = s->blob->data + s->data_off + (size_t)s->offset * isz;
	walk_start(&w, s, i);
	last_i = i;
	last_tpos = tpos;
	for (; i < s->count && done < len; i++, walk_next(&w)) {
		char *dst = (size_t)tpos >= pos && len - done >= sizeof(tmp) ? buf + done : tmp;
		int k = fmt_elem(s->dtype, base + (size_t)w.phys * isz, dst);
		size_t from, take;

		dst[k++] = (i + 1) % cols == 0 ? '\n' : ',';
		last_i = i;
		last_tpos = tpos;
		if (dst != tmp) { /* formatted in place */
			done += (size_t)k;
			tpos += k;
			continue;
		}
		if ((size_t)tpos + (size_t)k <= pos) {
			tpos += k;
			continue;
		}
		from = pos > (size_t)tpos ? pos - (size_t)tpos : 0;
		take = (size_t)k - from;
		complete = take <= len - done;
		if (!complete)
			take = len - done;
		memcpy(buf + done, tmp + from, take);
		done += take;
		tpos += k;
	}
	if (complete) { /* stopped on a value boundary: the next read starts at value i */
		last_i = i;
		last_tpos = tpos;
	}
	pthread_mutex_lock(&n->cur_lock);
	n->cur_i = last_i;
	n->cur_tpos = last_tpos;
	pthread_mutex_unlock(&n->cur_lock);
	return (ssize_t)done;
}
