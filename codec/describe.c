/* describe.c - human views of a model: summary.txt (in the spirit of DL4J's
 * MultiLayerNetwork.summary() / ComputationGraph.summary()) and graph.dot (Graphviz).
 *
 * Both are pure functions of struct model (plus the coefficients' array format for the
 * era line); nothing here reads archive bytes.
 */
#include "codec/describe.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codec/alloc.h"

/* ------------------------------------------------------------ string builder */

struct sb {
	char *buf;
	size_t len, cap;
	bool oom;
};

static bool sb_reserve(struct sb *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return false;
	if (!size_add_ok(b->len, extra, &need) || !size_add_ok(need, 1, &need)) {
		b->oom = true;
		return false;
	}
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < need) {
		if (!size_mul_ok(cap, 2, &cap)) {
			b->oom = true;
			return false;
		}
	}
	p = dl_realloc(b->buf, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->buf = p;
	b->cap = cap;
	return true;
}

static void sb_putn(struct sb *b, const char *s, size_t n)
{
	if (!sb_reserve(b, n))
		return;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

static void sb_puts(struct sb *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

static void sb_pad(struct sb *b, char c, size_t n)
{
	if (!sb_reserve(b, n))
		return;
	memset(b->buf + b->len, c, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sb_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Hands the text to the caller (an empty string when nothing was written). */
static int sb_finish(struct sb *b, char **out, size_t *len, struct err *e)
{
	if (!b->oom && !b->buf)
		sb_reserve(b, 0);
	if (b->oom) {
		dl_free(b->buf);
		return err_set(e, -ENOMEM, "out of memory rendering the model description");
	}
	b->buf[b->len] = '\0';
	*out = b->buf;
	if (len)
		*len = b->len;
	return 0;
}

/* ------------------------------------------------------------ shared facts */

enum variant { VAR_NONE, VAR_A, VAR_B, VAR_C, VAR_OTHER };

static enum variant variant_of(const struct nd4j_fmt *f)
{
	if (!f)
		return VAR_NONE;
	if (!strcmp(f->shape_mode, "JAVACPP") || !strcmp(f->shape_mode, "DIRECT") ||
	    !strcmp(f->shape_mode, "HEAP"))
		return VAR_A;
	if (!strcmp(f->shape_mode, "LONG_SHAPE"))
		return VAR_B;
	if (!strcmp(f->shape_mode, "MIXED_DATA_TYPES"))
		return VAR_C;
	return VAR_OTHER;
}

/* The era follows the JSON dialect first (it changed at 0.8.0 and at 1.0.0-beta), then the
 * array variant, which tells 1.0.0-beta..beta3 (A/B: the shape info has no data-type
 * flags) from beta4+ (C: MIXED_DATA_TYPES). Without parameters, the "dataType" key
 * (beta4+) decides instead. */
const char *codec_describe_era(const struct model *m, const struct nd4j_fmt *coeff_fmt)
{
	switch (m->dialect) {
	case JD_LEGACY_STRING_ACT:
		return "0.5.0 - 0.7.x";
	case JD_LEGACY_WRAPPER:
		return "0.8.0 - 1.0.0-alpha";
	case JD_CLASS:
	default:
		break;
	}
	switch (variant_of(coeff_fmt)) {
	case VAR_C:
		return "1.0.0-beta4 or later";
	case VAR_A:
	case VAR_B:
		return "1.0.0-beta - beta3";
	case VAR_NONE:
	case VAR_OTHER:
	default:
		return m->has_dtype ? "1.0.0-beta4 or later" : "1.0.0-beta - beta3";
	}
}

static const char *variant_text(const struct nd4j_fmt *f)
{
	switch (variant_of(f)) {
	case VAR_A:
		return "A";
	case VAR_B:
		return "B";
	case VAR_C:
		return "C";
	case VAR_NONE:
	case VAR_OTHER:
	default:
		return "?";
	}
}

static const char *dialect_text(enum json_dialect d)
{
	switch (d) {
	case JD_LEGACY_STRING_ACT:
		return "legacy wrapper keys, string activations";
	case JD_LEGACY_WRAPPER:
		return "legacy wrapper keys, wrapped activations";
	case JD_CLASS:
	default:
		return "@class";
	}
}

static const char *simple_name(const char *cls)
{
	const char *dot;

	if (!cls)
		return NULL;
	dot = strrchr(cls, '.');
	return dot ? dot + 1 : cls;
}

/* "DenseLayer", "Bidirectional(LSTM)", "Frozen(ConvolutionLayer)", "CustomLayer". */
static void layer_type(const struct layer *l, char *buf, size_t cap)
{
	char inner[96];
	const char *base = layer_kind_name(l->kind);

	if (l->kind == LK_OPAQUE && simple_name(l->cls))
		base = simple_name(l->cls);
	if (l->fwd && (l->kind == LK_BIDIRECTIONAL || l->kind == LK_LAST_TIME_STEP ||
		       l->kind == LK_MASK_ZERO)) {
		layer_type(l->fwd, inner, sizeof(inner));
		snprintf(buf, cap, "%s(%s)", base, inner);
	} else {
		snprintf(buf, cap, "%s", base);
	}
	if (l->frozen) {
		snprintf(inner, sizeof(inner), "%s", buf);
		snprintf(buf, cap, "Frozen(%s)", inner);
	}
}

static bool has_activation(enum layer_kind k)
{
	switch (k) {
	case LK_SUBSAMPLING1D:
	case LK_SUBSAMPLING2D:
	case LK_SUBSAMPLING3D:
	case LK_GLOBAL_POOLING:
	case LK_UPSAMPLING1D:
	case LK_UPSAMPLING2D:
	case LK_ZEROPAD1D:
	case LK_ZEROPAD2D:
	case LK_CROPPING1D:
	case LK_CROPPING2D:
	case LK_BATCHNORM:
	case LK_LRN:
	case LK_DROPOUT:
	case LK_PRELU:
	case LK_YOLO2:
		return false;
	default:
		return true;
	}
}

static const char *act_text(const struct activation *a)
{
	if (a->kind == ACT_UNKNOWN)
		return a->name[0] ? a->name : "unknown";
	return act_kind_name(a->kind);
}

static void layer_act(const struct layer *l, char *buf, size_t cap)
{
	while (l->fwd && (l->kind == LK_BIDIRECTIONAL || l->kind == LK_LAST_TIME_STEP ||
			  l->kind == LK_MASK_ZERO))
		l = l->fwd;
	if (!has_activation(l->kind))
		snprintf(buf, cap, "-");
	else
		snprintf(buf, cap, "%s", act_text(&l->act));
}

static void layer_sizes(const struct layer *l, char *buf, size_t cap)
{
	char a[24], b[24];

	if (l->n_in < 0 && l->n_out < 0) {
		snprintf(buf, cap, "-");
		return;
	}
	if (l->n_in < 0)
		snprintf(a, sizeof(a), "?");
	else
		snprintf(a, sizeof(a), "%" PRId64, l->n_in);
	if (l->n_out < 0)
		snprintf(b, sizeof(b), "?");
	else
		snprintf(b, sizeof(b), "%" PRId64, l->n_out);
	snprintf(buf, cap, "%s -> %s", a, b);
}

static const char *preproc_text(const struct preproc *p)
{
	static const char *const names[] = {
		[PP_NONE] = "none",
		[PP_CNN_TO_FF] = "CnnToFeedForward",
		[PP_FF_TO_CNN] = "FeedForwardToCnn",
		[PP_RNN_TO_FF] = "RnnToFeedForward",
		[PP_FF_TO_RNN] = "FeedForwardToRnn",
		[PP_CNN_TO_RNN] = "CnnToRnn",
		[PP_RNN_TO_CNN] = "RnnToCnn",
		[PP_CNN3D_TO_FF] = "Cnn3DToFeedForward",
		[PP_FF_TO_CNN3D] = "FeedForwardToCnn3D",
		[PP_COMPOSABLE] = "Composable",
		[PP_RESHAPE] = "Reshape",
		[PP_UNKNOWN] = NULL,
	};

	if (!p)
		return "-";
	if ((unsigned)p->kind < ARRAY_SIZE(names) && names[p->kind])
		return names[p->kind];
	return p->name[0] ? simple_name(p->name) : "unknown";
}

/* "W:{3,4}, b:{4}" for layer li. */
static void param_shapes(struct sb *b, const struct model *m, int li)
{
	const struct layer *l = &m->layers[li];
	bool first = true;

	for (int i = 0; i < m->n_params; i++) {
		const struct param *p = &m->params[i];

		if (p->layer != li)
			continue;
		sb_printf(b, "%s%s:{", first ? "" : ", ", p->short_key ? p->short_key : p->key);
		for (int d = 0; d < p->rank && d < TENSOR_MAX_RANK; d++)
			sb_printf(b, "%s%" PRId64, d ? "," : "", p->shape[d]);
		sb_puts(b, "}");
		first = false;
	}
	if (first)
		sb_puts(b, l->param_count > 0 ? "?" : "-");
}

/* ------------------------------------------------------------ table */

#define SUM_MAX_COLS 8

struct table {
	int ncols, nrows, cap;
	char **cells; /* nrows * ncols owned strings */
	bool oom;
};

static void table_row(struct table *t, const char *const *cols)
{
	if (t->oom)
		return;
	if (t->nrows == t->cap) {
		int cap = t->cap ? t->cap * 2 : 16;
		size_t bytes;
		char **p;

		if (!size_mul_ok((size_t)cap * (size_t)t->ncols, sizeof(*p), &bytes)) {
			t->oom = true;
			return;
		}
		p = dl_realloc(t->cells, bytes);
		if (!p) {
			t->oom = true;
			return;
		}
		t->cells = p;
		t->cap = cap;
	}
	for (int c = 0; c < t->ncols; c++) {
		char *s = dl_strdup(cols[c] ? cols[c] : "");

		t->cells[t->nrows * t->ncols + c] = s;
		if (!s) {
			for (int k = 0; k < c; k++)
				dl_free(t->cells[t->nrows * t->ncols + k]);
			t->oom = true;
			return;
		}
	}
	t->nrows++;
}

static void table_free(struct table *t)
{
	for (int i = 0; i < t->nrows * t->ncols; i++)
		dl_free(t->cells[i]);
	dl_free(t->cells);
}

/* Row 0 is the header; rows are separated from it by '=' rules, then a '-' rule at the end. */
static size_t table_render(struct sb *b, const struct table *t)
{
	size_t w[SUM_MAX_COLS] = { 0 }, total = 0;

	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++) {
			size_t n = strlen(t->cells[r * t->ncols + c]);

			if (n > w[c])
				w[c] = n;
		}
	for (int c = 0; c < t->ncols; c++)
		total += w[c] + (c + 1 < t->ncols ? 3 : 0);
	for (int r = 0; r < t->nrows; r++) {
		if (r <= 1) {
			sb_pad(b, '=', total);
			sb_puts(b, "\n");
		}
		for (int c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];

			sb_puts(b, s);
			if (c + 1 < t->ncols)
				sb_pad(b, ' ', w[c] - strlen(s) + 3);
		}
		sb_puts(b, "\n");
	}
	if (t->nrows <= 1) {
		sb_pad(b, '=', total);
		sb_puts(b, "\n");
	}
	sb_pad(b, '-', total);
	sb_puts(b, "\n");
	return total;
}

/* ------------------------------------------------------------ summary.txt */

static void layer_cells(const struct model *m, int li, struct sb *shapes, char *type, size_t tcap,
			char *sizes, size_t scap, char *act, size_t acap, char *count, size_t ccap)
{
	const struct layer *l = &m->layers[li];

	layer_type(l, type, tcap);
	layer_sizes(l, sizes, scap);
	layer_act(l, act, acap);
	snprintf(count, ccap, "%" PRId64, l->param_count);
	shapes->len = 0;
	if (shapes->buf)
		shapes->buf[0] = '\0';
	param_shapes(shapes, m, li);
}

static void inputs_text(struct sb *b, const struct model *m, const struct vertex *v)
{
	b->len = 0;
	if (b->buf)
		b->buf[0] = '\0';
	if (v->n_inputs == 0) {
		sb_puts(b, "-");
		return;
	}
	sb_puts(b, "[");
	for (int i = 0; i < v->n_inputs; i++) {
		int k = v->inputs[i];

		sb_printf(b, "%s%s", i ? ", " : "",
			  k >= 0 && k < m->n_vertices && m->vertices[k].name ? m->vertices[k].name
									     : "?");
	}
	sb_puts(b, "]");
}

/* A short description of a non-layer vertex's settings ("op=Add", "[0..3]"). */
static void vertex_detail(const struct vertex *v, char *buf, size_t cap)
{
	buf[0] = '\0';
	switch (v->kind) {
	case VK_ELEMENTWISE:
		snprintf(buf, cap, "op=%s", v->op[0] ? v->op : "?");
		break;
	case VK_SUBSET:
		snprintf(buf, cap, "[%" PRId64 "..%" PRId64 "]", v->from, v->to);
		break;
	case VK_UNSTACK:
		snprintf(buf, cap, "from=%" PRId64 " of %" PRId64, v->from, v->stack_size);
		break;
	case VK_SCALE:
	case VK_SHIFT:
		snprintf(buf, cap, "%s=%g", v->kind == VK_SCALE ? "scale" : "shift", v->scale);
		break;
	case VK_PREPROC:
		snprintf(buf, cap, "%s", preproc_text(v->pre));
		break;
	default:
		break;
	}
}

static const char *vertex_type(const struct vertex *v)
{
	if (v->kind == VK_OPAQUE && simple_name(v->cls))
		return simple_name(v->cls);
	if (v->kind == VK_INPUT)
		return "InputVertex";
	return vertex_kind_name(v->kind);
}

int codec_describe_summary(const struct model *m, const struct nd4j_fmt *coeff_fmt, char **out,
			   size_t *len, struct err *e)
{
	struct sb b = { 0 }, shapes = { 0 }, ins = { 0 };
	struct table t = { 0 };
	char type[160], sizes[64], act[80], count[32], name[192];
	int64_t total = 0, frozen = 0;
	bool any_pre = false;
	int ret;

	for (int i = 0; i < m->n_layers; i++) {
		total += m->layers[i].param_count;
		if (m->layers[i].frozen)
			frozen += m->layers[i].param_count;
		any_pre |= m->layers[i].pre != NULL;
	}

	if (m->type == NET_CG)
		sb_printf(&b, "Network:       ComputationGraph (%d vertices, %d layers)\n",
			  m->n_vertices, m->n_layers);
	else
		sb_printf(&b, "Network:       MultiLayerNetwork (%d layers)\n", m->n_layers);
	if (m->type == NET_CG) {
		sb_puts(&b, "Inputs:        ");
		for (int i = 0; i < m->n_inputs; i++)
			sb_printf(&b, "%s%s", i ? ", " : "", m->inputs[i]);
		sb_puts(&b, "\nOutputs:       ");
		for (int i = 0; i < m->n_outputs; i++)
			sb_printf(&b, "%s%s", i ? ", " : "", m->outputs[i]);
		sb_puts(&b, "\n");
	}
	sb_printf(&b, "Data type:     %s%s\n",
		  (unsigned)m->dtype < DT__COUNT ? tensor_dtype_info[m->dtype].nd4j : "?",
		  m->has_dtype ? "" : " (no dataType key)");
	if (coeff_fmt)
		sb_printf(&b, "Array variant: %s (%s)\n", variant_text(coeff_fmt),
			  coeff_fmt->shape_mode);
	else
		sb_puts(&b, "Array variant: none (no parameters)\n");
	sb_printf(&b, "JSON dialect:  %s\n", dialect_text(m->dialect));
	sb_printf(&b, "DL4J era:      %s\n", codec_describe_era(m, coeff_fmt));
	if (m->backprop_type) {
		sb_printf(&b, "Backprop:      %s", m->backprop_type);
		if (!strcmp(m->backprop_type, "TruncatedBPTT"))
			sb_printf(&b, " (forward %" PRId64 ", backward %" PRId64 ")", m->tbptt_fwd,
				  m->tbptt_back);
		sb_puts(&b, "\n");
	}
	sb_puts(&b, "\n");

	if (m->type == NET_CG) {
		/* the preprocessor column, when present, comes before the inputs */
		static const char *const hdr[] = { "VertexName (VertexType)",
						   "nIn -> nOut",
						   "Activation",
						   "TotalParams",
						   "ParamsShape",
						   "InputPreProcessor",
						   "Vertex Inputs" };
		const char *hdr6[6];

		t.ncols = any_pre ? 7 : 6;
		memcpy(hdr6, hdr, 5 * sizeof(*hdr6));
		hdr6[5] = hdr[6];
		table_row(&t, any_pre ? hdr : hdr6);
		for (int i = 0; i < m->n_vertices; i++) {
			const struct vertex *v = &m->vertices[i];
			const char *row[7];
			char detail[96];

			inputs_text(&ins, m, v);
			row[5] = "-";
			if (v->kind == VK_LAYER && v->layer >= 0 && v->layer < m->n_layers) {
				layer_cells(m, v->layer, &shapes, type, sizeof(type), sizes,
					    sizeof(sizes), act, sizeof(act), count, sizeof(count));
				snprintf(name, sizeof(name), "%s (%s)", v->name ? v->name : "?",
					 type);
				row[1] = sizes;
				row[2] = act;
				row[3] = count;
				row[4] = shapes.buf ? shapes.buf : "";
				row[5] = preproc_text(m->layers[v->layer].pre);
			} else {
				vertex_detail(v, detail, sizeof(detail));
				snprintf(name, sizeof(name), "%s (%s%s%s)", v->name ? v->name : "?",
					 vertex_type(v), detail[0] ? ", " : "", detail);
				row[1] = row[2] = row[4] = "-";
				row[3] = "0";
			}
			row[0] = name;
			row[any_pre ? 6 : 5] = ins.buf ? ins.buf : "";
			table_row(&t, row);
		}
	} else {
		static const char *const hdr[] = {
			"Index",       "LayerName (LayerType)", "nIn -> nOut",	    "Activation",
			"TotalParams", "ParamsShape",		"InputPreProcessor"
		};

		t.ncols = any_pre ? 7 : 6;
		table_row(&t, hdr);
		for (int i = 0; i < m->n_layers; i++) {
			const struct layer *l = &m->layers[i];
			char idx[16];
			const char *row[7];

			layer_cells(m, i, &shapes, type, sizeof(type), sizes, sizeof(sizes), act,
				    sizeof(act), count, sizeof(count));
			snprintf(idx, sizeof(idx), "%d", i);
			snprintf(name, sizeof(name), "%s (%s)", l->name ? l->name : idx, type);
			row[0] = idx;
			row[1] = name;
			row[2] = sizes;
			row[3] = act;
			row[4] = count;
			row[5] = shapes.buf ? shapes.buf : "";
			row[6] = preproc_text(l->pre);
			table_row(&t, row);
		}
	}
	if (t.oom || shapes.oom || ins.oom) {
		b.oom = true;
	} else {
		size_t width = table_render(&b, &t);

		sb_printf(&b, "            Total Parameters:  %" PRId64 "\n", total);
		sb_printf(&b, "        Trainable Parameters:  %" PRId64 "\n", total - frozen);
		sb_printf(&b, "           Frozen Parameters:  %" PRId64 "\n", frozen);
		if (m->flat_remainder)
			sb_puts(&b, "Note: parameters of an unknown layer could not be split; "
				    "they are shown as one flat parameter\n");
		sb_pad(&b, '=', width);
		sb_puts(&b, "\n");
	}
	table_free(&t);
	dl_free(shapes.buf);
	dl_free(ins.buf);
	ret = sb_finish(&b, out, len, e);
	return ret;
}

/* ------------------------------------------------------------ graph.dot */

/* Appends s inside a DOT double-quoted string: backslash and quote escaped, control
 * characters (including newlines in names) shown as spaces. */
static void dot_esc(struct sb *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			char two[2] = { '\\', (char)c };

			sb_putn(b, two, 2);
		} else if (c < 0x20 || c == 0x7f) {
			sb_putn(b, " ", 1);
		} else {
			sb_putn(b, (const char *)&c, 1);
		}
	}
}

/* The label lines of a layer: type, sizes and activation, one line per parameter. */
static void dot_layer_label(struct sb *b, const struct model *m, int li, const char *name)
{
	const struct layer *l = &m->layers[li];
	char type[160], sizes[64], act[80];

	layer_type(l, type, sizeof(type));
	layer_sizes(l, sizes, sizeof(sizes));
	layer_act(l, act, sizeof(act));
	dot_esc(b, name);
	sb_puts(b, "\\n");
	dot_esc(b, type);
	if (strcmp(sizes, "-") || strcmp(act, "-")) {
		sb_puts(b, "\\n");
		if (strcmp(sizes, "-"))
			dot_esc(b, sizes);
		if (strcmp(sizes, "-") && strcmp(act, "-"))
			sb_puts(b, ", ");
		if (strcmp(act, "-"))
			dot_esc(b, act);
	}
	for (int i = 0; i < m->n_params; i++) {
		const struct param *p = &m->params[i];

		if (p->layer != li)
			continue;
		sb_puts(b, "\\n");
		dot_esc(b, p->short_key ? p->short_key : p->key);
		sb_puts(b, " [");
		for (int d = 0; d < p->rank && d < TENSOR_MAX_RANK; d++)
			sb_printf(b, "%s%" PRId64, d ? "," : "", p->shape[d]);
		sb_puts(b, "]");
	}
	if (l->param_count > 0)
		sb_printf(b, "\\n%" PRId64 " params", l->param_count);
}

int codec_describe_dot(const struct model *m, char **out, size_t *len, struct err *e)
{
	struct sb b = { 0 };

	sb_puts(&b, "digraph \"model\" {\n"
		    "\tgraph [rankdir=TB, fontname=\"Helvetica\"];\n"
		    "\tnode [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n"
		    "\tedge [fontname=\"Helvetica\", fontsize=9];\n");
	if (m->type == NET_CG) {
		for (int i = 0; i < m->n_vertices; i++) {
			const struct vertex *v = &m->vertices[i];

			sb_printf(&b, "\tv%d [label=\"", i);
			if (v->kind == VK_LAYER && v->layer >= 0 && v->layer < m->n_layers) {
				dot_layer_label(&b, m, v->layer, v->name ? v->name : "?");
				sb_puts(&b, "\"");
			} else {
				char detail[96];

				vertex_detail(v, detail, sizeof(detail));
				dot_esc(&b, v->name ? v->name : "?");
				sb_puts(&b, "\\n");
				dot_esc(&b, vertex_type(v));
				if (detail[0]) {
					sb_puts(&b, "\\n");
					dot_esc(&b, detail);
				}
				sb_puts(&b, v->kind == VK_INPUT ? "\", shape=ellipse"
								: "\", style=\"rounded,dashed\"");
			}
			if (v->is_output)
				sb_puts(&b, ", peripheries=2");
			sb_puts(&b, "];\n");
		}
		for (int i = 0; i < m->n_vertices; i++) {
			const struct vertex *v = &m->vertices[i];

			for (int k = 0; k < v->n_inputs; k++) {
				if (v->inputs[k] < 0 || v->inputs[k] >= m->n_vertices)
					continue;
				const struct preproc *pre = v->kind == VK_LAYER && v->layer >= 0 &&
									    v->layer < m->n_layers
								    ? m->layers[v->layer].pre
								    : NULL;

				sb_printf(&b, "\tv%d -> v%d", v->inputs[k], i);
				if (v->n_inputs > 1 || pre) {
					sb_puts(&b, " [label=\"");
					if (v->n_inputs > 1)
						sb_printf(&b, "%d", k);
					if (v->n_inputs > 1 && pre)
						sb_puts(&b, ": ");
					if (pre)
						dot_esc(&b, preproc_text(pre));
					sb_puts(&b, "\"]");
				}
				sb_puts(&b, ";\n");
			}
		}
	} else {
		sb_puts(&b, "\tinput [label=\"input\", shape=ellipse];\n");
		for (int i = 0; i < m->n_layers; i++) {
			char idx[16];

			snprintf(idx, sizeof(idx), "%d", i);
			sb_printf(&b, "\tl%d [label=\"", i);
			dot_layer_label(&b, m, i, m->layers[i].name ? m->layers[i].name : idx);
			sb_puts(&b, "\"");
			if (i == m->n_layers - 1)
				sb_puts(&b, ", peripheries=2");
			sb_puts(&b, "];\n");
		}
		for (int i = 0; i < m->n_layers; i++) {
			if (i == 0)
				sb_puts(&b, "\tinput -> l0");
			else
				sb_printf(&b, "\tl%d -> l%d", i - 1, i);
			if (m->layers[i].pre) {
				sb_puts(&b, " [label=\"");
				dot_esc(&b, preproc_text(m->layers[i].pre));
				sb_puts(&b, "\"]");
			}
			sb_puts(&b, ";\n");
		}
	}
	sb_puts(&b, "}\n");
	return sb_finish(&b, out, len, e);
}
