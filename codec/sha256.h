/* sha256.h - SHA-256 (FIPS 180-4), libc only. */
#ifndef DLFS_SHA256_H
#define DLFS_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	size_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[32]);
/* Lower-case hex of a digest into out (65 bytes incl. NUL). */
void sha256_hex(const uint8_t d[32], char out[65]);

/* True if the CPU's SHA extensions are in use (decided on first use). */
bool sha256_accel(void);
/* Test/benchmark hook: false forces the portable code; true uses SHA-NI when the CPU has
 * it. Both compute the same digest, so switching mid-hash is harmless. */
void sha256_set_accel(bool on);

#endif
