import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect as hostConnect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FlowError, type Flow } from '../../lib/devices/flow.ts';
import { StackError } from '../../lib/devices/stack.ts';
import { createUnixStack } from './stack.ts';
import { flowErrorFrom, stackErrorFrom } from './host-errors.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function errno(code: string): Error {
  return Object.assign(new Error("host failure"), { code });
}

describe('unix stack: host errors become typed errors', () => {
  const typed = {
    flow: { from: flowErrorFrom, type: FlowError },
    'bind or send': { from: stackErrorFrom, type: StackError },
  };
  it.each([
    ['ECONNREFUSED', 'flow', 'refused'],
    ['ECONNRESET', 'flow', 'reset'],
    ['EPIPE', 'flow', 'reset'],
    ['ETIMEDOUT', 'flow', 'timed-out'],
    ['EHOSTUNREACH', 'flow', 'unreachable'],
    ['ENETUNREACH', 'flow', 'unreachable'],
    ['EIO', 'flow', 'reset'],
    ['EADDRINUSE', 'bind or send', 'address-in-use'],
    ['EADDRNOTAVAIL', 'bind or send', 'invalid-address'],
    ['EMSGSIZE', 'bind or send', 'message-size'],
    ['EACCES', 'bind or send', 'unsupported'],
    ['EMFILE', 'bind or send', 'unsupported'],
  ] as const)('%s on a %s is %s, errno kept in the message', (code, on, expected) => {
    const { from, type } = typed[on];
    const err = from(errno(code), 'tcp 1.2.3.4:5');
    expect(err).toBeInstanceOf(type);
    expect(err.code).toBe(expected);
    expect(err.message).toBe(`tcp 1.2.3.4:5: host failure (${code})`);
  });

  it('says why a low port was refused, on bind or listen only', () => {
    expect(stackErrorFrom(errno('EACCES'), 'tcp listen 0.0.0.0:7', true).message).toMatch(/ports below 1024 need root/);
    expect(stackErrorFrom(errno('EACCES'), 'udp send to 255.255.255.255:9').message).not.toMatch(/ports below/);
  });
});

// Debian's python starts in a fraction of the time of a version-manager shim first on PATH.
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const hasPython = spawnSync(PYTHON, ['-c', '0']).status === 0;
if (!hasPython) console.warn('SKIPPED: unix stack connect-timeout tests need python3 (a listener that never accepts)');

/** A host listener that never accepts: once its accept queue is full, the kernel drops new SYNs. */
async function unacceptingListener(): Promise<number> {
  const script = [
    'import socket, sys',
    's = socket.socket()',
    "s.bind(('127.0.0.1', 0))",
    's.listen(0)',
    'print(s.getsockname()[1], flush=True)',
    'sys.stdin.read()',
  ].join('\n');
  const child: ChildProcess = spawn(PYTHON, ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  cleanups.push(() => {
    child.kill();
  });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return Number(line.toString().trim());
}

describe('unix stack: connecting', () => {
  it.skipIf(!hasPython)("gives up after timeoutMs with FlowError('timed-out') when SYNs go unanswered", async () => {
    const port = await unacceptingListener();
    const stack = createUnixStack();
    cleanups.push(() => stack.close());
    let outcome: unknown = null;
    // The first connections fill the accept queue; a later one's SYN is dropped. Bounded attempts.
    for (let attempt = 0; attempt < 8 && outcome === null; attempt++) {
      try {
        await stack.connectTcp('127.0.0.1', port, { timeoutMs: 300 });
      } catch (err) {
        outcome = err;
      }
    }
    expect(outcome).toBeInstanceOf(FlowError);
    expect((outcome as FlowError).code).toBe('timed-out');
    expect((outcome as FlowError).message).toBe(`tcp connect 127.0.0.1:${port}: no answer in 300 ms`);
  });
});

describe('unix stack: listening', () => {
  it('resets connections beyond the backlog and counts them, rather than queueing without bound', async () => {
    const stack = createUnixStack();
    cleanups.push(() => stack.close());
    const listener = await stack.listenTcp(0, { address: '127.0.0.1', backlog: 2 });
    // One at a time, so the kernel's own queue never overflows (it would drop a SYN, and the client retry later).
    const sockets: Socket[] = [];
    const ends: Promise<string>[] = [];
    for (let i = 0; i < 4; i++) {
      const s = hostConnect(listener.local.port, '127.0.0.1');
      ends.push(
        new Promise<string>((resolve) => {
          s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
          s.on('close', () => resolve('closed'));
        }),
      );
      sockets.push(s);
      // Connected, or already reset by the listener.
      await Promise.race([once(s, 'connect'), ends[i]]).catch(() => {});
    }
    expect(await Promise.all(ends.slice(2))).toEqual(['ECONNRESET', 'ECONNRESET']);
    const accepted: Flow[] = [await listener.accept(), await listener.accept()];
    expect(accepted.map((flow) => flow.remote.port)).toEqual(sockets.slice(0, 2).map((s) => s.localPort));
    expect(stack.counters().tcp!['connections.reset.backlog-full']).toBe(2);
    for (const flow of accepted) flow.abort();
    for (const s of sockets) s.destroy();
  });

  it('binds the address it was given by default, and reports it as its ipv4', async () => {
    const stack = createUnixStack({ address: '127.0.0.9' });
    cleanups.push(() => stack.close());
    expect(stack.ipv4).toMatchObject({ address: '127.0.0.9', prefix: 8, source: 'host' });
    const listener = await stack.listenTcp(0);
    expect(listener.local.address).toBe('127.0.0.9');
    const udp = await stack.bindUdp(0);
    expect(udp.local.address).toBe('127.0.0.9');
    const other = createUnixStack();
    cleanups.push(() => other.close());
    const flow = await stack.connectTcp('127.0.0.9', listener.local.port);
    expect(flow.local.address).toBe('127.0.0.9');
    flow.abort();
  });

  it("refuses an address the host does not have with 'invalid-address'", () => {
    expect(() => createUnixStack({ address: '192.0.2.123' })).toThrowError(/no host interface has this address/);
  });
});

describe('unix stack: udp', () => {
  it('drops datagrams beyond the receive queue and counts them, keeping the first ones', async () => {
    const stack = createUnixStack({ udpQueueLimit: 4 });
    cleanups.push(() => stack.close());
    const receiver = await stack.bindUdp(0, '127.0.0.1');
    const sender = await stack.bindUdp(0, '127.0.0.1');
    for (let i = 0; i < 10; i++) await sender.send(Uint8Array.of(i), receiver.local);
    // Each send resolved once the kernel took it; loopback delivers in order. Wait for all to be seen.
    for (let spins = 0; spins < 1000; spins++) {
      const udp = stack.counters().udp!;
      if ((udp['rx.datagrams'] ?? 0) + (udp['rx.dropped.queue-full'] ?? 0) === 10) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(stack.counters().udp).toMatchObject({ 'rx.datagrams': 4, 'rx.dropped.queue-full': 6, 'tx.datagrams': 10 });
    const got: number[] = [];
    for (let i = 0; i < 4; i++) got.push((await receiver.receive()).data[0]!);
    expect(got).toEqual([0, 1, 2, 3]);
  });
});

describe('unix stack: ending a flow', () => {
  it('abort() after close() or shutdown() releases the socket (no handle left to keep Node alive)', async () => {
    const stack = createUnixStack();
    cleanups.push(() => stack.close());
    const listener = await stack.listenTcp(0, { address: '127.0.0.1' });
    const sockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const before = sockets();
    for (const end of ['close', 'shutdown'] as const) {
      const flow = await stack.connectTcp('127.0.0.1', listener.local.port);
      const accepted = await listener.accept();
      await flow.write(new TextEncoder().encode('bytes in flight'));
      void (end === 'close' ? flow.close() : flow.shutdown()).catch(() => undefined);
      flow.abort();
      accepted.abort();
    }
    // Both ends of both connections are gone within a bounded wait.
    for (let i = 0; i < 50 && sockets() > before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(sockets()).toBe(before);
  });
});

describe('unix stack: closing while opening', () => {
  it.skipIf(!hasPython)("a connect in progress when the stack closes rejects with StackError('closed')", async () => {
    const port = await unacceptingListener();
    const stack = createUnixStack();
    // Fill the listener's accept queue so that the next SYN goes unanswered (bounded attempts).
    const settled: unknown[] = [];
    for (let attempt = 0; attempt < 8; attempt++) {
      const connecting = stack.connectTcp('127.0.0.1', port, { timeoutMs: 60_000 });
      const outcome = await Promise.race([connecting.then(() => 'connected'), new Promise((r) => setTimeout(() => r('pending'), 300))]);
      if (outcome === 'pending') {
        await stack.close();
        settled.push(await connecting.catch((err: unknown) => err));
        break;
      }
    }
    expect(settled).toHaveLength(1);
    expect(settled[0]).toBeInstanceOf(StackError);
    expect((settled[0] as StackError).code).toBe('closed');
  });
});
