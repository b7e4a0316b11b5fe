/**
 * `kiln run --target hvt` with a published port and a block file, end to
 * end, in the emulated machine (as on a host without /dev/kvm;
 * KILN_EMULATED=1 sends it there where one exists), and this checks
 * that its console streams while it runs, that curl on the host's loopback
 * reaches it through --publish, that Ctrl-C (SIGINT) stops the image and the
 * machine, and that its block write is in the host file afterwards. One
 * boot; run it under `flock /tmp/kiln-emu.lock` on shared hosts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { vmAvailable } from '../../machine/vm.ts';
import { imageToolsMissing } from '../harness/compiler.ts';
import { waitForLine } from '../process/support.ts';
import { startBlockHttp } from './block-http-run.ts';

const why = (await vmAvailable('x86_64')) ?? (await imageToolsMissing('x86_64'));
if (why) console.warn(`SKIPPED: kiln run --target hvt --publish --block: ${why}`);

describe.skipIf(why !== null)('kiln run --target hvt --publish --block in the emulated machine', () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-run-hvt-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('streams the console, answers curl on 127.0.0.1, stops on Ctrl-C and leaves its block write in the file', async () => {
    const { child, exited, port, stamp, sectorZero } = await startBlockHttp(work, `run-${process.pid}`, { ...process.env, KILN_EMULATED: '1' });
    let exitedEarly = false;
    void exited.then(() => (exitedEarly = true));
    try {
      // Live output: the server's line arrives while the machine still runs.
      const output = await waitForLine(child, /http: listening on 0\.0\.0\.0:8080/, 9 * 60_000);
      expect(exitedEarly).toBe(false);
      expect(output()).toContain(`block-http: wrote sector 0 (${stamp})`);
      expect(output()).toContain("[info] stack 'service': address 10.0.2.15/24, gateway 10.0.2.2");
      const curl = (...args: string[]) => execFileSync('curl', ['-sS', '--max-time', '60', ...args], { encoding: 'utf8', timeout: 90_000 });
      expect(curl('-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/`)).toBe('200');
      expect(curl('-H', 'content-type: text/plain', '--data-binary', 'through the machine', `http://127.0.0.1:${port}/echo`)).toBe('through the machine');
      child.kill('SIGINT'); // reaches the app as a stop request: the server winds down, the app ends with 0
      expect(await exited).toBe(0);
      expect(output()).toMatch(/http: stopped after \d+ requests/);
      expect(sectorZero()).toMatch(new RegExp(`^block-http ${stamp}\\n\\0`));
    } finally {
      child.kill('SIGKILL');
    }
  }, 10 * 60_000);
});
