/* conf.c - configuration.json -> struct model (FORMAT.md 5): the JSON helpers, the
 * MultiLayerConfiguration and ComputationGraphConfiguration shells, graph vertices and
 * the topological order. Layer objects are read by conf_layer.c, parameters by layout.c.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/alloc.h"
#include "codec/sbuf.h"
#include "codec/conf_int.h"

/* ------------------------------------------------------------------ small helpers */

void conf_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (!size)
		return;
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

const char *conf_simple_name(const char *cls)
{
	const char *dot = strrchr(cls, '.');
	const char *s = dot ? dot + 1 : cls;
	const char *dollar = strrchr(s, '$');

	return dollar ? dollar + 1 : s;
}

int conf_unwrap(struct conf_ctx *c, json_t *v, const char *what, const char **cls, json_t **body,
		bool *is_class)
{
	json_t *k = json_object_get(v, "@class");
	const char *key;

	if (json_is_object(v) && json_is_string(k)) {
		*cls = json_string_value(k);
		*body = v;
		*is_class = true;
		return 0;
	}
	if (json_is_object(v) && json_object_size(v) == 1) {
		key = json_object_iter_key(json_object_iter(v));
		if (json_is_object(json_object_get(v, key))) {
			*cls = key;
			*body = json_object_get(v, key);
			*is_class = false;
			return 0;
		}
	}
	return err_set(c->e, -EBADMSG, "%s: %s has neither \"@class\" nor a single wrapper key",
		       c->where, what);
}

/* ------------------------------------------------------------------ typed getters */

static int not_a(struct conf_ctx *c, const char *key, const char *type)
{
	return err_set(c->e, -EBADMSG, "%s: \"%s\" is not %s", c->where, key, type);
}

static bool real_to_i64(double d, int64_t *out)
{
	if (!(d >= -9.2e18 && d <= 9.2e18) || d != floor(d))
		return false;
	*out = (int64_t)d;
	return true;
}

int cj_i64(struct conf_ctx *c, json_t *o, const char *key, int64_t def, int64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v)) {
		*out = def;
		return 0;
	}
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_real(v) && real_to_i64(json_real_value(v), out))
		return 0;
	return not_a(c, key, "an integer");
}

int cj_f64(struct conf_ctx *c, json_t *o, const char *key, double def, double *out)
{
	json_t *v = json_object_get(o, key);
	const char *s;

	if (!v || json_is_null(v)) {
		*out = def;
		return 0;
	}
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (json_is_string(v)) { /* Jackson writes non-finite doubles as strings */
		s = json_string_value(v);
		if (strcmp(s, "NaN") == 0) {
			*out = (double)NAN;
			return 0;
		}
		if (strcmp(s, "Infinity") == 0 || strcmp(s, "-Infinity") == 0) {
			*out = s[0] == '-' ? -(double)INFINITY : (double)INFINITY;
			return 0;
		}
	}
	return not_a(c, key, "a number");
}

int cj_bool(struct conf_ctx *c, json_t *o, const char *key, bool def, bool *out)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v)) {
		*out = def;
		return 0;
	}
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 0;
	}
	return not_a(c, key, "a boolean");
}

int cj_str(struct conf_ctx *c, json_t *o, const char *key, const char **out)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		*out = json_string_value(v);
		return 0;
	}
	return not_a(c, key, "a string");
}

int cj_i64v(struct conf_ctx *c, json_t *o, const char *key, int64_t *out, int max, int *n)
{
	json_t *v = json_object_get(o, key);
	size_t i, len;

	*n = 0;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_number(v)) {
		if (max < 1 || cj_i64(c, o, key, 0, &out[0]))
			return not_a(c, key, "an integer array");
		*n = 1;
		return 0;
	}
	if (!json_is_array(v))
		return not_a(c, key, "an integer array");
	len = json_array_size(v);
	if (len > (size_t)max)
		return err_set(c->e, -EBADMSG, "%s: \"%s\" has %zu entries (at most %d)", c->where,
			       key, len, max);
	for (i = 0; i < len; i++) {
		json_t *x = json_array_get(v, i);

		if (json_is_integer(x))
			out[i] = json_integer_value(x);
		else if (!json_is_real(x) || !real_to_i64(json_real_value(x), &out[i]))
			return not_a(c, key, "an integer array");
	}
	*n = (int)len;
	return 0;
}

static void strv_free(char **v, int n)
{
	for (int i = 0; i < n; i++)
		dl_free(v[i]);
	dl_free(v);
}

int cj_strv(struct conf_ctx *c, json_t *o, const char *key, char ***out, int *n)
{
	json_t *v = json_object_get(o, key);
	size_t len;
	char **r;

	*out = NULL;
	*n = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return not_a(c, key, "an array of strings");
	len = json_array_size(v);
	if (len > CONF_MAX_LAYERS)
		return err_set(c->e, -EBADMSG, "%s: \"%s\" has %zu entries (at most %d)", c->where,
			       key, len, CONF_MAX_LAYERS);
	for (size_t i = 0; i < len; i++)
		if (!json_is_string(json_array_get(v, i)))
			return not_a(c, key, "an array of strings");
	/* present but empty is a non-NULL list of 0 entries (layout reads it as "no params") */
	r = dl_calloc(len ? len : 1, sizeof(*r));
	if (!r)
		return err_set(c->e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		r[i] = dl_strdup(json_string_value(json_array_get(v, i)));
		if (!r[i]) {
			strv_free(r, (int)len);
			return err_set(c->e, -ENOMEM, "out of memory");
		}
	}
	*out = r;
	*n = (int)len;
	return 0;
}

/* ------------------------------------------------------------------ compact dump */

/* Shortest "%.Ng" that reads back as the same double, as Java's Double.toString does. */
static void sb_real(struct sbuf *b, double d)
{
	char s[40];

	if (!isfinite(d)) {
		sb_puts(b, isnan(d) ? "\"NaN\"" : d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(s, sizeof(s), "%.*g", prec, d);
		if (strtod(s, NULL) == d)
			break;
	}
	if (!strpbrk(s, ".eEni"))
		strcat(s, ".0");
	sb_puts(b, s);
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void sb_json(struct sbuf *b, json_t *v, bool sort)
{
	char num[32];
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(v), k = 0;
		const char **keys = n ? dl_malloc(n * sizeof(*keys)) : NULL;
		void *it;

		if (n && !keys) {
			b->rc = -ENOMEM;
			return;
		}
		for (it = json_object_iter(v); it; it = json_object_iter_next(v, it))
			keys[k++] = json_object_iter_key(it);
		if (sort && n > 1)
			qsort(keys, n, sizeof(*keys), key_cmp);
		sb_put(b, "{", 1);
		for (i = 0; i < n; i++) {
			if (i)
				sb_put(b, ",", 1);
			sb_json_str(b, keys[i], strlen(keys[i]));
			sb_put(b, ":", 1);
			sb_json(b, json_object_get(v, keys[i]), sort);
		}
		sb_put(b, "}", 1);
		dl_free(keys);
		break;
	}
	case JSON_ARRAY:
		sb_put(b, "[", 1);
		for (i = 0; i < json_array_size(v); i++) {
			if (i)
				sb_put(b, ",", 1);
			sb_json(b, json_array_get(v, i), sort);
		}
		sb_put(b, "]", 1);
		break;
	case JSON_STRING:
		sb_json_str(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		sb_puts(b, num);
		break;
	case JSON_REAL:
		sb_real(b, json_real_value(v));
		break;
	case JSON_TRUE:
		sb_puts(b, "true");
		break;
	case JSON_FALSE:
		sb_puts(b, "false");
		break;
	default:
		sb_puts(b, "null");
		break;
	}
}

int conf_dump(struct conf_ctx *c, json_t *v, bool sort_keys, char **out)
{
	struct sbuf b = { 0 };

	sb_json(&b, v, sort_keys);
	if (b.rc || !b.p) {
		dl_free(b.p);
		return err_set(c->e, -ENOMEM, "out of memory");
	}
	*out = b.p;
	return 0;
}

/* ------------------------------------------------------------------ name index */

/* Sorted (name, index) pairs for the graph's vertex names. */
struct name_ix {
	const char *name;
	int idx;
};

static int name_ix_cmp(const void *a, const void *b)
{
	const struct name_ix *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	return r ? r : (x->idx > y->idx) - (x->idx < y->idx);
}

static int name_find(const struct name_ix *ix, int n, const char *name)
{
	int lo = 0, hi = n - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		int r = strcmp(ix[mid].name, name);

		if (!r)
			return ix[mid].idx;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* ------------------------------------------------------------------ topological order */

/* Java's HashMap.hash() for an Integer key. */
static uint32_t java_spread(int k)
{
	uint32_t h = (uint32_t)k;

	return h ^ (h >> 16);
}

static void java_recount(const int *keys, int n, int cap, int *cnt)
{
	memset(cnt, 0, (size_t)cap * sizeof(int));
	for (int j = 0; j < n; j++)
		cnt[java_spread(keys[j]) & (uint32_t)(cap - 1)]++;
}

/* Table capacity java.util.HashMap ends with after inserting keys[0..n) in that order:
 * initial 16, doubled when the size exceeds 3/4 of it, and also when a bucket reaches
 * 9 nodes in a table smaller than 64 (treeifyBin resizes instead). Tree bins of larger
 * tables are not modelled. cnt: scratch of at least 16 * n + 64 ints. */
static int java_hash_cap(const int *keys, int n, int *cnt)
{
	int cap = 16, size = 0;

	memset(cnt, 0, (size_t)cap * sizeof(int));
	for (int i = 0; i < n; i++) {
		uint32_t bkt = java_spread(keys[i]) & (uint32_t)(cap - 1);
		bool treeify = cnt[bkt] >= 8 && cap < 64;

		cnt[bkt]++;
		size++;
		if (treeify) {
			cap *= 2;
			java_recount(keys, i + 1, cap, cnt);
		}
		if (size > cap / 4 * 3) {
			cap *= 2;
			java_recount(keys, i + 1, cap, cnt);
		}
	}
	return cap;
}

struct hash_key {
	uint32_t bucket;
	int pos; /* insertion position */
	int key;
};

static int hash_key_cmp(const void *a, const void *b)
{
	const struct hash_key *x = a, *y = b;

	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Reorders keys[0..n) into the iteration order of a java.util.HashSet<Integer> filled in
 * the given order: by bucket, then insertion order within a bucket. */
static int java_hash_order(int *keys, int n)
{
	struct hash_key *hk;
	size_t ncnt;
	int *cnt, cap;

	if (n < 2)
		return 0;
	/* the capacity never exceeds max(64, 2 * 4/3 * n) < 16 * n + 64 */
	if (!size_mul_ok((size_t)n, 16, &ncnt) || !size_add_ok(ncnt, 64, &ncnt))
		return -ENOMEM;
	cnt = dl_malloc(ncnt * sizeof(int));
	if (!cnt)
		return -ENOMEM;
	cap = java_hash_cap(keys, n, cnt);
	dl_free(cnt);
	hk = dl_malloc((size_t)n * sizeof(*hk));
	if (!hk)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		hk[i].bucket = java_spread(keys[i]) & (uint32_t)(cap - 1);
		hk[i].pos = i;
		hk[i].key = keys[i];
	}
	qsort(hk, (size_t)n, sizeof(*hk), hash_key_cmp);
	for (int i = 0; i < n; i++)
		keys[i] = hk[i].key;
	dl_free(hk);
	return 0;
}

/* The graph in index form: 0..n_in-1 are the network inputs, then the vertices in JSON
 * insertion order (DL4J's vertex indices). */
struct graph {
	int n, n_in;
	const char **names;
	json_t **objs; /* vertex JSON (NULL for inputs) */
	int *n_inputs; /* per index */
	int **inputs;  /* per index: input indices in vertexInputs order (duplicates kept) */
	struct name_ix *ix;
};

static void graph_fini(struct graph *g)
{
	if (g->inputs)
		for (int i = 0; i < g->n; i++)
			dl_free(g->inputs[i]);
	dl_free(g->inputs);
	dl_free(g->n_inputs);
	dl_free(g->names);
	dl_free(g->objs);
	dl_free(g->ix);
}

/* DL4J's ComputationGraph.calculateIndices(): Kahn's algorithm where the queue starts
 * with the vertices without inputs in HashMap order and each vertex releases its
 * consumers in HashSet<Integer> order. Graphs without a stored topologicalOrderStr
 * (before 1.0.0-beta4) were given their parameter order by exactly this procedure. */
static int kahn_order(struct conf_ctx *c, const struct graph *g, int *order)
{
	int n = g->n, *left = NULL, *outs_n = NULL, **outs = NULL, *queue = NULL;
	int *all = NULL, head = 0, tail = 0, rc = 0;
	int *mark = NULL;

	left = dl_calloc((size_t)n, sizeof(int));
	outs_n = dl_calloc((size_t)n, sizeof(int));
	outs = dl_calloc((size_t)n, sizeof(int *));
	queue = dl_malloc((size_t)n * sizeof(int));
	all = dl_malloc((size_t)n * sizeof(int));
	mark = dl_malloc((size_t)n * sizeof(int));
	if (!left || !outs_n || !outs || !queue || !all || !mark)
		goto oom;
	for (int i = 0; i < n; i++)
		mark[i] = -1;
	/* distinct input sets, and consumer lists in insertion (ascending index) order */
	for (int v = 0; v < n; v++)
		for (int j = 0; j < g->n_inputs[v]; j++) {
			int u = g->inputs[v][j];

			if (mark[u] == v)
				continue;
			mark[u] = v;
			left[v]++;
			outs_n[u]++;
		}
	for (int u = 0; u < n; u++) {
		if (outs_n[u]) {
			outs[u] = dl_malloc((size_t)outs_n[u] * sizeof(int));
			if (!outs[u])
				goto oom;
		}
		outs_n[u] = 0;
		mark[u] = -1;
	}
	for (int v = 0; v < n; v++)
		for (int j = 0; j < g->n_inputs[v]; j++) {
			int u = g->inputs[v][j];

			if (mark[u] == v)
				continue;
			mark[u] = v;
			outs[u][outs_n[u]++] = v;
		}
	for (int u = 0; u < n; u++)
		if (java_hash_order(outs[u], outs_n[u]))
			goto oom;
	/* roots in the iteration order of HashMap<Integer, Set> holding every index */
	for (int i = 0; i < n; i++)
		all[i] = i;
	if (java_hash_order(all, n))
		goto oom;
	for (int i = 0; i < n; i++)
		if (!left[all[i]])
			queue[tail++] = all[i];
	while (head < tail) {
		int u = queue[head++];

		for (int j = 0; j < outs_n[u]; j++)
			if (--left[outs[u][j]] == 0)
				queue[tail++] = outs[u][j];
	}
	if (tail < n) {
		for (int v = 0; v < n; v++)
			if (left[v]) {
				rc = err_set(c->e, -EBADMSG,
					     "graph has a cycle (it includes vertex '%s')",
					     g->names[v]);
				break;
			}
		goto out;
	}
	memcpy(order, queue, (size_t)n * sizeof(int));
	goto out;
oom:
	rc = err_set(c->e, -ENOMEM, "out of memory");
out:
	if (outs)
		for (int i = 0; i < n; i++)
			dl_free(outs[i]);
	dl_free(outs);
	dl_free(outs_n);
	dl_free(left);
	dl_free(queue);
	dl_free(all);
	dl_free(mark);
	return rc;
}

/* topologicalOrderStr (1.0.0-beta4+): used as DL4J uses it, after checking it is a
 * permutation of the graph's names that respects every edge. */
static int stored_order(struct conf_ctx *c, const struct graph *g, json_t *arr, int *order)
{
	int *pos = NULL, rc = 0;

	if (!json_is_array(arr))
		return err_set(c->e, -EBADMSG, "\"topologicalOrderStr\" is not an array");
	if (json_array_size(arr) != (size_t)g->n)
		return err_set(c->e, -EBADMSG,
			       "\"topologicalOrderStr\" has %zu names but the graph has %d "
			       "vertices and inputs",
			       json_array_size(arr), g->n);
	pos = dl_malloc((size_t)g->n * sizeof(int));
	if (!pos)
		return err_set(c->e, -ENOMEM, "out of memory");
	for (int i = 0; i < g->n; i++)
		pos[i] = -1;
	for (int i = 0; i < g->n; i++) {
		json_t *s = json_array_get(arr, (size_t)i);
		int v;

		if (!json_is_string(s)) {
			rc = err_set(c->e, -EBADMSG,
				     "\"topologicalOrderStr\" is not an array of "
				     "strings");
			goto out;
		}
		v = name_find(g->ix, g->n, json_string_value(s));
		if (v < 0) {
			rc = err_set(c->e, -EBADMSG,
				     "\"topologicalOrderStr\" names unknown vertex '%s'",
				     json_string_value(s));
			goto out;
		}
		if (pos[v] >= 0) {
			rc = err_set(c->e, -EBADMSG, "\"topologicalOrderStr\" lists '%s' twice",
				     g->names[v]);
			goto out;
		}
		pos[v] = i;
		order[i] = v;
	}
	for (int v = 0; v < g->n; v++)
		for (int j = 0; j < g->n_inputs[v]; j++)
			if (pos[g->inputs[v][j]] > pos[v]) {
				rc = err_set(
					c->e, -EBADMSG,
					"\"topologicalOrderStr\" puts '%s' before its input '%s'",
					g->names[v], g->names[g->inputs[v][j]]);
				goto out;
			}
out:
	dl_free(pos);
	return rc;
}

/* ------------------------------------------------------------------ vertices */

static const struct {
	const char *name;
	enum vertex_kind kind;
} vertex_names[] = {
	{ "LayerVertex", VK_LAYER },
	{ "MergeVertex", VK_MERGE },
	{ "ElementWiseVertex", VK_ELEMENTWISE },
	{ "SubsetVertex", VK_SUBSET },
	{ "StackVertex", VK_STACK },
	{ "UnstackVertex", VK_UNSTACK },
	{ "PreprocessorVertex", VK_PREPROC },
	{ "L2NormalizeVertex", VK_L2NORMALIZE },
	{ "L2Vertex", VK_L2 },
	{ "ScaleVertex", VK_SCALE },
	{ "ShiftVertex", VK_SHIFT },
	{ "ReshapeVertex", VK_RESHAPE },
	{ "DuplicateToTimeSeriesVertex", VK_DUP_TO_TS },
	{ "LastTimeStepVertex", VK_LAST_TS },
	{ "ReverseTimeSeriesVertex", VK_REVERSE_TS },
	{ "PoolHelperVertex", VK_POOL_HELPER },
};

#define CLASS_PREFIX_GRAPH "org.deeplearning4j.nn.conf.graph."

static enum vertex_kind lookup_vertex(const char *cls, bool is_class)
{
	const char *s = cls;

	if (is_class) {
		if (strncmp(cls, CLASS_PREFIX_GRAPH, strlen(CLASS_PREFIX_GRAPH)) != 0)
			return VK_OPAQUE;
		s = conf_simple_name(cls);
	}
	for (size_t i = 0; i < ARRAY_SIZE(vertex_names); i++)
		if (strcmp(vertex_names[i].name, s) == 0)
			return vertex_names[i].kind;
	return VK_OPAQUE;
}

static int set_owned(struct conf_ctx *c, char **dst, const char *s)
{
	*dst = dl_strdup(s);
	return *dst ? 0 : err_set(c->e, -ENOMEM, "out of memory");
}

static int parse_vertex_fields(struct conf_ctx *c, json_t *body, struct vertex *v)
{
	const char *s = NULL;
	int64_t dims[4];
	int n = 0, rc = 0;

	switch (v->kind) {
	case VK_ELEMENTWISE:
		rc = cj_str(c, body, "op", &s);
		if (!rc && s)
			conf_strlcpy(v->op, s, sizeof(v->op));
		return rc;
	case VK_SUBSET:
		rc = cj_i64(c, body, "from", -1, &v->from);
		if (!rc)
			rc = cj_i64(c, body, "to", -1, &v->to);
		return rc;
	case VK_UNSTACK:
		rc = cj_i64(c, body, "from", -1, &v->from);
		if (!rc)
			rc = cj_i64(c, body, "stackSize", -1, &v->stack_size);
		return rc;
	case VK_SCALE:
		return cj_f64(c, body, "scaleFactor", 1.0, &v->scale);
	case VK_SHIFT:
		return cj_f64(c, body, "shiftFactor", 0.0, &v->scale);
	case VK_L2NORMALIZE:
		rc = cj_f64(c, body, "eps", 1e-8, &v->l2_eps);
		if (!rc)
			rc = cj_i64v(c, body, "dimension", dims, 4, &n);
		v->n_dims = n;
		memcpy(v->dims, dims, (size_t)n * sizeof(*dims));
		return rc;
	case VK_L2:
		return cj_f64(c, body, "eps", 1e-8, &v->l2_eps);
	case VK_RESHAPE:
		rc = cj_i64v(c, body, "newShape", v->reshape, TENSOR_MAX_RANK, &n);
		v->reshape_rank = n;
		v->reshape_order = 'c';
		if (!rc)
			rc = cj_str(c, body, "reshapeOrder", &s);
		if (!rc && s && (s[0] == 'c' || s[0] == 'f'))
			v->reshape_order = s[0];
		return rc;
	case VK_DUP_TO_TS:
		rc = cj_str(c, body, "inputName", &s);
		return rc || !s ? rc : set_owned(c, &v->ref_input, s);
	case VK_LAST_TS:
	case VK_REVERSE_TS:
		rc = cj_str(c, body, "maskArrayInputName", &s);
		return rc || !s ? rc : set_owned(c, &v->ref_input, s);
	case VK_PREPROC: {
		json_t *p = json_object_get(body, "preProcessor");

		if (!p || json_is_null(p))
			return err_set(c->e, -EBADMSG,
				       "%s: PreprocessorVertex without a "
				       "\"preProcessor\"",
				       c->where);
		v->pre = dl_calloc(1, sizeof(*v->pre));
		if (!v->pre)
			return err_set(c->e, -ENOMEM, "out of memory");
		return conf_parse_preproc(c, p, v->pre, 0);
	}
	default:
		return 0;
	}
}

/* A LayerVertex body: {"layerConf": {"layer": ..., "variables": [...]}, "preProcessor": ...} */
static int parse_layer_vertex(struct conf_ctx *c, struct model *m, json_t *body, struct vertex *v,
			      bool frozen)
{
	json_t *nnc = json_object_get(body, "layerConf");
	json_t *pre = json_object_get(body, "preProcessor");
	struct layer *l;
	int rc;

	if (!json_is_object(nnc) || !json_is_object(json_object_get(nnc, "layer")))
		return err_set(c->e, -EBADMSG,
			       "%s: LayerVertex without a \"layerConf\".\"layer\" "
			       "object",
			       c->where);
	v->layer = m->n_layers;
	l = &m->layers[m->n_layers++];
	rc = conf_parse_layer(c, json_object_get(nnc, "layer"), l, 0);
	if (!rc)
		rc = cj_strv(c, nnc, "variables", &l->variables, &l->n_variables);
	if (!rc && !l->name)
		rc = set_owned(c, &l->name, v->name);
	if (!rc && pre && !json_is_null(pre)) {
		l->pre = dl_calloc(1, sizeof(*l->pre));
		rc = l->pre ? conf_parse_preproc(c, pre, l->pre, 0)
			    : err_set(c->e, -ENOMEM, "out of memory");
	}
	if (frozen)
		l->frozen = true;
	return rc;
}

static int parse_vertex(struct conf_ctx *c, struct model *m, json_t *obj, struct vertex *v)
{
	const char *cls;
	json_t *body;
	bool is_class, frozen = false;
	int rc, depth = 0;

	rc = conf_unwrap(c, obj, "vertex", &cls, &body, &is_class);
	if (rc)
		return rc;
	if (is_class)
		c->saw_class = true;
	rc = conf_dump(c, obj, false, &v->json);
	if (!rc)
		rc = set_owned(c, &v->cls, cls);
	if (rc)
		return rc;
	/* FrozenVertex {"underlying": <vertex>} */
	while (strcmp(conf_simple_name(cls), "FrozenVertex") == 0) {
		json_t *u = json_object_get(body, "underlying");

		if (++depth > CONF_MAX_DEPTH)
			return err_set(c->e, -EBADMSG, "%s: vertices nested deeper than %d",
				       c->where, CONF_MAX_DEPTH);
		rc = conf_unwrap(c, u, "underlying vertex", &cls, &body, &is_class);
		if (rc)
			return rc;
		frozen = true;
	}
	v->kind = lookup_vertex(cls, is_class);
	if (v->kind == VK_LAYER)
		return parse_layer_vertex(c, m, body, v, frozen);
	return parse_vertex_fields(c, body, v);
}

/* ------------------------------------------------------------------ graph */

static int names_from(struct conf_ctx *c, json_t *root, const char *key, json_t **arr)
{
	*arr = json_object_get(root, key);
	if (!*arr || json_is_null(*arr)) {
		*arr = NULL;
		return 0;
	}
	if (!json_is_array(*arr))
		return err_set(c->e, -EBADMSG, "\"%s\" is not an array of strings", key);
	for (size_t i = 0; i < json_array_size(*arr); i++)
		if (!json_is_string(json_array_get(*arr, i)))
			return err_set(c->e, -EBADMSG, "\"%s\" is not an array of strings", key);
	return 0;
}

static int graph_build(struct conf_ctx *c, json_t *root, struct graph *g)
{
	json_t *verts = json_object_get(root, "vertices");
	json_t *vin = json_object_get(root, "vertexInputs");
	json_t *nin;
	size_t nv;
	void *it;
	int rc, i;

	rc = names_from(c, root, "networkInputs", &nin);
	if (rc)
		return rc;
	if (!nin)
		return err_set(c->e, -EBADMSG, "graph has no \"networkInputs\"");
	if (vin && !json_is_null(vin) && !json_is_object(vin))
		return err_set(c->e, -EBADMSG, "\"vertexInputs\" is not an object");
	nv = json_object_size(verts);
	if (nv > CONF_MAX_LAYERS || json_array_size(nin) > CONF_MAX_LAYERS)
		return err_set(c->e, -EBADMSG,
			       "graph has %zu vertices and %zu inputs (at most %d "
			       "each)",
			       nv, json_array_size(nin), CONF_MAX_LAYERS);
	g->n_in = (int)json_array_size(nin);
	g->n = g->n_in + (int)nv;
	g->names = dl_calloc((size_t)g->n + 1, sizeof(*g->names));
	g->objs = dl_calloc((size_t)g->n + 1, sizeof(*g->objs));
	g->n_inputs = dl_calloc((size_t)g->n + 1, sizeof(int));
	g->inputs = dl_calloc((size_t)g->n + 1, sizeof(int *));
	g->ix = dl_calloc((size_t)g->n + 1, sizeof(*g->ix));
	if (!g->names || !g->objs || !g->n_inputs || !g->inputs || !g->ix)
		return err_set(c->e, -ENOMEM, "out of memory");
	for (i = 0; i < g->n_in; i++)
		g->names[i] = json_string_value(json_array_get(nin, (size_t)i));
	for (it = json_object_iter(verts); it; it = json_object_iter_next(verts, it), i++) {
		g->names[i] = json_object_iter_key(it);
		g->objs[i] = json_object_iter_value(it);
	}
	for (i = 0; i < g->n; i++) {
		g->ix[i].name = g->names[i];
		g->ix[i].idx = i;
	}
	qsort(g->ix, (size_t)g->n, sizeof(*g->ix), name_ix_cmp);
	for (i = 1; i < g->n; i++)
		if (strcmp(g->ix[i - 1].name, g->ix[i].name) == 0) {
			int a = g->ix[i - 1].idx;

			return err_set(c->e, -EBADMSG,
				       a < g->n_in && g->ix[i].idx >= g->n_in
					       ? "network input '%s' is also a vertex name"
					       : "network input '%s' is listed twice",
				       g->ix[i].name);
		}
	/* vertexInputs: every key a vertex, every input a known name */
	for (it = vin ? json_object_iter(vin) : NULL; it; it = json_object_iter_next(vin, it)) {
		const char *name = json_object_iter_key(it);
		json_t *list = json_object_iter_value(it);
		int v = name_find(g->ix, g->n, name);
		size_t k, len;

		if (v < g->n_in)
			return err_set(c->e, -EBADMSG,
				       "\"vertexInputs\" names '%s', which is not "
				       "a vertex",
				       name);
		if (json_is_null(list))
			continue;
		if (!json_is_array(list))
			return err_set(c->e, -EBADMSG,
				       "\"vertexInputs\" of '%s' is not an array "
				       "of strings",
				       name);
		len = json_array_size(list);
		if (len > CONF_MAX_LAYERS)
			return err_set(c->e, -EBADMSG, "vertex '%s' has %zu inputs (at most %d)",
				       name, len, CONF_MAX_LAYERS);
		g->inputs[v] = dl_malloc((len ? len : 1) * sizeof(int));
		if (!g->inputs[v])
			return err_set(c->e, -ENOMEM, "out of memory");
		for (k = 0; k < len; k++) {
			json_t *s = json_array_get(list, k);
			int u;

			if (!json_is_string(s))
				return err_set(c->e, -EBADMSG,
					       "\"vertexInputs\" of '%s' is not an "
					       "array of strings",
					       name);
			u = name_find(g->ix, g->n, json_string_value(s));
			if (u < 0)
				return err_set(c->e, -EBADMSG,
					       "vertex '%s' has input '%s' that "
					       "does not exist",
					       name, json_string_value(s));
			g->inputs[v][k] = u;
		}
		g->n_inputs[v] = (int)len;
	}
	return 0;
}

static int set_names(struct conf_ctx *c, json_t *arr, char ***out, int *n)
{
	size_t len = arr ? json_array_size(arr) : 0;

	*n = 0;
	if (!len)
		return 0;
	*out = dl_calloc(len, sizeof(char *));
	if (!*out)
		return err_set(c->e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		int rc = set_owned(c, &(*out)[i], json_string_value(json_array_get(arr, i)));

		if (rc)
			return rc;
		*n = (int)i + 1;
	}
	return 0;
}

static int parse_cg(struct conf_ctx *c, json_t *root, struct model *m)
{
	struct graph g = { 0 };
	json_t *outs, *topo = json_object_get(root, "topologicalOrderStr");
	int *order = NULL, *pos = NULL, rc;

	m->type = NET_CG;
	if (!json_is_object(json_object_get(root, "vertices")))
		return err_set(c->e, -EBADMSG, "\"vertices\" is not an object");
	rc = graph_build(c, root, &g);
	if (!rc)
		rc = names_from(c, root, "networkOutputs", &outs);
	if (rc)
		goto out;
	order = dl_malloc(((size_t)g.n + 1) * sizeof(int));
	pos = dl_malloc(((size_t)g.n + 1) * sizeof(int));
	if (!order || !pos) {
		rc = err_set(c->e, -ENOMEM, "out of memory");
		goto out;
	}
	rc = topo && !json_is_null(topo) ? stored_order(c, &g, topo, order)
					 : kahn_order(c, &g, order);
	if (rc)
		goto out;
	for (int i = 0; i < g.n; i++)
		pos[order[i]] = i;

	m->vertices = dl_calloc((size_t)g.n + 1, sizeof(*m->vertices));
	m->layers = dl_calloc((size_t)g.n + 1, sizeof(*m->layers));
	if (!m->vertices || !m->layers) {
		rc = err_set(c->e, -ENOMEM, "out of memory");
		goto out;
	}
	m->n_vertices = g.n;
	for (int i = 0; i < g.n && !rc; i++) {
		int idx = order[i];
		struct vertex *v = &m->vertices[i];

		v->layer = -1;
		rc = set_owned(c, &v->name, g.names[idx]);
		if (rc)
			break;
		if (g.n_inputs[idx]) {
			v->inputs = dl_malloc((size_t)g.n_inputs[idx] * sizeof(int));
			if (!v->inputs) {
				rc = err_set(c->e, -ENOMEM, "out of memory");
				break;
			}
			for (int j = 0; j < g.n_inputs[idx]; j++)
				v->inputs[j] = pos[g.inputs[idx][j]];
			v->n_inputs = g.n_inputs[idx];
		}
		if (idx < g.n_in) {
			v->kind = VK_INPUT;
			rc = set_owned(c, &v->cls, "input");
			continue;
		}
		snprintf(c->where, sizeof(c->where), "vertex '%s'", g.names[idx]);
		rc = parse_vertex(c, m, g.objs[idx], v);
	}
	if (rc)
		goto out;
	for (size_t i = 0; outs && i < json_array_size(outs); i++) {
		const char *s = json_string_value(json_array_get(outs, i));
		int v = name_find(g.ix, g.n, s);

		if (v < g.n_in) {
			rc = err_set(c->e, -EBADMSG, "network output '%s' is not a vertex", s);
			goto out;
		}
		m->vertices[pos[v]].is_output = true;
	}
	rc = set_names(c, json_object_get(root, "networkInputs"), &m->inputs, &m->n_inputs);
	if (!rc)
		rc = set_names(c, outs, &m->outputs, &m->n_outputs);
out:
	dl_free(order);
	dl_free(pos);
	graph_fini(&g);
	return rc;
}

/* ------------------------------------------------------------------ MLN */

static int parse_mln_preprocs(struct conf_ctx *c, json_t *root, struct model *m)
{
	json_t *pre = json_object_get(root, "inputPreProcessors");
	void *it;

	if (!pre || json_is_null(pre))
		return 0;
	if (!json_is_object(pre))
		return err_set(c->e, -EBADMSG, "\"inputPreProcessors\" is not an object");
	for (it = json_object_iter(pre); it; it = json_object_iter_next(pre, it)) {
		const char *key = json_object_iter_key(it);
		char *end;
		long idx;
		struct layer *l;

		idx = strtol(key, &end, 10);
		if (key[0] < '0' || key[0] > '9' || *end || idx < 0 || idx >= m->n_layers)
			return err_set(c->e, -EBADMSG,
				       "\"inputPreProcessors\": key '%s' is not a "
				       "layer index (0..%d)",
				       key, m->n_layers - 1);
		l = &m->layers[idx];
		if (l->pre)
			return err_set(c->e, -EBADMSG,
				       "\"inputPreProcessors\": layer %ld has two "
				       "preprocessors",
				       idx);
		snprintf(c->where, sizeof(c->where), "inputPreProcessors '%s'", key);
		l->pre = dl_calloc(1, sizeof(*l->pre));
		if (!l->pre)
			return err_set(c->e, -ENOMEM, "out of memory");
		int rc = conf_parse_preproc(c, json_object_iter_value(it), l->pre, 0);

		if (rc)
			return rc;
	}
	return 0;
}

static int parse_mln(struct conf_ctx *c, json_t *root, struct model *m)
{
	json_t *confs = json_object_get(root, "confs");
	size_t n;
	int rc;

	m->type = NET_MLN;
	if (!json_is_array(confs))
		return err_set(c->e, -EBADMSG, "\"confs\" is not an array");
	n = json_array_size(confs);
	if (!n)
		return err_set(c->e, -EBADMSG, "\"confs\" is empty: the network has no layers");
	if (n > CONF_MAX_LAYERS)
		return err_set(c->e, -EBADMSG, "configuration has %zu layers (at most %d)", n,
			       CONF_MAX_LAYERS);
	m->layers = dl_calloc(n, sizeof(*m->layers));
	if (!m->layers)
		return err_set(c->e, -ENOMEM, "out of memory");
	m->n_layers = (int)n;
	for (size_t i = 0; i < n; i++) {
		json_t *conf = json_array_get(confs, i);
		json_t *lay = json_object_get(conf, "layer");
		struct layer *l = &m->layers[i];
		char idx[24];

		snprintf(c->where, sizeof(c->where), "layer %zu", i);
		if (!json_is_object(conf) || !json_is_object(lay))
			return err_set(c->e, -EBADMSG, "confs[%zu] has no \"layer\" object", i);
		rc = conf_parse_layer(c, lay, l, 0);
		if (!rc)
			rc = cj_strv(c, conf, "variables", &l->variables, &l->n_variables);
		if (rc)
			return rc;
		if (!l->name) {
			snprintf(idx, sizeof(idx), "%zu", i);
			rc = set_owned(c, &l->name, idx);
			if (rc)
				return rc;
		}
	}
	return parse_mln_preprocs(c, root, m);
}

/* ------------------------------------------------------------------ entry point */

static int parse_top(struct conf_ctx *c, json_t *root, struct model *m)
{
	const char *s;
	int rc;

	if (!json_is_object(root))
		return err_set(c->e, -EBADMSG, "configuration is not a JSON object");
	snprintf(c->where, sizeof(c->where), "configuration");
	rc = cj_str(c, root, "dataType", &s);
	if (rc)
		return rc;
	m->dtype = DT_F32;
	if (s) {
		if (tensor_dtype_from_nd4j(s, &m->dtype) || !tensor_dtype_info[m->dtype].is_float)
			return err_set(c->e, -EBADMSG, "unknown network dataType '%s'", s);
		m->has_dtype = true;
	}
	if (json_object_get(root, "confs"))
		rc = parse_mln(c, root, m);
	else if (json_object_get(root, "vertices"))
		rc = parse_cg(c, root, m);
	else
		rc = err_set(c->e, -EBADMSG,
			     "configuration is neither a MultiLayerConfiguration "
			     "(no \"confs\") nor a ComputationGraphConfiguration (no "
			     "\"vertices\")");
	if (rc)
		return rc;
	snprintf(c->where, sizeof(c->where), "configuration");
	rc = cj_str(c, root, "backpropType", &s);
	if (!rc && s)
		rc = set_owned(c, &m->backprop_type, s);
	if (!rc)
		rc = cj_i64(c, root, "tbpttFwdLength", 20, &m->tbptt_fwd);
	if (!rc)
		rc = cj_i64(c, root, "tbpttBackLength", 20, &m->tbptt_back);
	if (rc)
		return rc;
	m->legacy_updater_layout = c->legacy_updater;
	m->dialect = c->saw_class	 ? JD_CLASS
		     : c->saw_string_act ? JD_LEGACY_STRING_ACT
					 : JD_LEGACY_WRAPPER;
	return 0;
}

int codec_conf_parse(const char *json, size_t len, struct model **out, struct err *e)
{
	struct conf_ctx c = { .e = e };
	json_error_t je;
	json_t *root;
	struct model *m;
	int rc;

	root = json_loadb(json, len, 0, &je);
	if (!root) {
		if (json_error_code(&je) == json_error_out_of_memory)
			return err_set(e, -ENOMEM, "out of memory");
		return err_set(e, -EBADMSG, "invalid JSON at line %d column %d: %s", je.line,
			       je.column, je.text);
	}
	m = dl_calloc(1, sizeof(*m));
	if (!m) {
		json_decref(root);
		return err_set(e, -ENOMEM, "out of memory");
	}
	rc = parse_top(&c, root, m);
	json_decref(root);
	if (rc) {
		model_free(m);
		return rc;
	}
	*out = m;
	return 0;
}
