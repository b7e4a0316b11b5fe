/**
 * Network bindings end to end: a hosted image attached to a tap interface
 * inside a network namespace this test creates answers ARP and ICMP echo
 * from JavaScript (netAcquire, netWatch, netRead, netWrite); Linux's ping in
 * the namespace must get every reply. Needs root and /dev/net/tun.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, buildRuntime, hostedUnavailable } from './hosted.ts';

function netUnavailable(): string | null {
  const hosted = hostedUnavailable();
  if (hosted) return hosted;
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and tap devices)';
  if (!existsSync('/dev/net/tun')) return 'needs /dev/net/tun';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    execFileSync('ping', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'needs iproute2 and iputils-ping';
  }
  return null;
}

const unavailable = netUnavailable();
if (unavailable) console.warn(`SKIPPED: runtime network test: ${unavailable}`);

const NS = `kiln-rt-${process.pid}`;
const ip = (...args: string[]) => execFileSync('ip', ['netns', 'exec', NS, ...args], { stdio: 'pipe' });

const RESPONDER = `
const IP = [10, 77, 0, 2];
const dev = __kiln.netAcquire("service");
const buf = new Uint8Array(dev.offloadFrameMax || dev.mtu + 14);
const target = (f, at) => f[at] === IP[0] && f[at + 1] === IP[1] && f[at + 2] === IP[2] && f[at + 3] === IP[3];
function checksum(b, start, end) {
  let s = 0;
  for (let i = start; i < end; i += 2) s += (b[i] << 8) + (i + 1 < end ? b[i + 1] : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}
let replies = 0;
const want = Number(__kiln.argv[0]);
__kiln.netWatch(dev.handle, function onInput(h) {
  for (let n; (n = __kiln.netRead(h, buf)) >= 0;) {
    const f = buf.subarray(0, n);
    const type = (f[12] << 8) | f[13];
    if (type === 0x0806 && f[21] === 1 && target(f, 38)) {
      const r = new Uint8Array(42);
      r.set(f.subarray(6, 12), 0); r.set(dev.mac, 6); r[12] = 8; r[13] = 6;
      r.set(f.subarray(14, 20), 14); r[21] = 2;
      r.set(dev.mac, 22); r.set(IP, 28); r.set(f.subarray(22, 32), 32);
      __kiln.netWrite(h, r);
    } else if (type === 0x0800 && f[23] === 1 && target(f, 30)) {
      const icmp = 14 + (f[14] & 15) * 4;
      if (f[icmp] !== 8) continue;
      const r = f.slice();
      r.set(f.subarray(6, 12), 0); r.set(dev.mac, 6);
      r.set(f.subarray(30, 34), 26); r.set(f.subarray(26, 30), 30);
      r[icmp] = 0; r[icmp + 2] = 0; r[icmp + 3] = 0;
      const c = checksum(r, icmp, 14 + ((f[16] << 8) | f[17]));
      r[icmp + 2] = c >> 8; r[icmp + 3] = c & 0xff;
      __kiln.netWrite(h, r);
      // Still watched, but no longer keeping the event loop running: it ends.
      if (++replies === want) { console.log("replied", replies); __kiln.netWatch(h, onInput, false); }
    }
  }
});
console.log("watching");
`;

describe.skipIf(unavailable !== null)('runtime network bindings (hosted, tap in a private namespace)', () => {
  beforeAll(() => {
    buildRuntime();
    execFileSync('ip', ['netns', 'add', NS]);
    ip('ip', 'link', 'set', 'lo', 'up');
    ip('ip', 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap');
    ip('ip', 'addr', 'add', '10.77.0.1/24', 'dev', 'tap0');
    ip('ip', 'link', 'set', 'tap0', 'up');
  });
  afterAll(() => {
    execFileSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
  });

  it('answers 20 pings from JavaScript, then leaves the loop once its watch stops keeping it alive', async () => {
    const image = build('responder', RESPONDER, { devices: ['service:NET_BASIC'], dir: 'net' });
    const child = spawn('ip', ['netns', 'exec', NS, image, '--net:service=tap0', '--', '20'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Ping once the tap is attached and watched: a frame sent before is lost.
    const watching = new Promise<void>((resolve) => child.stdout.on('data', () => out.includes('watching\n') && resolve()));
    try {
      const started = await Promise.race([watching, exited.then(() => 'exited' as const)]);
      expect(started, out).not.toBe('exited');
      const ping = ip('ping', '-c', '20', '-i', '0.05', '-W', '2', '10.77.0.2').toString();
      expect(ping).toMatch(/20 packets transmitted, 20 received/);
      const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 10_000));
      expect(await Promise.race([exited, timeout])).toBe(0);
      expect(out).toBe('watching\nreplied 20\n');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
