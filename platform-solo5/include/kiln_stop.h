/*
 * kiln_stop.h: stop requests for guests (beyond the Solo5 API). Under
 * kiln-hvt, SIGTERM or SIGINT to the tender reaches the guest as a stop
 * request instead of ending it (KILN_FEATURE_STOP_REQUEST in
 * kiln_hvt_abi.h): the guest is woken from solo5_yield and should wind down
 * and exit; a second signal, or the tender's grace period, ends it anyway.
 * Other tenders end the guest at the signal, as before.
 */
#ifndef KILN_STOP_H_GUEST
#define KILN_STOP_H_GUEST

/* The signal of the stop request (15 for SIGTERM, 2 for SIGINT), or 0
 * while none came. The first call tells kiln-hvt that this guest wants
 * requests (one hypercall); later calls are a plain memory read. Until
 * then, and under other tenders, a signal ends the guest at once. */
int kiln_stop_signal(void);

#endif
