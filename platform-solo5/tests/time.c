/* time: the monotonic clock moves forward, the wall clock is plausible and
 * keeps pace, and sleeping with solo5_yield never returns early. */
#include "test_lib.h"

#define NSEC_PER_MSEC 1000000ULL
#define SLEEPS 10
#define SLEEP_NS (20 * NSEC_PER_MSEC)

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    test_puts("\n**** Kiln time ****\n\n");
    solo5_time_t wall0 = solo5_clock_wall();
    /* 2020-01-01 .. 2100-01-01 */
    TEST_CHECK(wall0 > 1577836800ULL * 1000000000ULL);
    TEST_CHECK(wall0 < 4102444800ULL * 1000000000ULL);

    solo5_time_t prev = solo5_clock_monotonic();
    for (int i = 0; i < 100000; i++) {
        solo5_time_t now = solo5_clock_monotonic();
        TEST_CHECK(now >= prev);
        prev = now;
    }

    solo5_time_t start = solo5_clock_monotonic();
    uint64_t worst_late = 0;
    for (int i = 0; i < SLEEPS; i++) {
        solo5_time_t deadline = solo5_clock_monotonic() + SLEEP_NS;
        solo5_handle_set_t ready = ~0ULL;
        solo5_yield(deadline, &ready);
        solo5_time_t woke = solo5_clock_monotonic();
        TEST_CHECK(ready == 0); /* no devices: only the timeout can wake us */
        TEST_CHECK(woke >= deadline);
        if (woke - deadline > worst_late)
            worst_late = woke - deadline;
    }
    solo5_time_t mono_elapsed = solo5_clock_monotonic() - start;
    TEST_CHECK(mono_elapsed >= SLEEPS * SLEEP_NS);
    TEST_CHECK(solo5_clock_wall() - wall0 >= SLEEPS * SLEEP_NS);

    /* A deadline in the past returns at once. */
    solo5_yield(0, NULL);

    test_puts("slept ");
    test_put_u64(SLEEPS);
    test_puts(" x 20 ms; latest wake-up ");
    test_put_u64(worst_late / 1000);
    test_puts(" us after the deadline\nSUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
