/* arch.h: what the shared tender code needs to know about aarch64. */
#ifndef KILN_ARCH_H
#define KILN_ARCH_H

#include "kiln_hvt_abi.h"
#include "lowmem.h"

#define KILN_ARCH_NAME "aarch64"
#define KILN_ARCH_ELF_MACHINE EM_AARCH64
#define KILN_ARCH_MEM_ALIGN A64_BLOCK_2M /* guest memory: whole 2 MiB blocks */

/* Where a hypercall number shows up, for messages: "address 0x100000200". */
#define KILN_ARCH_HC_WHERE "address"
#define KILN_ARCH_HC_LOCATION(nr) ((unsigned long long)KILN_HYPERCALL_MMIO_ADDR(nr))

/* aarch64 guests always start at EL1: user_mode does not apply. */
#define kiln_arch_setup_lowmem(mem, size, map, user_mode) \
    kiln_a64_setup_lowmem((mem), (size), (map))

#endif
