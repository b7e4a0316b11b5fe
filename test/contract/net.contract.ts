/**
 * Contract of the Net signature (lib/devices/net.ts): one Ethernet interface.
 * A pair of interfaces on one wire: frames written on one arrive whole on the
 * other, the writer may reuse its buffer at once, bad frame sizes and use
 * after close fail with a typed error, counters count, and a later onFrame
 * replaces the earlier receiver.
 */
import { NetError, type Net } from '../../lib/devices/net.ts';
import { assert, assertBytesEqual, assertEqual, using, type ContractCase, type DevicePair } from './harness.ts';

export type NetPair = DevicePair<Net>;

export interface NetUnderTest {
  pair(): Promise<NetPair>;
}

const ETHERNET_HEADER = 14;

/** A frame from `from` to `to` with an experimental EtherType and a numbered payload. */
function frame(from: Net, to: Net, payloadLength: number, seed: number): Uint8Array {
  const f = new Uint8Array(ETHERNET_HEADER + payloadLength);
  f.set(to.mac, 0);
  f.set(from.mac, 6);
  f[12] = 0x88;
  f[13] = 0xb5; // IEEE 802 local experimental EtherType
  for (let i = ETHERNET_HEADER; i < f.length; i++) f[i] = (i * 31 + seed) & 0xff;
  return f;
}

function expectNetError(fn: () => void, code: string, what: string): void {
  try {
    fn();
  } catch (err) {
    assert(err instanceof NetError, `${what}: threw ${String(err)}, expected a NetError`);
    assertEqual(err.code, code, `${what}: error code`);
    return;
  }
  throw new Error(`${what}: did not throw, expected NetError('${code}')`);
}

export function netContract(subject: NetUnderTest): ContractCase[] {
  const withPair = (body: (pair: NetPair) => Promise<void>) => using(() => subject.pair(), body);
  const collect = (net: Net): Uint8Array[] => {
    const got: Uint8Array[] = [];
    net.onFrame((f) => got.push(f.slice()));
    return got;
  };

  return [
    {
      name: 'has a 6-byte unicast MAC and an MTU of at least 68',
      run: withPair(async ({ a, b }) => {
        for (const net of [a, b]) {
          assertEqual(net.mac.length, 6, 'MAC length');
          assertEqual(net.mac[0]! & 1, 0, 'MAC multicast bit');
          assert(Number.isInteger(net.mtu) && net.mtu >= 68, `MTU ${net.mtu} is at least 68`);
        }
      }),
    },
    {
      name: 'delivers frames whole, in order, from the smallest to the MTU, and the writer may reuse its buffer',
      run: withPair(async (pair) => {
        const { a, b } = pair;
        const got = collect(b);
        const sizes = [46, 1, 100, b.mtu];
        const sent = sizes.map((size, i) => frame(a, b, size, i));
        for (const f of sent) {
          const buffer = f.slice();
          a.write(buffer);
          buffer.fill(0);
        }
        await pair.pass(200);
        assertEqual(got.length, sent.length, 'frames received');
        for (let i = 0; i < sent.length; i++) assertBytesEqual(got[i]!, sent[i]!, `frame ${i}`);
      }),
    },
    {
      name: 'refuses frames shorter than a header or longer than the MTU with NetError(frame-size), sending nothing',
      run: withPair(async (pair) => {
        const { a, b } = pair;
        const got = collect(b);
        expectNetError(() => a.write(new Uint8Array(ETHERNET_HEADER - 1)), 'frame-size', 'short frame');
        expectNetError(() => a.write(frame(a, b, a.mtu + 1, 1)), 'frame-size', 'long frame');
        await pair.pass(100);
        assertEqual(got.length, 0, 'frames received');
        assertEqual(a.counters().txFrames, 0, 'txFrames');
      }),
    },
    {
      name: 'counts frames and bytes both ways',
      run: withPair(async (pair) => {
        const { a, b } = pair;
        collect(b);
        const f = frame(a, b, 500, 7);
        a.write(f);
        a.write(f);
        await pair.pass(200);
        const tx = a.counters();
        const rx = b.counters();
        assertEqual(tx.txFrames, 2, 'txFrames');
        assertEqual(tx.txBytes, 2 * f.length, 'txBytes');
        assertEqual(rx.rxFrames, 2, 'rxFrames');
        assertEqual(rx.rxBytes, 2 * f.length, 'rxBytes');
      }),
    },
    {
      name: 'a later onFrame replaces the earlier receiver',
      run: withPair(async (pair) => {
        const { a, b } = pair;
        const first = collect(b);
        const second = collect(b);
        a.write(frame(a, b, 60, 3));
        await pair.pass(200);
        assertEqual(first.length, 0, 'frames to the replaced receiver');
        assertEqual(second.length, 1, 'frames to the new receiver');
      }),
    },
    {
      name: 'after close, writes fail with NetError(closed) and nothing more is received',
      run: withPair(async (pair) => {
        const { a, b } = pair;
        const got = collect(b);
        b.close();
        a.write(frame(a, b, 60, 4));
        await pair.pass(200);
        assertEqual(got.length, 0, 'frames received after close');
        expectNetError(() => b.write(frame(b, a, 60, 5)), 'closed', 'write after close');
      }),
    },
  ];
}
