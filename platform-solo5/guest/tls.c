/*
 * tls.c: thread-local storage blocks, x86_64 layout ("variant II"): the
 * .tdata/.tbss image sits just below the thread pointer, and the word at the
 * thread pointer points to itself (musl and GCC read it as %fs:0).
 * The caller passes a block aligned to the TLS segment's alignment.
 */
#include "guest.h"

/* Defined by the linker script. */
extern const char _kiln_tdata_start[], _kiln_tdata_end[];
extern const char _kiln_tbss_start[], _kiln_tbss_end[];
extern const char _kiln_tls_align[]; /* an absolute symbol: its address */

static size_t tls_image_span(void)
{
    size_t align = (size_t)(uintptr_t)_kiln_tls_align;
    size_t memsz = (size_t)(_kiln_tbss_end - _kiln_tdata_start);
    if (align < 8)
        align = 8;
    return (memsz + align - 1) & ~(align - 1);
}

size_t solo5_tls_size(void)
{
    return tls_image_span() + sizeof(uintptr_t);
}

uintptr_t solo5_tls_tp_offset(uintptr_t tls)
{
    return tls + tls_image_span();
}

solo5_result_t solo5_tls_init(uintptr_t tls)
{
    size_t tdata = (size_t)(_kiln_tdata_end - _kiln_tdata_start);
    size_t span = tls_image_span();
    uint8_t *block = (uint8_t *)tls;
    kiln_memcpy(block, _kiln_tdata_start, tdata);
    kiln_memzero(block + tdata, span - tdata);
    uintptr_t tp = solo5_tls_tp_offset(tls);
    *(uintptr_t *)tp = tp;
    return SOLO5_R_OK;
}
