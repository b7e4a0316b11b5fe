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
    CHECK(parse(&o, err, ARGV("--mem=0", "a.hvt")) == -1);
    CHECK_ERR(err, "--mem=0");
    CHECK(parse(&o, err, ARGV("--mem=12x", "a.hvt")) == -1);
    CHECK(parse(&o, err, ARGV("--mem=99999999999999999999", "a.hvt")) == -1);
    CHECK(parse(&o, err, ARGV("--mem=8192", "a.hvt")) == -1);
    CHECK(parse(&o, err, ARGV("--mem=64")) == -1);
    CHECK_ERR(err, "missing IMAGE");
    CHECK(parse(&o, err, ARGV("--frobnicate", "a.hvt")) == -1);
    CHECK_ERR(err, "unknown option");
    CHECK(parse(&o, err, ARGV("--net:=tap0", "a.hvt")) == -1);
    CHECK(parse(&o, err, ARGV("--net:service", "a.hvt")) == -1);
    CHECK(parse(&o, err, ARGV("--net:service=", "a.hvt")) == -1);
    CHECK(parse(&o, err, ARGV("--net:ser-vice=tap0", "a.hvt")) == -1);
    CHECK_ERR(err, "A-Z a-z 0-9");
    CHECK(parse(&o, err,
                ARGV("--net:"
                     "a123456789012345678901234567890123456789012345678901234567890123456789=t",
                     "a.hvt")) == -1);
    CHECK(parse(&o, err, ARGV("--net:s=tap0", "--net:s=tap1", "a.hvt")) == -1);
    CHECK_ERR(err, "attached twice");
    CHECK(parse(&o, err, ARGV("--net:s=tap0", "--block:s=f", "a.hvt")) == -1);
    CHECK_ERR(err, "already a network device");
    CHECK(parse(&o, err, ARGV("--net-mac:s=02:00:00:00:00:01", "a.hvt")) == -1);
    CHECK_ERR(err, "no --net:s=");
    CHECK(parse(&o, err, ARGV("--net:s=t", "--net-mac:s=01:00:00:00:00:01",
                              "a.hvt")) == -1);
    CHECK_ERR(err, "unicast");
    CHECK(parse(&o, err, ARGV("--net:s=t", "--net-mac:s=02:00:00:00:00",
                              "a.hvt")) == -1);
    CHECK(parse(&o, err, ARGV("--net:s=t", "--net-mac:s=02:00:00:00:00:0g",
                              "a.hvt")) == -1);
    CHECK(parse(&o, err, ARGV("--block:d=x", "--block-sector-size:d=1000",
                              "a.hvt")) == -1);
    CHECK(parse(&o, err, ARGV("--block:d=x", "--block-sector-size:d=256",
                              "a.hvt")) == -1);
    CHECK(parse(&o, err, ARGV("--block:d=x", "--block-sector-size:d=65536",
                              "a.hvt")) == -1);

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

    CHECK(parse(&o, err, ARGV("--net:s=t", "--fork-net:s=", "a.hvt")) == -1);
    CHECK_ERR(err, "empty value");
    CHECK(parse(&o, err, ARGV("--net:s=t", "--fork-net:s=a,,b", "a.hvt")) ==
          -1);
    CHECK_ERR(err, "expected --fork-net:NAME=TAP1,TAP2,...");
    CHECK(parse(&o, err, ARGV("--net:s=t", "--fork-net:s=a,", "a.hvt")) == -1);
    CHECK(parse(&o, err, ARGV("--net:s=t", "--fork-net:s=a/b", "a.hvt")) ==
          -1);
    CHECK(parse(&o, err, ARGV("--net:s=t", "--fork-net:s=a b", "a.hvt")) ==
          -1);
    CHECK(parse(&o, err, ARGV("--net:s=t", "--fork-net:s=tap0123456789abc",
                              "a.hvt")) == -1);
    CHECK_ERR(err, "1-15 characters");
    CHECK(parse(&o, err, ARGV("--net:s=t", "--fork-net:s=a,b,a", "a.hvt")) ==
          -1);
    CHECK_ERR(err, "tap 'a' named twice");
    CHECK(parse(&o, err, ARGV("--net:s=t", "--fork-net:s=a", "--fork-net:s=b",
                              "a.hvt")) == -1);
    CHECK_ERR(err, "given twice");
    CHECK(parse(&o, err, ARGV("--net:s=t", "--fork-net:s=a,t", "a.hvt")) ==
          -1);
    CHECK_ERR(err, "tap 't' is already --net:s's");
    CHECK(parse(&o, err, ARGV("--net:s=t", "--net:u=v", "--fork-net:s=a,v",
                              "a.hvt")) == -1);
    CHECK_ERR(err, "already --net:u's");
    CHECK(parse(&o, err, ARGV("--net:s=t", "--net:u=v", "--fork-net:s=a,b",
                              "--fork-net:u=c,b", "a.hvt")) == -1);
    CHECK_ERR(err, "in the pools of 's' and 'u'");
    CHECK(parse(&o, err, ARGV("--fork-net:s=a", "a.hvt")) == -1);
    CHECK_ERR(err, "no --net:s=");
    CHECK(parse(&o, err, ARGV("--block:s=f", "--fork-net:s=a", "a.hvt")) ==
          -1);
    CHECK_ERR(err, "already a block device");
    CHECK(parse(&o, err, ARGV("--block:d=x", "--fork-block:d=deny", "a.hvt")) ==
          -1);
    CHECK_ERR(err, "--fork-block:d=share or --fork-block:d=refuse");
    CHECK(parse(&o, err, ARGV("--net:d=x", "--fork-block:d=refuse", "a.hvt")) ==
          -1);
    CHECK_ERR(err, "already a network device");
    UNIT_DONE();
}
