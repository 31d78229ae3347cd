/* nd4j.h - ND4J binary arrays (Nd4j.write / Nd4j.read), FORMAT.md section 2.
 *
 * An array is two DataBuffers back to back (shape info, then data), each with its own
 * header: UTF allocation mode, int32 or int64 length (by mode), UTF type name, then
 * big-endian elements. Variants: A "JAVACPP" (int32 lengths, INT shape), B "LONG_SHAPE",
 * C "MIXED_DATA_TYPES" (int64 lengths, LONG shape). Strides are authoritative.
 */
#ifndef DLFS_ND4J_H
#define DLFS_ND4J_H

#include <stddef.h>
#include <stdint.h>

#include "codec/err.h"
#include "codec/tensor.h"

#define ND4J_MAX_ELEMS ((int64_t)1 << 40) /* refuse absurd declared lengths */

/* codec_nd4j_parse never returns -EAGAIN when given at least this many bytes: the worst
 * case is "MIXED_DATA_TYPES" shape header (32) + rank-8 LONG shape info (160) + data mode
 * (18) + length (8) + a 23-byte type name still to be refused (25). The longest header of
 * an array it accepts (data_off) is 228 ("BFLOAT16" data, rank 8). */
#define ND4J_MAX_HEADER_LEN 243

/* Everything needed to write an array back byte-identically. */
struct nd4j_fmt {
	char shape_mode[24]; /* "JAVACPP", "LONG_SHAPE", "MIXED_DATA_TYPES", "DIRECT", "HEAP" */
	char data_mode[24];
	enum dtype shape_type; /* DT_I32 or DT_I64 */
	enum dtype dtype;      /* element type of the data buffer */
	int64_t extras;        /* shape-info "extras" word as stored */
	int64_t ews;           /* elementWiseStride as stored */
};

/* Header facts of one array, parsed without touching the element data. */
struct nd4j_info {
	struct nd4j_fmt fmt;
	int rank;
	int64_t shape[TENSOR_MAX_RANK];
	int64_t stride[TENSOR_MAX_RANK];
	char order;       /* 'c' or 'f' as stored */
	int64_t n;        /* element count of the data buffer (= product of shape) */
	size_t data_off;  /* byte offset of the first element from the start of the array */
	size_t data_len;  /* n * element size, in bytes */
	size_t total_len; /* data_off + data_len */
};

/* Short human name of the variant: "A (JAVACPP)", "B (LONG_SHAPE)", "C (MIXED_DATA_TYPES)". */
const char *codec_nd4j_variant_name(const struct nd4j_fmt *f);

/* Parses both headers from buf[0..len). Validates rank (<= TENSOR_MAX_RANK), lengths
 * (shape-info length == 2*rank+4, data length == product of shape, no overflow, below
 * ND4J_MAX_ELEMS), order char, type names (COMPRESSED and UTF8 are -ENOTSUP with a clear
 * message) and that the strides address exactly [0, n) (bijection).
 * Does NOT require the element data to be present: returns -EAGAIN when buf ends before
 * the data header is complete (caller may retry with more bytes). Returns 0, -EBADMSG,
 * -EOVERFLOW, -ENOTSUP, -EAGAIN; fills e on error (never for -EAGAIN). */
int codec_nd4j_parse(const uint8_t *buf, size_t len, struct nd4j_info *info, struct err *e);

/* Decodes a complete array into a new owning tensor in HOST byte order with the stored
 * shape, strides and order. *used (may be NULL) gets total_len. Errors as parse, plus
 * -EBADMSG if the data are truncated, -ENOMEM. fmt (may be NULL) receives the format. */
int codec_nd4j_decode(const uint8_t *buf, size_t len, struct tensor **out, struct nd4j_fmt *fmt,
		      size_t *used, struct err *e);

/* Encodes t (host order) with the given format; the output is byte-identical to what was
 * decoded when fmt came from codec_nd4j_decode. *out is owned by the caller (dl_free). */
int codec_nd4j_encode(const struct tensor *t, const struct nd4j_fmt *fmt, uint8_t **out,
		      size_t *len, struct err *e);

/* Swaps n elements of dtype dt in place between big-endian and host order. */
void codec_nd4j_swap(enum dtype dt, void *data, size_t n);

#endif
