/* test_lib.h: small helpers for the C test images (no libc in images). */
#ifndef KILN_TEST_LIB_H
#define KILN_TEST_LIB_H

#include <stddef.h>
#include <stdint.h>

#include "solo5.h"

void test_puts(const char *s);
void test_put_u64(uint64_t v);
void test_put_hex(uint64_t v);

/* Prints "FAILED: what" and exits with status 1. */
void test_fail(const char *what) __attribute__((noreturn));
#define TEST_STRINGIFY_(x) #x
#define TEST_STRINGIFY(x) TEST_STRINGIFY_(x)
#define TEST_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            test_fail(__FILE__ ":" TEST_STRINGIFY(__LINE__) ": " #cond);       \
    } while (0)

size_t test_strlen(const char *s);
int test_streq(const char *a, const char *b);

/* Value of "--key=value" in the command line (copied to out, at most size
 * bytes with NUL), or NULL when absent. */
const char *test_arg(const char *cmdline, const char *key, char *out,
                     size_t size);
uint64_t test_parse_u64(const char *s);
/* The number given as "--key=N" in the command line, or fallback when absent. */
uint64_t test_arg_u64(const char *cmdline, const char *key, uint64_t fallback);

/* The compiler may emit calls to these even in freestanding code. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
