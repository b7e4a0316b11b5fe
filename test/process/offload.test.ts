/**
 * Large TCP segments across the hosted platform's tap (virtio-net header,
 * runtime/hosted/net.c), against Linux, checked on a wire
 * (test/harness/offload-wire.ts): the echo example as a process.
 */
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { OffloadWire, SERVER_ARGS, WIRE_TOOLS } from '../harness/offload-wire.ts';
import { missingForProcessNet, processUnavailable, ROOT } from './support.ts';

const missing = processUnavailable() ?? missingForProcessNet(WIRE_TOOLS);
if (missing) console.warn(`SKIPPED: hosted segmentation offload against Linux: needs ${missing}`);

describe.skipIf(missing !== null)('hosted segmentation offload against Linux, checked on the wire', () => {
  const wire = new OffloadWire('of', 'kofl0');
  let image = '';

  beforeAll(() => {
    image = join(wire.dir, 'echo.process');
    execFileSync(process.execPath, [join(ROOT, 'cli', 'kiln.js'), 'build', join(ROOT, 'examples', 'echo'), '--target', 'process', '--no-check', '-o', image], {
      timeout: 300_000,
    });
    wire.up();
  }, 300_000);

  afterAll(() => wire.down());

  // Off after on: the tap keeps the offload settings of the process before, which must be cleared.
  for (const offload of ['on', 'off'] as const) {
    it(`echoes 8 MiB byte-exact with offload ${offload}, in standard frames with valid checksums on the wire`, async () => {
      await wire.echo(
        () =>
          spawn('ip', ['netns', 'exec', wire.router, image, '--mem=64', `--net:service=${wire.tap}`, `--net-offload:service=${offload}`,
            '--net-mac:service=02:00:00:81:00:02', '--', ...SERVER_ARGS], { stdio: ['ignore', 'pipe', 'pipe'] }),
        offload,
      );
    }, 300_000);
  }
});
