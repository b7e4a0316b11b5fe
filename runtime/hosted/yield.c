/*
 * yield.c: solo5_yield on the hosted platform: ppoll on the tap interfaces
 * until the deadline, or until a stop request (stop.c).
 */
#include <poll.h>
#include <stdint.h>
#include <time.h>

#include "hosted.h"
#include "sys.h"

void solo5_yield(solo5_time_t deadline, solo5_handle_set_t *ready_set)
{
    struct pollfd fds[KILN_MFT_MAX_ENTRIES];
    solo5_handle_t handle_of[KILN_MFT_MAX_ENTRIES];
    int n = 0;
    for (unsigned i = 1; i < hosted_device_count; i++) {
        if (hosted_devices[i].type != KILN_MFT_NET_BASIC || !hosted_devices[i].acquired)
            continue;
        fds[n].fd = hosted_devices[i].fd;
        fds[n].events = POLLIN;
        fds[n].revents = 0;
        handle_of[n++] = i;
    }
    deadline = hosted_stop_deadline(deadline);
    solo5_time_t now = solo5_clock_monotonic();
    solo5_time_t wait = deadline > now ? deadline - now : 0;
    struct timespec ts = {.tv_sec = (time_t)(wait / 1000000000u), .tv_nsec = (long)(wait % 1000000000u)};
    /* The stop signals are blocked everywhere else: a request either came
     * before (and the runtime sees it after this turn) or ends the wait. */
    static const uint64_t nothing_blocked = 0;
    long r = sys_call6(SYS_ppoll, (long)fds, n, (long)&ts, (long)&nothing_blocked, sizeof nothing_blocked, 0);
    solo5_handle_set_t ready = 0;
    for (int i = 0; r > 0 && i < n; i++)
        if (fds[i].revents & POLLIN)
            ready |= (solo5_handle_set_t)1 << handle_of[i];
    if (ready_set)
        *ready_set = ready;
}
