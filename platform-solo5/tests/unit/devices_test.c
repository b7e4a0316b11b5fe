/* devices_test: manifest and command line must agree, both ways; block
 * backing files must hold whole sectors; the block flush hypercall checks
 * its handle. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "args.h"
#include "devices.h"
#include "hypercall.h"
#include "solo5.h"
#include "unit.h"

#define ARGS 0x100000 /* KILN_GUEST_MIN_BASE: guest-writable memory starts there */

/* KILN_HC_BLOCK_FLUSH of (handle) from an argument block at (gpa). */
static int32_t flush_call(struct kiln_guest_mem *mem, uint64_t gpa,
                          uint64_t handle, enum kiln_hc_outcome *outcome)
{
    int status = 0;
    struct kiln_hc_block_flush *a = (void *)(mem->base + ARGS);
    *a = (struct kiln_hc_block_flush){.handle = handle, .ret = -1};
    *outcome = kiln_hc_dispatch(mem, KILN_HC_BLOCK_FLUSH, gpa, &status);
    return a->ret;
}

static struct {
    uint32_t version, entries;
    struct kiln_mft_entry e[3];
} mft_storage;

static struct kiln_mft *manifest(uint32_t second_type)
{
    memset(&mft_storage, 0, sizeof mft_storage);
    mft_storage.version = KILN_MFT_VERSION;
    mft_storage.entries = 3;
    mft_storage.e[0].type = KILN_MFT_RESERVED_FIRST;
    strcpy(mft_storage.e[1].name, "service");
    mft_storage.e[1].type = KILN_MFT_NET_BASIC;
    strcpy(mft_storage.e[2].name, "storage");
    mft_storage.e[2].type = second_type;
    return (struct kiln_mft *)&mft_storage;
}

#define ARGV(...) ((char *[]){"kiln-hvt", __VA_ARGS__, NULL})

static int options(struct kiln_options *o, char **argv)
{
    int argc = 0;
    char err[256];
    while (argv[argc])
        argc++;
    return kiln_parse_args(argc, argv, o, err, sizeof err);
}

/* A command line against a manifest of "service" (a network device) and
 * "storage" (of storage_type): NULL where the two agree, else a fragment of
 * the reason they do not. */
static const struct {
    char **argv;
    uint32_t storage_type;
    const char *refusal;
} pairings[] = {
    {ARGV("--net:service=t", "--block:storage=f", "a"), KILN_MFT_BLOCK_BASIC,
     NULL},
    {ARGV("--net:service=t", "a"), KILN_MFT_BLOCK_BASIC,
     "--block:storage=PATH"},
    {ARGV("--net:service=t", "--block:storage=f", "--block:extra=g", "a"),
     KILN_MFT_BLOCK_BASIC, "declares no device 'extra'"},
    {ARGV("--block:service=t", "--block:storage=f", "a"), KILN_MFT_BLOCK_BASIC,
     "NET_BASIC device"},
    /* Kiln's pipe and fork devices need no option, and take none. */
    {ARGV("--net:service=t", "a"), KILN_MFT_KILN_PIPE, NULL},
    {ARGV("--net:service=t", "--block:storage=f", "a"), KILN_MFT_KILN_FORK,
     "'storage' is a KILN_FORK device"},
    /* Children's options need an image that forks. */
    {ARGV("--net:service=t", "--fork-net:service=u", "a"), KILN_MFT_KILN_PIPE,
     "--fork-net:service given, but the image declares no KILN_FORK device"},
    {ARGV("--net:service=t", "--fork-net:service=u", "a"), KILN_MFT_KILN_FORK,
     NULL},
    {ARGV("--net:service=t", "--block:storage=f", "--fork-block:storage=refuse",
          "a"),
     KILN_MFT_BLOCK_BASIC, "--fork-block:storage given"},
};

int main(void)
{
    struct kiln_options o;
    char err[256];

    for (size_t i = 0; i < sizeof pairings / sizeof pairings[0]; i++) {
        CHECK(options(&o, pairings[i].argv) == 0);
        int rc = kiln_devices_match(&o, manifest(pairings[i].storage_type),
                                    err, sizeof err);
        int want = pairings[i].refusal == NULL ? 0 : -1;
        if (rc != want) {
            fprintf(stderr, "%s: pairing %zu: %d, not %d\n", __FILE__, i, rc,
                    want);
            unit_failures++;
        } else if (want == -1) {
            CHECK_ERR(err, pairings[i].refusal);
        }
    }

    /* Block backing: capacity, sector size, refusals. */
    char path[] = "/tmp/kiln-devices-test-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0 && ftruncate(fd, 8192) == 0);
    close(fd);
    struct kiln_mft *m = manifest(KILN_MFT_BLOCK_BASIC);
    struct kiln_block_opt d = {.name = "storage", .path = path};
    CHECK(kiln_block_attach(m, 2, &d, err, sizeof err) == 0);
    CHECK(m->e[2].u.block_basic.capacity == 8192);
    CHECK(m->e[2].u.block_basic.block_size == 512);
    CHECK(kiln_block_host_features() == KILN_FEATURE_BLOCK_FLUSH);
    m->e[2].attached = 1;
    struct kiln_guest_mem mem = {.size = 2 << 20};
    mem.base = calloc(1, mem.size);
    enum kiln_hc_outcome outcome;
    CHECK(flush_call(&mem, ARGS, 2, &outcome) == SOLO5_R_OK && outcome == KILN_HC_CONTINUE);
    CHECK(flush_call(&mem, ARGS, 1, &outcome) == SOLO5_R_EINVAL); /* a net device */
    CHECK(flush_call(&mem, ARGS, 0, &outcome) == SOLO5_R_EINVAL);
    CHECK(flush_call(&mem, ARGS, 1ULL << 40, &outcome) == SOLO5_R_EINVAL);
    /* The block straddles the end: the guest is stopped, with a line on
     * stderr that is captured and checked rather than printed. */
    FILE *captured = tmpfile();
    int real_stderr = dup(STDERR_FILENO);
    fflush(stderr);
    dup2(fileno(captured), STDERR_FILENO);
    flush_call(&mem, mem.size - 4, 2, &outcome);
    fflush(stderr);
    dup2(real_stderr, STDERR_FILENO);
    close(real_stderr);
    char said[256] = {0};
    rewind(captured);
    size_t got = fread(said, 1, sizeof said - 1, captured);
    fclose(captured);
    CHECK(outcome == KILN_HC_EXIT);
    CHECK(got > 0 && strstr(said, "hypercall 74") != NULL && strstr(said, "stopping the guest") != NULL);
    free(mem.base);
    d.sector_size = 16384;
    CHECK(kiln_block_attach(m, 2, &d, err, sizeof err) == -1);
    CHECK_ERR(err, "multiple of the sector size");
    fd = open(path, O_WRONLY);
    CHECK(ftruncate(fd, 1000) == 0);
    close(fd);
    d.sector_size = 0;
    CHECK(kiln_block_attach(m, 2, &d, err, sizeof err) == -1);
    unlink(path);
    CHECK(kiln_block_attach(m, 2, &d, err, sizeof err) == -1);
    CHECK_ERR(err, "No such file");
    d.path = "/dev";
    CHECK(kiln_block_attach(m, 2, &d, err, sizeof err) == -1);

    /* A tap that does not exist is refused without being created. */
    struct kiln_net_opt n = {.name = "service", .tap = "kilnnosuchtap0"};
    CHECK(kiln_net_attach(m, 1, &n, err, sizeof err) == -1);
    CHECK_ERR(err, "does not exist");
    UNIT_DONE();
}
