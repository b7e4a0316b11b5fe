/* guest_mem.c: checked translation of guest addresses. */
#include "guest_mem.h"

#include <stddef.h>

static void *checked(const struct kiln_guest_mem *m, uint64_t gpa,
                     uint64_t len, uint64_t lowest)
{
    if (gpa < lowest || gpa > m->size || len > m->size - gpa)
        return NULL;
    return m->base + gpa;
}

const void *kiln_gpa_readable(const struct kiln_guest_mem *m, uint64_t gpa,
                              uint64_t len)
{
    return checked(m, gpa, len, KILN_BOOT_INFO_BASE);
}

void *kiln_gpa_writable(const struct kiln_guest_mem *m, uint64_t gpa,
                        uint64_t len)
{
    return checked(m, gpa, len, KILN_GUEST_MIN_BASE);
}
