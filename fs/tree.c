/* tree.c - building the mounted tree from a loaded archive, and node content access.
 *
 * Layout: every zip entry at its own (sanitised) path, except objects/<key>, which shows
 * the decoded object (its raw bytes are at raw/objects/<key>); params/<key>.npy and .csv for
 * every parameter; updater/<key>.<state>.npy and .csv; normalizer.json; summary.txt;
 * graph.dot; manifest.json; SHA256SUMS; predict (the only writable file, fs/predict.c).
 * A virtual name that collides with a zip entry
 * gets a "~dl4jfs" suffix: the archive's own entries always keep their paths.
 */
#include "fs/fs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/alloc.h"
#include "codec/describe.h"
#include "codec/jser.h"
#include "codec/log.h"
#include "codec/numfmt.h"
#include "codec/sbuf.h"
#include "codec/sha256.h"
#include "fs/predict.h"

/* ------------------------------------------------------------------ nodes */

static struct node *node_new(struct fs_ctx *ctx, struct node *parent, const char *name,
			     enum node_kind kind)
{
	struct node *n = dl_calloc(1, sizeof(*n));
	size_t plen;

	if (!n)
		return NULL;
	n->name = dl_strdup(name);
	plen = (parent ? strlen(parent->path) : 0) + strlen(name) + 2;
	n->path = dl_malloc(plen);
	if (!n->name || !n->path)
		goto fail;
	if (!parent)
		snprintf(n->path, plen, "/");
	else if (parent == ctx->root)
		snprintf(n->path, plen, "/%s", name);
	else
		snprintf(n->path, plen, "%s/%s", parent->path, name);
	n->kind = kind;
	n->parent = parent;
	n->mtime = ctx->mtime;
	pthread_mutex_init(&n->lock, NULL);
	pthread_mutex_init(&n->cur_lock, NULL);
	if (ctx->n_all == ctx->cap_all) {
		size_t cap = ctx->cap_all ? ctx->cap_all * 2 : 64;
		struct node **all = dl_realloc(ctx->all, cap * sizeof(*all));

		if (!all)
			goto fail;
		ctx->all = all;
		ctx->cap_all = cap;
	}
	ctx->all[ctx->n_all++] = n;
	n->ino = ctx->n_all;
	return n;
fail:
	dl_free(n->name);
	dl_free(n->path);
	dl_free(n);
	return NULL;
}

static struct node *kid_find(const struct node *dir, const char *name)
{
	int lo = 0, hi = dir->n_kids - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		int c = strcmp(dir->kids[mid]->name, name);

		if (!c)
			return dir->kids[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

static int kid_insert(struct node *dir, struct node *n)
{
	int at = 0;

	if (dir->n_kids == dir->cap_kids) {
		int cap = dir->cap_kids ? dir->cap_kids * 2 : 8;
		struct node **k = dl_realloc(dir->kids, (size_t)cap * sizeof(*k));

		if (!k)
			return -ENOMEM;
		dir->kids = k;
		dir->cap_kids = cap;
	}
	while (at < dir->n_kids && strcmp(dir->kids[at]->name, n->name) < 0)
		at++;
	memmove(dir->kids + at + 1, dir->kids + at, (size_t)(dir->n_kids - at) * sizeof(*dir->kids));
	dir->kids[at] = n;
	dir->n_kids++;
	return 0;
}

/* Adds a child; if the name is taken, tries name + suffix, name + suffix + "2", ... */
static struct node *add(struct fs_ctx *ctx, struct node *dir, const char *name,
			enum node_kind kind, const char *suffix)
{
	char buf[ZIP_MAX_NAME + 64];
	struct node *n;

	snprintf(buf, sizeof(buf), "%s", name);
	for (int i = 1; kid_find(dir, buf); i++) {
		if (i == 1)
			snprintf(buf, sizeof(buf), "%s%s", name, suffix);
		else
			snprintf(buf, sizeof(buf), "%s%s%d", name, suffix, i);
		if (i > 1000)
			return NULL;
	}
	if (strcmp(buf, name))
		log_warn("\"%s%s%s\" already exists in the archive; shown as \"%s\"",
			 dir == ctx->root ? "" : dir->path + 1, dir == ctx->root ? "" : "/", name,
			 buf);
	n = node_new(ctx, dir, buf, kind);
	if (!n)
		return NULL;
	if (kid_insert(dir, n))
		return NULL;
	return n;
}

/* Finds or creates the directory chain for a relative path's parent; returns the dir. */
static struct node *mkdirs(struct fs_ctx *ctx, struct node *dir, const char *rel,
			   const char **leaf)
{
	char part[ZIP_MAX_NAME + 1];
	const char *p = rel, *slash;

	while ((slash = strchr(p, '/'))) {
		size_t k = (size_t)(slash - p);
		struct node *d;

		if (k > ZIP_MAX_NAME)
			k = ZIP_MAX_NAME;
		memcpy(part, p, k);
		part[k] = '\0';
		d = kid_find(dir, part);
		if (!d || d->kind != NK_DIR)
			d = add(ctx, dir, part, NK_DIR, "~dir");
		if (!d)
			return NULL;
		dir = d;
		p = slash + 1;
	}
	*leaf = p;
	return dir;
}

static struct node *add_text(struct fs_ctx *ctx, struct node *dir, const char *name,
			     render_fn fn, void *arg)
{
	struct node *n = add(ctx, dir, name, NK_TEXT, "~dl4jfs");

	if (n) {
		n->render = fn;
		n->arg = arg;
	}
	return n;
}

/* ------------------------------------------------------------------ renderers */

static const struct dl4j_archive *A(struct fs_ctx *ctx)
{
	return ctx->a;
}

static int render_summary(struct fs_ctx *ctx, struct node *n, uint8_t **out, size_t *len,
			  struct err *e)
{
	(void)n;
	return codec_describe_summary(A(ctx)->model, A(ctx)->has_coeffs ? &A(ctx)->coef.fmt : NULL,
				      (char **)out, len, e);
}

static int render_dot(struct fs_ctx *ctx, struct node *n, uint8_t **out, size_t *len,
		      struct err *e)
{
	(void)n;
	return codec_describe_dot(A(ctx)->model, (char **)out, len, e);
}

/* A JSON string literal of a NUL-terminated name from the archive. */
static void sb_jname(struct sbuf *b, const char *s)
{
	sb_json_str(b, s, strlen(s));
}

static int render_normalizer(struct fs_ctx *ctx, struct node *n, uint8_t **out, size_t *len,
			     struct err *e)
{
	const struct dl4j_archive *a = A(ctx);
	struct sbuf b = { 0 };
	uint8_t *raw = NULL, *tree = NULL;
	size_t raw_len = 0, tree_len = 0;
	enum jser_view view;
	char msg[600];

	(void)n;
	if (a->norm)
		return codec_norm_to_json(a->norm, (char **)out, len, e);
	/* Not decodable as NormalizerSerializer: say why, and show a legacy Java object as a tree. */
	sb_printf(&b, "{\n  \"type\": null,\n  \"error\": ");
	sb_jname(&b, err_str(&a->norm_err, msg, sizeof(msg)));
	sb_printf(&b, ",\n  \"note\": \"normalizer.bin could not be decoded as a "
		      "NormalizerSerializer stream; its bytes are unchanged at /normalizer.bin\"");
	if (codec_zip_read_all(a->zip, a->norm_e, LOAD_MAX_NORM_BYTES, &raw, &raw_len, e) == 0 &&
	    raw_len >= 4 && raw[0] == 0xac && raw[1] == 0xed &&
	    codec_jser_render(raw, raw_len, &view, &tree, &tree_len, e) == 0 &&
	    view == JSER_VIEW_JSON)
		sb_printf(&b, ",\n  \"legacyObject\": %.*s", (int)tree_len, (const char *)tree);
	err_clear(e);
	sb_printf(&b, "\n}\n");
	dl_free(raw);
	dl_free(tree);
	if (b.rc) {
		dl_free(b.p);
		return err_set(e, b.rc, "cannot render normalizer.json");
	}
	*out = (uint8_t *)b.p;
	*len = b.len;
	return 0;
}

static int render_object(struct fs_ctx *ctx, struct node *n, uint8_t **out, size_t *len,
			 struct err *e)
{
	struct blob *bl = n->arg;
	enum jser_view view;
	int rc;

	(void)ctx;
	rc = blob_wait(bl, bl->size, e);
	if (rc)
		return rc;
	rc = codec_jser_render(bl->data, bl->size, &view, out, len, e);
	if (rc)
		err_where(e, "%s", bl->ent->name);
	return rc;
}

#define ZERO_SHA "0000000000000000000000000000000000000000000000000000000000000000"

/* The nodes listed in SHA256SUMS and manifest.json, in tree order. */
static int hash_all(struct fs_ctx *ctx, bool real, struct err *e)
{
	for (size_t i = 0; real && i < ctx->n_all; i++) {
		int rc;

		if (!ctx->all[i]->in_sums)
			continue;
		rc = fs_node_hash(ctx, ctx->all[i], e);
		if (rc)
			return rc;
	}
	return 0;
}

static const char *sha_of(const struct node *n, bool real)
{
	return real ? n->sha : ZERO_SHA;
}

/* SHA256SUMS: "<sha256>  <path>" for every listed node. real=false renders the same
 * length with zero digests, so the size is known at mount without reading any data. */
static int sums_text(struct fs_ctx *ctx, bool real, uint8_t **out, size_t *len, struct err *e)
{
	struct sbuf b = { 0 };
	int rc = hash_all(ctx, real, e);

	if (rc)
		return rc;
	for (size_t i = 0; i < ctx->n_all; i++) {
		const struct node *n = ctx->all[i];

		if (n->in_sums)
			sb_printf(&b, "%s  %s\n", sha_of(n, real), n->path + 1);
	}
	if (b.rc) {
		dl_free(b.p);
		return err_set(e, b.rc, "cannot render SHA256SUMS");
	}
	*out = (uint8_t *)(b.p ? b.p : dl_strdup(""));
	*len = b.len;
	return *out ? 0 : err_set(e, -ENOMEM, "out of memory");
}

static int render_sums(struct fs_ctx *ctx, struct node *n, uint8_t **out, size_t *len,
		       struct err *e)
{
	(void)n;
	return sums_text(ctx, true, out, len, e);
}

static void sb_shape(struct sbuf *b, int rank, const int64_t *shape)
{
	sb_printf(b, "[");
	for (int d = 0; d < rank; d++)
		sb_printf(b, d ? ", %lld" : "%lld", (long long)shape[d]);
	sb_printf(b, "]");
}

static struct node *find_view(struct fs_ctx *ctx, const char *dir, const char *key,
			      const char *ext)
{
	char path[ZIP_MAX_NAME + 64];

	snprintf(path, sizeof(path), "/%s/%s%s", dir, key, ext);
	return fs_lookup(ctx, path);
}

static int manifest_text(struct fs_ctx *ctx, bool real, uint8_t **out, size_t *len,
			 struct err *e)
{
	const struct dl4j_archive *a = A(ctx);
	const struct model *m = a->model;
	struct sbuf b = { 0 };
	int rc = hash_all(ctx, real, e);

	if (rc)
		return rc;
	sb_printf(&b, "{\n  \"archive\": ");
	sb_jname(&b, ctx->archive_name);
	sb_printf(&b, ",\n  \"networkType\": \"%s\",\n",
		  m->type == NET_CG ? "ComputationGraph" : "MultiLayerNetwork");
	sb_printf(&b, "  \"parameterCount\": %lld,\n", (long long)m->n_coeffs);
	sb_printf(&b, "  \"dtype\": \"%s\",\n",
		  a->has_coeffs ? tensor_dtype_info[a->coef.fmt.dtype].nd4j : "NONE");
	sb_printf(&b, "  \"arrayVariant\": ");
	sb_jname(&b, a->has_coeffs ? codec_nd4j_variant_name(&a->coef.fmt) : "none");
	sb_printf(&b, ",\n  \"entries\": [");
	for (int i = 0; i < a->zip->n; i++) {
		const struct zip_entry *z = &a->zip->e[i];
		char p[ZIP_MAX_NAME + 16];
		struct node *v;

		snprintf(p, sizeof(p), "/%s", z->path);
		v = fs_lookup(ctx, p);
		if (v && v->kind != NK_RAW) {
			snprintf(p, sizeof(p), "/raw/%s", z->path);
			v = fs_lookup(ctx, p);
		}
		sb_printf(&b, "%s\n    {\"name\": ", i ? "," : "");
		sb_jname(&b, z->name);
		sb_printf(&b, ", \"size\": %llu, \"compressedSize\": %llu, \"method\": %d, "
			      "\"crc32\": \"%08x\"",
			  (unsigned long long)z->size, (unsigned long long)z->csize, z->method,
			  z->crc32);
		if (v && v->in_sums)
			sb_printf(&b, ", \"sha256\": \"%s\"", sha_of(v, real));
		sb_printf(&b, "}");
	}
	sb_printf(&b, "\n  ],\n  \"parameters\": [");
	for (int i = 0; i < m->n_params; i++) {
		const struct param *p = &m->params[i];
		struct node *v = find_view(ctx, "params", p->key, ".npy");

		sb_printf(&b, "%s\n    {\"key\": ", i ? "," : "");
		sb_jname(&b, p->key);
		sb_printf(&b, ", \"shape\": ");
		sb_shape(&b, p->rank, p->shape);
		sb_printf(&b, ", \"order\": \"%c\", \"offset\": %lld, \"count\": %lld", p->order,
			  (long long)p->offset, (long long)p->count);
		if (v && v->in_sums)
			sb_printf(&b, ", \"npySha256\": \"%s\"", sha_of(v, real));
		sb_printf(&b, "}");
	}
	sb_printf(&b, "\n  ]\n}\n");
	if (b.rc) {
		dl_free(b.p);
		return err_set(e, b.rc, "cannot render manifest.json");
	}
	*out = (uint8_t *)b.p;
	*len = b.len;
	return 0;
}

static int render_manifest(struct fs_ctx *ctx, struct node *n, uint8_t **out, size_t *len,
			   struct err *e)
{
	(void)n;
	return manifest_text(ctx, true, out, len, e);
}

/* Sizes a fixed-length render without reading any entry data. */
static int presize(struct fs_ctx *ctx, struct node *n,
		   int (*fn)(struct fs_ctx *, bool, uint8_t **, size_t *, struct err *),
		   struct err *e)
{
	uint8_t *t = NULL;
	size_t len = 0;
	int rc = fn(ctx, false, &t, &len, e);

	if (rc)
		return rc;
	dl_free(t);
	n->size = len;
	n->sized = true;
	return 0;
}

/* ------------------------------------------------------------------ content */

int fs_node_size(struct fs_ctx *ctx, struct node *n)
{
	int rc = 0;

	if (n->kind == NK_DIR || n->kind == NK_RAW || n->kind == NK_NPY)
		return 0;
	if (n->kind == NK_PREDICT) {
		size_t sz = predict_size(ctx);

		pthread_mutex_lock(&n->lock);
		n->size = sz;
		pthread_mutex_unlock(&n->lock);
		return 0;
	}
	pthread_mutex_lock(&n->lock);
	if (n->failed) {
		rc = n->err.code ? n->err.code : -EIO;
		goto out;
	}
	if (n->kind == NK_CSV && !n->sized) {
		rc = fs_csv_size(n, &n->err);
	} else if (n->kind == NK_TEXT && !n->rendered) {
		uint8_t *t = NULL;
		size_t len = 0;

		rc = n->render(ctx, n, &t, &len, &n->err);
		if (!rc && n->sized && len != n->size) {
			dl_free(t);
			rc = err_set(&n->err, -EIO, "rendered %zu bytes, announced %zu", len,
				     n->size);
		}
		if (!rc) {
			n->text = t;
			n->size = len;
			n->sized = n->rendered = true;
		}
	}
	if (rc) {
		char msg[600];

		n->failed = true;
		if (!n->err.code)
			err_set(&n->err, rc, "cannot render");
		log_error("cannot render \"%s\": %s", n->path + 1, err_str(&n->err, msg, sizeof(msg)));
	}
out:
	pthread_mutex_unlock(&n->lock);
	return rc;
}

ssize_t fs_node_read(struct fs_ctx *ctx, struct node *n, char *buf, size_t len, off_t off)
{
	struct err e = { 0 };
	ssize_t rc;

	switch (n->kind) {
	case NK_DIR:
		return -EISDIR;
	case NK_RAW: {
		struct blob *b = n->blob;
		size_t pos = (size_t)off;

		if (pos >= b->size)
			return 0;
		if (len > b->size - pos)
			len = b->size - pos;
		rc = blob_wait(b, pos + len, &e);
		if (rc)
			return rc;
		memcpy(buf, b->data + pos, len);
		return (ssize_t)len;
	}
	case NK_NPY:
		return fs_npy_read(n, buf, len, off, &e);
	case NK_CSV:
		rc = fs_node_size(ctx, n);
		if (rc)
			return rc;
		return fs_csv_read(n, buf, len, off, &e);
	case NK_TEXT:
		rc = fs_node_size(ctx, n);
		if (rc)
			return rc;
		/* the size-announced renders (manifest, sums) may be sized but not yet rendered */
		if ((size_t)off >= n->size)
			return 0;
		if (len > n->size - (size_t)off)
			len = n->size - (size_t)off;
		memcpy(buf, n->text + off, len);
		return (ssize_t)len;
	case NK_PREDICT:
		return predict_read(ctx, NULL, buf, len, off);
	}
	return -EIO;
}

int fs_node_hash(struct fs_ctx *ctx, struct node *n, struct err *e)
{
	enum { CHUNK = 1 << 20 };
	struct sha256 s;
	uint8_t d[32];
	char *buf;
	off_t off = 0;
	int rc = 0;

	pthread_mutex_lock(&n->lock);
	if (n->hashed) {
		pthread_mutex_unlock(&n->lock);
		return 0;
	}
	pthread_mutex_unlock(&n->lock);
	rc = fs_node_size(ctx, n);
	if (rc)
		return err_set(e, rc, "cannot read \"%s\"", n->path + 1);
	buf = dl_malloc(CHUNK);
	if (!buf)
		return err_set(e, -ENOMEM, "out of memory");
	sha256_init(&s);
	for (;;) {
		ssize_t k = fs_node_read(ctx, n, buf, CHUNK, off);

		if (k < 0) {
			rc = err_set(e, (int)k, "cannot read \"%s\"", n->path + 1);
			goto out;
		}
		if (k == 0)
			break;
		sha256_update(&s, buf, (size_t)k);
		off += k;
	}
	sha256_final(&s, d);
	pthread_mutex_lock(&n->lock);
	sha256_hex(d, n->sha);
	n->hashed = true;
	pthread_mutex_unlock(&n->lock);
out:
	dl_free(buf);
	return rc;
}

/* ------------------------------------------------------------------ building */

static int add_slice_views(struct fs_ctx *ctx, struct node *dir, const char *key,
			   const struct slice *src)
{
	char name[ZIP_MAX_NAME + 16];
	struct node *n;

	snprintf(name, sizeof(name), "%s.npy", key);
	n = add(ctx, dir, name, NK_NPY, "~dl4jfs");
	if (!n)
		return -ENOMEM;
	n->src = *src;
	fs_npy_setup(n);
	n->in_sums = true;
	snprintf(name, sizeof(name), "%s.csv", key);
	n = add(ctx, dir, name, NK_CSV, "~dl4jfs");
	if (!n)
		return -ENOMEM;
	n->src = *src;
	return 0;
}

static int build_params(struct fs_ctx *ctx, struct node *dir)
{
	const struct dl4j_archive *a = A(ctx);
	const struct model *m = a->model;
	struct blob *bl = &ctx->blobs[a->coef_e->index];

	for (int i = 0; i < m->n_params; i++) {
		const struct param *p = &m->params[i];
		struct slice s = {
			.blob = bl,
			.data_off = a->coef.data_off,
			.dtype = a->coef.fmt.dtype,
			.offset = p->offset,
			.count = p->count,
			.rank = p->rank,
			.order = p->order,
		};
		int rc;

		memcpy(s.shape, p->shape, sizeof(s.shape));
		snprintf(s.key, sizeof(s.key), "%s", p->key);
		rc = add_slice_views(ctx, dir, p->key, &s);
		if (rc)
			return rc;
	}
	return 0;
}

static int build_updater(struct fs_ctx *ctx, struct node *dir)
{
	const struct dl4j_archive *a = A(ctx);
	const struct upd_layout *u = a->upd_layout;
	struct blob *bl = &ctx->blobs[a->upd_e->index];

	for (int i = 0; i < u->n; i++) {
		const struct upd_slice *us = &u->s[i];
		char key[ZIP_MAX_NAME];
		struct slice s = {
			.blob = bl,
			.data_off = a->upd.data_off,
			.dtype = a->upd.fmt.dtype,
			.offset = us->offset,
			.count = us->count,
			.rank = us->rank,
			.order = us->order,
		};
		int rc;

		memcpy(s.shape, us->shape, sizeof(s.shape));
		snprintf(key, sizeof(key), "%s.%s", us->key, us->state);
		snprintf(s.key, sizeof(s.key), "%s", key);
		rc = add_slice_views(ctx, dir, key, &s);
		if (rc)
			return rc;
	}
	return 0;
}

static bool is_object_entry(const struct zip_entry *z)
{
	return !z->is_dir && strncmp(z->name, "objects/", 8) == 0 && z->name[8];
}

static int build_entries(struct fs_ctx *ctx)
{
	const struct dl4j_archive *a = A(ctx);
	struct node *raw = NULL;

	for (int i = 0; i < a->zip->n; i++) {
		const struct zip_entry *z = &a->zip->e[i];
		const char *leaf;
		struct node *dir, *n;

		if (z->mtime > ctx->mtime)
			ctx->mtime = z->mtime;
		dir = mkdirs(ctx, ctx->root, z->path, &leaf);
		if (!dir)
			return -ENOMEM;
		if (z->is_dir || !*leaf)
			continue;
		if (is_object_entry(z)) {
			n = add_text(ctx, dir, leaf, render_object, &ctx->blobs[i]);
			if (!n)
				return -ENOMEM;
			n->mtime = z->mtime;
			if (!raw)
				raw = add(ctx, ctx->root, "raw", NK_DIR, "~dl4jfs");
			dir = raw ? mkdirs(ctx, raw, z->path, &leaf) : NULL;
			if (!dir)
				return -ENOMEM;
		}
		n = add(ctx, dir, leaf, NK_RAW, "~");
		if (!n)
			return -ENOMEM;
		n->blob = &ctx->blobs[i];
		n->size = (size_t)z->size;
		n->sized = true;
		n->mtime = z->mtime;
		n->in_sums = true;
	}
	return 0;
}

int fs_tree_build(struct fs_ctx *ctx, struct err *e)
{
	const struct dl4j_archive *a = A(ctx);
	struct node *n;
	int rc;

	ctx->blobs = dl_calloc((size_t)(a->zip->n ? a->zip->n : 1), sizeof(*ctx->blobs));
	if (!ctx->blobs)
		return err_set(e, -ENOMEM, "out of memory");
	for (int i = 0; i < a->zip->n; i++)
		blob_init(&ctx->blobs[i], a->zip, &a->zip->e[i]);
	for (int i = 0; i < a->zip->n; i++)
		if (a->zip->e[i].mtime > ctx->mtime)
			ctx->mtime = a->zip->e[i].mtime;

	ctx->root = node_new(ctx, NULL, "", NK_DIR);
	if (!ctx->root)
		return err_set(e, -ENOMEM, "out of memory");
	rc = build_entries(ctx);
	if (rc)
		return err_set(e, rc, "cannot build the tree");

	if (a->has_coeffs && a->model->n_params) {
		n = add(ctx, ctx->root, "params", NK_DIR, "~dl4jfs");
		if (!n || build_params(ctx, n))
			return err_set(e, -ENOMEM, "out of memory");
	}
	if (a->has_upd && a->upd_layout && a->upd_layout->n) {
		n = add(ctx, ctx->root, "updater", NK_DIR, "~dl4jfs");
		if (!n || build_updater(ctx, n))
			return err_set(e, -ENOMEM, "out of memory");
	}
	if (a->norm_e) {
		n = add_text(ctx, ctx->root, "normalizer.json", render_normalizer, NULL);
		if (!n)
			return err_set(e, -ENOMEM, "out of memory");
		n->in_sums = true;
	}
	n = add_text(ctx, ctx->root, "summary.txt", render_summary, NULL);
	if (!n)
		return err_set(e, -ENOMEM, "out of memory");
	n->in_sums = true;
	n = add_text(ctx, ctx->root, "graph.dot", render_dot, NULL);
	if (!n)
		return err_set(e, -ENOMEM, "out of memory");
	n->in_sums = true;

	/* Render the small views now: the mount is validated as a whole before it appears. */
	for (size_t i = 0; i < ctx->n_all; i++) {
		struct node *t = ctx->all[i];

		if (t->kind == NK_TEXT && t->render != render_object) {
			rc = fs_node_size(ctx, t);
			if (rc) {
				*e = t->err;
				err_where(e, "%s", t->path + 1);
				return rc;
			}
		}
	}

	n = add_text(ctx, ctx->root, "manifest.json", render_manifest, NULL);
	if (!n)
		return err_set(e, -ENOMEM, "out of memory");
	rc = presize(ctx, n, manifest_text, e);
	if (rc)
		return rc;
	n = add_text(ctx, ctx->root, "SHA256SUMS", render_sums, NULL);
	if (!n)
		return err_set(e, -ENOMEM, "out of memory");
	rc = presize(ctx, n, sums_text, e);
	if (rc)
		return rc;
	/* predict: not listed in SHA256SUMS or manifest.json (its content changes) */
	if (predict_init(ctx))
		return err_set(e, -ENOMEM, "out of memory");
	n = add(ctx, ctx->root, "predict", NK_PREDICT, "~dl4jfs");
	if (!n)
		return err_set(e, -ENOMEM, "out of memory");
	n->sized = true;
	ctx->predict_node = n;
	return 0;
}

void fs_tree_free(struct fs_ctx *ctx)
{
	predict_fini(ctx);
	ctx->predict_node = NULL;
	for (size_t i = 0; i < ctx->n_all; i++) {
		struct node *n = ctx->all[i];

		dl_free(n->name);
		dl_free(n->path);
		dl_free(n->kids);
		dl_free(n->text);
		dl_free(n->ckpt);
		pthread_mutex_destroy(&n->lock);
		pthread_mutex_destroy(&n->cur_lock);
		dl_free(n);
	}
	dl_free(ctx->all);
	if (ctx->blobs && ctx->a)
		for (int i = 0; i < ctx->a->zip->n; i++)
			blob_fini(&ctx->blobs[i]);
	dl_free(ctx->blobs);
	ctx->all = NULL;
	ctx->blobs = NULL;
	ctx->root = NULL;
	ctx->n_all = 0;
}

struct node *fs_lookup(struct fs_ctx *ctx, const char *path)
{
	char part[ZIP_MAX_NAME + 64];
	struct node *n = ctx->root;
	const char *p = path;

	while (*p == '/')
		p++;
	while (*p && n) {
		const char *slash = strchr(p, '/');
		size_t k = slash ? (size_t)(slash - p) : strlen(p);

		if (k >= sizeof(part) || n->kind != NK_DIR)
			return NULL;
		memcpy(part, p, k);
		part[k] = '\0';
		n = kid_find(n, part);
		p += k;
		while (*p == '/')
			p++;
	}
	return n;
}
