/* fork_args.c: what forked children get, --fork-net:NAME=TAP1,TAP2,... and
 * --fork-block:NAME=share|refuse. Whether the image can fork at all is
 * known only once it is read (devices.c). */
#include "arg_module.h"
#include "args.h"
#include "fail.h"

#include <string.h>

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
static int in_pool(const struct kiln_net_opt *d, const char *tap)
{
    for (int i = 0; i < d->n_fork_taps; i++)
        if (strcmp(d->fork_taps[i], tap) == 0)
            return 1;
    return 0;
}

/* The comma-separated list of --fork-net into d->fork_taps. */
static int take_tap_pool(struct kiln_options *o, void *device,
                         const char *arg, const char *list, char *err,
                         size_t errlen)
{
    (void)o;
    struct kiln_net_opt *d = device;
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

static int take_block_policy(struct kiln_options *o, void *device,
                             const char *arg, const char *value, char *err,
                             size_t errlen)
{
    (void)o;
    struct kiln_block_opt *d = device;
    if (strcmp(value, "share") != 0 && strcmp(value, "refuse") != 0)
        return kiln_fail(err, errlen, "%s: expected --fork-block:%s=share or "
                         "--fork-block:%s=refuse", arg, d->name, d->name);
    d->fork_refuse = strcmp(value, "refuse") == 0;
    return 0;
}

/* Every tap serves one purpose: a device's own, or one place in one pool.
 * Two pools sharing a tap would hand it to two children. (tap) is in
 * net[d]'s pool; pools after it are compared here, those before it
 * already were. Every device has its tap by now (args.c checks that before
 * any module's check). */
static int check_tap_once(const struct kiln_options *o, int d, const char *tap,
                          char *err, size_t errlen)
{
    const struct kiln_net_opt *pool = &o->net[d];
    for (int e = 0; e < o->n_net; e++) {
        const struct kiln_net_opt *other = &o->net[e];
        if (strcmp(other->tap, tap) == 0)
            return kiln_fail(err, errlen, "--fork-net:%s: tap '%s' is "
                             "already --net:%s's", pool->name, tap, other->name);
        if (e > d && in_pool(other, tap))
            return kiln_fail(err, errlen, "--fork-net: tap '%s' is in the "
                             "pools of '%s' and '%s'", tap, pool->name,
                             other->name);
    }
    return 0;
}

static int check(const struct kiln_options *o, char *err, size_t errlen)
{
    for (int d = 0; d < o->n_net; d++)
        for (int t = 0; t < o->net[d].n_fork_taps; t++)
            if (check_tap_once(o, d, o->net[d].fork_taps[t], err, errlen) != 0)
                return -1;
    return 0;
}

static const struct kiln_arg_option options[] = {
    {"--fork-net:", &kiln_net_kind, take_tap_pool},
    {"--fork-block:", &kiln_block_kind, take_block_policy},
};

const struct kiln_arg_module kiln_fork_args = {
    .options = options,
    .n_options = sizeof options / sizeof options[0],
    .check = check,
    .usage = "Forked children (images declaring KILN_FORK):\n"
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
             "it fail\n",
};
