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

JSValue kiln_format_stack(JSContext *ctx, JSValue stack)
{
    JSValue format = JS_GetPropertyStr(ctx, kiln.api, "formatStack");
    JSValue out = JS_IsFunction(ctx, format) ? JS_Call(ctx, format, kiln.api, 1, &stack) : JS_UNDEFINED;
    if (JS_IsException(format) || JS_IsException(out))
        JS_FreeValue(ctx, JS_GetException(ctx));
    JS_FreeValue(ctx, format);
    if (!JS_IsString(out)) {
        JS_FreeValue(ctx, out);
        return stack;
    }
    JS_FreeValue(ctx, stack);
    return out;
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
            stack = kiln_format_stack(ctx, stack);
        const char *text = JS_IsString(stack) ? JS_ToCString(ctx, stack) : NULL;
        const char *p = text;
        for (int frames = 0; p && *p; frames++) {
            const char *end = strchr(p, '\n');
            size_t len = end ? (size_t)(end - p + 1) : strlen(p);
            if (frames == MAX_FRAMES) {
                int more = 0;
                for (; *p; p++)
                    more += *p == '\n';
                printf("    ... %d more frames\n", more);
                break;
            }
            solo5_console_write(p, len);
            p += len;
        }
        JS_FreeCString(ctx, text);
        JS_FreeValue(ctx, stack);
    }
}

void kiln_report_pending(JSContext *ctx, const char *what)
{
    JSValue exc = JS_GetException(ctx);
    kiln_report_exception(ctx, exc, what);
    JS_FreeValue(ctx, exc);
}
