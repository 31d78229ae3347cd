/* fuse_echo.c - the trivial FUSE baseline of scripts/bench-predict-mount: one file, /echo,
 * whose content is what was last written to it (a write at offset 0 starts a new content),
 * opened with direct_io like dl4jfs's predict, so a write+read round trip through it costs
 * the kernel and libfuse only. libfuse3 high-level API, multi-threaded loop like dl4jfs.
 *
 * Build: cc -O2 -o fuse_echo fuse_echo.c $(pkg-config --cflags --libs fuse3)
 * Run:   fuse_echo -f MOUNTPOINT
 */
#define FUSE_USE_VERSION 35

#include <errno.h>
#include <fuse.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ECHO_MAX ((size_t)256 << 20)

static pthread_mutex_t echo_lock = PTHREAD_MUTEX_INITIALIZER;
static char *echo_buf;
static size_t echo_len, echo_cap;

static int echo_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (strcmp(path, "/echo") != 0)
		return -ENOENT;
	st->st_mode = S_IFREG | 0666;
	st->st_nlink = 1;
	pthread_mutex_lock(&echo_lock);
	st->st_size = (off_t)echo_len;
	pthread_mutex_unlock(&echo_lock);
	return 0;
}

static int echo_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
			struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off;
	(void)fi;
	(void)flags;
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	fill(buf, "echo", NULL, 0, 0);
	return 0;
}

static int echo_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, "/echo") != 0)
		return -ENOENT;
	fi->direct_io = 1;
	if (fi->flags & O_TRUNC) {
		pthread_mutex_lock(&echo_lock);
		echo_len = 0;
		pthread_mutex_unlock(&echo_lock);
	}
	return 0;
}

static int echo_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)fi;
	if (strcmp(path, "/echo") != 0)
		return -ENOENT;
	pthread_mutex_lock(&echo_lock);
	if ((size_t)size < echo_len)
		echo_len = (size_t)size;
	pthread_mutex_unlock(&echo_lock);
	return 0;
}

static int echo_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	size_t n = 0;

	(void)path;
	(void)fi;
	pthread_mutex_lock(&echo_lock);
	if ((size_t)off < echo_len) {
		n = echo_len - (size_t)off;
		if (n > size)
			n = size;
		memcpy(buf, echo_buf + off, n);
	}
	pthread_mutex_unlock(&echo_lock);
	return (int)n;
}

static int echo_write(const char *path, const char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	size_t end = (size_t)off + size;

	(void)path;
	(void)fi;
	if (off < 0 || end > ECHO_MAX)
		return -EFBIG;
	pthread_mutex_lock(&echo_lock);
	if (off == 0)
		echo_len = 0; /* a new message */
	if (end > echo_cap) {
		size_t cap = echo_cap ? echo_cap : 4096;
		char *p;

		while (cap < end)
			cap *= 2;
		p = realloc(echo_buf, cap);
		if (!p) {
			pthread_mutex_unlock(&echo_lock);
			return -ENOMEM;
		}
		echo_buf = p;
		echo_cap = cap;
	}
	memcpy(echo_buf + off, buf, size);
	if (end > echo_len)
		echo_len = end;
	pthread_mutex_unlock(&echo_lock);
	return (int)size;
}

static const struct fuse_operations echo_ops = {
	.getattr = echo_getattr,
	.readdir = echo_readdir,
	.open = echo_open,
	.truncate = echo_truncate,
	.read = echo_read,
	.write = echo_write,
};

int main(int argc, char *argv[])
{
	return fuse_main(argc, argv, &echo_ops, NULL);
}
