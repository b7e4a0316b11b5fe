import { describe, expect, it } from 'vitest';
import { createFlowPair, FlowPairListener } from './flow-pair.ts';
import { FlowError } from '../devices/flow.ts';
import { StackError } from '../devices/stack.ts';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

describe('flow pair', () => {
  it('carries bytes both ways, in order, and copies what is written', async () => {
    const [a, b] = createFlowPair();
    const data = bytes(1, 2, 3);
    await a.write(data);
    data[0] = 99;
    await b.write(bytes(4));
    expect([...(await b.read())!]).toEqual([1, 2, 3]);
    expect([...(await a.read())!]).toEqual([4]);
  });

  it('holds writes while the buffer is full (back-pressure) and releases them as the peer reads', async () => {
    const [a, b] = createFlowPair({ capacity: 4 });
    let done = false;
    const writing = a.write(bytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)).then(() => (done = true));
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(done).toBe(false);
    const got: number[] = [];
    while (got.length < 10) got.push(...(await b.read())!);
    await writing;
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('cuts reads to maxReadSize', async () => {
    const [a, b] = createFlowPair({ maxReadSize: 2 });
    await a.write(bytes(1, 2, 3));
    expect([...(await b.read())!]).toEqual([1, 2]);
    expect([...(await b.read())!]).toEqual([3]);
  });

  it('ends the stream after shutdown, and refuses writes after it', async () => {
    const [a, b] = createFlowPair();
    await a.write(bytes(1));
    await a.shutdown();
    expect([...(await b.read())!]).toEqual([1]);
    expect(await b.read()).toBeNull();
    await expect(a.write(bytes(2))).rejects.toMatchObject({ code: 'closed' });
    await b.write(bytes(3)); // the other direction still works
    expect([...(await a.read())!]).toEqual([3]);
  });

  it('close ends reads on both sides; the peer writing after it gets a reset', async () => {
    const [a, b] = createFlowPair();
    const pending = a.read();
    await a.close();
    expect(await pending).toBeNull();
    expect(await b.read()).toBeNull();
    await expect(b.write(bytes(1))).rejects.toMatchObject({ code: 'reset' });
  });

  it('abort resets the peer', async () => {
    const [a, b] = createFlowPair();
    const pending = b.read();
    a.abort();
    await expect(pending).rejects.toBeInstanceOf(FlowError);
    await expect(b.write(bytes(1))).rejects.toMatchObject({ code: 'reset' });
  });

  it('iterates chunks until the end of stream', async () => {
    const [a, b] = createFlowPair();
    await a.write(bytes(1));
    await a.write(bytes(2));
    await a.shutdown();
    const seen: number[] = [];
    for await (const chunk of b) seen.push(...chunk);
    expect(seen).toEqual([1, 2]);
  });
});

describe('flow pair listener', () => {
  it('hands out the server end of each connection, and refuses after close', async () => {
    const listener = new FlowPairListener();
    const client = listener.connect();
    const server = await listener.accept();
    expect(server.remote).toEqual(client.local);
    await client.write(bytes(7));
    expect([...(await server.read())!]).toEqual([7]);
    const waiting = listener.accept();
    await listener.close();
    await expect(waiting).rejects.toBeInstanceOf(StackError);
    expect(() => listener.connect()).toThrow(FlowError);
  });
});
