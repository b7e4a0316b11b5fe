/*
 * alloc_bench.c: Kiln's allocator against musl's malloc, side by side in one
 * run on the same operation sequences. Prints each workload's time per
 * operation for both and the ratio (musl / kiln: above 1 means Kiln's is
 * faster). Built static against musl (make -C runtime bench).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include "heap.h"

#define REGION (512u << 20)
#define SLOTS 20000
#define OPS 4000000

struct allocator {
    const char *name;
    void *(*alloc)(size_t);
    void (*release)(void *);
    void *(*resize)(void *, size_t);
};

static void *musl_alloc(size_t n) { return malloc(n); }
static void musl_release(void *p) { free(p); }
static void *musl_resize(void *p, size_t n) { return realloc(p, n); }

static const struct allocator allocators[] = {
    {"kiln", kiln_malloc, kiln_free, kiln_realloc},
    {"musl", musl_alloc, musl_release, musl_resize},
};

void kiln_heap_fatal(const char *what, const void *p)
{
    fprintf(stderr, "heap: %s (%p)\n", what, p);
    abort();
}

static void *slots[SLOTS];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rng;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Random churn over a working set, sizes like QuickJS's objects, shapes and
 * strings (mostly 16..128 bytes, some up to 4 KiB). */
static size_t churn(const struct allocator *a)
{
    for (int i = 0; i < OPS; i++) {
        void **s = &slots[next() % SLOTS];
        if (*s) {
            a->release(*s);
            *s = NULL;
        } else {
            size_t n = next() % 16 ? 16 + next() % 112 : 128 + next() % 3968;
            *s = a->alloc(n);
            memset(*s, 1, 16);
        }
    }
    for (int i = 0; i < SLOTS; i++) {
        a->release(slots[i]);
        slots[i] = NULL;
    }
    return OPS;
}

/* Allocate a long list of small objects, then free them oldest first (a
 * garbage collection sweep). */
static size_t sweep(const struct allocator *a)
{
    enum { N = 200000, ROUNDS = 10 };
    static void *list[N];
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < N; i++)
            list[i] = a->alloc(32 + (size_t)(i & 3) * 16);
        for (int i = 0; i < N; i++)
            a->release(list[i]);
    }
    return 2 * N * ROUNDS;
}

/* Grow buffers step by step (string builders, arrays) to 256 KiB. */
static size_t grow(const struct allocator *a)
{
    size_t ops = 0;
    for (int r = 0; r < 400; r++) {
        void *p = NULL;
        for (size_t n = 64; n <= (256u << 10); n += n / 4 + 16, ops++)
            p = a->resize(p, n);
        a->release(p);
        ops++;
    }
    return ops;
}

int main(void)
{
    void *region = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED || kiln_heap_init(region, REGION) < 0) {
        fprintf(stderr, "cannot set up the region\n");
        return 1;
    }
    static const struct { const char *name; size_t (*run)(const struct allocator *); } loads[] = {
        {"churn", churn}, {"sweep", sweep}, {"grow", grow},
    };
    printf("%-8s %12s %12s %8s\n", "workload", "kiln ns/op", "musl ns/op", "musl/kiln");
    for (size_t w = 0; w < sizeof loads / sizeof loads[0]; w++) {
        double per_op[2];
        for (int k = 0; k < 2; k++) {
            rng = 0x9e3779b97f4a7c15u;
            loads[w].run(&allocators[k]); /* warm: pages touched once for both */
            rng = 0x9e3779b97f4a7c15u;
            double t0 = now_s();
            size_t ops = loads[w].run(&allocators[k]);
            per_op[k] = (now_s() - t0) / (double)ops * 1e9;
        }
        printf("%-8s %12.1f %12.1f %8.2f\n", loads[w].name, per_op[0], per_op[1], per_op[1] / per_op[0]);
    }
    return 0;
}
