/**
 * One DNS query and its answer, over UDP (RFC 1035 section 4.2.1) or TCP
 * (section 4.2.2, with a two-byte length prefix; RFC 7766). Answers that do
 * not match the query (wrong source, id or question) are ignored, as a stub
 * resolver must, so a forged datagram cannot answer for the server.
 */
import type { Clock } from '../devices/clock.ts';
import type { Endpoint, Flow } from '../devices/flow.ts';
import { StackError, type Stack } from '../devices/stack.ts';
import { DnsError } from './errors.ts';
import { parseMessage, type DnsMessage } from './message.ts';

export interface Query {
  id: number;
  /** Normalized name asked for. */
  name: string;
  type: number;
  bytes: Uint8Array;
}

/** Largest answer over TCP: the length prefix's range. */
const MAX_TCP_MESSAGE = 65535;

/** Whether `message` answers `query` (RFC 5452 section 9.1: id, question). */
function answers(message: DnsMessage, query: Query): boolean {
  const q = message.questions[0];
  return (
    message.response &&
    message.id === query.id &&
    message.questions.length === 1 &&
    q !== undefined &&
    q.name === query.name &&
    q.type === query.type
  );
}

/** Parses, or null for what is not an answer to this query (ignored, not fatal). */
function matching(bytes: Uint8Array, query: Query): DnsMessage | null {
  try {
    const message = parseMessage(bytes);
    return answers(message, query) ? message : null;
  } catch (err) {
    if (err instanceof DnsError) return null;
    throw err;
  }
}

/** Runs `work` with a deadline: at the deadline `onTimeout` tears the operation down and the result is `timed-out`. */
async function withDeadline<T>(clock: Clock, timeoutMs: number, onTimeout: () => void, work: () => Promise<T>): Promise<T> {
  let expired = false;
  const timer = clock.at(clock.nowMs() + timeoutMs, () => {
    expired = true;
    onTimeout();
  });
  try {
    return await work();
  } catch (err) {
    if (expired) throw new DnsError('timed-out', `no answer within ${timeoutMs} ms`);
    throw err;
  } finally {
    timer.cancel();
  }
}

/** Sends the query from a fresh ephemeral port and waits for its answer. */
export async function queryUdp(stack: Stack, clock: Clock, server: Endpoint, query: Query, timeoutMs: number): Promise<DnsMessage> {
  const socket = await stack.bindUdp(0);
  try {
    return await withDeadline(clock, timeoutMs, () => void socket.close(), async () => {
      await socket.send(query.bytes, server);
      for (;;) {
        const datagram = await socket.receive();
        if (datagram.from.address !== server.address || datagram.from.port !== server.port) continue;
        const message = matching(datagram.data, query);
        if (message) return message;
      }
    });
  } finally {
    await socket.close().catch(() => undefined);
  }
}

/** Asks over TCP: for answers too large for a datagram. */
export async function queryTcp(stack: Stack, clock: Clock, server: Endpoint, query: Query, timeoutMs: number): Promise<DnsMessage> {
  let flow: Flow | null = null;
  try {
    return await withDeadline(clock, timeoutMs, () => flow?.abort(), async () => {
      flow = await stack.connectTcp(server.address, server.port, { timeoutMs });
      const framed = new Uint8Array(2 + query.bytes.length);
      framed[0] = query.bytes.length >> 8;
      framed[1] = query.bytes.length & 0xff;
      framed.set(query.bytes, 2);
      await flow.write(framed);
      const message = await readFramed(flow);
      const parsed = matching(message, query);
      if (!parsed) throw new DnsError('malformed', 'the TCP answer does not match the query');
      return parsed;
    });
  } catch (err) {
    if (err instanceof StackError && err.code === 'timed-out') throw new DnsError('timed-out', `no TCP connection to ${server.address} in time`);
    throw err;
  } finally {
    await (flow as Flow | null)?.close().catch(() => undefined);
  }
}

/** Reads one length-prefixed message. */
async function readFramed(flow: Flow): Promise<Uint8Array> {
  let buffer = new Uint8Array(0);
  let want = -1;
  for (;;) {
    if (want < 0 && buffer.length >= 2) want = 2 + ((buffer[0]! << 8) | buffer[1]!);
    if (want >= 0 && buffer.length >= want) return buffer.subarray(2, want);
    const chunk = await flow.read();
    if (chunk === null) throw new DnsError('malformed', 'the server closed the TCP connection before a whole answer');
    if (buffer.length + chunk.length > MAX_TCP_MESSAGE + 2) throw new DnsError('malformed', 'the TCP answer is too long');
    const merged = new Uint8Array(buffer.length + chunk.length);
    merged.set(buffer);
    merged.set(chunk, buffer.length);
    buffer = merged;
  }
}
