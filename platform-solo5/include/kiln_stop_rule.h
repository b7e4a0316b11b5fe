/*
 * kiln_stop_rule.h: what SIGTERM and SIGINT do, the one rule kiln-hvt keeps
 * for the unikernel it runs (tender/stop.c) and the hosted platform for its
 * own process (runtime/hosted/stop.c): the first is a stop request the app
 * is told of (kiln_stop.h); a second signal, or KILN_STOP_GRACE_S seconds
 * without the app ending, ends it with status KILN_STOP_EXIT_STATUS(signal).
 * An app that never asked for requests is ended at the first signal.
 */
#ifndef KILN_STOP_RULE_H
#define KILN_STOP_RULE_H

#define KILN_STOP_GRACE_S 10
#define KILN_STOP_EXIT_STATUS(sig) (128 + (sig))

/* The grace period as text, for messages written from signal handlers
 * (no printf there). */
#define KILN_STOP_TEXT_(n) #n
#define KILN_STOP_TEXT(n) KILN_STOP_TEXT_(n)
#define KILN_STOP_GRACE_TEXT KILN_STOP_TEXT(KILN_STOP_GRACE_S) " s"

#endif
