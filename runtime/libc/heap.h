/*
 * heap.h: Kiln's memory allocator over one contiguous region (the Solo5
 * heap). Single-threaded. Small requests (up to KILN_HEAP_MAX_CLASS bytes)
 * come from size-class spans with per-span free lists; larger ones are runs
 * of whole pages. The libc names (malloc, free, ...) are thin wrappers in
 * malloc.c; these names let tests and benchmarks link the allocator beside
 * another libc.
 */
#ifndef KILN_HEAP_H
#define KILN_HEAP_H

#include <stddef.h>

#define KILN_HEAP_PAGE 4096u
#define KILN_HEAP_MAX_CLASS 16384u

struct kiln_heap_stats {
    size_t size;        /* bytes of the region usable for allocations */
    size_t in_use;      /* usable bytes of live allocations */
    size_t peak;        /* highest in_use seen */
    size_t pages_used;  /* pages in spans and large runs */
};

/* Takes over [base, base + size). Returns -1 when the region is too small. */
int kiln_heap_init(void *base, size_t size);

void *kiln_malloc(size_t n);
void kiln_free(void *p);
/* As kiln_malloc, also giving the block's usable size (for the engine's accounting without a second look-up). */
void *kiln_malloc_usable(size_t n, size_t *usable);
/* As kiln_free, returning the usable size of the block it freed (0 for NULL). */
size_t kiln_free_usable(void *p);
void *kiln_calloc(size_t count, size_t n);
void *kiln_realloc(void *p, size_t n);
/* (align) must be a power of two. */
void *kiln_memalign(size_t align, size_t n);
size_t kiln_usable_size(const void *p);
void kiln_heap_stats(struct kiln_heap_stats *out);

/* Called on a pointer the allocator never handed out (a corrupting bug in
 * the caller); provided by whoever links the allocator. Does not return. */
void kiln_heap_fatal(const char *what, const void *p) __attribute__((noreturn));

#endif
