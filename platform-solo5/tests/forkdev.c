/* forkdev: devices of a forked unikernel, by --mode:
 * - shared (default): the block device is shared (what the child writes,
 *   the parent reads after the child ends); the network device stays the
 *   parent's: the child's sends and reads fail with KILN_R_UNAVAILABLE,
 *   through the rings or plain calls alike (KILN_HVT_NET_RING=0), while the
 *   parent's still go out.
 * - pool: run with --fork-net:service=ONE_TAP, both taps on one bridge. The
 *   child takes the pool's tap and a MAC of its own; parent and child see
 *   each other's frames across the bridge. While the child holds the tap
 *   a second fork is refused (KILN_R_LIMIT); once it is waited for the tap
 *   is handed out again, and a grandchild then finds the pool empty.
 * - refuse: run with --fork-block:storage=refuse: the child's block calls
 *   fail with KILN_R_UNAVAILABLE, the parent's still work.
 * - hold: run with --fork-net:service=TAP1,...: the child says it holds
 *   its tap, then runs until an ARP request for 10.77.0.99 reaches it (the
 *   test's signal, once it has looked at every tender's descriptors).
 * In every mode kiln_net_pool_tap tells the child on the pool's first tap
 * 1, and 0 to the parent and to a child without a pool tap. */
#include "fork_lib.h"

#define ETHERTYPE_TEST 0x88b5 /* IEEE local experimental */
#define ETHERTYPE_ARP 0x0806
static const uint8_t release_ip[4] = {10, 77, 0, 99};
#define MARK_SIZE 8

static uint8_t sector[512];
static uint8_t frame[60];
static uint8_t rx[1514];

static solo5_handle_t net, blk;
static struct solo5_net_info ni;

/* A broadcast frame from (mac) carrying (mark). */
static void send_mark(const uint8_t mac[6], const char *mark)
{
    memset(frame, 0, sizeof frame);
    memset(frame, 0xff, 6);
    memcpy(frame + 6, mac, 6);
    frame[12] = ETHERTYPE_TEST >> 8;
    frame[13] = ETHERTYPE_TEST & 0xff;
    memcpy(frame + 14, mark, MARK_SIZE);
    TEST_CHECK(solo5_net_write(net, frame, sizeof frame) == SOLO5_R_OK);
}

/* Waits up to 30 s for a test frame carrying (mark) from a MAC other than
 * (own); copies its source MAC to (from). */
static void receive_mark(const uint8_t own[6], const char *mark, uint8_t from[6])
{
    solo5_time_t give_up = solo5_clock_monotonic() + 30 * FORK_LIB_SECOND;
    while (solo5_clock_monotonic() < give_up) {
        size_t n;
        while (solo5_net_read(net, rx, sizeof rx, &n) == SOLO5_R_OK) {
            if (n < 14 + MARK_SIZE || rx[12] != ETHERTYPE_TEST >> 8 ||
                rx[13] != (ETHERTYPE_TEST & 0xff) ||
                memcmp(rx + 14, mark, MARK_SIZE) != 0 ||
                memcmp(rx + 6, own, 6) == 0)
                continue;
            memcpy(from, rx + 6, 6);
            return;
        }
        solo5_yield(solo5_clock_monotonic() + FORK_LIB_SECOND, NULL);
    }
    test_fail("no frame from the other side of the fork within 30 s");
}

/* Waits up to 60 s for an ARP request asking for (ip). */
static void receive_arp_for(const uint8_t ip[4])
{
    solo5_time_t give_up = solo5_clock_monotonic() + 60 * FORK_LIB_SECOND;
    while (solo5_clock_monotonic() < give_up) {
        size_t n;
        while (solo5_net_read(net, rx, sizeof rx, &n) == SOLO5_R_OK)
            if (n >= 42 && rx[12] == ETHERTYPE_ARP >> 8 &&
                rx[13] == (ETHERTYPE_ARP & 0xff) && memcmp(rx + 38, ip, 4) == 0)
                return;
        solo5_yield(solo5_clock_monotonic() + FORK_LIB_SECOND, NULL);
    }
    test_fail("no ARP request for the release address within 60 s");
}

/* The child's view of its network device: acquired again, it reports the
 * child's own MAC. */
static void reacquire(struct solo5_net_info *info)
{
    solo5_handle_t h;
    TEST_CHECK(solo5_net_acquire("service", &h, info) == SOLO5_R_OK);
    TEST_CHECK(h == net);
}

static void shared_mode(void)
{
    send_mark(ni.mac_address, "parent00");
    uint64_t id;
    TEST_CHECK(kiln_fork(&id) == SOLO5_R_OK);
    if (id == 0) {
        size_t n;
        if (solo5_net_write(net, frame, sizeof frame) != KILN_R_UNAVAILABLE ||
            solo5_net_read(net, rx, sizeof rx, &n) != KILN_R_UNAVAILABLE ||
            kiln_net_pool_tap(net) != 0)
            solo5_exit(2);
        memset(sector, 0x5a, sizeof sector);
        solo5_exit(solo5_block_write(blk, 512, sector, sizeof sector) == SOLO5_R_OK ? 0 : 3);
    }
    TEST_CHECK(wait_child(id) == 0);
    memset(sector, 0, sizeof sector);
    TEST_CHECK(solo5_block_read(blk, 512, sector, sizeof sector) == SOLO5_R_OK);
    for (size_t i = 0; i < sizeof sector; i++)
        TEST_CHECK(sector[i] == 0x5a);
    send_mark(ni.mac_address, "parent01");
    test_puts("forkdev: block shared with the child, net refused to it\n");
}

static void pool_mode(void)
{
    uint64_t id, other;
    uint8_t peer[6];
    TEST_CHECK(kiln_fork(&id) == SOLO5_R_OK);
    if (id == 0) {
        struct solo5_net_info mine;
        reacquire(&mine);
        if (memcmp(mine.mac_address, ni.mac_address, 6) == 0)
            test_fail("the child kept the parent's MAC");
        if (kiln_net_pool_tap(net) != 1)
            test_fail("the child on the pool's only tap is not told so");
        send_mark(mine.mac_address, "child000");
        receive_mark(mine.mac_address, "parent00", peer);
        solo5_exit(memcmp(peer, ni.mac_address, 6) == 0 ? 0 : 4);
    }
    receive_mark(ni.mac_address, "child000", peer);
    /* The child holds the only tap, and waits for our frame: no tap left. */
    TEST_CHECK(kiln_fork(&other) == KILN_R_LIMIT);
    send_mark(ni.mac_address, "parent00");
    TEST_CHECK(wait_child(id) == 0);
    test_puts("forkdev: the child has its own tap and MAC, frames cross both ways\n");

    TEST_CHECK(kiln_fork(&id) == SOLO5_R_OK);
    if (id == 0) {
        struct solo5_net_info mine;
        reacquire(&mine);
        /* A grandchild draws from the same pool, which we now empty. */
        solo5_exit(kiln_fork(&other) == KILN_R_LIMIT ? 0 : 5);
    }
    TEST_CHECK(wait_child(id) == 0);
    test_puts("forkdev: a held tap is refused to the next fork, a freed one "
              "handed out again, the pool shared with grandchildren\n");
}

static void hold_mode(void)
{
    uint64_t id;
    TEST_CHECK(kiln_fork(&id) == SOLO5_R_OK);
    if (id == 0) {
        struct solo5_net_info mine;
        reacquire(&mine);
        test_puts("forkdev: the child holds its tap\n");
        receive_arp_for(release_ip);
        solo5_exit(kiln_net_pool_tap(net) == 1 ? 0 : 8);
    }
    TEST_CHECK(wait_child(id) == 0);
    test_puts("forkdev: the child was released\n");
}

static void refuse_mode(void)
{
    uint64_t id;
    TEST_CHECK(kiln_fork(&id) == SOLO5_R_OK);
    if (id == 0) {
        memset(sector, 0x77, sizeof sector);
        if (solo5_block_write(blk, 0, sector, sizeof sector) != KILN_R_UNAVAILABLE ||
            solo5_block_read(blk, 0, sector, sizeof sector) != KILN_R_UNAVAILABLE)
            solo5_exit(6);
        /* A bad request is still a bad request. */
        solo5_exit(solo5_block_read(blk, 1, sector, sizeof sector) == SOLO5_R_EINVAL ? 0 : 7);
    }
    TEST_CHECK(wait_child(id) == 0);
    TEST_CHECK(solo5_block_read(blk, 0, sector, sizeof sector) == SOLO5_R_OK);
    for (size_t i = 0; i < sizeof sector; i++)
        TEST_CHECK(sector[i] != 0x77);
    test_puts("forkdev: block refused to the child, still the parent's\n");
}

int solo5_app_main(const struct solo5_start_info *si)
{
    struct solo5_block_info bi;
    TEST_CHECK(solo5_net_acquire("service", &net, &ni) == SOLO5_R_OK);
    TEST_CHECK(kiln_net_pool_tap(net) == 0);
    TEST_CHECK(solo5_block_acquire("storage", &blk, &bi) == SOLO5_R_OK);
    TEST_CHECK(bi.block_size == sizeof sector);
    char mode[16];
    if (!test_arg(si->cmdline, "mode", mode, sizeof mode))
        shared_mode();
    else if (test_streq(mode, "pool"))
        pool_mode();
    else if (test_streq(mode, "refuse"))
        refuse_mode();
    else if (test_streq(mode, "hold"))
        hold_mode();
    else
        test_fail("--mode must be pool, refuse or hold, or absent");
    test_puts("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
