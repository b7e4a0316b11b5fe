/* arch.h: what the shared tender code needs to know about x86_64. */
#ifndef KILN_ARCH_H
#define KILN_ARCH_H

#include "kiln_hvt_abi.h"
#include "lowmem.h"

#define KILN_ARCH_NAME "x86_64"
#define KILN_ARCH_ELF_MACHINE EM_X86_64
#define KILN_ARCH_MEM_ALIGN X86_PAGE_2M /* guest memory: whole 2 MiB pages */

/* Where a hypercall number shows up, for messages: "port 0x540". */
#define KILN_ARCH_HC_WHERE "port"
#define KILN_ARCH_HC_LOCATION(nr) ((unsigned long long)KILN_HYPERCALL_PIO_BASE + (nr))

#define kiln_arch_setup_lowmem kiln_x86_setup_lowmem

#endif
