/**
 * `kiln run --target hvt --publish --block` where this host's /dev/kvm runs
 * kiln-hvt's guests: kiln makes the namespace, tap and forwarding itself
 * (cli/publish.ts), curl on 127.0.0.1 reaches the image, Ctrl-C (SIGINT)
 * stops it gracefully, the namespace goes, and its block write is in the file.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostKvmProblem } from '../../machine/host.ts';
import { missingForProcessNet, ROOT, waitForLine } from '../process/support.ts';

const why = (await hostKvmProblem()) ?? missingForProcessNet(['ip', 'socat', 'curl']);
if (why) console.warn(`SKIPPED: kiln run --target hvt --publish on this host's KVM: ${why}`);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(why !== null)("kiln run --target hvt --publish --block on this host's /dev/kvm", () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-run-kvm-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('answers curl on 127.0.0.1, stops on Ctrl-C, removes its namespace and leaves its block write', async () => {
    const disk = join(work, 'disk.img');
    writeFileSync(disk, Buffer.alloc(1 << 20));
    const port = await freePort();
    const stamp = `kvm-${process.pid}`;
    const child = spawn(process.execPath, [join(ROOT, 'cli', 'kiln.js'), 'run', 'test/kiln-run/block-http-app.ts', '--target', 'hvt', '--no-check',
      '--mem', '32', '--publish', `${port}:8080`, '--block', disk, '--', '--port=8080', `--stamp=${stamp}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const output = await waitForLine(child, /http: listening on 0\.0\.0\.0:8080/, 120_000);
      expect(output()).toContain(`(namespace kiln-run-${child.pid}, image at 10.213.0.2)`);
      const curl = (...args: string[]) => execFileSync('curl', ['-sS', '--max-time', '20', ...args], { encoding: 'utf8', timeout: 30_000 });
      expect(curl('-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/`)).toBe('200');
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(output()).toMatch(/http: stopped after \d+ requests/);
      expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(`kiln-run-${child.pid}`);
      expect(readFileSync(disk).subarray(0, 64).toString('latin1')).toMatch(new RegExp(`^block-http ${stamp}\\n\\0`));
    } finally {
      child.kill('SIGKILL');
    }
  });
});
