/*
 * kiln_net_offload.h: large TCP segments across a network device (beyond
 * the Solo5 API, whose frames never exceed the MTU). Where the platform
 * offers it, the guest hands the device one TCP/IPv4 segment of up to 64 KiB
 * with the size to cut it into, and may read TCP segments of one connection
 * that the host coalesced; what reaches the wire is standard segments. On
 * the hosted platform it is the tap's virtio-net header (IFF_VNET_HDR,
 * TUNSETOFFLOAD); under kiln-hvt it is Kiln's net offload extension
 * (kiln_hvt_abi.h, "Net offload": the tender drives the same header for
 * the guest), offered unless --net-offload:NAME=off. Under upstream
 * solo5-hvt it is not offered and frames stay plain.
 */
#ifndef KILN_NET_OFFLOAD_H
#define KILN_NET_OFFLOAD_H

#include "kiln_hvt_abi.h"
#include "solo5.h"

/* The largest frame (Ethernet header included) that kiln_net_write_segments
 * takes and solo5_net_read may return on the acquired device (handle), when
 * larger than its MTU plus the header; 0 when the device does not offer
 * offload (then reads need only MTU-sized buffers). Under kiln-hvt the first
 * call is the opt-in: from it on, reads need buffers of this size. */
size_t kiln_net_offload_frame_max(solo5_handle_t handle);

/* Sends the frame buf[0..size) holding one TCP/IPv4 segment, its IPv4 and
 * TCP checksums filled in, as standard segments of (segment_size) payload
 * bytes each. SOLO5_R_OK (a full host queue drops it, as a busy wire
 * would); KILN_R_NOSYS when not offered; SOLO5_R_EINVAL for a frame that is
 * not such a segment or is over the limit; SOLO5_R_EUNSPEC when the host
 * failed. */
int kiln_net_write_segments(solo5_handle_t handle, const uint8_t *buf, size_t size, size_t segment_size);

#endif
