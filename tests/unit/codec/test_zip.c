/* test_zip.c - the zip container reader against Python's zipfile, unzip and hand-made
 * hostile archives.
 *
 * A Python script (below, run with /usr/bin/python3) writes every fixture into a temporary
 * directory: archives from an independent little zip writer (hostile names, zip64 records,
 * data descriptors, corruptions at known offsets), archives from Python's own zipfile
 * writer (force_zip64, an unseekable stream), and for each good archive what Python's
 * zipfile reads from it (entry facts and bytes). Every zip-format file of the shared corpus
 * is described the same way and extracted with `unzip -p` for comparison.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codec/alloc.h"
#include "codec/sha256.h"
#include "codec/zip.h"

extern char **environ;

#define PYTHON "/usr/bin/python3"

static char python_bin[] = PYTHON, unzip_bin[] = "/usr/bin/unzip", opt_p[] = "-p";
static char corpus_dir[] = DLFS_CORPUS_DIR, mkbig_bin[] = DLFS_SRC_DIR "/scripts/mkbig";
static char n102[] = "102", coef_name[] = "coefficients.bin", conf_name[] = "configuration.json";
static uint8_t nothing[1];

static const char gen_py[] =
	"import hashlib, io, os, struct, sys, time, warnings, zipfile, zlib\n"
	"warnings.simplefilter('ignore')\n"
	"D = sys.argv[1]\n"
	"CORPUS = sys.argv[2] if len(sys.argv) > 2 else ''\n"
	"DT = (2020, 4, 6, 15, 51, 10)\n"
	"TM = (15 << 11) | (51 << 5) | 5\n"
	"DD = (40 << 9) | (4 << 5) | 6\n"
	"LFH, CDFH, EOCD = '<4sHHHHHIIIHH', '<4sHHHHHHIIIHHHHHII', '<4sHHHHIIH'\n"
	"\n"
	"def p(n):\n"
	"  return os.path.join(D, n)\n"
	"\n"
	"def put(name, data):\n"
	"  with open(p(name), 'wb') as f:\n"
	"    f.write(data)\n"
	"\n"
	"def fnv(b):\n"
	"  h = 2166136261\n"
	"  for c in b:\n"
	"    h = ((h ^ c) * 16777619) & 0xffffffff\n"
	"  return h\n"
	"\n"
	"def deflate(data):\n"
	"  co = zlib.compressobj(6, zlib.DEFLATED, -15)\n"
	"  return co.compress(data) + co.flush()\n"
	"\n"
	"# Independent writer: entries (raw name, data, method[, flags]) -> bytes, info.\n"
	"# Entries may carry precompressed data as (name, None, 8, 0, (comp, crc, size)).\n"
	"def rawzip(ents, zip64=False, descriptor=False):\n"
	"  out = bytearray(); cd = bytearray(); info = []\n"
	"  for e in ents:\n"
	"    name, data, method = e[0], e[1], e[2]\n"
	"    flags = (e[3] if len(e) > 3 else 0) | (8 if descriptor else 0)\n"
	"    if data is None:\n"
	"      comp, crc, size = e[4]\n"
	"    else:\n"
	"      crc, size = zlib.crc32(data), len(data)\n"
	"      comp = deflate(data) if method == 8 else data\n"
	"    lho = len(out); z = 0 if descriptor else 1\n"
	"    out += struct.pack(LFH, b'PK\\3\\4', 20, flags, method, TM, DD, crc * z,\n"
	"                       len(comp) * z, size * z, len(name), 0) + name\n"
	"    doff = len(out)\n"
	"    out += comp\n"
	"    if descriptor:\n"
	"      out += struct.pack('<4sIII', b'PK\\7\\10', crc, len(comp), size)\n"
	"    if zip64:\n"
	"      extra = struct.pack('<HHQQQ', 1, 24, size, len(comp), lho)\n"
	"      cs = us = lo = 0xffffffff; ver = 45\n"
	"    else:\n"
	"      extra = b''; cs = len(comp); us = size; lo = lho; ver = 20\n"
	"    info.append(dict(cdfh=len(cd), lho=lho, doff=doff, clen=len(comp), crc=crc))\n"
	"    cd += struct.pack(CDFH, b'PK\\1\\2', ver, ver, flags, method, TM, DD, crc, cs, us,\n"
	"                      len(name), len(extra), 0, 0, 0, 0, lo) + name + extra\n"
	"  cd_off = len(out); n = len(ents)\n"
	"  out += cd\n"
	"  if zip64:\n"
	"    z64 = len(out)\n"
	"    out += struct.pack('<4sQHHIIQQQQ', b'PK\\6\\6', 44, 45, 45, 0, 0, n, n,\n"
	"                       len(cd), cd_off)\n"
	"    out += struct.pack('<4sIQI', b'PK\\6\\7', 0, z64, 1)\n"
	"    out += struct.pack(EOCD, b'PK\\5\\6', 0, 0, 0xffff, 0xffff, 0xffffffff,\n"
	"                       0xffffffff, 0)\n"
	"  else:\n"
	"    out += struct.pack(EOCD, b'PK\\5\\6', 0, 0, n, n, len(cd), cd_off, 0)\n"
	"  for i in info:\n"
	"    i['cdfh'] += cd_off\n"
	"  return out, info, cd_off\n"
	"\n"
	"# One line per entry in central-directory order, as Python's zipfile sees it:\n"
	"# \"i hexname size csize crc method flags is_dir mtime\"; data=True also writes\n"
	"# the bytes of entry i to NAME.i.\n"
	"def describe(path, f, data=False):\n"
	"  with zipfile.ZipFile(path) as z:\n"
	"    for i, e in enumerate(z.infolist()):\n"
	"      raw = e.filename.encode('utf-8' if e.flag_bits & 0x800 else 'cp437')\n"
	"      mt = None; x = e.extra; j = 0\n"
	"      while j + 4 <= len(x):\n"
	"        hid, ln = struct.unpack('<HH', x[j:j + 4])\n"
	"        if hid == 0x5455 and ln >= 5 and x[j + 4] & 1:\n"
	"          mt = struct.unpack('<i', x[j + 5:j + 9])[0]\n"
	"        j += 4 + ln\n"
	"      if mt is None:\n"
	"        mt = int(time.mktime(e.date_time + (0, 0, -1)))\n"
	"      f.write('%d %s %d %d %d %d %d %d %d\\n' % (\n"
	"          i, raw.hex() or '-', e.file_size, e.compress_size, e.CRC,\n"
	"          e.compress_type, e.flag_bits, int(e.filename.endswith('/')), mt))\n"
	"      if data:\n"
	"        put('%s.%d' % (os.path.basename(path), i), z.read(e))\n"
	"\n"
	"def describe_file(name):\n"
	"  with open(p(name + '.txt'), 'w') as f:\n"
	"    describe(p(name), f, data=True)\n"
	"\n"
	"# ---- hostile names (expected paths are in the C test; the long ones here)\n"
	"long_name = b'x' * 2000\n"
	"deep = b'/'.join([b'd' * 200] * 6) + b'/leaf.txt'\n"
	"hostile = [\n"
	"  b'../evil.txt', b'/abs/path.txt', b'a/./b//c.txt', b'dup.txt', b'dup.txt',\n"
	"  b'./dup.txt', b'dup.txt', long_name, b'', b'dir/', b'dir', b'f', b'f/g', b'..',\n"
	"  b'stored.bin', b'my file name.txt', deep, b'nul\\0name.txt', b'cp437_\\x81.txt',\n"
	"  b'na\\xc3\\xafve/\\xc3\\xbcn\\xc3\\xafcode.txt', b'dir/inside.txt', b'f~2', b'dir/',\n"
	"  b'a/b', b'evil.txt',\n"
	"]\n"
	"ents = []\n"
	"for i, n in enumerate(hostile):\n"
	"  data = b'' if n.endswith(b'/') else (b'entry %d\\n' % i) * (i * 37 + 1)\n"
	"  flags = 0x800 if b'\\xc3' in n else 0\n"
	"  ents.append((n, data, 0 if n == b'stored.bin' else 8, flags))\n"
	"put('hostile.zip', rawzip(ents)[0])\n"
	"describe_file('hostile.zip')\n"
	"with open(p('long_expect.txt'), 'w') as f:\n"
	"  f.write('x' * 246 + '~%08x\\n' % fnv(long_name))\n"
	"  f.write(deep[:1015].decode() + '~%08x\\n' % fnv(deep))\n"
	"\n"
	"# ---- zip64: central-directory sentinels, zip64 extra fields, zip64 end records\n"
	"payload = bytes(range(256)) * 300\n"
	"put('zip64cd.zip', rawzip([(b'one.bin', payload, 8),\n"
	"                           (b'two.txt', b'stored zip64\\n' * 50, 0),\n"
	"                           (b'e/', b'', 0)], zip64=True)[0])\n"
	"describe_file('zip64cd.zip')\n"
	"# Python's own zip64 writer (zip64 extra in the local headers only)\n"
	"with zipfile.ZipFile(p('pyzip64.zip'), 'w', zipfile.ZIP_DEFLATED) as z:\n"
	"  zi = zipfile.ZipInfo('forced.bin', DT); zi.compress_type = zipfile.ZIP_DEFLATED\n"
	"  with z.open(zi, 'w', force_zip64=True) as w:\n"
	"    w.write(payload)\n"
	"  with z.open(zipfile.ZipInfo('plain stored.txt', DT), 'w', force_zip64=True) as w:\n"
	"    w.write(b'abc' * 1000)\n"
	"describe_file('pyzip64.zip')\n"
	"\n"
	"# ---- data descriptors: our writer, and Python writing to an unseekable stream\n"
	"put('desc.zip', rawzip([(b'a.bin', payload, 8),\n"
	"                        (b'b.txt', b'stored with descriptor\\n' * 9, 0)],\n"
	"                       descriptor=True)[0])\n"
	"describe_file('desc.zip')\n"
	"\n"
	"class Unseekable(io.RawIOBase):\n"
	"  def __init__(self, f):\n"
	"    self.f = f\n"
	"  def writable(self):\n"
	"    return True\n"
	"  def write(self, b):\n"
	"    return self.f.write(b)\n"
	"  def tell(self):\n"
	"    raise OSError('unseekable')\n"
	"  def seekable(self):\n"
	"    return False\n"
	"with open(p('pystream.zip'), 'wb') as raw:\n"
	"  with zipfile.ZipFile(Unseekable(raw), 'w', zipfile.ZIP_DEFLATED) as z:\n"
	"    z.writestr(zipfile.ZipInfo('configuration.json', DT), b'{\"a\": 1}\\n' * 100,\n"
	"               compress_type=zipfile.ZIP_DEFLATED)\n"
	"    z.writestr(zipfile.ZipInfo('stored.bin', DT), b'\\0\\1\\2' * 500,\n"
	"               compress_type=zipfile.ZIP_STORED)\n"
	"describe_file('pystream.zip')\n"
	"\n"
	"# ---- other methods libarchive inflates for us: bzip2 and LZMA (Python's writer)\n"
	"with zipfile.ZipFile(p('methods.zip'), 'w') as z:\n"
	"  z.writestr(zipfile.ZipInfo('bz.txt', DT), b'bzip2 data\\n' * 5000,\n"
	"             compress_type=zipfile.ZIP_BZIP2)\n"
	"  z.writestr(zipfile.ZipInfo('lz.txt', DT), b'lzma data\\n' * 5000,\n"
	"             compress_type=zipfile.ZIP_LZMA)\n"
	"describe_file('methods.zip')\n"
	"\n"
	"# ---- a base archive, and corruptions of it\n"
	"text = b''.join(b'line %d of a.bin: %s\\n' % (i, hashlib.sha1(b'%d' % i).hexdigest()\n"
	"                                             .encode()) for i in range(600))\n"
	"base_ents = [(b'a.bin', text, 8), (b'b.txt', b'stored text\\n' * 40, 0),\n"
	"             (b'c/d.txt', b'd' * 5000, 8)]\n"
	"base, info, cd_off = rawzip(base_ents)\n"
	"put('base.zip', base)\n"
	"describe_file('base.zip')\n"
	"eocd = len(base) - 22\n"
	"\n"
	"def patched(name, edits):\n"
	"  b = bytearray(base)\n"
	"  for off, fmt, val in edits:\n"
	"    struct.pack_into(fmt, b, off, val)\n"
	"  put(name, b)\n"
	"\n"
	"a = info[0]\n"
	"def flipped(pos):\n"
	"  c = bytearray(base[a['doff']:a['doff'] + a['clen']]); c[pos] ^= 0x01\n"
	"  d = zlib.decompressobj(-15)\n"
	"  try:\n"
	"    out = d.decompress(bytes(c))\n"
	"  except zlib.error:\n"
	"    return 'bad'\n"
	"  ok = d.eof and len(out) == len(text) and out != text and not d.unused_data\n"
	"  return 'crc' if ok else 'other'\n"
	"mid = a['clen'] // 2\n"
	"pos_crc = next(i for i in range(mid, a['clen']) if flipped(i) == 'crc')\n"
	"pos_bad = next(i for i in range(10, a['clen']) if flipped(i) == 'bad')\n"
	"for name, pos in (('crc.zip', pos_crc), ('inflate.zip', pos_bad)):\n"
	"  patched(name, [(a['doff'] + pos, 'B', base[a['doff'] + pos] ^ 1)])\n"
	"b, c = info[1], info[2]\n"
	"patched('stored_crc.zip', [(b['doff'] + 7, 'B', base[b['doff'] + 7] ^ 0x20)])\n"
	"patched('badsig.zip', [(a['cdfh'] + 2, 'B', 9)])\n"
	"patched('count.zip', [(eocd + 8, '<H', 5), (eocd + 10, '<H', 5)])\n"
	"patched('fewer.zip', [(eocd + 8, '<H', 2), (eocd + 10, '<H', 2)])\n"
	"patched('cdoff.zip', [(eocd + 16, '<I', cd_off + 1000)])\n"
	"patched('namelen.zip', [(c['cdfh'] + 28, '<H', 0xffff)])\n"
	"patched('lho.zip', [(a['cdfh'] + 42, '<I', cd_off - 10)])\n"
	"patched('lfhsig.zip', [(b['lho'] + 3, 'B', 0x07)])\n"
	"patched('z64missing.zip', [(a['cdfh'] + 20, '<I', 0xffffffff)])\n"
	"patched('storedsize.zip', [(b['cdfh'] + 24, '<I', b['clen'] + 1)])\n"
	"patched('ratio.zip', [(a['cdfh'] + 24, '<I', a['clen'] * 2000)])\n"
	"patched('bigger.zip', [(a['cdfh'] + 24, '<I', len(text) + 100)])\n"
	"patched('smaller.zip', [(a['cdfh'] + 24, '<I', len(text) - 100)])\n"
	"patched('encrypted.zip', [(a['cdfh'] + 8, '<H', 1)])\n"
	"patched('multidisk.zip', [(eocd + 4, '<H', 1)])\n"
	"patched('crcfield.zip', [(c['cdfh'] + 16, '<I', c['crc'] ^ 0x1000)])\n"
	"put('truncated.zip', base[:len(base) // 2])\n"
	"put('prefixed.zip', b'#!/bin/sh\\necho self-extracting stub\\nexit 0\\n' * 10 + base)\n"
	"describe_file('prefixed.zip')\n"
	"put('comment.zip', base[:-2] + struct.pack('<H', 17) + b'an archive commnt')\n"
	"describe_file('comment.zip')\n"
	"put('noentries.zip', struct.pack(EOCD, b'PK\\5\\6', 0, 0, 0, 0, 0, 0, 0))\n"
	"put('notzip.txt', b'this is plain text, not an archive\\n' * 3)\n"
	"put('empty.bin', b'')\n"
	"z64 = rawzip(base_ents, zip64=True)[0]\n"
	"at = len(z64) - 22 - 20 - 56\n"
	"b = bytearray(z64); struct.pack_into('<QQ', b, at + 24, 100001, 100001)\n"
	"put('toomany.zip', b)\n"
	"b = bytearray(z64); struct.pack_into('<Q', b, at + 40, 300 << 20)\n"
	"put('bigcd.zip', b)\n"
	"b = bytearray(z64); b[at] = 0\n"
	"put('z64lost.zip', b)\n"
	"\n"
	"# ---- many duplicate names: the renaming must stay linear\n"
	"put('many.zip', rawzip([(b'same.txt', b'', 0)] * 20000)[0])\n"
	"\n"
	"# ---- 1 GiB of zeros in one deflated entry (early stop): 1 MiB blocks, each\n"
	"# compressed after a full flush, are identical, so the stream is one block repeated\n"
	"co = zlib.compressobj(6, zlib.DEFLATED, -15); chunk = bytes(1 << 20)\n"
	"blk = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)\n"
	"assert co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH) == blk\n"
	"crc = 0\n"
	"for _ in range(1024):\n"
	"  crc = zlib.crc32(chunk, crc)\n"
	"zeros = (blk * 1024 + co.flush(), crc, 1 << 30)\n"
	"put('zeros.zip', rawzip([(b'zeros.bin', None, 8, 0, zeros)])[0])\n"
	"\n"
	"# ---- a wrong CRC in a 4 MB entry: found by a whole read, not by an early stop\n"
	"big = b''.join(b'%08d\\n' % i for i in range(400000))\n"
	"bz, binfo, _ = rawzip([(b'big.txt', big, 8)])\n"
	"bz = bytearray(bz)\n"
	"for off in (binfo[0]['cdfh'] + 16, binfo[0]['lho'] + 14):\n"
	"  struct.pack_into('<I', bz, off, binfo[0]['crc'] ^ 1)\n"
	"put('crcbig.zip', bz)\n"
	"\n"
	"# ---- gaussian float weights, for concurrent extraction\n"
	"import numpy as np\n"
	"rng = np.random.default_rng(7)\n"
	"with zipfile.ZipFile(p('floats.zip'), 'w', zipfile.ZIP_DEFLATED) as z:\n"
	"  f = open(p('floats.sha'), 'w')\n"
	"  for i in range(4):\n"
	"    d = (rng.standard_normal(1 << 20) * 0.05).astype('>f4').tobytes()\n"
	"    z.writestr('w%d.bin' % i, d)\n"
	"    f.write(hashlib.sha256(d).hexdigest() + '\\n')\n"
	"\n"
	"# ---- the shared corpus: every zip-format file, whatever its extension\n"
	"if CORPUS:\n"
	"  with open(p('corpus.txt'), 'w') as f:\n"
	"    for root, dirs, files in sorted(os.walk(CORPUS)):\n"
	"      dirs.sort()\n"
	"      for fn in sorted(files):\n"
	"        path = os.path.join(root, fn)\n"
	"        with open(path, 'rb') as g:\n"
	"          if g.read(4) not in (b'PK\\3\\4', b'PK\\5\\6'):\n"
	"            continue\n"
	"        f.write('FILE %s\\n' % path)\n"
	"        describe(path, f)\n"
	"print('ok')\n";

static char tmp[64];
static bool have_corpus;
static pid_t mkbig_pid = -1; /* scripts/mkbig runs while the Python fixtures are made */
static char mkbig_out[128];

static const char *tp(const char *name)
{
	static char buf[8][512];
	static int k;
	char *b = buf[k++ & 7];

	snprintf(b, sizeof(buf[0]), "%s/%s", tmp, name);
	return b;
}

/* Runs argv; with out != NULL captures stdout. Returns the exit status (-1 on failure). */
static int run(char *const argv[], uint8_t **out, size_t *len)
{
	posix_spawn_file_actions_t fa;
	int pfd[2] = { -1, -1 }, st;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	if (out) {
		if (pipe(pfd))
			return -1;
		posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
		posix_spawn_file_actions_addclose(&fa, pfd[0]);
	}
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ)) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	if (out) {
		size_t cap = 1 << 16, n = 0;
		uint8_t *b = malloc(cap);
		ssize_t r;

		close(pfd[1]);
		while ((r = read(pfd[0], b + n, cap - n)) > 0) {
			n += (size_t)r;
			if (n == cap)
				b = realloc(b, cap *= 2);
		}
		close(pfd[0]);
		*out = b;
		*len = n;
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Starts argv with stdout to out_path; returns the pid or -1. */
static pid_t start(char *const argv[], const char *out_path)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int r;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	r = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return r ? -1 : pid;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

struct collect {
	uint8_t *buf;
	size_t len, cap;
	int calls;
};

static int collect_sink(void *arg, const void *buf, size_t len)
{
	struct collect *c = arg;

	if (c->len + len > c->cap) {
		c->cap = (c->len + len) * 2;
		c->buf = realloc(c->buf, c->cap);
	}
	memcpy(c->buf + c->len, buf, len);
	c->len += len;
	c->calls++;
	return 0;
}

static int extract(const struct zip_index *idx, const struct zip_entry *z, struct collect *c,
		   struct err *e)
{
	memset(c, 0, sizeof(*c));
	return codec_zip_extract(idx, z, collect_sink, c, e);
}

static struct zip_index *index_ok(const char *path)
{
	struct zip_index *idx = NULL;
	struct err e = { 0 };
	int rc = codec_zip_index(path, &idx, &e);

	if (rc)
		print_message("%s: %s\n", path, e.msg);
	assert_int_equal(rc, 0);
	assert_non_null(idx);
	assert_string_equal(idx->path, path);
	return idx;
}

static void hex_decode(const char *hex, char *out)
{
	size_t n = strcmp(hex, "-") == 0 ? 0 : strlen(hex) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v;

		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (char)v;
	}
	out[n] = '\0';
}

/* Compares the next idx->n lines of Python's description with the index; with data_fmt,
 * also the extracted bytes with the files Python wrote. */
static void compare_python(const struct zip_index *idx, FILE *f, const char *archive_name,
			   bool with_data)
{
	static char line[16384], hex[12000], name[6000];

	for (int i = 0; i < idx->n; i++) {
		const struct zip_entry *z = &idx->e[i];
		unsigned long long size, csize;
		unsigned long crc;
		int k, method, flags, is_dir;
		long long mtime;

		assert_non_null(fgets(line, sizeof(line), f));
		assert_int_equal(sscanf(line, "%d %11999s %llu %llu %lu %d %d %d %lld", &k, hex,
					&size, &csize, &crc, &method, &flags, &is_dir, &mtime),
				 9);
		hex_decode(hex, name);
		assert_int_equal(k, i);
		assert_int_equal(z->index, i);
		assert_string_equal(z->name, name);
		assert_int_equal(z->size, size);
		assert_int_equal(z->csize, csize);
		assert_int_equal(z->crc32, crc);
		assert_int_equal(z->method, method);
		assert_int_equal(z->flags, flags);
		assert_int_equal(z->is_dir, is_dir);
		assert_int_equal((long long)z->mtime, mtime);
		if (with_data) {
			struct collect c;
			struct err e = { 0 };
			char fn[256];
			size_t want_len;
			uint8_t *want;

			snprintf(fn, sizeof(fn), "%s.%d", archive_name, i);
			want = slurp(tp(fn), &want_len);
			if (extract(idx, z, &c, &e))
				print_message("%s: %s\n", archive_name, e.msg);
			assert_int_equal(e.code, 0);
			assert_int_equal(c.len, want_len);
			assert_memory_equal(c.buf ? c.buf : nothing, want, want_len);
			free(c.buf);
			free(want);
		}
	}
}

static void check_like_python(const char *archive)
{
	char txt[256];
	struct zip_index *idx = index_ok(tp(archive));
	FILE *f;

	snprintf(txt, sizeof(txt), "%s.txt", archive);
	f = fopen(tp(txt), "r");
	assert_non_null(f);
	compare_python(idx, f, archive, true);
	assert_int_equal(fgetc(f), EOF); /* Python saw no more entries than we did */
	fclose(f);
	codec_zip_free(idx);
}

/* Invariants every index must keep, whatever the names. */
static void check_paths(const struct zip_index *idx)
{
	for (int i = 0; i < idx->n; i++) {
		const char *p = idx->e[i].path, *c = p;

		assert_non_null(p);
		assert_true(p[0] != '\0' && p[0] != '/');
		assert_true(strlen(p) <= ZIP_MAX_NAME);
		while (*c) {
			size_t n = strcspn(c, "/");

			assert_true(n > 0 && n <= 255);
			assert_false(n == 1 && c[0] == '.');
			assert_false(n == 2 && c[0] == '.' && c[1] == '.');
			c += n;
			if (*c == '/') {
				c++;
				assert_true(*c != '\0');
			}
		}
		for (int j = 0; j < idx->n; j++) {
			const char *q = idx->e[j].path;
			size_t n = strlen(p);

			if (j != i)
				assert_string_not_equal(p, q);
			/* no file is also a directory of another entry */
			if (!idx->e[i].is_dir && j != i)
				assert_false(strncmp(q, p, n) == 0 && q[n] == '/');
		}
	}
}

/* ------------------------------------------------------------------ fixtures */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	char script[128];
	char *argv[5];
	FILE *f;
	int r;

	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/dlfs-test-zip-XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	snprintf(script, sizeof(script), "%s/gen.py", tmp);
	f = fopen(script, "w");
	if (!f)
		return -1;
	fputs(gen_py, f);
	fclose(f);
	if (access("/usr/bin/java", X_OK) == 0) {
		char *margv[] = { mkbig_bin, mkbig_out, n102, NULL };

		snprintf(mkbig_out, sizeof(mkbig_out), "%s/mkbig.zip", tmp);
		mkbig_pid = start(margv, tp("mkbig.log"));
	}
	argv[0] = python_bin;
	argv[1] = script;
	argv[2] = tmp;
	argv[3] = have_corpus ? corpus_dir : NULL;
	argv[4] = NULL;
	r = run(argv, NULL, NULL);
	if (r != 0) {
		fprintf(stderr, "fixture generator %s failed (%d)\n", script, r);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (mkbig_pid > 0)
		waitpid(mkbig_pid, NULL, 0);
	if (tmp[0])
		nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* ------------------------------------------------------------------ tests */

static int count_zip_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[4096];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			n += count_zip_files(path);
		} else if (S_ISREG(st.st_mode)) {
			char m[4] = { 0 };
			FILE *f = fopen(path, "rb");

			if (f && fread(m, 1, 4, f) == 4 &&
			    (memcmp(m, "PK\3\4", 4) == 0 || memcmp(m, "PK\5\6", 4) == 0))
				n++;
			if (f)
				fclose(f);
		}
	}
	closedir(d);
	return n;
}

/* Every zip-format file of the corpus: entry facts as Python reads them, bytes as unzip
 * extracts them. */
static void test_corpus(void **state)
{
	static char line[8192];
	FILE *f;
	int files = 0, entries = 0;

	(void)state;
	if (!have_corpus)
		skip();
	f = fopen(tp("corpus.txt"), "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		struct zip_index *idx;
		char path[4096];

		assert_memory_equal(line, "FILE ", 5);
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, sizeof(path), "%s", line + 5);
		idx = index_ok(path);
		assert_true(idx->n > 0);
		compare_python(idx, f, NULL, false);
		for (int i = 0; i < idx->n; i++) {
			const struct zip_entry *z = &idx->e[i];
			char name[ZIP_MAX_NAME + 1];
			char *argv[] = { unzip_bin, opt_p, path, name, NULL };
			struct collect c;
			struct err e = { 0 };
			uint8_t *want;
			size_t want_len;

			assert_string_equal(z->path, z->name); /* corpus names are plain */
			snprintf(name, sizeof(name), "%s", z->name);
			assert_int_equal(run(argv, &want, &want_len), 0);
			assert_int_equal(extract(idx, z, &c, &e), 0);
			assert_int_equal(c.len, want_len);
			assert_int_equal(c.len, z->size);
			assert_memory_equal(c.buf ? c.buf : nothing, want, want_len);
			free(c.buf);
			free(want);
			entries++;
		}
		check_paths(idx);
		codec_zip_free(idx);
		files++;
	}
	fclose(f);
	print_message("corpus: %d archives, %d entries match zipfile and unzip\n", files,
		      entries);
	assert_int_equal(files, count_zip_files(DLFS_CORPUS_DIR));
	assert_true(files >= 20);
}

static void test_hostile_names(void **state)
{
	static const char *const want[] = {
		"evil.txt", "abs/path.txt", "a/b/c.txt", "dup.txt", "dup.txt~2", "dup.txt~3",
		"dup.txt~4", NULL /* long, from Python */, "unnamed", "dir", "dir~2", "f~3", "f/g",
		"unnamed~2", "stored.bin", "my file name.txt", NULL /* deep, from Python */, "nul",
		"cp437_\xc3\xbc.txt", "na\xc3\xafve/\xc3\xbcn\xc3\xaf" "code.txt", "dir/inside.txt",
		"f~2", "dir~3", "a/b~2", "evil.txt~2",
	};
	struct zip_index *idx;
	char long_want[2][1100];
	FILE *f;

	(void)state;
	f = fopen(tp("long_expect.txt"), "r");
	assert_non_null(f);
	for (int i = 0; i < 2; i++) {
		assert_non_null(fgets(long_want[i], sizeof(long_want[i]), f));
		long_want[i][strcspn(long_want[i], "\n")] = '\0';
	}
	fclose(f);

	check_like_python("hostile.zip");
	idx = index_ok(tp("hostile.zip"));
	assert_int_equal(idx->n, (int)(sizeof(want) / sizeof(want[0])));
	for (int i = 0; i < idx->n; i++) {
		const char *w = want[i] ? want[i] : long_want[i == 7 ? 0 : 1];

		assert_string_equal(idx->e[i].path, w);
		assert_int_equal(idx->e[i].is_dir, i == 9 || i == 22);
	}
	assert_int_equal(strlen(idx->e[7].path), 255);
	assert_int_equal(strlen(idx->e[16].path), ZIP_MAX_NAME);
	assert_int_equal(strlen(idx->e[7].name), 2000); /* the stored name is kept whole */
	assert_memory_equal(idx->e[18].name, "cp437_\x81.txt", 12);
	check_paths(idx);

	/* lookup is by stored name, first match */
	assert_ptr_equal(codec_zip_find(idx, "dup.txt"), &idx->e[3]);
	assert_ptr_equal(codec_zip_find(idx, "../evil.txt"), &idx->e[0]);
	assert_ptr_equal(codec_zip_find(idx, ""), &idx->e[8]);
	assert_null(codec_zip_find(idx, "evil"));
	assert_ptr_equal(codec_zip_find(idx, "nul"), &idx->e[17]); /* cut at the NUL */
	assert_null(codec_zip_find(idx, "name.txt"));
	codec_zip_free(idx);
}

static void test_layouts(void **state)
{
	struct zip_index *idx;

	(void)state;
	check_like_python("zip64cd.zip");  /* sentinels + zip64 extra + zip64 end records */
	check_like_python("pyzip64.zip");  /* Python's force_zip64 */
	check_like_python("desc.zip");     /* data descriptors, stored and deflated */
	check_like_python("pystream.zip"); /* Python writing to an unseekable stream */
	check_like_python("base.zip");
	check_like_python("prefixed.zip"); /* a stub prepended to the archive */
	check_like_python("comment.zip");  /* an archive comment */
	check_like_python("methods.zip");  /* bzip2 and LZMA */

	idx = index_ok(tp("zip64cd.zip"));
	assert_int_equal(idx->n, 3);
	assert_int_equal(idx->e[0].size, 76800);
	assert_true(idx->e[2].is_dir);
	assert_string_equal(idx->e[2].path, "e");
	codec_zip_free(idx);

	idx = index_ok(tp("desc.zip"));
	assert_int_equal(idx->e[0].flags, 0x0008);
	assert_int_equal(idx->e[1].method, 0);
	codec_zip_free(idx);

	idx = index_ok(tp("noentries.zip"));
	assert_int_equal(idx->n, 0);
	assert_int_equal(idx->file_size, 22);
	assert_null(codec_zip_find(idx, "configuration.json"));
	codec_zip_free(idx);
}

static void expect_index_error(const char *path, int code, const char *msg)
{
	struct zip_index *idx = (struct zip_index *)0x1;
	struct err e = { 0 };

	assert_int_equal(codec_zip_index(path, &idx, &e), code);
	assert_int_equal(e.code, code);
	if (strcmp(e.msg, msg) != 0)
		print_message("%s: got \"%s\"\n", path, e.msg);
	assert_string_equal(e.msg, msg);
	assert_ptr_equal(idx, (struct zip_index *)0x1); /* untouched on failure */
}

static void test_index_errors(void **state)
{
	char msg[256];
	size_t len;
	uint8_t *b;

	(void)state;
	expect_index_error(tp("missing.zip"), -ENOENT, "cannot open: No such file or directory");
	expect_index_error(tp("empty.bin/x"), -ENOENT, "cannot open: Not a directory");
	expect_index_error(tmp, -EIO, "cannot read: not a regular file");
	expect_index_error(tp("empty.bin"), -EBADMSG, "not a zip archive (empty file)");
	expect_index_error(tp("notzip.txt"), -EBADMSG, "not a zip archive");
	expect_index_error(tp("truncated.zip"), -EBADMSG,
			   "truncated zip archive: no end of central directory record");

	b = slurp(tp("base.zip"), &len);
	snprintf(msg, sizeof(msg), "bad central directory record signature at entry 0 (file "
		 "offset %zu)", len - 22 - 155);
	expect_index_error(tp("badsig.zip"), -EBADMSG, msg);
	free(b);
	expect_index_error(tp("count.zip"), -EBADMSG,
			   "central directory truncated: 155 bytes cannot hold 5 entries");
	expect_index_error(tp("fewer.zip"), -EBADMSG,
			   "central directory holds more records than the 2 its end record "
			   "declares");
	snprintf(msg, sizeof(msg), "central directory offset %zu plus size 155 runs past its "
		 "end record at offset %zu", len - 22 - 155 + 1000, len - 22);
	expect_index_error(tp("cdoff.zip"), -EBADMSG, msg);
	expect_index_error(tp("namelen.zip"), -EBADMSG, "central directory truncated in entry 2");
	snprintf(msg, sizeof(msg), "entry 'a.bin': data (local header at offset %zu, 16858 "
		 "bytes) runs into the central directory at offset %zu", len - 22 - 155 - 10,
		 len - 22 - 155);
	expect_index_error(tp("lho.zip"), -EBADMSG, msg);
	expect_index_error(tp("z64missing.zip"), -EBADMSG,
			   "entry 'a.bin': sizes or offset need a zip64 extra field, which is "
			   "missing or too short");
	expect_index_error(tp("storedsize.zip"), -EBADMSG,
			   "entry 'b.txt': stored, but its size 481 differs from its compressed "
			   "size 480");
	expect_index_error(tp("ratio.zip"), -EOVERFLOW,
			   "entry 'a.bin': size 33716000 is impossible for 16858 deflated bytes");
	expect_index_error(tp("multidisk.zip"), -ENOTSUP,
			   "multi-disk zip archives are not supported (disk 1, central directory "
			   "on disk 0)");
	expect_index_error(tp("toomany.zip"), -EOVERFLOW, "100001 entries exceed the limit of "
			   "100000");
	expect_index_error(tp("bigcd.zip"), -EOVERFLOW, "central directory of 314572800 bytes "
			   "exceeds the limit of 268435456");
	b = slurp(tp("z64lost.zip"), &len);
	snprintf(msg, sizeof(msg), "zip64 end of central directory record not found (locator "
		 "at offset %zu)", len - 22 - 20);
	expect_index_error(tp("z64lost.zip"), -EBADMSG, msg);
	free(b);
}

static void expect_extract_error(const char *archive, const char *entry, int code,
				 const char *msg)
{
	struct zip_index *idx = index_ok(tp(archive));
	const struct zip_entry *z = codec_zip_find(idx, entry);
	struct collect c;
	struct err e = { 0 };
	uint8_t *all = (uint8_t *)0x1;
	size_t len = 7;

	assert_non_null(z);
	assert_int_equal(extract(idx, z, &c, &e), code);
	assert_int_equal(e.code, code);
	if (strcmp(e.msg, msg) != 0)
		print_message("%s: got \"%s\"\n", archive, e.msg);
	assert_string_equal(e.msg, msg);
	free(c.buf);
	err_clear(&e);
	assert_int_equal(codec_zip_read_all(idx, z, 1 << 20, &all, &len, &e), code);
	assert_string_equal(e.msg, msg);
	assert_ptr_equal(all, (uint8_t *)0x1);
	assert_int_equal(len, 7);
	codec_zip_free(idx);
}

static void test_extract_errors(void **state)
{
	size_t len;
	uint8_t *b = slurp(tp("base.zip"), &len);
	char msg[256];

	(void)state;
	/* a flipped bit in the deflate stream that still inflates, to the wrong bytes */
	expect_extract_error("crc.zip", "a.bin", -EBADMSG,
			     "entry 'a.bin': crc mismatch (ZIP bad CRC: 0x95d6fc7f should be "
			     "0xdd5a6528)");
	expect_extract_error("stored_crc.zip", "b.txt", -EBADMSG,
			     "entry 'b.txt': crc mismatch (ZIP bad CRC: 0x228395e3 should be "
			     "0xa317002)");
	expect_extract_error("crcfield.zip", "c/d.txt", -EBADMSG,
			     "entry 'c/d.txt': crc mismatch (ZIP bad CRC: 0x332aada9 should be "
			     "0x332abda9)");
	expect_extract_error("inflate.zip", "a.bin", -EBADMSG,
			     "entry 'a.bin': ZIP decompression failed (-3)");
	expect_extract_error("bigger.zip", "a.bin", -EBADMSG,
			     "entry 'a.bin': ZIP uncompressed data is wrong size (read 35890, "
			     "expected 35990)");
	expect_extract_error("smaller.zip", "a.bin", -EBADMSG,
			     "entry 'a.bin': ZIP uncompressed data is wrong size (read 35890, "
			     "expected 35790)");
	expect_extract_error("encrypted.zip", "a.bin", -ENOTSUP,
			     "entry 'a.bin': encrypted entries are not supported");
	snprintf(msg, sizeof(msg), "entry 'b.txt': no local header at offset %d",
		 30 + 5 + 16858);
	expect_extract_error("lfhsig.zip", "b.txt", -EBADMSG, msg);
	free(b);
}

/* The CRC is checked whenever the sink is handed the entry's last byte, even if it says
 * "enough" then; a reader that stops early has not seen the end and gets no verdict. */
static void test_crc_and_early_stop(void **state)
{
	struct zip_index *idx = index_ok(tp("crcbig.zip"));
	const struct zip_entry *z = &idx->e[0];
	uint8_t *buf = malloc(z->size), *all = NULL;
	size_t got = 1, len;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(z->size, 3600000);
	assert_int_equal(codec_zip_read_prefix(idx, z, buf, z->size, &got, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "entry 'big.txt': crc mismatch (ZIP bad CRC: "));
	assert_int_equal(got, 1);
	err_clear(&e);
	assert_int_equal(codec_zip_read_all(idx, z, z->size, &all, &len, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "crc mismatch"));
	assert_null(all);
	err_clear(&e);
	assert_int_equal(codec_zip_read_prefix(idx, z, buf, 18, &got, &e), 0);
	assert_int_equal(got, 18);
	assert_memory_equal(buf, "00000000\n00000001\n", 18);
	free(buf);
	codec_zip_free(idx);
}

/* The archive is replaced after indexing: extraction refuses rather than misreads. */
static void test_archive_changed(void **state)
{
	struct zip_index *idx;
	struct collect c;
	struct err e = { 0 };
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "cp %s %s", tp("base.zip"), tp("changing.zip"));
	assert_int_equal(system(cmd), 0);
	idx = index_ok(tp("changing.zip"));
	snprintf(cmd, sizeof(cmd), "cp %s %s.new && mv %s.new %s", tp("prefixed.zip"),
		 tp("changing.zip"), tp("changing.zip"), tp("changing.zip"));
	assert_int_equal(system(cmd), 0);
	assert_int_equal(extract(idx, &idx->e[0], &c, &e), -EIO);
	assert_string_equal(e.msg, "entry 'a.bin': the archive changed since it was indexed");
	free(c.buf);
	unlink(tp("changing.zip"));
	err_clear(&e);
	assert_int_equal(extract(idx, &idx->e[0], &c, &e), -ENOENT);
	assert_string_equal(e.msg, "entry 'a.bin': cannot open the archive: No such file or "
			    "directory");
	free(c.buf);
	codec_zip_free(idx);
}

static int fail_sink(void *arg, const void *buf, size_t len)
{
	(void)buf, (void)len;
	++*(int *)arg;
	return -EIO;
}

static int stop_sink(void *arg, const void *buf, size_t len)
{
	(void)buf, (void)len;
	++*(int *)arg;
	return 1;
}

static void test_sinks_and_read_all(void **state)
{
	struct zip_index *idx = index_ok(tp("base.zip"));
	const struct zip_entry *a = codec_zip_find(idx, "a.bin");
	const struct zip_entry *b = codec_zip_find(idx, "b.txt");
	struct zip_index *other;
	struct err e = { 0 };
	uint8_t *all;
	size_t len;
	int calls = 0;

	(void)state;
	assert_int_equal(codec_zip_extract(idx, a, fail_sink, &calls, &e), -EIO);
	assert_string_equal(e.msg, "entry 'a.bin': output failed: Input/output error");
	assert_int_equal(calls, 1);
	err_clear(&e);
	calls = 0;
	assert_int_equal(codec_zip_extract(idx, a, stop_sink, &calls, &e), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(e.code, 0);

	assert_int_equal(codec_zip_read_all(idx, b, 479, &all, &len, &e), -EOVERFLOW);
	assert_string_equal(e.msg, "entry 'b.txt': 480 bytes exceed the limit of 479");
	err_clear(&e);
	assert_int_equal(codec_zip_read_all(idx, b, 480, &all, &len, &e), 0);
	assert_int_equal(len, 480);
	assert_memory_equal(all, "stored text\nstored text\n", 24);
	assert_int_equal(all[480], '\0');
	dl_free(all);

	/* an entry of another index is refused */
	other = index_ok(tp("desc.zip"));
	assert_int_equal(codec_zip_extract(idx, &other->e[1], stop_sink, &calls, &e), -ENOENT);
	assert_string_equal(e.msg, "entry 'b.txt' is not part of this archive's index");
	err_clear(&e);
	codec_zip_free(other);

	/* an empty entry: no data read at all */
	codec_zip_free(idx);
	idx = index_ok(tp("zip64cd.zip"));
	assert_int_equal(codec_zip_read_all(idx, &idx->e[2], 0, &all, &len, &e), 0);
	assert_int_equal(len, 0);
	assert_int_equal(all[0], '\0');
	dl_free(all);
	codec_zip_free(idx);
}

/* 20,000 entries with one name: indexed quickly, all kept, renamed in order. */
static void test_many_duplicates(void **state)
{
	struct timespec t0, t1;
	struct zip_index *idx;
	double ms;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	idx = index_ok(tp("many.zip"));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("index of 20000 duplicate names: %.1f ms\n", ms);
	assert_true(ms < 2000);
	assert_int_equal(idx->n, 20000);
	assert_string_equal(idx->e[0].path, "same.txt");
	for (int i = 1; i < idx->n; i++) {
		char want[32];

		snprintf(want, sizeof(want), "same.txt~%d", i + 1);
		assert_string_equal(idx->e[i].path, want);
	}
	codec_zip_free(idx);
}

struct zero_count {
	size_t n, stop;
};

static int zero_sink(void *arg, const void *buf, size_t len)
{
	struct zero_count *zc = arg;
	const uint8_t *b = buf;

	for (size_t i = 0; i < len; i++) {
		if (b[i])
			return -EILSEQ;
	}
	zc->n += len;
	return zc->n >= zc->stop ? 1 : 0;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Early stop is cheap: a 4 KiB prefix of a 1 GiB entry takes milliseconds. */
static void test_prefix_early_stop(void **state)
{
	struct zip_index *idx;
	const struct zip_entry *z;
	struct zero_count zc = { .stop = 8u << 20 };
	struct timespec t0;
	uint8_t buf[4096];
	size_t got = 0;
	struct err e = { 0 };
	double ms_index, ms_prefix;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	idx = index_ok(tp("zeros.zip"));
	ms_index = ms_since(&t0);
	z = &idx->e[0];
	assert_int_equal(z->size, (uint64_t)1 << 30);
	memset(buf, 0xff, sizeof(buf));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(codec_zip_read_prefix(idx, z, buf, sizeof(buf), &got, &e), 0);
	ms_prefix = ms_since(&t0);
	assert_int_equal(got, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	print_message("1 GiB entry: index %.2f ms, 4 KiB prefix %.2f ms\n", ms_index, ms_prefix);
	assert_true(ms_index < 100);
	assert_true(ms_prefix < 100);
	/* stopping after 8 MiB of zeros */
	assert_int_equal(codec_zip_extract(idx, z, zero_sink, &zc, &e), 0);
	assert_true(zc.n >= zc.stop && zc.n < zc.stop + (1u << 20));
	codec_zip_free(idx);
}

struct thread_arg {
	const struct zip_index *idx;
	int first;
	char hex[4][65];
	int rc;
};

static int sha_sink(void *arg, const void *buf, size_t len)
{
	sha256_update(arg, buf, len);
	return 0;
}

static void *extract_thread(void *p)
{
	struct thread_arg *t = p;

	for (int k = 0; k < 4 && !t->rc; k++) {
		int i = (t->first + k) % 4;
		struct sha256 s;
		struct err e = { 0 };
		uint8_t d[32];

		sha256_init(&s);
		t->rc = codec_zip_extract(t->idx, &t->idx->e[i], sha_sink, &s, &e);
		sha256_final(&s, d);
		sha256_hex(d, t->hex[i]);
	}
	return NULL;
}

/* Several threads extract from one index at once (each call has its own handle). */
static void test_threads(void **state)
{
	struct zip_index *idx = index_ok(tp("floats.zip"));
	struct thread_arg t[4];
	pthread_t th[4];
	char want[4][80];
	FILE *f = fopen(tp("floats.sha"), "r");

	(void)state;
	assert_non_null(f);
	for (int i = 0; i < 4; i++) {
		assert_non_null(fgets(want[i], sizeof(want[i]), f));
		want[i][64] = '\0';
	}
	fclose(f);
	for (int i = 0; i < 4; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].idx = idx;
		t[i].first = i;
		assert_int_equal(pthread_create(&th[i], NULL, extract_thread, &t[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(t[i].rc, 0);
		for (int k = 0; k < 4; k++)
			assert_string_equal(t[i].hex[k], want[k]);
	}
	codec_zip_free(idx);
}

/* Failing each allocation in turn: -ENOMEM with a message, or success; never a crash or
 * a leak (the Asan build checks leaks). */
static void test_oom(void **state)
{
	int n, fails = 0;

	(void)state;
	for (n = 1; n < 10000; n++) {
		struct zip_index *idx = NULL;
		struct err e = { 0 };
		uint8_t *all = NULL;
		size_t len;
		int rc;

		dl_alloc_fail_at(n);
		rc = codec_zip_index(tp("hostile.zip"), &idx, &e);
		if (!rc)
			rc = codec_zip_read_all(idx, &idx->e[2], 1 << 20, &all, &len, &e);
		dl_alloc_fail_at(0);
		if (rc) {
			assert_int_equal(rc, -ENOMEM);
			assert_non_null(strstr(e.msg, "out of memory"));
			fails++;
		} else {
			assert_int_equal(len, 600);
			dl_free(all);
		}
		codec_zip_free(idx);
		if (!rc && dl_alloc_count() < n)
			break; /* the whole path ran without reaching the nth allocation */
	}
	print_message("oom: %d allocation sites failed cleanly\n", fails);
	assert_true(fails > 10);
	assert_true(n < 10000);
}

/* scripts/mkbig writes a DL4J-exact archive: Java's flags, entry order, array header. */
static void test_mkbig(void **state)
{
	char moon[512];
	struct zip_index *idx;
	uint8_t *out, *hdr, *ref, *conf;
	size_t len, rlen, clen;
	struct err e = { 0 };
	int st;

	(void)state;
	if (mkbig_pid < 0)
		skip(); /* no java */
	assert_int_equal(waitpid(mkbig_pid, &st, 0), mkbig_pid);
	mkbig_pid = -1;
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	out = slurp(tp("mkbig.log"), &len);
	out[len] = '\0';
	assert_non_null(strstr((char *)out, "layer 0: DenseLayer nIn=7 nOut=10 (W 70 + b 10)"));
	assert_non_null(strstr((char *)out, "layer 1: OutputLayer nIn=10 nOut=2 (W 20 + b 2)"));
	assert_non_null(strstr((char *)out, "N = 102 parameters"));
	free(out);
	idx = index_ok(tp("mkbig.zip"));
	assert_int_equal(idx->n, 2);
	assert_string_equal(idx->e[0].name, "configuration.json");
	assert_string_equal(idx->e[1].name, "coefficients.bin");
	for (int i = 0; i < 2; i++) {
		assert_int_equal(idx->e[i].flags, 0x0808);
		assert_int_equal(idx->e[i].method, 8);
	}
	assert_int_equal(idx->e[1].size, 129 + 4 * 102);
	assert_int_equal(codec_zip_read_all(idx, &idx->e[1], 1 << 20, &hdr, &len, &e), 0);
	assert_int_equal(codec_zip_read_all(idx, &idx->e[0], 1 << 20, &conf, &clen, &e), 0);
	if (have_corpus) {
		/* DL4J's own 102-parameter MLPMoon archive: the same array header bytes, and
		 * the same configuration.json once its layer sizes are replaced */
		char *rargv[] = { unzip_bin, opt_p, moon, coef_name, NULL };
		char *jargv[] = { unzip_bin, opt_p, moon, conf_name, NULL };
		static const char *const from[] = { "\"nin\" : 2,\n      \"nout\" : 20,",
						    "\"nin\" : 20,\n      \"nout\" : 2," };
		static const char *const to[] = { "\"nin\" : 7,\n      \"nout\" : 10,",
						  "\"nin\" : 10,\n      \"nout\" : 2," };

		snprintf(moon, sizeof(moon), "%s/dl4j-test-resources/dl4j-integration-tests/"
			 "MLPMoon/Model_RANDOM_INIT_UNTRAINED.zip", DLFS_CORPUS_DIR);
		assert_int_equal(run(rargv, &ref, &rlen), 0);
		assert_int_equal(rlen, len);
		assert_memory_equal(hdr, ref, 129);
		free(ref);
		assert_int_equal(run(jargv, &ref, &rlen), 0);
		assert_int_equal(rlen, clen);
		for (int i = 0; i < 2; i++) {
			char *at = strstr((char *)ref, from[i]);

			assert_non_null(at);
			assert_int_equal(strlen(from[i]), strlen(to[i]));
			memcpy(at, to[i], strlen(to[i]));
		}
		assert_memory_equal(conf, ref, clen);
		free(ref);
	}
	dl_free(conf);
	dl_free(hdr);
	codec_zip_free(idx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_index_errors),
		cmocka_unit_test(test_extract_errors),
		cmocka_unit_test(test_crc_and_early_stop),
		cmocka_unit_test(test_archive_changed),
		cmocka_unit_test(test_sinks_and_read_all),
		cmocka_unit_test(test_many_duplicates),
		cmocka_unit_test(test_prefix_early_stop),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_oom),
		cmocka_unit_test(test_mkbig),
	};
	struct stat st;
	int r;

	if (access(PYTHON, X_OK) != 0) {
		print_message("%s not found: cannot generate the zip fixtures\n", PYTHON);
		return 77;
	}
	have_corpus = stat(DLFS_CORPUS_DIR, &st) == 0 && S_ISDIR(st.st_mode);
	if (!have_corpus)
		print_message("corpus folder %s is absent: skipping the corpus test\n",
			      DLFS_CORPUS_DIR);
	r = cmocka_run_group_tests(tests, setup, teardown);
	return r ? r : have_corpus ? 0 : 77;
}
