/*
 * boot.c: the hosted platform's start, console, clocks, exit and thread
 * pointer. The image is an ordinary static Linux executable; its command
 * line follows solo5-hvt's, minus the image path (the image is the program):
 *
 *   app [--mem=MB] [--net:NAME=TAP] [--net-mac:NAME=MAC] [--net-offload:NAME=on|off]
 *       [--block:NAME=PATH] [--block-sector-size:NAME=N] [--sandbox=off]
 *       [--] [ARGS...]
 *
 * Options end at "--" or at the first argument not starting with "--".
 * Every device of the image's manifest must be attached, and only those.
 * Once they are open the process sandboxes itself (sandbox.c), and only then
 * does the application start. --sandbox=off is for tools that cannot run a
 * filtered process (valgrind implements no seccomp); it says so on stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include "hosted.h"
#include "sys.h"
#include "tls.h"

#define DEFAULT_MEM_MB 512 /* solo5-hvt's default */
#define ARCH_SET_FS 0x1002

/* The image's MFT1 note (written by kiln-mft, linked into the image); its
 * size depends on the image, so it is declared as bytes of unknown length. */
extern const unsigned char kiln_mft1_note[];

struct hosted_device hosted_devices[KILN_MFT_MAX_ENTRIES];
unsigned hosted_device_count;

static void write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        long n = sys_call3(SYS_write, fd, buf, len);
        if (n == -4) /* EINTR */
            continue;
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

static void vsay(const char *fmt, va_list ap)
{
    char msg[512];
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof msg - 1 ? (size_t)n : sizeof msg - 2;
    msg[len++] = '\n';
    write_all(2, "kiln-process: ", 14);
    write_all(2, msg, len);
}

void hosted_say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
}

void hosted_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
    sys_call3(SYS_exit_group, 1, 0, 0);
    __builtin_unreachable();
}

void solo5_console_write(const char *buf, size_t size)
{
    write_all(1, buf, size);
}

void solo5_exit(int status)
{
    sys_call3(SYS_exit_group, status, 0, 0);
    __builtin_unreachable();
}

void solo5_abort(void)
{
    static const char msg[] = "solo5_abort() called\n";
    write_all(2, msg, sizeof msg - 1);
    solo5_exit(SOLO5_EXIT_ABORT);
}

static solo5_time_t clock_ns(int clk)
{
    struct timespec ts;
    if (hosted_clock_gettime(clk, &ts) != 0 && sys_call3(SYS_clock_gettime, clk, &ts, 0) < 0)
        return 0;
    return (solo5_time_t)ts.tv_sec * 1000000000u + (solo5_time_t)ts.tv_nsec;
}

solo5_time_t solo5_clock_monotonic(void) { return clock_ns(CLOCK_MONOTONIC); }
solo5_time_t solo5_clock_wall(void) { return clock_ns(CLOCK_REALTIME); }

/* The runtime sets its thread pointer again after the sandbox is on, to the
 * same block: that costs no system call (the sandbox refuses arch_prctl). */
solo5_result_t solo5_set_tls_base(uintptr_t base)
{
    static uintptr_t current;
    if (base == current)
        return SOLO5_R_OK;
    if (sys_call3(SYS_arch_prctl, ARCH_SET_FS, base, 0) != 0)
        return SOLO5_R_EINVAL;
    current = base;
    return SOLO5_R_OK;
}

/* "--opt:NAME=VALUE": the device of that name from the manifest, which must
 * be of (type); its VALUE in *value. */
static struct hosted_device *device_arg(const char *arg, const char *opt, uint32_t type, const char **value)
{
    const char *name = arg + strlen(opt);
    const char *eq = strchr(name, '=');
    if (!eq || eq == name || !eq[1])
        hosted_fail("%s: expected %sNAME=VALUE", arg, opt);
    *value = eq + 1;
    for (unsigned i = 1; i < hosted_device_count; i++) {
        struct hosted_device *d = &hosted_devices[i];
        if (!d->name || strlen(d->name) != (size_t)(eq - name) || memcmp(d->name, name, (size_t)(eq - name)))
            continue;
        if (d->type != type)
            hosted_fail("%s: '%s' is not a %s device", arg, d->name,
                        type == KILN_MFT_NET_BASIC ? "network" : "block");
        return d;
    }
    hosted_fail("%s: the image's manifest declares no device '%.*s'", arg, (int)(eq - name), name);
}

static void parse_mac(const char *arg, const char *s, uint8_t mac[SOLO5_NET_ALEN])
{
    unsigned v[SOLO5_NET_ALEN];
    char end;
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
        hosted_fail("%s: expected a MAC address like 02:00:00:00:00:01", arg);
    for (int i = 0; i < SOLO5_NET_ALEN; i++)
        mac[i] = (uint8_t)v[i];
}

static unsigned long number_arg(const char *arg, const char *s, unsigned long min, unsigned long max)
{
    char *end;
    unsigned long n = strtoul(s, &end, 10);
    if (*s < '0' || *s > '9' || *end || n < min || n > max)
        hosted_fail("%s: expected a number in %lu..%lu", arg, min, max);
    return n;
}

static void load_manifest(void)
{
    const struct kiln_mft *mft = (const struct kiln_mft *)(const void *)
        (kiln_mft1_note + sizeof(struct kiln_note_header) + KILN_MFT1_DESC_PAD);
    if (mft->version != KILN_MFT_VERSION || mft->entries == 0 || mft->entries > KILN_MFT_MAX_ENTRIES)
        hosted_fail("the image's manifest is malformed");
    hosted_device_count = mft->entries;
    for (unsigned i = 1; i < mft->entries; i++) {
        const struct kiln_mft_entry *e = &mft->e[i];
        struct hosted_device *d = &hosted_devices[i];
        d->type = e->type;
        d->name = e->name;
        d->fd = -1;
        d->sector_size = 512;
        if (d->type != KILN_MFT_NET_BASIC && d->type != KILN_MFT_BLOCK_BASIC)
            hosted_fail("the image declares Kiln's %s device '%s', which a process does not provide "
                        "(fork and pipes need kiln-hvt: build for --target hvt, or run on unix)",
                        d->type == KILN_MFT_KILN_FORK ? "fork" : d->type == KILN_MFT_KILN_PIPE ? "pipe" : "unknown",
                        d->name);
    }
}

/* Parses the options; returns the index of the first application argument. */
static int parse_options(int argc, char **argv, size_t *mem, int *sandbox)
{
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i], *value;
        struct hosted_device *d;
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (strncmp(a, "--", 2) != 0)
            break;
        if (!strncmp(a, "--mem=", 6)) {
            *mem = number_arg(a, a + 6, 2, 1u << 20) << 20;
        } else if (!strncmp(a, "--net:", 6)) {
            d = device_arg(a, "--net:", KILN_MFT_NET_BASIC, &value);
            d->target = value;
        } else if (!strncmp(a, "--net-mac:", 10)) {
            d = device_arg(a, "--net-mac:", KILN_MFT_NET_BASIC, &value);
            parse_mac(a, value, d->mac);
            d->mac_given = 1;
        } else if (!strncmp(a, "--net-offload:", 14)) {
            d = device_arg(a, "--net-offload:", KILN_MFT_NET_BASIC, &value);
            if (strcmp(value, "on") && strcmp(value, "off"))
                hosted_fail("%s: expected on or off", a);
            d->offload_off = !strcmp(value, "off");
        } else if (!strncmp(a, "--block:", 8)) {
            d = device_arg(a, "--block:", KILN_MFT_BLOCK_BASIC, &value);
            d->target = value;
        } else if (!strncmp(a, "--block-sector-size:", 20)) {
            d = device_arg(a, "--block-sector-size:", KILN_MFT_BLOCK_BASIC, &value);
            d->sector_size = number_arg(a, value, 512, 1u << 16);
            if (d->sector_size & (d->sector_size - 1))
                hosted_fail("%s: the sector size must be a power of two", a);
        } else if (!strcmp(a, "--sandbox=off") || !strcmp(a, "--sandbox=on")) {
            *sandbox = !strcmp(a, "--sandbox=on");
        } else {
            hosted_fail("unknown option %s (application arguments go after --)", a);
        }
    }
    return i;
}

/* The application's arguments joined by spaces, as Solo5 tenders pass them. */
static char *join_args(int argc, char **argv, int first)
{
    size_t len = 1;
    for (int i = first; i < argc; i++)
        len += strlen(argv[i]) + 1;
    long p = sys_call6(SYS_mmap, 0, (long)len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p < 0)
        hosted_fail("cannot map the command line");
    char *out = (char *)p, *at = out;
    for (int i = first; i < argc; i++) {
        size_t n = strlen(argv[i]);
        memcpy(at, argv[i], n);
        at += n;
        if (i + 1 < argc)
            *at++ = ' ';
    }
    *at = '\0';
    return out;
}

void kiln_hosted_main(long *stack) __attribute__((noreturn));
void kiln_hosted_main(long *stack)
{
    int argc = (int)stack[0];
    char **argv = (char **)(stack + 1);
    size_t mem = (size_t)DEFAULT_MEM_MB << 20;
    hosted_vdso_init(argv + argc + 1);
    hosted_close_inherited();

    /* Option parsing already uses libc (errno lives behind the thread
     * pointer), so the runtime's thread block goes in first. */
    if (kiln_tls_init() < 0)
        hosted_fail("cannot set the thread pointer");
    load_manifest();
    int sandbox = 1;
    int first = parse_options(argc, argv, &mem, &sandbox);
    for (unsigned i = 1; i < hosted_device_count; i++) {
        struct hosted_device *d = &hosted_devices[i];
        if (!d->target)
            hosted_fail("device '%s' of the manifest is not attached (--%s:%s=...)", d->name,
                        d->type == KILN_MFT_NET_BASIC ? "net" : "block", d->name);
        if (d->type == KILN_MFT_NET_BASIC)
            hosted_net_open(d);
        else
            hosted_block_open(d);
    }

    hosted_stop_setup();

    /* Like a unikernel's memory: reserved now, backed when touched. */
    long heap = sys_call6(SYS_mmap, 0, (long)mem, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (heap < 0)
        hosted_fail("cannot map %zu MB of memory", mem >> 20);
    struct solo5_start_info si = {
        .cmdline = join_args(argc, argv, first),
        .heap_start = (uintptr_t)heap,
        .heap_size = mem,
    };
    if (sandbox)
        hosted_sandbox();
    else
        hosted_say("--sandbox=off: no system-call filter; the app has this process's rights");
    solo5_exit(solo5_app_main(&si));
}
