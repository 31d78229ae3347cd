/* predict_inproc.c - the in-process side of scripts/bench-predict-mount: loads a DL4J archive
 * as dl4jfs does (codec_load, coefficients to host float32, eng_net_new), plans one input
 * shape and times eng_forward alone on random inputs.
 *
 * Usage: predict_inproc ARCHIVE REPS N D1 [D2 ...]   (input shape [N, D1, ...])
 * Prints one line: median, minimum and mean forward seconds over REPS runs (after 3 warm-ups),
 * then,
 * when built with -DDLFS_BLAS_TIMING (engine/gemm.c's counters), the mean per forward of the
 * sgemm seconds, sgemm calls, sgemv seconds and sgemv calls (else -1 for each).
 * With REPS 0 it serves instead: a line "K" read on stdin runs K forwards back to back (K < 1
 * counts as 1), each answered by one line "seconds sgemm_seconds sgemm_calls sgemv_seconds
 * sgemv_calls" (so a driver can interleave blocks of it with other measurements; the pipe is
 * not timed).
 * Re-executes itself with the engine's preferred OpenBLAS core, as the daemon does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec/load.h"
#include "codec/nd4j.h"
#include "codec/tensor.h"
#include "engine/engine.h"

#ifdef DLFS_BLAS_TIMING
extern long long eng_blas_timing_calls[2];
extern double eng_blas_timing_sec[2];
#endif

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void die(const char *what, const struct err *e)
{
	fprintf(stderr, "predict_inproc: %s: %s: %s\n", what, e->where, e->msg);
	exit(1);
}

int main(int argc, char *argv[])
{
	const char *core = eng_blas_upgrade_core();
	struct dl4j_archive *a = NULL;
	struct tensor *ct = NULL, in = { 0 }, out = { 0 };
	const struct tensor *ins[1] = { &in };
	struct tensor *outs[1] = { &out };
	struct err e = { 0 };
	enum load_fail fail;
	uint8_t *buf = NULL;
	size_t len = 0;
	struct eng_net *net = NULL;
	float *params = NULL, *x, *y;
	double *t = NULL, sum = 0, blas[2] = { -1, -1 }, calls[2] = { -1, -1 };
	int reps;
	int64_t nx = 1, nc;

	if (argc < 5) {
		fprintf(stderr, "usage: %s ARCHIVE REPS N D1 [D2 ...]\n", argv[0]);
		return 1;
	}
	if (core && !getenv("DLFS_BLAS_REEXEC")) {
		setenv("OPENBLAS_CORETYPE", core, 1);
		setenv("DLFS_BLAS_REEXEC", "1", 1);
		execv("/proc/self/exe", argv);
	}
	reps = atoi(argv[2]);
	in.dtype = DT_F32;
	in.rank = argc - 3;
	for (int i = 0; i < in.rank; i++) {
		in.shape[i] = atoll(argv[3 + i]);
		nx *= in.shape[i];
	}
	tensor_std_strides(in.rank, in.shape, 'c', in.stride);
	in.order = 'c';
	if (codec_load(argv[1], &a, &fail, &e))
		die("load", &e);
	if (a->has_coeffs) {
		if (codec_zip_read_all(a->zip, a->coef_e, (size_t)1 << 30, &buf, &len, &e) ||
		    codec_nd4j_decode(buf, len, &ct, NULL, NULL, &e))
			die("coefficients", &e);
		nc = tensor_numel(ct);
		params = malloc((size_t)(nc ? nc : 1) * sizeof(float));
		for (int64_t i = 0; i < nc; i++)
			params[i] = (float)tensor_get_f64(ct, i);
	}
	if (eng_net_new(a->model, params, &net, &e))
		die("net", &e);
	if (eng_plan(net, 1, ins, &e))
		die("plan", &e);
	out = *eng_output_shape(net, 0);
	x = malloc((size_t)nx * sizeof(float));
	y = malloc((size_t)tensor_numel(&out) * sizeof(float));
	srand(1);
	for (int64_t i = 0; i < nx; i++)
		x[i] = (float)rand() / (float)RAND_MAX;
	in.data = x;
	out.data = y;
	if (reps == 0) {
		char line[64];

		for (int r = 0; r < 3; r++)
			if (eng_forward(net, ins, outs, &e))
				die("forward", &e);
		while (fgets(line, sizeof(line), stdin)) {
			int k = atoi(line);

			for (int r = 0; r < (k < 1 ? 1 : k); r++) {
				double t0;

#ifdef DLFS_BLAS_TIMING
				memset(eng_blas_timing_calls, 0, sizeof(eng_blas_timing_calls));
				memset(eng_blas_timing_sec, 0, sizeof(eng_blas_timing_sec));
				blas[0] = blas[1] = calls[0] = calls[1] = 0;
#endif
				t0 = now();
				if (eng_forward(net, ins, outs, &e))
					die("forward", &e);
				t0 = now() - t0;
#ifdef DLFS_BLAS_TIMING
				for (int i = 0; i < 2; i++) {
					blas[i] = eng_blas_timing_sec[i];
					calls[i] = (double)eng_blas_timing_calls[i];
				}
#endif
				printf("%.9f %.9f %.0f %.9f %.0f\n", t0, blas[0], calls[0], blas[1],
				       calls[1]);
			}
			fflush(stdout);
		}
		goto out;
	}
	t = malloc((size_t)reps * sizeof(double));
	for (int r = -3; r < reps; r++) {
		double t0;

#ifdef DLFS_BLAS_TIMING
		if (r == 0)
			memset(eng_blas_timing_calls, 0, sizeof(eng_blas_timing_calls)),
				memset(eng_blas_timing_sec, 0, sizeof(eng_blas_timing_sec));
#endif
		t0 = now();
		if (eng_forward(net, ins, outs, &e))
			die("forward", &e);
		if (r >= 0) {
			t[r] = now() - t0;
			sum += t[r];
		}
	}
#ifdef DLFS_BLAS_TIMING
	for (int i = 0; i < 2; i++) {
		blas[i] = eng_blas_timing_sec[i] / reps;
		calls[i] = (double)eng_blas_timing_calls[i] / reps;
	}
#endif
	qsort(t, (size_t)reps, sizeof(double), cmp_d);
	printf("%.9f %.9f %.9f %.9f %.1f %.9f %.1f %s\n", t[reps / 2], t[0], sum / reps, blas[0],
	       calls[0], blas[1], calls[1], eng_blas_core());
out:
	eng_net_free(net);
	tensor_free(ct);
	codec_archive_free(a);
	free(buf);
	free(params);
	free(x);
	free(y);
	free(t);
	return 0;
}
