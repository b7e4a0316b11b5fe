/* devices.c: matching command-line devices to the manifest. */
#include "devices.h"
#include "arg_module.h"
#include "fail.h"

#include <stdio.h>
#include <string.h>

#include "fork.h"
#include "manifest.h"
#include "pipe.h"

/* Whether the line attaches manifest entry (e). */
static int attached_by_line(const struct kiln_options *o,
                            const struct kiln_mft_entry *e)
{
    if (e->type == KILN_MFT_NET_BASIC)
        return kiln_args_device_index(o, &kiln_net_kind, e->name) >= 0;
    if (e->type == KILN_MFT_BLOCK_BASIC)
        return kiln_args_device_index(o, &kiln_block_kind, e->name) >= 0;
    return 0;
}

/* Device (name), given by option (opt), is in the manifest with (type). */
static int match_one(const struct kiln_mft *mft, const char *opt,
                     const char *name, uint32_t type, char *err, size_t errlen)
{
    int idx = kiln_manifest_find(mft, name);
    if (idx < 0)
        return kiln_fail(err, errlen, "%s:%s given, but the image declares no "
                         "device '%s'", opt, name, name);
    if (mft->e[idx].type != type)
        return kiln_fail(err, errlen, "%s:%s given, but '%s' is a %s device in "
                         "the image", opt, name, name,
                         kiln_mft_type_name(mft->e[idx].type));
    return 0;
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
    const char *given = NULL, *kind = NULL;
    for (int i = 0; i < o->n_net && given == NULL; i++)
        if (o->net[i].n_fork_taps > 0)
            given = o->net[i].name, kind = "net";
    for (int i = 0; i < o->n_block && given == NULL; i++)
        if (o->block[i].fork_refuse)
            given = o->block[i].name, kind = "block";
    if (given != NULL)
        return kiln_fail(err, errlen, "--fork-%s:%s given, but the image "
                         "declares no KILN_FORK device (it cannot fork)", kind,
                         given);
    return 0;
}

int kiln_devices_match(const struct kiln_options *o,
                       const struct kiln_mft *mft, char *err, size_t errlen)
{
    for (int i = 0; i < o->n_net; i++)
        if (match_one(mft, "--net", o->net[i].name, KILN_MFT_NET_BASIC, err,
                      errlen) != 0)
            return -1;
    for (int i = 0; i < o->n_block; i++)
        if (match_one(mft, "--block", o->block[i].name, KILN_MFT_BLOCK_BASIC,
                      err, errlen) != 0)
            return -1;
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
        if (!attached_by_line(o, e))
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
        const char *name = mft->e[i].name;
        int rc;
        if (mft->e[i].type == KILN_MFT_NET_BASIC) {
            int d = kiln_args_device_index(o, &kiln_net_kind, name);
            rc = kiln_net_attach(mft, i, &o->net[d], err, errlen);
        } else {
            int d = kiln_args_device_index(o, &kiln_block_kind, name);
            rc = kiln_block_attach(mft, i, &o->block[d], err, errlen);
        }
        if (rc != 0)
            return -1;
        mft->e[i].attached = 1;
    }
    return 0;
}
