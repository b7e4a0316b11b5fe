/**
 * `kiln run --target hvt --publish --block` where this host's /dev/kvm runs
 * kiln-hvt's guests: kiln makes the namespace, tap and forwarding itself
 * (cli/publish.ts), curl on 127.0.0.1 reaches the image, Ctrl-C (SIGINT)
 * stops it gracefully, the namespace goes, and its block write is in the file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostKvmProblem } from '../../machine/host.ts';
import { missingForProcessNet, waitForLine } from '../process/support.ts';
import { startBlockHttp } from './block-http-run.ts';

const why = (await hostKvmProblem()) ?? missingForProcessNet(['ip', 'socat', 'curl']);
if (why) console.warn(`SKIPPED: kiln run --target hvt --publish on this host's KVM: ${why}`);

describe.skipIf(why !== null)("kiln run --target hvt --publish --block on this host's /dev/kvm", () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-run-kvm-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('answers curl on 127.0.0.1, stops on Ctrl-C, removes its namespace and leaves its block write', async () => {
    const { child, exited, port, stamp, sectorZero } = await startBlockHttp(work, `kvm-${process.pid}`);
    try {
      const output = await waitForLine(child, /http: listening on 0\.0\.0\.0:8080/, 120_000);
      expect(output()).toContain(`(namespace kiln-run-${child.pid}, image at 10.213.0.2)`);
      const curl = (...args: string[]) => execFileSync('curl', ['-sS', '--max-time', '20', ...args], { encoding: 'utf8', timeout: 30_000 });
      expect(curl('-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/`)).toBe('200');
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(output()).toMatch(/http: stopped after \d+ requests/);
      expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(`kiln-run-${child.pid}`);
      expect(sectorZero()).toMatch(new RegExp(`^block-http ${stamp}\\n\\0`));
    } finally {
      child.kill('SIGKILL');
    }
  });
});
