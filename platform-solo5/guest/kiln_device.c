/* kiln_device.c: finding Kiln's own devices in the manifest. */
#include "guest.h"

int64_t kiln_device_handle(uint32_t type)
{
    const struct kiln_mft *mft = kiln_guest.mft;
    for (uint32_t i = 1; i < mft->entries; i++)
        if (mft->e[i].type == type && mft->e[i].attached)
            return i;
    return -1;
}
