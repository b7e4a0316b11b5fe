/* fork.c: __kiln.fork, __kiln.wait and __kiln.forkWatch over Kiln's fork
 * device (runtime/BINDINGS.md, "Fork and pipes"). */
#include "kiln.h"
#include "kiln_fork_pipe.h"

/* fork() -> the child's id (> 0) in the parent, 0 in the child */
static JSValue fork_(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    (void)argc;
    (void)argv;
    uint64_t child;
    int r = kiln_fork(&child);
    if (r != SOLO5_R_OK)
        return kiln_throw_result(ctx, r, "fork");
    return JS_NewInt64(ctx, (int64_t)child);
}

/* wait(id) -> exit status (0..255), or -1 while the child runs */
static JSValue wait_(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    uint64_t id;
    if (kiln_get_id(ctx, argc ? argv[0] : JS_UNDEFINED, 0x7fffffff, "wait",
                    "an id fork returned", &id) < 0)
        return JS_EXCEPTION;
    int status;
    int r = kiln_wait(id, &status);
    if (r == SOLO5_R_AGAIN)
        return JS_NewInt32(ctx, -1);
    if (r != SOLO5_R_OK)
        return kiln_throw_result(ctx, r, "wait");
    return JS_NewInt32(ctx, status);
}

/* forkWatch(callback | null): callback() when a child may have ended */
static JSValue fork_watch(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    return kiln_watch_ready_set(ctx, kiln_fork_ready_set(), argc, argv, "forkWatch");
}

void kiln_fork_install(JSContext *ctx, JSValueConst api)
{
    static const JSCFunctionListEntry fns[] = {
        JS_CFUNC_DEF("fork", 0, fork_),
        JS_CFUNC_DEF("wait", 1, wait_),
        JS_CFUNC_DEF("forkWatch", 1, fork_watch),
    };
    JS_SetPropertyFunctionList(ctx, api, fns, sizeof fns / sizeof fns[0]);
}
