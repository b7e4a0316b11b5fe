/* guest_mem_test: guest memory starts on a huge page; every guest range is
 * checked, overflow included. */
#include <stdint.h>
#include <sys/mman.h>

#include "guest_mem.h"
#include "unit.h"

int main(void)
{
    static uint8_t backing[4 << 20];
    struct kiln_guest_mem m = {.base = backing, .size = sizeof backing};
    uint64_t top = m.size;

    CHECK(kiln_gpa_writable(&m, KILN_GUEST_MIN_BASE, 16) ==
          backing + KILN_GUEST_MIN_BASE);
    CHECK(kiln_gpa_writable(&m, top - 16, 16) == backing + top - 16);
    CHECK(kiln_gpa_writable(&m, top, 0) == backing + top);
    CHECK(kiln_gpa_writable(&m, top - 15, 16) == NULL);
    CHECK(kiln_gpa_writable(&m, top, 1) == NULL);
    CHECK(kiln_gpa_writable(&m, top + 1, 0) == NULL);
    CHECK(kiln_gpa_writable(&m, KILN_GUEST_MIN_BASE - 1, 1) == NULL);
    CHECK(kiln_gpa_writable(&m, KILN_BOOT_INFO_BASE, 8) == NULL);
    CHECK(kiln_gpa_writable(&m, 0, 8) == NULL);
    CHECK(kiln_gpa_writable(&m, KILN_GUEST_MIN_BASE, UINT64_MAX) == NULL);
    CHECK(kiln_gpa_writable(&m, UINT64_MAX, 2) == NULL);
    CHECK(kiln_gpa_writable(&m, UINT64_MAX - 4, 8) == NULL);
    CHECK(kiln_gpa_writable(&m, KILN_GUEST_MIN_BASE,
                            UINT64_MAX - KILN_GUEST_MIN_BASE + 2) == NULL);

    CHECK(kiln_gpa_readable(&m, KILN_BOOT_INFO_BASE, 8) ==
          backing + KILN_BOOT_INFO_BASE);
    CHECK(kiln_gpa_readable(&m, KILN_BOOT_INFO_BASE - 1, 8) == NULL);
    CHECK(kiln_gpa_readable(&m, 0x2000, 8) == NULL);
    CHECK(kiln_gpa_readable(&m, top - 1, 2) == NULL);
    CHECK(kiln_gpa_readable(&m, 0xfffffffffffff000ULL, 0x2000) == NULL);

    const uint64_t size = 6 << 20;
    for (int i = 0; i < 3; i++) {
        uint8_t *mem = kiln_guest_mem_reserve(size);
        CHECK(mem != NULL && (uintptr_t)mem % (2 << 20) == 0);
        if (mem != NULL) {
            mem[0] = 1;
            mem[size - 1] = 1;
            CHECK(munmap(mem, size) == 0);
        }
    }
    UNIT_DONE();
}
