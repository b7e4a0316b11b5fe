/**
 * The operations of the kill -9 workload, and a model of what they do: keys
 * `d<0-3>/k<0-15>`, so sets never meet a hierarchy conflict and the only
 * refusal is a remove of something missing (which refuses its whole batch).
 */
import type { SeededRandom } from '../../lib/testing/seeded-random.ts';

/** One atomic operation: a set (value given) or remove of each key, in order. */
export interface Kill9Op {
  n: number;
  writes: { key: string; value?: string }[];
}

export function kill9Op(random: SeededRandom, seed: number, n: number): Kill9Op {
  const pick = (max: number) => random.nextU32() % max;
  const key = () => `d${pick(4)}/k${pick(16)}`;
  const value = (i: number) => `${seed}.${n}.${i}:`.padEnd([0, 10, 100, 1000, 3000][pick(5)]!, 'x');
  const kind = pick(10);
  if (kind < 5) return { n, writes: [{ key: key(), value: value(0) }] };
  if (kind < 7) return { n, writes: [{ key: pick(8) === 0 ? `d${pick(4)}` : key() }] };
  return { n, writes: Array.from({ length: 2 + pick(4) }, (_, i) => (pick(4) === 0 ? { key: key() } : { key: key(), value: value(i) })) };
}

/** Applies `op` to `model` (full key -> value) as the store would; false when the store refuses it. */
export function applyKill9Op(model: Map<string, string>, op: Kill9Op): boolean {
  const next = new Map(model);
  for (const w of op.writes) {
    if (w.value !== undefined) {
      next.set(w.key, w.value);
      continue;
    }
    const below = [...next.keys()].filter((k) => k === w.key || k.startsWith(`${w.key}/`));
    if (below.length === 0) return false;
    for (const k of below) next.delete(k);
  }
  model.clear();
  for (const [k, v] of next) model.set(k, v);
  return true;
}
