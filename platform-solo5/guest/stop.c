/* stop.c: the word kiln-hvt writes a stop request into (kiln_stop.h). */
#include "cpu.h"
#include "guest.h"
#include "kiln_stop.h"

/* Written by the tender from its signal handler, read by the guest. */
static volatile uint32_t stop_word;
static uint32_t offered; /* the tender's KILN_FEATURE_STOP_REQUEST, if any */
static int registered;

void kiln_stop_init(uint32_t host_features)
{
    offered = host_features & KILN_FEATURE_STOP_REQUEST;
}

/* The word is registered at the first question, not at boot: an image that
 * never asks (C code unaware of stop requests) is ended at the signal as
 * before, instead of being asked and then ended after the grace period. */
int kiln_stop_signal(void)
{
    if (!registered) {
        registered = 1;
        if (offered) {
            volatile struct kiln_hc_stop_watch a = {.word = (uintptr_t)&stop_word};
            kiln_hypercall(KILN_HC_STOP_WATCH, &a);
        }
    }
    return (int)stop_word;
}
