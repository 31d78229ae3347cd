/* main.c - dl4jfs command line: validate the archive completely, then mount it.
 *
 *   dl4jfs [options] ARCHIVE MOUNTPOINT
 *
 * The archive is opened, indexed and validated before the mount appears; a bad archive
 * gives one line on stderr and a distinct exit code (README, "Exit codes").
 */
#include <fuse.h>
#include <fuse_lowlevel.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec/alloc.h"
#include "codec/log.h"
#include "engine/engine.h"
#include "fs/fs.h"
#include "fs/predict.h"

#define EXIT_USAGE 1
#define EXIT_MOUNT 20

struct cli {
	char *archive;
	int n_nonopt;
	bool help, version;
	bool ro;           /* -o ro (passed on to libfuse too) */
	int nonorm;        /* -o nonorm */
	char *input_shape; /* -o input_shape=3x28x28 */
};

enum { KEY_RO = 1 };

static const struct fuse_opt cli_opts[] = {
	FUSE_OPT_KEY("ro", KEY_RO),
	{ "nonorm", offsetof(struct cli, nonorm), 1 },
	{ "input_shape=%s", offsetof(struct cli, input_shape), 0 },
	{ "-h", offsetof(struct cli, help), 1 },
	{ "--help", offsetof(struct cli, help), 1 },
	{ "-V", offsetof(struct cli, version), 1 },
	{ "--version", offsetof(struct cli, version), 1 },
	FUSE_OPT_END,
};

static int cli_proc(void *data, const char *arg, int key, struct fuse_args *out)
{
	struct cli *c = data;

	(void)out;
	if (key == KEY_RO) {
		c->ro = true;
		return 1; /* libfuse mounts read-only too */
	}
	if (key != FUSE_OPT_KEY_NONOPT)
		return 1;
	if (c->n_nonopt++ == 0) {
		c->archive = strdup(arg);
		return 0; /* the archive is ours; the mountpoint goes on to libfuse */
	}
	return 1;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [options] ARCHIVE MOUNTPOINT\n"
		"\n"
		"Mounts a Deeplearning4j model archive (ModelSerializer zip) as a directory.\n"
		"Unmount with `fusermount3 -u MOUNTPOINT` or `umount MOUNTPOINT`.\n"
		"\n"
		"options:\n"
		"    -h, --help        print this help and exit\n"
		"    -V, --version     print the version and exit\n"
		"    -f                stay in the foreground (messages on stderr)\n"
		"    -d                debug: trace every operation (implies -f)\n"
		"    -s                single-threaded\n"
		"    -o ro             read-only: predict refuses writes too\n"
		"    -o nonorm         predict: do not apply the archive's normalizer\n"
		"    -o input_shape=3x28x28\n"
		"                      predict: per-example shape of text input\n"
		"    -o OPT[,OPT...]   other FUSE mount options (allow_other, ...)\n"
		"\n"
		"exit codes: 0 ok, 1 usage, 10 cannot open the archive, 11 not a zip or corrupt,\n"
		"12 required entry missing, 13 bad configuration JSON, 14 bad ND4J array,\n"
		"15 unsupported feature, 16 parameters do not match the configuration,\n"
		"20 mount failed\n",
		prog);
}

static void fuse_log_bridge(enum fuse_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void fuse_log_bridge(enum fuse_log_level level, const char *fmt, va_list ap)
{
	char msg[1024];
	size_t k;

	if ((int)level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	k = strlen(msg);
	while (k && msg[k - 1] == '\n')
		msg[--k] = '\0';
	log_msg((int)level, "%s", msg);
}

/* fsname=... with the commas and backslashes of the path escaped for libfuse. */
static int add_fsname(struct fuse_args *args, const char *path)
{
	char opt[PATH_MAX * 2 + 16];
	size_t k = (size_t)snprintf(opt, sizeof(opt), "-ofsname=");

	for (const char *p = path; *p && k < sizeof(opt) - 3; p++) {
		if (*p == ',' || *p == '\\')
			opt[k++] = '\\';
		opt[k++] = *p;
	}
	opt[k] = '\0';
	return fuse_opt_add_arg(args, opt);
}

/* OpenBLAS picks its kernels when it is loaded, from OPENBLAS_CORETYPE or its own CPU
 * detection (Debian's 0.3.21 can take an AVX-512 CPU for Haswell). When the CPU's feature bits
 * allow wider kernels than the loaded ones, set the variable and run again, once; if exec
 * fails the current kernels are kept. */
static void blas_select(char *argv[])
{
	const char *core = eng_blas_upgrade_core();

	if (!core || getenv("DLFS_BLAS_REEXEC"))
		return;
	if (setenv("OPENBLAS_CORETYPE", core, 1) || setenv("DLFS_BLAS_REEXEC", "1", 1))
		return;
	execv("/proc/self/exe", argv);
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts co = { 0 };
	struct fuse_loop_config lc = { .clone_fd = 0, .max_idle_threads = 10 };
	struct fs_ctx ctx = { 0 };
	enum load_fail fail;
	struct cli c = { 0 };
	struct err e = { 0 };
	char real[PATH_MAX], msg[700];
	struct fuse *fuse = NULL;
	const char *prog = "dl4jfs";
	int ret = EXIT_USAGE;

	blas_select(argv);
	if (fuse_opt_parse(&args, &c, cli_opts, cli_proc) == -1)
		goto out_args;
	if (c.help) {
		usage(stdout, prog);
		ret = 0;
		goto out_args;
	}
	if (c.version) {
		printf("dl4jfs %s (libfuse %s)\n", DLFS_VERSION, fuse_pkgversion());
		ret = 0;
		goto out_args;
	}
	if (fuse_parse_cmdline(&args, &co) != 0)
		goto out_args;
	if (!c.archive || !co.mountpoint) {
		fprintf(stderr, "dl4jfs: %s\n", !c.archive ? "missing ARCHIVE and MOUNTPOINT" :
							     "missing MOUNTPOINT");
		usage(stderr, prog);
		goto out_args;
	}
	if (co.debug)
		log_level = LOG_DEBUG;
	log_debug("BLAS kernels: %s", eng_blas_core());
	fuse_set_log_func(fuse_log_bridge);

	if (!realpath(c.archive, real)) {
		int saverr = errno;

		fprintf(stderr, "dl4jfs: %s: %s\n", c.archive, strerror(saverr));
		ret = LF_OPEN;
		goto out_args;
	}
	if (codec_load(real, &ctx.a, &fail, &e)) {
		fprintf(stderr, "dl4jfs: %s\n", err_str(&e, msg, sizeof(msg)));
		ret = (int)fail;
		goto out_args;
	}
	ctx.archive_name = strrchr(real, '/') + 1;
	ctx.debug = co.debug;
	ctx.ro = c.ro;
	ctx.nonorm = c.nonorm != 0;
	if (c.input_shape && predict_set_input_shape(&ctx, c.input_shape, &e)) {
		fprintf(stderr, "dl4jfs: %s\n", err_str(&e, msg, sizeof(msg)));
		ret = EXIT_USAGE;
		goto out_archive;
	}
	if (fs_tree_build(&ctx, &e)) {
		fprintf(stderr, "dl4jfs: %s: %s\n", ctx.archive_name, err_str(&e, msg, sizeof(msg)));
		ret = e.code == -ENOMEM ? LF_OPEN : LF_UNSUPPORTED;
		goto out_tree;
	}

	if (fuse_opt_add_arg(&args, "-osubtype=dl4jfs") || add_fsname(&args, real) ||
	    fuse_opt_add_arg(&args, "-odefault_permissions"))
		goto out_tree;
	fuse = fuse_new(&args, &fs_ops, sizeof(fs_ops), &ctx);
	if (!fuse)
		goto out_tree; /* libfuse printed why (unknown option ...) */
	if (fuse_mount(fuse, co.mountpoint) != 0) {
		ret = EXIT_MOUNT;
		goto out_fuse;
	}
	if (fuse_daemonize(co.foreground) != 0) {
		ret = EXIT_MOUNT;
		goto out_unmount;
	}
	if (!co.foreground)
		log_use_syslog(1);
	if (fuse_set_signal_handlers(fuse_get_session(fuse)) != 0) {
		ret = EXIT_MOUNT;
		goto out_unmount;
	}
	if (co.singlethread)
		ret = fuse_loop(fuse);
	else
		ret = fuse_loop_mt(fuse, &lc);
	ret = ret ? EXIT_MOUNT : 0;
	fuse_remove_signal_handlers(fuse_get_session(fuse));
out_unmount:
	fuse_unmount(fuse);
out_fuse:
	fuse_destroy(fuse);
out_tree:
	fs_tree_free(&ctx);
out_archive:
	codec_archive_free(ctx.a);
out_args:
	free(co.mountpoint);
	free(c.archive);
	free(c.input_shape);
	fuse_opt_free_args(&args);
	return ret;
}
