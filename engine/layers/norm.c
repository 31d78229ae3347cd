/* norm.c - normalization layers at inference (FORMAT.md 7.5, 7.6): BatchNormalization and
 * LocalResponseNormalization, channels-first.
 *
 * BatchNormalization: y = (x - mean) / std * gamma + beta per channel (dimension 1), with
 * std = sqrt(var + eps) or sqrt(var) (see bn_uses_eps), var = (10^log10stdev)^2 when
 * useLogStd; the layer's own activation is NOT applied (DL4J's activate() returns the
 * pre-output). With lockGammaBeta the configured constants are used only when gamma != 1
 * AND beta != 0 (DL4J's `&&`), otherwise y = x-hat.
 *
 * LocalResponseNormalization: y = x * (k + alpha * sum of x^2 over channels |j - c| <= n/2)
 * ^ -beta, with n/2 = (int)n / 2 and alpha not divided by n, as DL4J's Java implementation.
 */
#include <math.h>
#include <string.h>

#include "codec/alloc.h"
#include "codec/model.h"
#include "engine/layers/conv_int.h"

/* Largest channel count a normalization layer accepts. */
#define NORM_MAX_CHANNELS ((int64_t)1 << 24)

/* ------------------------------------------------------------------ batch normalization */

struct bn_priv {
	int64_t n;
	float *mean, *std, *gamma, *beta; /* [n] each; gamma/beta NULL: y = x-hat */
};

/* Whether the inference std includes eps. DL4J up to 1.0.0-beta3 computed std = sqrt(var)
 * at inference (eps only entered the running variance during training); 1.0.0-beta4
 * rewrote the layer to use sqrt(var + eps) always. A configuration written by beta4 or later
 * carries the top-level "dataType" field (model->has_dtype), earlier ones never do, so:
 * eps is added iff has_dtype — or useLogStd is set, a beta4+ field whose code always adds it.
 * (A model without description is treated as old.) */
static bool bn_uses_eps(const struct elayer *l)
{
	return l->conf->use_log_std || (l->model && l->model->has_dtype);
}

static int bn_param(const struct elayer *l, const char *key, int64_t n, const float **v,
		    struct err *e)
{
	const struct param *p = NULL;

	*v = eng_w(l, key, &p);
	if (!*v || !p)
		return eng_layer_err(l, e, -EINVAL, "parameter %s is missing", key);
	if (p->count != n)
		return eng_layer_err(l, e, -EINVAL, "parameter %s has %lld values, expected %lld",
				     key, (long long)p->count, (long long)n);
	return 0;
}

static void bn_free_priv(struct elayer *l)
{
	struct bn_priv *p = l->priv;

	if (!p)
		return;
	dl_free(p->mean); /* one block holds all four arrays */
	dl_free(p);
	l->priv = NULL;
}

static int bn_bind(struct elayer *l, struct err *e)
{
	const struct layer *c = l->conf;
	const float *mean, *var, *gamma = NULL, *beta = NULL;
	int64_t n = c->n_out >= 0 ? c->n_out : c->n_in;
	bool eps = bn_uses_eps(l), gb = true;
	struct bn_priv *p;
	int rc;

	if (n < 1 || n > NORM_MAX_CHANNELS)
		return eng_layer_err(l, e, -EINVAL, "nOut %lld is not in [1, %lld]", (long long)n,
				     (long long)NORM_MAX_CHANNELS);
	rc = bn_param(l, "mean", n, &mean, e);
	if (!rc)
		rc = bn_param(l, c->use_log_std ? "log10stdev" : "var", n, &var, e);
	if (!rc && !c->lock_gamma_beta)
		rc = bn_param(l, "gamma", n, &gamma, e);
	if (!rc && !c->lock_gamma_beta)
		rc = bn_param(l, "beta", n, &beta, e);
	if (rc)
		return rc;
	if (c->lock_gamma_beta)
		gb = c->bn_gamma != 1.0 && c->bn_beta != 0.0; /* DL4J's && (not ||) */
	p = dl_calloc(1, sizeof(*p));
	if (p)
		p->mean = dl_malloc((size_t)n * 4 * sizeof(float));
	if (!p || !p->mean) {
		dl_free(p);
		return err_set(e, -ENOMEM, "out of memory");
	}
	p->n = n;
	p->std = p->mean + n;
	if (gb) {
		p->gamma = p->mean + 2 * n;
		p->beta = p->mean + 3 * n;
	}
	for (int64_t i = 0; i < n; i++) {
		double v = (double)var[i];

		if (c->use_log_std)
			v = pow(10.0, 2.0 * v);
		p->mean[i] = mean[i];
		p->std[i] = (float)sqrt(eps ? v + c->eps : v);
		if (gb) {
			p->gamma[i] = gamma ? gamma[i] : (float)c->bn_gamma;
			p->beta[i] = beta ? beta[i] : (float)c->bn_beta;
		}
	}
	l->priv = p;
	return 0;
}

static int bn_infer(struct elayer *l, struct err *e)
{
	const struct bn_priv *p = l->priv;
	int rank = l->in.rank, rc;

	if (!p)
		return eng_layer_err(l, e, -EINVAL, "planned before its parameters were bound");
	if (rank < 2 || rank > 5)
		return eng_layer_err(l, e, -EINVAL,
				     "input has rank %d, expected 2 to 5 ([N,F] or [N,C,...])",
				     rank);
	rc = eng_check_in(l, rank, "[N,C,...]", e);
	if (!rc)
		rc = eng_check_format(l, e);
	if (rc)
		return rc;
	if (l->in.d[1] != p->n)
		return eng_layer_err(l, e, -EINVAL, "input has %lld channels, nOut is %lld",
				     (long long)l->in.d[1], (long long)p->n);
	l->scratch = 0;
	return eng_set_out(l, rank, l->in.d, e);
}

static void bn_forward(const struct elayer *l, const float *in, float *out, float *scratch)
{
	const struct bn_priv *p = l->priv;
	int64_t inner = 1;

	(void)scratch;
	for (int i = 2; i < l->in.rank; i++)
		inner *= l->in.d[i];
	for (int64_t s = 0; s < l->in.d[0]; s++)
		for (int64_t ch = 0; ch < p->n; ch++) {
			const float *x = in + (s * p->n + ch) * inner;
			float *y = out + (s * p->n + ch) * inner;
			const float m = p->mean[ch], sd = p->std[ch];

			if (p->gamma) {
				const float g = p->gamma[ch], b = p->beta[ch];

				for (int64_t i = 0; i < inner; i++)
					y[i] = (x[i] - m) / sd * g + b;
			} else {
				for (int64_t i = 0; i < inner; i++)
					y[i] = (x[i] - m) / sd;
			}
		}
}

/* ------------------------------------------------------------------ LRN */

static int lrn_infer(struct elayer *l, struct err *e)
{
	const struct layer *c = l->conf;
	int rc = eng_check_in(l, 4, "[N,C,H,W]", e);

	if (!rc)
		rc = eng_check_format(l, e);
	if (rc)
		return rc;
	if (!(c->lrn_n >= 0 && c->lrn_n <= (double)NORM_MAX_CHANNELS))
		return eng_layer_err(l, e, -EINVAL, "n %g is not in [0, %lld]", c->lrn_n,
				     (long long)NORM_MAX_CHANNELS);
	if (!isfinite(c->lrn_k) || !isfinite(c->lrn_alpha) || !isfinite(c->lrn_beta))
		return eng_layer_err(l, e, -EINVAL, "k, alpha and beta must be finite");
	l->scratch = 0;
	return eng_set_out(l, 4, l->in.d, e);
}

static void lrn_forward(const struct elayer *l, const float *in, float *out, float *scratch)
{
	const struct layer *c = l->conf;
	const int64_t chans = l->in.d[1], sp = l->in.d[2] * l->in.d[3];
	const int64_t half = (int64_t)c->lrn_n / 2;

	(void)scratch;
	for (int64_t s = 0; s < l->in.d[0]; s++) {
		const float *x = in + s * chans * sp;
		float *y = out + s * chans * sp;

		for (int64_t ch = 0; ch < chans; ch++) {
			int64_t lo = ch - half < 0 ? 0 : ch - half;
			int64_t hi = ch + half >= chans ? chans - 1 : ch + half;

			for (int64_t i = 0; i < sp; i++) {
				double sum = 0;

				for (int64_t j = lo; j <= hi; j++) {
					double v = (double)x[j * sp + i];

					sum += v * v;
				}
				y[ch * sp + i] =
					(float)((double)x[ch * sp + i] *
						pow(c->lrn_k + c->lrn_alpha * sum, -c->lrn_beta));
			}
		}
	}
}

static const struct eng_impl norm_impls[] = {
	{ "BatchNormalization", bn_bind, bn_infer, bn_forward, bn_free_priv },
	{ "LocalResponseNormalization", NULL, lrn_infer, lrn_forward, NULL },
};

void eng_register_norm(const struct eng_impl **table)
{
	table[LK_BATCHNORM] = &norm_impls[0];
	table[LK_LRN] = &norm_impls[1];
}
