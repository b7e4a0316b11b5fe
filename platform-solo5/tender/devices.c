/* devices.c: matching command-line devices to the manifest. */
#include "devices.h"
#include "fail.h"

#include <stdio.h>
#include <string.h>

#include "fork.h"
#include "manifest.h"
#include "pipe.h"

static uint32_t mft_type_of(enum kiln_device_kind k)
{
    return k == KILN_DEV_NET ? KILN_MFT_NET_BASIC : KILN_MFT_BLOCK_BASIC;
}

static const struct kiln_device_opt *option_for(const struct kiln_options *o,
                                                const char *name)
{
    for (int i = 0; i < o->n_devices; i++)
        if (strcmp(o->devices[i].name, name) == 0)
            return &o->devices[i];
    return NULL;
}

/* --fork-net and --fork-block are about children: an image that cannot
 * fork has none, and the flag is a mistake worth saying so. */
static int check_fork_options(const struct kiln_options *o,
                              const struct kiln_mft *mft, char *err,
                              size_t errlen)
{
    for (uint32_t i = 1; i < mft->entries; i++)
        if (mft->e[i].type == KILN_MFT_KILN_FORK)
            return 0;
    for (int i = 0; i < o->n_devices; i++) {
        const struct kiln_device_opt *d = &o->devices[i];
        if (d->n_fork_taps > 0 || d->fork_refuse)
            return kiln_fail(err, errlen, "--fork-%s:%s given, but the image "
                             "declares no KILN_FORK device (it cannot fork)",
                             d->kind == KILN_DEV_NET ? "net" : "block", d->name);
    }
    return 0;
}

int kiln_devices_match(const struct kiln_options *o,
                       const struct kiln_mft *mft, char *err, size_t errlen)
{
    for (int i = 0; i < o->n_devices; i++) {
        const struct kiln_device_opt *d = &o->devices[i];
        int idx = kiln_manifest_find(mft, d->name);
        const char *opt = d->kind == KILN_DEV_NET ? "--net" : "--block";
        if (idx < 0)
            return kiln_fail(err, errlen, "%s:%s given, but the image declares no "
                             "device '%s'", opt, d->name, d->name);
        if (mft->e[idx].type != mft_type_of(d->kind))
            return kiln_fail(err, errlen, "%s:%s given, but '%s' is a %s device in "
                             "the image", opt, d->name, d->name,
                             kiln_mft_type_name(mft->e[idx].type));
    }
    for (uint32_t i = 1; i < mft->entries; i++) {
        const struct kiln_mft_entry *e = &mft->e[i];
        /* Fork and pipe take no host resource the user must name: always
         * provided, once each. */
        if (e->type == KILN_MFT_KILN_FORK || e->type == KILN_MFT_KILN_PIPE) {
            for (uint32_t j = 1; j < i; j++)
                if (mft->e[j].type == e->type)
                    return kiln_fail(err, errlen, "the image declares %s twice "
                                     "('%s' and '%s'); one is enough",
                                     kiln_mft_type_name(e->type),
                                     mft->e[j].name, e->name);
            continue;
        }
        if (e->type >= KILN_MFT_RESERVED_FIRST)
            return kiln_fail(err, errlen, "the image declares '%s' of type %s, "
                             "which this kiln-hvt does not provide", e->name,
                             kiln_mft_type_name(e->type));
        if (option_for(o, e->name) == NULL)
            return kiln_fail(err, errlen, "the image declares %s device '%s': "
                             "attach it with --%s:%s=%s", kiln_mft_type_name(e->type),
                             e->name, e->type == KILN_MFT_NET_BASIC ? "net" : "block",
                             e->name,
                             e->type == KILN_MFT_NET_BASIC ? "TAP" : "PATH");
    }
    return check_fork_options(o, mft, err, errlen);
}

int kiln_devices_attach(const struct kiln_options *o, struct kiln_mft *mft,
                        char *err, size_t errlen)
{
    for (uint32_t i = 1; i < mft->entries; i++) {
        if (mft->e[i].type == KILN_MFT_KILN_FORK)
            kiln_fork_attach(mft, i);
        if (mft->e[i].type == KILN_MFT_KILN_PIPE)
            kiln_pipe_attach(i);
        if (mft->e[i].type >= KILN_MFT_RESERVED_FIRST) {
            mft->e[i].attached = 1;
            continue;
        }
        const struct kiln_device_opt *d = option_for(o, mft->e[i].name);
        int rc = d->kind == KILN_DEV_NET
                     ? kiln_net_attach(mft, i, d, err, errlen)
                     : kiln_block_attach(mft, i, d, err, errlen);
        if (rc != 0)
            return -1;
        mft->e[i].attached = 1;
    }
    return 0;
}
