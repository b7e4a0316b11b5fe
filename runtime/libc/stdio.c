/*
 * stdio.c: the printf family's output to the Solo5 console. stdout and
 * stderr both reach the console; an image has no other open files.
 * musl's vsnprintf (pure) does the formatting. Only functions that sit alone
 * in their musl object are replaced here (fwrite cannot be: vfprintf needs
 * its object for snprintf).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "heap.h"
#include "solo5.h"

/* Defined here, so musl's FILE objects (and their system calls) stay out of
 * the image. Only their addresses matter. */
static char console_out, console_err;
FILE *const stdout = (FILE *)&console_out;
FILE *const stderr = (FILE *)&console_err;

static int is_console(FILE *f)
{
    if (f == stdout || f == stderr)
        return 1;
    errno = EBADF;
    return 0;
}

int vprintf(const char *restrict fmt, va_list ap)
{
    char small[256];
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0) {
        va_end(again);
        return n;
    }
    if ((size_t)n < sizeof small) {
        solo5_console_write(small, (size_t)n);
    } else {
        char *big = kiln_malloc((size_t)n + 1);
        if (big) {
            vsnprintf(big, (size_t)n + 1, fmt, again);
            solo5_console_write(big, (size_t)n);
            kiln_free(big);
        } else {
            /* Out of memory: the console still gets what fits. */
            solo5_console_write(small, sizeof small - 1);
        }
    }
    va_end(again);
    return n;
}

int printf(const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
    if (!is_console(f))
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int fputc(int c, FILE *f)
{
    if (!is_console(f))
        return EOF;
    char ch = (char)c;
    solo5_console_write(&ch, 1);
    return (unsigned char)c;
}

int putc(int c, FILE *f) { return fputc(c, f); }
int putchar(int c) { return fputc(c, stdout); }

int fputs(const char *restrict s, FILE *restrict f)
{
    if (!is_console(f))
        return EOF;
    solo5_console_write(s, strlen(s));
    return 0;
}

int puts(const char *s)
{
    solo5_console_write(s, strlen(s));
    solo5_console_write("\n", 1);
    return 0;
}

/* Console writes are unbuffered: there is never anything to flush. */
int fflush(FILE *f)
{
    return f == NULL || is_console(f) ? 0 : EOF;
}

/*
 * musl's stdio locks a FILE around each operation (the formatting behind
 * snprintf included) with futex system calls. With one thread there is
 * nothing to exclude: report "not locked", so no unlock follows.
 */
int __lockfile(FILE *f)
{
    (void)f;
    return 0;
}

void __unlockfile(FILE *f)
{
    (void)f;
}
