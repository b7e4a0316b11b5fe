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

/* Word by word (32 then 8 bytes at a time; fixed-size moves the compiler
 * inlines as plain loads and stores): frames and pipe data go through
 * here. The regions must not overlap. */
void kiln_memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    for (; n >= 32; n -= 32, d += 32, s += 32) {
        uint64_t w[4];
        __builtin_memcpy(w, s, 32);
        __builtin_memcpy(d, w, 32);
    }
    for (; n >= 8; n -= 8, d += 8, s += 8) {
        uint64_t w;
        __builtin_memcpy(&w, s, 8);
        __builtin_memcpy(d, &w, 8);
    }
    while (n-- > 0)
        *d++ = *s++;
}

void kiln_memzero(void *dst, size_t n)
{
    uint8_t *d = dst;
    for (size_t i = 0; i < n; i++)
        d[i] = 0;
}
