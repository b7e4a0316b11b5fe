/* image_test: ELF validation of hvt images, on images built in memory and
 * then broken one way at a time. */
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>

#include "image.h"
#include "kiln_elf_abi.h"
#include "kiln_hvt_abi.h"
#include "kiln_mft_abi.h"
#include "manifest.h"
#include "unit.h"

#define MEM (64ULL << 20)
#define FILE_SIZE 0x4000

/* Layout of the synthetic image file. */
#define PH_OFF 64
#define N_PH 4
#define ABI_OFF 0x400
#define MFT_OFF 0x440
#define TEXT_OFF 0x1000
#define DATA_OFF 0x2000

struct mft1_with_one_device {
    struct kiln_note_header h;
    struct {
        uint32_t version, entries;
        struct kiln_mft_entry e[2];
    } m;
};

static uint8_t file[FILE_SIZE] __attribute__((aligned(8)));

static Elf64_Ehdr *ehdr(void) { return (Elf64_Ehdr *)file; }
static Elf64_Phdr *phdr(int i) { return (Elf64_Phdr *)(file + PH_OFF) + i; }
static struct kiln_abi1_note *abi(void)
{
    return (struct kiln_abi1_note *)(file + ABI_OFF);
}
static struct mft1_with_one_device *mft(void)
{
    return (struct mft1_with_one_device *)(file + MFT_OFF);
}

static void build(void)
{
    memset(file, 0, sizeof file);
    Elf64_Ehdr *e = ehdr();
    memcpy(e->e_ident, ELFMAG, SELFMAG);
    e->e_ident[EI_CLASS] = ELFCLASS64;
    e->e_ident[EI_DATA] = ELFDATA2LSB;
    e->e_ident[EI_VERSION] = EV_CURRENT;
    e->e_type = ET_EXEC;
    e->e_machine = EM_X86_64;
    e->e_version = EV_CURRENT;
    e->e_entry = 0x100010;
    e->e_phoff = PH_OFF;
    e->e_ehsize = sizeof *e;
    e->e_phentsize = sizeof(Elf64_Phdr);
    e->e_phnum = N_PH;
    *phdr(0) = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_X,
                            .p_offset = TEXT_OFF, .p_vaddr = 0x100000,
                            .p_filesz = 0x100, .p_memsz = 0x100,
                            .p_align = 0x1000};
    *phdr(1) = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_W,
                            .p_offset = DATA_OFF, .p_vaddr = 0x101000,
                            .p_filesz = 0x10, .p_memsz = 0x3000,
                            .p_align = 0x1000};
    *phdr(2) = (Elf64_Phdr){.p_type = PT_NOTE, .p_offset = ABI_OFF,
                            .p_filesz = sizeof(struct kiln_abi1_note)};
    *phdr(3) = (Elf64_Phdr){.p_type = PT_NOTE, .p_offset = MFT_OFF,
                            .p_filesz = sizeof(struct mft1_with_one_device)};
    *abi() = (struct kiln_abi1_note){
        .h = {KILN_NOTE_NAME_SIZE, sizeof(struct kiln_abi1_desc),
              KILN_NOTE_TYPE_ABI1, KILN_NOTE_NAME},
        .d = {KILN_ABI_TARGET_HVT, KILN_HVT_ABI_VERSION, {0, 0}}};
    struct mft1_with_one_device *m = mft();
    m->h = (struct kiln_note_header){
        KILN_NOTE_NAME_SIZE,
        sizeof(struct mft1_with_one_device) - sizeof(struct kiln_note_header),
        KILN_NOTE_TYPE_MFT1, KILN_NOTE_NAME};
    m->m.version = KILN_MFT_VERSION;
    m->m.entries = 2;
    m->m.e[0].type = KILN_MFT_RESERVED_FIRST;
    strcpy(m->m.e[1].name, "service");
    m->m.e[1].type = KILN_MFT_NET_BASIC;
    memset(file + TEXT_OFF, 0x90, 0x100);
    memset(file + DATA_OFF, 0xab, 0x10);
}

static char err[256];

static int parse(struct kiln_image *img)
{
    err[0] = '\0';
    return kiln_image_parse(file, sizeof file, MEM, img, err, sizeof err);
}

static void expect_refusal(const char *fragment)
{
    struct kiln_image img;
    CHECK(parse(&img) == -1);
    CHECK_ERR(err, fragment);
    build();
}

int main(void)
{
    struct kiln_image img;
    build();
    CHECK(parse(&img) == 0);
    CHECK(img.entry == 0x100010);
    CHECK(img.n_seg == 2);
    CHECK(img.end == 0x104000);
    CHECK(img.mft_desc != NULL);
    CHECK(img.kiln_flags == 0);

    /* Loading copies file bytes and zeroes .bss, even over old contents. */
    uint8_t *guest = malloc(0x200000);
    memset(guest, 0xee, 0x200000);
    kiln_image_load(&img, guest);
    CHECK(guest[0x100000] == 0x90 && guest[0x1000ff] == 0x90);
    CHECK(guest[0x101000] == 0xab && guest[0x10100f] == 0xab);
    CHECK(guest[0x101010] == 0 && guest[0x103fff] == 0);
    CHECK(guest[0x104000] == 0xee);
    free(guest);

    /* The manifest note parses into the manifest. */
    struct kiln_mft *m =
        kiln_manifest_parse(img.mft_desc, img.mft_desc_size, err, sizeof err);
    CHECK(m != NULL && m->entries == 2 && kiln_manifest_find(m, "service") == 1);
    free(m);

    CHECK(kiln_image_parse(file, 3, MEM, &img, err, sizeof err) == -1);
    CHECK_ERR(err, "not an ELF file");
    CHECK(kiln_image_parse(file, 40, MEM, &img, err, sizeof err) == -1);
    CHECK_ERR(err, "truncated");

    ehdr()->e_ident[0] = 0x7e;
    expect_refusal("not an ELF file");
    ehdr()->e_machine = EM_AARCH64;
    expect_refusal("wrong architecture");
    ehdr()->e_ident[EI_CLASS] = ELFCLASS32;
    expect_refusal("64-bit");
    ehdr()->e_type = ET_DYN;
    expect_refusal("not a static executable");
    ehdr()->e_phoff = FILE_SIZE - 8;
    expect_refusal("program headers lie outside the file");
    ehdr()->e_phnum = 0;
    expect_refusal("malformed ELF header");
    ehdr()->e_entry = 0x200000;
    expect_refusal("entry point");

    phdr(0)->p_vaddr = 0x1000;
    expect_refusal("below the minimum load address");
    phdr(1)->p_vaddr = 0x100800;
    expect_refusal("overlaps");
    phdr(1)->p_memsz = MEM;
    expect_refusal("outside guest memory");
    phdr(1)->p_vaddr = 0xfffffffffffff000ULL;
    expect_refusal("outside guest memory");
    phdr(1)->p_offset = FILE_SIZE - 4;
    expect_refusal("outside the file");
    phdr(1)->p_filesz = 0x4000;
    expect_refusal("file size exceeds memory size");
    phdr(0)->p_flags = PF_R | PF_W | PF_X;
    expect_refusal("writable and executable");
    phdr(0)->p_type = PT_NULL;
    phdr(1)->p_type = PT_NULL;
    expect_refusal("no loadable segments");

    phdr(2)->p_type = PT_NULL;
    expect_refusal("no Solo5 ABI note");
    abi()->d.version = 1;
    expect_refusal("ABI version 1");
    abi()->d.target = 2;
    expect_refusal("target 2");
    memcpy(abi()->h.name, "Solo6", 6);
    expect_refusal("no Solo5 ABI note");
    abi()->h.descsz = 0x10000;
    expect_refusal("no Solo5 ABI note");
    phdr(3)->p_type = PT_NULL;
    expect_refusal("no Solo5 manifest note");
    UNIT_DONE();
}
