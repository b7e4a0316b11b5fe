/* manifest.c: device lookup by name in the tender's copy of the manifest. */
#include "guest.h"

static int names_equal(const char *a, const char *b)
{
    for (size_t i = 0; i < KILN_MFT_NAME_SIZE; i++) {
        if (a[i] != b[i])
            return 0;
        if (a[i] == '\0')
            return 1;
    }
    return 0; /* longer than any manifest name */
}

int64_t kiln_manifest_acquire(const char *name, uint32_t type)
{
    const struct kiln_mft *mft = kiln_guest.mft;
    if (name == NULL)
        return -1;
    for (uint32_t i = 1; i < mft->entries; i++) {
        const struct kiln_mft_entry *e = &mft->e[i];
        if (e->type != type || !e->attached || !names_equal(e->name, name))
            continue;
        if (kiln_guest.acquired & (1ULL << i))
            return -1;
        kiln_guest.acquired |= 1ULL << i;
        return i;
    }
    return -1;
}
