/* trap: a null dereference must end in a clean trap report and a non-zero
 * exit status, never in a hang or a tender crash. */
#include "test_lib.h"

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    test_puts("\n**** Kiln trap ****\n\nabout to dereference NULL\n");
    volatile int *null = (volatile int *)0;
    *null = 42;
    test_fail("the null write did not trap");
}
