/* boot_info.c: what the guest finds at %rdi when it starts. */
#include "boot_info.h"
#include "guest_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *kiln_cmdline_join(char *const *argv, char *err, size_t errlen)
{
    size_t len = 0;
    for (char *const *a = argv; *a; a++)
        len += strlen(*a) + 1;
    if (len > KILN_CMDLINE_SIZE) {
        snprintf(err, errlen, "guest command line too long (%zu bytes, at "
                 "most %d)", len - 1, KILN_CMDLINE_SIZE - 1);
        return NULL;
    }
    char *s = calloc(1, len + 1);
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (char *const *a = argv; *a; a++) {
        if (a != argv)
            strcat(s, " ");
        strcat(s, *a);
    }
    return s;
}

int kiln_boot_info_write(uint8_t *mem, uint64_t base, uint64_t mem_size,
                         uint64_t kernel_end, uint64_t tsc_hz,
                         uint32_t host_features, const struct kiln_mft *mft,
                         size_t mft_size, const char *cmdline)
{
    size_t cmd_size = strlen(cmdline) + 1;
    uint64_t mft_at = KILN_BOOT_INFO_MFT_AT(base);
    uint64_t cmd_at = mft_at + mft_size;
    if (cmd_size > KILN_CMDLINE_SIZE || cmd_at + cmd_size > KILN_PAGE_TABLE_POOL)
        return -1;
    struct kiln_boot_info bi = {
        .mem_size = mem_size,
        .kernel_end = kernel_end,
        .cpu_cycle_freq = tsc_hz,
        .cmdline = cmd_at,
        .mft = mft_at,
        .host_features = host_features,
    };
    memcpy(mem + base, &bi, sizeof bi);
    memcpy(mem + mft_at, mft, mft_size);
    memcpy(mem + cmd_at, cmdline, cmd_size);
    return 0;
}
