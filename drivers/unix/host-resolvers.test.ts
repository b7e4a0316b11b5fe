import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostDnsServers, parseResolvConf } from './host-resolvers.ts';
import { createUnixStack } from './stack.ts';

describe("the host's DNS servers (resolv.conf)", () => {
  it('takes IPv4 nameserver lines in order, at most the first three lines, skipping comments and IPv6', () => {
    const text = [
      '# nameserver 1.1.1.1',
      '; nameserver 1.0.0.1',
      'search kiln.test',
      'nameserver 10.0.0.53',
      '  nameserver\t::1',
      'nameserver 192.0.2.7 # trailing words',
      'nameserver 9.9.9.9',
      'nameserver bogus',
      'options ndots:2',
    ].join('\n');
    expect(parseResolvConf(text)).toEqual(['10.0.0.53', '192.0.2.7']);
    expect(parseResolvConf('')).toEqual([]);
  });

  it('reads a file, and names none when it is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-resolv-'));
    try {
      const path = join(dir, 'resolv.conf');
      writeFileSync(path, 'nameserver 127.0.0.53\n');
      expect(hostDnsServers(path)).toEqual(['127.0.0.53']);
      expect(hostDnsServers(join(dir, 'absent'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("are the unix Stack's dnsServers", async () => {
    const stack = createUnixStack();
    try {
      expect(stack.ipv4.dnsServers).toEqual(hostDnsServers());
    } finally {
      await stack.close();
    }
  });
});
