/*
 * trap.c: what happens on a CPU exception. At CPL3 (kiln-hvt) the tender's
 * own stubs catch exceptions and the tender reports them; the guest cannot
 * load an IDT there. At CPL0 (upstream solo5-hvt) the bindings install an
 * IDT whose stubs end here: print the trap and halt with SOLO5_EXIT_ABORT.
 */
#include "../guest.h"
#include "cpu.h"
#include "kiln_x86_exceptions.h"

#define GATE_INTERRUPT_PRESENT 0x8e

struct idt_gate {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
} __attribute__((packed));

struct idt_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

extern const char kiln_trap_stubs[];
static struct idt_gate idt[KILN_X86_EXCEPTIONS] __attribute__((aligned(16)));

void kiln_trap_init(void)
{
    if (kiln_guest.cpl != 0)
        return;
    uint16_t cs;
    __asm__ __volatile__("mov %%cs, %0" : "=r"(cs));
    for (unsigned v = 0; v < KILN_X86_EXCEPTIONS; v++) {
        uint64_t target = (uint64_t)(uintptr_t)kiln_trap_stubs + v * KILN_X86_STUB_SPACING;
        idt[v] = (struct idt_gate){
            .offset_lo = (uint16_t)target,
            .selector = cs,
            .type_attr = GATE_INTERRUPT_PRESENT,
            .offset_mid = (uint16_t)(target >> 16),
            .offset_hi = (uint32_t)(target >> 32),
        };
    }
    struct idt_pointer p = {.limit = sizeof idt - 1,
                            .base = (uint64_t)(uintptr_t)idt};
    __asm__ __volatile__("lidt %0" : : "m"(p));
}

void kiln_guest_trap(const struct kiln_trap_frame *f) __attribute__((noreturn));
void kiln_guest_trap(const struct kiln_trap_frame *f)
{
    uint64_t cr2;
    __asm__ __volatile__("mov %%cr2, %0" : "=r"(cr2));
    const char *name = kiln_x86_exception_name(f->vector);
    kiln_puts("Kiln: guest trap: ");
    kiln_puts(name != NULL ? name : "reserved vector");
    kiln_puts(" vector=");
    kiln_put_hex(f->vector);
    kiln_puts(" rip=");
    kiln_put_hex(f->rip);
    kiln_puts(" address=");
    kiln_put_hex(cr2);
    kiln_puts(" error=");
    kiln_put_hex(f->error_code);
    kiln_puts(" rsp=");
    kiln_put_hex(f->rsp);
    kiln_puts("\n");
    kiln_halt(SOLO5_EXIT_ABORT, NULL);
}
