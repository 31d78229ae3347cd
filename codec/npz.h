/* npz.h - reading NumPy .npz archives (a zip of .npy members, stored or deflated) from
 * memory. The members are returned as raw .npy bytes; parsing them is the caller's job.
 */
#ifndef DLFS_NPZ_H
#define DLFS_NPZ_H

#include <stddef.h>
#include <stdint.h>

#include "codec/err.h"

#define NPZ_MAX_MEMBERS 64		  /* members per archive (-EOVERFLOW) */
#define NPZ_MAX_BYTES	((size_t)1 << 30) /* decompressed bytes, all members together */

struct npz_member {
	char *name;    /* member name without a trailing ".npy" (owned) */
	uint8_t *data; /* decompressed bytes (owned) */
	size_t len;
};

/* Reads every regular member of the zip in buf[0..len). *out (owned, codec_npz_free) gets
 * *n members in archive order. Not a zip, a corrupt member, a CRC mismatch: -EBADMSG; more
 * than NPZ_MAX_MEMBERS members or NPZ_MAX_BYTES bytes: -EOVERFLOW; messages name the member. */
int codec_npz_read(const uint8_t *buf, size_t len, struct npz_member **out, int *n, struct err *e);

void codec_npz_free(struct npz_member *m, int n);

#endif
