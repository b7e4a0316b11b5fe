/*
 * qjs_alloc_bench.c: Kiln's allocator against musl's malloc under QuickJS
 * itself. The same QuickJS objects the images link, in one static musl
 * program; a runtime per round, its allocation functions pointing at one
 * allocator or the other (with identical accounting), alternating, on a
 * server-like JavaScript workload (objects, maps, strings, JSON, typed
 * arrays). Prints the best round of each and the ratio (musl / kiln: above 1
 * means Kiln's allocator is faster).
 */
#include <stdio.h>
#include <stdlib.h>
#include <malloc.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include "heap.h"
#include "quickjs.h"

#define REGION (1024u << 20)
#define ROUNDS 5

static const char workload[] =
    "let total = 0;\n"
    "for (let round = 0; round < 10; round++) {\n"
    "  const m = new Map();\n"
    "  for (let i = 0; i < 20000; i++) {\n"
    "    const o = { id: i, name: 'user' + i, tags: [i & 7, i & 3], nested: { v: i * 2 } };\n"
    "    m.set(o.name, o);\n"
    "  }\n"
    "  for (const [k, v] of m) total += v.nested.v + k.length;\n"
    "  const parts = [];\n"
    "  for (let i = 0; i < 5000; i++) parts.push(JSON.stringify({ i, s: 'x'.repeat(i % 64) }));\n"
    "  total += JSON.parse('[' + parts.join(',') + ']').length;\n"
    "  const bufs = [];\n"
    "  for (let i = 0; i < 2000; i++) bufs.push(new Uint8Array(64 + (i % 1500)));\n"
    "  total += bufs.length;\n"
    "}\n"
    "total;\n";

struct allocator {
    const char *name;
    void *(*alloc)(size_t);
    void (*release)(void *);
    void *(*resize)(void *, size_t);
    size_t (*usable)(const void *);
};

static size_t musl_usable(const void *p) { return malloc_usable_size((void *)p); }
static void *musl_alloc(size_t n) { return malloc(n); }
static void musl_release(void *p) { free(p); }
static void *musl_resize(void *p, size_t n) { return realloc(p, n); }

static const struct allocator allocators[] = {
    {"kiln", kiln_malloc, kiln_free, kiln_realloc, kiln_usable_size},
    {"musl", musl_alloc, musl_release, musl_resize, musl_usable},
};
static const struct allocator *current;

void kiln_heap_fatal(const char *what, const void *p)
{
    fprintf(stderr, "heap: %s (%p)\n", what, p);
    abort();
}

/* QuickJS leaves the accounting to its allocation functions. */
static void *js_alloc(JSMallocState *s, size_t n)
{
    if (s->malloc_size + n > s->malloc_limit)
        return NULL;
    void *p = current->alloc(n);
    if (p) {
        s->malloc_count++;
        s->malloc_size += current->usable(p);
    }
    return p;
}

static void js_release(JSMallocState *s, void *p)
{
    if (!p)
        return;
    s->malloc_count--;
    s->malloc_size -= current->usable(p);
    current->release(p);
}

static void *js_resize(JSMallocState *s, void *p, size_t n)
{
    if (!p)
        return n ? js_alloc(s, n) : NULL;
    size_t old = current->usable(p);
    if (n == 0) {
        js_release(s, p);
        return NULL;
    }
    if (s->malloc_size + n - old > s->malloc_limit)
        return NULL;
    void *q = current->resize(p, n);
    if (q)
        s->malloc_size += current->usable(q) - old;
    return q;
}

static const JSMallocFunctions js_functions = {js_alloc, js_release, js_resize, NULL};

static double round_seconds(const struct allocator *a)
{
    current = a;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    JSRuntime *rt = JS_NewRuntime2(&js_functions, NULL);
    JSContext *ctx = JS_NewContext(rt);
    JSValue v = JS_Eval(ctx, workload, sizeof workload - 1, "workload.js", JS_EVAL_TYPE_GLOBAL);
    if (JS_IsException(v)) {
        fprintf(stderr, "workload failed under %s\n", a->name);
        exit(1);
    }
    JS_FreeValue(ctx, v);
    JS_FreeContext(ctx);
    JS_FreeRuntime(rt);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

int main(void)
{
    void *region = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (region == MAP_FAILED || kiln_heap_init(region, REGION) < 0) {
        fprintf(stderr, "cannot set up the region\n");
        return 1;
    }
    double best[2] = {1e9, 1e9};
    for (int r = 0; r < ROUNDS; r++) {
        for (int k = 0; k < 2; k++) {
            double t = round_seconds(&allocators[(k + r) % 2]);
            int idx = (k + r) % 2;
            if (t < best[idx])
                best[idx] = t;
        }
    }
    printf("QuickJS workload, best of %d: kiln %.1f ms, musl %.1f ms, musl/kiln %.2f\n", ROUNDS,
           best[0] * 1e3, best[1] * 1e3, best[1] / best[0]);
    return 0;
}
