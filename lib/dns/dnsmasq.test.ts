import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUnixStack } from '../../drivers/unix/stack.ts';
import { createUnixClock } from '../../drivers/unix/clock.ts';
import type { Stack } from '../devices/stack.ts';
import { DnsResolver } from './resolver.ts';

/** The resolver against a real DNS server: dnsmasq on 127.0.0.3, answering from a hosts file. */
const hasDnsmasq = spawnSync('dnsmasq', ['--version']).status === 0;
if (!hasDnsmasq) console.warn('SKIPPED: dnsmasq tests need the dnsmasq binary (apt-get install dnsmasq)');

const ADDRESS = '127.0.0.3';

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, ADDRESS, () => resolve()));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

describe.skipIf(!hasDnsmasq)('DnsResolver against dnsmasq', () => {
  let dir: string;
  let child: ChildProcess;
  let port: number;
  let stack: Stack;
  let log = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-dnsmasq-'));
    writeFileSync(join(dir, 'hosts'), '10.7.7.7 web.kiln.test\n10.7.7.8 web.kiln.test\n10.7.7.9 api.kiln.test\n');
    port = await freeUdpPort();
    child = spawn('dnsmasq', [
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--no-resolv',
      '--no-hosts',
      `--addn-hosts=${join(dir, 'hosts')}`,
      '--local=/kiln.test/', // names under kiln.test that are not in the file do not exist
      `--listen-address=${ADDRESS}`,
      '--bind-interfaces',
      `--port=${port}`,
      '--pid-file=',
      '--user=root',
      '--log-facility=-',
      '--local-ttl=60',
    ]);
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    // Ready once it has read the hosts file (bounded wait).
    for (let i = 0; i < 200 && !/read .*hosts/.test(log); i++) await new Promise((r) => setTimeout(r, 10));
    if (!/read .*hosts/.test(log)) throw new Error(`dnsmasq did not start: ${log}`);
    stack = createUnixStack();
  });

  afterAll(async () => {
    await stack?.close();
    child?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resolves names from the hosts file and reports names that do not exist', async () => {
    const clock = createUnixClock();
    const resolver = new DnsResolver(stack, {
      servers: [ADDRESS],
      port,
      clock,
      random: { fill: (b) => crypto.getRandomValues(b) },
    });
    expect((await resolver.resolveA('web.kiln.test')).sort()).toEqual(['10.7.7.7', '10.7.7.8']);
    expect(await resolver.resolveA('API.kiln.test')).toEqual(['10.7.7.9']);
    await expect(resolver.resolveA('nothing.kiln.test')).rejects.toMatchObject({ code: 'not-found' });
  });
});
