import { describe, expect, it } from 'vitest';
import { cpuSeconds, rssMiB, Shared, sharedRunSide } from './native.ts';

describe('native benchmark helpers', () => {
  it('reads a process CPU time and resident memory from /proc', () => {
    const cpu = cpuSeconds(process.pid);
    expect(Number.isFinite(cpu) && cpu > 0).toBe(true);
    let x = 0;
    for (let i = 0; i < 1e6; i++) x += i;
    expect(x).toBeGreaterThan(0);
    expect(cpuSeconds(process.pid)).toBeGreaterThanOrEqual(cpu);
    expect(rssMiB(process.pid)).toBeGreaterThan(1);
  });

  it('makes a shared set-up once and tears it down after its last holder lets go', async () => {
    const events: string[] = [];
    const shared = new Shared(
      async () => (events.push('make'), 'namespace'),
      async (value) => void events.push(`destroy ${value}`),
    );
    const [a, b] = [shared.hold(), shared.hold()];
    expect(await a).toBe('namespace');
    expect(await b).toBe('namespace');
    await shared.release();
    expect(events).toEqual(['make']);
    await shared.release();
    expect(events).toEqual(['make', 'destroy namespace']);
  });

  it("gives sides of a shared session the same runs, each made once by whichever side asks first", async () => {
    const session = Promise.resolve({ runs: [] as { ms: number; bytes: number }[] });
    let made = 0;
    const record = async () => ({ ms: ++made * 10, bytes: made * 100 });
    const ms = sharedRunSide('time', session, (s) => s.runs, record, (run) => run.ms);
    const bytes = sharedRunSide('size', session, (s) => s.runs, record, (run) => run.bytes);
    expect(ms.name).toBe('time');
    expect([await ms.measure(), await ms.measure()]).toEqual([10, 20]);
    expect([await bytes.measure(), await bytes.measure(), await bytes.measure()]).toEqual([100, 200, 300]);
    expect(await ms.measure()).toBe(30);
    expect(made).toBe(3);
  });

  it('reports a failed set-up to its holders and tears nothing down', async () => {
    const events: string[] = [];
    const shared = new Shared<string>(
      async () => {
        throw new Error('no tap');
      },
      async () => void events.push('destroy'),
    );
    await expect(shared.hold()).rejects.toThrow('no tap');
    await shared.release();
    expect(events).toEqual([]);
  });
});
