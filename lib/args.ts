/**
 * Boot arguments: `--name=value` and `--flag`. One parser for apps and
 * platforms, so every bad argument is reported the same way: one line naming
 * the argument and the form it expects.
 */
import { KilnError } from './errors.ts';
import { parseIpv4 } from './ipv4-text.ts';

/**
 * A bad boot argument, or (code `help`) a request for the argument list:
 * platforms print a `help` ArgError's message and exit with status 0.
 */
export class ArgError extends KilnError<'unknown' | 'invalid' | 'missing' | 'help'> {}

export type ArgSpec =
  | { type: 'int'; min: number; max: number; default?: number; help?: string }
  | { type: 'string'; default?: string; help?: string }
  | { type: 'flag'; help?: string }
  | { type: 'ipv4'; default?: string; help?: string }
  | { type: 'ipv4-cidr'; default?: string; help?: string };

export type ArgValue<S extends ArgSpec> = S extends { type: 'int' }
  ? S extends { default: number } ? number : number | undefined
  : S extends { type: 'flag' }
    ? boolean
    : S extends { default: string } ? string : string | undefined;

export type ParsedArgs<Spec extends Record<string, ArgSpec>> = { [K in keyof Spec]: ArgValue<Spec[K]> };

/** Arguments every platform reads itself; apps' parsers accept and ignore them. */
export const PLATFORM_ARGS: Record<string, ArgSpec> = {
  ipv4: { type: 'ipv4-cidr', help: 'static address and prefix, for example 10.0.0.2/24 (else DHCP)' },
  'ipv4-gateway': { type: 'ipv4', help: 'default gateway, for example 10.0.0.1' },
  'fork-ipv4': {
    type: 'ipv4-cidr',
    help: "forked children's static addresses (hvt, kiln-hvt --fork-net): the child holding the pool's n-th tap takes this address + n - 1, with this prefix and --ipv4-gateway (else DHCP)",
  },
  resolver: { type: 'ipv4', help: 'DNS server address' },
  'log-time': { type: 'flag', help: 'start every console line with the wall-clock time' },
};

function expected(spec: ArgSpec): string {
  switch (spec.type) {
    case 'int':
      return `an integer from ${spec.min} to ${spec.max}`;
    case 'string':
      return 'a value';
    case 'flag':
      return 'no value';
    case 'ipv4':
      return 'an IPv4 address such as 10.0.0.1';
    case 'ipv4-cidr':
      return 'an IPv4 address and prefix length such as 10.0.0.2/24';
  }
}

function convert(name: string, spec: ArgSpec, raw: string | undefined): number | string | boolean {
  const bad = (): ArgError =>
    new ArgError('invalid', `--${name}: expected ${expected(spec)}, got '${raw ?? ''}'`);
  if (spec.type === 'flag') {
    if (raw !== undefined) throw bad();
    return true;
  }
  if (raw === undefined || raw === '') throw bad();
  switch (spec.type) {
    case 'int': {
      if (!/^-?\d+$/.test(raw)) throw bad();
      const n = Number(raw);
      if (n < spec.min || n > spec.max) throw bad();
      return n;
    }
    case 'string':
      return raw;
    case 'ipv4':
      if (parseIpv4(raw) === null) throw bad();
      return raw;
    case 'ipv4-cidr': {
      const [addr, prefix, extra] = raw.split('/');
      if (extra !== undefined || addr === undefined || prefix === undefined) throw bad();
      if (parseIpv4(addr) === null || !/^\d{1,2}$/.test(prefix) || Number(prefix) > 32) throw bad();
      return raw;
    }
  }
}

/** What `--help` answers: the app's arguments, then the ones every platform reads. */
export function argsHelp(spec: Record<string, ArgSpec>): string {
  const own = Object.keys(spec).length > 0 ? describeArgs(spec) : '  (none)';
  return `arguments:\n${own}\nboot arguments every platform reads:\n${describeArgs(PLATFORM_ARGS)}`;
}

/**
 * Parses `argv` against `spec`. Unknown `--names` fail unless they are
 * platform arguments; anything not starting with `--` fails too. `--help`
 * (unless the spec has its own) throws an ArgError with code `help` whose
 * message is `argsHelp(spec)`.
 */
export function parseArgs<Spec extends Record<string, ArgSpec>>(argv: readonly string[], spec: Spec): ParsedArgs<Spec> {
  if (!('help' in spec) && argv.includes('--help')) throw new ArgError('help', argsHelp(spec));
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(spec)) {
    out[name] = s.type === 'flag' ? false : s.default;
  }
  for (const arg of argv) {
    const m = /^--([A-Za-z0-9][A-Za-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!m) throw new ArgError('invalid', `'${arg}': expected --name=value`);
    const name = m[1]!;
    const s = spec[name] ?? PLATFORM_ARGS[name];
    if (!s) {
      const known = Object.keys(spec).map((k) => `--${k}`);
      throw new ArgError('unknown', `--${name}: unknown argument${known.length ? ` (known: ${known.join(', ')})` : ''}; --help lists them all`);
    }
    const value = convert(name, s, m[2]);
    if (name in spec) out[name] = value;
  }
  return out as ParsedArgs<Spec>;
}

/** The value's form in help texts: short, as on a command line. */
function form(spec: ArgSpec): string {
  switch (spec.type) {
    case 'int':
      return `<${spec.min}..${spec.max}>`;
    case 'string':
      return '<text>';
    case 'flag':
      return '';
    case 'ipv4':
      return '<A.B.C.D>';
    case 'ipv4-cidr':
      return '<A.B.C.D/N>';
  }
}

/** One line per argument, for `--help` texts: the form, the help text, the default. */
export function describeArgs(spec: Record<string, ArgSpec>): string {
  const rows = Object.entries(spec).map(([name, s]) => {
    const f = form(s);
    const dflt = 'default' in s && s.default !== undefined ? ` (default ${s.default})` : '';
    return [`--${name}${f ? `=${f}` : ''}`, `${s.help ?? ''}${dflt}`.trim()] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`.trimEnd()).join('\n');
}
