import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { loopbackPair, socketSide, writeAll, writeSocket } from './tcp.ts';

const MB = 1024 * 1024;

describe('tcp benchmark baseline', () => {
  // The 8 MB runs hung here: the receiving side shuts down at once, and a
  // sender that then ended its own writing never saw 'drain' again.
  it('keeps sending after the peer has shut down, as Kiln flows do', async () => {
    const pair = await loopbackPair();
    const received = socketSide(pair.server, { label: '', bytes: MB, writeSize: 64 * 1024, bothWays: false, noDelay: false }, false);
    pair.client.resume();
    await once(pair.client, 'end');
    await writeAll((c) => writeSocket(pair.client, c), MB, 64 * 1024);
    pair.client.end();
    expect(await received).toBe(MB);
    pair.close();
  });
});
