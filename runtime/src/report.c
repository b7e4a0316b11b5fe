/* report.c: how an uncaught exception reaches the console. */
#include <stdio.h>
#include <string.h>

#include "kiln.h"

/* A stack overflow's trace has thousands of identical frames. */
#define MAX_FRAMES 40

static void print_cstring(JSContext *ctx, JSValueConst v)
{
    const char *s = JS_ToCString(ctx, v);
    fputs(s ? s : "(unprintable value)", stdout);
    JS_FreeCString(ctx, s);
}

/*
 * "<what> " then the error's stack ("Error: message" and its frames, mapped
 * to the sources: error_stack.c), at most MAX_FRAMES frames of it. Thrown
 * non-errors, and errors whose stack is not a string, print their string
 * form.
 */
void kiln_report_exception(JSContext *ctx, JSValueConst exc, const char *what)
{
    printf("%s ", what);
    JSValue stack = JS_IsError(ctx, exc) ? JS_GetPropertyStr(ctx, exc, "stack") : JS_UNDEFINED;
    if (JS_IsException(stack))
        JS_FreeValue(ctx, JS_GetException(ctx));
    if (!JS_IsString(stack)) {
        print_cstring(ctx, exc);
        putchar('\n');
        JS_FreeValue(ctx, stack);
        return;
    }
    const char *text = JS_ToCString(ctx, stack);
    const char *p = text;
    for (int lines = 0; p && *p; lines++) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p + 1) : strlen(p);
        if (lines == MAX_FRAMES + 1) {
            int more = 1;
            for (; *p; p++)
                more += *p == '\n';
            printf("    ... %d more frames\n", more);
            break;
        }
        solo5_console_write(p, len);
        if (!end)
            putchar('\n');
        p += len;
    }
    if (!text) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        puts("(unprintable error)");
    }
    JS_FreeCString(ctx, text);
    JS_FreeValue(ctx, stack);
}

void kiln_report_pending(JSContext *ctx, const char *what)
{
    JSValue exc = JS_GetException(ctx);
    kiln_report_exception(ctx, exc, what);
    JS_FreeValue(ctx, exc);
}

/* Compares a string property of (obj) without allocating (QuickJS hands ASCII
 * strings out in place), so it works while memory is exhausted. */
static int property_is(JSContext *ctx, JSValueConst obj, const char *name, const char *expected)
{
    JSValue v = JS_GetPropertyStr(ctx, obj, name);
    if (JS_IsException(v)) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        return 0;
    }
    const char *s = JS_IsString(v) ? JS_ToCString(ctx, v) : NULL;
    int same = s && strcmp(s, expected) == 0;
    JS_FreeCString(ctx, s);
    JS_FreeValue(ctx, v);
    return same;
}

int kiln_is_out_of_memory(JSContext *ctx, JSValueConst exc)
{
    return JS_IsNull(exc) ||
           (JS_IsError(ctx, exc) && property_is(ctx, exc, "name", "InternalError") &&
            property_is(ctx, exc, "message", "out of memory"));
}

int kiln_absorb_out_of_memory(JSContext *ctx, JSValueConst exc, const char *where)
{
    if (!kiln_is_out_of_memory(ctx, exc))
        return 0;
    if (kiln.out_of_memory++ == 0)
        printf("kiln: out of memory in %s: that work is dropped, the unikernel goes on "
               "(such failures are counted in __kiln.memory().outOfMemory)\n", where);
    return 1;
}
