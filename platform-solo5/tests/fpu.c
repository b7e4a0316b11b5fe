/* fpu: SIMD and floating-point arithmetic works (x86_64: SSE, compiled with
 * -msse2; kiln-hvt runs the image at CPL3, where this machine executes FPU
 * code natively. aarch64: the FP/SIMD registers the tender enables). */
#include "test_lib.h"

typedef double v2df __attribute__((vector_size(16)));

static volatile double seeds[4] = {1.5, 2.25, -3.0, 0.5};

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    test_puts("\n**** Kiln fpu ****\n\n");
    v2df a = {seeds[0], seeds[1]}, b = {seeds[2], seeds[3]};
    v2df c = a * b + a;
    TEST_CHECK(c[0] == 1.5 * -3.0 + 1.5 && c[1] == 2.25 * 0.5 + 2.25);

    double sum = 0;
    for (int i = 1; i <= 1000; i++)
        sum += 1.0 / ((double)i * i);
    /* pi^2/6 = 1.6449..., partial sum to 1000 = 1.64393... */
    TEST_CHECK(sum > 1.6439 && sum < 1.6440);

    double r;
#if defined(__x86_64__)
    __asm__("sqrtsd %1, %0" : "=x"(r) : "x"(seeds[1]));
#else
    __asm__("fsqrt %d0, %d1" : "=w"(r) : "w"(seeds[1]));
#endif
    TEST_CHECK(r == 1.5);
    test_puts("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
