/* fuzz_nd4j.c - fuzz target for the ND4J array codec (codec/nd4j.c).
 *
 * Checks, aborting on any violation: parse and decode agree (same error code, a message
 * for every error, -EAGAIN only from parse and only before the data header ends);
 * parse needs exactly data_off bytes; a decoded array re-encodes to the very same bytes
 * and decodes again to the same tensor.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/alloc.h"
#include "codec/nd4j.h"
#include "codec/tensor.h"

#define FUZZ_MAX_INPUT (1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

static int same_tensor(const struct tensor *a, const struct tensor *b, size_t data_len)
{
	if (a->dtype != b->dtype || a->rank != b->rank || a->order != b->order)
		return 0;
	for (int i = 0; i < a->rank; i++)
		if (a->shape[i] != b->shape[i] || a->stride[i] != b->stride[i])
			return 0;
	return memcmp(a->data, b->data, data_len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err pe = { 0 }, de = { 0 }, re = { 0 };
	struct nd4j_info info, info2;
	struct nd4j_fmt fmt, fmt2;
	struct tensor *t = NULL, *t2 = NULL;
	uint8_t *out = NULL;
	size_t used = 0, olen = 0, used2 = 0;
	int prc, drc;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	prc = codec_nd4j_parse(data, size, &info, &pe);
	drc = codec_nd4j_decode(data, size, &t, &fmt, &used, &de);

	if (prc == -EAGAIN) {
		check(pe.code == 0 && size < ND4J_MAX_HEADER_LEN);
		check(drc == -EBADMSG && de.code == -EBADMSG && de.msg[0]);
		check(t == NULL);
		return 0;
	}
	if (prc != 0) {
		check(pe.code == prc && pe.msg[0]);
		check(drc == prc && de.code == prc && strcmp(de.msg, pe.msg) == 0);
		check(t == NULL);
		return 0;
	}

	/* headers parsed: data_off bytes are enough, one fewer is not */
	check(info.data_off <= info.total_len);
	check(info.total_len - info.data_off == info.data_len);
	check(codec_nd4j_parse(data, info.data_off, &info2, &re) == 0);
	check(info2.total_len == info.total_len && info2.n == info.n);
	check(codec_nd4j_parse(data, info.data_off - 1, &info2, &re) == -EAGAIN);
	check(codec_nd4j_variant_name(&info.fmt)[0] != '\0');

	if (size < info.total_len) {
		check(drc == -EBADMSG && de.msg[0] && t == NULL);
		return 0;
	}
	check(drc == 0 && de.code == 0 && t != NULL);
	check(used == info.total_len);
	check(t->rank == info.rank && t->dtype == info.fmt.dtype);

	/* round trip: byte-identical, and the re-decoded tensor is the same */
	if (codec_nd4j_encode(t, &fmt, &out, &olen, &re) != 0)
		abort();
	check(olen == used && memcmp(out, data, used) == 0);
	check(codec_nd4j_decode(out, olen, &t2, &fmt2, &used2, &re) == 0);
	check(used2 == olen && same_tensor(t, t2, info.data_len));
	check(memcmp(&fmt, &fmt2, sizeof(fmt)) == 0);

	/* the strides address [0, n): every element can be read through them */
	if (info.n > 0 && info.n <= 4096) {
		volatile double sink = 0;

		for (int64_t k = 0; k < info.n; k++)
			sink = sink + tensor_get_f64(t, k);
		(void)sink;
	}
	tensor_free(t2);
	tensor_free(t);
	dl_free(out);
	return 0;
}
