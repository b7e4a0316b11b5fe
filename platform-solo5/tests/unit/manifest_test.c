/* manifest_test: the image's manifest is untrusted input. */
#include <stddef.h>
#include <stdlib.h>

#include "kiln_mft_abi.h"
#include "manifest.h"
#include "unit.h"

#define N 4

static struct {
    uint32_t pad;
    uint32_t version, entries;
    struct kiln_mft_entry e[N];
} __attribute__((packed)) desc;

static void build(void)
{
    memset(&desc, 0, sizeof desc);
    desc.version = KILN_MFT_VERSION;
    desc.entries = N;
    desc.e[0].type = KILN_MFT_RESERVED_FIRST;
    strcpy(desc.e[1].name, "service");
    desc.e[1].type = KILN_MFT_NET_BASIC;
    strcpy(desc.e[2].name, "storage");
    desc.e[2].type = KILN_MFT_BLOCK_BASIC;
    strcpy(desc.e[3].name, "fork");
    desc.e[3].type = KILN_MFT_KILN_FORK;
}

static char err[256];

static void expect_refusal(size_t size, const char *fragment)
{
    struct kiln_mft *m =
        kiln_manifest_parse((const uint8_t *)&desc, size, err, sizeof err);
    CHECK(m == NULL);
    if (m == NULL)
        CHECK_ERR(err, fragment);
    free(m);
    build();
}

int main(void)
{
    _Static_assert(offsetof(struct kiln_mft_entry, type) == 68, "type");
    _Static_assert(offsetof(struct kiln_mft_entry, u) == 72, "u");
    _Static_assert(offsetof(struct kiln_mft_entry, backing) == 88, "b");
    _Static_assert(offsetof(struct kiln_mft_entry, attached) == 96, "att");
    build();
    struct kiln_mft *m = kiln_manifest_parse((const uint8_t *)&desc,
                                             sizeof desc, err, sizeof err);
    CHECK(m != NULL);
    if (m) {
        CHECK(m->entries == N);
        CHECK(kiln_manifest_find(m, "storage") == 2);
        CHECK(kiln_manifest_find(m, "") == -1);
        CHECK(kiln_manifest_find(m, "nothing") == -1);
        CHECK(kiln_manifest_size(m) == 8 + N * 104);
        free(m);
    }
    CHECK(strcmp(kiln_mft_type_name(KILN_MFT_KILN_PIPE), "KILN_PIPE") == 0);
    CHECK(kiln_mft_type_name(77) == NULL);

    expect_refusal(7, "too small");
    expect_refusal(sizeof desc - 1, "expected");
    desc.version = 2;
    expect_refusal(sizeof desc, "version 2");
    desc.entries = 0;
    expect_refusal(sizeof desc, "0 entries");
    desc.entries = 65;
    expect_refusal(sizeof desc, "65 entries");
    desc.entries = N - 1;
    expect_refusal(sizeof desc, "expected");
    desc.e[0].type = KILN_MFT_NET_BASIC;
    expect_refusal(sizeof desc, "reserved entry");
    desc.e[0].name[0] = 'x';
    expect_refusal(sizeof desc, "reserved entry");
    memset(desc.e[1].name, 'a', KILN_MFT_NAME_SIZE);
    expect_refusal(sizeof desc, "not terminated");
    desc.e[2].attached = 1;
    expect_refusal(sizeof desc, "marked attached");
    desc.e[2].type = 3;
    expect_refusal(sizeof desc, "unknown device type 0x3");
    desc.e[2].type = KILN_MFT_RESERVED_FIRST + 77;
    expect_refusal(sizeof desc, "unknown device type");
    desc.e[2].type = KILN_MFT_RESERVED_FIRST;
    expect_refusal(sizeof desc, "unknown device type");
    strcpy(desc.e[2].name, "service");
    expect_refusal(sizeof desc, "twice");
    desc.e[2].name[0] = '\0';
    expect_refusal(sizeof desc, "empty name");
    strcpy(desc.e[2].name, "st.rage");
    expect_refusal(sizeof desc, "A-Z a-z 0-9");
    UNIT_DONE();
}
