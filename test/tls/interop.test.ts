/**
 * Kiln's TLS against real peers on loopback: curl, openssl s_client and
 * s_server, and Node's tls module, each as client and as server, over every
 * suite and group, with ALPN, resumption, KeyUpdate, a few MiB compared byte
 * for byte, 64 MiB echoed through Kiln to OpenSSL's client and through
 * Node's tls from Kiln's client, and certificate errors.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeCryptoProvider } from '../../drivers/unix/tls-crypto.ts';
import { unixRandom } from '../../drivers/unix/random.ts';
import { createUnixClock } from '../../drivers/unix/clock.ts';
import { createUnixStack } from '../../drivers/unix/stack.ts';
import type { Flow } from '../../lib/devices/flow.ts';
import type { Stack, TcpListener } from '../../lib/devices/stack.ts';
import { KilnResponse } from '../../lib/http/response.ts';
import { serveHttp, type HttpServer } from '../../lib/http/server.ts';
import { parseCertificatesPem, parsePrivateKeyPem, tlsConnect, tlsServer, type TlsFlow, type TlsListener, type TlsSession } from '../../lib/tls/index.ts';
import type { CipherSuiteName } from '../../lib/tls/suites.ts';
import { hasOpenssl, makePki, type Issued, type Pki } from '../support/tls-pki.ts';

function hasCommand(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const missing = [!hasOpenssl() && 'openssl', !hasCommand('curl', ['--version']) && 'curl'].filter(Boolean);
if (missing.length) console.log(`SKIPPED: TLS interop tests need ${missing.join(' and ')} (Debian packages openssl, curl)`);

const SUITES: CipherSuiteName[] = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const GROUPS = [
  { kiln: 'x25519', openssl: 'X25519', node: 'X25519' },
  { kiln: 'p256', openssl: 'P-256', node: 'P-256' },
] as const;
const BIG = 4 * 1024 * 1024;

function pattern(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >>> 10)) & 0xff;
  return b;
}
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], input: string | Uint8Array = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 20_000, maxBuffer: 64 * 1024 * 1024, encoding: 'latin1' }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

/** Starts `openssl s_server` on a port the system picks; resolves with that port once it accepts. */
function startOpensslServer(args: string[]): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_server', '-accept', '127.0.0.1:0', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString('latin1');
      const m = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), output: () => out });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.on('exit', (code) => reject(new Error(`s_server exited ${code}: ${out}`)));
  });
}

/** A TcpListener that remembers the flows it hands out (to look at their TLS counters). */
function recording(listener: TlsListener, seen: TlsFlow[]): TcpListener {
  return {
    local: listener.local,
    accept: async () => {
      const f = (await listener.accept()) as TlsFlow;
      seen.push(f);
      return f;
    },
    close: () => listener.close(),
    [Symbol.asyncIterator]: () => listener[Symbol.asyncIterator](),
  };
}

const hasLibssl = existsSync('/usr/include/openssl/ssl.h');
if (!hasLibssl) console.warn("SKIPPED: 64 MiB through Kiln from OpenSSL's client: needs libssl-dev (the client is built here)");

async function readAll(flow: Flow): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of flow) parts.push(Uint8Array.from(c));
  return Buffer.concat(parts);
}

/** Runs `body` against `openssl s_server` started with `args`, stopped afterwards whatever happened. */
async function withOpensslServer(args: string[], body: (server: Awaited<ReturnType<typeof startOpensslServer>>) => Promise<void>): Promise<void> {
  const server = await startOpensslServer(args);
  try {
    await body(server);
  } finally {
    server.child.kill();
  }
}

/** s_server's -www page, asked for over `flow` (the server ends the stream after it). */
async function wwwPage(flow: Flow): Promise<string> {
  await flow.write(new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n'));
  return new TextDecoder().decode(await readAll(flow));
}

describe.skipIf(missing.length > 0)('TLS 1.3 interop on loopback', () => {
  let pki: Pki;
  let ec: Issued;
  let rsa: Issued;
  let ed: Issued;
  let stack: Stack;
  let kilnPort: number;
  let listener: TlsListener;
  let http: HttpServer;
  const flows: TlsFlow[] = [];
  const base = { crypto: nodeCryptoProvider, random: unixRandom, nowMs: () => Date.now() };

  beforeAll(async () => {
    pki = makePki();
    ec = pki.issue('ec', { names: ['localhost', '127.0.0.1'] });
    rsa = pki.issue('rsa', { kind: 'rsa', names: ['rsa.test'] });
    ed = pki.issue('ed', { kind: 'ed25519', names: ['ed.test'] });
    stack = createUnixStack();
    const clock = createUnixClock();
    const tcp = await stack.listenTcp(0, { address: '127.0.0.1' });
    kilnPort = tcp.local.port;
    listener = tlsServer(tcp, {
      ...base,
      clock,
      alpnProtocols: ['http/1.1'],
      certificates: [ec, rsa, ed].map((c) => ({ chain: parseCertificatesPem(c.chainPem), key: parsePrivateKeyPem(c.keyPem) })),
    });
    const big = pattern(BIG);
    http = serveHttp(
      recording(listener, flows),
      async (req) => {
        if (req.pathname === '/big') return new KilnResponse(big);
        if (req.method === 'POST') return new KilnResponse(sha256(await req.bytes()));
        return new KilnResponse('hello');
      },
      { clock },
    );
  });

  afterAll(async () => {
    await http?.shutdown(1000);
    await stack?.close();
  });

  const url = (path = '/') => `https://localhost:${kilnPort}${path}`;

  describe('curl as client, Kiln as server', () => {
    for (const suite of SUITES) {
      for (const g of GROUPS) {
        it(`${suite} with ${g.openssl}`, async () => {
          const r = await run('curl', ['-sS', '--tlsv1.3', '--tls13-ciphers', suite, '--curves', g.openssl, '--cacert', pki.rootPath, '-v', url()]);
          expect(r.stderr).toContain(`SSL connection using TLSv1.3 / ${suite}`);
          expect(r.stderr).toContain('ALPN: server accepted http/1.1');
          expect(r.stdout).toBe('hello');
        });
      }
    }

    it('chooses the certificate by SNI (RSA-PSS and Ed25519 leaves)', async () => {
      for (const name of ['rsa.test', 'ed.test']) {
        const r = await run('curl', ['-sS', '--tlsv1.3', '--cacert', pki.rootPath, '--resolve', `${name}:${kilnPort}:127.0.0.1`, `https://${name}:${kilnPort}/`]);
        expect(r.stderr).toBe('');
        expect(r.stdout).toBe('hello');
      }
    });

    it('downloads and uploads a few MiB intact', async () => {
      const r = await run('curl', ['-sS', '--tlsv1.3', '--cacert', pki.rootPath, url('/big')]);
      expect(r.code).toBe(0);
      expect(sha256(Buffer.from(r.stdout, 'latin1'))).toBe(sha256(pattern(BIG)));
      const upload = join(pki.dir, 'up.bin');
      writeFileSync(upload, pattern(BIG / 2));
      const up = await run('curl', ['-sS', '--tlsv1.3', '--cacert', pki.rootPath, '-H', 'Content-Type: application/octet-stream', '--data-binary', `@${upload}`, url('/up')]);
      expect(up.stdout).toBe(sha256(pattern(BIG / 2)));
    });

    it('fails with an unknown CA and with a wrong name, as curl users expect', async () => {
      const other = makePki();
      const r1 = await run('curl', ['-sS', '--tlsv1.3', '--cacert', other.rootPath, url()]);
      expect(r1.code).toBe(60);
      expect(r1.stderr).toMatch(/unable to get local issuer certificate|self.signed|unknown ca/i);
      const r2 = await run('curl', ['-sS', '--tlsv1.3', '--cacert', pki.rootPath, '--resolve', `wrong.test:${kilnPort}:127.0.0.1`, `https://wrong.test:${kilnPort}/`]);
      expect(r2.code).toBe(60);
      expect(r2.stderr).toMatch(/subject name|does not match/i);
    });
  });

  describe('openssl s_client as client, Kiln as server', () => {
    it('resumes a session from a ticket', async () => {
      const sess = join(pki.dir, 'sess.pem');
      const req = 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n';
      const first = await run('openssl', ['s_client', '-connect', `127.0.0.1:${kilnPort}`, '-servername', 'localhost', '-CAfile', pki.rootPath, '-tls1_3', '-sess_out', sess, '-ign_eof'], req);
      expect(first.stdout).toContain('Verify return code: 0 (ok)');
      expect(first.stdout).toContain('New, TLSv1.3');
      const second = await run('openssl', ['s_client', '-connect', `127.0.0.1:${kilnPort}`, '-servername', 'localhost', '-CAfile', pki.rootPath, '-tls1_3', '-sess_in', sess, '-ign_eof'], req);
      expect(second.stdout).toContain('Reused, TLSv1.3');
      expect(second.stdout).toMatch(/\r\n\r\nhello/);
    });

    it('answers a KeyUpdate that asks for ours', async () => {
      const before = flows.length;
      // s_client takes a line 'K' as a command only when it arrives in a read of its own, hence the pauses.
      const script = `(sleep 0.5; printf 'K\\n'; sleep 0.5; printf 'GET / HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n'; sleep 1) | openssl s_client -connect 127.0.0.1:${kilnPort} -servername localhost -CAfile ${pki.rootPath} -tls1_3 2>&1`;
      const r = await run('sh', ['-c', script]);
      expect(r.stdout).toContain('KEYUPDATE');
      expect(r.stdout).toMatch(/hello/);
      const flow = flows[before]!;
      expect(flow.tls.counters.keyUpdatesIn).toBe(1);
      expect(flow.tls.counters.keyUpdatesOut).toBe(1);
    });
  });

  describe("Node's tls as client, Kiln as server", () => {
    for (const suite of SUITES) {
      for (const g of GROUPS) {
        it(`${suite} with ${g.node}, then resumed`, async () => {
          const ca = readFileSync(pki.rootPath);
          const connect = (session?: Buffer) =>
            new Promise<{ body: Buffer; reused: boolean; session: Buffer | undefined; cipher: string; alpn: string | false | null }>((resolve, reject) => {
              let saved: Buffer | undefined;
              const s = tls.connect({ host: '127.0.0.1', port: kilnPort, servername: 'localhost', ca, minVersion: 'TLSv1.3', ciphers: suite, ecdhCurve: g.node, ALPNProtocols: ['http/1.1'], session });
              const parts: Buffer[] = [];
              s.on('session', (x) => (saved ??= x));
              s.on('secureConnect', () => s.write('GET /big HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
              s.on('data', (d) => parts.push(d));
              s.on('error', reject);
              s.on('end', () => resolve({ body: Buffer.concat(parts), reused: s.isSessionReused(), session: saved, cipher: s.getCipher().standardName, alpn: s.alpnProtocol }));
            });
          const a = await connect();
          expect(a.cipher).toBe(suite);
          expect(a.alpn).toBe('http/1.1');
          const body = a.body.subarray(a.body.indexOf('\r\n\r\n') + 4);
          expect(sha256(body)).toBe(sha256(pattern(BIG)));
          const b = await connect(a.session);
          expect(b.reused).toBe(true);
        });
      }
    }
  });

  it("asks Node's client for a P-256 share (HelloRetryRequest) when only P-256 is served", async () => {
    const tcp = await stack.listenTcp(0, { address: '127.0.0.1' });
    const p256Only = tlsServer(tcp, { ...base, clock: createUnixClock(), groups: ['p256'], certificates: [{ chain: parseCertificatesPem(ec.chainPem), key: parsePrivateKeyPem(ec.keyPem) }] });
    const accepted = p256Only.accept();
    const secure = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: tcp.local.port, servername: 'localhost', ca: readFileSync(pki.rootPath), minVersion: 'TLSv1.3', ecdhCurve: 'X25519:P-256' }, () => resolve(s));
      s.on('error', reject);
    });
    const flow = (await accepted) as TlsFlow;
    expect(flow.session.group).toBe('p256');
    expect(secure.getEphemeralKeyInfo()).toMatchObject({ name: 'prime256v1' });
    secure.destroy();
    flow.abort();
    await p256Only.close();
  });

  it("sends no_application_protocol to Node's client when no ALPN protocol is in common", async () => {
    const err = await new Promise<Error>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port: kilnPort, servername: 'localhost', ca: readFileSync(pki.rootPath), minVersion: 'TLSv1.3', ALPNProtocols: ['h2'] }, () => resolve(new Error('connected')));
      s.on('error', resolve);
    });
    expect(err.message).toMatch(/no application protocol/i);
  });

  describe('Kiln as client, openssl s_server as server', () => {
    for (const suite of SUITES) {
      for (const g of GROUPS) {
        it(`${suite} with ${g.openssl}: handshake, KeyUpdate both ways, resumption`, () =>
          withOpensslServer(['-cert', ec.certPath, '-key', ec.keyPath, '-cert_chain', join(pki.dir, 'int.pem'), '-tls1_3', '-ciphersuites', suite, '-groups', g.openssl, '-www'], async (server) => {
            const sessions: TlsSession[] = [];
            const opts = { ...base, serverName: 'localhost', trustAnchors: parseCertificatesPem(pki.rootPem), cipherSuites: [suite], groups: [g.kiln], onSession: (s: TlsSession) => sessions.push(s) };
            const flow = await tlsConnect(stack, '127.0.0.1', server.port, opts);
            expect(flow.session.suite.name).toBe(suite);
            expect(flow.session.group).toBe(g.kiln);
            await flow.updateKeys(true);
            const page = await wwwPage(flow);
            expect(page).toContain('HTTP/1.0 200 ok');
            expect(page).toContain(`Ciphers supported in s_server binary`);
            expect(flow.tls.counters.keyUpdatesIn).toBe(1);
            expect(flow.truncated).toBe(false);
            await flow.close();
            expect(sessions.length).toBeGreaterThan(0);
            const again = await tlsConnect(stack, '127.0.0.1', server.port, { ...opts, session: sessions[0]! });
            expect(again.session.resumed).toBe(true);
            expect(await wwwPage(again)).toContain('Reused, TLSv1.3');
            await again.close();
          }));
      }
    }

    it('sends a second ClientHello when the server asks for P-256 (HelloRetryRequest)', () =>
      withOpensslServer(['-cert', ec.certPath, '-key', ec.keyPath, '-cert_chain', join(pki.dir, 'int.pem'), '-tls1_3', '-groups', 'P-256', '-www'], async (server) => {
        const flow = await tlsConnect(stack, '127.0.0.1', server.port, { ...base, serverName: 'localhost', trustAnchors: parseCertificatesPem(pki.rootPem), groups: ['x25519', 'p256'], keyShareGroups: ['x25519'] });
        expect(flow.session.group).toBe('p256');
        expect(await wwwPage(flow)).toContain('HTTP/1.0 200 ok');
        await flow.close();
      }));

    it('refuses a self-signed server with unknown_ca, and the server hears the alert', () => {
      const self = pki.selfSigned('self');
      return withOpensslServer(['-cert', self.certPath, '-key', self.keyPath, '-tls1_3', '-www'], async (server) => {
        await expect(tlsConnect(stack, '127.0.0.1', server.port, { ...base, serverName: 'localhost', trustAnchors: parseCertificatesPem(pki.rootPem) })).rejects.toMatchObject({ code: 'unknown_ca' });
        await new Promise((r) => setTimeout(r, 200));
        expect(server.output()).toMatch(/unknown ca/i);
      });
    });
  });

  describe("Kiln as client, Node's tls as server", () => {
    for (const suite of SUITES) {
      for (const g of GROUPS) {
        it(`${suite} with ${g.node}: a few MiB echoed intact`, async () => {
          const server = tls.createServer({ cert: ec.chainPem, key: ec.keyPem, minVersion: 'TLSv1.3', ciphers: suite, ecdhCurve: g.node, ALPNProtocols: ['http/1.1'] }, (s) => s.pipe(s));
          await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
          const p = (server.address() as { port: number }).port;
          try {
            const flow = await tlsConnect(stack, '127.0.0.1', p, { ...base, serverName: 'localhost', trustAnchors: parseCertificatesPem(pki.rootPem), cipherSuites: [suite], groups: [g.kiln], alpnProtocols: ['http/1.1'] });
            expect(flow.session.alpn).toBe('http/1.1');
            const data = pattern(BIG / 2);
            const reading = (async () => {
              const parts: Uint8Array[] = [];
              let n = 0;
              while (n < data.length) {
                const c = await flow.read();
                if (!c) break;
                parts.push(Uint8Array.from(c));
                n += c.length;
              }
              return Buffer.concat(parts);
            })();
            for (let at = 0; at < data.length; at += 100_000) await flow.write(data.subarray(at, at + 100_000));
            expect(sha256(await reading)).toBe(sha256(data));
            await flow.close();
          } finally {
            server.close();
          }
        });
      }
    }
  });
  describe('64 MiB byte for byte', () => {
    const HUGE = 64 * 1024 * 1024;
    const chunk = pattern(1024 * 1024);
    const expected = (() => {
      const h = createHash('sha256');
      for (let at = 0; at < HUGE; at += chunk.length) h.update(chunk);
      return h.digest('hex');
    })();

    it.skipIf(!hasLibssl)("OpenSSL's client (test/tls/tls-roundtrip.c) through a Kiln TLS echo, sending while reading back", async () => {
      const client = join(pki.dir, 'tls-roundtrip');
      execFileSync('gcc', ['-Wall', '-Wextra', '-O2', '-o', client, join(__dirname, 'tls-roundtrip.c'), '-lssl', '-lcrypto']);
      const echo = tlsServer(await stack.listenTcp(0, { address: '127.0.0.1' }), { ...base, clock: createUnixClock(), certificates: [{ chain: parseCertificatesPem(ec.chainPem), key: parsePrivateKeyPem(ec.keyPem) }] });
      const serving = (async () => {
        const flow = await echo.accept();
        let n = 0;
        for await (const c of flow) {
          n += c.length;
          await flow.write(c);
        }
        await flow.close();
        return n;
      })();
      try {
        const r = await new Promise<Run>((resolve) =>
          execFile(client, ['tls', '127.0.0.1', String(echo.local.port), String(HUGE), pki.rootPath], { timeout: 120_000, encoding: 'latin1' }, (err, stdout, stderr) =>
            resolve({ code: err ? 1 : 0, stdout, stderr }),
          ),
        );
        expect(r.stderr).toBe('');
        expect(r.stdout).toMatch(new RegExp(`^tls-roundtrip: ${HUGE} bytes echoed byte-exact in .* over TLS_AES_128_GCM_SHA256`));
        expect(await serving).toBe(HUGE);
      } finally {
        await echo.close();
      }
    }, 180_000);

    it("Kiln's client through Node's tls echo, sending while reading back", async () => {
      const server = tls.createServer({ cert: ec.chainPem, key: ec.keyPem, minVersion: 'TLSv1.3', allowHalfOpen: true }, (s) => s.pipe(s));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const flow = await tlsConnect(stack, '127.0.0.1', (server.address() as { port: number }).port, { ...base, serverName: 'localhost', trustAnchors: parseCertificatesPem(pki.rootPem) });
        const reading = (async () => {
          const h = createHash('sha256');
          let n = 0;
          for (let c = await flow.read(); c !== null; c = await flow.read()) {
            h.update(c);
            n += c.length;
          }
          return { n, digest: h.digest('hex') };
        })();
        for (let at = 0; at < HUGE; at += chunk.length) await flow.write(chunk);
        await flow.shutdown();
        expect(await reading).toEqual({ n: HUGE, digest: expected });
        await flow.close();
      } finally {
        server.close();
      }
    }, 180_000);
  });
});
