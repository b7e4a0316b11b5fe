/**
 * The Fork contract. Every case is a scenario (see pipe.contract.ts): it
 * calls fork() itself, so it runs in the parent and in its children, and its
 * result is each process's exit status. The implementation under test runs
 * it where a fork is possible.
 */
import { PipeError } from '../../lib/devices/pipe.ts';
import { assert, assertEqual, assertRejectsWith, type ContractCase } from './harness.ts';
import { decode, readAll, text, writeUntilBroken, type Scenario } from './pipe.contract.ts';

export const forkScenarios: Record<string, Scenario> = {
  /** fork() resolves in both: the child with the marker, the parent with a handle whose wait gives the status. */
  async 'child marker and exit status'({ fork }) {
    const first = await fork.fork();
    if (first.role === 'child') return 0;
    const second = await fork.fork();
    if (second.role === 'child') return 42;
    assert(Number.isSafeInteger(first.child.id) && first.child.id > 0, `child id ${first.child.id}`);
    assert(first.child.id !== second.child.id, 'two children have the same id');
    const [a, b] = await Promise.all([first.child.wait(), second.child.wait()]);
    assertEqual(a.code, 0, 'first child exit code');
    assertEqual(a.crashed, false, 'first child crashed');
    assertEqual(b.code, 42, 'second child exit code');
    assertEqual(b.crashed, false, 'second child crashed');
    const again = await first.child.wait();
    assertEqual(again.code, 0, 'wait called twice');
    return 0;
  },

  /** Pipe ends open at the fork are open in the child, both ways. */
  async 'inherited pipe ends'({ pipes, fork }) {
    const down = await pipes.create();
    const up = await pipes.create();
    const r = await fork.fork();
    if (r.role === 'child') {
      await down.writer.close();
      await up.reader.close();
      const question = decode(await readAll(down.reader));
      await up.writer.write(text(`echo: ${question}`));
      await up.writer.close();
      return 0;
    }
    await down.reader.close();
    await up.writer.close();
    await down.writer.write(text('ping'));
    await down.writer.close();
    assertEqual(decode(await readAll(up.reader)), 'echo: ping', "child's answer");
    assertEqual((await r.child.wait()).code, 0, "child's exit status");
    return 0;
  },

  /** A child forks a grandchild; pipes from both generations reach it; statuses travel up. */
  async 'nested fork'({ pipes, fork }) {
    const fromRoot = await pipes.create();
    const r = await fork.fork();
    if (r.role === 'child') {
      await fromRoot.reader.close();
      const fromChild = await pipes.create();
      const g = await fork.fork();
      if (g.role === 'child') {
        await fromChild.reader.close();
        await fromRoot.writer.write(text('grandchild via root pipe'));
        await fromChild.writer.write(text('grandchild via child pipe'));
        return 5;
      }
      await fromChild.writer.close();
      assertEqual(decode(await readAll(fromChild.reader)), 'grandchild via child pipe', 'bytes from the grandchild');
      const status = await g.child.wait();
      assertEqual(status.crashed, false, 'grandchild crashed');
      return status.code + 1;
    }
    await fromRoot.writer.close();
    assertEqual(decode(await readAll(fromRoot.reader)), 'grandchild via root pipe', 'bytes from the grandchild');
    const status = await r.child.wait();
    assertEqual(status.code, 6, "child's exit status (grandchild's + 1)");
    return 0;
  },

  /** A child that crashes: non-zero status, marked crashed, and its pipe ends close (EOF and EPIPE for the parent). */
  async 'crashing child'({ pipes, fork }) {
    const toChild = await pipes.create();
    const fromChild = await pipes.create();
    const r = await fork.fork();
    if (r.role === 'child') {
      // Holds the only other ends, then dies without closing them.
      await toChild.writer.close();
      await fromChild.reader.close();
      await fromChild.writer.write(text('about to crash'));
      throw new Error('deliberate crash in the forked child');
    }
    await toChild.reader.close();
    await fromChild.writer.close();
    assertEqual(decode(await readAll(fromChild.reader)), 'about to crash', 'bytes before the crash, then end of file');
    await writeUntilBroken(toChild.writer, 1 << 20);
    await assertRejectsWith(toChild.writer.write(text('x')), PipeError, 'broken-pipe', 'write after the crash');
    const status = await r.child.wait();
    assert(status.code !== 0, 'a crashed child exited with status 0');
    assertEqual(status.crashed, true, 'crashed');
    return 0;
  },
};

export interface ForkSubject {
  /** Runs the named scenario of `forkScenarios`; rejects with the reason when it does not end with status 0. */
  runScenario(name: string): Promise<void>;
}

export function forkContract(subject: ForkSubject): ContractCase[] {
  return Object.keys(forkScenarios).map((name) => ({ name, run: () => subject.runScenario(name) }));
}
