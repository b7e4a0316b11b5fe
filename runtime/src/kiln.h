/*
 * kiln.h: the runtime's shared state and the entry points its files offer
 * one another. One runtime, one context, one thread.
 */
#ifndef KILN_RUNTIME_H
#define KILN_RUNTIME_H

#include <stdint.h>

#include "quickjs.h"
#include "solo5.h"

struct DynBuf; /* QuickJS's cutils.h */

#define KILN_EXIT_UNCAUGHT 1  /* like Node: uncaught exception or rejection */
#define KILN_EXIT_BOOT 255    /* the runtime itself could not start */
#define KILN_EXIT_TOO_SMALL 2 /* the app does not fit in the heap: give more --mem */

struct kiln_state {
    JSRuntime *rt;
    JSContext *ctx;
    JSValue api;              /* globalThis.__kiln */
    solo5_time_t boot_ns;     /* monotonic clock when solo5_app_main began */
    solo5_time_t ready_ns;    /* ... when the engine was up, before the app ran */
    size_t js_stack_size;     /* bytes of the heap JavaScript runs on */
    double out_of_memory;     /* out-of-memory exceptions absorbed by the loop */
};
extern struct kiln_state kiln;

/* report.c: prints an uncaught exception (with its stack) to the console. */
void kiln_report_exception(JSContext *ctx, JSValueConst exc, const char *what);
/* Takes and reports the context's pending exception. */
void kiln_report_pending(JSContext *ctx, const char *what);
/* An out-of-memory exception (QuickJS's InternalError, or the null it throws
 * when even that cannot be allocated) that reaches the loop ends only the
 * work that met it, not the unikernel: counts it (kiln.out_of_memory), says
 * so on the console the first time, and returns 1. Any other exception: 0. */
/* True when (exc) is QuickJS's out-of-memory error (or the null it throws
 * when even that cannot be allocated). */
int kiln_is_out_of_memory(JSContext *ctx, JSValueConst exc);
int kiln_absorb_out_of_memory(JSContext *ctx, JSValueConst exc, const char *where);

/* error_stack.c: err.stack as Node has it ("Name: message", then the frames
 * mapped to the sources), built when first read; -1 when out of memory. */
int kiln_error_stack_install(JSContext *ctx);

/* engine_malloc.c: a QuickJS runtime allocating from Kiln's heap. */
JSRuntime *kiln_new_runtime(void);

/* rejections.c: the promise rejection tracker and its end-of-turn check. */
void kiln_rejections_install(JSRuntime *rt);
/* Reports the oldest rejection still unhandled; -1 when there was one. */
int kiln_rejections_check(JSContext *ctx);

/* timers.c */
void kiln_timers_install(JSContext *ctx, JSValueConst api, JSValueConst global);
/* Earliest deadline of an armed timer; 0 when none. */
int kiln_timers_next(solo5_time_t *deadline);
/* Whether an armed timer keeps the loop running (not unref'd). */
int kiln_timers_keep_alive(void);
/* Calls the callback of every timer due at (now) that was armed before this
 * call, running pending jobs after each; -1 when one failed (reported). */
int kiln_timers_run(JSContext *ctx, solo5_time_t now);

/* devices.c: net and block bindings, and readiness watchers. */
void kiln_devices_install(JSContext *ctx, JSValueConst api);
solo5_handle_set_t kiln_devices_watched(void);
/* Whether a watch keeps the loop running (not made with keepAlive false). */
int kiln_devices_keep_alive(void);
/* Calls the watchers of the ready handles; -1 when one failed (reported). */
int kiln_devices_dispatch(JSContext *ctx, solo5_handle_set_t ready);
/* Sets (h)'s watcher (a function, or null to stop), for any device kind. */
void kiln_devices_set_watcher(JSContext *ctx, solo5_handle_t h, JSValueConst callback,
                              int keep_alive);

/* fork.c and pipe.c: Kiln's fork and pipe devices (kiln_fork_pipe.h). */
void kiln_fork_install(JSContext *ctx, JSValueConst api);
void kiln_pipe_install(JSContext *ctx, JSValueConst api);
/* Throws an Error with the code of a fork/pipe result (ELIMIT, EPIPE, ...). */
JSValue kiln_throw_result(JSContext *ctx, int result, const char *fn);
/* A positive integer id up to (max) in v, else EINVAL "fn: not what". */
int kiln_get_id(JSContext *ctx, JSValueConst v, double max, const char *fn, const char *what,
                uint64_t *id);
/* A watcher for a Kiln device's readiness bit: watch(callback | null). */
JSValue kiln_watch_ready_set(JSContext *ctx, solo5_handle_set_t set, int argc,
                             JSValueConst *argv, const char *fn);

/* bindings.c: the rest of globalThis.__kiln (console, clocks, exit, ...). */
void kiln_bindings_install(JSContext *ctx, JSValueConst api, const char *cmdline);
/* The status the app asked for with __kiln.exitCode (0 by default). */
int kiln_exit_code(JSContext *ctx);

/* globals.c: console, setTimeout & co., queueMicrotask, performance, crypto. */
void kiln_globals_install(JSContext *ctx, JSValueConst api, JSValueConst global);
/* Appends String(v) to (out); (fallback) instead when that throws (the
 * exception is dropped), so printing a value never throws. */
void kiln_put_string(JSContext *ctx, struct DynBuf *out, JSValueConst v, const char *fallback);

/* text.c: TextEncoder and TextDecoder (UTF-8). */
void kiln_text_install(JSContext *ctx, JSValueConst global);

/* relative_indexing.c: at() on String, Array and TypedArray prototypes. */
void kiln_relative_indexing_install(JSContext *ctx, JSValueConst global);

/* checksum.c: __kiln.sumWords, the Internet checksum's sum. */
void kiln_checksum_install(JSContext *ctx, JSValueConst api);

/* crc32.c: __kiln.crc32, CRC-32 of a stream's bytes. */
void kiln_crc32_install(JSContext *ctx, JSValueConst api);

/* runtime/crypto/mbedtls.c: __kiln.aead, digest, hmac from mbedtls. Linked
 * only into images that ask for it (link-image.sh --crypto); weak, so the
 * others link without it and have no such bindings. */
void kiln_crypto_install(JSContext *ctx, JSValueConst api) __attribute__((weak));

/* random.c */
void kiln_random_install(JSContext *ctx, JSValueConst api);
/* Fills dst from the runtime's ChaCha20 generator (what randomBytes gives). */
void kiln_random_fill(uint8_t *dst, size_t len);

/* loop.c: runs jobs, timers and device events until nothing is left. */
int kiln_loop_run(JSContext *ctx);
/* Runs every pending job, then checks for unhandled rejections; -1 on an
 * uncaught failure (reported). */
int kiln_run_jobs(JSContext *ctx);
/* Calls (fn), which it takes over, from the loop: a throw goes to
 * kiln_loop_uncaught; pending jobs run after it. -1 on an uncaught failure. */
int kiln_call_from_loop(JSContext *ctx, JSValue fn, int argc, JSValueConst *argv);
/* Takes the pending exception met by loop work (`where`, for the console):
 * 0 when it was an out-of-memory the loop absorbs, else reports it and
 * returns -1. */
int kiln_loop_uncaught(JSContext *ctx, const char *where);

/* Shared helpers (bindings.c). */
/* Bytes of an ArrayBuffer, typed array or DataView; TypeError otherwise. */
int kiln_get_bytes(JSContext *ctx, JSValueConst v, uint8_t **ptr, size_t *len);
/* Throws an Error whose .code is (code). Returns JS_EXCEPTION. */
JSValue kiln_throw(JSContext *ctx, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
