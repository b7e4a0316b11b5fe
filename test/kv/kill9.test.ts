/**
 * kill -9 for real, short form (the soak benchmark `kill9` runs 1,000+
 * iterations): a unix process doing random set/remove/batch on a disk file,
 * killed with SIGKILL at random moments; after each kill the store holds
 * every acknowledged operation, the one in flight whole or not at all, and
 * checks clean.
 */
import { expect, it } from 'vitest';
import { runKill9 } from './kill9.ts';

it('loses no acknowledged write over 20 SIGKILLs', async () => {
  const r = await runKill9(20);
  expect(r.problems).toEqual([]);
  expect(r.iterations).toBe(20);
  expect(r.lost).toBe(0);
  expect(r.acked).toBeGreaterThan(20);
}, 180_000);
