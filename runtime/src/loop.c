/*
 * loop.c: the event loop. One turn: run the pending jobs (promise reactions,
 * queueMicrotask), fire the due timers, then sleep in solo5_yield until the
 * next timer or until a watched device has input, and call the watchers of
 * the ready devices. The loop ends when no armed timer and no device watch
 * keeps it running (see keep-alive in BINDINGS.md); __kiln.exit() ends the
 * unikernel at once from anywhere. A stop request (SIGTERM to kiln-hvt) goes
 * to __kiln.onStop once.
 */
#include "heap.h"
#include "kiln.h"
#include "kiln_stop.h"
#include "kiln_stop_rule.h"

/* Longest single sleep when only devices are watched: tenders convert the
 * deadline to a relative timeout, and an hour fits every representation. */
#define MAX_SLEEP_NS (3600ull * 1000000000ull)

int kiln_loop_uncaught(JSContext *ctx, const char *where)
{
    JSValue exc = JS_GetException(ctx);
    int absorbed = kiln_absorb_out_of_memory(ctx, exc, where);
    if (!absorbed)
        kiln_report_exception(ctx, exc, "Uncaught");
    JS_FreeValue(ctx, exc);
    return absorbed ? 0 : -1;
}

int kiln_run_jobs(JSContext *ctx)
{
    JSContext *job_ctx;
    int r;
    while ((r = JS_ExecutePendingJob(JS_GetRuntime(ctx), &job_ctx)) != 0) {
        if (r < 0 && kiln_loop_uncaught(job_ctx, "a promise job") < 0)
            return -1;
    }
    return kiln_rejections_check(ctx);
}

int kiln_call_from_loop(JSContext *ctx, JSValue fn, int argc, JSValueConst *argv)
{
    JSValue r = JS_Call(ctx, fn, JS_UNDEFINED, argc, argv);
    JS_FreeValue(ctx, fn);
    if (JS_IsException(r) && kiln_loop_uncaught(ctx, "a callback") < 0)
        return -1;
    JS_FreeValue(ctx, r);
    return kiln_run_jobs(ctx);
}

/*
 * QuickJS collects cycles once its allocations pass a threshold, which it
 * resets after each collection to 1.5 times what is live. In a small heap
 * that point can lie beyond the heap, and garbage would wait there while
 * allocations fail; so the threshold QuickJS keeps is only a backstop at
 * three quarters of the heap, and the loop collects itself, between turns:
 *  - once the heap in use has grown half again over what the last
 *    collection left live (at least a sixteenth of the heap, so a nearly
 *    full heap is not collected every turn). The base never follows the heap
 *    up on its own, so a heap that grew with garbage comes back down at the
 *    next collection;
 *  - and whenever the last collection is GC_SETTLE_NS old: cycles left by a
 *    burst that has ended (a slow attack's connections, each a cycle of
 *    objects once closed) are freed even when the steady load after it makes
 *    too little garbage to reach the first rule, so the heap returns to its
 *    level. Such garbage does not show in the heap figures until collected,
 *    so the rule cannot wait for it to.
 */
#define GC_SETTLE_NS (10ull * 1000000000ull)

static size_t gc_base; /* live bytes, as low as seen since the last collection */
static solo5_time_t gc_last;

static void collect_cycles(JSContext *ctx, solo5_time_t now)
{
    struct kiln_heap_stats st;
    kiln_heap_stats(&st);
    size_t room = st.size - kiln.js_stack_size;
    size_t live = st.in_use - kiln.js_stack_size;
    if (live < gc_base)
        gc_base = live; /* freed without a collection: what is live is below the base */
    size_t next = gc_base + gc_base / 2;
    if (next > room / 4 * 3)
        next = room / 4 * 3;
    if (next < gc_base + room / 16)
        next = gc_base + room / 16;
    if (live >= next || now - gc_last >= GC_SETTLE_NS) {
        JS_RunGC(JS_GetRuntime(ctx));
        kiln_heap_stats(&st);
        gc_base = st.in_use - kiln.js_stack_size;
        gc_last = now;
    }
    JS_SetGCThreshold(JS_GetRuntime(ctx), room / 4 * 3);
}

/*
 * A stop request from the platform (kiln_stop.h), handed once to
 * __kiln.onStop(signal). With no such function the unikernel ends as a
 * signalled process would (kiln_stop_rule.h). 1 when the loop must end.
 */
static int deliver_stop(JSContext *ctx)
{
    static int delivered;
    int sig = kiln_stop_signal();
    if (sig == 0 || delivered)
        return 0;
    delivered = 1;
    JSValue fn = JS_GetPropertyStr(ctx, kiln.api, "onStop");
    if (!JS_IsFunction(ctx, fn)) {
        JS_FreeValue(ctx, fn);
        JS_SetPropertyStr(ctx, kiln.api, "exitCode", JS_NewInt32(ctx, KILN_STOP_EXIT_STATUS(sig)));
        return 1;
    }
    JSValue arg = JS_NewInt32(ctx, sig);
    return kiln_call_from_loop(ctx, fn, 1, &arg) < 0 ? -1 : 0;
}

int kiln_loop_run(JSContext *ctx)
{
    for (;;) {
        if (kiln_run_jobs(ctx) < 0)
            return -1;
        int stop = deliver_stop(ctx);
        if (stop != 0)
            return stop < 0 ? -1 : 0;
        collect_cycles(ctx, solo5_clock_monotonic());
        solo5_time_t now = solo5_clock_monotonic();
        if (kiln_timers_run(ctx, now) < 0)
            return -1;

        solo5_time_t deadline;
        int timers = kiln_timers_next(&deadline);
        solo5_handle_set_t watched = kiln_devices_watched();
        if (!kiln_timers_keep_alive() && !kiln_devices_keep_alive())
            return 0;
        now = solo5_clock_monotonic();
        if (!timers)
            deadline = now + MAX_SLEEP_NS;
        else if (deadline <= now && !watched)
            continue; /* due already: no need to ask the platform */
        else if (deadline > now && deadline - now > MAX_SLEEP_NS)
            deadline = now + MAX_SLEEP_NS;
        /* With a deadline already passed, yield only polls the devices. */
        solo5_handle_set_t ready = 0;
        solo5_yield(deadline, &ready);
        if ((ready & watched) && kiln_devices_dispatch(ctx, ready & watched) < 0)
            return -1;
    }
}
