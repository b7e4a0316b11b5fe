// The WPT fetch/api/headers cases (testdata/headers-wpt.ts) against lib/web's
// Headers, and against Node's own as a check on the table itself.
import { describe, expect, it } from 'vitest';

import { Headers } from './headers.ts';
import { Response } from './response.ts';
import { failingHeadersCases, headersCases, isKilnDeviation, kilnHeadersCases } from './testdata/headers-wpt.ts';

const ours = {
  Headers: Headers as never,
  errorResponse: () => Response.error() as never,
  redirectResponse: (url: string) => Response.redirect(url) as never,
};

describe('Headers: WPT fetch/api/headers cases', () => {
  it.each(kilnHeadersCases.map((c) => [`${c.file}: ${c.name}`, c] as const))('%s', (_name, c) => {
    c.check(ours);
  });

  it('refuses a value with a control character other than HTAB, where the standard takes it (the deviation lib/http needs)', () => {
    const deviating = headersCases.filter(isKilnDeviation);
    expect(deviating).toHaveLength(113);
    for (const c of deviating) expect(() => c.check(ours), c.name).toThrow(/invalid characters in the value of header/);
  });

  it("the table's cases pass on Node's own Headers too (so they say what the standard says)", () => {
    const node = {
      Headers: globalThis.Headers as never,
      errorResponse: () => globalThis.Response.error() as never,
      redirectResponse: (url: string) => globalThis.Response.redirect(url, 302) as never,
    };
    expect(failingHeadersCases(node)).toEqual([]);
    expect(failingHeadersCases(ours, kilnHeadersCases)).toEqual([]);
  });
});
