/* pcap.h: recording Ethernet frames to a classic pcap file (readable by
 * tcpdump -r, tshark, wireshark). */
#ifndef KILN_PCAP_H
#define KILN_PCAP_H

#include <stddef.h>
#include <stdint.h>

/* Creates (path) and writes the file header; returns an fd or -1 (errno). */
int kiln_pcap_open(const char *path);

/* Appends one frame with the current wall time; returns 0 or -1 (errno). */
int kiln_pcap_write(int fd, const uint8_t *frame, size_t len);

#endif
