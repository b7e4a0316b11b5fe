/* block_args.c: the block module's options, --block:NAME=PATH and
 * --block-sector-size:NAME=N. */
#include "arg_module.h"
#include "args.h"
#include "fail.h"

#include <string.h>

const struct kiln_device_kind kiln_block_kind = {"block", "--block"};

struct kiln_block_opt *kiln_block_opt_named(struct kiln_options *o,
                                            const char *name, const char *arg,
                                            char *err, size_t errlen)
{
    int i = kiln_args_claim_name(o, &kiln_block_kind, name, arg, err, errlen);
    if (i == o->n_block)
        strcpy(o->block[o->n_block++].name, name);
    return i < 0 ? NULL : &o->block[i];
}

static int take_path(struct kiln_options *o, const char *arg, const char *name,
                     const char *value, char *err, size_t errlen)
{
    struct kiln_block_opt *d = kiln_block_opt_named(o, name, arg, err, errlen);
    if (d == NULL)
        return -1;
    if (d->path != NULL)
        return kiln_fail(err, errlen, "%s: '%s' attached twice", arg, name);
    d->path = value;
    kiln_args_attached(o, name);
    return 0;
}

static int take_sector_size(struct kiln_options *o, const char *arg,
                            const char *name, const char *value, char *err,
                            size_t errlen)
{
    struct kiln_block_opt *d = kiln_block_opt_named(o, name, arg, err, errlen);
    if (d == NULL)
        return -1;
    uint64_t n;
    if (kiln_args_decimal(value, 32768, &n) != 0 || n < 512 ||
        (n & (n - 1)) != 0)
        return kiln_fail(err, errlen, "%s: sector size must be a power of "
                         "two from 512 to 32768", arg);
    d->sector_size = (uint32_t)n;
    return 0;
}

static const struct kiln_arg_option options[] = {
    {"--block:", take_path},
    {"--block-sector-size:", take_sector_size},
};

const struct kiln_arg_module kiln_block_args = {
    .options = options,
    .n_options = sizeof options / sizeof options[0],
    .usage = "  --block:NAME=PATH         attach file PATH as block device NAME\n"
             "  --block-sector-size:NAME=N  sector size of NAME (power of two, "
             "512-32768; default 512)\n",
};
