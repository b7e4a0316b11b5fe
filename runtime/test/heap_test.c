/*
 * heap_test.c: the allocator against a shadow model. Random mallocs, frees,
 * reallocs and aligned allocations of all size ranges; every live block is
 * filled with a pattern derived from its id and checked before it is freed
 * or moved, so overlap or lost contents show up. Also checks the figures,
 * that freeing everything returns the pages, and out-of-memory behaviour.
 * Exits non-zero with a message on the first failure.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"

#define REGION (128u << 20)
#define LIVE 4096
#define STEPS 400000

static _Alignas(4096) unsigned char region[REGION];

struct block {
    unsigned char *p;
    size_t n;
    uint32_t id;
};
static struct block live[LIVE];
static uint64_t rng_state = 0x243f6a8885a308d3u;

static uint64_t next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Set while a test provokes a report on purpose. */
static int expect_fatal;
static jmp_buf fatal_jump;

void kiln_heap_fatal(const char *what, const void *p)
{
    if (expect_fatal)
        longjmp(fatal_jump, 1);
    printf("FAIL: heap reported %s at %p\n", what, p);
    exit(1);
}

/* Runs (bad) expecting the allocator to report a caller bug. */
static int reports(void (*bad)(void *), void *arg)
{
    expect_fatal = 1;
    int reported = setjmp(fatal_jump);
    if (!reported)
        bad(arg);
    expect_fatal = 0;
    return reported;
}

static void free_it(void *p) { kiln_free(p); }
static void realloc_it(void *p) { kiln_realloc(p, 41); }

#define CHECK(cond, ...) do { if (!(cond)) { printf("FAIL: " __VA_ARGS__); printf("\n"); exit(1); } } while (0)

static void fill(struct block *b)
{
    for (size_t i = 0; i < b->n; i++)
        b->p[i] = (unsigned char)(b->id * 31 + i);
}

static void verify(const struct block *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        CHECK(b->p[i] == (unsigned char)(b->id * 31 + i), "block %u corrupted at byte %zu", b->id, i);
}

static size_t random_size(void)
{
    uint64_t r = next() % 100;
    if (r < 70)
        return next() % 257;              /* QuickJS objects, strings */
    if (r < 93)
        return 257 + next() % 16000;      /* medium classes */
    return 16385 + next() % (256u << 10); /* large runs */
}

int main(void)
{
    CHECK(kiln_heap_init(region, 4096 * 8) == -1, "a tiny region must be refused");
    CHECK(kiln_heap_init(region + 1, REGION - 1) == 0, "init");
    struct kiln_heap_stats st;
    kiln_heap_stats(&st);
    CHECK(st.size > REGION - (1u << 20) && st.in_use == 0, "initial figures");

    uint32_t ids = 1;
    for (int step = 0; step < STEPS; step++) {
        struct block *b = &live[next() % LIVE];
        uint64_t op = next() % 10;
        if (!b->p) {
            b->n = random_size();
            b->id = ids++;
            if (op == 0) {
                size_t align = (size_t)16 << (next() % 10);
                b->p = kiln_memalign(align, b->n);
                CHECK(b->p && ((uintptr_t)b->p & (align - 1)) == 0, "memalign(%zu, %zu)", align, b->n);
            } else if (op == 1) {
                size_t usable;
                b->p = kiln_malloc_usable(b->n, &usable);
                CHECK(b->p && usable == kiln_usable_size(b->p), "malloc_usable(%zu) says %zu", b->n, usable);
            } else {
                b->p = kiln_malloc(b->n);
                CHECK(b->p, "malloc(%zu) failed with plenty of room", b->n);
                CHECK(((uintptr_t)b->p & 15) == 0, "malloc result not 16-aligned");
            }
            CHECK(kiln_usable_size(b->p) >= b->n, "usable size below request");
            fill(b);
        } else if (op < 3) {
            verify(b, b->n);
            size_t n = random_size();
            unsigned char *q = kiln_realloc(b->p, n);
            CHECK(q, "realloc to %zu failed", n);
            b->p = q;
            verify(b, n < b->n ? n : b->n);
            b->n = n;
            fill(b);
        } else {
            verify(b, b->n);
            size_t usable = kiln_usable_size(b->p);
            if (op == 3)
                CHECK(kiln_free_usable(b->p) == usable, "free_usable of a block of %zu", usable);
            else
                kiln_free(b->p);
            b->p = NULL;
        }
    }
    size_t expect = 0;
    for (int i = 0; i < LIVE; i++)
        if (live[i].p)
            expect += kiln_usable_size(live[i].p);
    kiln_heap_stats(&st);
    CHECK(st.in_use == expect, "in_use %zu, live blocks hold %zu", st.in_use, expect);
    CHECK(st.peak >= st.in_use, "peak below in_use");

    for (int i = 0; i < LIVE; i++) {
        if (live[i].p) {
            verify(&live[i], live[i].n);
            kiln_free(live[i].p);
            live[i].p = NULL;
        }
    }
    kiln_heap_stats(&st);
    CHECK(st.in_use == 0, "in_use %zu after freeing everything", st.in_use);
    /* At most one kept span per class remains. */
    CHECK(st.pages_used <= 80 * 33, "%zu pages still used after freeing everything", st.pages_used);

    /* Everything free again: one huge block must fit, and the next fail. */
    void *big = kiln_malloc(st.size / 2);
    CHECK(big, "half the heap after freeing everything");
    CHECK(kiln_malloc(st.size) == NULL, "more than the heap must fail");
    CHECK(kiln_realloc(big, st.size) == NULL, "realloc beyond the heap must fail");
    kiln_free(big);

    /* Exhaust with small blocks: NULL, not a crash; then all usable again. */
    size_t count = 0;
    void **chain = NULL, *p;
    while ((p = kiln_malloc(64))) {
        *(void **)p = chain;
        chain = p;
        count++;
    }
    CHECK(count > st.size / 128, "only %zu small blocks fit", count);
    while (chain) {
        void *n = *chain;
        kiln_free(chain);
        chain = n;
    }
    CHECK(kiln_malloc(st.size / 2) != NULL, "memory not reusable after exhaustion");

    /* Caller bugs are reported, not absorbed. */
    unsigned char *small = kiln_malloc(40), *large = kiln_malloc(100000);
    unsigned char *odd = kiln_malloc(1200); /* a class whose size is not a power of two: 1280 */
    CHECK(reports(free_it, small + 16), "free inside a small block");
    CHECK(reports(free_it, odd + 1024), "free inside a 1280-byte block");
    CHECK(reports(realloc_it, small + 16), "realloc inside a small block");
    CHECK(kiln_usable_size(odd) == 1280, "usable size of a 1200-byte request");
    kiln_free(odd);
    CHECK(reports(free_it, large + 4096), "free inside a large block");
    CHECK(reports(free_it, region), "free of the allocator's own tables");
    CHECK(reports(free_it, (void *)&st), "free outside the heap");
    kiln_free(small);
    CHECK(reports(free_it, small), "double free of a small block");
    kiln_free(large);
    CHECK(reports(free_it, large), "double free of a large block");
    printf("heap_test: ok (%d steps, %u blocks)\n", STEPS, ids - 1);
    return 0;
}
