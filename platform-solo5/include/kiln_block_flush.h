/*
 * kiln_block_flush.h: a durability barrier for block devices (beyond the
 * Solo5 API, which has none). Under kiln-hvt it is the KILN_HC_BLOCK_FLUSH
 * hypercall, served with fdatasync of the backing file; on the hosted
 * platform, fdatasync itself. Upstream tenders write each request through
 * to the backing file but never sync it: there a flush returns KILN_R_NOSYS
 * and writes survive the unikernel's end, not a host crash.
 */
#ifndef KILN_BLOCK_FLUSH_H
#define KILN_BLOCK_FLUSH_H

#include "kiln_hvt_abi.h"
#include "solo5.h"

/* 1 when kiln_block_flush makes writes durable on this tender, else 0. */
int kiln_block_flush_offered(void);

/* Returns once every completed write to (handle) is durable: SOLO5_R_OK;
 * KILN_R_NOSYS when the tender cannot (see above); SOLO5_R_EINVAL for a
 * handle that is not an acquired block device; KILN_R_UNAVAILABLE for a
 * device refused to a forked child; SOLO5_R_EUNSPEC when the host failed. */
int kiln_block_flush(solo5_handle_t handle);

#endif
