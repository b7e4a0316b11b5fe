/* pcap_args.c: the frame recorder's option, --net-pcap:NAME=FILE (the file
 * is opened when the device is attached, net_tap.c). */
#include "arg_module.h"
#include "args.h"

static int take_path(struct kiln_options *o, const char *arg, const char *name,
                     const char *value, char *err, size_t errlen)
{
    struct kiln_net_opt *d =
        kiln_args_device_opts(o, &kiln_net_kind, name, arg, err, errlen);
    if (d == NULL)
        return -1;
    d->pcap_path = value;
    return 0;
}

static const struct kiln_arg_option options[] = {
    {"--net-pcap:", take_path},
};

const struct kiln_arg_module kiln_pcap_args = {
    .options = options,
    .n_options = sizeof options / sizeof options[0],
    .usage = "  --net-pcap:NAME=FILE      record every frame NAME sends or "
             "receives to FILE (pcap)\n",
};
