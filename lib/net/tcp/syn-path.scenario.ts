/**
 * Bundled and run under QuickJS by syn-path.test.ts: a TCP layer with a
 * listener, and SYNs built in place in one buffer (a new source port each),
 * so the test can count what the layer allocates per SYN. Sets
 * `globalThis.synRound(count, mode)`, which answers `count` SYNs and returns
 * the SYN-ACKs sent: mode 0 resets each SYN-ACK (a half-open record made and
 * freed per SYN: spoofed hosts that answer), mode 1 does not (past the SYN
 * backlog in one second: SYN cookies).
 */
import type { Clock, Timer } from '../../devices/clock.ts';
import { ACK, RST, SYN, fillTcpChecksum, writeMssOption, writeSackPermittedOption, writeTcpHeader, writeTimestampOption, writeWindowScaleOption } from '../wire/tcp.ts';
import { TcpLayer } from './layer.ts';

const US = 0x0a000001;
const PEER = 0x0a000002;

let now = 1000;
/** Time moves only when the scenario says: the SYN-ACK retransmission timer the layer arms never fires. */
const clock: Clock = {
  nowMs: () => now,
  monotonicNs: () => BigInt(Math.floor(now * 1e6)),
  wallNs: () => BigInt(Math.floor(now * 1e6)),
  at: (): Timer => ({ cancel: () => {} }),
  sleepUntil: () => Promise.resolve(),
};

let synAcks = 0;
const layer = new TcpLayer(
  {
    clock,
    random: { fill: (b: Uint8Array) => b.fill(7) },
    maxSegmentFor: () => 1480,
  },
  { synBacklog: 64 },
);
// As in the stack: segments are built in one transmit buffer and sent from there, no view per segment.
const tx = new Uint8Array(65536);
layer.buildIn(tx, () => {
  if ((tx[13]! & (SYN | ACK)) === (SYN | ACK)) synAcks++;
  return true;
});
layer.listen(US, 80);

const frame = new Uint8Array(64);
let port = 1024;

/** Builds the peer's SYN (MSS, window scale, SACK, timestamps) or its reset at `frame[0..)`; returns the length. */
function peerSegment(flags: number, seq: number): number {
  let end = 20;
  if (flags & SYN) {
    end = writeMssOption(frame, end, 1460);
    end = writeWindowScaleOption(frame, end, 7);
    end = writeSackPermittedOption(frame, end);
    end = writeTimestampOption(frame, end, port, 0);
  }
  writeTcpHeader(frame, port, 80, seq, 0, flags, 65535, end);
  fillTcpChecksum(frame, end, PEER, US);
  return end;
}

function synRound(count: number, mode: number): number {
  const before = synAcks;
  for (let i = 0; i < count; i++) {
    port = port === 65535 ? 1024 : port + 1;
    layer.input(PEER, US, frame, 0, peerSegment(SYN, port * 1000));
    if (mode === 0) {
      layer.input(PEER, US, frame, 0, peerSegment(RST, port * 1000 + 1));
      // A new second every backlog's worth of SYNs, so that they stay below the burst threshold.
      if (i % 32 === 31) now += 1000;
    }
  }
  return synAcks - before;
}

const state = globalThis as unknown as { synRound: typeof synRound; counters: () => string };
state.synRound = synRound;
state.counters = () => JSON.stringify(layer.counters());
