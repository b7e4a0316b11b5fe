/**
 * `kiln run --target process --publish HOSTPORT:GUESTPORT`: kiln makes the
 * namespace, tap and forwarding itself, and curl and nc on this host's
 * loopback reach the sandboxed image; Ctrl-C (SIGINT) stops it (gracefully,
 * under the filter) and removes the namespace.
 */
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, missingForProcessNet, processUnavailable, ROOT, waitForLine } from './support.ts';

const missing = processUnavailable() ?? missingForProcessNet(['ip', 'socat', 'curl', 'nc']);
if (missing) console.warn(`SKIPPED: kiln run --target process --publish: needs ${missing}`);


const namespaces = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });

describe.skipIf(missing !== null)('kiln run --target process --publish', () => {
  it('serves http and echo on 127.0.0.1, then Ctrl-C stops the image and removes the namespace', async () => {
    const [httpPort, echoPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, [join(ROOT, 'cli', 'kiln.js'), 'run', 'examples/http', '--target', 'process', '--no-check',
      '--publish', `${httpPort}:8080`, '--publish', `${echoPort}:8080`, '--', '--port=8080'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const output = await waitForLine(child, /http: listening on/, 120_000);
      expect(output()).toContain(`kiln run: 127.0.0.1:${httpPort} -> image port 8080, 127.0.0.1:${echoPort} -> image port 8080 (namespace kiln-run-`);
      expect(namespaces()).toContain(`kiln-run-${child.pid}`);
      const curl = (...args: string[]) => execFileSync('curl', ['-sS', '--max-time', '10', ...args], { encoding: 'utf8', timeout: 20_000 });
      expect(curl('-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${httpPort}/`)).toBe('200');
      const body = 'x'.repeat(100_000);
      expect(curl('-H', 'content-type: text/plain', '--data-binary', body, `http://127.0.0.1:${echoPort}/echo`)).toBe(body);
      // A raw request through the second mapping, written then half-closed (nc -N): the answer still comes back.
      const raw = execFileSync('nc', ['-N', '-w', '10', '127.0.0.1', String(echoPort)],
        { input: 'GET /nothing HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n', encoding: 'utf8', timeout: 20_000 });
      expect(raw).toMatch(/^HTTP\/1\.1 404 /);
      child.kill('SIGINT'); // a stop request: the server winds down and the app ends with 0
      expect(await exited).toBe(0);
      expect(output()).toMatch(/http: stopped after \d+ requests/);
      expect(namespaces()).not.toContain(`kiln-run-${child.pid}`);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
