/* report.c: how an uncaught exception reaches the console. */
#include <stdio.h>

#include "kiln.h"

static void print_cstring(JSContext *ctx, JSValueConst v)
{
    const char *s = JS_ToCString(ctx, v);
    fputs(s ? s : "(unprintable value)", stdout);
    JS_FreeCString(ctx, s);
}

/*
 * "<what> Error: message" then QuickJS's stack lines ("    at f (app.js:12)").
 * Thrown non-errors print as their string form.
 */
void kiln_report_exception(JSContext *ctx, JSValueConst exc, const char *what)
{
    printf("%s ", what);
    print_cstring(ctx, exc);
    putchar('\n');
    if (JS_IsError(ctx, exc)) {
        JSValue stack = JS_GetPropertyStr(ctx, exc, "stack");
        if (JS_IsString(stack))
            print_cstring(ctx, stack);
        JS_FreeValue(ctx, stack);
    }
}

void kiln_report_pending(JSContext *ctx, const char *what)
{
    JSValue exc = JS_GetException(ctx);
    kiln_report_exception(ctx, exc, what);
    JS_FreeValue(ctx, exc);
}
