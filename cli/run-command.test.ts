import { describe, expect, it } from 'vitest';
import { tenderSpelling } from './run-command.ts';

describe("kiln run: kiln-hvt's device option spelling", () => {
  it('reads --net:NAME=TAP as --net NAME=TAP, and leaves app arguments alone', () => {
    expect(tenderSpelling(['app', '--net:service=tap0', '--block:storage=d.img', '--mem=64', '--', '--net:x=y'])).toEqual([
      'app', '--net', 'service=tap0', '--block', 'storage=d.img', '--mem=64', '--', '--net:x=y',
    ]);
  });
});
