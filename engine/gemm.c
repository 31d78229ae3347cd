/* gemm.c - the engine's only door to BLAS: row-major sgemm/sgemv over OpenBLAS's cblas, the
 * thread count chosen once, and the CPU-feature check that picks the OpenBLAS kernel core.
 */
#include <cblas.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <strings.h>

#include "engine/engine.h"
#include "engine/engine_int.h"

/* BLAS threads used by the engine. Measured with scripts/bench-predict on the shared 2-core
 * build host (784-1000-1000-10 MLP, SkylakeX kernels): at batch 256, 1 thread gave 162-174
 * GFLOP/s and 2 threads 112-156 (never more); at batch 1 (sgemv, memory bound), 2 threads
 * gave 54-131 us against 84-91 us, i.e. a gain only on an idle machine. In the daemon a
 * second thread competes with the other FUSE threads' requests, so each call keeps one;
 * OPENBLAS_NUM_THREADS / OMP_NUM_THREADS in the environment still win. */
#define ENG_BLAS_THREADS 1

#ifdef DLFS_BLAS_TIMING
/* Benchmark builds only (scripts/bench-predict-mount compiles this file with
 * -DDLFS_BLAS_TIMING): the count and wall time of every sgemm ([0]) and sgemv ([1]) call,
 * read and reset by the benchmark through these globals; not thread-safe. Without the define
 * none of this exists and the calls below are untouched. */
#include <time.h>

extern long long eng_blas_timing_calls[2];
extern double eng_blas_timing_sec[2];
long long eng_blas_timing_calls[2];
double eng_blas_timing_sec[2];

static double blas_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
#define BLAS_TIMING_START() double blas_t0 = blas_now()
#define BLAS_TIMING_STOP(i)                                                                        \
	do {                                                                                       \
		eng_blas_timing_calls[i]++;                                                        \
		eng_blas_timing_sec[i] += blas_now() - blas_t0;                                    \
	} while (0)
#else
#define BLAS_TIMING_START() ((void)0)
#define BLAS_TIMING_STOP(i) ((void)0)
#endif

static pthread_once_t blas_once = PTHREAD_ONCE_INIT;

static void blas_setup(void)
{
	/* an explicit choice by the user wins */
	if (getenv("OPENBLAS_NUM_THREADS") || getenv("OMP_NUM_THREADS"))
		return;
	openblas_set_num_threads(ENG_BLAS_THREADS);
}

static inline void blas_init(void)
{
	pthread_once(&blas_once, blas_setup);
}

/* Dimensions come from plans whose element counts are checked against int range, so the
 * narrowing below never truncates; clamp anyway so a bug cannot turn into a huge call. */
static inline blasint to_blasint(int64_t v)
{
	return v > INT_MAX ? INT_MAX : v < 0 ? 0 : (blasint)v;
}

void eng_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
	       const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
	       int64_t ldc)
{
	if (m <= 0 || n <= 0)
		return;
	blas_init();
	BLAS_TIMING_START();
	cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
		    trans_b ? CblasTrans : CblasNoTrans, to_blasint(m), to_blasint(n),
		    to_blasint(k), alpha, a, to_blasint(lda), b, to_blasint(ldb), beta, c,
		    to_blasint(ldc));
	BLAS_TIMING_STOP(0);
}

void eng_sgemv(bool trans, int64_t m, int64_t n, float alpha, const float *a, int64_t lda,
	       const float *x, float beta, float *y)
{
	if (m <= 0 || n <= 0)
		return;
	blas_init();
	BLAS_TIMING_START();
	cblas_sgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, to_blasint(m), to_blasint(n),
		    alpha, a, to_blasint(lda), x, 1, beta, y, 1);
	BLAS_TIMING_STOP(1);
}

const char *eng_blas_core(void)
{
	const char *s;

	blas_init();
	s = openblas_get_corename();
	return s ? s : "unknown";
}

/* 2: AVX-512 kernels, 1: AVX2 kernels, 0: anything older (OpenBLAS core names). */
static int core_class(const char *name)
{
	static const char *const avx512[] = { "SkylakeX", "Cooperlake", "SapphireRapids" };
	static const char *const avx2[] = { "Haswell", "Zen" };

	for (size_t i = 0; name && i < sizeof(avx512) / sizeof(avx512[0]); i++)
		if (strcasecmp(name, avx512[i]) == 0)
			return 2;
	for (size_t i = 0; name && i < sizeof(avx2) / sizeof(avx2[0]); i++)
		if (strcasecmp(name, avx2[i]) == 0)
			return 1;
	return 0;
}

const char *eng_blas_upgrade_core(void)
{
	const char *want = eng_blas_preferred_core();

	if (!want || core_class(eng_blas_core()) >= core_class(want))
		return NULL;
	return want;
}

const char *eng_blas_preferred_core(void)
{
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
		return "SkylakeX";
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return "Haswell";
	return NULL;
}
