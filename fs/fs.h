/* fs.h - the mounted tree of dl4jfs: nodes, their content sources, and the state shared by
 * the FUSE callbacks (struct fs_ctx, the FUSE private data).
 *
 * The tree is built once at mount from a validated struct dl4j_archive and does not change
 * while mounted; the only writable node is `predict` (fs/predict.h), every other write is
 * EROFS. Content is produced lazily: a zip entry is
 * inflated once into a shared blob on first use, and every view of it (raw bytes, .npy,
 * .csv) reads from that one copy while it is still filling.
 */
#ifndef DLFS_FS_H
#define DLFS_FS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "codec/err.h"
#include "codec/load.h"

/* ------------------------------------------------------------------ blobs */

enum blob_state { BLOB_IDLE, BLOB_FILLING, BLOB_DONE, BLOB_FAILED };

/* One zip entry's decompressed bytes, filled progressively by a worker thread. */
struct blob {
	const struct zip_index *zip;
	const struct zip_entry *ent;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint8_t *data;        /* size bytes once started; protected by lock until DONE */
	size_t size;
	size_t filled;        /* bytes valid so far; protected by lock */
	enum blob_state state; /* protected by lock */
	struct err err;       /* why it FAILED; protected by lock */
	bool mapped;          /* data came from mmap */
	pthread_t thread;
	bool joinable;
};

void blob_init(struct blob *b, const struct zip_index *zip, const struct zip_entry *ent);
void blob_fini(struct blob *b);

/* Waits until bytes [0, end) are available (starting the fill if needed). Returns 0, or a
 * negative errno with the cause copied to *e when the entry cannot be inflated. */
int blob_wait(struct blob *b, size_t end, struct err *e);

/* ------------------------------------------------------------------ nodes */

enum node_kind {
	NK_DIR,
	NK_RAW,  /* a zip entry, byte-identical */
	NK_NPY,  /* a slice of an ND4J array as NumPy .npy */
	NK_CSV,  /* the same slice as text */
	NK_TEXT, /* text rendered by a function (summary, manifest, objects ...) */
	NK_PREDICT, /* the writable `predict` file (fs/predict.c) */
};

/* A slice of the flat data of an ND4J array stored in a zip entry. */
struct slice {
	struct blob *blob;
	size_t data_off;    /* byte offset of the array's first element within the entry */
	enum dtype dtype;   /* stored element type (big-endian in the blob) */
	int64_t offset;     /* first element of the slice */
	int64_t count;
	int rank;
	int64_t shape[TENSOR_MAX_RANK];
	char order;         /* 'c' or 'f': layout of the slice */
	char key[256];      /* "0_W" or "0_W.M", for the CSV header */
};

struct node;
struct fs_ctx;

/* Renders a text node. Fills *out (owned, dl_malloc) and *len, or returns -errno with e. */
typedef int (*render_fn)(struct fs_ctx *ctx, struct node *n, uint8_t **out, size_t *len,
			 struct err *e);

struct node {
	char *name; /* owned; "" for the root */
	char *path; /* owned; "/" for the root */
	enum node_kind kind;
	uint64_t ino;
	time_t mtime;
	struct node *parent;
	struct node **kids; /* NK_DIR: sorted by name (owned array) */
	int n_kids, cap_kids;

	struct blob *blob;  /* NK_RAW */
	struct slice src;   /* NK_NPY, NK_CSV */

	/* NK_NPY: header and output element type (host order; BF16 is widened to F32) */
	char npy_hdr[512];
	size_t npy_hdr_len;
	enum dtype npy_dtype;

	/* Lazily computed content and size; protected by lock. */
	pthread_mutex_t lock;
	bool sized;     /* size is known */
	size_t size;
	bool rendered;  /* NK_TEXT: text is valid */
	uint8_t *text;  /* NK_TEXT (owned) */
	render_fn render;
	void *arg;       /* for render (borrowed) */
	struct err err; /* first failure, kept (later reads fail without logging again) */
	bool failed;

	/* sha256 of the content, computed once for manifest.json and SHA256SUMS */
	bool hashed; /* protected by lock */
	char sha[65];
	bool in_sums; /* listed in SHA256SUMS / manifest.json */

	/* NK_CSV: text offset of every CSV_CKPT-th value (owned), and the header line */
	int64_t *ckpt;
	int64_t n_ckpt;
	int64_t ckpt_step; /* logical values between checkpoints (CSV_CKPT, or a row) */
	pthread_mutex_t cur_lock; /* a hint: where the last read stopped (value, text offset) */
	int64_t cur_i, cur_tpos;
	char csv_head[256];
	size_t csv_head_len;
};

#define CSV_CKPT 1024

struct fs_ctx {
	struct dl4j_archive *a; /* owned */
	const char *archive_name;
	struct node *root;
	struct node **all; /* every node, by inode number - 1 (owned array) */
	size_t n_all, cap_all;
	struct blob *blobs; /* one per zip entry, indexed like zip->e (owned array) */
	time_t mtime;       /* archive's newest entry time */
	bool debug;
	/* predict (fs/predict.c) */
	bool ro;            /* mounted with -o ro: predict refuses writes too */
	bool nonorm;        /* -o nonorm: do not apply the archive's normalizer */
	int in_rank;        /* -o input_shape=3x28x28: per-example shape of text input (0: none) */
	int64_t in_shape[TENSOR_MAX_RANK];
	struct predict *pred;       /* owned */
	struct node *predict_node;  /* borrowed from the tree */
};

/* Builds the whole tree for a loaded archive. ctx->a must be set. */
int fs_tree_build(struct fs_ctx *ctx, struct err *e);
void fs_tree_free(struct fs_ctx *ctx);

/* Resolves an absolute path ("/params/0_W.npy"); NULL if absent. */
struct node *fs_lookup(struct fs_ctx *ctx, const char *path);

/* Makes n->size valid (rendering or sizing as needed). 0 or -errno (n->err filled). */
int fs_node_size(struct fs_ctx *ctx, struct node *n);

/* Reads up to len bytes at off. Returns the byte count (short only at EOF) or -errno. */
ssize_t fs_node_read(struct fs_ctx *ctx, struct node *n, char *buf, size_t len, off_t off);

/* Computes (once) the sha256 of a node's content into n->sha. */
int fs_node_hash(struct fs_ctx *ctx, struct node *n, struct err *e);

/* Views (views.c): npy header setup and readers for slices. */
void fs_npy_setup(struct node *n);
ssize_t fs_npy_read(struct node *n, char *buf, size_t len, off_t off, struct err *e);
int fs_csv_size(struct node *n, struct err *e); /* fills ckpt, size; call with n->lock held */
ssize_t fs_csv_read(struct node *n, char *buf, size_t len, off_t off, struct err *e);

/* FUSE glue (ops.c). */
struct fuse_operations;
extern const struct fuse_operations fs_ops;

#endif
