/* zip.h - the zip container, read through libarchive (FORMAT.md section 1).
 *
 * The central directory is authoritative: entries with and without data descriptors,
 * in any order, any names. Names are sanitised for use as paths (see codec_zip_index).
 */
#ifndef DLFS_ZIP_H
#define DLFS_ZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "codec/err.h"

#define ZIP_MAX_ENTRIES 100000
#define ZIP_MAX_NAME 1024

struct zip_entry {
	char *name;      /* name as stored (owned) */
	char *path;      /* sanitised relative path: no "..", no leading "/", no empty parts (owned) */
	uint64_t size;   /* uncompressed size from the central directory */
	uint64_t csize;  /* compressed size */
	uint32_t crc32;
	int method;      /* 0 stored, 8 deflate, ... */
	uint16_t flags;  /* general-purpose flags */
	time_t mtime;
	bool is_dir;
	int index;       /* position in the central directory */
};

/* Made only by codec_zip_index: extraction uses private data allocated along with it. */
struct zip_index {
	char *path; /* archive path (owned) */
	int n;
	struct zip_entry *e; /* owned array */
	uint64_t file_size;
};

/* Opens the archive, reads the central directory (not the entry data) and validates it:
 * not a zip / corrupt -> -EBADMSG; too many entries or an absurd size -> -EOVERFLOW;
 * duplicate sanitised paths -> second one renamed "name~2" etc. (kept, never dropped).
 * Unreadable file -> -EIO/-ENOENT with the system's reason in e. */
int codec_zip_index(const char *path, struct zip_index **out, struct err *e);

/* Finds an entry by exact stored name; NULL if absent. Borrowed from idx. */
const struct zip_entry *codec_zip_find(const struct zip_index *idx, const char *name);

/* Receives decompressed bytes in order. Return 0 to continue, 1 to stop early
 * (not an error), negative errno to abort. */
typedef int (*zip_sink_fn)(void *ctx, const void *buf, size_t len);

/* Streams the decompressed content of entry `ent` to sink. Opens its own libarchive handle
 * (safe to call from several threads at once). Verifies that the produced length equals
 * ent->size and reports CRC/inflate errors: -EBADMSG with "entry X: ..." in e. */
int codec_zip_extract(const struct zip_index *idx, const struct zip_entry *ent, zip_sink_fn sink,
		      void *ctx, struct err *e);

/* Reads the first min(len, size) bytes of an entry into buf; *got gets the count. */
int codec_zip_read_prefix(const struct zip_index *idx, const struct zip_entry *ent, void *buf,
			  size_t len, size_t *got, struct err *e);

/* Reads a whole entry into a new buffer (NUL-terminated for convenience; *len excludes the
 * NUL). Refuses entries larger than max_len with -EOVERFLOW. *out owned by caller. */
int codec_zip_read_all(const struct zip_index *idx, const struct zip_entry *ent, size_t max_len,
		       uint8_t **out, size_t *len, struct err *e);

void codec_zip_free(struct zip_index *idx);

#endif
