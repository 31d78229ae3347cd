/* jser.c - Java serialization (ObjectOutputStream, protocol 2) decoder and String/byte[]
 * encoder (FORMAT.md section 4).
 *
 * The decoder reads the stream into a small tree (class descriptors, objects with their
 * field values and custom writeObject data, arrays, strings) and renders that tree; it
 * never runs or instantiates anything. Handles are numbered from 0x7E0000 exactly as
 * ObjectOutputStream assigns them, so back-references resolve to the same node.
 *
 * JSON rendering of the tree:
 *   null, String -> JSON string, boxed Integer/Long/Short/Byte/Float/Double -> number,
 *   Boolean -> true/false, Character -> one-character string;
 *   primitive arrays -> lists (char[] -> string, boolean[] -> true/false), object arrays ->
 *   lists; ArrayList, LinkedList, HashSet, LinkedHashSet, TreeSet -> lists; HashMap,
 *   LinkedHashMap, TreeMap, Hashtable -> objects when every key is a string or boxed
 *   primitive (non-string keys are written as their JSON text), else lists of [key, value];
 *   enum constant -> {"enum": class, "name": constant}; Class or class descriptor ->
 *   {"javaClass": name}; anything else -> {"class": name, "fields": {...}} with the fields
 *   of every serializable class of the hierarchy (superclass first; a name declared by two
 *   classes is written as "Class.name"), plus "annotations": {class: [items]} for classes
 *   with custom writeObject/writeExternal data, where block data is {"blockdata": base64};
 *   an object or array met again while it is being rendered is {"ref": handle}.
 *   Float values are printed with %.9g, doubles with %.17g (both parse back exactly);
 *   NaN and infinities as the strings "NaN", "Infinity", "-Infinity".
 * Lone UTF-16 surrogates in strings are \uXXXX escapes in JSON and U+FFFD in the text view.
 */
#include "codec/jser.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/alloc.h"
#include "codec/sbuf.h"

enum {
	TC_NULL = 0x70,
	TC_REFERENCE = 0x71,
	TC_CLASSDESC = 0x72,
	TC_OBJECT = 0x73,
	TC_STRING = 0x74,
	TC_ARRAY = 0x75,
	TC_CLASS = 0x76,
	TC_BLOCKDATA = 0x77,
	TC_ENDBLOCKDATA = 0x78,
	TC_RESET = 0x79,
	TC_BLOCKDATALONG = 0x7A,
	TC_EXCEPTION = 0x7B,
	TC_LONGSTRING = 0x7C,
	TC_PROXYCLASSDESC = 0x7D,
	TC_ENUM = 0x7E,
};

enum {
	SC_WRITE_METHOD = 0x01,
	SC_SERIALIZABLE = 0x02,
	SC_EXTERNALIZABLE = 0x04,
	SC_BLOCK_DATA = 0x08,
};

#define BASE_HANDLE   0x7E0000
#define MAX_HIERARCHY JSER_MAX_DEPTH

/* ------------------------------------------------------------------ tree */

enum jkind { JK_STRING, JK_BLOCK, JK_DESC, JK_OBJECT, JK_ARRAY, JK_ENUM, JK_CLASS };

struct jnode;

struct jlist {
	struct jnode **v; /* NULL entries are Java nulls */
	size_t n, cap;
};

struct jval {
	char type; /* field type code */
	union {
		int64_t i;
		double d;
		float f;
		struct jnode *n;
	} u;
};

struct jfield {
	char type;
	char *name; /* UTF-8, owned */
};

struct jclassdata {
	struct jnode *desc;
	struct jval *vals; /* desc->desc.nfields values, owned */
	struct jlist annot;
	bool has_annot;
};

struct jnode {
	enum jkind kind;
	int32_t handle; /* -1: none */
	bool busy;	/* being rendered */
	struct jnode *next_alloc;
	union {
		struct {
			char *s; /* WTF-8 (lone surrogates as 3-byte sequences), owned */
			size_t len;
		} str;
		struct {
			const uint8_t *p; /* borrowed from the input */
			size_t len;
		} blk;
		struct {
			char *name; /* owned */
			uint8_t flags;
			bool proxy;
			int nfields;
			struct jfield *fields;
			struct jlist annot;
			struct jnode *super;
		} desc;
		struct {
			struct jnode *desc;
			int ncls;
			struct jclassdata *cd; /* root superclass first */
		} obj;
		struct {
			struct jnode *desc;
			char etype;
			int32_t n;
			const uint8_t *raw; /* primitive elements, borrowed */
			struct jnode **elems;
		} arr;
		struct {
			struct jnode *desc;
			struct jnode *name;
		} en;
		struct {
			struct jnode *desc;
		} cls;
	};
};

struct jrd {
	const uint8_t *p;
	size_t len, pos;
	struct err *e;
	struct jnode **handles;
	size_t nh, caph;
	struct jnode *nodes; /* every allocated node */
	long nnodes;
};

static size_t left(const struct jrd *r)
{
	return r->len - r->pos;
}

static int nomem(struct jrd *r)
{
	return err_set(r->e, -ENOMEM, "out of memory");
}

static int truncated(struct jrd *r, const char *what)
{
	return err_set(r->e, -EBADMSG, "truncated at byte %zu reading %s", r->pos, what);
}

static int rd_bytes(struct jrd *r, size_t n, const uint8_t **out, const char *what)
{
	if (left(r) < n)
		return truncated(r, what);
	*out = r->p + r->pos;
	r->pos += n;
	return 0;
}

static uint64_t be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int rd_uint(struct jrd *r, int n, uint64_t *v, const char *what)
{
	const uint8_t *p = NULL;
	int rc = rd_bytes(r, (size_t)n, &p, what);

	if (rc)
		return rc;
	*v = be(p, n);
	return 0;
}

/* A new node, kept in r's list (freed by rd_fini); at most JSER_MAX_NODES per stream. */
static int node_new(struct jrd *r, enum jkind kind, struct jnode **out)
{
	struct jnode *n;

	if (r->nnodes >= JSER_MAX_NODES)
		return err_set(r->e, -EOVERFLOW, "more than %ld objects at byte %zu",
			       JSER_MAX_NODES, r->pos);
	n = dl_calloc(1, sizeof(*n));
	if (!n)
		return nomem(r);
	r->nnodes++;
	n->kind = kind;
	n->handle = -1;
	n->next_alloc = r->nodes;
	r->nodes = n;
	*out = n;
	return 0;
}

static void list_free(struct jlist *l)
{
	dl_free(l->v);
}

static void node_free(struct jnode *n)
{
	switch (n->kind) {
	case JK_STRING:
		dl_free(n->str.s);
		break;
	case JK_DESC:
		dl_free(n->desc.name);
		for (int i = 0; i < n->desc.nfields; i++)
			dl_free(n->desc.fields[i].name);
		dl_free(n->desc.fields);
		list_free(&n->desc.annot);
		break;
	case JK_OBJECT:
		for (int i = 0; i < n->obj.ncls; i++) {
			dl_free(n->obj.cd[i].vals);
			list_free(&n->obj.cd[i].annot);
		}
		dl_free(n->obj.cd);
		break;
	case JK_ARRAY:
		dl_free(n->arr.elems);
		break;
	default:
		break;
	}
	dl_free(n);
}

static void rd_fini(struct jrd *r)
{
	struct jnode *n = r->nodes;

	while (n) {
		struct jnode *next = n->next_alloc;

		node_free(n);
		n = next;
	}
	dl_free(r->handles);
}

static int list_add(struct jrd *r, struct jlist *l, struct jnode *n)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct jnode **v = dl_realloc(l->v, cap * sizeof(*v));

		if (!v)
			return nomem(r);
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = n;
	return 0;
}

static int handle_assign(struct jrd *r, struct jnode *n)
{
	if (r->nh == r->caph) {
		size_t cap = r->caph ? r->caph * 2 : 64;
		struct jnode **h = dl_realloc(r->handles, cap * sizeof(*h));

		if (!h)
			return nomem(r);
		r->handles = h;
		r->caph = cap;
	}
	n->handle = (int32_t)(BASE_HANDLE + r->nh);
	r->handles[r->nh++] = n;
	return 0;
}

static int handle_get(struct jrd *r, struct jnode **out)
{
	size_t at = r->pos;
	uint64_t h;
	int rc = rd_uint(r, 4, &h, "reference handle");

	if (rc)
		return rc;
	if (h < BASE_HANDLE || h - BASE_HANDLE >= r->nh)
		return err_set(r->e, -EBADMSG,
			       "reference to unknown handle 0x%" PRIx64 " at byte %zu", h, at);
	*out = r->handles[h - BASE_HANDLE];
	return 0;
}

/* Appends UTF-16 unit sequences as WTF-8: pairs become 4-byte UTF-8, lone surrogates stay
 * 3-byte sequences. */
static size_t wtf8_put(char *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xC0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xE0 | c >> 12);
		o[1] = (char)(0x80 | (c >> 6 & 0x3F));
		o[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | c >> 18);
	o[1] = (char)(0x80 | (c >> 12 & 0x3F));
	o[2] = (char)(0x80 | (c >> 6 & 0x3F));
	o[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* Decodes n bytes of Java modified UTF-8 (DataInputStream.readUTF rules) into WTF-8.
 * The output never exceeds n bytes; *out is NUL-terminated and owned. */
static int mutf8_decode(struct jrd *r, const uint8_t *p, size_t n, size_t at, char **out,
			size_t *out_len)
{
	char *o = dl_malloc(n + 1);
	size_t i = 0, k = 0;
	uint32_t hi = 0; /* pending high surrogate */

	if (!o)
		return nomem(r);
	while (i < n) {
		uint8_t c = p[i];
		uint32_t u;

		if (c < 0x80) { /* readUTF also takes a raw 0x00 */
			u = c;
			i += 1;
		} else if ((c & 0xE0) == 0xC0) {
			if (i + 1 >= n || (p[i + 1] & 0xC0) != 0x80)
				goto bad;
			u = (uint32_t)(c & 0x1F) << 6 | (p[i + 1] & 0x3F);
			i += 2;
		} else if ((c & 0xF0) == 0xE0) {
			if (i + 2 >= n || (p[i + 1] & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80)
				goto bad;
			u = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(p[i + 1] & 0x3F) << 6 |
			    (p[i + 2] & 0x3F);
			i += 3;
		} else {
			goto bad;
		}
		if (hi) {
			if (u >= 0xDC00 && u <= 0xDFFF) {
				k += wtf8_put(o + k,
					      0x10000 + ((hi - 0xD800) << 10) + (u - 0xDC00));
				hi = 0;
				continue;
			}
			k += wtf8_put(o + k, hi);
			hi = 0;
		}
		if (u >= 0xD800 && u <= 0xDBFF)
			hi = u;
		else
			k += wtf8_put(o + k, u);
	}
	if (hi)
		k += wtf8_put(o + k, hi);
	o[k] = '\0';
	*out = o;
	*out_len = k;
	return 0;
bad:
	dl_free(o);
	return err_set(r->e, -EBADMSG, "malformed modified utf-8 in string at byte %zu", at + i);
}

/* Reads u16 length + modified UTF-8 (DataOutputStream.writeUTF). */
static int rd_utf(struct jrd *r, char **out, size_t *out_len, const char *what)
{
	uint64_t n;
	const uint8_t *p = NULL;
	size_t at;
	int rc = rd_uint(r, 2, &n, what);

	if (rc)
		return rc;
	at = r->pos;
	rc = rd_bytes(r, (size_t)n, &p, what);
	if (rc)
		return rc;
	return mutf8_decode(r, p, (size_t)n, at, out, out_len);
}

static int rd_content(struct jrd *r, int depth, struct jnode **out);

static int check_depth(struct jrd *r, int depth)
{
	if (depth > JSER_MAX_DEPTH)
		return err_set(r->e, -EBADMSG, "nesting deeper than %d at byte %zu", JSER_MAX_DEPTH,
			       r->pos);
	return 0;
}

static int rd_string_body(struct jrd *r, uint8_t tc, struct jnode **out)
{
	struct jnode *n;
	uint64_t len;
	const uint8_t *p = NULL;
	size_t at;
	int rc;

	if (tc == TC_STRING) {
		rc = rd_uint(r, 2, &len, "string length");
	} else {
		rc = rd_uint(r, 8, &len, "long string length");
		if (!rc && len > left(r))
			return err_set(r->e, -EOVERFLOW,
				       "long string length %" PRIu64 " exceeds the %zu bytes left",
				       len, left(r));
	}
	if (rc)
		return rc;
	rc = node_new(r, JK_STRING, &n);
	if (rc)
		return rc;
	rc = handle_assign(r, n);
	if (rc)
		return rc;
	at = r->pos;
	rc = rd_bytes(r, (size_t)len, &p, "string");
	if (rc)
		return rc;
	rc = mutf8_decode(r, p, (size_t)len, at, &n->str.s, &n->str.len);
	if (rc)
		return rc;
	*out = n;
	return 0;
}

/* Class annotation or custom object data: block data and contents up to TC_ENDBLOCKDATA. */
static int rd_annotation(struct jrd *r, int depth, struct jlist *l)
{
	for (;;) {
		const uint8_t *p = NULL;
		struct jnode *n;
		uint64_t len;
		int rc;

		if (!left(r))
			return truncated(r, "annotation");
		switch (r->p[r->pos]) {
		case TC_ENDBLOCKDATA:
			r->pos++;
			return 0;
		case TC_BLOCKDATA:
		case TC_BLOCKDATALONG: {
			bool lng = r->p[r->pos] == TC_BLOCKDATALONG;

			r->pos++;
			rc = rd_uint(r, lng ? 4 : 1, &len, "block data length");
			if (rc)
				return rc;
			if (lng && len > INT32_MAX)
				return err_set(r->e, -EBADMSG,
					       "negative block data length at byte %zu",
					       r->pos - 4);
			rc = rd_bytes(r, (size_t)len, &p, "block data");
			if (rc)
				return rc;
			rc = node_new(r, JK_BLOCK, &n);
			if (rc)
				return rc;
			n->blk.p = p;
			n->blk.len = (size_t)len;
			break;
		}
		default:
			rc = rd_content(r, depth + 1, &n);
			if (rc)
				return rc;
		}
		rc = list_add(r, l, n);
		if (rc)
			return rc;
	}
}

static bool is_prim(char t)
{
	return t && strchr("BCDFIJSZ", t);
}

static int prim_size(char t)
{
	switch (t) {
	case 'B':
	case 'Z':
		return 1;
	case 'C':
	case 'S':
		return 2;
	case 'F':
	case 'I':
		return 4;
	default:
		return 8;
	}
}

/* classDesc: TC_CLASSDESC / TC_PROXYCLASSDESC / TC_NULL / TC_REFERENCE. *out may be NULL. */
static int rd_desc(struct jrd *r, int depth, struct jnode **out)
{
	struct jnode *n;
	uint64_t v;
	uint8_t tc;
	size_t slen;
	int rc = check_depth(r, depth);

	if (rc)
		return rc;
	if (!left(r))
		return truncated(r, "class descriptor");
	tc = r->p[r->pos++];
	if (tc == TC_NULL) {
		*out = NULL;
		return 0;
	}
	if (tc == TC_REFERENCE) {
		rc = handle_get(r, &n);
		if (rc)
			return rc;
		if (n->kind != JK_DESC)
			return err_set(r->e, -EBADMSG,
				       "handle 0x%x at byte %zu is not a class descriptor",
				       (unsigned)n->handle, r->pos - 4);
		*out = n;
		return 0;
	}
	if (tc != TC_CLASSDESC && tc != TC_PROXYCLASSDESC)
		return err_set(r->e, -EBADMSG,
			       "expected a class descriptor at byte %zu, got 0x%02x", r->pos - 1,
			       tc);
	rc = node_new(r, JK_DESC, &n);
	if (rc)
		return rc;
	rc = handle_assign(r, n);
	if (rc)
		return rc;
	if (tc == TC_CLASSDESC) {
		rc = rd_utf(r, &n->desc.name, &slen, "class name");
		if (!rc)
			rc = rd_uint(r, 8, &v, "serialVersionUID");
		if (!rc)
			rc = rd_uint(r, 1, &v, "class flags");
		if (rc)
			return rc;
		n->desc.flags = (uint8_t)v;
		rc = rd_uint(r, 2, &v, "field count");
		if (rc)
			return rc;
		if (v * 3 > left(r))
			return err_set(r->e, -EOVERFLOW,
				       "field count %" PRIu64
				       " of class %s exceeds the %zu bytes left",
				       v, n->desc.name, left(r));
		n->desc.fields = dl_calloc((size_t)v, sizeof(*n->desc.fields));
		if (!n->desc.fields)
			return nomem(r);
		for (uint64_t i = 0; i < v; i++) {
			struct jfield *f = &n->desc.fields[i];
			uint64_t t;

			rc = rd_uint(r, 1, &t, "field type");
			if (rc)
				return rc;
			if (!is_prim((char)t) && t != 'L' && t != '[')
				return err_set(r->e, -EBADMSG,
					       "unknown field type code 0x%02x at byte %zu",
					       (unsigned)t, r->pos - 1);
			f->type = (char)t;
			rc = rd_utf(r, &f->name, &slen, "field name");
			if (rc)
				return rc;
			n->desc.nfields++;
			if (f->type == 'L' || f->type == '[') {
				struct jnode *cn;

				rc = rd_content(r, depth + 1, &cn);
				if (rc)
					return rc;
				if (!cn || cn->kind != JK_STRING)
					return err_set(
						r->e, -EBADMSG,
						"field %s type name at byte %zu is not a string",
						f->name, r->pos);
			}
		}
	} else {
		char *name;
		size_t cap = 16, k;

		n->desc.proxy = true;
		rc = rd_uint(r, 4, &v, "proxy interface count");
		if (rc)
			return rc;
		if (v > INT32_MAX || v * 2 > left(r))
			return err_set(r->e, -EOVERFLOW,
				       "proxy interface count %" PRIu64
				       " exceeds the %zu bytes left",
				       v, left(r));
		name = dl_malloc(cap);
		if (!name)
			return nomem(r);
		k = (size_t)snprintf(name, cap, "proxy[");
		n->desc.name = name;
		for (uint64_t i = 0; i < v; i++) {
			char *iface;
			size_t need;

			rc = rd_utf(r, &iface, &slen, "proxy interface name");
			if (rc)
				return rc;
			need = k + slen + 3;
			if (need > cap) {
				cap = need * 2;
				name = dl_realloc(n->desc.name, cap);
				if (!name) {
					dl_free(iface);
					return nomem(r);
				}
				n->desc.name = name;
			}
			k += (size_t)snprintf(name + k, cap - k, "%s%s", i ? "," : "", iface);
			dl_free(iface);
		}
		snprintf(n->desc.name + k, cap - k, "]");
	}
	rc = rd_annotation(r, depth, &n->desc.annot);
	if (rc)
		return rc;
	rc = rd_desc(r, depth + 1, &n->desc.super);
	if (rc)
		return rc;
	*out = n;
	return 0;
}

static int rd_values(struct jrd *r, int depth, struct jnode *desc, struct jval *vals)
{
	for (int i = 0; i < desc->desc.nfields; i++) {
		struct jfield *f = &desc->desc.fields[i];
		struct jval *v = &vals[i];
		uint64_t x;
		int rc;

		v->type = f->type;
		if (!is_prim(f->type)) {
			rc = rd_content(r, depth + 1, &v->u.n);
			if (rc)
				return rc;
			continue;
		}
		rc = rd_uint(r, prim_size(f->type), &x, f->name);
		if (rc)
			return rc;
		switch (f->type) {
		case 'B':
			v->u.i = (int8_t)x;
			break;
		case 'S':
			v->u.i = (int16_t)x;
			break;
		case 'I':
			v->u.i = (int32_t)x;
			break;
		case 'J':
			v->u.i = (int64_t)x;
			break;
		case 'F': {
			uint32_t b = (uint32_t)x;

			memcpy(&v->u.f, &b, 4);
			break;
		}
		case 'D':
			memcpy(&v->u.d, &x, 8);
			break;
		default: /* C, Z */
			v->u.i = (int64_t)x;
		}
	}
	return 0;
}

static int rd_object(struct jrd *r, int depth, struct jnode **out)
{
	struct jnode *chain[MAX_HIERARCHY];
	struct jnode *n, *desc, *d;
	int nc = 0, rc;

	rc = rd_desc(r, depth + 1, &desc);
	if (rc)
		return rc;
	if (!desc)
		return err_set(r->e, -EBADMSG, "object without a class descriptor at byte %zu",
			       r->pos);
	for (d = desc; d; d = d->desc.super) {
		if (nc == MAX_HIERARCHY)
			return err_set(r->e, -EBADMSG, "class hierarchy of %s deeper than %d",
				       desc->desc.name, MAX_HIERARCHY);
		chain[nc++] = d;
	}
	rc = node_new(r, JK_OBJECT, &n);
	if (rc)
		return rc;
	rc = handle_assign(r, n);
	if (rc)
		return rc;
	n->obj.desc = desc;
	n->obj.cd = dl_calloc((size_t)nc, sizeof(*n->obj.cd));
	if (!n->obj.cd)
		return nomem(r);
	n->obj.ncls = nc;
	for (int i = 0; i < nc; i++) {
		struct jclassdata *cd = &n->obj.cd[i];

		d = chain[nc - 1 - i];
		cd->desc = d;
		if (d->desc.proxy)
			continue;
		if (d->desc.flags & SC_EXTERNALIZABLE) {
			if (!(d->desc.flags & SC_BLOCK_DATA))
				return err_set(r->e, -ENOTSUP,
					       "externalizable class %s written with stream "
					       "protocol 1 is not supported",
					       d->desc.name);
			cd->has_annot = true;
			rc = rd_annotation(r, depth, &cd->annot);
			if (rc)
				return rc;
			continue;
		}
		if (!(d->desc.flags & SC_SERIALIZABLE))
			continue;
		cd->vals = dl_calloc((size_t)d->desc.nfields, sizeof(*cd->vals));
		if (!cd->vals)
			return nomem(r);
		rc = rd_values(r, depth, d, cd->vals);
		if (rc)
			return rc;
		if (d->desc.flags & SC_WRITE_METHOD) {
			cd->has_annot = true;
			rc = rd_annotation(r, depth, &cd->annot);
			if (rc)
				return rc;
		}
	}
	*out = n;
	return 0;
}

static int rd_array(struct jrd *r, int depth, struct jnode **out)
{
	struct jnode *n, *desc;
	uint64_t cnt;
	size_t at;
	int rc = rd_desc(r, depth + 1, &desc);

	if (rc)
		return rc;
	if (!desc || desc->desc.proxy || desc->desc.name[0] != '[' ||
	    (!is_prim(desc->desc.name[1]) && desc->desc.name[1] != 'L' &&
	     desc->desc.name[1] != '['))
		return err_set(r->e, -EBADMSG, "array at byte %zu has non-array class %s", r->pos,
			       desc ? desc->desc.name : "null");
	rc = node_new(r, JK_ARRAY, &n);
	if (rc)
		return rc;
	rc = handle_assign(r, n);
	if (rc)
		return rc;
	n->arr.desc = desc;
	n->arr.etype = desc->desc.name[1];
	at = r->pos;
	rc = rd_uint(r, 4, &cnt, "array length");
	if (rc)
		return rc;
	if (cnt > INT32_MAX)
		return err_set(r->e, -EBADMSG, "negative array length %" PRId32 " at byte %zu",
			       (int32_t)cnt, at);
	n->arr.n = (int32_t)cnt;
	if (is_prim(n->arr.etype)) {
		size_t bytes = (size_t)cnt * (size_t)prim_size(n->arr.etype);

		if (bytes > left(r))
			return err_set(r->e, -EOVERFLOW,
				       "array length %" PRIu64
				       " at byte %zu exceeds the %zu bytes left",
				       cnt, at, left(r));
		n->arr.raw = r->p + r->pos;
		r->pos += bytes;
		*out = n;
		return 0;
	}
	if (cnt > left(r))
		return err_set(r->e, -EOVERFLOW,
			       "array length %" PRIu64 " at byte %zu exceeds the %zu bytes left",
			       cnt, at, left(r));
	n->arr.elems = dl_calloc((size_t)cnt, sizeof(*n->arr.elems));
	if (!n->arr.elems)
		return nomem(r);
	for (uint64_t i = 0; i < cnt; i++) {
		rc = rd_content(r, depth + 1, &n->arr.elems[i]);
		if (rc)
			return rc;
	}
	*out = n;
	return 0;
}

/* content: any object, string, array, enum, class, class descriptor, null or reference.
 * *out is NULL for Java null. */
static int rd_content(struct jrd *r, int depth, struct jnode **out)
{
	struct jnode *n;
	int rc = check_depth(r, depth);

	if (rc)
		return rc;
	for (;;) {
		uint8_t tc;

		if (!left(r))
			return truncated(r, "type code");
		tc = r->p[r->pos];
		switch (tc) {
		case TC_NULL:
			r->pos++;
			*out = NULL;
			return 0;
		case TC_REFERENCE:
			r->pos++;
			return handle_get(r, out);
		case TC_STRING:
		case TC_LONGSTRING:
			r->pos++;
			return rd_string_body(r, tc, out);
		case TC_OBJECT:
			r->pos++;
			return rd_object(r, depth, out);
		case TC_ARRAY:
			r->pos++;
			return rd_array(r, depth, out);
		case TC_CLASSDESC:
		case TC_PROXYCLASSDESC:
			return rd_desc(r, depth, out);
		case TC_CLASS:
		case TC_ENUM: {
			struct jnode *desc;

			r->pos++;
			rc = rd_desc(r, depth + 1, &desc);
			if (rc)
				return rc;
			if (!desc)
				return err_set(r->e, -EBADMSG,
					       "%s without a class descriptor at byte %zu",
					       tc == TC_ENUM ? "enum" : "class", r->pos);
			rc = node_new(r, tc == TC_ENUM ? JK_ENUM : JK_CLASS, &n);
			if (rc)
				return rc;
			rc = handle_assign(r, n);
			if (rc)
				return rc;
			if (tc == TC_CLASS) {
				n->cls.desc = desc;
				*out = n;
				return 0;
			}
			n->en.desc = desc;
			rc = rd_content(r, depth + 1, &n->en.name);
			if (rc)
				return rc;
			if (!n->en.name || n->en.name->kind != JK_STRING)
				return err_set(r->e, -EBADMSG,
					       "enum constant name at byte %zu is not a string",
					       r->pos);
			*out = n;
			return 0;
		}
		case TC_RESET:
			r->pos++;
			r->nh = 0;
			continue;
		case TC_EXCEPTION:
			return err_set(
				r->e, -ENOTSUP,
				"serialized exception (TC_EXCEPTION) at byte %zu is not supported",
				r->pos);
		case TC_BLOCKDATA:
		case TC_BLOCKDATALONG:
			return err_set(r->e, -EBADMSG, "unexpected block data at byte %zu", r->pos);
		case TC_ENDBLOCKDATA:
			return err_set(r->e, -EBADMSG, "unexpected end of block data at byte %zu",
				       r->pos);
		default:
			return err_set(r->e, -EBADMSG, "unknown type code 0x%02x at byte %zu", tc,
				       r->pos);
		}
	}
}

/* ------------------------------------------------------------------ rendering */

/* Every text buffer of the renderer is capped at JSER_MAX_JSON bytes. */
#define JSER_SBUF(err) { .e = (err), .max = JSER_MAX_JSON, .what = "rendered json" }

/* JSON string from WTF-8: escapes quotes, backslashes, controls and lone surrogates. */
static void sb_jstr(struct sbuf *b, const char *s, size_t n)
{
	size_t i = 0, run = 0;

	sb_put(b, "\"", 1);
	while (i < n) {
		uint8_t c = (uint8_t)s[i];

		if (c == 0xED && i + 2 < n && (uint8_t)s[i + 1] >= 0xA0) {
			uint32_t u = (uint32_t)(c & 0x0F) << 12 |
				     (uint32_t)((uint8_t)s[i + 1] & 0x3F) << 6 |
				     ((uint8_t)s[i + 2] & 0x3F);

			sb_json_esc(b, s + run, i - run);
			sb_printf(b, "\\u%04x", u);
			i += 3;
			run = i;
			continue;
		}
		i++;
	}
	sb_json_esc(b, s + run, i - run);
	sb_put(b, "\"", 1);
}

/* char[] / Character: UTF-16 units to a JSON string. */
static void sb_utf16(struct sbuf *b, const uint8_t *raw, int32_t n)
{
	char buf[8];
	struct sbuf t = JSER_SBUF(b->e);

	for (int32_t i = 0; i < n; i++) {
		uint32_t u = (uint32_t)be(raw + 2 * (size_t)i, 2);

		if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n) {
			uint32_t lo = (uint32_t)be(raw + 2 * (size_t)i + 2, 2);

			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
				i++;
			}
		}
		sb_put(&t, buf, wtf8_put(buf, u));
	}
	if (t.rc) {
		b->rc = t.rc;
	} else {
		sb_jstr(b, t.p ? t.p : "", t.len);
	}
	dl_free(t.p);
}

static int render(struct sbuf *b, struct jnode *n, int depth);

static const char *const boxed_names[] = {
	"java.lang.Integer", "java.lang.Long",	 "java.lang.Short",   "java.lang.Byte",
	"java.lang.Float",   "java.lang.Double", "java.lang.Boolean", "java.lang.Character",
};
static const char boxed_types[] = { 'I', 'J', 'S', 'B', 'F', 'D', 'Z', 'C' };

/* The "value" field of a boxed primitive, or NULL. */
static const struct jval *boxed_value(struct jnode *n)
{
	struct jclassdata *cd;

	if (!n || n->kind != JK_OBJECT)
		return NULL;
	cd = &n->obj.cd[n->obj.ncls - 1];
	for (size_t i = 0; i < ARRAY_SIZE(boxed_names); i++) {
		if (strcmp(n->obj.desc->desc.name, boxed_names[i]))
			continue;
		if (!cd->vals || cd->desc->desc.nfields != 1 ||
		    strcmp(cd->desc->desc.fields[0].name, "value") ||
		    cd->vals[0].type != boxed_types[i])
			return NULL;
		return &cd->vals[0];
	}
	return NULL;
}

static void render_prim(struct sbuf *b, const struct jval *v)
{
	switch (v->type) {
	case 'Z':
		sb_puts(b, v->u.i ? "true" : "false");
		break;
	case 'C': {
		uint8_t raw[2] = { (uint8_t)(v->u.i >> 8), (uint8_t)v->u.i };

		sb_utf16(b, raw, 1);
		break;
	}
	case 'F':
		sb_json_num(b, (double)v->u.f, true);
		break;
	case 'D':
		sb_json_num(b, v->u.d, false);
		break;
	default:
		sb_printf(b, "%" PRId64, v->u.i);
	}
}

static int render_array(struct sbuf *b, struct jnode *n, int depth)
{
	const uint8_t *raw = n->arr.raw;
	char t = n->arr.etype;

	if (t == 'C') {
		sb_utf16(b, raw, n->arr.n);
		return b->rc;
	}
	sb_put(b, "[", 1);
	for (int32_t i = 0; i < n->arr.n && !b->rc; i++) {
		struct jval v = { .type = t };

		if (i)
			sb_put(b, ",", 1);
		if (!is_prim(t)) {
			render(b, n->arr.elems[i], depth + 1);
			continue;
		}
		{
			int sz = prim_size(t);
			uint64_t x = be(raw + (size_t)i * (size_t)sz, sz);

			switch (t) {
			case 'B':
				v.u.i = (int8_t)x;
				break;
			case 'S':
				v.u.i = (int16_t)x;
				break;
			case 'I':
				v.u.i = (int32_t)x;
				break;
			case 'F': {
				uint32_t bits = (uint32_t)x;

				memcpy(&v.u.f, &bits, 4);
				break;
			}
			case 'D':
				memcpy(&v.u.d, &x, 8);
				break;
			default:
				v.u.i = (int64_t)x;
			}
			render_prim(b, &v);
		}
	}
	sb_put(b, "]", 1);
	return b->rc;
}

/* Items of an annotation: consecutive block data merged into one {"blockdata": base64}. */
static void render_annotation(struct sbuf *b, const struct jlist *l, int depth)
{
	size_t i = 0;

	sb_put(b, "[", 1);
	while (i < l->n && !b->rc) {
		struct jnode *it = l->v[i];

		if (i)
			sb_put(b, ",", 1);
		if (it && it->kind == JK_BLOCK) {
			size_t j, tot = 0, k = 0;
			uint8_t *cat;

			for (j = i; j < l->n && l->v[j] && l->v[j]->kind == JK_BLOCK; j++)
				tot += l->v[j]->blk.len;
			cat = dl_malloc(tot);
			if (!cat) {
				b->rc = err_set(b->e, -ENOMEM, "out of memory");
				return;
			}
			for (; i < j; i++) {
				if (l->v[i]->blk.len)
					memcpy(cat + k, l->v[i]->blk.p, l->v[i]->blk.len);
				k += l->v[i]->blk.len;
			}
			sb_puts(b, "{\"blockdata\":\"");
			sb_base64(b, cat, tot);
			sb_puts(b, "\"}");
			dl_free(cat);
			continue;
		}
		render(b, it, depth + 1);
		i++;
	}
	sb_put(b, "]", 1);
}

enum coll { COLL_NONE, COLL_LIST, COLL_SET_SKIP1, COLL_MAP };

static const struct {
	const char *name;  /* most-derived class */
	const char *owner; /* class whose custom data holds the elements */
	enum coll kind;
} collections[] = {
	{ "java.util.ArrayList", "java.util.ArrayList", COLL_LIST },
	{ "java.util.LinkedList", "java.util.LinkedList", COLL_LIST },
	{ "java.util.HashSet", "java.util.HashSet", COLL_LIST },
	{ "java.util.LinkedHashSet", "java.util.HashSet", COLL_LIST },
	{ "java.util.TreeSet", "java.util.TreeSet", COLL_SET_SKIP1 },
	{ "java.util.HashMap", "java.util.HashMap", COLL_MAP },
	{ "java.util.LinkedHashMap", "java.util.HashMap", COLL_MAP },
	{ "java.util.TreeMap", "java.util.TreeMap", COLL_MAP },
	{ "java.util.Hashtable", "java.util.Hashtable", COLL_MAP },
};

/* Object items (block data skipped) of a collection's custom data, or NULL if not one. */
static struct jclassdata *collection_data(struct jnode *n, enum coll *kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(collections); i++) {
		if (strcmp(n->obj.desc->desc.name, collections[i].name))
			continue;
		for (int c = 0; c < n->obj.ncls; c++) {
			struct jclassdata *cd = &n->obj.cd[c];

			if (!strcmp(cd->desc->desc.name, collections[i].owner) && cd->has_annot) {
				*kind = collections[i].kind;
				return cd;
			}
		}
	}
	return NULL;
}

static bool scalar_key(struct jnode *k)
{
	return !k || k->kind == JK_STRING || boxed_value(k);
}

static int render_map(struct sbuf *b, struct jnode **items, size_t n, int depth)
{
	bool obj = true;

	for (size_t i = 0; i < n; i += 2)
		obj = obj && scalar_key(items[i]);
	sb_put(b, obj ? "{" : "[", 1);
	for (size_t i = 0; i < n && !b->rc; i += 2) {
		if (i)
			sb_put(b, ",", 1);
		if (!obj) {
			sb_put(b, "[", 1);
			render(b, items[i], depth + 1);
			sb_put(b, ",", 1);
			render(b, items[i + 1], depth + 1);
			sb_put(b, "]", 1);
			continue;
		}
		if (items[i] && items[i]->kind == JK_STRING) {
			render(b, items[i], depth + 1);
		} else {
			struct sbuf t = JSER_SBUF(b->e);

			render(&t, items[i], depth + 1);
			if (t.rc)
				b->rc = t.rc;
			else if (t.p && t.p[0] == '"')
				sb_put(b, t.p, t.len);
			else
				sb_jstr(b, t.p ? t.p : "", t.len);
			dl_free(t.p);
		}
		sb_put(b, ":", 1);
		render(b, items[i + 1], depth + 1);
	}
	sb_put(b, obj ? "}" : "]", 1);
	return b->rc;
}

static int render_collection(struct sbuf *b, struct jclassdata *cd, enum coll kind, int depth)
{
	struct jnode **items;
	size_t n = 0, skip = kind == COLL_SET_SKIP1;

	items = dl_calloc(cd->annot.n ? cd->annot.n : 1, sizeof(*items));
	if (!items) {
		b->rc = err_set(b->e, -ENOMEM, "out of memory");
		return b->rc;
	}
	for (size_t i = 0; i < cd->annot.n; i++) {
		if (cd->annot.v[i] && cd->annot.v[i]->kind == JK_BLOCK)
			continue;
		if (skip) {
			skip = 0;
			continue;
		}
		items[n++] = cd->annot.v[i];
	}
	if (kind == COLL_MAP) {
		render_map(b, items, n, depth);
	} else {
		sb_put(b, "[", 1);
		for (size_t i = 0; i < n && !b->rc; i++) {
			if (i)
				sb_put(b, ",", 1);
			render(b, items[i], depth + 1);
		}
		sb_put(b, "]", 1);
	}
	dl_free(items);
	return b->rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted field names of every class in the hierarchy (to qualify duplicates), or NULL when
 * there is only one class with fields. */
static int field_names(struct jnode *n, const char ***out, size_t *count)
{
	size_t tot = 0, k = 0;
	int with = 0;
	const char **v;

	*out = NULL;
	*count = 0;
	for (int c = 0; c < n->obj.ncls; c++) {
		if (n->obj.cd[c].vals && n->obj.cd[c].desc->desc.nfields) {
			tot += (size_t)n->obj.cd[c].desc->desc.nfields;
			with++;
		}
	}
	if (with < 2)
		return 0;
	v = dl_malloc(tot * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (int c = 0; c < n->obj.ncls; c++) {
		struct jnode *d = n->obj.cd[c].desc;

		if (!n->obj.cd[c].vals)
			continue;
		for (int f = 0; f < d->desc.nfields; f++)
			v[k++] = d->desc.fields[f].name;
	}
	qsort(v, k, sizeof(*v), name_cmp);
	*out = v;
	*count = k;
	return 0;
}

static bool name_dup(const char **names, size_t count, const char *name)
{
	const char **hit;

	if (!names)
		return false;
	hit = bsearch(&name, names, count, sizeof(*names), name_cmp);
	if (!hit)
		return false;
	return (hit > names && !strcmp(hit[-1], name)) ||
	       (hit + 1 < names + count && !strcmp(hit[1], name));
}

static int render_generic(struct sbuf *b, struct jnode *n, int depth)
{
	const char **names;
	size_t nnames;
	bool first = true, annots = false;

	if (field_names(n, &names, &nnames)) {
		b->rc = err_set(b->e, -ENOMEM, "out of memory");
		return b->rc;
	}
	sb_puts(b, "{\"class\":");
	sb_jstr(b, n->obj.desc->desc.name, strlen(n->obj.desc->desc.name));
	sb_puts(b, ",\"fields\":{");
	for (int c = 0; c < n->obj.ncls && !b->rc; c++) {
		struct jclassdata *cd = &n->obj.cd[c];
		struct jnode *d = cd->desc;

		annots = annots || cd->has_annot;
		if (!cd->vals)
			continue;
		for (int f = 0; f < d->desc.nfields && !b->rc; f++) {
			const struct jfield *fd = &d->desc.fields[f];

			if (!first)
				sb_put(b, ",", 1);
			first = false;
			if (name_dup(names, nnames, fd->name)) {
				struct sbuf t = JSER_SBUF(b->e);

				sb_puts(&t, d->desc.name);
				sb_put(&t, ".", 1);
				sb_puts(&t, fd->name);
				if (t.rc)
					b->rc = t.rc;
				else
					sb_jstr(b, t.p, t.len);
				dl_free(t.p);
			} else {
				sb_jstr(b, fd->name, strlen(fd->name));
			}
			sb_put(b, ":", 1);
			if (is_prim(fd->type))
				render_prim(b, &cd->vals[f]);
			else
				render(b, cd->vals[f].u.n, depth + 1);
		}
	}
	sb_put(b, "}", 1);
	dl_free(names);
	if (annots) {
		first = true;
		sb_puts(b, ",\"annotations\":{");
		for (int c = 0; c < n->obj.ncls && !b->rc; c++) {
			struct jclassdata *cd = &n->obj.cd[c];

			if (!cd->has_annot)
				continue;
			if (!first)
				sb_put(b, ",", 1);
			first = false;
			sb_jstr(b, cd->desc->desc.name, strlen(cd->desc->desc.name));
			sb_put(b, ":", 1);
			render_annotation(b, &cd->annot, depth);
		}
		sb_put(b, "}", 1);
	}
	sb_put(b, "}", 1);
	return b->rc;
}

static int render_object(struct sbuf *b, struct jnode *n, int depth)
{
	const struct jval *v = boxed_value(n);
	struct jclassdata *cd;
	enum coll kind = COLL_NONE;

	if (v) {
		render_prim(b, v);
		return b->rc;
	}
	cd = collection_data(n, &kind);
	if (cd) {
		size_t objs = 0;

		for (size_t i = 0; i < cd->annot.n; i++)
			objs += !cd->annot.v[i] || cd->annot.v[i]->kind != JK_BLOCK;
		if (kind != COLL_MAP || objs % 2 == 0)
			return render_collection(b, cd, kind, depth);
	}
	return render_generic(b, n, depth);
}

static int render(struct sbuf *b, struct jnode *n, int depth)
{
	if (b->rc)
		return b->rc;
	if (depth > JSER_MAX_RENDER_DEPTH) {
		b->rc = err_set(b->e, -EOVERFLOW, "back-references nest deeper than %d",
				JSER_MAX_RENDER_DEPTH);
		return b->rc;
	}
	if (!n) {
		sb_puts(b, "null");
		return b->rc;
	}
	switch (n->kind) {
	case JK_STRING:
		sb_jstr(b, n->str.s, n->str.len);
		break;
	case JK_BLOCK:
		sb_puts(b, "{\"blockdata\":\"");
		sb_base64(b, n->blk.p, n->blk.len);
		sb_puts(b, "\"}");
		break;
	case JK_DESC:
	case JK_CLASS: {
		struct jnode *d = n->kind == JK_DESC ? n : n->cls.desc;

		sb_puts(b, "{\"javaClass\":");
		sb_jstr(b, d->desc.name, strlen(d->desc.name));
		sb_puts(b, "}");
		break;
	}
	case JK_ENUM:
		sb_puts(b, "{\"enum\":");
		sb_jstr(b, n->en.desc->desc.name, strlen(n->en.desc->desc.name));
		sb_puts(b, ",\"name\":");
		sb_jstr(b, n->en.name->str.s, n->en.name->str.len);
		sb_puts(b, "}");
		break;
	case JK_OBJECT:
	case JK_ARRAY:
		if (n->busy) {
			sb_printf(b, "{\"ref\":%" PRId32 "}", n->handle);
			break;
		}
		n->busy = true;
		if (n->kind == JK_OBJECT)
			render_object(b, n, depth);
		else
			render_array(b, n, depth);
		n->busy = false;
		break;
	}
	return b->rc;
}

/* The text view of a string: WTF-8 with lone surrogates replaced by U+FFFD. */
static int string_text(struct jnode *n, uint8_t **out, size_t *out_len, struct err *e)
{
	uint8_t *o = dl_malloc(n->str.len + 1);
	size_t k = 0;

	if (!o)
		return err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n->str.len; i++) {
		uint8_t c = (uint8_t)n->str.s[i];

		if (c == 0xED && i + 2 < n->str.len && (uint8_t)n->str.s[i + 1] >= 0xA0) {
			o[k++] = 0xEF;
			o[k++] = 0xBF;
			o[k++] = 0xBD;
			i += 2;
			continue;
		}
		o[k++] = c;
	}
	o[k] = '\0';
	*out = o;
	*out_len = k;
	return 0;
}

int codec_jser_render(const uint8_t *buf, size_t len, enum jser_view *view, uint8_t **out,
		      size_t *out_len, struct err *e)
{
	struct jrd r = { .p = buf, .len = len, .e = e };
	struct jnode *top = NULL;
	int rc;

	if (len < 4)
		return err_set(e, -EBADMSG, "truncated: %zu bytes, no stream header", len);
	if (be(buf, 4) != 0xACED0005)
		return err_set(e, -EBADMSG, "bad stream magic %02x%02x%02x%02x (expected aced0005)",
			       buf[0], buf[1], buf[2], buf[3]);
	r.pos = 4;
	rc = rd_content(&r, 0, &top);
	if (rc)
		goto out_fini;
	if (top && top->kind == JK_STRING) {
		rc = string_text(top, out, out_len, e);
		if (!rc)
			*view = JSER_VIEW_STRING;
	} else if (top && top->kind == JK_ARRAY && top->arr.etype == 'B' &&
		   !strcmp(top->arr.desc->desc.name, "[B")) {
		size_t n = (size_t)top->arr.n;
		uint8_t *o = dl_malloc(n + 1);

		if (!o) {
			rc = err_set(e, -ENOMEM, "out of memory");
			goto out_fini;
		}
		if (n)
			memcpy(o, top->arr.raw, n);
		*out = o;
		*out_len = n;
		*view = JSER_VIEW_BYTES;
	} else {
		struct sbuf b = JSER_SBUF(e);

		render(&b, top, 0);
		sb_put(&b, "\n", 1);
		rc = b.rc;
		if (rc) {
			dl_free(b.p);
			goto out_fini;
		}
		*out = (uint8_t *)b.p;
		*out_len = b.len;
		*view = JSER_VIEW_JSON;
	}
out_fini:
	rd_fini(&r);
	return rc;
}

/* ------------------------------------------------------------------ encoder */

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* Next code point of strict UTF-8 at s[*i], or -1. */
static int32_t utf8_next(const uint8_t *s, size_t len, size_t *i)
{
	uint8_t c = s[*i];
	uint32_t u, min;
	int n;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 1;
		u = c & 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 2;
		u = c & 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 3;
		u = c & 0x07;
		min = 0x10000;
	} else {
		return -1;
	}
	if (len - *i <= (size_t)n)
		return -1;
	for (int k = 1; k <= n; k++) {
		if ((s[*i + (size_t)k] & 0xC0) != 0x80)
			return -1;
		u = u << 6 | (s[*i + (size_t)k] & 0x3F);
	}
	if (u < min || u > 0x10FFFF || (u >= 0xD800 && u <= 0xDFFF))
		return -1;
	*i += (size_t)n + 1;
	return (int32_t)u;
}

static size_t mutf8_unit(uint8_t *o, uint32_t u)
{
	if (u >= 1 && u < 0x80) {
		o[0] = (uint8_t)u;
		return 1;
	}
	if (u < 0x800) {
		o[0] = (uint8_t)(0xC0 | u >> 6);
		o[1] = (uint8_t)(0x80 | (u & 0x3F));
		return 2;
	}
	o[0] = (uint8_t)(0xE0 | u >> 12);
	o[1] = (uint8_t)(0x80 | (u >> 6 & 0x3F));
	o[2] = (uint8_t)(0x80 | (u & 0x3F));
	return 3;
}

int codec_jser_encode_string(const char *utf8, size_t len, uint8_t **out, size_t *out_len,
			     struct err *e)
{
	const uint8_t *s = (const uint8_t *)utf8;
	size_t i = 0, mlen = 0, hdr, tot, k;
	uint8_t *o;

	while (i < len) {
		size_t at = i;
		int32_t u = utf8_next(s, len, &i);

		if (u < 0)
			return err_set(e, -EBADMSG, "invalid utf-8 at byte %zu", at);
		if (u == 0)
			mlen += 2;
		else if (u < 0x80)
			mlen += 1;
		else if (u < 0x800)
			mlen += 2;
		else if (u < 0x10000)
			mlen += 3;
		else
			mlen += 6;
	}
	hdr = mlen <= 0xFFFF ? 4 + 1 + 2 : 4 + 1 + 8;
	if (!size_add_ok(hdr, mlen, &tot))
		return err_set(e, -EOVERFLOW, "string of %zu bytes is too long", len);
	o = dl_malloc(tot);
	if (!o)
		return err_set(e, -ENOMEM, "out of memory");
	put_be(o, 0xACED0005, 4);
	if (mlen <= 0xFFFF) {
		o[4] = TC_STRING;
		put_be(o + 5, mlen, 2);
	} else {
		o[4] = TC_LONGSTRING;
		put_be(o + 5, mlen, 8);
	}
	k = hdr;
	for (i = 0; i < len;) {
		uint32_t u = (uint32_t)utf8_next(s, len, &i);

		if (u >= 0x10000) {
			u -= 0x10000;
			k += mutf8_unit(o + k, 0xD800 + (u >> 10));
			k += mutf8_unit(o + k, 0xDC00 + (u & 0x3FF));
		} else {
			k += mutf8_unit(o + k, u);
		}
	}
	*out = o;
	*out_len = tot;
	return 0;
}

int codec_jser_encode_bytes(const uint8_t *b, size_t n, uint8_t **out, size_t *out_len,
			    struct err *e)
{
	/* aced0005 75 72 0002 "[B" serialVersionUID flags=SERIALIZABLE 0 fields, end, no super */
	static const uint8_t prefix[] = { 0xAC, 0xED, 0x00, 0x05, 0x75, 0x72, 0x00, 0x02,
					  0x5B, 0x42, 0xAC, 0xF3, 0x17, 0xF8, 0x06, 0x08,
					  0x54, 0xE0, 0x02, 0x00, 0x00, 0x78, 0x70 };
	size_t tot = sizeof(prefix) + 4 + n;
	uint8_t *o;

	if (n > INT32_MAX)
		return err_set(e, -EOVERFLOW, "byte array of %zu bytes exceeds 2147483647", n);
	o = dl_malloc(tot);
	if (!o)
		return err_set(e, -ENOMEM, "out of memory");
	memcpy(o, prefix, sizeof(prefix));
	put_be(o + sizeof(prefix), n, 4);
	if (n)
		memcpy(o + sizeof(prefix) + 4, b, n);
	*out = o;
	*out_len = tot;
	return 0;
}
