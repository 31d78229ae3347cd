/* predict.h - the virtual `predict` file: write a batch of inputs, read the network's
 * outputs (text, .npy or .npz, like the input). Each open file handle is a session with its
 * own input and answer; the last completed answer is kept in the node for fresh readers.
 */
#ifndef DLFS_PREDICT_H
#define DLFS_PREDICT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fs/fs.h"

#define PREDICT_MAX_INPUT    ((size_t)256 << 20) /* bytes written per batch (-EFBIG) */
#define PREDICT_MAX_EXAMPLES 1000000		 /* examples per batch (-EINVAL) */
#define PREDICT_MAX_OUTPUT   ((size_t)1 << 30)	 /* bytes of one answer (-EINVAL) */

struct predict;	     /* per-mount state (ctx->pred) */
struct predict_sess; /* per open file handle (fi->fh) */

/* Creates the per-mount state; ctx->a must be set. 0 or -ENOMEM. */
int predict_init(struct fs_ctx *ctx);
void predict_fini(struct fs_ctx *ctx);

/* Parses a per-example shape "3x28x28" (the input_shape mount option) into ctx.
 * -EINVAL with e filled on a malformed value. */
int predict_set_input_shape(struct fs_ctx *ctx, const char *spec, struct err *e);

/* File operations. open: writable handles are refused with -EROFS on a read-only mount.
 * write/truncate buffer input; read runs the network first when input is pending; flush
 * runs it and returns its error (close(2) sees it); release runs it if still pending (the
 * error is only logged) and frees the session. */
int predict_open(struct fs_ctx *ctx, struct node *n, int flags, struct predict_sess **out);
ssize_t predict_read(struct fs_ctx *ctx, struct predict_sess *s, char *buf, size_t len, off_t off);
ssize_t predict_write(struct fs_ctx *ctx, struct predict_sess *s, const char *buf, size_t len,
		      off_t off);
int predict_truncate(struct fs_ctx *ctx, struct predict_sess *s, off_t size);
int predict_flush(struct fs_ctx *ctx, struct predict_sess *s);
void predict_release(struct fs_ctx *ctx, struct predict_sess *s);

/* Length of the last completed answer (the node's size). */
size_t predict_size(struct fs_ctx *ctx);

/* Copies the last failure's message into *e; false when the last run succeeded. */
bool predict_error(struct fs_ctx *ctx, struct err *e);

#endif
