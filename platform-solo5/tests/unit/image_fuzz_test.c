/* image_fuzz_test: a real image with random bytes changed, many times over:
 * validation and manifest parsing must refuse or accept, never read outside
 * the file or crash (this test runs under AddressSanitizer and UBSan). The
 * seed image is build/ARCH/tests/blk.hvt, found next to this program. */
#include <elf.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "manifest.h"
#include "unit.h"

#define ROUNDS 20000
#define MEM (64ULL << 20)

static uint64_t rng = 0x9e3779b97f4a7c15ULL; /* fixed: runs are repeatable */

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint8_t *read_seed(size_t *size)
{
    char self[PATH_MAX], path[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n < 0)
        return NULL;
    self[n] = '\0';
    snprintf(path, sizeof path, "%s/../tests/blk.hvt", dirname(self));
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        return NULL;
    uint8_t *buf = malloc((size_t)st.st_size);
    *size = (size_t)read(fd, buf, (size_t)st.st_size);
    close(fd);
    return buf;
}

int main(void)
{
    size_t size = 0;
    uint8_t *seed = read_seed(&size);
    CHECK(seed != NULL && size > 4096);
    if (seed == NULL)
        UNIT_DONE();
    char err[256];
    struct kiln_image img;
    CHECK(kiln_image_parse(seed, size, MEM, &img, err, sizeof err) == 0);

    /* Regions to aim at: ELF and program headers, each note, the file. */
    struct region {
        size_t offset, size;
    } regions[16];
    int n_regions = 0;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)seed;
    regions[n_regions++] = (struct region){
        0, eh->e_phoff + eh->e_phnum * sizeof(Elf64_Phdr)};
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(seed + eh->e_phoff);
    for (int i = 0; i < eh->e_phnum && n_regions < 15; i++)
        if (ph[i].p_type == PT_NOTE && ph[i].p_filesz > 0)
            regions[n_regions++] =
                (struct region){ph[i].p_offset, ph[i].p_filesz};
    regions[n_regions++] = (struct region){0, size};

    int accepted = 0;
    for (int round = 0; round < ROUNDS; round++) {
        /* An exact-size heap copy, so any read past the end is caught. */
        size_t len = round % 10 == 0 ? next() % size : size;
        uint8_t *file = malloc(len ? len : 1);
        memcpy(file, seed, len);
        /* Aim at what validation reads: headers, notes; some anywhere. */
        int edits = 1 + (int)(next() % 8);
        for (int e = 0; e < edits && len > 0; e++) {
            const struct region *r = &regions[next() % n_regions];
            size_t at = r->offset + next() % r->size;
            if (at < len)
                file[at] = (uint8_t)next();
        }
        if (kiln_image_parse(file, len, MEM, &img, err, sizeof err) == 0) {
            accepted++;
            struct kiln_mft *m = kiln_manifest_parse(
                img.mft_desc, img.mft_desc_size, err, sizeof err);
            free(m);
        } else {
            CHECK(err[0] != '\0');
        }
        free(file);
    }
    printf("image_fuzz_test: %d of %d mutated images accepted\n", accepted,
           ROUNDS);
    free(seed);
    UNIT_DONE();
}
