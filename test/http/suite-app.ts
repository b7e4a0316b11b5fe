/**
 * The HTTP server's strict-parsing suite as an app, so it runs inside an hvt
 * image (test/http/image.test.ts): one line per case, exit status 1 if any
 * failed.
 */
import { defineApp } from '../../lib/app.ts';
import { runCases, strictParsingCases } from './strict-parsing.suite.ts';

export default defineApp({
  name: 'httpsuite',
  devices: {},
  async start({ console }) {
    const failed = await runCases(strictParsingCases(), (line) => console.write(line));
    console.write(`${failed} failed`);
    return failed === 0 ? 0 : 1;
  },
});
