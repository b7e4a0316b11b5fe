import { describe, expect, it } from 'vitest';
import { parsePublish, publishBootArgs } from './publish.ts';

describe('kiln run --publish arguments', () => {
  it('reads HOSTPORT:GUESTPORT and PORT', () => {
    expect(parsePublish(['8080:80', '7'])).toEqual([{ host: 8080, guest: 80 }, { host: 7, guest: 7 }]);
  });

  it('refuses malformed, out-of-range and repeated host ports with one line', () => {
    for (const bad of ['80:', ':80', '0:80', '8080:65536', 'http', '1:2:3']) {
      expect(() => parsePublish([bad])).toThrow(`kiln run: --publish ${bad}: expected HOSTPORT:GUESTPORT (each 1-65535), e.g. --publish 8080:80`);
    }
    expect(() => parsePublish(['8080:80', '8080:81'])).toThrow('kiln run: --publish: host port 8080 given twice');
  });

  it("gives the image its address, refusing the app's own", () => {
    expect(publishBootArgs(['--port=80'], '10.0.2.15', '10.0.2.2')).toEqual(['--ipv4=10.0.2.15/24', '--ipv4-gateway=10.0.2.2']);
    expect(() => publishBootArgs(['--ipv4=10.1.1.1/24'], '10.0.2.15', '10.0.2.2')).toThrow(
      'kiln run: --publish gives the image its address (--ipv4=10.0.2.15/24); leave --ipv4=10.1.1.1/24 out',
    );
  });
});
