/*
 * pipe.h: the KILN_PIPE device: a ring per pipe in memory shared by every
 * unikernel of a fork family (kiln_pipe_ring.h), and two host pipes per
 * Kiln pipe held by the tenders as doorbells and for liveness, so POSIX
 * semantics hold across unikernels.
 */
#ifndef KILN_PIPE_H
#define KILN_PIPE_H

#include <stddef.h>
#include <stdint.h>

#include "guest_mem.h"
#include "kiln_pipe_ring.h"

/* Registers the calls for the manifest's pipe device (index). */
void kiln_pipe_attach(unsigned index);

/* The rings a guest of (mem_size) bytes gets: an eighth of its memory,
 * between 1 and KILN_PIPE_RINGS. */
unsigned kiln_pipe_rings_for(uint64_t mem_size);

/* Once guest memory exists: when a pipe device is attached, maps the pipe
 * area shared over the top of (mem). Returns the memory the guest may use
 * below it (all of mem->size without a pipe device), or 0 with a one-line
 * reason. */
uint64_t kiln_pipe_map_area(const struct kiln_guest_mem *mem, char *err,
                            size_t errlen);

/* Around a fork of the tender: before it, every open end gains a holder
 * (the child); if no child came to run, call kiln_pipe_fork_abandoned. */
void kiln_pipe_fork_begin(void);
void kiln_pipe_fork_abandoned(void);

/* A tender that ends without exit() (a forked one that could not start)
 * gives up its ends, as exit() does for the others; a second call does
 * nothing. */
void kiln_pipe_give_up(void);

#endif
