/* args_test: solo5-hvt's command line syntax and its refusals. */
#include "args.h"
#include "unit.h"

static int parse(struct kiln_options *o, char *err, char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    return kiln_parse_args(argc, argv, o, err, 256);
}

#define ARGV(...) ((char *[]){"kiln-hvt", __VA_ARGS__, NULL})

/* Command lines the parser refuses, each with a fragment its reason holds
 * ("" where the reason is not checked). */
static const struct {
    char **argv;
    const char *reason;
} refusals[] = {
    {ARGV("--mem=0", "a.hvt"), "--mem=0"},
    {ARGV("--mem=12x", "a.hvt"), ""},
    {ARGV("--mem=99999999999999999999", "a.hvt"), ""},
    {ARGV("--mem=8192", "a.hvt"), ""},
    {ARGV("--mem=64"), "missing IMAGE"},
    {ARGV("--frobnicate", "a.hvt"), "unknown option"},
    {ARGV("--net:=tap0", "a.hvt"), ""},
    {ARGV("--net:service", "a.hvt"), ""},
    {ARGV("--net:service=", "a.hvt"), ""},
    {ARGV("--net:ser-vice=tap0", "a.hvt"), "A-Z a-z 0-9"},
    {ARGV("--net:"
          "a123456789012345678901234567890123456789012345678901234567890123456789=t",
          "a.hvt"),
     ""},
    {ARGV("--net:s=tap0", "--net:s=tap1", "a.hvt"), "attached twice"},
    {ARGV("--net:s=tap0", "--block:s=f", "a.hvt"), "already a network device"},
    {ARGV("--net-mac:s=02:00:00:00:00:01", "a.hvt"), "no --net:s="},
    {ARGV("--net:s=t", "--net-mac:s=01:00:00:00:00:01", "a.hvt"), "unicast"},
    {ARGV("--net:s=t", "--net-mac:s=02:00:00:00:00", "a.hvt"), ""},
    {ARGV("--net:s=t", "--net-mac:s=02:00:00:00:00:0g", "a.hvt"), ""},
    {ARGV("--block:d=x", "--block-sector-size:d=1000", "a.hvt"), ""},
    {ARGV("--block:d=x", "--block-sector-size:d=256", "a.hvt"), ""},
    {ARGV("--block:d=x", "--block-sector-size:d=65536", "a.hvt"), ""},
    /* Forked children's tap pools and block policy. */
    {ARGV("--net:s=t", "--fork-net:s=", "a.hvt"), "empty value"},
    {ARGV("--net:s=t", "--fork-net:s=a,,b", "a.hvt"),
     "expected --fork-net:NAME=TAP1,TAP2,..."},
    {ARGV("--net:s=t", "--fork-net:s=a,", "a.hvt"), ""},
    {ARGV("--net:s=t", "--fork-net:s=a/b", "a.hvt"), ""},
    {ARGV("--net:s=t", "--fork-net:s=a b", "a.hvt"), ""},
    {ARGV("--net:s=t", "--fork-net:s=tap0123456789abc", "a.hvt"),
     "1-15 characters"},
    {ARGV("--net:s=t", "--fork-net:s=a,b,a", "a.hvt"), "tap 'a' named twice"},
    {ARGV("--net:s=t", "--fork-net:s=a", "--fork-net:s=b", "a.hvt"),
     "given twice"},
    {ARGV("--net:s=t", "--fork-net:s=a,t", "a.hvt"),
     "tap 't' is already --net:s's"},
    {ARGV("--net:s=t", "--net:u=v", "--fork-net:s=a,v", "a.hvt"),
     "already --net:u's"},
    {ARGV("--net:s=t", "--net:u=v", "--fork-net:s=a,b", "--fork-net:u=c,b",
          "a.hvt"),
     "in the pools of 's' and 'u'"},
    {ARGV("--fork-net:s=a", "a.hvt"), "no --net:s="},
    {ARGV("--block:s=f", "--fork-net:s=a", "a.hvt"), "already a block device"},
    {ARGV("--block:d=x", "--fork-block:d=deny", "a.hvt"),
     "--fork-block:d=share or --fork-block:d=refuse"},
    {ARGV("--net:d=x", "--fork-block:d=refuse", "a.hvt"),
     "already a network device"},
};

int main(void)
{
    struct kiln_options o;
    char err[256];

    /* urunc's command line. (Named arrays: guest_argv points into them, and
     * a compound literal inside CHECK would end with CHECK's block.) */
    char **urunc = ARGV("--mem=64", "--net:service=tap0",
                        "--block:storage=disk.img", "app.hvt",
                        "--ipv4=10.0.0.2/24", "--ipv4-gateway=10.0.0.1");
    CHECK(parse(&o, err, urunc) == 0);
    CHECK(o.mem_bytes == 64ULL << 20);
    CHECK(o.n_net == 1 && o.n_block == 1);
    CHECK(strcmp(o.net[0].name, "service") == 0);
    CHECK(strcmp(o.net[0].tap, "tap0") == 0);
    CHECK(strcmp(o.block[0].name, "storage") == 0);
    CHECK(strcmp(o.block[0].path, "disk.img") == 0);
    CHECK(strcmp(o.image, "app.hvt") == 0);
    CHECK(strcmp(o.guest_argv[0], "--ipv4=10.0.0.2/24") == 0);
    CHECK(o.guest_argv[2] == NULL);

    /* "--" ends options; later dashes are the guest's. */
    char **dashes = ARGV("--", "app.hvt", "--mem=5");
    CHECK(parse(&o, err, dashes) == 0);
    CHECK(o.mem_bytes == (uint64_t)KILN_DEFAULT_MEM_MB << 20);
    CHECK(strcmp(o.guest_argv[0], "--mem=5") == 0);

    CHECK(parse(&o, err, ARGV("--net:service=tap0",
                              "--net-mac:service=02:aa:BB:cc:00:01",
                              "--net-pcap:service=/tmp/x.pcap", "a.hvt")) == 0);
    CHECK(o.net[0].has_mac && o.net[0].mac[1] == 0xaa &&
          o.net[0].mac[2] == 0xbb && o.net[0].mac[5] == 0x01);
    CHECK(strcmp(o.net[0].pcap_path, "/tmp/x.pcap") == 0);

    CHECK(parse(&o, err, ARGV("--block:d=x", "--block-sector-size:d=4096",
                              "a.hvt")) == 0);
    CHECK(o.block[0].sector_size == 4096);

    CHECK(parse(&o, err, ARGV("--help")) == 0 && o.want_help);
    CHECK(parse(&o, err, ARGV("--version")) == 0 && o.want_version);

    /* Refusals, each with a reason naming the problem. */
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        if (parse(&o, err, refusals[i].argv) != -1) {
            fprintf(stderr, "%s: refusal %zu (%s ...) was accepted\n",
                    __FILE__, i, refusals[i].argv[1]);
            unit_failures++;
        } else {
            CHECK_ERR(err, refusals[i].reason);
        }
    }

    /* Forked children: a tap pool per network device, block shared or
     * refused. */
    char **pool = ARGV("--net:s=tap0", "--fork-net:s=tap1,tap2,a.b-c_d",
                       "--block:d=x", "--fork-block:d=refuse", "a.hvt");
    CHECK(parse(&o, err, pool) == 0);
    CHECK(o.net[0].n_fork_taps == 3);
    CHECK(strcmp(o.net[0].fork_taps[0], "tap1") == 0);
    CHECK(strcmp(o.net[0].fork_taps[2], "a.b-c_d") == 0);
    CHECK(o.block[0].fork_refuse == 1);
    CHECK(parse(&o, err, ARGV("--block:d=x", "--fork-block:d=share",
                              "a.hvt")) == 0);
    CHECK(o.block[0].fork_refuse == 0);
    CHECK(parse(&o, err, ARGV("--net:s=t", "--net:u=v", "--fork-net:s=a",
                              "--fork-net:u=b", "a.hvt")) == 0);

    UNIT_DONE();
}
