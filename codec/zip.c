/* zip.c - the zip container (FORMAT.md section 1): a bounded central-directory parser and
 * libarchive for every byte of entry data.
 *
 * Indexing reads only the end records and the central directory, so mounting costs the
 * same for a 1 KiB and a 1 GiB entry. The central directory is authoritative: local
 * headers are read at extraction time only to find where the compressed bytes start.
 *
 * Extraction hands libarchive's streaming zip reader a synthetic stream: a local header
 * rebuilt from the central directory (sizes and CRC filled in, no data-descriptor bit, a
 * neutral name) followed by exactly the entry's compressed bytes read from the file. So
 * libarchive inflates and checks the CRC against the central directory's values whatever
 * the original local header said, entries with and without data descriptors look alike,
 * and no other entry is ever parsed. Each call opens its own descriptor and handle.
 */
#include "codec/zip.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec/alloc.h"

#define EOCD_LEN       22
#define EOCD_MAX_TAIL  (EOCD_LEN + 0xffff) /* record + longest comment */
#define Z64_LOC_LEN    20
#define Z64_EOCD_LEN   56
#define CDFH_LEN       46
#define LFH_LEN        30

#define ZIP_MAX_CD_BYTES  ((uint64_t)256 << 20) /* central directory read into memory */
#define ZIP_MAX_COMPONENT 255                   /* NAME_MAX: one path component */
#define ZIP_DEFLATE_RATIO 1100                  /* deflate expands at most ~1032:1 */
#define ZIP_CHUNK_MIN     ((size_t)64 << 10)    /* first read: enough for a header prefix */
#define ZIP_CHUNK_MAX     ((size_t)1 << 20)     /* steady-state read size */

#define FLAG_ENCRYPTED        0x0001
#define FLAG_DESCRIPTOR       0x0008
#define FLAG_STRONG_ENCRYPTED 0x0040
#define FLAG_UTF8             0x0800

/* What extraction needs beyond the public entry: where the local header is. The public
 * struct zip_index is the first member, so codec_zip_index hands out &priv->pub. */
struct zip_priv {
	struct zip_index pub;
	uint64_t *lho;    /* absolute local-header offset of each entry */
	uint64_t cd_start; /* absolute offset of the central directory: data ends before it */
	dev_t dev;
	ino_t ino;
};

static struct zip_priv *priv_of(const struct zip_index *idx)
{
	return (struct zip_priv *)((char *)(uintptr_t)idx - offsetof(struct zip_priv, pub));
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static const char *errstr(int errnum, char *buf, size_t len)
{
	return strerror_r(errnum, buf, len); /* GNU variant: returns the message */
}

/* Reads up to len bytes at off; returns the count (short only at end of file) or -errno. */
static ssize_t pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	if (off > (uint64_t)INT64_MAX)
		return -EINVAL;
	while (got < len) {
		ssize_t r = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* ------------------------------------------------------------------ names */

/* Code points of CP437 bytes 0x80-0xff: names without the UTF-8 flag use this charset. */
static const uint16_t cp437_high[128] = {
	199,  252,  233,  226,  228,  224,  229,  231,  234,  235,  232,  239,  238,  236,  196,
	197,  201,  230,  198,  244,  246,  242,  251,  249,  255,  214,  220,  162,  163,  165,
	8359, 402,  225,  237,  243,  250,  241,  209,  170,  186,  191,  8976, 172,  189,  188,
	161,  171,  187,  9617, 9618, 9619, 9474, 9508, 9569, 9570, 9558, 9557, 9571, 9553, 9559,
	9565, 9564, 9563, 9488, 9492, 9524, 9516, 9500, 9472, 9532, 9566, 9567, 9562, 9556, 9577,
	9574, 9568, 9552, 9580, 9575, 9576, 9572, 9573, 9561, 9560, 9554, 9555, 9579, 9578, 9496,
	9484, 9608, 9604, 9612, 9616, 9600, 945,  223,  915,  960,  931,  963,  181,  964,  934,
	920,  937,  948,  8734, 966,  949,  8745, 8801, 177,  8805, 8804, 8992, 8993, 247,  8776,
	176,  8729, 183,  8730, 8319, 178,  9632, 160,
};

static size_t put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	out[0] = (char)(0xe0 | cp >> 12);
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (char)(0x80 | (cp & 0x3f));
	return 3;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* Converts a stored name to UTF-8 (CP437 unless flagged UTF-8; invalid UTF-8 bytes become
 * U+FFFD). out must hold 3 * n bytes. Returns the length. */
static size_t name_to_utf8(const char *name, size_t n, bool utf8, char *out)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		size_t l;

		if (s[i] < 0x80) {
			out[o++] = (char)s[i++];
		} else if (!utf8) {
			o += put_utf8(out + o, cp437_high[s[i++] - 0x80]);
		} else if ((l = utf8_seq(s + i, n - i)) != 0) {
			memcpy(out + o, s + i, l);
			o += l;
			i += l;
		} else {
			o += put_utf8(out + o, 0xfffd);
			i++;
		}
	}
	return o;
}

static uint32_t fnv1a(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* Removes the last character (a whole UTF-8 sequence) and then any trailing '/'. */
static size_t drop_last_char(const char *s, size_t len)
{
	if (len)
		len--;
	while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	while (len && s[len - 1] == '/')
		len--;
	return len;
}

static size_t last_component_len(const char *s, size_t len)
{
	size_t i = len;

	while (i && s[i - 1] != '/')
		i--;
	return len - i;
}

/* Shortens path s (length len) so that appending a suffix of slen bytes keeps the whole
 * path within ZIP_MAX_NAME and its last component within ZIP_MAX_COMPONENT. */
static size_t fit_for_suffix(const char *s, size_t len, size_t slen)
{
	while (len && (len + slen > ZIP_MAX_NAME ||
		       last_component_len(s, len) + slen > ZIP_MAX_COMPONENT))
		len = drop_last_char(s, len);
	return len;
}

/* Builds the sanitised path of a stored name: UTF-8; components "", "." and ".." dropped
 * (so no absolute path, no escape, no empty part); each component at most
 * ZIP_MAX_COMPONENT bytes and the whole at most ZIP_MAX_NAME, over-long parts cut and
 * marked "~xxxxxxxx" (a hash of what was cut, so distinct names tend to stay distinct);
 * an empty result becomes "unnamed". Returns an owned string or NULL (no memory). */
static char *sanitise(const char *name, size_t n, bool utf8)
{
	char *u, *out;
	size_t ulen, o = 0;
	size_t cap;

	if (!size_mul_ok(n, 3, &cap) || !size_add_ok(cap, 16, &cap))
		return NULL;
	u = dl_malloc(cap);
	out = dl_malloc(cap);
	if (!u || !out) {
		dl_free(u);
		dl_free(out);
		return NULL;
	}
	ulen = name_to_utf8(name, n, utf8, u);
	for (size_t i = 0; i < ulen;) {
		size_t j = i, clen;

		while (j < ulen && u[j] != '/')
			j++;
		clen = j - i;
		if (!(clen == 0 || (clen == 1 && u[i] == '.') ||
		      (clen == 2 && u[i] == '.' && u[i + 1] == '.'))) {
			if (o)
				out[o++] = '/';
			if (clen > ZIP_MAX_COMPONENT) {
				size_t keep = ZIP_MAX_COMPONENT - 9;

				while (keep && ((unsigned char)u[i + keep] & 0xc0) == 0x80)
					keep--;
				memcpy(out + o, u + i, keep);
				o += keep;
				o += (size_t)sprintf(out + o, "~%08x", fnv1a(u + i, clen));
			} else {
				memcpy(out + o, u + i, clen);
				o += clen;
			}
		}
		i = j + 1;
	}
	if (o > ZIP_MAX_NAME) {
		uint32_t h = fnv1a(out, o);

		o = fit_for_suffix(out, o, 9);
		o += (size_t)sprintf(out + o, "~%08x", h);
	}
	if (!o)
		o = (size_t)sprintf(out, "unnamed");
	out[o] = '\0';
	dl_free(u);
	return out;
}

/* ------------------------------------------------------------------ unique paths */

/* Open-addressing set of path strings (borrowed), each with the next "~k" to try. */
struct pathset {
	const char **key;
	int *next;
	size_t mask;
};

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int pathset_init(struct pathset *ps, size_t n)
{
	size_t cap = 16;

	while (cap < 4 * n + 16)
		cap <<= 1;
	ps->key = dl_calloc(cap, sizeof(*ps->key));
	ps->next = dl_calloc(cap, sizeof(*ps->next));
	ps->mask = cap - 1;
	return ps->key && ps->next ? 0 : -ENOMEM;
}

static void pathset_fini(struct pathset *ps)
{
	dl_free(ps->key);
	dl_free(ps->next);
}

/* Slot of s: either holding s or the empty slot where it belongs. */
static size_t pathset_slot(const struct pathset *ps, const char *s)
{
	size_t i = (size_t)str_hash(s) & ps->mask;

	while (ps->key[i] && strcmp(ps->key[i], s) != 0)
		i = (i + 1) & ps->mask;
	return i;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* True if some path in sorted[] lies below directory p ("p/..."). */
static bool is_parent_dir(const char *const *sorted, size_t n, const char *p)
{
	size_t plen = strlen(p), lo = 0, hi = n;

	/* lower bound of p + "/" */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *q = sorted[mid];
		int c = strncmp(q, p, plen);

		if (c == 0)
			c = (int)(unsigned char)q[plen] - '/';
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strncmp(sorted[lo], p, plen) == 0 && sorted[lo][plen] == '/';
}

/* Gives entry i the first free "base~k" (k >= 2), remembering k per base so that many
 * duplicates of one name cost linear time. */
static int assign_suffixed(struct pathset *ps, const char *const *sorted, size_t n,
			   struct zip_entry *z, char *base, struct err *e)
{
	size_t bslot = pathset_slot(ps, base), slot;
	char buf[ZIP_MAX_NAME + 16];
	int k;

	if (!ps->key[bslot]) { /* base is taken by an implied directory only */
		ps->key[bslot] = base;
		ps->next[bslot] = 2;
	}
	for (k = ps->next[bslot];; k++) {
		char suf[16];
		size_t slen = (size_t)snprintf(suf, sizeof(suf), "~%d", k);
		size_t len = fit_for_suffix(base, strlen(base), slen);

		memcpy(buf, base, len);
		memcpy(buf + len, suf, slen + 1);
		slot = pathset_slot(ps, buf);
		if (!ps->key[slot] && (z->is_dir || !is_parent_dir(sorted, n, buf)))
			break;
	}
	ps->next[bslot] = k + 1;
	z->path = dl_strdup(buf);
	if (!z->path)
		return err_set(e, -ENOMEM, "out of memory for entry names");
	ps->key[slot] = z->path;
	ps->next[slot] = 2;
	return 0;
}

/* Gives every entry a path no other entry has, and no file a path that is also a
 * directory (explicit, or implied by a deeper path). Names as sanitised are claimed
 * first, directory entries before files, in central-directory order; then every entry
 * that lost its name becomes "path~2", "path~3", ... in central-directory order. */
static int assign_unique(struct zip_entry *ents, int n, char **base, struct err *e)
{
	const char **sorted = dl_malloc((size_t)(n ? n : 1) * sizeof(*sorted));
	struct pathset ps = { 0 };
	int rc = 0;

	if (!sorted || pathset_init(&ps, (size_t)n)) {
		rc = err_set(e, -ENOMEM, "out of memory for %d entry names", n);
		goto out;
	}
	for (int i = 0; i < n; i++)
		sorted[i] = base[i];
	qsort(sorted, (size_t)n, sizeof(*sorted), cmp_str);

	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < n; i++) {
			struct zip_entry *z = &ents[i];
			size_t slot;

			if (z->is_dir != (pass == 0))
				continue;
			slot = pathset_slot(&ps, base[i]);
			if (ps.key[slot] ||
			    (!z->is_dir && is_parent_dir(sorted, (size_t)n, base[i])))
				continue;
			ps.key[slot] = base[i];
			ps.next[slot] = 2;
			z->path = base[i];
		}
	}
	for (int i = 0; i < n && !rc; i++) {
		if (!ents[i].path)
			rc = assign_suffixed(&ps, sorted, (size_t)n, &ents[i], base[i], e);
	}
out:
	pathset_fini(&ps);
	dl_free(sorted);
	return rc;
}

/* ------------------------------------------------------------------ central directory */

/* DOS date/time fields are local wall-clock time. mktime() would stat the zone file for
 * every entry; timegm() plus the zone offset at that instant gives the same answer
 * (outside the hour a DST change skips or repeats). */
static time_t dos_time(uint16_t t, uint16_t d)
{
	struct tm tm = { 0 }, lt;
	time_t utc, loc;

	tm.tm_year = ((d >> 9) & 0x7f) + 80;
	tm.tm_mon = ((d >> 5) & 0x0f) - 1;
	tm.tm_mday = d & 0x1f;
	tm.tm_hour = (t >> 11) & 0x1f;
	tm.tm_min = (t >> 5) & 0x3f;
	tm.tm_sec = (t & 0x1f) * 2;
	utc = timegm(&tm);
	if (!localtime_r(&utc, &lt))
		return utc;
	loc = utc - lt.tm_gmtoff;
	if (localtime_r(&loc, &lt))
		loc = utc - lt.tm_gmtoff;
	return loc;
}

struct cd_rec {
	uint64_t usize, csize, lho;
	uint32_t disk;
	bool have_utime;
	time_t utime;
};

/* Applies the extra fields of one central-directory record: zip64 sizes/offset (required
 * when a field holds its 0xffff... sentinel), Info-ZIP "UT" and NTFS timestamps. */
static int parse_extra(const uint8_t *x, size_t xlen, struct cd_rec *r, const char *name,
		       struct err *e)
{
	bool need_u = r->usize == 0xffffffffu, need_c = r->csize == 0xffffffffu;
	bool need_o = r->lho == 0xffffffffu, need_d = r->disk == 0xffff;
	bool have_ntfs = false;
	size_t i = 0;

	while (i + 4 <= xlen) {
		uint16_t id = le16(x + i), len = le16(x + i + 2);
		const uint8_t *d = x + i + 4;
		size_t p = 0;

		if (len > xlen - i - 4)
			break; /* malformed tail: ignored unless zip64 data was needed */
		if (id == 0x0001) {
			if (need_u && p + 8 <= len)
				r->usize = le64(d + p), p += 8, need_u = false;
			if (need_c && p + 8 <= len)
				r->csize = le64(d + p), p += 8, need_c = false;
			if (need_o && p + 8 <= len)
				r->lho = le64(d + p), p += 8, need_o = false;
			if (need_d && p + 4 <= len)
				r->disk = le32(d + p), need_d = false;
		} else if (id == 0x5455 && len >= 5 && (d[0] & 1) && !have_ntfs) {
			r->have_utime = true;
			r->utime = (time_t)(int32_t)le32(d + 1);
		} else if (id == 0x000a && len >= 32 && le16(d + 4) == 1 && le16(d + 6) >= 24) {
			uint64_t ft = le64(d + 8); /* 100 ns units since 1601 */

			have_ntfs = true;
			r->have_utime = true;
			r->utime = (time_t)(ft / 10000000u) - (time_t)11644473600;
		}
		i += 4 + (size_t)len;
	}
	if (need_u || need_c || need_o || need_d)
		return err_set(e, -EBADMSG,
			       "entry '%s': sizes or offset need a zip64 extra field, which is "
			       "missing or too short", name);
	return 0;
}

struct eocd {
	uint64_t n, cd_size, cd_off;
	uint64_t end; /* where the central directory must end: start of the end record(s) */
};

/* Finds and decodes the end-of-central-directory record (and its zip64 twin). */
static int find_eocd(int fd, uint64_t fsize, struct eocd *out, struct err *e)
{
	size_t tail = fsize < EOCD_MAX_TAIL ? (size_t)fsize : EOCD_MAX_TAIL;
	uint64_t tail_off = fsize - tail;
	uint8_t *buf = dl_malloc(tail ? tail : 1);
	uint8_t magic[4] = { 0 };
	ssize_t r;
	int rc = 0;
	long pos = -1;
	uint64_t eocd_pos;
	uint32_t disk, cd_disk;
	char eb[128];

	if (!buf)
		return err_set(e, -ENOMEM, "out of memory");
	r = pread_full(fd, buf, tail, tail_off);
	if (r < 0 || (size_t)r != tail) {
		rc = err_set(e, -EIO, "cannot read: %s", r < 0 ? errstr((int)-r, eb, sizeof(eb))
								: "file shrank while reading");
		goto out;
	}
	for (long i = (long)tail - EOCD_LEN; i >= 0; i--) {
		const uint8_t *p = buf + i;

		if (p[0] == 'P' && p[1] == 'K' && p[2] == 5 && p[3] == 6 &&
		    (size_t)i + EOCD_LEN + le16(p + 20) <= tail) {
			pos = i;
			break;
		}
	}
	if (pos < 0) {
		if (pread_full(fd, magic, 4, 0) == 4 && memcmp(magic, "PK\3\4", 4) == 0)
			rc = err_set(e, -EBADMSG, "truncated zip archive: no end of central "
				     "directory record");
		else
			rc = err_set(e, -EBADMSG, "not a zip archive");
		goto out;
	}
	eocd_pos = tail_off + (uint64_t)pos;
	disk = le16(buf + pos + 4);
	cd_disk = le16(buf + pos + 6);
	out->n = le16(buf + pos + 10);
	out->cd_size = le32(buf + pos + 12);
	out->cd_off = le32(buf + pos + 16);
	out->end = eocd_pos;

	if (eocd_pos >= Z64_LOC_LEN) {
		uint8_t loc[Z64_LOC_LEN], z[Z64_EOCD_LEN];
		uint64_t lim = eocd_pos - Z64_LOC_LEN; /* the zip64 record ends by here */
		uint64_t cand[2] = { 0, 0 }, at = 0;
		bool found = false;

		if (pread_full(fd, loc, sizeof(loc), lim) == Z64_LOC_LEN &&
		    memcmp(loc, "PK\6\7", 4) == 0) {
			cand[0] = le64(loc + 8);
			cand[1] = lim >= Z64_EOCD_LEN ? lim - Z64_EOCD_LEN : UINT64_MAX;
			for (int c = 0; c < 2 && !found && lim >= Z64_EOCD_LEN; c++) {
				if (cand[c] > lim - Z64_EOCD_LEN)
					continue;
				if (pread_full(fd, z, sizeof(z), cand[c]) == Z64_EOCD_LEN &&
				    memcmp(z, "PK\6\6", 4) == 0) {
					found = true;
					at = cand[c];
				}
			}
			if (!found) {
				rc = err_set(e, -EBADMSG, "zip64 end of central directory record "
					     "not found (locator at offset %llu)",
					     (unsigned long long)(eocd_pos - Z64_LOC_LEN));
				goto out;
			}
			disk = le32(z + 16);
			cd_disk = le32(z + 20);
			out->n = le64(z + 32);
			out->cd_size = le64(z + 40);
			out->cd_off = le64(z + 48);
			out->end = at;
		}
	}
	if (disk != 0 || cd_disk != 0)
		rc = err_set(e, -ENOTSUP, "multi-disk zip archives are not supported "
			     "(disk %u, central directory on disk %u)", disk, cd_disk);
out:
	dl_free(buf);
	return rc;
}

/* Decodes central-directory record i at cd[*off]; advances *off. */
static int parse_cdfh(const uint8_t *cd, uint64_t cd_size, uint64_t cd_start, uint64_t *off,
		      int i, struct zip_entry *z, struct cd_rec *r, char **base, struct err *e)
{
	const uint8_t *p = cd + *off;
	uint16_t nlen, xlen, clen, t, d;

	if (cd_size - *off < CDFH_LEN)
		return err_set(e, -EBADMSG, "central directory truncated: record %d of the "
			       "declared entries is missing", i);
	if (memcmp(p, "PK\1\2", 4) != 0)
		return err_set(e, -EBADMSG, "bad central directory record signature at entry %d "
			       "(file offset %llu)", i, (unsigned long long)(cd_start + *off));
	z->flags = le16(p + 8);
	z->method = le16(p + 10);
	t = le16(p + 12);
	d = le16(p + 14);
	z->crc32 = le32(p + 16);
	r->csize = le32(p + 20);
	r->usize = le32(p + 24);
	nlen = le16(p + 28);
	xlen = le16(p + 30);
	clen = le16(p + 32);
	r->disk = le16(p + 34);
	r->lho = le32(p + 42);
	r->have_utime = false;
	if (cd_size - *off - CDFH_LEN < (uint64_t)nlen + xlen + clen)
		return err_set(e, -EBADMSG, "central directory truncated in entry %d", i);
	z->index = i;
	z->name = dl_strndup((const char *)p + CDFH_LEN, nlen);
	*base = z->name ? sanitise((const char *)p + CDFH_LEN, strlen(z->name),
				   z->flags & FLAG_UTF8)
			: NULL;
	if (!z->name || !*base)
		return err_set(e, -ENOMEM, "out of memory for entry names");
	z->is_dir = z->name[0] && z->name[strlen(z->name) - 1] == '/';
	if (parse_extra(p + CDFH_LEN + nlen, xlen, r, z->name, e))
		return e->code;
	z->mtime = r->have_utime ? r->utime : dos_time(t, d);
	z->size = r->usize;
	z->csize = r->csize;
	*off += CDFH_LEN + (uint64_t)nlen + xlen + clen;
	return 0;
}

/* Checks one entry's sizes and data range against the archive's layout. */
static int check_entry(const struct zip_entry *z, const struct cd_rec *r, uint64_t base,
		       uint64_t cd_start, struct err *e)
{
	uint64_t room;

	if (r->disk != 0)
		return err_set(e, -ENOTSUP, "entry '%s': on disk %u (multi-disk archives are not "
			       "supported)", z->name, r->disk);
	if (z->size > (uint64_t)INT64_MAX || z->csize > (uint64_t)INT64_MAX)
		return err_set(e, -EOVERFLOW, "entry '%s': absurd size %llu (%llu compressed)",
			       z->name, (unsigned long long)z->size,
			       (unsigned long long)z->csize);
	room = cd_start - base; /* bytes before the central directory, from the archive start */
	if (r->lho > room || room - r->lho < LFH_LEN || room - r->lho - LFH_LEN < z->csize)
		return err_set(e, -EBADMSG, "entry '%s': data (local header at offset %llu, %llu "
			       "bytes) runs into the central directory at offset %llu", z->name,
			       (unsigned long long)r->lho, (unsigned long long)z->csize,
			       (unsigned long long)room);
	if (!(z->flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTED))) {
		if (z->method == 0 && z->size != z->csize)
			return err_set(e, -EBADMSG, "entry '%s': stored, but its size %llu differs "
				       "from its compressed size %llu", z->name,
				       (unsigned long long)z->size,
				       (unsigned long long)z->csize);
		if (z->method == 8 && z->size / ZIP_DEFLATE_RATIO > z->csize + 1)
			return err_set(e, -EOVERFLOW, "entry '%s': size %llu is impossible for "
				       "%llu deflated bytes", z->name,
				       (unsigned long long)z->size,
				       (unsigned long long)z->csize);
	}
	return 0;
}

static int read_index(int fd, struct zip_priv *pv, struct err *e)
{
	struct zip_index *idx = &pv->pub;
	struct eocd eo = { 0 };
	uint8_t *cd = NULL;
	char **base = NULL;
	uint64_t off = 0, cd_start, zbase;
	ssize_t r;
	int rc, n;
	char eb[128];

	rc = find_eocd(fd, idx->file_size, &eo, e);
	if (rc)
		return rc;
	if (eo.n > ZIP_MAX_ENTRIES)
		return err_set(e, -EOVERFLOW, "%llu entries exceed the limit of %d",
			       (unsigned long long)eo.n, ZIP_MAX_ENTRIES);
	if (eo.cd_size > ZIP_MAX_CD_BYTES)
		return err_set(e, -EOVERFLOW, "central directory of %llu bytes exceeds the limit "
			       "of %llu", (unsigned long long)eo.cd_size,
			       (unsigned long long)ZIP_MAX_CD_BYTES);
	if (eo.cd_size > eo.end)
		return err_set(e, -EBADMSG, "central directory size %llu exceeds the %llu bytes "
			       "before its end record", (unsigned long long)eo.cd_size,
			       (unsigned long long)eo.end);
	cd_start = eo.end - eo.cd_size;
	if (eo.cd_off > cd_start)
		return err_set(e, -EBADMSG, "central directory offset %llu plus size %llu runs "
			       "past its end record at offset %llu", (unsigned long long)eo.cd_off,
			       (unsigned long long)eo.cd_size, (unsigned long long)eo.end);
	zbase = cd_start - eo.cd_off; /* > 0: bytes prepended to the archive (e.g. a stub) */
	n = (int)eo.n;
	if (eo.cd_size / CDFH_LEN < eo.n)
		return err_set(e, -EBADMSG, "central directory truncated: %llu bytes cannot hold "
			       "%d entries", (unsigned long long)eo.cd_size, n);

	cd = dl_malloc(eo.cd_size ? (size_t)eo.cd_size : 1);
	idx->e = dl_calloc((size_t)(n ? n : 1), sizeof(*idx->e));
	pv->lho = dl_calloc((size_t)(n ? n : 1), sizeof(*pv->lho));
	base = dl_calloc((size_t)(n ? n : 1), sizeof(*base));
	if (!cd || !idx->e || !pv->lho || !base) {
		rc = err_set(e, -ENOMEM, "out of memory for a central directory of %d entries", n);
		goto out;
	}
	r = pread_full(fd, cd, (size_t)eo.cd_size, cd_start);
	if (r < 0 || (uint64_t)r != eo.cd_size) {
		rc = err_set(e, -EIO, "cannot read the central directory: %s",
			     r < 0 ? errstr((int)-r, eb, sizeof(eb)) : "file shrank while reading");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct cd_rec rec = { 0 };

		idx->n = i + 1; /* so that codec_zip_free releases what was filled */
		rc = parse_cdfh(cd, eo.cd_size, cd_start, &off, i, &idx->e[i], &rec, &base[i], e);
		if (!rc)
			rc = check_entry(&idx->e[i], &rec, zbase, cd_start, e);
		if (rc)
			goto out;
		pv->lho[i] = zbase + rec.lho;
	}
	if (eo.cd_size - off >= 4 && memcmp(cd + off, "PK\1\2", 4) == 0) {
		rc = err_set(e, -EBADMSG, "central directory holds more records than the %d its "
			     "end record declares", n);
		goto out;
	}
	pv->cd_start = cd_start;
	rc = assign_unique(idx->e, n, base, e);
out:
	if (base) {
		for (int i = 0; i < idx->n; i++) {
			if (base[i] && base[i] != idx->e[i].path)
				dl_free(base[i]);
		}
	}
	dl_free(base);
	dl_free(cd);
	return rc;
}

int codec_zip_index(const char *path, struct zip_index **out, struct err *e)
{
	struct zip_priv *pv;
	struct stat st;
	int fd, rc;
	char eb[128];

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int saverr = errno;

		return err_set(e, (saverr == ENOENT || saverr == ENOTDIR) ? -ENOENT : -EIO,
			       "cannot open: %s", errstr(saverr, eb, sizeof(eb)));
	}
	if (fstat(fd, &st) != 0) {
		int saverr = errno;

		close(fd);
		return err_set(e, -EIO, "cannot stat: %s", errstr(saverr, eb, sizeof(eb)));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, -EIO, "cannot read: not a regular file");
	}
	if (st.st_size == 0) {
		close(fd);
		return err_set(e, -EBADMSG, "not a zip archive (empty file)");
	}
	pv = dl_calloc(1, sizeof(*pv));
	if (!pv) {
		close(fd);
		return err_set(e, -ENOMEM, "out of memory");
	}
	pv->dev = st.st_dev;
	pv->ino = st.st_ino;
	pv->pub.file_size = (uint64_t)st.st_size;
	pv->pub.path = dl_strdup(path);
	if (!pv->pub.path)
		rc = err_set(e, -ENOMEM, "out of memory");
	else
		rc = read_index(fd, pv, e);
	close(fd);
	if (rc) {
		codec_zip_free(&pv->pub);
		return rc;
	}
	*out = &pv->pub;
	return 0;
}

const struct zip_entry *codec_zip_find(const struct zip_index *idx, const char *name)
{
	for (int i = 0; i < idx->n; i++) {
		if (strcmp(idx->e[i].name, name) == 0)
			return &idx->e[i];
	}
	return NULL;
}

void codec_zip_free(struct zip_index *idx)
{
	struct zip_priv *pv;

	if (!idx)
		return;
	pv = priv_of(idx);
	for (int i = 0; i < idx->n; i++) {
		dl_free(idx->e[i].name);
		dl_free(idx->e[i].path);
	}
	dl_free(idx->e);
	dl_free(idx->path);
	dl_free(pv->lho);
	dl_free(pv);
}

/* ------------------------------------------------------------------ extraction */

/* The synthetic stream handed to libarchive: header, then the compressed bytes. */
struct xsrc {
	int fd;
	const uint8_t *hdr;
	size_t hdr_len;
	bool hdr_done;
	uint64_t off, left; /* remaining compressed bytes in the file */
	uint8_t *buf;
	size_t chunk;
	int io_err; /* errno of a failed read, or -1 for a file that shrank */
};

static la_ssize_t xsrc_read(struct archive *a, void *arg, const void **out)
{
	struct xsrc *s = arg;
	size_t want;
	ssize_t r;

	if (!s->hdr_done) {
		s->hdr_done = true;
		*out = s->hdr;
		return (la_ssize_t)s->hdr_len;
	}
	if (!s->left)
		return 0;
	want = s->left < s->chunk ? (size_t)s->left : s->chunk;
	r = pread_full(s->fd, s->buf, want, s->off);
	if (r <= 0) {
		s->io_err = r < 0 ? (int)-r : -1;
		archive_set_error(a, r < 0 ? (int)-r : EIO, "read failed");
		return -1;
	}
	s->off += (uint64_t)r;
	s->left -= (uint64_t)r;
	if (s->chunk < ZIP_CHUNK_MAX)
		s->chunk *= 2;
	*out = s->buf;
	return r;
}

/* Local header that tells libarchive exactly what the central directory says. */
static size_t synth_header(const struct zip_entry *z, uint8_t *h)
{
	bool z64 = z->size >= 0xffffffffu || z->csize >= 0xffffffffu;

	memset(h, 0, LFH_LEN + 1 + 20);
	memcpy(h, "PK\3\4", 4);
	put16(h + 4, z64 ? 45 : 20);
	put16(h + 6, z->flags & 0x0006); /* compression options only; no descriptor bit */
	put16(h + 8, (uint16_t)z->method);
	put16(h + 12, 0x0021); /* 1980-01-01: libarchive's timestamp is not used */
	put32(h + 14, z->crc32);
	put32(h + 18, z64 ? 0xffffffffu : (uint32_t)z->csize);
	put32(h + 22, z64 ? 0xffffffffu : (uint32_t)z->size);
	put16(h + 26, 1);
	put16(h + 28, z64 ? 20 : 0);
	h[LFH_LEN] = 'f';
	if (z64) {
		uint8_t *x = h + LFH_LEN + 1;

		put16(x, 0x0001);
		put16(x + 2, 16);
		put64(x + 4, z->size);
		put64(x + 12, z->csize);
		return LFH_LEN + 1 + 20;
	}
	return LFH_LEN + 1;
}

/* Opens the archive again for one extraction and locates the entry's compressed bytes. */
static int open_entry(const struct zip_index *idx, const struct zip_entry *z, int *fdp,
		      uint64_t *data_off, struct err *e)
{
	const struct zip_priv *pv = priv_of(idx);
	uint8_t lfh[LFH_LEN];
	struct stat st;
	uint64_t lho, doff;
	ssize_t r;
	int fd;
	char eb[128];

	if (z < idx->e || z >= idx->e + idx->n)
		return err_set(e, -ENOENT, "entry '%s' is not part of this archive's index",
			       z->name);
	lho = pv->lho[z - idx->e];
	fd = open(idx->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int saverr = errno;

		return err_set(e, saverr == ENOENT ? -ENOENT : -EIO, "entry '%s': cannot open "
			       "the archive: %s", z->name, errstr(saverr, eb, sizeof(eb)));
	}
	if (fstat(fd, &st) != 0 || st.st_dev != pv->dev || st.st_ino != pv->ino ||
	    (uint64_t)st.st_size != idx->file_size) {
		close(fd);
		return err_set(e, -EIO, "entry '%s': the archive changed since it was indexed",
			       z->name);
	}
	r = pread_full(fd, lfh, LFH_LEN, lho);
	if (r != LFH_LEN || memcmp(lfh, "PK\3\4", 4) != 0) {
		close(fd);
		if (r < 0)
			return err_set(e, -EIO, "entry '%s': cannot read: %s", z->name,
				       errstr((int)-r, eb, sizeof(eb)));
		return err_set(e, -EBADMSG, "entry '%s': no local header at offset %llu",
			       z->name, (unsigned long long)lho);
	}
	doff = lho + LFH_LEN + le16(lfh + 26) + le16(lfh + 28);
	if (doff > pv->cd_start || pv->cd_start - doff < z->csize) {
		close(fd);
		return err_set(e, -EBADMSG, "entry '%s': data at offset %llu (%llu bytes) runs "
			       "into the central directory", z->name, (unsigned long long)doff,
			       (unsigned long long)z->csize);
	}
	*fdp = fd;
	*data_off = doff;
	return 0;
}

static int archive_fail(struct archive *a, const struct xsrc *s, const struct zip_entry *z,
			struct err *e)
{
	const char *msg = archive_error_string(a);
	char eb[128], m[200];
	size_t n;

	if (s->io_err > 0)
		return err_set(e, -EIO, "entry '%s': read error: %s", z->name,
			       errstr(s->io_err, eb, sizeof(eb)));
	if (s->io_err < 0)
		return err_set(e, -EIO, "entry '%s': the archive shrank while reading", z->name);
	if (!msg)
		msg = "decompression failed";
	n = strlen(msg); /* some libarchive messages end in a newline */
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	snprintf(m, sizeof(m), "%.*s", (int)n, msg);
	msg = m;
	if (strstr(msg, "CRC"))
		return err_set(e, -EBADMSG, "entry '%s': crc mismatch (%s)", z->name, msg);
	if (strstr(msg, "Unsupported"))
		return err_set(e, -ENOTSUP, "entry '%s': %s", z->name, msg);
	return err_set(e, -EBADMSG, "entry '%s': %s", z->name, msg);
}

int codec_zip_extract(const struct zip_index *idx, const struct zip_entry *ent, zip_sink_fn sink,
		      void *ctx, struct err *e)
{
	struct xsrc s = { .fd = -1, .chunk = ZIP_CHUNK_MIN };
	struct archive *a = NULL;
	struct archive_entry *ae;
	uint8_t hdr[LFH_LEN + 1 + 20];
	uint64_t done = 0;
	int rc, r;

	if (ent->flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTED))
		return err_set(e, -ENOTSUP, "entry '%s': encrypted entries are not supported",
			       ent->name);
	if (ent->size == 0) { /* nothing to inflate; an empty entry's CRC is 0 */
		if (ent->crc32 != 0)
			return err_set(e, -EBADMSG, "entry '%s': crc mismatch (empty entry with "
				       "crc %08x)", ent->name, ent->crc32);
		return 0;
	}
	rc = open_entry(idx, ent, &s.fd, &s.off, e);
	if (rc)
		return rc;
	s.left = ent->csize;
	s.hdr = hdr;
	s.hdr_len = synth_header(ent, hdr);
	s.buf = dl_malloc(ZIP_CHUNK_MAX);
	a = archive_read_new();
	if (!s.buf || !a) {
		rc = err_set(e, -ENOMEM, "entry '%s': out of memory", ent->name);
		goto out;
	}
	archive_read_support_format_zip_streamable(a);
	if (archive_read_open2(a, &s, NULL, xsrc_read, NULL, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ae) != ARCHIVE_OK) {
		rc = archive_fail(a, &s, ent, e);
		goto out;
	}
	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;

		r = archive_read_data_block(a, &buf, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) { /* ARCHIVE_WARN carries CRC and size mismatches */
			rc = archive_fail(a, &s, ent, e);
			goto out;
		}
		if (!len)
			continue;
		if (off < 0 || (uint64_t)off != done) {
			rc = err_set(e, -EBADMSG, "entry '%s': decompressor skipped to offset %lld",
				     ent->name, (long long)off);
			goto out;
		}
		if (len > ent->size - done) {
			rc = err_set(e, -EBADMSG, "entry '%s': inflates to more than the %llu "
				     "bytes its central directory declares", ent->name,
				     (unsigned long long)ent->size);
			goto out;
		}
		done += len;
		r = sink(ctx, buf, len);
		if (r == 1 && done < ent->size)
			goto out; /* rc == 0: the reader has what it wants */
		if (r == 1)
			continue; /* all bytes delivered: still read to the end to check the CRC */
		if (r < 0) {
			char eb[128];

			rc = err_set(e, r, "entry '%s': output failed: %s", ent->name,
				     errstr(-r, eb, sizeof(eb)));
			goto out;
		}
	}
	if (done != ent->size)
		rc = err_set(e, -EBADMSG, "entry '%s': inflated to %llu bytes, central directory "
			     "says %llu", ent->name, (unsigned long long)done,
			     (unsigned long long)ent->size);
out:
	if (a)
		archive_read_free(a);
	dl_free(s.buf);
	if (s.fd >= 0)
		close(s.fd);
	return rc;
}

struct copy_sink {
	uint8_t *buf;
	size_t len, got;
};

static int copy_into(void *arg, const void *buf, size_t len)
{
	struct copy_sink *c = arg;
	size_t n = len < c->len - c->got ? len : c->len - c->got;

	memcpy(c->buf + c->got, buf, n);
	c->got += n;
	return c->got == c->len ? 1 : 0;
}

int codec_zip_read_prefix(const struct zip_index *idx, const struct zip_entry *ent, void *buf,
			  size_t len, size_t *got, struct err *e)
{
	struct copy_sink c = { .buf = buf, .len = len };
	int rc;

	if (!len) {
		*got = 0;
		return 0;
	}
	rc = codec_zip_extract(idx, ent, copy_into, &c, e);
	if (rc)
		return rc;
	*got = c.got;
	return 0;
}

int codec_zip_read_all(const struct zip_index *idx, const struct zip_entry *ent, size_t max_len,
		       uint8_t **out, size_t *len, struct err *e)
{
	struct copy_sink c = { 0 };
	int rc;

	if (ent->size > max_len || ent->size >= SIZE_MAX)
		return err_set(e, -EOVERFLOW, "entry '%s': %llu bytes exceed the limit of %zu",
			       ent->name, (unsigned long long)ent->size, max_len);
	c.len = (size_t)ent->size;
	c.buf = dl_malloc(c.len + 1);
	if (!c.buf)
		return err_set(e, -ENOMEM, "entry '%s': out of memory for %zu bytes", ent->name,
			       c.len);
	rc = codec_zip_extract(idx, ent, copy_into, &c, e);
	if (!rc && c.got != c.len) /* cannot happen: extract checks the length */
		rc = err_set(e, -EBADMSG, "entry '%s': short read", ent->name);
	if (rc) {
		dl_free(c.buf);
		return rc;
	}
	c.buf[c.len] = '\0';
	*out = c.buf;
	*len = c.len;
	return 0;
}
