/* bytes.c: byte helpers for the bindings. Written as loops the compiler is
 * told not to turn back into memcpy/memset calls (see the Makefile), so the
 * library needs no libc. */
#include "guest.h"

size_t kiln_strlen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    return n;
}

void kiln_memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    for (size_t i = 0; i < n; i++)
        d[i] = s[i];
}

void kiln_memzero(void *dst, size_t n)
{
    uint8_t *d = dst;
    for (size_t i = 0; i < n; i++)
        d[i] = 0;
}
