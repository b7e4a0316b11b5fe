/*
 * engine_malloc.c: QuickJS's allocation functions over Kiln's allocator.
 * QuickJS's defaults call malloc and then malloc_usable_size for its
 * accounting, and malloc_usable_size then free on every release: each block
 * was looked up (and checked) twice. Here the allocator reports the usable
 * size as it allocates and as it frees, so each block is looked up once;
 * free still checks every pointer it is given.
 */
#include "heap.h"
#include "kiln.h"

/* QuickJS counts this much per block on top of its usable size (its MALLOC_OVERHEAD on Linux). */
#define BLOCK_OVERHEAD 8

static void *engine_malloc(JSMallocState *s, size_t size)
{
    if (s->malloc_size + size > s->malloc_limit)
        return NULL;
    size_t usable;
    void *p = kiln_malloc_usable(size, &usable);
    if (!p)
        return NULL;
    s->malloc_count++;
    s->malloc_size += usable + BLOCK_OVERHEAD;
    return p;
}

static void engine_free(JSMallocState *s, void *p)
{
    if (!p)
        return;
    s->malloc_count--;
    s->malloc_size -= kiln_free_usable(p) + BLOCK_OVERHEAD;
}

static void *engine_realloc(JSMallocState *s, void *p, size_t size)
{
    if (!p)
        return size ? engine_malloc(s, size) : NULL;
    if (size == 0) {
        engine_free(s, p);
        return NULL;
    }
    size_t old = kiln_usable_size(p);
    if (s->malloc_size + size - old > s->malloc_limit)
        return NULL;
    void *q = kiln_realloc(p, size);
    if (!q)
        return NULL;
    s->malloc_size += kiln_usable_size(q) - old;
    return q;
}

static size_t engine_usable_size(const void *p)
{
    return kiln_usable_size(p);
}

static const JSMallocFunctions engine_malloc_functions = {
    engine_malloc,
    engine_free,
    engine_realloc,
    engine_usable_size,
};

JSRuntime *kiln_new_runtime(void)
{
    return JS_NewRuntime2(&engine_malloc_functions, NULL);
}
