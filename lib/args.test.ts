import { describe, expect, it } from 'vitest';
import { ArgError, argsHelp, parseArgs } from './args.ts';

const SPEC = {
  port: { type: 'int', min: 1, max: 65535, default: 8080, help: 'TCP port' },
  name: { type: 'string', help: 'who to greet' },
  verbose: { type: 'flag', help: 'say more' },
} as const;

function thrown(fn: () => unknown): ArgError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ArgError) return err;
    throw err;
  }
  throw new Error('expected an ArgError');
}

describe('parseArgs', () => {
  it('parses values, flags and defaults, and accepts platform arguments', () => {
    expect(parseArgs(['--name=x', '--verbose', '--ipv4=10.0.0.2/24'], SPEC)).toEqual({ port: 8080, name: 'x', verbose: true });
    expect(parseArgs(['--port=80'], SPEC).port).toBe(80);
  });

  it.each([
    [['--port=0'], 'invalid', /--port: expected an integer from 1 to 65535, got '0'/],
    [['--port=8x'], 'invalid', /--port: expected an integer/],
    [['port=80'], 'invalid', /'port=80': expected --name=value/],
    [['--prot=80'], 'unknown', /--prot: unknown argument \(known: --port, --name, --verbose\); --help lists them all/],
    [['--verbose=yes'], 'invalid', /--verbose: expected no value/],
    [['--ipv4=10.0.0.2'], 'invalid', /--ipv4: expected an IPv4 address and prefix length/],
  ])('%j fails with one line naming the argument (%s)', (argv, code, message) => {
    const err = thrown(() => parseArgs(argv, SPEC));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('\n');
  });

  it('answers --help with the app arguments and the platform boot arguments', () => {
    const err = thrown(() => parseArgs(['--port=80', '--help'], SPEC));
    expect(err.code).toBe('help');
    expect(err.message).toBe(argsHelp(SPEC));
    expect(err.message.split('\n')).toEqual([
      'arguments:',
      '  --port=<1..65535>  TCP port (default 8080)',
      '  --name=<text>      who to greet',
      '  --verbose          say more',
      'boot arguments every platform reads:',
      expect.stringMatching(/^ {2}--ipv4=<A\.B\.C\.D\/N> +static address and prefix/),
      expect.stringMatching(/^ {2}--ipv4-gateway=<A\.B\.C\.D> +default gateway/),
      expect.stringMatching(/^ {2}--fork-ipv4=<A\.B\.C\.D\/N> +forked children's static addresses/),
      expect.stringMatching(/^ {2}--resolver=<A\.B\.C\.D> +DNS server address/),
      expect.stringMatching(/^ {2}--log-time +start every console line with the wall-clock time/),
    ]);
    expect(thrown(() => parseArgs(['--help'], {})).message).toMatch(/^arguments:\n {2}\(none\)\n/);
  });

  it('leaves --help to an app that declares it', () => {
    expect(parseArgs(['--help'], { help: { type: 'flag' } })).toEqual({ help: true });
  });
});
