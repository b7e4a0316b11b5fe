/**
 * examples/https on the unix platform (node:crypto provider), given a
 * certificate and key as boot arguments: curl --tlsv1.3 and Kiln's
 * own HTTP client (https:// URLs through httpsConnector, and examples/fetch)
 * on loopback.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUnixStack } from '../../drivers/unix/stack.ts';
import { nodeCryptoProvider } from '../../drivers/unix/tls-crypto.ts';
import { unixRandom } from '../../drivers/unix/random.ts';
import { HttpClient } from '../../lib/http/client.ts';
import { httpsConnector, parseCertificatesPem } from '../../lib/tls/index.ts';
import { hasOpenssl, makePki, type Pki } from '../support/tls-pki.ts';

const repoRoot = join(__dirname, '..', '..');
const hasCurl = spawnSync('curl', ['--version']).status === 0;
const skip = !hasCurl || !hasOpenssl();
if (skip) console.warn('SKIPPED: examples/http HTTPS tests need curl and openssl (Debian packages curl, openssl)');

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe.skipIf(skip)('examples/https on unix', () => {
  let child: ChildProcess;
  let pki: Pki;
  let port = 0;
  let output = '';

  beforeAll(async () => {
    pki = makePki();
    const leaf = pki.issue('web', { names: ['localhost', '127.0.0.1'] });
    child = spawn(
      process.execPath,
      [join(repoRoot, 'cli', 'kiln.js'), 'run', join(repoRoot, 'examples', 'https'), '--target', 'unix', '--', '--port=0', `--cert=${b64(leaf.chainPem)}`, `--key=${b64(leaf.keyPem)}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    for (let i = 0; i < 600 && !/https: TLS 1\.3 \([^)]+\) on [\d.]+:(\d+)/.test(output); i++) await new Promise((r) => setTimeout(r, 50));
    const m = /https: TLS 1\.3 \(([^)]+)\) on [\d.]+:(\d+)/.exec(output);
    if (!m) throw new Error(`the example did not start HTTPS:\n${output}`);
    expect(m[1]).toBe('node:crypto');
    port = Number(m[2]);
  });

  afterAll(() => {
    child?.kill();
  });

  it('answers curl --tlsv1.3 with ALPN http/1.1, and echoes a MiB intact', () => {
    const r = spawnSync('curl', ['-sS', '-v', '--tlsv1.3', '--cacert', pki.rootPath, `https://localhost:${port}/`], { encoding: 'latin1' });
    expect(r.stdout).toBe('hello');
    expect(r.stderr).toContain('ALPN: server accepted http/1.1');
    const body = randomBytes(1 << 20);
    const file = join(pki.dir, 'body.bin');
    writeFileSync(file, body);
    const echoed = spawnSync('curl', ['-sS', '--tlsv1.3', '--cacert', pki.rootPath, '--data-binary', `@${file}`, `https://localhost:${port}/echo`], { maxBuffer: 4 << 20 });
    expect(createHash('sha256').update(echoed.stdout).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it("is fetched by Kiln's HTTP client through https:// URLs", async () => {
    const stack = createUnixStack();
    const client = new HttpClient(stack, {
      secure: httpsConnector({ crypto: nodeCryptoProvider, random: unixRandom, nowMs: () => Date.now(), trustAnchors: parseCertificatesPem(pki.rootPem) }),
    });
    try {
      const r = await client.request(`https://127.0.0.1:${port}/`);
      expect(await r.text()).toBe('hello');
      const stats = await (await client.request(`https://127.0.0.1:${port}/stats`)).json();
      expect(stats).toMatchObject({ tls: { handshakes: expect.any(Number) } });
    } finally {
      await client.close();
      await stack.close();
    }
  });

  const fetchExample = (args: string[]) =>
    spawnSync(process.execPath, [join(repoRoot, 'cli', 'kiln.js'), 'run', join(repoRoot, 'examples', 'fetch'), '--target', 'unix', '--', ...args], { encoding: 'utf8', timeout: 60_000 });

  it('is fetched by examples/fetch over https://, which names a certificate it does not trust', () => {
    const ok = fetchExample([`--url=https://127.0.0.1:${port}/`, `--ca=${b64(pki.rootPem)}`]);
    expect(ok.stdout + ok.stderr).toContain('fetch: 200 OK');
    expect(ok.stdout + ok.stderr).toMatch(/fetch: TLS 1\.3 TLS_AES_128_GCM_SHA256, x25519, ALPN http\/1\.1/);
    expect(ok.stdout).toContain('hello');
    expect(ok.status).toBe(0);
    const untrusted = fetchExample([`--url=https://127.0.0.1:${port}/`, `--ca=${b64(makePki().rootPem)}`]);
    expect(untrusted.status).toBe(1);
    expect(untrusted.stdout + untrusted.stderr).toContain('is not issued by a trusted CA');
  });

  it('refuses to start without a certificate and key', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'cli', 'kiln.js'), 'run', join(repoRoot, 'examples', 'https'), '--target', 'unix', '--', '--port=0', '--cert=AAAA'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stdout + r.stderr).toContain('give --cert= and --key=');
  });
});
