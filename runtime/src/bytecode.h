/*
 * bytecode.h: the file kiln-qjsc writes and an image embeds.
 *
 * A fixed header, then QuickJS's JS_WriteObject serialisation of the compiled
 * bundle. The header lets the runtime refuse a wrong or truncated file with a
 * clear message before QuickJS looks at it. Little-endian, like both targets.
 */
#ifndef KILN_BYTECODE_H
#define KILN_BYTECODE_H

#include <stdint.h>

#define KILN_BYTECODE_MAGIC "KILNQBC\0"
#define KILN_BYTECODE_FORMAT 1  /* bump when the header or engine changes */

enum kiln_bytecode_kind {
    KILN_BYTECODE_MODULE = 1,   /* an ES module (esbuild --format=esm) */
    KILN_BYTECODE_SCRIPT = 2,   /* a script (esbuild --format=iife) */
};

struct kiln_bytecode_header {
    char magic[8];
    uint32_t format;
    uint32_t kind;
    uint64_t length;            /* bytes of QuickJS bytecode that follow */
};

/* Where an image's linked-in bytecode file starts and ends (link-image.sh). */
extern const uint8_t kiln_bytecode_start[];
extern const uint8_t kiln_bytecode_end[];

#endif
