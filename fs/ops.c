/* ops.c - the FUSE callbacks (high-level API). The tree is immutable while mounted, so the
 * kernel may cache attributes and pages for as long as it likes; every write is EROFS, except
 * to `predict` (fs/predict.c: direct I/O, one session per open file handle in fi->fh). */
#include <fuse.h>

#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "codec/log.h"
#include "fs/fs.h"
#include "fs/predict.h"

#define XATTR_ERROR "user.dl4jfs.error"

static struct fs_ctx *CTX(void)
{
	return fuse_get_context()->private_data;
}

/* Data errors (corrupt entry, failed render) reach applications as EIO. */
static int io_err(int rc)
{
	return rc == -ENOMEM ? -ENOMEM : -EIO;
}

static void fill_stat(const struct fs_ctx *ctx, const struct node *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_mtime = st->st_ctime = st->st_atime = n->mtime;
	st->st_blksize = 65536;
	if (n->kind == NK_DIR) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		for (int i = 0; i < n->n_kids; i++)
			st->st_nlink += n->kids[i]->kind == NK_DIR;
	} else {
		st->st_mode = S_IFREG | 0444;
		if (n->kind == NK_PREDICT)
			st->st_mode = S_IFREG | (ctx->ro ? 0444 : 0666);
		st->st_nlink = 1;
		st->st_size = (off_t)n->size;
		st->st_blocks = (blkcnt_t)((n->size + 511) / 512);
	}
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct fs_ctx *ctx = CTX();
	struct node *n = fs_lookup(ctx, path); /* fi->fh may be a predict session */
	int rc;

	(void)fi;
	if (!n)
		return -ENOENT;
	rc = fs_node_size(ctx, n);
	if (rc)
		return io_err(rc);
	fill_stat(ctx, n, st);
	return 0;
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct fs_ctx *ctx = CTX();
	struct node *n = fs_lookup(ctx, path);
	struct stat st;

	(void)off;
	(void)fi;
	if (!n)
		return -ENOENT;
	if (n->kind != NK_DIR)
		return -ENOTDIR;
	fill_stat(ctx, n, &st);
	fill(buf, ".", &st, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	for (int i = 0; i < n->n_kids; i++) {
		struct node *k = n->kids[i];
		bool cheap = k->kind == NK_DIR || k->sized;

		/* attributes only where known without work; the rest are looked up on demand */
		if (cheap && (flags & FUSE_READDIR_PLUS)) {
			fill_stat(ctx, k, &st);
			fill(buf, k->name, &st, 0, FUSE_FILL_DIR_PLUS);
		} else {
			memset(&st, 0, sizeof(st));
			st.st_ino = k->ino;
			st.st_mode = k->kind == NK_DIR ? S_IFDIR : S_IFREG;
			fill(buf, k->name, &st, 0, 0);
		}
	}
	return 0;
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
	struct fs_ctx *ctx = CTX();
	struct node *n = fs_lookup(ctx, path);
	int rc;

	if (!n)
		return -ENOENT;
	if (n->kind == NK_DIR)
		return -EISDIR;
	if (n->kind == NK_PREDICT) {
		struct predict_sess *s;

		rc = predict_open(ctx, n, fi->flags, &s);
		if (rc)
			return rc;
		fi->fh = (uintptr_t)s;
		fi->direct_io = 1; /* sizes are not known in advance */
		return 0;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC))
		return -EROFS;
	rc = fs_node_size(ctx, n);
	if (rc)
		return io_err(rc);
	fi->fh = (uintptr_t)n;
	fi->keep_cache = 1; /* content never changes while mounted */
	return 0;
}

/* The predict node's session for an open file, or NULL for any other node. */
static struct predict_sess *sess_of(struct fs_ctx *ctx, const char *path, struct fuse_file_info *fi)
{
	if (!fi || !fi->fh || !ctx->predict_node || !path || strcmp(path, ctx->predict_node->path))
		return NULL;
	return (struct predict_sess *)(uintptr_t)fi->fh;
}

static int op_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	struct fs_ctx *ctx = CTX();
	struct predict_sess *s = sess_of(ctx, path, fi);
	struct node *n;
	ssize_t k;

	if (s) {
		k = predict_read(ctx, s, buf, size, off);
		return (int)k;
	}
	n = fi->fh ? (struct node *)(uintptr_t)fi->fh : fs_lookup(ctx, path);
	if (!n)
		return -ENOENT;
	k = fs_node_read(ctx, n, buf, size, off);
	if (k < 0)
		return io_err((int)k);
	return (int)k;
}

static int op_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fs_ctx *ctx = CTX();
	struct predict_sess *s = sess_of(ctx, path, fi);

	if (!s)
		return -EROFS;
	return (int)predict_write(ctx, s, buf, size, off);
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct fs_ctx *ctx = CTX();
	struct node *n = fs_lookup(ctx, path);

	if (!n)
		return -ENOENT;
	if (n->kind != NK_PREDICT)
		return -EROFS;
	return predict_truncate(ctx, sess_of(ctx, path, fi), size);
}

static int op_flush(const char *path, struct fuse_file_info *fi)
{
	struct fs_ctx *ctx = CTX();
	struct predict_sess *s = sess_of(ctx, path, fi);

	return s ? predict_flush(ctx, s) : 0;
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
	struct fs_ctx *ctx = CTX();
	struct predict_sess *s = sess_of(ctx, path, fi);

	if (s)
		predict_release(ctx, s);
	return 0;
}

/* Everything else that would change the tree: the mount is read-only but for predict. */
static int op_mknod(const char *path, mode_t mode, dev_t dev)
{
	(void)mode;
	(void)dev;
	return fs_lookup(CTX(), path) ? -EEXIST : -EROFS;
}

static int op_mkdir(const char *path, mode_t mode)
{
	(void)mode;
	return fs_lookup(CTX(), path) ? -EEXIST : -EROFS;
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)path;
	(void)mode;
	(void)fi;
	return -EROFS;
}

static int op_path_rofs(const char *path)
{
	(void)path;
	return -EROFS;
}

static int op_link_rofs(const char *from, const char *to)
{
	(void)from;
	(void)to;
	return -EROFS;
}

static int op_rename(const char *from, const char *to, unsigned int flags)
{
	(void)from;
	(void)to;
	(void)flags;
	return -EROFS;
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)path;
	(void)mode;
	(void)fi;
	return -EROFS;
}

static int op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	(void)path;
	(void)uid;
	(void)gid;
	(void)fi;
	return -EROFS;
}

/* `touch predict` is harmless; every other node keeps its archive time. */
static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	struct fs_ctx *ctx = CTX();
	struct node *n = fs_lookup(ctx, path);

	(void)tv;
	(void)fi;
	if (!n)
		return -ENOENT;
	return n->kind == NK_PREDICT && !ctx->ro ? 0 : -EROFS;
}

static int op_setxattr(const char *path, const char *name, const char *value, size_t size,
		       int flags)
{
	(void)path;
	(void)name;
	(void)value;
	(void)size;
	(void)flags;
	return -EROFS;
}

static int op_removexattr(const char *path, const char *name)
{
	(void)path;
	(void)name;
	return -EROFS;
}

static int op_statfs(const char *path, struct statvfs *sv)
{
	struct fs_ctx *ctx = CTX();
	unsigned long long bytes = 0;

	(void)path;
	for (size_t i = 0; i < ctx->n_all; i++)
		bytes += ctx->all[i]->size;
	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = sv->f_frsize = 4096;
	sv->f_blocks = (fsblkcnt_t)((bytes + 4095) / 4096);
	sv->f_files = (fsfilcnt_t)ctx->n_all;
	sv->f_namemax = 255;
	sv->f_flag = ctx->ro ? ST_RDONLY : 0;
	return 0;
}

/* The first failure of a view, e.g. a corrupt entry, readable with getfattr. */
static const struct err *node_error(struct fs_ctx *ctx, struct node *n, struct err *buf)
{
	if (n->kind == NK_PREDICT)
		return predict_error(ctx, buf) ? buf : NULL;
	if (n->failed)
		return &n->err;
	if (n->kind == NK_RAW && n->blob->state == BLOB_FAILED)
		return &n->blob->err;
	if ((n->kind == NK_NPY || n->kind == NK_CSV) && n->src.blob->state == BLOB_FAILED)
		return &n->src.blob->err;
	return NULL;
}

static int op_getxattr(const char *path, const char *name, char *value, size_t size)
{
	struct fs_ctx *ctx = CTX();
	struct node *n = fs_lookup(ctx, path);
	const struct err *e;
	struct err pe;
	char msg[600];
	size_t len;

	if (!n)
		return -ENOENT;
	e = node_error(ctx, n, &pe);
	if (!e || strcmp(name, XATTR_ERROR))
		return -ENODATA;
	err_str(e, msg, sizeof(msg));
	len = strlen(msg);
	if (size == 0)
		return (int)len;
	if (size < len)
		return -ERANGE;
	memcpy(value, msg, len);
	return (int)len;
}

static int op_listxattr(const char *path, char *list, size_t size)
{
	struct fs_ctx *ctx = CTX();
	struct node *n = fs_lookup(ctx, path);
	struct err pe;

	if (!n)
		return -ENOENT;
	if (!node_error(ctx, n, &pe))
		return 0;
	if (size == 0)
		return sizeof(XATTR_ERROR);
	if (size < sizeof(XATTR_ERROR))
		return -ERANGE;
	memcpy(list, XATTR_ERROR, sizeof(XATTR_ERROR));
	return sizeof(XATTR_ERROR);
}

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->use_ino = 1;
	cfg->kernel_cache = 1;
	cfg->entry_timeout = 3600;
	cfg->attr_timeout = 3600;
	cfg->negative_timeout = 3600;
	return fuse_get_context()->private_data;
}

const struct fuse_operations fs_ops = {
	.init = op_init,
	.getattr = op_getattr,
	.readdir = op_readdir,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.truncate = op_truncate,
	.flush = op_flush,
	.release = op_release,
	.mknod = op_mknod,
	.mkdir = op_mkdir,
	.create = op_create,
	.unlink = op_path_rofs,
	.rmdir = op_path_rofs,
	.symlink = op_link_rofs,
	.link = op_link_rofs,
	.rename = op_rename,
	.chmod = op_chmod,
	.chown = op_chown,
	.utimens = op_utimens,
	.setxattr = op_setxattr,
	.removexattr = op_removexattr,
	.statfs = op_statfs,
	.getxattr = op_getxattr,
	.listxattr = op_listxattr,
};
