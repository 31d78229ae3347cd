/* numfmt.h - shortest round-trip decimal formatting of floats and doubles, and NumPy
 * .npy headers. libc only.
 */
#ifndef DLFS_NUMFMT_H
#define DLFS_NUMFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes the shortest decimal string that parses back to exactly v both with strtof() and
 * with strtod() then a cast to float (numpy's and Python's way; for the two floats
 * +-0x15ae43fd the shortest string fails the latter, and one digit more is written). No NUL.
 * "nan", "inf", "-inf", "-0" for the specials; plain notation when the printed decimal is
 * within [1e-5, 1e9), else "1.5e-07" style. Returns the length (<= 16). */
int numfmt_f32(float v, char *buf);

/* Same for doubles and strtod(); returns the length (<= 25). */
int numfmt_f64(double v, char *buf);

/* Length numfmt_f32 would produce (same cost class; used to size text views). */
int numfmt_f32_len(float v);
int numfmt_f64_len(double v);

/* Builds a NumPy .npy header (format 1.0, or 2.0 when the dict exceeds 65535 bytes):
 * magic, version, header length, "{'descr': descr, 'fortran_order': ..., 'shape': (...), }"
 * padded with spaces and a final '\n' so that the total is a multiple of 64.
 * descr is unquoted ("<f4"). Returns the total header length and writes into buf only if
 * it fits in cap; returns 0 for a NULL descr, a negative rank, a NULL shape with rank > 0 or
 * a header over 4 GiB. */
size_t npy_header(char *buf, size_t cap, const char *descr, bool fortran, int rank,
		  const int64_t *shape);

#endif
