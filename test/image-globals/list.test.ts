// startTestApp's list of the image's globals (lib/testing/image-globals.ts)
// against an image: the engine's and the runtime's names are all there in a
// process image (the runtime, as hvt images have it), and the injected ones
// are what the hvt bundle's inject files export.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../cli/image.ts';
import { ENGINE_GLOBALS, INJECTED_GLOBALS, RUNTIME_GLOBALS } from '../../lib/testing/image-globals.ts';
import * as bufferGlobal from '../../drivers/solo5/buffer-global.ts';
import * as webGlobals from '../../drivers/solo5/web-globals.ts';

const work = mkdtempSync(join(tmpdir(), 'kiln-globals-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the image's globals, as startTestApp knows them", () => {
  it('are the inject files\' exports where the bundle injects them', () => {
    expect([...INJECTED_GLOBALS].sort()).toEqual([...Object.keys(bufferGlobal), ...Object.keys(webGlobals)].sort());
  });

  it("are all in a process image: the engine's and the runtime's own", async () => {
    const app = join(work, 'globals-app.ts');
    writeFileSync(
      app,
      `import { defineApp } from ${JSON.stringify(join(__dirname, '..', '..', 'lib', 'index.ts'))};\n` +
        "export default defineApp({ name: 'globals', devices: {}, async start({ console }) { console.info(Object.getOwnPropertyNames(globalThis).join(' ')); } });\n",
    );
    const image = await buildImage(app, 'x86_64', join(work, 'globals'), 'process');
    const run = spawnSync(image.path, ['--sandbox=off'], { encoding: 'utf8', timeout: 60_000 });
    const names = /\[info\] (.*)/.exec(run.stdout + run.stderr)?.[1]?.split(' ') ?? [];
    expect([...ENGINE_GLOBALS, ...RUNTIME_GLOBALS].filter((name) => !names.includes(name))).toEqual([]);
  }, 5 * 60_000);
});
