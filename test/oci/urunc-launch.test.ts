import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decodeUruncJson, shellWords, uruncHvtArgv, uruncMemoryMb } from './urunc-launch.ts';

const config = {
  'com.urunc.unikernel.binary': '/unikernel/http.hvt',
  'com.urunc.unikernel.cmdline': '--port=80',
  'com.urunc.unikernel.hypervisor': 'hvt',
  'com.urunc.unikernel.unikernelType': 'mirage',
};
const net = { ip: '10.244.1.5', gateway: '10.244.1.1', tap: 'tap0_urunc' };

describe("urunc's hvt launch, restated", () => {
  it('decodes /urunc.json values from base64', () => {
    expect(decodeUruncJson('{"com.urunc.unikernel.hypervisor":"aHZ0","com.urunc.unikernel.block":""}')).toEqual({
      'com.urunc.unikernel.hypervisor': 'hvt',
      'com.urunc.unikernel.block': '',
    });
  });

  it('gives memory in decimal megabytes of the limit, 256 without one', () => {
    expect(uruncMemoryMb(64 * 1024 * 1024)).toBe(67);
    expect(uruncMemoryMb(128_000_000)).toBe(128);
    expect(uruncMemoryMb(undefined)).toBe(256);
    expect(uruncMemoryMb(999_999)).toBe(256);
  });

  it('builds the line of a pod with a network and a 64Mi limit', () => {
    expect(uruncHvtArgv('/usr/local/bin/solo5-hvt', { config, processArgs: ['--port=80'], net, memoryLimitBytes: 64 * 1024 * 1024 })).toEqual([
      '/usr/local/bin/solo5-hvt',
      '--mem=67',
      '--net:service=tap0_urunc',
      '/unikernel/http.hvt',
      '--ipv4=10.244.1.5/24',
      '--ipv4-gateway=10.244.1.1',
      '--port=80',
    ]);
  });

  it('leaves empty arguments where there is no network, takes the cmdline key when the container has no args, adds the disk', () => {
    const withDisk = { ...config, 'com.urunc.unikernel.block': '/unikernel/storage.img' };
    expect(uruncHvtArgv('solo5-hvt', { config: withDisk, processArgs: [] })).toEqual([
      'solo5-hvt',
      '--mem=256',
      '--block:storage=/unikernel/storage.img',
      '/unikernel/http.hvt',
      '',
      '',
      '--port=80',
    ]);
  });

  it('quotes an argument vector for sh, empty arguments included', () => {
    const argv = ['a b', '', "it's"];
    const r = spawnSync('sh', ['-c', `for a in ${shellWords(argv)}; do echo "[$a]"; done`], { encoding: 'utf8' });
    expect(r.stdout).toBe("[a b]\n[]\n[it's]\n");
  });
});
