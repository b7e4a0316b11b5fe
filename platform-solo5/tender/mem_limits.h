/*
 * mem_limits.h: the range and default of kiln-hvt's --mem, in MiB. The one
 * source of these numbers: `kiln run` reads this file (cli/tender-limits.ts),
 * so keep each one a plain `#define NAME number` line.
 */
#ifndef KILN_MEM_LIMITS_H
#define KILN_MEM_LIMITS_H

#define KILN_MIN_MEM_MB 2
#define KILN_DEFAULT_MEM_MB 512 /* solo5-hvt's default */
#define KILN_MAX_MEM_MB 4096 /* hypercalls carry 32-bit guest addresses */

#endif
