/* image.c: ELF validation and loading. Every offset and size read from the
 * file is checked against the file and guest memory before it is used. */
#include "image.h"
#include "fail.h"

#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "arch.h"
#include "kiln_elf_abi.h"
#include "kiln_hvt_abi.h"
#include "kiln_mft_abi.h"

#define PAGE 0x1000ULL

/* Is [off, off + len) inside a buffer of size total? */
static int in_bounds(uint64_t off, uint64_t len, uint64_t total)
{
    return off <= total && len <= total - off;
}

static int check_header(const Elf64_Ehdr *eh, size_t size, char *err,
                        size_t errlen)
{
    if (size < SELFMAG || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
        return kiln_fail(err, errlen, "not an ELF file");
    if (size < sizeof *eh)
        return kiln_fail(err, errlen, "truncated ELF header");
    if (eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_ident[EI_DATA] != ELFDATA2LSB)
        return kiln_fail(err, errlen, "not a 64-bit little-endian ELF file");
    if (eh->e_machine != KILN_ARCH_ELF_MACHINE)
        return kiln_fail(err, errlen, "wrong architecture (ELF machine %u, this "
                         "tender runs %s images)", eh->e_machine,
                         KILN_ARCH_NAME);
    if (eh->e_type != ET_EXEC)
        return kiln_fail(err, errlen, "not a static executable (ELF type %u)",
                         eh->e_type);
    if (eh->e_version != EV_CURRENT || eh->e_ehsize != sizeof *eh ||
        eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0)
        return kiln_fail(err, errlen, "malformed ELF header");
    if (!in_bounds(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr),
                   size) || eh->e_phoff % 8 != 0)
        return kiln_fail(err, errlen, "program headers lie outside the file");
    return 0;
}

static int add_segment(struct kiln_image *img, const Elf64_Phdr *ph,
                       uint64_t mem_size, char *err, size_t errlen)
{
    if (ph->p_memsz == 0)
        return 0;
    if (img->n_seg == KILN_MAX_SEGMENTS)
        return kiln_fail(err, errlen, "more than %d loadable segments",
                         KILN_MAX_SEGMENTS);
    if (ph->p_filesz > ph->p_memsz)
        return kiln_fail(err, errlen, "segment at 0x%llx: file size exceeds "
                         "memory size", (unsigned long long)ph->p_vaddr);
    if (!in_bounds(ph->p_offset, ph->p_filesz, img->file_size))
        return kiln_fail(err, errlen, "segment at 0x%llx: contents lie outside "
                         "the file", (unsigned long long)ph->p_vaddr);
    if (ph->p_vaddr < KILN_GUEST_MIN_BASE)
        return kiln_fail(err, errlen, "segment at 0x%llx: below the minimum load "
                         "address 0x%lx", (unsigned long long)ph->p_vaddr,
                         KILN_GUEST_MIN_BASE);
    if (!in_bounds(ph->p_vaddr, ph->p_memsz, mem_size))
        return kiln_fail(err, errlen, "segment at 0x%llx (+0x%llx bytes) falls "
                         "outside guest memory (%llu MB)",
                         (unsigned long long)ph->p_vaddr,
                         (unsigned long long)ph->p_memsz,
                         (unsigned long long)(mem_size >> 20));
    if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
        return kiln_fail(err, errlen, "segment at 0x%llx is writable and "
                         "executable", (unsigned long long)ph->p_vaddr);
    uint64_t start = ph->p_vaddr & ~(PAGE - 1);
    if (start < img->end)
        return kiln_fail(err, errlen, "segment at 0x%llx overlaps the one before "
                         "(or is out of order)", (unsigned long long)ph->p_vaddr);
    uint64_t end = (ph->p_vaddr + ph->p_memsz + PAGE - 1) & ~(PAGE - 1);
    if (end > mem_size)
        return kiln_fail(err, errlen, "segment at 0x%llx falls outside guest "
                         "memory", (unsigned long long)ph->p_vaddr);
    img->seg[img->n_seg++] = (struct kiln_segment){
        .vaddr = ph->p_vaddr, .filesz = ph->p_filesz, .memsz = ph->p_memsz,
        .offset = ph->p_offset, .flags = ph->p_flags};
    img->end = end;
    return 0;
}

/* Finds the note of (owner, type) among PT_NOTE segments; returns its
 * descriptor or NULL. owner_size counts the terminating NUL. */
static const uint8_t *find_note(const struct kiln_image *img,
                                const Elf64_Phdr *phs, int n,
                                const char *owner, uint32_t owner_size,
                                uint32_t type, size_t *desc_size)
{
    for (int i = 0; i < n; i++) {
        if (phs[i].p_type != PT_NOTE ||
            !in_bounds(phs[i].p_offset, phs[i].p_filesz, img->file_size))
            continue;
        const uint8_t *p = img->file + phs[i].p_offset;
        uint64_t left = phs[i].p_filesz;
        while (left >= sizeof(struct kiln_note_header)) {
            struct kiln_note_header h;
            memcpy(&h, p, sizeof h);
            uint64_t namesz = (h.namesz + 3ULL) & ~3ULL;
            uint64_t descsz = (h.descsz + 3ULL) & ~3ULL;
            uint64_t total = 12 + namesz + descsz;
            if (total > left)
                break;
            if (h.namesz == owner_size && h.type == type &&
                memcmp(h.name, owner, owner_size) == 0) {
                *desc_size = h.descsz;
                return p + 12 + namesz;
            }
            p += total;
            left -= total;
        }
    }
    return NULL;
}

static int check_abi_note(const uint8_t *desc, size_t size, char *err,
                          size_t errlen)
{
    struct kiln_abi1_desc abi;
    if (desc == NULL)
        return kiln_fail(err, errlen, "no Solo5 ABI note (is this a Solo5 image?)");
    if (size < sizeof abi)
        return kiln_fail(err, errlen, "malformed Solo5 ABI note");
    memcpy(&abi, desc, sizeof abi);
    if (abi.target != KILN_ABI_TARGET_HVT)
        return kiln_fail(err, errlen, "image is for Solo5 target %u, not hvt",
                         abi.target);
    if (abi.version != KILN_HVT_ABI_VERSION)
        return kiln_fail(err, errlen, "image needs hvt ABI version %u, this tender "
                         "speaks version %u", abi.version, KILN_HVT_ABI_VERSION);
    return 0;
}

int kiln_image_parse(const uint8_t *file, size_t file_size, uint64_t mem_size,
                     struct kiln_image *img, char *err, size_t errlen)
{
    memset(img, 0, sizeof *img);
    img->file = file;
    img->file_size = file_size;
    Elf64_Ehdr eh;
    memcpy(&eh, file, file_size < sizeof eh ? file_size : sizeof eh);
    if (check_header(&eh, file_size, err, errlen) != 0)
        return -1;
    const Elf64_Phdr *phs = (const Elf64_Phdr *)(file + eh.e_phoff);
    img->end = KILN_GUEST_MIN_BASE;
    for (int i = 0; i < eh.e_phnum; i++)
        if (phs[i].p_type == PT_LOAD &&
            add_segment(img, &phs[i], mem_size, err, errlen) != 0)
            return -1;
    if (img->n_seg == 0)
        return kiln_fail(err, errlen, "no loadable segments");
    if (eh.e_entry < KILN_GUEST_MIN_BASE || eh.e_entry >= img->end)
        return kiln_fail(err, errlen, "entry point 0x%llx lies outside the image",
                         (unsigned long long)eh.e_entry);
    img->entry = eh.e_entry;

    size_t abi_size = 0;
    const uint8_t *abi =
        find_note(img, phs, eh.e_phnum, KILN_NOTE_NAME, KILN_NOTE_NAME_SIZE,
                  KILN_NOTE_TYPE_ABI1, &abi_size);
    if (check_abi_note(abi, abi_size, err, errlen) != 0)
        return -1;
    img->mft_desc =
        find_note(img, phs, eh.e_phnum, KILN_NOTE_NAME, KILN_NOTE_NAME_SIZE,
                  KILN_NOTE_TYPE_MFT1, &img->mft_desc_size);
    if (img->mft_desc == NULL)
        return kiln_fail(err, errlen, "no Solo5 manifest note");
    size_t features_size = 0;
    const uint8_t *features = find_note(
        img, phs, eh.e_phnum, KILN_OWN_NOTE_NAME, KILN_OWN_NOTE_NAME_SIZE,
        KILN_NOTE_TYPE_FEATURES, &features_size);
    if (features != NULL && features_size >= sizeof(uint32_t))
        memcpy(&img->kiln_flags, features, sizeof(uint32_t));
    return 0;
}

void kiln_image_load(const struct kiln_image *img, uint8_t *guest)
{
    for (int i = 0; i < img->n_seg; i++) {
        const struct kiln_segment *s = &img->seg[i];
        memcpy(guest + s->vaddr, img->file + s->offset, s->filesz);
        memset(guest + s->vaddr + s->filesz, 0, s->memsz - s->filesz);
    }
}
