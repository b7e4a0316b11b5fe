/*
 * vdso.c: clock_gettime through the Linux vDSO. A system call costs several
 * microseconds on virtual machines like this one, the vDSO's clock tens of
 * nanoseconds, and the runtime reads the clock constantly (timers, the TCP
 * stack). The kernel maps the vDSO and passes its address in the auxiliary
 * vector; its dynamic symbol table names __vdso_clock_gettime.
 */
#include <elf.h>
#include <string.h>

#include "hosted.h"

static int (*vdso_clock_gettime)(long clk, void *ts);

static const void *find_symbol(const Elf64_Ehdr *eh, const char *want)
{
    const char *base = (const char *)eh;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64)
        return NULL;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(const void *)(base + eh->e_phoff);
    const Elf64_Dyn *dyn = NULL;
    intptr_t load_bias = 0;
    int have_load = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && !have_load) {
            load_bias = (intptr_t)base + (intptr_t)ph[i].p_offset - (intptr_t)ph[i].p_vaddr;
            have_load = 1;
        } else if (ph[i].p_type == PT_DYNAMIC) {
            dyn = (const Elf64_Dyn *)(const void *)(base + ph[i].p_offset);
        }
    }
    if (!dyn || !have_load)
        return NULL;
    const Elf64_Sym *symtab = NULL;
    const char *strtab = NULL;
    const Elf64_Word *hash = NULL;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        if (dyn->d_tag == DT_SYMTAB)
            symtab = (const Elf64_Sym *)(load_bias + dyn->d_un.d_ptr);
        else if (dyn->d_tag == DT_STRTAB)
            strtab = (const char *)(load_bias + dyn->d_un.d_ptr);
        else if (dyn->d_tag == DT_HASH)
            hash = (const Elf64_Word *)(load_bias + dyn->d_un.d_ptr);
    }
    if (!symtab || !strtab || !hash)
        return NULL;
    Elf64_Word count = hash[1]; /* nchain: one entry per symbol */
    for (Elf64_Word i = 0; i < count; i++) {
        const Elf64_Sym *sym = &symtab[i];
        if (ELF64_ST_TYPE(sym->st_info) == STT_FUNC && sym->st_shndx != SHN_UNDEF &&
            strcmp(strtab + sym->st_name, want) == 0)
            return (const void *)(load_bias + (intptr_t)sym->st_value);
    }
    return NULL;
}

void hosted_vdso_init(char **envp)
{
    while (*envp)
        envp++;
    for (const Elf64_auxv_t *aux = (const Elf64_auxv_t *)(envp + 1); aux->a_type != AT_NULL; aux++) {
        if (aux->a_type == AT_SYSINFO_EHDR) {
            vdso_clock_gettime = (int (*)(long, void *))find_symbol(
                (const Elf64_Ehdr *)aux->a_un.a_val, "__vdso_clock_gettime");
            return;
        }
    }
}

int hosted_clock_gettime(long clk, void *ts)
{
    return vdso_clock_gettime ? vdso_clock_gettime(clk, ts) : -1;
}
