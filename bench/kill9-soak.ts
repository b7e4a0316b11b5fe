/**
 * The kv store's kill -9 soak: test/kv/kill9.ts for 1,000 iterations (or
 * `--iterations N`, `--seed S`): a unix process doing random set, remove and
 * batch on one disk file, SIGKILLed at random moments, the store checked
 * against its logged acknowledgements after each kill. Exit status 1 when
 * any acknowledged write was lost or a check failed.
 */
import { runKill9 } from '../test/kv/kill9.ts';

export async function main(argv: string[]): Promise<number> {
  const arg = (name: string, fallback: number): number => {
    const i = argv.indexOf(`--${name}`);
    const value = i >= 0 ? Number(argv[i + 1]) : fallback;
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
    return value;
  };
  const iterations = arg('iterations', 1000);
  const seed = arg('seed', 1);
  const start = Date.now();
  const r = await runKill9(iterations, seed, (i, so) => {
    if ((i + 1) % 50 === 0) console.log(`kill9: ${i + 1}/${iterations} kills, ${so.acked} writes acknowledged, ${so.lost} lost, ${so.problems.length} problems`);
  });
  const seconds = Math.round((Date.now() - start) / 1000);
  console.log(
    `kill9: ${r.iterations} SIGKILLs in ${seconds} s: ${r.acked} writes acknowledged, ${r.lost} lost; ` +
      `${r.inFlight} kills with a write in flight, ${r.inFlightApplied} of those found whole, the others not at all`,
  );
  for (const p of r.problems) console.log(`kill9: problem: ${p}`);
  return r.lost === 0 && r.problems.length === 0 ? 0 : 1;
}
