/**
 * examples/https as image contents, natively: the same bundle,
 * runtime, QuickJS and @noble provider as an hvt image, linked as a hosted
 * Linux process (runtime/hosted) on a tap in a network namespace this test
 * creates, probed by curl --tlsv1.3 in that namespace. Complements
 * image.test.ts (the real hvt image in the emulated machine) without it.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, hasCryptoLibs } from '../../cli/image.ts';
import { hasOpenssl, makePki, type Pki } from '../support/tls-pki.ts';

const ROOT = join(__dirname, '..', '..');
// Images that use lib/tls get the runtime's crypto bindings where Debian's libmbedcrypto and libbearssl are installed.
const PROVIDER = hasCryptoLibs('x86_64') ? '@noble + mbedtls' : '@noble';

function unavailable(): string | null {
  if (process.arch !== 'x64' || process.platform !== 'linux') return 'needs Linux on x86_64';
  if (process.getuid?.() !== 0) return 'needs root (a network namespace and a tap)';
  if (!existsSync('/dev/net/tun')) return 'needs /dev/net/tun';
  if (!existsSync('/usr/lib/x86_64-linux-musl/libc.a')) return 'needs musl-dev';
  if (spawnSync('curl', ['--version']).status !== 0) return 'needs curl';
  if (!hasOpenssl()) return 'needs openssl';
  return null;
}

const skip = unavailable();
if (skip) console.warn(`SKIPPED: hosted HTTPS image test: ${skip}`);

const NS = `kilntlsh${process.pid}`;
const TAP = 'kilntlsh0';
const HOST_IP = '10.95.0.1';
const GUEST_IP = '10.95.0.2';

function curl(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', NS, 'curl', '-sS', '--max-time', '60', ...args], { encoding: 'latin1', maxBuffer: 16 << 20 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(skip !== null)('HTTPS from image contents as a hosted process (native, @noble under QuickJS)', () => {
  let pki: Pki;
  let child: ChildProcess;
  let log = '';

  beforeAll(async () => {
    pki = makePki();
    const leaf = pki.issue('hosted', { names: [GUEST_IP] });
    const image = (await buildImage(join(ROOT, 'examples', 'https', 'app.ts'), 'x86_64', join(ROOT, 'build', 'tls-hosted', 'https'), 'process')).path;
    execFileSync('ip', ['netns', 'add', NS]);
    const inNs = (...args: string[]) => execFileSync('ip', ['netns', 'exec', NS, ...args]);
    inNs('ip', 'link', 'set', 'lo', 'up');
    inNs('ip', 'tuntap', 'add', TAP, 'mode', 'tap');
    inNs('ip', 'link', 'set', TAP, 'up');
    inNs('ip', 'addr', 'add', `${HOST_IP}/24`, 'dev', TAP);
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    child = spawn('ip', ['netns', 'exec', NS, image, '--mem=64', `--net:service=${TAP}`, '--', `--ipv4=${GUEST_IP}/24`, `--cert=${b64(leaf.chainPem)}`, `--key=${b64(leaf.keyPem)}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    for (let i = 0; i < 300 && !log.includes('https: TLS 1.3'); i++) await new Promise((r) => setTimeout(r, 100));
    if (!log.includes('https: TLS 1.3')) throw new Error(`the image did not start HTTPS:\n${log}`);
    writeFileSync(join(pki.dir, 'body.bin'), Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) & 0xff)));
  }, 300_000);

  afterAll(() => {
    child?.kill();
    spawnSync('ip', ['netns', 'del', NS]);
  });

  it('serves HTTPS with every suite and both groups, with @noble (and mbedtls for records and hashes) as its provider', () => {
    expect(log).toContain(`[info] https: TLS 1.3 (${PROVIDER}) on 0.0.0.0:443`);
    for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
      for (const group of ['X25519', 'P-256']) {
        const r = curl(['-v', '--tlsv1.3', '--tls13-ciphers', suite, '--curves', group, '--cacert', pki.rootPath, `https://${GUEST_IP}/`]);
        expect(r.stdout).toBe('hello');
        expect(r.stderr).toContain(`SSL connection using TLSv1.3 / ${suite}`);
      }
    }
  });

  it('echoes 200 kB over HTTPS intact, and is refused by a client that does not trust its CA', () => {
    const body = join(pki.dir, 'body.bin');
    const r = spawnSync('ip', ['netns', 'exec', NS, 'curl', '-sS', '--max-time', '60', '--tlsv1.3', '--cacert', pki.rootPath, '--data-binary', `@${body}`, `https://${GUEST_IP}/echo`], { maxBuffer: 16 << 20 });
    expect(Buffer.compare(r.stdout, Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) & 0xff)))).toBe(0);
    expect(curl(['--tlsv1.3', '--cacert', makePki().rootPath, `https://${GUEST_IP}/`]).status).toBe(60);
  });

  it('reports the time of a request on a fresh connection (native, image runtime)', () => {
    const start = performance.now();
    for (let i = 0; i < 10; i++) expect(curl(['-o', '/dev/null', '--tlsv1.3', '--cacert', pki.rootPath, `https://${GUEST_IP}/`]).status).toBe(0);
    console.log(`hosted image: one curl over a fresh HTTPS connection: ${((performance.now() - start) / 10).toFixed(1)} ms`);
  });
});
