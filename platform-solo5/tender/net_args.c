/* net_args.c: the network module's options, --net:NAME=TAP,
 * --net-mac:NAME=MAC and --net-offload:NAME=on|off. */
#include "arg_module.h"
#include "args.h"
#include "fail.h"

#include <stddef.h>
#include <string.h>

_Static_assert(offsetof(struct kiln_net_opt, name) == 0,
               "kiln_args_device_opts sets an entry's name at its start");
const struct kiln_device_kind kiln_net_kind = {
    "network", "--net", offsetof(struct kiln_options, net),
    sizeof(struct kiln_net_opt), offsetof(struct kiln_options, n_net)};

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

static int take_tap(struct kiln_options *o, void *device, const char *arg,
                    const char *value, char *err, size_t errlen)
{
    struct kiln_net_opt *d = device;
    return kiln_args_attach(o, &d->tap, value, d->name, arg, err, errlen);
}

static int take_mac(struct kiln_options *o, void *device, const char *arg,
                    const char *value, char *err, size_t errlen)
{
    (void)o;
    struct kiln_net_opt *d = device;
    if (parse_mac(value, d->mac) != 0)
        return kiln_fail(err, errlen, "%s: expected a unicast MAC address "
                         "like 02:00:00:00:00:01", arg);
    d->has_mac = 1;
    return 0;
}

static int take_offload(struct kiln_options *o, void *device, const char *arg,
                        const char *value, char *err, size_t errlen)
{
    (void)o;
    struct kiln_net_opt *d = device;
    if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0)
        return kiln_fail(err, errlen, "%s: expected on or off", arg);
    d->offload_off = strcmp(value, "off") == 0;
    return 0;
}

static const struct kiln_arg_option options[] = {
    {"--net:", &kiln_net_kind, take_tap},
    {"--net-mac:", &kiln_net_kind, take_mac},
    {"--net-offload:", &kiln_net_kind, take_offload},
};

const struct kiln_arg_module kiln_net_args = {
    .options = options,
    .n_options = sizeof options / sizeof options[0],
    .usage = "  --net:NAME=TAP            attach tap device TAP as network "
             "device NAME\n"
             "  --net-mac:NAME=MAC        MAC address of NAME (default: random,"
             " locally administered)\n"
             "  --net-offload:NAME=off    offer NAME's guest no large TCP "
             "segments (default: on)\n",
};
