/*
 * trap.c: what happens on a CPU exception: vectors.S saves the frame and
 * calls kiln_guest_trap, which prints one line and halts with
 * SOLO5_EXIT_ABORT. Works the same under kiln-hvt and upstream solo5-hvt,
 * which both start the image at EL1.
 */
#include "../guest.h"
#include "kiln_aarch64_exceptions.h"

extern const char kiln_vectors[];

/* What the no-stack path of vectors.S hands to the tender. */
static const char nested_message[] =
    "Kiln: guest trap while handling a trap (or before the trap stack was "
    "set up); stopping\n";
const struct kiln_hc_puts kiln_nested_trap_puts = {
    .data = (uint64_t)(uintptr_t)nested_message,
    .len = sizeof nested_message - 1,
};
const struct kiln_hc_halt kiln_nested_trap_halt = {
    .exit_status = SOLO5_EXIT_ABORT,
};

void kiln_trap_init(void)
{
    __asm__ __volatile__("msr vbar_el1, %0\n\tisb"
                         :
                         : "r"((uint64_t)(uintptr_t)kiln_vectors)
                         : "memory");
}

void kiln_guest_trap(const struct kiln_a64_trap_frame *f, unsigned entry)
    __attribute__((noreturn));
void kiln_guest_trap(const struct kiln_a64_trap_frame *f, unsigned entry)
{
    uint64_t ec = KILN_A64_ESR_EC(f->esr);
    kiln_puts("Kiln: guest trap: ");
    if (entry % 4 == 0) {
        kiln_puts(kiln_a64_ec_name(ec));
        kiln_puts(" (ESR ");
        kiln_put_hex(f->esr);
        kiln_puts(")");
    } else {
        kiln_puts("unexpected ");
        kiln_puts(kiln_a64_vector_kind(entry));
    }
    kiln_puts(" at pc=");
    kiln_put_hex(f->elr);
    if (entry % 4 == 0 && kiln_a64_ec_has_address(ec)) {
        kiln_puts(" address=");
        kiln_put_hex(f->far);
    }
    kiln_puts(" sp=");
    kiln_put_hex(f->sp);
    kiln_puts(" lr=");
    kiln_put_hex(f->x[30]);
    kiln_puts("\n");
    kiln_halt(SOLO5_EXIT_ABORT, NULL);
}
