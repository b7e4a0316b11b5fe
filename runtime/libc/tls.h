/* tls.h: the thread block musl expects behind the thread pointer. */
#ifndef KILN_TLS_H
#define KILN_TLS_H

/* Installs the block as the thread pointer; call before any libc function.
 * Returns 0, or -1 when the platform refused the thread pointer. */
int kiln_tls_init(void);

#endif
