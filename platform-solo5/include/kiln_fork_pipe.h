/*
 * kiln_fork_pipe.h: Kiln's fork and pipe calls for guests (beyond the Solo5
 * API). An image gets them by declaring the KILN_FORK and KILN_PIPE devices
 * in its manifest (kiln-mft fork:KILN_FORK pipe:KILN_PIPE); kiln-hvt
 * provides both with no command-line flag. Results are solo5_result_t
 * values or KILN_R_* (kiln_hvt_abi.h).
 */
#ifndef KILN_FORK_PIPE_H
#define KILN_FORK_PIPE_H

#include <stddef.h>
#include <stdint.h>

#include "kiln_hvt_abi.h"
#include "solo5.h"

/* Copies the running unikernel. *child is the child's id in the parent and
 * 0 in the child. KILN_R_LIMIT when too many children are alive,
 * SOLO5_R_EINVAL when the image declares no fork device. */
int kiln_fork(uint64_t *child);

/* In a forked child, for network device (handle) (acquired): 1 + the
 * position in kiln-hvt's --fork-net pool of the tap the child holds, so a
 * child can take a static address of its own from a range; 0 when it
 * holds none, outside a forked child, and under other tenders. */
unsigned kiln_net_pool_tap(solo5_handle_t handle);

/* The exit status of (child) once it has ended (the id is then spent);
 * SOLO5_R_AGAIN while it runs: wait in solo5_yield for
 * kiln_fork_ready_set(). SOLO5_R_EINVAL for an id that is not ours. */
int kiln_wait(uint64_t child, int *status);

/* A new pipe. Ends are inherited by children forked later. KILN_R_LIMIT
 * when this family of forked unikernels has a pipe in use in every ring
 * of its pipe area (a pipe is in use until every copy of both its ends is
 * closed), or KILN_PIPE_MAX_ENDS ends are open here (kiln_pipe_ring.h). */
int kiln_pipe(uint64_t *read_end, uint64_t *write_end);

/* Moves up to (size) bytes; *done says how many. A read of 0 bytes is
 * end-of-file (no write end open anywhere). SOLO5_R_AGAIN when the pipe is
 * empty (read) or full (write): wait in solo5_yield for
 * kiln_pipe_ready_set(), then retry. A write of at most KILN_PIPE_BUF
 * bytes is never split; a longer one may move part. A write fails with
 * KILN_R_EPIPE once no read end is open anywhere. Under kiln-hvt these
 * move bytes through the pipe's shared ring with no exit while this
 * unikernel alone holds the end and the ring allows. */
int kiln_pipe_read(uint64_t end, void *buf, size_t size, size_t *done);
int kiln_pipe_write(uint64_t end, const void *buf, size_t size, size_t *done);

int kiln_pipe_close(uint64_t end);

/* The handle bit solo5_yield reports when a child may have ended or a pipe
 * end may be ready; 0 when the image declares no such device. */
solo5_handle_set_t kiln_fork_ready_set(void);
solo5_handle_set_t kiln_pipe_ready_set(void);

#endif
