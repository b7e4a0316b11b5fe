/*
 * main.c: kiln-hvt, a Solo5-hvt compatible tender. The order matters:
 * command line, then the image and its manifest, then the devices, and only
 * then KVM, so every refusal comes before any VM exists, as one line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"
#include "args.h"
#include "boot_info.h"
#include "devices.h"
#include "fork.h"
#include "hypercall.h"
#include "image.h"
#include "manifest.h"
#include "mem_map.h"
#include "net_pool.h"
#include "net_ring.h"
#include "pipe.h"
#include "stop.h"
#include "vm.h"

#define KILN_VERSION "0.1.0"
#define ERR_SIZE 512

static const char *prog = "kiln-hvt";

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* The whole image file, read once; validation works on this copy. */
static uint8_t *read_image(const char *path, size_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        die("%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        die("%s: not a regular file", path);
    *size = (size_t)st.st_size;
    uint8_t *buf = malloc(*size ? *size : 1);
    if (buf == NULL)
        die("%s: out of memory", path);
    size_t got = 0;
    while (got < *size) {
        ssize_t n = read(fd, buf + got, *size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            die("%s: read error", path);
        got += (size_t)n;
    }
    close(fd);
    return buf;
}

int main(int argc, char **argv)
{
    char err[ERR_SIZE];
    prog = basename(argv[0]);

    struct kiln_options opt;
    if (kiln_parse_args(argc, argv, &opt, err, sizeof err) != 0)
        die("%s", err);
    if (opt.want_help) {
        kiln_print_usage(prog);
        return 0;
    }
    if (opt.want_version) {
        printf("kiln-hvt %s (Solo5 hvt ABI version %d, %s)\n",
               KILN_VERSION, KILN_HVT_ABI_VERSION, KILN_ARCH_NAME);
        return 0;
    }
    uint64_t mem_size = opt.mem_bytes & ~(KILN_ARCH_MEM_ALIGN - 1);
    if (mem_size != opt.mem_bytes)
        fprintf(stderr, "%s: guest memory rounded down to %llu MB (2 MB "
                "pages)\n", prog, (unsigned long long)(mem_size >> 20));
    char *cmdline = kiln_cmdline_join(opt.guest_argv, err, sizeof err);
    if (cmdline == NULL)
        die("%s", err);

    size_t file_size;
    uint8_t *file = read_image(opt.image, &file_size);
    struct kiln_image img;
    if (kiln_image_parse(file, file_size, mem_size, &img, err, sizeof err) != 0)
        die("%s: %s", opt.image, err);
    struct kiln_mft *mft =
        kiln_manifest_parse(img.mft_desc, img.mft_desc_size, err, sizeof err);
    if (mft == NULL)
        die("%s: %s", opt.image, err);

    if (kiln_devices_match(&opt, mft, err, sizeof err) != 0)
        die("%s", err);
    kiln_core_setup();
    if (kiln_devices_attach(&opt, mft, err, sizeof err) != 0 ||
        kiln_net_pool_start(err, sizeof err) != 0)
        die("%s", err);

    struct kiln_guest_mem mem = {.size = mem_size};
    mem.base = kiln_guest_mem_reserve(mem_size);
    if (mem.base == NULL)
        die("cannot reserve %llu MB of guest memory: %s",
            (unsigned long long)(mem_size >> 20), strerror(errno));
    /* The guest is told of the memory below the pipe area only. */
    uint64_t usable = kiln_pipe_map_area(&mem, err, sizeof err);
    if (usable == 0)
        die("%s", err);
    if (img.end > usable)
        die("%s: the image does not fit below the pipe area (the top eighth "
            "of guest memory): give --mem more", opt.image);
    kiln_image_load(&img, mem.base);
    free(file);
    int user_mode = (img.kiln_flags & KILN_IMAGE_RUNS_AT_CPL3) != 0;
    /* Text and read-only data read-only, the guard page unmapped, in the
     * host mapping (a forked tender's copy keeps them) and, below, in the
     * guest's page tables. */
    static struct kiln_mem_map map;
    kiln_mem_map_build(&map, &img, usable);
    if (kiln_mem_map_protect_host(&map, mem.base, err, sizeof err) != 0)
        die("%s", err);
    mem.map = &map;

    struct kiln_vm vm;
    if (kiln_vm_create(&vm, &mem, err, sizeof err) != 0)
        die("%s", err);
    if (kiln_fork_bind_vm(&vm, err, sizeof err) != 0)
        die("%s", err);
    kiln_stop_setup(vm.run);
    kiln_arch_setup_lowmem(mem.base, mem_size, &map, user_mode);
    if (kiln_boot_info_write(mem.base, KILN_BOOT_INFO_BASE, usable, img.end,
                             vm.tsc_hz,
                             kiln_net_ring_host_features() |
                                 kiln_net_offload_host_features() |
                                 kiln_stop_host_features() |
                                 kiln_block_host_features(),
                             mft,
                             kiln_manifest_size(mft), cmdline) != 0)
        die("boot info does not fit in guest low memory");
    if (kiln_vm_init_vcpu(&vm, img.entry, usable, user_mode, err,
                          sizeof err) != 0)
        die("%s", err);

    int status = kiln_vm_run(&vm, &mem);
    if (getenv("KILN_HVT_STATS") != NULL) {
        kiln_hc_print_counts(stderr);
        kiln_net_print_counts(stderr);
    }
    return status & 0xff;
}
