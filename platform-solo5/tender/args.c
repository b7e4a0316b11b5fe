/* args.c: parsing kiln-hvt's solo5-hvt-compatible command line. */
#include "args.h"
#include "fail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Strict decimal: digits only, no sign, no overflow past max. */
static int parse_decimal(const char *s, uint64_t max, uint64_t *out)
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

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);
        if (hi < 0 || lo < 0)
            return -1;
        mac[i] = (uint8_t)(hi << 4 | lo);
        s += 2;
        if (i < 5 && *s++ != ':')
            return -1;
    }
    if (*s != '\0')
        return -1;
    if (mac[0] & 1) /* a multicast address cannot be a station's */
        return -1;
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

/* The entry for (name), created on first mention; NULL with err set when
 * the name was already used for the other kind of device. */
static struct kiln_device_opt *device(struct kiln_options *o,
                                      enum kiln_device_kind kind,
                                      const char *name, const char *arg,
                                      char *err, size_t errlen)
{
    for (int i = 0; i < o->n_devices; i++) {
        struct kiln_device_opt *d = &o->devices[i];
        if (strcmp(d->name, name) != 0)
            continue;
        if (d->kind != kind) {
            kiln_fail(err, errlen, "%s: '%s' is already a %s device", arg, name,
                      d->kind == KILN_DEV_NET ? "network" : "block");
            return NULL;
        }
        return d;
    }
    if (o->n_devices == KILN_MAX_DEVICE_OPTS) {
        kiln_fail(err, errlen, "%s: too many devices (at most %d)", arg,
                  KILN_MAX_DEVICE_OPTS);
        return NULL;
    }
    struct kiln_device_opt *d = &o->devices[o->n_devices++];
    memset(d, 0, sizeof *d);
    d->kind = kind;
    strcpy(d->name, name);
    return d;
}

/* A Linux interface name: 1-15 characters, none of them '/', ':', ',' or
 * white space. */
static int valid_tap_name(const char *s, size_t len)
{
    if (len == 0 || len >= KILN_TAP_NAME_SIZE)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '/' || s[i] == ':' || s[i] == ',' || s[i] <= ' ' ||
            s[i] == 0x7f)
            return 0;
    return 1;
}

/* Whether (tap) is in d's --fork-net pool. */
static int in_pool(const struct kiln_device_opt *d, const char *tap)
{
    for (int i = 0; i < d->n_fork_taps; i++)
        if (strcmp(d->fork_taps[i], tap) == 0)
            return 1;
    return 0;
}

/* The comma-separated list of --fork-net into d->fork_taps. */
static int parse_tap_pool(struct kiln_device_opt *d, const char *arg,
                          const char *list, char *err, size_t errlen)
{
    if (d->n_fork_taps != 0)
        return kiln_fail(err, errlen, "%s: a pool for '%s' given twice", arg,
                         d->name);
    for (const char *p = list;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (!valid_tap_name(p, len))
            return kiln_fail(err, errlen, "%s: expected --fork-net:NAME=TAP1,"
                             "TAP2,... with tap names of 1-%d characters "
                             "(no '/', ':' or spaces)", arg,
                             KILN_TAP_NAME_SIZE - 1);
        if (d->n_fork_taps == KILN_FORK_POOL_MAX)
            return kiln_fail(err, errlen, "%s: at most %d taps in a pool", arg,
                             KILN_FORK_POOL_MAX);
        char *tap = d->fork_taps[d->n_fork_taps];
        memcpy(tap, p, len);
        tap[len] = '\0';
        if (in_pool(d, tap))
            return kiln_fail(err, errlen, "%s: tap '%s' named twice", arg, tap);
        d->n_fork_taps++;
        if (comma == NULL)
            return 0;
        p = comma + 1;
    }
}

enum value_kind {
    V_NET,
    V_NET_MAC,
    V_NET_PCAP,
    V_FORK_NET,
    V_BLOCK,
    V_BLOCK_SECTOR,
    V_FORK_BLOCK
};

static const struct {
    const char *prefix;
    enum value_kind what;
    enum kiln_device_kind kind;
} device_options[] = {
    {"--net:", V_NET, KILN_DEV_NET},
    {"--net-mac:", V_NET_MAC, KILN_DEV_NET},
    {"--net-pcap:", V_NET_PCAP, KILN_DEV_NET},
    {"--fork-net:", V_FORK_NET, KILN_DEV_NET},
    {"--block:", V_BLOCK, KILN_DEV_BLOCK},
    {"--block-sector-size:", V_BLOCK_SECTOR, KILN_DEV_BLOCK},
    {"--fork-block:", V_FORK_BLOCK, KILN_DEV_BLOCK},
};

static int device_option(struct kiln_options *o, const char *arg, char *err,
                         size_t errlen)
{
    for (size_t i = 0; i < sizeof device_options / sizeof device_options[0];
         i++) {
        size_t plen = strlen(device_options[i].prefix);
        if (strncmp(arg, device_options[i].prefix, plen) != 0)
            continue;
        char name[KILN_MFT_NAME_SIZE];
        const char *value = NULL;
        if (split_name_value(arg, arg + plen, name, &value, err, errlen) != 0)
            return -1;
        struct kiln_device_opt *d =
            device(o, device_options[i].kind, name, arg, err, errlen);
        if (d == NULL)
            return -1;
        uint64_t n;
        switch (device_options[i].what) {
        case V_NET:
        case V_BLOCK:
            if (d->backing != NULL)
                return kiln_fail(err, errlen, "%s: '%s' attached twice", arg, name);
            d->backing = value;
            return 0;
        case V_NET_MAC:
            if (parse_mac(value, d->mac) != 0)
                return kiln_fail(err, errlen, "%s: expected a unicast MAC address "
                                 "like 02:00:00:00:00:01", arg);
            d->has_mac = 1;
            return 0;
        case V_NET_PCAP:
            d->pcap_path = value;
            return 0;
        case V_FORK_NET:
            return parse_tap_pool(d, arg, value, err, errlen);
        case V_BLOCK_SECTOR:
            if (parse_decimal(value, 32768, &n) != 0 || n < 512 ||
                (n & (n - 1)) != 0)
                return kiln_fail(err, errlen, "%s: sector size must be a power of "
                                 "two from 512 to 32768", arg);
            d->sector_size = (uint32_t)n;
            return 0;
        case V_FORK_BLOCK:
            if (strcmp(value, "share") != 0 && strcmp(value, "refuse") != 0)
                return kiln_fail(err, errlen, "%s: expected --fork-block:%s="
                                 "share or --fork-block:%s=refuse", arg, name,
                                 name);
            d->fork_refuse = strcmp(value, "refuse") == 0;
            return 0;
        }
    }
    return kiln_fail(err, errlen, "%s: unknown option (see --help)", arg);
}

/* Every tap serves one purpose: a device's own, or one place in one pool.
 * Two pools sharing a tap would hand it to two children. (tap) is in
 * devices[d]'s pool; pools after it are compared here, those before it
 * already were. */
static int check_tap_once(const struct kiln_options *o, int d, const char *tap,
                          char *err, size_t errlen)
{
    const struct kiln_device_opt *pool = &o->devices[d];
    for (int e = 0; e < o->n_devices; e++) {
        const struct kiln_device_opt *other = &o->devices[e];
        if (other->kind == KILN_DEV_NET && strcmp(other->backing, tap) == 0)
            return kiln_fail(err, errlen, "--fork-net:%s: tap '%s' is "
                             "already --net:%s's", pool->name, tap, other->name);
        if (e > d && in_pool(other, tap))
            return kiln_fail(err, errlen, "--fork-net: tap '%s' is in the "
                             "pools of '%s' and '%s'", tap, pool->name,
                             other->name);
    }
    return 0;
}

static int check_taps_distinct(const struct kiln_options *o, char *err,
                               size_t errlen)
{
    for (int d = 0; d < o->n_devices; d++)
        for (int t = 0; t < o->devices[d].n_fork_taps; t++)
            if (check_tap_once(o, d, o->devices[d].fork_taps[t], err, errlen) != 0)
                return -1;
    return 0;
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
            if (parse_decimal(arg + 6, KILN_MAX_MEM_MB, &mb) != 0 ||
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
    for (int d = 0; d < o->n_devices; d++) {
        const struct kiln_device_opt *dev = &o->devices[d];
        if (dev->backing == NULL)
            return kiln_fail(err, errlen, "options for '%s' given but no --%s:%s=",
                             dev->name, dev->kind == KILN_DEV_NET ? "net" : "block",
                             dev->name);
    }
    return check_taps_distinct(o, err, errlen);
}

void kiln_print_usage(const char *prog)
{
    printf("usage: %s [OPTIONS] [--] IMAGE [ARGS...]\n"
           "Runs a Solo5 hvt unikernel IMAGE under KVM, passing ARGS as its "
           "command line.\n"
           "Options (the same as solo5-hvt's, plus --net-pcap):\n"
           "  --mem=MB                  guest memory, %d-%d (default %d)\n"
           "  --net:NAME=TAP            attach tap device TAP as network "
           "device NAME\n"
           "  --net-mac:NAME=MAC        MAC address of NAME (default: random,"
           " locally administered)\n"
           "  --net-pcap:NAME=FILE      record every frame NAME sends or "
           "receives to FILE (pcap)\n"
           "  --block:NAME=PATH         attach file PATH as block device NAME\n"
           "  --block-sector-size:NAME=N  sector size of NAME (power of two, "
           "512-32768; default 512)\n"
           "Forked children (images declaring KILN_FORK):\n"
           "  --fork-net:NAME=TAP1,TAP2,...  taps for children's network "
           "device NAME: each\n"
           "                            child takes a free one (shared by "
           "all forked tenders)\n"
           "                            and a random MAC of its own; a fork "
           "finding none free\n"
           "                            fails (limit). Without a pool the "
           "child's NAME is\n"
           "                            unavailable: its calls fail.\n"
           "  --fork-block:NAME=share|refuse  share block device NAME with "
           "children\n"
           "                            (default), or make their calls on "
           "it fail\n"
           "  --help, --version\n"
           "Every device the image's manifest declares must be attached, and "
           "only those.\n"
           "Exit status: the guest's; 255 after a guest trap; 1 when the "
           "tender refuses or fails (with one line on stderr).\n"
           "Environment: KILN_HVT_STATS=1 prints the hypercall counts on "
           "exit; KILN_HVT_NET_RING=0 turns off the network frame rings; "
           "KILN_HVT_FORK_TRACE=1 prints the time of each step of every "
           "fork.\n",
           prog, KILN_MIN_MEM_MB, KILN_MAX_MEM_MB, KILN_DEFAULT_MEM_MB);
}
