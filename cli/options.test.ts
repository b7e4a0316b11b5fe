import { describe, expect, it } from 'vitest';
import { parseOptions, single, type OptionSpec } from './options.ts';
import { UsageError } from './usage-error.ts';

const SPEC: Record<string, OptionSpec> = {
  target: { value: 'unix|hvt', choices: ['unix', 'hvt'], help: '' },
  net: { value: 'TAP', repeat: true, help: '' },
  output: { short: 'o', value: 'FILE', help: '' },
  help: { short: 'h', help: '' },
};

describe('parseOptions', () => {
  it('takes --name value, --name=value, short aliases, flags, positionals and -- rest', () => {
    const o = parseOptions('run', ['app', '--target', 'hvt', '-o', 'x.hvt', '--net=a', '--net', 'b', '-h', '--', '--port=1'], SPEC);
    expect(o.positional).toEqual(['app']);
    expect(single(o, 'target')).toBe('hvt');
    expect(single(o, 'output')).toBe('x.hvt');
    expect(o.values.get('net')).toEqual(['a', 'b']);
    expect(o.flags.has('help')).toBe(true);
    expect(o.rest).toEqual(['--port=1']);
  });

  it.each([
    [['--bogus'], /unknown option --bogus/],
    [['-x'], /unknown option -x/],
    [['--target'], /--target needs a value: --target unix\|hvt/],
    [['--target=vm'], /--target must be one of unix, hvt, got 'vm'/],
    [['--help=yes'], /--help takes no value/],
    [['-o', 'a', '-o', 'b'], /--output given twice/],
  ])('refuses %j with one line naming the option', (argv, message) => {
    expect(() => parseOptions('run', argv, SPEC)).toThrow(UsageError);
    expect(() => parseOptions('run', argv, SPEC)).toThrow(message);
  });
});
