/*
 * timers.c: setTimeout, setInterval and setImmediate over the monotonic clock.
 *
 * setImmediate(fn) is a timer due at once (clearImmediate clears it).
 *
 * Timers live in a slot table (so an id finds its timer in O(1)) and a binary
 * min-heap of slot numbers ordered by (deadline, arming order), so timers
 * due at the same time fire in the order they were armed. An id encodes the
 * slot and a generation, so a stale id never clears a newer timer.
 * Delays are milliseconds and may be fractional (nanosecond resolution).
 */
#include <math.h>
#include <stdlib.h>

#include "kiln.h"

#define SLOT_BITS 24
#define MAX_SLOTS (1u << SLOT_BITS)
#define NS_PER_MS 1000000.0

struct timer {
    solo5_time_t deadline;
    uint64_t order;        /* arming sequence number */
    solo5_time_t interval; /* 0 for a one-shot timer */
    JSValue fn;
    JSValue *args;
    int argc;
    uint32_t generation;
    uint32_t heap_pos;     /* index in the heap; meaningful while armed */
    int armed;
    int keep_alive;        /* counts towards keeping the event loop running */
    uint32_t next_free;    /* free-slot chain while unused */
};

static struct timer *slots;
static uint32_t slot_count, slot_cap, free_head = UINT32_MAX;
static uint32_t *heap;
static uint32_t heap_len;
static uint64_t next_order;
static uint32_t keep_alive_count;

static int before(uint32_t a, uint32_t b)
{
    const struct timer *x = &slots[a], *y = &slots[b];
    return x->deadline < y->deadline || (x->deadline == y->deadline && x->order < y->order);
}

static void heap_set(uint32_t pos, uint32_t slot)
{
    heap[pos] = slot;
    slots[slot].heap_pos = pos;
}

static void sift_up(uint32_t pos)
{
    uint32_t slot = heap[pos];
    while (pos > 0) {
        uint32_t parent = (pos - 1) / 2;
        if (!before(slot, heap[parent]))
            break;
        heap_set(pos, heap[parent]);
        pos = parent;
    }
    heap_set(pos, slot);
}

static void sift_down(uint32_t pos)
{
    uint32_t slot = heap[pos];
    for (;;) {
        uint32_t child = 2 * pos + 1;
        if (child >= heap_len)
            break;
        if (child + 1 < heap_len && before(heap[child + 1], heap[child]))
            child++;
        if (!before(heap[child], slot))
            break;
        heap_set(pos, heap[child]);
        pos = child;
    }
    heap_set(pos, slot);
}

static void heap_remove(uint32_t pos)
{
    uint32_t last = heap[--heap_len];
    if (pos == heap_len)
        return;
    heap_set(pos, last);
    sift_down(pos);
    sift_up(slots[last].heap_pos);
}

static void release(JSContext *ctx, uint32_t slot)
{
    struct timer *t = &slots[slot];
    JS_FreeValue(ctx, t->fn);
    for (int i = 0; i < t->argc; i++)
        JS_FreeValue(ctx, t->args[i]);
    js_free(ctx, t->args);
    t->args = NULL;
    t->armed = 0;
    keep_alive_count -= t->keep_alive;
    /* Ids stay exact doubles: slot bits + generation bits <= 53. */
    t->generation = (t->generation + 1) & ((1u << (53 - SLOT_BITS)) - 1);
    t->next_free = free_head;
    free_head = slot;
}

static double timer_id(uint32_t slot)
{
    return (double)slots[slot].generation * MAX_SLOTS + slot + 1;
}

static int grow(JSContext *ctx)
{
    if (slot_cap == MAX_SLOTS) {
        JS_ThrowRangeError(ctx, "too many timers (%u)", MAX_SLOTS);
        return -1;
    }
    uint32_t cap = slot_cap ? slot_cap * 2 : 64;
    struct timer *s = js_realloc(ctx, slots, cap * sizeof *s);
    if (!s)
        return -1;
    slots = s;
    uint32_t *h = js_realloc(ctx, heap, cap * sizeof *h);
    if (!h)
        return -1;
    heap = h;
    slot_cap = cap;
    return 0;
}

/* Arms a timer calling fn(...extra) at (deadline), then every (interval)
 * ns if that is not 0; returns its id. */
static JSValue arm(JSContext *ctx, const char *name, JSValueConst fn, solo5_time_t deadline,
                   solo5_time_t interval, int extra, JSValueConst *extra_argv)
{
    if (!JS_IsFunction(ctx, fn))
        return JS_ThrowTypeError(ctx, "%s: the callback must be a function", name);

    if (free_head == UINT32_MAX && slot_count == slot_cap && grow(ctx) < 0)
        return JS_EXCEPTION;
    JSValue *args = NULL;
    if (extra && !(args = js_malloc(ctx, extra * sizeof *args)))
        return JS_EXCEPTION;
    uint32_t slot;
    if (free_head != UINT32_MAX) {
        slot = free_head;
        free_head = slots[slot].next_free;
    } else {
        slot = slot_count++;
        slots[slot].generation = 0;
    }
    struct timer *t = &slots[slot];
    t->deadline = deadline;
    t->order = next_order++;
    t->interval = interval;
    t->fn = JS_DupValue(ctx, fn);
    t->args = args;
    t->argc = extra;
    for (int i = 0; i < extra; i++)
        args[i] = JS_DupValue(ctx, extra_argv[i]);
    t->armed = 1;
    t->keep_alive = 1;
    keep_alive_count++;
    heap_set(heap_len++, slot);
    sift_up(heap_len - 1);
    return JS_NewFloat64(ctx, timer_id(slot));
}

/* setTimeout(fn, ms, ...args) and setInterval(fn, ms, ...args). */
static JSValue set_timer(JSContext *ctx, int argc, JSValueConst *argv, int repeat)
{
    double ms = 0;
    if (argc >= 2 && JS_ToFloat64(ctx, &ms, argv[1]))
        return JS_EXCEPTION;
    /* Like the web platform: NaN, negative and huge delays mean "soon". */
    if (!(ms >= 0) || ms > 2147483647.0)
        ms = 0;
    solo5_time_t delay = (solo5_time_t)llround(ms * NS_PER_MS);
    return arm(ctx, repeat ? "setInterval" : "setTimeout", argc ? argv[0] : JS_UNDEFINED,
               solo5_clock_monotonic() + delay, repeat ? (delay ? delay : 1) : 0,
               argc > 2 ? argc - 2 : 0, argv + 2);
}

/* __kiln.timerAt(fn, deadlineMs): fn at an absolute time of monotonicMs()'s
 * clock. Timers armed for the same deadline then run in the order they were
 * armed, which relative delays computed from a clock read each time cannot
 * promise. Returns an id for clearTimeout. */
static JSValue timer_at(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    double ms = 0;
    if (argc >= 2 && JS_ToFloat64(ctx, &ms, argv[1]))
        return JS_EXCEPTION;
    if (!(ms >= 0) || ms > 9e15)
        ms = 0; /* NaN, before the clock's start, absurd: as soon as possible */
    return arm(ctx, "timerAt", argc ? argv[0] : JS_UNDEFINED, (solo5_time_t)llround(ms * NS_PER_MS), 0, 0, NULL);
}

static JSValue set_timeout(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    return set_timer(ctx, argc, argv, 0);
}

static JSValue set_interval(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    return set_timer(ctx, argc, argv, 1);
}

/* setImmediate(fn, ...args): the next loop turn, after device input. */
static JSValue set_immediate(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    return arm(ctx, "setImmediate", argc ? argv[0] : JS_UNDEFINED, solo5_clock_monotonic(), 0,
               argc > 1 ? argc - 1 : 0, argv + 1);
}

/* The armed timer an id names, or UINT32_MAX for anything else. */
static uint32_t lookup(JSContext *ctx, JSValueConst v)
{
    double id;
    if (!JS_IsNumber(v) || JS_ToFloat64(ctx, &id, v))
        return UINT32_MAX;
    if (!(id >= 1) || id != floor(id) || id > 9007199254740991.0)
        return UINT32_MAX;
    uint64_t n = (uint64_t)id - 1;
    uint32_t slot = (uint32_t)(n % MAX_SLOTS);
    if (slot >= slot_count || !slots[slot].armed || slots[slot].generation != n / MAX_SLOTS)
        return UINT32_MAX;
    return slot;
}

/* clearTimeout(id) / clearInterval(id); unknown or stale ids are ignored. */
static JSValue clear_timer(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    uint32_t slot = argc ? lookup(ctx, argv[0]) : UINT32_MAX;
    if (slot != UINT32_MAX) {
        heap_remove(slots[slot].heap_pos);
        release(ctx, slot);
    }
    return JS_UNDEFINED;
}

/* timerKeepAlive(id, keep): whether the armed timer keeps the event loop
 * running (Node's ref/unref); true when armed. Returns false for an id that
 * names no armed timer. */
static JSValue timer_keep_alive(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    uint32_t slot = argc ? lookup(ctx, argv[0]) : UINT32_MAX;
    if (slot == UINT32_MAX)
        return JS_FALSE;
    int keep = argc < 2 || JS_ToBool(ctx, argv[1]);
    keep_alive_count += keep - slots[slot].keep_alive;
    slots[slot].keep_alive = keep;
    return JS_TRUE;
}

void kiln_timers_install(JSContext *ctx, JSValueConst api, JSValueConst global)
{
    static const struct { const char *name; JSCFunction *fn; int length; } fns[] = {
        {"setTimeout", set_timeout, 2},
        {"setInterval", set_interval, 2},
        {"clearTimeout", clear_timer, 1},
        {"clearInterval", clear_timer, 1},
        {"setImmediate", set_immediate, 1},
        {"clearImmediate", clear_timer, 1},
    };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        JSValue f = JS_NewCFunction(ctx, fns[i].fn, fns[i].name, fns[i].length);
        JS_SetPropertyStr(ctx, api, fns[i].name, JS_DupValue(ctx, f));
        JS_SetPropertyStr(ctx, global, fns[i].name, f);
    }
    JS_SetPropertyStr(ctx, api, "timerKeepAlive", JS_NewCFunction(ctx, timer_keep_alive, "timerKeepAlive", 2));
    JS_SetPropertyStr(ctx, api, "timerAt", JS_NewCFunction(ctx, timer_at, "timerAt", 2));
}

int kiln_timers_keep_alive(void)
{
    return keep_alive_count > 0;
}

int kiln_timers_next(solo5_time_t *deadline)
{
    if (!heap_len)
        return 0;
    *deadline = slots[heap[0]].deadline;
    return 1;
}

/* Longest run of due timers in one turn: hundreds of timeouts falling due
 * together (a slow attack's connections, opened in one burst) would
 * otherwise hold off the devices' input, and every request on them, until
 * all had run. The rest run next turn, after the devices were polled. */
#define TURN_NS 2000000ull

int kiln_timers_run(JSContext *ctx, solo5_time_t now)
{
    /* Timers armed from inside a callback wait for the next turn, so an
     * interval of 0 ms cannot starve the rest of the loop. */
    uint64_t horizon = next_order;
    while (heap_len) {
        uint32_t slot = heap[0];
        struct timer *t = &slots[slot];
        if (t->deadline > now || t->order >= horizon)
            break;
        JSValue fn = JS_DupValue(ctx, t->fn);
        int argc = t->argc;
        JSValue *args = t->args;
        if (t->interval) {
            t->deadline = now + t->interval;
            t->order = next_order++;
            sift_down(0);
            /* The timer keeps its arguments (the callback may even clear
             * it): call with copies of our own. */
            if (argc) {
                JSValue *copy = js_malloc(ctx, argc * sizeof *copy);
                if (!copy) {
                    /* Out of memory: this round of the interval is lost, the
                     * timer stays for its next one. */
                    JS_FreeValue(ctx, fn);
                    if (kiln_loop_uncaught(ctx, "a timer") < 0)
                        return -1;
                    continue;
                }
                for (int i = 0; i < argc; i++)
                    copy[i] = JS_DupValue(ctx, args[i]);
                args = copy;
            }
        } else {
            /* A one-shot timer hands its arguments over to this call. */
            heap_remove(0);
            t->args = NULL;
            t->argc = 0;
            release(ctx, slot);
        }
        int failed = kiln_call_from_loop(ctx, fn, argc, (JSValueConst *)args) < 0;
        for (int i = 0; i < argc; i++)
            JS_FreeValue(ctx, args[i]);
        js_free(ctx, args);
        if (failed)
            return -1;
        if (solo5_clock_monotonic() - now >= TURN_NS)
            break;
    }
    return 0;
}
