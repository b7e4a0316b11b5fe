/**
 * examples/http on the unix platform (`kiln run examples/http --target unix`),
 * probed over loopback by curl and by raw sockets: keep-alive reuse, chunked
 * upload with 100-continue, 100 parallel clients, malformed requests answered
 * 400, and Kiln's own client (by name, through the resolver).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUnixStack } from '../../drivers/unix/stack.ts';
import { createUnixClock } from '../../drivers/unix/clock.ts';
import { HttpClient, httpRequest } from '../../lib/http/client.ts';
import { DnsResolver } from '../../lib/dns/resolver.ts';
import { TestDnsServer } from '../support/dns-server.ts';

const repoRoot = join(__dirname, '..', '..');
const hasCurl = spawnSync('curl', ['--version']).status === 0;
if (!hasCurl) console.warn('SKIPPED: examples/http curl tests need curl (apt-get install curl)');

function curl(args: string[], input?: Buffer): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('curl', ['-sS', '--max-time', '30', ...args], { input, encoding: 'latin1', maxBuffer: 64 << 20 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Sends raw bytes, returns all the server answers until it closes (bounded by a 10 s socket timeout). */
function rawRequest(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.from(raw, 'latin1')));
    let out = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error('no close from the server within 10 s')));
    socket.on('data', (d) => (out += d.toString('latin1')));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}

describe.skipIf(!hasCurl)('examples/http on unix', () => {
  let child: ChildProcess;
  let port = 0;
  let output = '';
  let dir: string;
  const base = (): string => `http://127.0.0.1:${port}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-http-'));
    child = spawn(process.execPath, [join(repoRoot, 'cli', 'kiln.js'), 'run', join(repoRoot, 'examples', 'http'), '--target', 'unix', '--', '--port=0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    for (let i = 0; i < 600 && !/listening on [\d.]+:(\d+)/.test(output); i++) await new Promise((r) => setTimeout(r, 50));
    const m = /listening on [\d.]+:(\d+)/.exec(output);
    if (!m) throw new Error(`the example did not start:\n${output}`);
    port = Number(m[1]);
  });

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves hello, HEAD, 404 and 405', () => {
    expect(curl([`${base()}/`]).stdout).toBe('hello');
    const head = curl(['-I', `${base()}/`]).stdout;
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head).toMatch(/Content-Length: 5\r\n/i);
    expect(curl(['-o', '/dev/null', '-w', '%{http_code}', `${base()}/nothing`]).stdout).toBe('404');
    const wrong = curl(['-i', '-X', 'DELETE', `${base()}/`]).stdout;
    expect(wrong).toMatch(/^HTTP\/1\.1 405 /);
    expect(wrong).toMatch(/Allow: GET, HEAD\r\n/i);
  });

  it('serves /stats as JSON with uptime, memory and stack counters', () => {
    const r = curl(['-i', `${base()}/stats`]);
    expect(r.stdout).toMatch(/Content-Type: application\/json/i);
    const stats = JSON.parse(r.stdout.slice(r.stdout.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    expect(stats.uptimeSeconds).toBeGreaterThan(0);
    expect(stats.requests).toBeGreaterThan(0);
    expect(stats.memory).toMatchObject({ rss: expect.any(Number) });
    expect(stats.stack).toMatchObject({ tcp: { 'connections.accepted': expect.any(Number) } });
  });

  it('serves the static asset and revalidates it with its ETag (304)', () => {
    const r = curl(['-i', `${base()}/static/kiln.svg`]);
    expect(r.stdout).toMatch(/Content-Type: image\/svg\+xml/i);
    expect(r.stdout).toContain('<svg');
    const etag = /ETag: (".*?")/i.exec(r.stdout)![1]!;
    const again = curl(['-i', '-H', `If-None-Match: ${etag}`, `${base()}/static/kiln.svg`]).stdout;
    expect(again).toMatch(/^HTTP\/1\.1 304 Not Modified\r\n/);
    expect(again).not.toContain('<svg');
  });

  it('reuses one connection for several requests (keep-alive)', () => {
    const urls = Array.from({ length: 5 }, (_, i) => `${base()}/?n=${i}`);
    const r = curl(['-w', ' %{num_connects}\n', ...urls]);
    // The first transfer opened the connection, every later one reused it.
    expect(r.stdout.trim().split('\n')).toEqual(['hello 1', 'hello 0', 'hello 0', 'hello 0', 'hello 0']);
  });

  it('takes a chunked upload of 2 MB with Expect: 100-continue and echoes it', () => {
    const data = randomBytes(2 << 20);
    const file = join(dir, 'upload.bin');
    writeFileSync(file, data);
    const r = spawnSync(
      'curl',
      ['-sS', '-v', '--max-time', '60', '-H', 'Transfer-Encoding: chunked', '-H', 'Expect: 100-continue', '--data-binary', `@${file}`, `${base()}/echo`],
      { maxBuffer: 64 << 20 },
    );
    expect(r.status).toBe(0);
    expect(r.stderr.toString()).toMatch(/< HTTP\/1\.1 100 Continue/);
    expect(createHash('sha256').update(r.stdout).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('serves 100 parallel clients', () => {
    const urls = Array.from({ length: 100 }, (_, i) => `${base()}/?client=${i}`);
    const r = curl(['--parallel', '--parallel-immediate', '--parallel-max', '100', '-w', '%{http_code} %{num_connects}\n', '-o', '/dev/null', ...urls.flatMap((u) => [u, '-o', '/dev/null']).slice(0, -2)]);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(100);
    expect(lines.every((l) => l.startsWith('200 '))).toBe(true);
    // Every transfer began at once on its own connection.
    expect(lines.filter((l) => l === '200 1').length).toBeGreaterThan(50);
  });

  it('answers malformed requests 400 and closes the connection', async () => {
    const vectors = [
      'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
      'POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\nabc\r\n0\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nX-Folded: a\r\n b\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nBad Name: a\r\n\r\n',
      'GET / HTTP/1.1\r\n\r\n',
    ];
    for (const raw of vectors) {
      const answer = await rawRequest(port, `${raw}GET / HTTP/1.1\r\nHost: a\r\n\r\n`);
      expect(answer, raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(answer, raw).toMatch(/\r\nConnection: close\r\n/);
      expect(answer.match(/HTTP\/1\.1 \d{3} /g), raw).toHaveLength(1);
    }
  });

  it("is reachable by name with Kiln's own client", async () => {
    const dns = await TestDnsServer.start('127.0.0.1', (name) =>
      name === 'web.kiln.test' ? { answers: [{ name, type: 'A', ttl: 60, data: '127.0.0.1' }] } : { rcode: 3 },
    );
    const stack = createUnixStack();
    const clock = createUnixClock();
    try {
      const resolver = new DnsResolver(stack, { servers: ['127.0.0.1'], port: dns.port, clock, random: { fill: (b) => crypto.getRandomValues(b) } });
      const hello = await httpRequest(stack, `http://web.kiln.test:${port}/`, { resolver, clock, timeoutMs: 10_000 });
      expect(hello.status).toBe(200);
      expect(await hello.text()).toBe('hello');
      const echoed = await httpRequest(stack, `http://web.kiln.test:${port}/echo`, {
        method: 'POST',
        resolver,
        body: (async function* () {
          for (let i = 0; i < 50; i++) yield new TextEncoder().encode(`part ${i};`);
        })(),
      });
      expect(await echoed.text()).toBe(Array.from({ length: 50 }, (_, i) => `part ${i};`).join(''));
      await expect(httpRequest(stack, `http://nothing.kiln.test:${port}/`, { resolver })).rejects.toMatchObject({ code: 'not-found' });
    } finally {
      await stack.close();
      await dns.stop();
    }
  });

  it("keeps one connection alive across requests with Kiln's HttpClient", async () => {
    const stack = createUnixStack();
    const client = new HttpClient(stack, { clock: createUnixClock(), timeoutMs: 10_000 });
    try {
      const accepted = async (): Promise<number> => {
        const stats = (await (await client.request(`${base()}/stats`)).json()) as { stack: { tcp: Record<string, number> } };
        return stats.stack.tcp['connections.accepted']!;
      };
      const before = await accepted();
      for (let i = 0; i < 5; i++) expect(await (await client.request(`${base()}/`)).text()).toBe('hello');
      expect(await accepted()).toBe(before);
      expect(client.idleConnections).toBe(1);
    } finally {
      await client.close();
      await stack.close();
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/http: stopped after \d+ requests/);
  });
});
