/* pcap_args.c: the frame recorder's option, --net-pcap:NAME=FILE (the file
 * is opened when the device is attached, net_tap.c). */
#include "arg_module.h"
#include "args.h"

static int take_path(struct kiln_options *o, void *device, const char *arg,
                     const char *value, char *err, size_t errlen)
{
    (void)o, (void)arg, (void)err, (void)errlen;
    struct kiln_net_opt *d = device;
    d->pcap_path = value;
    return 0;
}

static const struct kiln_arg_option options[] = {
    {"--net-pcap:", &kiln_net_kind, take_path},
};

const struct kiln_arg_module kiln_pcap_args = {
    .options = options,
    .n_options = sizeof options / sizeof options[0],
    .usage = "  --net-pcap:NAME=FILE      record every frame NAME sends or "
             "receives to FILE (pcap)\n",
};
