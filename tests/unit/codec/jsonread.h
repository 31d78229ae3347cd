/* jsonread.h - a tiny independent JSON reader for tests: parses rendered JSON into a tree
 * so tests compare structure and values, not bytes. Written separately from the code under
 * test (which renders JSON); included by the codec tests that check rendered views.
 * Needs <stdarg.h> <stddef.h> <setjmp.h> <cmocka.h> <stdlib.h> <string.h> included first. */
#ifndef DLFS_TEST_JSONREAD_H
#define DLFS_TEST_JSONREAD_H

struct jv {
	char t; /* n b d s a o */
	double num;
	char *s; /* string value (UTF-8/WTF-8) or number text */
	size_t slen;
	struct jv *kids;
	char **keys;
	size_t *klen;
	size_t n;
};

static void ws(const char **p)
{
	while (**p == ' ' || **p == '\n' || **p == '\t' || **p == '\r')
		(*p)++;
}

static size_t put_utf8(char *o, unsigned c)
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

static char *jstr(const char **p, size_t *len)
{
	char *o = malloc(strlen(*p) + 1);
	size_t k = 0;

	assert_non_null(o);
	assert_int_equal(**p, '"');
	(*p)++;
	while (**p != '"') {
		assert_true(**p != '\0');
		if (**p != '\\') {
			o[k++] = *(*p)++;
			continue;
		}
		(*p)++;
		switch (*(*p)++) {
		case 'n':
			o[k++] = '\n';
			break;
		case 't':
			o[k++] = '\t';
			break;
		case 'r':
			o[k++] = '\r';
			break;
		case 'b':
			o[k++] = '\b';
			break;
		case 'f':
			o[k++] = '\f';
			break;
		case 'u': {
			unsigned u, lo;

			assert_int_equal(sscanf(*p, "%4x", &u), 1);
			*p += 4;
			if (u >= 0xD800 && u <= 0xDBFF && (*p)[0] == '\\' && (*p)[1] == 'u' &&
			    sscanf(*p + 2, "%4x", &lo) == 1 && lo >= 0xDC00 && lo <= 0xDFFF) {
				*p += 6;
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			}
			k += put_utf8(o + k, u);
			break;
		}
		default:
			o[k++] = (*p)[-1];
		}
	}
	(*p)++;
	o[k] = '\0';
	*len = k;
	return o;
}

static void jparse(const char **p, struct jv *v)
{
	memset(v, 0, sizeof(*v));
	ws(p);
	switch (**p) {
	case '{':
	case '[': {
		bool obj = **p == '{';

		v->t = obj ? 'o' : 'a';
		(*p)++;
		ws(p);
		if (**p == (obj ? '}' : ']')) {
			(*p)++;
			return;
		}
		for (;;) {
			v->kids = realloc(v->kids, (v->n + 1) * sizeof(*v->kids));
			v->keys = realloc(v->keys, (v->n + 1) * sizeof(*v->keys));
			v->klen = realloc(v->klen, (v->n + 1) * sizeof(*v->klen));
			assert_true(v->kids && v->keys && v->klen);
			v->keys[v->n] = NULL;
			if (obj) {
				ws(p);
				v->keys[v->n] = jstr(p, &v->klen[v->n]);
				ws(p);
				assert_int_equal(**p, ':');
				(*p)++;
			}
			jparse(p, &v->kids[v->n++]);
			ws(p);
			if (**p == ',') {
				(*p)++;
				continue;
			}
			assert_int_equal(**p, obj ? '}' : ']');
			(*p)++;
			return;
		}
	}
	case '"':
		v->t = 's';
		v->s = jstr(p, &v->slen);
		return;
	case 't':
		assert_int_equal(strncmp(*p, "true", 4), 0);
		v->t = 'b';
		v->num = 1;
		*p += 4;
		return;
	case 'f':
		assert_int_equal(strncmp(*p, "false", 5), 0);
		v->t = 'b';
		*p += 5;
		return;
	case 'n':
		assert_int_equal(strncmp(*p, "null", 4), 0);
		v->t = 'n';
		*p += 4;
		return;
	default: {
		char *end;

		v->t = 'd';
		v->num = strtod(*p, &end);
		assert_true(end != *p);
		v->s = strndup(*p, (size_t)(end - *p));
		*p = end;
	}
	}
}

static void jfree(struct jv *v)
{
	for (size_t i = 0; i < v->n; i++) {
		jfree(&v->kids[i]);
		free(v->keys[i]);
	}
	free(v->kids);
	free(v->keys);
	free(v->klen);
	free(v->s);
}

static void jload(const char *text, struct jv *v)
{
	const char *p = text;

	jparse(&p, v);
	ws(&p);
	if (*p)
		fail_msg("trailing text after json: %.40s", p);
}


#endif
