/* boot_info.h: the guest's command line, and the boot info block that
 * carries it, the manifest and memory facts to the guest. */
#ifndef KILN_BOOT_INFO_H
#define KILN_BOOT_INFO_H

#include <stddef.h>
#include <stdint.h>

#include "kiln_hvt_abi.h"
#include "kiln_mft_abi.h"

/* Guest address of the manifest copy in the boot info at (base). */
#define KILN_BOOT_INFO_MFT_AT(base) ((base) + sizeof(struct kiln_boot_info))

/* Joins argv with single spaces into a malloc'ed string of at most
 * KILN_CMDLINE_SIZE bytes with its NUL; NULL with a reason in err. */
char *kiln_cmdline_join(char *const *argv, char *err, size_t errlen);

/* Writes boot info (offering host_features), manifest copy and command line
 * at base (a guest
 * address in mem) and returns 0, or -1 when they do not fit below
 * KILN_PAGE_TABLE_POOL. */
int kiln_boot_info_write(uint8_t *mem, uint64_t base, uint64_t mem_size,
                         uint64_t kernel_end, uint64_t tsc_hz,
                         uint32_t host_features, const struct kiln_mft *mft,
                         size_t mft_size, const char *cmdline);

#endif
