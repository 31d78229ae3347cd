/* test_numfmt.c - shortest round-trip float/double formatting and .npy headers.
 *
 * Expected values come from outside numfmt.c: glibc's strtof/strtod and its correctly rounded
 * printf("%.*e") (for a brute-force shortest/closest search), numpy's Dragon4
 * (np.format_float_scientific(unique=True)) and Python's repr for the literal examples, and
 * numpy's own .npy writer and reader run through /usr/bin/python3.
 *
 * NUMFMT_FULL=1 in the environment runs the full-size checks (see struct sizes) and the round
 * trip over all 2^32 floats (~15 min); NUMFMT_FULL=2 adds the brute-force shortest/closest
 * check over all 2^32 (hours; NUMFMT_RANGE=lo:hi in hex limits both to a range of bit
 * patterns). NUMFMT_TEST=pattern runs only the matching tests.
 */
/* cmocka needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codec/numfmt.h"

#define PYTHON "/usr/bin/python3"

#if defined(__SANITIZE_ADDRESS__)
#define SLOW_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLOW_BUILD 1
#endif
#endif
#ifndef SLOW_BUILD
#define SLOW_BUILD 0
#endif

/* Work sizes. The defaults keep this binary near 10 s in Debug, optimized and sanitizer
 * builds; NUMFMT_FULL=1 runs the full sizes (a step-97 sweep of ~44M floats, ~2.7M floats and
 * 1M doubles against the brute force) and then all 2^32 floats. */
struct sizes {
	unsigned sweep_step; /* stride of the round-trip sweep over the 2^32 bit patterns */
	unsigned brute_step; /* stride of the brute-force sample over the 2^32 patterns */
	int brute_rand;	     /* plus this many random typical weights */
	int f64_random;	     /* random doubles against the brute force */
};

static const struct sizes sizes_full = { 97, 2147, 700000, 1000000 };
#if SLOW_BUILD
static const struct sizes sizes_default = { 9973, 327685, 20000, 30000 };
#elif defined(__OPTIMIZE__)
static const struct sizes sizes_default = { 193, 4297, 200000, 400000 };
#else
static const struct sizes sizes_default = { 509, 12011, 80000, 150000 };
#endif
static struct sizes sz;

#define SENTINEL    0x7f
#define MAX_LEN_F32 16
#define MAX_LEN_F64 25

static uint64_t rng_state = 0x243f6a8885a308d3u;

static uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1du;
}

static float f32_of(uint32_t bits)
{
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

static uint32_t bits_of_f32(float f)
{
	uint32_t b;

	memcpy(&b, &f, sizeof(b));
	return b;
}

static double f64_of(uint64_t bits)
{
	double d;

	memcpy(&d, &bits, sizeof(d));
	return d;
}

static uint64_t bits_of_f64(double d)
{
	uint64_t b;

	memcpy(&b, &d, sizeof(b));
	return b;
}

/* ---------------------------------------------------------------- layout checks */

/* Checks that s follows numfmt.h's layout (no specials) and extracts its significant digits
 * (no leading or trailing zeros, NUL-terminated) and the decimal exponent of the first one. */
static bool parse_layout(const char *s, char *dig, int *x)
{
	const char *p = s, *e = strchr(s, 'e');
	int nd = 0;

	if (*p == '-')
		p++;
	if (e) { /* d[.ddd]e+XX with a non-zero last fraction digit */
		int ne = 0, ev = 0;
		char sg;

		if (*p < '1' || *p > '9')
			return false;
		dig[nd++] = *p++;
		if (*p == '.') {
			p++;
			while (*p >= '0' && *p <= '9')
				dig[nd++] = *p++;
			if (nd == 1 || dig[nd - 1] == '0')
				return false;
		}
		if (p != e)
			return false;
		p++;
		sg = *p++;
		if (sg != '+' && sg != '-')
			return false;
		while (*p >= '0' && *p <= '9') {
			ev = ev * 10 + (*p++ - '0');
			ne++;
		}
		if (*p || ne < 2 || ne > 3 || (ne == 3 && ev < 100))
			return false;
		*x = sg == '-' ? -ev : ev;
		if (*x >= -5 && *x <= 8)
			return false; /* belongs in plain notation */
	} else {		      /* ddd, ddd.ddd or 0.000ddd */
		const char *dot = strchr(p, '.');
		size_t il = dot ? (size_t)(dot - p) : strlen(p);
		int lz = 0;

		for (size_t k = 0; k < il; k++) {
			if (p[k] < '0' || p[k] > '9')
				return false;
		}
		if (il == 0 || (il > 1 && p[0] == '0') || il > 9)
			return false;
		if (dot) {
			const char *f = dot + 1;
			size_t fl = strlen(f);

			if (fl == 0 || f[fl - 1] == '0')
				return false;
			for (size_t k = 0; k < fl; k++) {
				if (f[k] < '0' || f[k] > '9')
					return false;
			}
			if (p[0] == '0') {
				while (f[lz] == '0')
					lz++;
				if (lz > 4)
					return false; /* below 1e-5: exponent form */
				*x = -lz - 1;
				for (const char *q = f + lz; *q; q++)
					dig[nd++] = *q;
			} else {
				*x = (int)il - 1;
				for (size_t k = 0; k < il; k++)
					dig[nd++] = p[k];
				for (const char *q = f; *q; q++)
					dig[nd++] = *q;
			}
		} else {
			if (p[0] == '0')
				return false; /* "0" is only for zero */
			*x = (int)il - 1;
			for (size_t k = 0; k < il; k++)
				dig[nd++] = p[k];
			while (nd > 1 && dig[nd - 1] == '0')
				nd--;
		}
	}
	dig[nd] = 0;
	return true;
}

/* Formats v with both functions, checking the length function, the limit and that nothing
 * before the buffer or past the returned length was written. Copies the NUL-terminated
 * result to s (32 bytes). */
static int fmt32(float v, char *s)
{
	char big[8 + 32];
	int n, k;

	memset(big, SENTINEL, sizeof(big));
	n = numfmt_f32(v, big + 8);
	if (n < 1 || n > MAX_LEN_F32 || n != numfmt_f32_len(v))
		fail_msg("numfmt_f32(%a): length %d, numfmt_f32_len %d", (double)v, n,
			 numfmt_f32_len(v));
	for (k = 0; k < (int)sizeof(big); k++) {
		if ((k < 8 || k >= 8 + n) && (unsigned char)big[k] != SENTINEL)
			fail_msg("numfmt_f32(%a) wrote outside its %d bytes", (double)v, n);
	}
	memcpy(s, big + 8, (size_t)n);
	s[n] = 0;
	return n;
}

static int fmt64(double v, char *s)
{
	char big[8 + 40];
	int n, k;

	memset(big, SENTINEL, sizeof(big));
	n = numfmt_f64(v, big + 8);
	if (n < 1 || n > MAX_LEN_F64 || n != numfmt_f64_len(v))
		fail_msg("numfmt_f64(%a): length %d, numfmt_f64_len %d", v, n, numfmt_f64_len(v));
	for (k = 0; k < (int)sizeof(big); k++) {
		if ((k < 8 || k >= 8 + n) && (unsigned char)big[k] != SENTINEL)
			fail_msg("numfmt_f64(%a) wrote outside its %d bytes", v, n);
	}
	memcpy(s, big + 8, (size_t)n);
	s[n] = 0;
	return n;
}

/* ---------------------------------------------------------------- brute force */

struct cand {
	uint64_t m; /* significand as an integer */
	int e;	    /* value = m * 10^e */
};

/* Both directly and through a double (Python's float(), numpy's parsers). */
static bool cand_maps_f32(struct cand c, float v)
{
	char s[48];

	snprintf(s, sizeof(s), "%" PRIu64 "e%d", c.m, c.e);
	return bits_of_f32(strtof(s, NULL)) == bits_of_f32(v) &&
	       bits_of_f32((float)strtod(s, NULL)) == bits_of_f32(v);
}

static bool cand_maps_f64(struct cand c, double v)
{
	char s[48];

	snprintf(s, sizeof(s), "%" PRIu64 "e%d", c.m, c.e);
	return bits_of_f64(strtod(s, NULL)) == bits_of_f64(v);
}

/* The p-digit decimal nearest to |v| (glibc rounds %e correctly, ties to even). */
static struct cand round_p(double v, int p)
{
	char s[64], *q;
	struct cand c = { 0, 0 };
	int x;

	snprintf(s, sizeof(s), "%.*e", p - 1, fabs(v));
	for (q = s; *q != 'e'; q++) {
		if (*q != '.')
			c.m = c.m * 10 + (uint64_t)(*q - '0');
	}
	x = atoi(q + 1);
	c.e = x - (p - 1);
	return c;
}

static uint64_t pow10_u64(int p)
{
	uint64_t r = 1;

	while (p-- > 0)
		r *= 10;
	return r;
}

/* The p-digit decimals that strtof/strtod maps back to v: the nearest one if it maps,
 * else its neighbour below or above (the floor and the ceiling of v at p digits are among
 * these three, and the rounding interval is convex, so no other p-digit decimal can map
 * back when these do not). Returns false if none maps back. */
static bool brute_p(double v, bool is32, int p, struct cand *out, bool *nearest)
{
	struct cand c, lo, hi;
	float f;

	v = fabs(v);
	f = (float)v;
	c = round_p(v, p);
	lo = c;
	hi = c;

	*nearest = true;
	if (is32 ? cand_maps_f32(c, f) : cand_maps_f64(c, v)) {
		*out = c;
		return true;
	}
	*nearest = false;
	lo.m--;
	if (c.m == pow10_u64(p - 1)) { /* 1.000 rounded up: the floor is 9.999 one place down */
		lo.m = pow10_u64(p) - 1;
		lo.e--;
	}
	hi.m++;
	if (is32 ? cand_maps_f32(lo, f) : cand_maps_f64(lo, v)) {
		*out = lo;
		return true;
	}
	if (is32 ? cand_maps_f32(hi, f) : cand_maps_f64(hi, v)) {
		*out = hi;
		return true;
	}
	return false;
}

/* Statistics: how often the closest shortest decimal is not the %.{p}g rounding. */
static unsigned long n_not_nearest;

/* Checks s (numfmt's output for the finite non-zero v) against the brute force: no decimal
 * with fewer significant digits maps back, and among those with as many it is the closest. */
static void check_brute(const char *s, double v, bool is32)
{
	char dig[32], want[32];
	int x, p, wx;
	struct cand c;
	bool nearest;

	if (!parse_layout(s, dig, &x))
		fail_msg("%a: bad layout \"%s\"", v, s);
	p = (int)strlen(dig);
	if (p > 1 && brute_p(v, is32, p - 1, &c, &nearest))
		fail_msg("%a: \"%s\" is not shortest: %" PRIu64 "e%d has %d digits", v, s, c.m, c.e,
			 p - 1);
	if (!brute_p(v, is32, p, &c, &nearest))
		fail_msg("%a: \"%s\": no %d-digit decimal maps back", v, s, p);
	n_not_nearest += !nearest;
	while (c.m % 10 == 0) {
		c.m /= 10;
		c.e++;
	}
	snprintf(want, sizeof(want), "%" PRIu64, c.m);
	wx = c.e + (int)strlen(want) - 1;
	if (strcmp(want, dig) != 0 || wx != x)
		fail_msg("%a: \"%s\" but the closest shortest is %se%d", v, s, want, wx);
}

/* Clinger's fast path: a decimal D * 10^X with D <= 2^53 and |X| <= 22 is D * 10^X or
 * D / 10^-X in double arithmetic, exactly rounded (both operands are exact). Returns false
 * for other inputs. This is what strtod returns, at a fraction of its cost. */
static bool fast_strtod(const char *s, double *out)
{
	static const double p10[23] = { 1e0,  1e1,  1e2,  1e3,	1e4,  1e5,  1e6,  1e7,
					1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
					1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
	uint64_t d = 0;
	int x = 0, nd = 0;
	bool neg = *s == '-', frac = false;

	s += neg;
	for (; *s && *s != 'e'; s++) {
		if (*s == '.') {
			frac = true;
			continue;
		}
		if (*s < '0' || *s > '9' || ++nd > 17)
			return false;
		d = d * 10 + (uint64_t)(*s - '0');
		x -= frac;
	}
	if (*s == 'e')
		x += atoi(s + 1);
	if (nd == 0 || d > (UINT64_C(1) << 53) || x < -22 || x > 22)
		return false;
	*out = x < 0 ? (double)d / p10[-x] : (double)d * p10[x];
	if (neg)
		*out = -*out;
	return true;
}

/* Round trip through strtod + cast (what Python's float() and numpy's text readers do), and
 * when thorough also through strtof, plus the layout. */
static void check_f32_roundtrip(uint32_t bits, bool thorough)
{
	float v = f32_of(bits);
	char buf[8 + 32], *s = buf + 8, dig[32];
	int x, n;

	memset(buf, SENTINEL, 8 + MAX_LEN_F32 + 1);
	n = numfmt_f32(v, s);
	if (n < 1 || n > MAX_LEN_F32 || n != numfmt_f32_len(v) ||
	    (n < MAX_LEN_F32 && (unsigned char)s[n] != SENTINEL) ||
	    (unsigned char)s[MAX_LEN_F32] != SENTINEL || (unsigned char)s[-1] != SENTINEL ||
	    (unsigned char)buf[0] != SENTINEL)
		fail_msg("bits %08" PRIx32 ": length %d, numfmt_f32_len %d, or wrote outside", bits,
			 n, numfmt_f32_len(v));
	s[n] = 0;
	if (isnan(v)) {
		if (strcmp(s, "nan") != 0)
			fail_msg("bits %08" PRIx32 ": \"%s\" for a nan", bits, s);
		return;
	}
	if (!thorough) {
		double d;

		if (!fast_strtod(s, &d))
			d = strtod(s, NULL);
		if (bits_of_f32((float)d) != bits)
			fail_msg("bits %08" PRIx32
				 ": \"%s\" reads back through double as %08" PRIx32,
				 bits, s, bits_of_f32((float)d));
		return;
	}
	if (bits_of_f32(strtof(s, NULL)) != bits)
		fail_msg("bits %08" PRIx32 ": \"%s\" reads back as %08" PRIx32, bits, s,
			 bits_of_f32(strtof(s, NULL)));
	if (bits_of_f32((float)strtod(s, NULL)) != bits)
		fail_msg("bits %08" PRIx32 ": \"%s\" reads back through double as %08" PRIx32, bits,
			 s, bits_of_f32((float)strtod(s, NULL)));
	if (!isinf(v) && v != 0 && !parse_layout(s, dig, &x))
		fail_msg("bits %08" PRIx32 ": bad layout \"%s\"", bits, s);
}

static void check_f32_all(float v)
{
	char s[32];

	check_f32_roundtrip(bits_of_f32(v), true);
	if (isfinite(v) && v != 0) {
		fmt32(v, s);
		check_brute(s, (double)v, true);
	}
}

static void check_f64_all(double v)
{
	char s[40], dig[40];
	int x;

	fmt64(v, s);
	if (isnan(v)) {
		assert_string_equal(s, "nan");
		return;
	}
	if (bits_of_f64(strtod(s, NULL)) != bits_of_f64(v))
		fail_msg("%a: \"%s\" reads back as %a", v, s, strtod(s, NULL));
	if (isinf(v) || v == 0)
		return;
	if (!parse_layout(s, dig, &x))
		fail_msg("%a: bad layout \"%s\"", v, s);
	check_brute(s, v, false);
}

/* ---------------------------------------------------------------- float tests */

/* Expected strings: numpy 1.24 np.format_float_scientific(np.float32(x), unique=True), laid
 * out as numfmt.h documents (plain for exponents -5..8). */
static const struct {
	float v;
	const char *s;
} f32_examples[] = {
	{ 1.0f, "1" },
	{ 0.1f, "0.1" },
	{ 42.0f, "42" },
	{ -0.00012f, "-0.00012" },
	{ 123456.78f, "123456.78" },
	{ 1.5e-7f, "1.5e-07" },
	{ 3e20f, "3e+20" },
	{ 1.2345678e-38f, "1.2345678e-38" },
	{ 3.4028234663852886e38f, "3.4028235e+38" },
	{ 1.1754943508222875e-38f, "1.1754944e-38" },
	{ 1.401298464324817e-45f, "1e-45" },
	{ 1e-5f, "0.00001" },
	{ 9.9999e-6f, "9.9999e-06" },
	{ 1e9f, "1e+09" },
	{ 999999936.0f, "999999940" },
	{ 1e8f, "100000000" },
	{ 123456789.0f, "123456790" },
	{ 100.0f, "100" },
	{ 1e10f, "1e+10" },
	{ 16777216.0f, "16777216" },
	{ 16777217.0f, "16777216" },
	{ 0.3f, "0.3" },
	{ 2.5e-5f, "0.000025" },
	{ -0.09765625f, "-0.09765625" },
	{ 0.33333334f, "0.33333334" },
	{ 3.1415927f, "3.1415927" },
	{ -2.7182817f, "-2.7182817" },
	{ 7e-45f, "7e-45" },
	{ 1e38f, "1e+38" },
	{ 1e-38f, "1e-38" },
	{ 65504.0f, "65504" },
	{ 0.2f, "0.2" },
	{ 0.7f, "0.7" },
	{ 1.17549421e-38f, "1.1754942e-38" },
	{ 1.0000001f, "1.0000001" },
	{ 0.99999994f, "0.99999994" },
	{ 8.589973e9f, "8.589974e+09" },
	{ 4.7223665e21f, "4.7223665e+21" },
	{ -1e-10f, "-1e-10" },
	{ 0.000012345678f, "0.000012345678" },
	{ -0.000012345678f, "-0.000012345678" },
	{ 12345.6789f, "12345.679" },
	{ 5e-5f, "0.00005" },
	{ 9.9999999e8f, "1e+09" },
};

/* Floats whose shortest decimal (numpy's repr in brackets) lies within half a binary64 ulp
 * of a rounding boundary, so it reads back wrongly through a double. A scan of all 2^31
 * positive floats found only this one. The expected strings come from a Python brute force
 * over exact fractions (direct rounding) and np.float32(float(s)). */
static const struct {
	uint32_t bits;
	const char *s;
} f32_double_examples[] = {
	{ 0x15ae43fdu, "7.0385307e-26" }, /* [7.038531e-26] */
};

static void test_f32_examples(void **state)
{
	char s[32];

	(void)state;
	for (size_t k = 0; k < sizeof(f32_double_examples) / sizeof(f32_double_examples[0]); k++) {
		float v = f32_of(f32_double_examples[k].bits);

		fmt32(v, s);
		if (strcmp(s, f32_double_examples[k].s) != 0)
			fail_msg("%08" PRIx32 ": got \"%s\", want \"%s\"",
				 f32_double_examples[k].bits, s, f32_double_examples[k].s);
		check_f32_all(v);
		check_f32_all(-v);
	}
	for (size_t k = 0; k < sizeof(f32_examples) / sizeof(f32_examples[0]); k++) {
		fmt32(f32_examples[k].v, s);
		if (strcmp(s, f32_examples[k].s) != 0)
			fail_msg("%.9g: got \"%s\", want \"%s\"", (double)f32_examples[k].v, s,
				 f32_examples[k].s);
		check_f32_all(f32_examples[k].v);
	}
}

static void test_f32_specials(void **state)
{
	char s[32];

	(void)state;
	assert_int_equal(fmt32(0.0f, s), 1);
	assert_string_equal(s, "0");
	assert_int_equal(fmt32(-0.0f, s), 2);
	assert_string_equal(s, "-0");
	assert_int_equal(fmt32(INFINITY, s), 3);
	assert_string_equal(s, "inf");
	assert_int_equal(fmt32(-INFINITY, s), 4);
	assert_string_equal(s, "-inf");
	assert_int_equal(fmt32(NAN, s), 3);
	assert_string_equal(s, "nan");
	assert_int_equal(fmt32(f32_of(0xffc00001u), s), 3); /* negative quiet nan */
	assert_string_equal(s, "nan");
	assert_int_equal(fmt32(f32_of(0x7f800001u), s), 3); /* signalling nan */
	assert_string_equal(s, "nan");
	/* the longest outputs */
	assert_int_equal(fmt32(-0.000012345678f, s), 15);
	assert_int_equal(fmt32(-1.2345678e-38f, s), 14);
	assert_int_equal(fmt32(f32_of(0x80800001u), s), 14); /* -1.1754945e-38 */
	assert_string_equal(s, "-1.1754945e-38");
}

/* Powers of 2 and 10 with their neighbours, every binade boundary, the subnormal range
 * edges, FLT_MAX/MIN/TRUE_MIN, small integers and 2^24 +- k. */
static void test_f32_boundaries(void **state)
{
	(void)state;
	n_not_nearest = 0;
	for (uint32_t ex = 0; ex < 255; ex++) {
		for (int64_t d = -3; d <= 3; d++) {
			uint32_t b = (ex << 23) + (uint32_t)d;

			check_f32_all(f32_of(b));
			check_f32_all(f32_of(b | 0x80000000u));
		}
		check_f32_all(f32_of((ex << 23) | 0x7fffff));
	}
	for (uint32_t b = 1; b < 5000; b++) /* smallest subnormals and every subnormal power of 2 */
		check_f32_all(f32_of(b));
	for (uint32_t k = 0; k < 23; k++) {
		check_f32_all(f32_of(1u << k));
		check_f32_all(f32_of((1u << k) - 1));
		check_f32_all(f32_of((1u << k) + 1));
	}
	for (uint32_t b = 0x007fffffu - 5000; b <= 0x00800000u + 5000; b++)
		check_f32_all(f32_of(b));
	for (int e = -46; e <= 38; e++) {
		char lit[16];
		float p;

		snprintf(lit, sizeof(lit), "1e%d", e);
		p = strtof(lit, NULL);
		for (int64_t d = -2; d <= 2; d++)
			check_f32_all(f32_of(bits_of_f32(p) + (uint32_t)d));
		if (e >= -45) {
			char s[32];

			fmt32(p, s);
			if (e >= -5 && e <= 8)
				snprintf(lit, sizeof(lit), e < 0 ? "0.%0*d" : "1%0*d",
					 e < 0 ? -e : e, e < 0 ? 1 : 0);
			else
				snprintf(lit, sizeof(lit), "1e%c%02d", e < 0 ? '-' : '+', abs(e));
			if (e == 0)
				strcpy(lit, "1");
			assert_string_equal(s, lit);
		}
	}
	check_f32_all(FLT_MAX);
	check_f32_all(FLT_MIN);
	check_f32_all(FLT_TRUE_MIN);
	check_f32_all(-FLT_MAX);
	for (uint32_t k = 0; k <= 100000; k++)
		check_f32_all((float)k);
	for (int32_t k = -1000; k <= 1000; k++)
		check_f32_all(16777216.0f + (float)k);
	print_message("boundaries: %lu values whose closest shortest is not the %%.{p}g rounding\n",
		      n_not_nearest);
}

static void test_f32_sweep_roundtrip(void **state)
{
	(void)state;
	for (uint64_t b = 0, k = 0; b < (UINT64_C(1) << 32); b += sz.sweep_step, k++)
		check_f32_roundtrip((uint32_t)b, k % 8 == 0);
	check_f32_roundtrip(0xffffffffu, true);
}

static void test_f32_brute_sample(void **state)
{
	unsigned long n = 0;

	(void)state;
	n_not_nearest = 0;
	for (uint64_t b = 1; b < (UINT64_C(1) << 32); b += sz.brute_step) {
		float v = f32_of((uint32_t)b);

		if (isfinite(v) && v != 0) {
			char s[32];

			fmt32(v, s);
			check_brute(s, (double)v, true);
			n++;
		}
	}
	for (int k = 0; k < sz.brute_rand; k++) {
		/* typical weights: normal(0, 1) * 0.1 */
		double u1 = ((double)(rng() >> 11) + 0.5) / 9007199254740992.0;
		double u2 = (double)(rng() >> 11) / 9007199254740992.0;
		float v = (float)(sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2) * 0.1);
		char s[32];

		if (v != 0) {
			fmt32(v, s);
			check_brute(s, (double)v, true);
			n++;
		}
	}
	print_message("brute force: %lu floats checked, %lu not the %%.{p}g rounding\n", n,
		      n_not_nearest);
}

/* All 2^32 patterns (or NUMFMT_RANGE=lo:hi, in hex, inclusive); only with NUMFMT_FULL set. */
static void test_f32_full(void **state)
{
	const char *env = getenv("NUMFMT_FULL"), *range = getenv("NUMFMT_RANGE");
	int level = env ? atoi(env) : 0;
	uint64_t lo = 0, hi = 0xffffffffu;

	(void)state;
	if (level < 1)
		skip();
	if (range && sscanf(range, "%" SCNx64 ":%" SCNx64, &lo, &hi) != 2)
		fail_msg("NUMFMT_RANGE: expected lo:hi in hex, got \"%s\"", range);
	n_not_nearest = 0;
	for (uint64_t b = lo; b <= hi && b < (UINT64_C(1) << 32); b++) {
		check_f32_roundtrip((uint32_t)b, true);
		if (level >= 2) {
			float v = f32_of((uint32_t)b);
			char s[32];

			if (isfinite(v) && v != 0) {
				fmt32(v, s);
				check_brute(s, (double)v, true);
			}
		}
		if ((b & 0xfffffff) == 0xfffffff || b == hi)
			print_message("full: %08" PRIx64 " done, %lu not the %%.{p}g rounding\n", b,
				      n_not_nearest);
	}
}

/* ---------------------------------------------------------------- double tests */

/* Expected strings: Python 3 / numpy 1.24 shortest repr, laid out as numfmt.h documents. */
static const struct {
	double v;
	const char *s;
} f64_examples[] = {
	{ 0.1, "0.1" },
	{ 0.3, "0.3" },
	{ 0.30000000000000004, "0.30000000000000004" },
	{ 5e-324, "5e-324" },
	{ 1.7976931348623157e308, "1.7976931348623157e+308" },
	{ 2.2250738585072014e-308, "2.2250738585072014e-308" },
	{ 1e23, "1e+23" },
	{ 9007199254740993.0, "9.007199254740992e+15" },
	{ 123456789.12345678, "123456789.12345678" },
	{ 1e100, "1e+100" },
	{ -1.5e-300, "-1.5e-300" },
	{ 0.6666666666666666, "0.6666666666666666" },
	{ 1e21, "1e+21" },
	{ 1e22, "1e+22" },
	{ 4.35, "4.35" },
	{ 0.000001, "1e-06" },
	{ 1e-7, "1e-07" },
	{ 2.2250738585072009e-308, "2.225073858507201e-308" },
	{ 9007199254740991.0, "9.007199254740991e+15" },
	{ 999999999.9999999, "999999999.9999999" },
	{ 1e9, "1e+09" },
	{ -0.000010000000000000001, "-0.00001" },
	{ 5e-5, "0.00005" },
	{ 1.2345678901234567e-300, "1.2345678901234568e-300" },
	{ 2.4703282292062328e-324, "5e-324" },
	{ 1.7976931348623157e-308, "1.7976931348623155e-308" },
	{ 0.1234567890123456789, "0.12345678901234568" },
	{ -123.456, "-123.456" },
	{ 3.0e-323, "3e-323" },
};

static void test_f64_examples(void **state)
{
	char s[40];

	(void)state;
	for (size_t k = 0; k < sizeof(f64_examples) / sizeof(f64_examples[0]); k++) {
		fmt64(f64_examples[k].v, s);
		if (strcmp(s, f64_examples[k].s) != 0)
			fail_msg("%.17g: got \"%s\", want \"%s\"", f64_examples[k].v, s,
				 f64_examples[k].s);
		check_f64_all(f64_examples[k].v);
	}
	assert_int_equal(fmt64(0.0, s), 1);
	assert_string_equal(s, "0");
	assert_int_equal(fmt64(-0.0, s), 2);
	assert_string_equal(s, "-0");
	assert_int_equal(fmt64((double)INFINITY, s), 3);
	assert_string_equal(s, "inf");
	assert_int_equal(fmt64(-(double)INFINITY, s), 4);
	assert_string_equal(s, "-inf");
	assert_int_equal(fmt64(f64_of(0xfff8000000000001u), s), 3);
	assert_string_equal(s, "nan");
	/* the longest outputs */
	assert_int_equal(fmt64(-1.2345678901234567e-300, s), 24);
	assert_int_equal(fmt64(-0.000012345678901234567, s), 24);
	assert_string_equal(s, "-0.000012345678901234568");
}

static void test_f64_boundaries(void **state)
{
	(void)state;
	n_not_nearest = 0;
	for (uint64_t ex = 0; ex < 2047; ex++) {
		for (int64_t d = -2; d <= 2; d++) {
			uint64_t b = (ex << 52) + (uint64_t)d;

			check_f64_all(f64_of(b));
			check_f64_all(f64_of(b | 0x8000000000000000u));
		}
		check_f64_all(f64_of((ex << 52) | 0xfffffffffffffu));
	}
	for (uint64_t b = 1; b < 2000; b++)
		check_f64_all(f64_of(b));
	for (uint64_t k = 0; k < 52; k++)
		check_f64_all(f64_of(UINT64_C(1) << k));
	for (int e = -324; e <= 308; e++) {
		char lit[16];
		double p;

		snprintf(lit, sizeof(lit), "1e%d", e);
		p = strtod(lit, NULL);
		for (int64_t d = -2; d <= 2; d++)
			check_f64_all(f64_of(bits_of_f64(p) + (uint64_t)d));
	}
	check_f64_all(DBL_MAX);
	check_f64_all(DBL_MIN);
	check_f64_all(DBL_TRUE_MIN);
	for (int64_t k = -1000; k <= 1000; k++) {
		check_f64_all(9007199254740992.0 + (double)k);
		check_f64_all((double)k);
		check_f64_all((double)k / 1000);
	}
	print_message(
		"boundaries: %lu doubles whose closest shortest is not the %%.{p}g rounding\n",
		n_not_nearest);
}

static void test_f64_random(void **state)
{
	(void)state;
	n_not_nearest = 0;
	for (int k = 0; k < sz.f64_random; k++) {
		uint64_t r = rng();
		double v;

		switch (k % 4) {
		case 0: /* any pattern */
		case 1:
			v = f64_of(r);
			break;
		case 2: /* typical magnitudes */
			v = f64_of((r & 0x800fffffffffffffu) |
				   ((uint64_t)(1023 - 40 + (int)((r >> 52) % 80)) << 52));
			break;
		default: /* short decimals */
			v = (double)(int64_t)(r % 2000001) / 1000.0 - 1000.0;
			break;
		}
		check_f64_all(v);
	}
	print_message("random: %d doubles, %lu not the %%.{p}g rounding\n", sz.f64_random,
		      n_not_nearest);
}

/* ---------------------------------------------------------------- Python helpers */

static char tmpdir[64];

static int setup_tmp(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_numfmt.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Skips the test unless /usr/bin/python3 with numpy is there. */
static void need_numpy(void)
{
	if (access(PYTHON, X_OK) != 0 || system(PYTHON " -c 'import numpy' 2>/dev/null") != 0) {
		print_message("skipped: " PYTHON " with numpy is not available\n");
		skip();
	}
}

/* Runs a Python script with the temp dir as its argument; returns its exit status. */
static int run_python(const char *name, const char *script)
{
	char path[128], cmd[300];
	FILE *f;
	int st;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(script, f);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), PYTHON " '%s' '%s'", path, tmpdir);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* clang-format off */
static const char py_parse[] =
	"import sys, numpy as np\n"
	"d = sys.argv[1]\n"
	"bad = 0\n"
	"for kind, w in (('f32', np.uint32), ('f64', np.uint64)):\n"
	"    rows = [l.split() for l in open(d + '/' + kind + '.txt')]\n"
	"    want = np.array([int(b, 16) for b, s in rows], dtype=w)\n"
	"    strs = [s for b, s in rows]\n"
	"    ft = np.float32 if kind == 'f32' else np.float64\n"
	"    # Python's float() (then a cast to float32, as numpy does)\n"
	"    a = np.array([float(s) for s in strs]).astype(ft)\n"
	"    # numpy's own text parsers\n"
	"    b = np.array(strs).astype(ft)\n"
	"    c = np.loadtxt(d + '/' + kind + '.txt', dtype=ft, usecols=1,\n"
	"                   converters={0: lambda x: 0})\n"
	"    for name, got in (('float()', a), ('astype', b), ('loadtxt', c)):\n"
	"        gb = got.view(w)\n"
	"        nan = np.isnan(got) & np.isnan(want.view(ft))\n"
	"        diff = np.nonzero((gb != want) & ~nan)[0]\n"
	"        for i in diff[:5]:\n"
	"            print(kind, name, strs[i], hex(int(want[i])), '->', hex(int(gb[i])))\n"
	"        bad += len(diff)\n"
	"    print(kind, len(rows), 'values parsed back by float(), astype and loadtxt')\n"
	"sys.exit(1 if bad else 0)\n";
/* clang-format on */

/* Outputs parse back bit-exactly with Python's float() and numpy's parsers. */
static void test_python_parses(void **state)
{
	char path[128], s[40];
	FILE *f;

	(void)state;
	need_numpy();
	snprintf(path, sizeof(path), "%s/f32.txt", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (uint64_t b = 0; b < (UINT64_C(1) << 32); b += 21473) {
		fmt32(f32_of((uint32_t)b), s);
		fprintf(f, "%08" PRIx64 " %s\n", b, s);
	}
	for (uint32_t b = 0; b < 2000; b++) { /* subnormals, both signs */
		fmt32(f32_of(b), s);
		fprintf(f, "%08" PRIx32 " %s\n", b, s);
		fmt32(f32_of(b | 0x80000000u), s);
		fprintf(f, "%08" PRIx32 " %s\n", b | 0x80000000u, s);
	}
	for (size_t k = 0; k < sizeof(f32_double_examples) / sizeof(f32_double_examples[0]); k++) {
		uint32_t b = f32_double_examples[k].bits;

		fmt32(f32_of(b), s);
		fprintf(f, "%08" PRIx32 " %s\n", b, s);
		fmt32(f32_of(b ^ 0x80000000u), s);
		fprintf(f, "%08" PRIx32 " %s\n", b ^ 0x80000000u, s);
	}
	for (int k = 0; k < 50000; k++) {
		float v = (float)((double)(int64_t)(rng() % 2000001 - 1000000) * 1e-7);

		fmt32(v, s);
		fprintf(f, "%08" PRIx32 " %s\n", bits_of_f32(v), s);
	}
	assert_int_equal(fclose(f), 0);

	snprintf(path, sizeof(path), "%s/f64.txt", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int k = 0; k < 200000; k++) {
		double v = f64_of(rng());

		fmt64(v, s);
		fprintf(f, "%016" PRIx64 " %s\n", bits_of_f64(v), s);
	}
	for (size_t k = 0; k < sizeof(f64_examples) / sizeof(f64_examples[0]); k++) {
		fmt64(f64_examples[k].v, s);
		fprintf(f, "%016" PRIx64 " %s\n", bits_of_f64(f64_examples[k].v), s);
	}
	fprintf(f, "%016" PRIx64 " -0\n%016" PRIx64 " inf\n%016" PRIx64 " -inf\n",
		bits_of_f64(-0.0), bits_of_f64((double)INFINITY), bits_of_f64(-(double)INFINITY));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(run_python("parse.py", py_parse), 0);
}

/* ---------------------------------------------------------------- npy_header */

static void test_npy_header_literal(void **state)
{
	/* numpy 1.24 np.save(f, np.zeros((3, 4), '<f4')): dict, 20 growth spaces, pad, '\n' */
	static const char want_dict[] =
		"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
	int64_t shape[2] = { 3, 4 }, one = 5;
	char buf[256];
	size_t n, k;

	(void)state;
	n = npy_header(buf, sizeof(buf), "<f4", false, 2, shape);
	assert_int_equal(n, 128);
	assert_memory_equal(buf, "\x93NUMPY\x01\x00\x76\x00", 10); /* 118 = 128 - 10 */
	assert_memory_equal(buf + 10, want_dict, strlen(want_dict));
	for (k = 10 + strlen(want_dict); k < 127; k++)
		assert_int_equal(buf[k], ' ');
	assert_int_equal(buf[127], '\n');

	n = npy_header(buf, sizeof(buf), "<f8", true, 1, &one);
	assert_int_equal(n, 128);
	assert_memory_equal(buf + 10, "{'descr': '<f8', 'fortran_order': True, 'shape': (5,), }",
			    56);
	n = npy_header(buf, sizeof(buf), "|u1", false, 0, NULL); /* 0-d: no growth room */
	assert_int_equal(n, 128);
	assert_memory_equal(buf + 10, "{'descr': '|u1', 'fortran_order': False, 'shape': (), }",
			    55);
	assert_int_equal(buf[65], ' ');
	assert_int_equal(buf[126], ' ');
	assert_int_equal(buf[127], '\n');
}

static void test_npy_header_cap(void **state)
{
	int64_t shape[2] = { 3, 4 };
	char buf[256];

	(void)state;
	memset(buf, SENTINEL, sizeof(buf));
	assert_int_equal(npy_header(buf, 127, "<f4", false, 2, shape), 128);
	for (size_t k = 0; k < sizeof(buf); k++)
		assert_int_equal((unsigned char)buf[k], SENTINEL);
	assert_int_equal(npy_header(NULL, 0, "<f4", false, 2, shape), 128);
	assert_int_equal(npy_header(buf, 128, "<f4", false, 2, shape), 128);
	assert_int_equal((unsigned char)buf[128], SENTINEL);
	/* invalid arguments give 0 and write nothing */
	memset(buf, SENTINEL, sizeof(buf));
	assert_int_equal(npy_header(buf, sizeof(buf), NULL, false, 2, shape), 0);
	assert_int_equal(npy_header(buf, sizeof(buf), "<f4", false, -1, shape), 0);
	assert_int_equal(npy_header(buf, sizeof(buf), "<f4", false, 2, NULL), 0);
	assert_int_equal((unsigned char)buf[0], SENTINEL);
}

/* Cases compared byte for byte with numpy's writer and loaded back with np.load. */
struct npy_case {
	const char *descr;
	bool fortran;
	int rank;
	int64_t shape[8];
	bool data; /* also write data and np.load it */
};

static const struct npy_case npy_cases[] = {
	{ "<f4", false, 2, { 3, 4 }, true },
	{ "<f4", true, 2, { 3, 4 }, true },
	{ "<f8", true, 3, { 2, 3, 4 }, true },
	{ "<f8", false, 1, { 5 }, true },
	{ "<f4", false, 0, { 0 }, true },
	{ "<i8", false, 1, { 0 }, true },
	{ "|u1", false, 8, { 1, 2, 1, 2, 1, 2, 1, 2 }, true },
	{ "<f2", true, 4, { 2, 1, 3, 1 }, true },
	{ "|b1", false, 2, { 7, 1 }, true },
	{ "<i4", true, 1, { 100 }, true },
	{ "<f4", false, 2, { 1000000000000, 7 }, false },
	{ "<f4", true, 2, { 7, 1000000000000000000 }, false },
	{ "<f4", false, 3, { 9223372036854775807, 1, 1 }, false },
};

static int64_t npy_value(int k)
{
	return (int64_t)k * 3 - 7;
}

/* clang-format off */
static const char py_npy[] =
	"import sys, io, numpy as np, numpy.lib.format as fmt\n"
	"d = sys.argv[1]\n"
	"bad = 0\n"
	"for line in open(d + '/cases.txt'):\n"
	"    f = line.split()\n"
	"    i, descr, fortran, data = int(f[0]), f[1], f[2] == '1', f[3] == '1'\n"
	"    shape = tuple(int(x) for x in f[4:])\n"
	"    ours = open('%s/h%d.bin' % (d, i), 'rb').read()\n"
	"    # the writer np.save uses, given the header dict\n"
	"    b = io.BytesIO()\n"
	"    fmt._write_array_header(b, {'descr': descr, 'fortran_order': fortran, 'shape': shape})\n"
	"    refs = [b.getvalue()]\n"
	"    if data:\n"
	"        # np.save itself (it writes fortran_order only for non-C-contiguous arrays)\n"
	"        a = np.zeros(shape, dtype=descr, order='F' if fortran else 'C')\n"
	"        if fortran == (a.flags.f_contiguous and not a.flags.c_contiguous):\n"
	"            b = io.BytesIO(); np.save(b, a); refs.append(b.getvalue()[:len(ours)])\n"
	"    if any(r != ours for r in refs):\n"
	"        print('case', i, 'header differs:', repr(ours), '!=', repr(refs)); bad += 1\n"
	"        continue\n"
	"    b = io.BytesIO(ours)\n"
	"    v = fmt.read_magic(b)\n"
	"    hdr = (fmt.read_array_header_1_0 if v == (1, 0) else fmt.read_array_header_2_0)(b)\n"
	"    if hdr != (shape, fortran, np.dtype(descr)) or b.tell() % 64:\n"
	"        print('case', i, 'reads back as', hdr, b.tell()); bad += 1\n"
	"    if not data:\n"
	"        continue\n"
	"    n = int(np.prod(shape))\n"
	"    want = (np.arange(n, dtype=np.int64) * 3 - 7).astype(descr)\n"
	"    for mm in (None, 'r'):\n"
	"        a = np.load('%s/a%d.npy' % (d, i), mmap_mode=mm)\n"
	"        order = 'F' if fortran else 'C'\n"
	"        ok = (a.shape == shape and a.dtype == np.dtype(descr)\n"
	"              and (not fortran or a.ndim < 2 or a.flags.f_contiguous)\n"
	"              and np.array_equal(a.ravel(order=order), want))\n"
	"        if not ok:\n"
	"            print('case', i, 'mmap', mm, 'loads as', a.shape, a.dtype, a.flags); bad += 1\n"
	"print(len(open(d + '/cases.txt').readlines()), 'headers checked against numpy')\n"
	"sys.exit(1 if bad else 0)\n";
/* clang-format on */

static void put_value(FILE *f, const char *descr, int64_t v)
{
	if (!strcmp(descr, "<f4")) {
		float x = (float)v;

		fwrite(&x, 4, 1, f);
	} else if (!strcmp(descr, "<f8")) {
		double x = (double)v;

		fwrite(&x, 8, 1, f);
	} else if (!strcmp(descr, "<f2")) { /* small integers are exact in binary16 */
		uint16_t h = 0;

		if (v) {
			int64_t a = v < 0 ? -v : v;
			int e = 0;

			while ((a >> e) > 1)
				e++;
			h = (uint16_t)(((v < 0) << 15) | ((e + 15) << 10) |
				       (((a << 10) >> e) & 0x3ff));
		}
		fwrite(&h, 2, 1, f);
	} else if (!strcmp(descr, "<i8")) {
		fwrite(&v, 8, 1, f);
	} else if (!strcmp(descr, "<i4")) {
		int32_t x = (int32_t)v;

		fwrite(&x, 4, 1, f);
	} else if (!strcmp(descr, "|b1")) {
		uint8_t x = v != 0;

		fwrite(&x, 1, 1, f);
	} else {
		uint8_t x = (uint8_t)v;

		fwrite(&x, 1, 1, f);
	}
}

static void test_npy_header_numpy(void **state)
{
	char path[128], buf[1024];
	FILE *cases, *f;
	size_t n_cases = sizeof(npy_cases) / sizeof(npy_cases[0]);
	size_t idx = 0;

	(void)state;
	need_numpy();
	snprintf(path, sizeof(path), "%s/cases.txt", tmpdir);
	cases = fopen(path, "w");
	assert_non_null(cases);
	/* the table, then 1-d shapes of every width from 1 to 19 digits (all pad lengths) */
	for (size_t c = 0; c < n_cases + 19 * 2; c++, idx++) {
		struct npy_case k;
		int64_t numel = 1;
		size_t n;

		if (c < n_cases) {
			k = npy_cases[c];
		} else {
			size_t w = (c - n_cases) / 2;

			memset(&k, 0, sizeof(k));
			k.descr = (c & 1) ? "<f8" : "<i2";
			k.fortran = (c & 1) != 0;
			k.rank = 1 + (int)(w % 3);
			for (int d = 0; d < k.rank; d++)
				k.shape[d] = (int64_t)pow10_u64((int)w) + d;
		}
		n = npy_header(buf, sizeof(buf), k.descr, k.fortran, k.rank, k.shape);
		assert_true(n > 0 && n <= sizeof(buf) && n % 64 == 0);
		assert_int_equal(n, npy_header(NULL, 0, k.descr, k.fortran, k.rank, k.shape));
		snprintf(path, sizeof(path), "%s/h%zu.bin", tmpdir, idx);
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(buf, 1, n, f), n);
		assert_int_equal(fclose(f), 0);
		fprintf(cases, "%zu %s %d %d", idx, k.descr, k.fortran, k.data);
		for (int d = 0; d < k.rank; d++) {
			fprintf(cases, " %" PRId64, k.shape[d]);
			if (k.data) /* small shapes only */
				numel *= k.shape[d];
		}
		fprintf(cases, "\n");
		if (!k.data)
			continue;
		snprintf(path, sizeof(path), "%s/a%zu.npy", tmpdir, idx);
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(buf, 1, n, f), n);
		for (int64_t e = 0; e < numel; e++) /* file order is the array's memory order */
			put_value(f, k.descr, npy_value((int)e));
		assert_int_equal(fclose(f), 0);
	}
	assert_int_equal(fclose(cases), 0);
	assert_int_equal(run_python("npy.py", py_npy), 0);
}

/* A dict over 65535 bytes switches to format 2.0 (uint32 length), as numpy does. */
static void test_npy_header_v2(void **state)
{
	enum { RANK = 30000 };
	int64_t *shape = calloc(RANK, sizeof(*shape));
	char path[128], *buf;
	size_t n;
	FILE *f;

	(void)state;
	assert_non_null(shape);
	for (int k = 0; k < RANK; k++)
		shape[k] = 1 + k % 3;
	n = npy_header(NULL, 0, "<f4", false, RANK, shape);
	assert_true(n > 65536 && n % 64 == 0);
	buf = malloc(n);
	assert_non_null(buf);
	assert_int_equal(npy_header(buf, n, "<f4", false, RANK, shape), n);
	assert_memory_equal(buf, "\x93NUMPY\x02\x00", 8);
	assert_int_equal((size_t)(unsigned char)buf[8] | (size_t)(unsigned char)buf[9] << 8 |
				 (size_t)(unsigned char)buf[10] << 16 |
				 (size_t)(unsigned char)buf[11] << 24,
			 n - 12);
	assert_int_equal(buf[n - 1], '\n');
	/* 1-element rank below the switch stays 1.0 */
	assert_int_equal(npy_header(NULL, 0, "<f4", false, 1, shape), 128);

	if (access(PYTHON, X_OK) == 0 && system(PYTHON " -c 'import numpy' 2>/dev/null") == 0) {
		/* clang-format off */
		static const char py[] =
			"import sys, io, numpy.lib.format as fmt\n"
			"d = sys.argv[1]\n"
			"ours = open(d + '/v2.bin', 'rb').read()\n"
			"shape = tuple(1 + k % 3 for k in range(30000))\n"
			"b = io.BytesIO()\n"
			"import warnings\n"
			"with warnings.catch_warnings():\n"
			"    warnings.simplefilter('ignore')\n"
			"    fmt._write_array_header(b, {'descr': '<f4', 'fortran_order': False,\n"
			"                                'shape': shape})\n"
			"if b.getvalue() != ours:\n"
			"    print('v2 header differs from numpy'); sys.exit(1)\n"
			"b = io.BytesIO(ours)\n"
			"assert fmt.read_magic(b) == (2, 0)\n"
			"assert fmt.read_array_header_2_0(b, max_header_size=1 << 20)[0] == shape\n";
		/* clang-format on */

		snprintf(path, sizeof(path), "%s/v2.bin", tmpdir);
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(buf, 1, n, f), n);
		assert_int_equal(fclose(f), 0);
		assert_int_equal(run_python("v2.py", py), 0);
	}
	free(buf);
	free(shape);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_f32_examples),
		cmocka_unit_test(test_f32_specials),
		cmocka_unit_test(test_f32_boundaries),
		cmocka_unit_test(test_f32_sweep_roundtrip),
		cmocka_unit_test(test_f32_brute_sample),
		cmocka_unit_test(test_f32_full),
		cmocka_unit_test(test_f64_examples),
		cmocka_unit_test(test_f64_boundaries),
		cmocka_unit_test(test_f64_random),
		cmocka_unit_test(test_python_parses),
		cmocka_unit_test(test_npy_header_literal),
		cmocka_unit_test(test_npy_header_cap),
		cmocka_unit_test(test_npy_header_numpy),
		cmocka_unit_test(test_npy_header_v2),
	};

	sz = getenv("NUMFMT_FULL") && atoi(getenv("NUMFMT_FULL")) > 0 ? sizes_full : sizes_default;
	if (getenv("NUMFMT_TEST")) /* run only the tests matching this pattern */
		cmocka_set_test_filter(getenv("NUMFMT_TEST"));
	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
