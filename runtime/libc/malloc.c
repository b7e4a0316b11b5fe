/*
 * malloc.c: the C library's allocation functions, over Kiln's allocator.
 * The __libc_* names are musl's internal entry points: defining them keeps
 * musl's own allocator out of the link entirely.
 */
#include <errno.h>
#include <stddef.h>

#include "heap.h"

static void *check(void *p)
{
    if (!p)
        errno = ENOMEM;
    return p;
}

void *malloc(size_t n) { return check(kiln_malloc(n)); }
void free(void *p) { kiln_free(p); }
void *calloc(size_t count, size_t n) { return check(kiln_calloc(count, n)); }
void *realloc(void *p, size_t n) { return check(kiln_realloc(p, n)); }
size_t malloc_usable_size(void *p) { return kiln_usable_size(p); }

void *aligned_alloc(size_t align, size_t n)
{
    if (align == 0 || (align & (align - 1))) {
        errno = EINVAL;
        return NULL;
    }
    return check(kiln_memalign(align, n));
}

void *memalign(size_t align, size_t n) { return aligned_alloc(align, n); }

int posix_memalign(void **out, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    void *p = kiln_memalign(align, n);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

void *__libc_malloc(size_t n) { return malloc(n); }
void __libc_free(void *p) { kiln_free(p); }
void *__libc_calloc(size_t count, size_t n) { return calloc(count, n); }
void *__libc_realloc(void *p, size_t n) { return realloc(p, n); }
