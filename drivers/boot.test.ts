import { describe, expect, it } from 'vitest';
import { block, defineApp, stack, type App, type DeviceDeclaration } from '../lib/app.ts';
import { parseArgs } from '../lib/args.ts';
import { consoleOver } from '../lib/devices/console.ts';
import { MemoryBlock, SeededRandom, VirtualClock } from '../lib/testing/index.ts';
import { ConfigurationError, runApp, type DeviceFactories, type Platform } from './boot.ts';
import { stopRequest } from '../lib/app.ts';

/** A platform whose only real device is a block in memory; everything it reports is kept. */
function memoryPlatform(crashStatus = 1): { platform: Platform; lines: string[]; made: string[]; crashes: unknown[]; started: () => boolean } {
  const lines: string[] = [];
  const made: string[] = [];
  const crashes: unknown[] = [];
  let starting = false;
  const refuse = (kind: string) => (name: string): never => {
    throw new ConfigurationError('configuration', `${kind} '${name}': not on this platform`);
  };
  const devices: DeviceFactories = {
    block: (name) => {
      made.push(`block ${name}`);
      return new MemoryBlock({ sectors: 8 });
    },
    stack: refuse('stack'),
    net: refuse('net'),
    pipe: refuse('pipe'),
    fork: refuse('fork'),
  };
  const platform: Platform = {
    setup: () => ({ args: ['--size=3'], clock: new VirtualClock(), random: new SeededRandom(1), console: consoleOver((l) => lines.push(l)), stopping: stopRequest().stopping, devices }),
    starting: () => {
      starting = true;
    },
    report: (line) => lines.push(line),
    crashed: (err) => {
      crashes.push(err);
      return crashStatus;
    },
  };
  return { platform, lines, made, crashes, started: () => starting };
}

const app = <D extends DeviceDeclaration>(devices: D, start: App<D>['start']): App<D> => defineApp({ name: 'probe', devices, start });

describe('runApp', () => {
  it('makes each declared device from the table by kind and name, then starts the app with them', async () => {
    const { platform, made, started } = memoryPlatform();
    const code = await runApp(
      app({ disk: block('data'), other: block() }, async ({ devices, args }) => {
        expect(started()).toBe(true);
        expect(args).toEqual(['--size=3']);
        return devices.disk.info.sectorSize === 512 && devices.other !== devices.disk ? 7 : 9;
      }),
      platform,
    );
    expect(code).toBe(7);
    expect(made).toEqual(['block data', 'block storage']);
  });

  it('a device the platform cannot give: one line and status 2, and the app never starts', async () => {
    const { platform, lines, started } = memoryPlatform();
    const code = await runApp(app({ net: stack() }, () => 0), platform);
    expect(code).toBe(2);
    expect(lines).toEqual(["probe: stack 'service': not on this platform"]);
    expect(started()).toBe(false);
  });

  it('a bad boot argument: one line and status 2', async () => {
    const { platform, lines } = memoryPlatform();
    const code = await runApp(
      app({}, ({ args }) => {
        parseArgs(args, { size: { type: 'int', min: 5, max: 9 } });
        return 0;
      }),
      platform,
    );
    expect(code).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^probe: .*--size/);
  });

  it('an exit status outside 0-255 is status 1 with a line saying so; nothing returned is 0', async () => {
    const { platform, lines } = memoryPlatform();
    expect(await runApp(app({}, () => 256), platform)).toBe(1);
    expect(lines).toEqual(['probe: start() returned 256, expected an exit status from 0 to 255']);
    expect(await runApp(app({}, () => undefined as unknown as number), memoryPlatform().platform)).toBe(0);
  });

  it("any other error is the platform's to report, with the status it picks", async () => {
    const { platform, lines, crashes } = memoryPlatform(255);
    const boom = new Error('boom');
    expect(
      await runApp(
        app({}, () => {
          throw boom;
        }),
        platform,
      ),
    ).toBe(255);
    expect(crashes).toEqual([boom]);
    expect(lines).toEqual([]);
  });
});
