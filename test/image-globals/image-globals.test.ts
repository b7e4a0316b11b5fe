// startTestApp gives the app the image's globals only (the default): what
// Node.js has and an image has not fails the test, naming the global.
import { describe, expect, it } from 'vitest';
import { ImageGlobalError, startTestApp } from '../../lib/testing/index.ts';
import { readsProcessEnv, requiresFs } from './node-only-apps.ts';

describe("startTestApp with the image's globals", () => {
  it('refuses process: the app fails, with an error naming it', async () => {
    const running = await startTestApp(readsProcessEnv);
    const stopped = running.stop();
    await expect(stopped).rejects.toThrow(ImageGlobalError);
    await expect(stopped).rejects.toThrow(/^process: the app uses it, and a Kiln image does not have it \(a Node\.js global\)/);
    expect(typeof process.env).toBe('object'); // the guard is gone once the app is
  });

  it("refuses require('fs') in a handler (answered 500) and says so when the app stops; Buffer and URL are the image's", async () => {
    const running = await startTestApp(requiresFs);
    expect(await (await running.fetch('/buffer/x')).text()).toBe('6b696c6e /buffer/x');
    expect((await running.fetch('/file')).status).toBe(500);
    await expect(running.stop()).rejects.toThrow(/^require\('fs'\): the app uses it, and a Kiln image does not have it \(a Node\.js module\)/);
  });

  it("lets the app have Node's globals with { globals: 'node' }", async () => {
    const running = await startTestApp(readsProcessEnv, { globals: 'node' });
    expect(running.lines, running.lines.join('\n')).toContainEqual(expect.stringMatching(/^\[info\] port from the environment: /));
    expect(await running.stop()).toBe(0);
    const serving = await startTestApp(requiresFs, { globals: 'node' });
    expect((await serving.fetch('/file')).status).toBe(200);
    expect(await serving.stop()).toBe(0);
  });
});
