/* mem_map_test: the guest's memory by access rights, from an image's
 * segments: ranges, the guard page and when there is none, the checks on
 * hypercall buffers, and the host mapping refusing what the map refuses
 * (a write to text or a touch of the guard page kills a child process
 * doing it; reading text and writing data do not). */
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake_image.h"
#include "guest_mem.h"
#include "kiln_elf_abi.h"
#include "kiln_hvt_abi.h"
#include "mem_map.h"
#include "unit.h"

#define MEM (8ULL << 20)
#define GUARD (MEM - KILN_STACK_AREA_SIZE)

/* Runs (touch) at (p) in a child: the signal that ended it, or 0. */
static int touch_in_child(volatile uint8_t *p, int write)
{
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL); /* not AddressSanitizer's report */
        if (write)
            *p = 1;
        else
            (void)*p;
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

static void check_map(void)
{
    struct kiln_image img = fake_image(KILN_IMAGE_RUNS_AT_CPL3 | KILN_IMAGE_STACK_GUARD);
    struct kiln_mem_map map;
    kiln_mem_map_build(&map, &img, MEM);
    CHECK(map.n == 3 && map.guest_write_protect && map.guard == GUARD);
    CHECK(kiln_mem_map_access(&map, FAKE_TEXT) == (KILN_ACCESS_R | KILN_ACCESS_X));
    CHECK(kiln_mem_map_access(&map, FAKE_RODATA - 1) == (KILN_ACCESS_R | KILN_ACCESS_X));
    CHECK(kiln_mem_map_access(&map, FAKE_RODATA) == KILN_ACCESS_R);
    CHECK(kiln_mem_map_access(&map, FAKE_DATA) == KILN_ACCESS_DATA);
    CHECK(kiln_mem_map_access(&map, FAKE_END) == KILN_ACCESS_DATA);
    CHECK(kiln_mem_map_access(&map, GUARD - 1) == KILN_ACCESS_DATA);
    CHECK(kiln_mem_map_access(&map, GUARD) == 0);
    CHECK(kiln_mem_map_access(&map, GUARD + 0x1000) == KILN_ACCESS_DATA);

    unsigned access = 99;
    CHECK(!kiln_mem_map_uniform(&map, 0x200000, 0x200000, &access)); /* text, then rodata */
    CHECK(kiln_mem_map_uniform(&map, 0x400000, 0x200000, &access) && access == KILN_ACCESS_DATA);
    CHECK(!kiln_mem_map_uniform(&map, GUARD & ~0x1fffffULL, 0x200000, &access));
    CHECK(kiln_mem_map_uniform(&map, GUARD, 0x1000, &access) && access == 0);

    CHECK(kiln_mem_map_lacks(&map, FAKE_TEXT, 1, KILN_ACCESS_W));
    CHECK(!kiln_mem_map_lacks(&map, FAKE_TEXT, 1, KILN_ACCESS_R));
    CHECK(kiln_mem_map_lacks(&map, FAKE_DATA - 1, 2, KILN_ACCESS_W)); /* straddles */
    CHECK(!kiln_mem_map_lacks(&map, FAKE_DATA, 0x1000, KILN_ACCESS_W));
    CHECK(kiln_mem_map_lacks(&map, FAKE_END, GUARD - FAKE_END + 1, KILN_ACCESS_R));
    CHECK(!kiln_mem_map_lacks(&map, FAKE_END, GUARD - FAKE_END, KILN_ACCESS_R));
    CHECK(kiln_mem_map_lacks(&map, KILN_GUEST_MIN_BASE - 8, 0x100000, KILN_ACCESS_W));
    CHECK(!kiln_mem_map_lacks(&map, FAKE_TEXT, 0, KILN_ACCESS_W));

    /* No guard: an upstream image (its heap reaches the top), or one that
     * leaves no room for it. */
    struct kiln_image upstream = fake_image(0);
    kiln_mem_map_build(&map, &upstream, MEM);
    CHECK(map.n == 2 && !map.guest_write_protect && map.guard == 0);
    CHECK(kiln_mem_map_lacks(&map, FAKE_RODATA, 8, KILN_ACCESS_W));
    kiln_mem_map_build(&map, &img, FAKE_END + KILN_STACK_AREA_SIZE - 0x1000);
    CHECK(map.guard == 0 && map.n == 2);
    kiln_mem_map_build(&map, &img, FAKE_END + KILN_STACK_AREA_SIZE);
    CHECK(map.guard == FAKE_END);
}

static void check_guest_mem(void)
{
    struct kiln_mem_map map;
    struct kiln_guest_mem m = fake_guest(&map, MEM);
    CHECK(m.base != NULL);
    if (m.base == NULL)
        return;

    /* The tender never writes the guest's read-only memory for it, and
     * never reads its guard page. */
    CHECK(kiln_gpa_writable(&m, FAKE_TEXT, 8) == NULL);
    CHECK(kiln_gpa_writable(&m, FAKE_RODATA + 8, 8) == NULL);
    CHECK(kiln_gpa_writable(&m, FAKE_DATA - 4, 8) == NULL);
    CHECK(kiln_gpa_writable(&m, FAKE_DATA, 8) == m.base + FAKE_DATA);
    CHECK(kiln_gpa_writable(&m, GUARD - 8, 16) == NULL);
    CHECK(kiln_gpa_writable(&m, GUARD + 0x1000, 8) == m.base + GUARD + 0x1000);
    CHECK(kiln_gpa_readable(&m, FAKE_TEXT, 8) == m.base + FAKE_TEXT);
    CHECK(kiln_gpa_readable(&m, FAKE_RODATA, 0x1000) == m.base + FAKE_RODATA);
    CHECK(kiln_gpa_readable(&m, GUARD + 0xff0, 0x20) == NULL);
    CHECK(kiln_gpa_readable(&m, FAKE_END, GUARD - FAKE_END) == m.base + FAKE_END);

    /* The host mapping: what the map forbids kills whoever tries. */
    CHECK(touch_in_child(m.base + FAKE_TEXT, 1) == SIGSEGV);
    CHECK(touch_in_child(m.base + FAKE_RODATA + 0x1000, 1) == SIGSEGV);
    CHECK(touch_in_child(m.base + GUARD + 8, 0) == SIGSEGV);
    CHECK(touch_in_child(m.base + FAKE_TEXT, 0) == 0);
    CHECK(touch_in_child(m.base + FAKE_DATA, 1) == 0);
    CHECK(touch_in_child(m.base + GUARD - 1, 1) == 0);
    CHECK(touch_in_child(m.base + GUARD + 0x1000, 1) == 0);
    munmap(m.base, MEM);
}

int main(void)
{
    check_map();
    check_guest_mem();
    UNIT_DONE();
}
