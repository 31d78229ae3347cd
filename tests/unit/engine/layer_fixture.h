/* layer_fixture.h - the one-layer fixture of the engine layer tests (test_conv.c, test_pool.c,
 * test_norm_layers.c): a hand-built layer configuration and its parameters, planned and run by
 * the implementation the engine registers for its kind; checks of its output and of error
 * messages; and the files and the single python3 run behind the independent numpy reference
 * cases. Needs <stdarg.h> <stddef.h> <stdint.h> <setjmp.h> <cmocka.h> included first.
 * Functions are static inline so that each test uses only what it needs without warnings.
 */
#ifndef DLFS_TEST_LAYER_FIXTURE_H
#define DLFS_TEST_LAYER_FIXTURE_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/engine_int.h"

/* ------------------------------------------------------------------ fixture */

#define FX_MAX_W 4

struct fx {
	char name[32];
	struct model m;
	struct layer c;
	struct param ps[FX_MAX_W];
	char keys[FX_MAX_W][16];
	float *pv[FX_MAX_W];
	struct elayer l;
	const struct eng_impl *impl;
	float *out, *scratch;
	struct err e;
};

/* Spatial dimensions of the convolution, pooling and padding kinds (2 for every other). */
static inline int fx_nd(enum layer_kind k)
{
	switch (k) {
	case LK_CONV1D:
	case LK_SUBSAMPLING1D:
	case LK_UPSAMPLING1D:
	case LK_ZEROPAD1D:
	case LK_CROPPING1D:
		return 1;
	case LK_CONV3D:
	case LK_SUBSAMPLING3D:
		return 3;
	default:
		return 2;
	}
}

/* Layer `name` of kind k in a 1.0.0-beta+ model ("@class" JSON with a "dataType"), every
 * field the tests do not set at DL4J's default: identity activation without parameters,
 * bias on, unit kernel, stride, dilation, upsampling and depth multiplier, p-norm 2, AVG
 * divisor with padding, collapsed global pooling, BN eps 1e-5 gamma 1 beta 0, LRN k 2 n 5
 * alpha 1e-4 beta 0.75. */
static inline void fx_init(struct fx *f, enum layer_kind k, const char *name)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->m.has_dtype = true;
	f->m.dialect = JD_CLASS;
	f->c.kind = k;
	f->c.name = f->name;
	f->c.n_in = f->c.n_out = -1;
	f->c.has_bias = true;
	f->c.act.kind = ACT_IDENTITY;
	for (int i = 0; i < 3; i++)
		f->c.act.p[i] = (double)NAN; /* no activation parameters */
	f->c.nd = fx_nd(k);
	for (int i = 0; i < 3; i++) {
		f->c.stride[i] = f->c.dilation[i] = f->c.kernel[i] = 1;
		f->c.up_size[i] = 1;
	}
	f->c.depth_mult = 1;
	f->c.pnorm = 2;
	f->c.avg_include_pad = true;
	f->c.collapse = true;
	f->c.eps = 1e-5;
	f->c.bn_gamma = 1;
	f->c.bn_beta = 0;
	f->c.lrn_k = 2;
	f->c.lrn_n = 5;
	f->c.lrn_alpha = 1e-4;
	f->c.lrn_beta = 0.75;
	f->l.conf = &f->c;
	f->l.model = &f->m;
}

/* Adds parameter `key` [1, n] with n values copied from v (NULL: the ramp 1, 2, ...). */
static inline void fx_param(struct fx *f, const char *key, const float *v, int64_t n)
{
	int i = f->l.n_w++;

	assert_true(i < FX_MAX_W);
	snprintf(f->keys[i], sizeof(f->keys[i]), "%s", key);
	f->ps[i].key = f->keys[i];
	f->ps[i].short_key = f->keys[i];
	f->ps[i].rank = 2;
	f->ps[i].shape[0] = 1;
	f->ps[i].shape[1] = n;
	f->ps[i].order = 'c';
	f->ps[i].count = n;
	f->pv[i] = calloc((size_t)n, sizeof(float));
	assert_non_null(f->pv[i]);
	for (int64_t j = 0; j < n; j++)
		f->pv[i][j] = v ? v[j] : (float)(j + 1);
	f->l.w[i] = f->pv[i];
	f->l.wp[i] = &f->ps[i];
}

/* bind (once) + infer for an input of the given shape, with the implementation of every
 * layer group registered; allocates out and scratch on success. Returns the failing code. */
static inline int fx_plan(struct fx *f, int rank, const int64_t *shape)
{
	const struct eng_impl *tab[LK__COUNT] = { 0 };
	int rc = 0;

	eng_register_dense(tab);
	eng_register_conv(tab);
	eng_register_pool(tab);
	eng_register_norm(tab);
	eng_register_rnn(tab);
	f->impl = tab[f->c.kind];
	assert_non_null(f->impl);
	if (f->impl->bind && !f->l.priv)
		rc = f->impl->bind(&f->l, &f->e);
	if (rc)
		return rc;
	f->l.in.rank = rank;
	for (int i = 0; i < rank; i++)
		f->l.in.d[i] = shape[i];
	rc = f->impl->infer(&f->l, &f->e);
	if (rc)
		return rc;
	free(f->out);
	free(f->scratch);
	f->out = calloc((size_t)eshape_numel(&f->l.out), sizeof(float));
	f->scratch = calloc(f->l.scratch + 1, sizeof(float));
	assert_non_null(f->out);
	assert_non_null(f->scratch);
	return 0;
}

static inline void fx_run(struct fx *f, const float *in)
{
	f->impl->forward(&f->l, in, f->out, f->scratch);
}

static inline void fx_free(struct fx *f)
{
	if (f->impl && f->impl->free_priv)
		f->impl->free_priv(&f->l);
	for (int i = 0; i < f->l.n_w; i++)
		free(f->pv[i]);
	free(f->out);
	free(f->scratch);
}

static inline void set3(int64_t *a, int64_t x, int64_t y, int64_t z)
{
	a[0] = x;
	a[1] = y;
	a[2] = z;
}

/* ------------------------------------------------------------------ checks */

static inline void expect_shape(const struct fx *f, int rank, const int64_t *d)
{
	assert_int_equal(f->l.out.rank, rank);
	for (int i = 0; i < rank; i++)
		assert_int_equal(f->l.out.d[i], d[i]);
}

/* |got - want| <= max(abs_tol, rel_tol * |want|) for each of the n values (NaN fails). */
static inline void expect_close(const float *got, const float *want, int64_t n, double abs_tol,
				double rel_tol)
{
	for (int64_t i = 0; i < n; i++)
		if (!(fabs((double)got[i] - (double)want[i]) <=
		      fmax(abs_tol, rel_tol * fabs((double)want[i])))) {
			print_error("value %lld: got %.9g, want %.9g\n", (long long)i,
				    (double)got[i], (double)want[i]);
			fail();
		}
}

/* Plans for input shape in[0..rank), checks the output shape od[0..orank), runs on x and
 * compares every output value with want[] (expect_close). */
static inline void fx_expect(struct fx *f, int rank, const int64_t *in, const float *x, int orank,
			     const int64_t *od, const float *want, double abs_tol, double rel_tol)
{
	if (fx_plan(f, rank, in))
		fail_msg("plan: %s", f->e.msg);
	expect_shape(f, orank, od);
	fx_run(f, x);
	expect_close(f->out, want, eshape_numel(&f->l.out), abs_tol, rel_tol);
}

/* Planning fails with exactly this code and message. */
static inline void expect_err(struct fx *f, int rank, const int64_t *shape, int code,
			      const char *msg)
{
	int rc = fx_plan(f, rank, shape);

	if (rc != code || strcmp(f->e.msg, msg) != 0) {
		print_error("rc %d (want %d), message '%s'\n          want '%s'\n", rc, code,
			    f->e.msg, msg);
		fail();
	}
}

/* ------------------------------------------------------------------ numpy reference */

static inline bool have_numpy(void)
{
	static int st = -1;

	if (st < 0)
		st = system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
	return st;
}

static inline void write_file(const char *dir, const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, n, fp), n);
	fclose(fp);
}

/* The whole file (calloc'd, NUL-terminated; free()) and its size in *n. */
static inline void *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	long sz;
	char *p;

	if (!fp)
		fail_msg("cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	sz = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	p = calloc((size_t)sz + 1, 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)sz, fp), (size_t)sz);
	fclose(fp);
	*n = (size_t)sz;
	return p;
}

static inline void *read_file(const char *dir, const char *name, size_t *n)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return slurp(path, n);
}

/* Next value in [-1, 1) of the test's own generator (a 32-bit LCG with state *st). */
static inline float fx_rnd(uint32_t *st)
{
	*st = *st * 1664525u + 1013904223u;
	return (float)((*st >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* v[0..n) as a JSON list into buf. */
static inline void json_list(char *buf, size_t len, const int64_t *v, int n)
{
	size_t o = 0;

	o += (size_t)snprintf(buf + o, len - o, "[");
	for (int i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%lld", i ? ", " : "", (long long)v[i]);
	snprintf(buf + o, len - o, "]");
}

/* Leaves the engine's output in dir: got.bin (float32) and got.shape ("d0 d1 ..."). */
static inline void fx_save_output(const struct fx *f, const char *dir)
{
	char shp[128] = "", *o = shp;

	write_file(dir, "got.bin", f->out, (size_t)eshape_numel(&f->l.out) * sizeof(float));
	for (int i = 0; i < f->l.out.rank; i++)
		o += sprintf(o, "%s%lld", i ? " " : "", (long long)f->l.out.d[i]);
	write_file(dir, "got.shape", shp, strlen(shp));
}

/* Compares dir/c<idx>: the engine's output against numpy's (max abs error <= 1e-5 relative
 * to the output's magnitude, at least 1). */
static inline void check_refcase(int idx, const char *base)
{
	char dir[600];
	size_t glen, ylen, n1, n2;
	char *gs, *ys;
	float *got, *y;
	double mx = 0;

	snprintf(dir, sizeof(dir), "%s/c%02d", base, idx);
	gs = read_file(dir, "got.shape", &n1);
	ys = read_file(dir, "y.shape", &n2);
	if (strcmp(gs, ys))
		fail_msg("case %d: shape %s, numpy %s", idx, gs, ys);
	got = read_file(dir, "got.bin", &glen);
	y = read_file(dir, "y.bin", &ylen);
	assert_int_equal(glen, ylen);
	for (size_t i = 0; i < ylen / sizeof(float); i++)
		mx = fmax(mx, fabs((double)y[i]));
	for (size_t i = 0; i < ylen / sizeof(float); i++)
		if (fabs((double)y[i] - (double)got[i]) > 1e-5 * fmax(1.0, mx))
			fail_msg("case %d value %zu: got %.8g, numpy %.8g", idx, i, (double)got[i],
				 (double)y[i]);
	free(gs);
	free(ys);
	free(got);
	free(y);
}

/* Runs n reference cases in a fresh /tmp/dlfs-test-<tag>-XXXXXX: prepare(cases, i, dir) runs
 * case i through the engine and leaves its inputs, its output (fx_save_output) and cfg.json
 * in dir (c<i>, already made); then one python3 run of py over every case directory writes
 * numpy's y.bin and y.shape there, and check_refcase compares. Skips when numpy is missing. */
static inline void fx_numpy_cases(const char *tag, const char *py, const void *cases, int n,
				  void (*prepare)(const void *cases, int idx, const char *dir))
{
	char base[64], dir[600], cmd[8192];
	size_t o;

	if (!have_numpy()) {
		print_message("skipping: /usr/bin/python3 with numpy is not available\n");
		skip();
	}
	snprintf(base, sizeof(base), "/tmp/dlfs-test-%s-XXXXXX", tag);
	assert_non_null(mkdtemp(base));
	write_file(base, "ref.py", py, strlen(py));
	o = (size_t)snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s/ref.py", base);
	for (int i = 0; i < n; i++) {
		snprintf(dir, sizeof(dir), "%s/c%02d", base, i);
		assert_int_equal(mkdir(dir, 0700), 0);
		prepare(cases, i, dir);
		o += (size_t)snprintf(cmd + o, sizeof(cmd) - o, " %s", dir);
	}
	assert_true(o < sizeof(cmd));
	assert_int_equal(system(cmd), 0); /* one interpreter for every case */
	for (int i = 0; i < n; i++)
		check_refcase(i, base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	assert_int_equal(system(cmd), 0);
}

#endif /* DLFS_TEST_LAYER_FIXTURE_H */
