import { describe, expect, it } from 'vitest';
import { createFlowPair } from '../testing/flow-pair.ts';
import { FlowReader } from './flow-reader.ts';
import { HttpError } from './errors.ts';

const bytes = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const turns = async (n = 10): Promise<void> => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

describe('FlowReader.whenHeadReady', () => {
  it('waits until a head arrives whole, then readHead returns it without waiting, scanning on where the wait stopped', async () => {
    const [client, server] = createFlowPair();
    const reader = new FlowReader(server);
    let ready = 0;
    let firstBytes = 0;
    reader.whenHeadReady(1024, () => firstBytes++, true, () => ready++);
    for (const piece of ['GET / HT', 'TP/1.1\r\nHost: a\r\n', '\r\nGET /next']) {
      expect(ready).toBe(0);
      await client.write(bytes(piece));
      await turns();
    }
    expect(ready).toBe(1);
    expect(firstBytes).toBe(1);
    expect(await reader.readHead(1024, () => firstBytes++, true)).toBe('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(firstBytes).toBe(1); // the same head: not announced twice
    await client.write(bytes(' HTTP/1.1\r\n\r\n'));
    expect(await reader.readHead(1024)).toBe('GET /next HTTP/1.1\r\n\r\n');
  });

  it('is ready at once for bytes that cannot start a request, and readHead then refuses them', async () => {
    const [client, server] = createFlowPair();
    const reader = new FlowReader(server);
    let ready = 0;
    reader.whenHeadReady(1024, () => undefined, true, () => ready++);
    await client.write(bytes('\x16\x03\x01'));
    await turns();
    expect(ready).toBe(1);
    await expect(reader.readHead(1024, undefined, true)).rejects.toBeInstanceOf(HttpError);
  });

  it('is ready when the stream ends before a head, and readHead then says so', async () => {
    const [client, server] = createFlowPair();
    const reader = new FlowReader(server);
    let ready = 0;
    reader.whenHeadReady(1024, () => undefined, true, () => ready++);
    await client.shutdown();
    await turns();
    expect(ready).toBe(1);
    expect(await reader.readHead(1024, undefined, true)).toBeNull();
  });
});
