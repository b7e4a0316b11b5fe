/*
 * sandbox_probe.c: stands in for the runtime in a hosted executable, to test
 * the sandbox from the application's side. The hosted platform boots as
 * usual (options, devices, sandbox) and then calls this solo5_app_main,
 * which makes the system call its command line names: what a compromised
 * runtime could try. Allowed calls print "allowed NAME" and exit 0; refused
 * ones never return.
 */
#include <string.h>
#include <sys/mman.h>

#include "hosted.h"
#include "sys.h"

#define ARCH_SET_FS 0x1002

/* The last block device of the manifest: the filter checks it last. */
static const struct hosted_device *last_block(void)
{
    const struct hosted_device *last = &hosted_devices[0];
    for (unsigned i = 1; i < hosted_device_count; i++)
        if (hosted_devices[i].type == KILN_MFT_BLOCK_BASIC)
            last = &hosted_devices[i];
    return last;
}

static long block_fd(void) { return last_block()->fd; }
static long block_capacity(void) { return (long)last_block()->capacity; }

static char sector[1024];

/* Returns the call's result; refused calls do not return. */
static long attempt(const char *what)
{
    if (!strcmp(what, "console"))
        return sys_call3(SYS_write, 1, "console\n", 8);
    if (!strcmp(what, "clock")) {
        long ts[2];
        return sys_call3(SYS_clock_gettime, 1, ts, 0);
    }
    if (!strcmp(what, "clock-other")) {
        long ts[2];
        return sys_call3(SYS_clock_gettime, 2 /* CLOCK_PROCESS_CPUTIME_ID */, ts, 0);
    }
    if (!strcmp(what, "sleep")) {
        long ts[2] = {3, 0};
        return sys_call4(SYS_ppoll, 0, 0, ts, 0);
    }
    if (!strcmp(what, "open"))
        return sys_call3(SYS_open, "/etc/hostname", 0, 0);
    if (!strcmp(what, "openat"))
        return sys_call4(SYS_openat, -100, "/etc/hostname", 0, 0);
    if (!strcmp(what, "execve")) {
        char *argv[] = {"/bin/sh", "-c", "echo escaped", 0};
        return sys_call3(SYS_execve, argv[0], argv, 0);
    }
    if (!strcmp(what, "socket"))
        return sys_call3(SYS_socket, 2, 1, 0);
    if (!strcmp(what, "mmap"))
        return sys_call6(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!strcmp(what, "tls"))
        return sys_call3(SYS_arch_prctl, ARCH_SET_FS, sector, 0);
    if (!strcmp(what, "forged"))
        return sys_call3(4242, 0, 0, 0);
    if (!strcmp(what, "x32"))
        return sys_call3(0x40000000 | SYS_getpid, 0, 0, 0);
    if (!strcmp(what, "write-stdin"))
        return sys_call3(SYS_write, 0, "x", 1);
    if (!strcmp(what, "read-stdin"))
        return sys_call3(SYS_read, 0, sector, 1);
    if (!strcmp(what, "block-first"))
        return sys_call4(SYS_pwrite64, block_fd(), sector, 512, 0);
    if (!strcmp(what, "block-last"))
        return sys_call4(SYS_pwrite64, block_fd(), sector, 512, block_capacity() - 512);
    if (!strcmp(what, "block-across-4g")) /* the low halves carry */
        return sys_call4(SYS_pread64, block_fd(), sector, 1024, 0xffffff00L);
    if (!strcmp(what, "block-past-end"))
        return sys_call4(SYS_pwrite64, block_fd(), sector, 1024, block_capacity() - 512);
    if (!strcmp(what, "block-huge-count"))
        return sys_call4(SYS_pread64, block_fd(), sector, 0x100000000L + 512, 0);
    if (!strcmp(what, "block-negative"))
        return sys_call4(SYS_pread64, block_fd(), sector, 512, -512L);
    if (!strcmp(what, "block-other-fd"))
        return sys_call4(SYS_pread64, 1, sector, 512, 0);
    if (!strcmp(what, "block-flush"))
        return sys_call3(SYS_fdatasync, block_fd(), 0, 0);
    if (!strcmp(what, "flush-other-fd"))
        return sys_call3(SYS_fdatasync, 1, 0, 0);
    return -1000;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    long r = attempt(si->cmdline);
    if (r == -1000) {
        hosted_say("probe: unknown call '%s'", si->cmdline);
        return 2;
    }
    char line[96];
    size_t n = 0;
    const char *parts[] = {"allowed ", si->cmdline, r < 0 ? " (failed)\n" : "\n"};
    for (unsigned i = 0; i < 3; i++)
        for (const char *p = parts[i]; *p && n < sizeof line; p++)
            line[n++] = *p;
    solo5_console_write(line, n);
    return 0;
}
