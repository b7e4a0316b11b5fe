import { describe, expect, it } from 'vitest';
import { cpuSeconds, rssMiB, Shared } from './native.ts';

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
