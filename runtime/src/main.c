/*
 * main.c: solo5_app_main. Sets up the thread block and the heap, starts
 * QuickJS, installs the bindings, runs the embedded bytecode, then the event
 * loop; the loop's outcome is the unikernel's exit status.
 */
#include <stdio.h>
#include <string.h>

#include "bytecode.h"
#include "heap.h"
#include "kiln.h"
#include "tls.h"

struct kiln_state kiln;

/*
 * JavaScript runs on a stack taken from the heap: an eighth of it, between
 * 1 and 8 MiB (the platform's own stack is 1 MiB under hvt; QuickJS needs
 * about 640 bytes per nested JS call, so 8 MiB allows some 12,000). QuickJS
 * may use all but STACK_RESERVE of it; C code below the JS frames (bindings,
 * printf) gets the rest.
 */
#define STACK_MIN (1u << 20)
#define STACK_MAX (8u << 20)
#define STACK_RESERVE (128u << 10)

int kiln_call_on_stack(void *top, int (*fn)(void *), void *arg);

/* A bundle is self-contained; the image has no module files to load. */
static JSModuleDef *refuse_import(JSContext *ctx, const char *name, void *opaque)
{
    (void)opaque;
    JS_ThrowReferenceError(ctx, "import of '%s': an image runs one bundle and loads no modules", name);
    return NULL;
}

/* Checks the embedded file's header; the payload's bounds on success. */
static int embedded_bytecode(const uint8_t **code, size_t *len, int *module)
{
    size_t size = (size_t)(kiln_bytecode_end - kiln_bytecode_start);
    struct kiln_bytecode_header hdr;
    if (size < sizeof hdr) {
        printf("kiln: embedded bytecode is missing or truncated (%zu bytes)\n", size);
        return -1;
    }
    memcpy(&hdr, kiln_bytecode_start, sizeof hdr);
    if (memcmp(hdr.magic, KILN_BYTECODE_MAGIC, sizeof hdr.magic) != 0) {
        printf("kiln: embedded file is not kiln-qjsc bytecode\n");
        return -1;
    }
    if (hdr.format != KILN_BYTECODE_FORMAT) {
        printf("kiln: bytecode format %u, this runtime reads format %u: rebuild the image\n",
               hdr.format, KILN_BYTECODE_FORMAT);
        return -1;
    }
    if (hdr.length != size - sizeof hdr ||
        (hdr.kind != KILN_BYTECODE_MODULE && hdr.kind != KILN_BYTECODE_SCRIPT)) {
        printf("kiln: embedded bytecode header is corrupt\n");
        return -1;
    }
    *code = kiln_bytecode_start + sizeof hdr;
    *len = (size_t)hdr.length;
    *module = hdr.kind == KILN_BYTECODE_MODULE;
    return 0;
}

/* Reports the pending exception as (what) says, unless it is running out of
 * memory: then one line saying so, as for a bad boot argument. Returns the
 * exit status. */
static int report_load_failure(JSContext *ctx, const char *what)
{
    JSValue exc = JS_GetException(ctx);
    int status = KILN_EXIT_UNCAUGHT;
    if (kiln_is_out_of_memory(ctx, exc)) {
        struct kiln_heap_stats st;
        kiln_heap_stats(&st);
        printf("kiln: out of memory loading the app in a heap of %zu bytes; give the unikernel more (--mem)\n",
               st.size);
        status = KILN_EXIT_TOO_SMALL;
    } else {
        kiln_report_exception(ctx, exc, what);
    }
    JS_FreeValue(ctx, exc);
    return status;
}

/* Evaluates the app's top level; 0, or the exit status when it threw
 * (reported). */
static int run_app(JSContext *ctx)
{
    const uint8_t *code;
    size_t len;
    int module;
    if (embedded_bytecode(&code, &len, &module) < 0)
        return KILN_EXIT_UNCAUGHT;
    JSValue fn = JS_ReadObject(ctx, code, len, JS_READ_OBJ_BYTECODE);
    if (JS_IsException(fn))
        return report_load_failure(ctx, "kiln: cannot load the embedded bytecode");
    if (module && JS_ResolveModule(ctx, fn) < 0) {
        JS_FreeValue(ctx, fn);
        return report_load_failure(ctx, "Uncaught");
    }
    kiln.ready_ns = solo5_clock_monotonic();
    JSValue result = JS_EvalFunction(ctx, fn);
    if (JS_IsException(result))
        return report_load_failure(ctx, "Uncaught");
    JS_FreeValue(ctx, result);
    return 0;
}

/* Everything from QuickJS's start to the end of the event loop, on the
 * JavaScript stack. */
static int run(void *arg)
{
    const struct solo5_start_info *si = arg;
    kiln.rt = kiln_new_runtime();
    kiln.ctx = kiln.rt ? JS_NewContext(kiln.rt) : NULL;
    if (!kiln.ctx || kiln_error_stack_install(kiln.ctx) < 0) {
        printf("kiln: out of memory starting QuickJS (heap %zu bytes)\n", si->heap_size);
        return KILN_EXIT_BOOT;
    }
    JSContext *ctx = kiln.ctx;
    JS_SetMaxStackSize(kiln.rt, kiln.js_stack_size - STACK_RESERVE);
    JS_SetModuleLoaderFunc(kiln.rt, NULL, refuse_import, NULL);
    kiln_rejections_install(kiln.rt);

    JSValue global = JS_GetGlobalObject(ctx);
    kiln.api = JS_NewObject(ctx);
    kiln_bindings_install(ctx, kiln.api, si->cmdline ? si->cmdline : "");
    kiln_timers_install(ctx, kiln.api, global);
    kiln_devices_install(ctx, kiln.api);
    kiln_fork_install(ctx, kiln.api);
    kiln_pipe_install(ctx, kiln.api);
    kiln_random_install(ctx, kiln.api);
    kiln_checksum_install(ctx, kiln.api);
    kiln_crc32_install(ctx, kiln.api);
    if (kiln_crypto_install)
        kiln_crypto_install(ctx, kiln.api);
    kiln_globals_install(ctx, kiln.api, global);
    kiln_text_install(ctx, global);
    kiln_relative_indexing_install(ctx, global);
    JS_SetPropertyStr(ctx, global, "__kiln", JS_DupValue(ctx, kiln.api));
    JS_FreeValue(ctx, global);

    int failed = run_app(ctx);
    if (failed != 0)
        return failed;
    if (kiln_loop_run(ctx) < 0)
        return KILN_EXIT_UNCAUGHT;
    return kiln_exit_code(ctx);
}

int solo5_app_main(const struct solo5_start_info *si)
{
    if (kiln_tls_init() < 0) {
        static const char msg[] = "kiln: the platform refused the thread pointer\n";
        solo5_console_write(msg, sizeof msg - 1);
        return KILN_EXIT_BOOT;
    }
    kiln.boot_ns = solo5_clock_monotonic();
    if (kiln_heap_init((void *)si->heap_start, si->heap_size) < 0) {
        printf("kiln: a heap of %zu bytes is too small\n", si->heap_size);
        return KILN_EXIT_BOOT;
    }
    size_t stack_size = si->heap_size / 8;
    stack_size = stack_size < STACK_MIN ? STACK_MIN : stack_size > STACK_MAX ? STACK_MAX : stack_size;
    char *stack = kiln_memalign(4096, stack_size);
    if (!stack) {
        printf("kiln: a heap of %zu bytes has no room for the JavaScript stack\n", si->heap_size);
        return KILN_EXIT_BOOT;
    }
    kiln.js_stack_size = stack_size;
    return kiln_call_on_stack(stack + stack_size, run, (void *)si);
}
