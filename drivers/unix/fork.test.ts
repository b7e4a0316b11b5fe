/**
 * The unix fork's own behaviour beyond the Fork contract: the replay (muted
 * output, sibling handles, replayed reads and their limit, divergence), the
 * child limit and descriptor hygiene. Each case runs a fixture program.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFixture, repoRoot, runProgram, type ProgramResult } from '../../test/contract/fixtures/run-program.ts';

let bundle = '';
const scratch = mkdtempSync(join(tmpdir(), 'kiln-fork-test-'));
beforeAll(async () => {
  bundle = await bundleFixture(join(repoRoot, 'test', 'contract', 'fixtures', 'unix-fork.app.ts'), 'unix-fork-cases');
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function runCase(name: string): Promise<ProgramResult> {
  const r = await runProgram(bundle, [`--case=${name}`, `--marker=${join(scratch, name)}`]);
  expect(r.code, `${name}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`).toBe(0);
  return r;
}

describe('unix fork', () => {
  it("a child's replay is muted: each line is printed once", async () => {
    const { stdout } = await runCase('muted-replay');
    expect(stdout.split('\n').filter(Boolean).sort()).toEqual(
      ['[info] before the fork', '[info] child after the fork', '[info] parent after the fork'].sort(),
    );
  });

  // Cases whose fixture checks everything itself: the exit status says it all.
  it.each([
    ['sibling-handles', 'replayed earlier forks give sibling handles: known statuses resolve, unknown ones are refused'],
    ['replayed-reads', "a child replays its parent's reads from the journal, without reading the pipe again"],
    ['journal-overflow', 'a fork after more reads than a replay can carry fails with unsupported'],
    ['limit', 'maxChildren live children at most: one more fails with limit, and fork works again after one exits'],
    ['inherited-close-on-exec', 'inherited descriptors are close-on-exec in the child'],
    ['killed-by-signal', 'a child killed by a signal: status 255, crashed'],
  ])('%s: %s', async (name) => {
    await runCase(name);
  });

  it('a child that exits before its fork point: status 70, crashed, and a line saying why', async () => {
    const { stderr } = await runCase('exit-before-fork-point');
    expect(stderr).toContain('exited before reaching its fork point (fork call #1)');
  });

  it('a child that reaches its fork point by another path fails there and counts as crashed', async () => {
    const { stderr } = await runCase('diverged-at-fork-point');
    expect(stderr).toContain('reached its fork point with 0 pipe creates against 1 in its parent; pipe(s) #0 of its parent not re-created');
  });
});
