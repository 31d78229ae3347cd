/* fuzz_jser.c - fuzz target for the Java serialization decoder and encoder (codec/jser.c).
 *
 * Checks, aborting on any violation: errors carry a code from the vocabulary and a message
 * and leave no output; JSON output is NUL-free text ending in a newline; a String or byte[]
 * result re-encodes into a stream that renders to the same bytes; the input itself, when it
 * is valid UTF-8, survives encode_string + render unchanged.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/alloc.h"
#include "codec/jser.h"

#define FUZZ_MAX_INPUT (1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

/* Renders buf and checks it gives exactly view/want. */
static void same_after(const uint8_t *buf, size_t len, enum jser_view view, const uint8_t *want,
		       size_t want_len)
{
	struct err e = { 0 };
	enum jser_view v;
	uint8_t *out = NULL;
	size_t olen = 0;

	check(codec_jser_render(buf, len, &v, &out, &olen, &e) == 0);
	check(v == view && olen == want_len && memcmp(out, want, want_len) == 0);
	dl_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = { 0 };
	enum jser_view view;
	uint8_t *out = NULL, *enc = NULL;
	size_t olen = 0, elen = 0;
	int rc;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	rc = codec_jser_render(data, size, &view, &out, &olen, &e);
	if (rc) {
		check(rc == -EBADMSG || rc == -EOVERFLOW || rc == -ENOTSUP || rc == -ENOMEM);
		check(e.code == rc && e.msg[0] && out == NULL);
	} else if (view == JSER_VIEW_JSON) {
		check(olen > 0 && out[olen - 1] == '\n' && memchr(out, 0, olen) == NULL);
	} else if (view == JSER_VIEW_STRING) {
		check(codec_jser_encode_string((const char *)out, olen, &enc, &elen, &e) == 0);
		same_after(enc, elen, JSER_VIEW_STRING, out, olen);
	} else {
		check(view == JSER_VIEW_BYTES);
		check(codec_jser_encode_bytes(out, olen, &enc, &elen, &e) == 0);
		same_after(enc, elen, JSER_VIEW_BYTES, out, olen);
	}
	dl_free(enc);
	dl_free(out);

	/* the raw input as a String */
	enc = NULL;
	if (codec_jser_encode_string((const char *)data, size, &enc, &elen, &e) == 0) {
		same_after(enc, elen, JSER_VIEW_STRING, data, size);
		dl_free(enc);
	}
	return 0;
}
