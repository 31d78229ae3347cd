/* fuzz_norm.c - fuzz target for the normalizer.bin codec (codec/norm.c).
 *
 * Checks, aborting on any violation: every error has a code from the vocabulary and a
 * message, and leaves no output; a decoded normalizer renders as JSON, encodes back to the
 * very same bytes, and that encoding decodes again to the same JSON.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/alloc.h"
#include "codec/norm.h"

#define FUZZ_MAX_INPUT (1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = { 0 }, e2 = { 0 };
	struct normalizer *n = NULL, *n2 = NULL;
	uint8_t *enc = NULL;
	char *js = NULL, *js2 = NULL;
	size_t elen = 0, jlen = 0, jlen2 = 0;
	int rc;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	rc = codec_norm_decode(data, size, &n, &e);
	if (rc) {
		check(rc == -EBADMSG || rc == -EOVERFLOW || rc == -ENOTSUP || rc == -ENOMEM);
		check(e.code == rc && e.msg[0] && n == NULL);
		return 0;
	}
	check(n != NULL && e.code == 0);
	check(codec_norm_type_name(n->type)[0] != '?');
	check(codec_norm_to_json(n, &js, &jlen, &e) == 0);
	check(jlen == strlen(js) && jlen > 0 && js[jlen - 1] == '\n');
	check(codec_norm_encode(n, &enc, &elen, &e) == 0);
	check(elen == size && memcmp(enc, data, size) == 0);
	check(codec_norm_decode(enc, elen, &n2, &e2) == 0);
	check(codec_norm_to_json(n2, &js2, &jlen2, &e2) == 0);
	check(jlen2 == jlen && memcmp(js, js2, jlen) == 0);
	dl_free(js2);
	dl_free(js);
	dl_free(enc);
	codec_norm_free(n2);
	codec_norm_free(n);
	return 0;
}
