/* tensor.h - an n-dimensional array as dl4jfs holds it in memory.
 *
 * shape[0] is the OUTERMOST dimension, as ND4J stores it (the reverse of ggml's ne[0]).
 * Strides are in elements and are authoritative; `order` is only what the file said.
 * Data are always in HOST byte order once decoded. A tensor either owns its data
 * (base == NULL) or is a borrowed view into another tensor's data (base != NULL).
 */
#ifndef DLFS_TENSOR_H
#define DLFS_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TENSOR_MAX_RANK 8

enum dtype {
	DT_F32,
	DT_F64,
	DT_F16,  /* IEEE binary16 */
	DT_BF16, /* upper 16 bits of binary32 */
	DT_I8,   /* ND4J BYTE */
	DT_U8,   /* ND4J UBYTE */
	DT_I16,  /* ND4J SHORT */
	DT_U16,
	DT_I32, /* ND4J INT */
	DT_U32,
	DT_I64, /* ND4J LONG */
	DT_U64,
	DT_BOOL,
	DT__COUNT
};

struct dtype_info {
	const char *nd4j;  /* ND4J DataType name: "FLOAT", "DOUBLE", ... */
	const char *npy;   /* NumPy little-endian descr: "<f4", "|b1", ... (NULL: none) */
	unsigned size;     /* bytes per element */
	bool is_float;
};

extern const struct dtype_info tensor_dtype_info[DT__COUNT];

/* Looks up an ND4J data-type name ("FLOAT", "UINT16", ...). Returns 0 and sets *dt, or -ENOENT. */
int tensor_dtype_from_nd4j(const char *name, enum dtype *dt);

struct tensor {
	enum dtype dtype;
	int rank;                        /* 0 = scalar */
	int64_t shape[TENSOR_MAX_RANK];  /* outermost first */
	int64_t stride[TENSOR_MAX_RANK]; /* in elements */
	char order;                      /* 'c' or 'f' as read */
	void *data;
	const struct tensor *base; /* NULL: owns data; else borrowed view */
};

/* Number of elements (product of shape; 1 for rank 0). Caller guarantees no overflow
 * (decoders check it before building a tensor). */
int64_t tensor_numel(const struct tensor *t);

/* Fills stride[] with the standard 'c' or 'f' strides for shape[]. */
void tensor_std_strides(int rank, const int64_t *shape, char order, int64_t *stride);

/* True if strides equal the standard strides for `order` (size-1 dims ignored). */
bool tensor_is_contig(const struct tensor *t, char order);

/* Element at linear c-order index i (logical), read through the strides, as double. */
double tensor_get_f64(const struct tensor *t, int64_t i);

/* Converts one element of type dt at p to double. */
double dtype_load_f64(enum dtype dt, const void *p);

/* IEEE binary16 <-> binary32 conversions (round to nearest even). */
float half_to_float(uint16_t h);
uint16_t float_to_half(float f);
float bf16_to_float(uint16_t b);

/* Frees an owning tensor and its data; a view frees only the struct. NULL is a no-op. */
void tensor_free(struct tensor *t);

#endif
