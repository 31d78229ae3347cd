/* test_rnn.c - engine/layers/rnn.c: LSTM, GravesLSTM, GravesBidirectionalLSTM, SimpleRnn and
 * the Bidirectional / LastTimeStep / MaskZeroLayer wrappers.
 *
 * Expected values come from outside the code under test: tiny cases (n = 1) are worked out
 * step by step with scalar formulas written here; larger cases come from a float64 numpy
 * reference written in this file and run with /usr/bin/python3 (it draws the parameters,
 * lays them out in DL4J's 'f' order, and implements the bidirectional halves the way DL4J
 * does: reverse the input, run, reverse the output). The golden case is DL4J's own output
 * for SyntheticBidirectionalRNNGraph_100b6; the 0.8.0 and wild recurrent archives must plan
 * and run with finite outputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codec/alloc.h"
#include "codec/load.h"
#include "codec/nd4j.h"
#include "engine/engine.h"
#include "engine/engine_int.h"

#define PY   "/usr/bin/python3"
#define MAXP 8

/* ------------------------------------------------------------------ fixture */

/* A hand-built layer tree (L[0] is the top layer) with its parameters. */
struct fx {
	struct layer L[4];
	char names[4][16];
	struct param p[MAXP];
	char keys[MAXP][16], full[MAXP][24];
	float *w[MAXP];
	int np;
	float *x; /* input [N,C,T] */
	int64_t xd[3];
	double *y; /* expected output */
	int yrank;
	int64_t yd[3];
	struct elayer el;
	const struct eng_impl *tab[LK__COUNT];
	float *out, *scratch;
	/* premade: make and bind the wrapper's inner elayers first, as net.c does (keys
	 * without the "f"/"b" prefix); subs_first: release them before the wrapper */
	bool premade, subs_first;
	struct elayer subs[2];
	struct param subp[2][MAXP];
	char subk[2][MAXP][16];
};

/* How wrapper tests bind: 0 = the wrapper makes its inner elayers; 1 = they are made and
 * bound first, as net.c does; 2 = as 1, and released before the wrapper. */
static int g_mode;

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	eng_register_rnn(f->tab);
	f->premade = g_mode >= 1;
	f->subs_first = g_mode == 2;
}

/* Layer i of the tree: kind, activations; named "l<i>". */
static struct layer *fx_layer(struct fx *f, int i, enum layer_kind k, enum act_kind act,
			      enum act_kind gate)
{
	struct layer *l = &f->L[i];

	l->kind = k;
	snprintf(f->names[i], sizeof(f->names[i]), "l%d", i);
	l->name = f->names[i];
	l->act.kind = act;
	l->gate_act.kind = gate;
	for (int j = 0; j < 3; j++) /* no activation parameters (FORMAT 7.1: NAN = absent) */
		l->act.p[j] = l->gate_act.p[j] = (double)NAN;
	l->n_in = l->n_out = -1;
	l->has_bias = true;
	return l;
}

/* Appends parameter `key` [rows, cols] (order) with values vals[] in layout order. */
static void fx_param(struct fx *f, const char *key, int64_t rows, int64_t cols, char order,
		     const double *vals)
{
	struct param *p = &f->p[f->np];
	int64_t n = rows * cols;

	assert_true(f->np < MAXP);
	snprintf(f->keys[f->np], sizeof(f->keys[0]), "%s", key);
	snprintf(f->full[f->np], sizeof(f->full[0]), "l0_%s", key);
	p->key = f->full[f->np];
	p->short_key = f->keys[f->np];
	p->rank = 2;
	p->shape[0] = rows;
	p->shape[1] = cols;
	p->order = order;
	p->count = n;
	f->w[f->np] = malloc((size_t)(n ? n : 1) * sizeof(float));
	assert_non_null(f->w[f->np]);
	for (int64_t i = 0; i < n; i++)
		f->w[f->np][i] = (float)vals[i];
	f->np++;
}

static void fx_input(struct fx *f, int64_t nb, int64_t c, int64_t t, const double *vals)
{
	int64_t n = nb * c * t;

	f->xd[0] = nb;
	f->xd[1] = c;
	f->xd[2] = t;
	f->x = malloc((size_t)(n ? n : 1) * sizeof(float));
	assert_non_null(f->x);
	for (int64_t i = 0; i < n; i++)
		f->x[i] = (float)vals[i];
}

static void fx_fill_elayer(struct fx *f)
{
	f->el.conf = &f->L[0];
	f->el.n_w = f->np;
	for (int i = 0; i < f->np; i++) {
		f->el.w[i] = f->w[i];
		f->el.wp[i] = &f->p[i];
	}
}

/* Inner elayer i of the top wrapper from its parameters with short keys starting with
 * prefix (prefix dropped), bound by its own implementation: what net.c's make_sub does. */
static void fx_premake(struct fx *f, int i, const struct layer *conf, const char *prefix)
{
	struct elayer *s = &f->subs[i];
	struct err e = { 0 };
	size_t pl = strlen(prefix);

	s->conf = conf;
	for (int k = 0; k < f->np; k++) {
		if (strncmp(f->keys[k], prefix, pl) != 0)
			continue;
		f->subp[i][s->n_w] = f->p[k];
		snprintf(f->subk[i][s->n_w], sizeof(f->subk[i][0]), "%s", f->keys[k] + pl);
		f->subp[i][s->n_w].short_key = f->subk[i][s->n_w];
		s->wp[s->n_w] = &f->subp[i][s->n_w];
		s->w[s->n_w] = f->w[k];
		s->n_w++;
	}
	assert_int_equal(f->tab[conf->kind]->bind(s, &e), 0);
	f->el.sub[i] = s;
}

static const struct eng_impl *fx_impl(struct fx *f)
{
	const struct eng_impl *im = f->tab[f->L[0].kind];

	assert_non_null(im);
	return im;
}

/* bind + infer for input shape xd; returns the first failing code. */
static int fx_plan(struct fx *f, struct err *e)
{
	const struct eng_impl *im = fx_impl(f);
	int rc;

	fx_fill_elayer(f);
	if (f->premade && f->L[0].kind == LK_BIDIRECTIONAL) {
		fx_premake(f, 0, f->L[0].fwd, "f");
		fx_premake(f, 1, f->L[0].bwd, "b");
	} else if (f->premade) {
		fx_premake(f, 0, f->L[0].fwd, "");
	}
	rc = im->bind(&f->el, e);
	if (rc)
		return rc;
	if (f->premade) /* the wrapper uses the inner elayers it was given */
		for (int i = 0; i < (f->L[0].kind == LK_BIDIRECTIONAL ? 2 : 1); i++)
			assert_ptr_equal(f->el.sub[i], &f->subs[i]);
	f->el.in.rank = 3;
	memcpy(f->el.in.d, f->xd, sizeof(f->xd));
	return im->infer(&f->el, e);
}

static void fx_fini(struct fx *f)
{
	const struct eng_impl *im = f->tab[f->L[0].kind];

	/* as net.c's unbind: free_priv of every bound elayer, wrappers and inner layers */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == (f->subs_first ? 1 : 0)) {
			if (im && im->free_priv && f->el.priv)
				im->free_priv(&f->el);
			assert_null(f->el.priv);
		} else {
			for (int i = 0; i < 2; i++)
				if (f->subs[i].priv)
					f->tab[f->subs[i].conf->kind]->free_priv(&f->subs[i]);
		}
	}
	if (!f->premade) {
		assert_null(f->el.sub[0]);
		assert_null(f->el.sub[1]);
	}
	for (int i = 0; i < f->np; i++)
		free(f->w[i]);
	free(f->x);
	free(f->y);
	free(f->out);
	free(f->scratch);
}

/* Plans, runs and compares with the expected output (max abs error <= tol * max(1, |y|)). */
static void fx_check(struct fx *f, double tol)
{
	struct err e = { 0 };
	int rc = fx_plan(f, &e);
	int64_t n;
	double ymax = 1.0, worst = 0.0;

	if (rc)
		print_error("plan failed: %s\n", e.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(f->el.out.rank, f->yrank);
	for (int i = 0; i < f->yrank; i++)
		assert_int_equal(f->el.out.d[i], f->yd[i]);
	n = eshape_numel(&f->el.out);
	f->out = malloc((size_t)(n ? n : 1) * sizeof(float));
	f->scratch = malloc((f->el.scratch ? f->el.scratch : 1) * sizeof(float));
	assert_non_null(f->out);
	assert_non_null(f->scratch);
	/* poison: forward must write every output and must not read scratch before writing */
	for (int64_t i = 0; i < n; i++)
		f->out[i] = NAN;
	for (size_t i = 0; i < f->el.scratch; i++)
		f->scratch[i] = NAN;
	fx_impl(f)->forward(&f->el, f->x, f->out, f->scratch);
	for (int64_t i = 0; i < n; i++)
		ymax = fmax(ymax, fabs(f->y[i]));
	for (int64_t i = 0; i < n; i++) {
		double d = fabs((double)f->out[i] - f->y[i]);

		if (!(d <= worst))
			worst = isnan(d) ? (double)INFINITY : d;
	}
	if (!(worst <= tol * ymax)) {
		for (int64_t i = 0; i < n && i < 40; i++)
			print_error("  [%lld] got %.8g want %.8g\n", (long long)i,
				    (double)f->out[i], f->y[i]);
		print_error("max abs error %g > %g\n", worst, tol * ymax);
	}
	assert_true(worst <= tol * ymax);
}

static void fx_expect(struct fx *f, int rank, const int64_t *d, const double *vals)
{
	int64_t n = 1;

	f->yrank = rank;
	for (int i = 0; i < rank; i++) {
		f->yd[i] = d[i];
		n *= d[i];
	}
	f->y = malloc((size_t)(n ? n : 1) * sizeof(double));
	assert_non_null(f->y);
	memcpy(f->y, vals, (size_t)n * sizeof(double));
}

/* ------------------------------------------------------------------ numpy reference */

static const char py_prelude[] =
	"import numpy as np\n"
	"rng = np.random.default_rng(20240601)\n"
	"def f32(a): return np.asarray(a, dtype=np.float32).astype(np.float64)\n"
	"def mk(*s): return f32(rng.uniform(-1, 1, s))\n"
	"A = {'tanh': np.tanh, 'sigmoid': lambda z: 1 / (1 + np.exp(-z)),\n"
	"     'hardsigmoid': lambda z: np.clip(0.2 * z + 0.5, 0, 1),\n"
	"     'relu': lambda z: np.maximum(z, 0), 'softsign': lambda z: z / (1 + np.abs(z)),\n"
	"     'identity': lambda z: z}\n"
	"def fmt(a): return ' '.join(repr(float(v)) for v in a)\n"
	/* DL4J's flat layout: 'f' order, biases [1, n] */
	"def P(key, m):\n"
	"    m = np.atleast_2d(m)\n"
	"    print('P', key, m.shape[0], m.shape[1], fmt(m.flatten(order='F')))\n"
	"def X(x): print('X', *x.shape, fmt(x.flatten()))\n"
	"def Y(y): print('Y', y.ndim, *y.shape, fmt(y.flatten()))\n"
	"def R(y): return y[:, :, ::-1]\n"
	"def cellp(nin, n, g, extra=0): return mk(nin, g * n), mk(n, g * n + extra), mk(1, g * n)\n"
	"def maskof(x, v=0.0): return (~np.all(x == v, axis=1)).astype(np.float64)\n"
	/* LSTMHelpers.activateHelper, gate blocks (a, f, o, g); peepholes RW[:, 4n..4n+2] */
	"def lstm(x, W, RW, b, act, gate, peep=False, mask=None):\n"
	"    N, C, T = x.shape; n = RW.shape[0]\n"
	"    h = np.zeros((N, n)); c = np.zeros((N, n)); out = np.zeros((N, n, T))\n"
	"    for t in range(T):\n"
	"        z = x[:, :, t] @ W + h @ RW[:, :4 * n] + b\n"
	"        a = act(z[:, :n]); zf = z[:, n:2 * n]; zo = z[:, 2 * n:3 * n]; zg = z[:, 3 * n:]\n"
	"        if peep: zf = zf + c * RW[:, 4 * n]; zg = zg + c * RW[:, 4 * n + 2]\n"
	"        f = gate(zf); g = gate(zg)\n"
	"        c = f * c + g * a\n"
	"        if peep: zo = zo + c * RW[:, 4 * n + 1]\n"
	"        h = act(c) * gate(zo)\n"
	"        if mask is not None: h = h * mask[:, t:t + 1]; c = c * mask[:, t:t + 1]\n"
	"        out[:, :, t] = h\n"
	"    return out\n"
	"def srnn(x, W, RW, b, act, mask=None):\n"
	"    N, C, T = x.shape; n = RW.shape[0]\n"
	"    h = np.zeros((N, n)); out = np.zeros((N, n, T))\n"
	"    for t in range(T):\n"
	"        h = act(x[:, :, t] @ W + h @ RW + b)\n"
	"        if mask is not None: h = h * mask[:, t:t + 1]\n"
	"        out[:, :, t] = h\n"
	"    return out\n"
	/* TimeSeriesUtils.pullLastTimeSteps: last step whose mask is non-zero */
	"def last(y, mask=None):\n"
	"    if mask is None: return y[:, :, -1]\n"
	"    out = np.zeros(y.shape[:2])\n"
	"    for i in range(y.shape[0]):\n"
	"        idx = np.nonzero(mask[i])[0]\n"
	"        if len(idx): out[i] = y[i, :, idx[-1]]\n"
	"    return out\n";

static bool have_python(void)
{
	return access(PY, X_OK) == 0;
}

static double *parse_nums(char **s, int64_t n)
{
	double *v = malloc((size_t)(n ? n : 1) * sizeof(double));

	assert_non_null(v);
	for (int64_t i = 0; i < n; i++) {
		char *end;

		v[i] = strtod(*s, &end);
		assert_true(end != *s);
		*s = end;
	}
	return v;
}

static int64_t parse_int(char **s)
{
	char *end;
	long long v = strtoll(*s, &end, 10);

	assert_true(end != *s);
	*s = end;
	return v;
}

/* One python process for the whole run (numpy's start-up dominates otherwise): it execs
 * each case body, sent on its stdin up to a "#END" line, in a copy of the prelude's
 * globals and answers with the case's output and a "#DONE" line. */
static const char py_server[] = "import sys\n"
				"G = dict(globals())\n"
				"while True:\n"
				"    src = []\n"
				"    while True:\n"
				"        line = sys.stdin.readline()\n"
				"        if not line: sys.exit(0)\n"
				"        if line == '#END\\n': break\n"
				"        src.append(line)\n"
				"    exec(''.join(src), dict(G))\n"
				"    print('#DONE', flush=True)\n";

static FILE *py_to, *py_from;
static pid_t py_pid;

static int py_start(void **state)
{
	int in[2], out[2];
	char *src;

	(void)state;
	if (!have_python())
		return 0;
	src = malloc(sizeof(py_prelude) + sizeof(py_server));
	assert_non_null(src);
	strcpy(src, py_prelude);
	strcat(src, py_server);
	if (pipe(in) || pipe(out))
		return -1;
	py_pid = fork();
	if (py_pid < 0)
		return -1;
	if (py_pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl(PY, PY, "-c", src, (char *)NULL);
		_exit(127);
	}
	free(src);
	close(in[0]);
	close(out[1]);
	py_to = fdopen(in[1], "w");
	py_from = fdopen(out[0], "r");
	return py_to && py_from ? 0 : -1;
}

static int py_stop(void **state)
{
	int st;

	(void)state;
	if (py_to)
		fclose(py_to);
	if (py_from)
		fclose(py_from);
	if (py_pid > 0)
		waitpid(py_pid, &st, 0);
	return 0;
}

/* Runs body (after the prelude) in python; reads P (parameters in order), X and Y lines. */
static void py_case(struct fx *f, const char *body)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap + 1), *line, *save = NULL;

	assert_non_null(buf);
	assert_non_null(py_to);
	fputs(body, py_to);
	fputs("\n#END\n", py_to);
	fflush(py_to);
	for (;;) {
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		if (!fgets(buf + len, (int)(cap - len), py_from)) {
			buf[len] = '\0';
			print_error("python ended early after:\n%.2000s\n", buf);
			fail();
		}
		if (strcmp(buf + len, "#DONE\n") == 0)
			break;
		len += strlen(buf + len);
	}
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *s = line + 2;

		if (line[0] == 'P') {
			char key[16];
			int k = 0;
			int64_t r, c;
			double *v;

			while (*s && *s != ' ' && k < 15)
				key[k++] = *s++;
			key[k] = '\0';
			r = parse_int(&s);
			c = parse_int(&s);
			v = parse_nums(&s, r * c);
			fx_param(f, key, r, c, 'f', v);
			free(v);
		} else if (line[0] == 'X') {
			int64_t d[3];
			double *v;

			for (int i = 0; i < 3; i++)
				d[i] = parse_int(&s);
			v = parse_nums(&s, d[0] * d[1] * d[2]);
			fx_input(f, d[0], d[1], d[2], v);
			free(v);
		} else if (line[0] == 'Y') {
			int64_t d[3], n = 1;
			int rank = (int)parse_int(&s);
			double *v;

			assert_true(rank >= 1 && rank <= 3);
			for (int i = 0; i < rank; i++) {
				d[i] = parse_int(&s);
				n *= d[i];
			}
			v = parse_nums(&s, n);
			fx_expect(f, rank, d, v);
			free(v);
		}
	}
	free(buf);
	assert_non_null(f->x);
	assert_non_null(f->y);
}

#define NEED_PY()                                                                                  \
	do {                                                                                       \
		if (!have_python()) {                                                              \
			fprintf(stderr, PY " not found: numpy reference skipped\n");               \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

/* ------------------------------------------------------------------ hand-computed, n = 1 */

static double sig(double z)
{
	return 1.0 / (1.0 + exp(-z));
}

/* One LSTM step with nIn = n = 1; w, r, b in gate order (a, f, o, g); p: peepholes
 * (wFF, wOO, wGG) or NULL. Updates *h, *c. */
static void lstm1(const double *w, const double *r, const double *b, const double *p, double x,
		  double *h, double *c)
{
	double a = tanh(w[0] * x + r[0] * *h + b[0]);
	double f = sig(w[1] * x + r[1] * *h + b[1] + (p ? *c * p[0] : 0));
	double g = sig(w[3] * x + r[3] * *h + b[3] + (p ? *c * p[2] : 0));
	double o;

	*c = f * *c + g * a;
	o = sig(w[2] * x + r[2] * *h + b[2] + (p ? *c * p[1] : 0));
	*h = tanh(*c) * o;
}

static const double W1[4] = { 0.5, -0.3, 0.8, 0.2 };
static const double R1[4] = { 0.1, 0.4, -0.6, 0.7 };
static const double B1[4] = { 0.05, 0.9, -0.1, 0.3 };
static const double P1[3] = { 0.25, -0.5, 0.75 }; /* wFF, wOO, wGG */
static const double X1[3] = { 1.0, -2.0, 0.5 };

/* LSTM, 1 unit, T = 2: gate blocks in DL4J order (cell input, forget, output, input). */
static void test_lstm_hand(void **state)
{
	struct fx f;
	double h = 0, c = 0, y[2];
	int64_t d[3] = { 1, 1, 2 };

	(void)state;
	fx_init(&f);
	fx_layer(&f, 0, LK_LSTM, ACT_TANH, ACT_SIGMOID);
	fx_param(&f, "W", 1, 4, 'f', W1);
	fx_param(&f, "RW", 1, 4, 'f', R1);
	fx_param(&f, "b", 1, 4, 'c', B1);
	fx_input(&f, 1, 1, 2, X1);
	/* t0: a = tanh(0.55), f = s(0.6), o = s(0.7), g = s(0.5); c = g a; h = tanh(c) o */
	lstm1(W1, R1, B1, NULL, X1[0], &h, &c);
	y[0] = h;
	assert_true(fabs(c - sig(0.5) * tanh(0.55)) < 1e-12);
	lstm1(W1, R1, B1, NULL, X1[1], &h, &c);
	y[1] = h;
	fx_expect(&f, 3, d, y);
	fx_check(&f, 1e-6);
	fx_fini(&f);
}

/* GravesLSTM, 1 unit, T = 3: RW has 4n + 3 columns; forget and input gates see c_prev,
 * the output gate sees the new c. */
static void test_graves_hand(void **state)
{
	struct fx f;
	double rw[7], h = 0, c = 0, y[3];
	int64_t d[3] = { 1, 1, 3 };

	(void)state;
	memcpy(rw, R1, sizeof(R1));
	memcpy(rw + 4, P1, sizeof(P1));
	fx_init(&f);
	fx_layer(&f, 0, LK_GRAVES_LSTM, ACT_TANH, ACT_SIGMOID);
	fx_param(&f, "W", 1, 4, 'f', W1);
	fx_param(&f, "RW", 1, 7, 'f', rw);
	fx_param(&f, "b", 1, 4, 'c', B1);
	fx_input(&f, 1, 1, 3, X1);
	for (int t = 0; t < 3; t++) {
		lstm1(W1, R1, B1, P1, X1[t], &h, &c);
		y[t] = h;
	}
	/* t0 by hand: c_prev = 0, so only wOO acts: o = s(0.7 + c1 * -0.5) */
	{
		double c1 = sig(0.5) * tanh(0.55);

		assert_true(fabs(y[0] - tanh(c1) * sig(0.7 - 0.5 * c1)) < 1e-12);
	}
	fx_expect(&f, 3, d, y);
	fx_check(&f, 1e-6);
	fx_fini(&f);
}

/* GravesBidirectionalLSTM, 1 unit, T = 2: forward (WF..) + backward (WB..) run from the end,
 * outputs summed per step. */
static void test_graves_bi_hand(void **state)
{
	static const double wb[4] = { -0.4, 0.6, 0.3, -0.2 },
			    rb[7] = { 0.2, -0.1, 0.5, 0.3, -0.3, 0.4, 0.1 };
	static const double bb[4] = { 0.1, -0.2, 0.4, 0.0 };
	struct fx f;
	double rw[7], hf = 0, cf = 0, hb = 0, cb = 0, yf[2], yb[2], y[2];
	int64_t d[3] = { 1, 1, 2 };

	(void)state;
	memcpy(rw, R1, sizeof(R1));
	memcpy(rw + 4, P1, sizeof(P1));
	fx_init(&f);
	fx_layer(&f, 0, LK_GRAVES_BILSTM, ACT_TANH, ACT_SIGMOID);
	fx_param(&f, "WF", 1, 4, 'f', W1);
	fx_param(&f, "RWF", 1, 7, 'f', rw);
	fx_param(&f, "bF", 1, 4, 'c', B1);
	fx_param(&f, "WB", 1, 4, 'f', wb);
	fx_param(&f, "RWB", 1, 7, 'f', rb);
	fx_param(&f, "bB", 1, 4, 'c', bb);
	fx_input(&f, 1, 1, 2, X1);
	for (int t = 0; t < 2; t++) {
		lstm1(W1, R1, B1, P1, X1[t], &hf, &cf);
		yf[t] = hf;
	}
	for (int t = 1; t >= 0; t--) {
		lstm1(wb, rb, bb, rb + 4, X1[t], &hb, &cb);
		yb[t] = hb;
	}
	y[0] = yf[0] + yb[0];
	y[1] = yf[1] + yb[1];
	fx_expect(&f, 3, d, y);
	fx_check(&f, 1e-6);
	fx_fini(&f);
}

/* SimpleRnn, 1 unit, T = 3: h_t = tanh(x_t w + h_{t-1} r + b). */
static void test_simple_hand(void **state)
{
	static const double w = 0.7, r = -0.4, b = 0.1;
	struct fx f;
	double y[3];
	int64_t d[3] = { 1, 1, 3 };

	(void)state;
	fx_init(&f);
	fx_layer(&f, 0, LK_SIMPLE_RNN, ACT_TANH, ACT_SIGMOID);
	fx_param(&f, "W", 1, 1, 'f', &w);
	fx_param(&f, "RW", 1, 1, 'f', &r);
	fx_param(&f, "b", 1, 1, 'c', &b);
	fx_input(&f, 1, 1, 3, X1);
	y[0] = tanh(0.7 * 1.0 + 0.1);		    /* tanh(0.8) */
	y[1] = tanh(0.7 * -2.0 - 0.4 * y[0] + 0.1); /* tanh(-1.3 - 0.4 y0) */
	y[2] = tanh(0.7 * 0.5 - 0.4 * y[1] + 0.1);  /* tanh(0.45 - 0.4 y1) */
	fx_expect(&f, 3, d, y);
	fx_check(&f, 1e-6);
	fx_fini(&f);
}

/* Bidirectional(SimpleRnn), 1 unit, T = 2, N = 2, every mode. The backward copy reads the
 * sequence reversed; its output is reversed back. */
static void bidir_hand(enum bidir_mode mode)
{
	static const double wf = 0.7, rf = -0.4, bf = 0.1, wb = -0.5, rb = 0.3, bb = 0.2;
	static const double x[4] = { 1.0, -2.0, 0.5, 0.25 }; /* [2,1,2] */
	struct fx f;
	double y[8], fw[4], bw[4];

	fx_init(&f);
	fx_layer(&f, 0, LK_BIDIRECTIONAL, ACT_TANH, ACT_SIGMOID)->bidir = mode;
	f.L[0].fwd = fx_layer(&f, 1, LK_SIMPLE_RNN, ACT_TANH, ACT_SIGMOID);
	f.L[0].bwd = fx_layer(&f, 2, LK_SIMPLE_RNN, ACT_TANH, ACT_SIGMOID);
	fx_param(&f, "fW", 1, 1, 'f', &wf);
	fx_param(&f, "fRW", 1, 1, 'f', &rf);
	fx_param(&f, "fb", 1, 1, 'c', &bf);
	fx_param(&f, "bW", 1, 1, 'f', &wb);
	fx_param(&f, "bRW", 1, 1, 'f', &rb);
	fx_param(&f, "bb", 1, 1, 'c', &bb);
	fx_input(&f, 2, 1, 2, x);
	for (int i = 0; i < 2; i++) {
		const double *xi = x + 2 * i;

		fw[2 * i] = tanh(wf * xi[0] + bf);
		fw[2 * i + 1] = tanh(wf * xi[1] + rf * fw[2 * i] + bf);
		bw[2 * i + 1] = tanh(wb * xi[1] + bb);
		bw[2 * i] = tanh(wb * xi[0] + rb * bw[2 * i + 1] + bb);
	}
	if (mode == BI_CONCAT) {
		int64_t d[3] = { 2, 2, 2 };

		for (int i = 0; i < 2; i++) {
			y[4 * i] = fw[2 * i];
			y[4 * i + 1] = fw[2 * i + 1];
			y[4 * i + 2] = bw[2 * i];
			y[4 * i + 3] = bw[2 * i + 1];
		}
		fx_expect(&f, 3, d, y);
	} else {
		int64_t d[3] = { 2, 1, 2 };

		for (int i = 0; i < 4; i++)
			y[i] = mode == BI_ADD	? fw[i] + bw[i]
			       : mode == BI_MUL ? fw[i] * bw[i]
						: (fw[i] + bw[i]) / 2;
		fx_expect(&f, 3, d, y);
	}
	fx_check(&f, 1e-6);
	fx_fini(&f);
}

static void test_bidir_hand(void **state)
{
	(void)state;
	bidir_hand(BI_CONCAT);
	bidir_hand(BI_ADD);
	bidir_hand(BI_MUL);
	bidir_hand(BI_AVERAGE);
}

/* LastTimeStep(LSTM) = the LSTM's output at T-1; MaskZero(LSTM) with step 1 all zeros:
 * h and c are zeroed there, so step 2 starts from a zero state and step 1 outputs 0. */
static void test_last_mask_hand(void **state)
{
	static const double xm[3] = { 1.0, 0.0, 0.5 };
	struct fx f;
	double h = 0, c = 0, y[3];
	int64_t d2[2] = { 1, 1 }, d3[3] = { 1, 1, 3 };

	(void)state;
	fx_init(&f);
	fx_layer(&f, 0, LK_LAST_TIME_STEP, ACT_TANH, ACT_SIGMOID);
	f.L[0].fwd = fx_layer(&f, 1, LK_LSTM, ACT_TANH, ACT_SIGMOID);
	fx_param(&f, "W", 1, 4, 'f', W1);
	fx_param(&f, "RW", 1, 4, 'f', R1);
	fx_param(&f, "b", 1, 4, 'c', B1);
	fx_input(&f, 1, 1, 3, X1);
	for (int t = 0; t < 3; t++)
		lstm1(W1, R1, B1, NULL, X1[t], &h, &c);
	y[0] = h;
	fx_expect(&f, 2, d2, y);
	fx_check(&f, 1e-6);
	fx_fini(&f);

	fx_init(&f);
	fx_layer(&f, 0, LK_MASK_ZERO, ACT_TANH, ACT_SIGMOID);
	f.L[0].fwd = fx_layer(&f, 1, LK_LSTM, ACT_TANH, ACT_SIGMOID);
	fx_param(&f, "W", 1, 4, 'f', W1);
	fx_param(&f, "RW", 1, 4, 'f', R1);
	fx_param(&f, "b", 1, 4, 'c', B1);
	fx_input(&f, 1, 1, 3, xm);
	h = c = 0;
	lstm1(W1, R1, B1, NULL, 1.0, &h, &c);
	y[0] = h;
	y[1] = 0; /* masked: h = c = 0 */
	h = c = 0;
	lstm1(W1, R1, B1, NULL, 0.5, &h, &c);
	y[2] = h;
	fx_expect(&f, 3, d3, y);
	fx_check(&f, 1e-6);
	fx_fini(&f);
}

/* ------------------------------------------------------------------ numpy cases */

static void run_py(struct fx *f, const char *body, double tol)
{
	py_case(f, body);
	fx_check(f, tol);
	fx_fini(f);
}

static void test_np_lstm(void **state)
{
	struct fx f;

	(void)state;
	NEED_PY();
	fx_init(&f);
	fx_layer(&f, 0, LK_LSTM, ACT_TANH, ACT_SIGMOID);
	run_py(&f,
	       "x = mk(3, 4, 6); W, RW, b = cellp(4, 5, 4)\n"
	       "P('W', W); P('RW', RW); P('b', b); X(x)\n"
	       "Y(lstm(x, W, RW, b, A['tanh'], A['sigmoid']))\n",
	       1e-5);
	/* hard sigmoid gates, softsign cell, larger inputs; batch 1 and T = 1 */
	fx_init(&f);
	fx_layer(&f, 0, LK_LSTM, ACT_SOFTSIGN, ACT_HARDSIGMOID);
	run_py(&f,
	       "x = 3 * mk(2, 3, 5); W, RW, b = cellp(3, 4, 4)\n"
	       "P('W', W); P('RW', RW); P('b', b); X(x)\n"
	       "Y(lstm(x, W, RW, b, A['softsign'], A['hardsigmoid']))\n",
	       1e-5);
	fx_init(&f);
	fx_layer(&f, 0, LK_LSTM, ACT_RELU, ACT_SIGMOID);
	run_py(&f,
	       "x = mk(1, 2, 1); W, RW, b = cellp(2, 3, 4)\n"
	       "P('W', W); P('RW', RW); P('b', b); X(x)\n"
	       "Y(lstm(x, W, RW, b, A['relu'], A['sigmoid']))\n",
	       1e-5);
}

static void test_np_graves(void **state)
{
	struct fx f;

	(void)state;
	NEED_PY();
	fx_init(&f);
	fx_layer(&f, 0, LK_GRAVES_LSTM, ACT_TANH, ACT_SIGMOID);
	run_py(&f,
	       "x = mk(2, 3, 5); W, RW, b = cellp(3, 4, 4, 3)\n"
	       "P('W', W); P('RW', RW); P('b', b); X(x)\n"
	       "Y(lstm(x, W, RW, b, A['tanh'], A['sigmoid'], peep=True))\n",
	       1e-5);
	fx_init(&f);
	fx_layer(&f, 0, LK_GRAVES_BILSTM, ACT_SOFTSIGN, ACT_SIGMOID);
	run_py(&f,
	       "x = mk(2, 3, 4); Wf, RWf, bf = cellp(3, 3, 4, 3); Wb, RWb, bb = cellp(3, 3, 4, 3)\n"
	       "P('WF', Wf); P('RWF', RWf); P('bF', bf); P('WB', Wb); P('RWB', RWb); P('bB', bb)\n"
	       "X(x); s = A['softsign']; g = A['sigmoid']\n"
	       "Y(lstm(x, Wf, RWf, bf, s, g, True) + R(lstm(R(x), Wb, RWb, bb, s, g, True)))\n",
	       1e-5);
}

static void test_np_simple(void **state)
{
	struct fx f;

	(void)state;
	NEED_PY();
	fx_init(&f);
	fx_layer(&f, 0, LK_SIMPLE_RNN, ACT_TANH, ACT_SIGMOID);
	run_py(&f,
	       "x = mk(3, 4, 6); W, RW, b = cellp(4, 5, 1)\n"
	       "P('W', W); P('RW', RW); P('b', b); X(x)\n"
	       "Y(srnn(x, W, RW, b, A['tanh']))\n",
	       1e-5);
	fx_init(&f);
	fx_layer(&f, 0, LK_SIMPLE_RNN, ACT_RELU, ACT_SIGMOID);
	run_py(&f,
	       "x = mk(2, 3, 4); W, RW, b = cellp(3, 2, 1)\n"
	       "P('W', W); P('RW', RW); P('b', b); X(x)\n"
	       "Y(srnn(x, W, RW, b, A['relu']))\n",
	       1e-5);
}

/* Bidirectional(inner) in `mode`, inner of kind k with python constructor `py` */
static void np_bidir(enum bidir_mode mode, enum layer_kind k, const char *body)
{
	struct fx f;

	fx_init(&f);
	fx_layer(&f, 0, LK_BIDIRECTIONAL, ACT_TANH, ACT_SIGMOID)->bidir = mode;
	f.L[0].fwd = fx_layer(&f, 1, k, ACT_TANH, ACT_SIGMOID);
	f.L[0].bwd = fx_layer(&f, 2, k, ACT_TANH, ACT_SIGMOID);
	run_py(&f, body, 1e-5);
}

static void np_bidir_cases(void)
{
	np_bidir(
		BI_CONCAT, LK_LSTM,
		"x = mk(2, 3, 5); Wf, RWf, bf = cellp(3, 4, 4); Wb, RWb, bb = cellp(3, 4, 4)\n"
		"P('fW', Wf); P('fRW', RWf); P('fb', bf); P('bW', Wb); P('bRW', RWb); P('bb', bb)\n"
		"X(x); t = A['tanh']; g = A['sigmoid']\n"
		"Y(np.concatenate([lstm(x, Wf, RWf, bf, t, g), "
		"R(lstm(R(x), Wb, RWb, bb, t, g))], axis=1))\n");
	np_bidir(
		BI_CONCAT, LK_GRAVES_LSTM,
		"x = mk(3, 2, 4); Wf, RWf, bf = cellp(2, 3, 4, 3); Wb, RWb, bb = cellp(2, 3, 4, "
		"3)\n"
		"P('fW', Wf); P('fRW', RWf); P('fb', bf); P('bW', Wb); P('bRW', RWb); P('bb', bb)\n"
		"X(x); t = A['tanh']; g = A['sigmoid']\n"
		"Y(np.concatenate([lstm(x, Wf, RWf, bf, t, g, True), "
		"R(lstm(R(x), Wb, RWb, bb, t, g, True))], axis=1))\n");
	np_bidir(
		BI_ADD, LK_SIMPLE_RNN,
		"x = mk(2, 3, 5); Wf, RWf, bf = cellp(3, 4, 1); Wb, RWb, bb = cellp(3, 4, 1)\n"
		"P('fW', Wf); P('fRW', RWf); P('fb', bf); P('bW', Wb); P('bRW', RWb); P('bb', bb)\n"
		"X(x); t = A['tanh']\n"
		"Y(srnn(x, Wf, RWf, bf, t) + R(srnn(R(x), Wb, RWb, bb, t)))\n");
	np_bidir(
		BI_MUL, LK_SIMPLE_RNN,
		"x = mk(2, 3, 5); Wf, RWf, bf = cellp(3, 4, 1); Wb, RWb, bb = cellp(3, 4, 1)\n"
		"P('fW', Wf); P('fRW', RWf); P('fb', bf); P('bW', Wb); P('bRW', RWb); P('bb', bb)\n"
		"X(x); t = A['tanh']\n"
		"Y(srnn(x, Wf, RWf, bf, t) * R(srnn(R(x), Wb, RWb, bb, t)))\n");
	np_bidir(
		BI_AVERAGE, LK_LSTM,
		"x = mk(2, 3, 5); Wf, RWf, bf = cellp(3, 2, 4); Wb, RWb, bb = cellp(3, 2, 4)\n"
		"P('fW', Wf); P('fRW', RWf); P('fb', bf); P('bW', Wb); P('bRW', RWb); P('bb', bb)\n"
		"X(x); t = A['tanh']; g = A['sigmoid']\n"
		"Y((lstm(x, Wf, RWf, bf, t, g) + R(lstm(R(x), Wb, RWb, bb, t, g))) * 0.5)\n");
}

static void test_np_bidir(void **state)
{
	(void)state;
	NEED_PY();
	for (g_mode = 0; g_mode < 3; g_mode++)
		np_bidir_cases();
	g_mode = 0;
}

/* LastTimeStep(Bidirectional(LSTM)) and Bidirectional(LastTimeStep(LSTM)): the backward
 * LastTimeStep sees the reversed sequence, so it returns the state after x_0. */
static void np_last_cases(void)
{
	struct fx f;

	fx_init(&f);
	fx_layer(&f, 0, LK_LAST_TIME_STEP, ACT_TANH, ACT_SIGMOID);
	f.L[0].fwd = fx_layer(&f, 1, LK_BIDIRECTIONAL, ACT_TANH, ACT_SIGMOID);
	f.L[1].bidir = BI_CONCAT;
	f.L[1].fwd = fx_layer(&f, 2, LK_LSTM, ACT_TANH, ACT_SIGMOID);
	f.L[1].bwd = fx_layer(&f, 3, LK_LSTM, ACT_TANH, ACT_SIGMOID);
	run_py(&f,
	       "x = mk(3, 2, 4); Wf, RWf, bf = cellp(2, 3, 4); Wb, RWb, bb = cellp(2, 3, 4)\n"
	       "P('fW', Wf); P('fRW', RWf); P('fb', bf); P('bW', Wb); P('bRW', RWb); P('bb', bb)\n"
	       "X(x); t = A['tanh']; g = A['sigmoid']\n"
	       "Y(last(np.concatenate([lstm(x, Wf, RWf, bf, t, g), "
	       "R(lstm(R(x), Wb, RWb, bb, t, g))], axis=1)))\n",
	       1e-5);

	fx_init(&f);
	fx_layer(&f, 0, LK_BIDIRECTIONAL, ACT_TANH, ACT_SIGMOID)->bidir = BI_CONCAT;
	f.L[0].fwd = fx_layer(&f, 1, LK_LAST_TIME_STEP, ACT_TANH, ACT_SIGMOID);
	f.L[0].bwd = fx_layer(&f, 2, LK_LAST_TIME_STEP, ACT_TANH, ACT_SIGMOID);
	f.L[1].fwd = fx_layer(&f, 3, LK_LSTM, ACT_TANH, ACT_SIGMOID);
	f.L[2].fwd = &f.L[3];
	run_py(&f,
	       "x = mk(3, 2, 4); Wf, RWf, bf = cellp(2, 3, 4); Wb, RWb, bb = cellp(2, 3, 4)\n"
	       "P('fW', Wf); P('fRW', RWf); P('fb', bf); P('bW', Wb); P('bRW', RWb); P('bb', bb)\n"
	       "X(x); t = A['tanh']; g = A['sigmoid']\n"
	       "Y(np.concatenate([last(lstm(x, Wf, RWf, bf, t, g)), "
	       "last(lstm(R(x), Wb, RWb, bb, t, g))], axis=1))\n",
	       1e-5);
}

static void test_np_last(void **state)
{
	(void)state;
	NEED_PY();
	for (g_mode = 0; g_mode < 3; g_mode++)
		np_last_cases();
	g_mode = 0;
}

/* MaskZeroLayer: masked steps (all features == maskingValue) zero h and c (LSTM) or the
 * output/state (SimpleRnn); LastTimeStep picks the last unmasked step (zeros if none). */
static void np_mask_cases(void)
{
	static const char mkx[] = "x = mk(4, 3, 5)\n"
				  "x[0, :, 1] = V; x[0, :, 4] = V; x[1, :, 0] = V; x[2, :, :] = V\n"
				  "x[3, 0, 2] = V\n"; /* one feature equal to V does not mask */
	char body[2048];
	struct fx f;

	fx_init(&f);
	fx_layer(&f, 0, LK_MASK_ZERO, ACT_TANH, ACT_SIGMOID);
	f.L[0].fwd = fx_layer(&f, 1, LK_LSTM, ACT_TANH, ACT_SIGMOID);
	snprintf(body, sizeof(body),
		 "V = 0.0\n%s"
		 "W, RW, b = cellp(3, 4, 4); P('W', W); P('RW', RW); P('b', b); X(x)\n"
		 "Y(lstm(x, W, RW, b, A['tanh'], A['sigmoid'], mask=maskof(x, V)))\n",
		 mkx);
	run_py(&f, body, 1e-5);

	fx_init(&f);
	fx_layer(&f, 0, LK_MASK_ZERO, ACT_TANH, ACT_SIGMOID)->mask_value = 0.5;
	f.L[0].fwd = fx_layer(&f, 1, LK_SIMPLE_RNN, ACT_TANH, ACT_SIGMOID);
	snprintf(body, sizeof(body),
		 "V = 0.5\n%s"
		 "W, RW, b = cellp(3, 4, 1); P('W', W); P('RW', RW); P('b', b); X(x)\n"
		 "Y(srnn(x, W, RW, b, A['tanh'], mask=maskof(x, V)))\n",
		 mkx);
	run_py(&f, body, 1e-5);

	fx_init(&f);
	fx_layer(&f, 0, LK_LAST_TIME_STEP, ACT_TANH, ACT_SIGMOID);
	f.L[0].fwd = fx_layer(&f, 1, LK_MASK_ZERO, ACT_TANH, ACT_SIGMOID);
	f.L[1].fwd = fx_layer(&f, 2, LK_GRAVES_LSTM, ACT_TANH, ACT_SIGMOID);
	snprintf(body, sizeof(body),
		 "V = 0.0\n%s"
		 "W, RW, b = cellp(3, 4, 4, 3); P('W', W); P('RW', RW); P('b', b); X(x)\n"
		 "m = maskof(x, V)\n"
		 "Y(last(lstm(x, W, RW, b, A['tanh'], A['sigmoid'], True, mask=m), m))\n",
		 mkx);
	run_py(&f, body, 1e-5);

	/* Bidirectional(MaskZero(LSTM)): the backward copy masks the reversed sequence */
	fx_init(&f);
	fx_layer(&f, 0, LK_BIDIRECTIONAL, ACT_TANH, ACT_SIGMOID)->bidir = BI_CONCAT;
	f.L[0].fwd = fx_layer(&f, 1, LK_MASK_ZERO, ACT_TANH, ACT_SIGMOID);
	f.L[0].bwd = fx_layer(&f, 2, LK_MASK_ZERO, ACT_TANH, ACT_SIGMOID);
	f.L[1].fwd = fx_layer(&f, 3, LK_LSTM, ACT_TANH, ACT_SIGMOID);
	f.L[2].fwd = &f.L[3];
	snprintf(body, sizeof(body),
		 "V = 0.0\n%s"
		 "Wf, RWf, bf = cellp(3, 2, 4); Wb, RWb, bb = cellp(3, 2, 4)\n"
		 "P('fW', Wf); P('fRW', RWf); P('fb', bf); P('bW', Wb); P('bRW', RWb); "
		 "P('bb', bb)\n"
		 "X(x); t = A['tanh']; g = A['sigmoid']\n"
		 "Y(np.concatenate([lstm(x, Wf, RWf, bf, t, g, mask=maskof(x)), "
		 "R(lstm(R(x), Wb, RWb, bb, t, g, mask=maskof(R(x))))], axis=1))\n",
		 mkx);
	run_py(&f, body, 1e-5);
}

static void test_np_mask(void **state)
{
	(void)state;
	NEED_PY();
	for (g_mode = 0; g_mode < 3; g_mode++)
		np_mask_cases();
	g_mode = 0;
}

/* ------------------------------------------------------------------ errors */

/* A plain LSTM fixture with nIn = 2, n = 1 (params all 0.1). */
static void lstm_fx(struct fx *f, enum layer_kind k)
{
	static const double v[16] = { 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1,
				      0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1 };
	static const double x[4] = { 1, 2, 3, 4 };

	fx_init(f);
	fx_layer(f, 0, k, ACT_TANH, ACT_SIGMOID);
	fx_param(f, "W", 2, 4, 'f', v);
	fx_param(f, "RW", 1, k == LK_GRAVES_LSTM ? 7 : 4, 'f', v);
	fx_param(f, "b", 1, 4, 'c', v);
	fx_input(f, 1, 2, 2, x);
}

static void expect_err(struct fx *f, int code, const char *msg)
{
	struct err e = { 0 };
	int rc = fx_plan(f, &e);

	if (rc != code || strcmp(e.msg, msg) != 0)
		print_error("got %d '%s', want %d '%s'\n", rc, e.msg, code, msg);
	assert_int_equal(rc, code);
	assert_string_equal(e.msg, msg);
	fx_fini(f);
}

static void test_errors_cell(void **state)
{
	static const double v[8] = { 0 };
	struct fx f;

	(void)state;
	lstm_fx(&f, LK_LSTM);
	f.xd[1] = 3;
	expect_err(&f, -EINVAL, "layer 'l0' (LSTM): input has 3 features, nIn is 2");

	lstm_fx(&f, LK_LSTM);
	fx_fill_elayer(&f);
	{
		struct err e = { 0 };

		assert_int_equal(fx_impl(&f)->bind(&f.el, &e), 0);
		f.el.in.rank = 2;
		f.el.in.d[0] = 1;
		f.el.in.d[1] = 2;
		assert_int_equal(fx_impl(&f)->infer(&f.el, &e), -EINVAL);
		assert_string_equal(e.msg, "layer 'l0' (LSTM): input has rank 2, expected [N,C,T]");
	}
	fx_fini(&f);

	lstm_fx(&f, LK_LSTM);
	f.np = 2;
	free(f.w[2]);
	expect_err(&f, -EINVAL, "layer 'l0' (LSTM): 2 parameters, expected 3");

	lstm_fx(&f, LK_LSTM);
	f.p[1].shape[1] = 5;
	expect_err(&f, -EINVAL, "layer 'l0' (LSTM): RW is not [1, 4]");

	lstm_fx(&f, LK_GRAVES_LSTM);
	f.p[1].shape[1] = 4; /* peepholes missing */
	expect_err(&f, -EINVAL, "layer 'l0' (GravesLSTM): RW is not [1, 7]");

	lstm_fx(&f, LK_LSTM);
	f.p[2].count = 3;
	expect_err(&f, -EINVAL, "layer 'l0' (LSTM): b has 3 elements, expected 4");

	lstm_fx(&f, LK_LSTM);
	snprintf(f.keys[1], sizeof(f.keys[1]), "b");
	expect_err(&f, -EINVAL, "layer 'l0' (LSTM): parameter 1 is b, expected RW");

	lstm_fx(&f, LK_LSTM);
	f.p[0].order = 'c';
	expect_err(&f, -ENOTSUP, "layer 'l0' (LSTM): W is in 'c' order, expected 'f'");

	lstm_fx(&f, LK_LSTM);
	f.p[1].rank = 1;
	expect_err(&f, -EINVAL, "layer 'l0' (LSTM): W and RW must be matrices");

	lstm_fx(&f, LK_LSTM);
	f.p[1].shape[0] = 0;
	f.p[1].count = 0;
	expect_err(&f, -ENOTSUP, "layer 'l0' (LSTM): nIn 2, nOut 0: empty layer");

	lstm_fx(&f, LK_LSTM);
	fx_fill_elayer(&f);
	f.el.w[2] = NULL;
	{
		struct err e = { 0 };

		assert_int_equal(fx_impl(&f)->bind(&f.el, &e), -EINVAL);
		assert_string_equal(e.msg, "layer 'l0' (LSTM): parameter 2 (b) is missing");
	}
	fx_fini(&f);

	lstm_fx(&f, LK_LSTM);
	fx_fill_elayer(&f);
	f.el.wp[0] = NULL;
	{
		struct err e = { 0 };

		assert_int_equal(fx_impl(&f)->bind(&f.el, &e), -EINVAL);
		assert_string_equal(e.msg, "layer 'l0' (LSTM): parameters W/RW are missing");
	}
	fx_fini(&f);

	lstm_fx(&f, LK_LSTM);
	snprintf(f.L[0].data_format, sizeof(f.L[0].data_format), "NWC");
	expect_err(&f, -ENOTSUP, "layer 'l0' (LSTM): rnnDataFormat NWC is not supported");

	lstm_fx(&f, LK_LSTM);
	f.L[0].gate_act.kind = ACT_UNKNOWN;
	snprintf(f.L[0].gate_act.name, sizeof(f.L[0].gate_act.name), "MyGate");
	expect_err(&f, -ENOTSUP, "layer 'l0' (LSTM): gate activation MyGate is not supported");

	lstm_fx(&f, LK_LSTM);
	f.L[0].act.kind = ACT_UNKNOWN;
	snprintf(f.L[0].act.name, sizeof(f.L[0].act.name), "Weird");
	expect_err(&f, -ENOTSUP, "layer 'l0' (LSTM): activation Weird is not supported");

	fx_init(&f);
	fx_layer(&f, 0, LK_SIMPLE_RNN, ACT_TANH, ACT_SIGMOID)->has_layer_norm = true;
	fx_param(&f, "W", 1, 1, 'f', v);
	fx_param(&f, "RW", 1, 1, 'f', v);
	fx_param(&f, "b", 1, 1, 'c', v);
	fx_param(&f, "gx", 1, 1, 'c', v);
	fx_param(&f, "gh", 1, 1, 'c', v);
	fx_input(&f, 1, 1, 1, v);
	expect_err(&f, -ENOTSUP, "layer 'l0' (SimpleRnn): layer normalization is not supported");

	/* scratch size beyond 64 bits */
	lstm_fx(&f, LK_LSTM);
	f.xd[0] = INT64_MAX / 2;
	f.xd[2] = 4;
	expect_err(&f, -EOVERFLOW, "layer 'l0' (LSTM): scratch size overflows");
}

static void wrap_fx(struct fx *f, enum layer_kind wk, enum layer_kind ik)
{
	static const double v[16] = { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8,
				      0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8 };
	static const double x[4] = { 1, 2, 3, 4 };

	fx_init(f);
	fx_layer(f, 0, wk, ACT_TANH, ACT_SIGMOID);
	f->L[0].fwd = fx_layer(f, 1, ik, ACT_TANH, ACT_SIGMOID);
	if (wk == LK_BIDIRECTIONAL)
		f->L[0].bwd = fx_layer(f, 2, ik, ACT_TANH, ACT_SIGMOID);
	fx_param(f, wk == LK_BIDIRECTIONAL ? "fW" : "W", 1, 4, 'f', v);
	fx_param(f, wk == LK_BIDIRECTIONAL ? "fRW" : "RW", 1, 4, 'f', v);
	fx_param(f, wk == LK_BIDIRECTIONAL ? "fb" : "b", 1, 4, 'c', v);
	if (wk == LK_BIDIRECTIONAL) {
		fx_param(f, "bW", 1, 4, 'f', v);
		fx_param(f, "bRW", 1, 4, 'f', v);
		fx_param(f, "bb", 1, 4, 'c', v);
	}
	fx_input(f, 1, 1, 4, x);
}

static void test_errors_wrapper(void **state)
{
	static const double v[4] = { 0.5, 0.5, 0.5, 0.5 };
	struct fx f;

	(void)state;
	wrap_fx(&f, LK_BIDIRECTIONAL, LK_LSTM);
	snprintf(f.keys[3], sizeof(f.keys[3]), "xW");
	expect_err(&f, -EINVAL, "layer 'l0' (Bidirectional): parameter 3 is not a 'b' parameter");

	wrap_fx(&f, LK_BIDIRECTIONAL, LK_LSTM);
	f.L[0].bwd = NULL;
	expect_err(&f, -EINVAL, "layer 'l0' (Bidirectional): no inner layer");

	wrap_fx(&f, LK_MASK_ZERO, LK_DENSE);
	expect_err(&f, -ENOTSUP,
		   "layer 'l0' (MaskZeroLayer): inner layer DenseLayer is not supported");

	/* errors of the inner layer name the inner layer */
	wrap_fx(&f, LK_LAST_TIME_STEP, LK_LSTM);
	f.xd[1] = 2;
	expect_err(&f, -EINVAL, "layer 'l1' (LSTM): input has 2 features, nIn is 1");

	wrap_fx(&f, LK_LAST_TIME_STEP, LK_LSTM);
	f.xd[2] = 0;
	expect_err(&f, -EINVAL, "layer 'l0' (LastTimeStep): input has no time steps");

	/* LastTimeStep(LastTimeStep(LSTM)): the inner output is [N,C] */
	wrap_fx(&f, LK_LAST_TIME_STEP, LK_LAST_TIME_STEP);
	f.L[1].fwd = fx_layer(&f, 2, LK_LSTM, ACT_TANH, ACT_SIGMOID);
	expect_err(&f, -EINVAL,
		   "layer 'l0' (LastTimeStep): inner layer output has rank 2, expected [N,C,T]");

	/* ADD of a 1-unit forward and a 2-unit backward layer */
	wrap_fx(&f, LK_BIDIRECTIONAL, LK_SIMPLE_RNN);
	f.L[0].bidir = BI_ADD;
	for (int i = 0; i < f.np; i++)
		free(f.w[i]);
	f.np = 0;
	fx_param(&f, "fW", 1, 1, 'f', v);
	fx_param(&f, "fRW", 1, 1, 'f', v);
	fx_param(&f, "fb", 1, 1, 'c', v);
	fx_param(&f, "bW", 1, 2, 'f', v);
	fx_param(&f, "bRW", 2, 2, 'f', v);
	fx_param(&f, "bb", 1, 2, 'c', v);
	expect_err(&f, -EINVAL, "layer 'l0' (Bidirectional): forward and backward outputs differ");

	/* an inner elayer made by the caller for another configuration */
	wrap_fx(&f, LK_LAST_TIME_STEP, LK_LSTM);
	fx_layer(&f, 2, LK_LSTM, ACT_TANH, ACT_SIGMOID);
	fx_fill_elayer(&f);
	f.premade = true;
	f.subs[0].conf = &f.L[2];
	f.el.sub[0] = &f.subs[0];
	{
		struct err e = { 0 };

		assert_int_equal(fx_impl(&f)->bind(&f.el, &e), -EINVAL);
		assert_string_equal(
			e.msg,
			"layer 'l0' (LastTimeStep): inner layer 0 is not the configured one");
		assert_null(f.el.priv);
	}
	fx_fini(&f);

	wrap_fx(&f, LK_MASK_ZERO, LK_LSTM);
	fx_fill_elayer(&f);
	{
		struct err e = { 0 };

		assert_int_equal(fx_impl(&f)->bind(&f.el, &e), 0);
		f.el.in.rank = 2;
		f.el.in.d[0] = 1;
		f.el.in.d[1] = 1;
		assert_int_equal(fx_impl(&f)->infer(&f.el, &e), -EINVAL);
		assert_string_equal(
			e.msg, "layer 'l0' (MaskZeroLayer): input has rank 2, expected [N,C,T]");
	}
	fx_fini(&f);
}

/* Every allocation of bind failing in turn: -ENOMEM, nothing left allocated (ASan). */
static void test_oom(void **state)
{
	static const enum layer_kind wk[] = { LK_BIDIRECTIONAL, LK_LAST_TIME_STEP, LK_MASK_ZERO };

	(void)state;
	for (size_t k = 0; k < sizeof(wk) / sizeof(wk[0]); k++) {
		for (long n = 1;; n++) {
			struct fx f;
			struct err e = { 0 };
			int rc;

			wrap_fx(&f, wk[k], LK_LSTM);
			fx_fill_elayer(&f);
			dl_alloc_fail_at(n);
			rc = fx_impl(&f)->bind(&f.el, &e);
			dl_alloc_fail_at(0);
			if (rc == 0) {
				assert_true(n > 2);
				fx_fini(&f);
				break;
			}
			assert_int_equal(rc, -ENOMEM);
			assert_string_equal(e.msg, "out of memory");
			assert_null(f.el.priv);
			assert_null(f.el.sub[0]);
			assert_null(f.el.sub[1]);
			fx_fini(&f);
		}
	}
}

/* Re-planning for another shape reuses the binding. */
static void test_replan(void **state)
{
	struct fx f;
	struct err e = { 0 };

	(void)state;
	wrap_fx(&f, LK_BIDIRECTIONAL, LK_LSTM);
	assert_int_equal(fx_plan(&f, &e), 0);
	assert_int_equal(f.el.out.rank, 3);
	assert_int_equal(f.el.out.d[1], 2);
	assert_int_equal(f.el.out.d[2], 4);
	f.el.in.d[0] = 5;
	f.el.in.d[2] = 7;
	assert_int_equal(fx_impl(&f)->infer(&f.el, &e), 0);
	assert_int_equal(f.el.out.d[0], 5);
	assert_int_equal(f.el.out.d[2], 7);
	assert_int_equal(f.el.sub[1]->in.d[2], 7);
	fx_fini(&f);
}

/* ------------------------------------------------------------------ real archives */

static bool exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

static float *load_floats(const uint8_t *buf, size_t len, struct tensor **tp)
{
	struct err e = { 0 };
	struct tensor *t = NULL;
	int64_t n;
	float *v;
	int rc = codec_nd4j_decode(buf, len, &t, NULL, NULL, &e);

	if (rc)
		print_error("decode: %s\n", e.msg);
	assert_int_equal(rc, 0);
	n = tensor_numel(t);
	v = malloc((size_t)(n ? n : 1) * sizeof(float));
	assert_non_null(v);
	for (int64_t i = 0; i < n; i++)
		v[i] = (float)tensor_get_f64(t, i);
	*tp = t;
	return v;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *b;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return b;
}

struct net_run {
	struct dl4j_archive *a;
	float *params;
	struct eng_net *net;
};

static void open_net(struct net_run *r, const char *path)
{
	struct err e = { 0 };
	enum load_fail fail;
	uint8_t *buf = NULL;
	size_t len = 0;
	struct tensor *t;
	int rc = codec_load(path, &r->a, &fail, &e);

	if (rc)
		print_error("%s: %s\n", path, e.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(
		codec_zip_read_all(r->a->zip, r->a->coef_e, (size_t)1 << 30, &buf, &len, &e), 0);
	r->params = load_floats(buf, len, &t);
	assert_int_equal(tensor_numel(t), r->a->model->n_coeffs);
	tensor_free(t);
	dl_free(buf);
	rc = eng_net_new(r->a->model, r->params, &r->net, &e);
	if (rc)
		print_error("%s: eng_net_new: %s\n", path, e.msg);
	assert_int_equal(rc, 0);
}

static void close_net(struct net_run *r)
{
	eng_net_free(r->net);
	free(r->params);
	codec_archive_free(r->a);
}

/* Plans for in (shape of tensor `x`), runs, returns output 0 (malloc'd) and its shape. */
static float *run_net(struct net_run *r, struct tensor *x, const struct tensor **oshape)
{
	struct err e = { 0 };
	const struct tensor *in[1] = { x };
	struct tensor out;
	struct tensor *outs[1] = { &out };
	float *o;
	int rc = eng_plan(r->net, 1, in, &e);

	if (rc)
		print_error("eng_plan: %s\n", e.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(eng_n_outputs(r->net), 1);
	*oshape = eng_output_shape(r->net, 0);
	out = **oshape;
	o = malloc((size_t)tensor_numel(&out) * sizeof(float));
	assert_non_null(o);
	out.data = o;
	rc = eng_forward(r->net, in, outs, &e);
	if (rc)
		print_error("eng_forward: %s\n", e.msg);
	assert_int_equal(rc, 0);
	return o;
}

#define RT DLFS_SRC_DIR "/tests/data/dl4j-test-resources/regression_testing/"

/* DL4J 1.0.0-beta6: Bidirectional(LSTM relu) + Bidirectional(SimpleRnn relu), Merge,
 * GlobalPooling MAX, Output softmax: DL4J's own output. */
static void test_golden_bidir_graph(void **state)
{
	const char *net = RT "100b6/SyntheticBidirectionalRNNGraph_100b6.bin";
	struct net_run r = { 0 };
	struct tensor *xt, *yt, x;
	const struct tensor *os;
	uint8_t *buf;
	size_t len;
	float *xv, *yv, *o;
	double ymax = 0, worst = 0;

	(void)state;
	if (!exists(net)) {
		fprintf(stderr, "%s absent: golden test skipped\n", net);
		skip();
	}
	buf = slurp(RT "100b6/SyntheticBidirectionalRNNGraph_Input_100b6.bin", &len);
	xv = load_floats(buf, len, &xt);
	free(buf);
	buf = slurp(RT "100b6/SyntheticBidirectionalRNNGraph_Output_100b6.bin", &len);
	yv = load_floats(buf, len, &yt);
	free(buf);
	assert_int_equal(xt->rank, 3);
	open_net(&r, net);
	x = *xt;
	x.dtype = DT_F32;
	x.order = 'c';
	tensor_std_strides(x.rank, x.shape, 'c', x.stride);
	x.data = xv;
	x.base = NULL;
	o = run_net(&r, &x, &os);
	assert_int_equal(os->rank, yt->rank);
	for (int i = 0; i < os->rank; i++)
		assert_int_equal(os->shape[i], yt->shape[i]);
	for (int64_t i = 0; i < tensor_numel(yt); i++) {
		ymax = fmax(ymax, fabs((double)yv[i]));
		worst = fmax(worst, fabs((double)o[i] - (double)yv[i]));
	}
	if (!(worst <= 1e-5 * ymax))
		print_error("max abs error %g (output magnitude %g)\n", worst, ymax);
	assert_true(worst <= 1e-5 * ymax);
	free(o);
	free(xv);
	free(yv);
	tensor_free(xt);
	tensor_free(yt);
	close_net(&r);
}

/* Binds, plans and runs model layer `name` of archive a with params on x (shape in). */
static float *run_model_layer(const struct model *m, const float *params, const char *name,
			      const struct eshape *in, const float *x, struct eshape *out)
{
	const struct eng_impl *tab[LK__COUNT] = { 0 };
	struct elayer el = { 0 };
	struct err e = { 0 };
	const struct layer *l = NULL;
	float *o, *s;

	eng_register_rnn(tab);
	for (int i = 0; i < m->n_layers; i++)
		if (m->layers[i].name && strcmp(m->layers[i].name, name) == 0)
			l = &m->layers[i];
	assert_non_null(l);
	assert_true(l->n_params <= 8);
	el.conf = l;
	el.model = m;
	el.n_w = l->n_params;
	for (int i = 0; i < l->n_params; i++) {
		el.wp[i] = &m->params[l->first_param + i];
		el.w[i] = params + el.wp[i]->offset;
	}
	assert_non_null(tab[l->kind]);
	assert_int_equal(tab[l->kind]->bind(&el, &e), 0);
	el.in = *in;
	assert_int_equal(tab[l->kind]->infer(&el, &e), 0);
	o = malloc((size_t)eshape_numel(&el.out) * sizeof(float));
	s = malloc((el.scratch ? el.scratch : 1) * sizeof(float));
	assert_non_null(o);
	assert_non_null(s);
	tab[l->kind]->forward(&el, x, o, s);
	*out = el.out;
	tab[l->kind]->free_priv(&el);
	free(s);
	return o;
}

/* The same golden case with the recurrent layers driven directly (no net.c): rnn1 =
 * Bidirectional(LSTM relu), rnn2 = Bidirectional(SimpleRnn relu), then the merge along
 * dim 1, max over time and the softmax output layer computed here. */
static void test_golden_bidir_layers(void **state)
{
	const char *path = RT "100b6/SyntheticBidirectionalRNNGraph_100b6.bin";
	struct dl4j_archive *a = NULL;
	struct err e = { 0 };
	enum load_fail fail;
	struct tensor *xt, *yt, *pt;
	struct eshape in = { 0 }, o1, o2;
	const struct model *m;
	const struct param *ow = NULL, *ob = NULL;
	uint8_t *buf;
	size_t len;
	float *xv, *yv, *pv, *y1, *y2;
	double ymax = 0, worst = 0;
	int64_t nb, t, c1, c2;

	(void)state;
	if (!exists(path)) {
		fprintf(stderr, "%s absent: golden test skipped\n", path);
		skip();
	}
	assert_int_equal(codec_load(path, &a, &fail, &e), 0);
	m = a->model;
	assert_int_equal(codec_zip_read_all(a->zip, a->coef_e, (size_t)1 << 30, &buf, &len, &e), 0);
	pv = load_floats(buf, len, &pt);
	dl_free(buf);
	buf = slurp(RT "100b6/SyntheticBidirectionalRNNGraph_Input_100b6.bin", &len);
	xv = load_floats(buf, len, &xt);
	free(buf);
	buf = slurp(RT "100b6/SyntheticBidirectionalRNNGraph_Output_100b6.bin", &len);
	yv = load_floats(buf, len, &yt);
	free(buf);

	in.rank = 3;
	for (int i = 0; i < 3; i++)
		in.d[i] = xt->shape[i];
	y1 = run_model_layer(m, pv, "rnn1", &in, xv, &o1);
	y2 = run_model_layer(m, pv, "rnn2", &in, xv, &o2);
	nb = in.d[0];
	t = in.d[2];
	c1 = o1.d[1];
	c2 = o2.d[1];
	assert_int_equal(c1, 32);
	assert_int_equal(c2, 32);
	for (int i = 0; i < m->n_params; i++) {
		if (strcmp(m->params[i].key, "out_W") == 0)
			ow = &m->params[i];
		if (strcmp(m->params[i].key, "out_b") == 0)
			ob = &m->params[i];
	}
	assert_non_null(ow);
	assert_non_null(ob);
	assert_int_equal(ow->shape[0], c1 + c2);
	for (int64_t i = 0; i < nb; i++) {
		double pooled[64], z[8], mx = -(double)INFINITY, sum = 0;
		int64_t k = ow->shape[1];

		for (int64_t c = 0; c < c1 + c2; c++) {
			const float *row =
				c < c1 ? y1 + (i * c1 + c) * t : y2 + (i * c2 + c - c1) * t;

			pooled[c] = -(double)INFINITY;
			for (int64_t s = 0; s < t; s++)
				pooled[c] = fmax(pooled[c], (double)row[s]);
		}
		for (int64_t j = 0; j < k; j++) {
			z[j] = (double)pv[ob->offset + j];
			for (int64_t c = 0; c < c1 + c2; c++) /* W [64, 3] 'f' order */
				z[j] += pooled[c] * (double)pv[ow->offset + c + j * (c1 + c2)];
			mx = fmax(mx, z[j]);
		}
		for (int64_t j = 0; j < k; j++)
			sum += exp(z[j] - mx);
		for (int64_t j = 0; j < k; j++) {
			double p = exp(z[j] - mx) / sum, want = (double)yv[i * k + j];

			ymax = fmax(ymax, fabs(want));
			worst = fmax(worst, fabs(p - want));
		}
	}
	if (!(worst <= 1e-5 * ymax))
		print_error("max abs error %g (output magnitude %g)\n", worst, ymax);
	assert_true(worst <= 1e-5 * ymax);
	free(y1);
	free(y2);
	free(xv);
	free(yv);
	free(pv);
	tensor_free(xt);
	tensor_free(yt);
	tensor_free(pt);
	codec_archive_free(a);
}

/* Plans and runs `path` on a deterministic [2, nIn, 5] input: outputs must be finite. */
static void run_finite(const char *path)
{
	struct net_run r = { 0 };
	struct tensor x = { 0 };
	const struct tensor *os;
	float *xv, *o;
	int64_t n_in, n;

	if (!exists(path)) {
		fprintf(stderr, "%s absent: skipped\n", path);
		return;
	}
	open_net(&r, path);
	n_in = r.a->model->layers[0].n_in;
	assert_true(n_in > 0);
	x.dtype = DT_F32;
	x.rank = 3;
	x.shape[0] = 2;
	x.shape[1] = n_in;
	x.shape[2] = 5;
	x.order = 'c';
	tensor_std_strides(3, x.shape, 'c', x.stride);
	n = 2 * n_in * 5;
	xv = malloc((size_t)n * sizeof(float));
	assert_non_null(xv);
	for (int64_t i = 0; i < n; i++)
		xv[i] = (float)sin(0.37 * (double)i) * 0.5f;
	x.data = xv;
	o = run_net(&r, &x, &os);
	assert_int_equal(os->rank, 3);
	assert_int_equal(os->shape[0], 2);
	assert_int_equal(os->shape[2], 5);
	for (int64_t i = 0; i < tensor_numel(os); i++)
		assert_true(isfinite(o[i]));
	free(o);
	free(xv);
	close_net(&r);
}

static void test_archives_run(void **state)
{
	(void)state;
	run_finite(RT "080/080_ModelSerializer_Regression_LSTM_1.zip");
	run_finite(RT "080/080_ModelSerializer_Regression_CG_LSTM_1.zip");
	run_finite(DLFS_CORPUS_DIR "/wild/deeplearning4j__deeplearning4j-examples__NewsModel.net");
	run_finite(DLFS_CORPUS_DIR "/wild/Well5a__Dl4jRNNRegressionTest__bestModel.bin");
}

static int reset_mode(void **state)
{
	(void)state;
	g_mode = 0;
	return 0;
}

#define T(fn) cmocka_unit_test_setup(fn, reset_mode)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_lstm_hand),
		T(test_graves_hand),
		T(test_graves_bi_hand),
		T(test_simple_hand),
		T(test_bidir_hand),
		T(test_last_mask_hand),
		T(test_np_lstm),
		T(test_np_graves),
		T(test_np_simple),
		T(test_np_bidir),
		T(test_np_last),
		T(test_np_mask),
		T(test_errors_cell),
		T(test_errors_wrapper),
		T(test_oom),
		T(test_replan),
		T(test_golden_bidir_layers),
		T(test_golden_bidir_graph),
		T(test_archives_run),
	};

	int rc = cmocka_run_group_tests(tests, py_start, py_stop);

	if (!exists(DLFS_CORPUS_DIR)) {
		fprintf(stderr, "corpus not found at %s: wild-model tests skipped\n",
			DLFS_CORPUS_DIR);
		return rc ? rc : 77;
	}
	return rc;
}
