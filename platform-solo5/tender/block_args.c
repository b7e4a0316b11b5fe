/* block_args.c: the block module's options, --block:NAME=PATH and
 * --block-sector-size:NAME=N. */
#include "arg_module.h"
#include "args.h"
#include "fail.h"

#include <stddef.h>

_Static_assert(offsetof(struct kiln_block_opt, name) == 0,
               "kiln_args_device_opts sets an entry's name at its start");
const struct kiln_device_kind kiln_block_kind = {
    "block", "--block", offsetof(struct kiln_options, block),
    sizeof(struct kiln_block_opt), offsetof(struct kiln_options, n_block)};

static int take_path(struct kiln_options *o, void *device, const char *arg,
                     const char *value, char *err, size_t errlen)
{
    struct kiln_block_opt *d = device;
    return kiln_args_attach(o, &d->path, value, d->name, arg, err, errlen);
}

static int take_sector_size(struct kiln_options *o, void *device,
                            const char *arg, const char *value, char *err,
                            size_t errlen)
{
    (void)o;
    struct kiln_block_opt *d = device;
    uint64_t n;
    if (kiln_args_decimal(value, 32768, &n) != 0 || n < 512 ||
        (n & (n - 1)) != 0)
        return kiln_fail(err, errlen, "%s: sector size must be a power of "
                         "two from 512 to 32768", arg);
    d->sector_size = (uint32_t)n;
    return 0;
}

static const struct kiln_arg_option options[] = {
    {"--block:", &kiln_block_kind, take_path},
    {"--block-sector-size:", &kiln_block_kind, take_sector_size},
};

const struct kiln_arg_module kiln_block_args = {
    .options = options,
    .n_options = sizeof options / sizeof options[0],
    .usage = "  --block:NAME=PATH         attach file PATH as block device NAME\n"
             "  --block-sector-size:NAME=N  sector size of NAME (power of two, "
             "512-32768; default 512)\n",
};
