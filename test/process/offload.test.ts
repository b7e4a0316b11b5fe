/**
 * Large TCP segments across the hosted platform's tap (virtio-net header,
 * runtime/hosted/net.c), against Linux: the echo example as a process on a
 * tap in one namespace, a Linux client in a second namespace behind a veth
 * pair, the first namespace routing between them. The router's veth has
 * segmentation and checksum offload off, so what crosses it is what a wire
 * would carry: tshark, capturing at the client's end, must see only
 * standard frames with valid IPv4 and TCP checksums. The client's own large
 * segments reach the tap coalesced (offload on) or cut by the kernel (off);
 * either way the echo must come back byte-exact.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingForProcessNet, processUnavailable, ROOT, waitForLine } from './support.ts';

const missing = processUnavailable() ?? missingForProcessNet(['ip', 'tshark', 'ethtool']);
if (missing) console.warn(`SKIPPED: hosted segmentation offload against Linux: needs ${missing}`);

const ROUTER = `kiln-ofr-${process.pid}`;
const CLIENT = `kiln-ofc-${process.pid}`;
const TAP = 'kofl0';
const BYTES = 8 * 1024 * 1024;

const sh = (...command: string[]) => execFileSync(command[0]!, command.slice(1), { encoding: 'utf8', timeout: 60_000 });
const inNs = (ns: string, ...command: string[]) => sh('ip', 'netns', 'exec', ns, ...command);

/** Connects to the echo server, sends BYTES of a pattern, and prints whether all came back equal. */
const CLIENT_SCRIPT = `
const net = require('node:net');
const total = ${BYTES};
const data = Buffer.alloc(total);
for (let i = 0; i < total; i++) data[i] = (i * 131 + (i >> 9)) & 255;
const got = [];
let n = 0;
const s = net.connect({ host: '10.81.0.2', port: 7, allowHalfOpen: true }, () => s.end(data));
s.on('data', (d) => { got.push(d); n += d.length; });
s.on('end', () => console.log(n === total && Buffer.concat(got).equals(data) ? 'byte-exact' : 'differs after ' + n));
s.on('error', (e) => console.log('error ' + e.message));
`;

/** tshark writing what crosses (device) in namespace (ns) to (file). */
function capture(ns: string, device: string, file: string): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, 'tshark', '-q', '-i', device, '-w', file, '-f', 'tcp port 7'], { stdio: ['ignore', 'ignore', 'pipe'] });
}

describe.skipIf(missing !== null)('hosted segmentation offload against Linux, checked on the wire', () => {
  let image = '';
  let dir = '';
  let server: ChildProcess | null = null;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-offload-'));
    image = join(dir, 'echo.process');
    sh(process.execPath, join(ROOT, 'cli', 'kiln.js'), 'build', join(ROOT, 'examples', 'echo'), '--target', 'process', '--no-check', '-o', image);
    for (const ns of [ROUTER, CLIENT]) {
      sh('ip', 'netns', 'add', ns);
      inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
    }
    inNs(ROUTER, 'ip', 'tuntap', 'add', 'dev', TAP, 'mode', 'tap', 'vnet_hdr');
    inNs(ROUTER, 'ip', 'addr', 'add', '10.81.0.1/24', 'dev', TAP);
    inNs(ROUTER, 'ip', 'link', 'set', TAP, 'up');
    inNs(ROUTER, 'ip', 'link', 'add', 'kofr', 'type', 'veth', 'peer', 'name', 'kofc', 'netns', CLIENT);
    inNs(ROUTER, 'ip', 'addr', 'add', '10.82.0.1/24', 'dev', 'kofr');
    inNs(ROUTER, 'ip', 'link', 'set', 'kofr', 'up');
    inNs(ROUTER, 'ethtool', '-K', 'kofr', 'tso', 'off', 'gso', 'off', 'tx', 'off');
    inNs(ROUTER, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    inNs(CLIENT, 'ip', 'addr', 'add', '10.82.0.2/24', 'dev', 'kofc');
    inNs(CLIENT, 'ip', 'link', 'set', 'kofc', 'up');
    inNs(CLIENT, 'ip', 'route', 'add', 'default', 'via', '10.82.0.1');
  }, 300_000);

  afterAll(() => {
    server?.kill('SIGKILL');
    for (const ns of [ROUTER, CLIENT]) {
      try {
        sh('ip', 'netns', 'del', ns);
      } catch {
        // Never made.
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // Off after on: the tap keeps the offload settings of the process before, which must be cleared.
  for (const offload of ['on', 'off']) {
    it(`echoes 8 MiB byte-exact with offload ${offload}, in standard frames with valid checksums on the wire`, async () => {
      server = spawn('ip', ['netns', 'exec', ROUTER, image, '--mem=64', `--net:service=${TAP}`, `--net-offload:service=${offload}`,
        '--net-mac:service=02:00:00:81:00:02', '--',
        '--ipv4=10.81.0.2/24', '--ipv4-gateway=10.81.0.1', '--port=7'], { stdio: ['ignore', 'pipe', 'pipe'] });
      await waitForLine(server, /echo: listening/, 60_000);
      const pcap = join(dir, `wire-${offload}.pcap`);
      const tapPcap = join(dir, `tap-${offload}.pcap`);
      const captures = [capture(CLIENT, 'kofc', pcap), capture(ROUTER, TAP, tapPcap)];
      await Promise.all(captures.map((c) => waitForLine(c, /Capturing on/, 30_000)));
      expect(inNs(CLIENT, process.execPath, '-e', CLIENT_SCRIPT).trim()).toBe('byte-exact');
      for (const c of captures) c.kill('SIGINT');
      await Promise.all(captures.map((c) => new Promise((resolve) => c.on('exit', resolve))));
      server.kill('SIGTERM');
      await new Promise((resolve) => server!.on('exit', resolve));
      server = null;

      const fields = (filter: string, file = pcap) =>
        sh('tshark', '-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-Y', filter, '-T', 'fields', '-e', 'frame.len')
          .split('\n')
          .filter(Boolean)
          .map(Number);
      const fromKiln = fields('ip.src == 10.81.0.2');
      expect(fromKiln.length).toBeGreaterThan(BYTES / 1500);
      expect(Math.max(...fromKiln)).toBeLessThanOrEqual(1514);
      // The client's own frames are captured before its veth fills their checksums in: only Kiln's are checked.
      expect(fields('ip.src == 10.81.0.2 && (ip.checksum.status == "Bad" || tcp.checksum.status != "Good")')).toEqual([]);
      // On the tap itself, before the kernel cuts them: Kiln's large segments, only with offload on.
      const largeOnTap = fields('ip.src == 10.81.0.2 && frame.len > 1514', tapPcap).length;
      if (offload === 'on') expect(largeOnTap).toBeGreaterThan(0);
      else expect(largeOnTap).toBe(0);
    }, 300_000);
  }
});
