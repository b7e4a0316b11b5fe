/* exit.c: ending the unikernel from C (exit, abort, failed assertions). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "solo5.h"

void exit(int status) { solo5_exit(status); }
void _Exit(int status) { solo5_exit(status); }
void _exit(int status) { solo5_exit(status); }

void abort(void)
{
    static const char msg[] = "kiln: abort() called\n";
    solo5_console_write(msg, sizeof msg - 1);
    solo5_abort();
}

void __assert_fail(const char *expr, const char *file, int line, const char *func)
{
    printf("kiln: assertion failed: %s (%s: %s: %d)\n", expr, file, func, line);
    solo5_abort();
}
