/**
 * The TypeScript stack on Node against Linux's stack, over a real tap inside
 * a network namespace this test creates (socat bridges the tap to the stack's
 * UDP socket). Needs root, iproute2, socat, ping, nc (OpenBSD), dnsmasq and python3.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINUX_ADDRESS, StackPeer, TAP, TapNamespace, missingForInterop } from './tap-namespace.ts';
import { testPattern } from './pattern.ts';

const missing = missingForInterop(['ip', 'ss', 'socat', 'ping', 'nc', 'dnsmasq', 'python3']);
if (missing) console.warn(`SKIPPED: interop with Linux: needs ${missing}`);

const STACK_ADDRESS = '10.77.0.2';
const SIXTEEN_MB = 16 * 1024 * 1024;

describe.skipIf(missing !== null)('interop with Linux over a tap', () => {
  const ns = new TapNamespace();
  let stack: StackPeer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-interop-'));
    await ns.open();
    stack = await ns.startStack([`--ipv4=${STACK_ADDRESS}/24`, `--ipv4-gateway=${LINUX_ADDRESS}`]);
  }, 120_000);

  afterAll(() => {
    ns.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([56, 1472, 4000])("Linux's ping gets replies with %i bytes of payload", (size) => {
    const out = ns.exec(['ping', '-c', '5', '-i', '0.2', '-W', '3', '-s', String(size), STACK_ADDRESS]);
    expect(out).toMatch(/5 packets transmitted, 5 received, 0% packet loss/);
    expect(out).toContain(`${size + 8} bytes from ${STACK_ADDRESS}`);
  });

  it('pings Linux', async () => {
    const reply = await stack.command(`ping ${LINUX_ADDRESS} 1000`);
    expect(reply).toMatchObject({ from: LINUX_ADDRESS, payloadSize: 1000 });
  });

  it('echoes UDP to a Linux client', () => {
    expect(ns.exec(['sh', '-c', `printf 'hello over udp' | nc -u -w 1 ${STACK_ADDRESS} 7`])).toBe('hello over udp');
  });

  it('answers UDP to a closed port with port unreachable, which Linux turns into ECONNREFUSED', async () => {
    const before = ((await stack.command('counters')).icmp as Record<string, number>)['tx.error.3.3'] ?? 0;
    // A connected UDP socket reports the ICMP error on its next receive.
    const probe = [
      'import socket',
      's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
      's.settimeout(3)',
      `s.connect(('${STACK_ADDRESS}', 4444))`,
      "s.send(b'x')",
      'try:',
      '    s.recv(100)',
      "    print('answered')",
      'except ConnectionRefusedError:',
      "    print('refused')",
    ].join('\n');
    expect(ns.exec(['python3', '-c', probe]).trim()).toBe('refused');
    const after = ((await stack.command('counters')).icmp as Record<string, number>)['tx.error.3.3'];
    expect(after).toBeGreaterThan(before);
  });

  it('echoes 16 MB from a Linux client byte for byte', () => {
    const input = join(dir, 'in.bin');
    const pattern = testPattern(SIXTEEN_MB);
    writeFileSync(input, pattern);
    const output = join(dir, 'echo.bin');
    ns.exec(['sh', '-c', `nc -N -w 30 ${STACK_ADDRESS} 7 < ${input} > ${output}`], { timeoutMs: 180_000 });
    const echoed = readFileSync(output);
    expect(echoed.length).toBe(SIXTEEN_MB);
    expect(sha256(echoed)).toBe(sha256(pattern));
  }, 200_000);

  it('sends 16 MB to a Linux server byte for byte', async () => {
    const output = join(dir, 'to-linux.bin');
    const server = ns.spawn(['sh', '-c', `nc -l -p 9001 > ${output}`]);
    const closed = new Promise((r) => server.on('exit', r));
    await waitForListener(ns, 9001);
    const result = await stack.command(`send ${LINUX_ADDRESS} 9001 ${SIXTEEN_MB}`, 180_000);
    expect(result).toEqual({ sent: SIXTEEN_MB });
    await closed;
    expect(sha256(readFileSync(output))).toBe(sha256(testPattern(SIXTEEN_MB)));
  }, 200_000);

  it('receives 16 MB from a Linux server byte for byte', async () => {
    const input = join(dir, 'from-linux.bin');
    writeFileSync(input, testPattern(SIXTEEN_MB, 99));
    ns.spawn(['sh', '-c', `nc -l -N -p 9002 < ${input}`]);
    await waitForListener(ns, 9002);
    const result = await stack.command(`recv ${LINUX_ADDRESS} 9002`, 180_000);
    expect(result).toEqual({ received: SIXTEEN_MB, sha256: sha256(testPattern(SIXTEEN_MB, 99)) });
  }, 200_000);

  it('gets its address and DNS server from dnsmasq by DHCP, and resolves a name through it with no --resolver', async () => {
    stack.stop();
    const leases = join(dir, 'leases');
    // DNS on the tap address only, answering from its own table (never from the host's resolvers;
    // other names under kiln.test are NXDOMAIN); DHCP hands that address out as the DNS server
    // (option 6), as dnsmasq does by default.
    ns.spawn([
      'dnsmasq',
      '--no-daemon',
      `--interface=${TAP}`,
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      '--local=/kiln.test/',
      '--address=/web.kiln.test/10.77.0.99',
      '--dhcp-range=10.77.0.50,10.77.0.60,255.255.255.0,2m',
      `--dhcp-leasefile=${leases}`,
      '--dhcp-option=option:router,10.77.0.1',
    ]);
    const dhcp = await ns.startStack([]);
    expect(dhcp.address).toMatch(/^10\.77\.0\.(5\d|60)$/);
    const out = ns.exec(['ping', '-c', '3', '-i', '0.2', '-W', '3', dhcp.address]);
    expect(out).toMatch(/3 received/);
    expect(readFileSync(leases, 'utf8')).toContain(dhcp.address);
    expect(await dhcp.command('resolve web.kiln.test')).toEqual({ addresses: ['10.77.0.99'], dnsServers: [LINUX_ADDRESS] });
    expect(await dhcp.command('resolve nothing.kiln.test')).toMatchObject({ code: 'not-found' });
    dhcp.stop();
  }, 120_000);
});

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function waitForListener(ns: TapNamespace, port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (ns.exec(['ss', '-ltnH', `sport = :${port}`]).trim() !== '') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on port ${port}`);
}
