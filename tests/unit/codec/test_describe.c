/* test_describe.c - summary.txt and graph.dot (codec/describe.c).
 *
 * Hand-built models check the table's rows, totals, era and escaping; graph.dot must pass
 * `dot -Tsvg` (skipped with a message when Graphviz is absent). Corpus models are parsed
 * with codec_conf_parse + codec_layout and checked against their known totals and eras.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codec/alloc.h"
#include "codec/conf.h"
#include "codec/describe.h"
#include "tests/unit/codec/unzip.h"

/* ------------------------------------------------------------ helpers */

static char *xdup(const char *s)
{
	char *r = dl_strdup(s);

	assert_non_null(r);
	return r;
}

static struct model *new_model(enum net_type t, enum json_dialect d)
{
	struct model *m = dl_calloc(1, sizeof(*m));

	assert_non_null(m);
	m->type = t;
	m->dialect = d;
	m->dtype = DT_F32;
	return m;
}

static int add_layer(struct model *m, enum layer_kind k, const char *name, int64_t nin,
		     int64_t nout, enum act_kind act)
{
	struct layer *l;

	m->layers = dl_realloc(m->layers, (size_t)(m->n_layers + 1) * sizeof(*m->layers));
	assert_non_null(m->layers);
	l = &m->layers[m->n_layers];
	memset(l, 0, sizeof(*l));
	l->kind = k;
	l->name = xdup(name);
	l->n_in = nin;
	l->n_out = nout;
	l->act.kind = act;
	l->first_param = m->n_params;
	return m->n_layers++;
}

static void add_param(struct model *m, int li, const char *k, int64_t d0, int64_t d1, char order)
{
	struct param *p;
	char key[128];

	m->params = dl_realloc(m->params, (size_t)(m->n_params + 1) * sizeof(*m->params));
	assert_non_null(m->params);
	p = &m->params[m->n_params];
	memset(p, 0, sizeof(*p));
	snprintf(key, sizeof(key), "%s_%s", m->layers[li].name, k);
	p->key = xdup(key);
	p->short_key = xdup(k);
	p->layer = li;
	p->rank = d1 ? 2 : 1;
	p->shape[0] = d0;
	p->shape[1] = d1;
	p->order = order;
	p->offset = m->n_coeffs;
	p->count = d1 ? d0 * d1 : d0;
	m->n_coeffs += p->count;
	m->layers[li].n_params++;
	m->layers[li].param_count += p->count;
	m->n_params++;
}

static int add_vertex(struct model *m, enum vertex_kind k, const char *name, int layer,
		      const int *inputs, int n_inputs)
{
	struct vertex *v;

	m->vertices = dl_realloc(m->vertices, (size_t)(m->n_vertices + 1) * sizeof(*m->vertices));
	assert_non_null(m->vertices);
	v = &m->vertices[m->n_vertices];
	memset(v, 0, sizeof(*v));
	v->kind = k;
	v->name = xdup(name);
	v->cls = xdup(k == VK_INPUT ? "input" : vertex_kind_name(k));
	v->layer = layer;
	v->n_inputs = n_inputs;
	if (n_inputs) {
		v->inputs = dl_calloc((size_t)n_inputs, sizeof(int));
		assert_non_null(v->inputs);
		memcpy(v->inputs, inputs, (size_t)n_inputs * sizeof(int));
	}
	return m->n_vertices++;
}

static struct nd4j_fmt fmt_of(const char *mode)
{
	struct nd4j_fmt f;

	memset(&f, 0, sizeof(f));
	snprintf(f.shape_mode, sizeof(f.shape_mode), "%s", mode);
	snprintf(f.data_mode, sizeof(f.data_mode), "%s", mode);
	return f;
}

/* The line of text that contains needle (without its newline), or fails. */
static void line_with(const char *text, const char *needle, char *out, size_t cap)
{
	const char *p = strstr(text, needle), *a, *z;

	if (!p)
		fail_msg("no line with \"%s\" in:\n%s", needle, text);
	for (a = p; a > text && a[-1] != '\n'; a--)
		;
	z = strchr(p, '\n');
	if (!z)
		z = p + strlen(p);
	if ((size_t)(z - a) >= cap)
		fail_msg("line too long");
	memcpy(out, a, (size_t)(z - a));
	out[z - a] = '\0';
}

/* Splits a table row on runs of >= 2 spaces (cells never contain two spaces in a row). */
static int cells(char *line, char **out, int max)
{
	int n = 0;
	char *p = line;

	while (*p && n < max) {
		char *end = strstr(p, "  ");

		out[n++] = p;
		if (!end)
			break;
		*end = '\0';
		p = end + 2;
		while (*p == ' ')
			p++;
	}
	return n;
}

static void assert_row(const char *text, const char *first_cells, const char *const *want, int n)
{
	char line[4096], *c[16];
	int got;

	line_with(text, first_cells, line, sizeof(line));
	got = cells(line, c, 16);
	if (got != n)
		fail_msg("row \"%s\": %d cells, expected %d", first_cells, got, n);
	for (int i = 0; i < n; i++)
		if (strcmp(c[i], want[i]))
			fail_msg("row \"%s\" cell %d: \"%s\", expected \"%s\"", first_cells, i,
				 c[i], want[i]);
}

/* 0 ok, 1 failed, 77 dot absent. */
static int run_dot(const char *text, size_t len)
{
	char path[] = "/tmp/dlfs_dot_XXXXXX";
	char cmd[256];
	int fd, st;

	if (system("command -v dot >/dev/null 2>&1") != 0)
		return 77;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "dot -Tsvg '%s' -o /dev/null 2>/dev/null", path);
	st = system(cmd);
	unlink(path);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

static bool dot_warned;

static void assert_dot_renders(const char *text, size_t len)
{
	int r = run_dot(text, len);

	if (r == 77) {
		if (!dot_warned)
			print_message("graphviz 'dot' not found: skipping the rendering check\n");
		dot_warned = true;
		return;
	}
	if (r)
		fail_msg("dot -Tsvg rejected:\n%s", text);
}

/* ------------------------------------------------------------ hand-built models */

/* DL4J 0.5.0's 050_ModelSerializer_Regression_MLP_1: Dense 3->4 relu, Output 4->5 softmax */
static struct model *mlp050(void)
{
	struct model *m = new_model(NET_MLN, JD_LEGACY_STRING_ACT);
	int l0 = add_layer(m, LK_DENSE, "0", 3, 4, ACT_RELU);
	int l1;

	add_param(m, l0, "W", 3, 4, 'f');
	add_param(m, l0, "b", 4, 0, 'c');
	l1 = add_layer(m, LK_OUTPUT, "1", 4, 5, ACT_SOFTMAX);
	add_param(m, l1, "W", 4, 5, 'f');
	add_param(m, l1, "b", 5, 0, 'c');
	return m;
}

static void test_summary_mln(void **state)
{
	struct model *m = mlp050();
	struct nd4j_fmt f = fmt_of("JAVACPP");
	struct err e = { 0 };
	char *s = NULL, line[512];
	size_t len = 0;
	static const char *const r0[] = { "0",	"0 (DenseLayer)", "3 -> 4", "relu",
					  "16", "W:{3,4}, b:{4}" };
	static const char *const r1[] = { "1",	"1 (OutputLayer)", "4 -> 5", "softmax",
					  "25", "W:{4,5}, b:{5}" };
	static const char *const hdr[] = { "Index",	 "LayerName (LayerType)", "nIn -> nOut",
					   "Activation", "TotalParams",		  "ParamsShape" };

	(void)state;
	assert_int_equal(codec_describe_summary(m, &f, &s, &len, &e), 0);
	assert_int_equal(len, strlen(s));
	line_with(s, "Network:", line, sizeof(line));
	assert_string_equal(line, "Network:       MultiLayerNetwork (2 layers)");
	line_with(s, "DL4J era:", line, sizeof(line));
	assert_string_equal(line, "DL4J era:      0.5.0 - 0.7.x");
	line_with(s, "Array variant:", line, sizeof(line));
	assert_string_equal(line, "Array variant: A (JAVACPP)");
	line_with(s, "Data type:", line, sizeof(line));
	assert_string_equal(line, "Data type:     FLOAT (no dataType key)");
	assert_row(s, "Index", hdr, 6);
	assert_row(s, "0 (DenseLayer)", r0, 6);
	assert_row(s, "1 (OutputLayer)", r1, 6);
	line_with(s, "Total Parameters:", line, sizeof(line));
	assert_string_equal(line, "            Total Parameters:  41");
	line_with(s, "Trainable Parameters:", line, sizeof(line));
	assert_string_equal(line, "        Trainable Parameters:  41");
	line_with(s, "Frozen Parameters:", line, sizeof(line));
	assert_string_equal(line, "           Frozen Parameters:  0");
	assert_null(strstr(s, "InputPreProcessor")); /* no preprocessor: no column */
	dl_free(s);
	model_free(m);
}

static void test_summary_mln_details(void **state)
{
	/* frozen layer, preprocessor column, wrapped layer type, unknown class, no sizes */
	struct model *m = new_model(NET_MLN, JD_CLASS);
	struct err e = { 0 };
	char *s = NULL, line[512];
	int l0 = add_layer(m, LK_CONV2D, "conv", 1, 2, ACT_IDENTITY);
	int l1 = add_layer(m, LK_SUBSAMPLING2D, "pool", -1, -1, ACT_IDENTITY);
	int l2 = add_layer(m, LK_BIDIRECTIONAL, "bi", 8, 6, ACT_IDENTITY);
	int l3 = add_layer(m, LK_OPAQUE, "custom", 6, 7, ACT_UNKNOWN);
	static const char *const r0[] = { "0",	    "conv (Frozen(ConvolutionLayer))",
					  "1 -> 2", "identity",
					  "10",	    "b:{2}, W:{2,4}",
					  "-" };
	static const char *const r1[] = { "1", "pool (SubsamplingLayer)", "-", "-", "0", "-", "-" };
	static const char *const r2[] = { "2", "bi (Bidirectional(LSTM))", "8 -> 6", "tanh", "0",
					  "-", "CnnToFeedForward" };
	static const char *const r3[] = { "3", "custom (MyLayer)", "6 -> 7", "SecondAct", "0", "-",
					  "-" };

	(void)state;
	m->layers[l0].frozen = true;
	add_param(m, l0, "b", 2, 0, 'c');
	add_param(m, l0, "W", 2, 4, 'c');
	(void)l1;
	m->layers[l2].fwd = dl_calloc(1, sizeof(struct layer));
	assert_non_null(m->layers[l2].fwd);
	m->layers[l2].fwd->kind = LK_LSTM;
	m->layers[l2].fwd->act.kind = ACT_TANH;
	m->layers[l2].pre = dl_calloc(1, sizeof(struct preproc));
	assert_non_null(m->layers[l2].pre);
	m->layers[l2].pre->kind = PP_CNN_TO_FF;
	m->layers[l3].cls = xdup("com.example.MyLayer");
	snprintf(m->layers[l3].act.name, sizeof(m->layers[l3].act.name), "SecondAct");
	m->has_dtype = true;
	m->dtype = DT_F64;
	assert_int_equal(codec_describe_summary(m, NULL, &s, NULL, &e), 0);
	assert_row(s, "conv (", r0, 7);
	assert_row(s, "pool (", r1, 7);
	assert_row(s, "bi (", r2, 7);
	assert_row(s, "custom (", r3, 7);
	line_with(s, "Frozen Parameters:", line, sizeof(line));
	assert_string_equal(line, "           Frozen Parameters:  10");
	line_with(s, "Trainable Parameters:", line, sizeof(line));
	assert_string_equal(line, "        Trainable Parameters:  0");
	line_with(s, "Array variant:", line, sizeof(line));
	assert_string_equal(line, "Array variant: none (no parameters)");
	line_with(s, "Data type:", line, sizeof(line));
	assert_string_equal(line, "Data type:     DOUBLE");
	line_with(s, "DL4J era:", line, sizeof(line));
	assert_string_equal(line, "DL4J era:      1.0.0-beta4 or later");
	dl_free(s);
	model_free(m);
}

/* in -> d1, in -> d2, merge(d1, d2) -> out */
static struct model *small_cg(void)
{
	struct model *m = new_model(NET_CG, JD_CLASS);
	int l1 = add_layer(m, LK_DENSE, "d1", 2, 3, ACT_TANH);
	int l2 = add_layer(m, LK_DENSE, "d2", 2, 3, ACT_RELU);
	int l3 = add_layer(m, LK_OUTPUT, "out", 6, 2, ACT_SOFTMAX);
	int in0[] = { 0 }, in3[] = { 1, 2 }, in4[] = { 3 };

	add_param(m, l1, "W", 2, 3, 'f');
	add_param(m, l1, "b", 3, 0, 'c');
	add_param(m, l2, "W", 2, 3, 'f');
	add_param(m, l2, "b", 3, 0, 'c');
	add_param(m, l3, "W", 6, 2, 'f');
	add_param(m, l3, "b", 2, 0, 'c');
	add_vertex(m, VK_INPUT, "in", -1, NULL, 0);
	add_vertex(m, VK_LAYER, "d1", l1, in0, 1);
	add_vertex(m, VK_LAYER, "d2", l2, in0, 1);
	add_vertex(m, VK_MERGE, "merge", -1, in3, 2);
	add_vertex(m, VK_LAYER, "out", l3, in4, 1);
	m->vertices[4].is_output = true;
	m->n_inputs = 1;
	m->inputs = dl_calloc(1, sizeof(char *));
	m->inputs[0] = xdup("in");
	m->n_outputs = 1;
	m->outputs = dl_calloc(1, sizeof(char *));
	m->outputs[0] = xdup("out");
	return m;
}

static void test_summary_cg(void **state)
{
	struct model *m = small_cg();
	struct nd4j_fmt f = fmt_of("LONG_SHAPE");
	struct err e = { 0 };
	char *s = NULL, line[512];
	static const char *const hdr[] = { "VertexName (VertexType)",
					   "nIn -> nOut",
					   "Activation",
					   "TotalParams",
					   "ParamsShape",
					   "Vertex Inputs" };
	static const char *const r0[] = { "in (InputVertex)", "-", "-", "0", "-", "-" };
	static const char *const r1[] = { "d1 (DenseLayer)", "2 -> 3", "tanh", "9",
					  "W:{2,3}, b:{3}",  "[in]" };
	static const char *const r3[] = { "merge (MergeVertex)", "-", "-", "0", "-", "[d1, d2]" };
	static const char *const r4[] = { "out (OutputLayer)", "6 -> 2", "softmax", "14",
					  "W:{6,2}, b:{2}",    "[merge]" };

	(void)state;
	assert_int_equal(codec_describe_summary(m, &f, &s, NULL, &e), 0);
	line_with(s, "Network:", line, sizeof(line));
	assert_string_equal(line, "Network:       ComputationGraph (5 vertices, 3 layers)");
	line_with(s, "Inputs:", line, sizeof(line));
	assert_string_equal(line, "Inputs:        in");
	line_with(s, "Outputs:", line, sizeof(line));
	assert_string_equal(line, "Outputs:       out");
	line_with(s, "DL4J era:", line, sizeof(line));
	assert_string_equal(line, "DL4J era:      1.0.0-beta - beta3");
	line_with(s, "Array variant:", line, sizeof(line));
	assert_string_equal(line, "Array variant: B (LONG_SHAPE)");
	assert_row(s, "VertexName", hdr, 6);
	assert_row(s, "in (", r0, 6);
	assert_row(s, "d1 (", r1, 6);
	assert_row(s, "merge (", r3, 6);
	assert_row(s, "out (", r4, 6);
	line_with(s, "Total Parameters:", line, sizeof(line));
	assert_string_equal(line, "            Total Parameters:  32");
	dl_free(s);
	model_free(m);
}

static void test_cg_preprocessor(void **state)
{
	/* a LayerVertex preprocessor adds a column to the table and labels the edge */
	struct model *m = small_cg();
	struct err e = { 0 };
	char *s = NULL;
	size_t len = 0;
	static const char *const hdr[] = { "VertexName (VertexType)",
					   "nIn -> nOut",
					   "Activation",
					   "TotalParams",
					   "ParamsShape",
					   "InputPreProcessor",
					   "Vertex Inputs" };
	static const char *const r3[] = {
		"merge (MergeVertex)", "-", "-", "0", "-", "-", "[d1, d2]"
	};
	static const char *const r4[] = { "out (OutputLayer)", "6 -> 2",	   "softmax", "14",
					  "W:{6,2}, b:{2}",    "FeedForwardToRnn", "[merge]" };

	(void)state;
	m->layers[2].pre = dl_calloc(1, sizeof(struct preproc));
	assert_non_null(m->layers[2].pre);
	m->layers[2].pre->kind = PP_FF_TO_RNN;
	assert_int_equal(codec_describe_summary(m, NULL, &s, NULL, &e), 0);
	assert_row(s, "VertexName", hdr, 7);
	assert_row(s, "merge (", r3, 7);
	assert_row(s, "out (", r4, 7);
	dl_free(s);
	assert_int_equal(codec_describe_dot(m, &s, &len, &e), 0);
	assert_non_null(strstr(s, "\tv3 -> v4 [label=\"FeedForwardToRnn\"];\n"));
	assert_dot_renders(s, len);
	dl_free(s);
	model_free(m);
}

static void test_era_mapping(void **state)
{
	static const struct {
		enum json_dialect d;
		const char *mode; /* NULL: no parameters */
		bool has_dtype;
		const char *era;
	} t[] = {
		{ JD_LEGACY_STRING_ACT, "JAVACPP", false, "0.5.0 - 0.7.x" },
		{ JD_LEGACY_WRAPPER, "JAVACPP", false, "0.8.0 - 1.0.0-alpha" },
		{ JD_LEGACY_WRAPPER, NULL, false, "0.8.0 - 1.0.0-alpha" },
		{ JD_CLASS, "LONG_SHAPE", false, "1.0.0-beta - beta3" },
		{ JD_CLASS, "JAVACPP", false, "1.0.0-beta - beta3" },
		{ JD_CLASS, "MIXED_DATA_TYPES", true, "1.0.0-beta4 or later" },
		{ JD_CLASS, NULL, true, "1.0.0-beta4 or later" },
		{ JD_CLASS, NULL, false, "1.0.0-beta - beta3" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct model m;
		struct nd4j_fmt f = fmt_of(t[i].mode ? t[i].mode : "");

		memset(&m, 0, sizeof(m));
		m.dialect = t[i].d;
		m.has_dtype = t[i].has_dtype;
		assert_string_equal(codec_describe_era(&m, t[i].mode ? &f : NULL), t[i].era);
	}
}

static void test_dot_mln(void **state)
{
	struct model *m = mlp050();
	struct err e = { 0 };
	char *s = NULL;
	size_t len = 0;

	(void)state;
	m->layers[1].pre = dl_calloc(1, sizeof(struct preproc));
	assert_non_null(m->layers[1].pre);
	m->layers[1].pre->kind = PP_RNN_TO_FF;
	assert_int_equal(codec_describe_dot(m, &s, &len, &e), 0);
	assert_int_equal(len, strlen(s));
	assert_non_null(strstr(s, "digraph \"model\" {"));
	assert_non_null(strstr(s, "\tl0 [label=\"0\\nDenseLayer\\n3 -> 4, relu\\nW [3,4]\\nb "
				  "[4]\\n16 params\"];\n"));
	assert_non_null(strstr(s, "\tl1 [label=\"1\\nOutputLayer\\n4 -> 5, softmax"));
	assert_non_null(strstr(s, "\tinput -> l0;\n"));
	assert_non_null(strstr(s, "\tl0 -> l1 [label=\"RnnToFeedForward\"];\n"));
	assert_dot_renders(s, len);
	dl_free(s);
	model_free(m);
}

static void test_dot_cg(void **state)
{
	struct model *m = small_cg();
	struct err e = { 0 };
	char *s = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(codec_describe_dot(m, &s, &len, &e), 0);
	for (int i = 0; i < m->n_vertices; i++) {
		char want[64];

		snprintf(want, sizeof(want), "\tv%d [label=\"%s\\n", i, m->vertices[i].name);
		assert_non_null(strstr(s, want));
	}
	assert_non_null(strstr(s, "\tv0 [label=\"in\\nInputVertex\", shape=ellipse];\n"));
	assert_non_null(strstr(s, "\tv0 -> v1;\n"));
	assert_non_null(strstr(s, "\tv0 -> v2;\n"));
	assert_non_null(strstr(s, "\tv1 -> v3 [label=\"0\"];\n"));
	assert_non_null(strstr(s, "\tv2 -> v3 [label=\"1\"];\n"));
	assert_non_null(strstr(s, "\tv3 -> v4;\n"));
	assert_non_null(strstr(s, "peripheries=2];\n"));
	assert_dot_renders(s, len);
	dl_free(s);
	model_free(m);
}

static void test_dot_escaping(void **state)
{
	/* a hostile layer name: quotes, backslashes, braces, angle brackets, a newline */
	struct model *m = new_model(NET_MLN, JD_CLASS);
	int l0 = add_layer(m, LK_DENSE, "a\"b\\c{d}|<e>\nf\\", 1, 1, ACT_IDENTITY);
	struct err e = { 0 };
	char *s = NULL;
	size_t len = 0;

	(void)state;
	add_param(m, l0, "W", 1, 1, 'f');
	assert_int_equal(codec_describe_dot(m, &s, &len, &e), 0);
	assert_non_null(strstr(s, "label=\"a\\\"b\\\\c{d}|<e> f\\\\\\nDenseLayer"));
	assert_dot_renders(s, len);
	dl_free(s);
	model_free(m);
}

static void test_oom(void **state)
{
	struct model *m = small_cg();
	struct nd4j_fmt f = fmt_of("MIXED_DATA_TYPES");
	int ok_sum = 0, ok_dot = 0;

	(void)state;
	for (long n = 1; n < 500 && !(ok_sum && ok_dot); n++) {
		struct err e = { 0 }, e2 = { 0 };
		char *s = NULL;
		int r;

		if (!ok_sum) {
			dl_alloc_fail_at(n);
			r = codec_describe_summary(m, &f, &s, NULL, &e);
			dl_alloc_fail_at(0);
			if (r == 0) {
				dl_free(s);
				ok_sum = 1;
			} else {
				assert_int_equal(r, -ENOMEM);
				assert_string_equal(
					e.msg, "out of memory rendering the model description");
			}
		}
		if (!ok_dot) {
			s = NULL;
			dl_alloc_fail_at(n);
			r = codec_describe_dot(m, &s, NULL, &e2);
			dl_alloc_fail_at(0);
			if (r == 0) {
				dl_free(s);
				ok_dot = 1;
			} else {
				assert_int_equal(r, -ENOMEM);
				assert_string_equal(
					e2.msg, "out of memory rendering the model description");
			}
		}
	}
	assert_true(ok_sum && ok_dot);
	model_free(m);
}

/* ------------------------------------------------------------ corpus */

#define CORPUS DLFS_CORPUS_DIR

/* The allocation mode (variant) and element count of an ND4J array's data buffer, read
 * straight from the header (FORMAT.md 2.1), independently of codec/nd4j.c. */
static int64_t mini_header(const unsigned char *b, size_t len, char *mode, size_t mcap)
{
	size_t o = 0;
	int64_t n = 0;

	for (int buf = 0; buf < 2; buf++) {
		size_t l = (size_t)(b[o] << 8 | b[o + 1]), tl;
		char m[32] = { 0 }, type[16] = { 0 };
		int wide, esz;

		if (o + 2 + l > len || l >= sizeof(m))
			return -1;
		memcpy(m, b + o + 2, l);
		if (buf == 0)
			snprintf(mode, mcap, "%s", m);
		o += 2 + l;
		wide = !strcmp(m, "LONG_SHAPE") || !strcmp(m, "MIXED_DATA_TYPES");
		n = 0;
		for (int i = 0; i < (wide ? 8 : 4); i++)
			n = n << 8 | b[o + (size_t)i];
		o += wide ? 8 : 4;
		tl = (size_t)(b[o] << 8 | b[o + 1]);
		if (tl >= sizeof(type))
			return -1;
		memcpy(type, b + o + 2, tl);
		o += 2 + tl;
		esz = !strcmp(type, "DOUBLE") || !strcmp(type, "LONG") ? 8
		      : !strcmp(type, "HALF")			       ? 2
								       : 4;
		if (buf == 0)
			o += (size_t)n * (size_t)esz;
	}
	return n;
}

struct corpus_model {
	struct model *m;
	struct nd4j_fmt f;
};

static bool corpus_load(const char *rel, int64_t n_expected, struct corpus_model *c)
{
	char path[1024];
	unsigned char *json, *coef;
	size_t jlen = 0, clen = 0;
	struct err e = { 0 };
	int64_t n;

	snprintf(path, sizeof(path), "%s/%s", CORPUS, rel);
	json = unzip_member(path, "configuration.json", &jlen);
	coef = unzip_member(path, "coefficients.bin", &clen);
	if (!json || !coef)
		fail_msg("%s: cannot read entries", rel);
	memset(&c->f, 0, sizeof(c->f));
	n = mini_header(coef, clen, c->f.shape_mode, sizeof(c->f.shape_mode));
	assert_int_equal(n, n_expected);
	if (codec_conf_parse((const char *)json, jlen, &c->m, &e))
		fail_msg("%s: conf: %s", rel, e.msg);
	if (codec_layout(c->m, n, &e))
		fail_msg("%s: layout: %s", rel, e.msg);
	free(json);
	free(coef);
	return true;
}

static void check_total(const char *s, int64_t n)
{
	char line[256], want[128];

	line_with(s, "Total Parameters:", line, sizeof(line));
	snprintf(want, sizeof(want), "            Total Parameters:  %lld", (long long)n);
	assert_string_equal(line, want);
}

/* Sums the TotalParams column of the layer rows: it must equal the file's N. */
static int64_t sum_rows(const char *s, int col)
{
	const char *p = strstr(s, "\n====");
	int64_t sum = 0;

	assert_non_null(p);
	p = strstr(p + 1, "\n====");
	assert_non_null(p);
	p = strchr(p + 1, '\n') + 1;
	while (*p && *p != '-') {
		char line[4096], *c[16];
		const char *z = strchr(p, '\n');
		int n;

		assert_non_null(z);
		assert_true((size_t)(z - p) < sizeof(line));
		memcpy(line, p, (size_t)(z - p));
		line[z - p] = '\0';
		n = cells(line, c, 16);
		assert_true(n > col);
		sum += strtoll(c[col], NULL, 10);
		p = z + 1;
	}
	return sum;
}

static void test_corpus_050_mlp(void **state)
{
	struct corpus_model c;
	struct err e = { 0 };
	char *s = NULL, line[256];
	static const char *const r0[] = { "0",	"0 (DenseLayer)",  "3 -> 4", "relu",
					  "16", "W:{3,4}, b:{1,4}" };
	static const char *const r1[] = { "1",	"1 (OutputLayer)", "4 -> 5", "softmax",
					  "25", "W:{4,5}, b:{1,5}" };

	(void)state;
	corpus_load("dl4j-test-resources/regression_testing/050/"
		    "050_ModelSerializer_Regression_MLP_1.zip",
		    41, &c);
	assert_int_equal(codec_describe_summary(c.m, &c.f, &s, NULL, &e), 0);
	line_with(s, "DL4J era:", line, sizeof(line));
	assert_string_equal(line, "DL4J era:      0.5.0 - 0.7.x");
	line_with(s, "Array variant:", line, sizeof(line));
	assert_string_equal(line, "Array variant: A (JAVACPP)");
	assert_row(s, "0 (DenseLayer)", r0, 6);
	assert_row(s, "1 (OutputLayer)", r1, 6);
	check_total(s, 41);
	assert_int_equal(sum_rows(s, 4), 41);
	dl_free(s);
	model_free(c.m);
}

static void test_corpus_080_cnn(void **state)
{
	struct corpus_model c;
	struct err e = { 0 };
	char *s = NULL, line[256];
	size_t len = 0;

	(void)state;
	corpus_load("dl4j-test-resources/regression_testing/080/"
		    "080_ModelSerializer_Regression_CNN_1.zip",
		    10184, &c);
	assert_int_equal(codec_describe_summary(c.m, &c.f, &s, NULL, &e), 0);
	line_with(s, "DL4J era:", line, sizeof(line));
	assert_string_equal(line, "DL4J era:      0.8.0 - 1.0.0-alpha");
	/* conv: b [1,3] then W [3,3,2,2] (c order) = 39; output W [2028,5] + b = 10145,
	 * behind a CnnToFeedForward preprocessor */
	line_with(s, "(ConvolutionLayer)", line, sizeof(line));
	assert_non_null(strstr(line, "b:{1,3}, W:{3,3,2,2}"));
	line_with(s, "(SubsamplingLayer)", line, sizeof(line));
	line_with(s, "(OutputLayer)", line, sizeof(line));
	assert_non_null(strstr(line, "10145"));
	assert_non_null(strstr(line, "CnnToFeedForward"));
	check_total(s, 10184);
	assert_int_equal(sum_rows(s, 4), 10184);
	dl_free(s);
	assert_int_equal(codec_describe_dot(c.m, &s, &len, &e), 0);
	assert_non_null(strstr(s, "\tinput -> l0"));
	assert_non_null(strstr(s, "\tl1 -> l2"));
	assert_dot_renders(s, len);
	dl_free(s);
	model_free(c.m);
}

static void test_corpus_100b6_cnn(void **state)
{
	struct corpus_model c;
	struct err e = { 0 };
	char *s = NULL, line[256];
	size_t len = 0;

	(void)state;
	corpus_load("dl4j-test-resources/regression_testing/100b6/SyntheticCNN_100b6.bin", 1304,
		    &c);
	assert_int_equal(codec_describe_summary(c.m, &c.f, &s, NULL, &e), 0);
	line_with(s, "DL4J era:", line, sizeof(line));
	assert_string_equal(line, "DL4J era:      1.0.0-beta4 or later");
	line_with(s, "Array variant:", line, sizeof(line));
	assert_string_equal(line, "Array variant: C (MIXED_DATA_TYPES)");
	line_with(s, "Data type:", line, sizeof(line));
	assert_string_equal(line, "Data type:     FLOAT");
	line_with(s, "(SeparableConvolution2D)", line, sizeof(line));
	line_with(s, "(DepthwiseConvolution2D)", line, sizeof(line));
	line_with(s, "(CnnLossLayer)", line, sizeof(line));
	check_total(s, 1304);
	assert_int_equal(sum_rows(s, 4), 1304);
	dl_free(s);
	assert_int_equal(codec_describe_dot(c.m, &s, &len, &e), 0);
	for (int i = 0; i < c.m->n_layers; i++) {
		char want[32];

		snprintf(want, sizeof(want), "\tl%d [label=", i);
		assert_non_null(strstr(s, want));
		snprintf(want, sizeof(want), i ? "\tl%d -> l%d" : "\tinput -> l0", i - 1, i);
		assert_non_null(strstr(s, want));
	}
	assert_dot_renders(s, len);
	dl_free(s);
	model_free(c.m);
}

static void check_cg_dot(const struct model *m, const char *s)
{
	for (int i = 0; i < m->n_vertices; i++) {
		const struct vertex *v = &m->vertices[i];
		char want[256];

		snprintf(want, sizeof(want), "\tv%d [label=\"%s\\n", i, v->name);
		if (!strstr(s, want))
			fail_msg("no node for vertex %s", v->name);
		for (int k = 0; k < v->n_inputs; k++) {
			snprintf(want, sizeof(want), "\tv%d -> v%d", v->inputs[k], i);
			if (!strstr(s, want))
				fail_msg("no edge %s -> %s", m->vertices[v->inputs[k]].name,
					 v->name);
		}
	}
}

static void test_corpus_100b6_rnn_graph(void **state)
{
	struct corpus_model c;
	struct err e = { 0 };
	char *s = NULL, line[512];
	size_t len = 0;

	(void)state;
	corpus_load("dl4j-test-resources/regression_testing/100b6/"
		    "SyntheticBidirectionalRNNGraph_100b6.bin",
		    4515, &c);
	assert_int_equal(codec_describe_summary(c.m, &c.f, &s, NULL, &e), 0);
	line_with(s, "Network:", line, sizeof(line));
	assert_non_null(strstr(line, "ComputationGraph"));
	line_with(s, "DL4J era:", line, sizeof(line));
	assert_string_equal(line, "DL4J era:      1.0.0-beta4 or later");
	line_with(s, "(MergeVertex)", line, sizeof(line));
	assert_non_null(strstr(line, "[rnn1, rnn2]"));
	line_with(s, "(Bidirectional(LSTM))", line, sizeof(line));
	line_with(s, "(Bidirectional(SimpleRnn))", line, sizeof(line));
	check_total(s, 4515);
	assert_int_equal(sum_rows(s, 3), 4515);
	dl_free(s);
	assert_int_equal(codec_describe_dot(c.m, &s, &len, &e), 0);
	check_cg_dot(c.m, s);
	assert_dot_renders(s, len);
	dl_free(s);
	model_free(c.m);
}

static void test_corpus_wild_graph(void **state)
{
	/* 43-vertex graph with a SameDiff lambda vertex and preprocessor vertices */
	struct corpus_model c;
	struct err e = { 0 };
	char *s = NULL;
	size_t len = 0;

	(void)state;
	corpus_load("wild/Hwanghyebin99__Refresh_RestApi_Server__MyMultiLayerNetwork.zip", 29883,
		    &c);
	assert_int_equal(codec_describe_summary(c.m, &c.f, &s, NULL, &e), 0);
	check_total(s, 29883);
	assert_int_equal(sum_rows(s, 3), 29883);
	dl_free(s);
	assert_int_equal(codec_describe_dot(c.m, &s, &len, &e), 0);
	check_cg_dot(c.m, s);
	assert_dot_renders(s, len);
	dl_free(s);
	model_free(c.m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_mln),
		cmocka_unit_test(test_summary_mln_details),
		cmocka_unit_test(test_summary_cg),
		cmocka_unit_test(test_era_mapping),
		cmocka_unit_test(test_cg_preprocessor),
		cmocka_unit_test(test_dot_mln),
		cmocka_unit_test(test_dot_cg),
		cmocka_unit_test(test_dot_escaping),
		cmocka_unit_test(test_oom),
	};
	const struct CMUnitTest corpus[] = {
		cmocka_unit_test(test_corpus_050_mlp),
		cmocka_unit_test(test_corpus_080_cnn),
		cmocka_unit_test(test_corpus_100b6_cnn),
		cmocka_unit_test(test_corpus_100b6_rnn_graph),
		cmocka_unit_test(test_corpus_wild_graph),
	};
	struct stat st;
	int r = cmocka_run_group_tests_name("describe", tests, NULL, NULL);

	if (stat(CORPUS, &st) || !S_ISDIR(st.st_mode)) {
		print_message("corpus folder %s is absent: skipping corpus tests\n", CORPUS);
		return r ? r : 77;
	}
	return r | cmocka_run_group_tests_name("describe_corpus", corpus, NULL, NULL);
}
