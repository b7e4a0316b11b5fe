/*
 * compat.c: what Debian's libmbedcrypto (built against glibc) needs from a
 * libc that musl plus the runtime do not give an image.
 *
 * - glibc's fortify wrappers, which its objects call for memcpy, memset,
 *   printf and snprintf: the same work, with the bound check they stand for.
 * - fopen and fclose: the objects holding the primitives also hold file
 *   helpers (mbedtls_md_file, mbedtls_mpi_read_file) that the link keeps;
 *   musl's fopen, and fclose through its open-file-list lock, would bring
 *   Linux system calls into the image. An image has no files: fopen fails,
 *   those helpers report it, and fclose never gets a file to close.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__memcpy_chk(void *dest, const void *src, size_t n, size_t dest_len)
{
    if (n > dest_len)
        abort();
    return memcpy(dest, src, n);
}

void *__memset_chk(void *dest, int c, size_t n, size_t dest_len)
{
    if (n > dest_len)
        abort();
    return memset(dest, c, n);
}

int __printf_chk(int flag, const char *format, ...)
{
    (void)flag;
    va_list ap;
    va_start(ap, format);
    int n = vprintf(format, ap);
    va_end(ap);
    return n;
}

/* oid.c (which RSA's PKCS#1 v1.5 encoding brings in) formats OIDs with it. */
int __snprintf_chk(char *str, size_t maxlen, int flag, size_t str_len, const char *format, ...)
{
    (void)flag;
    if (maxlen > str_len)
        abort();
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(str, maxlen, format, ap);
    va_end(ap);
    return n;
}

FILE *fopen(const char *path, const char *mode)
{
    (void)path;
    (void)mode;
    errno = ENOSYS;
    return NULL;
}

int fclose(FILE *file)
{
    (void)file;
    errno = EBADF;
    return EOF;
}
