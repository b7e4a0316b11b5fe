/*
 * fuzz_args: libFuzzer target for kiln-hvt's command line: the input is
 * the arguments after the program's name, separated by NUL bytes. An
 * accepted command line is then joined into the guest's and matched
 * against a manifest declaring one device of each kind, as main does
 * (names and kinds only: nothing is opened).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "boot_info.h"
#include "devices.h"
#include "fuzz_lib.h"

#define MAX_ARGS 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct kiln_mft *mft;
    if (mft == NULL)
        mft = fuzz_manifest(1);
    /* Each argument its own allocation of exactly its size. */
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = strdup("kiln-hvt");
    for (size_t at = 0; at < size && argc <= MAX_ARGS;) {
        const uint8_t *end = memchr(data + at, 0, size - at);
        size_t len = end ? (size_t)(end - (data + at)) : size - at;
        char *arg = malloc(len + 1);
        memcpy(arg, data + at, len);
        arg[len] = '\0';
        argv[argc++] = arg;
        at += len + 1;
    }
    argv[argc] = NULL;

    static struct kiln_options opt; /* large: not on the stack */
    char err[512];
    if (kiln_parse_args(argc, argv, &opt, err, sizeof err) == 0 &&
        !opt.want_help && !opt.want_version) {
        char *cmdline = kiln_cmdline_join(opt.guest_argv, err, sizeof err);
        free(cmdline);
        kiln_devices_match(&opt, mft, err, sizeof err);
    }
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return 0;
}
