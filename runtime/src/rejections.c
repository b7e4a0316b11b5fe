/*
 * rejections.c: unhandled promise rejections. QuickJS tells us when a promise
 * is rejected with no handler and when a handler is attached later; a
 * rejection still unhandled once the job queue has drained is fatal, as in
 * Node (exit status 1, reason and stack on the console), unless its reason
 * is an out-of-memory, which ends only the work that met it (report.c).
 */
#include <stdlib.h>

#include "kiln.h"

struct rejection {
    struct rejection *next;
    JSValue promise;
    JSValue reason;
};

/* Oldest first. */
static struct rejection *pending, **pending_tail = &pending;

/* Unlinks the rejection at *link and frees it. */
static void forget(JSContext *ctx, struct rejection **link)
{
    struct rejection *r = *link;
    *link = r->next;
    if (pending_tail == &r->next)
        pending_tail = link;
    JS_FreeValue(ctx, r->promise);
    JS_FreeValue(ctx, r->reason);
    free(r);
}

static void track(JSContext *ctx, JSValueConst promise, JSValueConst reason,
                  JS_BOOL is_handled, void *opaque)
{
    (void)opaque;
    if (!is_handled) {
        struct rejection *r = malloc(sizeof *r);
        if (!r)
            return; /* out of memory: the rejection goes unreported */
        r->next = NULL;
        r->promise = JS_DupValue(ctx, promise);
        r->reason = JS_DupValue(ctx, reason);
        *pending_tail = r;
        pending_tail = &r->next;
        return;
    }
    for (struct rejection **link = &pending; *link; link = &(*link)->next) {
        if (JS_VALUE_GET_PTR((*link)->promise) == JS_VALUE_GET_PTR(promise)) {
            forget(ctx, link);
            return;
        }
    }
}

void kiln_rejections_install(JSRuntime *rt)
{
    JS_SetHostPromiseRejectionTracker(rt, track, NULL);
}

int kiln_rejections_check(JSContext *ctx)
{
    while (pending && kiln_absorb_out_of_memory(ctx, pending->reason, "a promise"))
        forget(ctx, &pending);
    if (!pending)
        return 0;
    kiln_report_exception(ctx, pending->reason, "Uncaught (in promise)");
    return -1;
}
