/* pcap.c: pcap file format, version 2.4, microsecond timestamps,
 * link type Ethernet. */
#include "pcap.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define PCAP_MAGIC 0xa1b2c3d4U
#define PCAP_LINKTYPE_ETHERNET 1
/* tcpdump's largest: a large TCP segment (net offload, up to 14 + 65535
 * bytes) is recorded whole. */
#define PCAP_SNAPLEN 262144

struct pcap_file_header {
    uint32_t magic;
    uint16_t version_major, version_minor;
    int32_t thiszone;
    uint32_t sigfigs, snaplen, linktype;
};

struct pcap_record_header {
    uint32_t ts_sec, ts_usec, incl_len, orig_len;
};

int kiln_pcap_open(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    struct pcap_file_header h = {.magic = PCAP_MAGIC,
                                 .version_major = 2,
                                 .version_minor = 4,
                                 .snaplen = PCAP_SNAPLEN,
                                 .linktype = PCAP_LINKTYPE_ETHERNET};
    if (write(fd, &h, sizeof h) != (ssize_t)sizeof h) {
        close(fd);
        return -1;
    }
    return fd;
}

int kiln_pcap_write(int fd, const uint8_t *frame, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    size_t incl = len > PCAP_SNAPLEN ? PCAP_SNAPLEN : len;
    struct pcap_record_header r = {.ts_sec = (uint32_t)ts.tv_sec,
                                   .ts_usec = (uint32_t)(ts.tv_nsec / 1000),
                                   .incl_len = (uint32_t)incl,
                                   .orig_len = (uint32_t)len};
    struct iovec iov[2] = {{&r, sizeof r}, {(void *)frame, incl}};
    ssize_t want = (ssize_t)(sizeof r + incl);
    return writev(fd, iov, 2) == want ? 0 : -1;
}
