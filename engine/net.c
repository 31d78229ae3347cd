/* net.c - the engine core: binds a model's layers to their implementations, turns the
 * MultiLayerNetwork chain or the ComputationGraph into one list of nodes (network inputs,
 * preprocessors, layers, graph vertices) in topological order, plans shapes and memory for
 * one set of input shapes, and runs the plan.
 *
 * Memory: every node's output lives in a "slot" of one arena, allocated once per plan. A
 * slot is reused as soon as the last node that reads it has run (a chain therefore needs
 * two slots: the classic ping-pong), and is as large as the largest output it ever holds.
 * Pure reshapes (CnnToFeedForward of NCHW, a 'c' ReshapeVertex, ...) are views: they share
 * their input's storage. One scratch area, the largest any layer asks for, follows.
 *
 * Large batches: when every node works sample by sample and the plan would need more than
 * ENG_CHUNK_FLOATS, the batch is cut into chunks that are run one after another (the last,
 * partial chunk through zero-padded staging buffers), so memory does not grow with the
 * batch.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codec/alloc.h"
#include "engine/engine.h"
#include "engine/engine_int.h"

#define ENG_MAX_PLAN_FLOATS ((int64_t)1 << 30)	 /* 4 GiB: a plan above this is refused */
#define ENG_MAX_NUMEL	    ((int64_t)INT32_MAX) /* per tensor: BLAS takes int sizes */
#define ENG_MAX_NODES	    100000
#define ENG_MAX_WRAP_DEPTH  8
#define ENG_ALIGN	    16 /* floats (64 bytes) between slots */

enum node_kind { NK_INPUT, NK_LAYER, NK_PRE, NK_VERTEX };

struct node {
	enum node_kind kind;
	const char *name; /* owner layer or vertex, for messages */
	const char *cls;
	bool is_vertex;		   /* messages say "vertex" rather than "layer" */
	struct elayer *l;	   /* NK_LAYER */
	const struct preproc *pre; /* NK_PRE */
	const struct vertex *v;	   /* NK_VERTEX */
	int first_in, n_in;	   /* inputs: net->edges[first_in .. + n_in) */
	int ref;		   /* DuplicateToTimeSeries: node giving the length, else -1 */
	int input_ix;		   /* NK_INPUT: index among the network inputs */

	/* plan */
	struct eshape shape;
	bool view;    /* output is input 0's data reinterpreted */
	int root;     /* node owning the storage */
	int last_use; /* last node reading this output (n_nodes: a network output) */
	int release;  /* root: node after which its slot is free */
	int slot;
	float *data;	/* root, not an input: its storage in the arena */
	int64_t a0, a1; /* op arguments resolved at plan */
};

struct eng_net {
	const struct model *m;
	const float *params;
	const struct eng_impl *impl[LK__COUNT];

	int n_layers;
	struct elayer *layers; /* one per model layer, same index */

	int n_nodes, cap_nodes;
	struct node *nodes;
	int n_edges, cap_edges;
	int *edges;
	const float **args; /* input pointers of the vertex being run (max_in entries) */
	int max_in;

	int n_in, n_out;
	int in_node[ENG_MAX_IO], out_node[ENG_MAX_IO];

	/* plan */
	int64_t chunk_floats; /* a plan above this is chunked */
	bool planned;
	struct eshape plan_in[ENG_MAX_IO];
	int64_t batch, chunk;
	float *arena;
	float *scratch;
	float *stage_in[ENG_MAX_IO]; /* zero-padded copy of a last, partial chunk */
	int64_t in_row[ENG_MAX_IO], out_row[ENG_MAX_IO]; /* floats per sample */
	struct tensor out_shape[ENG_MAX_IO];
};

/* ------------------------------------------------------------------ names, messages */

static const char *simple_name(const char *s)
{
	const char *d = s ? strrchr(s, '.') : NULL;

	return d ? d + 1 : s ? s : "?";
}

static const char *layer_cls(const struct layer *c)
{
	return c->kind == LK_OPAQUE && c->cls ? c->cls : layer_kind_name(c->kind);
}

static const char *vertex_cls(const struct vertex *v)
{
	return v->kind == VK_OPAQUE && v->cls ? v->cls : vertex_kind_name(v->kind);
}

/* "layer 'NAME' (CLASS): [PREPROCESSOR: ]message" */
__attribute__((format(printf, 4, 5))) static int node_err(const struct node *nd, struct err *e,
							  int code, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (nd->kind == NK_PRE)
		return err_set(e, code, "%s '%s' (%s): %s: %s", nd->is_vertex ? "vertex" : "layer",
			       nd->name, nd->cls, simple_name(nd->pre->name), msg);
	return err_set(e, code, "%s '%s' (%s): %s", nd->is_vertex ? "vertex" : "layer", nd->name,
		       nd->cls, msg);
}

static void shape_str(const struct eshape *s, char *buf, size_t len)
{
	size_t o = 0;

	o += (size_t)snprintf(buf, len, "[");
	for (int i = 0; i < s->rank && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%lld", i ? "," : "", (long long)s->d[i]);
	if (o < len)
		snprintf(buf + o, len - o, "]");
}

/* ------------------------------------------------------------------ parameters */

const float *eng_w(const struct elayer *l, const char *key, const struct param **p)
{
	for (int i = 0; i < l->n_w; i++)
		if (l->wp[i] && l->wp[i]->short_key && strcmp(l->wp[i]->short_key, key) == 0) {
			if (p)
				*p = l->wp[i];
			return l->w[i];
		}
	return NULL;
}

/* Layer kinds whose configured activation is applied (the others ignore it). */
static bool uses_act(enum layer_kind k)
{
	switch (k) {
	case LK_DENSE:
	case LK_OUTPUT:
	case LK_RNN_OUTPUT:
	case LK_CENTER_LOSS_OUTPUT:
	case LK_LOSS:
	case LK_CNN_LOSS:
	case LK_RNN_LOSS:
	case LK_CONV1D:
	case LK_CONV2D:
	case LK_CONV3D:
	case LK_DECONV2D:
	case LK_SEPCONV2D:
	case LK_DWCONV2D:
	case LK_ACTIVATION:
	case LK_LSTM:
	case LK_GRAVES_LSTM:
	case LK_GRAVES_BILSTM:
	case LK_SIMPLE_RNN:
	case LK_EMBEDDING:
	case LK_EMBEDDING_SEQ:
	case LK_ELEMENTWISE_MULT:
	case LK_AUTOENCODER:
	case LK_VAE:
		return true;
	default:
		return false;
	}
}

static bool uses_gate_act(enum layer_kind k)
{
	return k == LK_LSTM || k == LK_GRAVES_LSTM || k == LK_GRAVES_BILSTM;
}

/* Checks that the engine can run layer c (named `name` in messages). */
static int check_layer(const struct eng_net *n, const struct layer *c, const char *name,
		       struct err *e)
{
	if (c->kind == LK_OPAQUE || c->kind < 0 || c->kind >= LK__COUNT || !n->impl[c->kind])
		return err_set(e, -ENOTSUP, "layer '%s' (%s): not supported by the engine", name,
			       layer_cls(c));
	if (uses_act(c->kind) && !eng_act_supported(&c->act))
		return err_set(e, -ENOTSUP,
			       "layer '%s' (%s): activation '%s' is not supported by the engine",
			       name, layer_cls(c), c->act.name);
	if (uses_gate_act(c->kind) && !eng_act_supported(&c->gate_act))
		return err_set(e, -ENOTSUP,
			       "layer '%s' (%s): gate activation '%s' is not supported by the "
			       "engine",
			       name, layer_cls(c), c->gate_act.name);
	return 0;
}

/* check_layer for a layer and, in wrappers, the layers inside (whose sub elayers the
 * wrapper's implementation makes at bind from the wrapper's parameters). */
static int check_tree(const struct eng_net *n, const struct layer *c, const char *name, int depth,
		      struct err *e)
{
	int rc = check_layer(n, c, name, e);

	if (rc || depth > ENG_MAX_WRAP_DEPTH)
		return rc;
	switch (c->kind) {
	case LK_BIDIRECTIONAL:
		if (c->bwd)
			rc = check_tree(n, c->bwd, name, depth + 1, e);
		/* fall through */
	case LK_LAST_TIME_STEP:
	case LK_MASK_ZERO:
		if (!rc && c->fwd)
			rc = check_tree(n, c->fwd, name, depth + 1, e);
		return rc;
	default:
		return 0;
	}
}

static int bind_layer(struct eng_net *n, int i, struct err *e)
{
	const struct model *m = n->m;
	const struct layer *c = &m->layers[i];
	struct elayer *l = &n->layers[i];
	const char *name = c->name ? c->name : "?";
	int rc;

	l->conf = c;
	l->model = m;
	rc = check_tree(n, c, name, 0, e);
	if (rc)
		return rc;
	if (c->n_params > (int)ARRAY_SIZE(l->w))
		return err_set(e, -ENOTSUP, "layer '%s' (%s): %d parameters (the engine takes %d)",
			       name, layer_cls(c), c->n_params, (int)ARRAY_SIZE(l->w));
	if (c->n_params < 0 || c->first_param < 0 || c->first_param + c->n_params > m->n_params)
		return err_set(e, -EINVAL, "layer '%s' (%s): parameter index out of range", name,
			       layer_cls(c));
	for (int j = 0; j < c->n_params; j++) {
		const struct param *p = &m->params[c->first_param + j];
		int64_t end;

		if (p->offset < 0 || p->count < 0 || !i64_add_ok(p->offset, p->count, &end) ||
		    end > m->n_coeffs)
			return err_set(e, -EINVAL,
				       "layer '%s' (%s): parameter %s lies outside the %lld "
				       "coefficients",
				       name, layer_cls(c), p->key, (long long)m->n_coeffs);
		l->w[j] = n->params + p->offset;
		l->wp[j] = p;
	}
	l->n_w = c->n_params;
	return n->impl[c->kind]->bind ? n->impl[c->kind]->bind(l, e) : 0;
}

/* ------------------------------------------------------------------ graph building */

static int add_node(struct eng_net *n, enum node_kind kind, const char *name, const char *cls,
		    bool is_vertex, struct err *e)
{
	struct node *nd;

	if (n->n_nodes == n->cap_nodes) {
		int cap = n->cap_nodes ? n->cap_nodes * 2 : 16;
		struct node *p;

		if (cap > ENG_MAX_NODES)
			return err_set(e, -EOVERFLOW, "network needs more than %d nodes",
				       ENG_MAX_NODES);
		p = dl_realloc(n->nodes, (size_t)cap * sizeof(*p));
		if (!p)
			return err_set(e, -ENOMEM, "out of memory");
		n->nodes = p;
		n->cap_nodes = cap;
	}
	nd = &n->nodes[n->n_nodes];
	memset(nd, 0, sizeof(*nd));
	nd->kind = kind;
	nd->name = name ? name : "?";
	nd->cls = cls ? cls : "?";
	nd->is_vertex = is_vertex;
	nd->ref = -1;
	nd->first_in = n->n_edges;
	return n->n_nodes++;
}

static int add_edge(struct eng_net *n, int node, int from, struct err *e)
{
	if (n->n_edges == n->cap_edges) {
		int cap = n->cap_edges ? n->cap_edges * 2 : 32;
		int *p;

		if (cap > 4 * ENG_MAX_NODES)
			return err_set(e, -EOVERFLOW, "network has too many connections");
		p = dl_realloc(n->edges, (size_t)cap * sizeof(*p));
		if (!p)
			return err_set(e, -ENOMEM, "out of memory");
		n->edges = p;
		n->cap_edges = cap;
	}
	n->edges[n->n_edges++] = from;
	n->nodes[node].n_in++;
	return 0;
}

static bool pre_supported(const struct preproc *p)
{
	switch (p->kind) {
	case PP_CNN_TO_FF:
	case PP_FF_TO_CNN:
	case PP_RNN_TO_FF:
	case PP_FF_TO_RNN:
	case PP_CNN_TO_RNN:
	case PP_RNN_TO_CNN:
	case PP_CNN3D_TO_FF:
	case PP_FF_TO_CNN3D:
	case PP_COMPOSABLE:
		return true;
	default:
		return false;
	}
}

/* Appends the node(s) of preprocessor p reading node `from`; returns the last node. */
static int add_pre(struct eng_net *n, const struct preproc *p, int from, const char *name,
		   const char *cls, bool is_vertex, int depth, struct err *e)
{
	int rc;

	if (!pre_supported(p))
		return err_set(e, -ENOTSUP,
			       "%s '%s' (%s): preprocessor %s is not supported by the engine",
			       is_vertex ? "vertex" : "layer", name, cls, p->name);
	if (p->kind == PP_COMPOSABLE) {
		if (depth > ENG_MAX_WRAP_DEPTH)
			return err_set(e, -ENOTSUP, "%s '%s' (%s): preprocessors nested too deep",
				       is_vertex ? "vertex" : "layer", name, cls);
		for (int i = 0; i < p->n_sub; i++) {
			from = add_pre(n, &p->sub[i], from, name, cls, is_vertex, depth + 1, e);
			if (from < 0)
				return from;
		}
		return from;
	}
	rc = add_node(n, NK_PRE, name, cls, is_vertex, e);
	if (rc < 0)
		return rc;
	n->nodes[rc].pre = p;
	if (add_edge(n, rc, from, e))
		return e->code;
	return rc;
}

/* Preprocessor (if any) and layer node for model layer i reading node `from`. */
static int add_layer(struct eng_net *n, int i, int from, struct err *e)
{
	const struct layer *c = &n->m->layers[i];
	const char *name = c->name ? c->name : "?";
	int k;

	if (c->pre) {
		from = add_pre(n, c->pre, from, name, layer_cls(c), false, 0, e);
		if (from < 0)
			return from;
	}
	k = add_node(n, NK_LAYER, name, layer_cls(c), false, e);
	if (k < 0)
		return k;
	n->nodes[k].l = &n->layers[i];
	if (add_edge(n, k, from, e))
		return e->code;
	return k;
}

static int build_mln(struct eng_net *n, struct err *e)
{
	int k = add_node(n, NK_INPUT, "input", "input", false, e);

	if (k < 0)
		return k;
	n->n_in = 1;
	n->in_node[0] = k;
	for (int i = 0; i < n->m->n_layers; i++) {
		k = add_layer(n, i, k, e);
		if (k < 0)
			return k;
	}
	n->n_out = 1;
	n->out_node[0] = k;
	return 0;
}

static int find_vertex(const struct model *m, const char *name)
{
	for (int v = 0; v < m->n_vertices; v++)
		if (m->vertices[v].name && strcmp(m->vertices[v].name, name) == 0)
			return v;
	return -1;
}

static int build_vertex(struct eng_net *n, int vi, const int *vmap, struct err *e)
{
	const struct model *m = n->m;
	const struct vertex *v = &m->vertices[vi];
	const char *name = v->name ? v->name : "?";
	int k, r;

	for (int j = 0; j < v->n_inputs; j++)
		if (v->inputs[j] < 0 || v->inputs[j] >= vi || vmap[v->inputs[j]] < 0)
			return err_set(e, -EINVAL,
				       "vertex '%s' (%s): input %d is not an earlier vertex", name,
				       vertex_cls(v), j);
	switch (v->kind) {
	case VK_INPUT:
		if (n->n_in >= ENG_MAX_IO)
			return err_set(e, -ENOTSUP, "graph has more than %d inputs", ENG_MAX_IO);
		k = add_node(n, NK_INPUT, name, "input", true, e);
		if (k < 0)
			return k;
		n->nodes[k].input_ix = -1;
		for (int i = 0; i < m->n_inputs; i++)
			if (m->inputs[i] && strcmp(m->inputs[i], name) == 0)
				n->nodes[k].input_ix = i;
		if (n->nodes[k].input_ix < 0)
			return err_set(e, -EINVAL, "vertex '%s' is not a network input", name);
		if (n->nodes[k].input_ix < ENG_MAX_IO)
			n->in_node[n->nodes[k].input_ix] = k;
		n->n_in++;
		return k;
	case VK_LAYER:
		if (v->layer < 0 || v->layer >= m->n_layers)
			return err_set(e, -EINVAL, "vertex '%s': layer index out of range", name);
		if (v->n_inputs != 1)
			return err_set(e, -ENOTSUP,
				       "layer '%s' (%s): %d inputs (a layer takes one)", name,
				       layer_cls(&m->layers[v->layer]), v->n_inputs);
		return add_layer(n, v->layer, vmap[v->inputs[0]], e);
	case VK_PREPROC:
		if (v->n_inputs != 1 || !v->pre)
			return err_set(e, -ENOTSUP,
				       "vertex '%s' (%s): needs one input and a "
				       "preprocessor",
				       name, vertex_cls(v));
		return add_pre(n, v->pre, vmap[v->inputs[0]], name, vertex_cls(v), true, 0, e);
	case VK_OPAQUE:
	case VK__COUNT:
		return err_set(e, -ENOTSUP, "vertex '%s' (%s): not supported by the engine", name,
			       vertex_cls(v));
	default:
		break;
	}
	if (v->n_inputs < 1)
		return err_set(e, -EINVAL, "vertex '%s' (%s): has no inputs", name, vertex_cls(v));
	k = add_node(n, NK_VERTEX, name, vertex_cls(v), true, e);
	if (k < 0)
		return k;
	n->nodes[k].v = v;
	for (int j = 0; j < v->n_inputs; j++)
		if (add_edge(n, k, vmap[v->inputs[j]], e))
			return e->code;
	if (v->kind == VK_DUP_TO_TS) {
		r = v->ref_input ? find_vertex(m, v->ref_input) : -1;
		if (r < 0 || r >= vi || vmap[r] < 0)
			return err_set(e, -EINVAL,
				       "vertex '%s' (%s): input name '%s' is not an earlier vertex",
				       name, vertex_cls(v), v->ref_input ? v->ref_input : "(none)");
		n->nodes[k].ref = vmap[r];
	}
	return k;
}

static int build_cg(struct eng_net *n, struct err *e)
{
	const struct model *m = n->m;
	int *vmap = dl_malloc(((size_t)m->n_vertices + 1) * sizeof(int));
	int rc = 0;

	if (!vmap)
		return err_set(e, -ENOMEM, "out of memory");
	for (int v = 0; v < m->n_vertices; v++)
		vmap[v] = -1;
	if (m->n_inputs > ENG_MAX_IO || m->n_outputs > ENG_MAX_IO) {
		rc = err_set(e, -ENOTSUP, "graph has %d inputs and %d outputs (at most %d each)",
			     m->n_inputs, m->n_outputs, ENG_MAX_IO);
		goto out;
	}
	for (int v = 0; v < m->n_vertices; v++) {
		int k = build_vertex(n, v, vmap, e);

		if (k < 0) {
			rc = k;
			goto out;
		}
		vmap[v] = k;
	}
	if (n->n_in != m->n_inputs || m->n_outputs < 1) {
		rc = err_set(e, -EINVAL, "graph has %d input vertices for %d inputs and %d outputs",
			     n->n_in, m->n_inputs, m->n_outputs);
		goto out;
	}
	for (int i = 0; i < m->n_outputs; i++) {
		int v = find_vertex(m, m->outputs[i]);

		if (v < 0) {
			rc = err_set(e, -EINVAL, "network output '%s' is not a vertex",
				     m->outputs[i]);
			goto out;
		}
		n->out_node[i] = vmap[v];
	}
	n->n_out = m->n_outputs;
out:
	dl_free(vmap);
	return rc;
}

/* ------------------------------------------------------------------ lifecycle */

static void unbind(struct elayer *l, const struct eng_impl *const *impl)
{
	const struct eng_impl *im;

	if (!l->conf || !l->priv)
		return;
	im = l->conf->kind >= 0 && l->conf->kind < LK__COUNT ? impl[l->conf->kind] : NULL;
	if (im && im->free_priv)
		im->free_priv(l);
}

static void plan_free(struct eng_net *n)
{
	dl_free(n->arena);
	n->arena = NULL;
	n->scratch = NULL;
	for (int i = 0; i < ENG_MAX_IO; i++)
		n->stage_in[i] = NULL;
	n->planned = false;
}

void eng_net_free(struct eng_net *n)
{
	if (!n)
		return;
	plan_free(n);
	for (int i = 0; i < n->n_layers; i++)
		unbind(&n->layers[i], n->impl);
	dl_free(n->layers);
	dl_free(n->nodes);
	dl_free(n->edges);
	dl_free(n->args);
	dl_free(n);
}

int eng_net_new(const struct model *m, const float *params, struct eng_net **out, struct err *e)
{
	struct eng_net *n;
	int rc;

	if (!m || (!params && m->n_coeffs > 0))
		return err_set(e, -EINVAL, "no model or no parameters");
	if (m->n_layers < 0 || (m->type == NET_MLN && m->n_layers < 1))
		return err_set(e, -EINVAL, "network has no layers");
	n = dl_calloc(1, sizeof(*n));
	if (!n)
		return err_set(e, -ENOMEM, "out of memory");
	n->m = m;
	n->params = params;
	n->chunk_floats = ENG_CHUNK_FLOATS;
	eng_register_dense(n->impl);
	eng_register_conv(n->impl);
	eng_register_pool(n->impl);
	eng_register_norm(n->impl);
	eng_register_rnn(n->impl);

	n->layers = dl_calloc((size_t)m->n_layers + 1, sizeof(*n->layers));
	if (!n->layers) {
		rc = err_set(e, -ENOMEM, "out of memory");
		goto out_free;
	}
	n->n_layers = m->n_layers;
	for (int i = 0; i < m->n_layers; i++) {
		rc = bind_layer(n, i, e);
		if (rc)
			goto out_free;
	}
	rc = m->type == NET_MLN ? build_mln(n, e) : build_cg(n, e);
	if (rc)
		goto out_free;
	for (int k = 0; k < n->n_nodes; k++)
		if (n->nodes[k].n_in > n->max_in)
			n->max_in = n->nodes[k].n_in;
	n->args = dl_calloc((size_t)n->max_in + 1, sizeof(*n->args));
	if (!n->args) {
		rc = err_set(e, -ENOMEM, "out of memory");
		goto out_free;
	}
	*out = n;
	return 0;
out_free:
	eng_net_free(n);
	return rc;
}

void eng_net_set_chunk_floats(struct eng_net *n, int64_t floats)
{
	if (n && floats >= 1 && floats != n->chunk_floats) {
		n->chunk_floats = floats;
		plan_free(n);
	}
}

int eng_n_outputs(const struct eng_net *n)
{
	return n ? n->n_out : 0;
}

const struct tensor *eng_output_shape(const struct eng_net *n, int i)
{
	if (!n || !n->planned || i < 0 || i >= n->n_out)
		return NULL;
	return &n->out_shape[i];
}

/* ------------------------------------------------------------------ shape inference */

static int64_t inner_of(const struct eshape *s, int from)
{
	int64_t p = 1;

	for (int i = from; i < s->rank; i++)
		p *= s->d[i];
	return p;
}

static bool same_shape(const struct eshape *a, const struct eshape *b)
{
	if (a->rank != b->rank)
		return false;
	for (int i = 0; i < a->rank; i++)
		if (a->d[i] != b->d[i])
			return false;
	return true;
}

static bool is_nhwc(const struct preproc *p)
{
	return strcmp(p->format, "NHWC") == 0 || strcmp(p->format, "NDHWC") == 0;
}

/* Checks configured dims (ignored when the preprocessor has none, as DL4J does). */
static int check_cfg_dims(const struct node *nd, const struct eshape *in, const int64_t *want,
			  const char *const *names, int nd_dims, struct err *e)
{
	bool any = false;

	for (int i = 0; i < nd_dims; i++)
		any = any || want[i] > 0;
	if (!any)
		return 0;
	for (int i = 0; i < nd_dims; i++)
		if (want[i] > 0 && in->d[1 + i] != want[i]) {
			char s[96];

			shape_str(in, s, sizeof(s));
			return node_err(nd, e, -EINVAL, "input %s does not match %s %lld", s,
					names[i], (long long)want[i]);
		}
	return 0;
}

static int infer_pre(struct node *nd, const struct eshape *in, int64_t mb, struct err *e)
{
	const struct preproc *p = nd->pre;
	struct eshape *o = &nd->shape;
	char s[96];
	int64_t chw[3], cdhw[4], prod;
	static const char *const nm_chw[] = { "numChannels", "inputHeight", "inputWidth" };
	static const char *const nm_cdhw[] = { "numChannels", "inputDepth", "inputHeight",
					       "inputWidth" };
	int rc;

	shape_str(in, s, sizeof(s));
	*o = *in;
	nd->view = false;
	chw[0] = p->channels, chw[1] = p->height, chw[2] = p->width;
	cdhw[0] = p->channels, cdhw[1] = p->depth, cdhw[2] = p->height, cdhw[3] = p->width;
	switch (p->kind) {
	case PP_CNN_TO_FF:
	case PP_CNN3D_TO_FF: {
		bool is3d = p->kind == PP_CNN3D_TO_FF;
		int r = is3d ? 5 : 4;

		if (in->rank == 2) {
			nd->view = true; /* DL4J passes 2-d input through */
			return 0;
		}
		if (in->rank != r)
			return node_err(nd, e, -EINVAL, "input %s is not rank %d (%s)", s, r,
					is3d ? "CNN3D" : "CNN");
		/* our activations are NCHW / NCDHW; an NHWC flatten is (h, w, c) */
		rc = is3d ? check_cfg_dims(nd, in, cdhw, nm_cdhw, 4, e)
			  : check_cfg_dims(nd, in, chw, nm_chw, 3, e);
		if (rc)
			return rc;
		o->rank = 2;
		o->d[1] = inner_of(in, 1);
		nd->view = !is_nhwc(p);
		return 0;
	}
	case PP_FF_TO_CNN:
	case PP_FF_TO_CNN3D: {
		int r = p->kind == PP_FF_TO_CNN ? 4 : 5;

		if (in->rank == r) {
			nd->view = true;
			return 0;
		}
		if (in->rank != 2)
			return node_err(nd, e, -EINVAL, "input %s is not rank 2 (feed-forward)", s);
		if (p->channels <= 0 || p->height <= 0 || p->width <= 0 ||
		    (r == 5 && p->depth <= 0))
			return node_err(nd, e, -EINVAL, "configuration lacks the CNN dimensions");
		prod = p->channels * p->height * p->width * (r == 5 ? p->depth : 1);
		if (in->d[1] != prod)
			return node_err(nd, e, -EINVAL, "input %s has %lld columns, expected %lld",
					s, (long long)in->d[1], (long long)prod);
		o->rank = r;
		o->d[1] = p->channels;
		if (r == 4) {
			o->d[2] = p->height;
			o->d[3] = p->width;
		} else {
			o->d[2] = p->depth;
			o->d[3] = p->height;
			o->d[4] = p->width;
		}
		nd->view = !is_nhwc(p);
		return 0;
	}
	case PP_RNN_TO_FF:
	case PP_RNN_TO_CNN:
		if (in->rank != 3)
			return node_err(nd, e, -EINVAL, "input %s is not rank 3 (RNN)", s);
		nd->a0 = in->d[0]; /* samples */
		nd->a1 = in->d[2]; /* steps */
		o->d[0] = in->d[0] * in->d[2];
		if (p->kind == PP_RNN_TO_FF) {
			o->rank = 2;
			o->d[1] = in->d[1];
			return 0;
		}
		if (p->channels <= 0 || p->height <= 0 || p->width <= 0)
			return node_err(nd, e, -EINVAL, "configuration lacks the CNN dimensions");
		prod = p->channels * p->height * p->width;
		if (in->d[1] != prod)
			return node_err(nd, e, -EINVAL, "input %s has size %lld, expected %lld", s,
					(long long)in->d[1], (long long)prod);
		o->rank = 4;
		o->d[1] = p->channels;
		o->d[2] = p->height;
		o->d[3] = p->width;
		return 0;
	case PP_FF_TO_RNN:
	case PP_CNN_TO_RNN:
		if (p->kind == PP_FF_TO_RNN && in->rank != 2)
			return node_err(nd, e, -EINVAL, "input %s is not rank 2 (feed-forward)", s);
		if (p->kind == PP_CNN_TO_RNN) {
			if (in->rank != 4)
				return node_err(nd, e, -EINVAL, "input %s is not rank 4 (CNN)", s);
			rc = check_cfg_dims(nd, in, chw, nm_chw, 3, e);
			if (rc)
				return rc;
		}
		if (mb <= 0 || in->d[0] % mb)
			return node_err(
				nd, e, -EINVAL,
				"input %s: %lld rows are not a multiple of the minibatch %lld", s,
				(long long)in->d[0], (long long)mb);
		nd->a0 = mb;
		nd->a1 = in->d[0] / mb;
		o->rank = 3;
		o->d[0] = mb;
		o->d[1] = inner_of(in, 1);
		o->d[2] = nd->a1;
		return 0;
	default:
		return node_err(nd, e, -ENOTSUP, "not supported by the engine");
	}
}

static const struct eshape *in_shape(const struct eng_net *n, const struct node *nd, int j)
{
	return &n->nodes[n->edges[nd->first_in + j]].shape;
}

static int infer_vertex(struct eng_net *n, struct node *nd, struct err *e)
{
	const struct vertex *v = nd->v;
	const struct eshape *a = in_shape(n, nd, 0);
	struct eshape *o = &nd->shape;
	char s[96], t[96];
	int64_t sum, numel;

	*o = *a;
	nd->view = false;
	shape_str(a, s, sizeof(s));
	switch (v->kind) {
	case VK_MERGE:
		sum = 0;
		if (a->rank < 2)
			return node_err(nd, e, -EINVAL, "input 0 %s has no dimension 1", s);
		for (int j = 0; j < nd->n_in; j++) {
			const struct eshape *b = in_shape(n, nd, j);
			bool ok = b->rank == a->rank;

			for (int k = 0; ok && k < a->rank; k++)
				ok = k == 1 || b->d[k] == a->d[k];
			if (!ok) {
				shape_str(b, t, sizeof(t));
				return node_err(
					nd, e, -EINVAL,
					"input %d %s cannot be concatenated with input 0 %s "
					"along dimension 1",
					j, t, s);
			}
			sum += b->d[1];
		}
		o->d[1] = sum;
		nd->view = nd->n_in == 1;
		return 0;
	case VK_ELEMENTWISE: {
		static const char *const ops[] = { "Add", "Subtract", "Product", "Average", "Max" };
		int op = -1;

		for (int k = 0; k < (int)ARRAY_SIZE(ops); k++)
			if (strcmp(v->op, ops[k]) == 0)
				op = k;
		if (op < 0)
			return node_err(nd, e, -ENOTSUP, "operation '%s' is not supported", v->op);
		if (op == 1 && nd->n_in != 2)
			return node_err(nd, e, -EINVAL, "Subtract needs 2 inputs, got %d",
					nd->n_in);
		for (int j = 1; j < nd->n_in; j++)
			if (!same_shape(in_shape(n, nd, j), a)) {
				shape_str(in_shape(n, nd, j), t, sizeof(t));
				return node_err(nd, e, -EINVAL,
						"input %d %s differs from input 0 %s", j, t, s);
			}
		nd->a0 = op;
		nd->view = nd->n_in == 1;
		return 0;
	}
	case VK_SUBSET:
		if (a->rank < 2)
			return node_err(nd, e, -EINVAL, "input %s has no dimension 1", s);
		if (v->from < 0 || v->to < v->from || v->to >= a->d[1])
			return node_err(nd, e, -EINVAL, "range %lld..%lld is outside input %s",
					(long long)v->from, (long long)v->to, s);
		o->d[1] = v->to - v->from + 1;
		return 0;
	case VK_STACK:
		sum = 0;
		for (int j = 0; j < nd->n_in; j++) {
			const struct eshape *b = in_shape(n, nd, j);
			bool ok = b->rank == a->rank;

			for (int k = 1; ok && k < a->rank; k++)
				ok = b->d[k] == a->d[k];
			if (!ok) {
				shape_str(b, t, sizeof(t));
				return node_err(nd, e, -EINVAL,
						"input %d %s cannot be stacked with input 0 %s", j,
						t, s);
			}
			sum += b->d[0];
		}
		o->d[0] = sum;
		return 0;
	case VK_UNSTACK:
		if (v->stack_size < 1 || v->from < 0 || v->from >= v->stack_size ||
		    a->d[0] % v->stack_size)
			return node_err(nd, e, -EINVAL,
					"cannot take part %lld of %lld from input %s",
					(long long)v->from, (long long)v->stack_size, s);
		o->d[0] = a->d[0] / v->stack_size;
		nd->a0 = v->from * o->d[0];
		return 0;
	case VK_L2NORMALIZE:
		if (a->rank < 2)
			return node_err(nd, e, -EINVAL, "input %s has no features", s);
		if (v->n_dims > 0) {
			bool all = v->n_dims == a->rank - 1;

			for (int k = 0; all && k < v->n_dims; k++) {
				bool seen = false;

				for (int j = 0; j < v->n_dims; j++)
					seen = seen || v->dims[j] == k + 1;
				all = seen;
			}
			if (!all)
				return node_err(nd, e, -ENOTSUP,
						"normalising input %s over only some of its "
						"non-batch dimensions is not supported",
						s);
		}
		return 0;
	case VK_L2:
		if (nd->n_in != 2)
			return node_err(nd, e, -EINVAL, "needs 2 inputs, got %d", nd->n_in);
		if (!same_shape(in_shape(n, nd, 1), a)) {
			shape_str(in_shape(n, nd, 1), t, sizeof(t));
			return node_err(nd, e, -EINVAL, "input 1 %s differs from input 0 %s", t, s);
		}
		o->rank = 2;
		o->d[1] = 1;
		return 0;
	case VK_SCALE:
	case VK_SHIFT:
		return 0;
	case VK_RESHAPE: {
		int wild = -1;
		int64_t known = 1;

		numel = eshape_numel(a);
		if (v->reshape_rank < 1 || v->reshape_rank > ENG_MAX_RANK)
			return node_err(nd, e, -ENOTSUP,
					"new shape of rank %d (the engine takes 1..%d)",
					v->reshape_rank, ENG_MAX_RANK);
		o->rank = v->reshape_rank;
		for (int k = 0; k < o->rank; k++) {
			o->d[k] = v->reshape[k];
			if (o->d[k] == -1 && wild < 0)
				wild = k;
			else if (o->d[k] < 1)
				return node_err(nd, e, -EINVAL, "new shape has dimension %lld",
						(long long)o->d[k]);
			else if (!i64_mul_ok(known, o->d[k], &known))
				return node_err(nd, e, -EOVERFLOW, "new shape overflows");
		}
		if (wild >= 0) {
			if (numel % known)
				return node_err(nd, e, -EINVAL,
						"cannot reshape input %s: %lld "
						"elements",
						s, (long long)numel);
			o->d[wild] = numel / known;
			known = numel;
		}
		if (known != numel)
			return node_err(nd, e, -EINVAL,
					"cannot reshape input %s (%lld elements) "
					"to %lld elements",
					s, (long long)numel, (long long)known);
		nd->view = v->reshape_order != 'f';
		return 0;
	}
	case VK_DUP_TO_TS: {
		const struct eshape *r = &n->nodes[nd->ref].shape;

		if (a->rank != 2)
			return node_err(nd, e, -EINVAL, "input %s is not rank 2 (feed-forward)", s);
		if (r->rank != 3) {
			shape_str(r, t, sizeof(t));
			return node_err(nd, e, -EINVAL, "reference input '%s' %s is not rank 3",
					v->ref_input, t);
		}
		o->rank = 3;
		o->d[2] = r->d[2];
		return 0;
	}
	case VK_LAST_TS:
		if (a->rank != 3)
			return node_err(nd, e, -EINVAL, "input %s is not rank 3 (RNN)", s);
		o->rank = 2;
		return 0;
	case VK_REVERSE_TS:
		if (a->rank != 3)
			return node_err(nd, e, -EINVAL, "input %s is not rank 3 (RNN)", s);
		return 0;
	case VK_POOL_HELPER:
		if (a->rank != 4 || a->d[2] < 2 || a->d[3] < 2)
			return node_err(nd, e, -EINVAL,
					"input %s is not rank 4 with height and "
					"width of at least 2",
					s);
		o->d[2] = a->d[2] - 1;
		o->d[3] = a->d[3] - 1;
		return 0;
	default:
		return node_err(nd, e, -ENOTSUP, "not supported by the engine");
	}
}

/* Whether a node maps sample b of its input(s) to sample b of its output and nothing
 * else, so that the batch may be cut into chunks. */
static bool per_sample(const struct node *nd)
{
	if (nd->kind == NK_PRE)
		switch (nd->pre->kind) {
		case PP_RNN_TO_FF:
		case PP_FF_TO_RNN:
		case PP_CNN_TO_RNN:
		case PP_RNN_TO_CNN:
			return false;
		default:
			return true;
		}
	if (nd->kind == NK_VERTEX)
		switch (nd->v->kind) {
		case VK_STACK:
		case VK_UNSTACK:
		case VK_RESHAPE:
			return false;
		default:
			return true;
		}
	return true;
}

/* Shapes of every node for network inputs `in`; *chunkable and *scratch as found. */
static int infer_all(struct eng_net *n, const struct eshape *in, bool *chunkable, int64_t *scratch,
		     struct err *e)
{
	int64_t mb = in[0].d[0];

	*chunkable = true;
	*scratch = 0;
	for (int k = 0; k < n->n_nodes; k++) {
		struct node *nd = &n->nodes[k];
		int rc = 0;
		int64_t numel = 1;

		nd->view = false;
		switch (nd->kind) {
		case NK_INPUT:
			nd->shape = in[nd->input_ix];
			break;
		case NK_PRE:
			rc = infer_pre(nd, in_shape(n, nd, 0), mb, e);
			break;
		case NK_LAYER: {
			struct elayer *l = nd->l;

			l->in = *in_shape(n, nd, 0);
			l->scratch = 0;
			memset(&l->out, 0, sizeof(l->out));
			rc = n->impl[l->conf->kind]->infer(l, e);
			if (!rc && (l->out.rank < 1 || l->out.rank > ENG_MAX_RANK))
				rc = node_err(nd, e, -EINVAL, "output of rank %d", l->out.rank);
			if (!rc) {
				nd->shape = l->out;
				if (l->scratch > (size_t)ENG_MAX_PLAN_FLOATS)
					rc = node_err(nd, e, -EOVERFLOW,
						      "needs %zu floats of scratch", l->scratch);
				else if ((int64_t)l->scratch > *scratch)
					*scratch = (int64_t)l->scratch;
			}
			break;
		}
		case NK_VERTEX:
			rc = infer_vertex(n, nd, e);
			break;
		}
		if (rc)
			return rc;
		for (int i = 0; i < nd->shape.rank; i++)
			if (nd->shape.d[i] < 1 || !i64_mul_ok(numel, nd->shape.d[i], &numel) ||
			    numel > ENG_MAX_NUMEL) {
				char s[96];

				shape_str(&nd->shape, s, sizeof(s));
				return node_err(nd, e, nd->shape.d[i] < 1 ? -EINVAL : -EOVERFLOW,
						"output shape %s is empty or too large", s);
			}
		*chunkable = *chunkable && per_sample(nd);
	}
	for (int i = 0; i < n->n_in; i++)
		*chunkable = *chunkable && in[i].d[0] == mb;
	for (int i = 0; i < n->n_out; i++)
		*chunkable = *chunkable && n->nodes[n->out_node[i]].shape.d[0] == mb;
	return 0;
}

/* ------------------------------------------------------------------ memory plan */

static int64_t align_up(int64_t v)
{
	return (v + ENG_ALIGN - 1) / ENG_ALIGN * ENG_ALIGN;
}

/* Gives every node that owns storage a slot: a free slot is reused (the smallest that fits,
 * else the largest, grown), a slot stays busy until the last reader of its owner has run.
 * *slot_off_out (owned) gets each slot's offset, *total the floats of all slots. */
static int plan_slots(struct eng_net *n, int64_t **slot_off_out, int64_t *total, struct err *e)
{
	int nn = n->n_nodes, n_slots = 0, rc = 0;
	int64_t *size = dl_calloc((size_t)nn + 1, sizeof(int64_t));
	int *busy_until = dl_calloc((size_t)nn + 1, sizeof(int));
	int64_t *off = NULL, sum = 0;

	if (!size || !busy_until) {
		rc = err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	for (int k = 0; k < nn; k++) {
		struct node *nd = &n->nodes[k];

		nd->last_use = k;
		nd->root = nd->view ? n->nodes[n->edges[nd->first_in]].root : k;
		nd->release = k;
		nd->slot = -1;
		nd->data = NULL;
	}
	for (int k = 0; k < nn; k++) {
		const struct node *nd = &n->nodes[k];

		for (int j = 0; j < nd->n_in; j++)
			n->nodes[n->edges[nd->first_in + j]].last_use = k;
	}
	for (int i = 0; i < n->n_out; i++)
		n->nodes[n->out_node[i]].last_use = nn;
	for (int k = 0; k < nn; k++) {
		struct node *r = &n->nodes[n->nodes[k].root];

		if (n->nodes[k].last_use > r->release)
			r->release = n->nodes[k].last_use;
	}
	for (int k = 0; k < nn; k++) {
		struct node *nd = &n->nodes[k];
		int64_t need = align_up(eshape_numel(&nd->shape));
		int best = -1;

		if (nd->kind == NK_INPUT || nd->view)
			continue;
		/* a free slot: the smallest that fits, else the largest (grown) */
		for (int s = 0; s < n_slots; s++) {
			if (busy_until[s] >= k)
				continue;
			if (best < 0)
				best = s;
			else if (size[s] >= need && (size[best] < need || size[s] < size[best]))
				best = s;
			else if (size[best] < need && size[s] > size[best])
				best = s;
		}
		if (best < 0)
			best = n_slots++;
		if (size[best] < need)
			size[best] = need;
		busy_until[best] = nd->release;
		nd->slot = best;
	}
	off = dl_calloc((size_t)n_slots + 1, sizeof(int64_t));
	if (!off) {
		rc = err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	for (int s = 0; s < n_slots; s++) {
		off[s] = sum;
		if (!i64_add_ok(sum, size[s], &sum)) {
			rc = err_set(e, -EOVERFLOW, "plan size overflows");
			goto out;
		}
	}
	*total = sum;
	*slot_off_out = off;
	off = NULL;
out:
	dl_free(off);
	dl_free(size);
	dl_free(busy_until);
	return rc;
}

/* Plans shapes and slots at batch b (replacing the inputs' common batch); *floats gets the
 * arena size for activations plus scratch. */
static int plan_at(struct eng_net *n, const struct eshape *in, int64_t b, bool *chunkable,
		   int64_t *scratch, int64_t **slot_off, int64_t *floats, struct err *e)
{
	struct eshape at[ENG_MAX_IO] = { { 0 } };
	int rc;

	for (int i = 0; i < n->n_in; i++) {
		at[i] = in[i];
		if (in[i].d[0] == in[0].d[0]) /* chunks only happen when all batches agree */
			at[i].d[0] = b;
	}
	rc = infer_all(n, at, chunkable, scratch, e);
	if (rc)
		return rc;
	rc = plan_slots(n, slot_off, floats, e);
	if (rc)
		return rc;
	if (!i64_add_ok(*floats, align_up(*scratch), floats))
		return err_set(e, -EOVERFLOW, "plan size overflows");
	return 0;
}

int eng_plan(struct eng_net *n, int n_in, const struct tensor *const *in_shapes, struct err *e)
{
	struct eshape in[ENG_MAX_IO];
	int64_t scratch = 0, floats = 0, total, *slot_off = NULL, stage = 0;
	bool chunkable = false;
	int rc;

	if (!n || !in_shapes)
		return err_set(e, -EINVAL, "no network or no input shapes");
	if (n_in != n->n_in)
		return err_set(e, -EINVAL, "network takes %d inputs, got %d", n->n_in, n_in);
	for (int i = 0; i < n_in; i++) {
		const struct tensor *t = in_shapes[i];
		int64_t numel = 1;

		if (!t)
			return err_set(e, -EINVAL, "input %d: no shape", i);
		if (t->dtype != DT_F32)
			return err_set(e, -EINVAL, "input %d: dtype %s (the engine takes FLOAT)", i,
				       t->dtype >= 0 && t->dtype < DT__COUNT
					       ? tensor_dtype_info[t->dtype].nd4j
					       : "?");
		if (t->rank < 2 || t->rank > ENG_MAX_RANK)
			return err_set(e, -EINVAL,
				       "input %d: rank %d (the engine takes 2..%d, batch first)", i,
				       t->rank, ENG_MAX_RANK);
		in[i].rank = t->rank;
		for (int k = 0; k < t->rank; k++) {
			if (t->shape[k] < 1 || !i64_mul_ok(numel, t->shape[k], &numel) ||
			    numel > ENG_MAX_NUMEL)
				return err_set(e, -EINVAL,
					       "input %d: shape dimension %d is %lld "
					       "(empty or too large)",
					       i, k, (long long)t->shape[k]);
			in[i].d[k] = t->shape[k];
		}
	}
	if (n->planned) {
		bool same = true;

		for (int i = 0; same && i < n_in; i++)
			same = same_shape(&in[i], &n->plan_in[i]);
		if (same)
			return 0;
	}
	plan_free(n);
	n->batch = in[0].d[0];
	n->chunk = n->batch;
	rc = plan_at(n, in, n->batch, &chunkable, &scratch, &slot_off, &floats, e);
	if (rc)
		goto out;
	for (int i = 0; i < n->n_out; i++) {
		const struct eshape *s = &n->nodes[n->out_node[i]].shape;
		struct tensor *t = &n->out_shape[i];

		memset(t, 0, sizeof(*t));
		t->dtype = DT_F32;
		t->rank = s->rank;
		t->order = 'c';
		for (int k = 0; k < s->rank; k++)
			t->shape[k] = s->d[k];
		tensor_std_strides(t->rank, t->shape, 'c', t->stride);
	}
	if (chunkable && n->batch > 1 && floats > n->chunk_floats) {
		int64_t c = (int64_t)((double)n->batch * (double)n->chunk_floats / (double)floats);

		n->chunk = c < 1 ? 1 : c > n->batch ? n->batch : c;
		dl_free(slot_off);
		slot_off = NULL;
		rc = plan_at(n, in, n->chunk, &chunkable, &scratch, &slot_off, &floats, e);
		if (rc)
			goto out;
	}
	for (int i = 0; i < n->n_in; i++)
		n->in_row[i] = inner_of(&in[i], 1);
	for (int i = 0; i < n->n_out; i++)
		n->out_row[i] = inner_of(&n->nodes[n->out_node[i]].shape, 1);
	if (n->batch % n->chunk)
		for (int i = 0; i < n->n_in; i++)
			stage += align_up(n->chunk * n->in_row[i]);
	if (!i64_add_ok(floats, stage, &total) || total > ENG_MAX_PLAN_FLOATS) {
		rc = err_set(e, -EOVERFLOW, "plan needs %lld MiB of activations (at most %lld MiB)",
			     (long long)(floats + stage) / (1 << 18),
			     (long long)ENG_MAX_PLAN_FLOATS / (1 << 18));
		goto out;
	}
	n->arena = dl_malloc((size_t)(total ? total : 1) * sizeof(float));
	if (!n->arena) {
		rc = err_set(e, -ENOMEM, "out of memory for a plan of %lld MiB",
			     (long long)total / (1 << 18));
		goto out;
	}
	for (int k = 0; k < n->n_nodes; k++)
		if (n->nodes[k].slot >= 0)
			n->nodes[k].data = n->arena + slot_off[n->nodes[k].slot];
	n->scratch = n->arena + (floats - align_up(scratch));
	if (n->batch % n->chunk) {
		float *p = n->arena + floats;

		for (int i = 0; i < n->n_in; i++) {
			n->stage_in[i] = p;
			p += align_up(n->chunk * n->in_row[i]);
		}
	}
	memcpy(n->plan_in, in, sizeof(in));
	n->planned = true;
out:
	dl_free(slot_off);
	if (rc)
		plan_free(n);
	return rc;
}

/* ------------------------------------------------------------------ forward ops */

/* [S, C, T] -> rows (t*S + s) of C: RnnToFeedForward / RnnToCnn (time folded into batch). */
static void fold_time(const float *in, float *out, int64_t S, int64_t C, int64_t T)
{
	for (int64_t s = 0; s < S; s++)
		for (int64_t c = 0; c < C; c++) {
			const float *src = in + (s * C + c) * T;

			for (int64_t t = 0; t < T; t++)
				out[(t * S + s) * C + c] = src[t];
		}
}

/* rows (t*S + s) of C -> [S, C, T]: FeedForwardToRnn / CnnToRnn. */
static void unfold_time(const float *in, float *out, int64_t S, int64_t C, int64_t T)
{
	for (int64_t s = 0; s < S; s++)
		for (int64_t c = 0; c < C; c++) {
			float *dst = out + (s * C + c) * T;

			for (int64_t t = 0; t < T; t++)
				dst[t] = in[(t * S + s) * C + c];
		}
}

/* [N, C, P] <-> [N, P, C] (P = spatial positions): channels-last flatten and back. */
static void swap_last(const float *in, float *out, int64_t N, int64_t A, int64_t B)
{
	for (int64_t b = 0; b < N; b++) {
		const float *x = in + b * A * B;
		float *y = out + b * A * B;

		for (int64_t i = 0; i < A; i++)
			for (int64_t j = 0; j < B; j++)
				y[j * A + i] = x[i * B + j];
	}
}

static void run_pre(const struct node *nd, const struct eshape *is, const float *in, float *out)
{
	const struct eshape *os = &nd->shape;

	switch (nd->pre->kind) {
	case PP_CNN_TO_FF:
	case PP_CNN3D_TO_FF: /* NHWC / NDHWC: [N, C, P] -> [N, P, C] */
		swap_last(in, out, is->d[0], is->d[1], inner_of(is, 2));
		return;
	case PP_FF_TO_CNN:
	case PP_FF_TO_CNN3D: /* [N, P, C] -> [N, C, P] */
		swap_last(in, out, os->d[0], inner_of(os, 2), os->d[1]);
		return;
	case PP_RNN_TO_FF:
	case PP_RNN_TO_CNN:
		fold_time(in, out, nd->a0, is->d[1], nd->a1);
		return;
	case PP_FF_TO_RNN:
	case PP_CNN_TO_RNN:
		unfold_time(in, out, nd->a0, os->d[1], nd->a1);
		return;
	default:
		return;
	}
}

/* Copies element-by-element between two 'f'-order views of the same data (ReshapeVertex
 * with order 'f'); both arrays are stored 'c'. */
static void reshape_f(const struct eshape *is, const float *in, const struct eshape *os, float *out)
{
	int64_t n = eshape_numel(is), ii[ENG_MAX_RANK] = { 0 }, oi[ENG_MAX_RANK] = { 0 };
	int64_t is_str[ENG_MAX_RANK], os_str[ENG_MAX_RANK], ip = 0, op = 0;

	is_str[is->rank - 1] = 1;
	for (int k = is->rank - 2; k >= 0; k--)
		is_str[k] = is_str[k + 1] * is->d[k + 1];
	os_str[os->rank - 1] = 1;
	for (int k = os->rank - 2; k >= 0; k--)
		os_str[k] = os_str[k + 1] * os->d[k + 1];
	for (int64_t i = 0; i < n; i++) {
		out[op] = in[ip];
		/* advance both multi-indices in 'f' order (first index fastest) */
		for (int k = 0; k < is->rank; k++) {
			ip += is_str[k];
			if (++ii[k] < is->d[k])
				break;
			ip -= is_str[k] * is->d[k];
			ii[k] = 0;
		}
		for (int k = 0; k < os->rank; k++) {
			op += os_str[k];
			if (++oi[k] < os->d[k])
				break;
			op -= os_str[k] * os->d[k];
			oi[k] = 0;
		}
	}
}

static void run_vertex(const struct eng_net *n, const struct node *nd, const float *const *in,
		       float *out)
{
	const struct vertex *v = nd->v;
	const struct eshape *a = in_shape(n, nd, 0), *o = &nd->shape;
	int64_t N = a->d[0], cnt = eshape_numel(o);

	switch (v->kind) {
	case VK_MERGE: {
		int64_t inner = inner_of(a, 2), off = 0;

		for (int64_t b = 0; b < N; b++)
			for (int j = 0; j < nd->n_in; j++) {
				int64_t len = in_shape(n, nd, j)->d[1] * inner;

				memcpy(out + off, in[j] + b * len, (size_t)len * sizeof(float));
				off += len;
			}
		return;
	}
	case VK_ELEMENTWISE:
		memcpy(out, in[0], (size_t)cnt * sizeof(float));
		for (int j = 1; j < nd->n_in; j++) {
			const float *x = in[j];

			switch (nd->a0) {
			case 0:
			case 3:
				for (int64_t i = 0; i < cnt; i++)
					out[i] += x[i];
				break;
			case 1:
				for (int64_t i = 0; i < cnt; i++)
					out[i] -= x[i];
				break;
			case 2:
				for (int64_t i = 0; i < cnt; i++)
					out[i] *= x[i];
				break;
			default:
				for (int64_t i = 0; i < cnt; i++)
					out[i] = x[i] > out[i] ? x[i] : out[i];
				break;
			}
		}
		if (nd->a0 == 3) {
			float inv = 1.0f / (float)nd->n_in;

			for (int64_t i = 0; i < cnt; i++)
				out[i] *= inv;
		}
		return;
	case VK_SUBSET: {
		int64_t inner = inner_of(a, 2), len = o->d[1] * inner;

		for (int64_t b = 0; b < N; b++)
			memcpy(out + b * len, in[0] + (b * a->d[1] + v->from) * inner,
			       (size_t)len * sizeof(float));
		return;
	}
	case VK_STACK: {
		int64_t off = 0;

		for (int j = 0; j < nd->n_in; j++) {
			int64_t len = eshape_numel(in_shape(n, nd, j));

			memcpy(out + off, in[j], (size_t)len * sizeof(float));
			off += len;
		}
		return;
	}
	case VK_UNSTACK:
		memcpy(out, in[0] + nd->a0 * inner_of(a, 1), (size_t)cnt * sizeof(float));
		return;
	case VK_L2NORMALIZE: {
		int64_t len = inner_of(a, 1);
		double eps = v->l2_eps;

		for (int64_t b = 0; b < N; b++) {
			const float *x = in[0] + b * len;
			double ss = 0;
			float d;

			for (int64_t i = 0; i < len; i++)
				ss += (double)x[i] * (double)x[i];
			d = (float)fmax(sqrt(ss), eps);
			for (int64_t i = 0; i < len; i++)
				out[b * len + i] = x[i] / d;
		}
		return;
	}
	case VK_L2: {
		int64_t len = inner_of(a, 1);

		for (int64_t b = 0; b < N; b++) {
			double ss = 0;

			for (int64_t i = 0; i < len; i++) {
				double d = (double)in[0][b * len + i] - (double)in[1][b * len + i];

				ss += d * d;
			}
			out[b] = (float)sqrt(ss);
		}
		return;
	}
	case VK_SCALE: {
		float f = (float)v->scale;

		for (int64_t i = 0; i < cnt; i++)
			out[i] = in[0][i] * f;
		return;
	}
	case VK_SHIFT: {
		float f = (float)v->scale;

		for (int64_t i = 0; i < cnt; i++)
			out[i] = in[0][i] + f;
		return;
	}
	case VK_RESHAPE: /* 'f' order; 'c' is a view */
		reshape_f(a, in[0], o, out);
		return;
	case VK_DUP_TO_TS: {
		int64_t F = a->d[1], T = o->d[2];

		for (int64_t b = 0; b < N; b++)
			for (int64_t f = 0; f < F; f++)
				for (int64_t t = 0; t < T; t++)
					out[(b * F + f) * T + t] = in[0][b * F + f];
		return;
	}
	case VK_LAST_TS: {
		int64_t F = a->d[1], T = a->d[2];

		for (int64_t r = 0; r < N * F; r++)
			out[r] = in[0][r * T + T - 1];
		return;
	}
	case VK_REVERSE_TS: {
		int64_t T = a->d[2];

		for (int64_t r = 0; r < N * a->d[1]; r++)
			for (int64_t t = 0; t < T; t++)
				out[r * T + t] = in[0][r * T + T - 1 - t];
		return;
	}
	case VK_POOL_HELPER: {
		int64_t H = a->d[2], W = a->d[3];

		for (int64_t r = 0; r < N * a->d[1]; r++)
			for (int64_t h = 1; h < H; h++)
				memcpy(out + (r * (H - 1) + h - 1) * (W - 1),
				       in[0] + (r * H + h) * W + 1,
				       (size_t)(W - 1) * sizeof(float));
		return;
	}
	default:
		return;
	}
}

static const float *node_ptr(const struct eng_net *n, int k, const float *const *ip)
{
	const struct node *r = &n->nodes[n->nodes[k].root];

	return r->kind == NK_INPUT ? ip[r->input_ix] : r->data;
}

/* Runs every node once for the inputs ip (planned chunk shapes). */
static void run_graph(struct eng_net *n, const float *const *ip)
{
	for (int k = 0; k < n->n_nodes; k++) {
		const struct node *nd = &n->nodes[k];

		if (nd->kind == NK_INPUT || nd->view)
			continue;
		switch (nd->kind) {
		case NK_LAYER:
			n->impl[nd->l->conf->kind]->forward(nd->l,
							    node_ptr(n, n->edges[nd->first_in], ip),
							    nd->data, n->scratch);
			break;
		case NK_PRE:
			run_pre(nd, in_shape(n, nd, 0), node_ptr(n, n->edges[nd->first_in], ip),
				nd->data);
			break;
		case NK_VERTEX:
			for (int j = 0; j < nd->n_in; j++)
				n->args[j] = node_ptr(n, n->edges[nd->first_in + j], ip);
			run_vertex(n, nd, n->args, nd->data);
			break;
		default:
			break;
		}
	}
}

int eng_forward(struct eng_net *n, const struct tensor *const *in, struct tensor *const *out,
		struct err *e)
{
	const float *ip[ENG_MAX_IO];

	if (!n || !n->planned)
		return err_set(e, -EINVAL, "forward without a plan");
	if (!in || !out)
		return err_set(e, -EINVAL, "no input or output tensors");
	for (int i = 0; i < n->n_in; i++) {
		const struct eshape *s = &n->plan_in[i];
		bool ok = in[i] && in[i]->data && in[i]->rank == s->rank && in[i]->dtype == DT_F32;

		for (int k = 0; ok && k < s->rank; k++)
			ok = in[i]->shape[k] == s->d[k];
		if (!ok)
			return err_set(e, -EINVAL, "input %d does not match the planned shape", i);
	}
	for (int i = 0; i < n->n_out; i++) {
		const struct tensor *s = &n->out_shape[i];
		bool ok = out[i] && out[i]->data && out[i]->rank == s->rank &&
			  out[i]->dtype == DT_F32;

		for (int k = 0; ok && k < s->rank; k++)
			ok = out[i]->shape[k] == s->shape[k];
		if (!ok)
			return err_set(e, -EINVAL, "output %d does not match the planned shape", i);
	}
	for (int64_t b0 = 0; b0 < n->batch; b0 += n->chunk) {
		int64_t rows = n->batch - b0 < n->chunk ? n->batch - b0 : n->chunk;
		bool part = rows < n->chunk;

		for (int i = 0; i < n->n_in; i++) {
			const float *src = (const float *)in[i]->data + b0 * n->in_row[i];

			if (part) {
				size_t have = (size_t)(rows * n->in_row[i]);
				size_t all = (size_t)(n->chunk * n->in_row[i]);

				memcpy(n->stage_in[i], src, have * sizeof(float));
				memset(n->stage_in[i] + have, 0, (all - have) * sizeof(float));
				src = n->stage_in[i];
			}
			ip[i] = src;
		}
		run_graph(n, ip);
		for (int i = 0; i < n->n_out; i++) {
			const float *src = node_ptr(n, n->out_node[i], ip);
			int64_t len = n->chunk < n->batch ? rows * n->out_row[i]
							  : tensor_numel(&n->out_shape[i]);

			memcpy((float *)out[i]->data + b0 * n->out_row[i], src,
			       (size_t)len * sizeof(float));
		}
	}
	return 0;
}
