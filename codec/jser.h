/* jser.h - a Java serialization (ObjectOutputStream) decoder that never instantiates
 * anything, and an encoder for String and byte[] (FORMAT.md section 4).
 */
#ifndef DLFS_JSER_H
#define DLFS_JSER_H

#include <stddef.h>
#include <stdint.h>

#include "codec/err.h"

#define JSER_MAX_DEPTH 64

/* Limits of the decoder (added by the jser module; all refusals are -EOVERFLOW). */
#define JSER_MAX_NODES        (1L << 20)         /* objects, strings, descriptors, blocks */
#define JSER_MAX_JSON         ((size_t)64 << 20) /* rendered JSON text */
#define JSER_MAX_RENDER_DEPTH (4 * JSER_MAX_DEPTH) /* nesting reached through back-references */

enum jser_view {
	JSER_VIEW_STRING, /* java.lang.String: rendered as its UTF-8 text */
	JSER_VIEW_BYTES,  /* byte[]: rendered as the bytes themselves */
	JSER_VIEW_JSON,   /* anything else: JSON tree (class name + field values) */
};

/* Decodes one serialized object (stream magic ACED0005) and renders it:
 * String -> UTF-8 text (modified UTF-8 converted), byte[] -> its bytes, boxed primitives,
 * primitive arrays, ArrayList/HashMap/LinkedHashMap -> natural JSON, any other class ->
 * {"class": "...", "fields": {...}} (superclass fields included, custom write data as
 * base64 blocks). Back-references resolved; cycles rendered as {"ref": handle}.
 * Errors: -EBADMSG (bad magic, truncated, unknown type code, depth > JSER_MAX_DEPTH),
 * -EOVERFLOW (absurd counts), -ENOMEM. *out owned by caller (dl_free).
 * (Added:) also -ENOTSUP for a serialized exception (TC_EXCEPTION) or externalizable data
 * written with stream protocol 1, and -EOVERFLOW past the JSER_MAX_* limits. The JSON view
 * ends with a newline; jser.c's top comment lists how each kind of object is rendered. */
int codec_jser_render(const uint8_t *buf, size_t len, enum jser_view *view, uint8_t **out,
		      size_t *out_len, struct err *e);

/* Serializes a String (UTF-8 in, modified UTF-8 out; TC_LONGSTRING past 65535 bytes). */
int codec_jser_encode_string(const char *utf8, size_t len, uint8_t **out, size_t *out_len,
			     struct err *e);

/* Serializes a byte[] exactly as ObjectOutputStream does. */
int codec_jser_encode_bytes(const uint8_t *b, size_t n, uint8_t **out, size_t *out_len,
			    struct err *e);

#endif
