/* sha256.c - SHA-256 (FIPS 180-4), libc only.
 *
 * A portable compression function, plus the x86 SHA extensions (SHA-NI) when the CPU has
 * them, chosen once at run time: ~0.3 GB/s vs ~1.5+ GB/s, which matters when the mount
 * hashes a 1 GiB coefficient file. Both produce identical digests (tested).
 */
#include "codec/sha256.h"

#include <stdbool.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SHA256_HAVE_NI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static inline uint32_t ror(uint32_t x, unsigned n)
{
	return x >> n | x << (32 - n);
}

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#define S0(x) (ror(x, 2) ^ ror(x, 13) ^ ror(x, 22))
#define S1(x) (ror(x, 6) ^ ror(x, 11) ^ ror(x, 25))
#define s0(x) (ror(x, 7) ^ ror(x, 18) ^ ((x) >> 3))
#define s1(x) (ror(x, 17) ^ ror(x, 19) ^ ((x) >> 10))
/* Round i with the working variables renamed instead of shifted; w is a 16-word ring. */
#define ROUND(a, b, c, d, e, f, g, h, i, wi)                                       \
	do {                                                                       \
		uint32_t t1 = h + S1(e) + (g ^ (e & (f ^ g))) + K[i] + (wi);       \
		d += t1;                                                           \
		h = t1 + S0(a) + ((a & b) | (c & (a | b)));                        \
	} while (0)
#define W(i) (w[(i) & 15] += s1(w[((i) - 2) & 15]) + w[((i) - 7) & 15] + s0(w[((i) - 15) & 15]))

/* Portable: processes n 64-byte blocks. */
static void blocks_c(uint32_t st[8], const uint8_t *p, size_t n)
{
	for (; n; n--, p += 64) {
		uint32_t w[16];
		uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
		uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
		int i;

		for (i = 0; i < 16; i++)
			w[i] = be32(p + 4 * i);
		for (i = 0; i < 16; i += 8) {
			ROUND(a, b, c, d, e, f, g, h, i + 0, w[i + 0]);
			ROUND(h, a, b, c, d, e, f, g, i + 1, w[i + 1]);
			ROUND(g, h, a, b, c, d, e, f, i + 2, w[i + 2]);
			ROUND(f, g, h, a, b, c, d, e, i + 3, w[i + 3]);
			ROUND(e, f, g, h, a, b, c, d, i + 4, w[i + 4]);
			ROUND(d, e, f, g, h, a, b, c, i + 5, w[i + 5]);
			ROUND(c, d, e, f, g, h, a, b, i + 6, w[i + 6]);
			ROUND(b, c, d, e, f, g, h, a, i + 7, w[i + 7]);
		}
		for (; i < 64; i += 8) {
			ROUND(a, b, c, d, e, f, g, h, i + 0, W(i + 0));
			ROUND(h, a, b, c, d, e, f, g, i + 1, W(i + 1));
			ROUND(g, h, a, b, c, d, e, f, i + 2, W(i + 2));
			ROUND(f, g, h, a, b, c, d, e, i + 3, W(i + 3));
			ROUND(e, f, g, h, a, b, c, d, i + 4, W(i + 4));
			ROUND(d, e, f, g, h, a, b, c, i + 5, W(i + 5));
			ROUND(c, d, e, f, g, h, a, b, i + 6, W(i + 6));
			ROUND(b, c, d, e, f, g, h, a, i + 7, W(i + 7));
		}
		st[0] += a, st[1] += b, st[2] += c, st[3] += d;
		st[4] += e, st[5] += f, st[6] += g, st[7] += h;
	}
}
#undef ROUND
#undef W

#ifdef SHA256_HAVE_NI
__attribute__((target("sse2"))) static inline __m128i load128(const void *p)
{
	return _mm_loadu_si128((const __m128i *)p);
}

/* SHA-NI: the standard sequence from Intel's white paper (state in ABEF/CDGH order). */
__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_ni(uint32_t h[8],
								  const uint8_t *p, size_t n)
{
	const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i st0, st1, tmp, msg, m0, m1, m2, m3, save0, save1;

	tmp = load128(&h[0]);
	st1 = load128(&h[4]);
	tmp = _mm_shuffle_epi32(tmp, 0xB1);          /* CDAB */
	st1 = _mm_shuffle_epi32(st1, 0x1B);          /* EFGH */
	st0 = _mm_alignr_epi8(tmp, st1, 8);          /* ABEF */
	st1 = _mm_blend_epi16(st1, tmp, 0xF0);       /* CDGH */

	for (; n; n--, p += 64) {
		save0 = st0;
		save1 = st1;

#define RND4(mi, k)                                                                   \
	do {                                                                          \
		msg = _mm_add_epi32(mi, load128(&K[k])); \
		st1 = _mm_sha256rnds2_epu32(st1, st0, msg);                           \
		msg = _mm_shuffle_epi32(msg, 0x0E);                                   \
		st0 = _mm_sha256rnds2_epu32(st0, st1, msg);                           \
	} while (0)
/* next = sha256msg2(sha256msg1(a, b) + alignr(d, c, 4), d) */
#define SCHED(a, b, c, d)                                                             \
	do {                                                                          \
		tmp = _mm_alignr_epi8(d, c, 4);                                       \
		a = _mm_add_epi32(_mm_sha256msg1_epu32(a, b), tmp);                   \
		a = _mm_sha256msg2_epu32(a, d);                                       \
	} while (0)

		m0 = _mm_shuffle_epi8(load128(p), mask);
		m1 = _mm_shuffle_epi8(load128(p + 16), mask);
		m2 = _mm_shuffle_epi8(load128(p + 32), mask);
		m3 = _mm_shuffle_epi8(load128(p + 48), mask);
		RND4(m0, 0);
		RND4(m1, 4);
		RND4(m2, 8);
		RND4(m3, 12);
		for (int k = 16; k < 64; k += 16) {
			SCHED(m0, m1, m2, m3);
			RND4(m0, k);
			SCHED(m1, m2, m3, m0);
			RND4(m1, k + 4);
			SCHED(m2, m3, m0, m1);
			RND4(m2, k + 8);
			SCHED(m3, m0, m1, m2);
			RND4(m3, k + 12);
		}
#undef RND4
#undef SCHED
		st0 = _mm_add_epi32(st0, save0);
		st1 = _mm_add_epi32(st1, save1);
	}

	tmp = _mm_shuffle_epi32(st0, 0x1B);          /* FEBA */
	st1 = _mm_shuffle_epi32(st1, 0xB1);          /* DCHG */
	st0 = _mm_blend_epi16(tmp, st1, 0xF0);       /* DCBA */
	st1 = _mm_alignr_epi8(st1, tmp, 8);          /* ABEF -> HGFE */
	_mm_storeu_si128((__m128i *)(void *)&h[0], st0);
	_mm_storeu_si128((__m128i *)(void *)&h[4], st1);
}

static bool cpu_has_sha(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	if (!(b & (1u << 29))) /* SHA */
		return false;
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return false;
	return (c & (1u << 19)) && (c & (1u << 9)); /* SSE4.1, SSSE3 */
}
#endif

/* 0 = undecided, 1 = portable, 2 = SHA-NI. Racing first calls store the same value. */
static int impl;

void sha256_set_accel(bool on)
{
#ifdef SHA256_HAVE_NI
	__atomic_store_n(&impl, on && cpu_has_sha() ? 2 : 1, __ATOMIC_RELAXED);
#else
	(void)on;
	__atomic_store_n(&impl, 1, __ATOMIC_RELAXED);
#endif
}

bool sha256_accel(void)
{
	if (!__atomic_load_n(&impl, __ATOMIC_RELAXED))
		sha256_set_accel(true);
	return __atomic_load_n(&impl, __ATOMIC_RELAXED) == 2;
}

static void blocks(uint32_t h[8], const uint8_t *p, size_t n)
{
#ifdef SHA256_HAVE_NI
	if (sha256_accel()) {
		blocks_ni(h, p, n);
		return;
	}
#endif
	blocks_c(h, p, n);
}

void sha256_init(struct sha256 *s)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->fill = 0;
}

void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->len += len;
	if (s->fill) {
		size_t n = 64 - s->fill < len ? 64 - s->fill : len;

		memcpy(s->buf + s->fill, p, n);
		s->fill += n;
		p += n;
		len -= n;
		if (s->fill < 64)
			return;
		blocks(s->h, s->buf, 1);
		s->fill = 0;
	}
	if (len >= 64) {
		blocks(s->h, p, len / 64);
		p += len & ~(size_t)63;
		len &= 63;
	}
	memcpy(s->buf, p, len);
	s->fill = len;
}

void sha256_final(struct sha256 *s, uint8_t out[32])
{
	uint64_t bits = s->len * 8;

	s->buf[s->fill++] = 0x80;
	if (s->fill > 56) {
		memset(s->buf + s->fill, 0, 64 - s->fill);
		blocks(s->h, s->buf, 1);
		s->fill = 0;
	}
	memset(s->buf + s->fill, 0, 56 - s->fill);
	for (int i = 0; i < 8; i++)
		s->buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	blocks(s->h, s->buf, 1);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->h[i];
	}
	s->fill = 0;
}

void sha256_hex(const uint8_t d[32], char out[65])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}
