import { describe, expect, it } from 'vitest';
import { ArpView, ARP_REQUEST, writeArp } from './arp.ts';
import { DhcpView, DhcpWriter, BOOTREPLY, OPTION_LEASE_TIME, OPTION_MESSAGE_TYPE, OPTION_ROUTER } from './dhcp.ts';
import { refreshIpv4Checksum } from '../../testing/frames.ts';
import { EthernetView } from './ethernet.ts';
import { Ipv4View, writeIpv4Header } from './ipv4.ts';
import { IcmpView, writeIcmpHeader } from './icmpv4.ts';
import { UdpView, writeUdpHeader } from './udp.ts';

describe('wire views', () => {
  it('Ethernet: a header needs 14 bytes', () => {
    const v = new EthernetView();
    expect(v.wrap(new Uint8Array(13))).toBe('truncated');
    const f = new Uint8Array(14);
    f.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    f[12] = 8;
    f[13] = 6;
    expect(v.wrap(f)).toBeNull();
    expect([v.isBroadcast, v.isGroupDestination, v.etherType]).toEqual([true, true, 0x0806]);
  });

  it('ARP: only Ethernet/IPv4 requests and replies', () => {
    const p = new Uint8Array(28);
    writeArp(p, 0, ARP_REQUEST, new Uint8Array(6).fill(2), 0x0a000001, new Uint8Array(6), 0x0a000002);
    const v = new ArpView();
    expect(v.wrap(p, 0, 28)).toBeNull();
    expect([v.senderIp, v.targetIp]).toEqual([0x0a000001, 0x0a000002]);
    expect(v.wrap(p, 0, 27)).toBe('truncated');
    p[7] = 9;
    expect(v.wrap(p, 0, 28)).toBe('bad-operation');
    p[3] = 0xdd;
    expect(v.wrap(p, 0, 28)).toBe('unsupported');
  });

  it('IPv4: options are skipped, lengths and checksum checked', () => {
    const p = new Uint8Array(40);
    writeIpv4Header(p, 0, 40, 7, 0x2000 | 3, 64, 17, 0x0a000001, 0x0a000002);
    const v = new Ipv4View();
    expect(v.wrap(p, 0, 40)).toBeNull();
    expect([v.identification, v.moreFragments, v.fragmentOffset, v.isFragment, v.payloadStart, v.payloadEnd]).toEqual([7, true, 24, true, 20, 40]);
    // A 24-byte header (one option word), checksum recomputed.
    p[0] = 0x46;
    refreshIpv4Checksum(p);
    expect(v.wrap(p, 0, 40)).toBeNull();
    expect(v.payloadStart).toBe(24);
    expect(v.wrap(p, 0, 39)).toBe('truncated');
  });

  it('ICMP and UDP: checksums over what they carry', () => {
    const m = new Uint8Array(12);
    m.set([1, 2, 3, 4], 8);
    writeIcmpHeader(m, 0, 12, 8, 0, 0x1234, 5);
    const icmp = new IcmpView();
    expect(icmp.wrap(m, 0, 12)).toBeNull();
    m[11] ^= 1;
    expect(icmp.wrap(m, 0, 12)).toBe('checksum');

    const d = new Uint8Array(11);
    d.set([9, 9, 9], 8);
    writeUdpHeader(d, 0, 1000, 53, 3, 0x0a000001, 0x0a000002);
    const udp = new UdpView();
    expect(udp.wrap(d, 0, 11, 0x0a000001, 0x0a000002)).toBeNull();
    // The pseudo-header counts: the same bytes from another source fail.
    expect(udp.wrap(d, 0, 11, 0x0a000003, 0x0a000002)).toBe('checksum');
    expect(udp.wrap(d, 0, 10, 0x0a000001, 0x0a000002)).toBe('length');
  });

  it('DHCP: options are walked within the message; pads skipped; overruns refused', () => {
    const buf = new Uint8Array(400);
    const w = new DhcpWriter(buf);
    w.begin(BOOTREPLY, 0xabcdef01, new Uint8Array([2, 0, 0, 0, 0, 1]), 0, true);
    w.optionU8(OPTION_MESSAGE_TYPE, 5);
    w.option(0, new Uint8Array(0)); // a pad byte and a zero length, read as two pads
    w.optionU32(OPTION_LEASE_TIME, 3600);
    const end = w.finish();
    const v = new DhcpView();
    expect(v.wrap(buf, 0, end)).toBeNull();
    expect([v.transactionId, v.optionU8(OPTION_MESSAGE_TYPE), v.optionU32(OPTION_LEASE_TIME), v.optionU32(OPTION_ROUTER)]).toEqual([
      0xabcdef01, 5, 3600, -1,
    ]);
    // An option whose length runs past the end of the message.
    const cut = 240 + 3 + 2;
    buf[cut] = 51;
    buf[cut + 1] = 200;
    expect(v.wrap(buf, 0, cut + 10)).toBe('options');
    expect(v.wrap(buf, 0, 239)).toBe('truncated');
    buf[236] = 0;
    expect(v.wrap(buf, 0, end)).toBe('magic-cookie');
  });
});
