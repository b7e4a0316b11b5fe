/**
 * kiln-hvt's net offload (large TCP segments, platform-solo5/README.md "Net
 * offload") against Linux, checked on a wire (test/harness/offload-wire.ts):
 * the echo example as an x86_64 image under kiln-hvt on this host's KVM,
 * with offload on and then off (--net-offload:service=off: plain frames
 * only, and the tap's offloads cleared again after the run with them on).
 * KILN_HVT_STATS=1 says which hypercalls carried the frames.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../cli/image.ts';
import { hostHasKvm } from '../../machine/host.ts';
import { OffloadWire, SERVER_ARGS, WIRE_TOOLS } from '../harness/offload-wire.ts';
import { buildPlatform, ROOT, tender } from '../platform/build.ts';
import { imageToolsMissing } from '../harness/compiler.ts';
import { missingForProcessNet } from '../process/support.ts';

const missing =
  (process.arch !== 'x64' ? 'an x86_64 host' : null) ??
  missingForProcessNet(WIRE_TOOLS) ??
  (await imageToolsMissing('x86_64')) ??
  ((await hostHasKvm()) ? null : "/dev/kvm that runs kiln-hvt's x86_64 guests on this host");
if (missing) console.warn(`SKIPPED: kiln-hvt net offload against Linux: needs ${missing}`);

describe.skipIf(missing !== null)('kiln-hvt net offload against Linux, checked on the wire (x86_64 image, this host)', () => {
  const wire = new OffloadWire('hof', 'khof0');
  let image = '';

  beforeAll(async () => {
    await buildPlatform();
    image = (await buildImage(join(ROOT, 'examples', 'echo', 'app.ts'), 'x86_64', join(wire.dir, 'echo.hvt'))).path;
    wire.up();
  }, 600_000);

  afterAll(() => wire.down());

  const serve = (offload: 'on' | 'off') => () =>
    spawn('ip', ['netns', 'exec', wire.router, tender('x86_64'), '--mem=32', `--net:service=${wire.tap}`, `--net-offload:service=${offload}`,
      '--net-mac:service=02:00:00:81:00:02', image, ...SERVER_ARGS], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KILN_HVT_STATS: '1' } });

  it('echoes 8 MiB byte-exact in large segments both ways, standard frames with valid checksums on the wire', async () => {
    const output = await wire.echo(serve('on'), 'on');
    expect(output).toMatch(/ net_offload=1 net_write_segments=[1-9]/);
    expect(output).toContain('large segments refused 0, received frames dropped 0');
  }, 300_000);

  it('echoes 8 MiB byte-exact in plain frames with --net-offload:service=off (the tap\'s offloads cleared after the run with them on)', async () => {
    const output = await wire.echo(serve('off'), 'off');
    expect(output).toMatch(/hypercalls: /);
    expect(output).not.toMatch(/net_offload=|net_write_segments=/);
    expect(output).toContain('large segments refused 0, received frames dropped 0');
  }, 300_000);
});
