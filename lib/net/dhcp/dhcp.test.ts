import { describe, expect, it } from 'vitest';
import { drive, driveFor } from '../../testing/drive.ts';
import { ArpView } from '../wire/arp.ts';
import * as dhcp from '../wire/dhcp.ts';
import { BROADCAST_MAC } from '../wire/ethernet.ts';
import { boundStack, dhcpStack, dnsOption, LEASE_S, OFFERED, offerAndAnswer, SERVER } from '../../testing/dhcp-server.ts';

describe('DHCP client', () => {
  it('gets a lease: DISCOVER, OFFER, REQUEST, ACK, then announces the address', async () => {
    const { stack, discover, request, server } = await boundStack();
    expect(discover.type).toBe(dhcp.DHCPDISCOVER);
    expect([discover.ipSrc, discover.ipDst]).toEqual([0, 0xffffffff]);
    expect([...discover.ethDst]).toEqual([...BROADCAST_MAC]);
    expect(request.type).toBe(dhcp.DHCPREQUEST);
    expect(request.xid).toBe(discover.xid);
    expect([request.requested, request.server, request.ciaddr]).toEqual([OFFERED, SERVER, 0]);
    expect(stack.ipv4).toEqual({ address: '10.0.0.50', prefix: 24, gateway: '10.0.0.1', source: 'dhcp', dnsServers: [] });
    expect(discover.parameters).toContain(dhcp.OPTION_DNS_SERVERS);
    expect(request.parameters).toContain(dhcp.OPTION_DNS_SERVERS);
    const arps = server.arps.map((f) => {
      const a = new ArpView();
      a.wrap(f, 14, f.length);
      return [a.senderIp, a.targetIp];
    });
    // Two RFC 5227 probes before using the address, then the announcement.
    expect(arps).toEqual([
      [0, OFFERED],
      [0, OFFERED],
      [OFFERED, OFFERED],
    ]);
    expect(stack.counters().dhcp).toMatchObject({ 'tx.discover': 1, 'tx.request': 1, 'rx.offer': 1, 'rx.ack': 1 });
  });

  it('retransmits DISCOVER with exponential backoff and ±1 s of jitter', async () => {
    const { clock, sw, server } = await dhcpStack(200_000);
    await driveFor(clock, sw, 140_000);
    const times = server.collect().map((m) => m.atMs);
    expect(times.length).toBeGreaterThanOrEqual(6);
    const gaps = times.slice(1, 6).map((t, i) => t - times[i]!);
    [4000, 8000, 16000, 32000, 64000].forEach((g, i) => {
      expect(gaps[i]!).toBeGreaterThanOrEqual(g - 1000);
      expect(gaps[i]!).toBeLessThanOrEqual(g + 1000);
    });
  });

  it('fails with timed-out when no server answers', async () => {
    const { clock, sw, creating } = await dhcpStack(10_000);
    await expect(drive(clock, sw, creating)).rejects.toMatchObject({ code: 'timed-out' });
  });

  it('starts over on NAK', async () => {
    const t = await dhcpStack();
    await offerAndAnswer(t, dhcp.DHCPNAK);
    const [again] = t.server.collect();
    expect(again!.type).toBe(dhcp.DHCPDISCOVER);
  });

  it('renews at T1 by unicast to the server, keeping the address', async () => {
    const { clock, sw, server, net, stack } = await boundStack();
    server.collect();
    await driveFor(clock, sw, (LEASE_S / 2) * 1000 - 1 - clock.nowMs());
    expect(server.collect()).toHaveLength(0);
    await driveFor(clock, sw, 1);
    const [renew] = server.collect();
    expect(renew!.type).toBe(dhcp.DHCPREQUEST);
    expect([renew!.ciaddr, renew!.ipSrc, renew!.ipDst, renew!.requested, renew!.server]).toEqual([OFFERED, OFFERED, SERVER, -1, -1]);
    expect([...renew!.ethDst]).toEqual([...server.port.mac]);
    server.reply(renew!, net.mac, dhcp.DHCPACK);
    await sw.settle();
    expect(stack.ipv4.address).toBe('10.0.0.50');
    // The new lease counts from the renewal: nothing more until the next T1.
    await driveFor(clock, sw, (LEASE_S / 2) * 1000 - 1);
    expect(server.collect()).toHaveLength(0);
  });

  it('retries renewal, rebinds by broadcast at T2, and gives the address up at expiry', async () => {
    const { clock, sw, server, stack } = await boundStack();
    server.collect();
    await driveFor(clock, sw, LEASE_S * 1000 - 1 - clock.nowMs());
    const msgs = server.collect();
    const renewing = msgs.filter((m) => m.ipDst === SERVER);
    const rebinding = msgs.filter((m) => m.ipDst === 0xffffffff);
    expect(renewing.length).toBeGreaterThanOrEqual(2);
    expect(rebinding.length).toBeGreaterThanOrEqual(2);
    expect(renewing.every((m) => m.atMs >= 1_800_000 && m.atMs < 3_150_000)).toBe(true);
    expect(rebinding[0]!.atMs).toBe(3_150_000);
    expect(rebinding.every((m) => m.ciaddr === OFFERED && m.type === dhcp.DHCPREQUEST)).toBe(true);
    expect(stack.ipv4.address).toBe('10.0.0.50');
    await driveFor(clock, sw, 1);
    expect(stack.ipv4.address).toBe('0.0.0.0');
    expect(stack.counters().dhcp!['lease.expired']).toBe(1);
    const [discover] = server.collect();
    expect(discover!.type).toBe(dhcp.DHCPDISCOVER);
  });

  it('declines an address another host answers for, waits 10 s, and starts over', async () => {
    const t = await dhcpStack();
    const { sw, server, net, clock, creating } = t;
    server.conflict = true;
    await offerAndAnswer(t, dhcp.DHCPACK);
    const [decline] = server.collect();
    expect(decline!.type).toBe(dhcp.DHCPDECLINE);
    expect([decline!.requested, decline!.server]).toEqual([OFFERED, SERVER]);
    await driveFor(clock, sw, 9_999);
    expect(server.collect()).toHaveLength(0);
    await driveFor(clock, sw, 1);
    const [discover] = server.collect();
    expect(discover!.type).toBe(dhcp.DHCPDISCOVER);
    // The second offer is free: bound now.
    server.conflict = false;
    server.reply(discover!, net.mac, dhcp.DHCPOFFER);
    await sw.settle();
    server.reply(server.collect()[0]!, net.mac, dhcp.DHCPACK);
    const stack = await drive(clock, sw, creating);
    expect(stack.counters().dhcp).toMatchObject({ declined: 1, 'tx.decline': 1 });
  });

  it('releases the lease on close', async () => {
    const { stack, server, sw, clock } = await boundStack();
    server.collect();
    await drive(clock, sw, stack.close());
    await sw.settle();
    const [release] = server.collect();
    expect(release!.type).toBe(dhcp.DHCPRELEASE);
    expect([release!.ciaddr, release!.server]).toEqual([OFFERED, SERVER]);
  });

  it('ignores replies for another client or transaction', async () => {
    const { sw, server, net, creating, clock } = await dhcpStack(30_000);
    await sw.settle();
    const [discover] = server.collect();
    server.reply({ ...discover!, xid: discover!.xid ^ 1 }, net.mac, dhcp.DHCPOFFER);
    server.reply(discover!, new Uint8Array([2, 9, 9, 9, 9, 9]), dhcp.DHCPOFFER);
    await sw.settle();
    expect(server.collect()).toHaveLength(0);
    await expect(drive(clock, sw, creating)).rejects.toMatchObject({ code: 'timed-out' });
  });
  describe('DNS servers (option 6)', () => {
    it('takes the list in the server\'s order', async () => {
      const { stack } = await boundStack((s) => (s.dnsServers = dnsOption('10.0.0.53', '10.0.0.54', '192.0.2.1')));
      expect(stack.ipv4.dnsServers).toEqual(['10.0.0.53', '10.0.0.54', '192.0.2.1']);
      expect(stack.counters().dhcp!['rx.ignored.dns-servers']).toBeUndefined();
    });

    it('ignores a malformed list, counts it, and keeps the lease', async () => {
      const bad = [new Uint8Array(0), new Uint8Array([10, 0, 0, 53, 10]), new Uint8Array(7), dnsOption('10.0.0.53', '0.0.0.0'), dnsOption('255.255.255.255')];
      for (const value of bad) {
        const { stack } = await boundStack((s) => (s.dnsServers = value));
        expect(stack.ipv4).toMatchObject({ address: '10.0.0.50', dnsServers: [] });
        expect(stack.counters().dhcp!['rx.ignored.dns-servers']).toBe(1);
      }
    });

    it('follows the list a renewal brings, and an ACK without the option clears it', async () => {
      const { clock, sw, server, net, stack } = await boundStack((s) => (s.dnsServers = dnsOption('10.0.0.53')));
      expect(stack.ipv4.dnsServers).toEqual(['10.0.0.53']);
      const renewal = async (): Promise<void> => {
        server.collect();
        await driveFor(clock, sw, (LEASE_S / 2) * 1000);
        const [renew] = server.collect();
        expect(renew!.type).toBe(dhcp.DHCPREQUEST);
        expect(renew!.parameters).toContain(dhcp.OPTION_DNS_SERVERS);
        server.reply(renew!, net.mac, dhcp.DHCPACK);
        await sw.settle();
      };
      server.dnsServers = dnsOption('10.0.0.54', '10.0.0.53');
      await renewal();
      expect(stack.ipv4.dnsServers).toEqual(['10.0.0.54', '10.0.0.53']);
      server.dnsServers = null;
      await renewal();
      expect(stack.ipv4.dnsServers).toEqual([]);
      expect(stack.ipv4.address).toBe('10.0.0.50');
    });

    it('forgets the servers with the lease', async () => {
      const { clock, sw, stack } = await boundStack((s) => (s.dnsServers = dnsOption('10.0.0.53')));
      await driveFor(clock, sw, LEASE_S * 1000);
      expect(stack.ipv4).toMatchObject({ address: '0.0.0.0', dnsServers: [] });
    });
  });
});
