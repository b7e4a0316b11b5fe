/* console.c: console output through the PUTS hypercall. */
#include "guest.h"
#include "cpu.h"

void solo5_console_write(const char *buf, size_t size)
{
    volatile struct kiln_hc_puts p = {
        .data = (uint64_t)(uintptr_t)buf,
        .len = size,
    };
    kiln_hypercall(KILN_HC_PUTS, &p);
}

void kiln_puts(const char *s)
{
    solo5_console_write(s, kiln_strlen(s));
}

void kiln_put_hex(uint64_t v)
{
    char out[18] = "0x";
    for (int i = 0; i < 16; i++) {
        unsigned nibble = (v >> (60 - 4 * i)) & 0xf;
        out[2 + i] = (char)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
    }
    solo5_console_write(out, sizeof out);
}
