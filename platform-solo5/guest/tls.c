/*
 * tls.c: thread-local storage blocks in the architecture's layout:
 *   variant II (x86_64): the .tdata/.tbss image sits just below the thread
 *     pointer, and the word at the thread pointer points to itself (musl and
 *     GCC read it as %fs:0);
 *   variant I (aarch64): the thread pointer points at a 16-byte control
 *     block, and the image follows it at the TLS alignment.
 * The caller passes a block aligned to the TLS segment's alignment.
 */
#include "guest.h"
#include "cpu.h"

/* Defined by the linker script. */
extern const char _kiln_tdata_start[], _kiln_tdata_end[];
extern const char _kiln_tbss_start[], _kiln_tbss_end[];
extern const char _kiln_tls_align[]; /* an absolute symbol: its address */

#define TCB_SIZE_VARIANT_I 16

static size_t align_up(size_t n, size_t align)
{
    return (n + align - 1) & ~(align - 1);
}

static size_t tls_align(void)
{
    size_t align = (size_t)(uintptr_t)_kiln_tls_align;
    return align < 8 ? 8 : align;
}

static size_t tls_image_span(void)
{
    return align_up((size_t)(_kiln_tbss_end - _kiln_tdata_start), tls_align());
}

/* Bytes from the start of the block to the TLS image. */
static size_t image_offset(void)
{
    return KILN_TLS_VARIANT == 1 ? align_up(TCB_SIZE_VARIANT_I, tls_align()) : 0;
}

size_t solo5_tls_size(void)
{
    if (KILN_TLS_VARIANT == 1)
        return image_offset() + tls_image_span();
    return tls_image_span() + sizeof(uintptr_t);
}

uintptr_t solo5_tls_tp_offset(uintptr_t tls)
{
    return KILN_TLS_VARIANT == 1 ? tls : tls + tls_image_span();
}

solo5_result_t solo5_tls_init(uintptr_t tls)
{
    size_t tdata = (size_t)(_kiln_tdata_end - _kiln_tdata_start);
    size_t span = tls_image_span();
    uint8_t *image = (uint8_t *)tls + image_offset();
    kiln_memzero((void *)tls, image_offset());
    kiln_memcpy(image, _kiln_tdata_start, tdata);
    kiln_memzero(image + tdata, span - tdata);
    uintptr_t tp = solo5_tls_tp_offset(tls);
    *(uintptr_t *)tp = tp;
    return SOLO5_R_OK;
}

uintptr_t kiln_tls_boot(uintptr_t heap_end)
{
    uintptr_t block = (heap_end - solo5_tls_size()) & ~(tls_align() - 1);
    solo5_tls_init(block);
    solo5_set_tls_base(solo5_tls_tp_offset(block));
    return block;
}
