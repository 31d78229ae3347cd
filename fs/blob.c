/* blob.c - one zip entry inflated once, progressively, into memory shared by all views.
 *
 * The first reader starts a worker thread that streams the entry through libarchive
 * (codec_zip_extract) into a buffer sized from the central directory. Readers wait only
 * until the bytes they need have arrived, so the first `cat` of a large view runs at the
 * speed of inflate rather than after it. Large buffers are anonymous mappings so that the
 * memory goes back to the system when the mount ends.
 */
#include "fs/fs.h"

#include <string.h>
#include <sys/mman.h>

#include "codec/alloc.h"
#include "codec/log.h"

#define BLOB_MAP_MIN ((size_t)2 << 20)
#define BLOB_SIGNAL_STEP ((size_t)1 << 20) /* wake readers at least every MiB */

void blob_init(struct blob *b, const struct zip_index *zip, const struct zip_entry *ent)
{
	memset(b, 0, sizeof(*b));
	b->zip = zip;
	b->ent = ent;
	b->size = (size_t)ent->size;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
}

void blob_fini(struct blob *b)
{
	if (b->joinable)
		pthread_join(b->thread, NULL);
	if (b->mapped)
		munmap(b->data, b->size);
	else
		dl_free(b->data);
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->lock);
}

struct fill {
	struct blob *b;
	size_t pos;
	size_t signalled;
	bool overflow;
};

static int fill_sink(void *arg, const void *buf, size_t len)
{
	struct fill *f = arg;
	struct blob *b = f->b;

	if (len > b->size - f->pos) {
		f->overflow = true;
		return -EBADMSG;
	}
	memcpy(b->data + f->pos, buf, len);
	f->pos += len;
	if (f->pos - f->signalled >= BLOB_SIGNAL_STEP) {
		pthread_mutex_lock(&b->lock);
		/* The last byte is published only once the entry is verified (CRC, length), so a
		 * reader of the whole entry always learns of corruption. */
		b->filled = f->pos < b->size ? f->pos : b->size - 1;
		pthread_cond_broadcast(&b->cond);
		pthread_mutex_unlock(&b->lock);
		f->signalled = f->pos;
	}
	return 0;
}

static void *fill_thread(void *arg)
{
	struct blob *b = arg;
	struct fill f = { .b = b };
	struct err e = { 0 };
	int rc;

	rc = codec_zip_extract(b->zip, b->ent, fill_sink, &f, &e);
	if (f.overflow)
		err_set(&e, -EBADMSG, "entry '%s' inflates to more than the %zu bytes its central "
			"directory declares", b->ent->name, b->size);
	if (!rc && f.pos != b->size)
		rc = err_set(&e, -EBADMSG, "entry '%s' inflated to %zu bytes, expected %zu",
			     b->ent->name, f.pos, b->size);
	pthread_mutex_lock(&b->lock);
	if (rc) {
		if (!e.code)
			err_set(&e, rc, "cannot inflate entry '%s'", b->ent->name);
		b->err = e;
		b->state = BLOB_FAILED;
		log_error("%s: %s", e.where[0] ? e.where : b->ent->name, e.msg);
	} else {
		b->filled = b->size;
		b->state = BLOB_DONE;
	}
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

/* Called with b->lock held. */
static int blob_start(struct blob *b)
{
	if (b->size >= BLOB_MAP_MIN) {
		void *p = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (p == MAP_FAILED)
			return err_set(&b->err, -ENOMEM, "cannot map %zu bytes for entry '%s'",
				       b->size, b->ent->name);
#ifdef MADV_HUGEPAGE
		madvise(p, b->size, MADV_HUGEPAGE); /* fewer first-touch faults */
#endif
		b->data = p;
		b->mapped = true;
	} else {
		b->data = dl_malloc(b->size);
		if (!b->data)
			return err_set(&b->err, -ENOMEM, "out of memory for entry '%s'",
				       b->ent->name);
	}
	if (b->size == 0) {
		b->state = BLOB_DONE;
		return 0;
	}
	if (pthread_create(&b->thread, NULL, fill_thread, b))
		return err_set(&b->err, -EAGAIN, "cannot start a thread for entry '%s'",
			       b->ent->name);
	b->joinable = true;
	b->state = BLOB_FILLING;
	return 0;
}

int blob_wait(struct blob *b, size_t end, struct err *e)
{
	int rc = 0;

	if (end > b->size)
		end = b->size;
	pthread_mutex_lock(&b->lock);
	if (b->state == BLOB_IDLE) {
		rc = blob_start(b);
		if (rc)
			b->state = BLOB_FAILED;
	}
	while (b->state == BLOB_FILLING && b->filled < end)
		pthread_cond_wait(&b->cond, &b->lock);
	if (b->state == BLOB_FAILED) {
		rc = b->err.code ? b->err.code : -EIO;
		if (e)
			*e = b->err;
	}
	pthread_mutex_unlock(&b->lock);
	return rc;
}
