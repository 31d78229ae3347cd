/* fuzz_conf.c - fuzz target for configuration.json parsing and the parameter layout
 * (codec/conf.c, codec/conf_layer.c, codec/layout.c).
 *
 * Checks, aborting on any violation: errors carry a vocabulary code and a message and
 * leave no model; a parsed graph is in topological order with valid indices; the layout
 * either fails with a message or tiles [0, n) exactly; and when the layout reports
 * "configuration needs X parameters", laying out with X succeeds.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/conf.h"

#define FUZZ_MAX_INPUT (1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

static void check_model(const struct model *m)
{
	check(m->n_layers >= 0 && m->n_layers <= CONF_MAX_LAYERS);
	for (int i = 0; i < m->n_layers; i++) {
		const struct layer *l = &m->layers[i];

		check(l->cls != NULL && l->name != NULL && l->json != NULL);
		check((unsigned)l->kind < LK__COUNT);
		check(l->kind != LK_BIDIRECTIONAL || (l->fwd && l->bwd));
	}
	for (int i = 0; i < m->n_vertices; i++) {
		const struct vertex *v = &m->vertices[i];

		check(v->name != NULL && v->cls != NULL);
		check((unsigned)v->kind < VK__COUNT);
		for (int j = 0; j < v->n_inputs; j++)
			check(v->inputs[j] >= 0 && v->inputs[j] < i); /* topological */
		check((v->kind == VK_LAYER) == (v->layer >= 0));
		check(v->layer < m->n_layers);
	}
}

static void check_layout(struct model *m, int64_t n)
{
	struct err e = { 0 };
	int64_t off = 0;
	long long need;
	int rc = codec_layout(m, n, &e);

	if (rc) {
		check(rc == -EBADMSG || rc == -EOVERFLOW || rc == -ENOMEM);
		check(e.code == rc && e.msg[0] && m->n_params == 0);
		if (sscanf(e.msg, "configuration needs %lld parameters,", &need) == 1 &&
		    need != n) {
			struct err e2 = { 0 };

			check(codec_layout(m, need, &e2) == 0);
		}
		return;
	}
	for (int i = 0; i < m->n_params; i++) {
		const struct param *p = &m->params[i];
		int64_t c = 1;

		for (int d = 0; d < p->rank; d++)
			c *= p->shape[d];
		check(p->offset == off && p->count == c && p->key && p->short_key);
		check(p->layer >= 0 && p->layer < m->n_layers);
		off += p->count;
	}
	check(off == n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t counts[] = { 0, 41, 149, 1 << 20 };
	struct err e = { 0 };
	struct model *m = NULL;
	int rc;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	rc = codec_conf_parse((const char *)data, size, &m, &e);
	if (rc) {
		check(rc == -EBADMSG || rc == -EOVERFLOW || rc == -ENOMEM);
		check(e.code == rc && e.msg[0] && m == NULL);
		return 0;
	}
	check(m != NULL && e.code == 0);
	check_model(m);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		check_layout(m, counts[i]);
	model_free(m);
	return 0;
}
