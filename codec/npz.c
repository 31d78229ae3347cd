/* npz.c - NumPy .npz reading from memory with libarchive (zip, stored or deflated, zip64
 * extra fields as numpy.savez writes them).
 */
#include "codec/npz.h"

#include <archive.h>
#include <archive_entry.h>
#include <string.h>

#include "codec/alloc.h"

void codec_npz_free(struct npz_member *m, int n)
{
	if (!m)
		return;
	for (int i = 0; i < n; i++) {
		dl_free(m[i].name);
		dl_free(m[i].data);
	}
	dl_free(m);
}

static int read_member(struct archive *a, const char *name, size_t *total, uint8_t **out,
		       size_t *out_len, struct err *e)
{
	uint8_t *p = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		const void *buf;
		size_t k;
		la_int64_t off;
		int r = archive_read_data_block(a, &buf, &k, &off);

		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			dl_free(p);
			return err_set(e, -EBADMSG, ".npz member '%s': %s", name,
				       archive_error_string(a) ? archive_error_string(a)
							       : "cannot decompress");
		}
		if (off < 0 || (uint64_t)off != len) {
			dl_free(p);
			return err_set(e, -EBADMSG, ".npz member '%s': sparse data", name);
		}
		if (k == 0)
			continue;
		if (k > NPZ_MAX_BYTES - *total) {
			dl_free(p);
			return err_set(e, -EOVERFLOW,
				       ".npz member '%s': more than %zu bytes in all", name,
				       NPZ_MAX_BYTES);
		}
		if (len + k > cap) {
			size_t ncap = cap ? cap : 4096;
			uint8_t *q;

			while (ncap < len + k)
				ncap *= 2;
			q = dl_realloc(p, ncap);
			if (!q) {
				dl_free(p);
				return err_set(e, -ENOMEM, "out of memory");
			}
			p = q;
			cap = ncap;
		}
		memcpy(p + len, buf, k);
		len += k;
		*total += k;
	}
	if (!p) {
		p = dl_malloc(1);
		if (!p)
			return err_set(e, -ENOMEM, "out of memory");
	}
	*out = p;
	*out_len = len;
	return 0;
}

int codec_npz_read(const uint8_t *buf, size_t len, struct npz_member **out, int *n, struct err *e)
{
	struct npz_member *m = NULL;
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	size_t total = 0;
	int k = 0, rc = 0, r;

	if (!a)
		return err_set(e, -ENOMEM, "out of memory");
	m = dl_calloc(NPZ_MAX_MEMBERS, sizeof(*m));
	if (!m) {
		rc = err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	archive_read_support_format_zip(a);
	if (archive_read_open_memory(a, buf, len) != ARCHIVE_OK) {
		rc = err_set(e, -EBADMSG, ".npz: not a zip archive");
		goto out;
	}
	while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ae);
		size_t nl;

		if (!name)
			name = "";
		if (archive_entry_filetype(ae) != AE_IFREG)
			continue;
		if (k == NPZ_MAX_MEMBERS) {
			rc = err_set(e, -EOVERFLOW, ".npz: more than %d members", NPZ_MAX_MEMBERS);
			goto out;
		}
		nl = strlen(name);
		m[k].name = dl_strdup(name);
		if (!m[k].name) {
			rc = err_set(e, -ENOMEM, "out of memory");
			goto out;
		}
		if (nl > 4 && strcmp(name + nl - 4, ".npy") == 0)
			m[k].name[nl - 4] = '\0';
		rc = read_member(a, name, &total, &m[k].data, &m[k].len, e);
		k++;
		if (rc)
			goto out;
	}
	if (r != ARCHIVE_EOF) {
		rc = err_set(e, -EBADMSG, ".npz: %s",
			     archive_error_string(a) ? archive_error_string(a) : "corrupt zip");
		goto out;
	}
	if (k == 0) {
		rc = err_set(e, -EBADMSG, ".npz: no members");
		goto out;
	}
out:
	archive_read_free(a);
	if (rc) {
		codec_npz_free(m, k);
		return rc;
	}
	*out = m;
	*n = k;
	return 0;
}
