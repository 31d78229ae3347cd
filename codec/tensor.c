/* tensor.c - dtype table and small tensor helpers. */
#include "codec/tensor.h"

#include <errno.h>
#include <string.h>

#include "codec/alloc.h"

const struct dtype_info tensor_dtype_info[DT__COUNT] = {
	[DT_F32] = { "FLOAT", "<f4", 4, true },
	[DT_F64] = { "DOUBLE", "<f8", 8, true },
	[DT_F16] = { "HALF", "<f2", 2, true },
	[DT_BF16] = { "BFLOAT16", NULL, 2, true },
	[DT_I8] = { "BYTE", "|i1", 1, false },
	[DT_U8] = { "UBYTE", "|u1", 1, false },
	[DT_I16] = { "SHORT", "<i2", 2, false },
	[DT_U16] = { "UINT16", "<u2", 2, false },
	[DT_I32] = { "INT", "<i4", 4, false },
	[DT_U32] = { "UINT32", "<u4", 4, false },
	[DT_I64] = { "LONG", "<i8", 8, false },
	[DT_U64] = { "UINT64", "<u8", 8, false },
	[DT_BOOL] = { "BOOL", "|b1", 1, false },
};
_Static_assert(ARRAY_SIZE(tensor_dtype_info) == DT__COUNT, "dtype table out of sync");

int tensor_dtype_from_nd4j(const char *name, enum dtype *dt)
{
	for (int i = 0; i < DT__COUNT; i++) {
		if (strcmp(name, tensor_dtype_info[i].nd4j) == 0) {
			*dt = (enum dtype)i;
			return 0;
		}
	}
	return -ENOENT;
}

int64_t tensor_numel(const struct tensor *t)
{
	int64_t n = 1;

	for (int i = 0; i < t->rank; i++)
		n *= t->shape[i];
	return n;
}

void tensor_std_strides(int rank, const int64_t *shape, char order, int64_t *stride)
{
	int64_t s = 1;

	if (order == 'f') {
		for (int i = 0; i < rank; i++) {
			stride[i] = s;
			s *= shape[i];
		}
	} else {
		for (int i = rank - 1; i >= 0; i--) {
			stride[i] = s;
			s *= shape[i];
		}
	}
}

bool tensor_is_contig(const struct tensor *t, char order)
{
	int64_t std[TENSOR_MAX_RANK];

	tensor_std_strides(t->rank, t->shape, order, std);
	for (int i = 0; i < t->rank; i++)
		if (t->shape[i] > 1 && t->stride[i] != std[i])
			return false;
	return true;
}

float half_to_float(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16;
	uint32_t exp = (h >> 10) & 0x1f;
	uint32_t man = h & 0x3ff;
	uint32_t bits;
	float f;

	if (exp == 0) {
		if (man == 0) {
			bits = sign;
		} else { /* subnormal: normalise */
			int e = -1;
			do {
				e++;
				man <<= 1;
			} while (!(man & 0x400));
			bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
		}
	} else if (exp == 0x1f) {
		bits = sign | 0x7f800000u | (man << 13);
	} else {
		bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
	}
	memcpy(&f, &bits, 4);
	return f;
}

uint16_t float_to_half(float f)
{
	uint32_t x;
	uint32_t sign, man;
	int32_t exp;

	memcpy(&x, &f, 4);
	sign = (x >> 16) & 0x8000;
	exp = (int32_t)((x >> 23) & 0xff);
	man = x & 0x7fffff;
	if (exp == 0xff) /* inf / nan */
		return (uint16_t)(sign | 0x7c00 | (man ? 0x200 | (man >> 13) : 0));
	exp = exp - 127 + 15;
	if (exp >= 0x1f)
		return (uint16_t)(sign | 0x7c00);
	if (exp <= 0) {
		uint32_t m, r, half;
		int shift;

		if (exp < -10)
			return (uint16_t)sign;
		m = man | 0x800000;
		shift = 14 - exp;
		r = m >> shift;
		half = 1u << (shift - 1);
		if ((m & ((1u << shift) - 1)) > half || ((m & ((1u << shift) - 1)) == half && (r & 1)))
			r++;
		return (uint16_t)(sign | r);
	}
	{
		uint32_t r = ((uint32_t)exp << 10) | (man >> 13);
		uint32_t rem = man & 0x1fff;

		if (rem > 0x1000 || (rem == 0x1000 && (r & 1)))
			r++; /* may carry into the exponent: still correct */
		return (uint16_t)(sign | r);
	}
}

float bf16_to_float(uint16_t b)
{
	uint32_t bits = (uint32_t)b << 16;
	float f;

	memcpy(&f, &bits, 4);
	return f;
}

double dtype_load_f64(enum dtype dt, const void *p)
{
	switch (dt) {
	case DT_F32: { float v; memcpy(&v, p, 4); return (double)v; }
	case DT_F64: { double v; memcpy(&v, p, 8); return v; }
	case DT_F16: { uint16_t v; memcpy(&v, p, 2); return (double)half_to_float(v); }
	case DT_BF16: { uint16_t v; memcpy(&v, p, 2); return (double)bf16_to_float(v); }
	case DT_I8: return *(const int8_t *)p;
	case DT_U8: return *(const uint8_t *)p;
	case DT_BOOL: return *(const uint8_t *)p != 0;
	case DT_I16: { int16_t v; memcpy(&v, p, 2); return v; }
	case DT_U16: { uint16_t v; memcpy(&v, p, 2); return v; }
	case DT_I32: { int32_t v; memcpy(&v, p, 4); return v; }
	case DT_U32: { uint32_t v; memcpy(&v, p, 4); return v; }
	case DT_I64: { int64_t v; memcpy(&v, p, 8); return (double)v; }
	case DT_U64: { uint64_t v; memcpy(&v, p, 8); return (double)v; }
	case DT__COUNT: break;
	}
	return 0.0;
}

double tensor_get_f64(const struct tensor *t, int64_t i)
{
	int64_t off = 0;

	for (int d = t->rank - 1; d >= 0; d--) {
		int64_t idx = i % t->shape[d];
		i /= t->shape[d];
		off += idx * t->stride[d];
	}
	return dtype_load_f64(t->dtype, (const char *)t->data + off * tensor_dtype_info[t->dtype].size);
}

void tensor_free(struct tensor *t)
{
	if (!t)
		return;
	if (!t->base)
		dl_free(t->data);
	dl_free(t);
}
