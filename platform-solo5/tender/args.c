/* args.c: reading kiln-hvt's solo5-hvt-compatible command line, handing
 * each device option to the module that declares it. */
#include "args.h"
#include "arg_module.h"
#include "fail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* In --help's order. */
static const struct kiln_arg_module *const modules[] = {
    &kiln_net_args, &kiln_pcap_args, &kiln_block_args, &kiln_fork_args,
};
#define N_MODULES (sizeof modules / sizeof modules[0])

int kiln_args_decimal(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (*s == '\0')
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > max)
            return -1;
    }
    *out = v;
    return 0;
}

/* Device (name) is of (kind) from now on. Its index among the devices of
 * its kind, in the order the line first names them (the kind's count when
 * it is new); -1 with a reason when it is of another kind or the line names
 * too many devices. */
static int claim_name(struct kiln_options *o,
                      const struct kiln_device_kind *kind, const char *name,
                      const char *arg, char *err, size_t errlen)
{
    int of_kind = 0;
    for (int i = 0; i < o->n_names; i++) {
        if (strcmp(o->names[i].name, name) != 0) {
            of_kind += o->names[i].kind == kind;
            continue;
        }
        if (o->names[i].kind != kind)
            return kiln_fail(err, errlen, "%s: '%s' is already a %s device",
                             arg, name, o->names[i].kind->name);
        return of_kind;
    }
    if (o->n_names == KILN_MAX_DEVICE_OPTS)
        return kiln_fail(err, errlen, "%s: too many devices (at most %d)", arg,
                         KILN_MAX_DEVICE_OPTS);
    strcpy(o->names[o->n_names].name, name);
    o->names[o->n_names].attached = 0;
    o->names[o->n_names++].kind = kind;
    return of_kind;
}

int kiln_args_device_index(const struct kiln_options *o,
                           const struct kiln_device_kind *kind,
                           const char *name)
{
    int of_kind = 0;
    for (int i = 0; i < o->n_names; i++) {
        if (o->names[i].kind != kind)
            continue;
        if (strcmp(o->names[i].name, name) == 0)
            return of_kind;
        of_kind++;
    }
    return -1;
}

/* The options entry of device (name) of (kind), made on first mention
 * with only its name set; NULL with a reason from claim_name. */
static void *device_opts(struct kiln_options *o,
                         const struct kiln_device_kind *kind, const char *name,
                         const char *arg, char *err, size_t errlen)
{
    int i = claim_name(o, kind, name, arg, err, errlen);
    if (i < 0)
        return NULL;
    char *entry = (char *)o + kind->table + (size_t)i * kind->entry_size;
    int *count = (int *)((char *)o + kind->count);
    if (i == *count) {
        strcpy(entry, name);
        (*count)++;
    }
    return entry;
}

int kiln_args_attach(struct kiln_options *o, const char **slot,
                     const char *value, const char *name, const char *arg,
                     char *err, size_t errlen)
{
    if (*slot != NULL)
        return kiln_fail(err, errlen, "%s: '%s' attached twice", arg, name);
    *slot = value;
    for (int i = 0; i < o->n_names; i++)
        if (strcmp(o->names[i].name, name) == 0)
            o->names[i].attached = 1;
    return 0;
}

/* Splits "NAME=VALUE" (the part after "--prefix:"), checking NAME. */
static int split_name_value(const char *arg, const char *spec, char *name,
                            const char **value, char *err, size_t errlen)
{
    const char *eq = strchr(spec, '=');
    size_t len = eq ? (size_t)(eq - spec) : 0;
    if (eq == NULL || len == 0 || len > KILN_MFT_NAME_MAX)
        return kiln_fail(err, errlen, "%s: expected NAME=VALUE with a 1-%d "
                         "character NAME", arg, KILN_MFT_NAME_MAX);
    for (size_t i = 0; i < len; i++) {
        char c = spec[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9')))
            return kiln_fail(err, errlen, "%s: device names hold only A-Z a-z 0-9",
                             arg);
    }
    memcpy(name, spec, len);
    name[len] = '\0';
    *value = eq + 1;
    if (**value == '\0')
        return kiln_fail(err, errlen, "%s: empty value", arg);
    return 0;
}

static int device_option(struct kiln_options *o, const char *arg, char *err,
                         size_t errlen)
{
    for (size_t m = 0; m < N_MODULES; m++)
        for (size_t i = 0; i < modules[m]->n_options; i++) {
            const struct kiln_arg_option *opt = &modules[m]->options[i];
            size_t plen = strlen(opt->prefix);
            if (strncmp(arg, opt->prefix, plen) != 0)
                continue;
            char name[KILN_MFT_NAME_SIZE];
            const char *value = NULL;
            if (split_name_value(arg, arg + plen, name, &value, err, errlen) != 0)
                return -1;
            void *device = device_opts(o, opt->kind, name, arg, err, errlen);
            if (device == NULL)
                return -1;
            return opt->take(o, device, arg, value, err, errlen);
        }
    return kiln_fail(err, errlen, "%s: unknown option (see --help)", arg);
}

int kiln_parse_args(int argc, char *const *argv, struct kiln_options *o,
                    char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->mem_bytes = (uint64_t)KILN_DEFAULT_MEM_MB << 20;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            o->want_help = 1;
            return 0;
        }
        if (strcmp(arg, "--version") == 0) {
            o->want_version = 1;
            return 0;
        }
        if (strncmp(arg, "--mem=", 6) == 0) {
            uint64_t mb;
            if (kiln_args_decimal(arg + 6, KILN_MAX_MEM_MB, &mb) != 0 ||
                mb < KILN_MIN_MEM_MB)
                return kiln_fail(err, errlen, "%s: memory must be %d to %d MB", arg,
                                 KILN_MIN_MEM_MB, KILN_MAX_MEM_MB);
            o->mem_bytes = mb << 20;
            continue;
        }
        if (device_option(o, arg, err, errlen) != 0)
            return -1;
    }
    if (i >= argc)
        return kiln_fail(err, errlen, "missing IMAGE (see --help)");
    o->image = argv[i];
    o->guest_argv = &argv[i + 1];
    for (int d = 0; d < o->n_names; d++)
        if (!o->names[d].attached)
            return kiln_fail(err, errlen, "options for '%s' given but no %s:%s=",
                             o->names[d].name, o->names[d].kind->attach,
                             o->names[d].name);
    for (size_t m = 0; m < N_MODULES; m++)
        if (modules[m]->check != NULL && modules[m]->check(o, err, errlen) != 0)
            return -1;
    return 0;
}

void kiln_print_usage(const char *prog)
{
    printf("usage: %s [OPTIONS] [--] IMAGE [ARGS...]\n"
           "Runs a Solo5 hvt unikernel IMAGE under KVM, passing ARGS as its "
           "command line.\n"
           "Options (the same as solo5-hvt's, plus --net-offload and --net-pcap):\n"
           "  --mem=MB                  guest memory, %d-%d (default %d)\n",
           prog, KILN_MIN_MEM_MB, KILN_MAX_MEM_MB, KILN_DEFAULT_MEM_MB);
    for (size_t m = 0; m < N_MODULES; m++)
        fputs(modules[m]->usage, stdout);
    printf("  --help, --version\n"
           "Every device the image's manifest declares must be attached, and "
           "only those.\n"
           "Exit status: the guest's; 255 after a guest trap; 1 when the "
           "tender refuses or fails (with one line on stderr).\n"
           "Environment: KILN_HVT_STATS=1 prints the hypercall counts on "
           "exit; KILN_HVT_NET_RING=0 turns off the network frame rings; "
           "KILN_HVT_FORK_TRACE=1 prints the time of each step of every "
           "fork.\n");
}
