/* forkdev: devices of a forked unikernel. The block device is shared: what
 * the child writes, the parent reads after the child ends. The network
 * device stays the parent's: the child's sends are refused with
 * SOLO5_R_EINVAL (run with KILN_HVT_NET_RING=0, so each send is a call that
 * can report it), the parent's still go out. */
#include "fork_lib.h"

static uint8_t sector[512];
static uint8_t frame[60];

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    solo5_handle_t net, blk;
    struct solo5_net_info ni;
    struct solo5_block_info bi;
    TEST_CHECK(solo5_net_acquire("service", &net, &ni) == SOLO5_R_OK);
    TEST_CHECK(solo5_block_acquire("storage", &blk, &bi) == SOLO5_R_OK);
    TEST_CHECK(bi.block_size == sizeof sector);
    memset(frame, 0xff, 6); /* broadcast, from us, an unused EtherType */
    memcpy(frame + 6, ni.mac_address, 6);
    frame[12] = 0x88;
    frame[13] = 0xb5;
    TEST_CHECK(solo5_net_write(net, frame, sizeof frame) == SOLO5_R_OK);

    uint64_t id;
    TEST_CHECK(kiln_fork(&id) == SOLO5_R_OK);
    if (id == 0) {
        if (solo5_net_write(net, frame, sizeof frame) != SOLO5_R_EINVAL)
            solo5_exit(2);
        memset(sector, 0x5a, sizeof sector);
        solo5_exit(solo5_block_write(blk, 512, sector, sizeof sector) == SOLO5_R_OK ? 0 : 3);
    }
    TEST_CHECK(wait_child(id) == 0);
    memset(sector, 0, sizeof sector);
    TEST_CHECK(solo5_block_read(blk, 512, sector, sizeof sector) == SOLO5_R_OK);
    for (size_t i = 0; i < sizeof sector; i++)
        TEST_CHECK(sector[i] == 0x5a);
    TEST_CHECK(solo5_net_write(net, frame, sizeof frame) == SOLO5_R_OK);
    test_puts("forkdev: block shared with the child, net refused to it\n");
    test_puts("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
