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

struct table_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

/* Upstream's tender keeps its GDT on a page the guest cannot reach, and the
 * CPU reads the GDT to deliver an exception: install our own, with the same
 * selectors (code 0x08, data 0x10). */
#define SEL_CODE 0x08
#define SEL_DATA 0x10
static const uint64_t gdt[3] __attribute__((aligned(16))) = {
    0,
    0x00af9b000000ffffULL, /* 64-bit code, DPL0, present, accessed */
    0x00cf93000000ffffULL, /* data, read/write, DPL0, present, accessed */
};

static void load_gdt(void)
{
    struct table_pointer p = {.limit = sizeof gdt - 1,
                              .base = (uint64_t)(uintptr_t)gdt};
    __asm__ __volatile__("lgdt %0\n\t"
                         /* reload %cs with a far return to the next line */
                         "pushq %1\n\t"
                         "leaq 1f(%%rip), %%rax\n\t"
                         "pushq %%rax\n\t"
                         "lretq\n"
                         "1:\n\t"
                         "movl %2, %%eax\n\t"
                         "movl %%eax, %%ds\n\t"
                         "movl %%eax, %%es\n\t"
                         "movl %%eax, %%ss\n\t"
                         :
                         : "m"(p), "i"(SEL_CODE), "i"(SEL_DATA)
                         : "rax", "memory");
}

extern const char kiln_trap_stubs[];
static struct idt_gate idt[KILN_X86_EXCEPTIONS] __attribute__((aligned(16)));

int kiln_hypercall_by_store;

void kiln_trap_init(void)
{
    /* At CPL3 the tender handles traps, and hypercalls go through its
     * window (cpu.h). */
    kiln_hypercall_by_store = kiln_guest.cpl == 3;
    if (kiln_guest.cpl != 0)
        return;
    load_gdt();
    for (unsigned v = 0; v < KILN_X86_EXCEPTIONS; v++) {
        uint64_t target = (uint64_t)(uintptr_t)kiln_trap_stubs + v * KILN_X86_STUB_SPACING;
        idt[v] = (struct idt_gate){
            .offset_lo = (uint16_t)target,
            .selector = SEL_CODE,
            .type_attr = GATE_INTERRUPT_PRESENT,
            .offset_mid = (uint16_t)(target >> 16),
            .offset_hi = (uint32_t)(target >> 32),
        };
    }
    struct table_pointer p = {.limit = sizeof idt - 1,
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
