/**
 * The resolver over Kiln's own UDP and TCP (lib/net), as in an image: a DNS
 * server on one stack, the resolver on another, joined by the in-memory
 * switch, with lost frames recovered by retries on the virtual clock.
 */
import { describe, expect, it } from 'vitest';
import { drive } from '../testing/drive.ts';
import { SeededRandom } from '../testing/seeded-random.ts';
import { stackPair } from '../testing/stack-fixtures.ts';
import type { SwitchOptions } from '../testing/switch.ts';
import { DnsResolver } from './resolver.ts';
import { DnsAnswerer, serveDnsOn, type Behaviour } from '../../test/support/dns-server.ts';

const a = (name: string, data: string) => ({ name, type: 'A' as const, ttl: 300, data });

const behaviour: Behaviour = (name) => {
  if (name === 'web.kiln.test') return { answers: [a(name, '10.0.0.3')] };
  if (name === 'big.kiln.test') return { truncateUdp: true, answers: Array.from({ length: 30 }, (_, i) => a(name, `10.8.0.${i + 1}`)) };
  return { rcode: 3 };
};

async function setUp(faults: SwitchOptions = {}, timeoutMs = 1000, attempts = 4) {
  const { clock, sw, a: client, b: server } = await stackPair(faults);
  const answerer = new DnsAnswerer(behaviour);
  await drive(clock, sw, serveDnsOn(server, answerer));
  const resolver = new DnsResolver(client, { servers: ['10.0.0.3'], clock, random: new SeededRandom(4), timeoutMs, attempts });
  return { run: <T>(work: Promise<T>) => drive(clock, sw, work), resolver, answerer };
}

describe('DnsResolver over the TypeScript stack', () => {
  it('resolves over UDP and falls back to TCP for a truncated answer', async () => {
    const { run, resolver, answerer } = await setUp();
    expect(await run(resolver.resolveA('web.kiln.test'))).toEqual(['10.0.0.3']);
    expect(await run(resolver.resolveA('big.kiln.test'))).toHaveLength(30);
    await expect(run(resolver.resolveA('none.kiln.test'))).rejects.toMatchObject({ code: 'not-found' });
    expect(answerer.seen.map((q) => `${q.name}/${q.transport}`)).toEqual([
      'web.kiln.test/udp',
      'big.kiln.test/udp',
      'big.kiln.test/tcp',
      'none.kiln.test/udp',
    ]);
  });

  it('gets through heavy loss by retrying', async () => {
    // 3 s per wait: long enough for TCP to retransmit a lost SYN (initial RTO 1 s).
    const { run, resolver, answerer } = await setUp({ seed: 5, loss: 0.3 }, 3000, 8);
    const names = ['web.kiln.test', 'WEB.kiln.test.', 'big.kiln.test'];
    for (const name of names) {
      resolver.clearCache();
      expect((await run(resolver.resolveA(name))).length).toBeGreaterThan(0);
    }
    // Some queries or answers were lost and asked again.
    expect(answerer.seen.length).toBeGreaterThan(names.length + 1);
  });
});
