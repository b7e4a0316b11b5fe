/* kiln_aarch64_exceptions.h: aarch64 exception vectors and syndromes, shared
 * by the guest's trap handler and the tender's trap reports. Usable from C
 * and assembly. */
#ifndef KILN_AARCH64_EXCEPTIONS_H
#define KILN_AARCH64_EXCEPTIONS_H

/* VBAR_EL1 holds a 2 KiB-aligned table of 16 entries, 128 bytes each, in
 * four groups (taken from: current EL on SP_EL0, current EL on SP_ELx, lower
 * EL in AArch64, lower EL in AArch32) of four kinds (synchronous, IRQ, FIQ,
 * SError). */
#define KILN_A64_VECTOR_ALIGN 2048
#define KILN_A64_VECTOR_SPACING 128
#define KILN_A64_VECTORS 16

/* The guest's trap frame: x0-x30, the interrupted stack pointer, ELR_EL1,
 * SPSR_EL1, ESR_EL1, FAR_EL1. Byte offsets for the assembly side. */
#define KILN_A64_FRAME_SP 248
#define KILN_A64_FRAME_ELR 256
#define KILN_A64_FRAME_ESR 272
#define KILN_A64_FRAME_SIZE 288 /* a multiple of 16, as SP must stay */

/* ESR_ELx.EC: the exception class, bits 31:26. */
#define KILN_A64_ESR_EC(esr) (((esr) >> 26) & 0x3f)
#define KILN_A64_EC_IABT_LOW 0x20
#define KILN_A64_EC_IABT_CUR 0x21
#define KILN_A64_EC_DABT_LOW 0x24
#define KILN_A64_EC_DABT_CUR 0x25

#ifndef __ASSEMBLER__
#include <stdint.h>

struct kiln_a64_trap_frame {
    uint64_t x[31];
    uint64_t sp;
    uint64_t elr, spsr, esr, far;
};
_Static_assert(sizeof(struct kiln_a64_trap_frame) == KILN_A64_FRAME_SIZE,
               "trap frame layout");
_Static_assert(__builtin_offsetof(struct kiln_a64_trap_frame, sp) ==
                   KILN_A64_FRAME_SP, "trap frame layout");
_Static_assert(__builtin_offsetof(struct kiln_a64_trap_frame, elr) ==
                   KILN_A64_FRAME_ELR, "trap frame layout");
_Static_assert(__builtin_offsetof(struct kiln_a64_trap_frame, esr) ==
                   KILN_A64_FRAME_ESR, "trap frame layout");

/* Does FAR_EL1 hold the faulting address for this exception class? */
static inline int kiln_a64_ec_has_address(uint64_t ec)
{
    return ec == KILN_A64_EC_IABT_LOW || ec == KILN_A64_EC_IABT_CUR ||
           ec == KILN_A64_EC_DABT_LOW || ec == KILN_A64_EC_DABT_CUR ||
           ec == 0x22 /* PC alignment */ || ec == 0x34 || ec == 0x35;
}

/* A short name for an exception class (Arm ARM, ESR_ELx.EC). */
static inline const char *kiln_a64_ec_name(uint64_t ec)
{
    switch (ec) {
    case 0x00: return "undefined instruction";
    case 0x01: return "WFI/WFE trapped";
    case 0x07: return "FP/SIMD access trapped";
    case 0x0e: return "illegal execution state";
    case 0x15: return "SVC instruction";
    case 0x16: return "HVC instruction";
    case 0x17: return "SMC instruction";
    case 0x18: return "system register access trapped";
    case 0x19: return "SVE access trapped";
    case KILN_A64_EC_IABT_LOW:
    case KILN_A64_EC_IABT_CUR: return "instruction abort";
    case 0x22: return "PC alignment fault";
    case KILN_A64_EC_DABT_LOW:
    case KILN_A64_EC_DABT_CUR: return "data abort";
    case 0x26: return "SP alignment fault";
    case 0x28:
    case 0x2c: return "floating-point exception";
    case 0x2f: return "SError";
    case 0x30:
    case 0x31: return "breakpoint";
    case 0x32:
    case 0x33: return "software step";
    case 0x34:
    case 0x35: return "watchpoint";
    case 0x3c: return "BRK instruction";
    default: return "unknown exception class";
    }
}

/* "synchronous", "IRQ", ... for a vector table entry (0-15). */
static inline const char *kiln_a64_vector_kind(unsigned entry)
{
    static const char *const kinds[4] = {"synchronous", "IRQ", "FIQ",
                                         "SError"};
    return kinds[entry % 4];
}
#endif

#endif
