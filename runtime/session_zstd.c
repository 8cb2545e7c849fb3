/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Compressed images of suspended sessions (`suspend --compress`): the
 * pages-*.img files of a CRIU image, each streamed through libzstd into
 * pages-*.img.zst beside it, and back before a wake. docs/sessions.md. */
#include "runtime/session.h"
#include "util/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_ZSTD
#include <zstd.h>
#endif

/* pages-N.img (zst: pages-N.img.zst) */
static bool pages_name(const char *name, bool zst)
{
	size_t n = strlen(name);
	const char *end = zst ? ".img.zst" : ".img";
	size_t e = strlen(end);
	return !strncmp(name, "pages-", 6) && n > 6 + e && !strcmp(name + n - e, end);
}

bool session_image_compressed(const char *image)
{
	_cleanup_close_ int dfd = open(image, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat sb;
	return dfd >= 0 && fstatat(dfd, SESSION_COMPRESSED, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(sb.st_mode);
}

/* Remove every NAME (pages_name(NAME, zst)) whose twin (the other form)
 * is there: the half of a conversion that did not finish. */
static void remove_twins(int dfd, bool zst)
{
	_cleanup_closedir_ DIR *d = fdopendir(dup(dfd));
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!pages_name(de->d_name, zst))
			continue;
		char twin[NAME_MAX + 8];
		size_t n = strlen(de->d_name);
		if (zst)
			snprintf(twin, sizeof(twin), "%.*s", (int)(n - 4), de->d_name);
		else
			snprintf(twin, sizeof(twin), "%s.zst", de->d_name);
		struct stat sb;
		if (fstatat(dfd, twin, &sb, AT_SYMLINK_NOFOLLOW) == 0)
			unlinkat(dfd, de->d_name, 0);
	}
}

void session_image_unexpand(const char *image)
{
	_cleanup_close_ int dfd = open(image, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd >= 0 && session_image_compressed(image))
		remove_twins(dfd, false);
}

#ifdef HAVE_ZSTD

bool session_zstd_available(void)
{
	return true;
}

enum {
	BUF = 1 << 17
};

/* src (a regular file of dfd) to a new dst beside it */
static int convert(int dfd, const char *src, const char *dst, bool compress, const char *image,
		   struct error *err)
{
	_cleanup_close_ int in = openat(dfd, src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return error_errno(err, "open %s/%s", image, src);
	struct stat sb;
	if (fstat(in, &sb) < 0 || !S_ISREG(sb.st_mode))
		return error_set(err, 0, "%s/%s: not a regular file", image, src);
	_cleanup_close_ int out = openat(
		dfd, dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return error_errno(err, "create %s/%s", image, dst);
	_cleanup_free_ char *ibuf = malloc(BUF);
	_cleanup_free_ char *obuf = malloc(BUF);
	ZSTD_CCtx *cc = compress ? ZSTD_createCCtx() : NULL;
	ZSTD_DCtx *dc = compress ? NULL : ZSTD_createDCtx();
	int r = -1;
	if (!ibuf || !obuf || (compress ? !cc : !dc)) {
		error_set(err, ENOMEM, "zstd for %s/%s", image, src);
		goto fail;
	}
	if (cc && (ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 1)) ||
		   ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)))) {
		error_set(err, 0, "zstd: cannot set level 1 with checksums");
		goto fail;
	}
	size_t left = 1; /* decompression: what the current frame still needs */
	bool any = false;
	for (;;) {
		ssize_t n = read(in, ibuf, BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_errno(err, "read %s/%s", image, src);
			goto fail;
		}
		any = any || n > 0;
		bool last = n == 0;
		if (last && dc)
			break; /* all its output is out (ob.pos < BUF below) */
		ZSTD_inBuffer ib = {ibuf, (size_t)n, 0};
		bool done = false;
		while (!done) {
			ZSTD_outBuffer ob = {obuf, BUF, 0};
			size_t z;
			if (cc) {
				z = ZSTD_compressStream2(cc, &ob, &ib,
							 last ? ZSTD_e_end : ZSTD_e_continue);
				done = last ? z == 0 : ib.pos == ib.size;
			} else {
				z = ZSTD_decompressStream(dc, &ob, &ib);
				if (!ZSTD_isError(z))
					left = z;
				done = ib.pos == ib.size && ob.pos < BUF;
			}
			if (ZSTD_isError(z)) {
				error_set(err, 0, "%s/%s: zstd %s: %s", image, src,
					  cc ? "compression" : "decompression",
					  ZSTD_getErrorName(z));
				goto fail;
			}
			for (size_t off = 0; off < ob.pos;) {
				ssize_t w = write(out, obuf + off, ob.pos - off);
				if (w < 0 && errno == EINTR)
					continue;
				if (w < 0) {
					error_errno(err, "write %s/%s", image, dst);
					goto fail;
				}
				off += (size_t)w;
			}
		}
		if (last)
			break;
	}
	if (dc && (!any || left != 0)) {
		error_set(err, 0, "%s/%s: zstd decompression: the compressed data is truncated",
			  image, src);
		goto fail;
	}
	if (close(out) < 0) {
		out = -1;
		error_errno(err, "write %s/%s", image, dst);
		goto fail;
	}
	out = -1;
	r = 0;
fail:
	ZSTD_freeCCtx(cc);
	ZSTD_freeDCtx(dc);
	if (r < 0)
		unlinkat(dfd, dst, 0);
	return r;
}

/* Convert every pages file (compress: *.img to *.img.zst, else back). On
 * a failure the new files go and the old ones stay. */
static int convert_all(const char *image, bool compress, struct error *err)
{
	_cleanup_close_ int dfd = open(image, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return error_errno(err, "image directory %s", image);
	_cleanup_closedir_ DIR *d = fdopendir(dup(dfd));
	if (!d)
		return error_errno(err, "image directory %s", image);
	struct dirent *de;
	int found = 0;
	while ((de = readdir(d))) {
		if (!pages_name(de->d_name, !compress))
			continue;
		char dst[NAME_MAX + 8];
		size_t n = strlen(de->d_name);
		if (compress)
			snprintf(dst, sizeof(dst), "%s.zst", de->d_name);
		else
			snprintf(dst, sizeof(dst), "%.*s", (int)(n - 4), de->d_name);
		if (convert(dfd, de->d_name, dst, compress, image, err) < 0) {
			remove_twins(dfd, compress);
			return -1;
		}
		found++;
		/* what does not shrink by 5% (random bytes) stays plain: wake
		 * would pay for its decompression and get nothing */
		struct stat a, b;
		if (compress && fstatat(dfd, de->d_name, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
		    fstatat(dfd, dst, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    b.st_size * 20 > a.st_size * 19)
			unlinkat(dfd, dst, 0);
	}
	if (!found && compress)
		return error_set(err, 0, "image %s holds no pages-*.img", image);
	return 0;
}

int session_image_compress(const char *image, struct error *err)
{
	if (convert_all(image, true, err) < 0)
		return -1;
	_cleanup_close_ int dfd = open(image, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int m =
		dfd < 0 ? -1
			: openat(dfd, SESSION_COMPRESSED,
				 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (m < 0 || write(m, "zstd\n", 5) != 5) {
		int e = errno;
		if (dfd >= 0) {
			remove_twins(dfd, true);
			unlinkat(dfd, SESSION_COMPRESSED, 0);
		}
		return error_set(err, e, "image %s: write its %s marker", image,
				 SESSION_COMPRESSED);
	}
	/* the marker is there: the originals may go */
	remove_twins(dfd, false);
	return 0;
}

int session_image_expand(const char *image, struct error *err)
{
	return convert_all(image, false, err);
}

#else

bool session_zstd_available(void)
{
	return false;
}

int session_image_compress(const char *image, struct error *err)
{
	(void)image;
	return error_set(err, 0, "agentrun was built without libzstd: no compressed images");
}

int session_image_expand(const char *image, struct error *err)
{
	return error_set(err, 0,
			 "image %s is compressed (zstd) and agentrun was built without libzstd",
			 image);
}

#endif
