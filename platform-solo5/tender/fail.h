/* fail.h: the tender's way of reporting a refusal: format one line into the
 * caller's buffer and return -1. */
#ifndef KILN_FAIL_H
#define KILN_FAIL_H

#include <stddef.h>

int kiln_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
