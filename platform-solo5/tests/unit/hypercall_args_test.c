/* hypercall_args_test: argument blocks of the core calls. A block must be
 * aligned as C aligns it and lie in memory the guest may use for it: its
 * writable memory for calls that answer (WALLTIME), readable memory (its
 * read-only data too) for those that only read (PUTS, HALT); else the
 * guest is stopped (status 255). Regression test for a fuzz_hypercall
 * finding: a misaligned block was read and written in place. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fake_image.h"
#include "guest_mem.h"
#include "hypercall.h"
#include "kiln_elf_abi.h"
#include "kiln_hvt_abi.h"
#include "mem_map.h"
#include "unit.h"

#define MEM (8ULL << 20)

static enum kiln_hc_outcome call(const struct kiln_guest_mem *m, unsigned nr,
                                 uint64_t gpa, int *status)
{
    *status = -1;
    return kiln_hc_dispatch(m, nr, gpa, status);
}

/* The tender's one-line reports go to stderr: kept in a file, counted,
 * and anything else (a failed check) passed on. */
static FILE *captured;
static int real_stderr;

static void capture_stderr(void)
{
    fflush(stderr);
    real_stderr = dup(2);
    captured = tmpfile();
    dup2(fileno(captured), 2);
}

static unsigned release_stderr(const char *report)
{
    fflush(stderr);
    dup2(real_stderr, 2);
    rewind(captured);
    char line[512];
    unsigned n = 0;
    while (fgets(line, sizeof line, captured) != NULL) {
        if (strstr(line, report) != NULL)
            n++;
        else if (strncmp(line, "kiln-hvt: ", 10) != 0)
            fputs(line, stderr);
    }
    fclose(captured);
    return n;
}

int main(void)
{
    struct kiln_mem_map map;
    struct kiln_guest_mem m = fake_guest(&map, MEM);
    CHECK(m.base != NULL);
    if (m.base == NULL)
        UNIT_DONE();
    kiln_core_setup();
    int status;
    capture_stderr();

    const uint64_t data = FAKE_DATA + 0x100;
    CHECK(call(&m, KILN_HC_WALLTIME, data, &status) == KILN_HC_CONTINUE);
    CHECK(((struct kiln_hc_walltime *)(void *)(m.base + data))->nsecs != 0);
    for (uint64_t off = 1; off < 8; off++)
        CHECK(call(&m, KILN_HC_WALLTIME, data + off, &status) == KILN_HC_EXIT &&
              status == KILN_EXIT_GUEST_FAULT);
    CHECK(call(&m, KILN_HC_WALLTIME, FAKE_RODATA, &status) == KILN_HC_EXIT &&
          status == KILN_EXIT_GUEST_FAULT);
    CHECK(call(&m, KILN_HC_WALLTIME, MEM - KILN_STACK_AREA_SIZE, &status) ==
              KILN_HC_EXIT);

    /* A console write whose block sits in read-only data, as the aarch64
     * bindings' nested-trap path has it (a zero-length write). */
    CHECK(call(&m, KILN_HC_PUTS, FAKE_RODATA, &status) == KILN_HC_CONTINUE);
    CHECK(call(&m, KILN_HC_PUTS, FAKE_RODATA + 4, &status) == KILN_HC_EXIT &&
          status == KILN_EXIT_GUEST_FAULT);
    CHECK(call(&m, KILN_HC_PUTS, MEM - KILN_STACK_AREA_SIZE, &status) ==
              KILN_HC_EXIT);

    struct kiln_hc_halt halt = {.exit_status = 7};
    memcpy(m.base + data, &halt, sizeof halt);
    CHECK(call(&m, KILN_HC_HALT, data, &status) == KILN_HC_EXIT && status == 7);
    CHECK(call(&m, KILN_HC_HALT, data + 4, &status) == KILN_HC_EXIT &&
          status == KILN_EXIT_GUEST_FAULT);
    CHECK(release_stderr("is misaligned or not in its") == 12);
    munmap(m.base, MEM);
    UNIT_DONE();
}
