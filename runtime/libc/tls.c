/*
 * tls.c: the one thread's descriptor, as musl reaches it through the thread
 * pointer. musl keeps per-thread state (errno, the locale) in its struct
 * pthread at the thread pointer (aarch64: just below it), and reads the
 * descriptor's own address from its first word. The image has no __thread
 * variables, so no TLS data sits beside the descriptor.
 *
 * Offsets are those of musl 1.2.3's struct pthread (checked against
 * libc.a). x86_64: the thread pointer is the descriptor's address
 * (__errno_location adds 0x34, strerror loads the locale from 0xa8).
 * aarch64 (musl's TLS_ABOVE_TP): the thread pointer is the descriptor's end
 * (pthread_self subtracts 0xc8, __errno_location 0xa4, strerror loads the
 * locale from -0x30, the stack protector's canary sits at -0x10).
 */
#include <stdint.h>

#include "solo5.h"
#include "tls.h"

#define MUSL_SELF 0x00
#define MUSL_PTHREAD_SIZE 0xc8
#if defined(__x86_64__)
#define MUSL_CANARY 0x28
#define MUSL_TID 0x30
#define MUSL_LOCALE 0xa8
#define THREAD_POINTER_OFFSET 0
#elif defined(__aarch64__)
#define MUSL_TID 0x20
#define MUSL_LOCALE 0x98
#define MUSL_CANARY 0xb8
#define THREAD_POINTER_OFFSET MUSL_PTHREAD_SIZE
#else
#error "tls.c knows musl's thread descriptor layout for x86_64 and aarch64 only"
#endif

/* musl's locale_t points at six category maps; all NULL is the C locale. */
static const void *c_locale[6];

static _Alignas(64) unsigned char thread_block[256];
_Static_assert(sizeof thread_block >= MUSL_PTHREAD_SIZE, "thread block too small");

static void put_word(unsigned offset, uintptr_t value)
{
    *(uintptr_t *)(void *)(thread_block + offset) = value;
}

int kiln_tls_init(void)
{
    put_word(MUSL_SELF, (uintptr_t)thread_block);
    /* Stack protector canary, for any libc object built with one. */
    put_word(MUSL_CANARY, (uintptr_t)solo5_clock_monotonic() * 0x9e3779b97f4a7c15u);
    *(int *)(void *)(thread_block + MUSL_TID) = 1;
    put_word(MUSL_LOCALE, (uintptr_t)c_locale);
    uintptr_t tp = (uintptr_t)thread_block + THREAD_POINTER_OFFSET;
    return solo5_set_tls_base(tp) == SOLO5_R_OK ? 0 : -1;
}
