/*
 * heap.c: Kiln's allocator (see heap.h).
 *
 * The region is cut into 4 KiB pages. Two side tables say, for each page,
 * what it holds (kind) and where its owner starts (info), so free() finds a
 * block's size from its address alone: small blocks carry no header.
 *
 *  - Small and medium requests (<= 16 KiB) round up to one of 80 size
 *    classes (16-byte steps to 1 KiB, then four per power of two). Each class
 *    owns spans: runs of pages with a 64-byte header, a free list of returned
 *    objects and a bump pointer over objects never handed out (so a new span
 *    touches memory only as it is used). A class keeps a list of its spans
 *    that have room; an emptied span goes back to the page pool unless it is
 *    the class's last one (which avoids create/destroy churn).
 *  - Large requests are page runs, page aligned, with no header.
 *  - Free page runs sit in an address-ordered list and coalesce on free;
 *    pages never used yet lie above `top` (the wilderness), which a large
 *    block at its edge can grow into in place (realloc).
 */
#include <stdint.h>
#include <string.h>

#include "heap.h"

#define PAGE ((size_t)KILN_HEAP_PAGE)
#define NONE ((size_t)-1)

#define SMALL_STEP 16u
#define SMALL_LIMIT 1024u
#define NUM_SMALL (SMALL_LIMIT / SMALL_STEP)
#define NUM_CLASSES (NUM_SMALL + 16u) /* four per doubling, 1 KiB .. 16 KiB */
#define SPAN_HEADER 64u
#define SPAN_MIN_BYTES (4 * PAGE)
#define SPAN_MIN_OBJECTS 8u

enum page_kind {
    PAGE_FREE = 0,   /* in a free run or above top */
    PAGE_META,       /* the side tables themselves */
    PAGE_SPAN,       /* info: first page of the span */
    PAGE_LARGE_HEAD, /* info: pages in the run */
    PAGE_LARGE_TAIL, /* info: first page of the run */
};

struct span {
    struct span *next, *prev; /* the class's spans with room */
    void *free;               /* objects handed back */
    char *bump, *end;         /* objects never handed out */
    uint32_t live;
    uint32_t pages;
    uint16_t cls;
    uint8_t listed;
};
_Static_assert(sizeof(struct span) <= SPAN_HEADER, "span header too large");

struct run {
    struct run *next;
    size_t pages;
};

static struct {
    char *base;
    size_t pages;
    size_t top;
    uint8_t *kind;
    uint32_t *info;
    struct run *runs;
    struct span *partial[NUM_CLASSES];
    uint32_t class_size[NUM_CLASSES];
    /* ceil(2^64 / class size): an offset is a multiple of the size exactly
     * when offset * magic <= magic - 1 (mod 2^64), a multiply, not a divide. */
    uint64_t class_magic[NUM_CLASSES];
    uint32_t class_pages[NUM_CLASSES];
    struct kiln_heap_stats stats;
} heap;

static inline char *page_addr(size_t page) { return heap.base + page * PAGE; }
static inline size_t page_of(const void *p) { return (size_t)((const char *)p - heap.base) / PAGE; }

static inline unsigned size_class(size_t n)
{
    if (n <= SMALL_LIMIT)
        return n ? (unsigned)((n + SMALL_STEP - 1) / SMALL_STEP) - 1 : 0;
    unsigned k = 63u - (unsigned)__builtin_clzll(n - 1); /* 2^k < n <= 2^(k+1) */
    return NUM_SMALL + (k - 10u) * 4u + (unsigned)((n - 1 - ((size_t)1 << k)) >> (k - 2u));
}

static void account(size_t bytes_added, size_t bytes_removed)
{
    heap.stats.in_use += bytes_added;
    heap.stats.in_use -= bytes_removed;
    if (heap.stats.in_use > heap.stats.peak)
        heap.stats.peak = heap.stats.in_use;
}

int kiln_heap_init(void *base, size_t size)
{
    uintptr_t start = ((uintptr_t)base + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
    uintptr_t end = ((uintptr_t)base + size) & ~(uintptr_t)(PAGE - 1);
    if (end <= start)
        return -1;
    size_t pages = (end - start) / PAGE;
    size_t meta_pages = (pages * (sizeof(uint32_t) + 1) + PAGE - 1) / PAGE;
    if (pages > UINT32_MAX || meta_pages + 16 > pages)
        return -1;

    memset(&heap, 0, sizeof heap);
    heap.base = (char *)start;
    heap.pages = pages;
    heap.info = (uint32_t *)start;
    heap.kind = (uint8_t *)(start + pages * sizeof(uint32_t));
    memset(heap.kind, PAGE_FREE, pages);
    memset(heap.kind, PAGE_META, meta_pages);
    heap.top = meta_pages;
    heap.stats.size = (pages - meta_pages) * PAGE;

    for (unsigned c = 0; c < NUM_CLASSES; c++) {
        size_t bytes;
        if (c < NUM_SMALL) {
            bytes = (c + 1) * SMALL_STEP;
        } else {
            unsigned j = c - NUM_SMALL, k = 10 + j / 4;
            bytes = ((size_t)1 << k) + (j % 4 + 1) * ((size_t)1 << (k - 2));
        }
        size_t span = SPAN_HEADER + SPAN_MIN_OBJECTS * bytes;
        if (span < SPAN_MIN_BYTES)
            span = SPAN_MIN_BYTES;
        heap.class_size[c] = (uint32_t)bytes;
        heap.class_magic[c] = UINT64_MAX / bytes + 1;
        heap.class_pages[c] = (uint32_t)((span + PAGE - 1) / PAGE);
    }
    return 0;
}

/* --- page runs ------------------------------------------------------------ */

static size_t pages_take(size_t want)
{
    for (struct run **link = &heap.runs, *r; (r = *link); link = &r->next) {
        if (r->pages < want)
            continue;
        size_t first = page_of(r);
        if (r->pages == want) {
            *link = r->next;
        } else {
            struct run *rest = (struct run *)page_addr(first + want);
            rest->next = r->next;
            rest->pages = r->pages - want;
            *link = rest;
        }
        return first;
    }
    if (heap.pages - heap.top < want)
        return NONE;
    size_t first = heap.top;
    heap.top += want;
    return first;
}

/* Takes exactly pages [first, first + want) if they are all free. */
static int pages_take_at(size_t first, size_t want)
{
    if (first == heap.top) {
        if (heap.pages - heap.top < want)
            return -1;
        heap.top += want;
        return 0;
    }
    for (struct run **link = &heap.runs, *r; (r = *link); link = &r->next) {
        size_t at = page_of(r);
        if (at > first)
            return -1;
        if (at != first)
            continue;
        if (r->pages < want) {
            /* The run may border the wilderness: take the rest from there. */
            size_t more = want - r->pages;
            if (first + r->pages != heap.top || heap.pages - heap.top < more)
                return -1;
            heap.top += more;
            *link = r->next;
            return 0;
        }
        if (r->pages == want) {
            *link = r->next;
        } else {
            struct run *rest = (struct run *)page_addr(first + want);
            rest->next = r->next;
            rest->pages = r->pages - want;
            *link = rest;
        }
        return 0;
    }
    return -1;
}

static void pages_give(size_t first, size_t n)
{
    memset(heap.kind + first, PAGE_FREE, n);
    struct run **link = &heap.runs, *prev = NULL, **prev_link = NULL;
    while (*link && page_of(*link) < first) {
        prev_link = link;
        prev = *link;
        link = &prev->next;
    }
    struct run *next = *link;
    if (next && first + n == page_of(next)) {
        n += next->pages;
        next = next->next;
    }
    struct run *r;
    if (prev && page_of(prev) + prev->pages == first) {
        prev->pages += n;
        prev->next = next;
        r = prev;
        link = prev_link;
    } else {
        r = (struct run *)page_addr(first);
        r->pages = n;
        r->next = next;
        *link = r;
    }
    if (!r->next && page_of(r) + r->pages == heap.top) {
        heap.top = page_of(r);
        *link = NULL;
    }
}

static void mark(size_t first, size_t n, uint8_t kind, uint32_t info)
{
    memset(heap.kind + first, kind, n);
    for (size_t i = 0; i < n; i++)
        heap.info[first + i] = info;
}

/* --- spans ---------------------------------------------------------------- */

static void list_push(struct span *s)
{
    struct span **head = &heap.partial[s->cls];
    s->prev = NULL;
    s->next = *head;
    if (*head)
        (*head)->prev = s;
    *head = s;
    s->listed = 1;
}

static void list_remove(struct span *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        heap.partial[s->cls] = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->listed = 0;
}

static struct span *span_new(unsigned c)
{
    size_t n = heap.class_pages[c];
    size_t first = pages_take(n);
    if (first == NONE)
        return NULL;
    mark(first, n, PAGE_SPAN, (uint32_t)first);
    heap.stats.pages_used += n;
    struct span *s = (struct span *)page_addr(first);
    size_t count = (n * PAGE - SPAN_HEADER) / heap.class_size[c];
    s->free = NULL;
    s->bump = (char *)s + SPAN_HEADER;
    s->end = s->bump + count * heap.class_size[c];
    s->live = 0;
    s->pages = (uint32_t)n;
    s->cls = (uint16_t)c;
    list_push(s);
    return s;
}

static inline void *class_alloc(unsigned c)
{
    struct span *s = heap.partial[c];
    if (!s && !(s = span_new(c)))
        return NULL;
    void *p;
    if (s->free) {
        p = s->free;
        s->free = *(void **)p;
    } else {
        p = s->bump;
        s->bump += heap.class_size[c];
    }
    s->live++;
    if (!s->free && s->bump == s->end)
        list_remove(s);
    account(heap.class_size[c], 0);
    return p;
}

/* The span holding p, or fatal if p is not an object it handed out.
 * Inlined (as are owned_page and small_free) into free's path: free is as
 * frequent as malloc under QuickJS, and the calls were a third of its cost. */
static inline __attribute__((always_inline)) struct span *span_of(const void *p, size_t page)
{
    struct span *s = (struct span *)page_addr(heap.info[page]);
    const char *first = (const char *)s + SPAN_HEADER;
    uint64_t magic = heap.class_magic[s->cls];
    if ((const char *)p < first || (const char *)p >= s->bump ||
        (uint64_t)((const char *)p - first) * magic > magic - 1)
        kiln_heap_fatal("free/realloc of a pointer inside a block", p);
    return s;
}

/* Returns the block's usable size. */
static inline __attribute__((always_inline)) size_t small_free(void *p, size_t page)
{
    struct span *s = span_of(p, page);
    size_t size = heap.class_size[s->cls];
    /* The cheap half of double-free detection: the block freed last. */
    if (p == s->free)
        kiln_heap_fatal("free of a block freed just before (double free)", p);
    *(void **)p = s->free;
    s->free = p;
    s->live--;
    account(0, size);
    if (!s->listed)
        list_push(s);
    if (s->live == 0 && (heap.partial[s->cls] != s || s->next)) {
        list_remove(s);
        heap.stats.pages_used -= s->pages;
        pages_give(page_of(s), s->pages);
    }
    return size;
}

/* --- large blocks --------------------------------------------------------- */

static void large_mark(size_t first, size_t pages)
{
    mark(first, pages, PAGE_LARGE_TAIL, (uint32_t)first);
    heap.kind[first] = PAGE_LARGE_HEAD;
    heap.info[first] = (uint32_t)pages;
}

static void *large_alloc(size_t n)
{
    if (n > heap.stats.size)
        return NULL;
    size_t pages = (n + PAGE - 1) / PAGE;
    size_t first = pages_take(pages);
    if (first == NONE)
        return NULL;
    large_mark(first, pages);
    heap.stats.pages_used += pages;
    account(pages * PAGE, 0);
    return page_addr(first);
}

/* Returns the block's usable size. */
static size_t large_free(size_t first)
{
    size_t pages = heap.info[first];
    heap.stats.pages_used -= pages;
    account(0, pages * PAGE);
    pages_give(first, pages);
    return pages * PAGE;
}

/* Grows or shrinks a large block without moving it; -1 when it cannot. */
static int large_resize(size_t first, size_t n)
{
    size_t pages = heap.info[first];
    size_t want = (n + PAGE - 1) / PAGE;
    if (want < pages) {
        pages_give(first + want, pages - want);
    } else if (want > pages) {
        if (pages_take_at(first + pages, want - pages) < 0)
            return -1;
    } else {
        return 0;
    }
    large_mark(first, want);
    heap.stats.pages_used += want;
    heap.stats.pages_used -= pages;
    account(want * PAGE, pages * PAGE);
    return 0;
}

/* --- the public face ------------------------------------------------------ */

/* The page p lies in, checked to be the start of something we handed out. */
static inline __attribute__((always_inline)) size_t owned_page(const void *p)
{
    if ((const char *)p < heap.base || (const char *)p >= page_addr(heap.pages))
        kiln_heap_fatal("free/realloc of a pointer outside the heap", p);
    size_t page = page_of(p);
    uint8_t kind = heap.kind[page];
    if (kind == PAGE_SPAN)
        return page;
    if (kind == PAGE_LARGE_HEAD && p == page_addr(page))
        return page;
    kiln_heap_fatal("free/realloc of a pointer not allocated (or freed twice)", p);
}

void *kiln_malloc(size_t n)
{
    return n <= KILN_HEAP_MAX_CLASS ? class_alloc(size_class(n)) : large_alloc(n);
}

void *kiln_malloc_usable(size_t n, size_t *usable)
{
    if (n <= KILN_HEAP_MAX_CLASS) {
        unsigned c = size_class(n);
        *usable = heap.class_size[c];
        return class_alloc(c);
    }
    *usable = (n + PAGE - 1) / PAGE * PAGE;
    return large_alloc(n);
}

size_t kiln_free_usable(void *p)
{
    if (!p)
        return 0;
    size_t page = owned_page(p);
    return heap.kind[page] == PAGE_SPAN ? small_free(p, page) : large_free(page);
}

void kiln_free(void *p)
{
    kiln_free_usable(p);
}

/* A query changes nothing: the page's owner is checked, not that p starts
 * a block (free and realloc check that). */
size_t kiln_usable_size(const void *p)
{
    if (!p)
        return 0;
    size_t page = owned_page(p);
    if (heap.kind[page] == PAGE_SPAN)
        return heap.class_size[((const struct span *)page_addr(heap.info[page]))->cls];
    return heap.info[page] * PAGE;
}

void *kiln_calloc(size_t count, size_t n)
{
    size_t bytes;
    if (__builtin_mul_overflow(count, n, &bytes))
        return NULL;
    void *p = kiln_malloc(bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

void *kiln_realloc(void *p, size_t n)
{
    if (!p)
        return kiln_malloc(n);
    size_t page = owned_page(p);
    size_t old;
    if (heap.kind[page] == PAGE_SPAN) {
        old = heap.class_size[span_of(p, page)->cls];
        if (n <= KILN_HEAP_MAX_CLASS && heap.class_size[size_class(n)] == old)
            return p;
    } else {
        old = heap.info[page] * PAGE;
        if (n > KILN_HEAP_MAX_CLASS && large_resize(page, n) == 0)
            return p;
    }
    void *q = kiln_malloc(n);
    if (!q)
        return NULL;
    memcpy(q, p, old < n ? old : n);
    kiln_free(p);
    return q;
}

void *kiln_memalign(size_t align, size_t n)
{
    if (align == 0 || (align & (align - 1)))
        return NULL;
    if (align <= SMALL_STEP)
        return kiln_malloc(n);
    /* Page runs are page aligned; larger alignments trim a longer run. */
    if (n > heap.stats.size)
        return NULL;
    size_t align_pages = align > PAGE ? align / PAGE : 1;
    size_t pages = n ? (n + PAGE - 1) / PAGE : 1;
    size_t first = pages_take(pages + align_pages - 1);
    if (first == NONE)
        return NULL;
    size_t at = first;
    uintptr_t addr = (uintptr_t)page_addr(first);
    if (addr & (align - 1))
        at = first + ((align - (addr & (align - 1))) / PAGE);
    if (at > first)
        pages_give(first, at - first);
    if (first + pages + align_pages - 1 > at + pages)
        pages_give(at + pages, first + pages + align_pages - 1 - (at + pages));
    large_mark(at, pages);
    heap.stats.pages_used += pages;
    account(pages * PAGE, 0);
    return page_addr(at);
}

void kiln_heap_stats(struct kiln_heap_stats *out)
{
    *out = heap.stats;
}
