/* manifest.c: the image's device list, treated as untrusted input. */
#include "manifest.h"
#include "fail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *kiln_mft_type_name(uint32_t type)
{
    switch (type) {
    case KILN_MFT_NET_BASIC:
        return "NET_BASIC";
    case KILN_MFT_BLOCK_BASIC:
        return "BLOCK_BASIC";
    case KILN_MFT_KILN_FORK:
        return "KILN_FORK";
    case KILN_MFT_KILN_PIPE:
        return "KILN_PIPE";
    case KILN_MFT_RESERVED_FIRST:
        return "RESERVED";
    default:
        return NULL;
    }
}

size_t kiln_manifest_size(const struct kiln_mft *m)
{
    return sizeof *m + m->entries * sizeof m->e[0];
}

int kiln_manifest_find(const struct kiln_mft *m, const char *name)
{
    for (uint32_t i = 1; i < m->entries; i++)
        if (strcmp(m->e[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int check_entry(const struct kiln_mft *m, uint32_t i, char *err,
                       size_t errlen)
{
    const struct kiln_mft_entry *e = &m->e[i];
    if (memchr(e->name, '\0', KILN_MFT_NAME_SIZE) == NULL)
        return kiln_fail(err, errlen, "manifest entry %u: name not terminated", i);
    if (e->attached)
        return kiln_fail(err, errlen, "manifest entry %u: marked attached", i);
    if (i == 0) {
        if (e->type != KILN_MFT_RESERVED_FIRST || e->name[0] != '\0')
            return kiln_fail(err, errlen, "manifest entry 0 is not the reserved "
                             "entry");
        return 0;
    }
    const char *type = kiln_mft_type_name(e->type);
    if (type == NULL || e->type == KILN_MFT_RESERVED_FIRST)
        return kiln_fail(err, errlen, "manifest entry '%.67s': unknown device type "
                         "0x%x", e->name, e->type);
    if (e->name[0] == '\0')
        return kiln_fail(err, errlen, "manifest entry %u: empty name", i);
    for (const char *c = e->name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9')))
            return kiln_fail(err, errlen, "manifest entry %u: name holds characters "
                             "other than A-Z a-z 0-9", i);
    for (uint32_t j = 1; j < i; j++)
        if (strcmp(m->e[j].name, e->name) == 0)
            return kiln_fail(err, errlen, "manifest declares '%s' twice", e->name);
    return 0;
}

struct kiln_mft *kiln_manifest_parse(const uint8_t *desc, size_t size,
                                     char *err, size_t errlen)
{
    struct kiln_mft head;
    if (size < KILN_MFT1_DESC_PAD + sizeof head) {
        kiln_fail(err, errlen, "malformed manifest: note too small");
        return NULL;
    }
    memcpy(&head, desc + KILN_MFT1_DESC_PAD, sizeof head);
    if (head.version != KILN_MFT_VERSION) {
        kiln_fail(err, errlen, "malformed manifest: version %u, expected %u",
                  head.version, KILN_MFT_VERSION);
        return NULL;
    }
    if (head.entries < 1 || head.entries > KILN_MFT_MAX_ENTRIES) {
        kiln_fail(err, errlen, "malformed manifest: %u entries (1-%u allowed)",
                  head.entries, KILN_MFT_MAX_ENTRIES);
        return NULL;
    }
    size_t want = sizeof head + head.entries * sizeof(struct kiln_mft_entry);
    if (size - KILN_MFT1_DESC_PAD != want) {
        kiln_fail(err, errlen, "malformed manifest: %zu bytes for %u entries, "
                  "expected %zu", size - KILN_MFT1_DESC_PAD, head.entries, want);
        return NULL;
    }
    struct kiln_mft *m = malloc(want);
    if (m == NULL) {
        kiln_fail(err, errlen, "out of memory");
        return NULL;
    }
    memcpy(m, desc + KILN_MFT1_DESC_PAD, want);
    for (uint32_t i = 0; i < m->entries; i++)
        if (check_entry(m, i, err, errlen) != 0) {
            free(m);
            return NULL;
        }
    return m;
}
