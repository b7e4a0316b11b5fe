/* abi_note.c: the notes every image carries through the bindings: Solo5's
 * ABI1 note (hvt, ABI version 2) and Kiln's features note (these bindings
 * run at CPL3, so kiln-hvt starts the image there, and keep the heap out of
 * the stack area, so kiln-hvt puts a guard page under the stack). */
#include "kiln_elf_abi.h"
#include "kiln_hvt_abi.h"

__attribute__((section(".note.solo5.abi"), aligned(4), used))
const struct kiln_abi1_note kiln_abi1_note = {
    .h = {.namesz = KILN_NOTE_NAME_SIZE,
          .descsz = sizeof(struct kiln_abi1_desc),
          .type = KILN_NOTE_TYPE_ABI1,
          .name = KILN_NOTE_NAME},
    .d = {.target = KILN_ABI_TARGET_HVT, .version = KILN_HVT_ABI_VERSION},
};

__attribute__((section(".note.kiln.features"), aligned(4), used))
const struct kiln_features_note kiln_features_note = {
    .h = {.namesz = KILN_OWN_NOTE_NAME_SIZE,
          .descsz = sizeof(uint32_t),
          .type = KILN_NOTE_TYPE_FEATURES,
          .name = KILN_OWN_NOTE_NAME},
    .flags = KILN_IMAGE_RUNS_AT_CPL3 | KILN_IMAGE_STACK_GUARD,
};
