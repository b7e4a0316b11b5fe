// startTestApp's list of the image's globals (lib/testing/image-globals.ts)
// against an image: a process image (the runtime and bundle hvt images have)
// holds exactly the listed names, but for Buffer (injected where code uses
// it) and the engine's and Kiln's own internals, which Node has not either.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../cli/image.ts';
import { IMAGE_GLOBALS, INJECTED_GLOBALS } from '../../lib/testing/image-globals.ts';

const INTERNAL = ['InternalError', '__kiln', '__date_clock'];

const work = mkdtempSync(join(tmpdir(), 'kiln-globals-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the image's globals, as startTestApp knows them", () => {
  it('are what a process image has', async () => {
    const app = join(work, 'globals-app.ts');
    writeFileSync(
      app,
      `import { defineApp } from ${JSON.stringify(join(__dirname, '..', '..', 'lib', 'index.ts'))};\n` +
        "export default defineApp({ name: 'globals', devices: {}, async start({ console }) { console.info(Object.getOwnPropertyNames(globalThis).join(' ')); } });\n",
    );
    const image = await buildImage(app, 'x86_64', join(work, 'globals'), 'process');
    const run = spawnSync(image.path, ['--sandbox=off'], { encoding: 'utf8', timeout: 60_000 });
    const names = (/\[info\] (.*)/.exec(run.stdout + run.stderr)?.[1]?.split(' ') ?? []).filter((name) => !INTERNAL.includes(name));
    expect(names.sort()).toEqual([...IMAGE_GLOBALS].filter((name) => !INJECTED_GLOBALS.includes(name)).sort());
  }, 5 * 60_000);
});
