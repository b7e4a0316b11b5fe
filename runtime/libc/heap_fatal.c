/* heap_fatal.c: what the allocator does on a pointer it never handed out. */
#include <stdio.h>

#include "heap.h"
#include "solo5.h"

void kiln_heap_fatal(const char *what, const void *p)
{
    printf("kiln: heap corruption: %s (%p)\n", what, p);
    solo5_abort();
}
