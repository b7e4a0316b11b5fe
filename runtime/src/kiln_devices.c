/* kiln_devices.c: what the fork and pipe bindings share: their error codes
 * and their readiness watchers. */
#include <math.h>

#include "kiln.h"
#include "kiln_fork_pipe.h"

JSValue kiln_throw_result(JSContext *ctx, int result, const char *fn)
{
    switch (result) {
    case SOLO5_R_EINVAL:
        return kiln_throw(ctx, "EINVAL", "%s: refused (a bad id or end, or the image "
                          "declares no such device)", fn);
    case SOLO5_R_AGAIN:
        return kiln_throw(ctx, "EAGAIN", "%s: try again", fn);
    case KILN_R_EPIPE:
        return kiln_throw(ctx, "EPIPE", "%s: no read end is open anywhere", fn);
    case KILN_R_LIMIT:
        return kiln_throw(ctx, "ELIMIT", "%s: too many children or pipe ends", fn);
    case KILN_R_NOSYS:
        return kiln_throw(ctx, "ENOSYS", "%s: the tender cannot do this here", fn);
    default:
        return kiln_throw(ctx, "EUNSPEC", "%s: the platform failed", fn);
    }
}

JSValue kiln_watch_ready_set(JSContext *ctx, solo5_handle_set_t set, int argc,
                             JSValueConst *argv, const char *fn)
{
    if (set == 0)
        return kiln_throw(ctx, "ENODEV", "%s: the image declares no such device", fn);
    if (argc < 1 || (!JS_IsNull(argv[0]) && !JS_IsFunction(ctx, argv[0])))
        return JS_ThrowTypeError(ctx, "%s(callback | null)", fn);
    kiln_devices_set_watcher(ctx, (solo5_handle_t)__builtin_ctzll(set), argv[0], 1);
    return JS_UNDEFINED;
}

int kiln_get_id(JSContext *ctx, JSValueConst v, double max, const char *fn, const char *what,
                uint64_t *id)
{
    double d;
    if (!JS_IsNumber(v) || JS_ToFloat64(ctx, &d, v) || d != floor(d) || d <= 0 || d > max) {
        kiln_throw(ctx, "EINVAL", "%s: not %s", fn, what);
        return -1;
    }
    *id = (uint64_t)d;
    return 0;
}
