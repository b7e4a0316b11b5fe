/* pcap_test: the file is what tcpdump expects: global header, then one
 * record header and the bytes per frame. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "pcap.h"
#include "unit.h"

int main(void)
{
    char path[] = "/tmp/kiln-pcap-test-XXXXXX";
    int tmp = mkstemp(path);
    CHECK(tmp >= 0);
    close(tmp);

    int fd = kiln_pcap_open(path);
    CHECK(fd >= 0);
    uint8_t frame[60];
    for (int i = 0; i < 60; i++)
        frame[i] = (uint8_t)i;
    CHECK(kiln_pcap_write(fd, frame, sizeof frame) == 0);
    CHECK(kiln_pcap_write(fd, frame, 14) == 0);
    close(fd);

    uint8_t buf[256];
    int rfd = open(path, O_RDONLY);
    ssize_t n = read(rfd, buf, sizeof buf);
    close(rfd);
    unlink(path);
    CHECK(n == 24 + 16 + 60 + 16 + 14);
    uint32_t magic, linktype, incl, orig;
    uint16_t major, minor;
    memcpy(&magic, buf, 4);
    memcpy(&major, buf + 4, 2);
    memcpy(&minor, buf + 6, 2);
    memcpy(&linktype, buf + 20, 4);
    CHECK(magic == 0xa1b2c3d4 && major == 2 && minor == 4 && linktype == 1);
    memcpy(&incl, buf + 24 + 8, 4);
    memcpy(&orig, buf + 24 + 12, 4);
    CHECK(incl == 60 && orig == 60);
    CHECK(memcmp(buf + 40, frame, 60) == 0);
    memcpy(&incl, buf + 100 + 8, 4);
    CHECK(incl == 14 && memcmp(buf + 116, frame, 14) == 0);

    CHECK(kiln_pcap_open("/nonexistent-dir/x.pcap") == -1);
    UNIT_DONE();
}
