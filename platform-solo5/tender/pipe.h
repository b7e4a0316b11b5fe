/*
 * pipe.h: the KILN_PIPE device: host pipes held by the tender, so a forked
 * tender inherits every end and POSIX semantics hold across unikernels.
 */
#ifndef KILN_PIPE_H
#define KILN_PIPE_H

/* At most this many pipe ends are open per tender. */
#define KILN_PIPE_MAX_ENDS 256

/* Registers the calls for the manifest's pipe device (index). */
void kiln_pipe_attach(unsigned index);

#endif
